"""Distortion layers: lens (barrel and pincushion) and grid distortions.

Each layer draws per-sample parameters and describes them as a displacement
field (``keras_augment.image.ops.distortion``) that goes through the shared
resampler, like ``RandomElasticTransform``. Masks, boxes and keypoints move
with the pixels (keypoints by inverting the field, boxes as the box around
their moved edges), and each layer has ``inverse(outputs, params)``.

Every layer here also takes the keyword arguments of
``GeometricAugmentation``: ``interpolation``, ``fill_value``,
``mask_fill_value``, ``min_box_visibility`` and ``bounding_box_format``.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core.geometry import GeometricAugmentation
from keras_augment.core.registry import register
from keras_augment.core.types import DataFormat, FillMode, Range, Seed
from keras_augment.core.validation import check_bool, check_choice, check_size, parse_range
from keras_augment.image.ops.distortion import grid_field, optical_field

# The fields compiled with XLA (about ten times faster than op by op on CPU).
_optical_field = tf.function(optical_field, jit_compile=True, reduce_retracing=True)
_grid_field = tf.function(grid_field, jit_compile=True, reduce_retracing=True)


class _FieldAugmentation(GeometricAugmentation):
    """A geometric layer whose whole effect is a displacement field (the matrix is identity)."""

    has_displacement = True

    def get_matrix(self, params, height, width):
        return matrices.identity(tf.shape(next(iter(params.values())))[0])


@register(example={"distort_limit": (-0.5, 0.5)}, family="geometric")
class OpticalDistortion(_FieldAugmentation):
    """Bends images as a lens does: barrel (``k > 0``) or pincushion (``k < 0``) distortion.

    Each sample draws a coefficient ``k`` from ``distort_limit`` and reads
    the input along radial lines from the centre (see
    ``keras_augment.image.ops.distortion.optical_field``): ``"camera"`` is
    OpenCV's camera model with ``k1 = k2 = k`` as albumentations'
    ``OpticalDistortion`` uses it (same arguments and defaults), ``"fisheye"``
    a quadratic radial model. Unlike albumentations, the centre is the
    image's centre pixel, so ``k = 0`` leaves the image unchanged.

    Args:
        distort_limit: ``(low, high)`` range of ``k``, or a number ``f`` for
            ``(-|f|, |f|)``.
        mode: ``"camera"`` or ``"fisheye"``.
        fill_mode: as in ``RandomRotation``; ``"constant"`` (with
            ``fill_value``) by default, as albumentations.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("distort_limit", "mode")

    def __init__(
        self,
        distort_limit: Range = (-0.05, 0.05),
        mode: str = "camera",
        fill_mode: FillMode = "constant",
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(fill_mode=fill_mode, seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.distort_limit = parse_range(name, "distort_limit", distort_limit)
        self.mode = check_choice(name, "mode", mode, ("camera", "fisheye"))

    def get_params(self, sampler, batch):
        return {"k": sampler.uniform(*self.distort_limit)}

    def get_displacement(self, params, out_height, out_width):
        return _optical_field(out_height, out_width, params["k"], self.mode)


@register(example={"num_steps": 4, "distort_limit": 0.4}, family="geometric")
class GridDistortion(_FieldAugmentation):
    """Stretches and squeezes images cell by cell along a coarse grid.

    Each axis is cut into ``num_steps`` cells (plus the remainder); every
    sample draws a length factor ``1 + d`` for each cell and axis, ``d``
    from ``distort_limit``, and the image is read piecewise linearly so
    each cell spans its factor times its size. Same arguments, defaults and
    grid as albumentations' ``GridDistortion``; with ``normalized`` the
    factors are rescaled so the grid spans the image.

    Args:
        num_steps: cells per axis, a positive integer.
        distort_limit: ``(low, high)`` range of ``d`` within ``[-1, 1]``, or
            a number ``f`` for ``(-|f|, |f|)``.
        normalized: rescale the factors so the distorted grid covers the
            image exactly.
        fill_mode: as in ``RandomRotation``; ``"constant"`` by default.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("num_steps", "distort_limit", "normalized")

    def __init__(
        self,
        num_steps: int = 5,
        distort_limit: Range = (-0.3, 0.3),
        normalized: bool = True,
        fill_mode: FillMode = "constant",
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(fill_mode=fill_mode, seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.num_steps = check_size(name, "num_steps", num_steps)
        self.distort_limit = parse_range(
            name, "distort_limit", distort_limit, low=-1.0, high=1.0, low_inclusive=False
        )
        self.normalized = check_bool(name, "normalized", normalized)

    def get_params(self, sampler, batch):
        cells = (self.num_steps + 1,)
        return {
            "steps_x": 1.0 + sampler.uniform(*self.distort_limit, extra_shape=cells),
            "steps_y": 1.0 + sampler.uniform(*self.distort_limit, extra_shape=cells),
        }

    def get_displacement(self, params, out_height, out_width):
        return _grid_field(
            out_height,
            out_width,
            params["steps_x"],
            params["steps_y"],
            self.num_steps,
            self.normalized,
        )
