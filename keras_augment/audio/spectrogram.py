"""SpecAugment layers on spectrograms: time warping, time masks and frequency masks.

Inputs are float spectrograms ``[batch, time, freq]`` or a single
``[time, freq]`` (for example ``keras.layers.MelSpectrogram`` output
transposed to time-major, or the magnitude of ``tf.signal.stft``). Masks
and warps are drawn per spectrogram. All layers are XLA-compilable.

The parameter names follow Park et al., "SpecAugment: A Simple Data
Augmentation Method for Automatic Speech Recognition" (Interspeech 2019):
``W`` time-warp parameter, ``F`` frequency-mask parameter with ``mF`` masks,
``T`` time-mask parameter with ``mT`` masks and ``p`` the largest fraction of
the frames a time mask may cover.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.audio.base import SpectrogramAugmentation
from keras_augment.core.random import Sampler
from keras_augment.core.registry import register
from keras_augment.core.validation import check_choice, check_number

# Table 1 of Park et al. (2019): W, F, mF, T, p, mT.
POLICIES = {
    "LB": {"W": 80, "F": 27, "mF": 1, "T": 100, "p": 1.0, "mT": 1},
    "LD": {"W": 80, "F": 27, "mF": 2, "T": 100, "p": 1.0, "mT": 2},
    "SM": {"W": 40, "F": 15, "mF": 2, "T": 70, "p": 0.2, "mT": 2},
    "SS": {"W": 40, "F": 27, "mF": 2, "T": 70, "p": 0.2, "mT": 2},
}

# ----- kernels ---------------------------------------------------------------


def band_mask(size: int | tf.Tensor, starts: tf.Tensor, widths: tf.Tensor) -> tf.Tensor:
    """``bool[batch, size]``: true inside any of the bands ``[start, start + width)``.

    ``starts`` and ``widths`` are ``int32[batch, count]``.
    """
    index = tf.range(size)[None, None, :]
    inside = (index >= starts[:, :, None]) & (index < (starts + widths)[:, :, None])
    return tf.reduce_any(inside, axis=1)


def mask_time(
    spectrograms: tf.Tensor, starts: tf.Tensor, widths: tf.Tensor, mask_value: float = 0.0
) -> tf.Tensor:
    """Sets the frames of the bands (``int32[batch, count]``) to ``mask_value``."""
    mask = band_mask(tf.shape(spectrograms)[1], starts, widths)[:, :, None]
    return tf.where(mask, tf.cast(mask_value, spectrograms.dtype), spectrograms)


def mask_frequency(
    spectrograms: tf.Tensor, starts: tf.Tensor, widths: tf.Tensor, mask_value: float = 0.0
) -> tf.Tensor:
    """Sets the frequency bins of the bands (``int32[batch, count]``) to ``mask_value``."""
    mask = band_mask(tf.shape(spectrograms)[2], starts, widths)[:, None, :]
    return tf.where(mask, tf.cast(mask_value, spectrograms.dtype), spectrograms)


def warp_time(spectrograms: tf.Tensor, source: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """Moves frame ``source`` to ``target`` (``float32[batch]``), stretching linearly around it.

    The first and last frames stay; the frames in between are stretched
    piecewise linearly (two segments) and read with linear interpolation.
    """
    frames = tf.shape(spectrograms)[1]
    last = tf.cast(frames - 1, tf.float32)
    t = tf.range(frames, dtype=tf.float32)[None, :]
    source, target = source[:, None], target[:, None]
    before = t * source / tf.maximum(target, 1e-6)
    after = source + (t - target) * (last - source) / tf.maximum(last - target, 1e-6)
    position = tf.clip_by_value(tf.where(t < target, before, after), 0.0, last)
    left = tf.floor(position)
    frac = (position - left)[:, :, None]
    left = tf.cast(left, tf.int32)
    right = tf.minimum(left + 1, frames - 1)
    x0 = tf.gather(spectrograms, left, axis=1, batch_dims=1)
    x1 = tf.gather(spectrograms, right, axis=1, batch_dims=1)
    return x0 + frac * (x1 - x0)


# ----- parameter drawing (shared by the layers and SpecAugment) ---------------


def draw_bands(
    sampler: Sampler, size: int | tf.Tensor, max_width: int | tf.Tensor, count: int
) -> tuple[tf.Tensor, tf.Tensor]:
    """``count`` bands per sample: widths uniform in ``[0, max_width]``, starts inside ``size``.

    ``max_width`` may be a tensor (e.g. capped by a fraction of the size).
    Returns ``(starts, widths)``, each ``int32[batch, count]``.
    """
    size = tf.cast(size, tf.int32)
    max_width = tf.minimum(tf.cast(max_width, tf.int32), size)
    widths = sampler.integers(0, max_width + 1, extra_shape=(count,))
    starts = sampler.integers(0, size - widths + 1, extra_shape=(count,))
    return starts, widths


def draw_warp(
    sampler: Sampler, frames: int | tf.Tensor, max_warp: int
) -> tuple[tf.Tensor, tf.Tensor]:
    """The warp of one spectrogram per sample: ``(source, target)`` frames, ``float32[batch]``.

    ``source`` is uniform in ``(W, frames - 1 - W)`` and moves by a distance
    uniform in ``[-W, W]``; ``W`` is ``max_warp``, reduced for short
    spectrograms so that both segments stay non-empty.
    """
    last = tf.cast(frames, tf.float32) - 1.0
    warp = tf.minimum(float(max_warp), tf.maximum(tf.floor(last / 2.0) - 1.0, 0.0))
    source = sampler.uniform(0.0, 1.0) * (last - 2.0 * warp - 2.0) + warp + 1.0
    source = tf.clip_by_value(source, 0.0, last)
    target = source + sampler.uniform(-1.0, 1.0) * warp
    return source, target


def _check_width(layer: str, name: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{layer}: `{name}` must be a non-negative integer; got {value!r}.")
    return value


# ----- layers ----------------------------------------------------------------


@register(example={"max_width": 20})
class TimeMasking(SpectrogramAugmentation):
    """Sets ``count`` random bands of consecutive frames to ``mask_value``.

    Each band's width is uniform in ``[0, min(max_width, max_ratio * frames)]``
    and its start uniform over the positions where it fits (SpecAugment's
    ``T``, ``p`` and ``mT``). Bands may overlap.

    Args:
        max_width: largest band width in frames (``T``).
        count: number of bands per spectrogram (``mT``).
        max_ratio: largest fraction of the frames one band may cover (``p``).
        mask_value: the value written into the bands.
        seed, batchwise: see :class:`AudioAugmentation`.
    """

    config_fields = ("max_width", "count", "max_ratio", "mask_value")

    def __init__(
        self,
        max_width: int = 100,
        count: int = 1,
        max_ratio: float = 1.0,
        mask_value: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.max_width = _check_width(name, "max_width", max_width)
        self.count = _check_width(name, "count", count)
        self.max_ratio = check_number(name, "max_ratio", max_ratio, low=0.0, high=1.0)
        self.mask_value = check_number(name, "mask_value", mask_value)

    def get_params(self, sampler: Sampler, spectrograms: tf.Tensor) -> dict:
        frames = tf.shape(spectrograms)[1]
        cap = tf.cast(tf.floor(self.max_ratio * tf.cast(frames, tf.float32)), tf.int32)
        starts, widths = draw_bands(sampler, frames, tf.minimum(self.max_width, cap), self.count)
        return {"starts": starts, "widths": widths}

    def transform(self, spectrograms: tf.Tensor, params: dict) -> tf.Tensor:
        return mask_time(spectrograms, params["starts"], params["widths"], self.mask_value)


@register(example={"max_width": 8})
class FrequencyMasking(SpectrogramAugmentation):
    """Sets ``count`` random bands of consecutive frequency bins to ``mask_value``.

    Each band's width is uniform in ``[0, max_width]`` (SpecAugment's ``F``) and
    its start uniform over the positions where it fits. Bands may overlap.

    Args:
        max_width: largest band width in bins (``F``).
        count: number of bands per spectrogram (``mF``).
        mask_value: the value written into the bands.
        seed, batchwise: see :class:`AudioAugmentation`.
    """

    config_fields = ("max_width", "count", "mask_value")

    def __init__(self, max_width: int = 27, count: int = 1, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.max_width = _check_width(name, "max_width", max_width)
        self.count = _check_width(name, "count", count)
        self.mask_value = check_number(name, "mask_value", mask_value)

    def get_params(self, sampler: Sampler, spectrograms: tf.Tensor) -> dict:
        starts, widths = draw_bands(sampler, tf.shape(spectrograms)[2], self.max_width, self.count)
        return {"starts": starts, "widths": widths}

    def transform(self, spectrograms: tf.Tensor, params: dict) -> tf.Tensor:
        return mask_frequency(spectrograms, params["starts"], params["widths"], self.mask_value)


@register(example={"max_warp": 10})
class TimeWarp(SpectrogramAugmentation):
    """Warps the time axis: a random frame moves by up to ``max_warp`` frames.

    SpecAugment's time warping: a frame ``w0`` uniform in
    ``(W, frames - 1 - W)`` moves to ``w0 + w`` with ``w`` uniform in
    ``[-W, W]``; the frames before and after are stretched linearly to follow
    (first and last frames fixed) and read with linear interpolation. ``W`` is
    reduced on spectrograms shorter than ``2 W + 3`` frames.

    Args:
        max_warp: ``W``, in frames.
        seed, batchwise: see :class:`AudioAugmentation`.
    """

    config_fields = ("max_warp",)

    def __init__(self, max_warp: int = 80, **kwargs):
        super().__init__(**kwargs)
        self.max_warp = _check_width(self.__class__.__name__, "max_warp", max_warp)

    def get_params(self, sampler: Sampler, spectrograms: tf.Tensor) -> dict:
        source, target = draw_warp(sampler, tf.shape(spectrograms)[1], self.max_warp)
        return {"source": source, "target": target}

    def transform(self, spectrograms: tf.Tensor, params: dict) -> tf.Tensor:
        return warp_time(spectrograms, params["source"], params["target"])


@register(
    example={
        "policy": None,
        "max_warp": 10,
        "freq_mask_width": 8,
        "freq_mask_count": 1,
        "time_mask_width": 20,
        "time_mask_count": 1,
    }
)
class SpecAugment(SpectrogramAugmentation):
    """SpecAugment: time warp, then frequency masks, then time masks, drawn per spectrogram.

    ``policy`` names a row of Table 1 of Park et al. (2019); explicit arguments
    replace single entries of it (``policy=None`` starts from no augmentation).

    ====== === === === === ==== ===
    policy W   F   mF  T   p    mT
    ====== === === === === ==== ===
    LB     80  27  1   100 1.0  1
    LD     80  27  2   100 1.0  2
    SM     40  15  2   70  0.2  2
    SS     40  27  2   70  0.2  2
    ====== === === === === ==== ===

    Args:
        policy: ``"LB"``, ``"LD"``, ``"SM"``, ``"SS"`` or ``None``.
        max_warp: ``W`` (frames).
        freq_mask_width: ``F`` (bins).
        freq_mask_count: ``mF``.
        time_mask_width: ``T`` (frames).
        time_mask_ratio: ``p``.
        time_mask_count: ``mT``.
        mask_value: the value written into masks.
        seed, batchwise: see :class:`AudioAugmentation`.
    """

    config_fields = (
        "policy",
        "max_warp",
        "freq_mask_width",
        "freq_mask_count",
        "time_mask_width",
        "time_mask_ratio",
        "time_mask_count",
        "mask_value",
    )

    def __init__(
        self,
        policy: str | None = "LB",
        max_warp: int | None = None,
        freq_mask_width: int | None = None,
        freq_mask_count: int | None = None,
        time_mask_width: int | None = None,
        time_mask_ratio: float | None = None,
        time_mask_count: int | None = None,
        mask_value: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.policy = None if policy is None else check_choice(name, "policy", policy, POLICIES)
        base = POLICIES[policy] if policy else {"W": 0, "F": 0, "mF": 0, "T": 0, "p": 1.0, "mT": 0}
        explicit = {
            "W": max_warp,
            "F": freq_mask_width,
            "mF": freq_mask_count,
            "T": time_mask_width,
            "p": time_mask_ratio,
            "mT": time_mask_count,
        }
        self.max_warp = max_warp
        self.freq_mask_width = freq_mask_width
        self.freq_mask_count = freq_mask_count
        self.time_mask_width = time_mask_width
        self.time_mask_ratio = time_mask_ratio
        self.time_mask_count = time_mask_count
        self.mask_value = check_number(name, "mask_value", mask_value)
        arg_names = {
            "W": "max_warp",
            "F": "freq_mask_width",
            "mF": "freq_mask_count",
            "T": "time_mask_width",
            "p": "time_mask_ratio",
            "mT": "time_mask_count",
        }
        values = {}
        for key, default in base.items():
            value = default if explicit[key] is None else explicit[key]
            if key == "p":
                values[key] = check_number(name, arg_names[key], value, low=0.0, high=1.0)
            else:
                values[key] = _check_width(name, arg_names[key], value)
        self.values = values

    def get_params(self, sampler: Sampler, spectrograms: tf.Tensor) -> dict:
        v = self.values
        frames, bins = tf.shape(spectrograms)[1], tf.shape(spectrograms)[2]
        params = {}
        if v["W"] > 0:
            params["source"], params["target"] = draw_warp(sampler, frames, v["W"])
        if v["mF"] > 0:
            params["freq_starts"], params["freq_widths"] = draw_bands(
                sampler, bins, v["F"], v["mF"]
            )
        if v["mT"] > 0:
            cap = tf.cast(tf.floor(v["p"] * tf.cast(frames, tf.float32)), tf.int32)
            params["time_starts"], params["time_widths"] = draw_bands(
                sampler, frames, tf.minimum(v["T"], cap), v["mT"]
            )
        return params

    def transform(self, spectrograms: tf.Tensor, params: dict) -> tf.Tensor:
        out = spectrograms
        if "source" in params:
            out = warp_time(out, params["source"], params["target"])
        if "freq_starts" in params:
            out = mask_frequency(out, params["freq_starts"], params["freq_widths"], self.mask_value)
        if "time_starts" in params:
            out = mask_time(out, params["time_starts"], params["time_widths"], self.mask_value)
        return out


__all__ = [
    "POLICIES",
    "FrequencyMasking",
    "SpecAugment",
    "TimeMasking",
    "TimeWarp",
    "band_mask",
    "draw_bands",
    "draw_warp",
    "mask_frequency",
    "mask_time",
    "warp_time",
]
