"""Time and frequency masks, time warping and SpecAugment policies."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_augment import audio as A
from keras_augment.audio.spectrogram import POLICIES

SEED = tf.constant([6, 6], tf.int64)


def covered(starts, widths, size):
    mask = np.zeros(size, bool)
    for s, w in zip(starts, widths):
        mask[s : s + w] = True
    return mask


def log_mel(speech):
    """A log-mel spectrogram [1, frames, 64] of the espeak-ng recording."""
    audio, rate = speech
    stft = tf.signal.stft(audio[None], 512, 160)
    matrix = tf.signal.linear_to_mel_weight_matrix(64, 257, rate, 60.0, 8000.0)
    return np.asarray(tf.math.log(tf.abs(stft) @ matrix + 1e-3))


@pytest.mark.parametrize("count", [1, 3])
def test_time_masks_cover_the_drawn_frames(count):
    x = np.random.default_rng(0).uniform(1, 2, (6, 150, 40)).astype("float32")
    layer = A.TimeMasking(max_width=40, count=count, max_ratio=0.2, mask_value=-1.0, seed=1)
    params = {k: np.asarray(v) for k, v in layer.draw_params(tf.constant(x), SEED).items()}
    out = np.asarray(layer(x, seed=SEED))
    assert (params["widths"] <= 30).all()  # max_ratio 0.2 of 150 frames
    for o, c, starts, widths in zip(out, x, params["starts"], params["widths"]):
        mask = covered(starts, widths, 150)
        assert (o[mask] == -1.0).all() and np.array_equal(o[~mask], c[~mask])
        if count == 1:
            assert mask.sum() == widths[0]
    assert len({tuple(s) for s in params["starts"]}) > 1


def test_frequency_masks_cover_the_drawn_bins():
    x = np.ones((6, 50, 40), "float32")
    layer = A.FrequencyMasking(max_width=15, count=2, seed=2)
    params = {k: np.asarray(v) for k, v in layer.draw_params(tf.constant(x), SEED).items()}
    out = np.asarray(layer(x, seed=SEED))
    for o, starts, widths in zip(out, params["starts"], params["widths"]):
        mask = covered(starts, widths, 40)
        assert (o[:, mask] == 0).all() and (o[:, ~mask] == 1).all()
    assert (params["widths"] <= 15).all() and params["widths"].max() > 5


def test_time_warp_moves_the_drawn_frame():
    frames = 100
    ramp = np.tile(np.arange(frames, dtype="float32")[None, :, None], (5, 1, 8))
    layer = A.TimeWarp(max_warp=20, seed=3)
    params = {k: np.asarray(v) for k, v in layer.draw_params(tf.constant(ramp), SEED).items()}
    out = np.asarray(layer(ramp, seed=SEED))
    for o, source, target in zip(out[:, :, 0], params["source"], params["target"]):
        assert abs(target - source) <= 20 and 20 < source < frames - 21
        assert o[0] == 0 and o[-1] == frames - 1
        assert np.all(np.diff(o) > 0)  # still in time order
        # Piecewise linear: frame `target` now shows frame `source`, first and last stay.
        t = np.arange(frames)
        last = frames - 1
        expected = np.where(
            t < target,
            t * source / target,
            source + (t - target) * (last - source) / (last - target),
        )
        np.testing.assert_allclose(o, expected, atol=1e-3)
    assert np.ptp(params["target"] - params["source"]) > 5


def test_policies_follow_the_paper_table():
    assert POLICIES["LB"] == {"W": 80, "F": 27, "mF": 1, "T": 100, "p": 1.0, "mT": 1}
    assert POLICIES["LD"] == {"W": 80, "F": 27, "mF": 2, "T": 100, "p": 1.0, "mT": 2}
    assert POLICIES["SM"] == {"W": 40, "F": 15, "mF": 2, "T": 70, "p": 0.2, "mT": 2}
    assert POLICIES["SS"] == {"W": 40, "F": 27, "mF": 2, "T": 70, "p": 0.2, "mT": 2}
    layer = A.SpecAugment(policy="SM", freq_mask_count=3)
    assert layer.values == {"W": 40, "F": 15, "mF": 3, "T": 70, "p": 0.2, "mT": 2}
    assert A.SpecAugment(policy=None, time_mask_count=1, time_mask_width=5).values["W"] == 0


def test_spec_augment_on_real_speech(speech):
    """LD on a log-mel spectrogram of speech: the drawn frequency bands and time bands (after
    the warp) are set to the mask value, nothing else is."""
    x = log_mel(speech)
    frames = x.shape[1]
    layer = A.SpecAugment(policy="LD", max_warp=0, mask_value=-50.0, seed=4)
    params = {k: np.asarray(v) for k, v in layer.draw_params(tf.constant(x), SEED).items()}
    out = np.asarray(layer(x, seed=SEED))[0]
    freq = covered(params["freq_starts"][0], params["freq_widths"][0], 64)
    time = covered(params["time_starts"][0], params["time_widths"][0], frames)
    masked = freq[None, :] | time[:, None]
    assert (out[masked] == -50.0).all()
    np.testing.assert_array_equal(out[~masked], x[0][~masked])
    assert (params["freq_widths"] <= 27).all() and (params["time_widths"] <= 100).all()

    warped = np.asarray(A.SpecAugment(policy="SS", seed=5)(x))
    assert warped.shape == x.shape and not np.array_equal(warped, x)
