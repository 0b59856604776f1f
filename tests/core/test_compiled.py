"""``keras_augment.core.compiled.compiled_kernel``: one XLA function per channel count, any dtype in."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_augment.core.compiled import TracedOnce, compiled_kernel


def _scale_and_shift(images, factor, shift):
    return images * factor[:, None, None, None] + shift


def test_compiled_kernel_gives_the_kernels_values_for_every_input_dtype():
    kernel = compiled_kernel(_scale_and_shift)
    rng = np.random.default_rng(0)
    factor = tf.constant([0.5, 2.0])
    for channels in (1, 3):
        images = rng.integers(0, 256, (2, 5, 6, channels)).astype("uint8")
        expected = _scale_and_shift(tf.cast(images, tf.float32), factor, 1.0).numpy()
        for dtype in ("uint8", "float16", "float32"):
            out = kernel(tf.cast(images, dtype), factor, 1.0)
            assert out.dtype == tf.float32
            np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_traced_once_traces_twice_per_signature_and_serves_every_size():
    traces = []

    def add_seed(structure, seed):
        traces.append(structure["images"].shape)
        out = structure["images"] * 2.0
        return {"images": out if seed is None else out + tf.cast(seed[0], tf.float32)}

    traced = TracedOnce(add_seed)
    seed = tf.constant([3, 4], tf.int64)
    for batch, seeded in ((2, False), (2, False), (5, False), (2, False), (7, False), (2, True)):
        images = tf.fill([batch, 3, 4, 1], 1.5)
        out = traced({"images": images}, seed if seeded else None)["images"].numpy()
        np.testing.assert_array_equal(out, np.full([batch, 3, 4, 1], 6.0 if seeded else 3.0))
    # Unseeded: the exact batch of 2, then one relaxed graph for 5, 2 and 7; seeded: its own.
    assert [shape.as_list() for shape in traces] == [
        [2, 3, 4, 1],
        [None, None, None, 1],
        [2, 3, 4, 1],
    ]
    # Another channel count or dtype is another signature, traced apart.
    out = traced({"images": tf.ones([2, 3, 4, 3], tf.float64)}, None)["images"]
    assert out.dtype == tf.float64 and len(traces) == 4
