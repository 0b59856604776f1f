"""Per-image statistics and neighbourhood operations that tolerate NaN and infinite pixels.

The rule every layer follows for non-finite pixels (``NaN``, ``+-inf``):

* a per-image statistic (a mean for contrast, the extremes for
  auto-contrast, a histogram for equalisation) is taken over the finite
  pixels only, so one bad pixel does not change the rest of its image;
* a pointwise operation keeps a ``NaN`` at the pixels that had it (infinite
  values are clipped to ``value_range`` where the layer clips);
* an operation that combines neighbouring pixels with one linear map over
  the whole image (JPEG blocks, downscaling) reads a non-finite pixel as 0
  and gives the non-finite value back at that pixel; one that reads a
  bounded neighbourhood (blur, resampling) spreads it only to the pixels
  that read it.

Statistics are computed so that finite values up to the float32 maximum
never overflow into ``inf`` or ``NaN``.
"""

from __future__ import annotations

import tensorflow as tf


def finite_mean(images: tf.Tensor, axis=(1, 2), keepdims: bool = True) -> tf.Tensor:
    """The mean of the finite values of ``images`` over ``axis`` (0 where none is finite).

    Each value is divided by the count before summing, so values near the
    float32 maximum do not overflow the sum.
    """
    images = tf.cast(images, tf.float32)
    finite = tf.math.is_finite(images)
    count = tf.reduce_sum(tf.cast(finite, tf.float32), axis=axis, keepdims=True)
    share = tf.where(finite, images, 0.0) / tf.maximum(count, 1.0)
    return tf.reduce_sum(share, axis=axis, keepdims=keepdims)


def finite_min_max(images: tf.Tensor, axis=(1, 2)) -> tuple[tf.Tensor, tf.Tensor]:
    """``(min, max)`` of the finite values over ``axis`` (kept dims); ``(0, 0)`` where none is."""
    images = tf.cast(images, tf.float32)
    finite = tf.math.is_finite(images)
    any_finite = tf.reduce_any(finite, axis=axis, keepdims=True)
    smallest = tf.reduce_min(tf.where(finite, images, images.dtype.max), axis=axis, keepdims=True)
    largest = tf.reduce_max(tf.where(finite, images, images.dtype.min), axis=axis, keepdims=True)
    return tf.where(any_finite, smallest, 0.0), tf.where(any_finite, largest, 0.0)


def without_non_finite(images: tf.Tensor) -> tf.Tensor:
    """``images`` with every non-finite value read as 0."""
    return tf.where(tf.math.is_finite(images), images, tf.zeros_like(images))


def restore_non_finite(inputs: tf.Tensor, outputs: tf.Tensor) -> tf.Tensor:
    """``outputs`` with the non-finite values of ``inputs`` (same shape) put back in place."""
    inputs = tf.cast(inputs, outputs.dtype)
    return tf.where(tf.math.is_finite(inputs), outputs, inputs)
