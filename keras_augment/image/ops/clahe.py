"""Contrast-limited adaptive histogram equalization (CLAHE), OpenCV's algorithm in TF ops.

``clahe`` equalizes every channel of every image on its own, with a
per-sample clip limit, and compiles with XLA (histograms are segment sums,
look-ups are gathers).
"""

from __future__ import annotations

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
