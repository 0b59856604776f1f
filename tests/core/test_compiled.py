"""``keras_augment.core.compiled.compiled_kernel``: one XLA function per channel count, any dtype in."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_augment.core.compiled import compiled_kernel


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
