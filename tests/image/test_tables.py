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


@pytest.mark.parametrize("shape", [(2, 7, 5, 3), (3, 4, 4, 1), (1, 1, 1, 3), (6, 3, 5, 3)])
@pytest.mark.parametrize("compiled", [False, True])
def test_histogram_counts_odd_and_even_pixel_counts(shape, compiled):
    # Up to four images are counted in pairs of neighbouring pixels (an odd last pixel has
    # no partner), more pixel by pixel.
    images = np.random.default_rng(sum(shape)).integers(0, 256, shape).astype("uint8")
    images[0, 0, 0] = 255  # the top level, next to the stand-in for a missing partner
    histogram = tf.function(tables.histogram, jit_compile=True) if compiled else tables.histogram
    counts = np.asarray(histogram(tf.constant(images)))
    for b in range(shape[0]):
        for c in range(shape[-1]):
            expected = np.bincount(images[b, ..., c].ravel(), minlength=256)
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


def test_pseudo_counts_keep_the_mean_and_the_extremes_through_monotone_tables(uint8_photos):
    """Two levels per channel stand in for the histogram wherever a policy reads a mean at
    the identity table or the extremes through a monotone table; a solarized table needs
    the histogram."""
    flat = np.full((1, 48, 64, 3), 77, np.uint8)
    batch = tf.constant(np.concatenate([uint8_photos, flat]))
    full, pseudo = tables.histogram(batch), tables.pseudo_counts(batch)
    np.testing.assert_allclose(np.sum(pseudo, axis=-1), np.sum(full, axis=-1), rtol=1e-6)
    assert np.all(np.sum(np.asarray(pseudo) > 0, axis=-1) <= 2)
    identity = tables.identity_tables(5, 3)
    np.testing.assert_allclose(
        tables.channel_means(identity, pseudo), tables.channel_means(identity, full), rtol=1e-6
    )
    monotone = {
        "identity": identity,
        "inverted": 255.0 - identity,
        "stretched": tf.clip_by_value(identity * 1.7 - 60.0, 0.0, 255.0),
        "posterized": tf.floor(identity / 32.0) * 32.0,
    }
    for name, values in monotone.items():
        for got, expected in zip(
            tables.extremes(values, pseudo), tables.extremes(values, full), strict=True
        ):
            np.testing.assert_array_equal(got, expected, err_msg=name)
    solarized = tf.where(identity >= 128.0, 255.0 - identity, identity)
    assert not np.array_equal(
        tables.extremes(solarized, pseudo)[1], tables.extremes(solarized, full)[1]
    )
