"""Targets that travel with images: bounding boxes and keypoints (masks are resampled images).

Kernels for the coordinate targets, plain functions of tensors:

* box formats and conversions (``to_xyxy``, ``from_xyxy``);
* moving boxes and points through a 3x3 matrix (``transform_points``,
  ``transform_boxes``);
* clipping boxes to the image, dropping those of which too little remains
  and keeping the batch rectangular (``clip_and_drop_boxes``, ``pad_boxes``);
* keypoint visibility (``points_inside``).

Coordinates. Boxes and keypoints use continuous pixel coordinates: pixel
``(row, col)`` covers ``[col, col + 1) x [row, row + 1)``, so its centre is
``(col + 0.5, row + 0.5)`` and an image spans ``[0, width] x [0, height]``.
The matrices of ``keras_augment.core.matrices`` put pixel centres at integers;
``transform_points`` shifts by half a pixel on the way in and out.

Padding. A batch of boxes is ``{"boxes": [batch, n, 4], "labels": [batch, n]}``
with a fixed ``n``; rows whose label is ``PAD_VALUE`` (-1) are padding. Layers
keep ``n``: dropped boxes become padding rows (boxes and label all -1) and the
kept boxes move to the front, in their original order.
"""

from __future__ import annotations

import tensorflow as tf

BOX_FORMATS = ("xyxy", "xywh", "center_xywh", "rel_xyxy", "rel_xywh", "rel_center_xywh", "yxyx")
PAD_VALUE = -1
# Dict keys, besides "images" and "labels", that carry targets.
TARGET_KEYS = ("segmentation_masks", "bounding_boxes", "keypoints", "keypoint_visibility")


def check_box_format(layer: str, value) -> str | None:
    """``value`` if it is one of ``BOX_FORMATS`` (or None), else a ``ValueError`` naming ``layer``."""
    if value is not None and value not in BOX_FORMATS:
        raise ValueError(
            f"{layer}: `bounding_box_format` must be one of {BOX_FORMATS} or None; got {value!r}."
        )
    return value


def to_xyxy(boxes: tf.Tensor, box_format: str, height, width) -> tf.Tensor:
    """Converts ``[..., 4]`` boxes of ``box_format`` to absolute ``(x0, y0, x1, y1)``, float32.

    ``height`` and ``width`` (the image size) are used by the relative formats.
    """
    boxes = tf.cast(boxes, tf.float32)
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    a, b, c, d = tf.unstack(boxes, 4, axis=-1)
    if box_format == "yxyx":
        a, b, c, d = b, a, d, c
    if box_format.startswith("rel_"):
        a, b, c, d = a * w, b * h, c * w, d * h
        box_format = box_format[4:]
    if box_format == "xywh":
        c, d = a + c, b + d
    elif box_format == "center_xywh":
        a, b, c, d = a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0
    return tf.stack([a, b, c, d], axis=-1)


def from_xyxy(boxes: tf.Tensor, box_format: str, height, width) -> tf.Tensor:
    """Converts absolute ``(x0, y0, x1, y1)`` boxes to ``box_format``; the inverse of ``to_xyxy``."""
    boxes = tf.cast(boxes, tf.float32)
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    x0, y0, x1, y1 = tf.unstack(boxes, 4, axis=-1)
    if box_format == "yxyx":
        return tf.stack([y0, x0, y1, x1], axis=-1)
    relative = box_format.startswith("rel_")
    plain = box_format[4:] if relative else box_format
    if plain == "xywh":
        out = [x0, y0, x1 - x0, y1 - y0]
    elif plain == "center_xywh":
        out = [(x0 + x1) / 2.0, (y0 + y1) / 2.0, x1 - x0, y1 - y0]
    else:
        out = [x0, y0, x1, y1]
    if relative:
        out = [out[0] / w, out[1] / h, out[2] / w, out[3] / h]
    return tf.stack(out, axis=-1)


def transform_points(points: tf.Tensor, forward: tf.Tensor) -> tf.Tensor:
    """Moves ``float32[batch, k, 2]`` points ``(x, y)`` through per-sample ``[batch, 3, 3]`` matrices.

    ``forward`` maps input pixel-centre coordinates to output ones (the
    inverse of a layer's output-to-input matrix).
    """
    points = tf.cast(points, tf.float32) - 0.5
    m = tf.cast(forward, tf.float32)
    x, y = points[..., 0], points[..., 1]
    u = m[:, 0, 0, None] * x + m[:, 0, 1, None] * y + m[:, 0, 2, None]
    v = m[:, 1, 0, None] * x + m[:, 1, 1, None] * y + m[:, 1, 2, None]
    s = m[:, 2, 0, None] * x + m[:, 2, 1, None] * y + m[:, 2, 2, None]
    return tf.stack([u / s, v / s], axis=-1) + 0.5


def transform_boxes(boxes: tf.Tensor, forward: tf.Tensor) -> tf.Tensor:
    """The enclosing ``xyxy`` box of each ``[batch, n, 4]`` box's four corners moved by ``forward``.

    For flips, crops, zooms and shifts that is the moved box itself; for
    rotations, shears and perspective it is the box around the moved corners.
    """
    x0, y0, x1, y1 = tf.unstack(tf.cast(boxes, tf.float32), 4, axis=-1)
    corners = tf.stack([x0, y0, x1, y0, x0, y1, x1, y1], axis=-1)  # [batch, n, 8]
    n = tf.shape(boxes)[1]
    moved = transform_points(tf.reshape(corners, [tf.shape(boxes)[0], n * 4, 2]), forward)
    moved = tf.reshape(moved, [tf.shape(boxes)[0], n, 4, 2])
    low = tf.reduce_min(moved, axis=2)
    high = tf.reduce_max(moved, axis=2)
    return tf.concat([low, high], axis=-1)


def sample_field(field: tf.Tensor, points: tf.Tensor) -> tf.Tensor:
    """Bilinear values of a ``[batch, h, w, 2]`` field at ``[batch, k, 2]`` points ``(x, y)``.

    Points are in pixel-centre coordinates of the field's grid (centres at
    integers); outside the grid the nearest edge value is read.
    """
    h, w = tf.shape(field)[1], tf.shape(field)[2]
    x = tf.clip_by_value(points[..., 0], 0.0, tf.cast(w - 1, tf.float32))
    y = tf.clip_by_value(points[..., 1], 0.0, tf.cast(h - 1, tf.float32))
    x0, y0 = tf.floor(x), tf.floor(y)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    x0 = tf.cast(x0, tf.int32)
    y0 = tf.cast(y0, tf.int32)
    x1, y1 = tf.minimum(x0 + 1, w - 1), tf.minimum(y0 + 1, h - 1)

    def at(yy, xx):
        return tf.gather_nd(field, tf.stack([yy, xx], axis=-1), batch_dims=1)

    top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx
    bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx
    return top * (1 - fy) + bottom * fy


def displace_points(
    points: tf.Tensor, forward: tf.Tensor, field: tf.Tensor, iterations: int = 24
) -> tf.Tensor:
    """Moves ``[batch, k, 2]`` points through a matrix and a displacement field.

    The resampler reads output pixel ``q`` from input ``M (q + d(q))``; a
    point ``p`` of the input therefore lands where ``q + d(q) = M^-1 p``,
    found by ``solve_displaced``.
    """
    target = transform_points(points, forward) - 0.5
    return solve_displaced(target, field, iterations) + 0.5


def solve_displaced(target: tf.Tensor, field: tf.Tensor, iterations: int = 24) -> tf.Tensor:
    """Points ``q`` with ``q + d(q) = target`` (``[batch, k, 2]``, grid coordinates).

    Half-damped fixed-point steps ``q <- (q + target - d(q)) / 2``: plain steps
    oscillate where the field stretches by more than its own size, half steps
    still converge there (for fields without folds).
    """
    q = target - sample_field(field, target)
    for _ in range(iterations):
        q = 0.5 * (q + target - sample_field(field, q))
    return q


def displace_boxes(
    boxes: tf.Tensor, forward: tf.Tensor, field: tf.Tensor, per_edge: int = 8
) -> tf.Tensor:
    """The enclosing ``xyxy`` box of points along each box's edges, moved by ``displace_points``."""
    x0, y0, x1, y1 = tf.unstack(tf.cast(boxes, tf.float32), 4, axis=-1)
    t = tf.linspace(0.0, 1.0, per_edge)
    xs = x0[..., None] + (x1 - x0)[..., None] * t
    ys = y0[..., None] + (y1 - y0)[..., None] * t
    ones = tf.ones_like(xs)
    edge_x = tf.concat([xs, xs, x0[..., None] * ones, x1[..., None] * ones], axis=-1)
    edge_y = tf.concat([y0[..., None] * ones, y1[..., None] * ones, ys, ys], axis=-1)
    batch, n = tf.shape(boxes)[0], tf.shape(boxes)[1]
    points = tf.reshape(tf.stack([edge_x, edge_y], axis=-1), [batch, n * 4 * per_edge, 2])
    moved = tf.reshape(displace_points(points, forward, field), [batch, n, 4 * per_edge, 2])
    return tf.concat([tf.reduce_min(moved, axis=2), tf.reduce_max(moved, axis=2)], axis=-1)


def box_area(boxes: tf.Tensor) -> tf.Tensor:
    """Area of ``xyxy`` boxes (0 for empty or reversed boxes)."""
    w = tf.maximum(boxes[..., 2] - boxes[..., 0], 0.0)
    h = tf.maximum(boxes[..., 3] - boxes[..., 1], 0.0)
    return w * h


def is_padding(labels: tf.Tensor) -> tf.Tensor:
    """``bool``: true on padding rows (label ``PAD_VALUE``)."""
    return tf.equal(labels, tf.cast(PAD_VALUE, labels.dtype))


def compact_boxes(boxes: tf.Tensor, labels: tf.Tensor, keep: tf.Tensor):
    """Moves kept rows to the front (in order) and turns the others into padding rows."""
    order = tf.argsort(tf.cast(tf.logical_not(keep), tf.int32), axis=1, stable=True)
    boxes = tf.gather(boxes, order, axis=1, batch_dims=1)
    labels = tf.gather(labels, order, axis=1, batch_dims=1)
    keep = tf.gather(keep, order, axis=1, batch_dims=1)
    boxes = tf.where(keep[..., None], boxes, tf.cast(PAD_VALUE, boxes.dtype))
    labels = tf.where(keep, labels, tf.cast(PAD_VALUE, labels.dtype))
    return boxes, labels


def clip_and_drop_boxes(boxes, labels, height, width, min_visibility: float = 0.0):
    """Clips ``xyxy`` boxes to the image and drops those of which too little remains.

    A box is kept when its clipped area is positive and at least
    ``min_visibility`` times its unclipped area; dropped boxes take their
    labels with them (see ``compact_boxes``). Padding rows stay padding.

    Returns:
        ``(boxes float32[batch, n, 4], labels [batch, n])``.
    """
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    limits = tf.stack([w, h, w, h])
    clipped = tf.clip_by_value(boxes, 0.0, limits)
    before = box_area(boxes)
    after = box_area(clipped)
    keep = (after > 0.0) & (after >= min_visibility * before) & tf.logical_not(is_padding(labels))
    return compact_boxes(clipped, labels, keep)


def points_inside(points: tf.Tensor, height, width) -> tf.Tensor:
    """``bool[batch, k]``: true for points ``(x, y)`` inside ``[0, width) x [0, height)``."""
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    x, y = points[..., 0], points[..., 1]
    return (x >= 0.0) & (x < w) & (y >= 0.0) & (y < h)


def pad_boxes(boxes, labels, max_boxes: int):
    """Pads (or truncates) per-image lists of boxes to a rectangular batch.

    Args:
        boxes: a ``tf.RaggedTensor`` ``[batch, (n), 4]`` or a list of
            ``[n_i, 4]`` arrays.
        labels: the matching ``[batch, (n)]`` labels.
        max_boxes: the fixed number of rows per image.

    Returns:
        ``{"boxes": float32[batch, max_boxes, 4], "labels": [batch, max_boxes]}``
        with padding rows (boxes and labels) equal to ``PAD_VALUE``.
    """
    if not isinstance(max_boxes, int) or isinstance(max_boxes, bool) or max_boxes < 1:
        raise ValueError(f"pad_boxes: `max_boxes` must be a positive integer; got {max_boxes!r}.")
    if not isinstance(boxes, tf.RaggedTensor):
        boxes = tf.ragged.constant([list(map(list, b)) for b in boxes], dtype=tf.float32)
    if not isinstance(labels, tf.RaggedTensor):
        labels = tf.ragged.constant([list(v) for v in labels])
    boxes = tf.cast(boxes, tf.float32)
    dense_boxes = boxes.to_tensor(
        default_value=float(PAD_VALUE), shape=[boxes.nrows(), max_boxes, 4]
    )
    dense_labels = labels.to_tensor(
        default_value=tf.cast(PAD_VALUE, labels.dtype), shape=[labels.nrows(), max_boxes]
    )
    return {"boxes": dense_boxes, "labels": dense_labels}


__all__ = [
    "BOX_FORMATS",
    "PAD_VALUE",
    "box_area",
    "check_box_format",
    "clip_and_drop_boxes",
    "compact_boxes",
    "from_xyxy",
    "pad_boxes",
    "points_inside",
    "to_xyxy",
    "transform_boxes",
    "transform_points",
]
