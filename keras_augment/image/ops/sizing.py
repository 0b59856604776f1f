"""Sizes and placements of aspect-preserving resizes and paddings.

Each function takes an image size, static (Python ints) or dynamic (scalar
tensors), and returns the same kind: Python ints for static sizes, so a
layer's output shape stays static, and ``int32`` tensors otherwise. ``None``
(an unknown static side) gives ``None``.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core.compiled import static_or_dynamic_length


def _static(*values) -> bool:
    return all(isinstance(v, int) for v in values)


def scaled_size(height, width, scale):
    """``(max(1, round(height * scale)), max(1, round(width * scale)))`` (ties to even)."""
    if _static(height, width) and isinstance(scale, float):
        return max(1, round(height * scale)), max(1, round(width * scale))
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    return (
        tf.maximum(1, tf.cast(tf.round(h * scale), tf.int32)),
        tf.maximum(1, tf.cast(tf.round(w * scale), tf.int32)),
    )


def max_size_scale(height, width, max_size: int, longest: bool = True):
    """The scale that makes the longest (or, with ``longest=False``, shortest) side ``max_size``."""
    if _static(height, width):
        side = max(height, width) if longest else min(height, width)
        return max_size / side
    h = tf.cast(height, tf.float32)
    w = tf.cast(width, tf.float32)
    side = tf.maximum(h, w) if longest else tf.minimum(h, w)
    return max_size / side


def max_size_shape(height, width, max_size: int, longest: bool = True):
    """The ``(height, width)`` of ``LongestMaxSize`` / ``SmallestMaxSize``."""
    if height is None or width is None:
        return None, None
    return scaled_size(height, width, max_size_scale(height, width, max_size, longest))


def fit_shape(height, width, target_h: int, target_w: int):
    """The largest ``(height, width)`` of the image's aspect ratio inside ``target_h x target_w``.

    The scale is ``min(target_h / height, target_w / width)``; sides are
    rounded as in ``scaled_size`` and never exceed the target.
    """
    if _static(height, width):
        scale = min(target_h / height, target_w / width)
        h, w = scaled_size(height, width, scale)
        return min(h, target_h), min(w, target_w)
    scale = tf.minimum(
        target_h / tf.cast(height, tf.float32), target_w / tf.cast(width, tf.float32)
    )
    h, w = scaled_size(height, width, scale)
    return tf.minimum(h, target_h), tf.minimum(w, target_w)


def padded_size(size, minimum: int | None, divisor: int | None):
    """One side after ``PadIfNeeded``: at least ``minimum``, else rounded up to ``divisor``."""
    if size is None:
        return None
    if minimum is not None:
        return max(size, minimum) if _static(size) else tf.maximum(size, minimum)
    if divisor is not None:
        return -(-size // divisor) * divisor
    return size


def pad_before(size, out_size, position: str):
    """Rows (or columns) of padding before the image: ``"start"``, ``"center"`` or ``"end"``.

    ``"center"`` puts the odd pixel after the image, as OpenCV-based
    libraries do.
    """
    spare = out_size - size
    if position == "start":
        return spare * 0
    if position == "end":
        return spare
    return spare // 2


def pad_images(images: tf.Tensor, top, bottom, left, right, fill) -> tf.Tensor:
    """``images`` (``[batch, height, width, channels]``) framed by ``fill``, in their own dtype.

    The same as ``tf.pad`` on the height and width axes. The pad runs on
    ``[batch, height, width * channels]``: TensorFlow's pad kernel copies a
    long innermost axis in whole vectors but a 3-channel one value by value
    (about 3x slower on uint8 batches). ``fill`` is cast to the images' dtype;
    the sides may be Python ints or scalar tensors.
    """
    batch, height, width, channels = (static_or_dynamic_length(images, axis) for axis in range(4))
    rows = tf.reshape(images, [batch, height, width * channels])
    padded = tf.pad(
        rows,
        [[0, 0], [top, bottom], [left * channels, right * channels]],
        constant_values=tf.cast(fill, images.dtype),
    )
    return tf.reshape(padded, [batch, height + top + bottom, width + left + right, channels])


def placement_matrix(height, width, inner_h, inner_w, top, left, batch_size) -> tf.Tensor:
    """``float32[batch, 3, 3]``: the image resized to ``inner_h x inner_w`` and placed at ``(top, left)``.

    The output-to-input matrix of a resize followed by a shift; ``top`` and
    ``left`` may be scalars or ``[batch]`` tensors.
    """
    resize = matrices.crop_and_resize(0, 0, height, width, inner_h, inner_w)
    resize = tf.tile(tf.reshape(resize, [-1, 3, 3])[:1], [batch_size, 1, 1])
    ones = tf.ones([batch_size], tf.float32)
    shift = matrices.translation(tf.cast(left, tf.float32) * ones, tf.cast(top, tf.float32) * ones)
    return matrices.compose(resize, shift)


__all__ = [
    "fit_shape",
    "max_size_scale",
    "max_size_shape",
    "pad_before",
    "pad_images",
    "padded_size",
    "placement_matrix",
    "scaled_size",
]
