"""The fast paths of the audio kernels give the results of the plain ones: normal draws (both
halves of each Box-Muller pair), per-clip slices against the gather for time shifts,
crop_and_resize against the gather for resampling, the anti-aliasing folded into the phase
vocoder, and the one-multiplication noise mix."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from keras_augment import audio as A
from keras_augment.audio import dsp
from keras_augment.audio.waveform import shift_time
from keras_augment.core.random import normal
from tests.audio.signals import dominant_frequency, rms, snr_db, tone

SEED = tf.constant([5, 9], tf.int64)


# ----- normal draws ----------------------------------------------------------


def test_normal_is_standard_normal_and_both_halves_are_independent():
    z = normal([2, 100_000], SEED).numpy()
    assert z.dtype == np.float32 and np.isfinite(z).all()
    flat = z.reshape(-1)
    # 200k draws: the standard error of the mean is 0.0022, of the std 0.0016.
    assert abs(flat.mean()) < 0.01
    assert abs(flat.std() - 1.0) < 0.01
    assert stats.kstest(flat, "norm").pvalue > 1e-3
    # The cosines fill the first half and the sines (same radii) the second: uncorrelated,
    # and independent (their squares uncorrelated too, which sharing a radius would break
    # if the pairing were wrong).
    cosines, sines = flat[:100_000], flat[100_000:]
    assert abs(np.corrcoef(cosines, sines)[0, 1]) < 0.01
    assert abs(np.corrcoef(cosines**2, sines**2)[0, 1]) < 0.01
    # Neighbours inside each half are independent too.
    assert abs(np.corrcoef(cosines[:-1], cosines[1:])[0, 1]) < 0.01


def test_normal_same_numbers_eager_graph_xla_and_dynamic_shapes():
    shape = [3, 1001, 3]  # an odd count: one pair's sine is dropped
    eager = normal(shape, SEED).numpy()
    assert eager.shape == (3, 1001, 3)
    xla = tf.function(lambda s: normal(shape, s), jit_compile=True)(SEED).numpy()
    np.testing.assert_allclose(xla, eager, atol=1e-5)

    @tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
    def dynamic(batch):
        return normal(tf.stack([batch, 1001, 3]), SEED)

    np.testing.assert_array_equal(dynamic(tf.constant(3)).numpy(), eager)
    # The shape decides the pairing: another size gives other (still normal) numbers.
    assert not np.array_equal(normal([3, 1000, 3], SEED).numpy()[:, :10], eager[:, :10])
    assert normal([0, 5], SEED).shape == (0, 5)


def test_sampler_normal_draws_per_sample_values():
    from keras_augment.core.random import Sampler

    values = Sampler(SEED, 64).normal(extra_shape=(50,), stddev=2.0).numpy()
    assert values.shape == (64, 50)
    assert abs(values.std() - 2.0) < 0.1
    assert len({row.tobytes() for row in values}) == 64


# ----- time shift ------------------------------------------------------------


def _shift_reference(x, shifts, roll):
    out = np.zeros_like(x)
    length = x.shape[1]
    for i, k in enumerate(shifts):
        if roll:
            out[i] = np.roll(x[i], k, axis=0)
        elif 0 <= k < length:
            out[i, k:] = x[i, : length - k]
        elif -length < k < 0:
            out[i, :k] = x[i, -k:]
    return out


@pytest.mark.parametrize("roll", [True, False])
def test_shift_paths_match_numpy(roll):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 300, 2)).astype("float32")
    shifts = np.array([0, 1, -1, 299, -299, 300, -300, 777], "int32")
    expected = _shift_reference(x, shifts, roll)
    # Static batch outside XLA: per-clip slices.
    np.testing.assert_array_equal(shift_time(tf.constant(x), tf.constant(shifts), roll), expected)
    # Under XLA, and with an unknown batch size: the gather.
    xla = tf.function(lambda a, s: shift_time(a, s, roll), jit_compile=True)
    np.testing.assert_array_equal(xla(x, shifts), expected)
    spec = [tf.TensorSpec([None, None, 2]), tf.TensorSpec([None], tf.int32)]
    dynamic = tf.function(lambda a, s: shift_time(a, s, roll), input_signature=spec)
    np.testing.assert_array_equal(dynamic(x, shifts), expected)


# ----- resampling --------------------------------------------------------------


def test_resample_paths_match_linear_interpolation():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(size=(4, 500, 1)), axis=1).astype("float32") * 0.01  # smooth
    factor = np.array([0.7, 1.0, 1.3, 2.5], "float32")
    out_length = 450
    expected = np.zeros((4, out_length, 1), "float32")
    for i, f in enumerate(factor):
        position = np.arange(out_length) * np.float64(f)
        inside = position <= 499
        expected[i, inside, 0] = np.interp(position[inside], np.arange(500), x[i, :, 0])
    graph = tf.function(lambda a, f: dsp.resample_linear(a, f, out_length, antialias=False))
    xla = tf.function(
        lambda a, f: dsp.resample_linear(a, f, out_length, antialias=False), jit_compile=True
    )
    np.testing.assert_allclose(graph(x, factor), expected, atol=1e-4)
    np.testing.assert_allclose(xla(x, factor), expected, atol=1e-4)


def test_pitch_shift_antialiasing_in_the_vocoder_equals_a_separate_filter():
    # 7 kHz shifted up 4 semitones is 8.8 kHz, past the 8 kHz Nyquist frequency. The low-pass
    # applied to the vocoder's frames must remove as much of it as the same filter applied to
    # the whole stretched clip before resampling (the former kernel), and far more than none.
    x = tf.constant(np.stack([tone(7000, 0.5), tone(6000, 0.5), tone(1000, 0.5)])[..., None])
    semitones = tf.fill([3], 4.0)
    factor = 2.0 ** (4.0 / 12.0)
    fused = dsp.pitch_shift(x, semitones, 4.0, 512).numpy()
    stretched = dsp.phase_vocoder(x, tf.fill([3], 1.0 / factor), 10083, 512)
    separate = dsp.resample_linear(stretched, tf.fill([3], factor), 8000).numpy()
    unfiltered = dsp.resample_linear(stretched, tf.fill([3], factor), 8000, antialias=False)
    for i in range(3):
        assert rms(fused[i]) == pytest.approx(rms(separate[i]), rel=0.02)
    assert rms(fused[0]) < 0.25 * rms(unfiltered[0])
    assert rms(fused[0]) < 0.1 * rms(x[0])
    # A tone well below the cut-off passes and moves by the ratio.
    assert rms(fused[2]) == pytest.approx(rms(unfiltered[2]), rel=0.01)
    assert dominant_frequency(fused[2, :, 0]) == pytest.approx(1000 * factor, rel=0.02)


# ----- noise -------------------------------------------------------------------


@pytest.mark.parametrize("color", ["white", "pink"])
def test_scaled_noise_matches_normalise_then_mix(color):
    rng = np.random.default_rng(2)
    levels = np.array([1.0, 0.0, 3.0], "float32")[:, None, None]
    waves = tf.constant(rng.normal(0, 0.2, (3, 800, 2)).astype("float32") * levels)
    white = normal([3, 800, 2], SEED)
    snr = tf.constant([0.0, 10.0, 30.0])
    fused = dsp.add_scaled_noise(waves, dsp.shape_noise(white, color), snr_db=snr)
    shaped = np.asarray(dsp.shape_noise(white, color))
    unit = shaped / np.sqrt(np.mean(shaped**2, axis=1, keepdims=True))  # RMS 1 per channel
    reference = dsp.mix_at_snr(waves, tf.constant(unit), snr)
    np.testing.assert_allclose(fused, reference, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(fused[1], 0.0)  # a silent clip stays silent
    assert snr_db(waves[2], fused[2]) == pytest.approx(30.0, abs=1e-3)
    level = tf.constant([0.1, 0.2, 0.3])
    absolute = dsp.add_scaled_noise(waves, dsp.shape_noise(white, color), level=level)
    added = np.asarray(absolute - waves)
    np.testing.assert_allclose(
        np.sqrt(np.mean(added**2, axis=1)), [[0.1] * 2, [0.2] * 2, [0.3] * 2], rtol=1e-5
    )


def test_direct_call_matches_graph_call_in_every_layout():
    x = tone(440, 0.1)[None].repeat(3, 0)
    for make, data in [
        (lambda: A.Gain(seed=4), x),  # [batch, time]
        (lambda: A.Gain(seed=4), x[0]),  # [time]
        (lambda: A.TimeShift(0.3, seed=4, rank2_layout="time_channels"), x.T),  # [time, ch]
        (lambda: A.TimeShift(0.3, seed=4), x[..., None]),  # [batch, time, ch]
    ]:
        direct, traced = make(), make()
        graph = tf.function(lambda v, layer=traced: layer(v, training=True))
        out = np.asarray(direct(data))
        assert out.shape == data.shape
        np.testing.assert_allclose(out, graph(tf.constant(data)), atol=1e-6)
        np.testing.assert_array_equal(np.asarray(direct(data, training=False)), data)
