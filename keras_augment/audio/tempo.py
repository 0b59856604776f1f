"""Waveform layers that change time or pitch: speed, tempo and pitch.

* :class:`SpeedChange` plays clips faster or slower by resampling (pitch
  moves with speed, like a tape), as in speed perturbation for speech
  recognition.
* :class:`TimeStretch` changes tempo and keeps pitch (a phase vocoder on
  ``tf.signal.stft``).
* :class:`PitchShift` changes pitch and keeps duration (time stretch, then
  resampling).

Output length: always the input's length. Content that becomes longer than
the clip (slower speed, ``rate < 1``) is cut at the end; content that becomes
shorter is followed by zeros. All three are XLA-compilable.
"""

from __future__ import annotations

import numbers

import tensorflow as tf

from keras_augment.audio import dsp
from keras_augment.audio.base import (
    SPEED_LIMITS,
    WaveformAugmentation,
    check_sample_rate,
    parse_speed_range,
)
from keras_augment.core.random import Sampler
from keras_augment.core.registry import register
from keras_augment.core.types import Range
from keras_augment.core.validation import parse_range


def change_speed(waves: tf.Tensor, factor: tf.Tensor) -> tf.Tensor:
    """Plays each clip ``factor`` times faster (``float32[batch]``), keeping the length."""
    return dsp.resample_linear(waves, factor, dsp.static_or_dynamic_length(waves))


def stretch_time(waves: tf.Tensor, rate: tf.Tensor, frame_length: int = 512) -> tf.Tensor:
    """Changes each clip's tempo by ``rate`` (> 1 faster), keeping its pitch and its length."""
    return dsp.phase_vocoder(waves, rate, dsp.static_or_dynamic_length(waves), frame_length)


@register(example={"factor": (0.8, 1.25)})
class SpeedChange(WaveformAugmentation):
    """Plays each clip faster or slower by a random factor; pitch moves with speed.

    A factor ``f`` reads the clip ``f`` times faster: frequencies are
    multiplied by ``f`` and the content lasts ``1 / f`` of its duration.
    Resampling is linear interpolation after an anti-aliasing low-pass (when
    ``f > 1``). The output keeps the input's length: cut at the end when
    ``f < 1``, zero-padded when ``f > 1``.

    Args:
        factor: ``(low, high)`` speed factor, both positive; ``(0.9, 1.1)``
            is the usual speech-recognition perturbation range.
        factors: instead of a range, a list of factors to pick from with equal
            chances, e.g. ``[0.9, 1.0, 1.1]`` (speed perturbation as Kaldi
            recipes do it: three copies of the data at three speeds). Giving
            both ``factor`` and ``factors`` is an error.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    def __init__(
        self,
        factor: Range | None = None,
        factors: list[float] | tuple[float, ...] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        if factors is not None:
            if factor is not None:
                raise ValueError(
                    f"{name}: give either `factor` (a range) or `factors` (a list to pick "
                    f"from), not both; got factor={factor!r} and factors={factors!r}."
                )
            self.factors = check_factor_list(name, factors)
            self.factor = None
        else:
            self.factors = None
            self.factor = parse_speed_range(
                name, "factor", (0.9, 1.1) if factor is None else factor
            )

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        if self.factors is not None:
            pick = sampler.integers(0, len(self.factors))
            return {"factor": tf.gather(tf.constant(self.factors, tf.float32), pick)}
        return {"factor": sampler.uniform(*self.factor)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return change_speed(waves, params["factor"])

    def get_config(self) -> dict:
        config = super().get_config()
        config["factor"] = None if self.factor is None else list(self.factor)
        config["factors"] = None if self.factors is None else list(self.factors)
        return config


def check_factor_list(layer: str, factors: list[float] | tuple[float, ...]) -> tuple[float, ...]:
    """A non-empty list of positive speed factors."""
    values = list(factors) if isinstance(factors, (list, tuple)) else None
    if (
        not values
        or any(isinstance(v, bool) or not isinstance(v, numbers.Real) for v in values)
        or not all(SPEED_LIMITS[0] <= v <= SPEED_LIMITS[1] for v in values)
    ):
        raise ValueError(
            f"{layer}: `factors` must be a non-empty list of positive numbers within "
            f"[{SPEED_LIMITS[0]:g}, {SPEED_LIMITS[1]:g}], e.g. [0.9, 1.0, 1.1]; got {factors!r}."
        )
    return tuple(float(v) for v in values)


@register(example={"rate": (0.7, 1.4)})
class TimeStretch(WaveformAugmentation):
    """Changes each clip's tempo by a random rate and keeps its pitch.

    ``rate > 1`` is faster (the content lasts ``1 / rate`` of its duration),
    ``rate < 1`` slower. A phase vocoder on ``tf.signal.stft`` with a Hann
    window of about 32 ms (the power of two nearest ``0.032 * sample_rate``
    samples) and a hop of a quarter window. The output keeps the input's
    length (cut at the end or zero-padded).

    Args:
        rate: ``(low, high)`` tempo factor, both positive.
        sample_rate: Hz; sets the analysis window.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("sample_rate",)
    config_ranges = ("rate",)

    def __init__(self, rate: Range = (0.8, 1.25), sample_rate: float = 16000, **kwargs):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.rate = parse_speed_range(name, "rate", rate)
        self.sample_rate = check_sample_rate(name, sample_rate)
        self.frame_length = dsp.default_frame_length(self.sample_rate)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"rate": sampler.uniform(*self.rate)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return stretch_time(waves, params["rate"], self.frame_length)


@register(example={"semitones": (-4.0, 4.0)})
class PitchShift(WaveformAugmentation):
    """Moves each clip's pitch by a random number of semitones and keeps its duration.

    ``n`` semitones multiply every frequency by ``2 ** (n / 12)``. The clip is
    time-stretched by that factor with the phase vocoder of
    :class:`TimeStretch`, then resampled back to its duration as in
    :class:`SpeedChange`.

    Args:
        semitones: ``(low, high)`` shift in semitones; a number ``n`` means
            ``(-|n|, |n|)``.
        sample_rate: Hz; sets the analysis window.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("sample_rate",)
    config_ranges = ("semitones",)

    def __init__(self, semitones: Range = (-4.0, 4.0), sample_rate: float = 16000, **kwargs):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.semitones = parse_range(name, "semitones", semitones, low=-48.0, high=48.0)
        self.sample_rate = check_sample_rate(name, sample_rate)
        self.frame_length = dsp.default_frame_length(self.sample_rate)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"semitones": sampler.uniform(*self.semitones)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return dsp.pitch_shift(waves, params["semitones"], self.semitones[1], self.frame_length)


__all__ = ["PitchShift", "SpeedChange", "TimeStretch", "change_speed", "stretch_time"]
