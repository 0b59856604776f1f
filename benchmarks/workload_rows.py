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

import datetime
import os
import platform
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from common import (
    albumentations_pool_steps,
    albumentations_tf_data_pipeline,
    albumentations_tf_data_steps,
    direct_step,
    fresh_iterator,
    has_albumentations,
    in_turns,
    kept,
    measure,
    processes_cpu_seconds,
    single_threaded_opencv,
    tf_data_pipeline,
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
            (OURS, TF_DATA, lambda t=tensor, o=ours: nullcontext(tf_data_step(o, t)), 3),
            (
                OURS,
                "direct call",
                lambda t=tensor, o=ours: nullcontext(direct_step(o, t)),
                1,
            ),
        ]
        if make_keras is not None:
            keras_layer = make_keras()
            steps.append(
                (
                    "keras.layers",
                    TF_DATA,
                    lambda t=tensor, k=keras_layer: nullcontext(tf_data_step(k, t)),
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
        steps.append(("NumPy copy (floor)", "np.copy", lambda a=array: nullcontext(a.copy), 1))
        for name, step in floors(array).items():
            steps.append(
                (
                    f"floor: {name}",
                    "inside tf.function",
                    lambda s=step: nullcontext(s),
                    1,
                )
            )
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


POOL = "albumentations, pool"
DUEL = (OURS, "albumentations, tf.data", POOL)


def pool_duel(
    make_ours, make_transform, turns: int, batches: int, processes: int, warmup: int = 2, log=print
) -> dict:
    """Ours against albumentations on uint8, the three of them timed in turns.

    Ours (uint8 out) and albumentations each in their persistent ``tf.data``
    pipeline, and albumentations on a warm pool of ``processes`` processes:
    ``common.in_turns`` with the order rotating from turn to turn and a fresh
    iterator for each pipeline's turn, so nothing prefetches while another
    system is timed. A change in the machine's speed then falls on all three
    alike, and the ratio of each turn is a fair one. CPU seconds count this
    process (the pipelines) or the pool's workers plus this process (the pool).

    Returns ``{system: [(images/s, images per CPU second) per turn]}``.
    """
    import tensorflow as tf

    array = make_batch("uint8")
    ours = tf_data_pipeline(make_ours(output_dtype="uint8"), tf.constant(array))
    theirs = albumentations_tf_data_pipeline(make_transform, array)
    with (
        single_threaded_opencv(),
        albumentations_pool_steps(make_transform, array, processes) as pool_step,
    ):
        workers = pool_step.worker_pids

        def pool_cpu():
            spent = processes_cpu_seconds(workers)
            return None if spent is None else spent + time.process_time()

        contenders = {
            OURS: fresh_iterator(ours),
            "albumentations, tf.data": fresh_iterator(theirs),
            POOL: kept(pool_step, cpu_seconds=pool_cpu),
        }

        def report(turn, rates):
            cells = ", ".join(f"{name} {rates[name][0]:,.0f}/s" for name in DUEL)
            log(f"turn {turn + 1}/{turns}: {cells}")

        return in_turns(contenders, turns, batches, warmup, BATCH, rotate=True, log=report)


def print_duel(title: str, results: dict, batches: int, start_load) -> None:
    """The turns of ``pool_duel`` as a Markdown table, then the medians and the spread of the ratio."""
    load = ", ".join(f"{x:.1f}" for x in start_load)
    end = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# {title}: in turns, uint8, {BATCH} x {SIZE}x{SIZE}x3 per batch\n")
    print(
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} "
        f"cores, load average {load} at the start and {end} at the end; {len(results[OURS])} turns "
        f"of {batches} batches per system, each after its warm-up.\n"
    )
    print("| turn | ours, tf.data | albumentations, tf.data | albumentations, pool | ours / pool |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    ratios = []
    turns = len(results[OURS])
    for turn in range(turns):
        ratios.append(results[OURS][turn][0] / results[POOL][turn][0])
        cells = " | ".join(f"{results[name][turn][0]:,.0f}" for name in DUEL)
        print(f"| {turn + 1} | {cells} | {ratios[-1]:.2f}x |")
    medians = [statistics.median(wall for wall, _ in results[name]) for name in DUEL]
    cells = " | ".join(f"{m:,.0f}" for m in medians)
    print(f"| median | {cells} | {statistics.median(ratios):.2f}x |")
    cpu = [[c for _, c in results[name] if c is not None] for name in DUEL]
    if all(cpu):
        cells = " | ".join(f"{statistics.median(c):,.0f}" for c in cpu)
        print(f"| images per CPU second (median) | {cells} | |")
    ahead = sum(r >= 1.0 for r in ratios)
    print(
        f"\nOurs / pool per turn: {min(ratios):.2f}x-{max(ratios):.2f}x, ahead in {ahead} of "
        f"{len(ratios)} turns; ours / albumentations in tf.data (medians): "
        f"{medians[0] / medians[1]:.2f}x."
    )
