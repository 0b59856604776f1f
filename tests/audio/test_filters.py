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


def cookbook_peaking_db(freq, center, gain_db, q, sr=SR):
    """The peaking biquad's gain at ``freq`` in dB, by SciPy (Audio EQ Cookbook formulas)."""
    from scipy import signal

    w0 = 2 * np.pi * center / sr
    amplitude, alpha = 10 ** (gain_db / 40), np.sin(w0) / (2 * q)
    b = [1 + alpha * amplitude, -2 * np.cos(w0), 1 - alpha * amplitude]
    a = [1 + alpha / amplitude, -2 * np.cos(w0), 1 - alpha / amplitude]
    _, h = signal.freqz(b, a, worN=[freq], fs=sr)
    return 20 * np.log10(np.abs(h[0]))


def test_equaliser_gain_at_each_band_centre():
    """A tone at a band's drawn centre comes out with that band's drawn gain plus the tails of
    the other six bands, as SciPy computes them from the cookbook coefficients."""
    layer = A.SevenBandParametricEQ(gain_db=(-12.0, 12.0), seed=5)
    probe = np.zeros((6, 4000), "float32")
    params = {
        k: np.asarray(v) for k, v in layer.draw_params(tf.constant(probe)[:, :, None], SEED).items()
    }
    assert (np.diff(params["center_hz"], axis=1) > 0).all()  # the bands keep their order
    for band in (2, 3, 4, 5):
        centers = params["center_hz"][:, band]
        x = np.stack([tone(f, 0.5) for f in centers])
        out = np.asarray(layer(x, seed=SEED))
        for i, (clip, f) in enumerate(zip(out, centers)):
            expected = sum(
                cookbook_peaking_db(f, *(params[k][i, j] for k in ("center_hz", "gain_db", "q")))
                for j in range(7)
            )
            own = params["gain_db"][i, band]
            assert cookbook_peaking_db(f, f, own, params["q"][i, band]) == pytest.approx(
                own, abs=1e-4
            )
            # (the middle half: a narrow band rings at the clip's ends)
            middle = clip[2000:6000]
            assert tone_gain_db(middle, f) == pytest.approx(expected, abs=0.1)
    assert np.ptp(params["gain_db"]) > 12


def test_equaliser_matches_audiomentations_peaking_filters(speech):
    """The same seven bands through audiomentations' PeakingFilter (causal IIR, SciPy sosfilt):
    the power spectra of the outputs agree within 0.5 dB in every 1/6 octave of 100 Hz-6.4 kHz
    that holds speech (within 25 dB of the loudest; the others hold only the clip's edges)."""
    am = pytest.importorskip("audiomentations")
    audio, rate = speech
    x = audio[None, : int(1.2 * rate)]
    layer = A.SevenBandParametricEQ(gain_db=(-9.0, 9.0), q=(0.7, 2.0), sample_rate=rate, seed=6)
    p = {
        k: np.asarray(v)[0] for k, v in layer.draw_params(tf.constant(x)[:, :, None], SEED).items()
    }
    out = np.asarray(layer(x, seed=SEED))[0]
    theirs = x[0]
    for f, g, q in zip(p["center_hz"], p["gain_db"], p["q"]):
        peak = am.PeakingFilter(f, f, g, g, q, q, p=1.0)
        theirs = peak(theirs, sample_rate=rate)
    freqs = np.fft.rfftfreq(len(out), 1 / rate)

    def smooth_db(y):  # power in 1/6-octave bands
        power = np.abs(np.fft.rfft(y)) ** 2
        edges = 100 * 2 ** (np.arange(0, 37) / 6)
        return np.array(
            [
                10 * np.log10(power[(freqs >= lo) & (freqs < hi)].sum())
                for lo, hi in zip(edges, edges[1:])
            ]
        )

    mine, reference = smooth_db(out), smooth_db(theirs)
    speech_bands = reference > reference.max() - 25
    assert speech_bands.sum() > 20
    np.testing.assert_allclose(mine[speech_bands], reference[speech_bands], atol=0.5)


# ISO 9613-2, table 2: atmospheric attenuation (dB/km) in the octave bands 63 Hz-8 kHz, from
# ISO 9613-1 at the bands' exact mid frequencies; (temperature C, relative humidity %).
ISO_TABLE = {
    (10.0, 70.0): (0.1, 0.4, 1.0, 1.9, 3.7, 9.7, 32.8, 117.0),
    (20.0, 70.0): (0.1, 0.3, 1.1, 2.8, 5.0, 9.0, 22.9, 76.6),
    (15.0, 50.0): (0.1, 0.5, 1.2, 2.2, 4.2, 10.8, 36.2, 129.0),
}
OCTAVES = 1000.0 * 10.0 ** (np.arange(-12, 10, 3) / 10.0)  # 63.1 Hz ... 7943 Hz


@pytest.mark.parametrize("conditions", sorted(ISO_TABLE))
def test_air_absorption_coefficients_match_the_iso_table(conditions):
    from keras_augment.audio.filters import air_absorption_db_per_m

    temperature, humidity = conditions
    ours = air_absorption_db_per_m(
        tf.constant(OCTAVES, tf.float32), tf.constant([temperature]), tf.constant([humidity])
    )
    np.testing.assert_allclose(
        1000 * np.asarray(ours)[0], ISO_TABLE[conditions], rtol=0.01, atol=0.051
    )


def test_air_absorption_attenuates_tones_by_distance():
    """Tones at the 1, 2 and 4 kHz octave centres lose the table's dB/km times the drawn
    distance (20 C, 70 %)."""
    layer = A.AirAbsorption(
        distance=(100.0, 1000.0), temperature_c=20.0, humidity=70.0, sample_rate=SR, seed=3
    )
    probe = np.zeros((6, 8000), "float32")
    distance = np.asarray(layer.draw_params(tf.constant(probe)[:, :, None], SEED)["distance"])
    assert np.ptp(distance) > 200
    for freq, per_km in zip(OCTAVES[4:7], ISO_TABLE[(20.0, 70.0)][4:7]):
        out = np.asarray(layer(np.tile(tone(freq, 0.5), (6, 1)), seed=SEED))
        for clip, d in zip(out, distance):
            middle = clip[2000:6000]
            assert tone_gain_db(middle, freq) == pytest.approx(
                -per_km * d / 1000, abs=0.05 + 0.01 * per_km * float(d) / 1000
            )


def test_air_absorption_dulls_speech_more_with_distance(speech):
    audio, rate = speech
    near = A.AirAbsorption(distance=10.0, sample_rate=rate, seed=1)
    far = A.AirAbsorption(distance=1000.0, sample_rate=rate, seed=1)
    freqs = np.fft.rfftfreq(len(audio), 1 / rate)
    high, low = freqs > 4000, freqs < 500

    def loss_db(layer, band):
        out = np.asarray(layer(audio[None]))[0]
        return 10 * np.log10(
            (np.abs(np.fft.rfft(out))[band] ** 2).sum()
            / (np.abs(np.fft.rfft(audio))[band] ** 2).sum()
        )

    assert loss_db(far, high) < loss_db(near, high) - 10
    assert loss_db(far, high) < loss_db(far, low) - 10 and loss_db(near, low) > -0.1
