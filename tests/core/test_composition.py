"""Tests of ``RandomApply``, ``RandomChoice`` and ``RandomOrder`` (``keras_augment.core.composition``).

The wrapped layers are chosen so that each possible outcome is
recognisable: fixed shifts and quarter turns with nearest interpolation give
exact pixel values, so every output sample can be matched to the branch or
order it took, and counts over a batch can be compared with the stated
probabilities.
"""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest
import scipy.stats as st
import tensorflow as tf

from keras_augment.core.composition import (
    RandomApply,
    RandomChoice,
    RandomOrder,
    categorical_from_uniform,
    permutation_supersequence,
)
from keras_augment.image.mixing import CutMix, MixUp
from tests.layer_checks import (
    check_config_round_trip,
    check_dtypes,
    check_tf_data,
    check_training_changes,
    ka,
)


def shift_rows(fraction, **kw):
    """A translation by a fixed fraction of the height, exact with nearest sampling."""
    return ka.RandomTranslation(
        (fraction, fraction), 0.0, interpolation="nearest", fill_mode="constant", **kw
    )


def ramp(batch, height=12, width=16):
    """Every pixel distinct and nonzero (constant fill is 0)."""
    values = 1.0 + np.arange(height * width, dtype="float32").reshape(height, width, 1)
    return np.repeat(values[None], batch, axis=0)


# ----- the shared checks -------------------------------------------------------------------

FACTORIES = {
    "RandomApply": lambda seed=None, **kw: RandomApply(
        ka.RandomRotation(0.2, seed=seed), rate=0.7, seed=seed, **kw
    ),
    "RandomChoice": lambda seed=None, **kw: RandomChoice(
        [ka.RandomRotation(0.2, seed=seed), ka.RandomZoom(0.3, seed=seed)], seed=seed, **kw
    ),
    "RandomOrder": lambda seed=None, **kw: RandomOrder(
        [ka.RandomRotation(0.2, seed=seed), ka.RandomTranslation(0.2, 0.2, seed=seed)],
        seed=seed,
        **kw,
    ),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_shared_checks(name, noise_batch):
    """What the registry contract (tests/test_registry_contract.py) does not check."""
    make = FACTORIES[name]
    check_training_changes(make(seed=2), noise_batch)
    check_tf_data(make(seed=5), noise_batch)
    check_dtypes(make(seed=6), noise_batch)


def test_nested_compositions_round_trip():
    layer = RandomChoice(
        [RandomApply(ka.RandomFlip(seed=1), rate=0.3), RandomOrder([ka.RandomRotation(0.1)])],
        weights=[2.0, 1.0],
        seed=3,
    )
    check_config_round_trip(layer)
    clone = RandomChoice.from_config(layer.get_config())
    assert isinstance(clone.layers[0], RandomApply) and clone.layers[0].rate == 0.3
    assert clone.choice_weights == [2.0, 1.0]


# ----- RandomApply -------------------------------------------------------------------------------


def test_random_apply_rate_zero_is_identity_and_one_is_the_layer():
    images = ramp(8)
    out = RandomApply(shift_rows(0.25, seed=1), rate=0.0, seed=1)(images)
    np.testing.assert_array_equal(out.numpy(), images)
    wrapped = RandomApply(ka.RandomRotation(0.2, seed=5), rate=1.0, seed=2)(images)
    alone = ka.RandomRotation(0.2, seed=5)(images)
    np.testing.assert_allclose(wrapped.numpy(), alone.numpy(), atol=1e-4)


def test_random_apply_half_of_the_batch():
    images = ramp(64)
    shifted = shift_rows(0.25, seed=1)(images[:1]).numpy()[0]
    out = RandomApply(shift_rows(0.25, seed=1), rate=0.5, seed=4)(images).numpy()
    applied = np.all(out == shifted, axis=(1, 2, 3))
    kept = np.all(out == images[0], axis=(1, 2, 3))
    assert np.all(applied ^ kept), "every sample is either shifted or untouched"
    # Binomial(64, 0.5): mean 32, sd 4; allow 4.5 sd.
    assert 14 <= applied.sum() <= 50, applied.sum()


def test_random_apply_labels_follow():
    values = 10.0 * np.arange(8, dtype="float32")
    images = np.broadcast_to(values[:, None, None, None], (8, 6, 8, 1)).copy()
    layer = RandomApply(MixUp(alpha=1.0, num_classes=8, seed=2), rate=0.5, seed=3)
    out = layer({"images": images, "labels": np.arange(8)})
    labels = out["labels"].numpy()
    assert labels.shape == (8, 8)
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(
        out["images"].numpy().mean(axis=(1, 2, 3)), labels @ values, atol=1e-3
    )


def test_random_apply_refuses_bad_layers_and_rates():
    with pytest.raises(ValueError, match="RandomApply.*changes the image size"):
        RandomApply(ka.RandomCrop(8, 8))
    with pytest.raises(ValueError, match="RandomApply.*keras_augment layers"):
        RandomApply(keras.layers.Dense(3))
    for rate in (-0.1, 1.5, "half"):
        with pytest.raises(ValueError, match="RandomApply.*rate"):
            RandomApply(ka.RandomFlip(), rate=rate)
    with pytest.raises(ValueError, match="RandomApply.*data_format"):
        RandomApply(ka.RandomFlip(data_format="channels_first"), data_format="channels_last")


# ----- RandomChoice ----------------------------------------------------------------------------


def choice_counts(layer, n=400):
    """How often each of the shifts by 1/4, 1/2 and 3/4 of the height was taken."""
    images = ramp(n, height=8, width=4)
    out = layer(images).numpy()
    fractions = (0.25, 0.5, 0.75)
    refs = [shift_rows(f, seed=0)(images[:1]).numpy()[0] for f in fractions]
    hits = np.stack([np.all(out == r, axis=(1, 2, 3)) for r in refs], axis=1)
    assert np.all(hits.sum(axis=1) == 1), "every sample took exactly one layer"
    return hits.sum(axis=0)


@pytest.mark.parametrize("geometric", [True, False])
def test_random_choice_follows_the_weights(geometric):
    layers = [shift_rows(f, seed=i) for i, f in enumerate((0.25, 0.5, 0.75))]
    if not geometric:
        layers = [ka.Pipeline([layer]) for layer in layers]  # forces the general path
    layer = RandomChoice(layers, weights=[1, 2, 5], seed=7)
    assert (layer._sampling is not None) == geometric
    counts = choice_counts(layer)
    expected = np.array([1, 2, 5]) / 8 * counts.sum()
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < st.chi2(2).ppf(0.999), counts


def test_random_choice_zero_weight_is_never_chosen():
    layers = [shift_rows(f, seed=i) for i, f in enumerate((0.25, 0.5, 0.75))]
    counts = choice_counts(RandomChoice(layers, weights=[0, 1, 1], seed=1), n=200)
    assert counts[0] == 0 and counts[1] > 0 and counts[2] > 0


def test_random_choice_labels_follow_the_chosen_layer():
    values = 10.0 * np.arange(8, dtype="float32")
    images = np.broadcast_to(values[:, None, None, None], (8, 6, 8, 1)).copy()
    layer = RandomChoice([MixUp(alpha=1.0, seed=1), CutMix(seed=2)], seed=3)
    labels = np.eye(8, dtype="float32")
    for _ in range(2):
        out = layer({"images": images, "labels": labels})
        got = out["labels"].numpy()
        np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-6)
        np.testing.assert_allclose(
            out["images"].numpy().mean(axis=(1, 2, 3)), got @ values, atol=1e-3
        )


def test_random_choice_of_crops_gives_their_size():
    layer = RandomChoice([ka.RandomCrop(8, 8), ka.RandomResizedCrop(8, 8)], seed=1)
    out = layer(ramp(4))
    assert out.shape == (4, 8, 8, 1)
    assert layer.compute_output_shape((4, 12, 16, 1)) == (4, 8, 8, 1)


def test_random_choice_bad_arguments():
    with pytest.raises(ValueError, match="RandomChoice.*weights"):
        RandomChoice([ka.RandomFlip(), ka.RandomFlip()], weights=[1.0])
    with pytest.raises(ValueError, match="RandomChoice.*weights"):
        RandomChoice([ka.RandomFlip(), ka.RandomFlip()], weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="RandomChoice.*all be zero"):
        RandomChoice([ka.RandomFlip(), ka.RandomFlip()], weights=[0, 0])
    with pytest.raises(ValueError, match="RandomChoice.*non-empty"):
        RandomChoice([])
    with pytest.raises(ValueError, match="RandomChoice.*same output size"):
        RandomChoice([ka.RandomFlip(), ka.RandomCrop(8, 8)])


# ----- RandomOrder ------------------------------------------------------------------------------


def quarter_turn(**kw):
    return ka.RandomRotation((0.25, 0.25), interpolation="nearest", fill_mode="constant", **kw)


def shift_cols(fraction, **kw):
    return ka.RandomTranslation(
        0.0, (fraction, fraction), interpolation="nearest", fill_mode="constant", **kw
    )


@pytest.mark.parametrize("geometric", [True, False])
def test_random_order_varies_per_sample(geometric):
    images = ramp(32, height=12, width=12)
    turn, shift = quarter_turn(seed=1), shift_cols(0.25, seed=2)
    # The two orders, computed with each layer applied on its own.
    turn_then_shift = shift(turn(images[:1])).numpy()[0]
    shift_then_turn = turn(shift(images[:1])).numpy()[0]
    assert not np.array_equal(turn_then_shift, shift_then_turn)
    layers = [quarter_turn(seed=3), shift_cols(0.25, seed=4)]
    if not geometric:
        layers = [ka.Pipeline([layer]) for layer in layers]
    layer = RandomOrder(layers, seed=5)
    assert (layer._sampling is not None) == geometric
    out = layer(images).numpy()
    first = np.all(out == turn_then_shift, axis=(1, 2, 3))
    second = np.all(out == shift_then_turn, axis=(1, 2, 3))
    assert np.all(first ^ second), "every sample took one of the two orders"
    assert 5 <= first.sum() <= 27, first.sum()  # Binomial(32, 0.5) within 4 sd
    # Seeded: the same seeds give the same per-sample orders.
    again = RandomOrder(
        [quarter_turn(seed=3), shift_cols(0.25, seed=4)]
        if geometric
        else [ka.Pipeline([quarter_turn(seed=3)]), ka.Pipeline([shift_cols(0.25, seed=4)])],
        seed=5,
    )(images).numpy()
    np.testing.assert_array_equal(out, again)


def test_random_order_with_a_crop_draws_for_the_size_each_layer_sees():
    images = ramp(64)
    layer = RandomOrder([shift_cols(0.25, seed=1), ka.RandomCrop(8, 8, seed=2)], seed=3)
    out = layer(images).numpy()
    assert out.shape == (64, 8, 8, 1)
    # The output is an 8x8 window of the image, its columns starting at
    # offset `o` (negative: fill columns enter on the left). Shift first: the
    # 16-wide image moves by 4, then a crop at 0..8: o in -4..4. Crop first:
    # the 8-wide crop moves by 2 (resampled once, so the window reads the
    # image beyond the crop rather than fill): o in -2..6.
    padded = np.pad(images[0], ((0, 0), (4, 0), (0, 0)))

    def windows(offsets):
        return {padded[t : t + 8, o + 4 : o + 12].tobytes() for t in range(5) for o in offsets}

    shift_first, crop_first = windows(range(-4, 5)), windows(range(-2, 7))
    first = np.array([o.tobytes() in shift_first for o in out])
    second = np.array([o.tobytes() in crop_first for o in out])
    assert np.all(first | second), "every sample is one of the two orders"
    # Offsets -4, -3 come only from shifting first, 5, 6 only from cropping first.
    assert (first & ~second).any() and (second & ~first).any()


def test_random_order_labels_follow():
    values = 10.0 * np.arange(8, dtype="float32")
    images = np.broadcast_to(values[:, None, None, None], (8, 6, 8, 1)).copy()
    layer = RandomOrder([ka.Pipeline([ka.RandomFlip(seed=1)]), MixUp(alpha=1.0, num_classes=8)])
    out = layer({"images": images, "labels": np.arange(8)})
    labels = out["labels"].numpy()
    assert labels.shape == (8, 8)
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(
        out["images"].numpy().mean(axis=(1, 2, 3)), labels @ values, atol=1e-3
    )


def test_random_order_refuses_size_problems():
    with pytest.raises(ValueError, match="RandomOrder.*different output sizes"):
        RandomOrder([ka.RandomCrop(8, 8), ka.RandomCrop(6, 6)])
    with pytest.raises(ValueError, match="RandomOrder.*changes the image size"):
        RandomOrder([ka.Pipeline([ka.RandomCrop(8, 8)]), ka.RandomFlip()])
    with pytest.raises(ValueError, match="RandomOrder.*keras_augment layers"):
        RandomOrder([ka.RandomFlip(), "flip"])


# ----- helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_supersequence_contains_every_order(k):
    sequence = permutation_supersequence(k)
    assert len(sequence) == k * k - k + 1
    for perm in itertools.permutations(range(k)):
        it = iter(sequence)
        assert all(any(s == p for s in it) for p in perm), perm


def test_categorical_from_uniform_edges():
    u = tf.constant([0.0, 0.1249, 0.125, 0.374, 0.375, 0.999])
    np.testing.assert_array_equal(
        categorical_from_uniform(u, [1, 2, 5]).numpy(), [0, 0, 1, 1, 2, 2]
    )
    np.testing.assert_array_equal(categorical_from_uniform(u, [3]).numpy(), [0] * 6)


def test_call_time_seed_reproduces_the_whole_composition():
    images = ramp(16)
    layer = RandomChoice(
        [RandomApply(ka.Pipeline([shift_rows(0.25)]), rate=0.5), ka.Pipeline([quarter_turn()])]
    )
    a = layer(images, seed=tf.constant([1, 2])).numpy()
    b = layer(images, seed=tf.constant([1, 2])).numpy()
    c = layer(images, seed=tf.constant([3, 4])).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# ----- audio and text layers ------------------------------------------------------------


def test_random_apply_takes_an_audio_layer_per_clip():
    waves = np.tile(np.sin(np.linspace(0, 60, 800, dtype="float32"))[None], (64, 1))
    layer = RandomApply(ka.audio.Gain(gain_db=(-12.0, -6.0), seed=1), rate=0.5, seed=2)
    out = np.asarray(layer(waves))
    changed = ~np.isclose(out, waves).all(axis=1)
    # About half the clips are quieter; the others are untouched.
    assert 16 <= changed.sum() <= 48
    assert (np.abs(out[changed]).max(axis=1) < 0.51).all()
    np.testing.assert_array_equal(layer(waves, training=False), waves)
    assert layer.supports_jit and layer.augments == "audio"
    assert np.asarray(layer(waves[0])).shape == (800,)


def test_random_choice_of_text_layers_picks_one_per_text():
    text = "one two three four five six seven eight"
    layer = RandomChoice([ka.text.RandomSwap(0.5, seed=1), ka.text.RandomDeletion(0.5, seed=2)])
    out = [line.decode() for line in np.asarray(layer(tf.constant([text] * 32)))]
    swapped = [o for o in out if sorted(o.split()) == sorted(text.split()) and o != text]
    shortened = [o for o in out if len(o.split()) < len(text.split())]
    assert swapped and shortened and len(swapped) + len(shortened) >= 30
    assert layer(tf.constant(text), training=False).numpy().decode() == text
    assert not layer.supports_jit


def test_audio_and_text_compositions_nest_save_and_load(tmp_path):
    inner = RandomOrder([ka.audio.Gain(seed=1), ka.audio.PolarityInversion(seed=2)], seed=3)
    pipeline = ka.Pipeline([RandomApply(inner, rate=0.5, seed=4), ka.audio.TimeShift(seed=5)])
    inputs = keras.Input((400,))
    model = keras.Model(inputs, pipeline(inputs))
    model.save(tmp_path / "audio.keras")
    loaded = keras.models.load_model(tmp_path / "audio.keras", safe_mode=True)
    waves = np.random.default_rng(0).normal(size=(4, 400)).astype("float32")
    np.testing.assert_array_equal(loaded.predict(waves, verbose=0), waves)
    out = loaded.layers[-1](waves, training=True)
    assert out.shape == (4, 400) and not np.allclose(out, waves)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: RandomChoice([ka.RandomFlip(), ka.audio.Gain()]), "different kinds"),
        (lambda: ka.Pipeline([ka.text.RandomSwap(), ka.audio.Gain()]), "different kinds"),
        (lambda: RandomOrder([ka.audio.Gain(), ka.audio.TimeMasking()]), "different inputs"),
        (lambda: RandomApply(ka.text.EDA(num_aug=2)), "variants"),
    ],
)
def test_mixing_kinds_is_refused_naming_the_composition(make, message):
    with pytest.raises(ValueError, match=message):
        make()
