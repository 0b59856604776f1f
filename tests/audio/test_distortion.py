"""Clipping and tanh distortion against audiomentations, on real speech and tones."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_augment import audio as A
from tests.audio.signals import rms, tone
from tests.audio.test_waveform import SEED, params_of, speech_batch

am = pytest.importorskip("audiomentations")


CASES = [("ClippingDistortion", "percentile_threshold", v, 1e-6) for v in (0, 10, 30, 80)] + [
    ("TanhDistortion", "distortion", v, 2e-5) for v in (0.05, 0.4, 0.9)
]


@pytest.mark.parametrize("name, argument, value, atol", CASES)
def test_matches_audiomentations_at_a_fixed_draw(speech, name, argument, value, atol):
    """With a range of one value both libraries are deterministic: same rule, same output."""
    x, rate = speech_batch(speech)
    out = np.asarray(getattr(A, name)(**{argument: value})(x))
    theirs = getattr(am, name)(value, value, p=1.0)
    for clip, mine in zip(x, out):
        np.testing.assert_allclose(mine, theirs(clip, sample_rate=rate), atol=atol)
    if name == "TanhDistortion":
        assert all(rms(m) == pytest.approx(rms(c), rel=1e-4) for m, c in zip(out, x))


def test_clipping_flattens_the_drawn_share_per_clip(speech):
    x, _ = speech_batch(speech)
    layer = A.ClippingDistortion(percentile_threshold=(5.0, 40.0), seed=1)
    drawn = params_of(layer, x)["percent"]
    out = np.asarray(layer(x, seed=SEED))
    assert np.ptp(drawn) > 5 and ((drawn >= 5) & (drawn <= 40)).all()
    for clip, mine, share in zip(x, out, drawn):
        changed = 100 * np.mean(mine != clip)
        assert changed == pytest.approx(share, abs=0.5)
        low, high = np.percentile(clip, [share / 2, 100 - share / 2])
        assert mine.min() == pytest.approx(low, abs=1e-6)
        assert mine.max() == pytest.approx(high, abs=1e-6)


def test_tanh_adds_harmonics_as_the_amount_grows():
    """A pure 500 Hz tone: the third harmonic rises with the drawn amount."""
    x = np.tile(tone(500, 0.25), (6, 1))
    layer = A.TanhDistortion(distortion=(0.0, 1.0), seed=3)
    amounts = params_of(layer, x)["amount"]  # drawn with the seed of the call
    out = np.asarray(layer(x, seed=SEED))
    spectrum = np.abs(np.fft.rfft(out, axis=1))
    third = spectrum[:, 1500 * out.shape[1] // 16000] / spectrum[:, 500 * out.shape[1] // 16000]
    order = np.argsort(amounts)
    # (non-decreasing: the percentiles of a pure tone repeat, so nearby amounts can tie)
    assert np.all(np.diff(third[order]) >= -1e-6), (amounts[order], third[order])
    assert third[order[-1]] > 1.5 * third[order[0]] and np.ptp(amounts) > 0.3


def test_silence_stays_silent():
    x = np.zeros((2, 1000), "float32")
    assert not np.asarray(A.TanhDistortion(seed=1)(x)).any()
    assert not np.asarray(A.ClippingDistortion(seed=1)(x)).any()


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: A.ClippingDistortion(percentile_threshold=(10, 120)), r"ClippingDistortion.*100"),
        (lambda: A.ClippingDistortion(percentile_threshold=(40, 10)), r"reversed"),
        (lambda: A.TanhDistortion(distortion=1.5), r"TanhDistortion.*distortion"),
    ],
)
def test_bad_arguments_fail_at_construction(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_percentile_kernel_matches_numpy():
    """Exact order statistics (no sort) on rows with repeats, signs and zeros, any q."""
    from keras_augment.audio.dsp import percentile

    rng = np.random.default_rng(5)
    rows = np.stack(
        [
            rng.normal(size=501),
            np.round(rng.normal(size=501), 1),  # many repeats
            np.concatenate([np.zeros(250), -np.zeros(1), rng.uniform(-1, 0, 250)]),
            np.full(501, 0.25),
        ]
    ).astype("float32")
    for q in (0.0, 0.3, 12.5, 50.0, 87.1, 100.0):
        ours = np.asarray(percentile(tf.constant(rows), tf.fill([4], q)))
        np.testing.assert_allclose(ours, np.percentile(rows, q, axis=1), rtol=1e-6, atol=1e-7)
