"""Speed of RandAugment, AugMix and RandomColorJitter: ours beside ``keras.layers`` (and albumentations).

Workload: batches of 32 images of 224x224x3, float32 in [0, 255].
``RandAugment(value_range=(0, 255), num_ops=2, factor=0.5)``,
``AugMix(value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3)``
(the Keras defaults) and ``RandomColorJitter(value_range=(0, 255),
brightness_factor=0.2, contrast_factor=0.2, saturation_factor=(0.3, 0.7),
hue_factor=0.2)`` with the same arguments for ours and Keras'. Each
TensorFlow system runs two ways: mapped over ``tf.data`` (``map`` with
``num_parallel_calls=AUTOTUNE``, then ``prefetch``) and called directly
(``layer(images)``, eagerly).

The work differs in kind: Keras picks RandAugment's operations once per
batch and AugMix's once per traced graph, while ours picks them per sample
at run time. Keras' RandAugment evaluates all eleven operations on the whole
batch for each of its two slots and keeps the chosen one; ours evaluates
each sample's own choices only.

Fresh draws for Keras' AugMix: it picks its chains' operations with Python
``random`` while the graph is traced, so one ``tf.data`` pipeline repeats a
single draw of operations forever and its speed depends on that draw (a
chain of three equalizations costs far more than an empty one). So every
``tf.data`` repetition here builds a new pipeline (Keras' layer is traced
again and draws again), for every system alike, and the row reports the
median over ``--draws`` such repetitions for AugMix (``--repeats`` for the
other layers, whose speed does not depend on a trace-time draw). Python's ``random`` is seeded
with ``--python-seed`` first, so the sequence of Keras' draws is the same
from run to run. Called directly (eagerly), Keras draws afresh on every
call anyway.

albumentations has neither policy; its row for RandAugment is the closest
composition it offers, ``SomeOf`` two of its equivalents of the eleven
operations, and its ColorJitter (multiplicative brightness and contrast: a
similar workload, not the same one); uint8, OpenCV, one process, image by
image. No such row exists for AugMix. A NumPy copy of the batch is the floor.

Every number is warm (the first calls of each pipeline or layer are
excluded; they include tracing and XLA compilation). Direct rows: median of
``--repeats`` repetitions of ``--batches`` batches; ``tf.data`` rows: median
of ``--draws`` (AugMix) or ``--repeats`` (the others) fresh pipelines of
``--batches`` batches each. The ratio columns divide ours by the row's
system on the same way of running (for albumentations and the copy: ours
called directly), once in images per second and once in images per CPU
second of this process (all threads; for ``tf.data`` this counts the work
of the pipeline's threads during the timed batches). On shared cores the
CPU ratio moves less from run to run than the wall-clock one.

Run from the repository root::

    python benchmarks/bench_policies.py            # about ten minutes on 2 cores
    python benchmarks/bench_policies.py --quick    # smoke run, not a measurement
    python benchmarks/bench_policies.py --only AugMix
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import direct_step, tf_data_step  # noqa: E402

from keras_augment.image.color import RandomColorJitter  # noqa: E402
from keras_augment.image.policies import AugMix, RandAugment  # noqa: E402

BATCH = 32
SIZE = 224
JITTER = dict(
    brightness_factor=0.2, contrast_factor=0.2, saturation_factor=(0.3, 0.7), hue_factor=0.2
)
LAYERS = {
    "RandAugment": (RandAugment, keras.layers.RandAugment, dict(num_ops=2, factor=0.5)),
    "AugMix": (AugMix, keras.layers.AugMix, dict(num_chains=3, chain_depth=3, factor=0.3)),
    "RandomColorJitter": (RandomColorJitter, keras.layers.RandomColorJitter, JITTER),
}


def albumentations_step(name, images_uint8):
    """albumentations' closest counterpart of ``name``, image by image, or None."""
    try:
        import albumentations as A
    except ImportError:
        return None, None
    if name == "RandAugment":
        f = 0.5
        ops = [
            A.Affine(shear={"x": (0, 180 / np.pi * np.arctan(f)), "y": (0, 0)}, p=1.0),
            A.Affine(translate_percent={"x": (0, f), "y": (0, f)}, p=1.0),
            A.Affine(rotate=(0, 360 * f), p=1.0),
            A.RandomBrightnessContrast(brightness_limit=(0, f), contrast_limit=0, p=1.0),
            A.ToGray(p=1.0),
            A.RandomBrightnessContrast(brightness_limit=0, contrast_limit=(0, f), p=1.0),
            A.Sharpen(p=1.0),
            A.Posterize(num_bits=(1, 3), p=1.0),
            A.Solarize(p=1.0),
            A.AutoContrast(p=1.0),
            A.Equalize(p=1.0),
        ]
        transform = A.SomeOf(ops, n=2, replace=True, p=1.0)
        label = "albumentations SomeOf(n=2) of 11 ops, uint8 (1 process)"
    elif name == "RandomColorJitter":
        transform = A.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.4, hue=0.1, p=1.0)
        label = "albumentations ColorJitter, uint8 (1 process)"
    else:
        return None, None

    def step():
        np.stack([transform(image=image)["image"] for image in images_uint8])

    return step, label


def measure(step, batches: int, repeats: int, warmup: int = 2) -> list[tuple[float, float]]:
    """``common.measure``'s loop, also counting this process's CPU seconds (all threads).

    Returns one ``(images per second, images per CPU second)`` pair per
    repetition. CPU time is the work a batch costs; the share of the cores
    that other jobs leave us changes it less than it changes wall time.
    """
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(batches):
            step()
        images = batches * BATCH
        wall = time.perf_counter() - start
        cpu = max(time.process_time() - start_cpu, 1e-9)
        rates.append((images / wall, images / cpu))
    return rates


def fresh_tf_data_rates(layer, images, batches: int, draws: int) -> list[tuple[float, float]]:
    """Rates of ``draws`` new ``tf.data`` pipelines (each traces ``layer`` again), warm."""
    rates = []
    for _ in range(draws):
        rates += measure(tf_data_step(layer, images), batches, 1)
    return rates


def medians(rates: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r for r, _ in rates), statistics.median(c for _, c in rates)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=3, help="batches per repetition")
    parser.add_argument("--repeats", type=int, default=5, help="repetitions of direct rows")
    parser.add_argument(
        "--draws", type=int, default=9, help="fresh tf.data pipelines per AugMix tf.data row"
    )
    parser.add_argument("--python-seed", type=int, default=0, help="seed of Python's random")
    parser.add_argument("--only", action="append", choices=sorted(LAYERS), help="layers to run")
    parser.add_argument("--quick", action="store_true", help="1 batch, 1 repeat: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.batches, args.repeats, args.draws = 1, 1, 1
    random.seed(args.python_seed)

    rng = np.random.default_rng(0)
    uint8_images = rng.integers(0, 256, (BATCH, SIZE, SIZE, 3), dtype=np.uint8)
    images = tf.constant(uint8_images.astype("float32"))

    rows = []  # (layer, system, way, rates, ours' medians)
    for name, (ours_class, keras_class, kwargs) in LAYERS.items():
        if args.only and name not in args.only:
            continue
        print(f"{name} ...", file=sys.stderr, flush=True)
        ours_layer = ours_class(value_range=(0, 255), seed=1, **kwargs)
        keras_layer = keras_class(value_range=(0, 255), seed=1, **kwargs)
        way = "tf.data map+prefetch, fresh pipelines"
        # Only AugMix's speed depends on a trace-time draw; the others need no more
        # pipelines than repetitions (and Keras' RandAugment is slow to run many times).
        draws = args.draws if name == "AugMix" else args.repeats
        ours = fresh_tf_data_rates(ours_layer, images, args.batches, draws)
        theirs = fresh_tf_data_rates(keras_layer, images, args.batches, draws)
        rows.append((name, f"keras_augment {name}", way, ours, medians(ours)))
        rows.append((name, f"keras.layers.{name}", way, theirs, medians(ours)))
        way = "direct call"
        ours = measure(direct_step(ours_layer, images), args.batches, args.repeats)
        theirs = measure(direct_step(keras_layer, images), args.batches, args.repeats)
        ours_direct = medians(ours)
        rows.append((name, f"keras_augment {name}", way, ours, ours_direct))
        rows.append((name, f"keras.layers.{name}", way, theirs, ours_direct))
        step, label = albumentations_step(name, uint8_images)
        if step is not None:
            rows.append((name, label, way, measure(step, args.batches, args.repeats), ours_direct))
    rates = measure(lambda: np.copy(uint8_images), args.batches, args.repeats)
    rows.append(("-", "np.copy of the uint8 batch (floor)", "direct call", rates, ours_direct))

    print(f"# Policies and colour jitter, {BATCH} x {SIZE}x{SIZE}x3 float32 per batch\n")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores "
        f"(load average at the end {load}), TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}; warm; direct rows: median of {args.repeats} x "
        f"{args.batches} batches; tf.data rows: median over fresh pipelines of "
        f"{args.batches} batches each ({args.draws} for AugMix, {args.repeats} for the "
        f"others): each pipeline traces the layer again, so Keras' AugMix draws its "
        f"operations again (Python random seeded with {args.python_seed}). "
        f"CPU columns: images per CPU second of this process (all threads).\n"
    )
    print(
        "| layer | system | run | images/s (median) | min-max | ours / this "
        "| images/CPU-s | ours / this (CPU) |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name, system, way, rates, (ours, ours_cpu) in rows:
        rate, cpu = medians(rates)
        walls = [r for r, _ in rates]
        spread = f"{min(walls):,.1f}-{max(walls):,.1f}"
        print(
            f"| {name} | {system} | {way} | {rate:,.1f} | {spread} | {ours / rate:.2f}x "
            f"| {cpu:,.1f} | {ours_cpu / cpu:.2f}x |"
        )


if __name__ == "__main__":
    main()
