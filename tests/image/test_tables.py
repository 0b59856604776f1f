"""Colour operations as per-sample lookup tables on uint8 images (``image.ops.tables``)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_augment.image.ops import color, tables


@pytest.fixture(scope="module")
def uint8_photos(small_photos) -> np.ndarray:
    return small_photos.astype("uint8")


def _through_tables(images: np.ndarray, make_values) -> np.ndarray:
    batch = tf.constant(images)
    counts = tables.histogram(batch)
    values = tables.identity_tables(len(images), images.shape[-1])
    return np.asarray(tables.apply_tables(batch, make_values(values, counts)))


def test_histogram_counts_every_channel_of_every_image(uint8_photos):
    counts = np.asarray(tables.histogram(tf.constant(uint8_photos)))
    assert counts.shape == (4, 3, 256)
    for b in range(4):
        for c in range(3):
            expected = np.bincount(uint8_photos[b, ..., c].ravel(), minlength=256)
            np.testing.assert_array_equal(counts[b, c], expected)


@pytest.mark.parametrize(
    "name, on_tables, on_floats",
    [
        (
            "contrast",
            lambda v, n: tables.adjust_contrast(v, n, [0.4, 1.6, 0.9, 1.3], (0, 255)),
            lambda x: color.adjust_contrast(x, [0.4, 1.6, 0.9, 1.3], (0, 255)),
        ),
        (
            "gray contrast",
            lambda v, n: tables.adjust_contrast(v, n, [0.4, 1.6, 0.9, 1.3], (0, 255), False),
            lambda x: color.adjust_contrast(x, [0.4, 1.6, 0.9, 1.3], (0, 255), False),
        ),
        (
            "auto contrast",
            lambda v, n: tables.auto_contrast(v, n, (0, 255)),
            lambda x: color.auto_contrast(x, (0, 255)),
        ),
        (
            "equalize",
            lambda v, n: tables.equalize(v, n, (0, 255)),
            lambda x: color.equalize(x, (0, 255)),
        ),
        (
            "posterize",
            lambda v, n: tables.pointwise(lambda x, a, r: color.posterize(x, [1, 3, 5, 8], r))(
                v, n, {}, (0, 255)
            ),
            lambda x: color.posterize(x, [1, 3, 5, 8], (0, 255)),
        ),
    ],
)
def test_tables_give_the_float_kernels_values(uint8_photos, name, on_tables, on_floats):
    """Read through its table, each level takes the value the float kernel gives it."""
    got = _through_tables(uint8_photos, on_tables)
    expected = np.asarray(on_floats(tf.constant(uint8_photos, tf.float32)))
    np.testing.assert_allclose(got, expected, atol=1e-3, err_msg=name)
    assert np.abs(got - uint8_photos).mean() > 1.0, name


def test_tables_compose_with_statistics_carried_through(uint8_photos):
    """Contrast, then equalize: the second table reads the histogram the first one produced."""
    factor = [0.5, 1.5, 0.7, 1.2]

    def chain(values, counts):
        values = tables.adjust_contrast(values, counts, factor, (0, 255))
        return tables.equalize(values, counts, (0, 255))

    got = _through_tables(uint8_photos, chain)
    floats = tf.constant(uint8_photos, tf.float32)
    expected = np.asarray(color.equalize(color.adjust_contrast(floats, factor, (0, 255)), (0, 255)))
    np.testing.assert_allclose(got, expected, atol=1e-3)
