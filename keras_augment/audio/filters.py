"""Random filters: low-pass, high-pass, band-pass, a seven-band equaliser and air absorption.

The filters are zero-phase and applied in the frequency domain: each clip's
spectrum (zero-padded to at least twice the clip's length, so the response
does not wrap around) is multiplied by the magnitude response of a
Butterworth filter of order ``order``: ``1 / sqrt(1 + (f / fc) ** (2 * order))``
for the low-pass, the mirror image for the high-pass. So the gain is -3 dB
at the cut-off and falls by ``6 * order`` dB per octave beyond it, with no
phase shift. Cut-offs are drawn per clip, uniformly on a log-frequency scale
(equal chances per octave). ``SevenBandParametricEQ`` and ``AirAbsorption``
are zero-phase in the same way, with the magnitude of seven peaking biquads
and of ISO 9613-1's atmospheric absorption. All are XLA-compilable.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.audio import dsp
from keras_augment.audio.base import WaveformAugmentation, check_sample_rate
from keras_augment.core.random import Sampler
from keras_augment.core.registry import register
from keras_augment.core.types import Range
from keras_augment.core.validation import check_size, parse_db_range, parse_range


def _log_uniform(sampler: Sampler, low: float, high: float) -> tf.Tensor:
    return tf.exp(sampler.uniform(math.log(low), math.log(high)))


class _Filter(WaveformAugmentation):
    """Shared arguments of the three filters: ``sample_rate`` and ``order``."""

    config_fields = ("sample_rate", "order")

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


class _CutoffFilter(_Filter):
    """A Butterworth filter (``_kernel``) at a cut-off drawn log-uniformly from ``cutoff_hz``."""

    config_ranges = ("cutoff_hz",)

    _kernel = None  # dsp.lowpass or dsp.highpass

    def __init__(self, cutoff_hz: Range, sample_rate: float, order: int, **kwargs):
        super().__init__(sample_rate=sample_rate, order=order, **kwargs)
        self.cutoff_hz = self._cutoff_range("cutoff_hz", cutoff_hz)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {"cutoff_hz": _log_uniform(sampler, *self.cutoff_hz)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return self._kernel(waves, params["cutoff_hz"], self.sample_rate, self.order)


@register(example={"cutoff_hz": (500.0, 2000.0)})
class LowPassFilter(_CutoffFilter):
    """Removes the frequencies above a random cut-off.

    Args:
        cutoff_hz: ``(low, high)`` cut-off in Hz, within ``(0, sample_rate / 2]``.
        sample_rate: Hz.
        order: Butterworth order; the gain falls ``6 * order`` dB per octave.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    _kernel = staticmethod(dsp.lowpass)

    def __init__(
        self,
        cutoff_hz: Range = (150.0, 7500.0),
        sample_rate: float = 16000,
        order: int = 4,
        **kwargs,
    ):
        super().__init__(cutoff_hz, sample_rate, order, **kwargs)


@register(example={"cutoff_hz": (500.0, 2000.0)})
class HighPassFilter(_CutoffFilter):
    """Removes the frequencies below a random cut-off.

    Args:
        cutoff_hz: ``(low, high)`` cut-off in Hz, within ``(0, sample_rate / 2]``.
        sample_rate: Hz.
        order: Butterworth order; the gain falls ``6 * order`` dB per octave.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    _kernel = staticmethod(dsp.highpass)

    def __init__(
        self,
        cutoff_hz: Range = (20.0, 2400.0),
        sample_rate: float = 16000,
        order: int = 4,
        **kwargs,
    ):
        super().__init__(cutoff_hz, sample_rate, order, **kwargs)


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

    config_ranges = ("center_hz", "bandwidth_fraction")

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


# ----- equaliser ------------------------------------------------------------

#: The ranges (Hz) the seven bands' centre frequencies are drawn from (those of
#: audiomentations' SevenBandParametricEQ): about an octave each, from 42 Hz to 9.5 kHz.
EQ_BANDS = (
    (42.0, 95.0),
    (91.0, 204.0),
    (196.0, 441.0),
    (421.0, 948.0),
    (909.0, 2045.0),
    (1957.0, 4404.0),
    (4216.0, 9486.0),
)


def peaking_coefficients(center_hz: tf.Tensor, gain_db: tf.Tensor, q: tf.Tensor, sample_rate):
    """``(b, a)`` of the peaking biquad of the Audio EQ Cookbook (R. Bristow-Johnson), one
    filter per entry of the ``float32[batch]`` arguments: gain ``gain_db`` at ``center_hz``."""
    w0 = 2.0 * math.pi * center_hz / float(sample_rate)
    amplitude = tf.pow(10.0, gain_db / 40.0)
    alpha = tf.sin(w0) / (2.0 * q)
    cos = -2.0 * tf.cos(w0)
    b = (1.0 + alpha * amplitude, cos, 1.0 - alpha * amplitude)
    a = (1.0 + alpha / amplitude, cos, 1.0 - alpha / amplitude)
    return b, a


def equalize(
    waves: tf.Tensor,
    center_hz: tf.Tensor,
    gain_db: tf.Tensor,
    q: tf.Tensor,
    sample_rate: float,
) -> tf.Tensor:
    """Applies the product of peaking filters' magnitudes (zero phase) to each clip.

    ``center_hz``, ``gain_db`` and ``q`` are ``float32[batch, bands]``; band
    ``k`` of clip ``i`` multiplies its spectrum by the magnitude of
    :func:`peaking_coefficients`, which is ``10 ** (gain_db / 20)`` at
    ``center_hz`` and tends to 1 far from it.
    """

    def gain(freqs):
        total = None
        for band in range(center_hz.shape[1]):
            b, a = peaking_coefficients(
                center_hz[:, band], gain_db[:, band], q[:, band], sample_rate
            )
            magnitude = dsp.biquad_magnitude(freqs, b, a, sample_rate)
            total = magnitude if total is None else total * magnitude
        return total

    return dsp.frequency_response(waves, gain, sample_rate)


@register(example={"gain_db": (-12.0, 12.0)})
class SevenBandParametricEQ(WaveformAugmentation):
    """Boosts or cuts seven frequency bands by random amounts: a random parametric equaliser.

    Seven peaking filters (Audio EQ Cookbook biquads, applied by their
    magnitude, with no phase shift), one per band of ``EQ_BANDS`` (42 Hz to
    9.5 kHz, about an octave each). For each clip and band the centre is drawn
    log-uniformly from the band's range (capped at 0.45 x the sample rate,
    below Nyquist), the gain uniformly from ``gain_db`` and the quality factor
    uniformly from ``q``. At its centre a band's filter has exactly its drawn
    gain; the response there also includes the tails of its neighbours.
    audiomentations' transform of that name uses shelving filters for the
    lowest and highest bands; here all seven are peaking filters.

    Args:
        gain_db: ``(low, high)`` gain of each band in dB; a number ``g`` means
            ``(-|g|, |g|)``.
        q: ``(low, high)`` quality factor (centre over bandwidth) within
            ``(0, 40]``; higher is narrower.
        sample_rate: Hz.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("sample_rate",)
    config_ranges = ("gain_db", "q")

    def __init__(
        self,
        gain_db: Range = (-12.0, 12.0),
        q: Range = (0.5, 5.0),
        sample_rate: float = 16000,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.sample_rate = check_sample_rate(name, sample_rate)
        self.gain_db = parse_db_range(name, "gain_db", gain_db)
        self.q = parse_range(name, "q", q, low=0.0, low_inclusive=False, high=40.0, symmetric=False)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        bands = len(EQ_BANDS)
        low = tf.constant([math.log(lo) for lo, _ in EQ_BANDS])
        high = tf.constant([math.log(hi) for _, hi in EQ_BANDS])
        position = sampler.uniform(0.0, 1.0, extra_shape=(bands,))
        center = tf.minimum(tf.exp(low + position * (high - low)), 0.45 * self.sample_rate)
        return {
            "center_hz": center,
            "gain_db": sampler.uniform(*self.gain_db, extra_shape=(bands,)),
            "q": sampler.uniform(*self.q, extra_shape=(bands,)),
        }

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return equalize(
            waves, params["center_hz"], params["gain_db"], params["q"], self.sample_rate
        )


# ----- air absorption ---------------------------------------------------------

_T0 = 293.15  # K, the reference temperature of ISO 9613-1
_T01 = 273.16  # K, the triple point of water


def air_absorption_db_per_m(
    freqs: tf.Tensor, temperature_c: tf.Tensor, humidity: tf.Tensor
) -> tf.Tensor:
    """Pure-tone atmospheric absorption in dB per metre by ISO 9613-1 (at 101.325 kPa).

    ``freqs`` is ``float32[bins]`` in Hz; ``temperature_c`` (degrees Celsius)
    and ``humidity`` (relative humidity, percent) are ``float32[batch]``.
    Returns ``[batch, bins]``: classical and rotational absorption plus the
    vibrational relaxation of oxygen and nitrogen.
    """
    t = (temperature_c + 273.15)[:, None]
    ratio = t / _T0
    saturation = tf.pow(10.0, -6.8346 * tf.pow(_T01 / t, 1.261) + 4.6151)
    h = humidity[:, None] * saturation  # molar concentration of water vapour, percent
    f_oxygen = 24.0 + 4.04e4 * h * (0.02 + h) / (0.391 + h)
    f_nitrogen = tf.math.rsqrt(ratio) * (
        9.0 + 280.0 * h * tf.exp(-4.170 * (tf.pow(ratio, -1.0 / 3.0) - 1.0))
    )
    f2 = tf.square(freqs)[None, :]
    relaxation = tf.pow(ratio, -2.5) * (
        0.01275 * tf.exp(-2239.1 / t) / (f_oxygen + f2 / f_oxygen)
        + 0.1068 * tf.exp(-3352.0 / t) / (f_nitrogen + f2 / f_nitrogen)
    )
    return 8.686 * f2 * (1.84e-11 * tf.sqrt(ratio) + relaxation)


def absorb(
    waves: tf.Tensor,
    distance: tf.Tensor,
    temperature_c: tf.Tensor,
    humidity: tf.Tensor,
    sample_rate: float,
) -> tf.Tensor:
    """Attenuates each frequency of each clip by its air absorption over ``distance`` metres
    (``float32[batch]``; zero phase). The spreading loss (1 / distance) is not applied."""

    def gain(freqs):
        loss_db = air_absorption_db_per_m(freqs, temperature_c, humidity) * distance[:, None]
        return dsp.db_to_amplitude(-loss_db)

    return dsp.frequency_response(waves, gain, sample_rate)


@register(example={"distance": (50.0, 300.0)})
class AirAbsorption(WaveformAugmentation):
    """Dulls each clip as air does over a random distance: high frequencies fade first.

    For each clip a source-microphone distance, a temperature and a relative
    humidity are drawn uniformly from their ranges, and every frequency is
    attenuated by ISO 9613-1's pure-tone absorption coefficient at those
    conditions times the distance (at 20 degrees C and 50 % humidity about
    0.005 dB/m at 1 kHz, 0.03 dB/m at 4 kHz, 0.1 dB/m at 8 kHz). Zero phase, in
    the frequency domain. Only the absorption is applied, not the 1 / distance
    spreading loss (use :class:`Gain` for level changes).

    Args:
        distance: ``(low, high)`` distance in metres within ``(0, 10000]``.
        temperature_c: ``(low, high)`` air temperature in degrees Celsius
            within ``[-20, 50]``.
        humidity: ``(low, high)`` relative humidity in percent within
            ``[10, 100]``.
        sample_rate: Hz.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("sample_rate",)
    config_ranges = ("distance", "temperature_c", "humidity")

    def __init__(
        self,
        distance: Range = (10.0, 100.0),
        temperature_c: Range = (10.0, 20.0),
        humidity: Range = (30.0, 90.0),
        sample_rate: float = 16000,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.sample_rate = check_sample_rate(name, sample_rate)

        def checked(argument, value, low, high, low_inclusive=True):
            return parse_range(
                name,
                argument,
                value,
                low=low,
                high=high,
                low_inclusive=low_inclusive,
                symmetric=False,
            )

        self.distance = checked("distance", distance, 0.0, 10000.0, low_inclusive=False)
        self.temperature_c = checked("temperature_c", temperature_c, -20.0, 50.0)
        self.humidity = checked("humidity", humidity, 10.0, 100.0)

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        return {
            "distance": sampler.uniform(*self.distance),
            "temperature_c": sampler.uniform(*self.temperature_c),
            "humidity": sampler.uniform(*self.humidity),
        }

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return absorb(
            waves,
            params["distance"],
            params["temperature_c"],
            params["humidity"],
            self.sample_rate,
        )


__all__ = [
    "EQ_BANDS",
    "AirAbsorption",
    "BandPassFilter",
    "HighPassFilter",
    "LowPassFilter",
    "SevenBandParametricEQ",
    "absorb",
    "air_absorption_db_per_m",
    "equalize",
    "peaking_coefficients",
]
