"""Displacement fields of lens (optical) and grid distortions.

Each function returns ``float32[batch, height, width, 2]`` offsets ``(dx, dy)``
for the displacement argument of ``keras_augment.core.resample.resample``:
output pixel ``p`` reads the input at ``p + d(p)``. Coordinates are pixel
indices with centres at integers (OpenCV's ``remap`` convention), so
``p + d(p)`` is the ``(map_x, map_y)`` pair of ``cv2.remap``.
"""

from __future__ import annotations

import tensorflow as tf


def _centred_grid(height, width):
    """``(x, y)``: ``float32[1, height, width]`` offsets from the image centre."""
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    ys, xs = tf.meshgrid(
        tf.range(height, dtype=tf.float32), tf.range(width, dtype=tf.float32), indexing="ij"
    )
    return (xs - (w - 1.0) / 2.0)[None], (ys - (h - 1.0) / 2.0)[None]


def optical_field(height, width, k, mode: str = "camera") -> tf.Tensor:
    """The radial displacement field of a lens with distortion coefficient ``k`` per sample.

    ``"camera"``: OpenCV's camera model with ``k1 = k2 = k`` (what
    ``cv2.initUndistortRectifyMap`` computes for the camera matrix
    ``[[w, 0, cx], [0, h, cy], [0, 0, 1]]``): with ``x = (u - cx) / w``,
    ``y = (v - cy) / h`` and ``r**2 = x**2 + y**2``, pixel ``(u, v)`` reads
    the input at ``c + (p - c) * (1 + k r**2 + k r**4)``.

    ``"fisheye"``: ``c + (p - c) * (1 + k * (|p - c| / R)**2)`` with
    ``R = hypot(w / 2, h / 2)``.

    The centre ``c`` is the image's centre ``((w - 1) / 2, (h - 1) / 2)``, so
    ``k = 0`` reads every pixel in place. Positive ``k`` shrinks the content
    towards the centre (barrel), negative ``k`` stretches it (pincushion).

    Args:
        height, width: the output size.
        k: ``float32[batch]`` distortion coefficients.
        mode: ``"camera"`` or ``"fisheye"``.
    """
    x, y = _centred_grid(height, width)
    k = tf.cast(k, tf.float32)[:, None, None]
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    if mode == "camera":
        r2 = tf.square(x / w) + tf.square(y / h)
        gain = k * (r2 + tf.square(r2))
    else:
        gain = k * (tf.square(x) + tf.square(y)) / (tf.square(w / 2.0) + tf.square(h / 2.0))
    return tf.stack([x * gain, y * gain], axis=-1)


def _grid_axis(size, steps: tf.Tensor, num_steps: int) -> tf.Tensor:
    """``float32[batch, size]`` source positions along one axis (albumentations' ``generate_grid``).

    The axis is cut into cells of ``size // num_steps`` pixels (the last,
    ``num_steps``-th, holds what is left); cell ``i`` spans
    ``step * steps[i]`` source pixels, linearly.
    """
    size = tf.cast(size, tf.int32)
    cell = tf.maximum(size // num_steps, 1)
    positions = tf.range(size)
    index = tf.minimum(positions // cell, num_steps)
    start = index * cell
    count = tf.minimum(start + cell, size) - start
    fraction = tf.cast(positions - start, tf.float32) / tf.cast(
        tf.maximum(count - 1, 1), tf.float32
    )
    lengths = tf.cast(cell, tf.float32) * tf.cast(steps, tf.float32)
    edges = tf.concat([tf.zeros_like(lengths[:, :1]), tf.cumsum(lengths, axis=1)], axis=1)
    low = tf.gather(edges, index, axis=1)
    high = tf.gather(edges, index + 1, axis=1)
    return low + (high - low) * fraction[None]


def normalize_grid_steps(size, steps: tf.Tensor, num_steps: int) -> tf.Tensor:
    """Rescales ``[batch, num_steps + 1]`` steps so the distorted grid spans the axis.

    As albumentations' ``normalize_grid_distortion_steps``: the last step is
    shortened by the share of a cell the remainder fills, then all steps
    are scaled to sum to ``size / (size // num_steps)``.
    """
    size_f = tf.cast(size, tf.float32)
    cell = tf.cast(tf.maximum(tf.cast(size, tf.int32) // num_steps, 1), tf.float32)
    last = tf.minimum(size_f, (num_steps + 1) * cell) - num_steps * cell
    steps = tf.cast(steps, tf.float32)
    steps = tf.concat([steps[:, :-1], steps[:, -1:] * (last / cell)], axis=1)
    return steps * (size_f / cell) / tf.reduce_sum(steps, axis=1, keepdims=True)


def grid_field(
    height, width, steps_x: tf.Tensor, steps_y: tf.Tensor, num_steps: int, normalized: bool = True
) -> tf.Tensor:
    """The displacement field of a grid distortion (albumentations' ``GridDistortion``).

    Args:
        height, width: the output size.
        steps_x, steps_y: ``float32[batch, num_steps + 1]`` relative cell
            lengths (1 keeps a cell's size) along each axis.
        num_steps: the static number of cells per axis.
        normalized: rescale the steps so the grid spans the image
            (``normalize_grid_steps``).
    """
    if normalized:
        steps_x = normalize_grid_steps(width, steps_x, num_steps)
        steps_y = normalize_grid_steps(height, steps_y, num_steps)
    xs = _grid_axis(width, steps_x, num_steps) - tf.range(width, dtype=tf.float32)[None]
    ys = _grid_axis(height, steps_y, num_steps) - tf.range(height, dtype=tf.float32)[None]
    dx = tf.broadcast_to(xs[:, None, :], tf.stack([tf.shape(xs)[0], height, width]))
    dy = tf.broadcast_to(ys[:, :, None], tf.stack([tf.shape(ys)[0], height, width]))
    return tf.stack([dx, dy], axis=-1)
