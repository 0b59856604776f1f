"""The contract every audio layer keeps: training switch, per-clip parameters, seeds, XLA,
configs, layouts and clear errors."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_augment import audio as A
from tests.audio.signals import chirp, tone

NOISE_BANK = np.random.default_rng(3).normal(0, 0.1, (3, 3000)).astype("float32")

WAVEFORM_LAYERS = {
    "AddGaussianNoise": lambda **k: A.AddGaussianNoise(snr_db=(0.0, 20.0), **k),
    "AddGaussianNoise_brown_absolute": lambda **k: A.AddGaussianNoise(
        amplitude=(0.01, 0.1), color="brown", **k
    ),
    "AddBackgroundNoise": lambda **k: A.AddBackgroundNoise(NOISE_BANK, **k),
    "Gain": lambda **k: A.Gain(**k),
    "PolarityInversion": lambda **k: A.PolarityInversion(**k),
    "TimeShift": lambda **k: A.TimeShift(**k),
    "SpeedChange": lambda **k: A.SpeedChange(**k),
    "TimeStretch": lambda **k: A.TimeStretch(**k),
    "PitchShift": lambda **k: A.PitchShift(**k),
    "LowPassFilter": lambda **k: A.LowPassFilter(**k),
    "HighPassFilter": lambda **k: A.HighPassFilter(**k),
    "BandPassFilter": lambda **k: A.BandPassFilter(**k),
    "Reverb": lambda **k: A.Reverb(rt60=(0.05, 0.2), **k),
    "SevenBandParametricEQ": lambda **k: A.SevenBandParametricEQ(**k),
    "AirAbsorption": lambda **k: A.AirAbsorption(distance=(100.0, 1000.0), **k),
    "RoomSimulator": lambda **k: A.RoomSimulator(max_order=4, **k),
    "PeakNormalization": lambda **k: A.PeakNormalization(peak_db=(-20.0, 0.0), **k),
    "LoudnessNormalization": lambda **k: A.LoudnessNormalization(**k),
}
SPECTROGRAM_LAYERS = {
    "TimeMasking": lambda **k: A.TimeMasking(max_width=30, count=2, **k),
    "FrequencyMasking": lambda **k: A.FrequencyMasking(max_width=12, **k),
    "TimeWarp": lambda **k: A.TimeWarp(max_warp=20, **k),
    "SpecAugment": lambda **k: A.SpecAugment(policy="SM", **k),
}


def stereo_clips() -> np.ndarray:
    """float32[8, 4000, 2]: eight different 0.25 s clips, the right channel the left at 0.8x."""
    mono = np.stack(
        [tone(f, 0.25) for f in (300, 700, 1250, 2500)]
        + [chirp(200, 3000, 0.25), chirp(4000, 500, 0.25), chirp(100, 900, 0.25)]
        + [chirp(1000, 6000, 0.25)]
    )
    return np.stack([mono, 0.8 * mono], axis=-1)


def spectrograms() -> np.ndarray:
    """float32[8, 120, 40]: positive random 'magnitudes', every bin different."""
    rng = np.random.default_rng(0)
    return rng.uniform(0.1, 2.0, (8, 120, 40)).astype("float32")


def _contract(make, x):
    layer = make(seed=11)
    # training=False: the input unchanged, as float32.
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    # Same seed, same augmentations call after call; a second call differs from the first.
    twin = make(seed=11)
    first, first_twin = np.asarray(layer(x)), np.asarray(twin(x))
    np.testing.assert_array_equal(first, first_twin)
    assert first.shape == x.shape and first.dtype == np.float32
    assert np.isfinite(first).all()
    # Per-clip parameters: copies of one clip come out differently.
    copies = np.repeat(x[1:2], len(x), axis=0)
    out, out_twin = np.asarray(layer(copies)), np.asarray(twin(copies))
    np.testing.assert_array_equal(out, out_twin)
    assert len({np.round(o, 4).tobytes() for o in out}) > 1
    # XLA: the twin compiled gives what the layer gives uncompiled (same seed, same call
    # count), and the third call differs from the first.
    assert layer.supports_jit
    third = np.asarray(layer(x))
    assert not np.array_equal(first, third)
    compiled = tf.function(lambda v: twin(v, training=True), jit_compile=True)
    third_xla = np.asarray(compiled(tf.constant(x)))
    assert third_xla.shape == x.shape
    # Float rounding differs under XLA (fused multiply-adds); phase-vocoder layers accumulate
    # it in their phases, so compare clip by clip relative to the clip's level.
    error = np.sqrt(np.mean((third_xla - third) ** 2, axis=tuple(range(1, x.ndim))))
    level = np.sqrt(np.mean(third**2, axis=tuple(range(1, x.ndim))))
    assert (error <= 0.01 * level + 1e-5).all(), (error, level)
    # Config round trip and Keras (de)serialization.
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(again) is type(layer) and again.get_config() == config
    return layer, out


@pytest.mark.parametrize("name", sorted(WAVEFORM_LAYERS))
def test_waveform_layer_contract(name):
    x = stereo_clips()
    layer, out = _contract(WAVEFORM_LAYERS[name], x)
    # One parameter set per clip, shared by its channels: the right channel stays 0.8x the
    # left (noise layers draw independent noise per channel, so only their level is shared).
    if "Noise" not in name:
        np.testing.assert_allclose(out[..., 1], 0.8 * out[..., 0], atol=1e-4)


@pytest.mark.parametrize("name", sorted(SPECTROGRAM_LAYERS))
def test_spectrogram_layer_contract(name):
    _contract(SPECTROGRAM_LAYERS[name], spectrograms())


@pytest.mark.parametrize("make", [WAVEFORM_LAYERS["Gain"], WAVEFORM_LAYERS["TimeShift"]])
def test_waveform_layouts(make):
    """[time], [batch, time], [time, channels] with rank2_layout, [batch, time, channels]."""
    x = stereo_clips()
    layer = make(seed=3)
    single = make(seed=3, rank2_layout="time_channels")
    assert layer(x[0, :, 0]).shape == (4000,)
    assert layer(x[:, :, 0]).shape == (8, 4000)
    assert single(x[0]).shape == (4000, 2)
    assert layer(x).shape == (8, 4000, 2)
    # With one seed, a single clip [time, channels] is augmented like the first clip of a batch.
    seed = tf.constant([1, 2], tf.int64)
    np.testing.assert_allclose(
        np.asarray(single(x[0], seed=seed)), np.asarray(layer(x[:1], seed=seed))[0], atol=1e-5
    )


def test_batchwise_shares_one_draw():
    x = np.repeat(stereo_clips()[:1, :, 0], 4, axis=0)
    out = np.asarray(A.Gain(batchwise=True, seed=2)(x))
    np.testing.assert_array_equal(out, np.repeat(out[:1], 4, axis=0))
    assert not np.array_equal(out, x)


def test_spectrogram_single():
    layer = A.FrequencyMasking(max_width=12, seed=1)
    seed = tf.constant([1, 2], tf.int64)
    x = spectrograms()
    np.testing.assert_array_equal(
        np.asarray(layer(x[0], seed=seed)), np.asarray(layer(x[:1], seed=seed))[0]
    )


@pytest.mark.parametrize("name", ["Gain", "PitchShift", "Reverb", "AddBackgroundNoise"])
def test_bad_inputs_name_the_layer(name):
    layer = WAVEFORM_LAYERS[name]()
    pcm = (stereo_clips()[..., 0] * 32767).astype("int16")
    with pytest.raises(TypeError, match=rf"{name.split('_')[0]}.*int16.*32768"):
        layer(pcm)
    with pytest.raises(ValueError, match=rf"{name.split('_')[0]}.*rank 4"):
        layer(np.zeros((1, 2, 100, 1), "float32"))
    with pytest.raises(TypeError, match="string"):
        layer(tf.constant([["a"]]))


def test_spectrogram_bad_rank():
    with pytest.raises(ValueError, match=r"SpecAugment.*rank 1"):
        A.SpecAugment()(np.zeros((10,), "float32"))


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: A.AddGaussianNoise(snr_db=(30, 10)), r"AddGaussianNoise.*snr_db.*reversed"),
        (lambda: A.AddBackgroundNoise(NOISE_BANK, snr_db=(5, 1)), r"snr_db.*reversed"),
        (lambda: A.AddGaussianNoise(color="blue"), r"AddGaussianNoise.*color"),
        (lambda: A.PitchShift(sample_rate=0), r"PitchShift.*sample_rate.*positive"),
        (lambda: A.TimeStretch(sample_rate=-8000), r"TimeStretch.*sample_rate"),
        (lambda: A.LowPassFilter(sample_rate=0), r"LowPassFilter.*sample_rate"),
        (lambda: A.LowPassFilter(cutoff_hz=(100, 9000)), r"LowPassFilter.*cutoff_hz.*8000"),
        (lambda: A.HighPassFilter(cutoff_hz=(2000, 100)), r"HighPassFilter.*reversed"),
        (lambda: A.SpeedChange(factor=(0.0, 1.1)), r"SpeedChange.*factor"),
        (lambda: A.TimeStretch(rate=(1.2, 0.8)), r"TimeStretch.*rate.*reversed"),
        (lambda: A.TimeShift(0.1, unit="seconds"), r"TimeShift.*sample_rate"),
        (lambda: A.Reverb(rt60=(0.0, 0.5)), r"Reverb.*rt60"),
        (lambda: A.Gain(seed="x"), r"Gain.*seed"),
        (lambda: A.Gain(rank2_layout="time"), r"Gain.*rank2_layout"),
        (lambda: A.SpecAugment(policy="XL"), r"SpecAugment.*policy"),
        (lambda: A.TimeMasking(max_ratio=1.5), r"TimeMasking.*max_ratio"),
        (lambda: A.AddBackgroundNoise(np.zeros((2, 3, 4), "float32")), r"bank.*shape"),
        (lambda: A.AddBackgroundNoise(np.zeros((2, 30), "int16")), r"bank.*int16"),
    ],
)
def test_bad_arguments_fail_at_construction(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_in_a_model_and_in_tf_data(tmp_path):
    """In a model: predict passes clips through, training augments; saved .keras files load;
    in a parallel tf.data map every clip arrives augmented."""
    x = stereo_clips()[..., 0]
    model = keras.Sequential([keras.Input((4000,)), A.Gain(seed=1), A.PitchShift(seed=2)])
    np.testing.assert_allclose(model.predict(x, verbose=0), x)
    assert not np.allclose(np.asarray(model(x, training=True)), x, atol=1e-3)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert [type(la) for la in loaded.layers] == [A.Gain, A.PitchShift]
    assert loaded.layers[1].get_config() == model.layers[1].get_config()

    chain = [A.Gain(seed=3), A.AddGaussianNoise(seed=4), A.LowPassFilter(seed=5)]

    def augment(clips):
        for layer in chain:
            clips = layer(clips, training=True)
        return clips

    ds = (
        tf.data.Dataset.from_tensor_slices(x)
        .batch(2)
        .map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    )
    out = np.concatenate(list(ds.as_numpy_iterator()))
    assert out.shape == x.shape
    assert all(not np.allclose(o, c, atol=1e-3) for o, c in zip(out, x))

    spec = A.SpecAugment(policy="LD", seed=6)
    ds = tf.data.Dataset.from_tensor_slices(spectrograms()).batch(2).map(spec)
    out = np.concatenate(list(ds.as_numpy_iterator()))
    assert out.shape == (8, 120, 40) and (out == 0).any()


def test_unknown_length_outside_xla():
    """Clips of a length unknown when tracing (e.g. tf.data with padded_batch) give what clips
    of a known length give."""
    layer = A.PitchShift(seed=1)
    seed = tf.constant([3, 4], tf.int64)
    spec = tf.TensorSpec([None, None], tf.float32)
    dynamic = tf.function(lambda v: layer(v, seed=seed), input_signature=[spec])
    x = stereo_clips()[:2, :3000, 0]
    np.testing.assert_allclose(np.asarray(dynamic(x)), np.asarray(layer(x, seed=seed)), atol=1e-3)
