"""Crops for detection that respect the bounding boxes: RandomSizedBBoxSafeCrop, AtLeastOneBBoxRandomCrop.

Both choose each sample's window from its own boxes (``"bounding_boxes"`` in a
dict input, in ``bounding_box_format``), then move pixels, masks, boxes and
keypoints through one matrix, as the geometric layers do. Because the window
depends on the boxes as they are when the layer runs, a ``Pipeline`` runs
these layers on their own (after the run of geometric layers before them has
moved the boxes), not fused with their neighbours. Without boxes (images
alone, or only padding rows) they crop at random as described per layer.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core.geometry import FixedSizeGeometry
from keras_augment.core.registry import register
from keras_augment.core.resample import resample
from keras_augment.core.types import DataFormat, Interpolation, Seed
from keras_augment.core.validation import check_number
from keras_augment.image.ops.detection import (
    box_union,
    containing_start,
    live_boxes,
    pick_live_box,
    safe_crop_window,
)


class _BoxCrop(FixedSizeGeometry):
    """Shared: a fixed ``(height, width)`` output and windows drawn from the current boxes."""

    config_fields = ("height", "width")
    config_omits = ("fill_mode", "fill_value")
    # The window is drawn from the boxes this layer receives: it cannot be
    # multiplied into a run whose earlier layers have not moved them yet.
    fusable = False

    def _live(self, batch):
        if batch.boxes is None:
            return None, None
        boxes = tf.cast(batch.boxes, tf.float32)
        return boxes, live_boxes(boxes, batch.box_labels)

    def inference_images(self, images):
        height, width = tf.shape(images)[1], tf.shape(images)[2]
        m = self.inference_matrix(height, width, tf.shape(images)[0])
        size = tf.constant([self.height, self.width])
        return resample(images, m, size, None, self.interpolation, "nearest", 0.0)


@register(
    example={"height": 24, "width": 24, "erosion_rate": 0.3},
    exempt={"inference_identity": "resizes the whole image to the output size at inference"},
)
class RandomSizedBBoxSafeCrop(_BoxCrop):
    """Crops a random window that keeps every bounding box whole, and resizes it.

    Albumentations' ``RandomSizedBBoxSafeCrop``: per sample, the box around
    all its boxes (their union) is found; the window's left edge is drawn
    uniformly between the image's left edge and the union's, its right edge
    between the union's and the image's (likewise top and bottom), so no box
    is cut; the window is resized to ``(height, width)``. With
    ``erosion_rate`` the union first shrinks by that share of its size, so
    boxes near its border may be cut. A sample without boxes gets a window of
    the image's aspect ratio and a height drawn from
    ``[(1 - erosion_rate) * h, h]``. At inference the whole image is resized
    to ``(height, width)``, which keeps every box too.

    Args:
        height, width: output size in pixels.
        erosion_rate: in ``[0, 1]``; see above. Default 0.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
        >>> layer = keras_augment.RandomSizedBBoxSafeCrop(320, 320, bounding_box_format="xyxy")
        >>> out = layer({"images": images, "bounding_boxes": {"boxes": b, "labels": l}})
    """

    config_fields = ("erosion_rate",)

    def __init__(
        self,
        height: int,
        width: int,
        erosion_rate: float = 0.0,
        interpolation: Interpolation = "bilinear",
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        kwargs.pop("fill_mode", None)
        super().__init__(height, width, interpolation, seed=seed, data_format=data_format, **kwargs)
        self.erosion_rate = check_number(
            self.__class__.__name__, "erosion_rate", erosion_rate, low=0.0, high=1.0
        )

    def get_params(self, sampler, batch):
        u = sampler.uniform(0.0, 1.0, extra_shape=(4,))
        boxes, live = self._live(batch)
        if boxes is None:
            union = tf.zeros([tf.shape(u)[0], 4])
            has_boxes = tf.zeros([tf.shape(u)[0]], tf.bool)
        else:
            union, has_boxes = box_union(boxes, live, batch.height, batch.width, self.erosion_rate)
        top, left, crop_h, crop_w = safe_crop_window(
            union, has_boxes, u, batch.height, batch.width, self.erosion_rate
        )
        return {"top": top, "left": left, "box_height": crop_h, "box_width": crop_w}

    def get_matrix(self, params, height, width):
        return matrices.window_resize(params, self.height, self.width)

    def inference_matrix(self, height, width, batch_size):
        m = matrices.crop_and_resize(0, 0, height, width, self.height, self.width)
        return tf.tile(tf.reshape(m, [-1, 3, 3])[:1], [batch_size, 1, 1])


@register(
    example={"height": 24, "width": 24},
    exempt={"inference_identity": "crops the centre window at inference"},
)
class AtLeastOneBBoxRandomCrop(_BoxCrop):
    """Crops a random ``height x width`` window that holds at least one bounding box.

    Albumentations' ``AtLeastOneBBoxRandomCrop``: per sample one of its boxes
    is picked at random and the window is placed at random among the
    whole-pixel positions that contain it (a box larger than the window
    contains the window instead); the other boxes are clipped to the window
    and dropped when nothing of them (or less than ``min_box_visibility``)
    remains. ``erosion_factor`` relaxes the rule: the window must contain
    ``1 - erosion_factor`` of the picked box's width and height (at 1 it only
    has to overlap it). Samples without boxes get a uniformly placed window.
    No resampling: pixels are copied. At inference the centre window is
    taken. Images must be at least ``height x width``.

    Args:
        height, width: the window (and output) size in pixels.
        erosion_factor: in ``[0, 1]``; see above. Default 0.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("erosion_factor",)
    config_omits = ("interpolation", "fill_mode", "fill_value")
    exact_on_grid = True

    def __init__(
        self,
        height: int,
        width: int,
        erosion_factor: float = 0.0,
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        for key in ("interpolation", "fill_mode"):
            kwargs.pop(key, None)
        super().__init__(height, width, "nearest", seed=seed, data_format=data_format, **kwargs)
        self.erosion_factor = check_number(
            self.__class__.__name__, "erosion_factor", erosion_factor, low=0.0, high=1.0
        )

    def _check_static_size(self, images):
        shape = images.shape
        h_axis = 2 if self.data_format == "channels_first" and shape.rank == 4 else 1
        if shape.rank == 3:
            h_axis = 1 if self.data_format == "channels_first" else 0
        height, width = shape[h_axis], shape[h_axis + 1]
        if (height is not None and height < self.height) or (
            width is not None and width < self.width
        ):
            raise ValueError(
                f"{self.__class__.__name__}: images of {height}x{width} are smaller than the "
                f"{self.height}x{self.width} window; expected images at least that large "
                f"(pad them first, e.g. with PadIfNeeded)."
            )

    def get_params(self, sampler, batch):
        u = sampler.uniform(0.0, 1.0, extra_shape=(3,))
        height, width = batch.height, batch.width
        # Without boxes: a uniformly placed window.
        spare_h = tf.cast(height - self.height + 1, tf.float32)
        spare_w = tf.cast(width - self.width + 1, tf.float32)
        top = tf.cast(tf.floor(u[:, 1] * spare_h), tf.int32)
        left = tf.cast(tf.floor(u[:, 2] * spare_w), tf.int32)
        boxes, live = self._live(batch)
        if boxes is not None:
            box = pick_live_box(boxes, live, u[:, 0])
            e = self.erosion_factor
            box_top = containing_start(box[:, 1], box[:, 3], self.height, height, e, u[:, 1])
            box_left = containing_start(box[:, 0], box[:, 2], self.width, width, e, u[:, 2])
            has_boxes = tf.reduce_any(live, axis=1)
            top = tf.where(has_boxes, box_top, top)
            left = tf.where(has_boxes, box_left, left)
        return {"top": top, "left": left}

    def get_matrix(self, params, height, width):
        return matrices.translation(
            -tf.cast(params["left"], tf.float32), -tf.cast(params["top"], tf.float32)
        )

    def inference_matrix(self, height, width, batch_size):
        top = tf.cast((tf.cast(height, tf.int32) - self.height) // 2, tf.float32)
        left = tf.cast((tf.cast(width, tf.int32) - self.width) // 2, tf.float32)
        ones = tf.ones([batch_size], tf.float32)
        return matrices.translation(-left * ones, -top * ones)


__all__ = ["AtLeastOneBBoxRandomCrop", "RandomSizedBBoxSafeCrop"]
