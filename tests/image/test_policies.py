"""RandAugment, AugMix, TrivialAugmentWide and AutoAugment.

Compilation dominates the cost of these tests, so the checks share a few
image shapes and layer configurations (compiled functions are shared by
layers with the same configuration).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, ImageEnhance, ImageOps

from keras_augment.core.base import Batch
from keras_augment.core.resample import axis_aligned_each, resample
from keras_augment.image import policies
from keras_augment.image.policies import AugMix, AutoAugment, RandAugment, TrivialAugmentWide
from tests.layer_checks import (
    check_dtypes,
    check_tf_data,
    check_training_changes,
    check_xla,
)

LAYERS = {
    "RandAugment": RandAugment,
    "AugMix": AugMix,
    "TrivialAugmentWide": TrivialAugmentWide,
    "AutoAugment": AutoAugment,
}


def _draw(layer, images):
    return layer.draw_params(Batch(tf.convert_to_tensor(images, tf.float32)))


def _forced(params, op_indices):
    out = dict(params)
    out["op_indices"] = tf.constant(op_indices, tf.int32)
    return out


# ----- behaviour every layer shares ------------------------------------------------


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_shared_checks(name, small_photos):
    """What the registry contract (tests/test_registry_contract.py) does not check."""
    layer = LAYERS[name](seed=1)
    check_training_changes(layer, small_photos)
    check_dtypes(layer, small_photos)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_xla_and_tf_data(name, small_photos):
    layer = LAYERS[name](seed=2)
    out = np.asarray(check_xla(layer, small_photos))
    assert not np.allclose(out, small_photos)
    assert np.all(out >= 0.0) and np.all(out <= 255.0)
    out = check_tf_data(layer, small_photos)
    assert not np.allclose(out, small_photos)


# ----- per-sample choices, drawn at run time ----------------------------------------


def test_rand_augment_chooses_ops_per_sample():
    layer = RandAugment(seed=5)
    ops = np.asarray(_draw(layer, np.zeros((32, 8, 8, 3)))["op_indices"])
    assert ops.shape == (32, 2)
    assert ops.min() >= 0 and ops.max() < len(policies.RAND_AUGMENT_OPS)
    # Keras would give every row the same pair.
    assert len({tuple(row) for row in ops}) > 10
    assert len(np.unique(ops)) == len(policies.RAND_AUGMENT_OPS)


def test_aug_mix_chooses_chains_per_sample():
    layer = AugMix(seed=6)
    params = _draw(layer, np.zeros((32, 8, 8, 3)))
    ops = np.asarray(params["op_indices"])
    assert ops.shape == (32, 3, 3)
    # Values 0..10 are operations, 11 is "nothing": all appear.
    assert set(np.unique(ops)) == set(range(len(policies.AUG_MIX_ALL_OPS) + 1))
    assert len({row.tobytes() for row in ops}) == 32
    weights = np.asarray(params["chain_weights"])
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(weights > 0.0)
    assert len(np.unique(np.round(weights[:, 0], 4))) == 32
    mix = np.asarray(params["mix_weight"])
    assert np.all((mix >= 0.0) & (mix <= 1.0)) and mix.std() > 0.05


@pytest.mark.parametrize("name", ["RandAugment", "AugMix"])
def test_choices_change_from_batch_to_batch_in_tf_data(name, small_photos):
    layer = LAYERS[name](seed=7)
    same = np.repeat(small_photos[:1], 6, axis=0)
    ds = tf.data.Dataset.from_tensor_slices(same).batch(2)
    # The op indices drawn inside a traced graph, batch after batch.
    indices = ds.map(lambda x: layer.draw_params(Batch(x))["op_indices"])
    drawn = [np.asarray(v) for v in indices.as_numpy_iterator()]
    assert len({d.tobytes() for d in drawn}) == 3
    # And the images: identical inputs, different outputs in every batch.
    images = ds.map(lambda x: layer(x, training=True), num_parallel_calls=tf.data.AUTOTUNE)
    out = np.concatenate(list(images.as_numpy_iterator()))
    assert len({np.round(o, 2).tobytes() for o in out}) == 6


# ----- Keras parity -------------------------------------------------------------------


def _keras_rand_augment_op(keras_layer, images, k, args):
    """Keras RandAugment forced to op ``k``, with our magnitudes where Keras draws its own."""
    transformation = keras_layer.get_random_transformation(images, training=True)
    transformation["layer_idxes"] = tf.constant([k])
    transforms = transformation["transforms"]
    shear = args["random_shear"]
    transforms["random_shear"]["shear_factor"] = tf.stack([shear["x"], shear["y"]], axis=1)
    bits = args["random_posterization"]["bits"]
    transforms["random_posterization"]["shift_factor"] = tf.cast(8 - bits, "uint8")
    factor = args["random_contrast"]["factor"]
    transforms["random_contrast"]["contrast_factor"] = tf.reshape(factor, [-1, 1, 1, 1])
    solar = args["solarization"]
    transforms["solarization"]["additions"] = tf.reshape(solar["addition"] * 255, [-1, 1, 1, 1])
    transforms["solarization"]["thresholds"] = tf.reshape(solar["threshold"] * 255, [-1, 1, 1, 1])
    if policies.RAND_AUGMENT_OPS[k] == "equalization":
        # Keras pools the histogram over the batch; one image at a time is per image.
        return np.concatenate(
            [keras_layer.equalization.transform_images(img[None], None) for img in images]
        )
    return np.asarray(keras_layer.transform_images(tf.constant(images), transformation))


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1)])
def test_rand_augment_ops_match_keras(small_photos, value_range):
    """Each operation, forced for the whole batch, equals Keras' sub-layer at the same magnitude.

    Keras decides shear signs, posterize bits, contrast factors and the
    solarization draws on its own; those are replaced by ours, the rest
    (rotation, translation, brightness, colour degeneration, sharpness
    strength) follow from the fixed factor.
    """
    images = small_photos / 255.0 if value_range == (0, 1) else small_photos
    scale = value_range[1]
    factor = (0.3, 0.3)
    ours = RandAugment(value_range=value_range, factor=factor, seed=8)
    theirs = keras.layers.RandAugment(value_range=value_range, num_ops=1, factor=factor, seed=8)
    params = _draw(ours, images)
    n = len(images)
    for k, op in enumerate(policies.RAND_AUGMENT_OPS):
        # Our second slot does nothing (-1 matches no operation).
        got = np.asarray(ours.apply_images(images, _forced(params, [[k, -1]] * n)))
        expected = _keras_rand_augment_op(theirs, images, k, params["args"][0])
        if op == "random_sharpness":
            # Keras zero-pads its smoothing filter (darkening the border); we keep border pixels.
            got, expected = got[:, 1:-1, 1:-1], expected[:, 1:-1, 1:-1]
        np.testing.assert_allclose(got, expected, atol=2e-3 * scale, err_msg=op)
        assert got.min() >= 0.0 and got.max() <= scale, op
        source = images[:, 1:-1, 1:-1] if op == "random_sharpness" else images
        assert np.abs(got - source).max() > 0.01 * scale, op


def test_rand_augment_magnitudes_follow_keras_ranges():
    layer = RandAugment(factor=0.5, seed=9)
    height, width = 40, 60
    args = _draw(layer, np.zeros((256, height, width, 3)))["args"]
    for slot in args:
        angle = np.asarray(slot["random_rotation"]["angle"])
        assert angle.min() >= 0.0 and angle.max() <= np.pi and angle.max() > 2.5
        shift_x = np.asarray(slot["random_translation"]["x"])
        assert shift_x.min() >= 0.0 and shift_x.max() <= 0.5 * width and shift_x.max() > 25
        shear = np.asarray(slot["random_shear"]["x"])
        assert np.abs(shear).max() <= 0.5 and shear.min() < -0.4 and shear.max() > 0.4
        contrast = np.asarray(slot["random_contrast"]["factor"])
        assert contrast.min() >= 1.0 and contrast.max() <= 1.5
        bits = np.asarray(slot["random_posterization"]["bits"])
        assert set(np.unique(bits)) == {1.0, 2.0, 3.0}  # Keras: RandomPosterization(4)
        sharp = np.asarray(slot["random_sharpness"]["factor"])
        assert sharp.min() >= 0.0 and sharp.max() <= 1.0


def test_aug_mix_without_operations_returns_the_input(small_photos):
    layer = AugMix(seed=10)
    params = _draw(layer, small_photos)
    nothing = len(policies.AUG_MIX_ALL_OPS)
    out = layer.apply_images(small_photos, _forced(params, np.full((4, 3, 3), nothing)))
    np.testing.assert_allclose(np.asarray(out), small_photos, atol=1e-3)


@pytest.mark.parametrize("op", ["random_brightness", "equalization"])
def test_aug_mix_mixes_like_keras(small_photos, op):
    """One operation in the first chain, none elsewhere: Keras' mixing formula with its sub-layer."""
    layer = AugMix(seed=11)
    params = _draw(layer, small_photos)
    nothing = len(policies.AUG_MIX_ALL_OPS)
    k = policies.AUG_MIX_ALL_OPS.index(op)
    indices = np.full((4, 3, 3), nothing)
    indices[:, 0, 1] = k
    got = np.asarray(layer.apply_images(small_photos, _forced(params, indices)))

    keras_layer = keras.layers.AugMix(seed=11)
    if op == "random_brightness":
        delta = np.asarray(params["args"][1][op]["delta"])[:, 0] * 255.0
        sub = {"rgb_delta": tf.constant(delta.reshape(-1, 1, 1, 1), tf.float32)}
        chain = np.asarray(keras_layer.random_brightness.transform_images(small_photos, sub))
    else:
        chain = np.concatenate(
            [keras_layer.equalization.transform_images(img[None], None) for img in small_photos]
        )
    w = np.asarray(params["chain_weights"])[:, :, None, None, None]
    m = np.asarray(params["mix_weight"])[:, None, None, None]
    mixed = w[:, 0] * chain + (w[:, 1] + w[:, 2]) * small_photos
    expected = np.clip(m * small_photos + (1.0 - m) * mixed, 0.0, 255.0)
    np.testing.assert_allclose(got, expected, atol=0.05)
    assert np.abs(got - small_photos).mean() > 0.5


# ----- value ranges -------------------------------------------------------------------


def test_aug_mix_value_range_unit_interval(small_photos):
    # RandAugment's (0, 1) behaviour is checked against Keras above; seeded
    # reproducibility is part of the shared checks.
    images = small_photos / 255.0
    layer = AugMix(value_range=(0, 1), seed=12)
    out = np.asarray(layer(images))
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert np.abs(out - images).mean() > 0.01


# ----- TrivialAugmentWide and AutoAugment ------------------------------------------------


def test_trivial_augment_draws_one_op_and_level_per_sample():
    layer = TrivialAugmentWide(seed=14)
    params = _draw(layer, np.zeros((512, 8, 8, 3)))
    ops = np.asarray(params["op_indices"])
    assert ops.shape == (512, 1)
    counts = np.bincount(ops[:, 0], minlength=len(policies.TRIVIAL_AUGMENT_OPS))
    assert counts.min() > 15  # uniform: about 37 each
    levels = np.asarray(params["levels"]) * 30
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-4)
    assert len(np.unique(np.round(levels))) == 31


def test_auto_augment_follows_the_imagenet_table():
    layer = AutoAugment(seed=15)
    params = _draw(layer, np.zeros((2000, 8, 8, 3)))
    sub = np.asarray(params["sub_policy"])
    ops = np.asarray(params["op_indices"])
    assert len(np.unique(sub)) == 25
    for j in range(2):
        table = np.array(
            [policies.AUTO_AUGMENT_OPS.index(s[j][0]) for s in policies.IMAGENET_POLICY]
        )
        applied = ops[:, j] >= 0
        np.testing.assert_array_equal(ops[applied, j], table[sub[applied]])
        probs = np.array([s[j][1] for s in policies.IMAGENET_POLICY])[sub]
        # Never applied at probability 0, always at 1, about right in between.
        assert not applied[probs == 0.0].any() and applied[probs == 1.0].all()
        middle = (probs > 0.0) & (probs < 1.0)
        assert abs(applied[middle].mean() - probs[middle].mean()) < 0.05


def _pil(image: np.ndarray) -> Image.Image:
    return Image.fromarray(image.astype("uint8"))


@pytest.mark.parametrize(
    "op, level, sign, reference",
    [
        ("Brightness", 0.5, 1.0, lambda im: ImageEnhance.Brightness(im).enhance(1.495)),
        ("Color", 0.5, -1.0, lambda im: ImageEnhance.Color(im).enhance(0.505)),
        ("Contrast", 1.0, 1.0, lambda im: ImageEnhance.Contrast(im).enhance(1.99)),
        ("Posterize", 0.5, 1.0, lambda im: ImageOps.posterize(im, 5)),
        ("Solarize", 0.5, 1.0, lambda im: ImageOps.solarize(im, 128)),
        ("AutoContrast", 0.0, 1.0, ImageOps.autocontrast),
    ],
)
def test_trivial_augment_ops_match_pil(photo, op, level, sign, reference):
    images = np.stack([photo[:48, :64], photo[100:148, 200:264]]).astype("float32")
    layer = TrivialAugmentWide(seed=16)
    params = _draw(layer, images)
    n = len(images)
    params["args"] = [
        policies.pil_op_args(policies.WIDE_RANGES, tf.fill([n], level), tf.fill([n], sign), 48, 64)
    ]
    k = policies.TRIVIAL_AUGMENT_OPS.index(op)
    got = np.asarray(layer.apply_images(images, _forced(params, [[k]] * n)))
    expected = np.stack([np.asarray(reference(_pil(img)), "float32") for img in images])
    # PIL rounds to integers (and Contrast rounds its mean); we keep floats.
    np.testing.assert_allclose(got, expected, atol=1.5, err_msg=op)


def test_trivial_augment_rotation_matches_pil(photo):
    image = photo[:48, :64].astype("float32")
    layer = TrivialAugmentWide(seed=17)
    params = _draw(layer, image[None])
    params["args"] = [
        policies.pil_op_args(policies.WIDE_RANGES, tf.constant([2.0 / 9.0]), tf.ones([1]), 48, 64)
    ]
    k = policies.TRIVIAL_AUGMENT_OPS.index("Rotate")
    got = np.asarray(layer.apply_images(image[None], _forced(params, [[k]])))[0]
    expected = np.asarray(_pil(image).rotate(30.0, resample=Image.NEAREST), "float32")
    # Nearest-neighbour: the same pixels except along a few rounding boundaries.
    assert np.mean(np.abs(got - expected) < 1e-3) > 0.95


# ----- constructor checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: RandAugment(num_ops=-1), "num_ops"),
        (lambda: RandAugment(num_ops=1.5), "num_ops"),
        (lambda: RandAugment(factor=1.5), "factor"),
        (lambda: RandAugment(factor=(0.6, 0.2)), "factor"),
        (lambda: RandAugment(value_range=(1, 0)), "value_range"),
        (lambda: RandAugment(interpolation="cubic"), "interpolation"),
        (lambda: AugMix(num_chains=0), "num_chains"),
        (lambda: AugMix(chain_depth=-1), "chain_depth"),
        (lambda: AugMix(alpha=0.0), "alpha"),
        (lambda: AugMix(all_ops="yes"), "all_ops"),
        (lambda: AugMix(factor=-0.1), "factor"),
        (lambda: TrivialAugmentWide(num_magnitude_bins=1), "num_magnitude_bins"),
        (lambda: TrivialAugmentWide(fill_mode="mirror"), "fill_mode"),
        (lambda: AutoAugment(policy="cifar10"), "policy"),
        (lambda: AutoAugment(value_range=(0,)), "value_range"),
    ],
)
def test_bad_arguments_name_the_layer(make, message):
    with pytest.raises(ValueError) as err:
        make()
    text = str(err.value)
    assert message in text
    assert any(name in text for name in LAYERS)


# ----- uint8 in, uint8 out: pointwise operations as lookup tables --------------------------

_OPS = [policies.ALL_OPS[name] for name in policies.RAND_AUGMENT_OPS]


def _rounded_float_reference(layer, images, params, pairs):
    """The float kernels, rounded to whole levels where the table path rounds.

    The table path keeps pixels uint8: it rounds after the resample and after
    each colour operation that is not a table (colour degeneration,
    sharpness), and the composed tables once at the end.
    """

    def run(x, ops):
        return np.asarray(layer.apply_images(x, _forced(params, ops)))

    geometry = [[k if _OPS[k].matrix else -1 for k in pair] for pair in pairs]
    x = np.round(run(images, geometry))
    for s in range(2):
        step = [
            [pair[s] if t == s and _OPS[pair[s]].color else -1 for t in range(2)] for pair in pairs
        ]
        x = run(x, step)
        other = np.array(
            [_OPS[pair[s]].color is not None and _OPS[pair[s]].table is None for pair in pairs]
        )
        x = np.where(other[:, None, None, None], np.round(x), x)
    return np.clip(np.round(x), 0, 255).astype(int)


def test_uint8_path_equals_the_float_kernels_rounded_where_it_rounds(small_photos):
    """Every pair of the eleven operations, each sample its own pair.

    Pointwise operations compose as tables holding the float kernels' values,
    so the only differences are the roundings of uint8 pixels (after the
    resample, after colour degeneration or sharpness). With the reference
    rounded at the same points the pixels agree, but for a value that lands
    on a half level in one order of float arithmetic and not the other.
    """
    layer = RandAugment(seed=20)
    params = _draw(layer, small_photos)
    uint8_images = tf.constant(small_photos.astype("uint8"))
    assert policies.uses_tables(uint8_images, (0, 255), "uint8")
    k = len(_OPS)
    pairs = [(a, b) for a in range(k) for b in range(k)]
    for start in range(0, len(pairs), 4):
        chosen = (pairs[start : start + 4] * 4)[:4]
        got = layer.apply_images(uint8_images, _forced(params, chosen), output_dtype="uint8")
        assert got.dtype == tf.uint8
        expected = _rounded_float_reference(layer, small_photos, params, chosen)
        difference = np.abs(np.asarray(got, int) - expected)
        assert difference.max() <= 1 and np.mean(difference == 0) > 0.999, chosen
    # Each sample gets its own pair: swapping two samples' choices swaps the results.
    chosen = [(10, 2), (4, 7), (6, 9), (3, 8)]
    swapped = [chosen[1], chosen[0], *chosen[2:]]
    first = np.asarray(
        layer.apply_images(uint8_images, _forced(params, chosen), output_dtype="uint8")
    )
    second = np.asarray(
        layer.apply_images(uint8_images, _forced(params, swapped), output_dtype="uint8")
    )
    np.testing.assert_array_equal(first[2:], second[2:])
    assert np.abs(first[0].astype(int) - second[0]).mean() > 1.0


def test_uint8_path_moves_only_the_samples_that_chose_geometry(small_photos):
    """Five of six samples chose geometry (two steps of the resampler, the second
    repeating its last sample); each equals the rounded float reference, and the
    sample without geometry is read through its tables only."""
    images = np.concatenate([small_photos, small_photos[:2, ::-1]])
    layer = RandAugment(seed=23)
    params = _draw(layer, images)
    chosen = [(0, 3), (1, 5), (2, 9), (7, 8), (1, 10), (2, 4)]
    got = layer.apply_images(
        tf.constant(images.astype("uint8")), _forced(params, chosen), output_dtype="uint8"
    )
    expected = _rounded_float_reference(layer, images, params, chosen)
    difference = np.abs(np.asarray(got, int) - expected)
    assert difference.max() <= 1 and np.mean(difference == 0) > 0.999
    moved = np.abs(np.asarray(got, int) - images.astype("uint8")).mean(axis=(1, 2, 3))
    assert np.all(moved[[0, 1, 2, 4, 5]] > 1.0)


def _through_tables(images, op_indices, args, names):
    """The uint8 table path as a graph traced afresh (a patched ``tables`` module takes effect;
    without XLA it compiles in a fraction of the time)."""
    ops = [policies.ALL_OPS[name] for name in names]

    def run(x, i, a):
        return policies.apply_policy_ops(
            x, i, a, ops, (0, 255), "nearest", "constant", 0.0, "uint8"
        )

    compiled = tf.function(run, autograph=False)
    return np.asarray(compiled(images, op_indices, args), int)


@pytest.mark.parametrize("names", ["RAND_AUGMENT_OPS", "AUTO_AUGMENT_OPS"])
def test_uint8_pseudo_counts_give_what_the_full_histogram_gives(photo, names, monkeypatch):
    """Every pair of table operations, and every triple with a colour degeneration or
    sharpness (which resets the table and counts again) between two of them, each on three
    16x16 pieces of the photograph (one piece flat, one a ramp over all levels): the
    samples counted as two levels per channel come out as when every sample counts its
    full histogram."""
    names = getattr(policies, names)
    ops = [policies.ALL_OPS[name] for name in names]
    tabled = [k for k, op in enumerate(ops) if op.table is not None]
    other = [k for k, op in enumerate(ops) if op.color is not None and op.table is None]
    chosen = [(a, b, -1) for a in tabled for b in tabled]
    chosen += [(a, o, b) for a in tabled for o in other for b in tabled]
    chosen *= 3
    pieces = [photo[r : r + 16, c : c + 16] for r in range(0, 224, 20) for c in range(0, 344, 20)]
    pieces.append(np.full((16, 16, 3), 90))
    pieces.append(np.broadcast_to(np.arange(256).reshape(16, 16, 1), (16, 16, 3)))
    floats = np.stack([pieces[k % len(pieces)] for k in range(len(chosen))]).astype("float32")
    images = tf.constant(floats, tf.uint8)
    if names == policies.RAND_AUGMENT_OPS:
        args = _draw(RandAugment(num_ops=3, factor=0.9, seed=31), floats)["args"]
    else:
        rng = np.random.default_rng(31)
        n = len(chosen)
        args = tuple(
            policies.pil_op_args(
                policies.AUTO_AUGMENT_RANGES,
                tf.constant(rng.uniform(0.0, 1.0, n), tf.float32),
                tf.constant(rng.choice([-1.0, 1.0], n), tf.float32),
                16,
                16,
            )
            for _ in range(3)
        )
    op_indices = tf.constant(chosen, tf.int32)
    counting = policies._counting(*_table_and_other_branches(op_indices, ops))
    assert np.sum(np.asarray(counting[0]) == policies._PSEUDO_COUNT) > len(chosen) // 4
    pseudo = _through_tables(images, op_indices, args, names)
    monkeypatch.setattr(policies.tables, "pseudo_counts", policies.tables.histogram)
    full = _through_tables(images, op_indices, args, names)
    difference = np.abs(pseudo - full)
    assert difference.max() <= 1 and np.mean(difference == 0) > 0.999


def _table_and_other_branches(op_indices, ops):
    table_ops, table_branches = policies._branches(op_indices, ops, lambda op: op.table is not None)
    _, other_branches = policies._branches(
        op_indices, ops, lambda op: op.color is not None and op.table is None
    )
    return table_ops, table_branches, other_branches


def test_uint8_path_counts_a_full_histogram_only_where_a_statistic_needs_it():
    """Before the first slot and after a sharpness (which counts again), each sample's
    pixels are counted as its later reads need: not at all, as pseudo-counts (a mean at
    the identity table, extremes through monotone tables) or as the full histogram."""
    index = {name: k for k, name in enumerate(policies.RAND_AUGMENT_OPS)}
    ops = [policies.ALL_OPS[name] for name in policies.RAND_AUGMENT_OPS]
    cases = [
        (("random_contrast", "random_rotation", "auto_contrast"), ("pseudo", "pseudo", "pseudo")),
        (("random_brightness", "random_contrast", None), ("full", "full", "none")),
        (("random_posterization", "auto_contrast", None), ("pseudo", "pseudo", "none")),
        (("solarization", "auto_contrast", None), ("full", "full", "none")),
        (("random_contrast", "equalization", None), ("full", "full", "none")),
        (("random_contrast", "random_sharpness", "equalization"), ("pseudo", "none", "full")),
        (("random_brightness", "random_sharpness", "random_contrast"), ("none", "none", "pseudo")),
        (("random_shear", "random_brightness", "solarization"), ("none", "none", "none")),
    ]
    op_indices = tf.constant(
        [[-1 if name is None else index[name] for name in names] for names, _ in cases], tf.int32
    )
    counting = policies._counting(*_table_and_other_branches(op_indices, ops))
    kinds = {
        policies._NO_COUNT: "none",
        policies._PSEUDO_COUNT: "pseudo",
        policies._FULL_COUNT: "full",
    }
    got = [tuple(kinds[int(counting[s][k])] for s in range(3)) for k in range(len(cases))]
    assert got == [expected for _, expected in cases]


def test_shifted_samples_match_the_general_resampler(small_photos):
    """Samples whose only geometry is a shift take the separable path; each sample still
    equals the four-corner resample of its own matrix, within a level on uint8."""
    layer = RandAugment(seed=24)
    params = _draw(layer, small_photos)
    chosen = [(1, -1), (2, -1), (1, 1), (0, 1)]
    ops = [policies.ALL_OPS[name] for name in policies.RAND_AUGMENT_OPS]
    matrix = policies.policy_matrix(tf.constant(chosen), params["args"], ops, 48, 64)
    assert list(axis_aligned_each(matrix).numpy()) == [True, False, True, False]
    _assert_samples_equal_four_corners(layer, params, chosen, matrix, small_photos, "reflect")


def _assert_samples_equal_four_corners(layer, params, chosen, matrix, photos, fill_mode):
    """Each sample equals the four-corner resample of its own matrix, within a level on uint8,
    and moved."""
    for dtype in ("uint8", "float32"):
        images = tf.constant(photos, dtype)
        got = layer.apply_images(images, _forced(params, chosen), output_dtype=dtype)
        # batch_indices forces the four-corner path for every sample.
        expected = resample(
            images, matrix, [48, 64], None, "bilinear", fill_mode, 0.0, tf.range(4), dtype
        )
        difference = np.abs(np.asarray(got, float) - np.asarray(expected, float))
        assert difference.max() <= (1.0 if dtype == "uint8" else 1e-3), dtype
        assert np.abs(np.asarray(got, float) - photos).mean(axis=(1, 2, 3)).min() > 1.0


def test_one_axis_shears_match_the_general_resampler(small_photos, monkeypatch):
    """ShearX and ShearY samples take the resampler's window path (ShearY on uint8 only); each
    sample still equals the four-corner resample of its own matrix, within a level on uint8."""
    routes = []
    window = policies.warp_window

    def spy(*args):
        routes.append((args[5], args[7]))  # (axis, output dtype), while tracing
        return window(*args)

    monkeypatch.setattr(policies, "warp_window", spy)
    # Bilinear with wrapped borders: a configuration no other test compiles.
    layer = TrivialAugmentWide(interpolation="bilinear", fill_mode="wrap", seed=5)
    params = _draw(layer, small_photos)
    names = policies.TRIVIAL_AUGMENT_OPS
    chosen = [[names.index(op)] for op in ("ShearX", "ShearY", "Rotate", "ShearX")]
    ops = [policies.ALL_OPS[name] for name in names]
    matrix = policies.policy_matrix(tf.constant(chosen), params["args"], ops, 48, 64)
    _assert_samples_equal_four_corners(layer, params, chosen, matrix, small_photos, "wrap")
    assert {(2, "uint8"), (1, "uint8"), (2, None)} <= set(routes)
    assert (1, None) not in routes


def test_uint8_output_at_inference_returns_the_input(small_photos):
    images = small_photos.astype("uint8")
    layer = RandAugment(seed=22, output_dtype="uint8")
    out = layer(images, training=False)
    assert out.dtype == tf.uint8
    np.testing.assert_array_equal(np.asarray(out), images)
    trained = layer(images, training=True)
    assert trained.dtype == tf.uint8 and np.abs(np.asarray(trained, int) - images).mean() > 1.0


def test_op_frequencies_follow_the_uniform_choice():
    """Chi-square of the drawn operations over 4096 samples and 2 slots against uniform.

    10 degrees of freedom: 29.6 is exceeded with probability 0.001 by a
    uniform draw; a choice biased by 3 points for one operation exceeds it.
    """
    layer = RandAugment(seed=23)
    ops = np.asarray(_draw(layer, np.zeros((4096, 4, 4, 3)))["op_indices"]).ravel()
    k = len(policies.RAND_AUGMENT_OPS)
    counts = np.bincount(ops, minlength=k)
    expected = len(ops) / k
    chi_square = np.sum((counts - expected) ** 2 / expected)
    assert chi_square < 29.6, counts
