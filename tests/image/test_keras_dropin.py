"""Code written for Keras' image layers runs unchanged on ours: one test per behaviour.

Where Keras has a behaviour, its layer is the reference.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_augment as ka
from keras_augment.core.validation import UnsupportedOptionError


@pytest.fixture(scope="module")
def batch() -> np.ndarray:
    return np.random.default_rng(3).uniform(0, 255, (2, 12, 16, 3)).astype("float32")


def test_reversed_zoom_range_is_accepted_as_keras_accepts_it(batch):
    ours = ka.RandomZoom(height_factor=(-0.4, -0.5), seed=1)
    theirs = keras.layers.RandomZoom(height_factor=(-0.4, -0.5))
    assert ours.height_factor == (theirs.height_lower, theirs.height_upper) == (-0.5, -0.4)
    # Zooming in by 40-50% magnifies: the centre pixel's neighbourhood fills the image.
    out = np.asarray(ours(batch))
    assert out.shape == batch.shape and out.std() < batch.std()


PHOTOMETRIC = {
    "RandomBrightness": lambda: ka.RandomBrightness(0.3),
    "RandomContrast": lambda: ka.RandomContrast(0.3),
    "RandomHue": lambda: ka.RandomHue(0.3),
    "RandomGrayscale": lambda: ka.RandomGrayscale(1.0),
    "RandomGaussianBlur": lambda: ka.RandomGaussianBlur(1.0),
}


@pytest.mark.parametrize("name", sorted(PHOTOMETRIC))
def test_photometric_layers_pass_boxes_through_untouched(name, batch):
    """Boxes (1, 4) with a batch of 2, as Keras accepts them: returned as given."""
    boxes = {"boxes": np.array([[1.0, 2.0, 5.0, 6.0]], "float32"), "labels": np.array([1])}
    layer = PHOTOMETRIC[name]()
    out = layer({"images": batch, "bounding_boxes": boxes})
    reference = getattr(keras.layers, name)
    if name in ("RandomBrightness", "RandomContrast"):  # Keras' result as the reference
        kept = reference(0.3, bounding_box_format="xyxy")(
            {"images": batch, "bounding_boxes": boxes}
        )
        np.testing.assert_array_equal(kept["bounding_boxes"]["boxes"], boxes["boxes"])
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["boxes"]), boxes["boxes"])
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["labels"]), boxes["labels"])
    assert out["images"].shape == batch.shape


def test_random_crop_with_one_set_of_boxes_crops_the_batch_at_one_place(batch):
    """Keras crops a whole batch at one place, so boxes without a batch axis stay valid;
    given such boxes, ours draws one window for the batch and moves the boxes with it."""
    boxes = {"boxes": np.array([[4.0, 3.0, 12.0, 10.0]], "float32"), "labels": np.array([7])}
    layer = ka.RandomCrop(8, 10, bounding_box_format="xyxy", seed=5)
    out = layer({"images": batch, "bounding_boxes": boxes})
    images = np.asarray(out["images"])
    # Find the one window: both images must come from the same (top, left).
    found = [
        (t, c)
        for t in range(12 - 8 + 1)
        for c in range(16 - 10 + 1)
        if np.allclose(images, batch[:, t : t + 8, c : c + 10], atol=1e-4)
    ]
    assert len(found) == 1
    top, left = found[0]
    moved = np.clip(boxes["boxes"] - [left, top, left, top], 0, [10, 8, 10, 8])
    assert out["bounding_boxes"]["boxes"].shape == (1, 4)
    np.testing.assert_allclose(np.asarray(out["bounding_boxes"]["boxes"]), moved, atol=1e-4)


MIXED_INPUT_LAYERS = {
    "CutMix": lambda: ka.CutMix(seed=1),
    "MixUp": lambda: ka.MixUp(seed=1),
    "RandomRotation": lambda: ka.RandomRotation(0.1, seed=1),
    "Pipeline": lambda: ka.Pipeline([ka.RandomFlip(seed=1), ka.RandomContrast(0.2, seed=2)]),
    "Resizing": lambda: ka.Resizing(8, 8),
}


@pytest.mark.parametrize("name", sorted(MIXED_INPUT_LAYERS))
def test_dicts_mixing_arrays_lists_and_tensors_are_accepted(name, batch):
    """Keras' CutMix takes {"images": numpy, "labels": tensor}; every layer of ours does too,
    and also Python lists beside tensors."""
    if name == "CutMix":
        labels = tf.one_hot([0, 1], 2)
        reference = keras.layers.CutMix()({"images": batch, "labels": labels})
        assert reference["labels"].shape == (2, 2)
    layer = MIXED_INPUT_LAYERS[name]()
    out = layer({"images": batch, "labels": tf.one_hot([0, 1], 2)})
    assert tuple(out["labels"].shape) == (2, 2)
    out = layer({"images": tf.constant(batch), "labels": [[1.0, 0.0], [0.0, 1.0]]})
    assert tuple(out["labels"].shape) == (2, 2) and out["images"].shape[0] == 2


def test_pipeline_takes_the_box_format_its_layers_agree_on(batch):
    layers = [ka.RandomFlip(bounding_box_format="xyxy"), ka.CenterCrop(8, 8)]
    pipeline = ka.Pipeline(layers)
    assert pipeline.bounding_box_format == "xyxy"
    boxes = {"boxes": np.array([[[4.0, 3.0, 12.0, 9.0]]] * 2, "float32"), "labels": np.ones((2, 1))}
    out = pipeline({"images": batch, "bounding_boxes": boxes}, training=False)
    # At inference only the centre crop acts: (16 - 8) // 2 = 4 left, (12 - 8) // 2 = 2 top.
    np.testing.assert_allclose(np.asarray(out["bounding_boxes"]["boxes"])[0, 0], [0, 1, 8, 7])
    with pytest.raises(ValueError, match=r"Pipeline: its layers disagree on bounding_box_format"):
        ka.Pipeline(
            [
                ka.RandomFlip(bounding_box_format="xyxy"),
                ka.RandomZoom(0.1, bounding_box_format="yxyx"),
            ]
        )


def test_keras_protocol_moves_images_boxes_and_masks_with_one_transformation(batch):
    """get_random_transformation + transform_* (Keras' signatures) give what one dict call
    with the same seed gives: images, boxes and masks moved together."""
    layer = ka.RandomRotation(0.25, fill_mode="constant", bounding_box_format="xyxy", seed=3)
    boxes = {"boxes": np.array([[[2.0, 2.0, 8.0, 6.0]]] * 2, "float32"), "labels": np.ones((2, 1))}
    masks = (batch[..., :1] > 128).astype("int32")
    seed = tf.constant([4, 9])
    t = layer.get_random_transformation({"images": batch}, training=True, seed=seed)
    images = layer.transform_images(batch, t, training=True)
    moved_boxes = layer.transform_bounding_boxes(boxes, t, training=True)
    moved_masks = layer.transform_segmentation_masks(masks, t, training=True)
    labels = layer.transform_labels(np.ones((2, 3)), t, training=True)
    call = layer({"images": batch, "bounding_boxes": boxes, "segmentation_masks": masks}, seed=seed)
    np.testing.assert_allclose(images, call["images"], atol=1e-4)
    np.testing.assert_allclose(moved_boxes["boxes"], call["bounding_boxes"]["boxes"], atol=1e-4)
    np.testing.assert_array_equal(moved_masks, call["segmentation_masks"])
    np.testing.assert_array_equal(labels, np.ones((2, 3)))
    assert not np.allclose(images, batch)  # it did rotate
    # training=False: Keras' protocol returns the inputs, ours too.
    assert layer.get_random_transformation(batch, training=False) is None
    np.testing.assert_array_equal(layer.transform_images(batch, None, training=False), batch)


def test_keras_protocol_is_overridable_by_subclasses_as_in_keras(batch):
    """A subclass written against Keras' protocol overrides transform_images and calls the
    base implementation: its override is what calling the layer does, as in Keras."""

    class Brighter(ka.RandomBrightness):
        def transform_images(self, images, transformation, training=True):
            return super().transform_images(images, transformation, training) + 1.0

    layer = Brighter(0.0, value_range=(0, 1000))
    t = layer.get_random_transformation(batch)
    np.testing.assert_allclose(layer.transform_images(batch, t), batch + 1.0, atol=1e-3)
    np.testing.assert_allclose(layer(batch), batch + 1.0, atol=1e-3)
    np.testing.assert_allclose(layer(batch, training=False), batch)


def test_error_types_and_documented_words_match_keras():
    for make in (keras.layers.RandomBrightness, ka.RandomBrightness):
        with pytest.raises(ValueError, match=r"^The `factor` argument should be a number"):
            make(factor=1.1)
        with pytest.raises(
            ValueError, match=r"^The `value_range` argument should be a list of two numbers"
        ):
            make(factor=0.1, value_range=[10])
        # Keras wraps call() errors in its own preamble: the words follow it.
        with pytest.raises(ValueError, match=r"Expected the input image to be rank 3 or 4\."):
            make(factor=0.1)(np.zeros((10, 10)), training=True)
    with pytest.raises(ValueError, match=r"RandomBrightness: `factor`"):  # then our detail
        ka.RandomBrightness(factor=1.1)
    for make in (keras.layers.RandomRotation, ka.RandomRotation):
        with pytest.raises(NotImplementedError):
            make(0.1, fill_mode="mirror")
        with pytest.raises(NotImplementedError):
            make(0.1, interpolation="cubic-spline")
    with pytest.raises(UnsupportedOptionError, match=r"RandomZoom: `fill_mode` must be one of"):
        ka.RandomZoom(0.1, fill_mode="mirror")


# Transformations written by hand with Keras' keys, as Keras' own tests and code
# that drives Keras' layers write them: ours reads them and moves the images as
# Keras' layer of the same name does.
_SIZE = (2, 10, 8, 3)
_KERAS_DICTS = {
    "RandomFlip": ({"mode": "horizontal"}, {"flips": [[[[True]]], [[[False]]]]}),
    "RandomTranslation": (
        {"height_factor": 0.2, "width_factor": 0.2, "fill_mode": "constant"},
        {"translations": [[2.0, -1.0], [0.0, 3.0]]},
    ),
    "RandomShear": (
        {"x_factor": 0.5, "y_factor": 0.5, "fill_mode": "constant", "interpolation": "nearest"},
        {"shear_factor": [[0.25, 0.0], [0.0, -0.35]]},
    ),
    "RandomZoom": (
        {"height_factor": 0.5, "fill_mode": "constant", "interpolation": "nearest"},
        {"height_zoom": [[0.5], [1.5]], "width_zoom": [[0.5], [1.0]]},
    ),
    "RandomContrast": ({"factor": 0.5}, {"contrast_factor": [[[[0.5]]], [[[1.5]]]]}),
    "MixUp": ({}, {"mix_weight": [0.3, 0.8], "permutation_order": [1, 0]}),
    "CutMix": (
        {},
        {
            "batch_masks": np.arange(2 * 10 * 8).reshape(2, 10, 8, 1) % 3 == 0,
            "mix_weight": [0.6, 0.6],
            "permutation_order": [1, 0],
        },
    ),
    "RandomErasing": (
        {},
        {
            "apply_erasing": [True, False],
            "batch_masks": np.arange(2 * 10 * 8).reshape(2, 10, 8, 1) % 4 == 0,
            "fill_value": 7.0,
        },
    ),
}


@pytest.mark.parametrize("name", sorted(_KERAS_DICTS))
def test_transformations_written_with_keras_keys_move_images_as_keras_does(name):
    kwargs, keys = _KERAS_DICTS[name]
    images = np.random.default_rng(5).uniform(0, 255, _SIZE).astype("float32")
    transformation = {k: np.asarray(v) for k, v in keys.items()}
    ours = getattr(ka, name)(**kwargs).transform_images(images, dict(transformation))
    theirs = getattr(keras.layers, name)(**kwargs).transform_images(images, dict(transformation))
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=1e-3)
    assert not np.allclose(np.asarray(ours), images)


def test_keras_translations_move_boxes_as_keras_does():
    boxes = {"boxes": np.array([[2.0, 1.0, 4.0, 3.0], [1.0, 4.0, 5.0, 6.0]]), "labels": [[1, 2]]}
    transformation = {"translations": np.array([[1.0, 2.0]]), "input_shape": (10, 8, 3)}
    kwargs = {"height_factor": 0.2, "width_factor": 0.2, "bounding_box_format": "xyxy"}
    ours = ka.RandomTranslation(**kwargs).transform_bounding_boxes(dict(boxes), transformation)
    theirs = keras.layers.RandomTranslation(**kwargs).transform_bounding_boxes(
        dict(boxes), transformation
    )
    np.testing.assert_allclose(np.asarray(ours["boxes"]), [[3, 3, 5, 5], [2, 6, 6, 8]])
    np.testing.assert_allclose(np.reshape(theirs["boxes"], (-1, 4)), ours["boxes"])
    # Labels [1, n] with one image's boxes [n, 4], as Keras reads them, come back as given.
    assert np.asarray(ours["labels"]).tolist() == [[1, 2]]


def test_a_transformation_dict_of_unknown_keys_is_refused_naming_the_layer():
    with pytest.raises(ValueError, match="RandomRotation: the transformation must be"):
        ka.RandomRotation(0.1).transform_images(np.zeros((1, 4, 4, 3)), {"angle": [0.3]})


def test_drawn_transformations_carry_keras_keys_that_describe_the_draw(batch):
    layer = ka.RandomContrast(0.5, seed=3)
    transformation = layer.get_random_transformation(batch)
    factor = np.asarray(transformation["contrast_factor"])
    mean = batch.mean(axis=(1, 2), keepdims=True)
    expected = np.clip((batch - mean) * factor + mean, 0, 255)
    np.testing.assert_allclose(layer.transform_images(batch, transformation), expected, atol=1e-3)


@pytest.mark.parametrize("name", ["RandAugment", "AugMix", "TrivialAugmentWide", "AutoAugment"])
def test_policy_transformations_can_be_returned_from_a_tf_data_map(name, batch):
    layer = getattr(ka, name)(seed=2)
    ds = tf.data.Dataset.from_tensor_slices(batch).batch(2)
    transformation = next(iter(ds.map(layer.get_random_transformation)))
    out = layer.transform_images(batch, transformation)
    assert out.shape == batch.shape and not np.allclose(out, batch)


def test_random_brightness_set_factor_checks_as_keras_does():
    layer = ka.RandomBrightness(0.5)
    for bad in ([0.1], "invalid_type"):
        with pytest.raises(ValueError, match="The `factor` argument should be a number"):
            layer._set_factor(bad)
    layer._set_factor((0.1, 0.2))
    assert layer.factor == (0.1, 0.2)


class _Recorder(keras.layers.Layer):
    """A non-augmentation layer that records what its call received."""

    def call(self, x, training=False, mask=None):
        self.seen = (training, mask is not None)
        return x + 1


def test_a_pipeline_of_other_keras_layers_runs_them_in_order_with_training_and_mask():
    first, second = _Recorder(), _Recorder()
    out = ka.Pipeline([first, second])(np.array([0.0]), training=True, mask=np.array([True]))
    assert np.asarray(out).tolist() == [2.0]
    assert first.seen == second.seen == (True, True)


def test_pipeline_from_config_without_a_layer_list_names_layers():
    for config in ({"name": "p"}, {"layers": None, "name": "p"}):
        with pytest.raises(ValueError, match="layers"):
            ka.Pipeline.from_config(config)


def test_box_labels_in_keras_other_layout_are_read_and_returned_as_given():
    """One image's boxes [n, 4] with labels [1, n], as Keras' Resizing reads them."""
    data = {
        "images": np.zeros((10, 8, 3), "float32"),
        "bounding_boxes": {"boxes": np.array([[2.0, 1.0, 4.0, 3.0]]), "labels": np.array([[1]])},
    }
    kwargs = {"height": 20, "width": 16, "bounding_box_format": "xyxy"}
    ours = ka.Resizing(**kwargs)(data)["bounding_boxes"]
    theirs = keras.layers.Resizing(**kwargs)(data)["bounding_boxes"]
    np.testing.assert_allclose(ours["boxes"], [[4.0, 2.0, 8.0, 6.0]])
    np.testing.assert_allclose(ours["boxes"], np.reshape(theirs["boxes"], (-1, 4)))
    assert np.asarray(ours["labels"]).shape == (1, 1)


def test_photometric_layers_pass_masks_through_in_any_layout():
    """Masks that do not match the images' layout pass a colour layer untouched, as in Keras."""
    data = {"images": np.random.rand(2, 4, 5, 3), "segmentation_masks": np.random.rand(2, 4, 5, 7)}
    out = ka.RandomBrightness(0.1, data_format="channels_first")(data)
    np.testing.assert_array_equal(out["segmentation_masks"], data["segmentation_masks"])


def test_inference_and_drawing_accept_any_channel_count_as_keras_does():
    images = np.random.rand(2, 8, 8, 3).astype("float32")  # channels_last data
    layer = ka.RandAugment(data_format="channels_first")  # reads 8 channels
    np.testing.assert_array_equal(layer(images, training=False), images)
    assert "layer_idxes" in layer.get_random_transformation(images)
    with pytest.raises(ValueError, match="RandAugment: expected images with 1 or 3 channels"):
        layer(images, training=True)
