"""Colour layers: shared layer checks, parity with Keras, numpy references, fusion."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_augment.core import color_fusion
from keras_augment.core.base import Batch
from keras_augment.core.pipeline import Pipeline, fusable_runs
from keras_augment.image import color
from keras_augment.image.color import (
    AutoContrast,
    Equalization,
    RandomBrightness,
    RandomChannelShift,
    RandomColorDegeneration,
    RandomColorJitter,
    RandomContrast,
    RandomGamma,
    RandomGrayscale,
    RandomHue,
    RandomInvert,
    RandomPosterization,
    RandomSaturation,
    Solarization,
)
from keras_augment.image.geometric import RandomFlip
from tests.layer_checks import (
    check_dtypes,
    check_tf_data,
    check_training_changes,
    check_xla,
)

# name -> factory(**kwargs) with arguments under which every layer is visibly random.
RANDOM_LAYERS = {
    "RandomBrightness": lambda **kw: RandomBrightness(0.3, **kw),
    "RandomContrast": lambda **kw: RandomContrast(0.5, **kw),
    "RandomSaturation": lambda **kw: RandomSaturation((0.1, 0.9), **kw),
    "RandomHue": lambda **kw: RandomHue(0.6, **kw),
    "RandomGrayscale": lambda **kw: RandomGrayscale(0.5, **kw),
    "RandomColorJitter": lambda **kw: RandomColorJitter(
        brightness_factor=0.2, contrast_factor=0.3, saturation_factor=0.6, hue_factor=0.3, **kw
    ),
    "RandomColorDegeneration": lambda **kw: RandomColorDegeneration(0.9, **kw),
    "RandomInvert": lambda **kw: RandomInvert(**kw),
    "RandomPosterization": lambda **kw: RandomPosterization((1, 5), **kw),
    "Solarization": lambda **kw: Solarization(0.3, (0.2, 0.9), **kw),
    "RandomChannelShift": lambda **kw: RandomChannelShift(40.0, **kw),
    "RandomGamma": lambda **kw: RandomGamma((0.4, 2.5), **kw),
}
DETERMINISTIC_LAYERS = {
    "AutoContrast": lambda **kw: AutoContrast(**kw),
    "Equalization": lambda **kw: Equalization(**kw),
}
ALL_LAYERS = {**RANDOM_LAYERS, **DETERMINISTIC_LAYERS}


@pytest.fixture(scope="module")
def photos(small_photos) -> np.ndarray:
    """Four real photo crops, 32 x 40, float32 in [0, 255]."""
    return np.ascontiguousarray(small_photos[:, 8:40, 12:52])


# ----- the shared checks -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL_LAYERS))
def test_shared_checks(name, photos):
    """What the registry contract (tests/test_registry_contract.py) does not check."""
    make = ALL_LAYERS[name]
    layer = make(seed=3)
    if name == "AutoContrast":
        # Keras' AutoContrast is active at inference too: same output both ways.
        np.testing.assert_allclose(
            layer(photos, training=False), layer(photos, training=True), atol=1e-4
        )
    check_training_changes(layer, photos)
    out = check_tf_data(layer, photos)
    assert out.shape == photos.shape and np.all(np.isfinite(out))
    check_dtypes(layer, photos)


def test_uint8_input_gives_the_float_result(photos):
    images = photos.round()
    for make in ALL_LAYERS.values():
        a, b = make(seed=11), make(seed=11)
        np.testing.assert_allclose(a(images.astype("uint8")), b(images), atol=1e-3)


def test_batchwise_shares_parameters(photos):
    batch = np.repeat(photos[:1], 4, axis=0)
    out = np.asarray(RandomBrightness(0.5, batchwise=True, seed=2)(batch))
    for image in out[1:]:
        np.testing.assert_allclose(image, out[0])


# ----- parity with Keras where the parameters are pinned --------------------------


def _mid(images):
    """Images squeezed into [40, 200] so that mild changes do not clip."""
    return images * (160.0 / 255.0) + 40.0


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1)])
def test_brightness_matches_keras(photos, value_range):
    x = photos / 255.0 * value_range[1]
    ours = RandomBrightness((0.2, 0.2), value_range=value_range)(x)
    ref = keras.layers.RandomBrightness((0.2, 0.2), value_range=value_range)(x)
    np.testing.assert_allclose(ours, ref, atol=1e-4 * value_range[1])
    assert np.asarray(ours).max() == pytest.approx(value_range[1])  # clipped, as in Keras


def test_contrast_matches_keras_for_given_factors(photos):
    factors = np.array([0.5, 1.5, 0.8, 2.0], "float32")
    ours = RandomContrast(0.5).apply_images(tf.constant(photos), {"contrast": factors})
    keras_layer = keras.layers.RandomContrast(0.5)
    ref = keras_layer.transform_images(
        tf.constant(photos), {"contrast_factor": factors.reshape(-1, 1, 1, 1)}
    )
    np.testing.assert_allclose(ours, ref, atol=1e-3)
    # The layer's documented range: a single number f means [1 - f, 1 + f].
    params = RandomContrast(0.5).draw_params(Batch(tf.zeros([512, 2, 2, 3])))
    contrast = np.asarray(params["contrast"])
    assert contrast.min() >= 0.5 and contrast.max() <= 1.5
    assert contrast.min() < 0.6 and contrast.max() > 1.4


def test_saturation_matches_keras(photos):
    ours = RandomSaturation((0.2, 0.2))(photos)
    ref = keras.layers.RandomSaturation((0.2, 0.2))(photos)
    np.testing.assert_allclose(ours, ref, atol=1e-2)
    x = photos / 255.0
    ours = RandomSaturation((0.8, 0.8), value_range=(0, 1))(x)
    ref = keras.layers.RandomSaturation((0.8, 0.8), value_range=(0, 1))(x)
    np.testing.assert_allclose(ours, ref, atol=1e-4)
    # factor 0.5 leaves images unchanged, 0 makes them gray (every channel = the largest).
    np.testing.assert_allclose(RandomSaturation((0.5, 0.5))(photos), photos, atol=1e-2)
    gray = np.asarray(RandomSaturation((0.0, 0.0))(photos))
    np.testing.assert_allclose(gray, np.repeat(photos.max(-1, keepdims=True), 3, -1), atol=1e-3)


def test_hue_matches_keras(photos):
    # factor 1 is half a turn, the same whichever way Keras turns.
    ours = RandomHue((1.0, 1.0))(photos)
    ref = keras.layers.RandomHue((1.0, 1.0))(photos)
    np.testing.assert_allclose(ours, ref, atol=1e-2)
    # factor 0.3: Keras turns each image by +0.15 or -0.15 turns; ours must agree with one.
    ref = np.asarray(keras.layers.RandomHue((0.3, 0.3), seed=1)(photos))
    x = tf.constant(photos)
    plus = np.asarray(color.adjust_hue(x, tf.fill([4], 0.15), (0, 255)))
    minus = np.asarray(color.adjust_hue(x, tf.fill([4], -0.15), (0, 255)))
    for i in range(4):
        err = min(np.abs(ref[i] - plus[i]).max(), np.abs(ref[i] - minus[i]).max())
        assert err < 1e-2
    assert np.abs(plus - photos).max() > 20


def test_hue_kernel_matches_tf_hsv_round_trip(photos):
    x = tf.constant(photos / 255.0)
    delta = tf.constant([0.1, -0.3, 0.45, 0.7])
    hsv = tf.image.rgb_to_hsv(x)
    hue = tf.math.floormod(hsv[..., :1] + delta[:, None, None, None], 1.0)
    ref = tf.image.hsv_to_rgb(tf.concat([hue, hsv[..., 1:]], -1))
    np.testing.assert_allclose(color.adjust_hue(x, delta, (0, 1)), ref, atol=1e-5)


def test_grayscale_matches_keras(photos):
    ours = np.asarray(RandomGrayscale(1.0)(photos))
    ref = keras.layers.RandomGrayscale(1.0)(photos)
    np.testing.assert_allclose(ours, ref, atol=1e-3)
    assert ours.shape == photos.shape and np.all(ours[..., 0] == ours[..., 2])
    np.testing.assert_array_equal(RandomGrayscale(0.0)(photos), photos)


def test_grayscale_probability_is_per_sample():
    images = np.random.default_rng(1).uniform(0, 255, (400, 2, 2, 3)).astype("float32")
    out = np.asarray(RandomGrayscale(0.2, seed=5)(images))
    gray = np.all(out[..., 0] == out[..., 1], axis=(1, 2))
    assert 0.12 < gray.mean() < 0.28  # black and white about 20% of the time


def test_color_jitter_matches_keras(photos):
    kwargs = dict(
        brightness_factor=(0.1, 0.1),
        contrast_factor=(0.0, 0.0),
        saturation_factor=(0.3, 0.3),
        hue_factor=(1.0, 1.0),
    )
    x = _mid(photos)
    ours = RandomColorJitter(**kwargs)(x)
    ref = keras.layers.RandomColorJitter(**kwargs)(x)
    np.testing.assert_allclose(ours, ref, atol=2e-2)


def test_color_degeneration_matches_keras(photos):
    ours = RandomColorDegeneration((0.3, 0.3))(photos)
    ref = keras.layers.RandomColorDegeneration((0.3, 0.3))(photos)
    np.testing.assert_allclose(ours, ref, atol=1e-3)


def test_invert_matches_keras(photos):
    ours = RandomInvert((1.0, 1.0))(photos)
    ref = keras.layers.RandomInvert((1.0, 1.0))(photos)
    np.testing.assert_allclose(ours, ref, atol=1e-4)
    np.testing.assert_array_equal(RandomInvert((0.0, 0.0))(photos), photos)


@pytest.mark.parametrize("bits", [1, 3, 6])
def test_posterization_matches_keras(photos, bits):
    x = photos.round()
    ours = RandomPosterization(bits)(x)
    ref = keras.layers.RandomPosterization((bits, bits))(x)
    np.testing.assert_array_equal(ours, ref)
    assert len(np.unique(np.asarray(ours))) <= 2**bits
    unit = x / 255.0
    ours = RandomPosterization(bits, value_range=(0, 1))(unit)
    ref = keras.layers.RandomPosterization((bits, bits), value_range=(0, 1))(unit)
    np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_posterization_draws_integer_bits_inclusive():
    bits = RandomPosterization((2, 4)).draw_params(Batch(tf.zeros([300, 1, 1, 1])))
    assert set(np.asarray(bits["bits"]).tolist()) == {2.0, 3.0, 4.0}


def test_solarization_matches_keras(photos):
    ours = Solarization()(photos)
    ref = keras.layers.Solarization()(photos)
    np.testing.assert_allclose(ours, ref, atol=1e-4)


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1)])
def test_solarization_against_numpy(photos, value_range):
    scale = value_range[1] / 255.0
    x = photos * scale
    out = Solarization((0.1, 0.1), (0.5, 0.5), value_range=value_range)(x)
    added = np.clip(x + 0.1 * value_range[1], 0, value_range[1])
    ref = np.where(added < 0.5 * value_range[1], added, value_range[1] - added)
    np.testing.assert_allclose(out, ref, atol=1e-4 * value_range[1])


def test_blend_and_degenerate_color_follow_pil():
    x = tf.constant([[[[200.0, 100.0, 50.0]]]])
    gray = float(np.dot([200.0, 100.0, 50.0], color.LUMA_WEIGHTS))
    np.testing.assert_allclose(color.blend(x, tf.zeros_like(x), 0.25), x * 0.25)
    np.testing.assert_allclose(color.degenerate_color(x, 1.0, (0, 255)), x)
    np.testing.assert_allclose(
        color.degenerate_color(x, 0.0, (0, 255)), [[[[gray] * 3]]], rtol=1e-6
    )
    more = np.asarray(color.degenerate_color(x, 2.0, (0, 255)))
    np.testing.assert_allclose(more, np.clip(2 * np.asarray(x) - gray, 0, 255), rtol=1e-6)
    np.testing.assert_allclose(color.invert(x, (0, 255)), 255.0 - x)
    np.testing.assert_allclose(color.to_grayscale(x), [[[[gray] * 3]]], rtol=1e-6)


def test_solarize_add_kernel():
    x = tf.constant([[[[10.0, 100.0, 200.0]]]])
    out = color.solarize_add(x, tf.constant([80.0]), tf.constant([128.0]), (0, 255))
    np.testing.assert_allclose(out, [[[[90.0, 180.0, 200.0]]]])


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1)])
def test_auto_contrast_matches_keras(photos, value_range):
    x = (photos * 0.4 + 60.0) * (value_range[1] / 255.0)
    ours = np.asarray(AutoContrast(value_range=value_range)(x))
    ref = keras.layers.AutoContrast(value_range=value_range)(x)
    np.testing.assert_allclose(ours, ref, atol=1e-4 * value_range[1])
    np.testing.assert_allclose(ours.min(axis=(1, 2)), value_range[0], atol=1e-5)
    np.testing.assert_allclose(ours.max(axis=(1, 2)), value_range[1], rtol=1e-5)
    flat = np.full((1, 4, 4, 3), 0.3 * value_range[1], "float32")
    np.testing.assert_allclose(AutoContrast(value_range=value_range)(flat), flat)


@pytest.mark.parametrize("bins", [256, 64])
def test_equalization_matches_keras_per_image(photos, bins):
    x = (photos * 0.5 + 30.0).round()
    ours = np.asarray(Equalization(bins=bins)(x))
    keras_layer = keras.layers.Equalization(bins=bins)
    for i in range(len(x)):  # Keras pools the batch into one histogram; ours is per image
        np.testing.assert_allclose(ours[i], keras_layer(x[i : i + 1])[0], atol=1e-3)
    # Equalised channels spread over the whole range.
    assert ours.min() == 0 and ours.max() == 255
    flat = np.full((1, 4, 4, 3), 77.0, "float32")
    np.testing.assert_array_equal(Equalization()(flat), flat)


def test_equalization_value_range_unit(photos):
    x = (photos * 0.5 + 30.0).round()
    ours = Equalization(value_range=(0, 1))(x / 255.0)
    np.testing.assert_allclose(np.asarray(ours) * 255.0, Equalization()(x), atol=1e-3)


# ----- layers beyond Keras ----------------------------------------------------------


def test_channel_shift_is_per_channel_and_within_range():
    images = np.full((32, 4, 5, 3), 128.0, "float32")
    out = np.asarray(RandomChannelShift(20.0, seed=1)(images))
    shifts = out - 128.0
    np.testing.assert_allclose(shifts, shifts[:, :1, :1, :] * np.ones_like(shifts), atol=1e-4)
    per_channel = shifts[:, 0, 0, :]
    assert np.all(np.abs(per_channel) <= 20.0)
    assert np.all(np.ptp(per_channel, axis=1) > 0)  # channels move independently
    assert per_channel.min() < -10 and per_channel.max() > 10
    assert len({tuple(np.round(s, 3)) for s in per_channel}) == 32  # and per sample
    bright = RandomChannelShift((50.0, 60.0))(np.full((2, 2, 2, 3), 230.0, "float32"))
    np.testing.assert_array_equal(bright, 255.0)  # clipped to value_range


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_gamma_against_numpy(photos, gamma):
    out = RandomGamma((gamma, gamma))(photos)
    np.testing.assert_allclose(out, (photos / 255.0) ** gamma * 255.0, atol=1e-3)
    out = RandomGamma((gamma, gamma), value_range=(0, 1))(photos / 255.0)
    np.testing.assert_allclose(out, (photos / 255.0) ** gamma, atol=1e-5)


def test_gamma_is_per_sample_within_range():
    ramp = np.linspace(1.0, 254.0, 16, dtype="float32")
    images = np.tile(ramp[None, :, None, None], (16, 1, 2, 3))
    out = np.asarray(RandomGamma((0.5, 2.0), seed=2)(images))
    u, v = images[:, 5, 0, 0] / 255.0, out[:, 5, 0, 0] / 255.0
    gammas = np.log(v) / np.log(u)
    assert np.all((gammas > 0.5 - 1e-3) & (gammas < 2.0 + 1e-3))
    assert np.ptp(gammas) > 0.3
    np.testing.assert_allclose(
        out, (images / 255.0) ** gammas[:, None, None, None] * 255.0, atol=1e-2
    )


# ----- value ranges ----------------------------------------------------------------


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1)])
@pytest.mark.parametrize("name", sorted(set(ALL_LAYERS) - {"RandomGrayscale"}))
def test_outputs_stay_in_value_range(name, value_range):
    rng = np.random.default_rng(0)
    x = rng.uniform(*value_range, (4, 32, 40, 3)).astype("float32")
    x[0] = value_range[0]
    x[1] = value_range[1]
    out = np.asarray(ALL_LAYERS[name](value_range=value_range, seed=5)(x))
    tol = 1e-5 * value_range[1]
    assert out.min() >= value_range[0] - tol and out.max() <= value_range[1] + tol, name


def test_grayscale_stays_in_value_range():
    x = np.random.default_rng(0).uniform(0, 1, (4, 6, 6, 3)).astype("float32")
    out = np.asarray(RandomGrayscale(1.0)(x))
    assert out.min() >= 0 and out.max() <= 1


# ----- argument checks ----------------------------------------------------------------

BAD_ARGUMENTS = [
    ("RandomBrightness", lambda: RandomBrightness(1.5)),
    ("RandomBrightness", lambda: RandomBrightness((0.3, 1.1))),
    ("RandomBrightness", lambda: RandomBrightness(0.2, value_range=(1, 0))),
    ("RandomContrast", lambda: RandomContrast(-0.1)),
    ("RandomContrast", lambda: RandomContrast((1.2, 0.5))),
    ("RandomSaturation", lambda: RandomSaturation(1.5)),
    ("RandomSaturation", lambda: RandomSaturation("high")),
    ("RandomHue", lambda: RandomHue((0.2, 1.2))),
    ("RandomGrayscale", lambda: RandomGrayscale(1.1)),
    ("RandomColorJitter", lambda: RandomColorJitter(hue_factor=2.0)),
    ("RandomColorJitter", lambda: RandomColorJitter(value_range=(0,))),
    ("RandomColorDegeneration", lambda: RandomColorDegeneration(2.0)),
    ("RandomInvert", lambda: RandomInvert(-0.5)),
    ("RandomPosterization", lambda: RandomPosterization(0)),
    ("RandomPosterization", lambda: RandomPosterization(4.5)),
    ("RandomPosterization", lambda: RandomPosterization((6, 2))),
    ("Solarization", lambda: Solarization(addition_factor=1.5)),
    ("Solarization", lambda: Solarization(threshold_factor=(0.5, 1.2))),
    ("AutoContrast", lambda: AutoContrast(value_range=5)),
    ("Equalization", lambda: Equalization(bins=1)),
    ("Equalization", lambda: Equalization(bins=2.5)),
    ("RandomChannelShift", lambda: RandomChannelShift("wide")),
    ("RandomGamma", lambda: RandomGamma((0.0, 1.0))),
    ("RandomGamma", lambda: RandomGamma(1.5)),
]


@pytest.mark.parametrize("name,make", BAD_ARGUMENTS)
def test_bad_arguments_fail_at_construction(name, make):
    with pytest.raises(ValueError, match=name):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: RandomGrayscale(1.0),
        lambda: RandomSaturation(0.3),
        lambda: RandomHue(0.3),
        lambda: RandomColorDegeneration(0.3),
        lambda: RandomColorJitter(hue_factor=0.3),
    ],
)
def test_rgb_layers_refuse_four_channels(make):
    layer = make()
    with pytest.raises(ValueError, match=type(layer).__name__):
        layer(np.zeros((1, 4, 4, 4), "float32"))


# ----- fusion in Pipeline -----------------------------------------------------------


def _affine_layers():
    return [
        RandomBrightness(0.1, seed=1),
        RandomContrast(0.4, seed=2),
        RandomChannelShift(10.0, seed=3),
        RandomColorDegeneration((-0.5, 0.8), seed=4),
        RandomGrayscale(0.5, seed=5),
        RandomInvert(seed=6),
        RandomContrast((0.3, 0.6), seed=7),
    ]


def test_affine_colour_layers_form_one_run():
    layers = _affine_layers()
    assert fusable_runs(layers) == [layers]
    b, s, c = RandomBrightness(0.1), RandomSaturation(0.3), RandomContrast(0.2)
    assert fusable_runs([b, s, c]) == [[b], [s], [c]]  # HSV saturation is not affine
    flip, g = RandomFlip(), RandomGrayscale()
    assert fusable_runs([b, flip, c, g]) == [[b], [flip], [c, g]]
    unit = RandomContrast(0.2, value_range=(0, 1))
    assert fusable_runs([b, unit]) == [[b], [unit]]  # different clipping ranges


def test_fused_pipeline_equals_layer_by_layer(photos, monkeypatch):
    x = _mid(photos)
    expected = x
    for layer in _affine_layers():
        expected = layer(expected)
    pipeline = Pipeline(_affine_layers())
    for layer in pipeline.layers:  # the fused path must not call a layer's own kernel
        monkeypatch.setattr(layer, "apply_images", None)
    calls = []
    original = color_fusion.apply_color_matrix

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(color_fusion, "apply_color_matrix", counting)
    out = pipeline(x)
    assert len(calls) == 1  # the pixels are written once
    np.testing.assert_allclose(out, expected, atol=2e-3)
    assert np.abs(np.asarray(out) - x).max() > 10


def test_fused_pipeline_compiles_and_maps(photos):
    pipeline = Pipeline([RandomBrightness(0.2), RandomContrast(0.3), RandomInvert()])
    check_xla(pipeline, photos)
    out = check_tf_data(pipeline, photos)
    assert out.min() >= 0 and out.max() <= 255


def test_fused_pipeline_follows_call_time_seeds(photos):
    pipeline = Pipeline([RandomBrightness(0.3, seed=1), RandomContrast(0.5, seed=2)])
    a = pipeline(photos, seed=tf.constant([1, 2]))
    b = pipeline(photos, seed=tf.constant([1, 2]))
    c = pipeline(photos, seed=tf.constant([3, 2]))
    np.testing.assert_array_equal(a, b)
    assert np.abs(np.asarray(a) - np.asarray(c)).max() > 1


def test_fused_pipeline_clips_once_at_the_end(photos):
    x = _mid(photos)
    up, down = RandomBrightness((0.5, 0.5)), RandomBrightness((-0.5, -0.5))
    fused = Pipeline([up, down])(x)
    np.testing.assert_allclose(fused, x, atol=1e-3)  # no clipping in between
    one_by_one = np.asarray(down(up(x)))
    assert one_by_one.max() <= 255 - 127.5 + 1e-3  # clipped at 255, then lowered


def test_color_matrix_matches_kernel_for_each_layer(photos):
    x = tf.constant(_mid(photos))
    means = tf.reduce_mean(x, axis=[1, 2])
    for layer in _affine_layers():
        params = layer.draw_params(Batch(x))
        direct = layer.apply_images(x, params)
        matrix = layer.get_color_matrix(params, means)
        fused = color_fusion.apply_color_matrix(x, matrix, layer.color_clip_range())
        np.testing.assert_allclose(fused, direct, atol=2e-3, err_msg=layer.name)


def test_color_jitter_on_uint8_input_is_within_one_level_of_float_input(small_photos):
    """uint8 input takes a faster kernel (plain channel means, packed output); the same
    values given as float32 give the same image within one grey level."""
    kwargs = dict(brightness_factor=0.3, contrast_factor=0.5, saturation_factor=0.7, hue_factor=0.3)
    images = small_photos.astype("uint8")
    fast = RandomColorJitter(**kwargs, seed=31, output_dtype="uint8")(images)
    slow = RandomColorJitter(**kwargs, seed=31)(images.astype("float32"))
    difference = np.abs(np.asarray(fast, int) - np.round(np.asarray(slow)))
    assert difference.max() <= 1
    assert np.abs(np.asarray(fast, int) - images).mean() > 2.0


def test_color_jitter_uint8_output_is_the_float_result_rounded(small_photos):
    """``output_dtype="uint8"`` rounds inside the kernel: the float result, rounded and saturated."""
    kwargs = dict(brightness_factor=0.3, contrast_factor=0.4, saturation_factor=0.6, hue_factor=0.2)
    images = small_photos.astype("uint8")
    as_uint8 = RandomColorJitter(**kwargs, seed=30, output_dtype="uint8")(images)
    as_float = RandomColorJitter(**kwargs, seed=30)(images)
    assert as_uint8.dtype == tf.uint8
    expected = np.clip(np.round(np.asarray(as_float)), 0, 255)
    np.testing.assert_array_equal(np.asarray(as_uint8), expected)
    assert np.abs(np.asarray(as_uint8, int) - images).mean() > 1.0
    inferred = RandomColorJitter(**kwargs, seed=30, output_dtype="uint8")(images, training=False)
    np.testing.assert_array_equal(np.asarray(inferred), images)
