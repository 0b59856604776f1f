"""Pointwise colour operations on uint8 images as per-sample lookup tables.

A channel of a uint8 image takes one of 256 levels. An operation that maps
each value on its own, given statistics of its image (brightness, contrast,
posterize, solarize, invert, auto-contrast, equalize, gamma), is then a table
of 256 entries per image and channel: ``values[b, c, v]`` is what level ``v``
of channel ``c`` of image ``b`` has become. Tables compose without touching
the pixels (the next operation runs on the 256 entries), and the statistics
an operation needs (channel means, extremes, a histogram) come from the
channel's histogram weighted over the entries. So a chain of such operations
reads the pixels once for the histogram and once to apply the table, whatever
its length, and each entry holds exactly the value the float kernels of
``keras_augment.image.ops.color`` give that level. Where a chain reads only
the mean (at the identity table) or the extremes (through monotone tables),
``pseudo_counts`` stands in for the histogram at a quarter of its cost.

Tensors: ``values`` is ``float32[batch, channels, 256]`` (pixel units of the
value range), ``counts`` is ``float32[batch, channels, 256]``, the number of
pixels at each level. Every function uses only ops with XLA kernels.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.image.ops import color
from keras_augment.image.ops.common import ValueRange, clip_to_range, per_sample

LEVELS = 256


def identity_tables(batch_size, channels: int) -> tf.Tensor:
    """``float32[batch, channels, 256]``: every level maps to itself."""
    levels = tf.range(LEVELS, dtype=tf.float32)
    return tf.broadcast_to(levels, tf.stack([batch_size, channels, LEVELS]))


def _flat_levels(images: tf.Tensor) -> tf.Tensor:
    """``int32[batch, h, w, c]``: each pixel's index into the flattened ``[batch * c * 256]`` tables."""
    shape = tf.shape(images)
    owner = tf.reshape(tf.range(shape[0] * shape[3]), [shape[0], 1, 1, shape[3]])
    return owner * LEVELS + tf.cast(images, tf.int32)


# Up to this many images (a static batch size) are counted in pairs of pixels: the joint
# table holds 66,049 counts per image and channel, which for a batch of 32 RGB images
# (25 MB) outgrows the caches and costs more than counting pixel by pixel.
_PAIRED_UP_TO = 4


def histogram(images: tf.Tensor) -> tf.Tensor:
    """``float32[batch, channels, 256]``: how many pixels of each channel sit at each level.

    ``images`` is uint8 ``[batch, height, width, channels]``. For a few images
    (a static batch of at most ``_PAIRED_UP_TO``, as the policies count them),
    neighbouring pixels of a channel are counted in pairs, as one of
    ``257 * 257`` joint levels (the 257th stands in for the missing partner
    of an odd last pixel); the counts of each level are the sums of the
    joint table's row and column. Half as many scattered additions as
    counting pixel by pixel: about 38% less CPU time under XLA for two
    224x224 RGB images. Larger or unknown batches are counted pixel by pixel.
    """
    shape = tf.shape(images)
    channels = images.shape[-1]
    if images.shape[0] is None or images.shape[0] > _PAIRED_UP_TO:
        segments = _flat_levels(images)
        ones = tf.ones_like(segments)
        counts = tf.math.unsorted_segment_sum(ones, segments, shape[0] * channels * LEVELS)
        return tf.cast(tf.reshape(counts, [shape[0], channels, LEVELS]), tf.float32)
    pixels = tf.cast(tf.reshape(images, [shape[0], -1, channels]), tf.int32)
    odd = tf.shape(pixels)[1] % 2
    pixels = tf.pad(pixels, [[0, 0], [0, odd], [0, 0]], constant_values=LEVELS)
    pairs = tf.reshape(pixels, [shape[0], -1, 2, channels])
    joint = LEVELS + 1
    owner = tf.reshape(tf.range(shape[0] * channels), [shape[0], 1, channels])
    keys = (owner * joint + pairs[:, :, 0]) * joint + pairs[:, :, 1]
    counts = tf.math.unsorted_segment_sum(
        tf.ones_like(keys), keys, shape[0] * channels * joint * joint
    )
    counts = tf.reshape(counts, [shape[0], channels, joint, joint])
    levels = tf.reduce_sum(counts, axis=3) + tf.reduce_sum(counts, axis=2)
    return tf.cast(levels[..., :LEVELS], tf.float32)


def pseudo_counts(images: tf.Tensor) -> tf.Tensor:
    """``float32[batch, channels, 256]``: counts at two levels with the histogram's mean and extremes.

    ``images`` is uint8 ``[batch, height, width, channels]``. Each channel's
    pixels are counted at its smallest and largest level only, split so that
    the weighted mean stays the channel mean. ``channel_means`` on these
    counts equals ``channel_means`` on the ``histogram`` wherever the table
    is affine between the extremes (the identity, for one), and ``extremes``
    equals ``extremes`` on the histogram wherever the table is monotone. Three
    reductions over the pixels cost a fraction of a histogram's scatter-add.
    """
    shape = tf.shape(images)
    channels = images.shape[-1]
    # Rows first, over whole rows of pixels (XLA vectorises that along the row), then the row.
    rows = tf.reshape(images, [shape[0], shape[1], -1])

    def reduce(reduction, pixels):
        return reduction(tf.reshape(reduction(pixels, axis=1), [shape[0], -1, channels]), axis=1)

    smallest = tf.cast(reduce(tf.reduce_min, rows), tf.int32)
    largest = tf.cast(reduce(tf.reduce_max, rows), tf.int32)
    # Every partial sum is a whole number: exact below 2**24 (65,793 pixels a channel).
    total = reduce(tf.reduce_sum, tf.cast(rows, tf.float32))
    n = tf.cast(shape[1] * shape[2], tf.float32)
    low, high = tf.cast(smallest, tf.float32), tf.cast(largest, tf.float32)
    # n (mean - low) / (high - low) pixels at the largest level, the rest at the smallest: both
    # are at least 1 / (high - low) when the levels differ (kept so where large sums round).
    spread = tf.maximum(high - low, 1.0)
    at_high = tf.maximum(total - n * low, 1.0) / spread
    at_low = tf.maximum(n * high - total, 1.0) / spread
    at_high, at_low = tf.where(high > low, at_high, 0.0), tf.where(high > low, at_low, n)
    return (
        tf.one_hot(smallest, LEVELS) * at_low[..., None]
        + tf.one_hot(largest, LEVELS) * at_high[..., None]
    )


def apply_tables(images: tf.Tensor, tables: tf.Tensor) -> tf.Tensor:
    """Reads every pixel of uint8 ``images`` through its image's and channel's table.

    Returns ``[batch, height, width, channels]`` in the tables' dtype (one
    gather: cast the tables to uint8 first for a uint8 result).
    """
    return tf.gather(tf.reshape(tables, [-1]), _flat_levels(images))


def quantize(images: tf.Tensor) -> tf.Tensor:
    """Float pixel values in ``[0, 255]`` rounded to the nearest uint8 level."""
    return tf.cast(tf.round(tf.clip_by_value(images, 0.0, 255.0)), tf.uint8)


def as_image(values: tf.Tensor) -> tf.Tensor:
    """The tables as a ``[batch, 1, 256, channels]`` image, to run a pointwise kernel on them."""
    return tf.transpose(values, [0, 2, 1])[:, None]


def from_image(image: tf.Tensor) -> tf.Tensor:
    """The inverse of ``as_image``."""
    return tf.transpose(image[:, 0], [0, 2, 1])


def pointwise(kernel):
    """A table version of ``kernel(images, args, value_range)`` that maps each value on its own."""

    def on_tables(values, counts, args, value_range):
        return from_image(kernel(as_image(values), args, value_range))

    return on_tables


def channel_means(values: tf.Tensor, counts: tf.Tensor) -> tf.Tensor:
    """``float32[batch, channels]``: the mean of each channel, its levels weighted by their counts."""
    total = tf.reduce_sum(counts, axis=-1)
    return tf.reduce_sum(values * counts, axis=-1) / tf.maximum(total, 1.0)


def extremes(values: tf.Tensor, counts: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``(smallest, largest)``, ``float32[batch, channels]``: the extremes of the levels present."""
    present = counts > 0
    smallest = tf.reduce_min(tf.where(present, values, values.dtype.max), axis=-1)
    largest = tf.reduce_max(tf.where(present, values, values.dtype.min), axis=-1)
    return smallest, largest


def adjust_contrast(
    values: tf.Tensor, counts: tf.Tensor, factor, value_range: ValueRange, per_channel: bool = True
) -> tf.Tensor:
    """``color.adjust_contrast`` on tables: the mean of each channel, or of the luma, stays put."""
    means = channel_means(values, counts)
    if not per_channel:
        weights = color.grayscale_matrix(values.shape[1])[0]
        means = tf.broadcast_to(
            tf.reduce_sum(means * weights, axis=-1, keepdims=True), tf.shape(means)
        )
    factor = per_sample(factor, values)[:, None, None]
    return clip_to_range(values * factor + means[..., None] * (1.0 - factor), value_range)


def auto_contrast(values: tf.Tensor, counts: tf.Tensor, value_range: ValueRange) -> tf.Tensor:
    """``color.auto_contrast`` on tables: each channel's extremes stretched to ``value_range``."""
    low, high = value_range
    smallest, largest = extremes(values, counts)
    smallest, largest = smallest[..., None], largest[..., None]
    spread = largest * 0.5 - smallest * 0.5
    stretched = (values * 0.5 - smallest * 0.5) * tf.math.divide_no_nan(high - low, spread) + low
    return tf.where(spread > 0, clip_to_range(stretched, value_range), values)


def equalize(
    values: tf.Tensor, counts: tf.Tensor, value_range: ValueRange, bins: int = 256
) -> tf.Tensor:
    """``color.equalize`` on tables: each channel's histogram of bins, built from the counts."""
    shape = tf.shape(values)
    rows = shape[0] * shape[1]
    scaled = color._to_255(values, value_range)
    index = tf.clip_by_value(tf.cast(scaled * ((bins - 1) / 255.0), tf.int32), 0, bins - 1)
    owner = tf.reshape(tf.range(rows), [shape[0], shape[1], 1])
    segments = owner * bins + index
    histogram = tf.math.unsorted_segment_sum(counts, segments, num_segments=rows * bins)
    table, single_bin = color.equalization_table(tf.reshape(histogram, [rows, bins]))
    equalized = tf.gather(tf.reshape(table, [-1]), segments)
    keep = tf.reshape(single_bin, [shape[0], shape[1], 1])
    return tf.where(keep, values, color._from_255(equalized, value_range))


__all__ = [
    "LEVELS",
    "adjust_contrast",
    "apply_tables",
    "as_image",
    "auto_contrast",
    "channel_means",
    "equalize",
    "extremes",
    "from_image",
    "histogram",
    "identity_tables",
    "pointwise",
    "pseudo_counts",
    "quantize",
]
