"""The fixed cost of calling a layer directly (eagerly), beside a bare ``tf.function``.

Workload: a tiny uint8 batch (4 images of 8x8x3), so the time of a call is
almost all the cost every direct call pays whatever the batch: Python, Keras'
call machinery, the seed counter, and running the layer's graph. In one run,
taking turns (repetition ``r`` of every row runs before repetition ``r + 1`` of
any, so a change in the machine's load falls on all rows alike):

* a bare ``tf.function`` doing one cast and one add: the least a call of any
  traced TensorFlow code costs;
* ours: ``PadIfNeeded(16, 16, output_dtype="uint8")`` (draws nothing),
  ``RandomFlip``, ``RandomRotation(0.1)`` and a ``Pipeline`` of the two;
* Keras' ``keras.layers.RandomFlip``, ``RandomRotation(0.1)`` and a
  ``keras.layers.Pipeline`` of the two, called the same way.

Each row is the median over ``--repeats`` repetitions of ``--calls`` calls
``layer(images, training=True)``, in microseconds per call, and its ratio to
the bare ``tf.function`` of the same run. The script prints the load average
before and after, as other processes on the machine move these numbers.

Run from the repository root::

    python benchmarks/bench_call_overhead.py           # about a minute
    python benchmarks/bench_call_overhead.py --quick   # smoke run, not a measurement
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import measure_in_turns  # noqa: E402

import keras_augment as ka  # noqa: E402

SHAPE = (4, 8, 8, 3)


def rows() -> dict:
    """Row name -> a callable of the images, ours and Keras' built with fixed seeds."""
    bare = tf.function(lambda images: tf.cast(images, tf.float32) + 1.0)
    return {
        "bare tf.function (cast + add)": bare,
        "ours PadIfNeeded(16, 16, uint8)": ka.PadIfNeeded(16, 16, output_dtype="uint8"),
        "ours RandomFlip": ka.RandomFlip(seed=1),
        "ours RandomRotation(0.1)": ka.RandomRotation(0.1, seed=2),
        "ours Pipeline(flip, rotation)": ka.Pipeline(
            [ka.RandomFlip(seed=3), ka.RandomRotation(0.1, seed=4)], seed=5
        ),
        "keras RandomFlip": keras.layers.RandomFlip(seed=1),
        "keras RandomRotation(0.1)": keras.layers.RandomRotation(0.1, seed=2),
        "keras Pipeline(flip, rotation)": keras.layers.Pipeline(
            [keras.layers.RandomFlip(seed=3), keras.layers.RandomRotation(0.1, seed=4)]
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="calls per repetition")
    parser.add_argument("--repeats", type=int, default=9, help="repetitions per row")
    parser.add_argument("--quick", action="store_true", help="a smoke run, not a measurement")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.repeats = 5, 2
    images = tf.constant(np.random.default_rng(0).integers(0, 256, SHAPE, dtype=np.uint8))
    steps = {}
    for name, layer in rows().items():
        if name.startswith("bare"):
            steps[name] = lambda layer=layer: layer(images)
        else:
            steps[name] = lambda layer=layer: layer(images, training=True)
    load_before = os.getloadavg()
    rates = measure_in_turns(steps, args.calls, args.repeats, warmup=20, batch_size=1)
    load_after = os.getloadavg()
    per_call = {name: 1e6 / statistics.median(wall) for name, (wall, _) in rates.items()}
    bare = per_call["bare tf.function (cast + add)"]
    print(f"Direct eager calls on a {SHAPE} uint8 batch; {args.calls} calls x {args.repeats}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores)")
    print()
    print("| call | us per call (median) | ratio to bare tf.function |")
    print("| --- | ---: | ---: |")
    for name, micros in per_call.items():
        print(f"| {name} | {micros:.0f} | {micros / bare:.2f} |")


if __name__ == "__main__":
    main()
