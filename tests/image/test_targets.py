"""Masks, bounding boxes and keypoints move with their images; inverse transforms."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_augment as ka
from keras_augment.core import targets as kt
from keras_augment.core.composition import RandomApply, RandomChoice
from keras_augment.core.pipeline import Pipeline

H, W = 32, 40
N = 3  # samples per batch


def boxes_and_masks(rng, n=N):
    """One random integer box per sample (plus a padding row) and the mask it covers."""
    x0 = rng.integers(2, W // 2, n)
    y0 = rng.integers(2, H // 2, n)
    x1 = x0 + rng.integers(6, W // 2, n)
    y1 = y0 + rng.integers(6, H // 2, n)
    boxes = np.full((n, 2, 4), -1.0, "float32")
    boxes[:, 0] = np.stack([x0, y0, x1, y1], axis=1)
    labels = np.array([[5, -1]] * n, "int32")
    masks = np.zeros((n, H, W, 1), "int32")
    for i in range(n):
        masks[i, y0[i] : y1[i], x0[i] : x1[i]] = 1
    return {"boxes": boxes, "labels": labels}, masks


def mask_box(mask):
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], "float32")


def images(n=N, h=H, w=W, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, h, w, 3)).astype("float32")


# Layers whose box transform is exact up to the pixel grid, and warps whose
# box is the box around the moved corners (compared with a looser tolerance).
GRID_LAYERS = [
    lambda **k: ka.RandomFlip(**k),
    lambda **k: ka.RandomZoom((-0.3, 0.3), fill_mode="constant", **k),
    lambda **k: ka.RandomTranslation(0.2, 0.2, fill_mode="constant", **k),
    lambda **k: ka.RandomCrop(24, 30, **k),
    lambda **k: ka.RandomResizedCrop(24, 30, scale=(0.5, 1.0), **k),
]
WARP_LAYERS = [
    lambda **k: ka.RandomRotation(0.08, fill_mode="constant", **k),
    lambda **k: ka.RandomShear(0.2, 0.2, fill_mode="constant", **k),
    lambda **k: ka.RandomPerspective((1.0, 1.0), 0.3, **k),
    lambda **k: ka.RandomAffine(15, 0.1, (0.8, 1.2), 10, fill_mode="constant", **k),
    lambda **k: Pipeline(
        [
            ka.RandomFlip(),
            ka.RandomRotation(0.05, fill_mode="constant"),
            ka.RandomCrop(26, 34),
        ],
        **k,
    ),
]


ELASTIC = [
    lambda **k: ka.RandomElasticTransform((1.0, 1.0), 1.0, fill_mode="constant", **k),
]


@pytest.mark.parametrize(
    "make, tol",
    [(m, 1.0) for m in GRID_LAYERS] + [(m, 1.5) for m in WARP_LAYERS] + [(ELASTIC[0], 1.5)],
    ids=[f"grid{i}" for i in range(len(GRID_LAYERS))]
    + [f"warp{i}" for i in range(len(WARP_LAYERS))]
    + ["elastic"],
)
def test_box_drawn_into_a_mask_moves_like_the_box(make, tol):
    rng = np.random.default_rng(1)
    layer = make(bounding_box_format="xyxy", seed=3)
    compared = 0
    for _ in range(2):
        boxes, masks = boxes_and_masks(rng)
        out = layer({"images": images(), "segmentation_masks": masks, "bounding_boxes": boxes})
        out_boxes = out["bounding_boxes"]["boxes"].numpy()
        out_labels = out["bounding_boxes"]["labels"].numpy()
        out_masks = out["segmentation_masks"].numpy()
        assert out_masks.dtype == np.int32
        assert set(np.unique(out_masks)) <= {0, 1}
        np.testing.assert_array_equal(out_labels[:, 1], -1)  # padding stays padding
        for i in range(N):
            expected = mask_box(out_masks[i, ..., 0])
            if out_labels[i, 0] == -1:
                assert expected is None or np.prod(expected[2:] - expected[:2]) <= 4
                continue
            assert out_labels[i, 0] == 5
            if expected is None:
                continue
            np.testing.assert_allclose(out_boxes[i, 0], expected, atol=tol)
            compared += 1
    assert compared >= 3


@pytest.mark.parametrize(
    "make",
    [GRID_LAYERS[3], GRID_LAYERS[4], WARP_LAYERS[0], WARP_LAYERS[2], WARP_LAYERS[3]],
    ids=["crop", "resized_crop", "rotation", "perspective", "affine"],
)
def test_keypoints_land_on_the_pixels_they_marked(make):
    layer = make(seed=5)
    centres = [(8, 10), (8, 30), (24, 10), (24, 30)]
    masks = np.zeros((N, H, W, 1), "int32")
    for k, (r, c) in enumerate(centres):
        masks[:, r - 1 : r + 2, c - 1 : c + 2] = k + 1
    points = np.array([[(c + 0.5, r + 0.5) for r, c in centres]] * N, "float32")
    seen = 0
    for _ in range(2):
        out = layer({"images": images(), "segmentation_masks": masks, "keypoints": points})
        moved = out["keypoints"].numpy()
        visible = out["keypoint_visibility"].numpy()
        out_masks = out["segmentation_masks"].numpy()[..., 0]
        h, w = out_masks.shape[1:]
        for i in range(N):
            for k in range(len(centres)):
                x, y = moved[i, k]
                inside = 0 <= x < w and 0 <= y < h
                assert visible[i, k] == inside
                if inside:
                    assert out_masks[i, int(np.floor(y)), int(np.floor(x))] == k + 1
                    seen += 1
    assert seen >= N * len(centres)


@pytest.mark.parametrize(
    "make",
    [
        lambda **k: ka.RandAugment(num_ops=3, factor=0.15, **k),
        lambda **k: ka.TrivialAugmentWide(**k),
        lambda **k: ka.AutoAugment(**k),
    ],
    ids=["rand_augment", "trivial_augment_wide", "auto_augment"],
)
def test_policies_move_masks_and_keypoints_with_their_chosen_geometry(make):
    # Each sample chooses its own operations; where it chose a shear, shift or
    # rotation, its keypoints and mask move through that sample's matrix.
    layer = make(seed=11)
    n = 8
    centres = [(8, 10), (8, 30), (24, 10), (24, 30)]
    masks = np.zeros((n, H, W, 1), "int32")
    for k, (r, c) in enumerate(centres):
        masks[:, r - 1 : r + 2, c - 1 : c + 2] = k + 1
    points = np.array([[(c + 0.5, r + 0.5) for r, c in centres]] * n, "float32")
    moved_any = seen = 0
    for _ in range(3):
        out = layer({"images": images(n), "segmentation_masks": masks, "keypoints": points})
        moved = out["keypoints"].numpy()
        visible = out["keypoint_visibility"].numpy()
        out_masks = out["segmentation_masks"].numpy()[..., 0]
        assert set(np.unique(out_masks)) <= {0, 1, 2, 3, 4}
        moved_any += int(np.sum(np.abs(moved - points).max(axis=(1, 2)) > 0.5))
        for i in range(n):
            for k in range(len(centres)):
                x, y = moved[i, k]
                assert visible[i, k] == (0 <= x < W and 0 <= y < H)
                if visible[i, k]:
                    assert out_masks[i, int(np.floor(y)), int(np.floor(x))] == k + 1
                    seen += 1
    assert moved_any >= 2 and seen >= n * len(centres)


def test_keypoints_follow_elastic_fields():
    # A strong field squeezes the 3x3 marks to a pixel or two, so nearest-resampled
    # masks can only locate them to about a pixel: each visible point must lie within
    # 1.5 pixels of a pixel carrying its mark, and the points must really have moved.
    layer = ELASTIC[0](seed=5)
    centres = [(8, 10), (8, 30), (24, 10), (24, 30)]
    masks = np.zeros((N, H, W, 1), "int32")
    for k, (r, c) in enumerate(centres):
        masks[:, r - 1 : r + 2, c - 1 : c + 2] = k + 1
    points = np.array([[(c + 0.5, r + 0.5) for r, c in centres]] * N, "float32")
    distances, shifts = [], []
    for _ in range(3):
        out = layer({"images": images(), "segmentation_masks": masks, "keypoints": points})
        moved = out["keypoints"].numpy()
        out_masks = out["segmentation_masks"].numpy()[..., 0]
        shifts.append(np.abs(moved - points).max())
        for i in range(N):
            for k in range(len(centres)):
                x, y = moved[i, k]
                if out["keypoint_visibility"].numpy()[i, k]:
                    rows, cols = np.nonzero(out_masks[i] == k + 1)
                    distances.append(np.min(np.hypot(cols + 0.5 - x, rows + 0.5 - y)))
    assert len(distances) >= N * len(centres)
    assert max(distances) <= 1.5 and np.median(distances) <= 0.75
    assert max(shifts) > 1.0


def test_elastic_inverse_maps_images_masks_and_points_back():
    layer = ka.RandomElasticTransform((1.0, 1.0), 1.0, fill_mode="constant", seed=4)
    ys, xs = np.mgrid[0:H, 0:W].astype("float32")
    smooth = np.stack([xs * 5, ys * 6, xs + ys], -1)[None].repeat(N, 0)
    masks = np.zeros((N, H, W, 1), "int32")
    masks[:, 8:24, 10:30] = 2
    points = np.array([[[12.5, 10.5], [25.5, 20.5]]] * N, "float32")
    data = {"images": smooth, "segmentation_masks": masks, "keypoints": points}
    out, params = layer(data, training=True, return_params=True)
    assert np.abs(out["keypoints"].numpy() - points).max() > 0.5  # the field moved them
    back = layer.inverse(out, params)
    interior = (slice(None), slice(8, 24), slice(10, 30))
    error = np.abs(back["images"].numpy()[interior] - smooth[interior])
    # Exact up to interpolation, except where the field folded or read outside the image.
    assert np.median(error) < 0.5 and np.percentile(error, 95) < 2.0
    assert np.mean(back["segmentation_masks"].numpy()[interior] == masks[interior]) > 0.95
    np.testing.assert_allclose(back["keypoints"].numpy(), points, atol=0.05)


def test_aug_mix_with_targets_uses_colour_operations_only_and_passes_them_through():
    from keras_augment.core.base import Batch
    from keras_augment.core.random import Sampler
    from keras_augment.image.policies import ALL_OPS, AUG_MIX_ALL_OPS

    layer = ka.AugMix(all_ops=True, seed=2)
    boxes, masks = boxes_and_masks(np.random.default_rng(2))
    points = np.array([[[5.5, 6.5]]] * N, "float32")

    def drawn_ops(batch):
        sampler = Sampler(tf.constant([1, 2], tf.int64), N)
        indices = np.unique(layer.get_params(sampler, batch)["op_indices"].numpy())
        return {AUG_MIX_ALL_OPS[k] for k in indices if k < len(AUG_MIX_ALL_OPS)}

    with_targets = drawn_ops(Batch(tf.constant(images()), masks=tf.constant(masks)))
    assert with_targets and all(ALL_OPS[name].matrix is None for name in with_targets)
    # Without targets the same draw does include geometric operations.
    assert any(ALL_OPS[name].matrix is not None for name in drawn_ops(Batch(tf.constant(images()))))
    data = {
        "images": images(),
        "segmentation_masks": masks,
        "keypoints": points,
        "bounding_boxes": boxes,
    }
    out = ka.AugMix(bounding_box_format="xyxy", seed=2)(data)
    assert not np.allclose(out["images"].numpy(), data["images"])
    np.testing.assert_array_equal(out["segmentation_masks"].numpy(), masks)
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"].numpy(), boxes["boxes"])
    np.testing.assert_array_equal(out["keypoints"].numpy(), points)


def test_keypoints_leaving_the_image_are_flagged_not_clamped():
    layer = ka.RandomTranslation((0.0, 0.0), (0.5, 0.5), fill_mode="constant")
    points = np.array([[[5.5, 3.5], [30.5, 3.5]]], "float32")
    out = layer({"images": images(1), "keypoints": points, "keypoint_visibility": [[True, True]]})
    np.testing.assert_allclose(out["keypoints"].numpy(), [[[25.5, 3.5], [50.5, 3.5]]])
    np.testing.assert_array_equal(out["keypoint_visibility"].numpy(), [[True, False]])
    # Points invisible on the way in stay invisible.
    out = layer({"images": images(1), "keypoints": points, "keypoint_visibility": [[False, True]]})
    np.testing.assert_array_equal(out["keypoint_visibility"].numpy(), [[False, False]])


def test_masks_keep_their_class_values_and_dtype():
    rng = np.random.default_rng(2)
    masks = rng.choice(np.array([0, 3, 7], "uint8"), size=(N, H, W, 1))
    layer = ka.RandomRotation(
        0.2, fill_mode="constant", interpolation="nearest", mask_fill_value=255, seed=1
    )
    out = layer({"images": images(), "segmentation_masks": masks})
    assert out["segmentation_masks"].dtype == tf.uint8
    values = set(np.unique(out["segmentation_masks"].numpy()))
    assert values <= {0, 3, 7, 255} and 255 in values  # corners read the mask fill
    # The image's own fill is separate from the mask's.
    np.testing.assert_array_equal(
        out["images"].numpy()[out["segmentation_masks"].numpy()[..., 0] == 255], 0.0
    )


def test_dropped_boxes_drop_their_labels_and_the_rest_move_to_the_front():
    shift = (0.25, 0.25)  # exactly 10 pixels to the right
    boxes = np.array([[[32, 2, 38, 8], [25, 2, 35, 8], [2, 2, 8, 8], [-1, -1, -1, -1]]], "float32")
    labels = np.array([[1, 2, 3, -1]], "int32")
    data = {"images": images(1), "bounding_boxes": {"boxes": boxes, "labels": labels}}

    loose = ka.RandomTranslation(
        (0.0, 0.0),
        shift,
        fill_mode="constant",
        bounding_box_format="xyxy",
        min_box_visibility=0.4,
    )
    out = loose(data)["bounding_boxes"]
    np.testing.assert_array_equal(out["labels"].numpy(), [[2, 3, -1, -1]])
    np.testing.assert_allclose(
        out["boxes"].numpy(), [[[35, 2, 40, 8], [12, 2, 18, 8], [-1] * 4, [-1] * 4]]
    )

    strict = ka.RandomTranslation(
        (0.0, 0.0),
        shift,
        fill_mode="constant",
        bounding_box_format="xyxy",
        min_box_visibility=0.6,
    )
    out = strict(data)["bounding_boxes"]
    np.testing.assert_array_equal(out["labels"].numpy(), [[3, -1, -1, -1]])


def test_box_formats_round_trip_and_agree_through_a_layer():
    xyxy = np.array([[[4.0, 6.0, 20.0, 30.0], [10.0, 1.0, 12.0, 3.0]]], "float32")
    for box_format in kt.BOX_FORMATS:
        converted = kt.from_xyxy(xyxy, box_format, H, W)
        back = kt.to_xyxy(converted, box_format, H, W).numpy()
        np.testing.assert_allclose(back, xyxy, atol=1e-5, err_msg=box_format)
    np.testing.assert_allclose(
        kt.from_xyxy(xyxy, "center_xywh", H, W).numpy()[0, 0], [12.0, 18.0, 16.0, 24.0]
    )
    np.testing.assert_allclose(
        kt.from_xyxy(xyxy, "rel_xywh", H, W).numpy()[0, 0], [0.1, 6 / 32, 0.4, 24 / 32]
    )
    np.testing.assert_allclose(kt.from_xyxy(xyxy, "yxyx", H, W).numpy()[0, 0], [6, 4, 30, 20])
    labels = np.array([[0, 1]], "int32")
    results = {}
    for fmt in ("xyxy", "rel_center_xywh", "yxyx"):
        layer = ka.RandomFlip("horizontal", bounding_box_format=fmt, seed=4)
        given = kt.from_xyxy(xyxy, fmt, H, W).numpy()
        out = layer({"images": images(1), "bounding_boxes": {"boxes": given, "labels": labels}})
        results[fmt] = kt.to_xyxy(out["bounding_boxes"]["boxes"], fmt, H, W).numpy()
    np.testing.assert_allclose(results["rel_center_xywh"], results["xyxy"], atol=1e-4)
    np.testing.assert_allclose(results["yxyx"], results["xyxy"], atol=1e-4)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ka.RandomRotation(0.05, fill_mode="constant", bounding_box_format="xyxy", seed=2),
        lambda: ka.RandomAffine(
            10, 0.1, (0.9, 1.1), fill_mode="constant", bounding_box_format="xyxy", seed=2
        ),
        lambda: Pipeline(
            [ka.RandomFlip(), ka.RandomZoom(0.1, fill_mode="constant"), ka.RandomCrop(26, 34)],
            bounding_box_format="xyxy",
        ),
    ],
)
def test_inverse_of_forward_is_the_identity_on_the_interior(make):
    layer = make()
    ys, xs = np.mgrid[0:H, 0:W].astype("float32")
    smooth = np.stack([xs * 5, ys * 6, xs + ys], -1)[None].repeat(N, 0)
    masks = np.zeros((N, H, W, 1), "int32")
    masks[:, 8:24, 10:30] = 2
    points = np.array([[[12.5, 10.5], [25.5, 20.5]]] * N, "float32")
    boxes = {"boxes": np.array([[[12, 10, 26, 21]]] * N, "float32"), "labels": np.ones((N, 1))}
    data = {
        "images": smooth,
        "segmentation_masks": masks,
        "keypoints": points,
        "bounding_boxes": boxes,
    }
    out, params = layer(data, training=True, return_params=True)
    assert params["matrix"].shape == (N, 3, 3)
    np.testing.assert_array_equal(params["input_size"].numpy(), [H, W])
    back = layer.inverse(out, params)
    assert back["images"].shape == smooth.shape
    interior = (slice(None), slice(11, 21), slice(14, 26))
    np.testing.assert_allclose(back["images"].numpy()[interior], smooth[interior], atol=1.5)
    agree = np.mean(back["segmentation_masks"].numpy()[interior] == masks[interior])
    assert agree > 0.97
    np.testing.assert_allclose(back["keypoints"].numpy(), points, atol=1e-3)
    assert back["keypoint_visibility"].numpy().all()
    returned = back["bounding_boxes"]["boxes"].numpy()[:, 0]
    # Boxes come back containing the original box (the corner box of a corner box).
    assert (returned[:, :2] <= boxes["boxes"][:, 0, :2] + 1e-3).all()
    assert (returned[:, 2:] >= boxes["boxes"][:, 0, 2:] - 1e-3).all()


def test_inverse_of_an_exact_pipeline_restores_pixels_and_boxes_exactly():
    layer = Pipeline([ka.RandomFlip(), ka.RandomCrop(24, 30)], bounding_box_format="rel_xyxy")
    x = images()
    boxes = {"boxes": np.array([[[0.3, 0.3, 0.6, 0.7]]] * N, "float32"), "labels": np.ones((N, 1))}
    out, params = layer({"images": x, "bounding_boxes": boxes}, return_params=True)
    back = layer.inverse(out, params)
    # The crop window, mapped back, is where the restored image is non-zero.
    restored = back["images"].numpy()
    seen = np.any(restored != 0, axis=-1)
    assert seen.sum() == N * 24 * 30
    np.testing.assert_array_equal(restored[seen], x[seen])
    assert out["bounding_boxes"]["boxes"].shape == (N, 1, 4)


def test_crop_inference_moves_targets_with_the_centre_crop():
    layer = ka.RandomCrop(16, 20, bounding_box_format="xyxy")
    boxes, masks = boxes_and_masks(np.random.default_rng(4))
    out = layer(
        {"images": images(), "segmentation_masks": masks, "bounding_boxes": boxes}, training=False
    )
    assert out["segmentation_masks"].shape == (N, 16, 20, 1)
    for i in range(N):
        expected = mask_box(out["segmentation_masks"].numpy()[i, ..., 0])
        if expected is not None and out["bounding_boxes"]["labels"].numpy()[i, 0] != -1:
            np.testing.assert_allclose(
                out["bounding_boxes"]["boxes"].numpy()[i, 0], expected, atol=1.0
            )


def test_photometric_layers_pass_targets_through_unchanged():
    boxes, masks = boxes_and_masks(np.random.default_rng(5))
    points = np.array([[[3.5, 4.5]]] * N, "float32")
    data = {
        "images": images(),
        "segmentation_masks": masks,
        "bounding_boxes": boxes,
        "keypoints": points,
    }
    for layer in (
        ka.RandomBrightness((0.2, 0.3), bounding_box_format="xyxy", seed=1),
        ka.RandomGaussianBlur((1.0, 1.0), sigma=(1.0, 2.0), bounding_box_format="xyxy", seed=1),
    ):
        out = layer(data)
        assert not np.allclose(out["images"].numpy(), data["images"])
        np.testing.assert_array_equal(out["segmentation_masks"].numpy(), masks)
        np.testing.assert_array_equal(out["bounding_boxes"]["boxes"].numpy(), boxes["boxes"])
        np.testing.assert_array_equal(out["keypoints"].numpy(), points)


def test_erasing_and_grid_mask_erase_mask_regions_on_request():
    x = images() + 1.0  # never 0 before erasing
    masks = np.ones((N, H, W, 1), "int32")
    erasing = ka.RandomErasing(
        factor=(1.0, 1.0), fill_value=0.0, erase_masks=True, mask_fill_value=9
    )
    out = erasing({"images": x, "segmentation_masks": masks})
    erased = np.all(out["images"].numpy() == 0.0, axis=-1)
    assert erased.any()
    np.testing.assert_array_equal(out["segmentation_masks"].numpy()[..., 0] == 9, erased)
    grid = ka.GridMask(erase_masks=True, mask_fill_value=9, fill_value=0.0)
    out = grid({"images": x, "segmentation_masks": masks})
    erased = np.all(out["images"].numpy() == 0.0, axis=-1)
    np.testing.assert_array_equal(out["segmentation_masks"].numpy()[..., 0] == 9, erased)
    kept = ka.RandomErasing(factor=1.0)({"images": x, "segmentation_masks": masks})
    np.testing.assert_array_equal(kept["segmentation_masks"].numpy(), masks)


def test_mixup_masks_follow_the_dominant_image_and_cutmix_pastes_them():
    n = 6
    x = np.arange(n, dtype="float32")[:, None, None, None] * np.ones((n, H, W, 3), "float32")
    masks = np.arange(n, dtype="int32")[:, None, None, None] * np.ones((n, H, W, 1), "int32")
    onehot = np.eye(n, dtype="float32")
    out = ka.MixUp(alpha=1.0, seed=2)({"images": x, "labels": onehot, "segmentation_masks": masks})
    own = out["labels"].numpy()[np.arange(n), np.arange(n)]
    chosen = out["segmentation_masks"].numpy()[:, 0, 0, 0]
    dominant = np.argmax(out["labels"].numpy(), axis=1)
    np.testing.assert_array_equal(chosen, np.where(own >= 0.5, np.arange(n), dominant))
    assert np.all(out["segmentation_masks"].numpy() == chosen[:, None, None, None])

    out = ka.CutMix(seed=3)({"images": x, "labels": onehot, "segmentation_masks": masks})
    np.testing.assert_array_equal(
        out["segmentation_masks"].numpy()[..., 0], out["images"].numpy()[..., 0].astype("int32")
    )


def cutmix_reference(own_box, partner_box, patch, min_visibility):
    """Numpy reference of CutMix's box rule for one sample; patch is (x0, y0, x1, y1).

    Returns the kept boxes and, for each, whether it is the sample's own.
    """

    def clip(b):
        lo = np.maximum(b[:2], patch[:2])
        return np.concatenate([lo, np.maximum(np.minimum(b[2:], patch[2:]), lo)])

    def area(b):
        return (b[2] - b[0]) * (b[3] - b[1])

    out, mine = [], []
    visible = area(own_box) - area(clip(own_box))
    if visible > 0 and visible >= min_visibility * area(own_box):
        out.append(own_box)
        mine.append(True)
    inside = area(clip(partner_box))
    if inside > 0 and inside >= min_visibility * area(partner_box):
        out.append(clip(partner_box))
        mine.append(False)
    return out, mine


@pytest.mark.parametrize("min_visibility", [0.0, 0.6])
def test_cutmix_keeps_visible_own_boxes_and_adds_the_partners_inside_the_patch(min_visibility):
    n = 6
    x = np.arange(n, dtype="float32")[:, None, None, None] * np.ones((n, H, W, 3), "float32")
    rng = np.random.default_rng(4)
    own = np.stack([rng.uniform(0, 12, n), rng.uniform(0, 10, n)], 1)
    own = np.concatenate([own, own + rng.uniform(8, 24, (n, 2))], 1).astype("float32")
    boxes = np.full((n, 3, 4), -1.0, "float32")
    labels = np.full((n, 3), -1, "int32")
    boxes[:, 0], labels[:, 0] = own, np.arange(n) + 10
    layer = ka.CutMix(seed=5, bounding_box_format="xyxy", min_box_visibility=min_visibility)
    out = layer(
        {
            "images": x,
            "labels": np.eye(n, dtype="float32"),
            "bounding_boxes": {"boxes": boxes, "labels": labels},
        }
    )
    images = out["images"].numpy()[..., 0]
    checked = 0
    for i in range(n):
        pasted = images[i] != i
        got_labels = out["bounding_boxes"]["labels"].numpy()[i]
        got = out["bounding_boxes"]["boxes"].numpy()[i][got_labels != -1]
        if not pasted.any():  # drew itself (or an empty box): boxes unchanged
            np.testing.assert_array_equal(got, own[i : i + 1])
            continue
        partner = int(images[i][pasted][0])
        rows, cols = np.nonzero(pasted)
        patch = np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1], "float32")
        expected, mine = cutmix_reference(own[i], own[partner], patch, min_visibility)
        np.testing.assert_allclose(got, np.array(expected).reshape(-1, 4), atol=1e-4)
        want = [10 + (i if m else partner) for m in mine]
        assert list(got_labels[got_labels != -1]) == want
        checked += 1
    assert checked >= 3


def test_compositions_move_targets_per_sample():
    rng = np.random.default_rng(6)
    for layer in (
        RandomChoice(
            [ka.RandomFlip(), ka.RandomRotation(0.05, fill_mode="constant")],
            bounding_box_format="xyxy",
            seed=1,
        ),
        RandomApply(
            ka.RandomTranslation(0.2, 0.2, fill_mode="constant"),
            rate=0.5,
            bounding_box_format="xyxy",
            seed=2,
        ),
    ):
        boxes, masks = boxes_and_masks(rng, 6)
        out = layer({"images": images(6), "segmentation_masks": masks, "bounding_boxes": boxes})
        for i in range(6):
            expected = mask_box(out["segmentation_masks"].numpy()[i, ..., 0])
            if expected is not None and out["bounding_boxes"]["labels"].numpy()[i, 0] != -1:
                np.testing.assert_allclose(
                    out["bounding_boxes"]["boxes"].numpy()[i, 0], expected, atol=1.5
                )


def test_unbatched_and_channels_first_targets():
    layer = ka.RandomFlip("horizontal", seed=1, bounding_box_format="xyxy")
    boxes, masks = boxes_and_masks(np.random.default_rng(7), 1)
    out = layer(
        {
            "images": images(1)[0],
            "segmentation_masks": masks[0],
            "bounding_boxes": {"boxes": boxes["boxes"][0], "labels": boxes["labels"][0]},
            "keypoints": np.array([[1.5, 2.5]], "float32"),
        }
    )
    assert out["segmentation_masks"].shape == (H, W, 1)
    assert out["bounding_boxes"]["boxes"].shape == (2, 4)
    assert out["keypoints"].shape == (1, 2) and out["keypoint_visibility"].shape == (1,)
    first = ka.RandomFlip("horizontal", seed=1, data_format="channels_first")
    out_first = first(
        {
            "images": np.transpose(images(1), (0, 3, 1, 2)),
            "segmentation_masks": np.transpose(masks, (0, 3, 1, 2)),
        }
    )
    assert out_first["segmentation_masks"].shape == (1, 1, H, W)
    np.testing.assert_array_equal(
        out_first["segmentation_masks"].numpy()[0, 0], out["segmentation_masks"].numpy()[..., 0]
    )


def test_bad_targets_give_clear_errors():
    x = images()
    with pytest.raises(ValueError, match=r"RandomFlip.*bounding_box_format.*xyxy"):
        ka.RandomFlip(bounding_box_format="ltrb")
    boxes = {"boxes": np.zeros((N, 2, 4), "float32"), "labels": np.zeros((N, 2), "int32")}
    with pytest.raises(ValueError, match=r"RandomRotation.*bounding_box_format"):
        ka.RandomRotation(0.1)({"images": x, "bounding_boxes": boxes})
    layer = ka.RandomRotation(0.1, bounding_box_format="xyxy")
    with pytest.raises(ValueError, match=r"RandomRotation.*\[batch, n, 4\]"):
        layer(
            {
                "images": x,
                "bounding_boxes": {"boxes": np.zeros((N, 2, 5)), "labels": boxes["labels"]},
            }
        )
    with pytest.raises(ValueError, match=r"RandomRotation.*'boxes'.*'labels'"):
        layer({"images": x, "bounding_boxes": boxes["boxes"]})
    with pytest.raises(ValueError, match=r"RandomRotation.*segmentation_masks.*match"):
        layer({"images": x, "segmentation_masks": np.zeros((N, H, W - 1, 1))})
    with pytest.raises(ValueError, match=r"RandomRotation.*keypoints.*\[batch, k, 2\]"):
        layer({"images": x, "keypoints": np.zeros((N, 2, 3))})
    with pytest.raises(ValueError, match=r"Pipeline.*rescaling.*not a keras_augment layer"):
        Pipeline([keras.layers.Rescaling(0.5, name="rescaling")])(
            {"images": x, "segmentation_masks": np.zeros((N, H, W, 1))}
        )
    elastic = ka.RandomElasticTransform(bounding_box_format="xyxy")
    out = elastic({"images": x, "segmentation_masks": np.ones((N, H, W, 1), "int32")})
    assert set(np.unique(out["segmentation_masks"].numpy())) <= {1}
    with pytest.raises(ValueError, match=r"RandomRotation.*return_params=True"):
        layer.inverse(x, {"angle": 0.1})


def test_xla_and_tf_data_with_dict_targets():
    layer = Pipeline(
        [ka.RandomFlip(), ka.RandomCrop(24, 30)], bounding_box_format="rel_center_xywh"
    )
    boxes, masks = boxes_and_masks(np.random.default_rng(8))
    rel = {
        "boxes": kt.from_xyxy(boxes["boxes"], "rel_center_xywh", H, W).numpy(),
        "labels": boxes["labels"],
    }
    rel["boxes"][:, 1] = -1.0
    data = {
        "images": images(),
        "segmentation_masks": masks,
        "bounding_boxes": rel,
        "keypoints": np.full((N, 2, 2), 5.5, "float32"),
    }
    compiled = tf.function(lambda d: layer(d, training=True), jit_compile=True)
    out = compiled(data)
    assert out["images"].shape == (N, 24, 30, 3)
    assert out["segmentation_masks"].shape == (N, 24, 30, 1)
    assert out["bounding_boxes"]["boxes"].shape == (N, 2, 4)
    assert out["keypoint_visibility"].dtype == tf.bool
    ds = (
        tf.data.Dataset.from_tensor_slices(data)
        .batch(2)
        .map(lambda d: layer(d, training=True), num_parallel_calls=2)
    )
    got = list(ds.as_numpy_iterator())
    assert sum(len(b["images"]) for b in got) == N
    for batch in got:
        assert batch["segmentation_masks"].shape[1:] == (24, 30, 1)
        assert set(np.unique(batch["segmentation_masks"])) <= {0, 1}


def test_pad_boxes_makes_ragged_lists_rectangular():
    out = kt.pad_boxes([[[1, 2, 3, 4]], [[1, 1, 2, 2], [3, 3, 4, 4]]], [[7], [8, 9]], 3)
    assert out["boxes"].shape == (2, 3, 4)
    np.testing.assert_array_equal(out["labels"].numpy(), [[7, -1, -1], [8, 9, -1]])
    np.testing.assert_array_equal(out["boxes"].numpy()[0, 1:], -1.0)
    with pytest.raises(ValueError, match="max_boxes"):
        kt.pad_boxes([[[1, 2, 3, 4]]], [[1]], 0)


def test_config_round_trip_keeps_target_options():
    layer = ka.RandomRotation(
        0.1, bounding_box_format="yxyx", mask_fill_value=255, min_box_visibility=0.3
    )
    config = layer.get_config()
    clone = ka.RandomRotation.from_config(config)
    assert clone.get_config() == config
    assert clone.mask_fill_value == 255 and clone.min_box_visibility == 0.3
    assert clone.bounding_box_format == "yxyx"
    erasing = ka.RandomErasing(erase_masks=True, mask_fill_value=3)
    assert ka.RandomErasing.from_config(erasing.get_config()).erase_masks is True
