"""Mask kernels shared by the occlusion and mixing layers."""

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
