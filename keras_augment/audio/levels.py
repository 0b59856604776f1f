"""Level normalisation: peak normalisation and loudness normalisation (ITU-R BS.1770-4).

Each layer measures every clip (over time and all its channels) and applies
one gain to it, so the waveform's shape is untouched. All three are
XLA-compilable.

Loudness is the integrated loudness of ITU-R BS.1770-4 in LUFS: the clip is
K-weighted (the standard's two-stage filter: a +4 dB high shelf above about
1.7 kHz and a high-pass at 38 Hz, designed for the clip's sample rate from
the analog prototype of the standard's 48 kHz coefficients), cut into 400 ms
blocks with 75 % overlap, and the mean square of the blocks above the
absolute gate (-70 LUFS) and the relative gate (10 LU below their mean) gives
``-0.691 + 10 log10(sum over channels of the mean square)``. Every channel
weighs 1 (the standard's weight for left, right and centre). The filter is
applied with its magnitude response in the frequency domain, without its
phase; the block energies, hence the loudness, differ from a causal IIR
filter's by a few hundredths of a LU. A clip shorter than one block is one
block.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.audio import dsp
from keras_augment.audio.base import WaveformAugmentation, check_sample_rate
from keras_augment.core.random import Sampler
from keras_augment.core.registry import register
from keras_augment.core.types import Range
from keras_augment.core.validation import check_choice, parse_db_range

# ----- kernels ---------------------------------------------------------------

# BS.1770's K-weighting as analog prototypes (centre Hz, gain dB, Q): they give the
# standard's 48 kHz biquad coefficients exactly, and the same filter at any other rate.
_SHELF = (1681.974450955533, 3.999843853973347, 0.7071752369554196)
_HIGH_PASS = (38.13547087602444, 0.5003270373238773)
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0


def k_weighting_coefficients(sample_rate: float) -> list[tuple[list[float], list[float]]]:
    """The two biquads ``(b, a)`` of BS.1770's K-weighting at ``sample_rate`` (bilinear
    transform of the analog prototypes, prewarped at their centre frequencies)."""
    fc, gain_db, q = _SHELF
    k = math.tan(math.pi * fc / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = (
        [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0],
        [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    )
    fc, q = _HIGH_PASS
    k = math.tan(math.pi * fc / sample_rate)
    a0 = 1.0 + k / q + k * k
    high_pass = ([1.0, -2.0, 1.0], [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    return [shelf, high_pass]


def integrated_loudness(waves: tf.Tensor, sample_rate: float) -> tf.Tensor:
    """BS.1770-4 integrated loudness of each clip in LUFS, ``float32[batch]`` (see the module
    docstring); ``-inf`` for a clip with no block above the absolute gate (silence)."""
    stages = k_weighting_coefficients(sample_rate)

    def k_weighting(freqs):
        gain = tf.ones_like(freqs)
        for b, a in stages:
            gain *= dsp.biquad_magnitude(freqs, b, a, sample_rate)
        return tf.tile(gain[None], [tf.shape(waves)[0], 1])

    weighted = dsp.frequency_response(waves, k_weighting, sample_rate)
    length = dsp.static_or_dynamic_length(waves)
    block, hop = int(round(0.4 * sample_rate)), int(round(0.1 * sample_rate))
    block = min(block, length) if isinstance(length, int) else tf.minimum(block, length)
    frames = tf.signal.frame(tf.transpose(weighted, [0, 2, 1]), block, hop, axis=-1)
    # Mean square per block and channel, summed over channels: [batch, blocks].
    power = tf.reduce_sum(tf.reduce_mean(tf.square(frames), axis=-1), axis=1)
    level = -0.691 + 10.0 * tf.math.log(tf.maximum(power, 1e-30)) / math.log(10.0)

    def gated_level(keep):
        kept = tf.cast(keep, tf.float32)
        mean = tf.math.divide_no_nan(
            tf.reduce_sum(power * kept, axis=1), tf.reduce_sum(kept, axis=1)
        )
        return -0.691 + 10.0 * tf.math.log(mean) / math.log(10.0)  # -inf when none is kept

    above_absolute = level > ABSOLUTE_GATE_LUFS
    relative = gated_level(above_absolute) + RELATIVE_GATE_LU
    return gated_level(above_absolute & (level > relative[:, None]))


def scale_to_peak(waves: tf.Tensor, peak_db: tf.Tensor, only_down: bool = False) -> tf.Tensor:
    """Scales each clip so that its largest absolute sample is ``10 ** (peak_db / 20)``.

    A silent clip is left as it is; with ``only_down`` so is a clip whose
    peak is already at or below the target.
    """
    current = dsp.peak(waves)
    gain = tf.math.divide_no_nan(dsp.db_to_amplitude(peak_db), current)
    keep = current <= 0.0
    if only_down:
        keep |= gain >= 1.0
    return waves * tf.where(keep, 1.0, gain)[:, None, None]


# ----- layers ----------------------------------------------------------------

_APPLY_TO = ("all", "only_too_loud_sounds")


@register(example={"peak_db": (-12.0, -1.0)})
class PeakNormalization(WaveformAugmentation):
    """Scales each clip so that its peak (largest absolute sample) is at a random level.

    For each clip a target ``t`` is drawn uniformly from ``peak_db`` (dB
    relative to full scale, 1.0); the clip is multiplied by
    ``10 ** (t / 20) / peak``. A silent clip is left unchanged.

    Args:
        peak_db: ``(low, high)`` target peak in dBFS; a number means that fixed
            target (``0`` puts every peak at 1.0).
        apply_to: ``"all"``, or ``"only_too_loud_sounds"`` to scale only the
            clips whose peak is above the target (never amplifying).
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("apply_to",)
    config_ranges = ("peak_db",)

    def __init__(self, peak_db: Range = (-6.0, 0.0), apply_to: str = "all", **kwargs):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.peak_db = parse_db_range(name, "peak_db", peak_db, symmetric=False)
        self.apply_to = check_choice(name, "apply_to", apply_to, _APPLY_TO)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"peak_db": sampler.uniform(*self.peak_db)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        only_down = self.apply_to == "only_too_loud_sounds"
        return scale_to_peak(waves, params["peak_db"], only_down)


@register(
    example={},
    exempt={
        "per_sample": "deterministic: every clip's peak goes to 1.0",
        "seeded": "deterministic: draws nothing",
    },
)
class Normalize(WaveformAugmentation):
    """Peak normalisation to full scale: each clip is scaled so its largest absolute sample is 1.

    The fixed-target case of :class:`PeakNormalization` (audiomentations'
    ``Normalize``); it draws nothing, so every clip is treated alike. It still
    acts only in training (``training=False`` passes clips through).

    Args:
        apply_to: ``"all"``, or ``"only_too_loud_sounds"`` to scale down only
            the clips whose peak is above 1.
        rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("apply_to",)

    deterministic = True

    def __init__(self, apply_to: str = "all", **kwargs):
        super().__init__(**kwargs)
        self.apply_to = check_choice(self.__class__.__name__, "apply_to", apply_to, _APPLY_TO)

    def draw_params(self, inputs: tf.Tensor, seed: tf.Tensor | None = None) -> dict:
        return {}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        target = tf.zeros(tf.shape(waves)[:1])
        return scale_to_peak(waves, target, self.apply_to == "only_too_loud_sounds")


@register(example={"loudness_lufs": (-30.0, -16.0)})
class LoudnessNormalization(WaveformAugmentation):
    """Scales each clip to a random integrated loudness (ITU-R BS.1770-4, LUFS).

    For each clip a target ``t`` is drawn uniformly from ``loudness_lufs``,
    its integrated loudness ``L`` is measured (K-weighted and gated; see the
    module docstring) and the clip is multiplied by ``10 ** ((t - L) / 20)``.
    Silence (no 400 ms block above -70 LUFS) is left unchanged. Loud targets
    can push samples beyond [-1, 1]; follow with clipping or a limiter if the
    output must stay in range.

    Args:
        loudness_lufs: ``(low, high)`` target loudness in LUFS; a number means
            that fixed target.
        sample_rate: Hz (the K-weighting filter and the 400 ms blocks use it).
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("sample_rate",)
    config_ranges = ("loudness_lufs",)

    def __init__(self, loudness_lufs: Range = (-31.0, -13.0), sample_rate: float = 16000, **kwargs):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.sample_rate = check_sample_rate(name, sample_rate)
        self.loudness_lufs = parse_db_range(name, "loudness_lufs", loudness_lufs, symmetric=False)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"loudness_lufs": sampler.uniform(*self.loudness_lufs)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        measured = integrated_loudness(waves, self.sample_rate)
        change = tf.where(tf.math.is_finite(measured), params["loudness_lufs"] - measured, 0.0)
        return waves * dsp.db_to_amplitude(change)[:, None, None]


__all__ = [
    "LoudnessNormalization",
    "Normalize",
    "PeakNormalization",
    "integrated_loudness",
    "k_weighting_coefficients",
    "scale_to_peak",
]
