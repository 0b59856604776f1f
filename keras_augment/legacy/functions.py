"""The module-level functions of the legacy ``tf.keras.preprocessing.image``, on our kernels.

Same names, arguments, defaults and results as the legacy functions, so
code calling ``image.random_rotation(x, 20)`` keeps working. Underneath,
the affine functions build the legacy matrix
(:func:`~keras_augment.legacy.transforms.legacy_matrices`) and warp all
channels in one pass of the core resampler (XLA-compiled for an image size
that comes often) instead of one SciPy call per channel; the colour
functions are the kernels the ``ImageDataGenerator`` uses.

As the legacy functions did, these work on one image (rank 3), default to
``channels_first`` axes (``row_axis=1, col_axis=2, channel_axis=0``) and
draw their random parameters from NumPy's global generator, so
``np.random.seed(s)`` before a call gives the same parameters (and the
same image, within interpolation rounding) as the legacy function after
the same seed. Differences: ``order`` (``interpolation_order``) is 0 or 1
(SciPy's higher spline orders are not offered), and ``fill_mode`` is one
of SciPy's ``"nearest"``, ``"reflect"``, ``"constant"`` and ``"wrap"``.
"""

from __future__ import annotations

import collections
import errno
import functools
import io
import os
import threading

import keras
import numpy as np
import tensorflow as tf

from keras_augment.image.io import COLOR_MODES, UnreadableImageError, load_image
from keras_augment.legacy import transforms
from keras_augment.legacy.iterators import RESIZE_METHODS

_FILL_MODES = ("nearest", "reflect", "constant", "wrap")
_AFFINE_KEYS = ("theta", "tx", "ty", "shear", "zx", "zy")


def _check_axes(row_axis: int, col_axis: int, channel_axis: int) -> None:
    axes = (row_axis, col_axis, channel_axis)
    if len(set(axes)) != 3:
        raise ValueError(
            "'row_axis', 'col_axis', and 'channel_axis' must be distinct; "
            f"got row_axis={row_axis}, col_axis={col_axis}, channel_axis={channel_axis}."
        )
    if set(axes) != {0, 1, 2}:
        raise ValueError(
            f"Invalid axis' indices: {set(axes) - {0, 1, 2}} (each axis must be 0, 1 or 2)."
        )


# XLA compiles the resampler once per image size (about half a second), after which a call
# costs about half of the plain graph's. So a size is compiled only once it has come often:
# a loop over same-sized images gets the compiled pass, one over photos of every size never
# waits for a compiler.
_COMPILE_AFTER = 32
_SIZES_SEEN: collections.Counter = collections.Counter()
_SIZES_LOCK = threading.Lock()


def _compile_for(shape: tuple[int, ...]) -> bool:
    """Whether to use the compiled resampler for images of ``shape`` (counts the call)."""
    with _SIZES_LOCK:
        if len(_SIZES_SEEN) > 4096:  # bounded memory for endless distinct sizes
            _SIZES_SEEN.clear()
        _SIZES_SEEN[shape] += 1
        return _SIZES_SEEN[shape] > _COMPILE_AFTER


@functools.lru_cache(maxsize=32)
def _affine_function(fill_mode: str, interpolation: str, compiled: bool):
    """A graph function ``(image[1, h, w, c], params float32[6], cval) -> float32 image``."""

    # One trace for every image size.
    @tf.function(
        input_signature=[
            tf.TensorSpec([1, None, None, None], tf.float32),
            tf.TensorSpec([6], tf.float32),
            tf.TensorSpec([], tf.float32),
        ]
    )
    def warp(image, params, cval):
        values = tf.unstack(params[:, None])
        parameters = dict(zip(_AFFINE_KEYS, values, strict=True))
        return transforms.apply_parameters(
            image, parameters, fill_mode, cval, interpolation, compiled=compiled
        )

    return warp


def apply_affine_transform(
    x,
    theta: float = 0,
    tx: float = 0,
    ty: float = 0,
    shear: float = 0,
    zx: float = 1,
    zy: float = 1,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    order: int = 1,
) -> np.ndarray:
    """Applies the legacy affine transform given by its parameters to one image.

    Args:
        x: rank-3 image; its axes are named by ``row_axis``, ``col_axis`` and
            ``channel_axis`` (channels first or last).
        theta: rotation in degrees (counter-clockwise).
        tx, ty: legacy shift parameters in pixels: ``tx`` moves the content
            left along the columns, ``ty`` up along the rows.
        shear: shear angle in degrees.
        zx, zy: zoom factors along columns and rows (above 1 zooms out).
        fill_mode: ``"nearest"``, ``"reflect"``, ``"constant"`` or ``"wrap"``
            (SciPy's meaning).
        cval: value read outside the image with ``fill_mode="constant"``.
        order: 0 (nearest) or 1 (bilinear).

    Returns:
        The transformed image, same shape and dtype as ``x`` (integer dtypes
        are rounded to the nearest value). ``x`` itself when every parameter
        is neutral.
    """
    _check_axes(row_axis, col_axis, channel_axis)
    if np.ndim(x) != 3:
        raise ValueError(
            f"Input arrays must be multi-channel 2D images (rank 3); got shape {np.shape(x)}."
        )
    if channel_axis not in (0, 2):
        raise ValueError(
            f"`channel_axis` must be 0 or 2 (channels first or last); got {channel_axis}."
        )
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {_FILL_MODES}; got {fill_mode!r}.")
    if order not in (0, 1) or isinstance(order, bool):
        raise ValueError(
            f"`order` must be 0 (nearest) or 1 (bilinear); got {order!r}. "
            "SciPy's higher spline orders are not supported."
        )
    params = (theta, tx, ty, shear, zx, zy)
    if params == (0, 0, 0, 0, 1, 1):
        return x
    x = np.asarray(x)
    # To [row, col, channel], the layout the legacy matrix is written for.
    layout = (row_axis, col_axis, channel_axis)
    image = tf.convert_to_tensor(np.transpose(x, layout)[None], tf.float32)
    interpolation = "nearest" if order == 0 else "bilinear"
    warp = _affine_function(fill_mode, interpolation, _compile_for(tuple(image.shape)))
    out = warp(image, tf.constant(params, tf.float32), tf.constant(cval, tf.float32))
    out = np.transpose(out.numpy()[0], np.argsort(layout))
    return _like(out, x.dtype)


def _like(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``values`` in ``dtype``; integer dtypes are rounded and clipped to their range first."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        values = np.clip(np.round(values), info.min, info.max)
    return values.astype(dtype, copy=False)


def _random_affine(x, params, row_axis, col_axis, channel_axis, fill_mode, cval, order):
    """:func:`apply_affine_transform` with drawn ``params`` and a ``random_*`` function's options."""
    axes = dict(row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis)
    return apply_affine_transform(x, **params, **axes, fill_mode=fill_mode, cval=cval, order=order)


def random_rotation(
    x,
    rg: float,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Rotates one image by an angle drawn uniformly from ``[-rg, rg)`` degrees."""
    theta = np.random.uniform(-rg, rg)
    return _random_affine(
        x, {"theta": theta}, row_axis, col_axis, channel_axis, fill_mode, cval, interpolation_order
    )


def random_shift(
    x,
    wrg: float,
    hrg: float,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Shifts one image by random fractions of its sides (legacy conventions).

    As the legacy function: ``tx`` is drawn from ``[-hrg, hrg)`` times the
    height and ``ty`` from ``[-wrg, wrg)`` times the width, in that order,
    then applied as :func:`apply_affine_transform`'s ``tx`` and ``ty``.
    """
    height, width = np.shape(x)[row_axis], np.shape(x)[col_axis]
    tx = np.random.uniform(-hrg, hrg) * height
    ty = np.random.uniform(-wrg, wrg) * width
    return _random_affine(
        x,
        {"tx": tx, "ty": ty},
        row_axis,
        col_axis,
        channel_axis,
        fill_mode,
        cval,
        interpolation_order,
    )


def random_shear(
    x,
    intensity: float,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Shears one image by an angle drawn uniformly from ``[-intensity, intensity)`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return _random_affine(
        x, {"shear": shear}, row_axis, col_axis, channel_axis, fill_mode, cval, interpolation_order
    )


def _check_pair(name: str, value) -> None:
    if len(value) != 2:
        raise ValueError(f"`{name}` should be a tuple or list of two floats. Received: {value}")


def random_zoom(
    x,
    zoom_range,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Zooms one image by ``zx``, ``zy`` drawn independently from ``zoom_range`` (two floats)."""
    _check_pair("zoom_range", zoom_range)
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return _random_affine(
        x,
        {"zx": zx, "zy": zy},
        row_axis,
        col_axis,
        channel_axis,
        fill_mode,
        cval,
        interpolation_order,
    )


def _float_result(x: np.ndarray) -> np.dtype:
    # The dtype NumPy gives ``x + python_float``: float inputs keep theirs, integers give float64.
    return np.result_type(x.dtype, 1.0)


def apply_channel_shift(x, intensity: float, channel_axis: int = 0) -> np.ndarray:
    """Adds ``intensity`` to every channel of one image, clipped to the image's min and max.

    Returns a float array (the input's float dtype, float64 for integer input).
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"apply_channel_shift: expected one image (rank 3); got shape {x.shape}.")
    image = np.moveaxis(x, channel_axis, -1)[None]
    out = transforms.legacy_channel_shift(tf.convert_to_tensor(image, tf.float32), [intensity])
    return np.moveaxis(out.numpy()[0], -1, channel_axis).astype(_float_result(x))


def random_channel_shift(x, intensity_range: float, channel_axis: int = 0) -> np.ndarray:
    """:func:`apply_channel_shift` by an intensity drawn from ``[-range, range)``."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness: float, scale: bool = True) -> np.ndarray:
    """Scales the brightness of one image by ``brightness``, as the legacy PIL path did.

    The image (``keras.config.image_data_format()`` layout) is taken to
    8-bit levels, multiplied by ``brightness``, clipped to ``[0, 255]`` and
    truncated. With ``scale=True`` (the default) the image is first
    stretched so its minimum is 0 and its maximum 255, and the result stays
    in ``[0, 255]``; with ``scale=False`` only an image with values outside
    ``[0, 255]`` is stretched, and its result is mapped back to its range.
    Returns ``float32``.
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(
            f"apply_brightness_shift: expected one image (rank 3); got shape {x.shape}."
        )
    channels_first = keras.config.image_data_format() == "channels_first"
    image = np.transpose(x, (1, 2, 0)) if channels_first else x
    out = transforms.legacy_brightness(
        tf.convert_to_tensor(image[None], tf.float32), [brightness], stretch_always=bool(scale)
    )
    out = out.numpy()[0]
    if channels_first:
        out = np.transpose(out, (2, 0, 1))
    return out.astype(keras.config.floatx())


def random_brightness(x, brightness_range, scale: bool = True) -> np.ndarray:
    """:func:`apply_brightness_shift` by a factor drawn from ``brightness_range`` (two floats)."""
    if len(brightness_range) != 2:
        raise ValueError(
            f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}"
        )
    factor = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, factor, scale)


_RESIZE_METHODS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def smart_resize(
    x,
    size: tuple[int, int],
    interpolation: str = "bilinear",
    data_format: str = "channels_last",
):
    """Resizes images to ``size`` without distorting them: the largest centred crop of that shape.

    Takes the largest crop centred in the image whose aspect ratio is
    ``size``'s, then resizes it to ``size`` with TensorFlow's resize kernel
    (``interpolation``: ``"bilinear"``, ``"nearest"``, ``"bicubic"``,
    ``"lanczos3"``, ``"lanczos5"`` or ``"area"``; no antialiasing), as Keras'
    ``smart_resize`` does.

    Args:
        x: one image ``[height, width, channels]`` or a batch
            ``[batch, height, width, channels]`` (channels first with
            ``data_format="channels_first"``), NumPy or tensor.
        size: ``(height, width)`` of the result.

    Returns:
        ``float32`` images of the new size (``nearest`` keeps the input
        dtype): a NumPy array for NumPy input, else a tensor.
    """
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    if interpolation not in _RESIZE_METHODS:
        raise ValueError(
            f"smart_resize: `interpolation` must be one of {_RESIZE_METHODS}; "
            f"got {interpolation!r}."
        )
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f'smart_resize: `data_format` must be "channels_last" or "channels_first"; '
            f"got {data_format!r}."
        )
    images = tf.convert_to_tensor(x)
    if images.shape.rank not in (3, 4):
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or "
            "`(batch_size, height, width, channels)`, but got input with incorrect rank, "
            f"of shape {images.shape}."
        )
    single = images.shape.rank == 3
    if single:
        images = images[None]
    if data_format == "channels_first":
        images = tf.transpose(images, [0, 2, 3, 1])
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    target_h, target_w = int(size[0]), int(size[1])

    def side(other, numerator, denominator, limit):
        # other * numerator / denominator, truncated like int(), then kept inside
        # the image and at least one pixel.
        value = tf.cast(tf.cast(other * numerator, tf.float64) / denominator, tf.int32)
        return tf.maximum(tf.minimum(limit, value), 1)

    # The crop keeps the target's aspect ratio and is never larger than the image;
    # the shapes may be unknown until run time (inside ``Dataset.map``).
    crop_h = side(width, target_h, target_w, height)
    crop_w = side(height, target_w, target_h, width)
    top = (height - crop_h) // 2
    left = (width - crop_w) // 2
    crop = tf.slice(images, [0, top, left, 0], [-1, crop_h, crop_w, -1])
    out = tf.image.resize(crop, (target_h, target_w), method=interpolation)
    if data_format == "channels_first":
        out = tf.transpose(out, [0, 3, 1, 2])
    if single:
        out = out[0]
    return out.numpy() if isinstance(x, np.ndarray) else out


class ImageFileError(UnreadableImageError, OSError):
    """:func:`load_img` could not decode a file: an ``OSError`` as PIL's own error was."""


def load_img(
    path,
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
):
    """Loads an image file into a PIL image, decoded by the package's one image loader.

    The same arguments and result as the legacy ``load_img``: ``color_mode``
    ``"grayscale"``, ``"rgb"`` or ``"rgba"``; ``target_size`` ``(height,
    width)`` or ``None``; ``interpolation`` a PIL filter name (``"nearest"``,
    ``"bilinear"``, ``"bicubic"``, ``"hamming"``, ``"box"``, ``"lanczos"``);
    ``keep_aspect_ratio`` crops the centre to the target's aspect ratio
    before resizing. ``path`` may also be an ``io.BytesIO``. The file is
    decoded as ``flow_from_directory`` decodes it, except that 16-bit
    grayscale keeps its values, as in the legacy function (16-bit colour is
    scaled to 0..255, where the legacy PIL conversion clipped it).

    Returns:
        A ``PIL.Image.Image`` (mode ``"L"``, ``"RGB"`` or ``"RGBA"``; 16- and
        32-bit grayscale files keep their values, in mode ``"I;16"`` or ``"I"``).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ImageFileError: the file cannot be decoded (an ``OSError`` and a
            ``ValueError``; the message names the file).
    """
    from PIL import Image

    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike, io.BytesIO)):
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode not in COLOR_MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if interpolation not in RESIZE_METHODS:
        raise ValueError(
            f"Invalid interpolation method {interpolation} specified. Supported "
            f"methods are {', '.join(RESIZE_METHODS)}"
        )
    if not isinstance(path, io.BytesIO) and not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), os.fspath(path))
    try:
        # As the legacy function: 16-bit grayscale keeps its values.
        array = load_image(
            path,
            color_mode,
            target_size,
            interpolation,
            keep_aspect_ratio,
            dtype=None,
            keep_16bit=True,
        )
    except UnreadableImageError as err:
        raise ImageFileError(str(err)) from err
    if array.shape[-1] == 1:
        return Image.fromarray(array[..., 0])
    return Image.fromarray(array)
