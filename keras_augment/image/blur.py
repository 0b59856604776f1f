"""Blur layers: camera motion, defocus and zoom blur.

The layers check their arguments, draw per-sample parameters and call a
kernel of ``keras_augment.image.ops.blur``. Pixels move within the image
only, so masks, boxes and keypoints pass through unchanged.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.core.base import BaseAugmentation
from keras_augment.core.registry import register
from keras_augment.core.types import DataFormat, Range, Seed
from keras_augment.core.validation import check_int_range, parse_range
from keras_augment.image.ops.blur import (
    defocus_kernel,
    filter2d,
    motion_blur,
    zoom_blur,
    zoom_count,
)


@register(example={"kernel_size": (5, 9)}, family="quality")
class MotionBlur(BaseAugmentation):
    """Blurs images along a straight line, as a moving camera does.

    Each sample draws an odd kernel size ``k``, an angle and a direction;
    its kernel is an anti-aliased line through the centre, ``k`` pixels
    long (at angle 0 exactly a horizontal box filter of ``k`` taps), see
    ``keras_augment.image.ops.blur.motion_kernel``. The arguments follow
    albumentations' ``MotionBlur`` (``blur_limit``, ``angle_range``,
    ``direction_range``); its random shift of the line is not offered. The
    border is mirrored as in OpenCV (``BORDER_REFLECT_101``).

    Args:
        kernel_size: an odd integer of at least 3, or a ``(low, high)`` range
            of them: the length of the motion in pixels.
        angle: ``(low, high)`` range of the motion's angle in degrees,
            clockwise on screen from the +x axis, or a number for a fixed angle.
        direction: ``(low, high)`` range within ``[-1, 1]``, or a number: 0
            blurs both ways from each pixel, 1 only forwards, -1 only backwards.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("kernel_size", "angle", "direction")

    def __init__(
        self,
        kernel_size: int | tuple[int, int] = (3, 7),
        angle: Range = (0.0, 360.0),
        direction: Range = (-1.0, 1.0),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.kernel_size = check_int_range(name, "kernel_size", kernel_size, 3, odd=True)
        self.angle = parse_range(name, "angle", angle, symmetric=False)
        self.direction = parse_range(
            name, "direction", direction, low=-1.0, high=1.0, symmetric=False
        )

    def get_params(self, sampler, batch):
        low, high = self.kernel_size
        size = low + 2 * sampler.integers(0, (high - low) // 2 + 1)
        return {
            "length": tf.cast(size // 2, tf.float32),
            "angle": sampler.uniform(*self.angle) * (math.pi / 180.0),
            "direction": sampler.uniform(*self.direction),
        }

    def apply_images(self, images, params):
        return self.apply_images_as(images, params, None)

    def apply_images_as(self, images, params, dtype):
        # Rounded before the result is unfolded: uint8 out moves a quarter of the bytes.
        low, high = self.kernel_size
        lengths = (low // 2, high // 2)
        return motion_blur(
            images, params["length"], params["angle"], params["direction"], lengths, dtype
        )


@register(example={"radius": (3, 6)}, family="quality")
class DefocusBlur(BaseAugmentation):
    """Blurs images as an out-of-focus lens does: with a disk.

    Each sample draws an integer ``radius`` and an ``alias_blur``; the
    kernel is the disk of that radius softened by a Gaussian of standard
    deviation ``alias_blur`` (3 taps per axis, 5 for radii above 8) and
    normalised, as albumentations' ``Defocus`` builds it (same arguments and
    defaults). The border is mirrored as in OpenCV (``BORDER_REFLECT_101``).

    Args:
        radius: an integer of at least 1, or a ``(low, high)`` range of them
            (both ends included): the disk radius in pixels.
        alias_blur: ``(low, high)`` range of the softening Gaussian's
            standard deviation in pixels (non-negative), or a number.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("radius", "alias_blur")

    def __init__(
        self,
        radius: int | tuple[int, int] = (3, 10),
        alias_blur: Range = (0.1, 0.5),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.radius = check_int_range(name, "radius", radius, 1)
        self.alias_blur = parse_range(name, "alias_blur", alias_blur, low=0.0, symmetric=False)

    def get_params(self, sampler, batch):
        low, high = self.radius
        return {
            "radius": tf.cast(sampler.integers(low, high + 1), tf.float32),
            "alias_blur": sampler.uniform(*self.alias_blur),
        }

    def apply_images(self, images, params):
        return self.apply_images_as(images, params, None)

    def apply_images_as(self, images, params, dtype):
        kernels = defocus_kernel(self.radius[1], params["radius"], params["alias_blur"])
        return filter2d(images, kernels, dtype)


@register(example={"max_factor": (1.15, 1.2), "step_factor": (0.05, 0.07)}, family="quality")
class ZoomBlur(BaseAugmentation):
    """Blurs images radially, as zooming the lens during the exposure does.

    Each sample draws a largest zoom ``m`` and a step ``s``; the output is
    the mean of the image and its copies zoomed in about the centre by
    ``1, 1 + s, 1 + 2 s, ...`` below ``m`` (albumentations' ``ZoomBlur``:
    same arguments and defaults). Every copy is read with bilinear
    interpolation from inside the image; the run time grows with the
    number of copies, at most ``ceil((max_factor[1] - 1) / step_factor[0])``.

    Args:
        max_factor: ``(low, high)`` range of the largest zoom, each at least 1,
            or a number.
        step_factor: ``(low, high)`` range of the zoom step, each positive,
            or a number.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("max_factor", "step_factor")

    # More copies than this would make one call cost hundreds of resamples.
    MAX_ZOOMS = 64

    def __init__(
        self,
        max_factor: Range = (1.0, 1.31),
        step_factor: Range = (0.01, 0.03),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.max_factor = parse_range(name, "max_factor", max_factor, low=1.0, symmetric=False)
        self.step_factor = parse_range(
            name, "step_factor", step_factor, low=0.0, low_inclusive=False, symmetric=False
        )
        self.max_zooms = zoom_count(self.max_factor[1], self.step_factor[0])
        if self.max_zooms > self.MAX_ZOOMS:
            raise ValueError(
                f"{name}: `max_factor` {self.max_factor} and `step_factor` {self.step_factor} "
                f"make up to {self.max_zooms} zoomed copies; at most {self.MAX_ZOOMS} are "
                f"allowed (raise the step or lower the largest zoom)."
            )

    def get_params(self, sampler, batch):
        return {
            "max_factor": sampler.uniform(*self.max_factor),
            "step": sampler.uniform(*self.step_factor),
        }

    def apply_images(self, images, params):
        return zoom_blur(images, params["max_factor"], params["step"], self.max_zooms)

    def apply_images_as(self, images, params, dtype):
        # Rounded inside the compiled kernel: no float32 batch is written for uint8 out.
        return zoom_blur(images, params["max_factor"], params["step"], self.max_zooms, dtype)
