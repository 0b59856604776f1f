"""Draws: many uniform arrays from one seed."""

from __future__ import annotations

import numpy as np
import pytest
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


def _policy_like_draws(sampler, count, height, width):
    # Uniform, bernoulli, normal and integer draws, with arithmetic after them.
    return {
        "angle": sampler.uniform(0.0, 1.0, (count,)) * 2.0 * np.pi,
        "flip": sampler.bernoulli(0.5),
        "noise": sampler.normal((3,), stddev=0.1),
        "shift": sampler.integers(0, 7) * tf.cast(width - height, tf.int32),
    }


def test_compiled_draws_match_the_graph_draws_and_end_the_sampler():
    from keras_augment.core.random import Sampler

    for seed in ([1, 2], [7, 0], [123456789, 42]):
        for batch_size in (1, 5):
            seed_t = tf.constant(seed, tf.int64)
            plain = _policy_like_draws(Sampler(seed_t, batch_size), 2, 24, 32)
            sampler = Sampler(seed_t, batch_size)
            compiled = sampler.compiled(_policy_like_draws, 2, 24, 32)
            assert compiled["angle"].shape == (batch_size, 2)
            for key in plain:
                np.testing.assert_allclose(compiled[key], plain[key], rtol=1e-6, atol=1e-6)
            np.testing.assert_array_equal(compiled["flip"], plain["flip"])
            np.testing.assert_array_equal(compiled["shift"], plain["shift"])
            # The compiled call is the sampler's last use.
            with pytest.raises(RuntimeError, match="compiled"):
                sampler.uniform(0.0, 1.0)


def test_compiled_draws_continue_after_earlier_draws():
    from keras_augment.core.random import Sampler

    seed = tf.constant([5, 9], tf.int64)
    plain = Sampler(seed, 4)
    first = plain.uniform(0.0, 1.0)
    rest = _policy_like_draws(plain, 1, 8, 8)
    sampler = Sampler(seed, 4)
    np.testing.assert_array_equal(sampler.uniform(0.0, 1.0), first)
    compiled = sampler.compiled(_policy_like_draws, 1, 8, 8)
    np.testing.assert_allclose(compiled["angle"], rest["angle"], rtol=1e-6)
    np.testing.assert_array_equal(compiled["flip"], rest["flip"])
