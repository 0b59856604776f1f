"""The behaviour every augmentation layer must show, as reusable checks.

Each test module calls these for its layers (see ``tests/image/test_geometric.py``).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

import keras_augment as ka


def check_inference_identity(layer, images):
    """training=False returns the input values, as float32, unchanged."""
    out = layer(images, training=False)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(images, dtype="float32"))


def check_training_changes(layer, images):
    out = np.asarray(layer(images, training=True))
    assert out.shape[0] == images.shape[0]
    assert not np.allclose(out, images), f"{layer.name} left every image unchanged"


def check_per_sample(layer, image, batch_size=8):
    """Copies of one image in one batch come out differently."""
    batch = np.repeat(image[None], batch_size, axis=0)
    out = np.asarray(layer(batch, training=True))
    distinct = {np.round(o, 3).tobytes() for o in out}
    assert len(distinct) > 1, f"{layer.name} gave every sample of the batch the same parameters"
    return out


def check_seeded(make_layer, images):
    """Two layers with one seed agree call after call; later calls differ from earlier ones."""
    a, b = make_layer(seed=7), make_layer(seed=7)
    first_a, first_b = np.asarray(a(images)), np.asarray(b(images))
    second_a, second_b = np.asarray(a(images)), np.asarray(b(images))
    np.testing.assert_array_equal(first_a, first_b)
    np.testing.assert_array_equal(second_a, second_b)
    assert not np.array_equal(first_a, second_a), "a second call repeated the first one"


def check_config_round_trip(layer):
    config = layer.get_config()
    clone = layer.__class__.from_config(config)
    assert clone.get_config() == config
    serialized = keras.saving.serialize_keras_object(layer)
    again = keras.saving.deserialize_keras_object(serialized)
    assert type(again) is type(layer)


def check_xla(layer, images):
    """The layer compiles inside tf.function(jit_compile=True) and keeps shape and dtype."""
    fn = tf.function(lambda x: layer(x, training=True), jit_compile=True)
    out = fn(tf.constant(images))
    assert out.dtype == tf.float32
    expected = layer.compute_output_shape(images.shape)
    assert tuple(out.shape) == tuple(expected)
    return out


def check_tf_data(layer, images):
    """Mapped over a tf.data pipeline with parallel calls, every element arrives augmented."""
    ds = (
        tf.data.Dataset.from_tensor_slices(images)
        .batch(2)
        .map(lambda x: layer(x, training=True), num_parallel_calls=tf.data.AUTOTUNE)
    )
    out = np.concatenate(list(ds.as_numpy_iterator()))
    assert out.shape[0] == images.shape[0]
    return out


def check_dtypes(layer, images):
    """uint8, float16, bfloat16 and float32 inputs all give float32 outputs."""
    for dtype in ("uint8", "float16", "bfloat16", "float32"):
        x = tf.cast(tf.clip_by_value(tf.constant(images), 0, 255), dtype)
        out = layer(x, training=True)
        assert out.dtype == tf.float32, (dtype, out.dtype)


def check_unbatched(layer, images):
    out = layer(images[0], training=True)
    assert out.shape.rank == 3


__all__ = [name for name in dir() if name.startswith("check_")] + ["ka"]
