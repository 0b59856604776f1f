"""Mosaic: each quadrant equals a window of its source image; labels by area, boxes per quadrant."""

import numpy as np
import pytest

from tests.layer_checks import ka

N = 6


@pytest.fixture(scope="module")
def mosaic_data(photo) -> dict:
    """Six 32x40 crops of the real photograph, one-hot labels, a mask naming each image, boxes."""
    images = np.stack([photo[20 * i : 20 * i + 32, 30 * i : 30 * i + 40] for i in range(N)])
    # Two boxes per image and room for four images' boxes (padding rows -1).
    rows = [[2, 2, 12, 10], [20, 5, 38, 30]] + [[-1] * 4] * 6
    boxes = np.tile(np.array(rows, "float32"), (N, 1, 1))
    boxes[:, 0] += np.arange(N)[:, None]  # each image's first box in its own place
    box_labels = np.tile([[0, 1] + [-1] * 6], (N, 1))
    return {
        "images": images.astype("float32"),
        "labels": np.eye(3, dtype="float32")[np.arange(N) % 3],
        "segmentation_masks": np.broadcast_to(np.arange(N)[:, None, None, None], (N, 32, 40, 1)),
        "bounding_boxes": {"boxes": boxes, "labels": box_labels},
    }


def _windows(params, i):
    """Per quadrant of sample ``i``: (source, rows and columns in the output, top, left)."""
    cy, cx = int(params["center_y"][i]), int(params["center_x"][i])
    spans = [(0, cy, 0, cx), (0, cy, cx, 40), (cy, 32, 0, cx), (cy, 32, cx, 40)]
    for q, (y0, y1, x0, x1) in enumerate(spans):
        top, left = int(params["tops"][i, q]), int(params["lefts"][i, q])
        yield int(params["sources"][i, q]), (y0, y1, x0, x1), top, left


def test_quadrants_are_the_source_windows_and_targets_follow(mosaic_data):
    layer = ka.Mosaic(seed=3, bounding_box_format="xyxy")
    transformation = layer.get_random_transformation(mosaic_data)
    params = {k: np.asarray(v) for k, v in transformation["params"].items()}
    images = mosaic_data["images"]
    out = np.asarray(layer.transform_images(images, transformation))
    masks = np.asarray(
        layer.transform_segmentation_masks(mosaic_data["segmentation_masks"], transformation)
    )
    labels = np.asarray(layer.transform_labels(mosaic_data["labels"], transformation))
    boxes = layer.transform_bounding_boxes(mosaic_data["bounding_boxes"], transformation)
    for i in range(N):
        assert len(set(params["sources"][i])) == 4 and i in params["sources"][i]
        expected_labels = np.zeros(3)
        expected_boxes = []
        for source, (y0, y1, x0, x1), top, left in _windows(params, i):
            window = images[source, top : top + y1 - y0, left : left + x1 - x0]
            np.testing.assert_array_equal(out[i, y0:y1, x0:x1], window)
            assert (masks[i, y0:y1, x0:x1] == source).all()
            expected_labels += (y1 - y0) * (x1 - x0) / (32 * 40) * mosaic_data["labels"][source]
            for box, label in zip(
                *(mosaic_data["bounding_boxes"][k][source] for k in ("boxes", "labels")),
                strict=True,
            ):
                if label < 0:
                    continue
                moved = box + np.tile([x0 - left, y0 - top], 2)
                clipped = np.r_[np.maximum(moved[:2], [x0, y0]), np.minimum(moved[2:], [x1, y1])]
                if (clipped[2:] > clipped[:2]).all():
                    expected_boxes.append((*clipped, label))
        np.testing.assert_allclose(labels[i], expected_labels, atol=1e-6)
        got = np.c_[np.asarray(boxes["boxes"][i]), np.asarray(boxes["labels"][i])]
        got = got[got[:, 4] >= 0]
        np.testing.assert_allclose(got, np.array(expected_boxes).reshape(-1, 5), atol=1e-4)


def test_layer_call_mixes_labels_by_area_and_passes_through_at_inference(mosaic_data):
    layer = ka.Mosaic(seed=1, num_classes=3, bounding_box_format="xyxy")
    data = {**mosaic_data, "labels": np.arange(N) % 3}  # class indices
    out = layer(data)
    np.testing.assert_allclose(np.sum(out["labels"], axis=1), 1.0, atol=1e-6)
    assert (np.max(out["labels"], axis=1) < 1.0).all()  # every sample shows other images
    assert len({o.tobytes() for o in np.asarray(out["images"])}) == N
    kept = np.asarray(out["bounding_boxes"]["labels"])
    assert (kept >= 0).any(axis=1).all()
    same = layer(mosaic_data["images"], training=False)
    np.testing.assert_array_equal(same, mosaic_data["images"])
    with pytest.raises(ValueError, match="Mosaic.*keypoints"):
        layer({"images": mosaic_data["images"], "keypoints": np.zeros((N, 1, 2), "float32")})


def test_bad_arguments_fail_at_construction():
    with pytest.raises(ValueError, match="Mosaic.*center_range"):
        ka.Mosaic(center_range=(0.2, 1.5))
    with pytest.raises(ValueError, match="Mosaic.*min_box_visibility"):
        ka.Mosaic(min_box_visibility=2.0)
