"""Random low-pass, high-pass and band-pass filters.

The filters are zero-phase and applied in the frequency domain: each clip's
spectrum (zero-padded to at least twice the clip's length, so the response
does not wrap around) is multiplied by the magnitude response of a
Butterworth filter of order ``order``: ``1 / sqrt(1 + (f / fc) ** (2 * order))``
for the low-pass, the mirror image for the high-pass. So the gain is -3 dB
at the cut-off and falls by ``6 * order`` dB per octave beyond it, with no
phase shift. Cut-offs are drawn per clip, uniformly on a log-frequency scale
(equal chances per octave). All three layers are XLA-compilable.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.audio import dsp
from keras_augment.audio.base import WaveformAugmentation, check_sample_rate
from keras_augment.core.random import Sampler
from keras_augment.core.registry import register
from keras_augment.core.types import Range
from keras_augment.core.validation import check_size, parse_range


def _log_uniform(sampler: Sampler, low: float, high: float) -> tf.Tensor:
    return tf.exp(sampler.uniform(math.log(low), math.log(high)))


class _Filter(WaveformAugmentation):
    """Shared arguments of the three filters: ``sample_rate`` and ``order``."""

    def __init__(self, sample_rate: float = 16000, order: int = 4, **kwargs):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.sample_rate = check_sample_rate(name, sample_rate)
        self.order = check_size(name, "order", order)

    def _cutoff_range(self, name: str, value) -> tuple[float, float]:
        nyquist = self.sample_rate / 2.0
        return parse_range(
            self.__class__.__name__,
            name,
            value,
            low=0.0,
            low_inclusive=False,
            high=nyquist,
            symmetric=False,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"sample_rate": self.sample_rate, "order": self.order})
        return config


@register(example={"cutoff_hz": (500.0, 2000.0)})
class LowPassFilter(_Filter):
    """Removes the frequencies above a random cut-off.

    Args:
        cutoff_hz: ``(low, high)`` cut-off in Hz, within ``(0, sample_rate / 2]``.
        sample_rate: Hz.
        order: Butterworth order; the gain falls ``6 * order`` dB per octave.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    def __init__(
        self,
        cutoff_hz: Range = (150.0, 7500.0),
        sample_rate: float = 16000,
        order: int = 4,
        **kwargs,
    ):
        super().__init__(sample_rate=sample_rate, order=order, **kwargs)
        self.cutoff_hz = self._cutoff_range("cutoff_hz", cutoff_hz)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"cutoff_hz": _log_uniform(sampler, *self.cutoff_hz)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return dsp.lowpass(waves, params["cutoff_hz"], self.sample_rate, self.order)

    def get_config(self) -> dict:
        config = super().get_config()
        config["cutoff_hz"] = list(self.cutoff_hz)
        return config


@register(example={"cutoff_hz": (500.0, 2000.0)})
class HighPassFilter(_Filter):
    """Removes the frequencies below a random cut-off.

    Args:
        cutoff_hz: ``(low, high)`` cut-off in Hz, within ``(0, sample_rate / 2]``.
        sample_rate: Hz.
        order: Butterworth order; the gain falls ``6 * order`` dB per octave.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    def __init__(
        self,
        cutoff_hz: Range = (20.0, 2400.0),
        sample_rate: float = 16000,
        order: int = 4,
        **kwargs,
    ):
        super().__init__(sample_rate=sample_rate, order=order, **kwargs)
        self.cutoff_hz = self._cutoff_range("cutoff_hz", cutoff_hz)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"cutoff_hz": _log_uniform(sampler, *self.cutoff_hz)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return dsp.highpass(waves, params["cutoff_hz"], self.sample_rate, self.order)

    def get_config(self) -> dict:
        config = super().get_config()
        config["cutoff_hz"] = list(self.cutoff_hz)
        return config


@register(example={"center_hz": (500.0, 2000.0)})
class BandPassFilter(_Filter):
    """Keeps a random band: a high-pass and a low-pass around a random centre.

    The centre ``c`` is drawn log-uniformly from ``center_hz`` and the
    bandwidth as a fraction ``b`` of it from ``bandwidth_fraction``; the
    band's -3 dB edges are ``c * (1 - b / 2)`` and ``c * (1 + b / 2)`` (the
    upper edge capped just below the Nyquist frequency).

    Args:
        center_hz: ``(low, high)`` centre frequency in Hz.
        bandwidth_fraction: ``(low, high)`` bandwidth relative to the centre,
            within ``(0, 2)``.
        sample_rate: Hz.
        order: Butterworth order of each edge.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    def __init__(
        self,
        center_hz: Range = (200.0, 4000.0),
        bandwidth_fraction: Range = (0.5, 1.5),
        sample_rate: float = 16000,
        order: int = 4,
        **kwargs,
    ):
        super().__init__(sample_rate=sample_rate, order=order, **kwargs)
        name = self.__class__.__name__
        self.center_hz = self._cutoff_range("center_hz", center_hz)
        self.bandwidth_fraction = parse_range(
            name,
            "bandwidth_fraction",
            bandwidth_fraction,
            low=0.0,
            low_inclusive=False,
            high=1.999,
            symmetric=False,
        )

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        center = _log_uniform(sampler, *self.center_hz)
        fraction = sampler.uniform(*self.bandwidth_fraction)
        high = tf.minimum(center * (1.0 + fraction / 2.0), 0.499 * self.sample_rate)
        return {"low_hz": center * (1.0 - fraction / 2.0), "high_hz": high}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return dsp.bandpass(
            waves, params["low_hz"], params["high_hz"], self.sample_rate, self.order
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"center_hz": list(self.center_hz), "bandwidth_fraction": list(self.bandwidth_fraction)}
        )
        return config


__all__ = ["BandPassFilter", "HighPassFilter", "LowPassFilter"]
