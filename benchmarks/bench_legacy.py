"""Speed of ``keras_augment.ImageDataGenerator`` beside the legacy class, in one process run.

Both generators get the same arguments (rotation 20, width and height shift
0.1, zoom 0.2, horizontal flip) and the same data:

- ``flow`` on an in-memory array of 224x224x3 images (float32, then the same
  images as uint8), batch 32;
- ``flow_from_directory`` on a folder of 224x224 JPEG files (two classes,
  written from crops of the shipped photographs), ``target_size=(224, 224)``,
  batch 32.

Ours runs two ways: as the iterator itself (``next(iterator)``, batch after
batch as ``model.fit(iterator)`` asks for them) and through
``iterator.as_dataset()`` (``tf.data`` with a parallel ``map`` and
``prefetch``). The legacy class and our iterator are timed in alternating
turns (one warm-up turn each, then the median over ``--repeats`` turns), so
that a change of load from other processes on the machine falls on both
alike: a legacy turn is ``--batches`` batches, one of ours is a whole epoch
(our ``flow`` iterator augments the next batches of the epoch on worker
threads while the current one is used; a turn that ends with the epoch
leaves none of that work running while the legacy class is timed).
``as_dataset()`` is timed in a block of its own afterwards (median of
``--repeats`` repetitions of ``--batches`` batches, one warm-up batch): its
prefetching would otherwise work ahead while the others are timed. For the
pairs timed in turns the table also gives images per CPU second of the
process (all its threads): the work a batch costs, which the share of the
cores other processes leave us changes less than the wall-clock rate; our
iterator uses more than one core, so its wall-clock ratio is higher than
its CPU ratio. Prints a Markdown table with the load average; ratios are to
the legacy class.

The module-level functions of ``tf.keras.preprocessing.image`` are timed
the same way on one 224x224x3 float32 image (channels last), in turns with
the legacy functions: ``apply_affine_transform`` with a fixed rotation,
shift, shear and zoom, and ``random_rotation(x, 20)``, after 40 warm-up
calls of ours (it compiles its pass for an image size once that size has
come 32 times); then ``apply_affine_transform`` on crops of a different
size every call, which ours runs without compiling. ``--functions``
times only these rows (seconds, not minutes).

Run from the repository root::

    python benchmarks/bench_legacy.py           # 2-4 minutes on 2 busy cores
    python benchmarks/bench_legacy.py --quick   # smoke run, not a measurement
    python benchmarks/bench_legacy.py --functions  # only the module-level functions
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import platform
import statistics
import sys
import tempfile
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import in_turns, kept  # noqa: E402
from PIL import Image  # noqa: E402

from keras_augment.datasets import load_sample_image  # noqa: E402
from keras_augment.legacy import ImageDataGenerator  # noqa: E402
from keras_augment.preprocessing import image as ours_image  # noqa: E402

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


def images_in(batch) -> int:
    """The number of images in a batch (or in the images of an ``(images, labels)`` batch)."""
    return len(batch[0] if isinstance(batch, tuple) else batch)


def rate(next_batch, batches: int, repeats: int) -> float:
    """Median images per second over ``repeats`` runs of ``batches`` batches (one warm-up)."""
    next_batch()
    runs = in_turns({"": kept(next_batch, count=images_in)}, repeats, batches, warmup=0)[""]
    return statistics.median(wall for wall, _ in runs)


def rates_in_turns(systems: dict, turns: int) -> dict[str, tuple[float, float]]:
    """Images per second and per CPU second of several systems timed in turns.

    ``systems`` maps a name to ``(next_batch, batches_per_turn)``. After one
    warm-up turn each, the systems take ``turns`` turns each
    (``common.in_turns``); a system's rates are the medians over its turns.
    Alternating turns keeps the systems' timing windows close together, so
    that the load other processes put on the machine falls on all alike.
    Our iterator's turn is one whole epoch: it augments the next batches of
    an epoch on worker threads while the current one is used, and a turn
    that ends with the epoch leaves no such work running into the other
    system's turn (its first batch, with nothing computed ahead, is counted
    too). CPU seconds are this process's (every thread's), so the second
    rate measures the work a batch costs whatever share of the cores the
    process got.
    """
    contenders = {
        name: kept(next_batch, calls=batches, count=images_in)
        for name, (next_batch, batches) in systems.items()
    }
    timed = in_turns(contenders, turns + 1, 0, warmup=0)
    return {  # the first turn warms up
        name: tuple(statistics.median(column) for column in zip(*rates[1:], strict=True))
        for name, rates in timed.items()
    }


def stepper(iterable):
    iterator = iter(iterable)

    def step():
        return next(iterator)

    return step


AFFINE = dict(theta=12.0, tx=8.0, ty=-5.0, shear=4.0, zx=1.1, zy=0.9)
AXES = dict(row_axis=0, col_axis=1, channel_axis=2)


def function_rates(image: np.ndarray, repeats: int, calls: int) -> list[tuple]:
    """Rows for the module-level functions, ours and legacy timed in turns (one image a call).

    The last workload crops ``image`` to a different size on every call of
    a turn (``calls`` sizes), as when transforming photos one by one.
    """
    legacy = tf.keras.preprocessing.image
    sizes = [(image.shape[0] - 3 * i, image.shape[1] - 5 * i) for i in range(calls)]
    crops = [np.ascontiguousarray(image[:h, :w]) for h, w in sizes]
    turn = {"legacy": itertools.cycle(crops), "ours": itertools.cycle(crops)}

    def each_size(module):
        side = "ours" if module is ours_image else "legacy"
        return module.apply_affine_transform(next(turn[side]), **AFFINE, **AXES)

    rows = []
    for workload, call in (
        ("apply_affine_transform, one image", lambda m: m.apply_affine_transform(image, **AFFINE, **AXES)),
        ("random_rotation(x, 20), one image", lambda m: m.random_rotation(image, 20, **AXES)),
        (f"apply_affine_transform, {calls} image sizes", each_size),
    ):  # fmt: skip
        # Ours compiles the resampler for an image size once it has come 32 times: warm past it
        # (the workload of many sizes stays below, as photos of every size would).
        for _ in range(40 if call is not each_size else 0):
            call(ours_image)
        pair = rates_in_turns(
            {
                "legacy": (lambda call=call: call(legacy)[None], calls),
                "ours": (lambda call=call: call(ours_image)[None], calls),
            },
            repeats,
        )
        rows.append((workload, pair["legacy"], pair["ours"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--files", type=int, default=256)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument(
        "--functions", action="store_true", help="time only the module-level functions"
    )
    args = parser.parse_args()
    if args.quick:
        args.batches, args.repeats, args.files = 1, 1, 64
    if args.functions:
        args.files = 2

    legacy = tf.keras.preprocessing.image.ImageDataGenerator(**ARGS)
    ours = ImageDataGenerator(**ARGS)
    images = make_images(args.files)
    x = images.astype("float32")
    rows = []

    def add(workload, system, value, reference, per_cpu=None, cpu_reference=None):
        cpu = "" if per_cpu is None else f"{per_cpu:,.0f} | {per_cpu / cpu_reference:.1f}x"
        rows.append((workload, system, value, value / reference, cpu or "- | -"))

    load_before = os.getloadavg()[0]
    for workload, (base, cpu_base), (value, per_cpu) in function_rates(
        x[0], args.repeats, max(2, 4 * args.batches)
    ):
        add(workload, "legacy function (SciPy)", base, base, cpu_base, cpu_base)
        add(workload, "ours", value, base, per_cpu, cpu_base)
    for data in () if args.functions else (x, images):
        flow = f"flow, {data.dtype} arrays"
        it = ours.flow(data, batch_size=BATCH, seed=1)
        pair = rates_in_turns(
            {
                "legacy": (stepper(legacy.flow(data, batch_size=BATCH, seed=1)), args.batches),
                "ours": (stepper(it), len(it)),
            },
            args.repeats,
        )
        (base, cpu_base), (value, per_cpu) = pair["legacy"], pair["ours"]
        add(flow, "legacy ImageDataGenerator", base, base, cpu_base, cpu_base)
        add(flow, "ours, iterator", value, base, per_cpu, cpu_base)
        ds = it.as_dataset().repeat()
        add(flow, "ours, as_dataset()", rate(stepper(ds), args.batches, args.repeats), base)
        del ds  # its prefetch threads must not work while the next pair is timed

    if not args.functions:
        with tempfile.TemporaryDirectory() as folder:
            write_jpegs(folder, images)
            files = "flow_from_directory, JPEG"
            kwargs = dict(target_size=(SIZE, SIZE), batch_size=BATCH, seed=1)
            it = ours.flow_from_directory(folder, **kwargs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pair = rates_in_turns(
                    {
                        "legacy": (
                            stepper(legacy.flow_from_directory(folder, **kwargs)),
                            args.batches,
                        ),
                        "ours": (stepper(it), len(it)),
                    },
                    args.repeats,
                )
            (base, cpu_base), (value, per_cpu) = pair["legacy"], pair["ours"]
            add(files, "legacy ImageDataGenerator", base, base, cpu_base, cpu_base)
            add(files, "ours, iterator", value, base, per_cpu, cpu_base)
            ds = it.as_dataset().repeat()
            add(files, "ours, as_dataset()", rate(stepper(ds), args.batches, args.repeats), base)
    load_after = os.getloadavg()[0]

    print()
    print(
        f"{datetime.date.today()} | {platform.processor() or platform.machine()} | "
        f"{os.cpu_count()} cores | TF {tf.__version__} | {SIZE}x{SIZE}x3, batch {BATCH}, "
        f"median of {args.repeats} turns (legacy {args.batches} batches, ours one epoch; "
        f"functions: {max(2, 4 * args.batches)} calls) | load "
        f"average (1 min) "
        f"{load_before:.1f} before, {load_after:.1f} after"
    )
    print()
    print("| workload | system | images/s | ratio to legacy | images/CPU-s | ratio (CPU) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for workload, system, value, ratio, cpu in rows:
        print(f"| {workload} | {system} | {value:,.0f} | {ratio:.1f}x | {cpu} |")


if __name__ == "__main__":
    main()
