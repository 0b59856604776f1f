"""Draws: many uniform arrays from one seed."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_augment.core.random import Draws


def _draw(seed, stream=0, part=None, size=20_000):
    draws = Draws(tf.constant(seed, tf.int64))
    if part is not None:
        draws = draws.part(part)
    return draws.uniform([size], stream).numpy()


def test_draws_are_uniform_in_unit_interval():
    u = _draw([3, 4])
    assert u.dtype == np.float32 and u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.01
    assert np.histogram(u, bins=10, range=(0, 1))[0].min() > 1_800


def test_same_seed_and_stream_repeat_and_others_differ():
    np.testing.assert_array_equal(_draw([3, 4], 1), _draw([3, 4], 1))
    base = _draw([3, 4], 1)
    others = [
        _draw([3, 5], 1),
        _draw([3, 4], 2),
        _draw([3, 4], 1, part=0),
        _draw([3, 4], 1, part=1),
    ]
    for other in others:
        # Independent streams: no shared values in order, no correlation.
        assert np.mean(other == base) < 0.001
        assert abs(np.corrcoef(other, base)[0, 1]) < 0.03
    assert np.mean(others[2] == others[3]) < 0.001
