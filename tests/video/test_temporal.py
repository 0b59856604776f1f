"""The temporal layers: which frames come out, per clip, with their targets."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import keras_augment as ka

CLIPS, FRAMES = 8, 6


@pytest.fixture(scope="module")
def numbered() -> np.ndarray:
    """Eight clips of six 4x4 frames; every pixel of frame f of clip c holds 10 * c + f."""
    values = 10 * np.arange(CLIPS)[:, None] + np.arange(FRAMES)[None]
    return (values[:, :, None, None, None] * np.ones((1, 1, 4, 4, 3))).astype("float32")


def _shown(out) -> np.ndarray:
    """The frame number each output frame shows, ``[clips, frames]``."""
    return np.asarray(out)[..., 0, 0, 0].astype(int) % 10


def test_temporal_crop_is_a_contiguous_window_that_varies_per_clip(numbered):
    layer = ka.RandomTemporalCrop(3, seed=1)
    shown = _shown(layer(numbered))
    assert shown.shape == (CLIPS, 3)
    np.testing.assert_array_equal(np.diff(shown, axis=1), 1)
    assert len(set(shown[:, 0])) > 1  # each clip draws its own start
    # The clip's own frames (not another clip's).
    clip_ids = np.asarray(layer(numbered))[..., 0, 0, 0].astype(int) // 10
    np.testing.assert_array_equal(clip_ids, np.repeat(np.arange(CLIPS)[:, None], 3, axis=1))
    np.testing.assert_array_equal(_shown(layer(numbered, training=False)), [[1, 2, 3]] * CLIPS)
    with pytest.raises(ValueError, match="RandomTemporalCrop: expected clips of at least 3"):
        layer(numbered[:, :2])


def test_reversal_reverses_some_clips_and_keeps_others(numbered):
    shown = _shown(ka.RandomTemporalReverse(0.5, seed=3)(numbered))
    forward, backward = np.arange(FRAMES), np.arange(FRAMES)[::-1]
    reversed_ = [(row == backward).all() for row in shown]
    assert all(r or (row == forward).all() for r, row in zip(reversed_, shown, strict=True))
    assert 0 < sum(reversed_) < CLIPS
    always = _shown(ka.RandomTemporalReverse(1.0)(numbered))
    np.testing.assert_array_equal(always, np.tile(backward, (CLIPS, 1)))


def test_frame_rate_keeps_order_and_the_requested_count(numbered):
    layer = ka.RandomFrameRate((0.5, 2.0), frames=4, seed=2)
    shown = np.concatenate([_shown(layer(numbered)) for _ in range(4)])
    assert shown.shape == (4 * CLIPS, 4)
    assert (np.diff(shown, axis=1) >= 0).all()  # in order, frames dropped or repeated
    assert (np.diff(shown, axis=1) == 0).any() and (np.diff(shown, axis=1) >= 2).any()
    np.testing.assert_array_equal(_shown(layer(numbered, training=False)), [[1, 2, 3, 4]] * CLIPS)
    same = ka.RandomFrameRate((0.5, 2.0))
    assert same(numbered).shape == numbered.shape
    np.testing.assert_array_equal(same(numbered, training=False), numbered)
    with pytest.raises(ValueError, match="RandomFrameRate: `factor`"):
        ka.RandomFrameRate((2.0, 0.5))


def test_per_frame_targets_follow_the_frames(numbered):
    boxes = np.zeros((CLIPS, FRAMES, 1, 4), "float32")
    boxes[..., 0] = np.arange(FRAMES)[None, :, None]
    boxes[..., 2:] = 3.0
    data = {
        "images": numbered,
        "labels": np.arange(CLIPS),
        "segmentation_masks": numbered[..., :1].astype("int32"),
        "bounding_boxes": {"boxes": boxes, "labels": np.ones((CLIPS, FRAMES, 1))},
        "keypoints": boxes[..., :2],
    }
    out = ka.RandomTemporalCrop(3, seed=4, bounding_box_format="xyxy")(data)
    shown = _shown(out["images"])
    np.testing.assert_array_equal(np.asarray(out["segmentation_masks"])[..., 0, 0, 0] % 10, shown)
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["boxes"])[..., 0, 0], shown)
    np.testing.assert_array_equal(np.asarray(out["keypoints"])[..., 0, 0], shown)
    assert out["keypoint_visibility"].shape == (CLIPS, 3, 1)
    np.testing.assert_array_equal(out["labels"], np.arange(CLIPS))


def test_seeded_and_in_a_pipeline_with_image_layers(numbered):
    make = lambda: ka.Pipeline(  # noqa: E731
        [
            ka.RandomTemporalCrop(4, seed=1),
            ka.RandomTemporalReverse(seed=2),
            ka.RandomFlip(seed=3),
            ka.RandomBrightness(0.3, value_range=(0, 100), seed=4),
        ]
    )
    a, b = make(), make()
    out = a(numbered)
    np.testing.assert_array_equal(out, b(numbered))
    assert out.shape == (CLIPS, 4, 4, 4, 3)
    # Brightness is drawn per clip: every frame of a clip moved by one amount.
    shift = np.asarray(out)[..., 0, 0, 0] - np.asarray(out)[..., 0, 0, 0].round()
    assert np.ptp(shift, axis=1).max() < 1e-3
    assert a.compute_output_shape((None, FRAMES, 4, 4, 3)) == (None, 4, 4, 4, 3)


def test_images_are_refused_and_clips_compile_with_xla(numbered):
    with pytest.raises(ValueError, match="RandomTemporalReverse: expected clips"):
        ka.RandomTemporalReverse()(numbered[0, 0])
    crop = ka.RandomTemporalCrop(2, seed=1)
    out = tf.function(lambda x: crop(x), jit_compile=True)(numbered)
    assert out.shape == (CLIPS, 2, 4, 4, 3)


@pytest.mark.parametrize(
    "changer",
    [lambda: ka.RandomTemporalCrop(4, seed=1), lambda: ka.RandomFrameRate(frames=4, seed=1)],
    ids=["RandomTemporalCrop", "RandomFrameRate"],
)
def test_compositions_refuse_a_frame_count_change_at_construction(changer):
    name = type(changer()).__name__
    # Clips that skip the layer (or pick another) would keep their frame count.
    compositions = [
        lambda: ka.RandomApply(changer(), rate=0.5),
        lambda: ka.RandomChoice([ka.RandomTemporalReverse(), changer()]),
        lambda: ka.RandomChoice([changer(), changer()]),
        lambda: ka.RandomOrder([ka.RandomFlip(), changer()]),
        lambda: ka.RandomApply(ka.Pipeline([ka.RandomFlip(), changer()])),
    ]
    pattern = rf"Random(Apply|Choice|Order): ({name}|Pipeline) .*number of frames .*, 4 out"
    for make in compositions:
        with pytest.raises(ValueError, match=pattern):
            make()


def test_compositions_keep_the_frame_count_of_layers_that_keep_it(numbered):
    # Without `frames`, RandomFrameRate returns as many frames as it is given.
    apply = ka.RandomApply(ka.RandomFrameRate((1.5, 2.0), seed=1), rate=0.5, seed=2)
    shown = _shown(apply(numbered))
    assert shown.shape == (CLIPS, FRAMES)
    untouched = np.all(shown == np.arange(FRAMES), axis=1)
    assert 0 < untouched.sum() < CLIPS  # some clips skipped, some sped up
    # A sped-up clip runs forwards, skipping frames, and holds its last one.
    sped = shown[~untouched]
    assert np.all(np.diff(sped, axis=1) >= 0) and np.all(sped[:, -1] == FRAMES - 1)
    assert np.all(sped[:, 1] - sped[:, 0] >= 1)

    choice = ka.RandomChoice(
        [ka.RandomTemporalReverse(rate=1.0, seed=3), ka.RandomFrameRate(seed=4)], seed=5
    )
    shown = _shown(choice(numbered))
    assert shown.shape == (CLIPS, FRAMES)
    reversed_ = np.all(shown == np.arange(FRAMES)[::-1], axis=1)
    assert 0 < reversed_.sum() < CLIPS
    assert np.all(np.diff(shown[~reversed_], axis=1) >= 0)  # the others stay in order
