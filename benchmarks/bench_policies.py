"""Speed of RandAugment and AugMix: ours beside ``keras.layers`` and albumentations.

Workload: batches of 32 images of 224x224x3, uint8 and float32 (the same
values). ``RandAugment(value_range=(0, 255), num_ops=2, factor=0.5)`` and
``AugMix(value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3)``
(the Keras defaults), with the same arguments for ours and Keras'. On uint8
input ours returns uint8 (``output_dtype="uint8"``), as albumentations does.
The rows and what each times: ``workload_rows.py``.

The work differs in kind: Keras picks RandAugment's operations once per
batch (and evaluates all eleven on the whole batch for each slot), and
AugMix's once per traced graph (so its persistent pipeline repeats one draw
of chains, with Python's ``random`` seeded by ``--python-seed``); ours picks
them per sample at run time. albumentations has neither policy; its row for
RandAugment is the closest composition it offers, ``SomeOf`` two of its
equivalents of the eleven operations. No albumentations row for AugMix.

Floors of ours, timed alone on the batch inside a ``tf.function``:

- ``one XLA pass``: read the batch, add one, write it in the output dtype;
- ``resample of the batch``: the resampler alone, every sample rotated
  (RandAugment resamples only the samples that chose geometry, two at a
  time: with 3 geometric operations of 11 and 2 slots, about half of them);
- ``histogram + table read`` (uint8): the fixed cost of the lookup-table
  path, a histogram of every sample (counted two at a time, as RandAugment
  counts the samples that equalize) and one read through per-sample tables.

Run from the repository root::

    python benchmarks/bench_policies.py            # several minutes on 2 cores
    python benchmarks/bench_policies.py --quick    # smoke run, not a measurement
    python benchmarks/bench_policies.py --only RandAugment
    python benchmarks/bench_policies.py --duel --turns 15 --batches 16   # only the duel

The pool's rate moves from run to run on a quiet machine (2,754-5,163
images/s in three runs), so the pool row of the table, timed minutes
apart from ours, is no comparison. After RandAugment's table the script
therefore times ours and albumentations in ``tf.data`` and albumentations
on the pool in turns (``workload_rows.pool_duel``; ``--turns N``, 9 by
default, 0 for none; uint8, ``--batches`` per turn and system), and
prints every turn's ratio: that duel is the comparison with the pool.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import has_albumentations  # noqa: E402
from workload_rows import pool_duel, print_duel, print_table, workload_rows  # noqa: E402

LAYERS = {
    "RandAugment": dict(num_ops=2, factor=0.5),
    "AugMix": dict(num_chains=3, chain_depth=3, factor=0.3),
}


def albumentations_rand_augment():
    """``SomeOf`` two of albumentations' equivalents of RandAugment's eleven operations."""
    import albumentations as A
    import numpy as np

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
    return A.SomeOf(ops, n=2, replace=True, p=1.0)


def builders(name: str):
    import keras

    from keras_augment.image import policies

    kwargs = LAYERS[name]

    def ours(output_dtype=None):
        cls = getattr(policies, name)
        return cls(value_range=(0, 255), seed=1, output_dtype=output_dtype, **kwargs)

    def keras_layer():
        return getattr(keras.layers, name)(value_range=(0, 255), seed=1, **kwargs)

    return ours, keras_layer


def floors(array):
    import tensorflow as tf

    from keras_augment.core.resample import resample
    from keras_augment.image.ops import tables
    from keras_augment.image.policies import _FULL_COUNT, _count, _read_tables

    images = tf.constant(array)
    uint8 = array.dtype == "uint8"
    n, size = array.shape[0], tf.constant(array.shape[1:3])
    turn = math.radians(30.0)
    matrix = tf.constant(
        [
            [
                [math.cos(turn), -math.sin(turn), 60.0],
                [math.sin(turn), math.cos(turn), -50.0],
                [0, 0, 1],
            ]
        ]
        * n,
        tf.float32,
    )
    channels = array.shape[-1]
    values = tables.identity_tables(n, channels) + 3.0

    @tf.function(jit_compile=True)
    def one_pass(x):
        y = tf.cast(x, tf.float32) + 1.0
        return tables.quantize(y) if uint8 else y

    @tf.function(jit_compile=True)
    def resampled(x):
        y = resample.python_function(x, matrix, size, None, "bilinear", "reflect", 0.0)
        return tables.quantize(y) if uint8 else y

    @tf.function(jit_compile=True)
    def histogram_and_table(x):
        # Every sample counted as RandAugment counts one that equalizes (two at a time).
        counts = _count(x, tf.fill([n], _FULL_COUNT), tf.zeros_like(values))
        # The counts enter the tables, so that the histogram is not optimised away. Every
        # table differs from the identity, so every sample is read (as RandAugment reads them).
        return _read_tables(x, values + counts[..., :1] * 0.0)

    steps = {
        "one XLA pass": lambda: one_pass(images).numpy(),
        "resample of the batch": lambda: resampled(images).numpy(),
    }
    if uint8:
        steps["histogram + table read"] = lambda: histogram_and_table(images).numpy()
    return steps


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=4, help="batches per repetition")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--python-seed", type=int, default=0, help="seed of Python's random")
    parser.add_argument("--only", action="append", choices=sorted(LAYERS), help="layers to run")
    parser.add_argument("--quick", action="store_true", help="1 batch, 1 repeat: a smoke run")
    parser.add_argument(
        "--turns", type=int, default=9, help="turns of RandAugment's duel with the pool (0: none)"
    )
    parser.add_argument("--duel", action="store_true", help="only RandAugment's duel with the pool")
    args = parser.parse_args(argv)
    if args.quick:
        args.batches, args.repeats, args.turns = 1, 1, min(args.turns, 1)
    random.seed(args.python_seed)
    if args.duel:
        if args.turns < 1:
            parser.error("--duel needs --turns of 1 or more")
        duel(args)
        return
    for name in LAYERS:
        if args.only and name not in args.only:
            continue
        start_load = os.getloadavg()
        ours, keras_layer = builders(name)
        transform = albumentations_rand_augment if name == "RandAugment" else None
        rows = workload_rows(
            ours,
            keras_layer,
            transform,
            floors,
            args.batches,
            args.repeats,
            args.processes,
            log=lambda message, name=name: print(f"{name}: {message}", file=sys.stderr),
        )
        print_table(name, rows, args.batches, args.repeats, start_load)
        print()
        if name == "RandAugment" and args.turns and transform is not None:
            duel(args)
            print()


def duel(args) -> None:
    """RandAugment on uint8 against albumentations in ``tf.data`` and on the pool, in turns."""
    if not has_albumentations():
        print("RandAugment: no albumentations, no duel with the pool", file=sys.stderr)
        return
    start_load = os.getloadavg()
    ours, _ = builders("RandAugment")
    results = pool_duel(
        ours,
        albumentations_rand_augment,
        args.turns,
        args.batches,
        args.processes,
        log=lambda message: print(f"RandAugment: {message}", file=sys.stderr),
    )
    print_duel("RandAugment", results, args.batches, start_load)


if __name__ == "__main__":
    main()
