"""Mosaic: four images of a batch tiled around a centre point.

The output has the input's size. A centre ``(cy, cx)`` splits it into four
quadrants (top-left, top-right, bottom-left, bottom-right); quadrant ``q`` of
sample ``i`` shows a window of quadrant size cut from image ``sources[i, q]``
at ``(tops[i, q], lefts[i, q])``. Pixels are copied (one gather), so any
dtype works, masks included.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core import targets as ka_targets


def cycle_sources(keys: tf.Tensor, count: int = 4) -> tf.Tensor:
    """``int32[batch, count]``: each sample and the next ``count - 1`` samples of a random cycle.

    ``keys`` (``float32[batch]``, uniform) order the batch into a random
    cycle; sample ``i`` takes itself and the samples that follow it, so its
    ``count`` sources differ whenever the batch has that many samples.
    """
    order = tf.argsort(keys, stable=True)
    n = tf.shape(keys)[0]
    position = tf.scatter_nd(order[:, None], tf.range(n), [n])
    steps = tf.range(count)[None, :]
    return tf.gather(order, tf.math.floormod(position[:, None] + steps, n))


def quadrants(height, width, cy: tf.Tensor, cx: tf.Tensor):
    """``(y0, x0, q_h, q_w)``, ``int32[batch, 4]`` each: where each quadrant starts and its size."""
    h = tf.cast(height, tf.int32)
    w = tf.cast(width, tf.int32)
    zero = tf.zeros_like(cy)
    y0 = tf.stack([zero, zero, cy, cy], axis=1)
    x0 = tf.stack([zero, cx, zero, cx], axis=1)
    q_h = tf.stack([cy, cy, h - cy, h - cy], axis=1)
    q_w = tf.stack([cx, w - cx, cx, w - cx], axis=1)
    return y0, x0, q_h, q_w


def mosaic_images(images, sources, cy, cx, tops, lefts) -> tf.Tensor:
    """The mosaic of ``images`` ``[batch, h, w, c]`` (any dtype), returned in that dtype.

    Args:
        sources: ``int32[batch, 4]`` the image each quadrant shows.
        cy, cx: ``int32[batch]`` the centre (rows above it and columns left
            of it belong to the top and left quadrants).
        tops, lefts: ``int32[batch, 4]`` where each quadrant's window starts in its source.
    """
    shape = tf.shape(images)
    n, h, w = shape[0], shape[1], shape[2]
    rows = tf.range(h)[None, :, None]
    cols = tf.range(w)[None, None, :]
    below = rows >= cy[:, None, None]
    right = cols >= cx[:, None, None]
    quadrant = tf.cast(below, tf.int32) * 2 + tf.cast(right, tf.int32)  # [batch, h, w]

    def per_pixel(values):  # [batch, 4] -> [batch, h, w], each pixel's quadrant's value
        return tf.gather(values, quadrant, batch_dims=1)

    source_y = rows - tf.where(below, cy[:, None, None], 0) + per_pixel(tops)
    source_x = cols - tf.where(right, cx[:, None, None], 0) + per_pixel(lefts)
    index = (per_pixel(sources) * h + source_y) * w + source_x
    flat = tf.reshape(images, [-1, shape[3]])
    return tf.reshape(tf.gather(flat, index), [n, h, w, shape[3]])


def mosaic_boxes(boxes, labels, sources, cy, cx, tops, lefts, height, width, min_visibility=0.0):
    """The boxes of a mosaic: each quadrant's source boxes moved, clipped to the quadrant.

    ``boxes`` ``float32[batch, n, 4]`` absolute ``xyxy`` with ``labels``
    ``[batch, n]`` (``-1`` padding). A moved box is kept when some of it,
    and at least ``min_visibility`` of its area, lies inside its quadrant.
    Returns ``(boxes, labels)`` with ``n`` rows: the kept boxes quadrant by
    quadrant, then padding; boxes beyond ``n`` are dropped.
    """
    y0, x0, q_h, q_w = (tf.cast(v, tf.float32) for v in quadrants(height, width, cy, cx))
    shift_x = x0 - tf.cast(lefts, tf.float32)
    shift_y = y0 - tf.cast(tops, tf.float32)
    n = tf.shape(boxes)[1]
    moved, moved_labels, keep = [], [], []
    for q in range(4):
        theirs = tf.gather(boxes, sources[:, q])
        their_labels = tf.gather(labels, sources[:, q])
        offset = tf.stack([shift_x[:, q], shift_y[:, q]] * 2, axis=-1)[:, None, :]
        shifted = theirs + offset
        window = tf.stack([x0[:, q], y0[:, q], x0[:, q] + q_w[:, q], y0[:, q] + q_h[:, q]], -1)
        low = tf.maximum(shifted[..., :2], window[:, None, :2])
        high = tf.maximum(tf.minimum(shifted[..., 2:], window[:, None, 2:]), low)
        clipped = tf.concat([low, high], axis=-1)
        area = ka_targets.box_area(clipped)
        keep.append(
            ~ka_targets.is_padding(their_labels)
            & (area > 0.0)
            & (area >= min_visibility * ka_targets.box_area(shifted))
        )
        moved.append(clipped)
        moved_labels.append(their_labels)
    merged, merged_labels = ka_targets.compact_boxes(
        tf.concat(moved, axis=1), tf.concat(moved_labels, axis=1), tf.concat(keep, axis=1)
    )
    return merged[:, :n], merged_labels[:, :n]


def quadrant_shares(height, width, cy, cx) -> tf.Tensor:
    """``float32[batch, 4]``: the share of the output each quadrant covers (sums to 1)."""
    _, _, q_h, q_w = quadrants(height, width, cy, cx)
    area = tf.cast(q_h * q_w, tf.float32)
    return area / tf.cast(height * width, tf.float32)


__all__ = ["cycle_sources", "mosaic_boxes", "mosaic_images", "quadrant_shares", "quadrants"]
