"""Tests of the blur layers in ``keras_augment.image.blur`` against OpenCV and albumentations.

The shared contract (per-sample, seeds, config, XLA, ...) is run for every
registered layer by ``tests/test_registry_contract.py``; here the values:
the filter against ``cv2.filter2D``, a horizontal motion against
``cv2.blur``, the defocus kernel against albumentations' ``defocus``, and
zoom blur against the mean of ``cv2.warpAffine`` zooms.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from keras_augment.image.blur import DefocusBlur, MotionBlur, ZoomBlur
from keras_augment.image.ops import blur


@pytest.fixture(scope="module")
def image(photo) -> np.ndarray:
    """A 40x48 float32 view of the real photograph (every fourth pixel)."""
    return photo[::4, ::4][:40, :48].astype("float32")


def test_filter2d_matches_opencv_filter2d(image):
    kernels = np.random.default_rng(0).random((2, 7, 7)).astype("float32")
    out = blur.filter2d(np.stack([image, image[::-1]]), kernels).numpy()
    np.testing.assert_allclose(out[0], cv2.filter2D(image, -1, kernels[0]), atol=1e-3)
    np.testing.assert_allclose(out[1], cv2.filter2D(image[::-1], -1, kernels[1]), atol=1e-3)


def test_filter2d_on_images_smaller_than_the_kernel_mirrors_as_opencv(image):
    kernels = np.random.default_rng(1).random((1, 7, 7)).astype("float32")
    small = np.ascontiguousarray(image[:3, :5])
    out = blur.filter2d(small[None], kernels).numpy()[0]
    np.testing.assert_allclose(out, cv2.filter2D(small, -1, kernels[0]), atol=1e-3)
    rounded = blur.filter2d(small[None], kernels, "uint8").numpy()[0]
    np.testing.assert_array_equal(rounded, np.clip(np.round(out), 0, 255))


@pytest.mark.parametrize(("degrees", "box"), [(0.0, (7, 1)), (90.0, (1, 7)), (180.0, (7, 1))])
def test_straight_motion_is_a_box_filter(image, degrees, box):
    kernel = blur.motion_kernel(7, [3.0], [np.radians(degrees)], [0.0]).numpy()
    out = blur.filter2d(image[None], kernel).numpy()[0]
    np.testing.assert_allclose(
        out, cv2.blur(image, box, borderType=cv2.BORDER_REFLECT_101), atol=1e-3
    )


def test_motion_kernel_direction_keeps_one_side():
    forward, both = blur.motion_kernel(9, [4.0, 4.0], [0.0, 0.0], [1.0, 0.0]).numpy()
    np.testing.assert_allclose(forward[4, 4:], 1 / 5, atol=1e-6)  # the centre and 4 ahead
    assert forward[4, :4].sum() == 0 and forward.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(both[4], 1 / 9, atol=1e-6)
    diagonal = blur.motion_kernel(9, [4.0], [np.pi / 4], [0.0]).numpy()[0]
    np.testing.assert_allclose(diagonal, diagonal.T, atol=1e-6)  # symmetric about the diagonal
    assert diagonal.trace() > 0.5


def test_motion_blur_in_groups_of_length_equals_one_full_window(image):
    # Lengths 1, 3, 2, 3 (two samples in one group), eager and under XLA.
    import tensorflow as tf

    images = np.stack([image, image[::-1], image[:, ::-1], image[::-1, ::-1]])
    args = ([1.0, 3.0, 2.0, 3.0], [0.3, 2.0, 4.1, 5.5], [0.0, 0.5, -1.0, 1.0])
    full = blur.filter2d(images, blur.motion_kernel(7, *args)).numpy()
    grouped = blur.motion_blur(images, *args, (1, 3)).numpy()
    compiled = tf.function(lambda x: blur.motion_blur(x, *args, (1, 3)), jit_compile=True)
    np.testing.assert_allclose(grouped, full, atol=1e-3)
    np.testing.assert_allclose(compiled(images).numpy(), full, atol=1e-3)
    one = blur.motion_blur(images[:1], [2.0], [0.3], [0.0], (1, 3)).numpy()
    alone = blur.filter2d(images[:1], blur.motion_kernel(7, [2.0], [0.3], [0.0])).numpy()
    np.testing.assert_allclose(one, alone, atol=1e-3)  # groups of lengths 1 and 3 empty


def test_motion_blur_layer_smears_a_dot_along_a_line():
    dot = np.zeros((1, 21, 21, 1), "float32")
    dot[0, 10, 10] = 255.0
    out = MotionBlur(kernel_size=7, angle=0.0, direction=0.0, seed=1)(dot).numpy()[0, ..., 0]
    np.testing.assert_allclose(out[10, 7:14], 255.0 / 7, atol=1e-3)
    assert out.sum() == pytest.approx(255.0, rel=1e-5)
    assert np.count_nonzero(out > 1e-3) == 7


@pytest.mark.parametrize(("radius", "alias"), [(3, 0.1), (5, 0.3), (6, 0.5)])
def test_defocus_matches_albumentations(image, radius, alias):
    # (From radius 7 their softened disk reaches the edge of its 17x17 window and
    # gains mass there from the mirrored border: a 0.3% brighter image.)
    from albumentations.augmentations.blur.functional import defocus

    kernel = blur.defocus_kernel(7, [float(radius)], [alias]).numpy()
    out = blur.filter2d(image[None] / 255.0, kernel).numpy()[0]
    np.testing.assert_allclose(out, defocus(image / 255.0, radius, alias), atol=1e-5)


def test_defocus_layer_keeps_the_mean_and_a_constant_image(image):
    layer = DefocusBlur(radius=(2, 5), seed=3)
    out = layer(np.stack([image] * 4)).numpy()
    np.testing.assert_allclose(out.mean(axis=(1, 2)), np.stack([image.mean((0, 1))] * 4), rtol=0.02)
    assert out.std() < image.std()
    flat = layer(np.full((2, 16, 16, 3), 77.0, "float32")).numpy()
    np.testing.assert_allclose(flat, 77.0, atol=1e-3)


def _zoom_reference(image: np.ndarray, zooms) -> np.ndarray:
    """The mean of the image and its copies zoomed about the centre, by OpenCV."""
    height, width = image.shape[:2]
    cx, cy = (width - 1) / 2, (height - 1) / 2
    total = image.copy()
    for z in zooms:
        m = np.array([[1 / z, 0, cx * (1 - 1 / z)], [0, 1 / z, cy * (1 - 1 / z)]])
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        total += cv2.warpAffine(image, m, (width, height), flags=flags)
    return total / (len(zooms) + 1)


def test_zoom_blur_matches_opencv_zooms_and_albumentations(image):
    from albumentations.augmentations.blur.functional import zoom_blur

    zooms = np.arange(1.0, 1.2, 0.05)
    out = blur.zoom_blur(image[None], [1.2], [0.05], 6).numpy()[0]
    np.testing.assert_allclose(out, _zoom_reference(image, zooms), atol=1e-2)
    # albumentations crops whole pixels before each zoom: up to a pixel apart, same picture.
    theirs = zoom_blur(image / 255.0, zooms) * 255.0
    assert np.abs(out - theirs).mean() < 4.0


def test_zoom_blur_counts_each_samples_own_copies(image):
    # Samples with no copy, 4 and 9 copies in one batch; uint8 out is the float result rounded.
    images = np.stack([image, image[::-1], image[:, ::-1]])
    out = blur.zoom_blur(images, [1.0, 1.2, 1.18], [0.05, 0.06, 0.02], 9).numpy()
    np.testing.assert_allclose(out[0], image, atol=1e-4)
    np.testing.assert_allclose(
        out[1], _zoom_reference(images[1], [1.0, 1.06, 1.12, 1.18]), atol=1e-2
    )
    zooms = np.arange(1.0, 1.18 - 1e-6, 0.02)
    np.testing.assert_allclose(out[2], _zoom_reference(images[2], zooms), atol=1e-2)
    rounded = blur.zoom_blur(
        images.astype("uint8"), [1.0, 1.2, 1.18], [0.05, 0.06, 0.02], 9, "uint8"
    )
    expected = blur.zoom_blur(images.astype("uint8"), [1.0, 1.2, 1.18], [0.05, 0.06, 0.02], 9)
    assert rounded.dtype == "uint8"
    np.testing.assert_array_equal(rounded.numpy(), np.clip(np.round(expected.numpy()), 0, 255))


def test_zoom_blur_layer_draws_per_sample_and_refuses_too_many_copies(image):
    layer = ZoomBlur(max_factor=(1.05, 1.3), step_factor=0.02, seed=2)
    out = layer(np.stack([image] * 4)).numpy()
    assert len({o.round(2).tobytes() for o in out}) == 4
    centre = out[:, 18:22, 22:26]  # the centre barely moves
    np.testing.assert_allclose(centre, np.stack([image[18:22, 22:26]] * 4), atol=25)
    with pytest.raises(ValueError, match="ZoomBlur.*at most 64"):
        ZoomBlur(max_factor=2.0, step_factor=0.001)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MotionBlur(kernel_size=4), "MotionBlur: `kernel_size` must be an odd"),
        (lambda: MotionBlur(kernel_size=(7, 3)), "MotionBlur: `kernel_size`"),
        (lambda: MotionBlur(direction=(-2, 1)), "MotionBlur: `direction`"),
        (lambda: DefocusBlur(radius=0), "DefocusBlur: `radius`"),
        (lambda: DefocusBlur(alias_blur=-1.0), "DefocusBlur: `alias_blur`"),
        (lambda: ZoomBlur(max_factor=0.5), "ZoomBlur: `max_factor`"),
        (lambda: ZoomBlur(step_factor=0.0), "ZoomBlur: `step_factor`"),
    ],
)
def test_bad_arguments_fail_at_construction(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make()
