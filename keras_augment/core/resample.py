"""The fused resampler: one pass of coordinate arithmetic and gathers per batch.

``resample`` maps every output pixel ``p = (x, y)`` to a source position
``H @ (p + d(p))`` (``H`` a 3x3 homography per sample, ``d`` an optional
displacement field) and reads the input there with bilinear or nearest
interpolation. It uses only ops with XLA kernels, so it compiles with
``jit_compile=True``; ``resample`` picks one of three such compiled functions.

Batches whose matrices only scale and translate (flips, shifts, zooms, crops
and the sizing layers) are interpolated along the width, then along the
height (the separable path). Batches of shears along x (``source_x = x + s * y
+ t``, ``source_y = y``: ``RandomShear`` along one axis, a policy's ShearX)
read each output row as the lerp of two windows of its source row, one XLA
gather of a contiguous slice per row (the window path; shears along y take it
by transposing the batch, for uint8 RGB(A) in and out only). Other batches
gather the four bilinear corners of every pixel (the general path). All three
give the general path's result to float rounding.

Coordinates are pixel indices, ``x`` along width and ``y`` along height, with
pixel centres at integers (the convention of ``ImageProjectiveTransformV3``,
which Keras uses, so matrices mean the same thing in both).
"""

from __future__ import annotations

import inspect

import tensorflow as tf

from keras_augment.core.batch import cast_images
from keras_augment.core.compiled import materialized, per_channel_count

try:  # XLA's general gather (a window of a row in one read); absent, shears take the general path
    from tensorflow.compiler.tf2xla.python.xla import gather as _xla_gather
    from tensorflow.compiler.xla.xla_data_pb2 import GatherDimensionNumbers
except ImportError:  # pragma: no cover - a TensorFlow that moved these modules
    _xla_gather = GatherDimensionNumbers = None

INTERPOLATIONS = ("bilinear", "nearest")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _floormod(x: tf.Tensor, period) -> tf.Tensor:
    # The values of tf.math.floormod, but XLA on CPU turns a float floormod into
    # one scalar call per element while floor and multiply vectorise (about half
    # of the resampler's time went there).
    return x - period * tf.floor(x / period)


def _reflect(coord: tf.Tensor, size: tf.Tensor) -> tf.Tensor:
    # Half-sample symmetric: (d c b a | a b c d | d c b a), period 2 * size.
    period = 2.0 * size
    folded = _floormod(coord + 0.5, period)
    folded = tf.where(folded >= size, period - folded, folded) - 0.5
    return tf.clip_by_value(folded, 0.0, size - 1.0)


def _map_coordinate(coord: tf.Tensor, size: tf.Tensor, fill_mode: str) -> tf.Tensor:
    if fill_mode == "reflect":
        return _reflect(coord, size)
    if fill_mode == "wrap":
        return _floormod(coord, size)
    if fill_mode == "nearest":
        return tf.clip_by_value(coord, 0.0, size - 1.0)
    return coord  # constant: out-of-range reads are replaced by fill_value


def _corner_index(ci: tf.Tensor, size: tf.Tensor, fill_mode: str):
    """Integer index along one axis, plus whether it lies inside the image."""
    inside = (ci >= 0) & (ci < size)
    if fill_mode == "wrap":
        ci = tf.math.floormod(ci, size)
    else:
        ci = tf.clip_by_value(ci, 0, size - 1)
    return ci, inside


@per_channel_count(reduce_retracing=True, autograph=False)
def resample(
    images: tf.Tensor,
    matrices: tf.Tensor,
    output_size: tf.Tensor,
    displacement: tf.Tensor | None = None,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
    batch_indices: tf.Tensor | None = None,
    output_dtype: str | None = None,
) -> tf.Tensor:
    """Warps a batch of images through per-sample homographies in one pass.

    Args:
        images: ``[batch, height, width, channels]`` tensor of any real dtype.
            With ``batch_indices`` it is a source of images to pick from.
        matrices: ``float32[batch, 3, 3]``; row-vector convention
            ``source = matrices @ [x, y, 1]`` (then divided by the third
            component), mapping output pixels to input pixels.
        output_size: ``int32[2]``, the output ``(height, width)``.
        displacement: optional ``float32[batch, out_h, out_w, 2]`` offsets
            ``(dx, dy)`` added to output coordinates before the matrix.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: ``"reflect"``, ``"wrap"``, ``"constant"`` or ``"nearest"``.
        fill_value: value read outside the image when ``fill_mode="constant"``.
        batch_indices: optional ``int32[batch]``: output ``b`` is read from
            ``images[batch_indices[b]]``. The same as passing
            ``tf.gather(images, batch_indices)``, without writing that copy.
        output_dtype: the dtype of the result (``None``: ``float32``); integer
            dtypes are rounded and saturated (``batch.cast_images``) inside
            the compiled functions, so ``uint8`` in and out never writes a
            ``float32`` batch.

    Returns:
        ``[batch, out_h, out_w, channels]`` of ``output_dtype``.
    """
    options = (interpolation, fill_mode, fill_value)
    return _pick(
        True, images, matrices, output_size, displacement, options, batch_indices, output_dtype
    )


def _pick(compiled: bool, images, matrices, output_size, displacement, options, *rest):
    """Runs the separable path on a batch whose matrices all scale and translate, the window
    path on a batch of shears along one axis, else the general one (``compiled``: through
    their compiled functions, else as plain ops).

    Flips, shifts, zooms, crops, resizes and paddings are scale + translate batches;
    ``RandomShear`` along one axis, and policies' ShearX or ShearY, are shear batches. Each
    path is its own compiled function: inside an XLA conditional the CPU backend no longer
    splits the work across threads.
    """
    general, separable = (_general, _separable) if compiled else (_plain_general, _plain_separable)
    batch_indices, output_dtype = rest
    if displacement is not None or batch_indices is not None:
        return general(
            images, matrices, output_size, displacement, *options, batch_indices, output_dtype
        )
    cases = [
        (
            axis_aligned(matrices),
            lambda: separable(images, matrices, output_size, *options, output_dtype),
        )
    ]
    same_size = tf.reduce_all(tf.equal(tf.shape(images)[1:3], output_size))
    for axis, reach in _window_routes_here(compiled, images, output_dtype):
        fits = tf.reduce_all(sheared_each(matrices, tf.shape(images), axis, reach))
        cases.append(
            (
                same_size & fits,
                lambda axis=axis, reach=reach: _window(
                    images, matrices, *options, axis, reach, output_dtype, output_size
                ),
            )
        )
    return tf.case(
        cases,
        default=lambda: general(images, matrices, output_size, None, *options, None, output_dtype),
        exclusive=False,
    )


def _window_routes_here(compiled: bool, images, output_dtype) -> tuple:
    """``window_routes`` where the window path may run: through the compiled functions only
    (XLA's gather exists only under XLA). Plain ops keep two paths: callers that compile them
    into their own functions (AugMix's chains) have no one-axis shears to gain from."""
    return window_routes(images, output_dtype) if compiled else ()


def _finish(warped: tf.Tensor, output_dtype) -> tf.Tensor:
    # Rounding inside each compiled path fuses the cast into its last pass.
    return warped if output_dtype is None else cast_images(warped, output_dtype)


def _plain_general(images, *args) -> tf.Tensor:
    """``_warp_general`` with its arguments, then ``output_dtype``; rounded to it.

    uint8 in and out, bilinear, with reads inside the image: ``_warp_corner_words``.
    """
    *args, output_dtype = args
    matrices, output_size, displacement, interpolation, fill_mode, _, batch_indices = args
    if (
        output_dtype is not None
        and tf.as_dtype(output_dtype) == tf.uint8
        and takes_corner_words(images, matrices, interpolation, fill_mode, displacement)
    ):
        warped = _warp_corner_words(images, matrices, output_size, fill_mode, batch_indices)
        return _finish(warped, output_dtype)
    return _finish(_warp_general(images, *args), output_dtype)


def _plain_separable(images, *args) -> tf.Tensor:
    """``_warp_separable`` with its arguments, then ``output_dtype``; rounded to it."""
    *args, output_dtype = args
    return _finish(_warp_separable(images, *args), output_dtype)


_general = per_channel_count(
    _plain_general, jit_compile=True, reduce_retracing=True, autograph=False
)
_separable = per_channel_count(
    _plain_separable, jit_compile=True, reduce_retracing=True, autograph=False
)


def resample_dtype(dtype) -> str | None:
    """The ``output_dtype`` to give ``resample`` for a result of ``dtype``.

    ``None`` for ``float32`` (and ``None``), the resampler's own result, so that
    both spellings share one compiled function.
    """
    if dtype is None or tf.as_dtype(dtype) == tf.float32:
        return None
    return tf.as_dtype(dtype).name


def axis_aligned(matrices: tf.Tensor) -> tf.Tensor:
    """Scalar ``bool``: every matrix only scales and translates (no rotation, shear, perspective)."""
    return tf.reduce_all(axis_aligned_each(matrices))


def axis_aligned_each(matrices: tf.Tensor) -> tf.Tensor:
    """``bool[batch]``: which matrices only scale and translate."""
    m = tf.cast(matrices, tf.float32)
    off_diagonal = tf.stack([m[:, 0, 1], m[:, 1, 0], m[:, 2, 0], m[:, 2, 1]], axis=1)
    return tf.reduce_all(tf.equal(off_diagonal, 0.0), axis=1)


def _axis_taps(coord, size, fill_mode: str, interpolation: str) -> list:
    """``(index, weight, inside)`` of the pixels one axis reads at ``coord`` (``[batch, n]``).

    ``weight`` is ``None`` for nearest interpolation; ``inside`` is ``None``
    unless ``fill_mode="constant"`` (then out-of-range taps read the fill value).
    The indices are those of ``_warp_general``'s corners along this axis.
    """
    coord = _map_coordinate(coord, tf.cast(size, tf.float32), fill_mode)
    if interpolation == "nearest":
        taps = [(_nearest(coord), None)]
    else:
        first, weight = _cell(coord)
        weight = weight[..., 0]
        taps = [(first, 1.0 - weight), (first + 1, weight)]
    result = []
    for index, weight in taps:
        index, inside = _corner_index(index, size, fill_mode)
        result.append((index, weight, inside if fill_mode == "constant" else None))
    return result


def _read_axis(values, taps, axis: int, fill, cast: bool) -> tf.Tensor:
    """Interpolates ``values`` along ``axis`` (1: rows, 2: columns) at the taps of ``_axis_taps``."""
    shape = [-1, 1, 1, 1]
    shape[axis] = tf.shape(taps[0][0])[1]  # the taps' count along their axis
    total = None
    for index, weight, inside in taps:
        read = tf.gather(values, index, axis=axis, batch_dims=1)
        if cast:
            read = tf.cast(read, tf.float32)
        if inside is not None:
            read = tf.where(tf.reshape(inside, shape), read, fill)
        if weight is not None:
            read = read * tf.reshape(weight, shape)
        total = read if total is None else total + read
    return total


def _warp_separable(images, matrices, output_size, interpolation, fill_mode, fill_value):
    """``_warp_general`` for scale + translate matrices: columns, then rows.

    Each output column reads one source column (two for bilinear) and each
    output row one source row, so the batch is interpolated along its width,
    then along its height: two cheap 1-D passes in place of a 2-D gather of
    four corners per pixel. Weights, indices and fills are those of the
    general path, so results agree with it to float rounding (nearest:
    exactly).
    """
    shape = tf.shape(images)
    m = tf.cast(matrices, tf.float32)
    xs = tf.range(output_size[1], dtype=tf.float32)[None]
    ys = tf.range(output_size[0], dtype=tf.float32)[None]
    # The general path's arithmetic with the zero entries dropped (exact).
    src_x = (m[:, 0, 0, None] * xs + m[:, 0, 2, None]) / m[:, 2, 2, None]
    src_y = (m[:, 1, 1, None] * ys + m[:, 1, 2, None]) / m[:, 2, 2, None]
    fill = tf.cast(fill_value, tf.float32)
    x_taps = _axis_taps(src_x, shape[2], fill_mode, interpolation)
    y_taps = _axis_taps(src_y, shape[1], fill_mode, interpolation)
    if interpolation == "nearest":
        # Pure reads: the pixels keep their dtype until the end.
        (x_index, _, x_in), (y_index, _, y_in) = x_taps[0], y_taps[0]
        read = tf.gather(images, x_index, axis=2, batch_dims=1)
        read = tf.cast(tf.gather(read, y_index, axis=1, batch_dims=1), tf.float32)
        if fill_mode != "constant":
            return read
        inside = y_in[:, :, None, None] & x_in[:, None, :, None]
        return tf.where(inside, read, fill)
    columns = _read_axis(images, x_taps, 2, fill, cast=True)
    return _read_axis(columns, y_taps, 1, fill, cast=False)


# The window path's routes, tried in this order: the axis its windows run along (2: each
# output row reads a window of its source row; 1: each column, of its source column) and
# how far past the image they may reach. Padding costs a copy of the batch, so the short
# reach comes first (for 224x224 about half the CPU time of a reach of the whole width).
ROW_ROUTES = ((2, "quarter"), (2, "whole"))
COLUMN_ROUTES = ((1, "quarter"), (1, "whole"))


def window_routes(images: tf.Tensor, output_dtype) -> tuple:
    """The ``(axis, reach)`` routes of the window path worth taking for these images.

    Rows always (when XLA's general gather imports). Columns only for uint8 RGB or RGBA in and
    out: they transpose the batch there and back, which pays only with each pixel packed into
    one 32-bit word; other column shears were slower than the general path.
    """
    if _xla_gather is None:
        return ()
    packable = images.dtype == tf.uint8 and images.shape[-1] in (3, 4)
    if packable and output_dtype is not None and tf.as_dtype(output_dtype) == tf.uint8:
        return ROW_ROUTES + COLUMN_ROUTES
    return ROW_ROUTES


def _window_pad(size, reach: str):
    """Pixels added on each side of a row (or column) of ``size`` before windows are read."""
    return size // 4 + 1 if reach == "quarter" else size


def sheared_each(matrices: tf.Tensor, shape, axis: int, reach: str) -> tf.Tensor:
    """``bool[batch]``: which matrices the window path can take along ``axis`` with ``reach``.

    Along rows (``axis=2``): ``[[1, s, t], [0, 1, 0], [0, 0, 1]]`` with ``s != 0``, a shear
    along x plus a shift along x (``source_x = x + s * y + t``); along columns (``axis=1``):
    ``[[1, 0, 0], [s, 1, t], [0, 0, 1]]``. Every row's offset ``s * y + t`` must stay within
    the padding ``_window_pad(size, reach)``. ``shape`` is the images' shape.
    """
    m = tf.reshape(tf.cast(matrices, tf.float32), [-1, 9])
    # Row-major entries that must be 0 (the diagonal must be 1), the slope and the shift.
    if axis == 2:
        zeros, slope, shift, count, size = (3, 5, 6, 7), 1, 2, shape[1], shape[2]
    else:
        zeros, slope, shift, count, size = (1, 2, 6, 7), 3, 5, shape[2], shape[1]
    exact = tf.reduce_all(tf.equal(tf.gather(m, [0, 4, 8], axis=1), 1.0), axis=1)
    exact &= tf.reduce_all(tf.equal(tf.gather(m, zeros, axis=1), 0.0), axis=1)
    exact &= tf.not_equal(m[:, slope], 0.0)
    last = tf.cast(count - 1, tf.float32)
    ends = tf.floor(tf.stack([m[:, shift], m[:, slope] * last + m[:, shift]], axis=1))
    pad = tf.cast(_window_pad(size, reach), tf.float32)
    # The first window pixel at -pad or after; the last (two past the offset, the second
    # of a bilinear pair or a rounded-up nearest) inside the padding on the right.
    inside = (tf.reduce_min(ends, axis=1) >= -pad) & (tf.reduce_max(ends, axis=1) <= pad - 2.0)
    return exact & inside


def warp_window(
    images,
    matrices,
    interpolation,
    fill_mode,
    fill_value,
    axis,
    reach,
    output_dtype=None,
    output_size=None,
) -> tf.Tensor:
    """``_warp_general`` for the shears of ``sheared_each(matrices, ..., axis, reach)``.

    A shear along x reads, for output row ``y``, its source row at ``x + s * y + t``: one
    constant offset per row. So each output row is the lerp of two neighbouring windows of
    its source row, padded first the way ``fill_mode`` extends the image; XLA reads each
    window in one gather of a contiguous slice instead of four pixels per output pixel. A
    shear along y does the same on the transposed batch, uint8 RGB(A) only (see
    ``window_routes``). Weights and fills are the general path's, so results agree with it to
    float rounding (nearest: the same pixels, except where a coordinate lies within float
    rounding of a half-pixel tie: about one value in 15,000 of a batch of TrivialAugmentWide
    shears). Under XLA only (its gather).

    Args:
        output_size: ``None``, or the input's ``(height, width)``: then the output's shape is
            computed from it as the other paths compute theirs, so that a graph choosing
            between them (in an XLA conditional, whose branches must agree) stays valid for
            any sizes.

    Returns:
        ``[batch, height, width, channels]`` (the input's size) of ``output_dtype``
        (``None``: ``float32``).
    """
    return _fit_size(
        _warp_window(
            images, matrices, interpolation, fill_mode, fill_value, axis, reach, output_dtype
        ),
        output_size,
    )


def _fit_size(out: tf.Tensor, output_size) -> tf.Tensor:
    """``out`` padded or cut to ``output_size`` (a no-op where it has that size)."""
    if output_size is None:
        return out
    shape = tf.shape(out)
    grow = tf.maximum(output_size - shape[1:3], 0)
    out = tf.pad(out, [[0, 0], [0, grow[0]], [0, grow[1]], [0, 0]])
    return out[:, : output_size[0], : output_size[1]]


def _warp_window(images, matrices, interpolation, fill_mode, fill_value, axis, reach, output_dtype):
    """``warp_window`` at the input's size."""
    m = tf.cast(matrices, tf.float32)
    options = (interpolation, fill_mode, fill_value, reach)
    if axis == 2:
        out = _warp_rows(images, m[:, 0, 1], m[:, 0, 2], *options)
        return _finish(out, output_dtype)
    # Columns: each RGB(A) pixel as one word, so that the two transposes move a quarter of
    # the elements (XLA transposes element by element).
    channels = images.shape[-1]
    if channels == 3:
        images = tf.concat([images, tf.zeros_like(images[..., :1])], axis=-1)
    words = tf.transpose(tf.bitcast(images, tf.uint32), [0, 2, 1])[..., None]
    out = cast_images(_warp_rows(words, m[:, 1, 0], m[:, 1, 2], *options), tf.uint8)
    out = tf.bitcast(tf.transpose(tf.bitcast(out, tf.uint32), [0, 2, 1]), tf.uint8)
    return out[..., :channels]


_window = per_channel_count(warp_window, jit_compile=True, reduce_retracing=True, autograph=False)


def _pad_rows(images, pad, fill_mode: str) -> tf.Tensor:
    """``images`` with ``pad`` (at most the width) columns on each side, extended the way
    ``fill_mode`` extends them (``constant``: zeros, which the caller replaces)."""
    if fill_mode in ("reflect", "constant"):
        mode = "SYMMETRIC" if fill_mode == "reflect" else "CONSTANT"
        return tf.pad(images, [[0, 0], [0, 0], [pad, pad], [0, 0]], mode=mode)
    if fill_mode == "wrap":
        left, right = images[:, :, -pad:], images[:, :, :pad]
    else:
        shape = tf.shape(images)
        edge = tf.stack([shape[0], shape[1], pad, shape[3]])
        left = tf.broadcast_to(images[:, :, :1], edge)
        right = tf.broadcast_to(images[:, :, -1:], edge)
    return tf.concat([left, images, right], axis=2)


def _warp_rows(pixels, slope, shift, interpolation, fill_mode, fill_value, reach) -> tf.Tensor:
    """Row ``y`` of sample ``b`` read at ``x + slope[b] * y + shift[b]`` of its source row.

    ``pixels`` is ``[batch, height, width, channels]``, or ``uint32[..., 1]`` of RGBA words
    (unpacked after the gather). Returns ``float32[batch, height, width, channels]``.
    """
    shape = tf.shape(pixels)
    batch, height, width = shape[0], shape[1], shape[2]
    pad = _window_pad(width, reach)
    offset = slope[:, None] * tf.range(height, dtype=tf.float32)[None] + shift[:, None]
    if interpolation == "nearest":
        first, length = _nearest(offset), width
    else:
        first, weight = _cell(offset)
        length = width + 1
    start = first + pad
    samples = tf.broadcast_to(tf.range(batch)[:, None], [batch, height])
    rows = tf.broadcast_to(tf.range(height)[None], [batch, height])
    # One slice [1, 1, length, channels] per output row, laid out as [batch, height, ...].
    numbers = GatherDimensionNumbers(
        offset_dims=[2, 3],
        collapsed_slice_dims=[0, 1],
        start_index_map=[0, 1, 2],
        index_vector_dim=2,
    )
    windows = _xla_gather(
        _pad_rows(pixels, pad, fill_mode),
        tf.stack([samples, rows, start], axis=-1),
        numbers,
        tf.stack([1, 1, length, shape[3]]),
    )
    if pixels.dtype == tf.uint32:
        windows = tf.bitcast(windows[..., 0], tf.uint8)
    windows = tf.cast(windows, tf.float32)
    if fill_mode == "constant":
        position = start[..., None] + tf.range(length)[None, None]
        inside = (position >= pad) & (position < pad + width)
        windows = tf.where(inside[..., None], windows, tf.cast(fill_value, tf.float32))
    if interpolation == "nearest":
        return windows
    return _lerp(windows[:, :, :-1], windows[:, :, 1:], weight[..., None])


def _source_coordinates(matrices, output_size, displacement, height, width, fill_mode):
    """``(src_x, src_y)``, ``float32[batch, out_h, out_w]``: where each output pixel reads,
    mapped into the image by ``fill_mode`` (left as they are for ``"constant"``)."""
    ys, xs = tf.meshgrid(
        tf.range(output_size[0], dtype=tf.float32),
        tf.range(output_size[1], dtype=tf.float32),
        indexing="ij",
    )
    xs = xs[None]
    ys = ys[None]
    if displacement is not None:
        xs = xs + displacement[..., 0]
        ys = ys + displacement[..., 1]

    m = tf.cast(matrices, tf.float32)[:, :, :, None, None]
    src_x = m[:, 0, 0] * xs + m[:, 0, 1] * ys + m[:, 0, 2]
    src_y = m[:, 1, 0] * xs + m[:, 1, 1] * ys + m[:, 1, 2]
    denom = m[:, 2, 0] * xs + m[:, 2, 1] * ys + m[:, 2, 2]
    src_x = src_x / denom
    src_y = src_y / denom
    src_x = _map_coordinate(src_x, tf.cast(width, tf.float32), fill_mode)
    src_y = _map_coordinate(src_y, tf.cast(height, tf.float32), fill_mode)
    return src_x, src_y


def _warp_general(
    images, matrices, output_size, displacement, interpolation, fill_mode, fill_value, batch_indices
) -> tf.Tensor:
    """Any homography, with an optional displacement field: four corners gathered per pixel."""
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    if batch_indices is None:
        batch_indices = tf.range(shape[0])
    src_x, src_y = _source_coordinates(
        matrices, output_size, displacement, height, width, fill_mode
    )
    channels = shape[3]
    flat = tf.reshape(images, [-1, channels])
    base = (tf.cast(batch_indices, tf.int32) * height * width)[:, None, None]

    def gather(index):
        return tf.cast(tf.gather(flat, index), tf.float32)

    if fill_mode in ("nearest", "reflect"):
        # The coordinates were clipped into the image, so no corner needs its own check.
        return _read_inside(gather, base, src_x, src_y, width, height, interpolation)

    fill = tf.cast(fill_value, tf.float32)

    def read(yi, xi):
        yi, y_in = _corner_index(yi, height, fill_mode)
        xi, x_in = _corner_index(xi, width, fill_mode)
        values = gather(base + yi * width + xi)
        if fill_mode == "constant":
            values = tf.where((y_in & x_in)[..., None], values, fill)
        return values

    if interpolation == "nearest":
        return read(_nearest(src_y), _nearest(src_x))
    x0, wx = _cell(src_x)
    y0, wy = _cell(src_y)
    top = _lerp(read(y0, x0), read(y0, x0 + 1), wx)
    bottom = _lerp(read(y0 + 1, x0), read(y0 + 1, x0 + 1), wx)
    return _lerp(top, bottom, wy)


# Up to this many images (a static count) are read as corner words: a batch of 32 224x224 RGB
# images makes 19 MB of words, which outgrows the caches (1.5x the CPU time of four gathers).
_CORNER_WORDS_UP_TO = 4


def takes_corner_words(images, matrices, interpolation: str, fill_mode: str, displacement) -> bool:
    """Whether the general path reads ``images`` as corner words (``_warp_corner_words``):
    uint8 pixels, bilinear, a fill mode that keeps every read inside, no displacement, and
    at most ``_CORNER_WORDS_UP_TO`` images (the policies resample two at a time)."""
    count = matrices.shape[0]
    return (
        images.dtype == tf.uint8
        and interpolation == "bilinear"
        and fill_mode in ("nearest", "reflect")
        and displacement is None
        and count is not None
        and count <= _CORNER_WORDS_UP_TO
    )


def _corner_words(images: tf.Tensor) -> tf.Tensor:
    """``int32[batch, h, w, c]``: each uint8 value with its right, lower and lower-right
    neighbours (the value itself past the last column or row) in its four bytes, low first."""
    values = tf.cast(images, tf.int32)
    right = tf.concat([values[:, :, 1:], values[:, :, -1:]], axis=2)
    lower = tf.concat([values[:, 1:], values[:, -1:]], axis=1)
    lower_right = tf.concat([right[:, 1:], right[:, -1:]], axis=1)
    shift = tf.bitwise.left_shift
    return values | shift(right, 8) | shift(lower, 16) | shift(lower_right, 24)


def _warp_corner_words(images, matrices, output_size, fill_mode, batch_indices) -> tf.Tensor:
    """``_warp_general`` for uint8 images, bilinear, with every read inside the image.

    A bilinear read needs four corners per output value: four gathers, each
    one XLA loop step per value. Here one pass first writes each value's
    four corners as the bytes of one 32-bit word (``_corner_words``, kept
    apart from the gather by ``materialized``), and each output value
    gathers one word. For rotations drawn by RandAugment, about a third
    less CPU time per image (224x224 RGB, two images at a time); the
    weights and their order are the general path's, so results agree with
    it to float rounding.
    """
    if batch_indices is not None:
        images = tf.gather(images, batch_indices)
    shape = tf.shape(images)
    height, width, channels = shape[1], shape[2], shape[3]
    words = tf.reshape(materialized(_corner_words(images)), [-1, channels])
    src_x, src_y = _source_coordinates(matrices, output_size, None, height, width, fill_mode)
    x0, wx = _cell(src_x)
    y0, wy = _cell(src_y)
    base = (tf.range(shape[0]) * height * width)[:, None, None]
    word = tf.gather(words, base + y0 * width + x0)

    def corner(k):
        return tf.cast(tf.bitwise.bitwise_and(tf.bitwise.right_shift(word, 8 * k), 255), tf.float32)

    top = _lerp(corner(0), corner(1), wx)
    bottom = _lerp(corner(2), corner(3), wx)
    return _lerp(top, bottom, wy)


def _nearest(coord: tf.Tensor) -> tf.Tensor:
    """The index of the pixel nearest to each coordinate."""
    return tf.cast(tf.floor(coord + 0.5), tf.int32)


def _cell(coord: tf.Tensor):
    """The pixel index at or before each coordinate, and the weight of the next one."""
    floor = tf.floor(coord)
    return tf.cast(floor, tf.int32), (coord - floor)[..., None]


def _lerp(a: tf.Tensor, b: tf.Tensor, weight: tf.Tensor) -> tf.Tensor:
    # Weighted sum rather than a + (b - a) * weight: b - a overflows to inf for
    # values of opposite sign near the float32 maximum.
    return a * (1.0 - weight) + b * weight


def _read_inside(gather, base, src_x, src_y, width, height, interpolation: str) -> tf.Tensor:
    """Reads at source coordinates already clipped to ``[0, size - 1]``.

    Every corner index is then inside the image except the right and lower
    neighbours on the last column and row, which are the pixel itself
    there; so one flat index per output pixel and two offsets replace the
    per-corner clipping (about a tenth of the resampler's time).
    """
    if interpolation == "nearest":
        return gather(base + _nearest(src_y) * width + _nearest(src_x))
    x0, wx = _cell(src_x)
    y0, wy = _cell(src_y)
    corner = base + y0 * width + x0
    right = tf.cast(x0 < width - 1, tf.int32)
    down = tf.cast(y0 < height - 1, tf.int32) * width
    top = _lerp(gather(corner), gather(corner + right), wx)
    bottom = _lerp(gather(corner + down), gather(corner + down + right), wx)
    return _lerp(top, bottom, wy)


def _resample_ops(images, matrices, output_size, displacement=None, *args, **kwargs):
    # ``resample.python_function``: the same choice as plain ops, for callers that
    # compile it into their own XLA function or run it as a graph.
    bound = _signature.bind(images, matrices, output_size, displacement, *args, **kwargs)
    bound.apply_defaults()
    a = bound.arguments
    options = (a["interpolation"], a["fill_mode"], a["fill_value"])
    return _pick(
        False,
        images,
        matrices,
        output_size,
        displacement,
        options,
        a["batch_indices"],
        a["output_dtype"],
    )


_signature = inspect.signature(resample)
resample.python_function = _resample_ops
