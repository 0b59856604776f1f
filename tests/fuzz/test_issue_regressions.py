"""One regression test per finding of the adversarial pass that this suite keeps fixed."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

import keras_augment as ka
from keras_augment.core.random import Sampler
from keras_augment.image.geometric import elastic_field, field_grid
from tests.fuzz.properties import own_message

A = ka.audio


def _rgb(n=2, h=8, w=8, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, h, w, 3)).astype("float32")


# ----- 4. channel history -------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [ka.RandAugment, ka.AugMix, ka.AutoAugment, ka.TrivialAugmentWide, ka.RandomGrayscale],
)
def test_gray_after_rgb_works(make):
    layer = make(seed=1)
    rgb, gray = _rgb(), _rgb()[..., :1]
    assert layer(rgb).shape == rgb.shape
    assert layer(gray).shape == gray.shape
    assert layer(rgb).shape == rgb.shape


# ----- 5. degenerate sizes ----------------------------------------------------------------


def test_empty_batches_and_zero_sizes_come_back_as_given():
    assert ka.RandAugment(seed=1)(np.zeros((0, 8, 8, 3), "float32")).shape == (0, 8, 8, 3)
    assert ka.RandomGaussianBlur(seed=1)(np.zeros((2, 0, 8, 3), "float32")).shape == (2, 0, 8, 3)
    crop = ka.RandomCrop(4, 4, seed=1)
    assert crop(np.zeros((0, 8, 8, 3), "float32")).shape == (0, 4, 4, 3)
    with pytest.raises(ValueError, match=r"RandomCrop: cannot augment images of height 0"):
        crop(np.zeros((2, 0, 8, 3), "float32"))


def test_one_pixel_tall_perspective():
    images = _rgb(h=1, w=9)
    out = np.asarray(ka.RandomPerspective(factor=(1.0, 1.0), seed=2)(images))
    assert out.shape == images.shape and np.isfinite(out).all()


@pytest.mark.parametrize(
    "layer",
    [A.LowPassFilter(), A.HighPassFilter(), A.BandPassFilter(), A.Reverb(), A.SpeedChange()],
    ids=lambda layer: type(layer).__name__,
)
def test_empty_audio_batches(layer):
    assert layer(np.zeros((0, 1600), "float32")).shape == (0, 1600)


@pytest.mark.parametrize("layer", [A.TimeShift(), A.PitchShift()], ids=lambda x: type(x).__name__)
def test_empty_clips(layer):
    assert layer(np.zeros((3, 0), "float32")).shape == (3, 0)
    assert layer(np.zeros((0,), "float32")).shape == (0,)


# ----- 6. ragged batches -----------------------------------------------------------------


def test_ragged_batch_says_how_to_batch():
    ragged = tf.ragged.stack([tf.zeros([4, 5, 3]), tf.zeros([6, 2, 3])])
    with pytest.raises(TypeError, match=r"RandomFlip: got images as a RaggedTensor"):
        ka.RandomFlip()(ragged)


# ----- 7. constructor arguments ------------------------------------------------------------


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: ka.RandomAffine(scale=math.inf), "RandomAffine"),
        (lambda: ka.MixUp(alpha=math.inf), "MixUp"),
        (lambda: ka.MixUp(alpha=1e30), "MixUp"),
        (lambda: A.Gain(gain_db=(0, 1e30)), "Gain"),
        (lambda: ka.RandomResizedCrop(8, 8, ratio=(1.0, math.inf)), "RandomResizedCrop"),
        (lambda: ka.RandomContrast(0.2, value_range=(0, math.inf)), "RandomContrast"),
        (lambda: ka.RandomErasing(fill_value=math.nan), "RandomErasing"),
        (lambda: ka.RandomErasing(fill_value=[0.0, math.nan, 1.0]), "RandomErasing"),
        (lambda: A.Reverb(sample_rate=math.inf), "Reverb"),
        (lambda: A.TimeStretch(rate=(0.5, 1e30)), "TimeStretch"),
        (lambda: ka.RandomFlip(seed=2**64), "RandomFlip"),
    ],
)
def test_bad_numbers_fail_at_construction(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_numpy_integer_seed():
    a, b = ka.RandomRotation(0.2, seed=np.int64(3)), ka.RandomRotation(0.2, seed=3)
    images = _rgb()
    np.testing.assert_array_equal(np.asarray(a(images)), np.asarray(b(images)))


# ----- 8. load_wav and rank-2 audio -----------------------------------------------------------


def test_load_wav_output_goes_straight_into_a_layer(tmp_path):
    t = np.arange(16000) / 16000.0
    stereo = np.stack([0.3 * np.sin(2 * np.pi * 220 * t), 0.2 * np.sin(2 * np.pi * 330 * t)], 1)
    path = tmp_path / "stereo.wav"
    tf.io.write_file(str(path), tf.audio.encode_wav(stereo.astype("float32"), 16000))
    audio, rate = A.load_wav(str(path))
    assert audio.shape == (16000, 2) and rate == 16000
    out = np.asarray(A.Gain(gain_db=(-12.0, 12.0), seed=4)(audio))
    assert out.shape == audio.shape
    loud = np.abs(audio) > 0.05
    ratios = out[loud] / audio[loud]
    # One clip, one gain: every sample of both channels is scaled alike.
    assert np.ptp(ratios) < 1e-4 * np.abs(ratios).max()


def test_implausible_rank2_reading_is_refused():
    stereo = np.zeros((16000, 2), "float32")
    with pytest.raises(ValueError, match=r"Gain: .*16000 clips of 2 samples"):
        A.Gain(rank2_layout="batch_time")(stereo)
    batch = np.zeros((4, 16000), "float32")
    with pytest.raises(ValueError, match=r"Gain: .*16000 channels"):
        A.Gain(rank2_layout="time_channels")(batch)
    assert A.Gain()(batch).shape == (4, 16000)  # "auto" reads a batch


# ----- 10. NaN stays where it was ------------------------------------------------------------------


def _one_nan(images):
    images = images.copy()
    images[0, 3, 4, :] = np.nan
    return images


@pytest.mark.parametrize(
    "make",
    [
        lambda: ka.RandomColorJitter((0, 255), 0.3, 0.3, 0.3, 0.1, seed=1),
        lambda: ka.RandomJpegQuality((20, 60), seed=1),
        lambda: ka.RandomContrast(0.5, seed=1),
        lambda: ka.RandomDownscale((0.3, 0.6), seed=1),
        lambda: ka.AutoContrast(),
        lambda: ka.Equalization(),
        lambda: ka.Pipeline([ka.RandomBrightness(0.2), ka.RandomContrast(0.5)], seed=1),
    ],
)
def test_one_nan_pixel_stays_one_nan_pixel(make):
    images = _one_nan(_rgb(h=16, w=16))
    out = np.asarray(make()(images))
    np.testing.assert_array_equal(np.isnan(out), np.isnan(images))


def test_contrast_ignores_nan_in_its_statistics():
    """The other pixels come out as for the image whose bad pixel held the finite mean."""
    images = _rgb(n=1, h=6, w=6)
    with_nan = images.copy()
    with_nan[0, 0, 0, :] = np.nan
    filled = images.copy()
    count = 35
    filled[0, 0, 0, :] = np.nansum(with_nan[0], axis=(0, 1)) / count
    seeded = (lambda: ka.RandomContrast(0.5, seed=5), lambda: ka.RandomContrast(0.5, seed=5))
    out_nan, out_filled = np.asarray(seeded[0]()(with_nan)), np.asarray(seeded[1]()(filled))
    np.testing.assert_allclose(out_nan[0, 1:], out_filled[0, 1:], rtol=1e-5, atol=1e-3)


def test_values_near_float32_max_stay_finite_in_contrast():
    images = np.full((1, 4, 4, 3), 3.0e38, "float32")
    images[:, ::2] = -3.0e38
    out = np.asarray(ka.RandomContrast(0.5, value_range=(0, 255), seed=1)(images))
    assert not np.isnan(out).any()


# ----- 11. elastic fields on large images -----------------------------------------------------------


def test_elastic_field_is_drawn_on_a_bounded_grid():
    assert field_grid(4000, 4000) == (256, 256)
    assert field_grid(3000, 1500) == (256, 128)
    assert field_grid(100, 60) == (100, 60)
    assert field_grid(None, 40) == (256, 256)


def test_coarse_elastic_field_keeps_its_amplitude():
    """A field drawn on a 128-cell grid and upsampled has the size of one drawn at full resolution."""
    size, strength = 512, tf.constant([0.8, 0.8, 0.8, 0.8])
    rms = {}
    for cells in (size, 128):
        rows, cols = field_grid(size, size, cells)
        noise = Sampler(tf.constant([1, 2], tf.int64), 4).normal(extra_shape=(rows, cols, 2))
        field = elastic_field(noise, strength, 1.0, size, size).numpy()
        assert field.shape == (4, size, size, 2)
        rms[cells] = float(np.sqrt(np.mean(field**2)))
    assert 0.75 < rms[128] / rms[size] < 1.33


def test_elastic_on_a_large_image_keeps_size_and_values():
    image = np.random.default_rng(0).uniform(0, 255, (1100, 700, 1)).astype("float32")
    out = np.asarray(ka.RandomElasticTransform(factor=(1.0, 1.0), seed=3)(image))
    assert out.shape == image.shape and np.isfinite(out).all()
    assert 0.0 <= out.min() and out.max() <= 255.0
    assert np.mean(np.abs(out - image) > 1.0) > 0.5  # it did distort


def test_messages_name_the_layer():
    with pytest.raises(ValueError) as info:
        ka.RandAugment()(np.zeros((1, 4, 4, 4), "float32"))
    assert own_message(info.value).startswith("RandAugment: expected images with 1 or 3 channels")
