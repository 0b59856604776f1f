"""3x3 matrices that map output pixel coordinates to input pixel coordinates.

Geometry in ``keras_augment`` speaks one language: each geometric layer turns
its parameters into one matrix per sample, ``source = M @ [x, y, 1]``. Two
layers applied in order (first ``A`` then ``B``) read the input at
``A @ B @ p``, so a pipeline composes them with :func:`compose` and resamples
once. Every builder takes per-sample tensors of shape ``[batch]`` and returns
``float32[batch, 3, 3]``.
"""

from __future__ import annotations

import tensorflow as tf


def from_rows(a0, a1, a2, b0, b1, b2, c0=None, c1=None) -> tf.Tensor:
    """Builds ``[batch, 3, 3]`` matrices from per-sample entries (row major)."""
    entries = [tf.cast(v, tf.float32) for v in (a0, a1, a2, b0, b1, b2)]
    entries += [tf.zeros([]) if c is None else tf.cast(c, tf.float32) for c in (c0, c1)]
    # Entries may mix scalars and [batch] vectors: broadcast them to one shape.
    ones = tf.ones_like(sum(v * 0.0 for v in entries))
    flat = tf.stack([v * ones for v in entries] + [ones], axis=-1)
    return tf.reshape(flat, [-1, 3, 3])


def identity(batch_size) -> tf.Tensor:
    return tf.eye(3, batch_shape=[batch_size], dtype=tf.float32)


def compose(*matrices: tf.Tensor) -> tf.Tensor:
    """The matrix of applying the given layers' matrices in order (first to last)."""
    result = matrices[0]
    for m in matrices[1:]:
        result = tf.matmul(result, m)
    return result


def translation(dx, dy) -> tf.Tensor:
    """Moves content by ``(dx, dy)`` pixels (positive: right and down)."""
    one = tf.ones_like(tf.cast(dx, tf.float32))
    return from_rows(one, 0.0, -dx, 0.0, one, -dy)


def about_center(m: tf.Tensor, height, width) -> tf.Tensor:
    """Conjugates ``m`` so that it acts about the image centre instead of the origin."""
    cx = (tf.cast(width, tf.float32) - 1.0) / 2.0
    cy = (tf.cast(height, tf.float32) - 1.0) / 2.0
    n = tf.shape(m)[0]
    to_center = translation(tf.fill([n], -cx), tf.fill([n], -cy))
    back = translation(tf.fill([n], cx), tf.fill([n], cy))
    return compose(to_center, m, back)


def rotation(angle_rad, height, width) -> tf.Tensor:
    """Rotates content about the centre; positive angles turn counter-clockwise on screen."""
    cos = tf.cos(angle_rad)
    sin = tf.sin(angle_rad)
    return about_center(from_rows(cos, -sin, 0.0, sin, cos, 0.0), height, width)


def scaling(zoom_x, zoom_y, height, width) -> tf.Tensor:
    """Samples ``zoom`` times the extent about the centre: values above 1 zoom out."""
    return about_center(from_rows(zoom_x, 0.0, 0.0, 0.0, zoom_y, 0.0), height, width)


def shear(shear_x, shear_y) -> tf.Tensor:
    """Shears about the origin with coefficients ``source_x = x + shear_x * y``."""
    one = tf.ones_like(tf.cast(shear_x, tf.float32))
    return from_rows(one, shear_x, 0.0, shear_y, one, 0.0)


def horizontal_flip(flip, width) -> tf.Tensor:
    """Mirrors left-right where ``flip`` is true, identity elsewhere."""
    sign = tf.where(flip, -1.0, 1.0)
    offset = tf.where(flip, tf.cast(width, tf.float32) - 1.0, 0.0)
    return from_rows(sign, 0.0, offset, 0.0, 1.0, 0.0)


def vertical_flip(flip, height) -> tf.Tensor:
    """Mirrors top-bottom where ``flip`` is true, identity elsewhere."""
    sign = tf.where(flip, -1.0, 1.0)
    offset = tf.where(flip, tf.cast(height, tf.float32) - 1.0, 0.0)
    ones = tf.ones_like(sign)
    return from_rows(ones, 0.0, 0.0, 0.0, sign, offset)


def crop_and_resize(top, left, crop_h, crop_w, out_h, out_w) -> tf.Tensor:
    """Reads the box ``[top, top + crop_h) x [left, left + crop_w)`` into an ``out_h x out_w`` grid.

    Uses the half-pixel convention of ``tf.image.resize``, so a box of the
    output's size is an exact pixel copy.
    """
    sx = tf.cast(crop_w, tf.float32) / tf.cast(out_w, tf.float32)
    sy = tf.cast(crop_h, tf.float32) / tf.cast(out_h, tf.float32)
    tx = tf.cast(left, tf.float32) + 0.5 * sx - 0.5
    ty = tf.cast(top, tf.float32) + 0.5 * sy - 0.5
    return from_rows(sx, 0.0, tx, 0.0, sy, ty)


def window_resize(window: dict, out_h, out_w) -> tf.Tensor:
    """``crop_and_resize`` of a window given as a dict of per-sample ``"top"``, ``"left"``,
    ``"box_height"`` and ``"box_width"`` (the parameters of the random resized crops)."""
    return crop_and_resize(
        window["top"], window["left"], window["box_height"], window["box_width"], out_h, out_w
    )


def homography(source_points: tf.Tensor, target_points: tf.Tensor) -> tf.Tensor:
    """The projective matrix that sends each of four ``target_points`` to its ``source_points``.

    Both are ``[batch, 4, 2]`` ``(x, y)`` corners. Solves the usual 8x8
    linear system per sample.
    """
    src = tf.cast(source_points, tf.float32)
    dst = tf.cast(target_points, tf.float32)
    x, y = dst[..., 0], dst[..., 1]
    u, v = src[..., 0], src[..., 1]
    zeros = tf.zeros_like(x)
    ones = tf.ones_like(x)
    rows_u = tf.stack([x, y, ones, zeros, zeros, zeros, -u * x, -u * y], axis=-1)
    rows_v = tf.stack([zeros, zeros, zeros, x, y, ones, -v * x, -v * y], axis=-1)
    a = tf.concat([rows_u, rows_v], axis=1)  # [batch, 8, 8]
    b = tf.concat([u, v], axis=1)[..., None]  # [batch, 8, 1]
    h = tf.linalg.solve(a, b)[..., 0]
    h = tf.concat([h, tf.ones_like(h[:, :1])], axis=-1)
    return tf.reshape(h, [-1, 3, 3])


def invert(m: tf.Tensor) -> tf.Tensor:
    """Inverses of ``[batch, 3, 3]`` matrices by the adjugate (plain arithmetic, XLA-friendly).

    The inverse of a layer's output-to-input matrix maps input pixels to
    output pixels: it moves boxes and keypoints, and undoes the layer.
    """
    m = tf.cast(m, tf.float32)
    a, b, c = m[:, 0, 0], m[:, 0, 1], m[:, 0, 2]
    d, e, f = m[:, 1, 0], m[:, 1, 1], m[:, 1, 2]
    g, h, i = m[:, 2, 0], m[:, 2, 1], m[:, 2, 2]
    co_a, co_b, co_c = e * i - f * h, f * g - d * i, d * h - e * g
    det = a * co_a + b * co_b + c * co_c
    adjugate = tf.stack(
        [
            co_a, c * h - b * i, b * f - c * e,
            co_b, a * i - c * g, c * d - a * f,
            co_c, b * g - a * h, a * e - b * d,
        ],
        axis=-1,
    )  # fmt: skip
    return tf.reshape(adjugate / det[:, None], [-1, 3, 3])
