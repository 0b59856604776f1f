"""Waveform layers that keep time as it is: noise, background noise, gain, polarity, shift, reverb.

Each layer checks its arguments, draws per-clip parameters and calls a kernel
(the kernels are in :mod:`keras_augment.audio.dsp` or at the top of this
module). Inputs: float waveforms ``[batch, time]``, ``[batch, time, channels]``
or a single clip (see :mod:`keras_augment.audio.base`); outputs have the
input's shape. Every layer here is XLA-compilable (``supports_jit = True``).
"""

from __future__ import annotations

import math
import os

import numpy as np
import tensorflow as tf

from keras_augment.audio import dsp
from keras_augment.audio.base import WaveformAugmentation, check_sample_rate
from keras_augment.audio.io import clip_bank, load_wav_folder
from keras_augment.core.compiled import in_xla_context
from keras_augment.core.random import Sampler, normal
from keras_augment.core.registry import register
from keras_augment.core.types import Range
from keras_augment.core.validation import (
    check_choice,
    check_number,
    parse_db_range,
    parse_range,
)

# ----- kernels ---------------------------------------------------------------


def apply_gain(waves: tf.Tensor, gain_db: tf.Tensor) -> tf.Tensor:
    """Multiplies each clip by ``10 ** (gain_db / 20)``."""
    return waves * dsp.db_to_amplitude(gain_db)[:, None, None]


def invert_polarity(waves: tf.Tensor, invert: tf.Tensor) -> tf.Tensor:
    """Negates the clips where ``invert`` (``bool[batch]``) is true."""
    return tf.where(invert[:, None, None], -waves, waves)


# Up to this many clips (a static batch size), outside XLA, TimeShift cuts each clip out with
# its own slice: on the CPU kernels that is several times faster than one gather of every
# sample. Beyond it (the graph would grow large), with an unknown batch size, or under XLA
# (where the gather fuses and is the faster of the two) one gather is used.
_SLICED_SHIFT_MAX_BATCH = 256


def shift_time(waves: tf.Tensor, shift: tf.Tensor, roll: bool) -> tf.Tensor:
    """Moves each clip ``shift`` samples later (``int32[batch]``; negative = earlier).

    With ``roll`` the samples pushed off one end come back at the other;
    otherwise the emptied part is filled with zeros.
    """
    length = tf.shape(waves)[1]
    batch = waves.shape[0]
    if batch is not None and batch <= _SLICED_SHIFT_MAX_BATCH and not in_xla_context():
        # Clip i is the window of `length` samples at start[i] of the clip doubled (roll) or
        # padded with `length` zeros on both sides: a slice of static rank and size.
        if batch == 0:
            return waves
        if roll:
            source = tf.concat([waves, waves], axis=1)
            start = length - tf.math.floormod(shift, length)
        else:  # (a concatenation: tf.pad is several times slower here)
            zeros = tf.zeros_like(waves)
            source = tf.concat([zeros, waves, zeros], axis=1)
            start = length - tf.clip_by_value(shift, -length, length)
        size = tf.stack([1, length, -1])
        rows = [tf.slice(source, tf.stack([i, start[i], 0]), size) for i in range(batch)]
        return tf.concat(rows, axis=0)
    source = tf.range(length)[None, :] - shift[:, None]
    if roll:
        return tf.gather(waves, tf.math.floormod(source, length), axis=1, batch_dims=1)
    inside = (source >= 0) & (source < length)
    moved = tf.gather(waves, tf.clip_by_value(source, 0, length - 1), axis=1, batch_dims=1)
    return moved * tf.cast(inside, waves.dtype)[:, :, None]


def bank_excerpts(
    bank: tf.Tensor, lengths: tf.Tensor, index: tf.Tensor, start: tf.Tensor, length: int | tf.Tensor
) -> tf.Tensor:
    """Excerpts ``[batch, length]`` of the bank's clips ``index`` from sample ``start`` on.

    A clip shorter than the excerpt is looped (read modulo its length).
    """
    clip_length = tf.gather(lengths, index)
    position = tf.math.floormod(start[:, None] + tf.range(length)[None, :], clip_length[:, None])
    rows = tf.gather(bank, index)
    return tf.gather(rows, position, axis=1, batch_dims=1)


# ----- layers ----------------------------------------------------------------


@register(example={"snr_db": (5.0, 15.0)})
class AddGaussianNoise(WaveformAugmentation):
    """Adds Gaussian noise (white, pink or brown) at a random signal-to-noise ratio.

    By default the noise level is set per clip from a signal-to-noise ratio
    drawn uniformly from ``snr_db`` (SNR = 20 log10(rms(clip) / rms(noise))
    over the whole clip, all channels); a silent clip stays silent. With
    ``amplitude=(low, high)`` the noise RMS is drawn from that range instead,
    whatever the clip's level (``snr_db`` is then unused).

    Args:
        snr_db: ``(low, high)`` signal-to-noise ratio in dB; a number means that
            fixed value.
        amplitude: ``None`` (SNR mode) or ``(low, high)`` noise RMS in the
            waveform's units (absolute mode).
        color: ``"white"``, ``"pink"`` (power 1/f) or ``"brown"`` (1/f^2).
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    def __init__(
        self,
        snr_db: Range = (5.0, 40.0),
        amplitude: Range | None = None,
        color: str = "white",
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.snr_db = parse_db_range(name, "snr_db", snr_db, symmetric=False)
        self.amplitude = (
            None
            if amplitude is None
            else parse_range(name, "amplitude", amplitude, low=0.0, symmetric=False)
        )
        self.color = check_choice(name, "color", color, tuple(dsp.NOISE_EXPONENTS))

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        params = {"noise_seed": sampler.seed()}
        if self.amplitude is None:
            params["snr_db"] = sampler.uniform(*self.snr_db)
        else:
            params["amplitude"] = sampler.uniform(*self.amplitude)
        return params

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        noise = dsp.shape_noise(normal(tf.shape(waves), params["noise_seed"]), self.color)
        return dsp.add_scaled_noise(
            waves, noise, level=params.get("amplitude"), snr_db=params.get("snr_db")
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "snr_db": list(self.snr_db),
                "amplitude": None if self.amplitude is None else list(self.amplitude),
                "color": self.color,
            }
        )
        return config


def _example_noise_bank() -> dict:
    """Example arguments of ``AddBackgroundNoise``: a bank of two quarter-second noises.

    One is brown noise (integrated white noise, a rumble), the other white
    noise (a hiss), both at 0.1 RMS, from a fixed NumPy generator.
    """
    rng = np.random.default_rng(0)
    white = rng.standard_normal((2, 4000))
    brown = np.cumsum(white[0])
    brown -= np.linspace(brown[0], brown[-1], brown.size)  # no drift: loops without a jump
    bank = np.stack([brown, white[1]])
    bank *= 0.1 / np.sqrt(np.mean(bank**2, axis=1, keepdims=True))
    return {"bank": bank.astype("float32")}


@register(example=_example_noise_bank)
class AddBackgroundNoise(WaveformAugmentation):
    """Mixes a random excerpt of a recorded noise into each clip at a random SNR.

    For each clip one noise recording is picked from the bank, an excerpt of
    the clip's length starts at a random sample of it (inside the recording
    when it is long enough; recordings shorter than the clip are looped), and
    it is scaled so that the SNR (as in
    :class:`AddGaussianNoise`) equals a value drawn from ``snr_db``. The same
    excerpt goes to every channel.

    Args:
        bank: the noise recordings: a folder of ``.wav`` files (read once, at
            construction, with ``tf.audio.decode_wav``; channels averaged; every
            file must have ``sample_rate``), one float clip ``[time]``, an array
            ``[n, time]``, or a list of 1-D float clips of any lengths. Arrays
            are stored in the layer's config, so a saved model carries them.
        snr_db: ``(low, high)`` signal-to-noise ratio in dB.
        sample_rate: the sample rate the WAV files must have (Hz).
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("bank", "sample_rate")
    config_ranges = ("snr_db",)

    # Arguments that may name a folder, refused in recipes unless allowed (see load_recipe).
    path_arguments = ("bank",)

    def __init__(
        self,
        bank: str | os.PathLike | np.ndarray | list,
        snr_db: Range = (3.0, 30.0),
        sample_rate: float = 16000,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.sample_rate = check_sample_rate(name, sample_rate)
        self.snr_db = parse_db_range(name, "snr_db", snr_db, symmetric=False)
        if isinstance(bank, (str, os.PathLike)):
            self.bank = os.fspath(bank)
            clips = load_wav_folder(name, self.bank, self.sample_rate)
        else:
            self.bank = bank
            clips = bank
        bank_array, lengths = clip_bank(name, "bank", clips)
        if not isinstance(self.bank, str):
            self.bank = [bank_array[i, :n].tolist() for i, n in enumerate(lengths)]
        self._bank = tf.constant(bank_array)
        self._lengths = tf.constant(lengths)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        count = int(self._lengths.shape[0])
        index = sampler.integers(0, count)
        length = tf.gather(self._lengths, index)
        # A recording at least as long as the clip: an excerpt that fits inside it; a shorter
        # one is looped, so any start will do.
        clip = tf.shape(waves)[1]
        starts = tf.where(length >= clip, length - clip + 1, length)
        start = sampler.integers(0, starts)
        return {"index": index, "start": start, "snr_db": sampler.uniform(*self.snr_db)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        length = dsp.static_or_dynamic_length(waves)
        noise = bank_excerpts(self._bank, self._lengths, params["index"], params["start"], length)
        return dsp.mix_at_snr(waves, noise[:, :, None], params["snr_db"])


@register(example={"gain_db": (-12.0, -3.0)})
class Gain(WaveformAugmentation):
    """Multiplies each clip by a random gain drawn uniformly in dB.

    Args:
        gain_db: ``(low, high)`` gain in dB (``-6`` halves the amplitude); a
            number ``g`` means ``(-|g|, |g|)``.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_ranges = ("gain_db",)

    def __init__(self, gain_db: Range = (-12.0, 12.0), **kwargs):
        super().__init__(**kwargs)
        self.gain_db = parse_db_range(self.__class__.__name__, "gain_db", gain_db)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"gain_db": sampler.uniform(*self.gain_db)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return apply_gain(waves, params["gain_db"])


@register(example={"probability": 0.5})
class PolarityInversion(WaveformAugmentation):
    """Negates each clip (``x -> -x``) with probability ``probability``.

    Args:
        probability: chance that a clip is inverted, in ``[0, 1]``.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("probability",)

    def __init__(self, probability: float = 0.5, **kwargs):
        super().__init__(**kwargs)
        self.probability = check_number(
            self.__class__.__name__, "probability", probability, low=0.0, high=1.0
        )

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"invert": sampler.bernoulli(self.probability)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return invert_polarity(waves, params["invert"])


@register(example={"shift": 0.3})
class TimeShift(WaveformAugmentation):
    """Shifts each clip in time by a random amount, rolling it or filling with zeros.

    Args:
        shift: ``(low, high)`` shift; positive moves the sound later. A number
            ``s`` means ``(-|s|, |s|)``. In fractions of the clip's length with
            ``unit="fraction"`` (within ``[-1, 1]``), in seconds with
            ``unit="seconds"``.
        unit: ``"fraction"`` or ``"seconds"``.
        mode: ``"roll"`` (what leaves one end comes back at the other) or
            ``"zeros"`` (the emptied part is silent).
        sample_rate: Hz; needed with ``unit="seconds"``.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("unit", "mode", "sample_rate")
    config_ranges = ("shift",)

    def __init__(
        self,
        shift: Range = 0.2,
        unit: str = "fraction",
        mode: str = "roll",
        sample_rate: float | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.unit = check_choice(name, "unit", unit, ("fraction", "seconds"))
        self.mode = check_choice(name, "mode", mode, ("roll", "zeros"))
        bound = 1.0 if self.unit == "fraction" else None
        self.shift = parse_range(
            name, "shift", shift, low=None if bound is None else -1.0, high=bound
        )
        if self.unit == "seconds" and sample_rate is None:
            raise ValueError(f"{name}: `unit='seconds'` needs a `sample_rate` (Hz); got None.")
        self.sample_rate = None if sample_rate is None else check_sample_rate(name, sample_rate)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        amount = sampler.uniform(*self.shift)
        if self.unit == "fraction":
            samples = amount * tf.cast(tf.shape(waves)[1], tf.float32)
        else:
            samples = amount * self.sample_rate
        return {"shift": tf.cast(tf.round(samples), tf.int32)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return shift_time(waves, params["shift"], roll=self.mode == "roll")


@register(example={"rt60": (0.3, 0.8)})
class Reverb(WaveformAugmentation):
    """Convolves each clip with a room impulse response: a given one or a synthetic one.

    With ``impulse_responses`` (a folder of ``.wav`` files, one response
    ``[taps]``, an array ``[n, taps]`` or a list of 1-D responses) each clip
    gets one of them at random. Without, each clip gets a synthetic response:
    a direct impulse followed by exponentially decaying white noise whose
    reverberation time RT60 (60 dB of decay) is drawn from ``rt60``; it lasts
    ``max(rt60)`` seconds. Responses are scaled to unit energy. The output is
    cut to the input's length (the reverberant tail past the end is dropped).

    Args:
        impulse_responses: ``None`` (synthetic) or recorded responses.
        rt60: ``(low, high)`` reverberation time in seconds (synthetic mode).
        sample_rate: Hz; the synthetic response's time axis, and the rate WAV
            files must have.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("impulse_responses", "sample_rate")
    config_ranges = ("rt60",)

    # Arguments that may name a folder, refused in recipes unless allowed (see load_recipe).
    path_arguments = ("impulse_responses",)

    def __init__(
        self,
        impulse_responses: str | os.PathLike | np.ndarray | list | None = None,
        rt60: Range = (0.2, 0.8),
        sample_rate: float = 16000,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.sample_rate = check_sample_rate(name, sample_rate)
        # Up to 10 s, the reverberation of the largest halls and cathedrals.
        self.rt60 = parse_range(
            name, "rt60", rt60, low=0.0, high=10.0, low_inclusive=False, symmetric=False
        )
        self.impulse_responses = impulse_responses
        self._responses = None
        if impulse_responses is not None:
            if isinstance(impulse_responses, (str, os.PathLike)):
                self.impulse_responses = os.fspath(impulse_responses)
                clips = load_wav_folder(name, self.impulse_responses, self.sample_rate)
            else:
                clips = impulse_responses
            bank, lengths = clip_bank(name, "impulse_responses", clips)
            if not isinstance(self.impulse_responses, str):
                self.impulse_responses = [bank[i, :n].tolist() for i, n in enumerate(lengths)]
            self._responses = tf.constant(bank)
        self._taps = int(math.ceil(self.rt60[1] * self.sample_rate))

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        if self._responses is not None:
            return {"index": sampler.integers(0, int(self._responses.shape[0]))}
        return {"rt60": sampler.uniform(*self.rt60), "noise_seed": sampler.seed()}

    def responses(self, params: dict, batch_size: int | tf.Tensor) -> tf.Tensor:
        """The impulse responses ``[batch, taps]`` that ``params`` select."""
        if "index" in params:
            return tf.gather(self._responses, params["index"])
        noise = normal(tf.stack([batch_size, self._taps]), params["noise_seed"])
        return dsp.synthetic_room_response(noise, params["rt60"], self.sample_rate)

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return dsp.convolve(waves, self.responses(params, tf.shape(waves)[0]))


__all__ = [
    "AddBackgroundNoise",
    "AddGaussianNoise",
    "Gain",
    "PolarityInversion",
    "Reverb",
    "TimeShift",
    "apply_gain",
    "bank_excerpts",
    "invert_polarity",
    "shift_time",
]
