"""Box-safe crops: every box kept whole (RandomSizedBBoxSafeCrop), at least one (AtLeastOne...)."""

import numpy as np
import pytest

from tests.layer_checks import ka

N = 24  # samples: enough draws to meet the tight cases (boxes at the image border)


@pytest.fixture(scope="module")
def detection_batch(photo) -> dict:
    """48x64 crops of the real photograph with up to 4 random boxes each (padding rows -1)."""
    rng = np.random.default_rng(3)
    images = np.stack([photo[r : r + 48, r : r + 64] for r in range(0, 4 * N, 4)])
    corner = rng.uniform(0, [58, 42], (N, 4, 2))
    size = rng.uniform(2, 20, (N, 4, 2))
    boxes = np.concatenate([corner, np.minimum(corner + size, [64, 48])], -1).astype("float32")
    boxes[1, 0] = [0.0, 0.0, 64.0, 48.0]  # a box as large as the image
    labels = rng.integers(0, 5, (N, 4))
    labels[:, 3] = -1
    labels[2] = -1  # a sample without boxes
    return {
        "images": images.astype("float32"),
        "bounding_boxes": {"boxes": boxes, "labels": labels},
    }


def _moved(boxes: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Input ``xyxy`` boxes through the inverse of output-to-input ``matrix`` (axis-aligned).

    The matrix has pixel centres at integers, boxes at half-integers.
    """
    forward = np.linalg.inv(matrix)

    def move(points):
        return np.einsum("ij,nj->ni", forward, np.c_[points - 0.5, np.ones(len(points))])[:, :2]

    return np.c_[move(boxes[:, :2]), move(boxes[:, 2:])] + 0.5


@pytest.mark.parametrize("with_mask", [False, True])
def test_sized_safe_crop_keeps_every_box_whole(detection_batch, with_mask):
    layer = ka.RandomSizedBBoxSafeCrop(32, 40, bounding_box_format="xyxy", seed=4)
    data = dict(detection_batch)
    if with_mask:
        data["segmentation_masks"] = np.ones((N, 48, 64, 1), "int32")
    out, params = layer(data, return_params=True)
    boxes, labels = (detection_batch["bounding_boxes"][k] for k in ("boxes", "labels"))
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"], labels)  # none dropped
    assert out["images"].shape == (N, 32, 40, 3)
    crops = set()
    for i in range(N):
        live = labels[i] >= 0
        got = out["bounding_boxes"]["boxes"][i].numpy()[live]
        # Whole: the box through the crop's matrix, not clipped, inside the output.
        expected = _moved(boxes[i][live], params["matrix"][i].numpy())
        np.testing.assert_allclose(got, expected, atol=2e-3)
        assert (got[:, :2] >= -1e-3).all() and (got[:, 2] <= 40 + 1e-3).all()
        assert (got[:, 3] <= 32 + 1e-3).all()
        crops.add(np.round(params["matrix"][i].numpy(), 3).tobytes())
    assert len(crops) > N // 2  # random windows, per sample
    if with_mask:  # masks of ones cropped inside the image stay ones
        assert (out["segmentation_masks"].numpy() == 1).all()
    # At inference the whole image is resized: boxes scaled, all kept.
    inferred = layer(detection_batch, training=False)
    np.testing.assert_allclose(
        inferred["bounding_boxes"]["boxes"][0, 0],
        boxes[0, 0] * np.tile([40 / 64, 32 / 48], 2),
        atol=1e-3,
    )


def test_sized_safe_crop_erosion_and_no_boxes_stay_inside(detection_batch):
    images = detection_batch["images"]
    out, params = ka.RandomSizedBBoxSafeCrop(24, 24, erosion_rate=0.5, seed=1)(
        images, return_params=True
    )
    m = params["matrix"].numpy()
    # Without boxes: a window of the image's aspect ratio, at least half its height, inside.
    scale_x, scale_y = m[:, 0, 0] * 24, m[:, 1, 1] * 24
    np.testing.assert_allclose(scale_x / scale_y, 64 / 48, rtol=1e-4)
    assert (scale_y >= 24 - 1e-3).all() and (scale_y <= 48 + 1e-3).all()
    corners = _moved(np.array([[0.0, 0.0, 64.0, 48.0]]), m[0])
    assert (corners[0, :2] <= 1e-3).all() and corners[0, 2] >= 24 - 1e-3
    assert len({np.round(o, 2).tobytes() for o in out.numpy()}) == N


def test_at_least_one_box_crop_keeps_a_whole_box_and_copies_pixels(detection_batch):
    layer = ka.AtLeastOneBBoxRandomCrop(24, 24, bounding_box_format="xyxy", seed=2)
    out, params = layer(detection_batch, return_params=True)
    boxes, labels = (detection_batch["bounding_boxes"][k] for k in ("boxes", "labels"))
    images = detection_batch["images"]
    for i in range(N):
        m = params["matrix"][i].numpy()
        left, top = int(round(m[0, 2])), int(round(m[1, 2]))
        np.testing.assert_array_equal(out["images"][i], images[i, top : top + 24, left : left + 24])
        live = labels[i] >= 0
        if not live.any():
            continue
        shifted = boxes[i][live] - [left, top, left, top]
        fits = (shifted[:, 2] - shifted[:, 0] <= 24) & (shifted[:, 3] - shifted[:, 1] <= 24)
        whole = (shifted[:, :2] >= 0).all(1) & (shifted[:, 2:] <= 24).all(1)
        kept = out["bounding_boxes"]["labels"][i].numpy() >= 0
        assert kept.any(), i
        if fits.all():  # every box fits the window: the picked one is whole
            assert whole.any(), (i, shifted)
    # The centre window at inference.
    centred = layer(images[:1], training=False)
    np.testing.assert_array_equal(centred[0], images[0, 12:36, 20:44])


def test_box_crops_run_alone_in_a_pipeline_on_moved_boxes(detection_batch):
    pipe = ka.Pipeline(
        [
            ka.RandomFlip("horizontal", seed=1),
            ka.RandomSizedBBoxSafeCrop(32, 32, seed=2),
            ka.RandomFlip("vertical", seed=3),
        ],
        bounding_box_format="xyxy",
    )
    out = pipe(detection_batch)
    labels = detection_batch["bounding_boxes"]["labels"]
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"], labels)
    boxes = out["bounding_boxes"]["boxes"].numpy()[labels >= 0]
    assert (boxes >= -1e-3).all() and (boxes <= 32 + 1e-3).all()


def test_bad_arguments_and_small_images_are_refused():
    with pytest.raises(ValueError, match="RandomSizedBBoxSafeCrop.*erosion_rate"):
        ka.RandomSizedBBoxSafeCrop(10, 10, erosion_rate=1.5)
    with pytest.raises(ValueError, match="AtLeastOneBBoxRandomCrop.*height"):
        ka.AtLeastOneBBoxRandomCrop(0, 10)
    with pytest.raises(ValueError, match="AtLeastOneBBoxRandomCrop: images of 20x64"):
        ka.AtLeastOneBBoxRandomCrop(24, 24)(np.zeros((1, 20, 64, 3)))
