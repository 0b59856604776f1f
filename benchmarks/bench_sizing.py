"""Speed of the sizing, box-safe crop and mosaic layers beside albumentations, on uint8.

Workload: batches of 32 photographs' worth of 240x320x3 uint8 images (random
values) with four boxes each, and for each layer its albumentations
counterpart with the same arguments: ``LongestMaxSize(224)``,
``SmallestMaxSize(224)``, ``PadIfNeeded(256, 352)``, ``Letterbox(224)``
(albumentations: ``LongestMaxSize`` then ``PadIfNeeded``),
``RandomSizedBBoxSafeCrop(224, 224)`` and ``AtLeastOneBBoxRandomCrop(224, 224)``
with the boxes, and ``Mosaic`` (albumentations' ``Mosaic`` with cells of the
input size and three other images of the batch as its metadata; it places
and fits cells its own way, so that row compares a similar workload). Ours
are called directly on the uint8 batch with ``output_dtype="uint8"`` (uint8
in, uint8 out); albumentations runs image by image in one process with
OpenCV single-threaded. A NumPy copy of the batch is the floor.

Every number is warm (the first calls are excluded) and the median of
``--repeats`` repetitions of ``--batches`` batches; the ratio column is ours
divided by albumentations on the same layer.

Run from the repository root::

    python benchmarks/bench_sizing.py            # about two minutes on 2 idle cores
    python benchmarks/bench_sizing.py --quick    # smoke run, not a measurement
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
from common import has_albumentations, measure, single_threaded_opencv  # noqa: E402

import keras_augment as ka  # noqa: E402

BATCH = 32
HEIGHT, WIDTH = 240, 320
BOXES = 4


def batch_data() -> dict:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (BATCH, HEIGHT, WIDTH, 3), dtype=np.uint8)
    corner = rng.uniform(0, [WIDTH - 60, HEIGHT - 60], (BATCH, BOXES, 2))
    size = rng.uniform(10, 60, (BATCH, BOXES, 2))
    boxes = np.concatenate([corner, corner + size], -1).astype("float32")
    labels = rng.integers(0, 5, (BATCH, BOXES))
    return {"images": images, "boxes": boxes, "labels": labels}


def cases():
    """``(name, our layer, albumentations transform factory, with boxes)``."""
    import albumentations as A

    def boxed(transform):
        return A.Compose([transform], bbox_params=A.BboxParams("pascal_voc", ["labels"]))

    u8 = {"output_dtype": "uint8"}
    return [
        ("LongestMaxSize(224)", ka.LongestMaxSize(224, **u8), lambda: A.LongestMaxSize(224), False),
        (
            "SmallestMaxSize(224)",
            ka.SmallestMaxSize(224, **u8),
            lambda: A.SmallestMaxSize(224),
            False,
        ),
        (
            "PadIfNeeded(256, 352)",
            ka.PadIfNeeded(256, 352, **u8),
            lambda: A.PadIfNeeded(256, 352),
            False,
        ),
        (
            "Letterbox(224)",
            ka.Letterbox(224, **u8),
            lambda: A.Compose([A.LongestMaxSize(224), A.PadIfNeeded(224, 224)]),
            False,
        ),
        (
            "RandomSizedBBoxSafeCrop(224, 224)",
            ka.RandomSizedBBoxSafeCrop(224, 224, bounding_box_format="xyxy", seed=1, **u8),
            lambda: boxed(A.RandomSizedBBoxSafeCrop(224, 224)),
            True,
        ),
        (
            "AtLeastOneBBoxRandomCrop(224, 224)",
            ka.AtLeastOneBBoxRandomCrop(224, 224, bounding_box_format="xyxy", seed=1, **u8),
            lambda: boxed(A.AtLeastOneBBoxRandomCrop(224, 224)),
            True,
        ),
        (
            "Mosaic",
            ka.Mosaic(seed=1, **u8),
            lambda: A.Mosaic(target_size=(HEIGHT, WIDTH), cell_shape=(HEIGHT, WIDTH), p=1.0),
            False,
        ),
    ]


def ours_step(layer, data: dict, with_boxes: bool):
    images = tf.constant(data["images"])
    boxes = {"boxes": tf.constant(data["boxes"]), "labels": tf.constant(data["labels"])}
    inputs = {"images": images, "bounding_boxes": boxes} if with_boxes else images

    def step():
        out = layer(inputs, training=True)
        np.asarray(out["images"] if with_boxes else out)

    return step


def albumentations_step(name: str, transform, data: dict, with_boxes: bool):
    images = data["images"]

    def one(i):
        if with_boxes:
            return transform(image=images[i], bboxes=data["boxes"][i], labels=data["labels"][i])
        if name == "Mosaic":
            others = [{"image": images[(i + k) % BATCH]} for k in (1, 2, 3)]
            return transform(image=images[i], mosaic_metadata=others)
        return transform(image=images[i])

    def step():
        [one(i)["image"] for i in range(BATCH)]

    return step


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1 batch, 1 repeat: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.batches, args.repeats = 1, 1
    if not has_albumentations():
        print("albumentations is not installed: pip install 'keras-augment[bench]'")
        return
    data = batch_data()
    rows = []
    with single_threaded_opencv():
        for name, layer, make, with_boxes in cases():
            ours = statistics.median(
                measure(ours_step(layer, data, with_boxes), args.batches, args.repeats)
            )
            step = albumentations_step(name, make(), data, with_boxes)
            theirs = statistics.median(measure(step, args.batches, args.repeats))
            rows.append((name, ours, theirs))
    floor = statistics.median(measure(lambda: np.copy(data["images"]), args.batches, args.repeats))

    print(f"# Sizing, box-safe crops and mosaic, {BATCH} x {HEIGHT}x{WIDTH}x3 uint8 per batch\n")
    print(
        f"{datetime.date.today()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, TensorFlow "
        f"{tf.__version__}, Keras {keras.__version__}; median of {args.repeats} x "
        f"{args.batches} batches; ours called directly, albumentations image by image in "
        f"one process.\n"
    )
    print("| layer | keras_augment images/s | albumentations images/s | ours / albumentations |")
    print("| --- | ---: | ---: | ---: |")
    for name, ours, theirs in rows:
        print(f"| {name} | {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.2f}x |")
    print(f"\nnp.copy of the batch (the floor): {floor:,.0f} images/s.")


if __name__ == "__main__":
    main()
