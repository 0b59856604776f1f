"""Weather and lighting layers: rain, fog, snow, sun flare, shadows and plasma noise.

The layers check their arguments, draw per-sample parameters and random
fields, and call a kernel of ``keras_augment.image.ops.weather``. Pixels do
not move, so masks, boxes and keypoints pass through unchanged.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.core.base import BaseAugmentation
from keras_augment.core.compiled import compiled_kernel
from keras_augment.core.registry import register
from keras_augment.core.types import DataFormat, Range, Seed, ValueRange
from keras_augment.core.validation import (
    check_int_range,
    check_size,
    parse_fraction_range,
    parse_range,
)
from keras_augment.core.value_range import ValueRangeMixin
from keras_augment.image.ops.weather import (
    add_streaks,
    fog,
    plasma_brightness_contrast,
    plasma_pattern,
    plasma_shadow,
    rain_streaks,
    shadow,
    snow_bleach,
    sun_flare,
)

# The kernels compiled with XLA (several times faster than op by op on CPU).
_plasma_brightness_contrast = compiled_kernel(plasma_brightness_contrast)
_plasma_shadow = compiled_kernel(plasma_shadow)
_fog = compiled_kernel(fog)
_snow_bleach = compiled_kernel(snow_bleach)
_add_streaks = compiled_kernel(add_streaks)
_shadow = compiled_kernel(shadow)
_sun_flare = compiled_kernel(sun_flare)

# The spectral exponent of fog patches: smooth, cloud-like.
_FOG_EXPONENT = 3.0

# The longest rain streak, its widest slant and the widest blur, in pixels.
MAX_STREAK = 256


def _check_region(layer: str, name: str, value) -> tuple[float, float, float, float]:
    """A ``(x_min, y_min, x_max, y_max)`` region in fractions of the image size."""
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 4
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        or not all(0.0 <= v <= 1.0 for v in value)
        or value[0] >= value[2]
        or value[1] >= value[3]
    ):
        raise ValueError(
            f"{layer}: `{name}` must be (x_min, y_min, x_max, y_max) fractions within [0, 1] "
            f"with x_min < x_max and y_min < y_max; got {value!r}."
        )
    return tuple(float(v) for v in value)


def _check_color(layer: str, value) -> tuple[float, ...]:
    """A colour in ``[0, 1]`` units: one number or one per channel."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not values or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v <= 1.0 for v in values
    ):
        raise ValueError(
            f"{layer}: `color` must be a number within [0, 1] or one per channel; got {value!r}."
        )
    return tuple(float(v) for v in values)


def _plasma(sampler, batch, exponent: tuple[float, float]) -> tf.Tensor:
    """Per-sample plasma patterns ``float32[batch, height, width]`` in ``[0, 1]``."""
    white = sampler.normal(extra_shape=(batch.height, batch.width))
    return plasma_pattern(white, sampler.uniform(*exponent))


@register(example={"brightness": (-0.3, 0.3), "contrast": (-0.3, 0.3)}, family="color")
class PlasmaBrightnessContrast(ValueRangeMixin, BaseAugmentation):
    """Changes brightness and contrast by amounts that vary smoothly over the image.

    Each sample draws a plasma pattern ``p`` (fractal noise in ``[0, 1]``
    whose power spectrum falls as ``1 / f**exponent``, see
    ``keras_augment.image.ops.weather.plasma_pattern``) and factors
    ``brightness`` and ``contrast``. In ``[0, 1]`` units the image becomes
    ``x + brightness * p``, then ``x * w + m * (1 - w)`` with
    ``w = 1 + contrast * p`` and ``m`` its mean: albumentations'
    ``PlasmaBrightnessContrast`` maths, with a spectral pattern in place of
    its diamond-square one.

    Args:
        brightness: ``(low, high)`` range within ``[-1, 1]`` of the brightness
            change, or a number ``f`` for ``(-f, f)``.
        contrast: ``(low, high)`` range within ``[-1, 1]`` of the contrast
            change, or a number ``f`` for ``(-f, f)``.
        exponent: ``(low, high)`` range within ``[0, 6]`` of the spectral
            exponent (larger: smoother patterns), or a number.
        value_range: ``(low, high)`` of the input values; outputs are clipped to it.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("brightness", "contrast", "exponent")

    def __init__(
        self,
        brightness: Range = (-0.3, 0.3),
        contrast: Range = (-0.3, 0.3),
        exponent: Range = (2.0, 3.0),
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.brightness = parse_range(name, "brightness", brightness, low=-1.0, high=1.0)
        self.contrast = parse_range(name, "contrast", contrast, low=-1.0, high=1.0)
        self.exponent = parse_range(name, "exponent", exponent, low=0.0, high=6.0, symmetric=False)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        return {
            "brightness": sampler.uniform(*self.brightness),
            "contrast": sampler.uniform(*self.contrast),
            "pattern": _plasma(sampler, batch, self.exponent),
        }

    def apply_images(self, images, params):
        return _plasma_brightness_contrast(
            images, params["brightness"], params["contrast"], params["pattern"], self.value_range
        )


@register(example={"intensity": (0.4, 0.8)}, family="color")
class PlasmaShadow(ValueRangeMixin, BaseAugmentation):
    """Casts soft, irregular shadows shaped by a plasma pattern.

    Each sample draws a plasma pattern ``p`` (as ``PlasmaBrightnessContrast``)
    and an ``intensity``; images are multiplied by ``1 - intensity * p``, as
    albumentations' ``PlasmaShadow``.

    Args:
        intensity: ``(low, high)`` range within ``[0, 1]`` of the darkest
            shadow's strength, or a number.
        exponent: ``(low, high)`` range within ``[0, 6]`` of the spectral
            exponent (larger: smoother shadows), or a number.
        value_range: ``(low, high)`` of the input values; darkening goes towards ``low``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("intensity", "exponent")

    def __init__(
        self,
        intensity: Range = (0.3, 0.7),
        exponent: Range = (2.0, 3.0),
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.intensity = parse_fraction_range(name, "intensity", intensity)
        self.exponent = parse_range(name, "exponent", exponent, low=0.0, high=6.0, symmetric=False)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        return {
            "intensity": sampler.uniform(*self.intensity),
            "pattern": _plasma(sampler, batch, self.exponent),
        }

    def apply_images(self, images, params):
        return _plasma_shadow(images, params["intensity"], params["pattern"], self.value_range)


@register(example={"intensity": (0.4, 0.7)}, family="color")
class RandomFog(ValueRangeMixin, BaseAugmentation):
    """Veils images in fog: a patchy blend towards white that lowers contrast.

    Each sample draws an ``intensity``, a ``patchiness`` and a plasma
    pattern ``p``; the fog density is
    ``t = intensity * (1 - patchiness + patchiness * p)`` and the image
    becomes ``x * (1 - t) + white * t``. With ``patchiness=0`` the fog is
    even and every contrast shrinks by exactly ``1 - intensity``.
    albumentations' ``RandomFog`` paints blurred white disks instead.

    Args:
        intensity: ``(low, high)`` range within ``[0, 1]`` of the densest fog,
            or a number.
        patchiness: ``(low, high)`` range within ``[0, 1]`` of how much the
            density varies over the image, or a number.
        value_range: ``(low, high)`` of the input values; the fog is ``high``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("intensity", "patchiness")

    def __init__(
        self,
        intensity: Range = (0.3, 0.7),
        patchiness: Range = (0.3, 0.7),
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.intensity = parse_fraction_range(name, "intensity", intensity)
        self.patchiness = parse_fraction_range(name, "patchiness", patchiness)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        return {
            "intensity": sampler.uniform(*self.intensity),
            "patchiness": sampler.uniform(*self.patchiness),
            "pattern": _plasma(sampler, batch, (_FOG_EXPONENT, _FOG_EXPONENT)),
        }

    def apply_images(self, images, params):
        return _fog(
            images,
            params["intensity"],
            params["patchiness"],
            params["pattern"],
            self.value_range,
        )


@register(example={"snow_point": (0.2, 0.6), "brightness": (1.5, 2.5)}, family="color")
class RandomSnow(ValueRangeMixin, BaseAugmentation):
    """Whitens the darker parts of RGB images, as a snow cover does.

    albumentations' ``RandomSnow`` ("bleach" method, same arguments and
    defaults): in HLS space, every pixel whose lightness ``L`` (in
    ``[0, 1]``) is below ``snow_point / 2 + 1 / 3`` gets
    ``min(L * brightness, 1)``. Each sample draws its ``snow_point`` and
    ``brightness``.

    Args:
        snow_point: ``(low, high)`` range within ``[0, 1]``, or a number:
            larger values whiten more of the image.
        brightness: ``(low, high)`` range (at least 1) of the lightness
            factor, or a number.
        value_range: ``(low, high)`` of the input values; outputs stay within it.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Images must have 3 (RGB) channels.
    """

    config_fields = ("snow_point", "brightness")

    channel_counts = (3,)

    def __init__(
        self,
        snow_point: Range = (0.1, 0.3),
        brightness: Range = 2.5,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.snow_point = parse_fraction_range(name, "snow_point", snow_point)
        self.brightness = parse_range(name, "brightness", brightness, low=1.0, symmetric=False)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        return {
            "snow_point": sampler.uniform(*self.snow_point),
            "brightness": sampler.uniform(*self.brightness),
        }

    def apply_images(self, images, params):
        return _snow_bleach(images, params["snow_point"], params["brightness"], self.value_range)


@register(example={"density": (0.004, 0.008), "length": (6.0, 10.0)}, family="color")
class RandomRain(ValueRangeMixin, BaseAugmentation):
    """Draws slanted rain streaks over images and dims them.

    As albumentations' ``RandomRain``: drops start at random pixels (each
    with probability ``density``); from each, a one-pixel streak runs to
    ``slant`` pixels across and ``length`` pixels down; the streaks, of
    brightness ``drop_value``, are box-blurred over ``blur x blur`` pixels,
    added to the image (saturating) and the result is multiplied by
    ``darken``. Each sample draws its density, slant, length and darkening.

    Args:
        slant: ``(low, high)`` range of the horizontal run in pixels, or a
            number ``f`` for ``(-f, f)``; within ``[-256, 256]``.
        length: ``(low, high)`` range of the vertical drop in pixels, above 0
            and at most 256.
        density: ``(low, high)`` range within ``[0, 1]`` of the chance that a
            pixel starts a drop (albumentations: about ``1 / 600``).
        drop_value: streak brightness within ``[0, 1]`` of the value range.
        darken: ``(low, high)`` range within ``[0, 1]`` of the brightness
            factor, or a number.
        blur: odd box blur size, at most 256 (1: sharp streaks).
        value_range: ``(low, high)`` of the input values; outputs stay within it.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("slant", "length", "density", "drop_value", "darken", "blur")

    def __init__(
        self,
        slant: Range = (-10.0, 10.0),
        length: Range = (15.0, 20.0),
        density: Range = (0.001, 0.003),
        drop_value: float = 200.0 / 255.0,
        darken: Range = 0.7,
        blur: int = 3,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.slant = parse_range(name, "slant", slant, low=-MAX_STREAK, high=MAX_STREAK)
        self.length = parse_range(
            name, "length", length, low=0.0, high=MAX_STREAK, low_inclusive=False, symmetric=False
        )
        self.density = parse_fraction_range(name, "density", density)
        self.drop_value = parse_fraction_range(name, "drop_value", drop_value)[0]
        self.darken = parse_fraction_range(name, "darken", darken)
        self.blur = check_size(name, "blur", blur)
        if self.blur % 2 == 0 or self.blur > MAX_STREAK:
            raise ValueError(
                f"{name}: `blur` must be an odd integer of at most {MAX_STREAK}; got {blur!r}."
            )
        self._set_value_range(value_range)
        reach = math.hypot(max(abs(v) for v in self.slant), self.length[1])
        self._window = 2 * math.ceil(reach) + 3

    def get_params(self, sampler, batch):
        density = sampler.uniform(*self.density)
        field = sampler.uniform(0.0, 1.0, extra_shape=(batch.height, batch.width))
        return {
            "drops": tf.cast(field < density[:, None, None], tf.float32),
            "slant": sampler.uniform(*self.slant),
            "length": sampler.uniform(*self.length),
            "darken": sampler.uniform(*self.darken),
        }

    def apply_images(self, images, params):
        # The streaks visit only the drops (plain TF ops); the blend compiles with XLA.
        streaks = rain_streaks(params["drops"], params["slant"], params["length"], self._window)
        return _add_streaks(
            images, streaks, self.drop_value, params["darken"], self.blur, self.value_range
        )


@register(example={"intensity": (0.4, 0.7)}, family="color")
class RandomShadow(ValueRangeMixin, BaseAugmentation):
    """Darkens random polygons of images, as the shadows of trees or buildings.

    As albumentations' ``RandomShadow``: each sample draws a number of
    polygons within ``count``, each with ``vertices`` corners drawn
    uniformly within the region ``region`` (put in order around their
    centroid, so the polygon does not cross itself) and an ``intensity``;
    pixels inside a polygon are multiplied by ``1 - intensity``.

    Args:
        region: ``(x_min, y_min, x_max, y_max)`` fractions of the image where
            the corners fall (default: the lower half).
        count: an integer of at least 1, or a ``(low, high)`` range of them:
            the number of shadows per image.
        vertices: the number of corners of each shadow (at least 3).
        intensity: ``(low, high)`` range within ``[0, 1]`` of each shadow's
            darkness, or a number.
        value_range: ``(low, high)`` of the input values; darkening goes towards ``low``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("region", "count", "vertices", "intensity")

    def __init__(
        self,
        region: tuple[float, float, float, float] = (0.0, 0.5, 1.0, 1.0),
        count: int | tuple[int, int] = (1, 2),
        vertices: int = 5,
        intensity: Range = 0.5,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.region = _check_region(name, "region", region)
        self.count = check_int_range(name, "count", count, 1)
        self.vertices = check_int_range(name, "vertices", vertices, 3)[0]
        self.intensity = parse_fraction_range(name, "intensity", intensity)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        polygons, corners = self.count[1], self.vertices
        x0, y0, x1, y1 = self.region
        width = tf.cast(batch.width - 1, tf.float32)
        height = tf.cast(batch.height - 1, tf.float32)
        x = sampler.uniform(x0, x1, extra_shape=(polygons, corners)) * width
        y = sampler.uniform(y0, y1, extra_shape=(polygons, corners)) * height
        angle = tf.atan2(
            y - tf.reduce_mean(y, axis=-1, keepdims=True),
            x - tf.reduce_mean(x, axis=-1, keepdims=True),
        )
        order = tf.argsort(angle, axis=-1)
        vertices = tf.stack(
            [tf.gather(x, order, batch_dims=2), tf.gather(y, order, batch_dims=2)], axis=-1
        )
        number = sampler.integers(self.count[0], self.count[1] + 1)
        active = tf.range(polygons)[None, :] < number[:, None]
        intensity = sampler.uniform(*self.intensity, extra_shape=(polygons,))
        return {"vertices": vertices, "intensity": tf.where(active, intensity, 0.0)}

    def apply_images(self, images, params):
        return _shadow(images, params["vertices"], params["intensity"], self.value_range)


@register(example={"radius": (0.3, 0.5)}, family="color")
class RandomSunFlare(ValueRangeMixin, BaseAugmentation):
    """Adds a bright sun with a radial glow and a trail of lens-flare circles.

    Each sample draws the sun's centre within ``region``, a glow radius (a
    fraction of the longer image side), an angle and a number of ghost
    circles within ``circles``. The circles sit along the line through the
    sun at that angle, each with a radius of 1 to 6 % of the longer side
    and an opacity of 0.05 to 0.2 (albumentations' ``RandomSunFlare``
    "overlay" recipe); the glow blends towards ``color`` by
    ``(1 - d / radius)**2`` at distance ``d`` from the sun.

    Args:
        region: ``(x_min, y_min, x_max, y_max)`` fractions of the image where
            the sun falls (default: the upper half).
        radius: ``(low, high)`` range of the glow radius as a fraction (above
            0, at most 2) of the longer image side, or a number.
        angle: ``(low, high)`` range of the flare line's angle in degrees, or a number.
        circles: an integer (0 or more) or a ``(low, high)`` range of them: the ghost circles.
        color: the flare colour in ``[0, 1]`` units of the value range, one
            number or one per channel.
        value_range: ``(low, high)`` of the input values; outputs stay within it.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("region", "radius", "angle", "circles", "color")

    def __init__(
        self,
        region: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 0.5),
        radius: Range = (0.2, 0.4),
        angle: Range = (0.0, 360.0),
        circles: int | tuple[int, int] = (6, 10),
        color: float | tuple[float, ...] = 1.0,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.region = _check_region(name, "region", region)
        self.radius = parse_range(
            name, "radius", radius, low=0.0, high=2.0, low_inclusive=False, symmetric=False
        )
        self.angle = parse_range(name, "angle", angle, symmetric=False)
        self.circles = check_int_range(name, "circles", circles, 0)
        self.color = _check_color(name, color)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        x0, y0, x1, y1 = self.region
        width = tf.cast(batch.width, tf.float32)
        height = tf.cast(batch.height, tf.float32)
        side = tf.maximum(width, height)
        cx = sampler.uniform(x0, x1) * (width - 1.0)
        cy = sampler.uniform(y0, y1) * (height - 1.0)
        angle = sampler.uniform(*self.angle) * (math.pi / 180.0)
        slots = max(self.circles[1], 1)
        along = sampler.uniform(-1.0, 1.0, extra_shape=(slots,)) * side[None, None]
        circle_x = cx[:, None] + along * tf.cos(angle)[:, None]
        circle_y = cy[:, None] + along * tf.sin(angle)[:, None]
        circle_r = sampler.uniform(0.01, 0.06, extra_shape=(slots,)) * side
        alpha = sampler.uniform(0.05, 0.2, extra_shape=(slots,))
        number = sampler.integers(self.circles[0], self.circles[1] + 1)
        alpha = tf.where(tf.range(slots)[None, :] < number[:, None], alpha, 0.0)
        return {
            "center": tf.stack([cx, cy], axis=-1),
            "radius": sampler.uniform(*self.radius) * side,
            "circles": tf.stack([circle_x, circle_y, circle_r, alpha], axis=-1),
        }

    def apply_images(self, images, params):
        color = self.color
        if len(color) not in (1, images.shape[-1]):
            raise ValueError(
                f"{self.__class__.__name__}: `color` has {len(color)} values; expected 1 or "
                f"one per channel ({images.shape[-1]})."
            )
        return _sun_flare(
            images,
            params["center"],
            params["radius"],
            params["circles"],
            color,
            self.value_range,
        )
