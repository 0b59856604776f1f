"""Temporal layers: they pick, drop, repeat or reorder the frames of clips.

Clips are ``[batch, frames, height, width, channels]`` (``[batch, frames,
channels, height, width]`` channels first), or one clip ``[frames, height,
width, channels]``. Each layer draws, per clip, which input frame every output
frame shows (``frame_indices``) and gathers the images and the per-frame
targets (masks, boxes, keypoints) with those indices; ``"labels"`` belong to the
clip and pass through. Inside a ``Pipeline`` they run between image layers on
the same clips.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_augment.core.base import BaseAugmentation, Batch
from keras_augment.core.random import Sampler, next_seed
from keras_augment.core.registry import register
from keras_augment.core.types import Range, Seed
from keras_augment.core.validation import check_number, check_size


def gather_frames(batch: Batch, indices: tf.Tensor) -> Batch:
    """``batch`` (clips folded frame by frame) with frame ``indices[c, j]`` as frame ``j`` of clip ``c``.

    Args:
        batch: images and per-frame targets ``[clips * batch.frames, ...]``.
        indices: ``int32[clips, out_frames]`` (``out_frames`` static).
    """
    frames, out_frames = batch.frames, indices.shape[1]

    def gather(value):
        if value is None:
            return None
        shape = tf.shape(value)
        clips = tf.reshape(value, tf.concat([[-1, frames], shape[1:]], 0))
        picked = tf.gather(clips, indices, axis=1, batch_dims=1)
        return tf.reshape(picked, tf.concat([[-1], shape[1:]], 0))

    names = ("masks", "boxes", "box_labels", "keypoints", "visibility", "matrix")
    changes = {name: gather(getattr(batch, name)) for name in names}
    return batch.replace(images=gather(batch.images), frames=out_frames, **changes)


def window(start: tf.Tensor, frames: int, step, last: int) -> tf.Tensor:
    """``int32[clips, frames]``: ``floor(start + j * step)`` for ``j < frames``, at most ``last``."""
    offsets = tf.range(frames, dtype=tf.float32)[None] * tf.reshape(step, [-1, 1])
    positions = tf.floor(tf.reshape(tf.cast(start, tf.float32), [-1, 1]) + offsets)
    return tf.cast(tf.minimum(positions, float(last)), tf.int32)


class TemporalAugmentation(BaseAugmentation):
    """Base of the temporal layers: subclasses choose the frames, this class gathers them.

    Subclasses implement ``frame_indices`` (the training draw) and may
    implement ``inference_frame_indices`` and ``output_frame_count``.
    """

    video = "only"

    def frame_indices(self, sampler: Sampler, frames: int) -> tf.Tensor:
        """``int32[clips, out_frames]``: the input frame each output frame shows, per clip."""
        raise NotImplementedError

    def inference_frame_indices(self, frames: int) -> tf.Tensor | None:
        """``int32[out_frames]`` at inference; None keeps the clip as it is."""
        return None

    def empty_result(self, batch: Batch) -> Batch | None:
        return None  # frames are picked whatever their size

    def _frames_of(self, batch: Batch) -> int:
        if batch.frames == 1:
            raise ValueError(
                f"{self._name_for_errors}: expected clips [batch, frames, height, width, "
                f"channels] or one clip [frames, height, width, channels] of more than one "
                f"frame; got images of shape {batch.images.shape}."
            )
        return batch.frames

    def draw_params(self, batch: Batch, seed: tf.Tensor | None = None) -> dict:
        frames = self._frames_of(batch)
        if seed is None:
            seed = next_seed(self._seed_state)
        clips = batch.batch_size // frames
        sampler = Sampler(seed, clips, self.batchwise or batch.batchwise)
        return {"frame_indices": self.frame_indices(sampler, frames)}

    def augment_batch(self, batch: Batch, seed: tf.Tensor | None = None) -> Batch:
        self.check_targets_supported(batch)
        params = self.draw_params(batch, seed)
        return gather_frames(batch, params["frame_indices"]).replace(params=params)

    def infer_batch(self, batch: Batch) -> Batch:
        indices = self.inference_frame_indices(self._frames_of(batch))
        if indices is None:
            return batch
        clips = batch.batch_size // batch.frames
        return gather_frames(batch, tf.tile(indices[None], [clips, 1]))


@register(
    example={"frames": 2},
    exempt={"inference_identity": "training=False keeps the centre window of `frames` frames"},
)
class RandomTemporalCrop(TemporalAugmentation):
    """Keeps a random window of ``frames`` consecutive frames of each clip.

    At inference the centre window is kept (the earlier of the two middle
    ones when the count is odd), so a model sees ``frames`` frames either way.

    Args:
        frames: the number of frames returned; clips need at least that many.
        seed: integer seed.

    Example:
        >>> layer = keras_augment.RandomTemporalCrop(8, seed=1)
        >>> layer(np.zeros((2, 16, 112, 112, 3))).shape
        TensorShape([2, 8, 112, 112, 3])
    """

    config_fields = ("frames",)

    def __init__(self, frames: int, seed: Seed = None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.frames = check_size(self.__class__.__name__, "frames", frames)

    def _check_length(self, frames: int) -> None:
        if frames < self.frames:
            raise ValueError(
                f"{self.__class__.__name__}: expected clips of at least {self.frames} frames; "
                f"got {frames}."
            )

    def output_frame_count(self, frames: int) -> int:
        return self.frames

    def frame_indices(self, sampler: Sampler, frames: int) -> tf.Tensor:
        self._check_length(frames)
        start = sampler.integers(0, frames - self.frames + 1)
        return window(start, self.frames, 1.0, frames - 1)

    def inference_frame_indices(self, frames: int) -> tf.Tensor:
        self._check_length(frames)
        return window((frames - self.frames) // 2, self.frames, 1.0, frames - 1)[0]


@register(example={"factor": (0.5, 2.0)})
class RandomFrameRate(TemporalAugmentation):
    """Changes each clip's frame rate by a random factor, returning a fixed number of frames.

    A factor ``r`` above 1 speeds the clip up (output frame ``j`` shows input
    frame ``floor(s + j * r)``, so frames are dropped); below 1 it slows it
    down (frames repeat). ``r`` is drawn log-uniformly from ``factor``, so
    speeding up and slowing down by the same ratio are equally likely, and
    the start ``s`` uniformly among the windows that fit; when the clip runs
    out, its last frame is held. Frames always stay in order. At inference the
    centre ``frames`` frames are returned at the original rate.

    Args:
        factor: ``(low, high)`` range of the rate factor, ``0 < low <= high``;
            a number ``f`` means ``(1 / f, f)``.
        frames: the number of frames returned; None returns as many as given.
        seed: integer seed.
    """

    def __init__(
        self, factor: Range = (0.5, 2.0), frames: int | None = None, seed: Seed = None, **kwargs
    ):
        super().__init__(seed=seed, **kwargs)
        name = self.__class__.__name__
        if isinstance(factor, (tuple, list)) and len(factor) == 2:
            low = check_number(name, "factor", factor[0], low=1e-6)
            high = check_number(name, "factor", factor[1], low=low)
        else:
            f = check_number(name, "factor", factor, low=1e-6)
            low, high = min(f, 1.0 / f), max(f, 1.0 / f)
        self.factor = (low, high)
        self.frames = None if frames is None else check_size(name, "frames", frames)

    def output_frame_count(self, frames: int) -> int:
        return frames if self.frames is None else self.frames

    def frame_indices(self, sampler: Sampler, frames: int) -> tf.Tensor:
        count = self.output_frame_count(frames)
        log_low, log_high = math.log(self.factor[0]), math.log(self.factor[1])
        rate = tf.exp(sampler.uniform(log_low, log_high))
        room = tf.maximum(float(frames - 1) - (count - 1) * rate, 0.0)
        start = sampler.uniform(0.0, 1.0) * room
        return window(start, count, rate, frames - 1)

    def inference_frame_indices(self, frames: int) -> tf.Tensor | None:
        count = self.output_frame_count(frames)
        if count == frames:
            return None
        return window(max((frames - count) // 2, 0), count, 1.0, frames - 1)[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": list(self.factor), "frames": self.frames}


@register(example={"rate": 0.5})
class RandomTemporalReverse(TemporalAugmentation):
    """Plays each clip backwards with probability ``rate``.

    Args:
        rate: the probability that a clip is reversed, in ``[0, 1]``.
        seed: integer seed.
    """

    config_fields = ("rate",)

    def __init__(self, rate: float = 0.5, seed: Seed = None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_number(self.__class__.__name__, "rate", rate, low=0.0, high=1.0)

    def frame_indices(self, sampler: Sampler, frames: int) -> tf.Tensor:
        reverse = sampler.bernoulli(self.rate)[:, None]
        forward = tf.range(frames)[None]
        return tf.where(reverse, frames - 1 - forward, forward)


__all__ = ["RandomFrameRate", "RandomTemporalCrop", "RandomTemporalReverse", "gather_frames"]
