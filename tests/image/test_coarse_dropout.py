"""Tests of ``CoarseDropout`` (``keras_augment.image.occlusion``) against albumentations.

The shared contract runs in ``tests/test_registry_contract.py``; here the
holes (count, sizes, fills) and the targets, with albumentations' own
functions applied to the same holes as the reference: ``cutout`` for the
pixels, ``filter_keypoints_in_holes`` and ``filter_bboxes_by_holes``.
"""

from __future__ import annotations

import numpy as np
import pytest

from keras_augment.image.occlusion import CoarseDropout, erase_boxes
from keras_augment.image.ops.masks import box_mask, covered_fraction, points_in_boxes

# Holes as albumentations writes them, (x1, y1, x2, y2), and as our kernels read them.
HOLES_XYXY = np.array([[3, 4, 10, 9], [8, 7, 20, 15], [0, 20, 5, 24]])
HOLES = HOLES_XYXY[:, [1, 0, 3, 2]].astype("float32")[None]  # (top, left, bottom, right)


@pytest.fixture(scope="module")
def image(photo) -> np.ndarray:
    return np.ascontiguousarray(photo[::4, ::4][:24, :32])


def test_holes_erase_what_albumentations_cutout_erases(image):
    from albumentations.augmentations.dropout.functional import cutout

    theirs = cutout(image, HOLES_XYXY, 17, np.random.default_rng(0))
    ours = erase_boxes(image[None], HOLES, 17.0).numpy()[0]
    np.testing.assert_array_equal(ours, theirs)


def test_keypoints_in_holes_are_albumentations_filtered_keypoints():
    from albumentations.augmentations.dropout.functional import filter_keypoints_in_holes

    rng = np.random.default_rng(1)
    points = rng.uniform(0, 24, (200, 2)).astype("float32")
    points[:4] = [[3.0, 4.0], [10.0, 8.0], [9.99, 8.99], [8.0, 15.0]]  # on hole edges
    kept = filter_keypoints_in_holes(points, HOLES_XYXY)
    hidden = points_in_boxes(points[None], HOLES).numpy()[0]
    np.testing.assert_array_equal(points[~hidden], kept)


def test_box_coverage_drops_the_boxes_albumentations_drops():
    from albumentations.augmentations.dropout.functional import filter_bboxes_by_holes

    boxes = np.array(
        [[3, 4, 10, 9], [2, 2, 12, 12], [15, 15, 22, 22], [8, 7, 20, 15], [0, 0, 3, 3]], "float32"
    )
    covered = covered_fraction(box_mask(HOLES, 24, 32), boxes[None]).numpy()[0]
    np.testing.assert_allclose(covered[[0, 3, 4]], [1.0, 1.0, 0.0])
    for threshold in (0.0, 0.5, 0.9):
        theirs = filter_bboxes_by_holes(boxes, HOLES_XYXY, (24, 32), 0.0, threshold)
        ours = boxes[((1 - covered) > 0) & ((1 - covered) >= threshold)]
        np.testing.assert_array_equal(ours, theirs)


def test_each_sample_gets_its_count_of_holes_of_the_drawn_sizes():
    images = np.full((16, 40, 40, 1), 200.0, "float32")
    layer = CoarseDropout((1, 3), (4, 4), (6, 6), fill=0.0, seed=3)
    out = layer(images).numpy()[..., 0]
    erased = (out == 0).sum(axis=(1, 2))
    # Each hole is 4x6 = 24 pixels; overlaps make fewer, never more than three holes.
    assert erased.min() >= 24 and erased.max() <= 72
    assert len(set(erased.tolist())) > 1
    one = CoarseDropout((1, 1), (0.25, 0.25), (0.1, 0.1), fill=0.0, seed=4)(images).numpy()
    rows, cols = np.nonzero(one[0, ..., 0] == 0)
    assert (np.ptp(rows) + 1, np.ptp(cols) + 1) == (10, 4)  # floor(0.25 * 40) by floor(0.1 * 40)


def test_random_fills(image):
    images = np.stack([image] * 4).astype("float32")
    per_hole = CoarseDropout((1, 1), (8, 8), (8, 8), fill="random_uniform", seed=5)
    out = per_hole(images).numpy()
    changed = np.any(out != images, axis=-1)
    for b in range(4):
        colours = out[b][changed[b]]
        assert len(np.unique(colours, axis=0)) == 1  # one colour in the hole
    noise = CoarseDropout((1, 1), (8, 8), (8, 8), fill="random", value_range=(0, 1), seed=5)
    out = noise(images / 255.0).numpy()
    changed = np.any(np.abs(out - images / 255.0) > 1e-6, axis=-1)
    values = out[changed]
    assert len(np.unique(values)) > 50 and values.min() >= 0 and values.max() <= 1


def test_targets_follow_the_holes():
    images = np.full((8, 32, 32, 3), 100.0, "float32")
    masks = np.ones((8, 32, 32, 1), "int32")
    grid = np.stack(np.meshgrid(np.arange(32) + 0.5, np.arange(32) + 0.5), -1).reshape(-1, 2)
    keypoints = np.repeat(grid[None].astype("float32"), 8, axis=0)
    boxes = {"boxes": np.tile([[[0.0, 0.0, 32.0, 32.0]]], (8, 1, 1)), "labels": np.ones((8, 1))}
    layer = CoarseDropout((2, 4), (0.2, 0.4), (0.2, 0.4), fill=0.0, fill_mask=255, seed=6)
    out = layer.__class__(**{**layer.get_config(), "bounding_box_format": "xyxy"})(
        {
            "images": images,
            "segmentation_masks": masks,
            "keypoints": keypoints,
            "bounding_boxes": boxes,
        }
    )
    holes = out["images"].numpy()[..., 0] == 0
    np.testing.assert_array_equal(out["segmentation_masks"].numpy()[..., 0] == 255, holes)
    visible = out["keypoint_visibility"].numpy().reshape(8, 32, 32)
    np.testing.assert_array_equal(visible, ~holes)
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"], 1)  # the box stays visible


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_holes_range": (0, 2)}, "`num_holes_range`"),
        ({"num_holes_range": (3, 2)}, "`num_holes_range`"),
        ({"hole_height_range": (0.5, 1.5)}, "`hole_height_range`"),
        ({"hole_width_range": (0, 4)}, "`hole_width_range`"),
        ({"fill": "inpaint_ns"}, "`fill`"),
        ({"min_box_visibility": 2.0}, "`min_box_visibility`"),
        ({"hide_keypoints": None}, "`hide_keypoints`"),
    ],
)
def test_bad_arguments_fail_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=f"CoarseDropout: {message}"):
        CoarseDropout(**kwargs)


def test_a_fill_per_channel_must_match_the_channels():
    with pytest.raises(
        ValueError, match="CoarseDropout: `fill` has 3 values but the images have 1"
    ):
        CoarseDropout(fill=[1.0, 2.0, 3.0])(np.zeros((1, 8, 8, 1), "float32"))
