"""Pipeline: fused geometric runs equal the layers one by one, and keep more detail."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_augment as ka
from keras_augment.core.pipeline import fusable_runs


@pytest.fixture(scope="module")
def smooth() -> np.ndarray:
    """float32[3, 40, 48, 3]: slow waves in [20, 235], where bilinear reads are nearly exact."""
    ys, xs = np.meshgrid(np.arange(40.0), np.arange(48.0), indexing="ij")
    channels = [
        np.sin(xs / 7.0) * np.cos(ys / 9.0),
        np.cos((xs + 2 * ys) / 11.0),
        np.exp(-((xs - 20.0) ** 2 + (ys - 17.0) ** 2) / 200.0) * 2 - 1,
    ]
    image = 127.5 + 100.0 * np.stack(channels, axis=-1)
    shifts = np.array([0.0, 4.0, -6.0])[:, None, None, None]
    return (image[None] + shifts).astype("float32")


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    return np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")


def geometric_layers(strength: float = 1.0) -> list:
    """flip + rotate 18 deg + shift 0.1 + zoom 0.2 + shear 0.1 (times ``strength``), seeded."""
    return [
        ka.RandomFlip(seed=1),
        ka.RandomRotation(0.05 * strength, seed=2),
        ka.RandomTranslation(0.1 * strength, 0.1 * strength, seed=3),
        ka.RandomZoom(0.2 * strength, seed=4),
        ka.RandomShear(0.1 * strength, 0.1 * strength, seed=5),
    ]


def one_by_one(layers, images) -> np.ndarray:
    out = images
    for layer in layers:
        out = layer(out, training=True)
    return np.asarray(out)


RUNS = {
    "flip_rotate_shift_zoom_shear": lambda: geometric_layers(0.5),
    "with_crop": lambda: [
        ka.RandomRotation(0.04, fill_mode="nearest", seed=2),
        ka.RandomCrop(30, 36, seed=3),
        ka.RandomZoom(0.1, fill_mode="nearest", seed=4),
    ],
    "with_resized_crop": lambda: [
        ka.RandomZoom(0.1, fill_mode="nearest", seed=4),
        ka.RandomResizedCrop(24, 28, scale=(0.4, 0.9), seed=6),
        ka.RandomRotation(0.03, fill_mode="nearest", seed=2),
    ],
    "rotation_then_elastic": lambda: [
        ka.RandomRotation(0.04, seed=2),
        ka.RandomElasticTransform(scale=0.5, seed=7),
    ],
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_fused_run_equals_layers_one_by_one(smooth, name):
    pipeline = ka.Pipeline(RUNS[name]())
    assert [len(run) for run in fusable_runs(pipeline.layers)] == [len(pipeline.layers)]
    fused = np.asarray(pipeline(smooth))
    stepwise = one_by_one(RUNS[name](), smooth)
    assert fused.shape == stepwise.shape
    assert tuple(pipeline.compute_output_shape(smooth.shape)) == fused.shape
    # Borders are filled once instead of once per layer: compare the interior.
    margin = 7
    inner = (slice(None), slice(margin, -margin), slice(margin, -margin))
    difference = np.abs(fused[inner] - stepwise[inner])
    assert difference.max() < 3.0, difference.max()
    assert difference.mean() < 0.5, difference.mean()
    # And the run really moved the pixels (the comparison is not between two copies of the input).
    if fused.shape == smooth.shape:
        assert np.abs(fused - smooth).mean() > 5.0


def test_fusion_keeps_detail_on_noise(noise):
    """One interpolation instead of five: white noise keeps much more of its contrast."""
    fused = np.asarray(ka.Pipeline(geometric_layers())(noise))
    stacked = np.asarray(keras.Sequential(geometric_layers())(noise, training=True))
    inner = (slice(None), slice(8, -8), slice(8, -8))
    std_in, std_fused, std_stacked = noise.std(), fused[inner].std(), stacked[inner].std()
    print(f"pixel std: input {std_in:.1f}, fused {std_fused:.1f}, stacked {std_stacked:.1f}")
    assert std_fused > 1.4 * std_stacked
    assert std_fused < std_in  # the fused pass still interpolates once


def test_sequential_of_our_layers_applies_them_one_by_one(smooth):
    out = keras.Sequential(geometric_layers())(smooth, training=True)
    np.testing.assert_array_equal(np.asarray(out), one_by_one(geometric_layers(), smooth))


def test_pipeline_uses_the_layers_own_seeds(smooth):
    first = np.asarray(ka.Pipeline(geometric_layers())(smooth))
    again = np.asarray(ka.Pipeline(geometric_layers())(smooth))
    np.testing.assert_array_equal(first, again)
    pipeline = ka.Pipeline(geometric_layers())
    calls = [np.asarray(pipeline(smooth)) for _ in range(2)]
    assert not np.array_equal(calls[0], calls[1])
    same = np.repeat(smooth[:1], 4, axis=0)
    assert len({o.tobytes() for o in np.asarray(pipeline(same))}) == 4  # per sample


def test_pipeline_in_a_parallel_data_map(smooth):
    """Every element of a parallel tf.data map gets its own draw from every layer."""
    pipeline = ka.Pipeline(geometric_layers(0.5))
    labels = np.arange(48)
    ds = tf.data.Dataset.from_tensor_slices((np.repeat(smooth[:1, :16, :20], 48, 0), labels))
    ds = ds.map(lambda x, y: pipeline({"images": x, "labels": y}), num_parallel_calls=8).batch(16)
    batches = list(ds.as_numpy_iterator())
    np.testing.assert_array_equal(np.concatenate([b["labels"] for b in batches]), labels)
    images = np.concatenate([b["images"] for b in batches])
    assert images.shape == (48, 16, 20, 3)
    assert len({image.tobytes() for image in images}) == 48


def test_fusable_runs_split_where_sampling_differs():
    rot, zoom = ka.RandomRotation(0.1), ka.RandomZoom(0.1)
    flip = ka.RandomFlip()
    assert fusable_runs([flip, rot, zoom]) == [[flip, rot, zoom]]
    for option in ({"fill_mode": "constant"}, {"interpolation": "nearest"}):
        other = ka.RandomZoom(0.1, **option)
        assert fusable_runs([rot, other, zoom]) == [[rot], [other], [zoom]], option
    black = ka.RandomRotation(0.1, fill_mode="constant")
    white = ka.RandomZoom(0.1, fill_mode="constant", fill_value=255.0)
    assert fusable_runs([black, white]) == [[black], [white]]


def test_fusable_runs_close_after_elastic_and_around_other_layers():
    rot, zoom = ka.RandomRotation(0.1), ka.RandomZoom(0.1)
    elastic = ka.RandomElasticTransform()
    assert fusable_runs([rot, elastic, zoom]) == [[rot, elastic], [zoom]]
    assert fusable_runs([elastic, rot]) == [[elastic], [rot]]
    rescale = keras.layers.Rescaling(0.5)
    assert fusable_runs([rot, rescale, zoom]) == [[rot], [rescale], [zoom]]


def test_plain_keras_layers_run_in_their_place(smooth):
    def turn():
        return ka.RandomRotation((0.2, 0.2), fill_mode="constant", fill_value=1.0, seed=1)

    # Rescaling before a constant-fill rotation: the fill is not rescaled.
    out = np.asarray(ka.Pipeline([keras.layers.Rescaling(2.0), turn()])(smooth))
    assert np.sum(out == 1.0) > 50
    np.testing.assert_allclose(out, np.asarray(turn()(smooth * 2.0)), rtol=1e-6)
    # Rescaling after it: the fill is.
    out = np.asarray(ka.Pipeline([turn(), keras.layers.Rescaling(2.0)])(smooth))
    assert np.sum(out == 2.0) > 50 and np.sum(out == 1.0) == 0
    np.testing.assert_allclose(out, np.asarray(turn()(smooth)) * 2.0, rtol=1e-6)
    # Exact when the geometric part is exact (a flip).
    flip_then_scale = ka.Pipeline([ka.RandomFlip(seed=3), keras.layers.Rescaling(1 / 255, 0.5)])
    expected = one_by_one([ka.RandomFlip(seed=3)], smooth) / 255 + 0.5
    np.testing.assert_allclose(np.asarray(flip_then_scale(smooth)), expected, rtol=1e-6)
    np.testing.assert_allclose(
        np.asarray(flip_then_scale(smooth, training=False)), smooth / 255 + 0.5, rtol=1e-6
    )


def test_plain_keras_layers_with_labels_and_new_sizes(smooth):
    pipeline = ka.Pipeline(
        [keras.layers.Resizing(20, 24), ka.RandomFlip(seed=2), keras.layers.Rescaling(0.5)]
    )
    labels = np.array([3, 1, 2])
    out = pipeline({"images": smooth, "labels": labels})
    assert out["images"].shape == (3, 20, 24, 3)
    assert tuple(pipeline.compute_output_shape(smooth.shape)) == (3, 20, 24, 3)
    np.testing.assert_array_equal(np.asarray(out["labels"]), labels)
    resized = tf.image.resize(smooth, (20, 24)).numpy() * 0.5
    for image, source in zip(np.asarray(out["images"]), resized, strict=True):
        assert any(
            np.allclose(image, f, atol=1e-3)
            for f in (source, source[::-1], source[:, ::-1], source[::-1, ::-1])
        )


def test_channels_first_pipeline_with_a_plain_layer(smooth):
    first = np.transpose(smooth, (0, 3, 1, 2))
    pipeline = ka.Pipeline(
        [
            ka.RandomFlip(seed=1, data_format="channels_first"),
            keras.layers.Rescaling(0.5),
            ka.RandomRotation(0.05, seed=2, data_format="channels_first"),
        ],
        data_format="channels_first",
    )
    out = np.asarray(pipeline(first))
    reference = ka.Pipeline(
        [ka.RandomFlip(seed=1), keras.layers.Rescaling(0.5), ka.RandomRotation(0.05, seed=2)]
    )
    expected = np.transpose(np.asarray(reference(smooth)), (0, 3, 1, 2))
    np.testing.assert_allclose(out, expected, atol=1e-3)


def test_inference_is_identity_or_the_layers_inference(smooth):
    np.testing.assert_array_equal(
        np.asarray(ka.Pipeline(geometric_layers())(smooth, training=False)), smooth
    )
    cropped = ka.Pipeline([ka.RandomRotation(0.1), ka.RandomCrop(20, 24)])(smooth, training=False)
    expected = ka.RandomCrop(20, 24)(smooth, training=False)
    np.testing.assert_allclose(np.asarray(cropped), np.asarray(expected), atol=1e-4)


def config_differences(a, b, path="config") -> list[str]:
    """Where two configs differ, as readable paths (tuples and lists compare alike, as in JSON)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return [d for k in keys for d in config_differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in config_differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_pipeline_in_a_model_trains_with_xla_and_round_trips(smooth, tmp_path):
    def build():
        return ka.Pipeline(
            [
                *geometric_layers()[:3],
                keras.layers.Rescaling(1 / 255),
                ka.RandomCrop(32, 40, seed=9),
            ]
        )

    model = keras.Sequential(
        [keras.Input(smooth.shape[1:]), build(), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    model.compile(
        "adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=True
    )
    history = model.fit(smooth, np.array([0, 1, 0]), batch_size=3, epochs=2, verbose=0)
    assert model.jit_compile is True
    assert np.all(np.isfinite(history.history["loss"]))
    # The pipeline inside the model still augments in fit's mode and matches a fresh copy.
    fresh = build()
    for _ in range(2):
        fresh(smooth)
    np.testing.assert_array_equal(
        np.asarray(model.layers[0](smooth, training=True)), np.asarray(fresh(smooth))
    )

    path = tmp_path / "pipeline.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    original, restored = model.layers[0], loaded.layers[0]
    assert isinstance(restored, ka.Pipeline)
    assert config_differences(restored.get_config(), original.get_config()) == []
    assert [type(layer) for layer in restored.layers] == [type(layer) for layer in original.layers]
    for a, b in zip(original.layers, restored.layers, strict=True):
        if isinstance(a, ka.BaseAugmentation):
            np.testing.assert_array_equal(a._seed_state.numpy(), b._seed_state.numpy())
    np.testing.assert_allclose(
        loaded.predict(smooth, verbose=0), model.predict(smooth, verbose=0), rtol=1e-6
    )
    np.testing.assert_array_equal(
        np.asarray(restored(smooth, training=True)), np.asarray(original(smooth, training=True))
    )


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_uint8_output_matches_the_float_pipeline(smooth, interpolation):
    images = np.round(smooth).astype("uint8")

    def build(**kwargs):
        return ka.Pipeline(
            [
                ka.RandomFlip(seed=1),
                ka.RandomRotation(0.05, seed=2, interpolation=interpolation),
                ka.RandomZoom(0.2, seed=4, interpolation=interpolation),
            ],
            **kwargs,
        )

    as_float = build()(images).numpy()
    out = build(output_dtype="uint8")(images)
    assert out.dtype == tf.uint8
    if interpolation == "nearest":
        np.testing.assert_array_equal(out.numpy(), as_float)
    else:
        assert np.abs(out.numpy() - as_float).max() <= 0.5 + 1e-3

    # Flips alone move whole pixels: exact, for any input dtype.
    def flips(**kwargs):
        return ka.Pipeline([ka.RandomFlip(seed=1), ka.RandomFlip("vertical", seed=2)], **kwargs)

    flipped = flips(output_dtype="uint8")(images)
    assert not np.array_equal(flipped.numpy(), images)
    np.testing.assert_array_equal(flipped.numpy(), flips()(images).numpy())
    # At inference nothing changes: the input comes back as it was given.
    np.testing.assert_array_equal(
        build(output_dtype="uint8")(images, training=False).numpy(), images
    )


def test_uint8_output_rounds_once_after_a_later_layer(smooth):
    """A geometric run before a colour layer keeps float pixels; only the result is rounded."""
    images = np.round(smooth).astype("uint8")

    def build(**kwargs):
        return ka.Pipeline(
            [
                ka.RandomRotation(0.05, seed=2),
                ka.RandomZoom(0.2, seed=4),
                ka.Solarization(0.5, seed=3),
            ],
            **kwargs,
        )

    expected = np.clip(np.round(build()(images).numpy()), 0, 255)
    np.testing.assert_array_equal(build(output_dtype="uint8")(images).numpy(), expected)


def test_output_dtype_round_trips_in_the_config(smooth):
    pipeline = ka.Pipeline(geometric_layers()[:2], output_dtype="uint8")
    config = pipeline.get_config()
    assert config["output_dtype"] == "uint8"
    restored = ka.Pipeline.from_config(config)
    assert restored.output_dtype == "uint8"
    assert restored(np.round(smooth).astype("uint8")).dtype == tf.uint8


def test_bad_arguments_fail_at_construction():
    with pytest.raises(ValueError, match=r"Pipeline.*non-empty list"):
        ka.Pipeline([])
    with pytest.raises(ValueError, match=r"Pipeline.*non-empty list"):
        ka.Pipeline(ka.RandomFlip())
    with pytest.raises(ValueError, match=r"Pipeline.*Keras layer.*lambda"):
        ka.Pipeline([ka.RandomFlip(), lambda x: x])
    with pytest.raises(ValueError, match=r"Pipeline.*channels_first.*channels_last"):
        ka.Pipeline([ka.RandomFlip(data_format="channels_first")], data_format="channels_last")


def test_a_keras_mask_passes_only_through_layers_that_pass_it():
    """Keras masks (e.g. from a Masking layer) survive a pipeline of layers that keep each
    value's place; a pipeline with a layer that moves pixels drops the mask, with Keras'
    warning, as that layer alone does."""
    images = np.random.default_rng(0).uniform(0, 1, (2, 6, 6, 3)).astype("float32")
    images[0, 0, 0] = 0.0
    masked = keras.layers.Masking(0.0)(tf.constant(images))
    keeps = ka.Pipeline([ka.Rescaling(2.0), keras.layers.Rescaling(0.5)])
    assert keeps.supports_masking
    out = keeps(masked)
    np.testing.assert_array_equal(out._keras_mask.numpy(), masked._keras_mask.numpy())
    moves = ka.Pipeline([ka.Rescaling(2.0), ka.RandomFlip()])
    assert not moves.supports_masking
    with pytest.warns(UserWarning, match="does not support masking"):
        moves(masked, training=True)


def test_a_temporal_layer_given_images_is_named_with_the_pipeline():
    layer = ka.Pipeline([ka.RandomFlip(), ka.RandomTemporalCrop(2, name="frames")])
    with pytest.raises(ValueError) as caught:
        layer(np.zeros((2, 8, 8, 3), "float32"), training=True)
    message = str(caught.value)
    assert "Pipeline: its layer frames (RandomTemporalCrop)" in message
    assert "expected clips [batch, frames, height, width, channels]" in message
    assert "(2, 8, 8, 3)" in message
    clips = np.random.default_rng(1).uniform(0, 255, (2, 4, 8, 8, 3)).astype("float32")
    assert layer(clips, training=True).shape == (2, 2, 8, 8, 3)
