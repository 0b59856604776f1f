"""Shears through the resampler's window path against the four-corner path, in turns, by CPU time.

A batch of 32 crops of 224x224 of the shipped photograph, uint8, resampled bilinearly with
reflected borders through shear matrices along x or along y (slopes up to 0.2, whose offsets
fit the short padding, and up to 0.9), and through rotations (which keep the four-corner path),
by two functions:

- ``resample``: the shipped choice of paths (separable, window, general);
- before: the choice before the window path (separable when every matrix only scales and
  translates, else the general path), made of the same compiled functions.

Both give uint8 out and float32 out. The two take turns (7 by default), each turn timing 8
calls by the CPU time of this process; the table gives the median milliseconds per batch.

Run from the repository root: ``python benchmarks/bench_shear_window.py [--turns N]``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH, SIZE, CALLS = 32, 224, 8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=7)
    turns = parser.parse_args().turns
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, ROOT)
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import numpy as np
    import tensorflow as tf
    from common import measure_in_turns

    from keras_augment.core import matrices
    from keras_augment.datasets import load_sample_image

    resampling = importlib.import_module("keras_augment.core.resample")
    photo = load_sample_image()
    rng = np.random.default_rng(0)
    tops = rng.integers(0, photo.shape[0] - SIZE, BATCH)
    lefts = rng.integers(0, photo.shape[1] - SIZE, BATCH)
    images = tf.constant(np.stack([photo[t : t + SIZE, x : x + SIZE] for t, x in zip(tops, lefts)]))
    size = tf.constant([SIZE, SIZE])
    options = ("bilinear", "reflect", 0.0)

    def shipped(m, dtype):
        return resampling.resample(images, m, size, None, *options, None, dtype)

    def before(m, dtype):
        return tf.cond(
            resampling.axis_aligned(m),
            lambda: resampling._separable(images, m, size, *options, dtype),
            lambda: resampling._general(images, m, size, None, *options, None, dtype),
        )

    zero = tf.zeros([BATCH])

    def slopes(limit):
        return tf.constant(rng.uniform(-limit, limit, BATCH).astype("float32"))

    workloads = {
        f"shear along {axis}, slopes up to {limit}": (
            matrices.shear(slopes(limit), zero)
            if axis == "x"
            else matrices.shear(zero, slopes(limit))
        )
        for axis in "xy"
        for limit in (0.2, 0.9)
    }
    workloads["rotation up to 30 degrees"] = matrices.rotation(slopes(0.52), SIZE, SIZE)

    load = os.getloadavg()[0]
    rows = []
    for dtype in ("uint8", None):
        for name, m in workloads.items():
            a, b = before(m, dtype).numpy(), shipped(m, dtype).numpy()  # warm, and compare
            diff = np.abs(a.astype("float64") - b.astype("float64")).max()
            steps = {
                side: lambda fn=fn, m=m, dtype=dtype: fn(m, dtype).numpy()
                for side, fn in (("before", before), ("shipped", shipped))
            }
            rates = measure_in_turns(steps, CALLS, turns, warmup=0, batch_size=BATCH)
            # CPU milliseconds per batch, the median over the turns.
            old, new = (1000 * BATCH / statistics.median(rates[k][1]) for k in steps)
            rows.append((name, dtype or "float32", old, new, diff))
    print(
        f"- batch {BATCH} x {SIZE}x{SIZE}x3 uint8 photograph crops, bilinear, reflect; median of "
        f"{turns} alternating turns of {CALLS} calls, CPU time of the process; 1-minute load "
        f"average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end\n"
    )
    print("| matrices | output | before, ms CPU/batch | shipped | ratio | largest difference |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, dtype, old, new, diff in rows:
        print(f"| {name} | {dtype} | {old:.1f} | {new:.1f} | {new / old:.2f} | {diff:.3g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
