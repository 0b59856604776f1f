"""Colour kernels: plain functions of ``(images, per-sample parameters)``.

``images`` is float32 ``[batch, height, width, channels]``; a per-sample
parameter is a float32 tensor of shape ``[batch]`` (or a scalar, shared by the
batch); ``value_range`` is a Python ``(low, high)`` pair. Every kernel uses
only ops with XLA kernels. The colour layers (``keras_augment.image.color``),
the policies and the legacy generator call them.
"""

from __future__ import annotations

import sys

import tensorflow as tf

from keras_augment.core.stats import finite_mean, finite_min_max
from keras_augment.image.ops.common import ValueRange, clip_to_range, per_sample

# Luma weights of keras.ops.image.rgb_to_grayscale (and tf.image.rgb_to_grayscale).
LUMA_WEIGHTS = (0.2989, 0.5870, 0.1140)


def _to_unit(images: tf.Tensor, value_range: ValueRange) -> tf.Tensor:
    low, high = value_range
    return (images - low) / (high - low)


def _from_unit(images: tf.Tensor, value_range: ValueRange) -> tf.Tensor:
    low, high = value_range
    return images * (high - low) + low


def _to_255(images: tf.Tensor, value_range: ValueRange) -> tf.Tensor:
    return _to_unit(images, value_range) * 255.0


def _from_255(images: tf.Tensor, value_range: ValueRange) -> tf.Tensor:
    return _from_unit(images / 255.0, value_range)


def adjust_brightness(images: tf.Tensor, delta, value_range: ValueRange) -> tf.Tensor:
    """Adds ``delta * (high - low)`` to every value and clips to ``value_range``.

    ``delta`` is a fraction of the value range: -1 turns any image black, 1 white.
    """
    low, high = value_range
    return clip_to_range(
        images + per_sample(delta, images, keepdims=True) * (high - low), value_range
    )


def adjust_contrast(
    images: tf.Tensor, factor, value_range: ValueRange, per_channel: bool = True
) -> tf.Tensor:
    """``(x - mean) * factor + mean``, clipped to ``value_range``.

    ``mean`` is taken over the finite pixels (see ``keras_augment.core.stats``),
    and the blend is computed as ``x * factor + mean * (1 - factor)``, which
    cannot overflow into ``NaN`` for finite values near the float32 maximum.

    Args:
        images: float32 ``[batch, height, width, channels]``.
        factor: ``[batch]``; 1 leaves the image unchanged, 0 makes it flat.
        value_range: ``(low, high)``.
        per_channel: if true (``keras.layers.RandomContrast``), ``mean`` is
            each channel's mean over the image; if false (PIL
            ``ImageEnhance.Contrast``), it is the mean of the grayscale image,
            shared by all channels.
    """
    source = images if per_channel else to_grayscale(images)
    return _contrast_about(images, factor, finite_mean(source), value_range)


def _contrast_about(images: tf.Tensor, factor, mean: tf.Tensor, value_range: ValueRange):
    factor = per_sample(factor, images, keepdims=True)
    return clip_to_range(images * factor + mean * (1.0 - factor), value_range)


def _mean_of_finite(images: tf.Tensor) -> tf.Tensor:
    """``float32[batch, 1, 1, C]``: each channel's mean, for images with no NaN or infinity.

    Sums ``[batch, rows, k * C]`` blocks over the rows first: with whole
    pixels in each row, the reduction runs along contiguous memory and
    vectorises, where summing over height and width directly (stride ``C``)
    does not. About twice as fast as ``finite_mean`` on 224x224 RGB.
    """
    height, width, channels = images.shape[1], images.shape[2], images.shape[3]
    if height is None or width is None:
        pixels, k = tf.shape(images)[1] * tf.shape(images)[2], 1
    else:
        pixels = height * width
        k = next(k for k in (64, 32, 16, 8, 4, 2, 1) if pixels % k == 0)
    sums = tf.reduce_sum(tf.reshape(images, [tf.shape(images)[0], -1, k * channels]), axis=1)
    sums = tf.reduce_sum(tf.reshape(sums, [-1, k, channels]), axis=1)
    return (sums / tf.cast(pixels, tf.float32))[:, None, None, :]


def check_rgb(images: tf.Tensor, what: str) -> None:
    """Refuses images whose last axis is not 3 channels, naming ``what`` needed RGB."""
    if images.shape[-1] != 3:
        raise ValueError(f"{what}: expected RGB images with 3 channels; got shape {images.shape}.")


def _hsv_planes(r, g, b, saturation, delta) -> list:
    """The three channel planes after scaling the HSV saturation and turning the hue.

    With ``M``, ``m`` and ``C = M - m`` the largest channel, the smallest
    and the chroma of a pixel (relative to ``low``), HSV keeps ``M`` as the
    value, ``C / M`` as the saturation and the position of the middle
    channel between ``m`` and ``M`` as the hue. Scaling the saturation by
    ``k`` (capped at 1) scales ``C`` by ``min(k, M / C)`` with ``M`` fixed;
    turning the hue keeps ``M`` and ``m`` and moves the channels between
    them (``tf.image.hsv_to_rgb``'s formula with ``v * s = C``).

    Args:
        r, g, b: float32 ``[batch, height, width]``, relative to ``low``.
        saturation, delta: ``[batch]`` (or scalars), either ``None``.

    Returns:
        The three planes, relative to ``low`` and not clipped. Each is
        written from per-pixel values shared by the three, so a caller that
        writes them in one loop (``interleave_uint8``) does the per-pixel
        work once.
    """
    largest = tf.maximum(tf.maximum(r, g), b)
    smallest = tf.minimum(tf.minimum(r, g), b)
    chroma = largest - smallest
    scale = None
    if saturation is not None:
        factor = tf.reshape(tf.cast(saturation, tf.float32), [-1, 1, 1])
        scale = tf.minimum(factor, tf.math.divide_no_nan(largest, chroma))
    if delta is None:
        # Hue unchanged: each channel keeps its place between m and M.
        return [largest - (largest - c) * scale for c in (r, g, b)]
    inv = tf.math.divide_no_nan(1.0, 6.0 * chroma)
    hue = tf.where(
        tf.equal(largest, r),
        (g - b) * inv,
        tf.where(tf.equal(largest, g), (b - r) * inv + 2.0 / 6.0, (r - g) * inv + 4.0 / 6.0),
    )
    hue = hue + tf.reshape(tf.cast(delta, tf.float32), [-1, 1, 1])
    sector = (hue - tf.floor(hue)) * 6.0
    if scale is not None:
        chroma = chroma * scale
        smallest = largest - chroma
    weights = (
        tf.clip_by_value(tf.abs(sector - 3.0) - 1.0, 0.0, 1.0),
        tf.clip_by_value(2.0 - tf.abs(sector - 2.0), 0.0, 1.0),
        tf.clip_by_value(2.0 - tf.abs(sector - 4.0), 0.0, 1.0),
    )
    return [smallest + chroma * w for w in weights]


def interleave_uint8(planes: list) -> tf.Tensor:
    """uint8 ``[..., 3]`` from three float planes ``[...]``, rounded and saturated.

    The three levels of a pixel are packed into one 32-bit word and the
    words reinterpreted as bytes, so a compiled function computes each
    pixel's planes in one loop over pixels. Stacking the planes instead
    makes a loop over channel values, which evaluates the shared per-pixel
    work once per channel and does not vectorise: a colour jitter ran about
    2.5 times slower that way (224x224 RGB, batches of 32, 2 CPU cores).
    """
    levels = [tf.round(tf.clip_by_value(p, 0.0, 255.0)) for p in planes]
    if sys.byteorder == "big":
        levels = levels[::-1]
    # Exact in float32: the word is below 2 ** 24.
    word = tf.cast(levels[0] + levels[1] * 256.0 + levels[2] * 65536.0, tf.int32)
    return tf.bitcast(word, tf.uint8)[..., :3]


def _adjust_hsv(
    images: tf.Tensor, saturation, delta, value_range: ValueRange, output_dtype: str = "float32"
) -> tf.Tensor:
    """Scales HSV saturation and/or turns HSV hue, computed in RGB without converting to HSV.

    See ``_hsv_planes``. Returns ``output_dtype``: uint8 is rounded and
    saturated, written through ``interleave_uint8``.
    """
    low = value_range[0]
    shifted = images - low
    planes = _hsv_planes(shifted[..., 0], shifted[..., 1], shifted[..., 2], saturation, delta)
    planes = [clip_to_range(p + low, value_range) for p in planes]
    if output_dtype == "uint8":
        return interleave_uint8(planes)
    return tf.stack(planes, axis=-1)


def color_jitter(
    images: tf.Tensor,
    brightness,
    contrast,
    saturation,
    hue,
    value_range: ValueRange,
    output_dtype: str = "float32",
) -> tf.Tensor:
    """``keras.layers.RandomColorJitter``'s steps: brightness, contrast, saturation, hue.

    Each step is that of ``adjust_brightness``, ``adjust_contrast``,
    ``adjust_saturation`` and ``adjust_hue``, clipped to ``value_range`` as
    in Keras; a ``None`` parameter skips its step. Saturation and hue share
    one HSV decomposition (the clip Keras does between them never acts).

    Args:
        images: ``[batch, height, width, channels]``, float32 or an integer
            type (cast here; its contrast mean skips the finite-value mask).
            RGB when ``saturation`` or ``hue`` is given.
        brightness, contrast, saturation, hue: ``[batch]`` or ``None``.
        value_range: ``(low, high)``.
        output_dtype: ``"float32"``, or ``"uint8"`` for the float result
            rounded and saturated (written without a float32 batch).
    """
    integer = images.dtype.is_integer
    images = tf.cast(images, tf.float32)
    if brightness is not None:
        images = adjust_brightness(images, brightness, value_range)
    if contrast is not None:
        mean = _mean_of_finite(images) if integer else finite_mean(images)
        images = _contrast_about(images, contrast, mean, value_range)
    if saturation is not None or hue is not None:
        check_rgb(images, "RandomColorJitter")
        return _adjust_hsv(images, saturation, hue, value_range, output_dtype)
    if output_dtype == "uint8":
        return tf.saturate_cast(tf.round(images), tf.uint8)
    return images


def adjust_saturation(images: tf.Tensor, factor, value_range: ValueRange) -> tf.Tensor:
    """Multiplies the HSV saturation of every pixel by ``factor`` (capped at full saturation).

    ``factor`` 0 gives gray (every channel equal to the HSV value, the
    largest channel), 1 leaves the image unchanged, larger values saturate.
    Exactly the HSV result, computed in RGB: with ``M`` and ``m`` the largest
    and smallest channel (relative to ``low``), a channel ``c`` becomes
    ``M - (M - c) * min(factor, M / (M - m))``. RGB images only.
    """
    check_rgb(images, "adjust_saturation")
    return _adjust_hsv(images, factor, None, value_range)


def adjust_hue(images: tf.Tensor, delta, value_range: ValueRange) -> tf.Tensor:
    """Rotates the HSV hue of every pixel by ``delta`` turns (``[-0.5, 0.5]`` covers the circle).

    Saturation and value are kept, so the largest and smallest channel of a
    pixel stay put and only the channels between them move. Matches
    ``tf.image.rgb_to_hsv``, a hue shift and ``tf.image.hsv_to_rgb``. RGB
    images only.
    """
    check_rgb(images, "adjust_hue")
    return _adjust_hsv(images, None, delta, value_range)


def _check_gray_channels(channels) -> None:
    if channels not in (1, 3):
        raise ValueError(
            f"to_grayscale: expected images with 1 or 3 channels; got {channels} channels."
        )


def grayscale_matrix(channels: int) -> tf.Tensor:
    """``[C, C]``: every output channel is the luma of the input (identity for one channel)."""
    _check_gray_channels(channels)
    if channels == 1:
        return tf.ones([1, 1], tf.float32)
    return tf.tile(tf.constant([LUMA_WEIGHTS], tf.float32), [3, 1])


def to_grayscale(images: tf.Tensor) -> tf.Tensor:
    """Luma (``0.2989 R + 0.5870 G + 0.1140 B``) repeated in every channel; keeps the shape.

    One-channel images come back unchanged; other channel counts raise ``ValueError``.
    """
    channels = images.shape[-1]
    if channels == 1:
        return images
    _check_gray_channels(channels)
    gray = tf.reduce_sum(images * tf.constant(LUMA_WEIGHTS, tf.float32), axis=-1, keepdims=True)
    return tf.broadcast_to(gray, tf.shape(images))


def blend(images: tf.Tensor, other: tf.Tensor, alpha) -> tf.Tensor:
    """``(1 - alpha) * other + alpha * images`` (PIL ``ImageEnhance``): 0 gives ``other``, 1 ``images``.

    Values above 1 extrapolate away from ``other``. No clipping: callers clip.
    """
    # Weighted sum rather than other + alpha * (images - other): the difference
    # overflows for values of opposite sign near the float32 maximum.
    alpha = per_sample(alpha, images, keepdims=True)
    return other * (1.0 - alpha) + images * alpha


def degenerate_color(images: tf.Tensor, factor, value_range: ValueRange) -> tf.Tensor:
    """Blends with the grayscale image (PIL ``ImageEnhance.Color``), clipped to ``value_range``.

    ``factor`` 0 gives grayscale, 1 the original, above 1 more colour.
    """
    return clip_to_range(blend(images, to_grayscale(images), factor), value_range)


def invert(images: tf.Tensor, value_range: ValueRange) -> tf.Tensor:
    """``low + high - x``: the negative within ``value_range``."""
    return value_range[0] + value_range[1] - images


def posterize(images: tf.Tensor, bits, value_range: ValueRange) -> tf.Tensor:
    """Keeps the top ``bits`` (1..8) bits of each 8-bit channel value.

    Values are mapped to ``[0, 255]``, truncated to integers, their low
    ``8 - bits`` bits cleared, and mapped back to ``value_range``.
    """
    levels = tf.floor(tf.clip_by_value(_to_255(images, value_range), 0.0, 255.0))
    step = tf.pow(2.0, 8.0 - per_sample(bits, images, keepdims=True))
    return _from_255(tf.floor(levels / step) * step, value_range)


def solarize(images: tf.Tensor, threshold, value_range: ValueRange) -> tf.Tensor:
    """Inverts values at or above ``threshold`` (pixel units, per sample); keeps the rest."""
    return tf.where(
        images < per_sample(threshold, images, keepdims=True), images, invert(images, value_range)
    )


def solarize_add(images: tf.Tensor, addition, threshold, value_range: ValueRange) -> tf.Tensor:
    """Adds ``addition`` (pixel units) to values below ``threshold``, clipped (AutoAugment's SolarizeAdd)."""
    added = clip_to_range(images + per_sample(addition, images, keepdims=True), value_range)
    return tf.where(images < per_sample(threshold, images, keepdims=True), added, images)


def auto_contrast(images: tf.Tensor, value_range: ValueRange) -> tf.Tensor:
    """Stretches each channel of each image linearly so its minimum and maximum span ``value_range``.

    A constant channel is left unchanged. The extremes are those of the finite
    pixels; a NaN pixel stays NaN.
    """
    low, high = value_range
    smallest, largest = finite_min_max(images)
    # Halved so that extremes near the float32 maximum give a finite spread.
    spread = largest * 0.5 - smallest * 0.5
    stretched = (images * 0.5 - smallest * 0.5) * tf.math.divide_no_nan(high - low, spread) + low
    return tf.where(spread > 0, clip_to_range(stretched, value_range), images)


def equalization_table(histogram: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``(table, single_bin)`` of histogram equalisation for ``histogram[rows, bins]``.

    ``table[r, k]`` is the level in ``[0, 255]`` that bin ``k`` of row ``r``
    maps to, ``round(255 * (cdf - cdf_min) / (n - cdf_min))``;
    ``single_bin[r]`` is true where the row uses at most one bin (left unchanged).
    """
    cdf = tf.cumsum(histogram, axis=-1)
    cdf_min = tf.reduce_min(tf.where(cdf > 0, cdf, tf.reduce_max(cdf)), axis=-1, keepdims=True)
    denominator = cdf[:, -1:] - cdf_min
    denominator = tf.where(denominator == 0, tf.ones_like(denominator), denominator)
    table = tf.clip_by_value(tf.round((cdf - cdf_min) * 255.0 / denominator), 0.0, 255.0)
    used_bins = tf.reduce_sum(tf.cast(histogram > 0, tf.int32), axis=-1)
    return table, used_bins <= 1


def equalize(images: tf.Tensor, value_range: ValueRange, bins: int = 256) -> tf.Tensor:
    """Histogram equalisation of each channel of each image (the algorithm of ``keras.layers.Equalization``).

    Values are mapped to ``[0, 255]`` and sorted into ``bins`` equal bins;
    each bin is mapped through the normalised cumulative histogram
    ``round(255 * (cdf - cdf_min) / (n - cdf_min))``. A channel whose values
    all fall in one bin is left unchanged. The histogram is built with a
    segment sum, which compiles with XLA.
    """
    shape = tf.shape(images)
    batch, channels = shape[0], shape[3]
    scaled = _to_255(images, value_range)
    index = tf.clip_by_value(tf.cast(scaled * ((bins - 1) / 255.0), tf.int32), 0, bins - 1)
    # One histogram per (image, channel): segment id = (b * C + c) * bins + index.
    owner = tf.reshape(tf.range(batch * channels), [batch, 1, 1, channels])
    segments = owner * bins + index
    count = batch * channels
    # Only finite pixels count (their histogram is the image's); a NaN pixel stays NaN.
    histogram = tf.math.unsorted_segment_sum(
        tf.cast(tf.math.is_finite(scaled), tf.float32), segments, num_segments=count * bins
    )
    table, single_bin = equalization_table(tf.reshape(histogram, [count, bins]))
    equalized = tf.gather(tf.reshape(table, [-1]), segments)
    keep = tf.reshape(single_bin, [batch, 1, 1, channels])
    out = tf.where(keep, images, _from_255(equalized, value_range))
    return tf.where(tf.math.is_nan(images), images, out)


def adjust_gamma(images: tf.Tensor, gamma, value_range: ValueRange) -> tf.Tensor:
    """``low + (high - low) * ((x - low) / (high - low)) ** gamma``; gamma < 1 brightens."""
    unit = tf.clip_by_value(_to_unit(images, value_range), 0.0, 1.0)
    return _from_unit(tf.pow(unit, per_sample(gamma, images, keepdims=True)), value_range)


def channel_shift(images: tf.Tensor, shifts, value_range: ValueRange) -> tf.Tensor:
    """Adds ``shifts[b, c]`` (pixel units) to channel ``c`` of image ``b``, clipped to ``value_range``."""
    shifts = tf.cast(shifts, tf.float32)
    return clip_to_range(images + shifts[:, None, None, :], value_range)
