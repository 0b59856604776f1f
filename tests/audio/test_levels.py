"""Peak and loudness normalisation: the peak lands on the drawn target; the loudness, measured
by pyloudnorm (an independent BS.1770-4 meter with causal IIR filters), on the drawn LUFS."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_augment import audio as A
from keras_augment.audio.levels import integrated_loudness
from tests.audio.signals import chirp, tone
from tests.audio.test_waveform import SEED, params_of, speech_batch


def test_peak_lands_on_the_drawn_target(speech):
    x, _ = speech_batch(speech)
    x = x * np.array([[0.05], [0.3], [1.0], [3.0]], "float32")
    layer = A.PeakNormalization(peak_db=(-20.0, 0.0), seed=1)
    drawn = params_of(layer, x)["peak_db"]
    out = np.asarray(layer(x, seed=SEED))
    measured = 20 * np.log10(np.abs(out).max(axis=1))
    np.testing.assert_allclose(measured, drawn, atol=1e-4)
    assert np.ptp(drawn) > 3
    # The shape of each clip is kept: one gain per clip.
    for o, c in zip(out, x):
        np.testing.assert_allclose(o, c * (np.abs(o).max() / np.abs(c).max()), atol=1e-6)


def test_only_too_loud_sounds_are_scaled_down():
    x = np.stack([tone(440, 0.1, amplitude=a) for a in (0.2, 0.9, 1.5, 4.0)])
    out = np.asarray(A.PeakNormalization(peak_db=-3.0, apply_to="only_too_loud_sounds")(x))
    target = 10 ** (-3 / 20)
    np.testing.assert_allclose(out[0], x[0])
    np.testing.assert_allclose(np.abs(out[1:]).max(axis=1), target, rtol=1e-5)


def test_normalize_matches_audiomentations(speech):
    am = pytest.importorskip("audiomentations")
    x, rate = speech_batch(speech)
    x = x * np.array([[0.05], [0.3], [1.0], [3.0]], "float32")
    silent = np.zeros((1, x.shape[1]), "float32")
    for apply_to in ("all", "only_too_loud_sounds"):
        out = np.asarray(A.Normalize(apply_to=apply_to)(np.concatenate([x, silent])))
        theirs = am.Normalize(apply_to=apply_to, p=1.0)
        for clip, mine in zip(x, out):
            np.testing.assert_allclose(mine, theirs(clip, sample_rate=rate), rtol=1e-5)
        assert not out[-1].any()


def _signals(speech):
    audio, rate = speech
    rng = np.random.default_rng(0)
    n = len(audio)
    t = np.arange(n) / rate
    return rate, [
        audio,
        0.1 * audio,
        (0.3 * np.sin(2 * np.pi * 60 * t)).astype("float32"),  # below the shelf
        (0.05 * np.sin(2 * np.pi * 5000 * t)).astype("float32"),  # on the shelf
        (0.1 * rng.standard_normal(n)).astype("float32"),
        np.where(t < 0.5, 0.3, 0.003).astype("float32") * audio,  # a loud start: gating counts
    ]


def test_integrated_loudness_agrees_with_pyloudnorm(speech):
    pyln = pytest.importorskip("pyloudnorm")
    rate, signals = _signals(speech)
    ours = np.asarray(integrated_loudness(tf.constant(np.stack(signals))[:, :, None], rate))
    for meter_class, tolerance in (("DeMan", 0.05), ("K-weighting", 0.15)):
        meter = pyln.Meter(rate, filter_class=meter_class)
        theirs = [meter.integrated_loudness(s.astype("float64")) for s in signals]
        np.testing.assert_allclose(ours, theirs, atol=tolerance)


def test_loudness_lands_on_the_drawn_target(speech):
    pyln = pytest.importorskip("pyloudnorm")
    rate, signals = _signals(speech)
    x = np.stack(signals)
    layer = A.LoudnessNormalization(loudness_lufs=(-35.0, -15.0), sample_rate=rate, seed=2)
    drawn = params_of(layer, x)["loudness_lufs"]
    out = np.asarray(layer(x, seed=SEED))
    meter = pyln.Meter(rate, filter_class="DeMan")
    measured = [meter.integrated_loudness(o.astype("float64")) for o in out]
    np.testing.assert_allclose(measured, drawn, atol=0.05)
    assert np.ptp(drawn) > 5


def test_loudness_of_stereo_sums_the_channels():
    """Two identical channels are 3 dB louder than one (every channel weighs 1)."""
    mono = chirp(200, 4000, 0.5)[None, :, None]
    one = float(integrated_loudness(tf.constant(mono), 16000)[0])
    two = float(integrated_loudness(tf.constant(np.repeat(mono, 2, axis=2)), 16000)[0])
    assert two - one == pytest.approx(10 * np.log10(2), abs=1e-3)


def test_silence_and_short_clips():
    layer = A.LoudnessNormalization(seed=1)
    silent = np.zeros((2, 3000), "float32")
    np.testing.assert_array_equal(np.asarray(layer(silent)), silent)
    short = np.stack([tone(440, 0.1), tone(1000, 0.1)])  # shorter than one 400 ms block
    out = np.asarray(layer(short, seed=SEED))
    assert np.isfinite(out).all()
    drawn = params_of(layer, short)["loudness_lufs"]
    measured = np.asarray(integrated_loudness(tf.constant(out)[:, :, None], 16000))
    np.testing.assert_allclose(measured, drawn, atol=1e-3)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: A.PeakNormalization(peak_db=(0, -6)), r"PeakNormalization.*reversed"),
        (lambda: A.PeakNormalization(apply_to="some"), r"PeakNormalization.*apply_to"),
        (lambda: A.Normalize(apply_to="loud"), r"Normalize.*apply_to"),
        (lambda: A.LoudnessNormalization(sample_rate=0), r"LoudnessNormalization.*sample_rate"),
        (lambda: A.LoudnessNormalization(loudness_lufs="loud"), r"loudness_lufs"),
    ],
)
def test_bad_arguments_fail_at_construction(build, message):
    with pytest.raises(ValueError, match=message):
        build()
