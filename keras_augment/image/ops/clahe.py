"""Contrast-limited adaptive histogram equalization (CLAHE), OpenCV's algorithm in TF ops.

``clahe`` equalizes every channel of every image on its own, with a
per-sample clip limit, and compiles with XLA (histograms are segment sums,
look-ups are gathers).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_augment.image.ops.blur import reflect_101_index

BINS = 256


def _clip_histograms(hist: tf.Tensor, limit: tf.Tensor) -> tf.Tensor:
    """Clips ``[n, 256]`` counts at ``limit`` ``[n, 1]`` and hands the excess back as OpenCV does.

    Every bin gets ``excess // 256``; the remaining ``r`` counts go one each
    to bins ``0, s, 2 s, ...`` with ``s = max(256 // r, 1)``.
    """
    # A product with ones rather than reduce_sum: XLA on CPU would fuse the sum
    # into every bin's use of it and recompute it 256 times.
    excess = tf.einsum("...b,b->...", tf.nn.relu(hist - limit), tf.ones([BINS]))[..., None]
    share = tf.floor(excess / BINS)
    residual = excess - share * BINS
    step = tf.maximum(tf.floor(BINS / tf.maximum(residual, 1.0)), 1.0)
    bins = tf.range(BINS, dtype=tf.float32)[None]
    # The quotient, not floormod: XLA on CPU computes floormod of floats slowly.
    quotient = tf.floor(bins / step)
    extra = (quotient * step == bins) & (quotient < residual)
    return tf.minimum(hist, limit) + share + tf.cast(extra, tf.float32)


def _cumsum_bins(hist: tf.Tensor) -> tf.Tensor:
    """Running sums of ``[n, BINS]`` counts along the bins, as two small matrix products.

    XLA on CPU lowers ``tf.cumsum`` to a window over all earlier bins (``BINS``
    times the work). Here the bins go in 16 blocks of 16: sums within each
    block, plus the totals of the blocks before it. Counts are whole numbers
    below 2**24, so float32 sums are exact in any order.
    """
    block = 16
    upper = tf.linalg.band_part(tf.ones([block, block]), 0, -1)  # [i, j] = i <= j
    blocks = tf.reshape(hist, [-1, BINS // block, block])
    within = tf.einsum("nbi,ij->nbj", blocks, upper)
    before = tf.einsum("nb,bc->nc", within[..., -1], upper - tf.eye(block))
    return tf.reshape(within + before[..., None], tf.shape(hist))


def clahe(images: tf.Tensor, clip_limit, tile_grid_size: tuple[int, int], value_range) -> tf.Tensor:
    """Equalizes each channel of each image by CLAHE, as ``cv2.createCLAHE(...).apply``.

    Values are mapped to 256 levels within ``value_range``; each image is
    cut into ``rows x cols`` tiles (padded at the bottom and right by
    mirroring, as OpenCV does, when the size does not divide), each tile's
    histogram is clipped at ``max(int(clip_limit * tile_pixels / 256), 1)``
    with the excess spread over all bins, and its cumulative sum becomes
    the tile's mapping; each pixel blends the mappings of the four nearest
    tile centres bilinearly. A ``clip_limit`` of 0 or less does not clip
    (plain adaptive equalization). The output is not rounded to levels.

    Args:
        images: ``[batch, height, width, channels]``.
        clip_limit: ``float32[batch]`` (or a scalar).
        tile_grid_size: static ``(rows, cols)`` of tiles.
        value_range: ``(low, high)`` of the pixel values.

    Returns:
        ``float32[batch, height, width, channels]`` within ``value_range``.
    """
    low, high = float(value_range[0]), float(value_range[1])
    grid_y, grid_x = tile_grid_size
    scale = (BINS - 1) / (high - low)
    codes = tf.clip_by_value(tf.round((tf.cast(images, tf.float32) - low) * scale), 0.0, BINS - 1)
    codes = tf.cast(codes, tf.int32)
    shape = tf.shape(codes)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]

    # OpenCV pads both axes whenever either size does not divide.
    divides = (height % grid_y == 0) & (width % grid_x == 0)
    pad_h = tf.where(divides, 0, grid_y - height % grid_y)
    pad_w = tf.where(divides, 0, grid_x - width % grid_x)
    tile_h = (height + pad_h) // grid_y
    tile_w = (width + pad_w) // grid_x

    # One histogram per (sample, tile, channel): a segment sum over the pixels
    # and the mirrored strips OpenCV pads with (empty when the sizes divide),
    # so the image itself is never copied.
    def tile_of(rows, cols):
        return (rows // tile_h)[:, None] * grid_x + (cols // tile_w)[None, :]

    def segments(pixels, tiles):
        sample = tf.range(tf.shape(pixels)[0])[:, None, None, None]
        channel = tf.range(channels)[None, None, None, :]
        index = ((sample * (grid_y * grid_x) + tiles[None, :, :, None]) * channels + channel) * BINS
        return tf.reshape(index + pixels, [-1])

    rows, cols = tf.range(height), tf.range(width)
    extra_rows = tf.range(height, height + pad_h)
    all_cols = tf.range(width + pad_w)
    extra_cols = tf.range(width, width + pad_w)
    bottom = tf.gather(codes, reflect_101_index(extra_rows, height), axis=1)
    bottom = tf.gather(bottom, reflect_101_index(all_cols, width), axis=2)
    right = tf.gather(codes, reflect_101_index(extra_cols, width), axis=2)
    segment = tf.concat(
        [
            segments(codes, tile_of(rows, cols)),
            segments(bottom, tile_of(extra_rows, all_cols)),
            segments(right, tile_of(rows, extra_cols)),
        ],
        axis=0,
    )
    histograms = batch * grid_y * grid_x * channels
    hist = tf.math.unsorted_segment_sum(
        tf.ones_like(segment, tf.float32), segment, histograms * BINS
    )
    hist = tf.reshape(hist, tf.stack([batch, grid_y * grid_x * channels, BINS]))

    area = tf.cast(tile_h * tile_w, tf.float32)
    clip_limit = tf.broadcast_to(tf.cast(clip_limit, tf.float32), tf.shape(codes)[:1])
    limit = tf.maximum(tf.floor(clip_limit * area / BINS), 1.0)
    limit = tf.where(clip_limit > 0.0, limit, tf.float32.max)[:, None, None]
    hist = _clip_histograms(hist, limit)
    luts = tf.round(_cumsum_bins(hist) * ((BINS - 1) / area))
    luts = tf.reshape(tf.minimum(luts, BINS - 1.0), [-1])

    levels = _blend_tile_luts(luts, codes, (tile_h, tile_w), tile_grid_size)
    return levels / scale + low


def _blend_tile_luts(luts, codes, tile_size, tile_grid_size):
    """Each pixel's level: the mappings of its four nearest tile centres, blended bilinearly.

    ``luts`` holds ``BINS`` levels per (sample, tile, channel), flattened;
    ``codes`` is ``int32[batch, height, width, channels]``.
    """
    tile_h, tile_w = tile_size
    grid_y, grid_x = tile_grid_size
    shape = tf.shape(codes)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]

    def neighbours(size, tile_size, grid):
        position = tf.cast(tf.range(size), tf.float32) / tf.cast(tile_size, tf.float32) - 0.5
        first = tf.floor(position)
        weight = position - first
        first = tf.cast(first, tf.int32)
        return tf.maximum(first, 0), tf.minimum(first + 1, grid - 1), weight

    y1, y2, wy = neighbours(height, tile_h, grid_y)
    x1, x2, wx = neighbours(width, tile_w, grid_x)
    sample = tf.range(batch)[:, None, None, None]
    channel = tf.range(channels)[None, None, None, :]
    # Index of bin `code` in the LUT of (sample, tile, channel).
    base = (sample * (grid_y * grid_x) * channels + channel) * BINS + codes

    def read(rows, cols):
        tiles = rows[:, None] * grid_x + cols[None, :]
        return tf.gather(luts, base + tiles[None, :, :, None] * (channels * BINS))

    wx = wx[None, None, :, None]
    wy = wy[None, :, None, None]
    top = read(y1, x1) * (1.0 - wx) + read(y1, x2) * wx
    bottom = read(y2, x1) * (1.0 - wx) + read(y2, x2) * wx
    levels = top * (1.0 - wy) + bottom * wy
    return levels


# OpenCV's 8-bit RGB to Lab, bit for bit (its fixed-point arithmetic): CLAHE
# stretches the lightness, so one level off before equalizing can be ten after.
_GAMMA_SHIFT, _XYZ_SHIFT, _LAB_SHIFT = 3, 12, 15
_SRGB_TO_XYZ = np.array(
    [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]]
)
_WHITE = np.array([0.950456, 1.0, 1.088754])  # D65


def _srgb_to_linear(unit):
    return np.where(unit <= 0.04045, unit / 12.92, ((unit + 0.055) / 1.055) ** 2.4)


def _lab_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OpenCV's fixed-point tables: linear light per 8-bit value, the XYZ weights, and CIE's
    ``f`` (cube root, straight near black) per fixed-point XYZ value."""
    scale = 255 * (1 << _GAMMA_SHIFT)
    linear = np.round(scale * _srgb_to_linear(np.arange(256) / 255.0))
    weights = np.round(_SRGB_TO_XYZ * (1 << _XYZ_SHIFT) / _WHITE[:, None])
    t = np.arange(256 * 3 // 2 * (1 << _GAMMA_SHIFT)) / scale
    cube_root = np.round(
        (1 << _LAB_SHIFT) * np.where(t < 0.008856, 7.787 * t + 16 / 116, np.cbrt(t))
    )
    return linear.astype(np.int32), weights.astype(np.int32), cube_root.astype(np.int32)


def _descale(value: tf.Tensor, shift: int) -> tf.Tensor:
    return tf.bitwise.right_shift(value + (1 << (shift - 1)), shift)


def _rgb_to_lab8(levels: tf.Tensor) -> list[tf.Tensor]:
    """``int32`` RGB levels ``[..., 3]`` to OpenCV's 8-bit ``L, a, b`` planes (int32)."""
    linear_table, weights, cube_root_table = _lab_tables()
    linear = tf.unstack(tf.gather(linear_table, levels), axis=-1)
    # Weighted sums written out: XLA on CPU runs an integer einsum as a slow dot.
    fx, fy, fz = (
        tf.gather(
            cube_root_table, _descale(sum(int(w) * c for w, c in zip(row, linear)), _XYZ_SHIFT)
        )
        for row in weights
    )
    scale = (116 * 255 + 50) // 100
    shift = -((16 * 255 * (1 << _LAB_SHIFT) + 50) // 100)
    offset = 128 * (1 << _LAB_SHIFT)
    lightness = _descale(scale * fy + shift, _LAB_SHIFT)
    a = _descale(500 * (fx - fy) + offset, _LAB_SHIFT)
    b = _descale(200 * (fy - fz) + offset, _LAB_SHIFT)
    return [tf.clip_by_value(plane, 0, 255) for plane in (lightness, a, b)]


def _lab8_to_rgb(lightness: tf.Tensor, a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """8-bit ``L, a, b`` planes (float32) to RGB in ``[0, 1]``, ``[..., 3]`` (float arithmetic)."""
    lightness = lightness * (100.0 / 255.0)
    fy = (lightness + 16.0) / 116.0
    fx = fy + (a - 128.0) / 500.0
    fz = fy - (b - 128.0) / 200.0

    def cube(t):
        return tf.where(t > 6.0 / 29.0, t * t * t, (t - 16.0 / 116.0) / 7.787)

    y = tf.where(lightness > 8.0, fy * fy * fy, lightness / 903.3)
    xyz = (cube(fx) * _WHITE[0], y, cube(fz) * _WHITE[2])
    linear = [sum(float(w) * c for w, c in zip(row, xyz)) for row in np.linalg.inv(_SRGB_TO_XYZ)]
    linear = tf.clip_by_value(tf.stack(linear, axis=-1), 0.0, 1.0)
    # exp and log rather than pow: XLA on CPU computes pow about three times slower.
    encoded = 1.055 * tf.exp(tf.math.log(tf.maximum(linear, 0.0031308)) / 2.4) - 0.055
    return tf.where(linear <= 0.0031308, 12.92 * linear, encoded)


def pack_lab8(images: tf.Tensor, value_range) -> tf.Tensor:
    """RGB ``[..., 3]`` within ``value_range`` to OpenCV's 8-bit Lab, packed: ``[..., 1]``.

    Bit for bit ``cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)`` on the values
    rounded to 256 levels, each pixel's ``L, a, b`` as ``L + 256 a + 65536 b``
    (whole numbers, exact in float32). One value per pixel: compiled, each
    pixel's conversion then runs once, where three planes would each run it.
    """
    low, high = float(value_range[0]), float(value_range[1])
    levels = tf.round((tf.cast(images, tf.float32) - low) * (255.0 / (high - low)))
    levels = tf.cast(tf.clip_by_value(levels, 0.0, 255.0), tf.int32)
    lightness, a, b = _rgb_to_lab8(levels)
    packed = lightness | tf.bitwise.left_shift(a, 8) | tf.bitwise.left_shift(b, 16)
    return tf.cast(packed, tf.float32)[..., None]


def _unpack_lab8(packed: tf.Tensor) -> list[tf.Tensor]:
    """``pack_lab8``'s ``[..., 1]`` values to float32 ``L, a, b`` planes ``[...]``."""
    packed = tf.cast(packed[..., 0], tf.int32)
    return [tf.cast(tf.bitwise.right_shift(packed, 8 * k) & 255, tf.float32) for k in range(3)]


def equalize_packed_lightness(packed: tf.Tensor, clip_limit, tile_grid_size) -> tf.Tensor:
    """``clahe`` of the ``L`` of ``pack_lab8``'s values: float32 levels ``[..., 1]``."""
    lightness = _unpack_lab8(packed)[0][..., None]
    return clahe(lightness, clip_limit, tile_grid_size, (0.0, 255.0))


def unpack_lab8_to_rgb(packed: tf.Tensor, lightness: tf.Tensor, value_range) -> tf.Tensor:
    """``pack_lab8``'s values, with the ``L`` of ``lightness`` ``[..., 1]`` (levels), to RGB
    ``[..., 3]`` within ``value_range`` (float32)."""
    low, high = float(value_range[0]), float(value_range[1])
    _, a, b = _unpack_lab8(packed)
    unit = _lab8_to_rgb(tf.cast(lightness, tf.float32)[..., 0], a, b)
    return unit * (high - low) + low


def clahe_lightness(
    images: tf.Tensor, clip_limit, tile_grid_size: tuple[int, int], value_range
) -> tf.Tensor:
    """CLAHE of the lightness of RGB images in CIE Lab, as albumentations' ``CLAHE`` does.

    Each image goes to OpenCV's 8-bit Lab (``pack_lab8``), its lightness
    ``L`` is equalized by ``clahe`` and rounded to a level, and the image
    comes back to RGB with its ``a`` and ``b`` (``unpack_lab8_to_rgb``).
    OpenCV's way back rounds differently: values are albumentations' to a
    level, rarely a few. Compiled, the three steps run fastest as three
    functions (the layer does so): in one, XLA recomputes the conversion
    and the look-ups inside each of their uses.

    Args:
        images: ``[batch, height, width, 3]`` RGB.
        clip_limit, tile_grid_size, value_range: as for ``clahe``.

    Returns:
        ``float32[batch, height, width, 3]`` within ``value_range``.
    """
    packed = pack_lab8(images, value_range)
    equalized = equalize_packed_lightness(packed, clip_limit, tile_grid_size)
    return unpack_lab8_to_rgb(packed, tf.round(equalized), value_range)
