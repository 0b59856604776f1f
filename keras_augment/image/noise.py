"""Noise layers: camera sensor (ISO) noise and multiplicative noise.

The layers check their arguments, draw per-sample parameters and noise
fields, and call a kernel of ``keras_augment.image.ops.noise``. Pixels do
not move, so masks, boxes and keypoints pass through unchanged.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core.base import BaseAugmentation
from keras_augment.core.compiled import compiled_kernel
from keras_augment.core.registry import register
from keras_augment.core.types import DataFormat, Range, Seed, ValueRange
from keras_augment.core.validation import check_bool, parse_fraction_range, parse_range
from keras_augment.core.value_range import ValueRangeMixin
from keras_augment.image.ops.noise import multiply, random_iso_noise

# The kernels compiled with XLA (several times faster than op by op on CPU).
_random_iso_noise = compiled_kernel(random_iso_noise)
_multiply = compiled_kernel(multiply)


@register(example={"color_shift": (0.03, 0.08), "intensity": (0.4, 0.8)}, family="quality")
class ISONoise(ValueRangeMixin, BaseAugmentation):
    """Adds the colour and brightness speckle of a camera at high ISO to RGB images.

    The arguments and the recipe are albumentations' ``ISONoise``: in HLS
    space every pixel's hue moves by Gaussian noise of standard deviation
    ``color_shift * intensity`` turns, and its lightness ``L`` by
    ``n * intensity * (1 - L)``, where ``n`` is a Poisson count of rate
    ``intensity`` times the standard deviation of the image's lightness.
    Each sample draws its own ``color_shift`` and ``intensity``. (In
    albumentations' code the hue noise is ``color_shift * intensity``
    degrees, not turns as its documentation says: a 360 times weaker hue
    noise than here.)

    Args:
        color_shift: ``(low, high)`` range within ``[0, 1]`` of the hue
            noise, in turns, or a number.
        intensity: ``(low, high)`` range within ``[0, 1]`` of the noise
            strength, or a number.
        value_range: ``(low, high)`` of the input values; outputs stay within it.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Images must have 3 (RGB) channels.
    """

    config_fields = ("color_shift", "intensity")

    channel_counts = (3,)

    def __init__(
        self,
        color_shift: Range = (0.01, 0.05),
        intensity: Range = (0.1, 0.5),
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.color_shift = parse_fraction_range(name, "color_shift", color_shift)
        self.intensity = parse_fraction_range(name, "intensity", intensity)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        field = (batch.height, batch.width)
        intensity = sampler.uniform(*self.intensity)
        return {
            "color_shift": sampler.uniform(*self.color_shift),
            "intensity": intensity,
            "hue": sampler.normal(extra_shape=field),
            "count": sampler.uniform(0.0, 1.0, extra_shape=field),
        }

    def apply_images(self, images, params):
        return _random_iso_noise(
            images,
            params["color_shift"],
            params["intensity"],
            params["hue"],
            params["count"],
            self.value_range,
        )


@register(example={"multiplier": (0.7, 1.3), "per_channel": True}, family="quality")
class MultiplicativeNoise(ValueRangeMixin, BaseAugmentation):
    """Multiplies images by random factors: one per image, per channel, or per pixel.

    Same arguments and defaults as albumentations' ``MultiplicativeNoise``:
    factors are drawn uniformly from ``multiplier``; with ``per_channel``
    each channel gets its own, with ``elementwise`` each pixel does (both:
    every value). Outputs are clipped to ``value_range``.

    Args:
        multiplier: ``(low, high)`` range of the factors (non-negative), or a number.
        per_channel: draw a factor per channel.
        elementwise: draw a factor per pixel.
        value_range: ``(low, high)`` of the input values; outputs are clipped to it.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("multiplier", "per_channel", "elementwise")

    def __init__(
        self,
        multiplier: Range = (0.9, 1.1),
        per_channel: bool = False,
        elementwise: bool = False,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.multiplier = parse_range(name, "multiplier", multiplier, low=0.0, symmetric=False)
        self.per_channel = check_bool(name, "per_channel", per_channel)
        self.elementwise = check_bool(name, "elementwise", elementwise)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        channels = tf.shape(batch.images)[3] if self.per_channel else 1
        if self.elementwise:
            shape = (batch.height, batch.width, channels)
        else:
            shape = (1, 1, channels)
        return {"multiplier": sampler.uniform(*self.multiplier, extra_shape=shape)}

    def apply_images(self, images, params):
        return _multiply(images, params["multiplier"], self.value_range)
