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
are called on the uint8 batch with ``output_dtype="uint8"`` (uint8 in, uint8
out), called directly and, for the four sizing layers, in one persistent
``tf.data`` pipeline (``map`` with AUTOTUNE, ``prefetch``), the way a Keras
user runs them; albumentations runs image by image, in one process with
OpenCV single-threaded and in the same kind of ``tf.data`` pipeline
(``tf.numpy_function`` per image). A direct call times the layer's Python
call as well (the script prints it: a call on 8x8 images), which a
``tf.data`` pipeline pays once, when it traces; OpenCV's direct row has no
such cost, and the albumentations ``tf.data`` row pays one
``tf.numpy_function`` call per image.

The floors, in the same run: each sizing layer's TensorFlow kernel alone in a
``tf.function`` beside the OpenCV calls alone, the kernels this version
replaced (a ``tf.pad`` of the 3-channel axis; a float32 resize and pad cast
to uint8), a NumPy copy of the batch, and one TensorFlow pass (``x + 1``)
over a batch of ``PadIfNeeded``'s output size, the least any TensorFlow op
that reads and writes the padded batch can cost.

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
from common import (  # noqa: E402
    albumentations_tf_data_steps,
    has_albumentations,
    measure,
    measure_in_turns,
    single_threaded_opencv,
    tf_data_step,
)

import keras_augment as ka  # noqa: E402
from keras_augment.core.resample import resample  # noqa: E402
from keras_augment.image.ops.sizing import (  # noqa: E402
    fit_shape,
    max_size_shape,
    pad_images,
    placement_matrix,
)

BATCH = 32
HEIGHT, WIDTH = 240, 320
BOXES = 4
# The sizing layers: run in tf.data too, and given kernel floors.
SIZING = ("LongestMaxSize(224)", "SmallestMaxSize(224)", "PadIfNeeded(256, 352)", "Letterbox(224)")


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


def _resize(size):
    """Our resize of the batch to ``size`` alone: the resampler, uint8 in and out."""
    matrix = placement_matrix(HEIGHT, WIDTH, *size, 0, 0, BATCH)
    return lambda x: resample(
        x, matrix, tf.constant(size), None, "bilinear", "nearest", 0.0, output_dtype="uint8"
    )


def kernel_steps(data: dict) -> dict:
    """``name -> (our kernel alone, OpenCV alone, the kernel this version replaced or None)``.

    Ours run in a ``tf.function`` on the batch; OpenCV image by image.
    """
    import cv2

    images = data["images"]
    tensor = tf.constant(images)
    longest = max_size_shape(HEIGHT, WIDTH, 224, True)
    smallest = max_size_shape(HEIGHT, WIDTH, 224, False)
    inner = fit_shape(HEIGHT, WIDTH, 224, 224)
    frame = (224 - inner[0]) // 2, 224 - inner[0] - (224 - inner[0]) // 2
    frame_w = (224 - inner[1]) // 2, 224 - inner[1] - (224 - inner[1]) // 2
    letterbox_resize = _resize(inner)
    matrix = placement_matrix(HEIGHT, WIDTH, *inner, 0, 0, BATCH)

    def float_letterbox(x):
        resized = resample(x, matrix, tf.constant(inner), None, "bilinear", "nearest", 0.0)
        padded = tf.pad(resized, [[0, 0], frame, frame_w, [0, 0]])
        return tf.saturate_cast(tf.round(padded), tf.uint8)

    def ours(fn):
        fn = tf.function(fn)
        return lambda: fn(tensor).numpy()

    def opencv(fn):
        return lambda: [fn(image) for image in images]

    def cv_resize(size):
        return lambda image: cv2.resize(image, size[::-1], interpolation=cv2.INTER_LINEAR)

    def cv_pad(top, bottom, left, right):
        return lambda image: cv2.copyMakeBorder(
            image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0
        )

    letterbox_cv = cv_resize(inner)
    return {
        "LongestMaxSize(224)": (ours(_resize(longest)), opencv(cv_resize(longest)), None),
        "SmallestMaxSize(224)": (ours(_resize(smallest)), opencv(cv_resize(smallest)), None),
        "PadIfNeeded(256, 352)": (
            ours(lambda x: pad_images(x, 8, 8, 16, 16, 0)),
            opencv(cv_pad(8, 8, 16, 16)),
            ours(lambda x: tf.pad(x, [[0, 0], [8, 8], [16, 16], [0, 0]])),
        ),
        "Letterbox(224)": (
            ours(lambda x: pad_images(letterbox_resize(x), *frame, *frame_w, 0)),
            opencv(lambda image: cv_pad(*frame, *frame_w)(letterbox_cv(image))),
            ours(float_letterbox),
        ),
    }


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

    def median(step):
        return statistics.median(measure(step, args.batches, args.repeats))

    def in_turns(steps: dict) -> dict:
        """``name -> (median images/s, median images per CPU second)``, timed in turns."""
        rates = measure_in_turns(steps, args.batches, args.repeats)
        return {k: (statistics.median(w), statistics.median(c)) for k, (w, c) in rates.items()}

    data = batch_data()
    tensor = tf.constant(data["images"])
    start_load = os.getloadavg()
    rows, floors = [], []
    kernels = kernel_steps(data)
    with single_threaded_opencv():
        for name, layer, make, with_boxes in cases():
            data_rows = None
            if name in SIZING:
                # tf.data pipelines one after the other (each prefetches while alive).
                ours_data = in_turns({"ours": tf_data_step(layer, tensor)})["ours"]
                shape = layer(tensor[:1], training=True).shape[1:]
                with albumentations_tf_data_steps(make, data["images"], shape) as step:
                    data_rows = ours_data, in_turns({"theirs": step})["theirs"]
            steps = {
                "ours": ours_step(layer, data, with_boxes),
                "theirs": albumentations_step(name, make(), data, with_boxes),
            }
            if name in SIZING:
                kernel, opencv, previous = kernels[name]
                steps.update(kernel=kernel, opencv=opencv)
                if previous is not None:
                    steps["previous"] = previous
            timed = in_turns(steps)
            rows.append((name, data_rows, timed["ours"], timed["theirs"]))
            if name in SIZING:
                floors.append((name, timed["kernel"], timed["opencv"], timed.get("previous")))
    copy = median(lambda: np.copy(data["images"]))
    # One TensorFlow read-and-write pass over a batch of PadIfNeeded's output size.
    padded = tf.zeros([BATCH, 256, 352, 3], tf.uint8)
    one_pass = tf.function(lambda x: x + 1)
    tf_pass = median(lambda: one_pass(padded).numpy())
    # What a direct call costs besides its pixels: the same layer on a batch of 8x8 images.
    tiny = tf.zeros([BATCH, 8, 8, 3], tf.uint8)
    pad_call = ka.PadIfNeeded(16, 16, output_dtype="uint8")
    call_ms = 1000 * BATCH / median(lambda: np.asarray(pad_call(tiny, training=True)))
    end_load = os.getloadavg()

    print(f"# Sizing, box-safe crops and mosaic, {BATCH} x {HEIGHT}x{WIDTH}x3 uint8 per batch\n")
    print(
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
        f"{', '.join(f'{x:.1f}' for x in start_load)} at the start and "
        f"{', '.join(f'{x:.1f}' for x in end_load)} at the end, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}; median of {args.repeats} x {args.batches} batches; "
        f"images/s.\n"
    )
    print(
        "| layer | ours, tf.data | albumentations, same tf.data | ratio | ratio per CPU second "
        "| ours, direct call | albumentations, direct (one process) | ratio "
        "| ratio per CPU second |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, data_rows, ours, theirs in rows:
        cells = ["-", "-", "-", "-"]
        if data_rows is not None:
            (mine, peer) = data_rows
            cells = [f"{mine[0]:,.0f}", f"{peer[0]:,.0f}", f"{mine[0] / peer[0]:.2f}x"]
            cells.append(f"{mine[1] / peer[1]:.2f}x")
        cells += [f"{ours[0]:,.0f}", f"{theirs[0]:,.0f}", f"{ours[0] / theirs[0]:.2f}x"]
        print(f"| {name} | {' | '.join(cells)} | {ours[1] / theirs[1]:.2f}x |")
    print(
        "\nThe floors, same run: our kernel alone (one `tf.function` on the batch) beside "
        "the OpenCV calls alone (image by image, one process), and the kernel the layer "
        "used before (images/s; the direct calls, kernels and OpenCV calls of a layer were "
        "timed in turns):\n"
    )
    print(
        "| layer | our kernel | OpenCV alone | ratio | ratio per CPU second "
        "| kernel before | speed-up | speed-up per CPU second |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, kernel, opencv, previous in floors:
        cells = [f"{kernel[0]:,.0f}", f"{opencv[0]:,.0f}", f"{kernel[0] / opencv[0]:.2f}x"]
        cells.append(f"{kernel[1] / opencv[1]:.2f}x")
        if previous is None:
            cells += ["-", "-", "-"]
        else:
            cells.append(f"{previous[0]:,.0f}")
            cells.append(f"{kernel[0] / previous[0]:.2f}x")
            cells.append(f"{kernel[1] / previous[1]:.2f}x")
        print(f"| {name} | {' | '.join(cells)} |")
    print(f"\nnp.copy of the batch: {copy:,.0f} images/s.")
    print(f"One TensorFlow pass (`x + 1`) over a batch of 256x352 images: {tf_pass:,.0f} images/s.")
    print(f"A direct call of `PadIfNeeded(16, 16)` on {BATCH} 8x8 images: {call_ms:.2f} ms.")


if __name__ == "__main__":
    main()
