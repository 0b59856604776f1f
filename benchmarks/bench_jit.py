"""Does ``model.compile(..., jit_compile=True)`` pay on a CPU? Epoch times with and without XLA.

Two small models with our augmentation layers at the top, trained with ``model.fit`` for a few
epochs, once with ``jit_compile=False`` (what Keras' default ``"auto"`` chooses on a machine
without a GPU) and once with ``jit_compile=True``, in alternating turns in one process:

- digits: the shipped 8x8 handwritten digits (1,257 training images, batch 64), flips and a
  rotation, then two convolutions and two dense layers (the model of ``keras-augment demo``);
- photos: 512 crops of 64x64x3 from the two shipped photographs (batch 32), flip + rotation +
  zoom + shift fused in a ``Pipeline``, then three convolutions.

For each, the first epoch (which includes tracing and, with XLA, compiling the training step)
and the median of the later epochs, each the median over ``--repeats`` turns. The machine's
load average is printed before and after: the numbers are only comparable within one run.

Run from the repository root::

    python benchmarks/bench_jit.py              # about 3 minutes on 2 cores
    python benchmarks/bench_jit.py --quick      # smoke run, not a measurement
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from bench_geometric import cpu_model  # noqa: E402

import keras_augment as ka  # noqa: E402
from keras_augment.datasets import load_digits, load_sample_image  # noqa: E402


class EpochTimes(keras.callbacks.Callback):
    """Wall-clock seconds of every epoch of one ``fit``."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def digits_workload():
    images, labels = load_digits()
    x = images[:1257, :, :, None].astype("float32") / 16.0
    y = labels[:1257]

    def model():
        return keras.Sequential(
            [
                keras.Input((8, 8, 1)),
                ka.Pipeline([ka.RandomFlip("horizontal"), ka.RandomRotation(0.04)]),
                keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
                keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
                keras.layers.Flatten(),
                keras.layers.Dense(64, activation="relu"),
                keras.layers.Dense(10),
            ]
        )

    return "digits 8x8x1, 1,257 images, batch 64", model, x, y, 64


def photos_workload(count: int = 512):
    rng = np.random.default_rng(0)
    photos = [load_sample_image(name) for name in ("flower.jpg", "china.jpg")]
    x = np.empty((count, 64, 64, 3), np.float32)
    y = np.empty(count, np.int64)
    for i in range(count):
        label = i % 2
        top, left = rng.integers(0, 240 - 64), rng.integers(0, 360 - 64)
        x[i] = photos[label][top : top + 64, left : left + 64]
        y[i] = label

    def model():
        return keras.Sequential(
            [
                keras.Input((64, 64, 3)),
                ka.Pipeline(
                    [
                        ka.RandomFlip("horizontal"),
                        ka.RandomRotation(20 / 360),
                        ka.RandomZoom(0.2),
                        ka.RandomTranslation(0.1, 0.1),
                    ]
                ),
                keras.layers.Rescaling(1 / 255),
                keras.layers.Conv2D(16, 3, strides=2, activation="relu"),
                keras.layers.Conv2D(32, 3, strides=2, activation="relu"),
                keras.layers.Conv2D(32, 3, activation="relu"),
                keras.layers.GlobalAveragePooling2D(),
                keras.layers.Dense(2),
            ]
        )

    return f"photo crops 64x64x3, {count} images, batch 32", model, x, y, 32


def train(make_model, x, y, batch_size: int, epochs: int, jit: bool) -> list[float]:
    keras.utils.set_random_seed(0)
    model = make_model()
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit,
    )
    assert model.jit_compile is jit, "the model did not keep the jit_compile setting"
    times = EpochTimes()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[times])
    return times.seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2 epochs, 1 turn: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.repeats = 2, 1

    load_before = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    for name, make_model, x, y, batch_size in (digits_workload(), photos_workload()):
        runs = {False: [], True: []}
        for _ in range(args.repeats):
            for jit in (False, True):  # alternating turns, so load changes hit both alike
                runs[jit].append(train(make_model, x, y, batch_size, args.epochs, jit))
        first = {jit: statistics.median(r[0] for r in runs[jit]) for jit in runs}
        later = {
            jit: statistics.median(statistics.median(r[1:]) for r in runs[jit]) for jit in runs
        }
        steps = -(-len(x) // batch_size)
        rows.append((name, steps, first, later))
    load_after = os.getloadavg()

    print("# jit_compile on CPU: epoch times with and without XLA\n")
    print(f"- date: {started:%Y-%m-%d %H:%M} UTC")
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} cores")
    print(
        f"- load average (1, 5, 15 min): {', '.join(f'{v:.1f}' for v in load_before)} "
        f"before, {', '.join(f'{v:.1f}' for v in load_after)} after"
    )
    print(
        f"- versions: tensorflow {tf.__version__}, keras {keras.__version__}, "
        f"keras-augment {ka.__version__}"
    )
    print(f"- {args.epochs} epochs per fit, median of {args.repeats} alternating turns")
    print("- command: `python benchmarks/bench_jit.py" + (" --quick`" if args.quick else "`"))
    print()
    print(
        "| workload | steps/epoch | first epoch, no XLA (s) | first epoch, XLA (s) "
        "| later epochs, no XLA (s) | later epochs, XLA (s) | later epochs: XLA speed-up |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, steps, first, later in rows:
        print(
            f"| {name} | {steps} | {first[False]:.2f} | {first[True]:.2f} | "
            f"{later[False]:.3f} | {later[True]:.3f} | {later[False] / later[True]:.2f}x |"
        )


if __name__ == "__main__":
    main()
