"""Image quality layers: sharpness, blur, noise, resolution and JPEG compression.

Kernels first (plain functions of images and per-sample parameters, also used
by the policy layers), then the layers, which check their arguments, draw
per-sample parameters and call a kernel.

Kernels take float32 ``[batch, height, width, channels]`` images (other real
dtypes are cast) and per-sample ``float32[batch]`` parameters, and return
float32 images of the same shape. Filters read past the border by mirroring
the image (half-sample symmetric, as ``scipy.ndimage``'s ``"reflect"``).
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.core.base import BaseAugmentation
from keras_augment.core.keras_protocol import keras_value
from keras_augment.core.random import normal
from keras_augment.core.registry import register
from keras_augment.core.stats import restore_non_finite, without_non_finite
from keras_augment.core.validation import (
    check_interpolation,
    check_value_range,
    parse_range,
    parse_unit_range,
)

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


def _clip(images: tf.Tensor, value_range) -> tf.Tensor:
    return tf.clip_by_value(images, float(value_range[0]), float(value_range[1]))


def _per_sample(value, images: tf.Tensor) -> tf.Tensor:
    """A scalar or ``[batch]`` parameter as ``float32[batch]``."""
    value = tf.cast(value, tf.float32)
    return tf.broadcast_to(value, tf.shape(images)[:1])


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
    factor = _per_sample(factor, images)[:, None, None, None]
    ones = tf.ones([tf.shape(images)[0], 3], tf.float32)
    box = _filter_axis(_filter_axis(images, ones, 1), ones, 2)
    smoothed = (box + (_SMOOTH_CENTER - 1.0) * images) / _SMOOTH_TOTAL
    shape = tf.shape(images)
    rows = tf.range(shape[1])
    cols = tf.range(shape[2])
    inner_rows = (rows > 0) & (rows < shape[1] - 1)
    inner_cols = (cols > 0) & (cols < shape[2] - 1)
    interior = (inner_rows[:, None] & inner_cols[None, :])[None, :, :, None]
    smoothed = tf.where(interior, smoothed, images)
    return _clip(smoothed + factor * (images - smoothed), value_range)


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
        sigma_h = sigma_w = _per_sample(sigma, images)
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
    scale = _per_sample(stddev, images) * (high - low)
    noise = normal(tf.shape(images), seed)
    out = images + noise * scale[:, None, None, None]
    return _clip(out, value_range) if clip else out


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
    scale = _per_sample(scale, images)
    shape = tf.shape(images)
    height = images.shape[1] if images.shape[1] is not None else shape[1]
    width = images.shape[2] if images.shape[2] is not None else shape[2]
    rows = _resolution_matrix(height, scale, interpolation)
    cols = _resolution_matrix(width, scale, interpolation)
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
    quality = tf.round(_per_sample(quality, images))
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


# ----- layers ----------------------------------------------------------------


@register(example={"factor": 0.8})
class RandomSharpness(BaseAugmentation):
    """Randomly sharpens or softens images.

    Same arguments, meaning and defaults as ``keras.layers.RandomSharpness``;
    each sample gets its own factor. The image is blended with a smoothed
    copy (PIL's ``ImageEnhance.Sharpness`` with enhancement ``2 * factor``).
    Border pixels keep their values, as in PIL (Keras zero-pads the
    smoothing, which darkens the border of the smoothed image).

    Args:
        factor: a number ``f`` in ``[0, 1]`` (factors drawn from ``[0, f]``)
            or a ``(low, high)`` pair within ``[0, 1]``. 0 fully smooths,
            0.5 leaves the image unchanged, 1 sharpens the most.
        value_range: ``(low, high)`` of the input values; outputs are
            clipped to it.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: integer seed.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.factor = parse_unit_range(name, "factor", factor)
        self.value_range = check_value_range(name, value_range)

    def get_params(self, sampler, batch):
        return {"factor": sampler.uniform(*self.factor)}

    def apply_images(self, images, params):
        return adjust_sharpness(images, 2.0 * params["factor"], self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


def _odd_kernel_size(layer: str, value) -> tuple[int, int]:
    sizes = value if isinstance(value, (tuple, list)) else (value, value)
    if (
        len(sizes) != 2
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in sizes)
        or not all(s >= 1 and s % 2 == 1 for s in sizes)
    ):
        raise ValueError(
            f"{layer}: `kernel_size` must be an odd positive integer or a (height, width) "
            f"pair of them; got {value!r}."
        )
    return int(sizes[0]), int(sizes[1])


@register(example={"factor": 1.0, "kernel_size": 5, "sigma": 2.0})
class RandomGaussianBlur(BaseAugmentation):
    """Randomly blurs images with a Gaussian kernel.

    Same arguments, meaning and defaults as ``keras.layers.RandomGaussianBlur``,
    with these differences: Keras draws one pair of sigmas for the whole
    batch, here every sample draws its own ``(sigma_height, sigma_width)``;
    the border is mirrored instead of zero-padded, so a constant image stays
    constant; and ``sigma`` may exceed 1.

    Args:
        factor: the probability range of blurring a sample: a number ``f``
            in ``[0, 1]`` (probability drawn from ``[0, f]``) or a
            ``(low, high)`` pair. Each sample draws a probability from it and
            is blurred with that probability.
        kernel_size: odd integer, or an odd ``(height, width)`` pair: the
            size of the kernel window.
        sigma: a number ``s`` (sigmas drawn from ``[0, s]``) or a
            ``(low, high)`` pair; the vertical and horizontal standard
            deviations (in pixels) are drawn independently.
        value_range: ``(low, high)`` of the input values; outputs are clipped to it.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: integer seed.
    """

    def __init__(
        self,
        factor=1.0,
        kernel_size=3,
        sigma=1.0,
        value_range=(0, 255),
        data_format=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.factor = parse_unit_range(name, "factor", factor)
        self.kernel_size = _odd_kernel_size(name, kernel_size)
        self.sigma = parse_unit_range(name, "sigma", sigma, high=None)
        self.value_range = check_value_range(name, value_range)

    def get_params(self, sampler, batch):
        probability = sampler.uniform(*self.factor)
        apply = sampler.uniform(0.0, 1.0) < probability
        # Keras adds 1e-6 so that a zero sigma stays finite; keep its numbers.
        sigma = sampler.uniform(*self.sigma, extra_shape=(2,)) + 1e-6
        return {"apply": apply, "sigma": sigma}

    # Keras' transformation: "should_apply_blur" [batch] and "blur_factor", the two
    # sigmas (one pair for the batch there; one per sample here).
    keras_transformation_keys = ("should_apply_blur", "blur_factor")

    def keras_transformation(self, params, image_shape):
        return {"should_apply_blur": params["apply"], "blur_factor": params["sigma"]}

    def params_from_keras(self, transformation, image_shape):
        apply = tf.reshape(keras_value(transformation, "should_apply_blur", tf.bool), [-1])
        sigma = tf.reshape(keras_value(transformation, "blur_factor", tf.float32), [-1, 2])
        return {"apply": apply, "sigma": tf.broadcast_to(sigma, tf.stack([tf.size(apply), 2]))}

    def apply_images(self, images, params):
        images = tf.cast(images, tf.float32)
        radius = (self.kernel_size[0] // 2, self.kernel_size[1] // 2)
        blurred = gaussian_blur(images, params["sigma"], radius)
        out = tf.where(params["apply"][:, None, None, None], blurred, images)
        return _clip(out, self.value_range)

    def get_config(self):
        return {
            **super().get_config(),
            "factor": self.factor,
            "kernel_size": self.kernel_size,
            "sigma": self.sigma,
            "value_range": self.value_range,
        }


@register(example={"stddev": 0.1})
class RandomGaussianNoise(BaseAugmentation):
    """Adds Gaussian noise with a random standard deviation per sample.

    Unlike ``keras.layers.GaussianNoise`` (a regulariser with one fixed
    standard deviation in pixel units), the standard deviation is drawn per
    sample and given as a fraction of the value range, so one configuration
    means the same on ``[0, 1]`` and ``[0, 255]`` images.

    Args:
        stddev: a number ``s`` (standard deviations drawn from ``[0, s]``)
            or a ``(low, high)`` pair, as fractions of ``high - low`` of
            ``value_range``. Non-negative.
        value_range: ``(low, high)`` of the input values.
        clip: clip the noisy images to ``value_range``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        stddev=0.1,
        value_range=(0, 255),
        clip=True,
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.stddev = parse_unit_range(name, "stddev", stddev, high=None)
        self.value_range = check_value_range(name, value_range)
        if not isinstance(clip, bool):
            raise ValueError(f"{name}: `clip` must be True or False; got {clip!r}.")
        self.clip = clip

    def get_params(self, sampler, batch):
        return {"stddev": sampler.uniform(*self.stddev), "seed": sampler.seed()}

    def apply_images(self, images, params):
        return add_gaussian_noise(
            images, params["stddev"], params["seed"], self.value_range, self.clip
        )

    def get_config(self):
        return {
            **super().get_config(),
            "stddev": self.stddev,
            "value_range": self.value_range,
            "clip": self.clip,
        }


@register(example={"scale": (0.25, 0.5)})
class RandomDownscale(BaseAugmentation):
    """Lowers the resolution of images and brings them back to their size.

    Each sample is shrunk by its own factor with an area filter (what a
    lower-resolution camera would record) and enlarged again with
    ``interpolation``, so sharp training images look like the blurry,
    blocky inputs met in practice. The output keeps the input size.

    Args:
        scale: ``(low, high)`` range of the resolution factor per axis,
            within ``(0, 1]``, or a number for a fixed factor. 0.25 keeps a
            quarter of the rows and columns; 1 leaves the image unchanged.
        interpolation: ``"bilinear"`` (blurry) or ``"nearest"`` (blocky)
            for the way back up.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self, scale=(0.25, 0.5), interpolation="bilinear", seed=None, data_format=None, **kwargs
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.scale = parse_range(
            name, "scale", scale, low=0.0, high=1.0, low_inclusive=False, symmetric=False
        )
        self.interpolation = check_interpolation(name, interpolation)

    def get_params(self, sampler, batch):
        return {"scale": sampler.uniform(*self.scale)}

    def apply_images(self, images, params):
        return downscale(images, params["scale"], self.interpolation)

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "interpolation": self.interpolation,
        }


@register(example={"quality": (10, 30)})
class RandomJpegQuality(BaseAugmentation):
    """Compresses images as JPEG at a random quality per sample.

    Adds the blocking, ringing and colour bleeding of compressed photos.
    Images are turned into 8-bit codes within ``value_range``, compressed
    and decompressed as baseline JPEG (the ``jpeg`` kernel: libjpeg's
    tables, quality scaling and 4:2:0 chroma subsampling, written in
    TensorFlow ops so it is vectorised and XLA-compilable; it agrees with
    ``tf.image.adjust_jpeg_quality`` to about one 8-bit level on average),
    and mapped back.

    Args:
        quality: ``(low, high)`` range of JPEG qualities within ``[1, 100]``
            (integers drawn uniformly, both ends included), or a number for a
            fixed quality.
        value_range: ``(low, high)`` of the input values.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Images must have 1 (grayscale) or 3 (RGB) channels.
    """

    def __init__(
        self, quality=(50, 100), value_range=(0, 255), seed=None, data_format=None, **kwargs
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.quality = parse_range(name, "quality", quality, low=1.0, high=100.0, symmetric=False)
        self.value_range = check_value_range(name, value_range)

    def _check_static_size(self, images):
        channels = images.shape[1 if self.data_format == "channels_first" else -1]
        if images.shape.rank == 3 and self.data_format == "channels_first":
            channels = images.shape[0]
        if channels is not None and channels not in (1, 3):
            raise ValueError(
                f"{self.__class__.__name__}: JPEG needs images with 1 or 3 channels; "
                f"got {channels} channels (shape {images.shape})."
            )

    def get_params(self, sampler, batch):
        low, high = self.quality
        quality = tf.floor(sampler.uniform(low, high + 1.0))
        return {"quality": tf.minimum(quality, high)}

    def apply_images(self, images, params):
        return jpeg(images, params["quality"], self.value_range)

    def get_config(self):
        return {**super().get_config(), "quality": self.quality, "value_range": self.value_range}
