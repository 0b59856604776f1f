"""Blur kernels: per-sample 2-D filters (motion, defocus) and zoom blur.

Plain functions of ``[batch, height, width, channels]`` images of any real
dtype and per-sample ``float32[batch]`` parameters; they return images of the
same shape, float32 unless a ``dtype`` is asked for (integer dtypes are
rounded and saturated inside the kernel, so uint8 out needs no float32 batch
after it). Filters read past the border as OpenCV's default
``BORDER_REFLECT_101`` does (``c b | a b c d | c b``), so they agree with
``cv2.filter2D`` and the blurs of albumentations.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.core.batch import cast_images
from keras_augment.core.compiled import in_xla_context, per_channel_count


def reflect_101_index(index: tf.Tensor, size) -> tf.Tensor:
    """Folds integer positions into ``[0, size)`` mirroring about the edge pixels."""
    period = tf.maximum(2 * (size - 1), 1)
    index = tf.math.floormod(index, period)
    return tf.minimum(tf.where(index >= size, period - index, index), size - 1)


def filter2d(images: tf.Tensor, kernels: tf.Tensor, dtype=None) -> tf.Tensor:
    """Correlates each image with its own 2-D kernel, as ``cv2.filter2D`` does per image.

    Args:
        images: ``[batch, height, width, channels]``.
        kernels: ``float32[batch, k, k]`` with a static, odd ``k``, centred on
            the output pixel; every channel of a sample uses its kernel.
        dtype: the dtype of the result (``None``: ``float32``); integer dtypes
            are rounded and saturated.

    Returns:
        ``[batch, height, width, channels]`` of ``dtype``; the border is
        mirrored (``BORDER_REFLECT_101``).
    """
    dtype = dtype or tf.float32
    images = tf.cast(images, tf.float32)
    radius = kernels.shape[-1] // 2
    shape = tf.shape(images)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    padded = _pad_reflect_101(images, radius, (1, 2))
    if kernels.shape[-1] >= FFT_FROM:
        return cast_images(_correlate_fft(padded, kernels, height, width), dtype)
    # One depthwise convolution over the batch folded into the channels lets
    # every sample have its own kernel.
    folded = tf.transpose(padded, [1, 2, 0, 3])
    folded = tf.reshape(folded, tf.stack([1, height + 2 * radius, width + 2 * radius, -1]))
    taps = tf.repeat(tf.transpose(tf.cast(kernels, tf.float32), [1, 2, 0]), channels, axis=2)
    out = tf.nn.depthwise_conv2d(folded, taps[..., None], [1, 1, 1, 1], "VALID")
    out = tf.reshape(out, tf.stack([height, width, batch, channels]))
    return cast_images(tf.transpose(out, [2, 0, 1, 3]), dtype)


def _pad_reflect_101(values: tf.Tensor, radius: int, axes: tuple[int, int]) -> tf.Tensor:
    """``values`` padded by ``radius`` on both sides of two ``axes``, mirrored about the
    edge pixels (``BORDER_REFLECT_101``).

    ``MirrorPad`` (several times faster than gathers on the usual CPU kernels)
    serves axes longer than ``radius``; gathers fold shorter ones, and serve
    under XLA, where both branches of a condition would have to compile.
    """

    def by_gathers():
        out = values
        for axis in axes:
            size = tf.shape(values)[axis]
            out = tf.gather(
                out, reflect_101_index(tf.range(-radius, size + radius), size), axis=axis
            )
        return out

    if radius == 0 or in_xla_context():
        return by_gathers() if radius else values
    paddings = [[0, 0]] * values.shape.rank
    for axis in axes:
        paddings[axis] = [radius, radius]
    shape = tf.shape(values)
    short = tf.reduce_any([shape[axis] <= radius for axis in axes])
    return tf.cond(short, by_gathers, lambda: tf.pad(values, paddings, "REFLECT"))


def _correlate_fft(padded: tf.Tensor, kernels: tf.Tensor, height, width) -> tf.Tensor:
    """``filter2d`` on already padded images, through the FFT (for large kernels).

    The kernel is laid on the padded grid with its centre at the origin, so
    the circular correlation equals the plain one on the ``height x width``
    window that never wraps.
    """
    size = kernels.shape[-1]
    radius = size // 2
    shape = tf.shape(padded)
    padded_h, padded_w = shape[1], shape[2]
    planes = tf.transpose(padded, [0, 3, 1, 2])  # [batch, channels, hp, wp]
    laid = tf.pad(
        tf.cast(kernels, tf.float32),
        tf.stack([[0, 0], [0, padded_h - size], [0, padded_w - size]]),
    )
    laid = tf.roll(laid, shift=[-radius, -radius], axis=[1, 2])
    lengths = tf.stack([padded_h, padded_w])
    spectrum = (
        tf.signal.rfft2d(planes, lengths) * tf.math.conj(tf.signal.rfft2d(laid, lengths))[:, None]
    )
    out = tf.signal.irfft2d(spectrum, lengths)[
        :, :, radius : radius + height, radius : radius + width
    ]
    return tf.transpose(out, [0, 2, 3, 1])


# Kernels of this size and up are applied through the FFT: for a defocus disk
# of radius 10 (25 x 25 taps) that is several times faster than direct taps.
FFT_FROM = 11


def _kernel_grid(size: int) -> tuple[tf.Tensor, tf.Tensor]:
    """``(dx, dy)``: ``float32[size, size]`` offsets from the centre of a ``size`` window."""
    offsets = tf.range(size, dtype=tf.float32) - float(size // 2)
    dy, dx = tf.meshgrid(offsets, offsets, indexing="ij")
    return dx, dy


def motion_kernel(size: int, length, angle, direction) -> tf.Tensor:
    """Normalised line kernels ``float32[batch, size, size]`` of a straight camera motion.

    The line passes through the kernel centre at ``angle`` (radians,
    measured from the +x axis towards +y, i.e. clockwise on screen) and
    covers offsets ``t`` along it from ``-length`` to ``length``; a
    ``direction`` in ``[-1, 1]`` shortens one side as albumentations does
    (1: only forward, ``t`` in ``[-length * (1 - d), length]``; -1: only
    backward). Each kernel pixel weighs ``max(0, 1 - distance to the
    segment)``, an anti-aliased line one pixel wide, so at angle 0 the kernel
    is a horizontal box filter of ``2 * length + 1`` taps.

    Args:
        size: the static, odd window size.
        length, angle, direction: ``float32[batch]``.
    """
    length = tf.cast(length, tf.float32)[:, None, None]
    angle = tf.cast(angle, tf.float32)[:, None, None]
    direction = tf.clip_by_value(tf.cast(direction, tf.float32), -1.0, 1.0)[:, None, None]
    start = -length * tf.minimum(1.0 - direction, 1.0)
    end = length * tf.minimum(1.0 + direction, 1.0)
    dx, dy = _kernel_grid(size)
    ux, uy = tf.cos(angle), tf.sin(angle)
    along = tf.clip_by_value(dx * ux + dy * uy, start, end)
    distance = tf.sqrt(tf.square(dx - along * ux) + tf.square(dy - along * uy))
    weights = tf.nn.relu(1.0 - distance)
    return weights / tf.reduce_sum(weights, axis=[1, 2], keepdims=True)


def motion_blur(
    images: tf.Tensor, length, angle, direction, lengths: tuple[int, int], dtype=None
) -> tf.Tensor:
    """Correlates each image with its own ``motion_kernel`` (see there for the arguments).

    ``length`` holds integers within the static ``lengths = (low, high)``. A
    kernel of length ``n`` is zero outside its central ``2 n + 1`` taps a
    side, so on the usual CPU kernels the samples are filtered in groups of
    equal length, each group through that smaller window: a batch of lengths
    1, 2 and 3 reads 9, 25 or 49 taps per pixel instead of 49 for all. Under
    XLA (no dynamically sized groups) one window of the largest size serves
    the whole batch; both give the same values.

    Returns:
        ``[batch, height, width, channels]`` of ``dtype`` (``None``: ``float32``).
    """
    dtype = tf.as_dtype(dtype or tf.float32)
    low, high = lengths
    if in_xla_context() or low == high:
        return filter2d(images, motion_kernel(2 * high + 1, length, angle, direction), dtype)
    length = tf.cast(length, tf.float32)
    shape = tf.shape(images)
    places, parts = [], []
    for reach in range(low, high + 1):
        place = tf.cast(tf.where(tf.equal(length, float(reach)))[:, 0], tf.int32)

        def blur_group(place=place, reach=reach):
            kernels = motion_kernel(
                2 * reach + 1,
                tf.gather(length, place),
                tf.gather(angle, place),
                tf.gather(direction, place),
            )
            return filter2d(tf.gather(images, place), kernels, dtype)

        def no_group(place=place):
            return tf.zeros(tf.concat([tf.shape(place), shape[1:]], 0), dtype)

        places.append(place)
        parts.append(tf.cond(tf.size(place) > 0, blur_group, no_group))
    out = tf.dynamic_stitch(places, parts)
    out.set_shape(images.shape)
    return out


# The reach of the Gaussian that softens a defocus disk: its taps cover
# [-1, 1] for radii up to 8 and [-2, 2] beyond (albumentations' 3 and 5 taps).
_ALIAS_REACH = 2


def defocus_kernel(max_radius: int, radius, alias_blur) -> tf.Tensor:
    """Normalised disk kernels ``float32[batch, k, k]`` softened by a small Gaussian.

    The disk holds the offsets with ``dx**2 + dy**2 <= radius**2``; it is
    smoothed with a Gaussian of standard deviation ``alias_blur`` over 3
    taps per axis (5 taps for radii above 8), as albumentations' ``Defocus``
    builds it, and normalised to sum to one.

    Args:
        max_radius: the static largest radius; ``k = 2 * (max_radius + 2) + 1``.
        radius: ``float32[batch]`` integer-valued radii, at most ``max_radius``.
        alias_blur: ``float32[batch]`` Gaussian standard deviations (pixels).
    """
    size = 2 * (max_radius + _ALIAS_REACH) + 1
    radius = tf.cast(radius, tf.float32)
    dx, dy = _kernel_grid(size)
    disk = tf.cast(dx * dx + dy * dy <= tf.square(radius)[:, None, None], tf.float32)
    offsets = tf.range(-_ALIAS_REACH, _ALIAS_REACH + 1, dtype=tf.float32)
    sigma = tf.maximum(tf.cast(alias_blur, tf.float32), 1e-6)[:, None]
    reach = tf.where(radius <= 8.0, 1.0, 2.0)[:, None]
    taps = tf.exp(-0.5 * tf.square(offsets / sigma)) * tf.cast(tf.abs(offsets) <= reach, tf.float32)
    taps = taps / tf.reduce_sum(taps, axis=1, keepdims=True)
    # The separable smoothing as banded matrices: band[b, i, j] = taps[b, j - i].
    position = tf.range(size)
    shift = position[None, :] - position[:, None] + _ALIAS_REACH
    inside = (shift >= 0) & (shift <= 2 * _ALIAS_REACH)
    band = tf.gather(taps, tf.clip_by_value(shift, 0, 2 * _ALIAS_REACH), axis=1)
    band = band * tf.cast(inside, tf.float32)[None]
    kernel = tf.einsum("bij,bjk,blk->bil", band, disk, band)
    return kernel / tf.reduce_sum(kernel, axis=[1, 2], keepdims=True)


def zoom_blur(images: tf.Tensor, max_factor, step, max_zooms: int, dtype=None) -> tf.Tensor:
    """Averages each image with copies of itself zoomed in about its centre.

    The zoom factors are ``1, 1 + step, 1 + 2 * step, ...`` below
    ``max_factor`` (NumPy's ``arange(1, max_factor, step)``, at most
    ``max_zooms`` of them); the result is the mean of the image and every
    zoomed copy, as albumentations' ``ZoomBlur``. A copy zoomed by ``z``
    reads the input at ``c + (p - c) / z`` (``c`` the image centre) with
    bilinear interpolation, so nothing is read outside the image.

    Args:
        images: ``[batch, height, width, channels]``.
        max_factor, step: ``float32[batch]``, ``max_factor >= 1``, ``step > 0``.
        max_zooms: the static largest number of zoomed copies.
        dtype: the dtype of the result (``None``: ``float32``); integer dtypes
            are rounded and saturated.
    """
    return _zoom_blur(
        images, tf.cast(max_factor, tf.float32), tf.cast(step, tf.float32), max_zooms, dtype
    )


@per_channel_count(jit_compile=True, reduce_retracing=True, autograph=False)
def _zoom_blur(images, max_factor, step, max_zooms, dtype):
    """``zoom_blur``, compiled: one zoomed copy of one sample per loop step.

    Each sample runs only its own copies (a batch's counts vary several-fold,
    so a loop over copies of the whole batch computes mostly unused ones),
    and one image's copy stays in the caches. The factor-1 copy is the image.
    """
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    # ceil with a little slack, so that (1.2 - 1) / 0.05 counts 4 as arange does.
    count = tf.math.ceil(tf.maximum((max_factor - 1.0) / step - 1e-4, 0.0))
    count = tf.cast(tf.minimum(count, float(max_zooms)), tf.int32)
    extra = tf.maximum(count - 1, 0)  # the copies that need a resample
    ends = tf.cumsum(extra)
    pixels = tf.cast(images, tf.float32)
    total = pixels * tf.cast(1 + tf.minimum(count, 1), tf.float32)[:, None, None, None]
    rows = _zoom_taps(height)
    cols = _zoom_taps(width)

    def add_copy(t, total):
        # Gathers, not slices: XLA would take a sliced index for a compile-time constant.
        sample = tf.reduce_sum(tf.cast(t >= ends, tf.int32))
        index = t - tf.gather(ends, sample) + tf.gather(count, sample)
        zoom = 1.0 + tf.cast(index, tf.float32) * tf.gather(step, sample)
        y0, y1, wy = rows(zoom)
        x0, x1, wx = cols(zoom)
        # Read from the float32 batch: XLA gathers whole float pixels faster than uint8 ones.
        image = tf.gather(pixels, sample)
        left, right = tf.gather(image, x0, axis=1), tf.gather(image, x1, axis=1)
        across = left + (right - left) * wx[None, :, None]
        top, bottom = tf.gather(across, y0), tf.gather(across, y1)
        copy = top + (bottom - top) * wy[:, None, None]
        return t + 1, tf.tensor_scatter_nd_add(total, [[sample]], copy[None])

    _, total = tf.while_loop(lambda t, _: t < ends[-1], add_copy, (tf.constant(0), total))
    return cast_images(
        total / tf.cast(count + 1, tf.float32)[:, None, None, None], dtype or "float32"
    )


def _zoom_taps(size):
    """A function of the zoom ``z`` giving the two source indices and the weight of the
    second, for every output position ``p`` along an axis of ``size``: ``c + (p - c) / z``."""
    centre = (tf.cast(size, tf.float32) - 1.0) / 2.0
    offsets = tf.range(tf.cast(size, tf.float32)) - centre

    def taps(zoom):
        coord = centre + offsets / zoom
        first = tf.floor(coord)
        index = tf.cast(first, tf.int32)
        return tf.minimum(index, size - 1), tf.minimum(index + 1, size - 1), coord - first

    return taps


def zoom_count(max_factor: float, step: float) -> int:
    """The number of zoom factors ``arange(1, max_factor, step)`` has (the static bound)."""
    return max(0, math.ceil((max_factor - 1.0) / step - 1e-4))
