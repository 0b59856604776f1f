"""Low-, high- and band-pass filters: attenuation of tones measured against the specification
(Butterworth magnitude: -3 dB at the cut-off, 6 dB per octave per order beyond)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_augment import audio as A
from tests.audio.signals import SR, tone, tone_gain_db

SEED = tf.constant([3, 3], tf.int64)
FREQS = (125.0, 500.0, 1000.0, 2000.0, 4000.0)


def butterworth_db(ratio: float, order: int) -> float:
    return -10 * np.log10(1 + ratio ** (2 * order))


def tones():
    return np.stack([tone(f, 0.25) for f in FREQS])


@pytest.mark.parametrize("order", [2, 4])
def test_low_pass_attenuates_as_specified(order):
    out = np.asarray(LowPass(order)(tones()))
    for clip, f in zip(out, FREQS):
        assert tone_gain_db(clip, f) == pytest.approx(butterworth_db(f / 1000, order), abs=0.3)
    assert tone_gain_db(out[-1], 4000) < -6 * 2 * order + 1  # two octaves above


def LowPass(order):
    return A.LowPassFilter(cutoff_hz=(1000, 1000), sample_rate=SR, order=order)


def test_high_pass_attenuates_as_specified():
    out = np.asarray(A.HighPassFilter(cutoff_hz=(1000, 1000), sample_rate=SR)(tones()))
    for clip, f in zip(out[1:], FREQS[1:]):
        assert tone_gain_db(clip, f) == pytest.approx(butterworth_db(1000 / f, 4), abs=0.3)
    # Three octaves below (-72 dB specified): the clip's onset and end limit the measurement.
    assert tone_gain_db(out[0], 125) < -55


def test_band_pass_keeps_the_band():
    layer = A.BandPassFilter(center_hz=(1000, 1000), bandwidth_fraction=(1.0, 1.0))
    out = np.asarray(layer(tones()))
    gains = {f: tone_gain_db(c, f) for c, f in zip(out, FREQS)}
    # Edges at 500 and 1500 Hz.
    assert gains[1000] == pytest.approx(
        butterworth_db(500 / 1000, 4) + butterworth_db(1000 / 1500, 4), abs=0.3
    )
    assert gains[500] == pytest.approx(-3.0, abs=0.5)
    assert gains[125] < -45 and gains[4000] < -30


def test_random_cutoffs_are_per_clip_and_measured():
    """White noise through random low-passes: each clip's spectrum is 3 dB down at its drawn
    cut-off and 24 dB down an octave above (order 4), within 1.5 dB (noise estimates)."""
    noise = np.random.default_rng(0).normal(0, 0.3, (6, 16000)).astype("float32")
    layer = A.LowPassFilter(cutoff_hz=(300, 3000), seed=4)
    cutoffs = np.asarray(layer.draw_params(tf.constant(noise)[:, :, None], SEED)["cutoff_hz"])
    out = np.asarray(layer(noise, seed=SEED))
    assert ((cutoffs >= 300) & (cutoffs <= 3000)).all() and np.ptp(cutoffs) > 500
    freqs = np.fft.rfftfreq(16000, 1 / SR)
    for clean, filtered, fc in zip(noise, out, cutoffs):
        ratio = np.abs(np.fft.rfft(filtered)) ** 2 / np.abs(np.fft.rfft(clean)) ** 2
        for multiple, expected in ((1.0, -3.01), (2.0, butterworth_db(2.0, 4))):
            near = np.abs(freqs - multiple * fc) < 20
            assert 10 * np.log10(np.median(ratio[near])) == pytest.approx(expected, abs=1.5)


def test_low_pass_on_speech(speech):
    audio, rate = speech
    out = np.asarray(A.LowPassFilter(cutoff_hz=(1000, 1000), sample_rate=rate)(audio[None]))[0]
    freqs = np.fft.rfftfreq(len(audio), 1 / rate)
    before, after = np.abs(np.fft.rfft(audio)) ** 2, np.abs(np.fft.rfft(out)) ** 2
    high = freqs > 2000
    low = freqs < 500
    assert 10 * np.log10(after[high].sum() / before[high].sum()) < -24
    assert 10 * np.log10(after[low].sum() / before[low].sum()) > -0.5
