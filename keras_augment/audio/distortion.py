"""Distortion: hard clipping at random percentiles and tanh soft clipping.

Both layers add harmonics to a clip, as an overdriven amplifier, a cheap
microphone preamplifier or a saturated recording would. Their thresholds
follow each clip's own distribution of sample values (percentiles over time
and all channels), so a quiet and a loud recording are distorted alike. Both
are XLA-compilable (percentiles are a ``tf.sort`` and a gather).
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.audio import dsp
from keras_augment.audio.base import WaveformAugmentation
from keras_augment.core.random import Sampler
from keras_augment.core.registry import register
from keras_augment.core.types import Range
from keras_augment.core.validation import parse_fraction_range, parse_range

# ----- kernels ---------------------------------------------------------------


def clip_at_percentiles(waves: tf.Tensor, percent: tf.Tensor) -> tf.Tensor:
    """Clips each clip to its ``percent / 2`` and ``100 - percent / 2`` percentiles.

    ``percent`` (``float32[batch]``, in ``[0, 100]``) is the share of samples
    that end up clipped: half of them at the bottom, half at the top.
    """
    samples = dsp.clip_samples(waves)
    low = dsp.percentile(samples, percent / 2.0)
    high = dsp.percentile(samples, 100.0 - percent / 2.0)
    return tf.clip_by_value(waves, low[:, None, None], high[:, None, None])


def tanh_distort(waves: tf.Tensor, amount: tf.Tensor) -> tf.Tensor:
    """Soft-clips each clip with ``tanh`` and restores its RMS level.

    The drive puts the ``100 - 99 * amount`` percentile of ``|x|`` at
    ``tanh(0.5)``: ``y = tanh(0.5 * x / (threshold + 1e-6))``; then ``y`` is
    scaled to the RMS of ``x`` (a clip of RMS at most 1e-9 is left unscaled).
    ``amount`` is ``float32[batch]`` in ``[0, 1]``: 0 barely bends the loudest
    samples, 1 drives almost every sample into saturation.
    """
    threshold = dsp.percentile(tf.abs(dsp.clip_samples(waves)), 100.0 - 99.0 * amount)
    distorted = tf.tanh(waves * (0.5 / (threshold + 1e-6))[:, None, None])
    before = dsp.rms(waves)
    scale = tf.where(before > 1e-9, tf.math.divide_no_nan(before, dsp.rms(distorted)), 1.0)
    return distorted * scale[:, None, None]


# ----- layers ----------------------------------------------------------------


@register(example={"percentile_threshold": (10.0, 40.0)})
class ClippingDistortion(WaveformAugmentation):
    """Hard-clips a random share of each clip's samples.

    For each clip a share ``p`` (in percent) is drawn uniformly from
    ``percentile_threshold``; the clip is then clipped to its ``p / 2`` and
    ``100 - p / 2`` percentiles (over time and all channels), so that ``p``
    percent of its samples are flattened, half at each end. The same rule as
    audiomentations' ``ClippingDistortion``, with ``p`` drawn from a continuous
    range rather than among whole percents.

    Args:
        percentile_threshold: ``(low, high)`` share of clipped samples in
            percent, within ``[0, 100]``; a number means that fixed share.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_ranges = ("percentile_threshold",)

    def __init__(self, percentile_threshold: Range = (0.0, 40.0), **kwargs):
        super().__init__(**kwargs)
        self.percentile_threshold = parse_range(
            self.__class__.__name__,
            "percentile_threshold",
            percentile_threshold,
            low=0.0,
            high=100.0,
            symmetric=False,
        )

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"percent": sampler.uniform(*self.percentile_threshold)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return clip_at_percentiles(waves, params["percent"])


@register(example={"distortion": (0.3, 0.9)})
class TanhDistortion(WaveformAugmentation):
    """Soft-clips each clip through ``tanh`` at a random drive; its RMS level is kept.

    For each clip an amount ``d`` is drawn uniformly from ``distortion``; the
    clip is scaled so that the ``100 - 99 d`` percentile of its absolute
    values lands at 0.5, passed through ``tanh``, and scaled back to its
    original RMS (see :func:`tanh_distort`). The same rule as audiomentations'
    ``TanhDistortion``.

    Args:
        distortion: ``(low, high)`` amount of distortion within ``[0, 1]``; a
            number means that fixed amount.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_ranges = ("distortion",)

    def __init__(self, distortion: Range = (0.01, 0.7), **kwargs):
        super().__init__(**kwargs)
        self.distortion = parse_fraction_range(self.__class__.__name__, "distortion", distortion)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"amount": sampler.uniform(*self.distortion)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return tanh_distort(waves, params["amount"])


__all__ = ["ClippingDistortion", "TanhDistortion", "clip_at_percentiles", "tanh_distort"]
