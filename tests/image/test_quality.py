"""Tests of the quality layers in ``keras_augment.image.quality``.

Evidence of three kinds: the shared checks every layer passes
(``tests/layer_checks.py``); values against Keras' layers with fixed
parameters, against PIL, SciPy and ``tf.image``; and measured properties
(blur keeps the mean and shrinks noise variance by the kernel's energy, noise
has the drawn standard deviation, downscaling removes high frequencies).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import scipy.ndimage as ndi
import tensorflow as tf
from PIL import Image, ImageEnhance

from keras_augment.image import quality
from keras_augment.image.quality import (
    RandomDownscale,
    RandomGaussianBlur,
    RandomGaussianNoise,
    RandomJpegQuality,
    RandomSharpness,
)
from tests.layer_checks import (
    check_dtypes,
    check_tf_data,
    check_training_changes,
    check_xla,
)

# One factory per layer, with arguments that change every sample visibly.
FACTORIES = {
    "RandomSharpness": lambda **kw: RandomSharpness((0.0, 1.0), **kw),
    "RandomGaussianBlur": lambda **kw: RandomGaussianBlur(
        factor=(1.0, 1.0), kernel_size=5, sigma=(0.5, 2.0), **kw
    ),
    "RandomGaussianNoise": lambda **kw: RandomGaussianNoise((0.02, 0.2), **kw),
    "RandomDownscale": lambda **kw: RandomDownscale((0.2, 0.7), **kw),
    "RandomJpegQuality": lambda **kw: RandomJpegQuality((5, 60), **kw),
}
ALL = tuple(FACTORIES)
# The noise field is drawn per pixel, so batchwise noise shares its stddev only.
SHARED_DRAW = tuple(name for name in ALL if name != "RandomGaussianNoise")


def _np(x) -> np.ndarray:
    return np.asarray(x, dtype="float32")


def _interior(x: np.ndarray, margin: int) -> np.ndarray:
    return x[..., margin:-margin, margin:-margin, :]


@pytest.fixture(scope="module")
def images(small_photos) -> np.ndarray:
    """float32[4, 48, 64, 3]: crops of the real photograph in [0, 255]."""
    return small_photos


# ----- the shared checks ----------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_training_changes_every_sample(name, images):
    layer = FACTORIES[name](seed=2)
    check_training_changes(layer, images)
    out = _np(layer(images))
    for before, after in zip(images, out, strict=True):
        assert not np.allclose(before, after)


@pytest.mark.parametrize("name", SHARED_DRAW)
def test_batchwise_shares_one_draw(name, images):
    out = _np(FACTORIES[name](seed=3, batchwise=True)(np.repeat(images[:1], 4, axis=0)))
    for sample in out[1:]:
        np.testing.assert_allclose(sample, out[0], atol=1e-3)


def test_batchwise_noise_shares_its_stddev(images):
    layer = RandomGaussianNoise((0.01, 0.3), clip=False, seed=3, batchwise=True)
    flat = np.full((4, 48, 64, 3), 128.0, "float32")
    stds = _np(layer(flat)).reshape(4, -1).std(axis=1)
    np.testing.assert_allclose(stds, stds[0], rtol=0.03)


# XLA: one compilation per layer (each costs seconds). Parameters are drawn
# from fixed ranges so that compiled and eager results can be compared value
# by value (TF's stateless random numbers differ between XLA and eager).
FIXED = {
    "RandomSharpness": lambda: RandomSharpness((0.2, 0.2)),
    "RandomGaussianBlur": lambda: RandomGaussianBlur((1.0, 1.0), 5, sigma=(1.3, 1.3)),
    "RandomDownscale": lambda: RandomDownscale((0.4, 0.4)),
    "RandomJpegQuality": lambda: RandomJpegQuality((30, 30)),
}


@pytest.mark.parametrize("name", tuple(FIXED))
def test_xla_matches_eager_with_fixed_parameters(name, images):
    layer = FIXED[name]()
    assert layer.supports_jit
    out = check_xla(layer, images)
    np.testing.assert_allclose(_np(out), _np(layer(images)), atol=1e-3)


def test_xla_noise_has_the_fixed_stddev():
    flat = np.full((4, 32, 40, 3), 128.0, "float32")
    out = _np(check_xla(RandomGaussianNoise((0.1, 0.1), clip=False), flat))
    np.testing.assert_allclose((out - flat).reshape(4, -1).std(axis=1), 25.5, rtol=0.05)


@pytest.mark.parametrize("name", ALL)
def test_tf_data_parallel_map_augments_every_element(name, images):
    out = check_tf_data(FACTORIES[name](seed=6), images)
    assert out.shape == images.shape
    for before, after in zip(images, out, strict=True):
        assert not np.allclose(before, after)


@pytest.mark.parametrize("name", ALL)
def test_dtypes(name, images):
    check_dtypes(FACTORIES[name](seed=7), images)
    out = _np(FACTORIES[name](seed=7)(images.astype("uint8")))
    assert out.min() >= 0.0 and out.max() <= 255.0


@pytest.mark.parametrize("name", ALL)
def test_unbatched_matches_batch_of_one(name, images):
    single = _np(FACTORIES[name](seed=9)(images[0]))
    np.testing.assert_allclose(single, _np(FACTORIES[name](seed=9)(images[:1]))[0], atol=1e-4)


@pytest.mark.parametrize("name", ALL)
def test_value_range_is_kept(name, images):
    # RandomDownscale only averages and interpolates, so it needs no value_range.
    kwargs = {} if name == "RandomDownscale" else {"value_range": (0, 1)}
    out = _np(FACTORIES[name](seed=12, **kwargs)(images / 255.0))
    assert out.min() >= 0.0 and out.max() <= 1.0


BAD_ARGUMENTS = [
    (RandomSharpness, {"factor": 1.5}),
    (RandomSharpness, {"factor": (0.8, 1.2)}),
    (RandomSharpness, {"factor": 0.5, "value_range": (1, 0)}),
    (RandomGaussianBlur, {"kernel_size": 4}),
    (RandomGaussianBlur, {"kernel_size": (3, 0)}),
    (RandomGaussianBlur, {"sigma": -1.0}),
    (RandomGaussianBlur, {"factor": 2.0}),
    (RandomGaussianNoise, {"stddev": -0.1}),
    (RandomGaussianNoise, {"clip": "yes"}),
    (RandomGaussianNoise, {"value_range": (0,)}),
    (RandomDownscale, {"scale": 0.0}),
    (RandomDownscale, {"scale": (0.5, 1.5)}),
    (RandomDownscale, {"interpolation": "bicubic"}),
    (RandomJpegQuality, {"quality": (0, 50)}),
    (RandomJpegQuality, {"quality": (90, 10)}),
    (RandomJpegQuality, {"quality": "high"}),
]


@pytest.mark.parametrize(("cls", "kwargs"), BAD_ARGUMENTS)
def test_bad_arguments_fail_at_construction(cls, kwargs):
    kwargs = {"factor": 0.5, **kwargs} if cls is RandomSharpness else kwargs
    with pytest.raises(ValueError, match=cls.__name__):
        cls(**kwargs)


# ----- RandomSharpness ------------------------------------------------------


@pytest.mark.parametrize("factor", [0.0, 0.3, 0.5, 0.9])
def test_sharpness_matches_keras_with_a_fixed_factor(factor, images):
    ours = _np(RandomSharpness((factor, factor), seed=1)(images))
    theirs = _np(keras.layers.RandomSharpness((factor, factor), seed=1)(images))
    # Keras zero-pads the smoothing; the interior must agree.
    np.testing.assert_allclose(_interior(ours, 1), _interior(theirs, 1), atol=1e-3)
    # The border keeps its values, as in PIL.
    border = np.ones(images.shape[1:3], bool)
    border[1:-1, 1:-1] = False
    np.testing.assert_array_equal(ours[:, border], images[:, border])


@pytest.mark.parametrize("enhance", [0.0, 0.6, 1.0, 1.8])
def test_sharpness_kernel_matches_pil(enhance, photo):
    crop = photo[:40, :56]
    ref = np.asarray(ImageEnhance.Sharpness(Image.fromarray(crop)).enhance(enhance), "float32")
    ours = _np(quality.adjust_sharpness(crop[None], enhance))[0]
    # PIL rounds the smoothed image to 8 bits before blending.
    np.testing.assert_allclose(ours, ref, atol=1.0 + 0.5 * abs(1.0 - enhance))
    if enhance == 1.0:
        np.testing.assert_allclose(ours, crop, atol=1e-4)


def test_sharpness_extremes_blur_and_sharpen(noise_batch):
    soft = _np(RandomSharpness((0.0, 0.0))(noise_batch))
    sharp = _np(RandomSharpness((1.0, 1.0), value_range=(-1e4, 1e4))(noise_batch))
    detail = np.diff(_interior(noise_batch, 1), axis=2).std()
    assert np.diff(_interior(soft, 1), axis=2).std() < 0.6 * detail
    assert np.diff(_interior(sharp, 1), axis=2).std() > 1.4 * detail


def test_sharpness_keeps_the_border_of_values_near_the_float32_maximum():
    # Neighbourhood sums of such values overflow; the border must still keep its pixels.
    rng = np.random.default_rng(3)
    values = rng.choice([3.0e38, -3.0e38, 1.0], (2, 5, 6, 3)).astype("float32")
    wide = (-3.4e38, 3.4e38)
    for factor in (0.0, 1.0, 2.0):
        out = _np(quality.adjust_sharpness(values, factor, wide))
        border = np.ones(values.shape[1:3], bool)
        border[1:-1, 1:-1] = False
        np.testing.assert_array_equal(out[:, border], values[:, border])
        assert np.isfinite(out).all()


# ----- RandomGaussianBlur ---------------------------------------------------


@pytest.mark.parametrize(("kernel_size", "sigma"), [(3, 1.0), (5, 0.8), (7, 0.3)])
def test_blur_matches_keras_with_a_fixed_sigma(kernel_size, sigma, images):
    kwargs = {"factor": (1.0, 1.0), "kernel_size": kernel_size, "sigma": (sigma, sigma)}
    ours = _np(RandomGaussianBlur(**kwargs, seed=1)(images))
    theirs = _np(keras.layers.RandomGaussianBlur(**kwargs, seed=1)(images))
    # Keras zero-pads (darkening the border); away from it the two agree.
    margin = kernel_size // 2
    np.testing.assert_allclose(_interior(ours, margin), _interior(theirs, margin), atol=1e-3)


def test_blur_kernel_matches_scipy_including_the_border(noise_batch):
    sigmas = np.array([0.5, 1.0, 1.7, 2.5], "float32")
    ours = _np(quality.gaussian_blur(noise_batch, sigmas, 4))
    for image, sigma, out in zip(noise_batch, sigmas, ours, strict=True):
        ref = ndi.gaussian_filter(image, (sigma, sigma, 0), mode="reflect", radius=(4, 4, 0))
        np.testing.assert_allclose(out, ref, atol=1e-3)


def test_blur_draws_separate_sigmas_per_axis(noise_batch):
    out = _np(quality.gaussian_blur(noise_batch[:1], np.array([[2.0, 0.01]], "float32"), 3))
    ref = ndi.gaussian_filter(noise_batch[0], (2.0, 0.0, 0), mode="reflect", radius=(3, 0, 0))
    np.testing.assert_allclose(out[0], ref, atol=1e-3)


def test_blur_kernel_size_pair_is_height_then_width(noise_batch):
    layer = RandomGaussianBlur((1.0, 1.0), kernel_size=(1, 7), sigma=(2.0, 2.0))
    out = _np(layer(noise_batch))
    ref = ndi.gaussian_filter(noise_batch, (0, 0, 2.0, 0), mode="reflect", radius=(0, 0, 3, 0))
    np.testing.assert_allclose(out, ref, atol=1e-3)


def test_blur_keeps_a_constant_image_and_its_mean():
    flat = np.full((4, 20, 24, 3), 93.0, "float32")
    out = _np(RandomGaussianBlur((1.0, 1.0), kernel_size=9, sigma=(0.5, 4.0), seed=1)(flat))
    np.testing.assert_allclose(out, flat, atol=1e-3)


def test_blur_reduces_noise_variance_by_the_kernel_energy():
    rng = np.random.default_rng(1)
    noise = rng.normal(0.0, 10.0, (4, 64, 64, 3)).astype("float32")
    for sigma, radius in ((0.7, 2), (1.5, 4)):
        layer = RandomGaussianBlur(
            (1.0, 1.0), kernel_size=2 * radius + 1, sigma=(sigma, sigma), value_range=(-1e3, 1e3)
        )
        out = _interior(_np(layer(noise)), radius)
        taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
        taps /= taps.sum()
        expected = np.sum(taps**2) ** 2  # separable: the 2-D energy is the square of the 1-D one
        measured = out.var() / _interior(noise, radius).var()
        assert measured == pytest.approx(expected, rel=0.08)


def test_blur_factor_zero_never_blurs(images):
    out = _np(RandomGaussianBlur(factor=0.0, sigma=2.0)(images))
    np.testing.assert_array_equal(out, images)


def test_blur_probability_follows_factor(noise_batch):
    batch = np.repeat(noise_batch[:1], 64, axis=0)
    out = _np(RandomGaussianBlur(factor=(0.5, 0.5), sigma=(1.0, 1.0), seed=3)(batch))
    blurred = np.mean([not np.array_equal(o, batch[0]) for o in out])
    assert 0.3 < blurred < 0.7


# ----- RandomGaussianNoise --------------------------------------------------


@pytest.mark.parametrize(("stddev", "value_range"), [(0.05, (0, 255)), (0.2, (0, 1))])
def test_noise_std_matches_a_fixed_stddev(stddev, value_range):
    low, high = value_range
    flat = np.full((4, 32, 40, 3), (low + high) / 2, "float32")
    out = _np(RandomGaussianNoise((stddev, stddev), value_range, clip=False, seed=1)(flat))
    delta = (out - flat).reshape(4, -1)
    np.testing.assert_allclose(delta.std(axis=1), stddev * (high - low), rtol=0.05)
    np.testing.assert_allclose(delta.mean(axis=1), 0.0, atol=0.05 * stddev * (high - low))


def test_noise_std_is_drawn_per_sample_within_the_range():
    flat = np.full((16, 32, 40, 3), 128.0, "float32")
    out = _np(RandomGaussianNoise((0.02, 0.2), clip=False, seed=2)(flat))
    stds = (out - flat).reshape(16, -1).std(axis=1) / 255.0
    assert np.all(stds > 0.02 * 0.95) and np.all(stds < 0.2 * 1.05)
    assert stds.max() - stds.min() > 0.05


def test_noise_kernel_uses_the_given_stddev_per_sample():
    flat = np.zeros((3, 40, 40, 1), "float32")
    stddev = np.array([0.0, 0.01, 0.1], "float32")
    out = _np(quality.add_gaussian_noise(flat, stddev, tf.constant([1, 2]), (0, 100), clip=False))
    np.testing.assert_allclose(out.reshape(3, -1).std(axis=1), stddev * 100, rtol=0.06, atol=1e-6)


def test_noise_clip_keeps_the_range(noise_batch):
    out = _np(RandomGaussianNoise(0.5, seed=3)(noise_batch))
    assert out.min() == 0.0 and out.max() == 255.0


# ----- RandomDownscale ------------------------------------------------------


def test_downscale_by_one_is_identity(images):
    np.testing.assert_array_equal(_np(RandomDownscale((1.0, 1.0))(images)), images)
    np.testing.assert_array_equal(_np(quality.downscale(images, np.ones(4), "nearest")), images)


def test_downscale_by_half_averages_blocks(noise_batch):
    """Area down by 2 is the 2x2 block mean; nearest up repeats it."""
    out = _np(quality.downscale(noise_batch, np.full(4, 0.5), "nearest"))
    blocks = noise_batch.reshape(4, 16, 2, 20, 2, 3).mean(axis=(2, 4))
    expected = np.repeat(np.repeat(blocks, 2, axis=1), 2, axis=2)
    np.testing.assert_allclose(out, expected, atol=1e-3)


@pytest.mark.parametrize("factor", [2, 4])
def test_downscale_matches_tf_image_resize(factor, noise_batch):
    out = _np(quality.downscale(noise_batch, np.full(4, 1.0 / factor), "bilinear"))
    small = tf.image.resize(noise_batch, (32 // factor, 40 // factor), method="area")
    expected = _np(tf.image.resize(small, (32, 40), method="bilinear"))
    np.testing.assert_allclose(out, expected, atol=1e-3)


def _high_frequency_energy(images: np.ndarray, cutoff: float) -> float:
    spectrum = np.abs(np.fft.fft2(images - images.mean(axis=(1, 2), keepdims=True), axes=(1, 2)))
    fy = np.abs(np.fft.fftfreq(images.shape[1]))[:, None]
    fx = np.abs(np.fft.fftfreq(images.shape[2]))[None, :]
    band = (fy > cutoff) | (fx > cutoff)
    return float(np.sum(spectrum[:, band] ** 2))


def test_downscale_by_a_quarter_removes_high_frequencies(noise_batch):
    out = _np(RandomDownscale((0.25, 0.25))(noise_batch))
    # The quarter-resolution grid cannot hold frequencies above 1/8 cycle per pixel.
    before = _high_frequency_energy(noise_batch, 0.125)
    after = _high_frequency_energy(out, 0.125)
    assert after < 0.03 * before
    # Low frequencies and the mean survive.
    np.testing.assert_allclose(out.mean(axis=(1, 2)), noise_batch.mean(axis=(1, 2)), rtol=0.01)


def test_downscale_smaller_factors_lose_more_detail(photo):
    image = photo[None, :64, :96].astype("float32")
    losses = [
        np.abs(_np(quality.downscale(image, [s], "bilinear")) - image).mean()
        for s in (0.8, 0.5, 0.25)
    ]
    assert losses[0] < losses[1] < losses[2]


# ----- RandomJpegQuality ----------------------------------------------------


@pytest.mark.parametrize("quality_", [5, 30, 75])
@pytest.mark.parametrize("box", [(0, 0, 48, 64), (5, 7, 50, 70), (100, 100, 164, 196)])
def test_jpeg_agrees_with_libjpeg(quality_, box, photo):
    """Against tf.image.adjust_jpeg_quality (libjpeg), on even and odd sizes."""
    top, left, bottom, right = box
    crop = photo[top:bottom, left:right]
    ours = _np(RandomJpegQuality((quality_, quality_))(crop[None]))[0]
    libjpeg = _np(tf.image.adjust_jpeg_quality(crop, quality_))
    assert np.abs(ours - libjpeg).mean() < 1.5
    # The compression error itself has the same size.
    ours_error, libjpeg_error = np.abs(ours - crop).mean(), np.abs(libjpeg - crop).mean()
    assert ours_error == pytest.approx(libjpeg_error, rel=0.15)


def test_jpeg_quantization_tables_follow_libjpeg_scaling():
    tables = _np(
        quality.jpeg_quantization_table(quality._LUMA_TABLE, tf.constant([50.0, 100.0, 10.0, 1.0]))
    )
    base = np.array(quality._LUMA_TABLE, "float32")
    np.testing.assert_array_equal(tables[0], base)
    np.testing.assert_array_equal(tables[1], np.ones((8, 8)))
    np.testing.assert_array_equal(tables[2], np.clip(np.floor((base * 500 + 50) / 100), 1, 255))
    np.testing.assert_array_equal(tables[3], np.full((8, 8), 255.0))


def test_jpeg_keeps_the_range_and_lower_quality_loses_more(images):
    unit = images / 255.0
    errors = []
    for q in (95, 40, 5):
        out = _np(RandomJpegQuality((q, q), value_range=(0, 1))(unit))
        assert out.min() >= 0.0 and out.max() <= 1.0
        errors.append(np.abs(out - unit).mean())
    assert 0 < errors[0] < errors[1] < errors[2]


def test_jpeg_grayscale_and_bad_channels(images):
    gray = images[..., :1]
    out = _np(RandomJpegQuality((10, 10))(gray))
    assert out.shape == gray.shape and not np.allclose(out, gray)
    with pytest.raises(ValueError, match="RandomJpegQuality.*channels"):
        RandomJpegQuality()(np.zeros((2, 8, 8, 4), "float32"))
    with pytest.raises(ValueError, match="jpeg.*channels"):
        quality.jpeg(np.zeros((2, 8, 8, 2), "float32"), [50, 50])


def test_jpeg_quality_draws_cover_the_range(images):
    layer = RandomJpegQuality((20, 22), seed=1)
    batch = np.repeat(images[:1], 24, axis=0)
    out = _np(layer(batch))
    candidates = {q: _np(quality.jpeg(images[:1], [q]))[0] for q in (20, 21, 22)}
    seen = set()
    for o in out:
        matches = [q for q, c in candidates.items() if np.array_equal(o, c)]
        assert len(matches) >= 1
        seen.update(matches)
    assert seen == {20, 21, 22}
