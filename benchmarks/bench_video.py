"""Speed on clips: one call on ``[batch, frames, ...]`` beside the same layers frame by frame.

Workload: batches of 4 clips of 16 frames of 112x112x3 (float32 in
``[0, 255]``) through ``Pipeline([RandomFlip, RandomCrop(96, 96),
RandomColorJitter(brightness, contrast, saturation)])``. Two ways give the
same result (every frame of a clip with the clip's parameters):

* clips: the pipeline called once on the rank-5 batch (frames folded into
  the batch, one draw per clip, one resampling pass over all frames);
* per frame: the pipeline called on each frame ``clips[:, t]`` in a Python
  loop, with one call-time seed shared by the 16 calls (what a user writes
  without clip support).

Each runs in its own persistent ``tf.data`` pipeline (``map`` with
``num_parallel_calls=AUTOTUNE``, then ``prefetch``), both built before any
timing; the timed repetitions alternate between them so both see the same
machine load. Numbers are clips per second, the median of ``--repeats``
repetitions of ``--batches`` batches; the load average is printed before and
after.

Run from the repository root::

    python benchmarks/bench_video.py            # about a minute on 2 cores
    python benchmarks/bench_video.py --quick    # smoke run, not a measurement
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_augment as ka  # noqa: E402
from keras_augment.datasets import load_sample_image  # noqa: E402

CLIPS, FRAMES, SIZE = 4, 16, 112


def make_pipeline() -> ka.Pipeline:
    return ka.Pipeline(
        [
            ka.RandomFlip(seed=1),
            ka.RandomCrop(96, 96, seed=2),
            ka.RandomColorJitter(
                value_range=(0, 255),
                brightness_factor=0.2,
                contrast_factor=0.2,
                saturation_factor=(0.3, 0.7),
                seed=3,
            ),
        ]
    )


def real_clips() -> np.ndarray:
    """Clips of the shipped photograph, a 112x112 window panning two pixels per frame."""
    photo = load_sample_image("flower.jpg")
    clips = [
        [photo[r : r + SIZE, c + 2 * t : c + 2 * t + SIZE] for t in range(FRAMES)]
        for r, c in ((0, 0), (60, 90), (120, 180), (100, 200))
    ]
    return np.asarray(clips, "float32")


def persistent(fn, clips: np.ndarray):
    """A step pulling one batch from a persistent tf.data pipeline mapping ``fn(clips, seed)``."""
    ds = (
        tf.data.Dataset.from_tensors(clips)
        .repeat()
        .enumerate()
        .map(lambda i, x: fn(x, tf.stack([i, tf.constant(0, tf.int64)])), num_parallel_calls=-1)
        .prefetch(tf.data.AUTOTUNE)
    )
    iterator = iter(ds)
    return lambda: next(iterator).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.batches, args.repeats = 2, 1
    clips = real_clips()
    whole, framewise = make_pipeline(), make_pipeline()

    def per_frame(x, seed):
        return tf.stack([framewise(x[:, t], seed=seed) for t in range(FRAMES)], axis=1)

    # The two ways agree (same seed, same parameters per clip).
    seed = tf.constant([5, 0], tf.int64)
    np.testing.assert_allclose(whole(clips, seed=seed), per_frame(clips, seed), atol=1e-2)

    steps = {
        "clips": persistent(lambda x, s: whole(x, seed=s), clips),
        "per frame": persistent(per_frame, clips),
    }
    load_before = os.getloadavg()
    rates = {name: [] for name in steps}
    for step in steps.values():
        for _ in range(2):  # warm-up: traced, pipeline filled
            step()
    for _ in range(args.repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(args.batches):
                step()
            rates[name].append(args.batches * CLIPS / (time.perf_counter() - start))
    load_after = os.getloadavg()
    median = {name: statistics.median(values) for name, values in rates.items()}
    print(
        f"{CLIPS} clips x {FRAMES} frames x {SIZE}x{SIZE}x3 float32, flip + crop 96 + colour "
        f"jitter; {os.cpu_count()} cores, load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after"
    )
    print("| way | clips/s | ratio |")
    print("| --- | ---: | ---: |")
    for name, value in median.items():
        print(f"| {name} | {value:.1f} | {value / median['per frame']:.2f}x |")


if __name__ == "__main__":
    main()
