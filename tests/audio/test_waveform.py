"""Noise, background noise, gain, polarity, shift and reverb: measured on real signals."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_augment import audio as A
from tests.audio.signals import SR, chirp, rms, snr_db, tone

SEED = tf.constant([4, 2], tf.int64)


def speech_batch(speech, clips=4, seconds=0.5):
    """Four different 0.5 s windows of the espeak-ng recording, float32[4, time]."""
    audio, rate = speech
    n = int(seconds * rate)
    # Windows inside the spoken part (espeak-ng leaves silence at both ends).
    starts = np.linspace(0.1 * len(audio), 0.9 * len(audio) - n, clips).astype(int)
    return np.stack([audio[s : s + n] for s in starts]).astype("float32"), rate


def params_of(layer, x):
    """The parameters ``layer(x, seed=SEED)`` uses (x is [batch, time])."""
    return {
        k: np.asarray(v) for k, v in layer.draw_params(tf.constant(x)[:, :, None], SEED).items()
    }


def test_gaussian_noise_measured_snr_matches_drawn(speech):
    x, _ = speech_batch(speech)
    seconds = x.shape[1] / SR
    tones = [tone(440, seconds), chirp(100, 5000, seconds), tone(3000, seconds), tone(90, seconds)]
    x = np.concatenate([x, np.stack(tones)])
    for color in ("white", "pink", "brown"):
        layer = A.AddGaussianNoise(snr_db=(0.0, 30.0), color=color, seed=1)
        drawn = params_of(layer, x)["snr_db"]
        out = np.asarray(layer(x, seed=SEED))
        measured = np.array([snr_db(c, o) for c, o in zip(x, out)])
        np.testing.assert_allclose(measured, drawn, atol=0.5)
        assert np.ptp(drawn) > 5  # per-clip SNRs
        assert ((drawn >= 0) & (drawn <= 30)).all()


@pytest.mark.parametrize("color, slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_noise_colour_has_its_spectral_slope(color, slope):
    """Power spectral density of the added noise falls as 1/f^a (fit on log-log, 50 Hz-6 kHz)."""
    x = np.zeros((8, 8000), "float32")
    out = np.asarray(A.AddGaussianNoise(amplitude=(0.1, 0.1), color=color, seed=2)(x))
    power = np.mean(np.abs(np.fft.rfft(out, axis=1)) ** 2, axis=0)
    freqs = np.fft.rfftfreq(8000, 1 / SR)
    band = (freqs > 50) & (freqs < 6000)
    fitted = np.polyfit(np.log(freqs[band]), np.log(power[band]), 1)[0]
    assert abs(fitted - slope) < 0.15, fitted
    np.testing.assert_allclose(np.sqrt(np.mean(out**2, axis=1)), 0.1, rtol=1e-3)


def test_gaussian_noise_absolute_amplitude_ignores_signal_level():
    x = np.stack([tone(500, amplitude=a) for a in (0.01, 0.1, 0.5, 0.9)])
    layer = A.AddGaussianNoise(amplitude=(0.01, 0.05), seed=3)
    drawn = params_of(layer, x)["amplitude"]
    out = np.asarray(layer(x, seed=SEED))
    np.testing.assert_allclose([rms(o - c) for o, c in zip(out, x)], drawn, rtol=1e-3)


def test_background_noise_from_wav_folder(tmp_path, speech):
    """Noise recordings written as WAV files are read with decode_wav; the added noise is an
    excerpt of the drawn recording from the drawn start, at the drawn SNR (within 0.5 dB)."""
    rng = np.random.default_rng(0)
    recordings = [rng.uniform(-0.5, 0.5, n).astype("float32") for n in (3000, 12000, 20000)]
    for i, clip in enumerate(recordings):
        wav = tf.audio.encode_wav(tf.constant(clip)[:, None], SR)
        tf.io.write_file(str(tmp_path / f"noise{i}.wav"), wav)
    x, _ = speech_batch(speech, clips=6, seconds=0.25)
    layer = A.AddBackgroundNoise(str(tmp_path), snr_db=(5.0, 20.0), sample_rate=SR, seed=4)
    params = params_of(layer, x)
    out = np.asarray(layer(x, seed=SEED))
    assert len(set(params["index"].tolist())) > 1
    for c, o, index, start, snr in zip(x, out, params["index"], params["start"], params["snr_db"]):
        assert snr_db(c, o) == pytest.approx(snr, abs=0.5)
        # decode_wav quantises to 16 bits: compare the added noise with the excerpt, scaled.
        clip = recordings[index]
        if len(clip) >= len(c):
            assert start + len(c) <= len(clip)  # the excerpt lies inside the recording
        excerpt = clip[(start + np.arange(len(c))) % len(clip)]
        added = o - c
        scale = np.dot(added, excerpt) / np.dot(excerpt, excerpt)
        assert rms(added - scale * excerpt) < 1e-3 * rms(added)
    config = layer.get_config()
    assert config["bank"] == str(tmp_path)


def test_background_noise_refuses_other_sample_rates(tmp_path):
    wav = tf.audio.encode_wav(tf.zeros([100, 1]), 8000)
    tf.io.write_file(str(tmp_path / "slow.wav"), wav)
    with pytest.raises(ValueError, match=r"AddBackgroundNoise.*slow.wav.*8000.*16000"):
        A.AddBackgroundNoise(str(tmp_path), sample_rate=16000)
    with pytest.raises(ValueError, match=r"AddBackgroundNoise.*not a folder"):
        A.AddBackgroundNoise(str(tmp_path / "missing"))


def test_gain_changes_level_by_drawn_db(speech):
    x, _ = speech_batch(speech)
    layer = A.Gain(gain_db=(-12.0, 6.0), seed=5)
    drawn = params_of(layer, x)["gain_db"]
    out = np.asarray(layer(x, seed=SEED))
    measured = [20 * np.log10(rms(o) / rms(c)) for o, c in zip(out, x)]
    np.testing.assert_allclose(measured, drawn, atol=1e-3)
    assert ((drawn >= -12) & (drawn <= 6)).all() and np.ptp(drawn) > 1


def test_polarity_inversion_negates_about_half():
    x = np.tile(tone(200, 0.01), (64, 1))
    out = np.asarray(A.PolarityInversion(seed=6)(x))
    flipped = np.all(out == -x, axis=1)
    kept = np.all(out == x, axis=1)
    assert (flipped | kept).all()
    assert 16 <= flipped.sum() <= 48
    assert np.array_equal(np.asarray(A.PolarityInversion(probability=1.0)(x)), -x)


def test_time_shift_roll_and_zero_fill():
    x = np.stack([chirp(100, 4000, 0.25), tone(300, 0.25), chirp(3000, 200, 0.25)])
    roll = A.TimeShift(shift=(-0.5, 0.5), seed=7)
    shifts = params_of(roll, x)["shift"]
    out = np.asarray(roll(x, seed=SEED))
    for o, c, s in zip(out, x, shifts):
        np.testing.assert_array_equal(o, np.roll(c, s))
    assert len(set(shifts.tolist())) == 3 and np.abs(shifts).max() <= 2000

    zeros = A.TimeShift(shift=0.05, unit="seconds", mode="zeros", sample_rate=SR, seed=8)
    shifts = params_of(zeros, x)["shift"]
    out = np.asarray(zeros(x, seed=SEED))
    for o, c, s in zip(out, x, shifts):
        expected = np.zeros_like(c)
        if s >= 0:
            expected[s:] = c[: len(c) - s]
        else:
            expected[:s] = c[-s:]
        np.testing.assert_array_equal(o, expected)
    assert np.abs(shifts).max() <= 0.05 * SR


def test_reverb_with_given_responses_is_convolution():
    rng = np.random.default_rng(1)
    responses = [rng.normal(0, 1, n).astype("float32") for n in (50, 300)]
    x = np.stack([chirp(100, 4000, 0.1), tone(700, 0.1), tone(1500, 0.1)])
    layer = A.Reverb(impulse_responses=responses, seed=9)
    index = params_of(layer, x)["index"]
    out = np.asarray(layer(x, seed=SEED))
    for o, c, i in zip(out, x, index):
        np.testing.assert_allclose(o, np.convolve(c, responses[i])[: len(c)], atol=2e-4)


def test_synthetic_reverb_decays_with_drawn_rt60():
    """An impulse comes out as the room response; its Schroeder decay gives RT60 (from T20)."""
    x = np.zeros((4, 16000), "float32")
    x[:, 0] = 1.0
    layer = A.Reverb(rt60=(0.2, 0.6), seed=10)
    drawn = params_of(layer, x)["rt60"]
    out = np.asarray(layer(x, seed=SEED)).astype("float64")
    np.testing.assert_allclose(np.sum(out[:, :9600] ** 2, axis=1), 1.0, atol=1e-3)
    for response, rt60 in zip(out, drawn):
        tail = response[1:] ** 2
        decay = 10 * np.log10(np.cumsum(tail[::-1])[::-1] / tail.sum())
        t5, t25 = np.argmax(decay < -5), np.argmax(decay < -25)
        measured = 3 * (t25 - t5) / SR
        assert measured == pytest.approx(rt60, rel=0.15)
