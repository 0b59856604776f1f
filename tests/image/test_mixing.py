"""Tests of ``MixUp`` and ``CutMix`` in ``keras_augment.image.mixing``.

Labels are the evidence: with one class per sample (identity one-hot
labels), a mixed label names the partner and the mixing weight, so every
output image can be checked exactly against ``w * x[i] + (1 - w) * x[p]``
(MixUp) or against a box of the partner's pixels whose area is the label
weight (CutMix). Images that are constant per sample give a second check
that survives batching in ``tf.data``: an image's mean must equal the
label-weighted mean of the class values.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
import tensorflow as tf

from keras_augment.core.random import Sampler
from keras_augment.image.mixing import CutMix, MixUp, partner_indices, sample_beta
from tests.layer_checks import (
    check_config_round_trip,
    check_dtypes,
    check_tf_data,
    check_training_changes,
)

N, H, W, C = 8, 16, 20, 3
RNG = np.random.default_rng(3)
IMAGES = RNG.uniform(0, 255, (N, H, W, C)).astype("float32")
ONE_HOT = np.eye(N, dtype="float32")  # one class per sample

FACTORIES = {
    "MixUp": lambda **kw: MixUp(alpha=1.0, **kw),
    "CutMix": lambda **kw: CutMix(**kw),
}


def recover(labels_out):
    """Per sample: own weight and partner index (itself when the label is unmixed)."""
    own = np.diag(labels_out).copy()
    others = labels_out - np.diag(own)
    partner = np.where(own < 1.0, others.argmax(axis=1), np.arange(len(own)))
    return own, partner


# ----- the shared checks -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_shared_checks(name, noise_batch):
    """What the registry contract (tests/test_registry_contract.py) does not check."""
    make = FACTORIES[name]
    images = noise_batch
    check_training_changes(make(seed=2), IMAGES)
    check_config_round_trip(make(seed=3, same_class=True, num_classes=5))
    out = check_tf_data(make(seed=5), images)
    assert np.all(np.isfinite(out))
    check_dtypes(make(seed=6), images)


# ----- MixUp ------------------------------------------------------------------------------


def test_mixup_images_are_the_convex_combinations_the_labels_state():
    layer = MixUp(alpha=1.0, seed=11)
    weights = []
    for _ in range(3):
        out = layer({"images": IMAGES, "labels": ONE_HOT})
        labels, images = out["labels"].numpy(), out["images"].numpy()
        np.testing.assert_allclose(labels.sum(axis=1), 1.0, atol=1e-6)
        assert np.all(labels >= 0.0)
        own, partner = recover(labels)
        assert sorted(partner) == list(range(N)), "partners must form a permutation"
        # Each label mixes at most two classes: its own and its partner's.
        assert np.all((labels > 0).sum(axis=1) <= 2)
        expected = (
            own[:, None, None, None] * IMAGES + (1 - own[:, None, None, None]) * IMAGES[partner]
        )
        np.testing.assert_allclose(images, expected, atol=2e-3)
        weights.extend(own[partner != np.arange(N)])
    # Per-sample weights: many distinct values, spread like Beta(1, 1).
    assert len(np.unique(np.round(weights, 4))) > 10
    assert 0.3 < np.mean(weights) < 0.7


def test_mixup_batchwise_shares_one_weight():
    out = MixUp(alpha=1.0, seed=3, batchwise=True)({"images": IMAGES, "labels": ONE_HOT})
    own, partner = recover(out["labels"].numpy())
    moved = own[partner != np.arange(N)]
    assert len(moved) > 1
    np.testing.assert_allclose(moved, moved[0], atol=1e-6)


def test_mixup_integer_labels_with_num_classes_come_out_one_hot():
    layer = MixUp(alpha=1.0, num_classes=N, seed=4)
    indices = np.arange(N, dtype="int32")
    out = layer({"images": IMAGES, "labels": indices})
    assert out["labels"].shape == (N, N) and out["labels"].dtype == tf.float32
    np.testing.assert_allclose(out["labels"].numpy().sum(axis=1), 1.0, atol=1e-6)
    # The same form at inference, so a model sees one label format.
    inferred = layer({"images": IMAGES, "labels": indices[:, None]}, training=False)
    np.testing.assert_array_equal(inferred["labels"].numpy(), ONE_HOT)
    np.testing.assert_array_equal(inferred["images"].numpy(), IMAGES)


def test_mixup_channels_first_matches_channels_last():
    last = MixUp(alpha=1.0, seed=9, data_format="channels_last")
    first = MixUp(alpha=1.0, seed=9, data_format="channels_first")
    a = last({"images": IMAGES, "labels": ONE_HOT})
    b = first({"images": np.transpose(IMAGES, (0, 3, 1, 2)), "labels": ONE_HOT})
    np.testing.assert_allclose(np.transpose(b["images"].numpy(), (0, 2, 3, 1)), a["images"].numpy())
    np.testing.assert_array_equal(a["labels"].numpy(), b["labels"].numpy())


def test_unbatched_sample_mixes_with_itself():
    for layer in (MixUp(seed=1), CutMix(seed=1)):
        out = layer({"images": IMAGES[0], "labels": ONE_HOT[0]})
        np.testing.assert_allclose(out["images"].numpy(), IMAGES[0], atol=1e-4)
        np.testing.assert_allclose(out["labels"].numpy(), ONE_HOT[0], atol=1e-6)


# ----- CutMix -----------------------------------------------------------------------------


def test_cutmix_pastes_a_box_whose_area_is_the_label_weight():
    layer = CutMix(seed=21)
    checked = 0
    for _ in range(3):
        out = layer({"images": IMAGES, "labels": ONE_HOT})
        labels, images = out["labels"].numpy(), out["images"].numpy()
        np.testing.assert_allclose(labels.sum(axis=1), 1.0, atol=1e-6)
        own, partner = recover(labels)
        for i in range(N):
            changed = np.any(images[i] != IMAGES[i], axis=-1)
            if partner[i] == i:
                assert not changed.any()
                continue
            rows, cols = np.nonzero(changed)
            if rows.size:
                # The changed pixels fill a rectangle...
                box = changed[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
                assert box.all()
                # ...holding the partner's pixels, the rest untouched.
                np.testing.assert_array_equal(images[i][changed], IMAGES[partner[i]][changed])
            np.testing.assert_array_equal(images[i][~changed], IMAGES[i][~changed])
            pasted = changed.sum() / (H * W)
            np.testing.assert_allclose(labels[i, partner[i]], pasted, atol=1e-6)
            np.testing.assert_allclose(own[i], 1.0 - pasted, atol=1e-6)
            checked += 1
    assert checked >= 10


def test_cutmix_zero_factor_swaps_whole_images_or_nothing():
    # factor 0 gives Beta(1e-6, 1e-6): boxes cover the whole image or nothing.
    out = CutMix(factor=0.0, seed=2)({"images": IMAGES, "labels": ONE_HOT})
    labels, images = out["labels"].numpy(), out["images"].numpy()
    for i in range(N):
        source = int(labels[i].argmax())
        assert labels[i, source] == 1.0
        np.testing.assert_array_equal(images[i], IMAGES[source])


def test_cutmix_factor_follows_keras():
    assert CutMix(0.4).factor == (0.0, 0.4)
    assert CutMix((0.6, 0.2)).factor == (0.2, 0.6)  # Keras sorts the pair
    assert CutMix().factor == (0.0, 1.0)


# ----- same-class mixing ---------------------------------------------------------------------

CLASSES = np.array([0, 0, 1, 1, 1, 2, 2, 3], "int32")  # class 3 has one sample


def class_coded_images():
    """Noise, except channel 0 which holds 40 * class: constant within a class."""
    images = IMAGES.copy()
    images[..., 0] = 40.0 * CLASSES[:, None, None]
    return images


@pytest.mark.parametrize("layer_cls", [MixUp, CutMix])
@pytest.mark.parametrize("form", ["indices", "one_hot"])
def test_same_class_never_mixes_classes(layer_cls, form):
    images = class_coded_images()
    labels = CLASSES if form == "indices" else np.eye(4, dtype="float32")[CLASSES]
    kwargs = {"alpha": 1.0} if layer_cls is MixUp else {}
    layer = layer_cls(same_class=True, seed=5, **kwargs)
    changed_any = np.zeros(N, bool)
    for _ in range(4):
        out = layer({"images": images, "labels": labels})
        got = out["images"].numpy()
        # Channel 0 is constant within a class: any cross-class mixing would move it.
        np.testing.assert_allclose(got[..., 0], images[..., 0], atol=1e-3)
        np.testing.assert_array_equal(out["labels"].numpy(), labels)
        changed_any |= np.any(np.abs(got - images) > 1e-3, axis=(1, 2, 3))
        # The lone sample of class 3 is mixed with itself.
        np.testing.assert_allclose(got[7], images[7], atol=1e-3)
    assert changed_any[:7].sum() >= 4, "same-class partners were never used"
    if form == "indices":
        assert out["labels"].dtype == tf.int32


def test_same_class_with_num_classes_gives_one_hot_of_own_class():
    out = MixUp(same_class=True, num_classes=4, seed=1)({"images": IMAGES, "labels": CLASSES})
    np.testing.assert_allclose(out["labels"].numpy(), np.eye(4)[CLASSES], atol=1e-6)


def test_partner_indices_is_a_permutation_within_classes():
    classes = tf.constant([2, 0, 2, 1, 0, 2, 1, 1, 0, 3])
    seen = set()
    for seed in range(20):
        keys = tf.random.stateless_uniform([10], [seed, 0])
        other = tf.random.stateless_uniform([10], [seed, 1])
        p = partner_indices(keys, other, classes).numpy()
        assert sorted(p) == list(range(10))
        np.testing.assert_array_equal(classes.numpy()[p], classes.numpy())
        seen.add(tuple(p))
    assert len(seen) > 10


# ----- the Beta sampler ------------------------------------------------------------------------


@pytest.mark.parametrize("a,b", [(0.2, 0.2), (1.0, 1.0), (2.0, 5.0)])
def test_beta_sampler_matches_the_distribution(a, b):
    draws = sample_beta(Sampler(tf.constant([5, 6], tf.int64), 20000), a, b).numpy()
    assert np.all((draws >= 0) & (draws <= 1))
    edges = np.linspace(0, 1, 11)
    edges[-1] = 1.0 + 1e-9  # float32 rounds draws within 6e-8 of 1 to exactly 1
    observed = np.histogram(draws, edges)[0]
    expected = np.diff(st.beta(a, b).cdf(np.minimum(edges, 1.0))) * len(draws)
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert chi2 < st.chi2(9).ppf(0.999), (observed, expected.round())


# ----- pipelines ---------------------------------------------------------------------------------


def test_xla_with_labels():
    # XLA compilation is slow on small machines: the plain-image path of both
    # layers compiles in the shared checks, the label path once here.
    layer = CutMix(seed=3, num_classes=N)
    fn = tf.function(lambda x, y: layer({"images": x, "labels": y}), jit_compile=True)
    out = fn(tf.constant(IMAGES), tf.range(N))
    np.testing.assert_allclose(out["labels"].numpy().sum(axis=1), 1.0, atol=1e-6)
    assert out["images"].shape == IMAGES.shape


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_tf_data_keeps_labels_with_their_images(name):
    classes = 16
    values = 10.0 * np.arange(classes, dtype="float32")
    images = np.broadcast_to(values[:, None, None, None], (classes, 6, 8, 1)).copy()
    labels = np.eye(classes, dtype="float32")
    layer = FACTORIES[name](seed=4)
    ds = (
        tf.data.Dataset.from_tensor_slices({"images": images, "labels": labels})
        .shuffle(classes, seed=1)
        .batch(8)
        .map(layer, num_parallel_calls=tf.data.AUTOTUNE)
    )
    mixed = 0
    for batch in ds.as_numpy_iterator():
        np.testing.assert_allclose(batch["labels"].sum(axis=1), 1.0, atol=1e-6)
        # Constant images: the mean is the label-weighted class value.
        np.testing.assert_allclose(
            batch["images"].mean(axis=(1, 2, 3)), batch["labels"] @ values, atol=1e-3
        )
        mixed += int(np.sum(batch["labels"].max(axis=1) < 0.999))
    assert mixed > 0


# ----- errors --------------------------------------------------------------------------------------


def test_bad_inputs_give_clear_errors():
    layer = MixUp(seed=1)
    with pytest.raises(ValueError, match="MixUp.*'labels'"):
        layer({"images": IMAGES})
    with pytest.raises(ValueError, match="MixUp.*shape"):
        layer({"images": IMAGES, "labels": ONE_HOT[:, :, None]})
    with pytest.raises(ValueError, match="MixUp.*num_classes"):
        layer({"images": IMAGES, "labels": np.arange(N)})
    with pytest.raises(ValueError, match="MixUp.*labels for 4 images"):
        layer({"images": IMAGES[:4], "labels": ONE_HOT})
    with pytest.raises(ValueError, match="CutMix.*num_classes=5"):
        CutMix(num_classes=5)({"images": IMAGES, "labels": ONE_HOT})
    with pytest.raises(ValueError, match="CutMix.*needs labels"):
        CutMix(same_class=True)(IMAGES)
    with pytest.raises(TypeError, match="MixUp.*string"):
        layer({"images": IMAGES, "labels": np.array(["a"] * N)})


@pytest.mark.parametrize("alpha", [0.0, -1.0, "big", None])
def test_bad_alpha(alpha):
    with pytest.raises(ValueError, match="MixUp.*alpha"):
        MixUp(alpha=alpha)


@pytest.mark.parametrize("factor", [1.5, -0.1, (0.2, 2.0), "x"])
def test_bad_factor(factor):
    with pytest.raises(ValueError, match="CutMix.*factor"):
        CutMix(factor=factor)


@pytest.mark.parametrize("kwargs", [{"num_classes": 0}, {"num_classes": 2.5}, {"same_class": 1}])
def test_bad_label_options(kwargs):
    with pytest.raises(ValueError, match="MixUp"):
        MixUp(**kwargs)


def test_call_time_seed_reproduces():
    layer = CutMix()
    a = layer({"images": IMAGES, "labels": ONE_HOT}, seed=tf.constant([5, 6]))
    b = layer({"images": IMAGES, "labels": ONE_HOT}, seed=tf.constant([5, 6]))
    np.testing.assert_array_equal(a["images"].numpy(), b["images"].numpy())
    np.testing.assert_array_equal(a["labels"].numpy(), b["labels"].numpy())


def test_mixup_weights_are_distributed_as_in_keras():
    # Keras' MixUp on the same one-class-per-sample labels: the own-label
    # shares of both layers must come from the same distribution.
    import keras

    n = 64
    images = np.zeros((n, 2, 2, 1), "float32")
    labels = np.eye(n, dtype="float32")

    def shares(layer, calls=6):
        out = []
        for _ in range(calls):
            got = np.asarray(layer({"images": images, "labels": labels})["labels"])
            own, partner = recover(got)
            out.extend(own[partner != np.arange(n)])
        return np.array(out)

    ours = shares(MixUp(alpha=0.4, seed=1))
    theirs = shares(keras.layers.MixUp(alpha=0.4, seed=1))
    assert st.ks_2samp(ours, theirs).pvalue > 1e-3
    assert st.ks_2samp(ours, st.beta(0.4, 0.4).rvs(2000, random_state=0)).pvalue > 1e-3


@pytest.mark.parametrize("layer_class", [MixUp, CutMix])
def test_an_empty_batch_gives_labels_in_the_form_of_every_other_batch(layer_class):
    # A tf.data pipeline's last batch may be empty; its labels must have the
    # shape and dtype of the others (one-hot float), in training and inference.
    layer = layer_class(num_classes=3, seed=1)
    for n in (0, 2):
        for training in (True, False):
            out = layer(
                {"images": tf.zeros([n, 8, 8, 3]), "labels": tf.zeros([n], tf.int32)},
                training=training,
            )
            assert out["labels"].shape == (n, 3) and out["labels"].dtype == tf.float32
