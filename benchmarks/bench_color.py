"""Speed of colour jitter: ours beside ``keras.layers.RandomColorJitter`` and albumentations.

Workload: batches of 32 images of 224x224x3 (float32 in [0, 255], and uint8),
``RandomColorJitter(value_range=(0, 255), brightness_factor=0.2,
contrast_factor=0.2, saturation_factor=(0.3, 0.7), hue_factor=0.2)`` with the
same arguments for both layers. Each TensorFlow system runs two ways: mapped
over ``tf.data`` (``map`` with ``num_parallel_calls=AUTOTUNE``, then
``prefetch``) and called directly (eagerly, ``layer(images)``).
albumentations' ``ColorJitter`` (uint8, OpenCV, one process, image by image)
and a NumPy copy of the batch (the floor) run beside them. The parameters of
albumentations' ColorJitter are not the same as Keras' (its brightness and
contrast are multiplicative), so its row compares a similar, not an
identical, workload.

Every number is warm (the first calls are excluded) and is the median of
``--repeats`` repetitions of ``--batches`` batches. The ratio column is
ours divided by the row's system on the same way of running (for albumentations
and the copy: ours called directly on the same dtype).

Run from the repository root::

    python benchmarks/bench_color.py            # a few minutes on 2 cores
    python benchmarks/bench_color.py --quick    # smoke run, not a measurement
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

from keras_augment.image.color import RandomColorJitter  # noqa: E402

BATCH = 32
SIZE = 224
JITTER = dict(
    value_range=(0, 255),
    brightness_factor=0.2,
    contrast_factor=0.2,
    saturation_factor=(0.3, 0.7),
    hue_factor=0.2,
)


def albumentations_step(images_uint8):
    try:
        import albumentations as A
    except ImportError:
        return None
    transform = A.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.4, hue=0.1, p=1.0)

    def step():
        np.stack([transform(image=image)["image"] for image in images_uint8])

    return step


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1 batch, 1 repeat: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.batches, args.repeats = 1, 1

    rng = np.random.default_rng(0)
    uint8_images = rng.integers(0, 256, (BATCH, SIZE, SIZE, 3), dtype=np.uint8)
    inputs = {"float32": uint8_images.astype("float32"), "uint8": uint8_images}

    rows = []  # (system, dtype, way, median, ours_median)
    for dtype, images in inputs.items():
        tensor = tf.constant(images)
        ours_layer = RandomColorJitter(**JITTER, seed=1)
        keras_layer = keras.layers.RandomColorJitter(**JITTER, seed=1)
        for way, make in (("tf.data map+prefetch", tf_data_step), ("direct call", direct_step)):
            ours = statistics.median(measure(make(ours_layer, tensor), args.batches, args.repeats))
            theirs = statistics.median(
                measure(make(keras_layer, tensor), args.batches, args.repeats)
            )
            rows.append(("keras_augment RandomColorJitter", dtype, way, ours, ours))
            rows.append(("keras.layers.RandomColorJitter", dtype, way, theirs, ours))
        if dtype == "uint8":
            ours_direct = next(r[3] for r in rows if r[1] == "uint8" and r[2] == "direct call")
            step = albumentations_step(images)
            if step is not None:
                rate = statistics.median(measure(step, args.batches, args.repeats))
                rows.append(
                    (
                        "albumentations ColorJitter (1 process)",
                        dtype,
                        "direct call",
                        rate,
                        ours_direct,
                    )
                )
            rate = statistics.median(
                measure(lambda images=images: np.copy(images), args.batches, args.repeats)
            )
            rows.append(("np.copy (floor)", dtype, "direct call", rate, ours_direct))

    print(f"# Colour jitter, {BATCH} x {SIZE}x{SIZE}x3 per batch\n")
    print(
        f"{datetime.date.today()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, TensorFlow {tf.__version__}, Keras {keras.__version__}; "
        f"median of {args.repeats} x {args.batches} batches.\n"
    )
    print("| system | dtype | workload | images/s | ours / this |")
    print("| --- | --- | --- | ---: | ---: |")
    for system, dtype, way, rate, ours in rows:
        print(f"| {system} | {dtype} | {way} | {rate:,.0f} | {ours / rate:.2f}x |")


if __name__ == "__main__":
    main()
