"""Speed of colour jitter: ours beside ``keras.layers.RandomColorJitter`` and albumentations.

Workload: batches of 32 images of 224x224x3, uint8 and float32 (the same
values), ``RandomColorJitter(value_range=(0, 255), brightness_factor=0.2,
contrast_factor=0.2, saturation_factor=(0.3, 0.7), hue_factor=0.2)`` with
the same arguments for ours and Keras'. On uint8 input ours returns uint8
(``output_dtype="uint8"``), as albumentations does. albumentations'
``ColorJitter`` (brightness 0.2, contrast 0.2, saturation 0.4, hue 0.1)
multiplies brightness and contrast where Keras adds: a similar workload,
not an identical one. The rows and what each times: ``workload_rows.py``.

Floors of ours, timed alone on the batch inside a ``tf.function``:

- ``one XLA pass``: read the batch, add one, write it in the output dtype;
  the least any compiled colour kernel costs;
- ``our kernel``: the compiled colour-jitter kernel alone (parameters drawn
  once), without the layer's call, conversions and tf.data around it.

Run from the repository root::

    python benchmarks/bench_color.py            # a few minutes on 2 cores
    python benchmarks/bench_color.py --quick    # smoke run, not a measurement
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from workload_rows import print_table, workload_rows  # noqa: E402

JITTER = dict(
    value_range=(0, 255),
    brightness_factor=0.2,
    contrast_factor=0.2,
    saturation_factor=(0.3, 0.7),
    hue_factor=0.2,
)


def albumentations_transform():
    """albumentations' closest counterpart (module level, so pool workers can import it)."""
    import albumentations as A

    return A.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.4, hue=0.1, p=1.0)


def ours(output_dtype=None):
    from keras_augment.image.color import RandomColorJitter

    return RandomColorJitter(**JITTER, seed=1, output_dtype=output_dtype)


def keras_layer():
    import keras

    return keras.layers.RandomColorJitter(**JITTER, seed=1)


def floors(array):
    import tensorflow as tf

    from keras_augment.core.base import Batch

    images = tf.constant(array)
    out = "uint8" if array.dtype == "uint8" else "float32"
    layer = ours(output_dtype=out if out == "uint8" else None)
    params = layer.draw_params(Batch(images))

    @tf.function(jit_compile=True)
    def one_pass(x):
        y = tf.cast(x, tf.float32) + 1.0
        return tf.cast(tf.clip_by_value(y, 0.0, 255.0), tf.uint8) if out == "uint8" else y

    return {
        "one XLA pass": lambda: one_pass(images).numpy(),
        "our kernel": lambda: layer.apply_images(images, params, output_dtype=out).numpy(),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quick", action="store_true", help="1 batch, 1 repeat: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.batches, args.repeats = 1, 1
    start_load = os.getloadavg()
    rows = workload_rows(
        ours,
        keras_layer,
        albumentations_transform,
        floors,
        args.batches,
        args.repeats,
        args.processes,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )
    print_table("Colour jitter", rows, args.batches, args.repeats, start_load)


if __name__ == "__main__":
    main()
