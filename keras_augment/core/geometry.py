"""Geometric layers: parameters become one matrix per sample, pixels move once."""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core.base import BaseAugmentation, Batch
from keras_augment.core.resample import resample
from keras_augment.core.validation import (
    check_fill_mode,
    check_interpolation,
    check_number,
)


def center_crop_box(height, width, target_h: int, target_w: int):
    """The largest centred box of the target aspect ratio: ``(top, left, box_h, box_w)``.

    Integer arithmetic as in Keras' ``RandomCrop`` at inference.
    """
    h = tf.cast(height, tf.int32)
    w = tf.cast(width, tf.int32)
    box_h = tf.clip_by_value((w * target_h) // target_w, 1, h)
    box_w = tf.clip_by_value((h * target_w) // target_h, 1, w)
    return (h - box_h) // 2, (w - box_w) // 2, box_h, box_w


class GeometricAugmentation(BaseAugmentation):
    """A layer whose effect is a per-sample 3x3 matrix (plus, optionally, a displacement field).

    Subclasses implement ``get_params`` and ``get_matrix``; this class
    resamples. ``Pipeline`` multiplies the matrices of consecutive geometric
    layers and resamples once.
    """

    # A layer with a displacement field must end a fused run: its field is
    # defined on its own output grid, which only the last layer of a run has.
    has_displacement = False
    # True for layers that map pixel centres onto pixel centres inside the
    # image (flips, integer crops): their interpolation and fill settings never
    # matter, so a pipeline can fuse them into any run.
    exact_on_grid = False

    def __init__(
        self,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.interpolation = check_interpolation(name, interpolation)
        self.fill_mode = check_fill_mode(name, fill_mode)
        self.fill_value = check_number(name, "fill_value", fill_value)

    def get_matrix(self, params: dict, height, width) -> tf.Tensor:
        """``float32[batch, 3, 3]`` mapping output pixels to input pixels."""
        raise NotImplementedError

    def get_displacement(self, params: dict, out_height, out_width):
        """Optional ``float32[batch, out_h, out_w, 2]`` field added before the matrix."""
        return None

    def finalize_images(self, images: tf.Tensor) -> tf.Tensor:
        """Hook applied after resampling (e.g. clipping to ``value_range``)."""
        return images

    def sampling_options(self) -> tuple:
        return (self.interpolation, self.fill_mode, self.fill_value)

    def transform_images(self, images, params):
        batch = Batch(images)
        height, width = batch.height, batch.width
        out_h, out_w = self.output_image_size(height, width)
        out = resample(
            images,
            self.get_matrix(params, height, width),
            tf.stack([out_h, out_w]),
            self.get_displacement(params, out_h, out_w),
            *self.sampling_options(),
        )
        return self.finalize_images(out)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "interpolation": self.interpolation,
                "fill_mode": self.fill_mode,
                "fill_value": self.fill_value,
            }
        )
        return config


def shared_sampling_options(layers) -> tuple | None:
    """The ``(interpolation, fill_mode, fill_value)`` one resample can use for all ``layers``.

    Layers that are exact on the pixel grid (flips, integer crops) never
    interpolate or read outside the image, so they accept any settings; the
    others must agree. ``None`` when they do not.
    """
    options = {layer.sampling_options() for layer in layers if not layer.exact_on_grid}
    if len(options) > 1:
        return None
    return options.pop() if options else layers[0].sampling_options()


def center_crop_resize(images, target_h: int, target_w: int, interpolation: str = "bilinear"):
    """Crops the centred box of the target aspect ratio and resizes it (``RandomCrop`` inference)."""
    batch = Batch(images)
    top, left, box_h, box_w = center_crop_box(batch.height, batch.width, target_h, target_w)
    n = batch.batch_size
    m = matrices.crop_and_resize(
        tf.fill([n], top), tf.fill([n], left), box_h, box_w, target_h, target_w
    )
    return resample(
        images, m, tf.constant([target_h, target_w]), None, interpolation, "nearest", 0.0
    )
