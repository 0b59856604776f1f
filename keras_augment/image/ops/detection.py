"""Crop windows chosen from bounding boxes: around all of them, or around one.

Boxes are ``float32[batch, n, 4]`` absolute ``xyxy`` with labels
``[batch, n]`` (``-1`` marks padding rows), as ``keras_augment.core.batch``
holds them. Random numbers come in as uniform ``[0, 1)`` tensors, so every
function here is deterministic and can be called alone.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core import targets as ka_targets


def live_boxes(boxes: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    """``bool[batch, n]``: rows that are boxes (not padding) with a positive area."""
    return ~ka_targets.is_padding(labels) & (ka_targets.box_area(boxes) > 0.0)


def box_union(boxes: tf.Tensor, live: tf.Tensor, height, width, erosion: float = 0.0):
    """The box around every live box of each sample, clipped to the image.

    Returns ``(union float32[batch, 4] xyxy, any bool[batch])``; the union of a
    sample without live boxes is meaningless and ``any`` is false there. With
    ``erosion`` the union shrinks by ``erosion / 2`` of its width and height on
    each side (albumentations' ``erosion_rate``).
    """
    big = tf.float32.max
    low = tf.where(live[..., None], boxes[..., :2], big)
    high = tf.where(live[..., None], boxes[..., 2:], -big)
    union = tf.concat([tf.reduce_min(low, axis=1), tf.reduce_max(high, axis=1)], axis=-1)
    size = union[:, 2:] - union[:, :2]
    shrink = tf.concat([size, -size], axis=-1) * (0.5 * erosion)
    limits = tf.cast(tf.stack([width, height, width, height]), tf.float32)
    union = tf.clip_by_value(union + shrink, 0.0, limits)
    return union, tf.reduce_any(live, axis=1)


def safe_crop_window(union: tf.Tensor, has_boxes: tf.Tensor, u: tf.Tensor, height, width, erosion):
    """``(top, left, crop_h, crop_w)``, ``float32[batch]`` each: a random crop holding ``union``.

    The crop's left edge is uniform in ``[0, union_left]``, its right edge in
    ``[union_right, width]`` (likewise vertically), so every box inside the
    union stays whole. Samples without boxes take a crop of the image's
    aspect ratio whose height is uniform in ``[(1 - erosion) * height, height]``,
    placed uniformly. ``u`` is ``float32[batch, 4]`` uniform in ``[0, 1)``.
    """
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    left = u[:, 0] * union[:, 0]
    top = u[:, 1] * union[:, 1]
    right = union[:, 2] + u[:, 2] * (w - union[:, 2])
    bottom = union[:, 3] + u[:, 3] * (h - union[:, 3])
    # Without boxes: a crop of the image's aspect ratio.
    free_h = tf.maximum(h * (1.0 - erosion * u[:, 0]), 1.0)
    free_w = tf.maximum(free_h * w / h, 1.0)
    free_top = u[:, 1] * (h - free_h)
    free_left = u[:, 2] * (w - free_w)
    return (
        tf.where(has_boxes, top, free_top),
        tf.where(has_boxes, left, free_left),
        tf.where(has_boxes, bottom - top, free_h),
        tf.where(has_boxes, right - left, free_w),
    )


def pick_live_box(boxes: tf.Tensor, live: tf.Tensor, u: tf.Tensor) -> tf.Tensor:
    """One live box per sample, uniformly among its live boxes: ``float32[batch, 4]``.

    ``u`` is ``float32[batch]`` uniform in ``[0, 1)``; samples without live boxes
    get their first row (callers check ``any(live)``).
    """
    count = tf.reduce_sum(tf.cast(live, tf.int32), axis=1)
    k = tf.minimum(tf.cast(u * tf.cast(count, tf.float32), tf.int32), tf.maximum(count - 1, 0))
    # Position of each live row among the live rows; the k-th is picked.
    rank = tf.cumsum(tf.cast(live, tf.int32), axis=1) - 1
    chosen = live & tf.equal(rank, k[:, None])
    index = tf.argmax(tf.cast(chosen, tf.int32), axis=1, output_type=tf.int32)
    return tf.gather(boxes, index, axis=1, batch_dims=1)


def containing_start(low, high, crop: int, size, erosion: float, u: tf.Tensor) -> tf.Tensor:
    """``int32[batch]``: a random whole-pixel start of a ``crop``-long window over ``[low, high]``.

    With ``erosion=0`` the window holds ``[low, high]`` whole (or, when the
    interval is longer than the window, lies inside it); with ``erosion=1`` it
    only has to overlap it. Starts are kept within ``[0, size - crop]``; ``u``
    is uniform in ``[0, 1)``.
    """
    kept = (high - low) * (1.0 - erosion)
    first = low + kept - crop
    last = high - kept
    limit = tf.cast(size - crop, tf.float32)
    lo = tf.clip_by_value(tf.math.ceil(tf.minimum(first, last)), 0.0, limit)
    hi = tf.clip_by_value(tf.floor(tf.maximum(first, last)), 0.0, limit)
    hi = tf.maximum(hi, lo)
    return tf.cast(tf.minimum(lo + tf.floor(u * (hi - lo + 1.0)), hi), tf.int32)


__all__ = [
    "box_union",
    "containing_start",
    "live_boxes",
    "pick_live_box",
    "safe_crop_window",
]
