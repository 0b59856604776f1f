"""Image quality kernels: sharpness, blur, noise, resolution and JPEG compression.

Plain functions of images and per-sample parameters, called by the quality
layers (``keras_augment.image.quality``), the geometric layers (elastic
smoothing) and the policies. They take float32 ``[batch, height, width,
channels]`` images (other real dtypes are cast) and per-sample
``float32[batch]`` parameters, and return float32 images of the same shape.
Filters read past the border by mirroring the image (half-sample symmetric,
as ``scipy.ndimage``'s ``"reflect"``).
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.core.compiled import static_or_dynamic_length
from keras_augment.core.random import normal
from keras_augment.core.stats import restore_non_finite, without_non_finite
from keras_augment.image.ops.common import clip_to_range, per_sample

# ----- helpers ---------------------------------------------------------------


def _symmetric_index(index: tf.Tensor, size) -> tf.Tensor:
    """Folds integer positions into ``[0, size)`` by half-sample mirroring (d c b a | a b c d)."""
    period = 2 * size
    index = tf.math.floormod(index, period)
    return tf.where(index >= size, period - 1 - index, index)


def _filter_axis(images: tf.Tensor, weights: tf.Tensor, axis: int) -> tf.Tensor:
    """Correlates ``images`` along ``axis`` (1 = height, 2 = width) with per-sample taps.

    ``weights`` is ``float32[batch, taps]`` (an odd, static number of taps,
    centred on the output pixel). Written as shifted multiply-adds so that
    each sample may have its own kernel and XLA compiles it.
    """
    taps = weights.shape[-1]
    radius = taps // 2
    size = tf.shape(images)[axis]
    index = _symmetric_index(tf.range(-radius, size + radius), size)
    padded = tf.gather(images, index, axis=axis)
    out = tf.zeros_like(images)
    for k in range(taps):
        if axis == 1:
            window = padded[:, k : k + size]
        else:
            window = padded[:, :, k : k + size]
        out += weights[:, k, None, None, None] * window
    return out


# ----- kernels ---------------------------------------------------------------

# PIL's ImageFilter.SMOOTH kernel, the one ImageEnhance.Sharpness blends with.
_SMOOTH_CENTER = 5.0
_SMOOTH_TOTAL = 13.0


def adjust_sharpness(images: tf.Tensor, factor, value_range=(0.0, 255.0)) -> tf.Tensor:
    """Sharpens or softens images as ``PIL.ImageEnhance.Sharpness`` does.

    The image is blended with a smoothed copy (3x3 kernel ``[[1, 1, 1],
    [1, 5, 1], [1, 1, 1]] / 13``): ``smoothed + factor * (image - smoothed)``.
    ``factor`` 0 gives the smoothed image, 1 the original, 2 a sharpened one.
    Border pixels keep their values, as in PIL. The result is clipped to
    ``value_range``.

    Args:
        images: ``[batch, height, width, channels]``.
        factor: ``float32[batch]`` (or a scalar) blend factors.
        value_range: ``(low, high)`` of the pixel values.

    Returns:
        ``float32[batch, height, width, channels]``.
    """
    images = tf.cast(images, tf.float32)
    factor = per_sample(factor, images, keepdims=True)
    shape = tf.shape(images)
    # Written as shifted slices of one zero-padded copy and a 0/1 interior
    # weight: under XLA on the CPU a select or a pad after the arithmetic
    # stops the fused loop from vectorising (3x slower on 224x224 batches).
    # The padding only reaches border pixels, which keep their values.
    padded = tf.pad(images / _SMOOTH_TOTAL, [[0, 0], [1, 1], [1, 1], [0, 0]])
    rows = padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]
    box = rows[:, :, :-2] + rows[:, :, 1:-1] + rows[:, :, 2:]
    # Each term divided first, so that the weighted mean of finite values stays finite.
    smoothed = box + images * ((_SMOOTH_CENTER - 1.0) / _SMOOTH_TOTAL)
    # smoothed + factor * (image - smoothed) == image + (1 - factor) * (smoothed - image);
    # the change is kept finite, so that the border's zero weight leaves its pixels exact.
    largest = images.dtype.max
    change = tf.clip_by_value(smoothed - images, -largest, largest)
    change = tf.clip_by_value((1.0 - factor) * change, -largest, largest)
    rows = tf.range(shape[1])
    cols = tf.range(shape[2])
    inner_rows = (rows > 0) & (rows < shape[1] - 1)
    inner_cols = (cols > 0) & (cols < shape[2] - 1)
    interior = tf.cast(inner_rows[:, None] & inner_cols[None, :], tf.float32)[None, :, :, None]
    return clip_to_range(images + interior * change, value_range)


def gaussian_kernel_1d(sigma: tf.Tensor, radius: int) -> tf.Tensor:
    """Normalised Gaussian taps ``float32[batch, 2 * radius + 1]`` for per-sample ``sigma``."""
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)
    sigma = tf.maximum(tf.cast(sigma, tf.float32), 1e-6)[:, None]
    taps = tf.exp(-0.5 * tf.square(offsets[None, :] / sigma))
    return taps / tf.reduce_sum(taps, axis=1, keepdims=True)


def gaussian_blur(images: tf.Tensor, sigma, radius) -> tf.Tensor:
    """Blurs each image with its own separable Gaussian kernel.

    Args:
        images: ``[batch, height, width, channels]``.
        sigma: ``float32[batch]`` standard deviations in pixels (the same
            along both axes), or ``float32[batch, 2]`` as
            ``(sigma_height, sigma_width)``.
        radius: the kernel reaches ``radius`` pixels either side (a static
            ``int``, or an ``(radius_height, radius_width)`` pair); the taps
            are normalised to sum to one over that window.

    Returns:
        ``float32[batch, height, width, channels]``. Values past the border
        are mirrored, so a constant image stays constant.
    """
    images = tf.cast(images, tf.float32)
    sigma = tf.cast(sigma, tf.float32)
    if sigma.shape.rank == 2:
        sigma_h, sigma_w = sigma[:, 0], sigma[:, 1]
    else:
        sigma_h = sigma_w = per_sample(sigma, images)
    radius_h, radius_w = (radius, radius) if isinstance(radius, int) else tuple(radius)
    out = _filter_axis(images, gaussian_kernel_1d(sigma_h, int(radius_h)), 1)
    return _filter_axis(out, gaussian_kernel_1d(sigma_w, int(radius_w)), 2)


def add_gaussian_noise(
    images: tf.Tensor, stddev, seed: tf.Tensor, value_range=(0.0, 255.0), clip: bool = True
) -> tf.Tensor:
    """Adds zero-mean Gaussian noise whose standard deviation is a fraction of the value range.

    Args:
        images: ``[batch, height, width, channels]``.
        stddev: ``float32[batch]`` noise standard deviations as fractions of
            ``high - low`` (0.1 on ``[0, 255]`` images is 25.5 pixel units).
        seed: ``int32`` or ``int64[2]`` stateless seed of the noise field.
        value_range: ``(low, high)`` of the pixel values.
        clip: clip the result to ``value_range``.

    Returns:
        ``float32[batch, height, width, channels]``.
    """
    images = tf.cast(images, tf.float32)
    low, high = float(value_range[0]), float(value_range[1])
    scale = per_sample(stddev, images, keepdims=True) * (high - low)
    out = images + normal(tf.shape(images), seed) * scale
    return clip_to_range(out, value_range) if clip else out


def _area_matrix(size, kept: tf.Tensor) -> tf.Tensor:
    """``[batch, size, size]`` box filter from ``size`` pixels onto ``kept`` (<= size) pixels.

    Row ``i`` averages the source interval ``[i, i + 1) * size / kept``; rows
    ``i >= kept`` are zero.
    """
    step = tf.cast(size, tf.float32) / kept[:, None, None]  # source pixels per low-res pixel
    i = tf.range(size, dtype=tf.float32)[None, :, None]
    j = tf.range(size, dtype=tf.float32)[None, None, :]
    overlap = tf.minimum((i + 1.0) * step, j + 1.0) - tf.maximum(i * step, j)
    return tf.maximum(overlap, 0.0) / step


def _upsample_matrix(size, kept: tf.Tensor, interpolation: str) -> tf.Tensor:
    """``[batch, size, size]`` interpolation from ``kept`` low-res pixels back to ``size``."""
    ratio = kept[:, None, None] / tf.cast(size, tf.float32)
    y = tf.range(size, dtype=tf.float32)[None, :, None]
    i = tf.range(size, dtype=tf.float32)[None, None, :]
    if interpolation == "nearest":
        nearest = tf.minimum(tf.floor((y + 0.5) * ratio), kept[:, None, None] - 1.0)
        return tf.cast(tf.equal(i, nearest), tf.float32)
    centre = tf.clip_by_value((y + 0.5) * ratio - 0.5, 0.0, kept[:, None, None] - 1.0)
    return tf.maximum(1.0 - tf.abs(centre - i), 0.0)


def _resolution_matrix(size, scale: tf.Tensor, interpolation: str) -> tf.Tensor:
    kept = tf.maximum(tf.round(tf.cast(size, tf.float32) * scale), 1.0)
    return tf.matmul(_upsample_matrix(size, kept, interpolation), _area_matrix(size, kept))


def downscale(images: tf.Tensor, scale, interpolation: str = "bilinear") -> tf.Tensor:
    """Lowers the resolution of each image by its own factor, keeping its size.

    Each image is shrunk to ``round(scale * size)`` pixels per axis with an
    area (box) filter, as a coarser sensor would record it, then brought back
    to its size with ``interpolation``. Both steps are linear along each axis,
    so they are applied as one ``[size, size]`` matrix per sample and axis:
    plain matrix products, per-sample factors, XLA-compilable.

    Args:
        images: ``[batch, height, width, channels]``.
        scale: ``float32[batch]`` factors in ``(0, 1]``; 1 returns the image.
        interpolation: ``"bilinear"`` or ``"nearest"`` for the way back up.

    Returns:
        ``float32[batch, height, width, channels]``; non-finite input pixels
        are read as 0 and come back in place (``keras_augment.core.stats``).
    """
    inputs = tf.cast(images, tf.float32)
    images = without_non_finite(inputs)
    scale = per_sample(scale, images)
    rows = _resolution_matrix(static_or_dynamic_length(images, 1), scale, interpolation)
    cols = _resolution_matrix(static_or_dynamic_length(images, 2), scale, interpolation)
    out = tf.einsum("byh,bhwc->bywc", rows, images)
    out = tf.einsum("bxw,bywc->byxc", cols, out)
    # At scale 1 the matrices are identities up to rounding (which graph
    # optimisations may not keep exact): return those images untouched.
    return restore_non_finite(inputs, tf.where((scale >= 1.0)[:, None, None, None], images, out))


# Baseline JPEG (ITU T.81 Annex K) quantisation tables at quality 50, row by row.
_LUMA_TABLE = (
    (16, 11, 10, 16, 24, 40, 51, 61),
    (12, 12, 14, 19, 26, 58, 60, 55),
    (14, 13, 16, 24, 40, 57, 69, 56),
    (14, 17, 22, 29, 51, 87, 80, 62),
    (18, 22, 37, 56, 68, 109, 103, 77),
    (24, 35, 55, 64, 81, 104, 113, 92),
    (49, 64, 78, 87, 103, 121, 120, 101),
    (72, 92, 95, 98, 112, 100, 103, 99),
)
_CHROMA_TABLE = (
    (17, 18, 24, 47, 99, 99, 99, 99),
    (18, 21, 26, 66, 99, 99, 99, 99),
    (24, 26, 56, 99, 99, 99, 99, 99),
    (47, 66, 99, 99, 99, 99, 99, 99),
) + ((99,) * 8,) * 4


def _dct_matrix() -> tf.Tensor:
    """The orthonormal 8-point DCT-II matrix (JPEG's 2-D DCT is ``D @ block @ D.T``)."""
    k = tf.range(8, dtype=tf.float32)
    basis = tf.cos((2.0 * k[None, :] + 1.0) * k[:, None] * math.pi / 16.0) * math.sqrt(0.25)
    return basis * tf.where(k == 0, math.sqrt(0.5), 1.0)[:, None]


def jpeg_quantization_table(base, quality: tf.Tensor) -> tf.Tensor:
    """``float32[batch, 8, 8]``: ``base`` scaled to per-sample ``quality`` as libjpeg scales it."""
    q = tf.clip_by_value(tf.cast(quality, tf.float32), 1.0, 100.0)
    scale = tf.where(q < 50.0, tf.floor(5000.0 / q), 200.0 - 2.0 * q)
    table = tf.floor((tf.constant(base, tf.float32)[None] * scale[:, None, None] + 50.0) / 100.0)
    return tf.clip_by_value(table, 1.0, 255.0)


def _code_plane(plane: tf.Tensor, table: tf.Tensor) -> tf.Tensor:
    """Encodes and decodes ``[batch, H, W]`` samples (H, W multiples of 8) with ``table``."""
    shape = tf.shape(plane)
    b, h, w = shape[0], shape[1], shape[2]
    blocks = tf.reshape(plane - 128.0, [b, h // 8, 8, w // 8, 8])
    d = _dct_matrix()
    coefficients = tf.einsum("uy,biyjx,vx->bijuv", d, blocks, d)
    table = table[:, None, None]
    coefficients = tf.round(coefficients / table) * table
    decoded = tf.einsum("uy,bijuv,vx->biyjx", d, coefficients, d)
    return tf.clip_by_value(tf.round(tf.reshape(decoded, [b, h, w]) + 128.0), 0.0, 255.0)


def _replicate_edges(x: tf.Tensor, multiple: int, axis: int) -> tf.Tensor:
    """Pads ``axis`` up to a multiple of ``multiple`` by repeating the last row or column."""
    size = tf.shape(x)[axis]
    padded = (size + multiple - 1) // multiple * multiple
    return tf.gather(x, tf.minimum(tf.range(padded), size - 1), axis=axis)


def _upsample_chroma(x: tf.Tensor, axis: int) -> tf.Tensor:
    """Doubles ``[batch, h, w]`` along ``axis`` (1 or 2) with libjpeg's 3/4-1/4 'fancy' weights."""
    size = tf.shape(x)[axis]
    index = tf.range(size)
    before = tf.gather(x, tf.maximum(index - 1, 0), axis=axis)
    after = tf.gather(x, tf.minimum(index + 1, size - 1), axis=axis)
    pairs = tf.stack([0.75 * x + 0.25 * before, 0.75 * x + 0.25 * after], axis=axis + 1)
    shape = tf.shape(x)
    if axis == 1:
        return tf.reshape(pairs, [shape[0], 2 * shape[1], shape[2]])
    return tf.reshape(pairs, [shape[0], shape[1], 2 * shape[2]])


def jpeg(images: tf.Tensor, quality, value_range=(0.0, 255.0)) -> tf.Tensor:
    """Compresses and decompresses each image as baseline JPEG at its own quality.

    A re-implementation of what libjpeg does with default settings, in plain
    TensorFlow ops so that it is vectorised over the batch, takes per-sample
    qualities and compiles with XLA: 8-bit samples, JFIF RGB to YCbCr, 4:2:0
    chroma subsampling, 8x8 DCT, quantisation with the standard tables scaled
    by ``quality`` (libjpeg's formula), and back with libjpeg's chroma
    upsampling. Compared with ``tf.image.adjust_jpeg_quality`` (libjpeg, with
    integer DCTs), outputs differ by about one 8-bit level on average while
    the compression error itself is the same size.

    Args:
        images: ``[batch, height, width, channels]`` with 1 or 3 channels.
        quality: ``[batch]`` JPEG qualities in ``[1, 100]`` (rounded to integers).
        value_range: ``(low, high)`` of the pixel values; images are mapped
            to 8-bit codes in that range, compressed, and mapped back.

    Returns:
        ``float32[batch, height, width, channels]`` within ``value_range``, but
        for NaN input pixels, which come back in place (infinite ones are
        clipped to ``value_range`` like any value outside it).
    """
    images = tf.cast(images, tf.float32)
    nan = tf.math.is_nan(images)
    channels = images.shape[-1]
    if channels not in (1, 3):
        raise ValueError(f"jpeg: expected images with 1 or 3 channels; got shape {images.shape}.")
    low, high = float(value_range[0]), float(value_range[1])
    quality = tf.round(per_sample(quality, images))
    codes = tf.round(tf.clip_by_value((images - low) / (high - low), 0.0, 1.0) * 255.0)
    codes = tf.where(nan, 0.0, codes)
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    luma_table = jpeg_quantization_table(_LUMA_TABLE, quality)
    if channels == 1:
        gray = _replicate_edges(_replicate_edges(codes[..., 0], 8, 1), 8, 2)
        out = _code_plane(gray, luma_table)[:, :height, :width, None]
    else:
        # One 16x16 block of pixels holds 2x2 luma blocks and one block per chroma plane.
        rgb = _replicate_edges(_replicate_edges(codes, 16, 1), 16, 2)
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        luma = tf.round(0.299 * r + 0.587 * g + 0.114 * b)
        chroma = tf.stack(
            [
                -0.168736 * r - 0.331264 * g + 0.5 * b + 128.0,
                0.5 * r - 0.418688 * g - 0.081312 * b + 128.0,
            ]
        )
        cshape = tf.shape(chroma)
        chroma = tf.reshape(chroma, [2, cshape[1], cshape[2] // 2, 2, cshape[3] // 2, 2])
        chroma = tf.round(tf.reduce_mean(chroma, axis=[3, 5]))
        chroma_table = jpeg_quantization_table(_CHROMA_TABLE, quality)
        luma = _code_plane(luma, luma_table)
        cb, cr = (
            _upsample_chroma(_upsample_chroma(_code_plane(c, chroma_table), 1), 2) - 128.0
            for c in (chroma[0], chroma[1])
        )
        out = tf.stack(
            [luma + 1.402 * cr, luma - 0.344136 * cb - 0.714136 * cr, luma + 1.772 * cb], axis=-1
        )
        out = tf.clip_by_value(tf.round(out), 0.0, 255.0)[:, :height, :width]
    return tf.where(nan, images, out / 255.0 * (high - low) + low)
