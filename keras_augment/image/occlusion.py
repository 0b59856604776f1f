"""Occlusion layers: random erasing, coarse dropout and GridMask.

Kernels first (plain functions of images and per-sample parameters, also used
by the policy layers), then the layers. Kernels take ``[batch, height, width,
channels]`` images and return float32 images of the same shape; pixels
outside the occluded regions are returned unchanged.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.core import targets as ka_targets
from keras_augment.core.base import BaseAugmentation
from keras_augment.core.compiled import compiled_kernel
from keras_augment.core.keras_protocol import keras_value
from keras_augment.core.registry import register
from keras_augment.core.types import DataFormat, Range, Seed, ValueRange
from keras_augment.core.validation import (
    check_bool,
    check_fill_values,
    check_number,
    parse_fraction_range,
    parse_range,
    parse_unit_range,
)
from keras_augment.core.value_range import ValueRangeMixin
from keras_augment.image.ops.masks import (  # noqa: F401  (box_mask importable here too)
    box_mask,
    covered_fraction,
    points_in_boxes,
)

# ----- kernels ---------------------------------------------------------------


def erase_boxes(
    images: tf.Tensor, boxes: tf.Tensor, fill: float | list[float] | tf.Tensor
) -> tf.Tensor:
    """Replaces the pixels inside each sample's boxes with ``fill``.

    Args:
        images: ``[batch, height, width, channels]``.
        boxes: ``float32[batch, n, 4]`` as ``(top, left, bottom, right)`` in
            pixels (see ``box_mask`` for which pixels a box covers).
        fill: a scalar, per-channel ``[channels]`` values, or a tensor
            broadcastable to the images (e.g. a noise field).

    Returns:
        ``float32[batch, height, width, channels]``.
    """
    images = tf.cast(images, tf.float32)
    shape = tf.shape(images)
    mask = box_mask(boxes, shape[1], shape[2])
    fill = tf.cast(fill, tf.float32)
    return tf.where(mask[..., None], fill, images)


def grid_mask_pattern(
    height: int | tf.Tensor,
    width: int | tf.Tensor,
    unit_size: tf.Tensor,
    ratio: tf.Tensor,
    offset_y: tf.Tensor,
    offset_x: tf.Tensor,
    angle: float | tf.Tensor = 0.0,
) -> tf.Tensor:
    """``bool[batch, height, width]``: true on the pixels GridMask removes.

    The plane is tiled with square units of side ``unit_size`` pixels
    (rotated by ``angle`` about the image centre and shifted by the offsets).
    Within each unit, a band of width ``ratio * unit_size`` along two edges
    stays visible and the remaining square of side
    ``(1 - ratio) * unit_size`` is removed, so a fraction ``(1 - ratio)**2``
    of the plane is removed (the paper's keep ratio ``k = 1 - (1 - r)**2``).

    Args:
        height, width: image size in pixels.
        unit_size, ratio, offset_y, offset_x, angle: ``float32[batch]``;
            offsets in pixels (uniform in ``[0, unit_size)`` gives every pixel
            the removal probability ``(1 - ratio)**2``), angle in radians.
    """
    unit = tf.cast(unit_size, tf.float32)[:, None, None]
    ratio = tf.cast(ratio, tf.float32)[:, None, None]
    angle = tf.cast(angle, tf.float32) + tf.zeros_like(unit[:, 0, 0])
    cos, sin = tf.cos(angle)[:, None, None], tf.sin(angle)[:, None, None]
    ys, xs = tf.meshgrid(
        tf.range(height, dtype=tf.float32), tf.range(width, dtype=tf.float32), indexing="ij"
    )
    xs = xs[None] - (tf.cast(width, tf.float32) - 1.0) / 2.0
    ys = ys[None] - (tf.cast(height, tf.float32) - 1.0) / 2.0
    u = cos * xs + sin * ys + tf.cast(offset_x, tf.float32)[:, None, None]
    v = cos * ys - sin * xs + tf.cast(offset_y, tf.float32)[:, None, None]
    kept = ratio * unit
    return (tf.math.floormod(u, unit) >= kept) & (tf.math.floormod(v, unit) >= kept)


def grid_mask(
    images: tf.Tensor,
    unit_size: tf.Tensor,
    ratio: tf.Tensor,
    offset_y: tf.Tensor,
    offset_x: tf.Tensor,
    angle: float | tf.Tensor = 0.0,
    fill: float | list[float] | tf.Tensor = 0.0,
) -> tf.Tensor:
    """Removes a grid of squares from each image (GridMask, Chen et al. 2020).

    Args:
        images: ``[batch, height, width, channels]``.
        unit_size, ratio, offset_y, offset_x, angle: per-sample
            ``float32[batch]`` grids, as in ``grid_mask_pattern``.
        fill: the value of removed pixels (scalar or ``[channels]``).

    Returns:
        ``float32[batch, height, width, channels]``.
    """
    images = tf.cast(images, tf.float32)
    shape = tf.shape(images)
    mask = grid_mask_pattern(shape[1], shape[2], unit_size, ratio, offset_y, offset_x, angle)
    return tf.where(mask[..., None], tf.cast(fill, tf.float32), images)


# ----- layers ----------------------------------------------------------------


def _channel_count(layer, images):
    if layer.data_format == "channels_first":
        return images.shape[-3]
    return images.shape[-1]


def _check_fill_channels(layer, name: str, fill, images) -> None:
    """Refuses a per-channel ``fill`` whose length is not the images' channel count."""
    if isinstance(fill, list) and len(fill) > 1:
        channels = _channel_count(layer, images)
        if channels is not None and channels != len(fill):
            raise ValueError(
                f"{layer.__class__.__name__}: `{name}` has {len(fill)} values but the images "
                f"have {channels} channels."
            )


class _MaskErasing(BaseAugmentation):
    """Shared by ``RandomErasing`` and ``GridMask``: ``erase_masks`` and ``mask_fill_value``.

    With ``erase_masks``, ``segmentation_masks`` are erased where the images
    are (``erase_masks_where``), to ``mask_fill_value``; otherwise they pass
    through. Boxes and keypoints always pass through.
    """

    config_fields = ("erase_masks", "mask_fill_value")

    def __init__(self, erase_masks: bool = False, mask_fill_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        if not isinstance(erase_masks, bool):
            raise ValueError(f"{name}: `erase_masks` must be True or False; got {erase_masks!r}.")
        self.erase_masks = erase_masks
        self.mask_fill_value = check_number(name, "mask_fill_value", mask_fill_value)

    def erase_masks_where(self, masks: tf.Tensor, params: dict) -> tf.Tensor:
        """``masks`` erased to ``mask_fill_value`` where ``params`` erased the images."""
        raise NotImplementedError

    def apply_targets(self, batch, params):
        if not self.erase_masks or batch.masks is None:
            return batch
        masks = self.erase_masks_where(batch.masks, params)
        return batch.replace(masks=tf.cast(masks, batch.masks.dtype))


@register(example={"factor": 1.0, "scale": (0.1, 0.3)})
class RandomErasing(ValueRangeMixin, _MaskErasing):
    """Erases a random rectangle of each image (Random Erasing, Zhong et al. 2017).

    Same arguments, meaning and defaults as ``keras.layers.RandomErasing``;
    every sample draws its own box and decision. The box's width and height
    are ``sqrt(a) * width`` and ``sqrt(b) * height`` with ``a`` and ``b``
    drawn independently from ``scale``, so its area fraction
    ``sqrt(a * b)`` lies within ``scale`` and its aspect ratio varies; its
    position is uniform within the image.

    Args:
        factor: the probability range of erasing a sample: a number ``f`` in
            ``[0, 1]`` (probability drawn from ``[0, f]``) or a
            ``(low, high)`` pair. 1 always erases.
        scale: ``(low, high)`` range within ``[0, 1]`` of the erased area
            fraction (a number ``s`` means ``(0, s)``).
        fill_value: a number, one number per channel, or ``None`` for noise:
            standard normal values times ``value_range[1]``, as in Keras.
            Fill values are clipped to ``value_range``.
        value_range: ``(low, high)`` of the input values.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        erase_masks: if true, ``segmentation_masks`` are erased in the same
            box and set to ``mask_fill_value`` (e.g. an ignore class); by
            default masks pass through unchanged. Boxes and keypoints always
            pass through.
        mask_fill_value: the mask value of erased pixels.
    """

    config_fields = ("factor", "scale", "fill_value")

    def __init__(
        self,
        factor: Range = 1.0,
        scale: Range = (0.02, 0.33),
        fill_value: float | list[float] | None = None,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        erase_masks: bool = False,
        mask_fill_value: float = 0.0,
        **kwargs,
    ):
        super().__init__(erase_masks, mask_fill_value, seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.factor = parse_unit_range(name, "factor", factor)
        self.scale = parse_unit_range(name, "scale", scale)
        if fill_value is not None:
            fill_value = check_fill_values(name, "fill_value", fill_value)
        self.fill_value = fill_value
        self._set_value_range(value_range)

    def _check_static_size(self, images):
        _check_fill_channels(self, "fill_value", self.fill_value, images)

    def get_params(self, sampler, batch):
        height = tf.cast(batch.height, tf.float32)
        width = tf.cast(batch.width, tf.float32)
        sides = tf.sqrt(sampler.uniform(*self.scale, extra_shape=(2,)))
        box_w, box_h = sides[:, 0] * width, sides[:, 1] * height
        left = sampler.uniform(0.0, 1.0) * (width - box_w)
        top = sampler.uniform(0.0, 1.0) * (height - box_h)
        probability = sampler.uniform(*self.factor)
        apply = sampler.uniform(0.0, 1.0) < probability
        bottom = tf.where(apply, top + box_h, top)
        boxes = tf.stack([top, left, bottom, left + box_w], axis=-1)[:, None, :]
        params = {"boxes": boxes}
        if self.fill_value is None:
            shape = tf.shape(batch.images)
            noise = sampler.normal(extra_shape=(batch.height, batch.width, shape[3]))
            params["fill"] = noise * self.value_range[1]
        return params

    def apply_images(self, images, params):
        if "erased" in params:  # Keras' "batch_masks": any region, with its own fill
            images = tf.cast(images, tf.float32)
            return tf.where(params["erased"], params["fill"], images)
        fill = params["fill"] if self.fill_value is None else tf.constant(self.fill_value)
        fill = tf.clip_by_value(tf.cast(fill, tf.float32), *self.value_range)
        return erase_boxes(images, params["boxes"], fill)

    # Keras' transformation: "apply_erasing" [batch], "batch_masks" (the erased
    # pixels, in the images' layout) and "fill_value" (a number or per pixel).
    keras_transformation_keys = ("apply_erasing", "batch_masks", "fill_value")

    def params_from_keras(self, transformation, image_shape):
        apply = tf.reshape(keras_value(transformation, "apply_erasing", tf.bool), [-1])
        erased = keras_value(transformation, "batch_masks", tf.bool)
        fill = keras_value(transformation, "fill_value", tf.float32)
        if self.data_format == "channels_first":
            erased = tf.transpose(erased, [0, 2, 3, 1])
            if fill.shape.rank == 4:
                fill = tf.transpose(fill, [0, 2, 3, 1])
        return {"erased": erased & apply[:, None, None, None], "fill": fill}

    def erase_masks_where(self, masks, params):
        if "erased" in params:
            erased = tf.broadcast_to(params["erased"][..., :1], tf.shape(masks))
            return tf.where(erased, tf.cast(self.mask_fill_value, masks.dtype), masks)
        return erase_boxes(masks, params["boxes"], self.mask_fill_value)


@register(example={"ratio": 0.6})
class GridMask(_MaskErasing):
    """Removes a regular grid of squares from each image (GridMask, Chen et al. 2020).

    Each sample draws its own unit size, grid offsets and (optionally)
    rotation. Within every square unit of side ``d``, a band of width
    ``ratio * d`` along two edges stays visible and the square of side
    ``(1 - ratio) * d`` is filled, so on average a fraction
    ``(1 - ratio)**2`` of the pixels is removed (the paper's keep ratio is
    ``1 - (1 - ratio)**2``). The offsets are uniform over a unit, so every
    pixel is removed with that probability.

    Args:
        ratio: the visible fraction of a unit's edge, in ``[0, 1]``: a number
            or a ``(low, high)`` range drawn per sample. 0.6 (the paper's
            ImageNet setting) removes 16% of the image.
        unit_size: ``(low, high)`` range of the unit side ``d`` as a fraction
            of the shorter image side (positive), or a number for a fixed
            size. The paper draws ``d`` from ``[96, 224]`` pixels on 224-pixel
            images, about ``(0.4, 1.0)``.
        rotation_factor: rotation of the grid as a fraction of a full turn:
            ``f`` means angles in ``[-f, f] * 360`` degrees (a pair gives the
            range). 0 keeps the grid axis-aligned.
        fill_value: the value of removed pixels.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        erase_masks, mask_fill_value: as in ``RandomErasing``: remove the
            same grid from ``segmentation_masks`` (set to ``mask_fill_value``).
    """

    config_fields = ("ratio", "unit_size", "rotation_factor", "fill_value")

    def __init__(
        self,
        ratio: Range = 0.6,
        unit_size: Range = (0.4, 1.0),
        rotation_factor: Range = 0.0,
        fill_value: float = 0.0,
        seed: Seed = None,
        data_format: DataFormat = None,
        erase_masks: bool = False,
        mask_fill_value: float = 0.0,
        **kwargs,
    ):
        super().__init__(erase_masks, mask_fill_value, seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.ratio = parse_fraction_range(name, "ratio", ratio)
        self.unit_size = parse_range(
            name, "unit_size", unit_size, low=0.0, low_inclusive=False, symmetric=False
        )
        self.rotation_factor = parse_range(
            name, "rotation_factor", rotation_factor, low=-1.0, high=1.0
        )
        self.fill_value = check_number(name, "fill_value", fill_value)

    def get_params(self, sampler, batch):
        shorter = tf.cast(tf.minimum(batch.height, batch.width), tf.float32)
        unit = tf.maximum(sampler.uniform(*self.unit_size) * shorter, 1.0)
        low, high = self.rotation_factor
        return {
            "unit_size": unit,
            "ratio": sampler.uniform(*self.ratio),
            "offset_y": sampler.uniform(0.0, 1.0) * unit,
            "offset_x": sampler.uniform(0.0, 1.0) * unit,
            "angle": sampler.uniform(low * 2.0 * math.pi, high * 2.0 * math.pi),
        }

    def apply_images(self, images, params):
        return self._grid_mask(images, params, self.fill_value)

    def erase_masks_where(self, masks, params):
        return self._grid_mask(masks, params, self.mask_fill_value)

    @staticmethod
    def _grid_mask(values, params, fill):
        """``values`` (images or masks) with the drawn grid set to ``fill``."""
        grid = ("unit_size", "ratio", "offset_y", "offset_x", "angle")
        return grid_mask(values, *(params[key] for key in grid), fill)


def _hole_sizes(layer: str, name: str, value) -> tuple[float, float]:
    """Hole sides: a ``(low, high)`` pair of integers (pixels) or of floats within ``(0, 1]``."""
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 1 <= value[0] <= value[1]
    ):
        return int(value[0]), int(value[1])
    try:
        return parse_range(
            layer, name, value, low=0.0, high=1.0, low_inclusive=False, symmetric=False
        )
    except ValueError:
        raise ValueError(
            f"{layer}: `{name}` must be a (low, high) pair of integers (pixels, at least 1) or of "
            f"fractions of the image side within (0, 1]; got {value!r}."
        ) from None


_RANDOM_FILLS = ("random", "random_uniform")
# Compiled with XLA: several times faster than op by op on CPU.
_erase_boxes = compiled_kernel(erase_boxes)


@register(example={"num_holes_range": (2, 5), "hole_height_range": (0.1, 0.3)})
class CoarseDropout(ValueRangeMixin, BaseAugmentation):
    """Cuts several rectangular holes of random size out of each image.

    Same arguments and defaults as albumentations' ``CoarseDropout``: each
    sample draws its number of holes from ``num_holes_range`` (both ends
    included), each hole its height and width (pixels for integer ranges,
    fractions of the image side, rounded down, for float ranges) and its
    position, uniformly within the image. Holes may overlap.

    Targets: with ``fill_mask`` set, ``segmentation_masks`` get that value in
    the holes (else they pass through); keypoints inside a hole become
    invisible (``hide_keypoints``); boxes of which a hole leaves less than
    ``min_box_visibility`` of their pixels, or none, are dropped (their rows
    become padding), as albumentations filters them.

    Args:
        num_holes_range: ``(low, high)`` integers, at least 1.
        hole_height_range, hole_width_range: ``(low, high)`` hole sides:
            integers in pixels, or floats within ``(0, 1]`` as fractions of
            the image's height (width).
        fill: a number, one number per channel, ``"random"`` (uniform noise
            within ``value_range`` in every pixel) or ``"random_uniform"``
            (one random colour per hole).
        fill_mask: the mask value inside holes, or ``None`` to leave masks alone.
        hide_keypoints: mark keypoints that fall in a hole invisible.
        min_box_visibility: the least share of a box's pixels that must stay
            visible for the box to be kept, within ``[0, 1]``.
        value_range: ``(low, high)`` of the input values (the range of random fills).
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        bounding_box_format: the format of ``"bounding_boxes"`` inputs.
    """

    config_fields = (
        "num_holes_range",
        "hole_height_range",
        "hole_width_range",
        "fill",
        "fill_mask",
        "hide_keypoints",
        "min_box_visibility",
    )

    def __init__(
        self,
        num_holes_range: tuple[int, int] = (1, 2),
        hole_height_range: tuple[float, float] | tuple[int, int] = (0.1, 0.2),
        hole_width_range: tuple[float, float] | tuple[int, int] = (0.1, 0.2),
        fill: float | list[float] | str = 0.0,
        fill_mask: float | None = None,
        hide_keypoints: bool = True,
        min_box_visibility: float = 0.0,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        holes = num_holes_range
        if not (
            isinstance(holes, (tuple, list))
            and len(holes) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in holes)
            and 1 <= holes[0] <= holes[1]
        ):
            raise ValueError(
                f"{name}: `num_holes_range` must be a (low, high) pair of integers with "
                f"1 <= low <= high; got {num_holes_range!r}."
            )
        self.num_holes_range = (int(holes[0]), int(holes[1]))
        self.hole_height_range = _hole_sizes(name, "hole_height_range", hole_height_range)
        self.hole_width_range = _hole_sizes(name, "hole_width_range", hole_width_range)
        if isinstance(fill, str):
            if fill not in _RANDOM_FILLS:
                raise ValueError(
                    f"{name}: `fill` must be a number, a list of numbers (one per channel), "
                    f"'random' or 'random_uniform'; got {fill!r}."
                )
        else:
            fill = check_fill_values(name, "fill", fill)
        self.fill = fill
        self.fill_mask = None if fill_mask is None else check_number(name, "fill_mask", fill_mask)
        self.hide_keypoints = check_bool(name, "hide_keypoints", hide_keypoints)
        self.min_box_visibility = check_number(
            name, "min_box_visibility", min_box_visibility, low=0.0, high=1.0
        )
        self._set_value_range(value_range)

    def _check_static_size(self, images):
        _check_fill_channels(self, "fill", self.fill, images)

    def _sides(self, sampler, value_range, size, holes):
        low, high = value_range
        size_f = tf.cast(size, tf.float32)
        if isinstance(low, int):
            sides = tf.floor(sampler.uniform(float(low), high + 1.0, extra_shape=(holes,)))
            return tf.minimum(sides, size_f)
        return tf.floor(sampler.uniform(low, high, extra_shape=(holes,)) * size_f)

    def get_params(self, sampler, batch):
        most = self.num_holes_range[1]
        low = self.num_holes_range[0]
        count = sampler.integers(low, most + 1)
        hole_h = self._sides(sampler, self.hole_height_range, batch.height, most)
        hole_w = self._sides(sampler, self.hole_width_range, batch.width, most)
        height = tf.cast(batch.height, tf.float32)
        width = tf.cast(batch.width, tf.float32)
        top = tf.floor(sampler.uniform(0.0, 1.0, extra_shape=(most,)) * (height - hole_h + 1.0))
        left = tf.floor(sampler.uniform(0.0, 1.0, extra_shape=(most,)) * (width - hole_w + 1.0))
        used = tf.range(most)[None, :] < count[:, None]
        bottom = tf.where(used, top + hole_h, top)  # unused holes are empty
        params = {"holes": tf.stack([top, left, bottom, left + hole_w], axis=-1)}
        channels = tf.shape(batch.images)[3]
        low_value, high_value = self.value_range
        if self.fill == "random":
            shape = (batch.height, batch.width, channels)
            params["fill"] = sampler.uniform(low_value, high_value, extra_shape=shape)
        elif self.fill == "random_uniform":
            params["fill"] = sampler.uniform(low_value, high_value, extra_shape=(most, channels))
        return params

    def apply_images(self, images, params):
        holes = params["holes"]
        if self.fill == "random_uniform":
            out = tf.cast(images, tf.float32)
            for h in range(self.num_holes_range[1]):
                fill = params["fill"][:, h, None, None, :]
                out = erase_boxes(out, holes[:, h : h + 1], fill)
            return out
        fill = params["fill"] if self.fill == "random" else tf.constant(self.fill)
        return _erase_boxes(images, holes, fill)

    def apply_targets(self, batch, params):
        holes = params["holes"]
        changes = {}
        if self.fill_mask is not None and batch.masks is not None:
            masks = erase_boxes(batch.masks, holes, self.fill_mask)
            changes["masks"] = tf.cast(masks, batch.masks.dtype)
        if self.hide_keypoints and batch.keypoints is not None:
            hidden = points_in_boxes(batch.keypoints, holes)
            changes["visibility"] = batch.visibility & ~hidden
        if batch.boxes is not None:
            covered = covered_fraction(box_mask(holes, batch.height, batch.width), batch.boxes)
            visible = 1.0 - covered
            keep = (visible > 0.0) & (visible >= self.min_box_visibility)
            keep = keep & ~ka_targets.is_padding(batch.box_labels)
            boxes, labels = ka_targets.compact_boxes(batch.boxes, batch.box_labels, keep)
            changes.update(boxes=boxes, box_labels=labels)
        return batch.replace(**changes)
