"""MP3 compression through LAME: aligned with the input, its quality rising with the bitrate,
the same as audiomentations' LAME round trip, and run inside tf.data."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_augment import audio as A
from keras_augment.audio.compression import ENCODER_DELAY, mp3_roundtrip
from tests.audio.signals import snr_db
from tests.audio.test_waveform import SEED, params_of, speech_batch

pytest.importorskip("lameenc")


def test_quality_rises_with_the_bitrate_and_the_clip_stays_aligned(speech):
    x, rate = speech_batch(speech, clips=2)
    quality = {}
    for bitrate in (8, 32, 128):
        out = np.asarray(A.Mp3Compression(bitrate=bitrate, sample_rate=rate)(x))
        assert out.shape == x.shape
        quality[bitrate] = min(snr_db(c, o) for c, o in zip(x, out))
        for c, o in zip(x, out):
            lags = np.arange(-50, 51)
            correlation = [np.dot(np.roll(o, -lag), c) for lag in lags]
            assert lags[int(np.argmax(correlation))] == 0
    assert quality[8] < quality[32] < quality[128], quality
    assert quality[128] > 20 and quality[8] < 12


def test_low_bitrates_remove_the_high_frequencies(speech):
    x, rate = speech_batch(speech, clips=2)
    out = np.asarray(A.Mp3Compression(bitrate=8, sample_rate=rate)(x))
    freqs = np.fft.rfftfreq(x.shape[1], 1 / rate)
    high = freqs > 5000
    before = (np.abs(np.fft.rfft(x))[:, high] ** 2).sum()
    after = (np.abs(np.fft.rfft(out))[:, high] ** 2).sum()
    assert 10 * np.log10(after / before) < -20


@pytest.mark.parametrize("bitrate", [32, 64, 128])
def test_matches_audiomentations_lame_round_trip(speech, bitrate):
    """audiomentations' LAME backend, delay cut. (Below 32 kbit/s at 22.05 kHz it lets LAME
    resample to a lower rate, which this layer does not: those bitrates are not compared.)"""
    am = pytest.importorskip("audiomentations")
    x, rate = speech_batch(speech, clips=2)
    x = x[:, : 22050 // 2]
    out = np.asarray(A.Mp3Compression(bitrate=bitrate, sample_rate=rate)(x))
    theirs = am.Mp3Compression(
        bitrate, bitrate, backend="lameenc", preserve_delay=True, quality=7, p=1.0
    )
    for clip, mine in zip(x, out):
        reference = theirs(clip, sample_rate=rate)[ENCODER_DELAY : ENCODER_DELAY + len(clip)]
        # The same encoder and decoder; only the rounding to 16 bits differs.
        assert snr_db(reference, mine) > 25


def test_each_clip_gets_its_drawn_bitrate(speech):
    x, rate = speech_batch(speech)
    layer = A.Mp3Compression(bitrate=(8, 64), sample_rate=rate, seed=3)
    drawn = params_of(layer, x)["bitrate"]
    out = np.asarray(layer(x, seed=SEED))
    assert set(drawn.tolist()) <= {8, 16, 24, 32, 40, 48, 56, 64} and len(set(drawn.tolist())) > 1
    for clip, mine, bitrate in zip(x, out, drawn):
        np.testing.assert_array_equal(mine, mp3_roundtrip(clip[:, None], rate, bitrate)[:, 0])


def test_stereo_loud_clips_and_tf_data():
    rng = np.random.default_rng(0)
    t = np.arange(8000) / 16000
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    clips = np.stack([np.stack([left, 3.0 * left + 0.01 * rng.standard_normal(8000)], -1)] * 4)
    clips = clips.astype("float32")
    layer = A.Mp3Compression(bitrate=(64, 128), seed=1)
    ds = tf.data.Dataset.from_tensor_slices(clips).batch(2).map(layer, num_parallel_calls=2)
    out = np.concatenate(list(ds.as_numpy_iterator()))
    assert out.shape == clips.shape
    for c, o in zip(clips, out):
        for channel in range(2):
            assert snr_db(c[:, channel], o[:, channel]) > 15  # a peak of 3 survives
    with pytest.raises(Exception, match="XLA|xla|jit|numpy|PyFunc|EagerPyFunc"):
        tf.function(lambda v: layer(v), jit_compile=True)(tf.constant(clips))


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: A.Mp3Compression(sample_rate=16001), r"Mp3Compression.*sample_rate.*16000"),
        (lambda: A.Mp3Compression(bitrate=(192, 320)), r"Mp3Compression.*no MP3 bitrate.*160"),
        (lambda: A.Mp3Compression(bitrate=(64, 8)), r"Mp3Compression.*reversed"),
        (lambda: A.Mp3Compression(quality=12), r"Mp3Compression.*quality"),
    ],
)
def test_bad_arguments_fail_at_construction(build, message):
    with pytest.raises(ValueError, match=message):
        build()
