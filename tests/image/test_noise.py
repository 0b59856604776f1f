"""Tests of the noise layers in ``keras_augment.image.noise``.

The shared contract runs in ``tests/test_registry_contract.py``; here the
values: HLS conversions against OpenCV, ISO noise against albumentations'
``iso_noise`` fed the same noise fields, the Poisson sampler's moments, and
multiplicative noise against its analytic result.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from keras_augment.image.noise import ISONoise, MultiplicativeNoise
from keras_augment.image.ops import noise


@pytest.fixture(scope="module")
def image(photo) -> np.ndarray:
    """A 40x48 uint8 view of the real photograph (every fourth pixel)."""
    return np.ascontiguousarray(photo[::4, ::4][:40, :48])


def test_hls_conversions_match_opencv(image):
    unit = image.astype("float32") / 255.0
    theirs = cv2.cvtColor(unit, cv2.COLOR_RGB2HLS)
    ours = noise.rgb_to_hls(unit[None]).numpy()[0]
    np.testing.assert_allclose(ours, theirs, atol=2e-3)
    back = noise.hls_to_rgb(ours[None]).numpy()[0]
    np.testing.assert_allclose(back, cv2.cvtColor(theirs, cv2.COLOR_HLS2RGB), atol=1e-4)
    np.testing.assert_allclose(back, unit, atol=1e-5)
    turned = ours[None].copy()
    turned[..., 0] -= 360.0  # hue wraps around
    np.testing.assert_allclose(noise.hls_to_rgb(turned).numpy()[0], unit, atol=1e-5)


class _Fields:
    """A stand-in for NumPy's generator that returns fixed noise fields to albumentations."""

    def __init__(self, counts, hue):
        self.counts, self.hue = counts, hue

    def poisson(self, lam, size):
        return self.counts

    def normal(self, loc, scale, size):
        return self.hue


def test_iso_noise_matches_albumentations_on_the_same_fields(image):
    from albumentations.augmentations.pixel.functional import iso_noise

    rng = np.random.default_rng(0)
    counts = rng.poisson(0.4, image.shape[:2]).astype("float32")
    hue = rng.normal(0.0, 20.0, image.shape[:2]).astype("float32")
    intensity = 0.3
    # The same hue turns, given to OpenCV as hues within [0, 360): its vectorised
    # HLS2RGB reads negative hues wrongly (its scalar path wraps them as we do).
    start = cv2.cvtColor(image.astype("float32") / 255.0, cv2.COLOR_RGB2HLS)[..., 0]
    wrapped = np.mod(start + hue, 360.0) - start
    theirs = iso_noise(image, 0.05, intensity, _Fields(counts, wrapped))  # uint8 in and out
    ours = noise.iso_noise(image[None], hue[None], counts[None] * intensity, (0, 255)).numpy()[0]
    assert np.abs(ours - theirs).max() <= 1.0  # their result is rounded to uint8


def test_poisson_counts_have_the_rate_as_mean_and_variance():
    uniform = np.random.default_rng(1).random(200_000).astype("float32")
    for rate in (0.05, 0.3, 1.0):
        counts = noise.poisson_from_uniform(rate, uniform).numpy()
        assert counts.mean() == pytest.approx(rate, rel=0.03)
        assert counts.var() == pytest.approx(rate, rel=0.05)


def test_iso_noise_layer_brightens_a_poisson_share_of_pixels(image):
    images = np.stack([image] * 4).astype("float32")
    out = ISONoise(color_shift=0.0, intensity=(0.5, 0.5), seed=3)(images).numpy()
    unit = images / 255.0
    lightness = (unit.max(-1) + unit.min(-1)) / 2
    out_lightness = (out.max(-1) + out.min(-1)) / 2 / 255.0
    assert (out_lightness >= lightness - 1e-4).all()  # lightness only grows
    rate = lightness[0].std() * 0.5
    changed = (np.abs(out_lightness - lightness) > 1e-4).mean()
    assert changed == pytest.approx(1 - np.exp(-rate), abs=0.02)
    assert len({o.tobytes() for o in out}) == 4


def test_iso_noise_refuses_grayscale():
    with pytest.raises(ValueError, match="ISONoise: expected images with 3 channels"):
        ISONoise()(np.zeros((1, 8, 8, 1), "float32"))


@pytest.mark.parametrize(
    ("per_channel", "elementwise"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_multiplicative_noise_shares_factors_as_asked(image, per_channel, elementwise):
    images = np.full((3, 8, 10, 3), 100.0, "float32")
    layer = MultiplicativeNoise((0.5, 1.5), per_channel, elementwise, seed=4)
    ratio = layer(images).numpy() / 100.0
    assert ratio.min() >= 0.5 and ratio.max() <= 1.5
    distinct_pixels = len(np.unique(ratio[0, ..., 0].round(5)))
    distinct_channels = len(np.unique(ratio[0, 0, 0].round(5)))
    assert (distinct_pixels > 1) == elementwise
    assert (distinct_channels > 1) == per_channel
    assert len({r.tobytes() for r in ratio}) == 3  # per sample


def test_multiplicative_noise_matches_albumentations_multiply_and_clips(image):
    from albumentations.augmentations.pixel.functional import multiply

    factors = np.array([0.8, 1.1, 1.6], "float32")
    ours = noise.multiply(image[None].astype("float32"), factors, (0, 255)).numpy()[0]
    theirs = multiply(image, factors)
    assert np.abs(ours - theirs).max() <= 1.0
    assert ours.max() == 255.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ISONoise(intensity=(0.5, 2.0)), "ISONoise: `intensity`"),
        (lambda: ISONoise(color_shift=-0.1), "ISONoise: `color_shift`"),
        (lambda: MultiplicativeNoise(multiplier=(-1.0, 1.0)), "MultiplicativeNoise: `multiplier`"),
        (lambda: MultiplicativeNoise(per_channel=1), "MultiplicativeNoise: `per_channel`"),
    ],
)
def test_bad_arguments_fail_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()
