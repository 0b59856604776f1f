"""Aspect-preserving resizing and padding: LongestMaxSize, SmallestMaxSize, PadIfNeeded, Letterbox.

Each layer is one matrix per sample on the shared resampler, so inside a
``keras_augment.Pipeline`` it fuses with the geometric layers around it into
a single resampling pass, and masks, boxes and keypoints move with the
pixels. They resize (and pad) in training and at inference alike, as
``keras.layers.Resizing`` does; ``PadIfNeeded(position="random")`` is the
one random placement, centred at inference.

Sizes: a batch has one static shape, so every image of a batch gets the same
scale and the same output size, computed from the batch's height and width.
Images of different sizes are resized each to its own output size when the
layer is mapped over unbatched images (``dataset.map(layer)`` before
``batch``, or one image at a time): each call sees that image's size. Ragged
batches are not taken; resize or letterbox per image, then batch. With
static input sizes the output size is static too (``compute_output_shape``
knows it); with sizes known only at run time it is computed in the graph.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core.base import BaseAugmentation, cast_images
from keras_augment.core.compiled import static_or_dynamic_length
from keras_augment.core.geometry import DeterministicGeometry
from keras_augment.core.registry import register
from keras_augment.core.resample import resample, resample_dtype
from keras_augment.core.types import DataFormat, FillMode, Interpolation
from keras_augment.core.validation import (
    check_choice,
    check_interpolation,
    check_number,
    check_size,
)
from keras_augment.image.ops.sizing import (
    fit_shape,
    max_size_shape,
    pad_before,
    pad_images,
    padded_size,
    placement_matrix,
)


def _optional_size(layer: str, name: str, value) -> int | None:
    return None if value is None else check_size(layer, name, value)


def _fill_as(value: float, dtype: tf.DType) -> tf.Tensor:
    """The fill value as a pixel of ``dtype`` (rounded and saturated, as results are)."""
    return cast_images(tf.constant(value, tf.float32), dtype)


POSITIONS = ("center", "top_left", "top_right", "bottom_left", "bottom_right", "random")


class _Sized(DeterministicGeometry):
    """Shared by the layers here: a placed resize (``placement``) as their matrix."""

    def placement(self, height, width):
        """``(inner_h, inner_w, top, left)``: the resized image's size and its place."""
        out_h, out_w = self.output_image_size(height, width)
        return out_h, out_w, 0, 0

    def fixed_matrix(self, height, width, batch_size):
        inner_h, inner_w, top, left = self.placement(height, width)
        return placement_matrix(height, width, inner_h, inner_w, top, left, batch_size)

    def apply_images(self, images, params):
        return self.images_as(images, params, None)

    def apply_images_as(self, images, params, dtype):
        if type(self).transform_images is not BaseAugmentation.transform_images:
            return super().apply_images_as(images, params, dtype)
        return cast_images(self.images_as(images, params, dtype), dtype)

    def images_as(self, images, params, dtype, inference: bool = False):
        """The images, written as ``dtype`` where the kernel can (``None``: its own dtype).

        uint8 in and uint8 out resamples and pads uint8: no float32 batch is written.
        """
        return self._resample(images, params, resample_dtype(dtype))

    def infer_batch(self, batch):
        # Targets move as in training (masks read the padding's fill, not the edge).
        out = self.apply_targets(batch, self.draw_params(batch))
        return out.replace(images=self.inference_images(batch.images))

    def get_config(self) -> dict:
        config = super().get_config()
        config["mask_fill_value"] = self.mask_fill_value
        return config


class _MaxSize(_Sized):
    longest = True

    def __init__(
        self,
        max_size: int,
        interpolation: Interpolation = "bilinear",
        data_format: DataFormat = None,
        **kwargs,
    ):
        kwargs.pop("fill_mode", None)
        super().__init__(
            interpolation=interpolation, fill_mode="nearest", data_format=data_format, **kwargs
        )
        self.max_size = check_size(self.__class__.__name__, "max_size", max_size)
        # A plain resize reads only its own edge outside the image.
        self.fill_agnostic = True

    def output_image_size(self, height, width):
        return max_size_shape(height, width, self.max_size, self.longest)

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("fill_mode", "fill_value"):
            config.pop(key)
        config["max_size"] = self.max_size
        return config


@register(example={"max_size": 24})
class LongestMaxSize(_MaxSize):
    """Resizes images so that their longest side is ``max_size``, keeping the aspect ratio.

    The scale is ``max_size / max(height, width)`` and each side becomes
    ``max(1, round(side * scale))``, as in albumentations' ``LongestMaxSize``
    (which this matches on the same interpolation; it also enlarges images
    smaller than ``max_size``). Deterministic: the same in training and at
    inference. All images of a batch share one size, so they share the
    scale; see the module docstring for images of different sizes.

    Args:
        max_size: the longest side of the output, in pixels.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``; masks
            always use nearest.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
        >>> layer = keras_augment.LongestMaxSize(64)
        >>> layer(np.zeros((2, 120, 80, 3))).shape
        TensorShape([2, 64, 43, 3])
    """


@register(example={"max_size": 24})
class SmallestMaxSize(_MaxSize):
    """Resizes images so that their shortest side is ``max_size``, keeping the aspect ratio.

    The scale is ``max_size / min(height, width)``; otherwise as
    ``LongestMaxSize`` (albumentations' ``SmallestMaxSize``).

    Args:
        max_size: the shortest side of the output, in pixels.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    longest = False


@register(example={"min_height": 40, "min_width": 40})
class PadIfNeeded(_Sized):
    """Pads images to at least ``min_height x min_width`` (or to a multiple of a divisor).

    Albumentations' ``PadIfNeeded``: a side shorter than its minimum is
    padded to it; with ``pad_height_divisor`` (``pad_width_divisor``)
    instead, a side is padded up to the next multiple. Images already large
    enough pass unchanged. ``position`` says where the image sits in the
    padded frame; ``"center"`` puts the odd row or column at the bottom or
    right, as albumentations does. With ``"random"`` each sample gets its own
    place (a random layer: seeded, and centred at inference); the other
    positions are deterministic and pad at inference too.

    Args:
        min_height, min_width: the smallest output height and width; give
            either these or the divisor for each axis (no default: the
            albumentations default of 1024 is rarely what a batch needs).
        pad_height_divisor, pad_width_divisor: pad each side up to a multiple.
        position: ``"center"``, ``"top_left"``, ``"top_right"``,
            ``"bottom_left"``, ``"bottom_right"`` or ``"random"``.
        fill_mode: how the padding is filled: ``"constant"`` (default, with
            ``fill_value``), ``"reflect"`` (mirrored, edge pixel repeated:
            OpenCV's ``BORDER_REFLECT``), ``"wrap"`` or ``"nearest"`` (edge
            pixels repeated).
        fill_value: the padding value with ``fill_mode="constant"``.
        mask_fill_value: the value of padded mask pixels (e.g. an ignore class).
        seed: integer seed (used with ``position="random"``).
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        min_height: int | None = None,
        min_width: int | None = None,
        pad_height_divisor: int | None = None,
        pad_width_divisor: int | None = None,
        position: str = "center",
        fill_mode: FillMode = "constant",
        fill_value: float = 0.0,
        mask_fill_value: float = 0.0,
        seed: int | None = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        name = self.__class__.__name__
        position = check_choice(name, "position", position, POSITIONS)
        # Only a random position draws anything (and owns a seed).
        self.deterministic = position != "random"
        kwargs.pop("interpolation", None)
        super().__init__(
            # Whole-pixel shifts: bilinear reads land on pixel centres (and fuse
            # with the bilinear layers of a Pipeline).
            interpolation="bilinear",
            fill_mode=fill_mode,
            fill_value=fill_value,
            mask_fill_value=mask_fill_value,
            seed=seed,
            data_format=data_format,
            **kwargs,
        )
        for axis, minimum, divisor in (
            ("height", min_height, pad_height_divisor),
            ("width", min_width, pad_width_divisor),
        ):
            if (minimum is None) == (divisor is None):
                raise ValueError(
                    f"{name}: give exactly one of `min_{axis}` and `pad_{axis}_divisor`; got "
                    f"min_{axis}={minimum!r}, pad_{axis}_divisor={divisor!r}."
                )
        self.min_height = _optional_size(name, "min_height", min_height)
        self.min_width = _optional_size(name, "min_width", min_width)
        self.pad_height_divisor = _optional_size(name, "pad_height_divisor", pad_height_divisor)
        self.pad_width_divisor = _optional_size(name, "pad_width_divisor", pad_width_divisor)
        self.position = position

    def output_image_size(self, height, width):
        return (
            padded_size(height, self.min_height, self.pad_height_divisor),
            padded_size(width, self.min_width, self.pad_width_divisor),
        )

    def placement(self, height, width, position=None):
        position = position or self.position
        out_h, out_w = self.output_image_size(height, width)
        vertical = {"top": "start", "bottom": "end"}.get(position.split("_")[0], "center")
        horizontal = {"left": "start", "right": "end"}.get(position.split("_")[-1], "center")
        top = pad_before(height, out_h, vertical)
        left = pad_before(width, out_w, horizontal)
        return height, width, top, left

    def get_params(self, sampler, batch):
        params = super().get_params(sampler, batch)
        if self.position == "random":
            out_h, out_w = self.output_image_size(batch.height, batch.width)
            params["top"] = sampler.integers(0, out_h - batch.height + 1)
            params["left"] = sampler.integers(0, out_w - batch.width + 1)
        return params

    def get_matrix(self, params, height, width):
        if "top" not in params:
            return super().get_matrix(params, height, width)
        return placement_matrix(
            height, width, height, width, params["top"], params["left"], params["batch_size"]
        )

    def inference_matrix(self, height, width, batch_size):
        position = "center" if self.position == "random" else self.position
        inner_h, inner_w, top, left = self.placement(height, width, position)
        return placement_matrix(height, width, inner_h, inner_w, top, left, batch_size)

    def inference_images(self, images):
        n = tf.shape(images)[0]
        return self.images_as(images, {"batch_size": n}, None, inference=True)

    def images_as(self, images, params, dtype, inference: bool = False):
        height, width = (static_or_dynamic_length(images, axis) for axis in (1, 2))
        out_h, out_w = self.output_image_size(height, width)
        if self.fill_mode == "constant" and (inference or "top" not in params):
            return self._pad(images, height, width, out_h, out_w, inference, dtype)
        if inference:
            matrix = self.inference_matrix(height, width, params["batch_size"])
        else:
            matrix = self.get_matrix(params, height, width)
        size = tf.stack([out_h, out_w])
        options = self.sampling_options()
        return resample(images, matrix, size, None, *options, output_dtype=resample_dtype(dtype))

    def _pad(self, images, height, width, out_h, out_w, inference: bool, dtype=None):
        """A fixed constant padding, alone: a copy into the frame (no resampling)."""
        position = "center" if inference and self.position == "random" else self.position
        _, _, top, left = self.placement(height, width, position)
        fill = self.fill_value
        if dtype is not None and tf.as_dtype(dtype) == images.dtype:
            # Pixels are already values of the result's dtype; only the fill is converted.
            fill = _fill_as(fill, images.dtype)
        elif not images.dtype.is_floating and not (
            images.dtype.min <= fill <= images.dtype.max and fill == int(fill)
        ):
            # Integer images keep their dtype when the fill value is one of theirs.
            images = tf.cast(images, tf.float32)
        return pad_images(images, top, out_h - height - top, left, out_w - width - left, fill)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("interpolation")
        config.update(
            {
                "min_height": self.min_height,
                "min_width": self.min_width,
                "pad_height_divisor": self.pad_height_divisor,
                "pad_width_divisor": self.pad_width_divisor,
                "position": self.position,
            }
        )
        if self.position == "random":
            config["seed"] = self.seed
        return config


@register(example={"height": 24})
class Letterbox(_Sized):
    """Resizes images to fit ``height x width`` keeping the aspect ratio, and pads the rest.

    The image is scaled by ``min(height / h, width / w)`` (sides rounded as
    in ``LongestMaxSize``) and centred in the frame, the odd row or column of
    padding at the bottom or right; the padding reads ``fill_value`` (YOLO
    pipelines use 114 on ``[0, 255]`` images). The same as albumentations'
    ``LongestMaxSize`` followed by ``PadIfNeeded`` with a constant border,
    in one resampling pass. Deterministic: the same in training and at
    inference.

    Called alone, the resized image's edge pixels are exact (the resize reads
    its own edge, then the frame is filled). Fused into a ``Pipeline`` run,
    where the frame is part of the one resample, an enlarged image's outermost
    row and column blend with ``fill_value`` by up to half a source pixel.

    Args:
        height: output height in pixels.
        width: output width; ``None`` (default) makes a square frame.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        fill_value: the padding value.
        mask_fill_value: the value of padded mask pixels.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
        >>> layer = keras_augment.Letterbox(64)
        >>> layer(np.zeros((2, 120, 80, 3))).shape
        TensorShape([2, 64, 64, 3])
    """

    def __init__(
        self,
        height: int,
        width: int | None = None,
        interpolation: Interpolation = "bilinear",
        fill_value: float = 0.0,
        mask_fill_value: float = 0.0,
        data_format: DataFormat = None,
        **kwargs,
    ):
        kwargs.pop("fill_mode", None)
        name = self.__class__.__name__
        super().__init__(
            interpolation=check_interpolation(name, interpolation),
            fill_mode="constant",
            fill_value=check_number(name, "fill_value", fill_value),
            mask_fill_value=mask_fill_value,
            data_format=data_format,
            **kwargs,
        )
        self.height = check_size(name, "height", height)
        self.width = self.height if width is None else check_size(name, "width", width)

    def placement(self, height, width):
        inner_h, inner_w = fit_shape(height, width, self.height, self.width)
        top = pad_before(inner_h, self.height, "center")
        left = pad_before(inner_w, self.width, "center")
        return inner_h, inner_w, top, left

    def images_as(self, images, params, dtype, inference: bool = False):
        height, width = (static_or_dynamic_length(images, axis) for axis in (1, 2))
        inner_h, inner_w, top, left = self.placement(height, width)
        n = tf.shape(images)[0]
        matrix = placement_matrix(height, width, inner_h, inner_w, 0, 0, n)
        # The resize reads its own edge (clamped) and writes the result's dtype;
        # then the frame is padded on in that dtype.
        resized = resample(
            images,
            matrix,
            tf.stack([inner_h, inner_w]),
            None,
            self.interpolation,
            "nearest",
            0.0,
            output_dtype=resample_dtype(dtype),
        )
        fill = self.fill_value if dtype is None else _fill_as(self.fill_value, resized.dtype)
        bottom = self.height - inner_h - top
        return pad_images(resized, top, bottom, left, self.width - inner_w - left, fill)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("fill_mode")
        config.update({"height": self.height, "width": self.width})
        return config


__all__ = ["Letterbox", "LongestMaxSize", "PadIfNeeded", "SmallestMaxSize"]
