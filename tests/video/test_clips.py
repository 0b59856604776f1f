"""Image layers on clips ``[batch, frames, height, width, channels]``: one draw per clip."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_augment as ka

CLIPS, FRAMES, SIZE = 4, 4, 16
SEED = tf.constant([3, 4], tf.int64)


@pytest.fixture(scope="module")
def clips(photo) -> np.ndarray:
    """Four clips of four 16x16 frames: a window panning across the photograph."""
    return np.stack(
        [
            np.stack(
                [photo[40 * c : 40 * c + SIZE, 30 * c + 3 * f :][:, :SIZE] for f in range(FRAMES)]
            )
            for c in range(CLIPS)
        ]
    ).astype("float32")


def _layers():
    return [
        ka.RandomFlip(seed=1),
        ka.RandomRotation(0.3, seed=1),
        ka.RandomCrop(12, 12, seed=1),
        ka.RandomColorJitter(value_range=(0, 255), brightness_factor=0.3, hue_factor=0.2, seed=1),
        ka.Pipeline(
            [ka.RandomFlip(seed=1), ka.RandomRotation(0.3, seed=2), ka.RandomZoom(0.3, seed=3)]
        ),
    ]


@pytest.mark.parametrize("layer", _layers(), ids=lambda layer: type(layer).__name__)
def test_every_frame_gets_its_clips_transform(layer, clips):
    """Frame k of every clip comes out as the image call on frame k with the same seed."""
    out = layer(clips, seed=SEED).numpy()
    assert out.shape[:2] == (CLIPS, FRAMES)
    for k in range(FRAMES):
        alone = layer(clips[:, k], seed=SEED).numpy()
        np.testing.assert_allclose(out[:, k], alone, atol=1e-3)


@pytest.mark.parametrize("layer", _layers(), ids=lambda layer: type(layer).__name__)
def test_a_static_clip_stays_static_and_clips_differ(layer, clips):
    still = np.repeat(clips[:, :1], FRAMES, axis=1)
    still = np.concatenate([still, still])  # eight clips: the draws differ between clips
    out = layer(still).numpy()
    np.testing.assert_allclose(out, np.repeat(out[:, :1], FRAMES, axis=1), atol=1e-4)
    assert len({np.round(o, 2).tobytes() for o in out}) > 2


def test_independent_draws_per_frame(clips):
    still = np.repeat(clips[:1, :1], 8, axis=1)
    out = ka.RandomRotation(0.3, temporal="independent", seed=1)(still).numpy()
    assert len({np.round(frame, 2).tobytes() for frame in out[0]}) == 8


def test_seeded_and_config(clips):
    a, b = ka.RandomRotation(0.3, seed=5), ka.RandomRotation(0.3, seed=5)
    np.testing.assert_array_equal(a(clips).numpy(), b(clips).numpy())
    layer = ka.RandomRotation(0.3, temporal="independent")
    config = layer.get_config()
    assert config["temporal"] == "independent"
    assert ka.RandomRotation.from_config(config).temporal == "independent"
    with pytest.raises(ValueError, match="RandomRotation: `temporal` must be one of"):
        ka.RandomRotation(0.3, temporal="per_clip")


def test_per_frame_boxes_and_keypoints_follow(clips):
    boxes = np.zeros((CLIPS, FRAMES, 2, 4), "float32")
    boxes[..., 0] = np.arange(FRAMES)[None, :, None]  # each frame's box is its own
    boxes[..., 1:] = [2.0, 10.0, 9.0]
    labels = np.zeros((CLIPS, FRAMES, 2), "int32")
    labels[..., 1] = -1  # a padding row stays padding
    points = np.stack([boxes[..., 0, :2]] * 3, axis=2)  # [clips, frames, 3, 2]
    data = {
        "images": clips,
        "labels": np.arange(CLIPS),
        "bounding_boxes": {"boxes": boxes, "labels": labels},
        "keypoints": points,
    }
    layer = ka.Pipeline(
        [ka.RandomFlip(seed=1), ka.RandomTranslation(0.2, 0.2, seed=2)], bounding_box_format="xyxy"
    )
    out = layer(data, seed=SEED)
    assert out["bounding_boxes"]["boxes"].shape == (CLIPS, FRAMES, 2, 4)
    assert out["keypoints"].shape == (CLIPS, FRAMES, 3, 2)
    assert out["keypoint_visibility"].shape == (CLIPS, FRAMES, 3)
    np.testing.assert_array_equal(out["labels"], np.arange(CLIPS))
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"], labels)
    for k in range(FRAMES):
        frame = {
            "images": clips[:, k],
            "bounding_boxes": {"boxes": boxes[:, k], "labels": labels[:, k]},
            "keypoints": points[:, k],
        }
        alone = layer(frame, seed=SEED)
        np.testing.assert_allclose(
            out["bounding_boxes"]["boxes"][:, k], alone["bounding_boxes"]["boxes"], atol=1e-4
        )
        np.testing.assert_allclose(out["keypoints"][:, k], alone["keypoints"], atol=1e-4)
        np.testing.assert_allclose(out["images"][:, k], alone["images"], atol=1e-3)


def test_per_frame_masks_follow(clips):
    masks = (clips[..., :1] > 128).astype("int32")
    out = ka.RandomFlip(seed=4)({"images": clips, "segmentation_masks": masks}, seed=SEED)
    assert out["segmentation_masks"].shape == masks.shape
    # A flip moves pixels exactly: each frame's mask is still its image's threshold.
    np.testing.assert_array_equal(
        out["segmentation_masks"].numpy(), (out["images"].numpy()[..., :1] > 128).astype("int32")
    )
    assert not np.array_equal(out["images"], clips)


def test_channels_first_clips(clips):
    first = np.transpose(clips, (0, 1, 4, 2, 3))
    out = ka.RandomRotation(0.3, data_format="channels_first")(first, seed=SEED)
    last = ka.RandomRotation(0.3)(clips, seed=SEED)
    np.testing.assert_allclose(np.transpose(out, (0, 1, 3, 4, 2)), last, atol=1e-3)


def test_clips_compile_with_xla_and_in_a_model(clips):
    layer = ka.RandomRotation(0.3, seed=1)
    out = tf.function(lambda x: layer(x), jit_compile=True)(tf.constant(clips))
    assert out.shape == clips.shape
    inputs = keras.Input((FRAMES, SIZE, SIZE, 3))
    model = keras.Model(inputs, ka.RandomCrop(12, 12, seed=1)(inputs))
    assert tuple(model.output.shape) == (None, FRAMES, 12, 12, 3)
    np.testing.assert_array_equal(model.predict(clips, verbose=0).shape, (CLIPS, FRAMES, 12, 12, 3))


def test_bad_clip_inputs_are_refused_with_the_layer_name(clips):
    with pytest.raises(ValueError, match=r"MixUp: got a rank-5 input"):
        ka.MixUp()({"images": clips, "labels": np.eye(CLIPS)})
    boxes = {"boxes": np.zeros((CLIPS, 2, 4)), "labels": np.zeros((CLIPS, 2))}
    with pytest.raises(ValueError, match=r"RandomFlip: with clips of 4 frames, expected bounding"):
        ka.RandomFlip(bounding_box_format="xyxy")({"images": clips, "bounding_boxes": boxes})


def test_params_and_inverse_on_clips(clips):
    """``return_params`` gives one matrix per frame (equal within a clip); ``inverse`` undoes them."""
    boxes = np.tile(np.array([[2.0, 3.0, 9.0, 12.0]], "float32"), (CLIPS, FRAMES, 1, 1))
    data = {
        "images": clips,
        "bounding_boxes": {"boxes": boxes, "labels": np.zeros((CLIPS, FRAMES, 1), "int32")},
    }
    layer = ka.Pipeline([ka.RandomFlip(seed=1)], bounding_box_format="xyxy")
    out, params = layer(data, training=True, return_params=True)
    matrices = np.asarray(params["matrix"]).reshape(CLIPS, FRAMES, 3, 3)
    np.testing.assert_array_equal(matrices, np.repeat(matrices[:, :1], FRAMES, axis=1))
    assert not np.array_equal(out["images"], clips)  # some clips were flipped
    back = layer.inverse(out, params)
    np.testing.assert_allclose(back["images"], clips, atol=1e-3)
    np.testing.assert_allclose(back["bounding_boxes"]["boxes"], boxes, atol=1e-4)


# Layers whose random field is drawn per frame whatever `temporal` says (documented).
PER_FRAME_FIELDS = {"RandomGaussianNoise"}
IMAGE_INFOS = [
    info
    for info in ka.registered_layers(kind="image")
    if getattr(info.cls, "video", "clips") != "only"
]


@pytest.mark.parametrize("info", IMAGE_INFOS, ids=[info.name for info in IMAGE_INFOS])
def test_every_image_layer_keeps_a_still_clip_still(info, photo):
    """Two clips of three identical 32x32 frames: each clip's frames come out identical."""
    frames = [photo[:32, :32], photo[100:132, 200:232]]
    still = np.repeat(np.stack(frames)[:, None], 3, axis=1).astype("float32")
    try:
        layer = info.build(seed=3)
    except ValueError:  # a layer without randomness takes no seed
        layer = info.build()
    if getattr(info.cls, "video", "clips") == "no":
        with pytest.raises(ValueError, match=f"{info.name}: got a rank-5 input"):
            layer(still)
        return
    out = np.asarray(layer(still, training=True))
    assert out.shape[:2] == (2, 3)
    spread = np.abs(out - out[:, :1]).max()
    if info.name in PER_FRAME_FIELDS:
        assert spread > 1.0
    else:
        assert spread < 1e-3, f"{info.name}: frames of one clip differ by {spread}"
