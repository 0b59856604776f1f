"""Colour layers: brightness, contrast, saturation, hue, grayscale, inversion, tone curves.

The first half of this module holds the kernels: plain functions of
``(images, per-sample parameters)`` that a reader (or a policy layer such as
RandAugment) can call alone. ``images`` is float32 ``[batch, height, width,
channels]``; a per-sample parameter is a float32 tensor of shape ``[batch]``
(or a scalar, shared by the batch); ``value_range`` is a Python
``(low, high)`` pair. Every kernel uses only ops with XLA kernels.

The second half holds the layers. They check their arguments, draw one set
of parameters per sample and call their kernel inside one XLA-compiled
function, so the steps of a layer fuse into one or two passes over the pixels
(two where a per-image statistic, such as a mean or a histogram, is needed
first). Layers whose effect is affine
per image (brightness, contrast, channel shift, grayscale, colour
degeneration, inversion) also describe themselves as a colour matrix, which
lets ``keras_augment.Pipeline`` fuse consecutive ones (see
``keras_augment.core.color_fusion``).
"""

from __future__ import annotations

import math
import numbers

import tensorflow as tf

from keras_augment.core.base import BaseAugmentation
from keras_augment.core.color_fusion import LinearColorAugmentation, affine_color_matrix
from keras_augment.core.compiled import compiled_kernel as _compiled
from keras_augment.core.compiled import per_channel_count
from keras_augment.core.keras_protocol import keras_value
from keras_augment.core.registry import register
from keras_augment.core.types import DataFormat, Range, Seed
from keras_augment.core.uint8_output import Uint8Output
from keras_augment.core.validation import (
    check_number,
    check_size,
    parse_range,
)
from keras_augment.core.value_range import KerasFactorLayer, ValueRangeMixin
from keras_augment.image.ops import tables
from keras_augment.image.ops.color import (  # noqa: F401  (the kernels, importable here too)
    LUMA_WEIGHTS,
    ValueRange,
    _adjust_hsv,
    _check_gray_channels,
    _from_255,
    _from_unit,
    _to_255,
    _to_unit,
    adjust_brightness,
    adjust_contrast,
    adjust_gamma,
    adjust_hue,
    adjust_saturation,
    auto_contrast,
    blend,
    channel_shift,
    check_rgb,
    color_jitter,
    degenerate_color,
    equalize,
    grayscale_matrix,
    invert,
    posterize,
    solarize,
    solarize_add,
    to_grayscale,
)
from keras_augment.image.ops.common import clip_to_range, per_sample

# --------------------------------------------------------------------------
# XLA entry points used by the layers
# --------------------------------------------------------------------------


def _select(images, apply, changed):
    return tf.where(tf.reshape(apply, [-1, 1, 1, 1]), changed, images)


def _grayscale_where(images, apply):
    return _select(images, apply, to_grayscale(images))


def _invert_where(images, apply, value_range):
    return _select(images, apply, invert(images, value_range))


def _solarization(images, addition, threshold, value_range):
    added = images + per_sample(addition, images, keepdims=True)
    return solarize(clip_to_range(added, value_range), threshold, value_range)


@per_channel_count(jit_compile=True, reduce_retracing=True)
def _color_jitter_xla(images, brightness, contrast, saturation, hue, value_range, output_dtype):
    # Integer images reach the kernel uncast: it reads them once and knows them finite.
    return color_jitter(images, brightness, contrast, saturation, hue, value_range, output_dtype)


_XLA = {
    kernel.__name__: _compiled(kernel)
    for kernel in (
        adjust_brightness,
        adjust_contrast,
        adjust_saturation,
        adjust_hue,
        degenerate_color,
        posterize,
        auto_contrast,
        equalize,
        adjust_gamma,
        channel_shift,
        _grayscale_where,
        _invert_where,
        _solarization,
    )
}


# --------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _zero_to(layer: str, name: str, value, low: float = 0.0, high: float = 1.0):
    """A number ``f`` in ``[0, high]`` means ``(0, f)``; a pair is a range within ``[low, high]``."""
    if _is_number(value):
        f = check_number(layer, name, value, low=0.0, high=high)
        return (0.0, f)
    return parse_range(layer, name, value, low=low, high=high, sort=True)


def _contrast_factor(layer: str, name: str, value) -> tuple[float, float]:
    """Keras' contrast factor: deviations ``(lower, upper)`` giving ``[1 - lower, 1 + upper]``."""
    if _is_number(value):
        f = check_number(layer, name, value, low=0.0, high=1.0)
        return (f, f)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(_is_number(v) for v in value)
        and 0.0 <= value[0] <= 1.0
        and 0.0 <= value[1] < math.inf
    ):
        return (float(value[0]), float(value[1]))
    raise ValueError(
        f"{layer}: `{name}` must be a number within [0, 1] or a (lower, upper) pair with "
        f"0 <= lower <= 1 and upper >= 0; got {value!r}."
    )


def _saturation_multiplier(factor: tf.Tensor) -> tf.Tensor:
    # Keras' mapping from factor in [0, 1] to a saturation multiplier: 0.5 -> 1.
    return factor / (1.0 - factor + 1e-7)


# --------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------


class _ZeroToFactorLayer(KerasFactorLayer):
    """``KerasFactorLayer`` whose number ``f`` means ``(0, f)`` and pair a range within ``[0, 1]``."""

    def _check_factor(self, factor) -> tuple[float, float]:
        return _zero_to(self.__class__.__name__, "factor", factor)


@register(example={"factor": 0.3})
class RandomBrightness(ValueRangeMixin, LinearColorAugmentation):
    """Randomly brightens or darkens images.

    Same arguments, meaning and defaults as ``keras.layers.RandomBrightness``;
    each sample gets its own delta (as in Keras).

    Args:
        factor: a number ``f`` in ``[0, 1]`` or a ``(low, high)`` pair within
            ``[-1, 1]``; a delta is drawn from ``[-f, f]`` (or the pair) and
            ``delta * (high - low)`` of ``value_range`` is added to every value.
            -1 turns an image black, 1 white.
        value_range: ``(low, high)`` of the input values; outputs are clipped
            to it. Defaults to ``(0, 255)``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
        >>> layer = keras_augment.image.color.RandomBrightness(0.2, seed=1)
        >>> layer(np.full((2, 8, 8, 3), 100.0)).shape
        TensorShape([2, 8, 8, 3])
    """

    config_fields = ("factor",)

    def __init__(
        self,
        factor: Range,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._set_value_range(value_range)

    def _set_factor(self, factor) -> None:
        """Checks and sets ``factor`` (Keras' layer has this method too)."""
        name = self.__class__.__name__
        self.factor = parse_range(name, "factor", factor, low=-1.0, high=1.0, sort=True)

    def get_params(self, sampler, batch):
        return {"delta": sampler.uniform(*self.factor)}

    def apply_images(self, images, params):
        return _XLA["adjust_brightness"](images, params["delta"], self.value_range)

    def get_color_matrix(self, params, channel_means):
        low, high = self.value_range
        shift = params["delta"][:, None] * (high - low) + tf.zeros_like(channel_means)
        n = tf.shape(channel_means)[0]
        return affine_color_matrix(tf.eye(channel_means.shape[-1], batch_shape=[n]), shift)


@register(example={"factor": 0.5})
class RandomContrast(ValueRangeMixin, LinearColorAugmentation):
    """Randomly raises or lowers the contrast of images.

    Same arguments and defaults as ``keras.layers.RandomContrast``; each
    sample gets its own factor (as in Keras). Every channel ``x`` of an image
    becomes ``(x - mean) * contrast + mean`` with ``mean`` that channel's mean
    over the image, clipped to ``value_range``.

    Args:
        factor: a number ``f`` in ``[0, 1]``: contrasts are drawn from
            ``[1 - f, 1 + f]``; or a pair ``(lower, upper)``: from
            ``[1 - lower, 1 + upper]``. This is the meaning Keras documents;
            Keras' code turns a single number into ``[1, 1 + f]`` (never
            lowering contrast) and sorts pairs, which we do not copy.
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("factor",)

    uses_channel_means = True

    def __init__(
        self,
        factor: Range,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _contrast_factor(self.__class__.__name__, "factor", factor)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        lower, upper = self.factor
        return {"contrast": sampler.uniform(1.0 - lower, 1.0 + upper)}

    # Keras' "contrast_factor": one factor per sample, shaped to broadcast over images.
    keras_transformation_keys = ("contrast_factor",)

    def keras_transformation(self, params, image_shape):
        return {"contrast_factor": params["contrast"][:, None, None, None]}

    def params_from_keras(self, transformation, image_shape):
        factor = keras_value(transformation, "contrast_factor", tf.float32)
        return {"contrast": tf.reshape(factor, [-1])}

    def apply_images(self, images, params):
        return _XLA["adjust_contrast"](images, params["contrast"], self.value_range)

    def get_color_matrix(self, params, channel_means):
        contrast = params["contrast"][:, None]
        linear = tf.linalg.diag(contrast + tf.zeros_like(channel_means))
        return affine_color_matrix(linear, (1.0 - contrast) * channel_means)


@register(example={"factor": (0.2, 0.8)})
class RandomSaturation(_ZeroToFactorLayer, BaseAugmentation):
    """Randomly changes the colour saturation of RGB images (in HSV).

    Same arguments, meaning and defaults as ``keras.layers.RandomSaturation``;
    each sample gets its own factor. A factor ``f`` multiplies the HSV
    saturation by ``f / (1 - f)``: 0 gives gray, 0.5 leaves the image
    unchanged, 1 saturates fully. Two deliberate differences from Keras'
    code: a single number ``f`` draws from ``[0, f]`` as Keras documents
    (Keras' code draws from ``[-f, f]``, making half the images gray), and
    saturation is capped at 1 whatever the value range (Keras caps it at
    ``value_range[1]``, so with ``(0, 255)`` strong factors push values below
    zero). Not affine, so a ``Pipeline`` does not fuse it.

    Args:
        factor: a number in ``[0, 1]`` or a ``(low, high)`` pair within ``[0, 1]``.
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: integer seed.
    """

    def get_params(self, sampler, batch):
        return {"saturation": _saturation_multiplier(sampler.uniform(*self.factor))}

    def apply_images(self, images, params):
        check_rgb(images, self.__class__.__name__)
        return _XLA["adjust_saturation"](images, params["saturation"], self.value_range)


@register(example={"factor": 0.3})
class RandomHue(_ZeroToFactorLayer, BaseAugmentation):
    """Randomly rotates the hue of RGB images.

    Same arguments, meaning and defaults as ``keras.layers.RandomHue``; each
    sample gets its own shift. A factor ``f`` drawn from the range turns the
    hue by ``f / 2`` of a full circle, clockwise or anticlockwise with equal
    probability: ``1.0`` is the largest change (half a turn). Not affine, so a
    ``Pipeline`` does not fuse it.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (draws from ``[0, f]``) or a
            ``(low, high)`` pair within ``[0, 1]``.
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: integer seed.
    """

    def get_params(self, sampler, batch):
        sign = tf.where(sampler.bernoulli(0.5), -1.0, 1.0)
        return {"hue": sign * sampler.uniform(*self.factor) * 0.5}

    def apply_images(self, images, params):
        check_rgb(images, self.__class__.__name__)
        return _XLA["adjust_hue"](images, params["hue"], self.value_range)


@register(example={"factor": 0.5})
class RandomGrayscale(LinearColorAugmentation):
    """Turns images to grayscale with probability ``factor`` (black-and-white augmentation).

    Same arguments, meaning and defaults as ``keras.layers.RandomGrayscale``:
    ``factor`` is the probability that an image is converted, decided for
    each sample. ``RandomGrayscale(1.0)`` always converts,
    ``RandomGrayscale(0.2)`` is the usual "black and white 20% of the time".
    Converted images keep their channel count, every channel holding the luma
    ``0.2989 R + 0.5870 G + 0.1140 B``. Images must have 1 (left unchanged)
    or 3 channels.

    Args:
        factor: probability in ``[0, 1]``. Defaults to 0.5.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: integer seed.
    """

    config_fields = ("factor",)

    def __init__(
        self, factor: float = 0.5, data_format: DataFormat = None, seed: Seed = None, **kwargs
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = check_number(self.__class__.__name__, "factor", factor, low=0.0, high=1.0)

    def get_params(self, sampler, batch):
        return {"apply": sampler.bernoulli(self.factor)}

    def apply_images(self, images, params):
        self._check_channels(images)
        return _XLA["_grayscale_where"](images, params["apply"])

    def _check_channels(self, images):
        if images.shape[-1] not in (1, 3):
            raise ValueError(
                f"{self.__class__.__name__}: expected images with 1 or 3 channels; got "
                f"shape {images.shape} (channels last)."
            )

    def get_color_matrix(self, params, channel_means):
        channels = channel_means.shape[-1]
        n = tf.shape(channel_means)[0]
        identity = tf.eye(channels, batch_shape=[n])
        gray = tf.broadcast_to(grayscale_matrix(channels), [n, channels, channels])
        linear = tf.where(tf.reshape(params["apply"], [-1, 1, 1]), gray, identity)
        return affine_color_matrix(linear, tf.zeros_like(channel_means))

    def color_clip_range(self):
        return None


@register(
    example={
        "brightness_factor": 0.2,
        "contrast_factor": 0.3,
        "saturation_factor": 0.5,
        "hue_factor": 0.1,
    }
)
class RandomColorJitter(Uint8Output, ValueRangeMixin, BaseAugmentation):
    """Randomly changes brightness, contrast, saturation and hue, in that order.

    Same arguments, meaning and defaults as ``keras.layers.RandomColorJitter``:
    each factor has the meaning it has in ``RandomBrightness``,
    ``RandomContrast``, ``RandomSaturation`` and ``RandomHue``; ``None``
    skips that step. Each sample gets its own four parameters, and the four
    steps (each clipped to ``value_range``, as in Keras) run in one
    XLA-compiled pass.

    Args:
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        brightness_factor: as ``RandomBrightness``'s ``factor``, or ``None``.
        contrast_factor: as ``RandomContrast``'s ``factor``, or ``None``.
        saturation_factor: as ``RandomSaturation``'s ``factor``, or ``None``.
        hue_factor: as ``RandomHue``'s ``factor``, or ``None``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("brightness_factor", "contrast_factor", "saturation_factor", "hue_factor")

    def __init__(
        self,
        value_range: ValueRange = (0, 255),
        brightness_factor: Range | None = None,
        contrast_factor: Range | None = None,
        saturation_factor: Range | None = None,
        hue_factor: Range | None = None,
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self._set_value_range(value_range)
        self.brightness_factor = (
            None
            if brightness_factor is None
            else parse_range(name, "brightness_factor", brightness_factor, low=-1.0, high=1.0)
        )
        self.contrast_factor = (
            None
            if contrast_factor is None
            else _contrast_factor(name, "contrast_factor", contrast_factor)
        )
        self.saturation_factor = (
            None
            if saturation_factor is None
            else _zero_to(name, "saturation_factor", saturation_factor)
        )
        self.hue_factor = None if hue_factor is None else _zero_to(name, "hue_factor", hue_factor)

    def get_params(self, sampler, batch):
        params = {}
        if self.brightness_factor is not None:
            params["brightness"] = sampler.uniform(*self.brightness_factor)
        if self.contrast_factor is not None:
            lower, upper = self.contrast_factor
            params["contrast"] = sampler.uniform(1.0 - lower, 1.0 + upper)
        if self.saturation_factor is not None:
            params["saturation"] = _saturation_multiplier(sampler.uniform(*self.saturation_factor))
        if self.hue_factor is not None:
            sign = tf.where(sampler.bernoulli(0.5), -1.0, 1.0)
            params["hue"] = sign * sampler.uniform(*self.hue_factor) * 0.5
        return params

    def apply_images(self, images, params, output_dtype="float32"):
        if not params:
            images = tf.cast(images, tf.float32)
            return tables.quantize(images) if output_dtype == "uint8" else images
        images = tf.convert_to_tensor(images)
        if images.dtype.is_floating:
            images = tf.cast(images, tf.float32)
        return _color_jitter_xla(
            images,
            params.get("brightness"),
            params.get("contrast"),
            params.get("saturation"),
            params.get("hue"),
            self.value_range,
            output_dtype,
        )


@register(example={"factor": 0.8})
class RandomColorDegeneration(_ZeroToFactorLayer, LinearColorAugmentation):
    """Randomly blends images towards their grayscale version.

    Same arguments, meaning and defaults as
    ``keras.layers.RandomColorDegeneration``; each sample gets its own factor
    (as in Keras). An image becomes ``x + f * (gray - x)``: 0 leaves it
    unchanged, 1 gives grayscale, negative values (allowed in pairs, as Keras
    allows) add colour. Clipped to ``value_range``. RGB images only.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (draws from ``[0, f]``, as Keras
            documents) or a ``(low, high)`` pair within ``[-1, 1]``.
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: integer seed.
    """

    def _check_factor(self, factor) -> tuple[float, float]:
        return _zero_to(self.__class__.__name__, "factor", factor, low=-1.0)

    def get_params(self, sampler, batch):
        return {"degeneration": sampler.uniform(*self.factor)}

    def apply_images(self, images, params):
        check_rgb(images, self.__class__.__name__)
        # degenerate_color follows PIL: its factor 1 keeps the colours.
        return _XLA["degenerate_color"](images, 1.0 - params["degeneration"], self.value_range)

    def get_color_matrix(self, params, channel_means):
        channels = channel_means.shape[-1]
        n = tf.shape(channel_means)[0]
        f = tf.reshape(params["degeneration"], [-1, 1, 1])
        linear = (1.0 - f) * tf.eye(channels, batch_shape=[n]) + f * grayscale_matrix(channels)
        return affine_color_matrix(linear, tf.zeros_like(channel_means))


@register(example={"factor": 0.5})
class RandomInvert(ValueRangeMixin, LinearColorAugmentation):
    """Randomly inverts images: ``x`` becomes ``low + high - x``.

    Same arguments, meaning and defaults as ``keras.layers.RandomInvert``:
    for each sample a probability is drawn from the ``factor`` range and the
    image is inverted with that probability (so ``factor=(1.0, 1.0)`` always
    inverts, the default ``1.0`` inverts half the images on average). Keras
    computes ``high - x``, the same for ranges starting at 0.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (probabilities from ``[0, f]``)
            or a ``(low, high)`` pair within ``[0, 1]``. Defaults to 1.0.
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("factor",)

    def __init__(
        self,
        factor: Range = 1.0,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _zero_to(self.__class__.__name__, "factor", factor)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        probability = sampler.uniform(*self.factor)
        return {"apply": sampler.uniform(0.0, 1.0) < probability}

    def apply_images(self, images, params):
        return _XLA["_invert_where"](images, params["apply"], self.value_range)

    def get_color_matrix(self, params, channel_means):
        channels = channel_means.shape[-1]
        n = tf.shape(channel_means)[0]
        sign = tf.where(params["apply"], -1.0, 1.0)
        linear = tf.eye(channels, batch_shape=[n]) * sign[:, None, None]
        low, high = self.value_range
        offset = tf.where(params["apply"], low + high, 0.0)[:, None] + tf.zeros_like(channel_means)
        return affine_color_matrix(linear, offset)

    def color_clip_range(self):
        return None  # the negative of an in-range image is in range


@register(example={"factor": (2, 4)})
class RandomPosterization(_ZeroToFactorLayer, BaseAugmentation):
    """Keeps only the top bits of each channel value (posterization).

    Same arguments and defaults as ``keras.layers.RandomPosterization``;
    each sample gets its own bit count. Values are mapped to ``[0, 255]``,
    truncated to integers, their low bits cleared, and mapped back.

    Args:
        factor: the number of bits to keep, an integer in ``[1, 8]`` (as Keras
            documents; Keras' code instead draws from ``[1, factor)``), or a
            ``(low, high)`` pair of integers: each sample keeps a number of
            bits drawn uniformly from ``low..high`` inclusive (Keras excludes
            ``high``).
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: integer seed.
    """

    def _check_factor(self, factor) -> tuple[int, int]:
        pair = factor if isinstance(factor, (tuple, list)) else (factor, factor)
        if (
            len(pair) != 2
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in pair)
            or not 1 <= pair[0] <= pair[1] <= 8
        ):
            raise ValueError(
                f"{self.__class__.__name__}: `factor` must be an integer within [1, 8] or an "
                f"ordered (low, high) pair of such integers; got {factor!r}."
            )
        return (int(pair[0]), int(pair[1]))

    def get_params(self, sampler, batch):
        low, high = self.factor
        return {"bits": tf.floor(sampler.uniform(low, high + 1.0))}

    def apply_images(self, images, params):
        return _XLA["posterize"](images, params["bits"], self.value_range)


@register(example={"addition_factor": 0.2, "threshold_factor": 0.5})
class Solarization(ValueRangeMixin, BaseAugmentation):
    """Inverts the values above a threshold, after optionally adding a constant.

    Same arguments, meaning and defaults as ``keras.layers.Solarization``;
    each sample gets its own addition and threshold (as in Keras). For each
    sample, ``a`` and ``t`` are drawn from the two factor ranges; every value
    ``x`` becomes ``y = clip(x + a * (high - low))`` and then ``y`` if
    ``y < low + t * (high - low)``, else ``low + high - y``. With the defaults
    every value is inverted. (Keras scales only the upper end of each factor
    range by 255; we scale both ends, as its documentation describes.)

    Args:
        addition_factor: a number ``f`` in ``[0, 1]`` (draws from ``[0, f]``)
            or a ``(low, high)`` pair within ``[0, 1]``: fractions of the
            value range added before thresholding. Defaults to 0.
        threshold_factor: the same, for the threshold. Defaults to 0.
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("addition_factor", "threshold_factor")

    def __init__(
        self,
        addition_factor: Range = 0.0,
        threshold_factor: Range = 0.0,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.addition_factor = _zero_to(name, "addition_factor", addition_factor)
        self.threshold_factor = _zero_to(name, "threshold_factor", threshold_factor)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        low, high = self.value_range
        return {
            "addition": sampler.uniform(*self.addition_factor) * (high - low),
            "threshold": low + sampler.uniform(*self.threshold_factor) * (high - low),
        }

    def apply_images(self, images, params):
        return _XLA["_solarization"](
            images, params["addition"], params["threshold"], self.value_range
        )


@register(
    example={},
    exempt={
        "inference_identity": "active at inference too, as in Keras",
        "per_sample": "deterministic: stretches each image to its own range",
        "seeded": "deterministic: draws nothing",
    },
)
class AutoContrast(ValueRangeMixin, BaseAugmentation):
    """Stretches each channel of each image to span the whole ``value_range``.

    Same arguments, meaning and defaults as ``keras.layers.AutoContrast``.
    Deterministic, and, as in Keras, active at inference too: with
    ``training=False`` it does the same as with ``training=True``. A constant
    channel is left unchanged.

    Args:
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self, value_range: ValueRange = (0, 255), data_format: DataFormat = None, **kwargs
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_value_range(value_range)

    def apply_images(self, images, params):
        return _XLA["auto_contrast"](images, self.value_range)

    def inference_images(self, images):
        return self.apply_images(images, {})


@register(
    example={},
    exempt={
        "per_sample": "deterministic: equalizes each image by its own histogram",
        "seeded": "deterministic: draws nothing",
    },
)
class Equalization(ValueRangeMixin, BaseAugmentation):
    """Histogram-equalises each channel of each image.

    Same arguments, meaning and defaults as ``keras.layers.Equalization``,
    with one deliberate difference: the histogram is that of each image
    (Keras pools the whole batch into one histogram per channel). As in
    Keras' code, it is applied in training only; ``training=False`` passes
    images through.

    Args:
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        bins: number of histogram bins, at least 2. Defaults to 256.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("bins",)

    def __init__(
        self,
        value_range: ValueRange = (0, 255),
        bins: int = 256,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_value_range(value_range)
        self.bins = check_size(self.__class__.__name__, "bins", bins)
        if self.bins < 2:
            raise ValueError(f"{self.__class__.__name__}: `bins` must be at least 2; got {bins!r}.")

    def apply_images(self, images, params):
        return _XLA["equalize"](images, self.value_range, self.bins)


@register(example={"shift_range": 0.3})
class RandomChannelShift(ValueRangeMixin, LinearColorAugmentation):
    """Adds a random constant to each channel (``ImageDataGenerator``'s ``channel_shift_range``).

    Each sample draws one shift per channel, in pixel units, from
    ``shift_range``; the result is clipped to ``value_range``. (The legacy
    ``ImageDataGenerator`` draws one shift for all channels of an image and
    clips to the image's own extremes.)

    Args:
        shift_range: a number ``r >= 0`` (shifts from ``[-r, r]``) or a
            ``(low, high)`` pair, in the units of the pixel values.
        value_range: ``(low, high)`` the output is clipped to. Defaults to ``(0, 255)``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("shift_range",)

    def __init__(
        self,
        shift_range: Range,
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.shift_range = parse_range(self.__class__.__name__, "shift_range", shift_range)
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        channels = batch.images.shape[-1]
        if channels is None:
            raise ValueError(
                f"{self.__class__.__name__}: expected images with a known channel count; got "
                f"shape {batch.images.shape}."
            )
        return {"shifts": sampler.uniform(*self.shift_range, extra_shape=(channels,))}

    def apply_images(self, images, params):
        return _XLA["channel_shift"](images, params["shifts"], self.value_range)

    def get_color_matrix(self, params, channel_means):
        n = tf.shape(channel_means)[0]
        linear = tf.eye(channel_means.shape[-1], batch_shape=[n])
        return affine_color_matrix(linear, params["shifts"])


@register(example={"gamma_range": (0.5, 1.5)})
class RandomGamma(ValueRangeMixin, BaseAugmentation):
    """Applies a random gamma curve: ``low + (high - low) * u ** gamma``, ``u`` the value in ``[0, 1]``.

    Each sample draws its own gamma. Gammas below 1 brighten dark tones,
    above 1 darken them; the ends of the value range stay fixed.

    Args:
        gamma_range: a ``(low, high)`` pair with ``0 < low <= high``, or a
            number ``f`` in ``[0, 1)`` meaning ``(1 - f, 1 + f)``.
            Defaults to ``(0.8, 1.2)``.
        value_range: ``(low, high)`` of the input values. Defaults to ``(0, 255)``.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    config_fields = ("gamma_range",)

    def __init__(
        self,
        gamma_range: Range = (0.8, 1.2),
        value_range: ValueRange = (0, 255),
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        if _is_number(gamma_range):
            f = check_number(name, "gamma_range", gamma_range, low=0.0)
            if f >= 1.0:
                raise ValueError(
                    f"{name}: a single `gamma_range` number must lie within [0, 1); got "
                    f"{gamma_range!r}."
                )
            self.gamma_range = (1.0 - f, 1.0 + f)
        else:
            self.gamma_range = parse_range(
                name, "gamma_range", gamma_range, low=0.0, low_inclusive=False
            )
        self._set_value_range(value_range)

    def get_params(self, sampler, batch):
        return {"gamma": sampler.uniform(*self.gamma_range)}

    def apply_images(self, images, params):
        return _XLA["adjust_gamma"](images, params["gamma"], self.value_range)


__all__ = [
    "AutoContrast",
    "Equalization",
    "RandomBrightness",
    "RandomChannelShift",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomGamma",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPosterization",
    "RandomSaturation",
    "Solarization",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "adjust_hue",
    "adjust_saturation",
    "auto_contrast",
    "blend",
    "channel_shift",
    "degenerate_color",
    "equalize",
    "invert",
    "posterize",
    "solarize",
    "solarize_add",
    "to_grayscale",
]
