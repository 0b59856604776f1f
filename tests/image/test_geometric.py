"""Tests of the geometric layers in ``keras_augment.image.geometric``.

Three kinds of evidence: the shared checks every layer must pass
(``tests/layer_checks.py``), values against Keras' own layers and ops with
degenerate (fixed) parameter ranges, and values against independent
references (NumPy slicing and flipping, ``scipy.ndimage.affine_transform``).
Images are small and share one shape where possible, because each new shape
costs an XLA compilation of the resampler.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import scipy.ndimage as ndi
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_augment.core import matrices
from keras_augment.core.base import Batch
from keras_augment.core.geometry import center_crop_box
from keras_augment.core.random import Sampler
from keras_augment.core.resample import resample
from tests.layer_checks import (
    check_dtypes,
    check_tf_data,
    check_training_changes,
    check_xla,
    ka,
)

HEIGHT, WIDTH = 32, 40  # the size of the `noise_batch` fixture
CROP = (24, 28)

# One factory per layer, with arguments that make every call visibly random.
FACTORIES = {
    "RandomFlip": lambda **kw: ka.RandomFlip("horizontal_and_vertical", **kw),
    "RandomRotation": lambda **kw: ka.RandomRotation(0.2, **kw),
    "RandomZoom": lambda **kw: ka.RandomZoom(0.3, 0.2, **kw),
    "RandomTranslation": lambda **kw: ka.RandomTranslation(0.2, 0.2, **kw),
    "RandomShear": lambda **kw: ka.RandomShear(0.3, 0.3, **kw),
    "RandomCrop": lambda **kw: ka.RandomCrop(*CROP, **kw),
    "RandomResizedCrop": lambda **kw: ka.RandomResizedCrop(*CROP, **kw),
    "RandomPerspective": lambda **kw: ka.RandomPerspective(factor=(1.0, 1.0), scale=0.5, **kw),
    "RandomElasticTransform": lambda **kw: ka.RandomElasticTransform(
        factor=(1.0, 1.0), scale=(1.0, 1.0), **kw
    ),
    "RandomAffine": lambda **kw: ka.RandomAffine(
        rotation=20.0, translation=0.1, scale=(0.8, 1.2), shear=10.0, **kw
    ),
}
CROPPING = ("RandomCrop", "RandomResizedCrop")
SHAPE_PRESERVING = tuple(name for name in FACTORIES if name not in CROPPING)
ALL = tuple(FACTORIES)


def _np(x) -> np.ndarray:
    return np.asarray(x, dtype="float32")


def _interior(x: np.ndarray, margin: int = 3) -> np.ndarray:
    """Drops ``margin`` pixels on each side of ``[..., h, w, c]`` images."""
    return x[..., margin:-margin, margin:-margin, :]


def _keras_value(layer: keras.layers.Layer, images) -> np.ndarray:
    return _np(layer(tf.constant(images), training=True))


def _window_offset(window: np.ndarray, image: np.ndarray) -> tuple[int, int]:
    """The unique (top, left) where ``window`` is an exact sub-array of ``image``."""
    h, w = window.shape[:2]
    hits = [
        (top, left)
        for top in range(image.shape[0] - h + 1)
        for left in range(image.shape[1] - w + 1)
        if np.array_equal(image[top : top + h, left : left + w], window)
    ]
    assert len(hits) == 1, f"window found at {hits}"
    return hits[0]


@pytest.fixture(scope="module")
def images(noise_batch) -> np.ndarray:
    """float32[4, 32, 40, 3] white noise in [0, 255]."""
    return noise_batch


@pytest.fixture(scope="module")
def ramp() -> np.ndarray:
    """float32[1, 32, 40, 2]: channel 0 holds each pixel's x, channel 1 its y."""
    ys, xs = np.meshgrid(np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")
    return np.stack([xs, ys], axis=-1)[None].astype("float32")


# ----- the shared checks ----------------------------------------------------


@pytest.mark.parametrize("name", CROPPING)
def test_crop_layers_at_inference_give_the_promised_size(name, images):
    layer = FACTORIES[name](seed=1)
    out = layer(images, training=False)
    assert tuple(out.shape) == (4, *CROP, 3)
    assert tuple(out.shape) == tuple(layer.compute_output_shape(images.shape))
    # Deterministic: the same centred box every time.
    np.testing.assert_array_equal(_np(out), _np(layer(images, training=False)))


@pytest.mark.parametrize("name", ALL)
def test_training_changes_images(name, images):
    layer = FACTORIES[name](seed=2)
    if name in CROPPING:
        out = _np(layer(images, training=True))
        assert out.shape == (4, *CROP, 3)
        # A centred crop of the same size is not what training returns.
        assert not np.allclose(out, _np(layer(images, training=False)))
    else:
        check_training_changes(layer, images)


@pytest.mark.parametrize("name", ALL)
def test_batchwise_shares_one_draw(name, images):
    layer = FACTORIES[name](seed=3, batchwise=True)
    out = _np(layer(np.repeat(images[:1], 4, axis=0)))
    for sample in out[1:]:
        np.testing.assert_allclose(sample, out[0], rtol=1e-5, atol=1e-3)


def _assert_each_sample_augmented(name: str, before: np.ndarray, after: np.ndarray) -> None:
    """Every output sample is a valid, visible augmentation of its input sample."""
    for x, y in zip(before, after, strict=True):
        if name == "RandomFlip":
            assert any(np.array_equal(y, o) for o in (x, x[::-1], x[:, ::-1], x[::-1, ::-1]))
        elif name == "RandomCrop":
            _window_offset(y, x)
        elif name not in CROPPING:
            assert not np.allclose(x, y)


@pytest.mark.parametrize("name", ALL)
def test_xla(name, images):
    out = _np(check_xla(FACTORIES[name](seed=5), images))
    _assert_each_sample_augmented(name, images, out)
    # Seeded sampling gives the same parameters compiled or not.
    eager = _np(FACTORIES[name](seed=5)(images))
    np.testing.assert_allclose(out, eager, rtol=1e-5, atol=1e-2)


@pytest.mark.parametrize("name", ALL)
def test_tf_data_parallel_map_augments_every_element(name, images):
    layer = FACTORIES[name](seed=6)
    out = check_tf_data(layer, images)
    expected = layer.compute_output_shape(images.shape)
    assert out.shape == tuple(expected)
    _assert_each_sample_augmented(name, images, out)


@pytest.mark.parametrize("name", ALL)
def test_dtypes(name, images):
    check_dtypes(FACTORIES[name](seed=7), images)


@pytest.mark.parametrize("name", ALL)
def test_unbatched_matches_batch_of_one(name, images):
    single = _np(FACTORIES[name](seed=9)(images[0]))
    batched = _np(FACTORIES[name](seed=9)(images[:1]))[0]
    np.testing.assert_allclose(single, batched, atol=1e-4)


# ----- parameter distributions --------------------------------------------------------


def _draw(layer, n: int = 512, seed: int = 21) -> dict:
    """One draw of ``layer``'s parameters for a batch of ``n`` images of the usual size."""
    sampler = Sampler(tf.constant([seed, 0], tf.int64), n)
    params = layer.get_params(sampler, Batch(tf.zeros([n, HEIGHT, WIDTH, 1])))
    return {key: _np(value) for key, value in params.items()}


TURN = 2.0 * math.pi
PARAMETER_RANGES = [
    (lambda: ka.RandomRotation((-0.1, 0.2)), "angle", -0.1 * TURN, 0.2 * TURN),
    (lambda: ka.RandomRotation(0.05), "angle", -0.05 * TURN, 0.05 * TURN),
    (lambda: ka.RandomZoom((-0.3, 0.2)), "zoom_y", 0.7, 1.2),
    (lambda: ka.RandomZoom(0.1, (0.2, 0.4)), "zoom_x", 1.2, 1.4),
    (lambda: ka.RandomTranslation(0.1, (-0.3, 0.05)), "shift_x", -0.3, 0.05),
    (lambda: ka.RandomTranslation(0.1, 0.0), "shift_y", -0.1, 0.1),
    (lambda: ka.RandomAffine(rotation=(-10.0, 30.0)), "angle", -10 * TURN / 360, 30 * TURN / 360),
    (lambda: ka.RandomAffine(scale=(0.5, 2.0)), "scale", 0.5, 2.0),
    (lambda: ka.RandomAffine(translation=(0.2, 0.1)), "shift_x", -0.2, 0.2),
]


@pytest.mark.parametrize("make, key, low, high", PARAMETER_RANGES)
def test_parameters_fill_their_range(make, key, low, high):
    values = _draw(make())[key]
    span = high - low
    assert values.min() >= low - 1e-6 and values.max() <= high + 1e-6
    # Uniform over the whole range: both ends are reached and the middle is the mean.
    assert values.min() < low + 0.05 * span and values.max() > high - 0.05 * span
    assert abs(values.mean() - (low + high) / 2) < 0.1 * span


def test_shear_magnitudes_come_from_the_pair_with_one_random_sign():
    params = _draw(ka.RandomShear(x_factor=(0.1, 0.2), y_factor=(0.05, 0.3)))
    sx, sy = params["shear_x"], params["shear_y"]
    assert np.all((np.abs(sx) >= 0.1 - 1e-6) & (np.abs(sx) <= 0.2 + 1e-6))
    assert np.all((np.abs(sy) >= 0.05 - 1e-6) & (np.abs(sy) <= 0.3 + 1e-6))
    np.testing.assert_array_equal(np.sign(sx), np.sign(sy))
    assert 0.4 < np.mean(sx > 0) < 0.6
    # A single number f: magnitudes up to f (Keras draws from [-f, f]).
    single = _draw(ka.RandomShear(x_factor=0.3))["shear_x"]
    assert np.abs(single).max() <= 0.3 + 1e-6 and np.abs(single).min() < 0.02


@pytest.mark.parametrize(
    "make, key",
    [
        (lambda factor: ka.RandomPerspective(factor=factor, scale=0.5), "apply"),
        (lambda factor: ka.RandomElasticTransform(factor=factor), "strength"),
    ],
)
def test_factor_is_the_probability_of_transforming_a_sample(make, key):
    # As in Keras: a number f means a probability drawn from [0, f] (so on
    # average f / 2); a pair is the range the probability is drawn from.
    for factor, expected in (
        (0.0, 0.0),
        (0.6, 0.3),
        (1.0, 0.5),
        ((0.2, 0.6), 0.4),
        ((1.0, 1.0), 1.0),
    ):
        applied = _draw(make(factor))[key] != 0
        assert abs(applied.mean() - expected) < 0.06, (factor, applied.mean())


def test_resized_crop_boxes_respect_scale_and_ratio(images):
    layer = ka.RandomResizedCrop(*CROP, scale=(0.3, 0.6), ratio=(0.8, 1.25))
    params = _draw(layer)
    box_h, box_w = params["box_height"], params["box_width"]
    area = box_h * box_w / (HEIGHT * WIDTH)
    assert np.all((area >= 0.3 - 1e-4) & (area <= 0.6 + 1e-4))
    ratio = box_w / box_h
    assert np.all((ratio >= 0.8 - 1e-4) & (ratio <= 1.25 + 1e-4))
    # Log-uniform ratio: as many boxes wider than tall as taller than wide.
    assert 0.4 < np.mean(ratio > 1.0) < 0.6
    assert np.all((params["top"] >= 0) & (params["top"] + box_h <= HEIGHT + 1e-4))
    assert np.all((params["left"] >= 0) & (params["left"] + box_w <= WIDTH + 1e-4))
    # Each box is resized like tf.image.resize (half-pixel centres) on that box; the
    # outermost output pixels read just beyond the box, where tf.image.resize clamps.
    whole = {
        "top": tf.fill([4], 2.0),
        "left": tf.fill([4], 4.0),
        "box_height": tf.fill([4], 12.0),
        "box_width": tf.fill([4], 14.0),
    }
    out = _np(layer.apply_images(tf.constant(images), whole))
    expected = _np(tf.image.resize(images[:, 2:14, 4:18], CROP))
    np.testing.assert_allclose(_interior(out, 1), _interior(expected, 1), atol=1e-2)


# ----- values against Keras with degenerate ranges -----------------------------


@pytest.mark.parametrize("turn", [0.25, -0.1, 0.05, 0.5])
@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_rotation_matches_keras(turn, fill_mode, images):
    ours = _np(ka.RandomRotation((turn, turn), fill_mode=fill_mode)(images))
    theirs = _keras_value(keras.layers.RandomRotation((turn, turn), fill_mode=fill_mode), images)
    np.testing.assert_allclose(_interior(ours), _interior(theirs), atol=1e-2)


def test_quarter_turn_is_rot90_counter_clockwise():
    square = np.random.default_rng(1).uniform(0, 255, (2, 16, 16, 3)).astype("float32")
    out = _np(ka.RandomRotation((0.25, 0.25), interpolation="nearest")(square))
    np.testing.assert_array_equal(out, np.rot90(square, k=1, axes=(1, 2)))


@pytest.mark.parametrize(
    "height_factor, width_factor",
    [
        ((0.3, 0.3), None),  # zoom out, same aspect
        ((-0.4, -0.4), None),  # zoom in
        ((-0.2, -0.2), (0.25, 0.25)),  # in vertically, out horizontally
        ((0.0, 0.0), (-0.3, -0.3)),  # width only
    ],
)
def test_zoom_matches_keras(height_factor, width_factor, images):
    ours = _np(ka.RandomZoom(height_factor, width_factor, fill_mode="nearest")(images))
    keras_layer = keras.layers.RandomZoom(height_factor, width_factor, fill_mode="nearest")
    np.testing.assert_allclose(
        _interior(ours), _interior(_keras_value(keras_layer, images)), atol=1e-2
    )


@pytest.mark.parametrize(
    "height_factor, width_factor",
    [((0.25, 0.25), (0.0, 0.0)), ((0.0, 0.0), (-0.2, -0.2)), ((-0.13, -0.13), (0.31, 0.31))],
)
def test_translation_matches_keras(height_factor, width_factor, images):
    ours = _np(ka.RandomTranslation(height_factor, width_factor)(images))
    keras_layer = keras.layers.RandomTranslation(height_factor, width_factor)
    np.testing.assert_allclose(
        _interior(ours), _interior(_keras_value(keras_layer, images)), atol=1e-2
    )


def test_translation_moves_content_right_and_down(images):
    # 0.25 of 40 columns and 0.125 of 32 rows: whole pixels, so values are exact.
    out = _np(ka.RandomTranslation((0.125, 0.125), (0.25, 0.25))(images))
    np.testing.assert_array_equal(out[:, 4:, 10:], images[:, :-4, :-10])


@pytest.mark.parametrize("x_shear, y_shear", [(0.2, 0.0), (0.0, 0.15), (0.1, 0.3)])
def test_shear_matches_keras_with_either_sign(x_shear, y_shear, images):
    """Keras draws a random sign per sample: each sample must match one of the two signs."""
    batch = np.repeat(images[:1], 8, axis=0)
    candidates = []
    for sign in (1.0, -1.0):
        transform = np.tile(
            np.array([1.0, sign * x_shear, 0.0, sign * y_shear, 1.0, 0.0, 0.0, 0.0], "float32"),
            (8, 1),
        )
        candidates.append(
            _np(keras.ops.image.affine_transform(batch, transform, fill_mode="reflect"))
        )
    # The Keras layer itself (which also draws a sign per sample) gives one of the two.
    keras_layer = keras.layers.RandomShear((x_shear, x_shear), (y_shear, y_shear), seed=0)
    keras_out = _keras_value(keras_layer, batch)
    for i in range(8):
        assert any(
            np.allclose(_interior(keras_out[i]), _interior(c[i]), atol=1e-2) for c in candidates
        )

    ours = _np(ka.RandomShear((x_shear, x_shear), (y_shear, y_shear), seed=1)(batch))
    signs_seen = set()
    for i in range(8):
        matches = [np.allclose(_interior(ours[i]), _interior(c[i]), atol=1e-2) for c in candidates]
        assert any(matches), f"sample {i} matches neither sign of the Keras shear"
        signs_seen.add(matches.index(True))
    assert signs_seen == {0, 1}, "per-sample signs should cover both directions in 8 draws"


def test_perspective_warp_matches_keras_perspective_transform(images):
    w1, h1 = WIDTH - 1.0, HEIGHT - 1.0
    start = np.array([[0, 0], [w1, 0], [0, h1], [w1, h1]], "float32")
    end = np.stack(
        [
            start + np.array([[3, 2], [-4, 1], [2, -3], [-1, -2]], "float32"),
            start + np.array([[-2, 4], [1, -1], [5, 0], [-3, 3]], "float32"),
            start * np.array([1.0, 0.9], "float32"),
            start,
        ]
    )
    start = np.repeat(start[None], 4, axis=0)
    transform = matrices.homography(tf.constant(start), tf.constant(end))
    ours = _np(
        resample(
            tf.constant(images),
            transform,
            tf.constant([HEIGHT, WIDTH]),
            None,
            "bilinear",
            "constant",
            0.0,
        )
    )
    theirs = _np(keras.ops.image.perspective_transform(images, start, end))
    np.testing.assert_allclose(_interior(ours), _interior(theirs), atol=1e-2)
    np.testing.assert_allclose(ours[3], images[3], atol=1e-3)  # unmoved corners


def test_perspective_layer_matches_keras_on_its_own_draw(images):
    """The layer's drawn corner offsets, warped by Keras, give the layer's output."""
    layer = ka.RandomPerspective(factor=1.0, scale=0.4)
    batch = Batch(tf.constant(images))
    params = layer.get_params(Sampler(tf.constant([3, 4], tf.int64), 4), batch)
    ours = _np(layer.apply_images(batch.images, params))
    start = layer.corners(HEIGHT, WIDTH, 4)
    end = start + start * params["corner_offsets"]
    theirs = _np(keras.ops.image.perspective_transform(images, start, end))
    np.testing.assert_allclose(_interior(ours), _interior(theirs), atol=1e-2)
    assert not np.allclose(ours, images)


@pytest.mark.parametrize("kwargs", [{"scale": 0.0}, {"factor": 0.0}])
def test_perspective_without_strength_or_probability_is_identity(kwargs, images):
    out = _np(ka.RandomPerspective(**kwargs, seed=1)(images))
    np.testing.assert_allclose(out, images, atol=1e-3)


@pytest.mark.parametrize("layer_class", [ka.RandomCrop, ka.RandomResizedCrop])
def test_crop_inference_is_keras_centre_crop_and_resize(layer_class, images):
    """Keras documents RandomCrop at inference as "crop the largest centred window of the
    target aspect ratio, then resize". Keras 3.15's layer skips that step and returns
    its input (keras-team/keras#21868) but still computes the box, so we check our box
    against Keras' and our values against ``keras.ops.image.resize`` with
    ``crop_to_aspect_ratio=True``, which does exactly that.
    """
    for height, width in (CROP, (16, 40), (30, 12)):
        ours = _np(layer_class(height, width)(images, training=False))
        theirs = _np(keras.ops.image.resize(images, (height, width), crop_to_aspect_ratio=True))
        assert ours.shape == (4, height, width, 3)
        np.testing.assert_allclose(ours, theirs, atol=1e-2)

        keras_layer = keras.layers.RandomCrop(height, width)
        keras_top, keras_left = keras_layer.get_random_transformation(images, training=False)
        top, left, _, _ = center_crop_box(HEIGHT, WIDTH, height, width)
        assert (int(top), int(left)) == (int(keras_top), int(keras_left))


def test_elastic_without_strength_or_probability_is_identity(images):
    for kwargs in ({"scale": 0.0}, {"factor": 0.0}):
        out = _np(ka.RandomElasticTransform(**kwargs, seed=1)(images))
        np.testing.assert_allclose(out, images, atol=1e-4)


def test_elastic_distortion_grows_with_scale(ramp):
    """On a ramp image, output minus input is the displacement (in pixels) of each pixel."""
    magnitudes = []
    for scale in (0.25, 0.5, 1.0):
        layer = ka.RandomElasticTransform(factor=(1.0, 1.0), scale=(scale, scale), seed=12)
        out = _np(layer(ramp))
        shift = _interior(out - ramp, margin=6)
        magnitudes.append(float(np.sqrt(np.mean(shift**2))))
    assert 0.0 < magnitudes[0] < magnitudes[1] < magnitudes[2]
    assert magnitudes[2] < 0.25 * WIDTH  # a distortion, not a scramble


def test_elastic_field_is_smooth(ramp):
    """Gaussian smoothing with sigma growing with scale: neighbours move nearly together."""
    roughness = []
    for scale in (0.1, 1.0):
        out = _np(ka.RandomElasticTransform(factor=(1.0, 1.0), scale=(scale, scale), seed=13)(ramp))
        shift = _interior(out - ramp, margin=6)
        roughness.append(np.abs(np.diff(shift, axis=2)).mean() / np.abs(shift).mean())
    # Unsmoothed noise gives a ratio near 1.4; sigma = 1.6 pixels at scale 1 about 0.43.
    assert roughness[1] < 0.6 < 1.2 < roughness[0]


# ----- values against independent references -------------------------------------


def _scipy_warp(image: np.ndarray, m: np.ndarray, mode: str) -> np.ndarray:
    """Warps ``[h, w, c]`` through ``m`` (output (x, y) -> input (x, y)) with SciPy (order 1)."""
    # SciPy indexes (row, column) = (y, x): swap both axes of the 2x2 block.
    matrix = np.array([[m[1, 1], m[1, 0]], [m[0, 1], m[0, 0]]], "float64")
    offset = np.array([m[1, 2], m[0, 2]], "float64")
    return np.stack(
        [
            ndi.affine_transform(image[..., c], matrix, offset, order=1, mode=mode, cval=0.0)
            for c in range(image.shape[-1])
        ],
        axis=-1,
    )


def _about_center(m: np.ndarray) -> np.ndarray:
    cx, cy = (WIDTH - 1) / 2.0, (HEIGHT - 1) / 2.0
    to_center = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], "float64")
    return to_center @ m @ np.linalg.inv(to_center)


@pytest.mark.parametrize(
    "fill_mode, scipy_mode",
    [
        ("reflect", "reflect"),
        ("nearest", "nearest"),
        ("wrap", "grid-wrap"),
        ("constant", "grid-constant"),
    ],
)
def test_rotation_matches_scipy(fill_mode, scipy_mode, images):
    degrees = 33.0
    out = _np(ka.RandomRotation((degrees / 360.0,) * 2, fill_mode=fill_mode)(images[:1]))[0]
    t = math.radians(degrees)
    m = _about_center(
        np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])
    )
    expected = _scipy_warp(images[0], m, scipy_mode)
    np.testing.assert_allclose(_interior(out), _interior(expected), atol=1e-2)


def test_affine_matches_scipy(images):
    """Shear, then scale, then rotate, about the centre, as the docstring describes."""
    layer = ka.RandomAffine(
        rotation=(-20.0, -20.0), scale=(1.25, 1.25), shear=(8.0, 8.0, -5.0, -5.0)
    )
    out = _np(layer(images[:1]))[0]
    t = math.radians(-20.0)
    rotate = np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])
    shear = np.array(
        [[1, math.tan(math.radians(8.0)), 0], [math.tan(math.radians(-5.0)), 1, 0], [0, 0, 1]]
    )
    shrink = np.diag([1 / 1.25, 1 / 1.25, 1.0])
    expected = _scipy_warp(images[0], _about_center(shear @ shrink @ rotate), "reflect")
    np.testing.assert_allclose(out, expected, atol=1e-2)


# ----- exact values -------------------------------------------------------------


@pytest.mark.parametrize("mode, image_axis", [("horizontal", 1), ("vertical", 0)])
def test_flip_is_exact(mode, image_axis, images):
    """Each sample is either np.flip of the input along the mode's axis or the input itself."""
    batch = np.repeat(images[:1], 8, axis=0)
    out = _np(ka.RandomFlip(mode, seed=14)(batch))
    flipped = np.flip(batch[0], axis=image_axis)
    kinds = []
    for sample in out:
        if np.array_equal(sample, flipped):
            kinds.append("flipped")
        else:
            np.testing.assert_array_equal(sample, batch[0])
            kinds.append("kept")
    assert set(kinds) == {"flipped", "kept"}


def test_flip_both_axes_draws_the_two_flips_independently(images):
    batch = np.repeat(images[:1], 16, axis=0)
    out = _np(ka.RandomFlip("horizontal_and_vertical", seed=15)(batch))
    x = batch[0]
    options = {"none": x, "h": x[:, ::-1], "v": x[::-1], "hv": x[::-1, ::-1]}
    seen = set()
    for sample in out:
        kind = [k for k, v in options.items() if np.array_equal(sample, v)]
        assert len(kind) == 1
        seen.add(kind[0])
    # Keras flips both axes or neither; we also give single-axis flips.
    assert {"h", "v"} & seen and len(seen) >= 3


def test_uint8_flip_returns_exact_input_values_as_float32(photo):
    small = photo[:32, :40]
    out = ka.RandomFlip("horizontal", seed=16)(np.repeat(small[None], 4, axis=0))
    assert out.dtype == tf.float32
    for sample in _np(out):
        assert np.array_equal(sample, small) or np.array_equal(sample, small[:, ::-1])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_flip_is_exact(dtype, images):
    low = tf.cast(tf.constant(images), dtype)
    as_float = _np(tf.cast(low, "float32"))
    out = _np(ka.RandomFlip("vertical", seed=17)(low))
    for before, after in zip(as_float, out, strict=True):
        assert np.array_equal(after, before) or np.array_equal(after, before[::-1])


def test_random_crop_windows_are_exact_subarrays_at_different_offsets(images):
    batch = np.repeat(images[:1], 4, axis=0)
    out = _np(ka.RandomCrop(*CROP, seed=18)(batch))
    offsets = {_window_offset(window, batch[0]) for window in out}
    assert len(offsets) > 1, "every sample was cropped at the same place"


def test_random_crop_covers_every_offset(images):
    """Over many samples, tops and lefts reach both ends of their ranges."""
    layer = ka.RandomCrop(HEIGHT - 2, WIDTH - 2, seed=19)
    tops, lefts = set(), set()
    batch = tf.constant(images)
    for _ in range(6):
        for window, image in zip(_np(layer(batch)), images, strict=True):
            top, left = _window_offset(window, image)
            tops.add(top)
            lefts.add(left)
    assert tops == {0, 1, 2} and lefts == {0, 1, 2}


def test_affine_translation_moves_pixels_by_exact_amounts(images):
    layer = ka.RandomAffine()
    params = {
        "angle": tf.zeros([4]),
        "shift_x": tf.fill([4], 0.25),
        "shift_y": tf.fill([4], -0.125),
        "scale": tf.ones([4]),
        "shear_x": tf.zeros([4]),
        "shear_y": tf.zeros([4]),
    }
    out = _np(layer.apply_images(tf.constant(images), params))
    # +0.25 * 40 = 10 columns right, -0.125 * 32 = 4 rows up.
    np.testing.assert_array_equal(out[:, :-4, 10:], images[:, 4:, :-10])


def test_affine_random_translation_stays_within_its_range(ramp):
    layer = ka.RandomAffine(translation=(0.2, 0.1), seed=20)
    out = _np(layer(np.repeat(ramp, 4, axis=0)))
    shift = _interior(ramp - out, margin=10)  # content moved by +d reads x - d
    dx, dy = shift[..., 0], shift[..., 1]
    # Pure translation: one shift per sample, everywhere in the interior.
    for i in range(4):
        assert np.ptp(dx[i]) < 1e-3 and np.ptp(dy[i]) < 1e-3
    assert np.all(np.abs(dx) <= 0.2 * WIDTH + 1e-3) and np.all(np.abs(dy) <= 0.1 * HEIGHT + 1e-3)
    assert len({round(float(v), 3) for v in dx[:, 0, 0]}) == 4


@pytest.mark.parametrize("degrees", [30.0, -75.0])
def test_affine_rotation_equals_random_rotation(degrees, images):
    affine = _np(ka.RandomAffine(rotation=(degrees, degrees))(images))
    turn = degrees / 360.0
    rotation = _np(ka.RandomRotation((turn, turn))(images))
    np.testing.assert_allclose(affine, rotation, atol=1e-2)


def test_affine_scale_equals_zoom_by_the_inverse(images):
    affine = _np(ka.RandomAffine(scale=(1.25, 1.25))(images))
    zoom = _np(ka.RandomZoom((-0.2, -0.2))(images))
    np.testing.assert_allclose(affine, zoom, atol=1e-2)


# ----- bad arguments and inputs -------------------------------------------------------

# (constructor call, fragments the message must contain: layer, argument, what it got)
BAD_ARGUMENTS = [
    (lambda: ka.RandomZoom(-1.0), ["RandomZoom", "`height_factor`", "got -1.0"]),
    (lambda: ka.RandomZoom((-1.5, 0)), ["RandomZoom", "`height_factor`", "got (-1.5, 0)"]),
    (lambda: ka.RandomZoom(0.2, (0.1, 1.5)), ["RandomZoom", "`width_factor`", "got (0.1, 1.5)"]),
    (lambda: ka.RandomRotation((0.3, 0.1)), ["RandomRotation", "`factor`", "(0.3, 0.1)"]),
    (lambda: ka.RandomRotation("a lot"), ["RandomRotation", "`factor`", "got 'a lot'"]),
    (lambda: ka.RandomRotation(0.1, fill_mode="mirror"), ["RandomRotation", "got 'mirror'"]),
    (lambda: ka.RandomZoom(0.1, interpolation="bicubic"), ["RandomZoom", "got 'bicubic'"]),
    (lambda: ka.RandomTranslation(1.5, 0.1), ["RandomTranslation", "`height_factor`", "got 1.5"]),
    (lambda: ka.RandomShear(-0.2), ["RandomShear", "`x_factor`", "got -0.2"]),
    (lambda: ka.RandomShear(y_factor=(-0.1, 0.2)), ["RandomShear", "`y_factor`", "(-0.1, 0.2)"]),
    (lambda: ka.RandomFlip("diagonal"), ["RandomFlip", "`mode`", "got 'diagonal'"]),
    (lambda: ka.RandomCrop(0, 10), ["RandomCrop", "`height`", "got 0"]),
    (lambda: ka.RandomCrop(10, 2.5), ["RandomCrop", "`width`", "got 2.5"]),
    (lambda: ka.RandomResizedCrop(8, 8, scale=(0.6, 0.2)), ["RandomResizedCrop", "(0.6, 0.2)"]),
    (lambda: ka.RandomResizedCrop(8, 8, ratio=(0, 1)), ["RandomResizedCrop", "`ratio`", "(0, 1)"]),
    (lambda: ka.RandomPerspective(scale=1.5), ["RandomPerspective", "`scale`", "got 1.5"]),
    (lambda: ka.RandomPerspective(factor=(0.5, 1.2)), ["RandomPerspective", "(0.5, 1.2)"]),
    (lambda: ka.RandomElasticTransform(value_range=(1, 0)), ["RandomElasticTransform", "(1, 0)"]),
    (lambda: ka.RandomElasticTransform(scale=-0.5), ["RandomElasticTransform", "got -0.5"]),
    (lambda: ka.RandomAffine(translation=1.5), ["RandomAffine", "`translation`", "got 1.5"]),
    (lambda: ka.RandomAffine(shear=90.0), ["RandomAffine", "`shear`", "got 90.0"]),
    (lambda: ka.RandomAffine(scale=(0.0, 1.0)), ["RandomAffine", "`scale`", "(0.0, 1.0)"]),
    (lambda: ka.RandomRotation(0.1, seed="7"), ["RandomRotation", "`seed`", "'7'"]),
]


@pytest.mark.parametrize("make, fragments", BAD_ARGUMENTS)
def test_bad_constructor_arguments_fail_at_construction(make, fragments):
    with pytest.raises((ValueError, TypeError)) as info:
        make()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "must" in message or "expected" in message, message


@pytest.mark.parametrize("name", ["RandomRotation", "RandomCrop"])
def test_bad_inputs_are_described(name):
    layer = FACTORIES[name]()
    # Rank 5 is a batch of clips; rank 6 is nothing.
    for shape in ((32, 40), (1, 1, 2, 32, 40, 3)):
        with pytest.raises(ValueError, match=rf"{name}: expected .*rank 5.*got rank {len(shape)}"):
            layer(np.zeros(shape, "float32"))
    with pytest.raises(TypeError, match=rf"{name}: expected .*numeric.*got dtype bool"):
        layer(np.zeros((2, 32, 40, 3), bool))


def test_crop_larger_than_the_image_resizes_up_as_keras_does(images):
    """Keras resizes images smaller than the crop up to the crop size instead of failing: in
    training, the crop-sized window it starts at the centred box of the crop's aspect ratio;
    at inference, that box (as every crop at inference). Ours gives the same values."""
    for height, width in ((HEIGHT + 4, 8), (8, WIDTH + 6)):
        trained = _np(keras.layers.RandomCrop(height, width)(images, training=True))
        out = _np(ka.RandomCrop(height, width)(images, training=True))
        np.testing.assert_allclose(out, trained, atol=1e-3)
        out = _np(ka.RandomCrop(height, width)(images, training=False))
        boxed = keras.ops.image.resize(images, (height, width), crop_to_aspect_ratio=True)
        np.testing.assert_allclose(out, _np(boxed), atol=1e-3)


# ----- properties ---------------------------------------------------------------------


@settings(max_examples=10, deadline=None)
@given(
    height=st.integers(4, 9),
    width=st.integers(4, 9),
    crop_h=st.integers(1, 4),
    crop_w=st.integers(1, 4),
    seed=st.integers(0, 2**30),
)
def test_property_random_crop_is_always_a_subwindow(height, width, crop_h, crop_w, seed):
    image = np.arange(2 * height * width, dtype="float32").reshape(2, height, width, 1)
    out = _np(ka.RandomCrop(crop_h, crop_w, seed=seed)(image))
    assert out.shape == (2, crop_h, crop_w, 1)
    for window, source in zip(out, image, strict=True):
        _window_offset(window, source)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 2**30),
    mode=st.sampled_from(["horizontal", "vertical", "horizontal_and_vertical"]),
)
def test_property_flip_twice_with_one_draw_is_identity(seed, mode, images):
    layer = ka.RandomFlip(mode)
    batch = Batch(tf.constant(images))
    params = layer.get_params(Sampler(tf.constant([seed, 1], tf.int64), 4), batch)
    once = layer.apply_images(batch.images, params)
    twice = _np(layer.apply_images(once, params))
    np.testing.assert_array_equal(twice, images)
