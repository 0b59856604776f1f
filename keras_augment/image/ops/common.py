"""Helpers every image kernel shares: per-sample parameters and clipping to the value range."""

from __future__ import annotations

import tensorflow as tf

ValueRange = tuple[float, float]


def per_sample(value, images: tf.Tensor, *, keepdims: bool = False) -> tf.Tensor:
    """A scalar or ``[batch]`` parameter as ``float32[batch]``, one value per image of ``images``.

    ``images`` is ``[batch, height, width, channels]``. With ``keepdims=True``
    the result is ``float32[batch, 1, 1, 1]``, ready to broadcast over the images.
    """
    value = tf.broadcast_to(tf.cast(value, tf.float32), tf.shape(images)[:1])
    return value[:, None, None, None] if keepdims else value


def clip_to_range(images: tf.Tensor, value_range: ValueRange) -> tf.Tensor:
    """``images`` clipped to ``value_range``, a ``(low, high)`` pair."""
    return tf.clip_by_value(images, value_range[0], value_range[1])
