"""Tests of the distortion layers in ``keras_augment.image.distortion``.

The shared contract runs in ``tests/test_registry_contract.py``; here the
fields against OpenCV's camera model (``cv2.initUndistortRectifyMap``) and
albumentations' grid, the images against ``cv2.remap``, and targets that
follow the pixels.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from keras_augment.core.resample import resample
from keras_augment.image.distortion import GridDistortion, OpticalDistortion
from keras_augment.image.ops import distortion


@pytest.fixture(scope="module")
def image(photo) -> np.ndarray:
    """A 37x45 float32 view of the real photograph (odd sizes test the grid's remainder)."""
    return np.ascontiguousarray(photo[::4, ::4][:37, :45]).astype("float32")


def _maps(field: np.ndarray):
    height, width = field.shape[:2]
    ys, xs = np.mgrid[:height, :width].astype("float32")
    return xs + field[..., 0], ys + field[..., 1]


@pytest.mark.parametrize("k", [-0.3, 0.05, 0.4])
def test_camera_field_is_opencvs_undistort_map(k):
    height, width = 37, 45
    camera = np.array([[width, 0, (width - 1) / 2], [0, height, (height - 1) / 2], [0, 0, 1]])
    coefficients = np.array([k, k, 0, 0, 0])
    map_x, map_y = cv2.initUndistortRectifyMap(
        camera, coefficients, None, camera, (width, height), cv2.CV_32FC1
    )
    ours = _maps(distortion.optical_field(height, width, [k]).numpy()[0])
    np.testing.assert_allclose(ours[0], map_x, atol=2e-3)
    np.testing.assert_allclose(ours[1], map_y, atol=2e-3)


def test_fisheye_field_is_the_radial_formula():
    height, width, k = 30, 40, 0.2
    field = distortion.optical_field(height, width, [k], "fisheye").numpy()[0]
    ys, xs = np.mgrid[:height, :width].astype("float64")
    x, y = xs - (width - 1) / 2, ys - (height - 1) / 2
    gain = k * (x**2 + y**2) / ((width / 2) ** 2 + (height / 2) ** 2)
    np.testing.assert_allclose(field[..., 0], x * gain, atol=1e-4)
    np.testing.assert_allclose(field[..., 1], y * gain, atol=1e-4)


@pytest.mark.parametrize("normalized", [True, False])
@pytest.mark.parametrize(("height", "width", "num_steps"), [(37, 45, 5), (40, 40, 4), (33, 50, 7)])
def test_grid_field_is_albumentations_grid(height, width, num_steps, normalized):
    from albumentations.augmentations.geometric import functional as fgeometric

    rng = np.random.default_rng(num_steps)
    steps_x = 1 + rng.uniform(-0.3, 0.3, num_steps + 1)
    steps_y = 1 + rng.uniform(-0.3, 0.3, num_steps + 1)
    theirs_x, theirs_y = list(steps_x), list(steps_y)
    if normalized:
        steps = fgeometric.normalize_grid_distortion_steps(
            (height, width), num_steps, theirs_x, theirs_y
        )
        theirs_x, theirs_y = steps["steps_x"], steps["steps_y"]
    map_x, map_y = fgeometric.generate_grid((height, width), theirs_x, theirs_y, num_steps)
    field = distortion.grid_field(
        height, width, steps_x[None], steps_y[None], num_steps, normalized
    ).numpy()[0]
    ours_x, ours_y = _maps(field)
    # Their cells stop after num_steps + 1 cells, leaving any pixels beyond at
    # source 0 (33 rows in 7 steps of 4); ours continue the last cell's line there.
    rows, cols = (num_steps + 1) * (height // num_steps), (num_steps + 1) * (width // num_steps)
    np.testing.assert_allclose(ours_x[:, :cols], map_x[:, :cols], atol=1e-3)
    np.testing.assert_allclose(ours_y[:rows], map_y[:rows], atol=1e-3)


def test_distorted_images_are_opencvs_remap(image):
    field = distortion.optical_field(37, 45, [0.3]).numpy()
    ours = resample(
        image[None], np.eye(3, dtype="float32")[None], [37, 45], field, "bilinear", "constant", 0.0
    )
    map_x, map_y = _maps(field[0])
    theirs = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    # OpenCV rounds its interpolation weights to 1/32 of a pixel.
    inner = (slice(2, -2), slice(2, -2))
    np.testing.assert_allclose(ours.numpy()[0][inner], theirs[inner], atol=3.0)


def test_zero_optical_distortion_leaves_the_image(image):
    # (albumentations' grid is not the identity at zero distortion, nor is ours: each
    # cell of n pixels is spread over n - 1.)
    batch = np.stack([image] * 2)
    out = OpticalDistortion(distort_limit=(0.0, 0.0), seed=1)(batch).numpy()
    np.testing.assert_allclose(out, batch, atol=1e-3)


def test_barrel_shrinks_content_towards_the_centre():
    square = np.zeros((1, 41, 41, 1), "float32")
    square[0, 10:31, 10:31] = 255.0
    barrel = OpticalDistortion(distort_limit=(0.5, 0.5), seed=1)(square).numpy()[0, ..., 0]
    pincushion = OpticalDistortion(distort_limit=(-0.5, -0.5), seed=1)(square).numpy()[0, ..., 0]
    assert (barrel > 127).sum() < (square > 127).sum() < (pincushion > 127).sum()
    assert barrel[20, 20] == pytest.approx(255.0)


def _dots(batch: int = 3):
    """Images with three 3x3 dots, their masks and their centres as keypoints."""
    images = np.zeros((batch, 40, 48, 1), "float32")
    points = np.array([[14.5, 9.5], [33.5, 28.5], [24.5, 20.5]], "float32")  # (x, y) centres
    for x, y in points:
        images[:, int(y) - 1 : int(y) + 2, int(x) - 1 : int(x) + 2] = 255.0
    return images, (images > 0).astype("int32"), np.repeat(points[None], batch, axis=0)


@pytest.mark.parametrize(
    "layer",
    [
        OpticalDistortion(distort_limit=(0.4, 0.6), seed=3),
        OpticalDistortion(distort_limit=(-0.6, -0.4), mode="fisheye", seed=3),
        GridDistortion(num_steps=4, distort_limit=0.5, seed=3),
    ],
    ids=["camera", "fisheye", "grid"],
)
def test_masks_follow_the_pixels(layer):
    images, masks, _ = _dots()
    out = layer({"images": images, "segmentation_masks": masks})
    moved_masks = out["segmentation_masks"].numpy() > 0
    bright = out["images"].numpy() > 127
    assert (moved_masks & bright).sum() / (moved_masks | bright).sum() > 0.7


def test_keypoints_follow_the_pixels():
    # One layer: the keypoints of every field layer move by the same inversion
    # (keras_augment.core.targets.displace_points), whose tracing is slow.
    images, _, keypoints = _dots()
    layer = GridDistortion(num_steps=4, distort_limit=0.5, seed=3)
    out = layer({"images": images, "keypoints": keypoints})
    out_images = out["images"].numpy()
    assert not np.allclose(out["keypoints"].numpy(), keypoints, atol=0.5)
    for b in range(3):
        for x, y in out["keypoints"].numpy()[b]:
            patch = out_images[b, int(y) - 1 : int(y) + 2, int(x) - 1 : int(x) + 2, 0]
            assert patch.max() > 200, (b, x, y)  # the moved point still sits on its dot


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: OpticalDistortion(mode="lens"), "OpticalDistortion: `mode`"),
        (
            lambda: OpticalDistortion(distort_limit=(0.3, -0.3)),
            "OpticalDistortion: `distort_limit`",
        ),
        (lambda: GridDistortion(num_steps=0), "GridDistortion: `num_steps`"),
        (lambda: GridDistortion(distort_limit=(-1.0, 0.2)), "GridDistortion: `distort_limit`"),
        (lambda: GridDistortion(normalized="yes"), "GridDistortion: `normalized`"),
    ],
)
def test_bad_arguments_fail_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()
