"""What every layer inherits from BaseAugmentation: training switch, inputs, seeds, models."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_augment as ka


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    """float32[4, 12, 14, 3] with integer values in [0, 255]: asymmetric, so every warp shows."""
    return np.random.default_rng(0).integers(0, 256, (4, 12, 14, 3)).astype("float32")


def rotation(seed=7, **kwargs) -> ka.RandomRotation:
    return ka.RandomRotation(0.3, seed=seed, **kwargs)


# ----- the training switch ------------------------------------------------------------------


def test_direct_call_augments_by_default(images):
    layer = rotation()
    out = layer(images).numpy()
    assert out.shape == images.shape and out.dtype == np.float32
    assert np.abs(out - images).mean() > 10
    np.testing.assert_array_equal(layer(images, training=False).numpy(), images)
    # training=None (what Keras passes outside fit) also means "augment", as in Keras layers.
    assert not np.array_equal(layer(images, training=None).numpy(), images)


def test_symbolic_training_flag(images):
    layer = rotation()
    fn = tf.function(lambda x, t: layer(x, training=t))
    np.testing.assert_array_equal(fn(images, tf.constant(False)).numpy(), images)
    assert np.abs(fn(images, tf.constant(True)).numpy() - images).mean() > 10
    labels = tf.range(4)
    fn_dict = tf.function(lambda x, t: layer({"images": x, "labels": labels}, training=t))
    out = fn_dict(images, tf.constant(True))
    np.testing.assert_array_equal(out["labels"].numpy(), np.arange(4))
    assert np.abs(out["images"].numpy() - images).mean() > 10


def test_fit_augments_while_predict_and_evaluate_pass_through(images):
    """A model made of augmentation alone: loss against its own input is zero only at inference."""
    model = keras.Sequential(
        [keras.Input(images.shape[1:]), ka.RandomFlip(seed=1), rotation(seed=2)]
    )
    model.compile(loss="mse", jit_compile=True)
    np.testing.assert_array_equal(model.predict(images, batch_size=2, verbose=0), images)
    assert model.evaluate(images, images, batch_size=2, verbose=0) == 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(images, images, batch_size=2, epochs=2, verbose=0)
    # Keras falls back to jit_compile=False with a warning when a layer does not support XLA.
    assert not [w for w in caught if "jit_compile" in str(w.message)]
    assert model.jit_compile is True
    assert min(history.history["loss"]) > 100.0
    # Four training steps advanced each layer's seed counter as four direct calls do;
    # predict and evaluate drew nothing.
    reference = ka.RandomFlip(seed=1)
    for _ in range(4):
        reference(images[:2])
    for layer in model.layers:
        np.testing.assert_array_equal(
            layer._seed_state.numpy()[:2], reference._seed_state.numpy()[:2]
        )
    np.testing.assert_array_equal(model(images, training=False).numpy(), images)
    assert not np.array_equal(model(images, training=True).numpy(), images)


# ----- inputs ---------------------------------------------------------------------------------


def test_dict_inputs_keep_labels_and_match_plain_call(images):
    labels = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], "float32")
    out = rotation(seed=3)({"images": images, "labels": labels})
    plain = rotation(seed=3)(images)
    assert set(out) == {"images", "labels"}
    np.testing.assert_array_equal(out["images"].numpy(), plain.numpy())
    np.testing.assert_array_equal(np.asarray(out["labels"]), labels)
    only_images = rotation(seed=3)({"images": images})
    assert set(only_images) == {"images"}
    np.testing.assert_array_equal(only_images["images"].numpy(), plain.numpy())


def test_dict_inputs_refuse_unknown_and_missing_keys(images):
    layer = rotation()
    depth = np.zeros(images.shape[:3] + (1,), "float32")
    with pytest.raises(ValueError, match=r"RandomRotation.*depth_maps.*images.*labels"):
        layer({"images": images, "depth_maps": depth})
    with pytest.raises(ValueError, match=r"RandomRotation.*'images'"):
        layer({"labels": np.zeros(4)})


def test_unbatched_input_is_one_sample_of_a_batch(images):
    out = rotation(seed=5)(images[0])
    assert out.shape == images.shape[1:]
    np.testing.assert_array_equal(out.numpy(), rotation(seed=5)(images[:1]).numpy()[0])
    np.testing.assert_array_equal(rotation()(images[0], training=False).numpy(), images[0])


def test_channels_first_is_the_transposed_channels_last(images):
    first = np.transpose(images, (0, 3, 1, 2))
    layer = rotation(seed=4, data_format="channels_first")
    out = layer(first)
    assert out.shape == first.shape
    assert layer.compute_output_shape(first.shape) == first.shape
    expected = np.transpose(rotation(seed=4)(images).numpy(), (0, 3, 1, 2))
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-4)
    unbatched = rotation(seed=4, data_format="channels_first")(first[0])
    np.testing.assert_allclose(unbatched.numpy(), expected[0], atol=1e-4)


@pytest.mark.parametrize("dtype", ["uint8", "int32", "float16", "bfloat16", "float64"])
def test_dtypes_come_out_as_float32_on_the_input_scale(images, dtype):
    x = tf.cast(images, dtype)
    out = rotation(seed=6)(x)
    assert out.dtype == tf.float32
    expected = rotation(seed=6)(tf.cast(x, tf.float32)).numpy()
    # Integer and float64 inputs give exactly the float32 result; half floats are read as they are.
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-3)
    np.testing.assert_array_equal(
        rotation()(x, training=False).numpy(), tf.cast(x, tf.float32).numpy()
    )


# ----- output_dtype --------------------------------------------------------------------------


def test_output_dtype_rounds_and_saturates_the_float_result(images):
    x = tf.cast(images, "uint8")
    as_float = rotation(seed=6)(x).numpy()
    out = rotation(seed=6, output_dtype="uint8")(x)
    assert out.dtype == tf.uint8
    np.testing.assert_array_equal(out.numpy(), np.clip(np.round(as_float), 0, 255))
    # Values outside the dtype's range saturate instead of wrapping around.
    shifted = ka.RandomFlip(seed=0, output_dtype="uint8")(images * 2.0 - 100.0).numpy()
    flipped = ka.RandomFlip(seed=0)(images * 2.0 - 100.0).numpy()
    np.testing.assert_array_equal(shifted, np.clip(flipped, 0, 255))
    assert shifted.min() == 0 and shifted.max() == 255


def test_output_dtype_at_inference_is_the_input_cast(images):
    x = tf.cast(images, "uint8")
    np.testing.assert_array_equal(
        rotation(output_dtype="uint8")(x, training=False).numpy(), x.numpy()
    )
    out = rotation(output_dtype="float16")(x, training=False)
    assert out.dtype == tf.float16
    np.testing.assert_array_equal(out.numpy(), images)
    layer = rotation(output_dtype="uint8")
    fn = tf.function(lambda x, t: layer(x, training=t))
    assert fn(x, tf.constant(False)).dtype == tf.uint8


def test_output_dtype_in_a_functional_model_and_a_dict(images):
    layer = rotation(output_dtype="uint8")
    inputs = keras.Input(images.shape[1:], dtype="uint8")
    model = keras.Model(inputs, layer(inputs))
    assert model.outputs[0].dtype == "uint8"
    out = layer({"images": tf.cast(images, "uint8"), "labels": tf.range(4)})
    assert out["images"].dtype == tf.uint8 and out["labels"].dtype == tf.int32


@pytest.mark.parametrize("bad", ["uint9", "bool", "complex64", 3])
def test_bad_output_dtype_fails_at_construction(bad):
    with pytest.raises(ValueError, match="RandomRotation: `output_dtype` must be None or a real"):
        rotation(output_dtype=bad)


def test_bad_inputs_raise_clear_errors(images):
    layer = rotation()
    with pytest.raises(TypeError, match=r"RandomRotation.*bool"):
        layer(tf.zeros([2, 4, 4, 1], tf.bool))
    with pytest.raises(TypeError, match=r"RandomRotation.*string"):
        layer(tf.constant([[["a"]]]))
    for shape in ((4, 4), (1, 1, 2, 4, 4, 3)):  # rank 5 is a batch of clips
        with pytest.raises(ValueError, match=r"RandomRotation.*rank"):
            layer(np.zeros(shape, "float32"))


@pytest.mark.parametrize("seed", ["7", 1.5, True])
def test_bad_seed_fails_at_construction(seed):
    with pytest.raises(ValueError, match=r"RandomRotation.*seed"):
        ka.RandomRotation(0.1, seed=seed)


def test_nan_arguments_fail_at_construction():
    with pytest.raises(ValueError, match=r"RandomRotation.*factor.*nan"):
        ka.RandomRotation(float("nan"))
    with pytest.raises(ValueError, match=r"RandomRotation.*factor.*nan"):
        ka.RandomRotation((0.0, float("nan")))
    with pytest.raises(ValueError, match=r"RandomRotation.*fill_value.*nan"):
        ka.RandomRotation(0.1, fill_value=float("nan"))


def test_bad_data_format_fails_at_construction():
    with pytest.raises(ValueError, match=r"RandomFlip.*data_format.*channels_last"):
        ka.RandomFlip(data_format="NHWC")


def test_direct_calls_match_calls_inside_another_layer(images):
    """A direct eager call skips Keras' per-call work; a call inside another layer's goes through it.
    Same seed, same outputs, training or not, images or a dict."""

    class Outer(keras.layers.Layer):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def call(self, inputs, training=None):
            return self.inner(inputs, training=training)

    direct, inside = rotation(seed=21), rotation(seed=21)
    model = Outer(inside)
    labels = tf.range(4)
    for inputs in (images, tf.constant(images), {"images": images, "labels": labels}):
        for training in (True, False, None):
            got = direct(inputs, training=training)
            want = model(inputs, training=training)
            got, want = tf.nest.flatten(got), tf.nest.flatten(want)
            for a, b in zip(got, want, strict=True):
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(direct.weights[0].numpy(), inside.weights[0].numpy())
    messages = []
    for layer in (direct, model):
        with pytest.raises(ValueError, match="RandomRotation: expected images of rank 3") as error:
            layer(tf.constant(images[0, 0]), training=True)
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_without_the_keras_internals_calls_go_through_keras_alike(images, monkeypatch):
    """A Keras that moved the internals of the fast path: the same results through Keras."""
    from keras_augment.core import backend

    reference = rotation(seed=5)
    want = [reference(images, training=t).numpy() for t in (True, False, None)]
    calls = []
    monkeypatch.setattr(backend, "CallContext", None)
    monkeypatch.setattr(backend.SeededLayer, "_call_eagerly", lambda *a: calls.append(a))
    layer = rotation(seed=5)
    for t, expected in zip((True, False, None), want, strict=True):
        np.testing.assert_array_equal(layer(images, training=t).numpy(), expected)
    assert not calls


def test_keras_layers_in_a_pipeline_follow_the_direct_calls_training_flag(images):
    keras_flip = keras.layers.RandomFlip("horizontal", seed=1)
    pipeline = ka.Pipeline([keras_flip])
    np.testing.assert_array_equal(pipeline(images, training=False).numpy(), images)
    flipped = np.stack([pipeline(images, training=True).numpy() for _ in range(8)])
    assert (flipped == images[:, :, ::-1]).all(axis=(2, 3, 4)).any()


# ----- seeds and parameters ----------------------------------------------------------------


def test_same_seed_gives_same_sequence_and_calls_differ(images):
    a, b = rotation(seed=11), rotation(seed=11)
    outs_a = [a(images).numpy() for _ in range(3)]
    outs_b = [b(images).numpy() for _ in range(3)]
    for out_a, out_b in zip(outs_a, outs_b, strict=True):
        np.testing.assert_array_equal(out_a, out_b)
    assert not np.array_equal(outs_a[0], outs_a[1])
    assert not np.array_equal(outs_a[1], outs_a[2])
    assert not np.array_equal(outs_a[0], rotation(seed=12)(images).numpy())


def test_unseeded_layers_differ(images):
    a, b = rotation(seed=None), rotation(seed=None)
    assert a.seed is None
    assert not np.array_equal(a(images).numpy(), b(images).numpy())


def test_samples_differ_unless_batchwise(images):
    same = np.repeat(images[:1], 6, axis=0)
    per_sample = rotation(seed=2)(same).numpy()
    assert len({o.tobytes() for o in per_sample}) == 6
    shared = rotation(seed=2, batchwise=True)(same).numpy()
    for o in shared[1:]:
        np.testing.assert_array_equal(o, shared[0])
    assert np.abs(shared[0] - same[0]).mean() > 10
    # Batchwise flips: the whole batch flips together, call after call.
    flip = ka.RandomFlip("horizontal", seed=3, batchwise=True)
    for _ in range(4):
        out = flip(images).numpy()
        flipped = np.array_equal(out, images[:, :, ::-1])
        assert flipped or np.array_equal(out, images)


def test_epochs_of_a_dataset_differ(images):
    layer = rotation(seed=8)
    ds = tf.data.Dataset.from_tensor_slices(images).batch(2).map(layer)
    first = np.concatenate(list(ds.as_numpy_iterator()))
    second = np.concatenate(list(ds.as_numpy_iterator()))
    assert not np.array_equal(first, second)
    assert np.abs(first - images).mean() > 10


def test_parallel_map_never_shares_a_seed():
    """num_parallel_calls=8: the calls use exactly the seeds a sequential map uses, once each."""
    n = 240
    image = np.random.default_rng(1).uniform(0, 1, (6, 7, 1)).astype("float32")
    ds = tf.data.Dataset.from_tensors(image).repeat(n)

    def outputs(layer, parallel):
        mapped = ds.map(layer, num_parallel_calls=parallel)
        return [o.tobytes() for o in mapped.as_numpy_iterator()]

    parallel = outputs(rotation(seed=21), 8)
    sequential = outputs(rotation(seed=21), None)
    assert len(parallel) == n
    assert len(set(sequential)) == n  # every call drew a different angle
    reused = n - len(set(parallel))
    assert reused == 0, f"{reused} parallel calls reused another call's seed"
    assert set(parallel) == set(sequential), "parallel calls used seeds a sequential map does not"


def pattern_images(n: int) -> np.ndarray:
    """n 5x6 images; image i holds 100 * i plus a pattern in which every pixel differs."""
    pattern = np.arange(30, dtype="float32").reshape(5, 6, 1)
    return (100.0 * np.arange(n, dtype="float32"))[:, None, None, None] + pattern


def flips_of(image) -> list[np.ndarray]:
    return [image, image[::-1], image[:, ::-1], image[::-1, ::-1]]


@pytest.mark.parametrize("as_dict", [False, True])
def test_parallel_map_delivers_every_element_once_in_order(as_dict):
    n = 160
    x = pattern_images(n)
    layer = ka.RandomFlip(seed=5)
    if as_dict:

        def augment(image, label):
            out = layer({"images": image, "labels": label})
            return out["images"], out["labels"]
    else:

        def augment(image, label):
            return layer(image), label

    ds = tf.data.Dataset.from_tensor_slices((x, np.arange(n))).map(
        augment, num_parallel_calls=8, deterministic=True
    )
    got = list(ds.as_numpy_iterator())
    assert [int(label) for _, label in got] == list(range(n))
    kinds = []
    for i, (image, _) in enumerate(got):
        matches = [np.array_equal(image, f) for f in flips_of(x[i])]
        assert any(matches), f"element {i} is not a flip of input {i}"
        kinds.append(matches.index(True))
    assert len(set(kinds)) == 4  # all four flip combinations occurred


# ----- serialization -------------------------------------------------------------------------


def test_keras_file_round_trip_keeps_config_and_seed_state(images, tmp_path):
    layers = [
        ka.RandomFlip("horizontal", seed=3),
        ka.RandomRotation(0.2, fill_mode="constant", fill_value=9.0, seed=4),
        ka.RandomZoom(0.1, seed=None, output_dtype="uint8"),
    ]
    model = keras.Sequential([keras.Input(images.shape[1:]), *layers])
    for _ in range(3):  # advance the counters so the saved state is not the initial one
        model(images, training=True)
    path = tmp_path / "augment.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    for original, restored in zip(model.layers, loaded.layers, strict=True):
        assert type(restored) is type(original)
        assert restored.get_config() == original.get_config()
        np.testing.assert_array_equal(restored._seed_state.numpy(), original._seed_state.numpy())
    assert loaded.layers[0]._seed_state.numpy()[0] > 0  # not the initial state
    assert loaded.layers[1]._seed_state.numpy()[2] == 4  # the key is the seed
    assert loaded.layers[2].output_dtype == "uint8" and loaded.layers[0].output_dtype is None
    # The restored model continues the same sequence of augmentations.
    for _ in range(2):
        np.testing.assert_array_equal(
            loaded(images, training=True).numpy(), model(images, training=True).numpy()
        )
