"""Tests of the occlusion layers in ``keras_augment.image.occlusion``.

The shared checks (``tests/layer_checks.py``), the erased region against
Keras' own mask construction, and measured properties: erasing touches
exactly one box of the configured area, GridMask removes the fraction its
definition states.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_augment.image import occlusion
from keras_augment.image.occlusion import GridMask, RandomErasing
from tests.layer_checks import (
    check_dtypes,
    check_tf_data,
    check_training_changes,
    check_xla,
)

FACTORIES = {
    "RandomErasing": lambda **kw: RandomErasing(
        factor=(1.0, 1.0), scale=(0.05, 0.3), fill_value=0.0, **kw
    ),
    "RandomErasingNoise": lambda **kw: RandomErasing(factor=(1.0, 1.0), fill_value=None, **kw),
    "GridMask": lambda **kw: GridMask(ratio=(0.4, 0.7), rotation_factor=0.1, **kw),
}
ALL = tuple(FACTORIES)


def _np(x) -> np.ndarray:
    return np.asarray(x, dtype="float32")


@pytest.fixture(scope="module")
def images(noise_batch) -> np.ndarray:
    """float32[4, 32, 40, 3] white noise in [0, 255]."""
    return noise_batch


@pytest.fixture(scope="module")
def positive() -> np.ndarray:
    """float32[16, 40, 48, 3] noise in [10, 250]: no pixel equals a fill of 0 or 255."""
    return np.random.default_rng(5).uniform(10, 250, (16, 40, 48, 3)).astype("float32")


# ----- the shared checks ----------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_training_changes_every_sample(name, images):
    layer = FACTORIES[name](seed=2)
    check_training_changes(layer, images)
    for before, after in zip(images, _np(layer(images)), strict=True):
        assert not np.array_equal(before, after)


@pytest.mark.parametrize("name", ALL)
def test_batchwise_shares_one_draw(name, images):
    out = _np(FACTORIES[name](seed=3, batchwise=True)(np.repeat(images[:1], 4, axis=0)))
    for sample in out[1:]:
        np.testing.assert_array_equal(sample, out[0])


# One compilation per layer (each costs seconds); the noise fill is the larger graph.
@pytest.mark.parametrize("name", ["RandomErasingNoise", "GridMask"])
def test_xla_compiles_and_erases(name, images):
    layer = FACTORIES[name](seed=5)
    assert layer.supports_jit
    out = _np(check_xla(layer, images))
    # Whatever the draw, a pixel is either untouched or filled.
    changed = out != images
    assert changed.any() and (~changed).any()
    if name != "RandomErasingNoise":
        np.testing.assert_array_equal(out[changed], 0.0)


@pytest.mark.parametrize("name", ALL)
def test_tf_data_parallel_map_augments_every_element(name, images):
    out = check_tf_data(FACTORIES[name](seed=6), images)
    for before, after in zip(images, out, strict=True):
        assert not np.array_equal(before, after)


@pytest.mark.parametrize("name", ALL)
def test_dtypes(name, images):
    check_dtypes(FACTORIES[name](seed=7), images)


@pytest.mark.parametrize("name", ALL)
def test_unbatched_matches_batch_of_one(name, images):
    single = _np(FACTORIES[name](seed=9)(images[0]))
    np.testing.assert_array_equal(single, _np(FACTORIES[name](seed=9)(images[:1]))[0])


@pytest.mark.parametrize("name", ALL)
def test_channels_first_matches_channels_last(name, images):
    last = _np(FACTORIES[name](seed=10, data_format="channels_last")(images))
    first = FACTORIES[name](seed=10, data_format="channels_first")(
        np.transpose(images, (0, 3, 1, 2))
    )
    np.testing.assert_array_equal(np.transpose(_np(first), (0, 2, 3, 1)), last)


BAD_ARGUMENTS = [
    (RandomErasing, {"factor": 1.5}),
    (RandomErasing, {"scale": (0.5, -0.1)}),
    (RandomErasing, {"scale": (0.1, 2.0)}),
    (RandomErasing, {"fill_value": "black"}),
    (RandomErasing, {"fill_value": []}),
    (RandomErasing, {"value_range": (255, 0)}),
    (GridMask, {"ratio": 1.5}),
    (GridMask, {"ratio": (0.8, 0.2)}),
    (GridMask, {"unit_size": 0.0}),
    (GridMask, {"rotation_factor": 2.0}),
    (GridMask, {"fill_value": None}),
]


@pytest.mark.parametrize(("cls", "kwargs"), BAD_ARGUMENTS)
def test_bad_arguments_fail_at_construction(cls, kwargs):
    with pytest.raises(ValueError, match=cls.__name__):
        cls(**kwargs)


def test_fill_values_must_match_the_channels(images):
    with pytest.raises(ValueError, match="RandomErasing.*4 values.*3 channels"):
        RandomErasing(fill_value=[1, 2, 3, 4])(images)


# ----- RandomErasing --------------------------------------------------------


def test_box_mask_matches_keras_mask_construction():
    rng = np.random.default_rng(0)
    height, width = 20, 28
    top, left = rng.uniform(0, 10, 6), rng.uniform(0, 14, 6)
    bottom, right = top + rng.uniform(0, 10, 6), left + rng.uniform(0, 14, 6)
    bottom[0] = top[0]  # an empty box
    keras_layer = keras.layers.RandomErasing(data_format="channels_last")
    theirs = np.asarray(
        keras_layer._generate_batch_mask((6, height, width, 1), (left, right, top, bottom))
    )[..., 0]
    boxes = np.stack([top, left, bottom, right], axis=-1)[:, None].astype("float32")
    ours = np.asarray(occlusion.box_mask(boxes, height, width))
    np.testing.assert_array_equal(ours, theirs)
    assert not ours[0].any() and ours[1:].any()


def test_erase_boxes_fills_the_union_of_boxes(images):
    boxes = np.array([[[2, 3, 6, 9], [4, 30, 30, 38]]] * 4, "float32")
    out = _np(occlusion.erase_boxes(images, boxes, np.array([1.0, 2.0, 3.0], "float32")))
    inside = np.zeros((32, 40), bool)
    inside[2:6, 3:9] = True
    inside[4:30, 30:38] = True
    np.testing.assert_array_equal(
        out[:, inside], np.broadcast_to([1.0, 2.0, 3.0], out[:, inside].shape)
    )
    np.testing.assert_array_equal(out[:, ~inside], images[:, ~inside])


def _erased_boxes(before: np.ndarray, after: np.ndarray) -> list:
    """For each sample: (the erased mask, the bounding box of the erased pixels or None)."""
    result = []
    for b, a in zip(before, after, strict=True):
        erased = np.any(a != b, axis=-1)
        rows, cols = np.nonzero(erased)
        box = None if rows.size == 0 else (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1)
        result.append((erased, box))
    return result


@pytest.mark.parametrize("scale", [(0.02, 0.33), (0.1, 0.2)])
def test_erasing_fills_exactly_one_box_of_the_configured_area(scale, positive):
    out = _np(RandomErasing(factor=(1.0, 1.0), scale=scale, fill_value=0.0, seed=1)(positive))
    height, width = positive.shape[1:3]
    slack = (height + width + 1) / (height * width)  # whole pixels versus a real-valued box
    fractions = []
    for (erased, box), before, after in zip(
        _erased_boxes(positive, out), positive, out, strict=True
    ):
        assert box is not None
        top, left, bottom, right = box
        # The erased pixels form a full rectangle, filled with exactly the fill value.
        assert erased[top:bottom, left:right].all()
        assert erased.sum() == (bottom - top) * (right - left)
        np.testing.assert_array_equal(after[erased], 0.0)
        np.testing.assert_array_equal(after[~erased], before[~erased])
        fractions.append(erased.mean())
    fractions = np.array(fractions)
    assert np.all(fractions >= scale[0] - slack) and np.all(fractions <= scale[1] + slack)
    assert fractions.max() - fractions.min() > 0.2 * (scale[1] - scale[0])


def test_erasing_factor_sets_the_probability(positive):
    untouched = RandomErasing(factor=0.0, fill_value=0.0)(positive)
    np.testing.assert_array_equal(_np(untouched), positive)
    batch = np.repeat(positive[:1], 64, axis=0)
    out = _np(RandomErasing(factor=(0.5, 0.5), fill_value=0.0, seed=2)(batch))
    erased = np.mean([np.any(o != batch[0]) for o in out])
    assert 0.3 < erased < 0.7


def test_erasing_per_channel_fill_and_value_range(positive):
    out = _np(RandomErasing((1.0, 1.0), fill_value=(20.0, 300.0, -5.0), seed=3)(positive))
    for (erased, _), after in zip(_erased_boxes(positive, out), out, strict=True):
        # Fill values are clipped to value_range, as in Keras.
        np.testing.assert_array_equal(
            after[erased], np.broadcast_to([20.0, 255.0, 0.0], after[erased].shape)
        )


def test_erasing_noise_fill_stays_in_range_and_varies(positive):
    out = _np(RandomErasing((1.0, 1.0), fill_value=None, value_range=(0, 255), seed=4)(positive))
    assert out.min() >= 0.0 and out.max() <= 255.0
    filled = np.concatenate(
        [
            after[erased]
            for (erased, _), after in zip(_erased_boxes(positive, out), out, strict=True)
        ]
    )
    # Keras' noise: N(0, 1) * 255 clipped, so about half the values clip to 0.
    assert 0.4 < np.mean(filled == 0.0) < 0.6
    assert np.unique(filled).size > 100


# ----- GridMask -------------------------------------------------------------


@pytest.mark.parametrize(("ratio", "rotation"), [(0.6, 0.0), (0.3, 0.0), (0.5, 0.5)])
def test_gridmask_removes_the_stated_fraction(ratio, rotation):
    ones = np.ones((64, 40, 48, 1), "float32")
    layer = GridMask(ratio=ratio, unit_size=(0.2, 0.6), rotation_factor=rotation, seed=1)
    removed = 1.0 - _np(layer(ones)).mean()
    assert removed == pytest.approx((1.0 - ratio) ** 2, abs=0.02)


def test_gridmask_small_units_remove_the_fraction_in_every_image():
    ones = np.ones((8, 40, 48, 1), "float32")
    per_image = 1.0 - _np(GridMask(ratio=0.5, unit_size=(0.1, 0.15), seed=2)(ones)).mean(
        axis=(1, 2, 3)
    )
    np.testing.assert_allclose(per_image, 0.25, atol=0.05)


def test_gridmask_pattern_is_a_grid_of_squares():
    """Axis-aligned: every column crosses removed runs of (1 - ratio) * d rows, period d."""
    d, ratio = 10.0, 0.6
    # Coordinates are taken from the centre (19.5); these offsets put units at 0, 10, 20, ...
    mask = np.asarray(occlusion.grid_mask_pattern(40, 40, [d], [ratio], [19.5], [19.5], [0.0]))[0]
    rows_removed = mask.any(axis=1)
    cols_removed = mask.any(axis=0)
    np.testing.assert_array_equal(mask, rows_removed[:, None] & cols_removed[None, :])
    expected_1d = (np.arange(40) % 10) >= 6
    np.testing.assert_array_equal(rows_removed, expected_1d)
    np.testing.assert_array_equal(cols_removed, expected_1d)


def test_gridmask_fill_value_and_untouched_pixels(positive):
    out = _np(GridMask(fill_value=255.0, seed=3)(positive))
    removed = np.all(out == 255.0, axis=-1)
    np.testing.assert_array_equal(out[~removed], positive[~removed])
    assert removed.any()
    assert out.min() >= positive.min() and out.max() <= 255.0


def test_gridmask_offsets_differ_per_sample():
    ones = np.ones((8, 40, 48, 1), "float32")
    masks = _np(GridMask(ratio=0.5, unit_size=(0.3, 0.3), seed=4)(ones))
    # Offsets are whole pixels within a 12-pixel unit (144 positions), so two of
    # eight samples may share one by chance; a batch-wide draw would give one mask.
    assert len({m.tobytes() for m in masks}) >= 6
