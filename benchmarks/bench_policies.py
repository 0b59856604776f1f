"""Speed of RandAugment and AugMix: ours beside ``keras.layers`` (and albumentations where it can).

Workload: batches of 32 images of 224x224x3, float32 in [0, 255].
``RandAugment(value_range=(0, 255), num_ops=2, factor=0.5)`` and
``AugMix(value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3)``
(the Keras defaults) with the same arguments for ours and Keras'. Each
TensorFlow system runs two ways: mapped over ``tf.data`` (``map`` with
``num_parallel_calls=AUTOTUNE``, then ``prefetch``) and called directly
(``layer(images)``, eagerly).

The work differs in kind: Keras picks RandAugment's operations once per
batch and AugMix's once per traced graph, while ours picks them per sample
at run time. Keras' RandAugment evaluates all eleven operations on the whole
batch for each of its two slots and keeps the chosen one; ours evaluates
each sample's own choices only.

albumentations has neither policy; its row for RandAugment is the closest
composition it offers, ``SomeOf`` two of its equivalents of the eleven
operations (uint8, OpenCV, one process, image by image). No such row exists
for AugMix. A NumPy copy of the batch is the floor.

Every number is warm (the first calls are excluded; they include XLA
compilation) and is the median of ``--repeats`` repetitions of ``--batches``
batches. The ratio column is ours divided by the row's system on the same
way of running (for albumentations and the copy: ours called directly).

Run from the repository root::

    python benchmarks/bench_policies.py            # several minutes on 2 cores
    python benchmarks/bench_policies.py --quick    # smoke run, not a measurement
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import direct_step, measure, tf_data_step  # noqa: E402

from keras_augment.image.policies import AugMix, RandAugment  # noqa: E402

BATCH = 32
SIZE = 224
POLICIES = {
    "RandAugment": (RandAugment, keras.layers.RandAugment, dict(num_ops=2, factor=0.5)),
    "AugMix": (AugMix, keras.layers.AugMix, dict(num_chains=3, chain_depth=3, factor=0.3)),
}


def albumentations_rand_augment_step(images_uint8):
    """Two of albumentations' counterparts of RandAugment's eleven operations, per image."""
    try:
        import albumentations as A
    except ImportError:
        return None
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

    def step():
        np.stack([transform(image=image)["image"] for image in images_uint8])

    return step


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1 batch, 1 repeat: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.batches, args.repeats = 1, 1

    rng = np.random.default_rng(0)
    uint8_images = rng.integers(0, 256, (BATCH, SIZE, SIZE, 3), dtype=np.uint8)
    images = tf.constant(uint8_images.astype("float32"))

    rows = []  # (policy, system, way, median, ours_median)
    for policy, (ours_class, keras_class, kwargs) in POLICIES.items():
        ours_layer = ours_class(value_range=(0, 255), seed=1, **kwargs)
        keras_layer = keras_class(value_range=(0, 255), seed=1, **kwargs)
        ours_direct = None
        for way, make in (("tf.data map+prefetch", tf_data_step), ("direct call", direct_step)):
            ours = statistics.median(measure(make(ours_layer, images), args.batches, args.repeats))
            theirs = statistics.median(
                measure(make(keras_layer, images), args.batches, args.repeats)
            )
            rows.append((policy, f"keras_augment {policy}", way, ours, ours))
            rows.append((policy, f"keras.layers.{policy}", way, theirs, ours))
            ours_direct = ours
        if policy == "RandAugment":
            step = albumentations_rand_augment_step(uint8_images)
            if step is not None:
                rate = statistics.median(measure(step, args.batches, args.repeats))
                rows.append(
                    (
                        policy,
                        "albumentations SomeOf(n=2) of 11 ops, uint8 (1 process)",
                        "direct call",
                        rate,
                        ours_direct,
                    )
                )
        rate = statistics.median(measure(lambda: np.copy(uint8_images), args.batches, args.repeats))
        rows.append(
            (policy, "np.copy of the uint8 batch (floor)", "direct call", rate, ours_direct)
        )

    print(f"# Policies, {BATCH} x {SIZE}x{SIZE}x3 float32 per batch\n")
    print(
        f"{datetime.date.today()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, TensorFlow {tf.__version__}, Keras {keras.__version__}; "
        f"median of {args.repeats} x {args.batches} batches, warm.\n"
    )
    print("| policy | system | run | images/s | ours / this |")
    print("| --- | --- | --- | ---: | ---: |")
    for policy, system, way, rate, ours in rows:
        print(f"| {policy} | {system} | {way} | {rate:,.1f} | {ours / rate:.2f}x |")


if __name__ == "__main__":
    main()
