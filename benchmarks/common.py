"""Measurement helpers shared by the benchmark scripts (same loop, same warm-up, everywhere)."""

from __future__ import annotations

import time

import numpy as np
import tensorflow as tf


def measure(step, batches: int, repeats: int, warmup: int = 2, batch_size: int = 32) -> list[float]:
    """Images per second for each of ``repeats`` timed runs of ``batches`` calls of ``step``."""
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batches):
            step()
        rates.append(batches * batch_size / (time.perf_counter() - start))
    return rates


def direct_step(layer, images):
    """One call of ``layer`` on ``images``, results pulled to NumPy."""

    def step():
        np.asarray(layer(images, training=True))

    return step


def tf_data_step(layer, images):
    """One batch out of a ``tf.data`` pipeline mapping ``layer`` (AUTOTUNE, prefetch)."""
    ds = (
        tf.data.Dataset.from_tensors(images)
        .repeat()
        .map(lambda x: layer(x, training=True), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    iterator = iter(ds)

    def step():
        next(iterator).numpy()

    return step
