"""Speed change, time stretch and pitch shift: frequencies and durations measured on tones,
bursts and real speech."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_augment import audio as A
from tests.audio.signals import SR, active_duration, dominant_frequency, tone

SEED = tf.constant([8, 1], tf.int64)


def burst(freq: float, on: float = 0.2, total: float = 0.6) -> np.ndarray:
    """A tone of ``on`` seconds followed by silence, ``total`` seconds long."""
    x = np.zeros(int(total * SR), "float32")
    x[: int(on * SR)] = tone(freq, on)
    return x


def fixed(value):
    return (value, value)


@pytest.mark.parametrize("factor", [0.9, 1.5])
def test_speed_change_moves_frequency_and_duration(factor):
    x = np.stack([tone(1000, 0.6), burst(1000)])
    out = np.asarray(A.SpeedChange(factor=fixed(factor))(x))
    assert out.shape == x.shape
    # The whole clip (cut where f < 1) is a tone at f x 1000 Hz.
    valid = int(len(x[0]) * min(1.0, 1.0 / factor)) - 8
    assert dominant_frequency(out[0, :valid]) == pytest.approx(1000 * factor, rel=0.02)
    assert active_duration(out[1]) == pytest.approx(0.2 / factor, abs=0.011)  # 10 ms frames


def test_speed_change_on_speech(speech):
    audio, rate = speech
    x = np.pad(audio, (0, len(audio) // 2))[None]  # room for the slowed-down speech
    for factor in (0.9, 1.1):
        out = np.asarray(A.SpeedChange(factor=fixed(factor))(x))[0]
        ratio = active_duration(out, rate) / active_duration(x[0], rate)
        assert ratio == pytest.approx(1.0 / factor, rel=0.03)


@pytest.mark.parametrize("rate", [0.8, 1.6])
def test_time_stretch_keeps_pitch_and_scales_duration(rate):
    layer = A.TimeStretch(rate=fixed(rate), sample_rate=SR)
    out = np.asarray(layer(np.stack([burst(1000), burst(440)])))
    assert out.shape == (2, int(0.6 * SR))
    for clip, freq in zip(out, (1000, 440)):
        content = clip[: int(0.2 / rate * SR)]
        assert dominant_frequency(content) == pytest.approx(freq, rel=0.02)
        # Within one 20 ms frame: the 32 ms analysis window smears the burst's edges.
        assert active_duration(clip) == pytest.approx(0.2 / rate, abs=0.02)


def test_time_stretch_identity_rate_reconstructs():
    x = np.stack([burst(700), tone(1234, 0.6)])
    out = np.asarray(A.TimeStretch(rate=fixed(1.0))(x))
    np.testing.assert_allclose(out, x, atol=2e-3)


def test_time_stretch_on_speech_scales_duration(speech):
    audio, rate = speech
    x = np.pad(audio, (0, len(audio)))[None]  # room for the slowed-down speech
    for stretch in (0.8, 1.25):
        out = np.asarray(A.TimeStretch(rate=fixed(stretch), sample_rate=rate)(x))[0]
        ratio = active_duration(out, rate) / active_duration(x[0], rate)
        assert ratio == pytest.approx(1.0 / stretch, rel=0.06)


@pytest.mark.parametrize("semitones", [-5.0, 7.0])
def test_pitch_shift_moves_frequency_and_keeps_duration(semitones):
    layer = A.PitchShift(semitones=fixed(semitones), sample_rate=SR)
    out = np.asarray(layer(np.stack([burst(800), tone(600, 0.6)])))
    assert out.shape == (2, int(0.6 * SR))
    ratio = 2 ** (semitones / 12)
    assert dominant_frequency(out[0, : int(0.2 * SR)]) == pytest.approx(800 * ratio, rel=0.02)
    assert dominant_frequency(out[1]) == pytest.approx(600 * ratio, rel=0.02)
    assert active_duration(out[0]) == pytest.approx(0.2, abs=0.02)


def test_pitch_shift_on_speech_keeps_duration_and_moves_spectrum(speech):
    audio, rate = speech
    x = audio[None]
    out = np.asarray(A.PitchShift(semitones=fixed(4.0), sample_rate=rate)(x))[0]
    assert out.shape == audio.shape
    assert active_duration(out, rate) == pytest.approx(active_duration(audio, rate), rel=0.05)

    def centroid(y):
        power = np.abs(np.fft.rfft(y)) ** 2
        freqs = np.fft.rfftfreq(len(y), 1 / rate)
        return np.sum(freqs * power) / np.sum(power)

    assert centroid(out) / centroid(audio) == pytest.approx(2 ** (4 / 12), rel=0.1)


def test_speed_change_picks_from_a_list_of_factors():
    layer = A.SpeedChange(factors=[0.9, 1.0, 1.1], seed=3)
    drawn = np.asarray(layer.draw_params(tf.zeros([600, 800, 1]), SEED)["factor"])
    values, counts = np.unique(drawn, return_counts=True)
    np.testing.assert_allclose(values, [0.9, 1.0, 1.1], rtol=1e-6)
    assert counts.min() > 160  # about 200 each
    # The factor drawn is the one applied: a 1 kHz tone comes out at 900, 1000 or 1100 Hz.
    x = np.stack([tone(1000, 0.6)] * 6)
    out = np.asarray(layer(x))
    heard = sorted({round(dominant_frequency(clip[: int(0.5 * SR)]), -2) for clip in out})
    assert set(heard) <= {900.0, 1000.0, 1100.0} and len(heard) >= 2
    again = A.SpeedChange.from_config(layer.get_config())
    assert again.factors == (0.9, 1.0, 1.1) and again.factor is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(factors=[]), "non-empty list"),
        (dict(factors=[0.9, -1.0]), "positive"),
        (dict(factors="0.9"), "list"),
        (dict(factor=(0.9, 1.1), factors=[0.9, 1.1]), "not both"),
    ],
)
def test_speed_change_bad_factor_lists(kwargs, match):
    with pytest.raises(ValueError, match=f"SpeedChange.*{match}"):
        A.SpeedChange(**kwargs)


def test_drawn_values_are_per_clip_and_in_range():
    x = tf.zeros([16, 800, 1])
    for layer, key, low, high in [
        (A.SpeedChange(factor=(0.9, 1.1), seed=1), "factor", 0.9, 1.1),
        (A.TimeStretch(rate=(0.5, 2.0), seed=1), "rate", 0.5, 2.0),
        (A.PitchShift(semitones=2, seed=1), "semitones", -2.0, 2.0),
    ]:
        drawn = np.asarray(layer.draw_params(x, SEED)[key])
        assert ((drawn >= low) & (drawn <= high)).all()
        assert len(set(drawn.tolist())) == 16
