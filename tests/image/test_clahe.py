"""Tests of the CLAHE layers in ``keras_augment.image.clahe`` against OpenCV and Keras.

The shared contract runs in ``tests/test_registry_contract.py``; here the
values against ``cv2.createCLAHE`` (sizes that divide into tiles and sizes
OpenCV pads, clipped and unclipped), the argument parity with
``keras.layers.ContrastLimitedAdaptiveHistogramEqualization``, and the
random clip limit.
"""

from __future__ import annotations

import albumentations as A
import cv2
import keras
import numpy as np
import pytest

from keras_augment.image.clahe import ContrastLimitedAdaptiveHistogramEqualization, RandomCLAHE
from keras_augment.image.ops.clahe import _rgb_to_lab8, clahe


@pytest.fixture(scope="module")
def image(photo) -> np.ndarray:
    return np.ascontiguousarray(photo[::3, ::3][:64, :64])


def _opencv(image: np.ndarray, clip: float, grid: tuple[int, int]) -> np.ndarray:
    equalizer = cv2.createCLAHE(clipLimit=clip, tileGridSize=(grid[1], grid[0]))
    planes = [equalizer.apply(np.ascontiguousarray(image[..., c])) for c in range(image.shape[-1])]
    return np.stack(planes, axis=-1)


@pytest.mark.parametrize(
    ("size", "grid", "clip"),
    [
        ((40, 48), (8, 8), 4.0),  # tiles divide the image
        ((37, 45), (4, 6), 2.0),  # OpenCV pads both axes
        ((40, 45), (8, 8), 1.0),  # ... even when only the width does not divide
        ((64, 64), (8, 8), 40.0),  # a limit above every count
        ((64, 64), (2, 3), 0.0),  # no clipping
    ],
)
def test_clahe_is_opencvs_to_rounding(image, size, grid, clip):
    crop = np.ascontiguousarray(image[: size[0], : size[1]])
    ours = clahe(crop[None], clip, grid, (0, 255)).numpy()[0]
    assert np.abs(ours - _opencv(crop, clip, grid)).max() <= 0.5 + 1e-3


def test_value_range_maps_to_the_same_levels(image):
    ours = clahe(image[None] / 255.0, 3.0, (4, 4), (0, 1)).numpy()[0]
    assert np.abs(ours * 255.0 - _opencv(image, 3.0, (4, 4))).max() <= 0.5 + 1e-3


def test_keras_namesake_takes_kerass_arguments_and_acts_at_inference(image):
    theirs = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(
        value_range=(0, 255), clip_limit=2.0, tile_grid_size=(4, 4)
    )
    ours = ContrastLimitedAdaptiveHistogramEqualization(
        value_range=(0, 255), clip_limit=2.0, tile_grid_size=(4, 4)
    )
    keys = {"value_range", "clip_limit", "tile_grid_size", "data_format"}
    assert keys <= set(theirs.get_config()) and keys <= set(ours.get_config())
    batch = image[None].astype("float32")
    reference = _opencv(image, 2.0, (4, 4))
    for training in (True, False):
        out = ours(batch, training=training).numpy()[0]
        assert np.abs(out - reference).max() <= 0.5 + 1e-3
    # Keras' own algorithm spreads the clipped counts differently: same picture, other levels.
    keras_out = np.asarray(theirs(batch))[0]
    assert np.abs(keras_out - reference).mean() < 16.0
    assert np.corrcoef(keras_out.ravel(), reference.ravel())[0, 1] > 0.95


def test_random_clip_limit_is_drawn_per_sample(image):
    layer = RandomCLAHE(clip_limit=(1.0, 10.0), tile_grid_size=(2, 2), seed=3)
    batch = np.stack([image] * 6).astype("float32")
    out = layer(batch).numpy()
    assert len({o.tobytes() for o in out}) > 3
    np.testing.assert_array_equal(layer(batch, training=False).numpy(), batch)
    spreads = out.std(axis=(1, 2, 3))
    assert spreads.min() >= batch[0].std() - 1.0  # equalizing never narrows this photo


def test_uint8_output_is_the_float_result_rounded(image):
    batch = np.stack([image, image[::-1]])
    params = {"clip_limit": np.array([2.0, 5.0], np.float32)}
    layer = RandomCLAHE(tile_grid_size=(4, 4), output_dtype="uint8", seed=1)
    ours = layer.apply_images_as(batch, params, "uint8").numpy()
    assert ours.dtype == np.uint8
    for sample, clip in zip(range(2), (2.0, 5.0)):
        np.testing.assert_array_equal(
            ours[sample], np.clip(np.round(_opencv(batch[sample], clip, (4, 4))), 0, 255)
        )
    out = layer(batch).numpy()
    assert out.dtype == np.uint8 and out.shape == batch.shape


def test_lab_is_opencvs_8_bit_lab():
    colours = np.random.default_rng(0).integers(0, 256, (64, 64, 3)).astype(np.uint8)
    ours = np.stack([p.numpy() for p in _rgb_to_lab8(colours.astype(np.int32))], axis=-1)
    theirs = cv2.cvtColor(colours, cv2.COLOR_RGB2LAB).astype(int)
    np.testing.assert_array_equal(ours[..., 0], theirs[..., 0])  # the plane CLAHE stretches
    assert np.abs(ours[..., 1:] - theirs[..., 1:]).max() <= 1


@pytest.mark.parametrize("clip", [1.5, 4.0])
def test_lightness_is_albumentations_clahe(image, clip):
    layer = RandomCLAHE(clip_limit=clip, tile_grid_size=(4, 4), lightness=True)
    params = {"clip_limit": np.full([1], clip, np.float32)}
    ours = layer.apply_images_as(image[None], params, "uint8").numpy()[0].astype(int)
    transform = A.CLAHE(clip_limit=(clip, clip), tile_grid_size=(4, 4), p=1.0)
    theirs = transform(image=image)["image"].astype(int)
    difference = np.abs(ours - theirs)
    # OpenCV's way back from Lab rounds differently: a level, rarely a few.
    assert (difference > 1).mean() < 0.005 and difference.max() <= 6
    assert np.abs(ours - image).mean() > 3.0  # and it did equalize


def test_lightness_needs_rgb(image):
    layer = RandomCLAHE(lightness=True)
    with pytest.raises(ValueError, match="RandomCLAHE with `lightness=True`.*3 channels"):
        layer(image[None, ..., :1].astype("float32"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(0, 8)),
            "`tile_grid_size`",
        ),
        (lambda: ContrastLimitedAdaptiveHistogramEqualization(clip_limit="4"), "`clip_limit`"),
        (lambda: ContrastLimitedAdaptiveHistogramEqualization(value_range=(1, 0)), "`value_range`"),
        (lambda: RandomCLAHE(clip_limit=(0.5, 2.0)), "`clip_limit`"),
        (lambda: RandomCLAHE(tile_grid_size=8), "`tile_grid_size`"),
        (lambda: RandomCLAHE(lightness="yes"), "`lightness`"),
    ],
)
def test_bad_arguments_fail_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()
