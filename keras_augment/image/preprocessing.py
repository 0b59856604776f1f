"""Deterministic preprocessing layers with Keras' names and arguments.

``Resizing`` and ``CenterCrop`` are geometric: they describe their effect as
one matrix per sample, so inside a ``keras_augment.Pipeline`` they fuse with
the random geometric layers around them into a single resampling pass
(resize, crop, rotate and zoom interpolate once), and masks, boxes and
keypoints move with them. Unlike the random layers they do the same in
training and at inference, as Keras' do. ``Rescaling`` and
``MaxNumBoundingBoxes`` do what Keras' layers of those names do.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core.backend import SeededLayer
from keras_augment.core.base import Batch, as_tensors
from keras_augment.core.geometry import (
    DeterministicGeometry as _Deterministic,
)
from keras_augment.core.geometry import (
    center_crop_box,
    center_crop_resize,
)
from keras_augment.core.registry import IMAGE_TARGETS, register
from keras_augment.core.resample import INTERPOLATIONS
from keras_augment.core.types import BoxFormat, DataFormat, Seed
from keras_augment.core.validation import check_choice, check_number, check_size

# tf.image.resize methods that the shared resampler does not implement: a
# Resizing that uses them (or antialias) resizes on its own, unfused.
_RESIZE_ONLY = ("bicubic", "lanczos3", "lanczos5", "area", "gaussian", "mitchellcubic")


def pad_box(
    height: int | tf.Tensor, width: int | tf.Tensor, target_h: int, target_w: int
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    """``(top, left, padded_h, padded_w)``: the image centred in the smallest box of the target
    aspect ratio that holds it (Keras' ``pad_to_aspect_ratio``)."""
    h = tf.cast(height, tf.int32)
    w = tf.cast(width, tf.int32)
    top = (tf.maximum(h, (w * target_h) // target_w) - h) // 2
    left = (tf.maximum(w, (h * target_w) // target_h) - w) // 2
    # The same padding on both sides, as Keras pads.
    return top, left, h + 2 * top, w + 2 * left


def resize_matrix(
    height: int | tf.Tensor,
    width: int | tf.Tensor,
    target_h: int,
    target_w: int,
    batch_size: int | tf.Tensor,
    crop: bool = False,
    pad: bool = False,
) -> tf.Tensor:
    """``float32[batch, 3, 3]`` mapping a ``target_h x target_w`` output onto the input.

    Plain: the whole image is stretched. ``crop``: the largest centred box of
    the target aspect ratio is resized. ``pad``: the image, centred in the
    smallest box of that aspect ratio, is resized (the rest reads outside).
    """
    if crop:
        top, left, box_h, box_w = center_crop_box(height, width, target_h, target_w)
        m = matrices.crop_and_resize(top, left, box_h, box_w, target_h, target_w)
    elif pad:
        top, left, box_h, box_w = pad_box(height, width, target_h, target_w)
        m = matrices.compose(
            matrices.translation(tf.cast(left, tf.float32), tf.cast(top, tf.float32)),
            matrices.crop_and_resize(0, 0, box_h, box_w, target_h, target_w),
        )
    else:
        m = matrices.crop_and_resize(0, 0, height, width, target_h, target_w)
    m = tf.reshape(m, [-1, 3, 3])[:1]
    return tf.tile(m, [batch_size, 1, 1])


@register(example={"height": 24, "width": 24})
class Resizing(_Deterministic):
    """Resizes images to ``(height, width)``, in training and at inference.

    Same arguments, meaning and defaults as ``keras.layers.Resizing``. With
    ``"bilinear"`` or ``"nearest"`` interpolation and no ``antialias`` it is
    a matrix on the shared resampler (so it fuses into a ``Pipeline``'s
    geometric run); other interpolations, or ``antialias=True``, resize
    with ``tf.image.resize`` on their own. Masks are resized with nearest
    interpolation, boxes and keypoints are scaled.

    Args:
        height, width: output size in pixels.
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``,
            ``"lanczos3"``, ``"lanczos5"``, ``"area"``.
        crop_to_aspect_ratio: resize the largest centred window of the
            target aspect ratio instead of stretching.
        pad_to_aspect_ratio: pad the short side evenly with ``fill_value``
            to the target aspect ratio instead of stretching.
        fill_mode: ``"constant"`` (the only mode Keras supports for padding).
        fill_value: the padding value.
        antialias: low-pass filter when downsampling (``tf.image.resize``).
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: DataFormat = None,
        **kwargs,
    ):
        name = self.__class__.__name__
        interpolation = check_choice(
            name, "interpolation", interpolation, (*INTERPOLATIONS, *_RESIZE_ONLY)
        )
        check_choice(name, "fill_mode", fill_mode, ("constant",))
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                f"{name}: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
                f"True; got both."
            )
        self.resize_interpolation = interpolation
        super().__init__(
            height,
            width,
            interpolation=interpolation if interpolation in INTERPOLATIONS else "bilinear",
            # Outside the image, a plain or cropped resize reads its edge as
            # tf.image.resize does; a padded one reads fill_value.
            fill_mode="constant" if pad_to_aspect_ratio else "nearest",
            fill_value=check_number(name, "fill_value", fill_value),
            data_format=data_format,
            **kwargs,
        )
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.antialias = bool(antialias)
        self.fusable = interpolation in INTERPOLATIONS and not self.antialias
        # Its reads outside the image are edge clamping, not a fill choice.
        self.fill_agnostic = not self.pad_to_aspect_ratio

    def fixed_matrix(self, height, width, batch_size):
        return resize_matrix(
            height,
            width,
            self.height,
            self.width,
            batch_size,
            crop=self.crop_to_aspect_ratio,
            pad=self.pad_to_aspect_ratio,
        )

    def apply_images(self, images, params):
        if self.crop_to_aspect_ratio and self.fusable:
            # Alone, the window is cut out first, as Keras does (see center_crop_resize).
            return center_crop_resize(images, self.height, self.width, self.interpolation)
        if self.fusable:
            return super().apply_images(images, params)
        return self._tf_resize(images)

    def _tf_resize(self, images):
        """The unfused path, for interpolations the shared resampler lacks."""
        batch = Batch(images)
        images = tf.cast(images, tf.float32)
        if self.crop_to_aspect_ratio:
            top, left, box_h, box_w = center_crop_box(
                batch.height, batch.width, self.height, self.width
            )
            images = images[:, top : top + box_h, left : left + box_w]
        elif self.pad_to_aspect_ratio:
            top, left, box_h, box_w = pad_box(batch.height, batch.width, self.height, self.width)
            h, w = tf.shape(images)[1], tf.shape(images)[2]
            paddings = [[0, 0], [top, box_h - h - top], [left, box_w - w - left], [0, 0]]
            images = tf.pad(images, paddings, constant_values=self.fill_value)
        return tf.image.resize(
            images,
            (self.height, self.width),
            method=self.resize_interpolation,
            antialias=self.antialias,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "height": self.height,
                "width": self.width,
                "interpolation": self.resize_interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                "fill_mode": "constant",
                "antialias": self.antialias,
            }
        )
        return config


@register(example={"height": 24, "width": 24})
class CenterCrop(_Deterministic):
    """Crops the centre ``height x width`` of each image, in training and at inference.

    Same arguments and behaviour as ``keras.layers.CenterCrop``: an image at
    least as large as the crop loses the same number of pixels on both sides
    (one fewer at the top or left when odd); a smaller image is resized up
    as Keras does, its largest centred window of the crop's aspect ratio
    stretched bilinearly to ``(height, width)``. Masks, boxes and keypoints
    move with the pixels.

    Args:
        height, width: output size in pixels.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    # Integer offsets map pixel centres onto pixel centres: fuses with anything.
    exact_on_grid = True

    def __init__(self, height: int, width: int, data_format: DataFormat = None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)

    def fixed_matrix(self, height, width, batch_size):
        h = tf.cast(height, tf.int32)
        w = tf.cast(width, tf.int32)
        crop = matrices.translation(
            -tf.cast((w - self.width) // 2, tf.float32),
            -tf.cast((h - self.height) // 2, tf.float32),
        )
        crop = tf.tile(tf.reshape(crop, [-1, 3, 3])[:1], [batch_size, 1, 1])
        smaller = tf.logical_or(h < self.height, w < self.width)
        resized = resize_matrix(height, width, self.height, self.width, batch_size, crop=True)
        return tf.where(smaller, resized, crop)

    def apply_images(self, images, params):
        batch = Batch(images)
        h, w = batch.height, batch.width
        if isinstance(h, int) and isinstance(w, int) and (h < self.height or w < self.width):
            # Alone, the resize of a small image reads the window's own edge as Keras does.
            return center_crop_resize(images, self.height, self.width)
        return super().apply_images(images, params)

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("interpolation", "fill_mode", "fill_value"):
            config.pop(key, None)
        config.update({"height": self.height, "width": self.width})
        return config


class _Unseeded(SeededLayer):
    """A deterministic layer that runs under every Keras backend (no seed state to save)."""

    _seed_state = None
    layer_kind = "image"
    supported_targets = ("images",)
    contract_exempt = {
        "per_sample": "deterministic: the same for every image",
        "seeded": "deterministic: draws nothing",
    }

    def to_compute_dtype(self, values, what: str = "inputs"):
        """``values`` (a tensor, ragged tensor or array) cast to the compute dtype; values that
        are not numbers (strings) are refused with an error naming the layer."""
        if isinstance(values, dict):
            raise TypeError(
                f"{type(self).__name__}: expected {what} as a tensor; got a dict with keys "
                f"{sorted(values)}."
            )
        values = as_tensors(values)
        dtype = tf.as_dtype(values.dtype)
        if not (dtype.is_floating or dtype.is_integer or dtype.is_bool):
            raise TypeError(
                f"{type(self).__name__}: expected {what} of a real dtype (integer or float); "
                f"got {dtype.name}."
            )
        return tf.cast(values, self.compute_dtype)

    def save_own_variables(self, store) -> None:
        keras.layers.Layer.save_own_variables(self, store)

    def load_own_variables(self, store) -> None:
        keras.layers.Layer.load_own_variables(self, store)


@register(
    example={"scale": 0.5},
    exempt={
        "inference_identity": "scales at inference too, as in Keras",
        "bad_input": "takes numbers of any rank, as keras.layers.Rescaling does",
        "channels_first": "takes no data_format: a per-channel scale follows the Keras config",
    },
)
class Rescaling(_Unseeded):
    """Multiplies inputs by ``scale`` and adds ``offset``, in training and at inference.

    Same arguments and behaviour as ``keras.layers.Rescaling``: inputs of
    any shape and real dtype come out in the layer's compute dtype; a
    per-channel ``scale`` (a list or array) broadcasts over the last axis,
    or over the channel axis when the Keras data format is
    ``channels_first``.

    Args:
        scale: a number, or one number per channel.
        offset: a number, or one number per channel.
    """

    def __init__(self, scale: float | list[float], offset: float | list[float] = 0.0, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("scale", scale), ("offset", offset)):
            values = np.asarray(value)
            if values.dtype.kind not in "iuf" or values.ndim > 1 or not np.isfinite(values).all():
                raise ValueError(
                    f"Rescaling: `{arg}` must be a finite number or a list of finite numbers "
                    f"(one per channel); got {value!r}."
                )
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self.supports_jit = True
        # TensorFlow tensors under every backend (inside tf.data), as the other layers take.
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self.built = True

    def call(self, inputs: tf.Tensor | dict, seed: Seed = None) -> tf.Tensor | dict:
        # `seed` is the call convention of the other layers; nothing here is random.
        dtype = self.compute_dtype
        scale = tf.cast(self.scale, dtype)
        offset = tf.cast(self.offset, dtype)
        if scale.shape.rank and keras.config.image_data_format() == "channels_first":
            scale = tf.reshape(scale, [-1, 1, 1])
        if offset.shape.rank and keras.config.image_data_format() == "channels_first":
            offset = tf.reshape(offset, [-1, 1, 1])
        return self.to_compute_dtype(inputs) * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "scale": keras.saving.serialize_keras_object(self.scale),
                "offset": keras.saving.serialize_keras_object(self.offset),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict) -> Rescaling:
        config = dict(config)
        for key in ("scale", "offset"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


@register(
    example={"max_number": 4},
    exempt={"bad_input": "reads only the boxes, as Keras' layer does: images of any rank pass"},
)
class MaxNumBoundingBoxes(_Unseeded):
    """Pads or truncates ``bounding_boxes`` to exactly ``max_number`` boxes per image.

    Same arguments and behaviour as ``keras.layers.MaxNumBoundingBoxes``:
    on a dict with ``"bounding_boxes"`` (``{"boxes": [batch, n, 4],
    "labels": [batch, n]}``, or without the batch axis), boxes beyond
    ``max_number`` are dropped and missing ones are padding rows of
    ``fill_value`` (boxes and labels alike), so batches of detection
    targets get one static shape. Boxes may come as ``tf.RaggedTensor``
    (a varying number per image). Images and every other entry pass
    through unchanged.

    Args:
        max_number: the number of boxes per image in the output.
        fill_value: the value of padding rows (default -1, the padding label
            of the other layers).
        bounding_box_format, data_format: accepted as in Keras (the boxes'
            values are not read).
    """

    supported_targets = IMAGE_TARGETS  # boxes cut or padded, the rest passed through

    def __init__(
        self,
        max_number: int,
        fill_value: float = -1,
        bounding_box_format: BoxFormat = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.max_number = check_size(self.__class__.__name__, "max_number", max_number)
        self.fill_value = int(check_number(self.__class__.__name__, "fill_value", fill_value))
        self.bounding_box_format = bounding_box_format
        self.data_format = data_format or keras.config.image_data_format()
        self.supports_jit = True
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self.built = True

    @tf.autograph.experimental.do_not_convert
    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, dict):  # NumPy arrays and lists beside tensors, as in Keras
            inputs = {key: as_tensors(value) for key, value in inputs.items()}
        return super().__call__(inputs, *args, **kwargs)

    def _fit(self, values: tf.Tensor | tf.RaggedTensor, key: str, rank: int) -> tf.Tensor:
        if isinstance(values, tf.RaggedTensor):  # a varying number of boxes per image
            values = values.to_tensor(tf.cast(self.fill_value, values.dtype))
        values = tf.convert_to_tensor(values)
        if values.shape.rank not in (rank - 1, rank):
            raise ValueError(
                f"MaxNumBoundingBoxes: expected bounding_boxes['{key}'] of rank {rank} (a batch) "
                f"or {rank - 1} (one image); got shape {values.shape}."
            )
        batched = values.shape.rank == rank
        if not batched:
            values = values[None]
        values = values[:, : self.max_number]
        pad = tf.maximum(self.max_number - tf.shape(values)[1], 0)
        paddings = [[0, 0], [0, pad]] + [[0, 0]] * (values.shape.rank - 2)
        values = tf.pad(values, paddings, constant_values=tf.cast(self.fill_value, values.dtype))
        shape = [-1, self.max_number, *values.shape[2:]]
        values = tf.reshape(values, shape)
        return values if batched else values[0]

    def call(self, inputs: tf.Tensor | dict, seed: Seed = None) -> tf.Tensor | dict:
        # `seed` is the call convention of the other layers; nothing here is random.
        if not isinstance(inputs, dict):
            return self.to_compute_dtype(inputs, "images")  # as Keras returns them
        out = dict(inputs)
        out["images"] = self.to_compute_dtype(inputs["images"], "images")
        if "bounding_boxes" not in inputs:
            return out
        boxes = inputs["bounding_boxes"]
        if not isinstance(boxes, dict) or not {"boxes", "labels"} <= set(boxes):
            raise ValueError(
                f"MaxNumBoundingBoxes: expected bounding_boxes as a dict {{'boxes': [batch, n, "
                f"4], 'labels': [batch, n]}}; got {boxes!r}."
            )
        out["bounding_boxes"] = {
            **boxes,
            "boxes": self._fit(boxes["boxes"], "boxes", 3),
            "labels": self._fit(boxes["labels"], "labels", 2),
        }
        return out

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            shape = dict(input_shape)
            boxes = dict(shape["bounding_boxes"])
            for key in ("boxes", "labels"):
                dims = list(boxes[key])
                dims[1 if len(dims) == (3 if key == "boxes" else 2) else 0] = self.max_number
                boxes[key] = tuple(dims)
            shape["bounding_boxes"] = boxes
            return shape
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "max_number": self.max_number,
                "fill_value": self.fill_value,
                "bounding_box_format": self.bounding_box_format,
                "data_format": self.data_format,
            }
        )
        return config
