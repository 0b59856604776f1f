"""Speed of ``keras_augment.ImageDataGenerator`` beside the legacy class, in one process run.

Both generators get the same arguments (rotation 20, width and height shift
0.1, zoom 0.2, horizontal flip) and the same data:

- ``flow`` on an in-memory array of 224x224x3 images (float32, then the same
  images as uint8), batch 32;
- ``flow_from_directory`` on a folder of 224x224 JPEG files (two classes,
  written from crops of the shipped photographs), ``target_size=(224, 224)``,
  batch 32.

Ours runs two ways: as the iterator itself (``iterator[i]``, what
``model.fit(iterator)`` calls) and through ``iterator.as_dataset()``
(``tf.data`` with a parallel ``map`` and ``prefetch``). Every number is warm
(one batch excluded) and the median of ``--repeats`` repetitions of
``--batches`` batches. Prints a Markdown table; ratios are to the legacy class.

Run from the repository root::

    python benchmarks/bench_legacy.py           # about a minute on 2 cores
    python benchmarks/bench_legacy.py --quick   # smoke run, not a measurement
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402

from keras_augment.datasets import load_sample_image  # noqa: E402
from keras_augment.legacy import ImageDataGenerator  # noqa: E402

SIZE = 224
BATCH = 32
ARGS = dict(rotation_range=20, width_shift_range=0.1, height_shift_range=0.1, zoom_range=0.2,
            horizontal_flip=True)  # fmt: skip


def make_images(count: int) -> np.ndarray:
    """``count`` different 224x224 RGB crops of the shipped photographs, uint8."""
    photos = [load_sample_image("flower.jpg"), load_sample_image("china.jpg")]
    rng = np.random.default_rng(0)
    out = []
    for i in range(count):
        photo = photos[i % 2]
        top = rng.integers(0, photo.shape[0] - SIZE + 1)
        left = rng.integers(0, photo.shape[1] - SIZE + 1)
        out.append(photo[top : top + SIZE, left : left + SIZE])
    return np.stack(out)


def write_jpegs(folder: str, images: np.ndarray) -> None:
    for i, image in enumerate(images):
        label = f"class_{i % 2}"
        os.makedirs(os.path.join(folder, label), exist_ok=True)
        Image.fromarray(image).save(os.path.join(folder, label, f"{i:04d}.jpg"), quality=90)


def rate(next_batch, batches: int, repeats: int) -> float:
    """Median images per second over ``repeats`` runs of ``batches`` batches (one warm-up)."""
    next_batch()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        images = 0
        for _ in range(batches):
            batch = next_batch()
            images += len(batch[0] if isinstance(batch, tuple) else batch)
        rates.append(images / (time.perf_counter() - start))
    return statistics.median(rates)


def stepper(iterable):
    iterator = iter(iterable)

    def step():
        return next(iterator)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--files", type=int, default=256)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args()
    if args.quick:
        args.batches, args.repeats, args.files = 1, 1, 64

    legacy = tf.keras.preprocessing.image.ImageDataGenerator(**ARGS)
    ours = ImageDataGenerator(**ARGS)
    images = make_images(args.files)
    x = images.astype("float32")
    rows = []

    def add(workload, system, value, reference):
        rows.append((workload, system, value, value / reference))

    for data in (x, images):
        flow = f"flow, {data.dtype} arrays"
        base = rate(
            stepper(legacy.flow(data, batch_size=BATCH, seed=1)), args.batches, args.repeats
        )
        add(flow, "legacy ImageDataGenerator", base, base)
        it = ours.flow(data, batch_size=BATCH, seed=1)
        add(flow, "ours, iterator", rate(stepper(it), args.batches, args.repeats), base)
        ds = it.as_dataset().repeat()
        add(flow, "ours, as_dataset()", rate(stepper(ds), args.batches, args.repeats), base)

    with tempfile.TemporaryDirectory() as folder:
        write_jpegs(folder, images)
        files = "flow_from_directory, JPEG"
        kwargs = dict(target_size=(SIZE, SIZE), batch_size=BATCH, seed=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = rate(
                stepper(legacy.flow_from_directory(folder, **kwargs)), args.batches, args.repeats
            )
        add(files, "legacy ImageDataGenerator", base, base)
        it = ours.flow_from_directory(folder, **kwargs)
        add(files, "ours, iterator", rate(stepper(it), args.batches, args.repeats), base)
        ds = it.as_dataset().repeat()
        add(files, "ours, as_dataset()", rate(stepper(ds), args.batches, args.repeats), base)

    print()
    print(
        f"{datetime.date.today()} | {platform.processor() or platform.machine()} | "
        f"{os.cpu_count()} cores | TF {tf.__version__} | {SIZE}x{SIZE}x3, batch {BATCH}, "
        f"median of {args.repeats} x {args.batches} batches"
    )
    print()
    print("| workload | system | images/s | ratio to legacy |")
    print("| --- | --- | ---: | ---: |")
    for workload, system, value, ratio in rows:
        print(f"| {workload} | {system} | {value:,.0f} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
