"""The legacy ``ImageDataGenerator`` transform, batched: parameters, matrices and kernels.

The legacy class describes one random transform as a dict with the keys
``theta, tx, ty, shear, zx, zy, flip_horizontal, flip_vertical,
channel_shift_intensity, brightness`` and applies it to one image at a time
with SciPy. Here the same dict, holding ``[batch]`` tensors, becomes one 3x3
matrix per sample (:func:`legacy_matrices`), the batch is resampled once by
``keras_augment.core.resample``, and the two colour steps run as plain
tensor kernels.

Conventions reproduced from the legacy ``apply_affine_transform`` (they are
what users' images looked like, so they are kept on purpose):

* The matrix ``R(theta) @ S(tx, ty) @ Shear(shear) @ Zoom(zx, zy)`` acts on
  ``(x, y) = (column, row)`` coordinates and maps output pixels to input
  pixels, so positive ``theta`` turns the content counter-clockwise, positive
  ``tx`` moves it left and positive ``ty`` moves it up.
* It is centred on ``(x, y) = (height / 2 - 0.5, width / 2 - 0.5)``: the
  legacy code passes the height where the column centre belongs. For square
  images this is the true centre; for others it is off by half the
  difference of the sides, as it always was.
* ``tx`` is drawn from ``height_shift_range`` (scaled by the height when the
  range is a fraction) and ``ty`` from ``width_shift_range`` (scaled by the
  width), yet ``tx`` moves the content along the width and ``ty`` along the
  height. So with the legacy class, ``height_shift_range`` shifts images
  horizontally and ``width_shift_range`` vertically, by a fraction of the
  other side's length. We draw and apply the parameters exactly so.
* Flips are applied after the affine warp, channel shift after the warp
  (one intensity for every channel, clipped to the warped image's own
  minimum and maximum), and brightness last, with the PIL semantics the
  legacy class used (see :func:`legacy_brightness`).
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core.resample import resample
from keras_augment.core.validation import check_number
from keras_augment.image.ops.color import channel_shift

PARAMETER_KEYS = (
    "theta",
    "tx",
    "ty",
    "shear",
    "zx",
    "zy",
    "flip_horizontal",
    "flip_vertical",
    "channel_shift_intensity",
    "brightness",
)
_NEUTRAL = {"theta": 0.0, "tx": 0.0, "ty": 0.0, "shear": 0.0, "zx": 1.0, "zy": 1.0}


@dataclass(frozen=True)
class ShiftSpec:
    """How one legacy shift range draws its offsets.

    ``choices`` holds the values to pick from (each then given a random
    sign) for an int or list range, or is ``None`` for a float range drawn
    uniformly from ``[-limit, limit)``. ``fraction`` says whether the drawn
    value is a fraction of the image side (legacy: the largest entry is
    below 1).
    """

    choices: tuple[float, ...] | None
    limit: float
    fraction: bool

    @property
    def active(self) -> bool:
        return self.choices is not None or self.limit != 0


def parse_shift_range(name: str, value) -> ShiftSpec:
    """Reads a legacy ``width_shift_range`` / ``height_shift_range`` value."""
    if isinstance(value, (list, tuple, np.ndarray)):
        choices = tuple(float(v) for v in np.asarray(value, dtype="float64").ravel())
        if not choices:
            raise ValueError(f"ImageDataGenerator: `{name}` is an empty list.")
        for choice in choices:
            check_number("ImageDataGenerator", name, choice)
        return ShiftSpec(choices, 0.0, max(choices) < 1)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0:
        # An int n picks a whole number of pixels in [0, n) and a random sign.
        return ShiftSpec(tuple(float(v) for v in range(int(value))), 0.0, int(value) < 1)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        limit = check_number("ImageDataGenerator", name, value)
        return ShiftSpec(None, limit, limit < 1)
    raise ValueError(
        f"ImageDataGenerator: `{name}` must be a float (fraction of the side, or pixels "
        f"when >= 1), an int (pixels) or a list of values to choose from; got {value!r}."
    )


@dataclass(frozen=True)
class TransformConfig:
    """The random-transform part of an ``ImageDataGenerator``'s configuration."""

    rotation_range: float
    height_shift: ShiftSpec
    width_shift: ShiftSpec
    shear_range: float
    zoom_range: tuple[float, float]
    horizontal_flip: bool
    vertical_flip: bool
    channel_shift_range: float
    brightness_range: tuple[float, float] | None

    @property
    def has_geometry(self) -> bool:
        """Whether any random geometric transform is configured (else pixels stay put)."""
        return bool(
            self.rotation_range
            or self.height_shift.active
            or self.width_shift.active
            or self.shear_range
            or tuple(self.zoom_range) != (1.0, 1.0)
            or self.horizontal_flip
            or self.vertical_flip
        )


def _shift(spec: ShiftSpec, pick: tf.Tensor, sign: tf.Tensor, side) -> tf.Tensor:
    """Turns two ``[batch]`` uniforms in ``[0, 1)`` into legacy shift offsets."""
    if not spec.active:
        return tf.zeros_like(pick)
    if spec.choices is None:
        value = (2.0 * pick - 1.0) * spec.limit
    else:
        count = len(spec.choices)
        index = tf.minimum(tf.cast(tf.floor(pick * count), tf.int32), count - 1)
        value = tf.gather(tf.constant(spec.choices, tf.float32), index)
        value = tf.where(sign < 0.5, -value, value)
    if spec.fraction:
        value = value * tf.cast(side, tf.float32)
    return value


# Rows of the one uniform draw that feeds every parameter.
_ROWS = (
    "theta tx_pick tx_sign ty_pick ty_sign shear zx zy flip_h flip_v channel_shift brightness"
).split()


def draw_parameters(
    config: TransformConfig, seed: tf.Tensor, batch_size, height, width
) -> dict[str, tf.Tensor | None]:
    """Draws one legacy parameter dict of ``float32[batch]`` tensors from a stateless seed.

    One ``stateless_uniform`` call of shape ``[12, batch]`` feeds every
    parameter (a row each), so two generators with the same arguments and
    seed draw the same transforms whatever the channel count of their data
    (the images-and-masks recipe). ``channel_shift_intensity`` and
    ``brightness`` are ``None`` when disabled; flips are booleans.
    """
    u = tf.random.stateless_uniform([len(_ROWS), batch_size], tf.cast(seed, tf.int64))
    row = dict(zip(_ROWS, tf.unstack(u), strict=True))

    def between(name, low, high):
        return low + (high - low) * row[name]

    zeros = tf.zeros([batch_size])
    rotation = config.rotation_range
    shear = config.shear_range
    params = {
        "theta": between("theta", -rotation, rotation) if rotation else zeros,
        "tx": _shift(config.height_shift, row["tx_pick"], row["tx_sign"], height),
        "ty": _shift(config.width_shift, row["ty_pick"], row["ty_sign"], width),
        "shear": between("shear", -shear, shear) if shear else zeros,
    }
    low, high = config.zoom_range
    if low == 1 and high == 1:
        params["zx"] = params["zy"] = tf.ones([batch_size])
    else:
        params["zx"] = between("zx", low, high)
        params["zy"] = between("zy", low, high)
    false = tf.zeros([batch_size], tf.bool)
    params["flip_horizontal"] = row["flip_h"] < 0.5 if config.horizontal_flip else false
    params["flip_vertical"] = row["flip_v"] < 0.5 if config.vertical_flip else false
    shift = config.channel_shift_range
    params["channel_shift_intensity"] = (
        between("channel_shift", -shift, shift) if shift != 0 else None
    )
    bright = config.brightness_range
    params["brightness"] = (
        between("brightness", bright[0], bright[1]) if bright is not None else None
    )
    return params


def legacy_matrices(params: dict, height, width) -> tf.Tensor:
    """``float32[batch, 3, 3]`` output-to-input matrices for legacy parameter dicts.

    ``params`` holds ``[batch]`` tensors (missing keys take their neutral
    value); ``theta`` and ``shear`` are in degrees. See the module docstring
    for the conventions, which are the legacy ones.
    """
    n = tf.shape(params["theta"])[0]

    def get(key):
        value = params.get(key)
        if value is None:
            return tf.fill([n], _NEUTRAL[key])
        return tf.cast(value, tf.float32)

    theta = get("theta") * (math.pi / 180.0)
    shear = get("shear") * (math.pi / 180.0)
    cos, sin = tf.cos(theta), tf.sin(theta)
    warp = matrices.compose(
        matrices.from_rows(cos, -sin, 0.0, sin, cos, 0.0),
        matrices.translation(-get("tx"), -get("ty")),
        matrices.from_rows(1.0, -tf.sin(shear), 0.0, 0.0, tf.cos(shear), 0.0),
        matrices.from_rows(get("zx"), 0.0, 0.0, 0.0, get("zy"), 0.0),
    )
    # The legacy centring: the height's centre on x, the width's on y.
    cx = tf.fill([n], tf.cast(height, tf.float32) / 2.0 - 0.5)
    cy = tf.fill([n], tf.cast(width, tf.float32) / 2.0 - 0.5)
    centred = matrices.compose(matrices.translation(-cx, -cy), warp, matrices.translation(cx, cy))
    flips = []
    for key, builder, side in (
        ("flip_horizontal", matrices.horizontal_flip, width),
        ("flip_vertical", matrices.vertical_flip, height),
    ):
        flag = params.get(key)
        if flag is not None:
            flips.append(builder(tf.cast(flag, tf.bool), side))
    return matrices.compose(centred, *flips)


def _image_min_max(images: tf.Tensor):
    return (
        tf.reduce_min(images, axis=[1, 2, 3], keepdims=True),
        tf.reduce_max(images, axis=[1, 2, 3], keepdims=True),
    )


def legacy_channel_shift(images: tf.Tensor, intensity) -> tf.Tensor:
    """Adds ``intensity[b]`` to every channel of image ``b``, clipped to that image's min and max."""
    low, high = _image_min_max(images)
    channels = tf.shape(images)[-1]
    shifts = tf.tile(tf.reshape(tf.cast(intensity, tf.float32), [-1, 1]), [1, channels])
    shifted = channel_shift(images, shifts, (-math.inf, math.inf))
    return tf.clip_by_value(shifted, low, high)


def legacy_brightness(images: tf.Tensor, factor, stretch_always: bool = False) -> tf.Tensor:
    """Multiplies pixel values by ``factor[b]`` the way the legacy class did through PIL.

    The legacy class converted each image to 8-bit (first stretching it to
    ``[0, 255]`` if it had values outside that range), applied
    ``PIL.ImageEnhance.Brightness`` (a blend with black: ``value * factor``,
    clipped to ``[0, 255]`` and truncated), and stretched the result back.
    So brightness is multiplicative and its output takes 256 levels; an
    alpha channel (4 channels) is carried through unscaled.

    ``stretch_always=True`` is the legacy ``apply_brightness_shift(scale=True)``:
    every image is stretched to ``[0, 255]`` first and the result stays there.
    """
    low, high = _image_min_max(images)
    outside = (low < 0.0) | (high > 255.0)
    stretch = tf.ones_like(outside) if stretch_always else outside
    span = high - low
    stretched = tf.math.divide_no_nan(images - low, span) * 255.0
    levels = tf.floor(tf.where(stretch, stretched, images))
    factor = tf.reshape(tf.cast(factor, tf.float32), [-1, 1, 1, 1])
    scaled = tf.floor(tf.clip_by_value(levels * factor, 0.0, 255.0))
    if images.shape[-1] == 4:
        scaled = tf.concat([scaled[..., :3], levels[..., 3:]], axis=-1)
    if stretch_always:
        return scaled
    return tf.where(outside, scaled / 255.0 * span + low, scaled)


def _scipy_fill_displacement(m: tf.Tensor, height, width, fill_mode: str):
    """Source coordinates as SciPy's ``"constant"`` and ``"wrap"`` modes read them.

    SciPy's ``"wrap"`` repeats the image with period ``side - 1`` (first and
    last pixel overlap) and its ``"constant"`` mode reads ``cval`` at any
    position outside ``[0, side - 1]`` instead of blending towards it. The
    legacy class used these modes, so the source positions are computed here,
    wrapped the SciPy way, and handed to the resampler as a displacement of
    the identity. Returns the displacement and the outside mask.
    """
    fh = tf.cast(height, tf.float32)
    fw = tf.cast(width, tf.float32)
    ys, xs = tf.meshgrid(tf.range(fh), tf.range(fw), indexing="ij")
    m = m[:, :, :, None, None]
    src_x = m[:, 0, 0] * xs + m[:, 0, 1] * ys + m[:, 0, 2]
    src_y = m[:, 1, 0] * xs + m[:, 1, 1] * ys + m[:, 1, 2]
    out_x = (src_x < 0.0) | (src_x > fw - 1.0)
    out_y = (src_y < 0.0) | (src_y > fh - 1.0)
    if fill_mode == "wrap":
        src_x = tf.where(out_x, tf.math.floormod(src_x, tf.maximum(fw - 1.0, 1.0)), src_x)
        src_y = tf.where(out_y, tf.math.floormod(src_y, tf.maximum(fh - 1.0, 1.0)), src_y)
    displacement = tf.stack([src_x - xs, src_y - ys], axis=-1)
    return displacement, (out_x | out_y)[..., None]


def apply_parameters(
    images: tf.Tensor,
    params: dict,
    fill_mode: str,
    cval: float,
    interpolation: str,
    geometry: bool = True,
    batch_indices: tf.Tensor | None = None,
    compiled: bool = True,
) -> tf.Tensor:
    """Applies legacy parameter dicts (``[batch]`` tensors) to ``[batch, h, w, c]`` images.

    ``images`` may have any real dtype: the resampler reads them as they are
    (a quarter of the bytes for ``uint8``) and returns ``float32``, so no
    float copy of the input is made first. With ``geometry=False`` the warp
    is skipped (the caller knows every matrix is the identity), as the legacy
    class skipped it.

    ``fill_mode`` is one of ``"nearest"``, ``"reflect"``, ``"constant"``,
    ``"wrap"`` with SciPy's meaning (what the legacy class used);
    ``interpolation`` is ``"bilinear"`` or ``"nearest"``. With
    ``batch_indices`` (``int32[batch]``), ``images`` is a source and sample
    ``b`` is ``images[batch_indices[b]]``; the warp then reads the source
    directly, without a gathered copy. ``compiled=False`` runs the
    resampler's ops as a plain graph instead of its XLA function, which
    compiles once per image size (worth it for batches of one size, not for
    single images of ever-changing sizes). Returns ``float32``.
    """
    if not geometry:
        if batch_indices is not None:
            images = tf.gather(images, batch_indices)
        return _colour_steps(tf.cast(images, tf.float32), params)
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    m = legacy_matrices(params, height, width)
    warp = resample if compiled else resample.python_function
    if fill_mode in ("constant", "wrap"):
        displacement, outside = _scipy_fill_displacement(m, height, width, fill_mode)
        out = warp(
            images,
            matrices.identity(tf.shape(m)[0]),
            shape[1:3],
            displacement=displacement,
            interpolation=interpolation,
            fill_mode="nearest",
            batch_indices=batch_indices,
        )
        if fill_mode == "constant":
            out = tf.where(outside, tf.cast(cval, tf.float32), out)
    else:
        out = warp(
            images,
            m,
            shape[1:3],
            interpolation=interpolation,
            fill_mode=fill_mode,
            batch_indices=batch_indices,
        )
    return _colour_steps(out, params)


def _colour_steps(out: tf.Tensor, params: dict) -> tf.Tensor:
    """The legacy colour steps, after the warp: channel shift, then brightness."""
    if params.get("channel_shift_intensity") is not None:
        out = legacy_channel_shift(out, params["channel_shift_intensity"])
    if params.get("brightness") is not None:
        out = legacy_brightness(out, params["brightness"])
    return out


@functools.lru_cache(maxsize=64)
def make_batch_augmenter(
    config: TransformConfig,
    fill_mode: str,
    cval: float,
    interpolation: str,
    data_format: str = "channels_last",
) -> Callable[..., tf.Tensor]:
    """One graph function ``(images, seed, indices=None) -> float32 images`` for a configuration.

    Draws the parameters of every sample from ``seed`` (``int64[2]``) and
    applies them in one pass. ``images`` are ``[batch, ...]`` in
    ``data_format``, any real dtype; with ``indices`` (``int32[batch]``) they
    are the whole source array: the warp reads each sample from it directly
    (for ``channels_last``; ``channels_first`` gathers and transposes the
    batch in the graph first), so the batch is never copied through NumPy or
    cast to float before the warp reads it. The output keeps ``data_format``.

    The resampling pass is the XLA-compiled core resampler; the parameter
    draw and the colour steps stay in the graph around it.
    Compiling everything into one XLA function was measured slower (about
    1.5x the CPU time, probably because XLA then fuses the per-sample
    arithmetic into the per-pixel loop) and costs seconds of compilation
    per image shape. Generators with the same configuration share the
    function and its traces.
    """
    channels_first = data_format == "channels_first"

    @tf.function(reduce_retracing=True)
    def augment(images, seed, indices=None):
        if channels_first:
            if indices is not None:
                images = tf.gather(images, indices)
                indices = None
            images = tf.transpose(images, [0, 2, 3, 1])
        shape = tf.shape(images)
        batch = shape[0] if indices is None else tf.shape(indices)[0]
        params = draw_parameters(config, seed, batch, shape[1], shape[2])
        out = apply_parameters(
            images,
            params,
            fill_mode,
            cval,
            interpolation,
            geometry=config.has_geometry,
            batch_indices=indices,
        )
        if channels_first:
            out = tf.transpose(out, [0, 3, 1, 2])
        return out

    return augment
