"""LongestMaxSize, SmallestMaxSize, PadIfNeeded and Letterbox against albumentations/OpenCV."""

import albumentations as A
import cv2
import numpy as np
import pytest
import tensorflow as tf

from keras_augment.core import pipeline as pipeline_module
from keras_augment.image.ops.sizing import pad_images
from tests.layer_checks import ka
from tests.layer_examples import build

BOX_PARAMS = A.BboxParams(format="pascal_voc", label_fields=["labels"])


@pytest.fixture(scope="module")
def photo_crop(photo) -> np.ndarray:
    """A 30x50 crop of the real photograph, uint8 (non-square: the scale differs per side)."""
    return photo[100:130, 150:200]


# Masks: nearest with pixel centres aligned (OpenCV's INTER_NEAREST is offset by half a pixel).
EXACT = {"mask_interpolation": cv2.INTER_NEAREST_EXACT}
CASES = [
    (ka.LongestMaxSize(40), A.LongestMaxSize(40, **EXACT)),
    (ka.LongestMaxSize(20), A.LongestMaxSize(20, **EXACT)),
    (ka.SmallestMaxSize(45), A.SmallestMaxSize(45, **EXACT)),
    (ka.PadIfNeeded(40, 61, fill_value=7), A.PadIfNeeded(40, 61, fill=7, fill_mask=0)),
    (
        ka.PadIfNeeded(None, 64, pad_height_divisor=16, position="bottom_right"),
        A.PadIfNeeded(None, 64, pad_height_divisor=16, position="bottom_right"),
    ),
    (
        ka.PadIfNeeded(37, 55, fill_mode="reflect", position="top_left"),
        A.PadIfNeeded(37, 55, border_mode=cv2.BORDER_REFLECT, position="top_left"),
    ),
    (ka.Letterbox(48), A.Compose([A.LongestMaxSize(48, **EXACT), A.PadIfNeeded(48, 48)])),
    (
        ka.Letterbox(20, 64, fill_value=114),
        A.Compose(
            [A.LongestMaxSize(max_size_hw=(20, 64), **EXACT), A.PadIfNeeded(20, 64, fill=114)]
        ),
    ),
]


def _untied(matrix: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Output indices along ``axis`` (0: x, 1: y) whose nearest source pixel is not a tie."""
    source = matrix[axis, axis] * np.arange(size) + matrix[axis, 2]
    return np.abs((source + 0.5) - np.round(source + 0.5)) > 1e-4


@pytest.mark.parametrize("case", range(len(CASES)))
def test_images_masks_and_boxes_equal_albumentations(case, photo_crop):
    ours, theirs = CASES[case]
    ours = type(ours).from_config({**ours.get_config(), "bounding_box_format": "xyxy"})
    box = [4.0, 3.0, 30.0, 21.0]
    mask = (np.arange(30 * 50).reshape(30, 50) % 7 + 1).astype("uint8")
    expected = A.Compose([theirs], bbox_params=BOX_PARAMS)(
        image=photo_crop, mask=mask, bboxes=[box], labels=[1]
    )
    out, params = ours(
        {
            "images": photo_crop[None],
            "segmentation_masks": mask[None, ..., None],
            "bounding_boxes": {"boxes": np.array([[box]]), "labels": np.array([[1]])},
        },
        training=False,
        return_params=True,
    )
    assert out["images"].shape[1:] == expected["image"].shape
    # OpenCV interpolates uint8 with 11-bit fixed-point weights: within one level.
    np.testing.assert_allclose(out["images"][0], expected["image"], atol=1.0)
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"][0], expected["bboxes"], atol=1e-3)
    # Masks (every pixel differs from its neighbours): nearest, never blended; equal except
    # on rows and columns whose source position is a tie between two pixels.
    ours_mask = out["segmentation_masks"][0, ..., 0].numpy()
    assert set(np.unique(ours_mask)) <= set(range(8))
    matrix = np.asarray(params["matrix"][0], "float64")
    rows, cols = _untied(matrix, ours_mask.shape[0], 1), _untied(matrix, ours_mask.shape[1], 0)
    assert rows.mean() > 0.5 and cols.mean() > 0.5
    np.testing.assert_array_equal(ours_mask[rows][:, cols], expected["mask"][rows][:, cols])
    # Deterministic: training gives the same result.
    np.testing.assert_array_equal(ours(photo_crop[None], training=True), out["images"])


def test_output_sizes_are_static_and_follow_each_image():
    layer = ka.LongestMaxSize(64)
    assert layer.compute_output_shape((None, 120, 80, 3)) == (None, 64, 43, 3)
    assert ka.SmallestMaxSize(64).compute_output_shape((2, 120, 80, 3)) == (2, 96, 64, 3)
    assert ka.PadIfNeeded(pad_height_divisor=32, pad_width_divisor=32).compute_output_shape(
        (None, 100, 64, 3)
    ) == (None, 128, 64, 3)
    # Mapped over unbatched images of different sizes, each gets its own scale.
    sizes = [(30, 50), (50, 20), (16, 16)]
    data = tf.data.Dataset.from_generator(
        lambda: (np.zeros((*s, 3), "uint8") for s in sizes),
        output_signature=tf.TensorSpec((None, None, 3), tf.uint8),
    )
    shapes = [tuple(x.shape) for x in data.map(layer)]
    assert shapes == [(38, 64, 3), (64, 26, 3), (64, 64, 3)]
    boxed = [tuple(x.shape) for x in data.map(ka.Letterbox(32)).batch(3)]
    assert boxed == [(3, 32, 32, 3)]


def test_fuses_into_one_resample_in_a_pipeline(photo_crop, monkeypatch):
    calls = []
    real = pipeline_module.resample
    monkeypatch.setattr(
        pipeline_module, "resample", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    pipe = ka.Pipeline(
        [ka.LongestMaxSize(40), ka.RandomFlip("horizontal", seed=1), ka.PadIfNeeded(40, 40)],
        bounding_box_format="xyxy",
    )
    boxes = {"boxes": np.array([[[4.0, 3.0, 30.0, 21.0]]]), "labels": np.array([[2]])}
    out = pipe({"images": photo_crop[None], "bounding_boxes": boxes})
    assert len(calls) == 1 and out["images"].shape == (1, 40, 40, 3)
    # The same as the layers one by one (whole-pixel pads, so no blending at all).
    step = {"images": photo_crop[None], "bounding_boxes": boxes}
    for layer in pipe.layers:
        layer = type(layer).from_config({**layer.get_config(), "bounding_box_format": "xyxy"})
        step = layer(step)
    np.testing.assert_allclose(out["images"], step["images"], atol=1e-3)
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"], step["bounding_boxes"]["boxes"])


UINT8_CASES = [
    ka.PadIfNeeded(40, 61, fill_value=7.6),
    ka.PadIfNeeded(33, 53, fill_value=-3.0, position="bottom_right"),
    ka.PadIfNeeded(40, 64, fill_value=300.0, position="random", seed=2),
    ka.PadIfNeeded(37, 55, fill_mode="reflect", position="top_left"),
    ka.Letterbox(48, fill_value=114),
    ka.Letterbox(20, 64, fill_value=-1.0, data_format="channels_first"),
    ka.LongestMaxSize(40),
]


@pytest.mark.parametrize("case", range(len(UINT8_CASES)))
def test_uint8_output_is_the_float_result_rounded(case, photo_crop):
    """uint8 in and out (padded and resized in uint8) equals the float32 result rounded and
    saturated, fill values outside [0, 255] or between levels included."""
    layer = UINT8_CASES[case]
    as_uint8 = type(layer).from_config({**layer.get_config(), "output_dtype": "uint8"})
    batch = np.stack([photo_crop, photo_crop[::-1]])
    if layer.data_format == "channels_first":
        batch = batch.transpose(0, 3, 1, 2)
    out = as_uint8(batch, training=True)
    assert out.dtype == tf.uint8
    reference = np.clip(np.round(layer(batch, training=True).numpy()), 0, 255)
    # The resampler rounds its float32 result inside its compiled pass; a value within
    # float rounding of a half level may round the other way there.
    np.testing.assert_allclose(out.numpy(), reference, atol=1)
    assert np.mean(out.numpy() == reference) > 0.99


def test_pad_images_equals_tf_pad_for_static_and_dynamic_sizes():
    images = tf.reshape(tf.range(2 * 3 * 5 * 2, dtype=tf.int32), [2, 3, 5, 2])
    expected = tf.pad(images, [[0, 0], [1, 2], [3, 0], [0, 0]], constant_values=9)
    np.testing.assert_array_equal(pad_images(images, 1, 2, 3, 0, 9.0), expected)
    dynamic = tf.function(
        lambda x, top: pad_images(x, top, 2, 3, 0, 9),
        input_signature=[
            tf.TensorSpec([None, None, None, 2], tf.int32),
            tf.TensorSpec([], tf.int32),
        ],
    )
    np.testing.assert_array_equal(dynamic(images, tf.constant(1)), expected)


def test_random_position_draws_per_sample_and_centres_at_inference(photo_crop):
    layer = ka.PadIfNeeded(40, 60, position="random", seed=3)
    batch = np.repeat(photo_crop[None], 6, axis=0).astype("float32")
    out = layer(batch).numpy()
    tops = [np.argmax(o[:, :, :].sum(axis=(1, 2)) > 0) for o in out]
    assert len({o.tobytes() for o in out}) > 1 and max(tops) <= 10
    for o in out:  # each sample holds the whole image, unchanged
        rows, cols = np.nonzero(o.sum(axis=-1))
        np.testing.assert_array_equal(
            o[rows.min() : rows.min() + 30, cols.min() : cols.min() + 50], batch[0]
        )
    centred = ka.PadIfNeeded(40, 60)(batch[:1]).numpy()
    np.testing.assert_array_equal(layer(batch[:1], training=False), centred)
    assert ka.PadIfNeeded.from_config(layer.get_config()).seed == 3


def test_bad_arguments_fail_at_construction():
    with pytest.raises(ValueError, match="PadIfNeeded.*exactly one of `min_height`"):
        ka.PadIfNeeded(min_height=10, pad_height_divisor=4, min_width=4)
    with pytest.raises(ValueError, match="PadIfNeeded.*position"):
        ka.PadIfNeeded(10, 10, position="middle")
    with pytest.raises(ValueError, match="LongestMaxSize.*max_size"):
        ka.LongestMaxSize(0)
    with pytest.raises(ValueError, match="Letterbox.*interpolation"):
        ka.Letterbox(32, interpolation="cubic")


# ----- images without pixels: one rule for every layer that sets the output size ----------

FIXED_SIZE = {"Resizing": 24, "CenterCrop": 24, "RandomCrop": 24, "Letterbox": 24}
INPUT_SIZED = ["LongestMaxSize", "SmallestMaxSize", "PadIfNeeded"]


@pytest.mark.parametrize("name", [*FIXED_SIZE, *INPUT_SIZED])
@pytest.mark.parametrize("training", [True, False])
def test_empty_batches_and_images_without_pixels(name, training):
    """An empty batch comes back empty at the size the layer gives; an image of height or
    width 0 is refused by a layer of fixed output size (nothing to make it from) and keeps
    its shape otherwise, in training and at inference alike."""
    layer = build(name, seed=1)
    one = layer(np.full((1, 8, 8, 3), 9.0, "float32"), training=training)
    empty = layer(np.zeros((0, 8, 8, 3), "float32"), training=training)
    assert empty.shape == (0, *one.shape[1:])
    assert tuple(layer.compute_output_shape((0, 8, 8, 3))) == empty.shape
    for shape in [(2, 0, 8, 3), (2, 8, 0, 3), (8, 0, 3), (0, 0, 8, 3)]:
        images = np.zeros(shape, "float32")
        if name in FIXED_SIZE and shape[0] != 0:
            with pytest.raises(ValueError, match=f"{name}: cannot augment images of height"):
                layer(images, training=training)
            continue
        out = layer(images, training=training)
        size = FIXED_SIZE.get(name)
        expected = shape if size is None else (0, size, size, 3)
        assert out.shape == expected
        assert tuple(layer.compute_output_shape(shape)) == expected
