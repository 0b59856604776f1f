"""Tests of the weather and lighting layers in ``keras_augment.image.weather``.

The shared contract runs in ``tests/test_registry_contract.py``; here the
values: the plasma maths, snow and shadows against albumentations' functions
fed the same parameters, the fractal spectrum's slope, fog's contrast loss,
the geometry of rain streaks and of the sun flare, ranges and targets.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from albumentations.augmentations.pixel import functional as album

import keras_augment as ka
from keras_augment.image.ops import weather

LAYERS = [
    ka.PlasmaBrightnessContrast,
    ka.PlasmaShadow,
    ka.RandomFog,
    ka.RandomRain,
    ka.RandomShadow,
    ka.RandomSnow,
    ka.RandomSunFlare,
]


@pytest.fixture(scope="module")
def image(photo) -> np.ndarray:
    """A 40x48 uint8 view of the real photograph (every fourth pixel)."""
    return np.ascontiguousarray(photo[::4, ::4][:40, :48])


def _pattern(height: int, width: int, exponent: float, seed: int = 0) -> np.ndarray:
    white = np.random.default_rng(seed).standard_normal((1, height, width)).astype("float32")
    return weather.plasma_pattern(white, np.float32([exponent])).numpy()[0]


@pytest.mark.parametrize("exponent", [2.0, 3.0])
def test_plasma_has_the_fractal_spectrum(exponent):
    pattern = _pattern(128, 128, exponent)
    assert pattern.min() == 0.0 and pattern.max() == pytest.approx(1.0)
    power = np.abs(np.fft.fft2(pattern - pattern.mean())) ** 2
    f = np.hypot(*np.meshgrid(np.fft.fftfreq(128), np.fft.fftfreq(128), indexing="ij"))
    bins = np.geomspace(2 / 128, 0.4, 12)
    which = np.digitize(f, bins)
    centres = [f[which == i].mean() for i in range(1, len(bins))]
    means = [power[which == i].mean() for i in range(1, len(bins))]
    slope = np.polyfit(np.log(centres), np.log(means), 1)[0]
    assert slope == pytest.approx(-exponent, abs=0.3)


def test_plasma_brightness_contrast_matches_albumentations(image):
    pattern = _pattern(40, 48, 2.5)
    unit = image.astype("float32") / 255.0
    for brightness, contrast in [(0.3, 0.0), (0.0, 0.4), (0.2, 0.5)]:
        theirs = album.apply_plasma_brightness_contrast(unit, brightness, contrast, pattern)
        ours = weather.plasma_brightness_contrast(
            unit[None], [brightness], [contrast], pattern[None], (0.0, 1.0)
        )
        # albumentations also clips the product x * w before adding m * (1 - w);
        # compare where that intermediate clip does nothing.
        brightened = np.clip(unit + brightness * pattern[..., None], 0.0, 1.0)
        product = brightened * (1.0 + contrast * pattern[..., None])
        unclipped = (product >= 0.0) & (product <= 1.0)
        assert unclipped.mean() > 0.8
        np.testing.assert_allclose(ours.numpy()[0][unclipped], theirs[unclipped], atol=1e-5)
    # The installed albumentations leaves images unchanged for negative contrast;
    # the formula of its documentation is the reference there.
    ours = weather.plasma_brightness_contrast(unit[None], [0.1], [-0.4], pattern[None], (0, 1))
    brightened = unit + 0.1 * pattern[..., None]
    weight = 1.0 - 0.4 * pattern[..., None]
    brightened = np.clip(brightened, 0.0, 1.0)
    expected = brightened * weight + brightened.mean() * (1.0 - weight)
    np.testing.assert_allclose(ours.numpy()[0], np.clip(expected, 0, 1), atol=1e-5)


def test_plasma_shadow_matches_albumentations(image):
    pattern = _pattern(40, 48, 2.0, seed=3)
    unit = image.astype("float32") / 255.0
    theirs = album.apply_plasma_shadow(unit, 0.6, pattern)
    ours = weather.plasma_shadow(unit[None], [0.6], pattern[None], (0, 1))
    np.testing.assert_allclose(ours.numpy()[0], theirs, atol=1e-6)


def test_even_fog_lowers_contrast_by_the_drawn_intensity(image):
    layer = ka.RandomFog(intensity=(0.2, 0.8), patchiness=0.0, seed=4)
    batch = np.repeat(image[None], 4, axis=0).astype("float32")
    out = layer(batch, training=True).numpy()
    ratios = out.std(axis=(1, 2, 3)) / batch.std(axis=(1, 2, 3))
    # The output is x (1 - t) + 255 t, so each t is recovered from the mean.
    t = (out.mean(axis=(1, 2, 3)) - batch.mean()) / (255.0 - batch.mean())
    np.testing.assert_allclose(ratios, 1.0 - t, atol=1e-4)
    assert np.all((t > 0.2) & (t < 0.8)) and np.ptp(t) > 0.05


def test_patchy_fog_varies_over_the_image(image):
    pattern = _pattern(40, 48, 3.0)
    black = np.zeros((1, 40, 48, 3), "float32")
    out = weather.fog(black, [0.8], [1.0], pattern[None], (0, 255)).numpy()[0, ..., 0]
    np.testing.assert_allclose(out, 0.8 * 255.0 * pattern, atol=1e-3)


def test_snow_matches_albumentations_bleach(image):
    for snow_point, brightness in [(0.1, 2.5), (0.5, 1.5)]:
        theirs = album.add_snow_bleach(image, snow_point, brightness).astype("float32")
        ours = weather.snow_bleach(image[None], [snow_point], [brightness], (0, 255))
        difference = np.abs(ours.numpy()[0] - theirs)
        # OpenCV rounds HLS to 8 bits before bleaching; the float path does not.
        assert difference.mean() < 1.5 and np.quantile(difference, 0.99) <= 6.0


def test_rain_streaks_have_the_drawn_slant_and_length():
    drops = np.zeros((2, 48, 48), "float32")
    drops[:, 4, 20] = 1.0
    slant, length = np.float32([8.0, -6.0]), np.float32([20.0, 14.0])
    streaks = weather.rain_streaks(drops, slant, length, 45).numpy()
    for streak, run, drop in zip(streaks, slant, length, strict=True):
        rows, cols = np.nonzero(streak > 0.5)
        assert rows.min() == 4 and rows.max() == 4 + drop
        fitted = np.polyfit(rows, cols, 1)
        assert fitted[0] == pytest.approx(run / drop, abs=0.03)
        assert fitted[1] + 4 * fitted[0] == pytest.approx(20.0, abs=0.5)
        assert streak.max() == pytest.approx(1.0)


def test_rain_adds_streaks_then_dims_as_albumentations():
    image = np.full((32, 32, 3), 60, "uint8")
    drops = np.zeros((1, 32, 32), "float32")
    drops[0, 2, 10] = 1.0
    ours = weather.rain(image[None], drops, [0.0], [12.0], 200 / 255, [0.7], 27, 1, (0, 255))
    theirs = album.add_rain(image, 0, 12, 1, (200, 200, 200), 1, 0.7, np.array([[10, 2]]))
    np.testing.assert_allclose(ours.numpy()[0], theirs, atol=1.0)


def test_shadow_matches_albumentations_inside_polygons(image):
    vertices = np.array([[[5, 30], [20, 12], [40, 18], [44, 36], [15, 39]]], "int32")
    theirs = album.add_shadow(image, [vertices[0]], np.array([0.4])).astype("float32")
    ours = weather.shadow(image[None], vertices[None].astype("float32"), [[0.4]], (0, 255))
    mask = np.zeros((40, 48), "uint8")
    cv2.fillPoly(mask, [vertices[0]], 1)
    kernel = np.ones((3, 3), "uint8")
    # Pixels within one of the outline (the image border included) may go either way.
    eroded = cv2.erode(mask, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    edge = cv2.dilate(mask, kernel) != eroded
    difference = np.abs(ours.numpy()[0] - theirs).max(axis=-1)
    assert difference[~edge].max() <= 1.0  # OpenCV rounds to integers
    assert mask.sum() > 300  # the polygon covers a real area


def test_shadow_layer_darkens_only_within_its_region(image):
    batch = np.repeat(image[None], 6, axis=0).astype("float32")
    out = ka.RandomShadow(region=(0.0, 0.5, 1.0, 1.0), intensity=0.5, seed=1)(
        batch, training=True
    ).numpy()
    np.testing.assert_allclose(out[:, :19], batch[:, :19], atol=1e-3)
    lit = batch[:, 20:] >= 20.0  # ratios of dark pixels are too coarse to read
    ratio = (out[:, 20:] / np.maximum(batch[:, 20:], 1.0))[lit]
    darkened = np.isclose(ratio, 0.5, atol=0.01) | np.isclose(ratio, 0.25, atol=0.01)
    assert (darkened | np.isclose(ratio, 1.0)).all() and darkened.any()


def test_sun_flare_glow_and_circles():
    image = np.full((1, 40, 48, 3), 50.0, "float32")
    circles = np.float32([[[40.0, 30.0, 4.0, 0.2]]])
    out = weather.sun_flare(image, [[10.0, 8.0]], [9.0], circles, (1.0,), (0, 255)).numpy()[0]
    np.testing.assert_allclose(out[8, 10], 255.0)  # the sun's centre is its colour
    glow = (1 - 4.5 / 9.0) ** 2
    np.testing.assert_allclose(out[8, 10 + 4], 50 + (255 - 50) * (1 - 4 / 9) ** 2, rtol=1e-5)
    assert glow > 0
    np.testing.assert_allclose(out[30, 40], 50 * 0.8 + 255 * 0.2, rtol=1e-5)
    np.testing.assert_allclose(out[30, 25], 50.0)  # outside the glow and the circle


@pytest.mark.parametrize("cls", LAYERS, ids=lambda c: c.__name__)
def test_values_stay_in_range_and_targets_pass_through(cls, image):
    masks = np.arange(2 * 40 * 48).reshape(2, 40, 48, 1) % 3
    batch = np.stack([image, image[::-1]])
    out = cls(seed=2)({"images": batch, "segmentation_masks": masks}, training=True)
    np.testing.assert_array_equal(out["segmentation_masks"], masks)
    values = out["images"].numpy()
    assert values.min() >= 0.0 and values.max() <= 255.0 and np.abs(values - batch).max() > 1
    unit = cls(value_range=(0, 1), seed=2)(batch.astype("float32") / 255.0, training=True)
    assert float(unit.numpy().min()) >= 0.0 and float(unit.numpy().max()) <= 1.0


@pytest.mark.parametrize(
    ("cls", "kwargs", "word"),
    [
        (ka.RandomShadow, {"region": (0.5, 0.0, 0.2, 1.0)}, "region"),
        (ka.RandomShadow, {"vertices": 2}, "vertices"),
        (ka.RandomRain, {"blur": 4}, "blur"),
        (ka.RandomRain, {"length": 0.0}, "length"),
        (ka.RandomFog, {"intensity": 1.5}, "intensity"),
        (ka.RandomSunFlare, {"color": (1.0, 2.0, 0.0)}, "color"),
        (ka.PlasmaBrightnessContrast, {"exponent": -1.0}, "exponent"),
        (ka.RandomSnow, {"brightness": 0.5}, "brightness"),
    ],
)
def test_bad_arguments_fail_at_construction(cls, kwargs, word):
    with pytest.raises(ValueError, match=f"{cls.__name__}.*{word}"):
        cls(**kwargs)
