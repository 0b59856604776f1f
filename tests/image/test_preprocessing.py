"""Resizing, CenterCrop, Rescaling and MaxNumBoundingBoxes: Keras' results, and fusion."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_augment.core import geometry as geometry_module
from keras_augment.core import pipeline as pipeline_module
from tests.layer_checks import (
    check_tf_data,
    ka,
)


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(5).uniform(0, 255, (2, 9, 13, 3)).astype("float32")


RESIZING_CASES = [
    dict(height=5, width=7),
    dict(height=12, width=20),
    dict(height=6, width=6, crop_to_aspect_ratio=True),
    dict(height=14, width=10, crop_to_aspect_ratio=True),
    dict(height=6, width=6, pad_to_aspect_ratio=True, fill_value=3.0),
    dict(height=5, width=7, interpolation="nearest"),
    dict(height=5, width=7, interpolation="bicubic"),
    dict(height=5, width=7, antialias=True),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_resizing_and_center_crop_equal_keras(images, data_format):
    x = images if data_format == "channels_last" else np.transpose(images, (0, 3, 1, 2))
    cases = [(ka.Resizing, keras.layers.Resizing, kw) for kw in RESIZING_CASES]
    cases += [
        (ka.CenterCrop, keras.layers.CenterCrop, dict(height=h, width=w))
        for h, w in ((5, 7), (9, 13), (12, 20), (4, 20))  # smaller: resized up as in Keras
    ]
    if data_format == "channels_first":  # the layout is shared code: a few cases suffice
        cases = cases[2:5] + cases[-1:]
    for ours, theirs, kw in cases:
        expected = np.asarray(theirs(data_format=data_format, **kw)(x))
        for training in (True, False):  # deterministic: the same in both modes
            out = np.asarray(ours(data_format=data_format, **kw)(x, training=training))
            np.testing.assert_allclose(out, expected, atol=2e-3, err_msg=str((ours, kw)))


def test_rescaling_and_max_num_boxes_equal_keras(images):
    for kw in (dict(scale=1 / 255.0, offset=0.5), dict(scale=[1.0, 2.0, 0.5], offset=-1)):
        np.testing.assert_allclose(
            ka.Rescaling(**kw)(images), keras.layers.Rescaling(**kw)(images), rtol=1e-6
        )
    assert ka.Rescaling(2.0)(np.ones((2, 3), "int16")).dtype == tf.float32  # any shape
    boxes = np.random.default_rng(1).uniform(0, 8, (2, 3, 4)).astype("float32")
    data = {"images": images, "bounding_boxes": {"boxes": boxes, "labels": np.ones((2, 3))}}
    for n in (2, 5):
        ours = ka.MaxNumBoundingBoxes(n)(data)["bounding_boxes"]
        theirs = keras.layers.MaxNumBoundingBoxes(n, bounding_box_format="xyxy")(data)
        for key in ("boxes", "labels"):
            np.testing.assert_array_equal(ours[key], theirs["bounding_boxes"][key])
    unbatched = {"images": images[0], "bounding_boxes": {"boxes": boxes[0], "labels": [1, 2, 3]}}
    out = ka.MaxNumBoundingBoxes(4)(unbatched)["bounding_boxes"]
    assert out["boxes"].shape == (4, 4) and np.asarray(out["labels"]).tolist() == [1, 2, 3, -1]


def test_resize_crop_rotate_zoom_fuse_into_one_resampling(images, monkeypatch):
    layers = [
        ka.Resizing(18, 26),
        ka.CenterCrop(16, 16),
        ka.RandomRotation(0.1, fill_mode="constant", seed=1),
        ka.RandomZoom(0.2, fill_mode="constant", seed=2),
    ]
    pipeline = ka.Pipeline(layers, bounding_box_format="xyxy")
    assert [len(run) for run in pipeline_module.fusable_runs(pipeline.layers)] == [4]
    calls = []
    original = pipeline_module.resample

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "resample", counting)  # the images
    monkeypatch.setattr(geometry_module, "resample", counting)  # the masks
    points = np.array([[[6.5, 4.5]], [[2.0, 7.0]]], "float32")
    data = {
        "images": images,
        "segmentation_masks": np.ones((2, 9, 13, 1), "int32"),
        "bounding_boxes": {"boxes": np.array([[[1.0, 1.0, 12.0, 8.0]]] * 2), "labels": [[1], [2]]},
        "keypoints": points,
    }
    out = pipeline(data, training=True, seed=tf.constant([1, 2]))
    assert len(calls) == 2  # images once, masks once: one interpolation each
    assert out["images"].shape == (2, 16, 16, 3) and out["segmentation_masks"].shape == (
        2,
        16,
        16,
        1,
    )
    # At inference only the deterministic layers act: the image centre stays the centre.
    still = pipeline({**data, "keypoints": points}, training=False)
    centre = still["keypoints"][0, 0]  # (6.5, 4.5) is the centre of a 13 x 9 image
    np.testing.assert_allclose(np.asarray(centre), [8.0, 8.0], atol=1e-4)


@pytest.mark.parametrize("name", ["Resizing", "CenterCrop"])
def test_shared_layer_contract(name, images):
    """What the registry contract (tests/test_registry_contract.py) does not check."""
    make = {"Resizing": lambda: ka.Resizing(6, 8), "CenterCrop": lambda: ka.CenterCrop(6, 8)}[name]
    out = check_tf_data(make(), images)
    assert out.shape == (2, 6, 8, 3)
    assert make().weights == []  # nothing random: no seed state


def test_bad_arguments_fail_at_construction():
    with pytest.raises(ValueError, match=r"Resizing: only one of `crop_to_aspect_ratio`"):
        ka.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match=r"CenterCrop: `height` must be a positive integer"):
        ka.CenterCrop(0, 4)
    with pytest.raises(ValueError, match=r"Rescaling: `scale` must be a finite number"):
        ka.Rescaling("big")
    for bad in (float("nan"), [1.0, float("inf")]):
        with pytest.raises(ValueError, match=r"Rescaling: `offset` must be a finite number"):
            ka.Rescaling(0.5, offset=bad)
    with pytest.raises(ValueError, match=r"MaxNumBoundingBoxes: `max_number`"):
        ka.MaxNumBoundingBoxes(0)


def test_strings_are_refused_naming_the_layer():
    for layer in (ka.Rescaling(0.5), ka.MaxNumBoundingBoxes(2)):
        name = type(layer).__name__
        with pytest.raises(TypeError, match=f"{name}: expected .* real dtype .*got string"):
            layer(tf.constant([[["a"]]]))


def test_ragged_boxes_are_padded_to_max_number():
    """A varying number of boxes per image, as a RaggedTensor, comes out dense and padded."""
    boxes = tf.ragged.constant(
        [[[1.0, 2.0, 3.0, 4.0]], [[5.0, 6.0, 7.0, 8.0], [0.0, 0.0, 1.0, 1.0]]], ragged_rank=1
    )
    data = {
        "images": np.zeros((2, 4, 4, 3), "float32"),
        "bounding_boxes": {"boxes": boxes, "labels": tf.ragged.constant([[1], [2, 3]])},
    }
    out = ka.MaxNumBoundingBoxes(3)(data)["bounding_boxes"]
    np.testing.assert_array_equal(
        out["boxes"],
        [
            [[1, 2, 3, 4], [-1, -1, -1, -1], [-1, -1, -1, -1]],
            [[5, 6, 7, 8], [0, 0, 1, 1], [-1, -1, -1, -1]],
        ],
    )
    np.testing.assert_array_equal(out["labels"], [[1, -1, -1], [2, 3, -1]])
    wrong = {**data, "bounding_boxes": {"boxes": np.zeros((4,)), "labels": np.zeros((2, 1))}}
    with pytest.raises(
        ValueError, match=r"MaxNumBoundingBoxes: expected bounding_boxes\['boxes'\]"
    ):
        ka.MaxNumBoundingBoxes(3)(wrong)
