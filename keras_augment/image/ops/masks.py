"""Mask kernels shared by the occlusion and mixing layers: box masks and what boxes cover."""

from __future__ import annotations

import tensorflow as tf


def box_mask(boxes: tf.Tensor, height, width) -> tf.Tensor:
    """``bool[batch, height, width]``: true on pixels covered by any of each sample's boxes.

    ``boxes`` is ``float32[batch, n, 4]`` as ``(top, left, bottom, right)``
    in pixels; pixel ``(row, col)`` is covered when ``top <= row < bottom``
    and ``left <= col < right`` (so a box with ``bottom <= top`` is empty).
    """
    boxes = tf.cast(boxes, tf.float32)
    rows = tf.range(height, dtype=tf.float32)[None, None, :]
    cols = tf.range(width, dtype=tf.float32)[None, None, :]
    in_rows = (rows >= boxes[..., 0:1]) & (rows < boxes[..., 2:3])  # [batch, n, height]
    in_cols = (cols >= boxes[..., 1:2]) & (cols < boxes[..., 3:4])  # [batch, n, width]
    covered = in_rows[:, :, :, None] & in_cols[:, :, None, :]
    return tf.reduce_any(covered, axis=1)


def points_in_boxes(points: tf.Tensor, boxes: tf.Tensor) -> tf.Tensor:
    """``bool[batch, k]``: true for points inside any of their sample's boxes.

    ``points`` is ``float32[batch, k, 2]`` as ``(x, y)`` pixel positions (pixel
    ``(row, col)`` spans ``[col, col + 1) x [row, row + 1)``); ``boxes`` as in
    ``box_mask``. A point is inside when ``left <= x < right`` and
    ``top <= y < bottom``, so it falls in a box exactly when its pixel does.
    """
    boxes = tf.cast(boxes, tf.float32)[:, None]  # [batch, 1, n, 4]
    x = tf.cast(points[..., 0], tf.float32)[..., None]
    y = tf.cast(points[..., 1], tf.float32)[..., None]
    inside = (y >= boxes[..., 0]) & (y < boxes[..., 2]) & (x >= boxes[..., 1]) & (x < boxes[..., 3])
    return tf.reduce_any(inside, axis=-1)


def covered_fraction(mask: tf.Tensor, boxes: tf.Tensor) -> tf.Tensor:
    """``float32[batch, n]``: the share of each box's pixels that ``mask`` covers.

    Args:
        mask: ``bool[batch, height, width]``.
        boxes: ``float32[batch, n, 4]`` absolute ``xyxy`` boxes; the pixels a
            box holds are rows ``int(y0) .. int(y1) - 1`` and columns
            ``int(x0) .. int(x1) - 1`` (clipped to the image). Empty boxes
            count as fully covered.
    """
    shape = tf.shape(mask)
    height, width = shape[1], shape[2]
    # A summed-area table: the covered count of any box is four reads.
    table = tf.cumsum(tf.cumsum(tf.cast(mask, tf.float32), axis=1), axis=2)
    table = tf.pad(table, [[0, 0], [1, 0], [1, 0]])
    boxes = tf.cast(boxes, tf.float32)
    cols = tf.clip_by_value(tf.cast(tf.floor(boxes[..., 0::2]), tf.int32), 0, width)
    rows = tf.clip_by_value(tf.cast(tf.floor(boxes[..., 1::2]), tf.int32), 0, height)
    x0, x1, y0, y1 = cols[..., 0], cols[..., 1], rows[..., 0], rows[..., 1]

    def at(r, c):
        return tf.gather_nd(table, tf.stack([r, c], axis=-1), batch_dims=1)

    covered = at(y1, x1) - at(y0, x1) - at(y1, x0) + at(y0, x0)
    area = tf.cast(tf.maximum(x1 - x0, 0) * tf.maximum(y1 - y0, 0), tf.float32)
    return tf.where(area > 0, covered / tf.maximum(area, 1.0), 1.0)
