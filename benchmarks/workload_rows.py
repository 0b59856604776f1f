"""One augmentation workload measured against every peer, in one process run, as a Markdown table.

Rows, for each input dtype (uint8 and float32, batches of 32 224x224x3):

- ours mapped over one persistent ``tf.data`` pipeline (``map`` AUTOTUNE,
  ``prefetch``), and called directly; on uint8 input ours is asked for uint8
  output (``output_dtype="uint8"``), as albumentations returns;
- the same workload with ``keras.layers`` in the same pipeline;
- albumentations inside the same ``tf.data`` pipeline and on a warm pool of
  one process per core (``common.py`` says what each times);
- a NumPy copy of the batch, the floor no augmentation can beat, and the
  floors of ours the caller names (parts of our kernel timed alone).

The ratio column divides ours in ``tf.data`` (same dtype) by the row.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from common import (
    albumentations_pool_steps,
    albumentations_tf_data_steps,
    direct_step,
    has_albumentations,
    measure,
    tf_data_step,
)

BATCH = 32
SIZE = 224
OURS = "keras_augment"
TF_DATA = "tf.data map+prefetch"


@dataclass
class Row:
    system: str
    dtype: str
    run: str
    rates: list[float]


def make_batch(dtype: str) -> np.ndarray:
    """Noise images in [0, 255]: uint8, or the same values as float32."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (BATCH, SIZE, SIZE, 3), dtype=np.uint8)
    return images if dtype == "uint8" else images.astype("float32")


@contextlib.contextmanager
def _plain(step):
    yield step


def workload_rows(
    make_ours: Callable[..., object],
    make_keras: Callable[[], object] | None,
    make_transform: Callable[[], object] | None,
    floors: Callable[[np.ndarray], dict[str, Callable[[], object]]],
    batches: int,
    repeats: int,
    processes: int,
    dtypes=("uint8", "float32"),
    log=print,
) -> list[Row]:
    """Measures every row for each dtype; ``make_ours(output_dtype=...)`` builds our layer."""
    import tensorflow as tf

    rows = []
    for dtype in dtypes:
        array = make_batch(dtype)
        tensor = tf.constant(array)
        ours = make_ours(output_dtype="uint8" if dtype == "uint8" else None)
        steps = [
            (OURS, TF_DATA, lambda t=tensor, o=ours: _plain(tf_data_step(o, t)), 3),
            (OURS, "direct call", lambda t=tensor, o=ours: _plain(direct_step(o, t)), 1),
        ]
        if make_keras is not None:
            keras_layer = make_keras()
            steps.append(
                (
                    "keras.layers",
                    TF_DATA,
                    lambda t=tensor, k=keras_layer: _plain(tf_data_step(k, t)),
                    2,
                )
            )
        if make_transform is not None and has_albumentations():
            steps += [
                (
                    "albumentations",
                    "tf.data map+batch, numpy_function per image",
                    lambda a=array: albumentations_tf_data_steps(make_transform, a),
                    3,
                ),
                (
                    "albumentations",
                    f"warm pool of {processes} processes, shared-memory output",
                    lambda a=array: albumentations_pool_steps(make_transform, a, processes),
                    2,
                ),
            ]
        steps.append(("NumPy copy (floor)", "np.copy", lambda a=array: _plain(a.copy), 1))
        for name, step in floors(array).items():
            steps.append((f"floor: {name}", "inside tf.function", lambda s=step: _plain(s), 1))
        for system, run, make_steps, warmup in steps:
            log(f"{dtype}: {system}, {run} ...")
            with make_steps() as step:
                rates = measure(step, batches, repeats, warmup=warmup, batch_size=BATCH)
            rows.append(Row(system, dtype, run, rates))
    return rows


def print_table(title: str, rows: list[Row], batches: int, repeats: int, start_load) -> None:
    import keras
    import tensorflow as tf

    print(f"# {title}, {BATCH} x {SIZE}x{SIZE}x3 per batch\n")
    load = ", ".join(f"{x:.1f}" for x in start_load)
    end = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
        f"{load} at the start and {end} at the end; TensorFlow {tf.__version__}, Keras "
        f"{keras.__version__}; warm; median of {repeats} x {batches} batches.\n"
    )
    print("| system | dtype | run | images/s (median) | min-max | ours in tf.data / this |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    ours = {
        row.dtype: statistics.median(row.rates)
        for row in rows
        if row.system == OURS and row.run == TF_DATA
    }
    for row in rows:
        rate = statistics.median(row.rates)
        spread = f"{min(row.rates):,.0f}-{max(row.rates):,.0f}"
        print(
            f"| {row.system} | {row.dtype} | {row.run} | {rate:,.0f} | {spread} "
            f"| {ours[row.dtype] / rate:.2f}x |"
        )
