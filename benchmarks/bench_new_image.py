"""Speed of the blur, noise, distortion, dropout, CLAHE and weather layers beside albumentations, on uint8.

Workload: batches of 32 images of 224x224x3 uint8 (a real photograph, the
shipped ``flower.jpg`` resized), each layer with albumentations' default
arguments (``p=1``) and ours with the same ones. Per layer, four rows:

- ours mapped over ``tf.data`` (``map`` with ``num_parallel_calls=AUTOTUNE``,
  then ``prefetch``), one persistent pipeline;
- albumentations in the same kind of ``tf.data`` pipeline (one image per
  ``tf.numpy_function`` call, ``AUTOTUNE``), OpenCV single-threaded;
- ours called directly (``layer(images)``);
- albumentations called image by image in this process (one core).

The ratio is ours divided by albumentations, tf.data against tf.data and
direct against direct: above 1 we are faster.

Both sides of the ``CLAHE`` row do the same work: RGB to 8-bit Lab, CLAHE
of the lightness alone, and back (ours with ``lightness=True``; without
it, ours equalizes each of the three channels, three times the
histograms and look-ups). The ``CLAHE-grayscale`` row runs the same batch
in grayscale (224x224x1): both sides run OpenCV's algorithm once per
image, nothing else (albumentations calls ``cv2.createCLAHE(...).apply``).

A second table times, in the same run and on the same batch, the pieces no
layer here can beat, each called directly: a copy of the batch (one read and
one write), one compiled XLA pass (uint8 in, uint8 out), one bilinear
resample through the shared resampler (with and without a displacement
field, as the distortion layers use it), one per-sample 7x7 filter (the
motion blur's convolution), and one uniform draw per value of the batch (the
element-wise multiplicative noise). Each layer row names the floor that
bounds it. Every number is warm and the
median of ``--repeats`` runs of ``--batches`` batches. The machine load
(``os.getloadavg``) is printed before and after, since these machines are shared.

Run from the repository root::

    python benchmarks/bench_new_image.py                 # about ten minutes on 2 cores
    python benchmarks/bench_new_image.py --only ZoomBlur  # one layer
    python benchmarks/bench_new_image.py --quick         # smoke run, not a measurement
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
    direct_step,
    has_albumentations,
    measure,
    single_threaded_opencv,
    tf_data_step,
)

import keras_augment as ka  # noqa: E402
from keras_augment.datasets import load_sample_image  # noqa: E402

BATCH = 32
SIZE = 224


def _ours():
    """Our layer for each row, with albumentations' defaults (or the stated arguments).

    Every layer returns uint8 (``output_dtype="uint8"``: rounded, saturated),
    as albumentations does.
    """
    out = {"seed": 1, "output_dtype": "uint8"}
    return {
        "MotionBlur": lambda: ka.MotionBlur(**out),
        "DefocusBlur": lambda: ka.DefocusBlur(**out),
        "ZoomBlur": lambda: ka.ZoomBlur(**out),
        "ISONoise": lambda: ka.ISONoise(**out),
        "MultiplicativeNoise": lambda: ka.MultiplicativeNoise(
            per_channel=True, elementwise=True, **out
        ),
        "OpticalDistortion": lambda: ka.OpticalDistortion(**out),
        "GridDistortion": lambda: ka.GridDistortion(**out),
        "CoarseDropout": lambda: ka.CoarseDropout((1, 8), (0.05, 0.2), (0.05, 0.2), **out),
        "CLAHE": lambda: ka.RandomCLAHE(lightness=True, **out),
        "CLAHE-grayscale": lambda: ka.RandomCLAHE(**out),
        "RandomRain": lambda: ka.RandomRain(blur=7, **out),
        "RandomFog": lambda: ka.RandomFog(**out),
        "RandomSnow": lambda: ka.RandomSnow(**out),
        "RandomSunFlare": lambda: ka.RandomSunFlare(**out),
        "RandomShadow": lambda: ka.RandomShadow(**out),
        "PlasmaBrightnessContrast": lambda: ka.PlasmaBrightnessContrast(**out),
        "PlasmaShadow": lambda: ka.PlasmaShadow(**out),
    }


# albumentations' transforms, module level so that they can be rebuilt anywhere.
def motion_blur():
    import albumentations as A

    return A.MotionBlur(blur_limit=(3, 7), allow_shifted=False, p=1.0)


def defocus_blur():
    import albumentations as A

    return A.Defocus(p=1.0)


def zoom_blur():
    import albumentations as A

    return A.ZoomBlur(p=1.0)


def iso_noise():
    import albumentations as A

    return A.ISONoise(p=1.0)


def multiplicative_noise():
    import albumentations as A

    return A.MultiplicativeNoise(per_channel=True, elementwise=True, p=1.0)


def optical_distortion():
    import albumentations as A

    return A.OpticalDistortion(p=1.0)


def grid_distortion():
    import albumentations as A

    return A.GridDistortion(p=1.0)


def coarse_dropout():
    import albumentations as A

    return A.CoarseDropout((1, 8), (0.05, 0.2), (0.05, 0.2), p=1.0)


def clahe():
    import albumentations as A

    return A.CLAHE(p=1.0)


def _albumentations(name: str, **kwargs):
    import albumentations as A

    return getattr(A, name)(p=1.0, **kwargs)


def random_rain():
    return _albumentations("RandomRain")


def random_fog():
    return _albumentations("RandomFog")


def random_snow():
    return _albumentations("RandomSnow", method="bleach")


def random_sun_flare():
    return _albumentations("RandomSunFlare", method="overlay")


def random_shadow():
    return _albumentations("RandomShadow")


def plasma_brightness_contrast():
    return _albumentations("PlasmaBrightnessContrast")


def plasma_shadow():
    return _albumentations("PlasmaShadow")


# The floor that bounds each layer (a row of the floor table), and how many times it runs.
LIMITS = {
    "MotionBlur": ("one per-sample 7x7 filter", "1"),
    "DefocusBlur": ("one per-sample 25x25 filter (FFT)", "1"),
    "ZoomBlur": (
        "one resample",
        "each sample's own zoomed copies but the first (about 8 per image on average)",
    ),
    "ISONoise": ("one XLA pass", "1"),
    "MultiplicativeNoise": ("one uniform draw per value", "1"),
    "OpticalDistortion": ("one resample through a displacement field", "1"),
    "GridDistortion": ("one resample through a displacement field", "1"),
    "CoarseDropout": ("one XLA pass", "1"),
    "CLAHE": (
        "CLAHE's 4 look-ups per value, one channel",
        "1, plus the histograms and the conversions to Lab and back",
    ),
    "CLAHE-grayscale": ("CLAHE's 4 look-ups per value, one channel", "1, plus the histograms"),
    "RandomRain": ("one uniform draw per pixel", "1 (the drop field), plus one XLA pass"),
    "RandomFog": ("one plasma pattern (FFT)", "1, plus one XLA pass"),
    "RandomSnow": ("one XLA pass", "1"),
    "RandomSunFlare": ("one XLA pass", "1"),
    "RandomShadow": ("one XLA pass", "1"),
    "PlasmaBrightnessContrast": ("one plasma pattern (FFT)", "1, plus one XLA pass"),
    "PlasmaShadow": ("one plasma pattern (FFT)", "1, plus one XLA pass"),
}


def floor_steps(tensor: tf.Tensor, batch: np.ndarray, gray: tf.Tensor) -> dict:
    """Steps that do no augmentation, each the piece some layer cannot do without."""
    from keras_augment.core import matrices
    from keras_augment.core.random import uniform01
    from keras_augment.core.resample import resample
    from keras_augment.image.ops.blur import defocus_kernel, filter2d, motion_kernel
    from keras_augment.image.ops.weather import plasma_pattern

    size = tf.constant([SIZE, SIZE])
    shift = matrices.translation(tf.fill([BATCH], 0.37), tf.fill([BATCH], -0.41))
    field = tf.random.uniform([BATCH, SIZE, SIZE, 2], -2.0, 2.0, seed=1)
    ones = tf.ones([BATCH])
    taps = motion_kernel(7, 3.0 * ones, 0.7 * ones, 0.0 * ones)
    pass_xla = tf.function(
        lambda x: tf.saturate_cast(tf.round(tf.cast(x, tf.float32) * 0.9 + 3.0), tf.uint8),
        jit_compile=True,
    )
    resample_fn = tf.function(
        lambda x: resample(x, shift, size, None, "bilinear", "constant", output_dtype="uint8")
    )
    displaced_fn = tf.function(
        lambda x: resample(x, shift, size, field, "bilinear", "constant", output_dtype="uint8")
    )
    filter_fn = tf.function(
        lambda x: tf.saturate_cast(tf.round(filter2d(tf.cast(x, tf.float32), taps)), tf.uint8)
    )
    disk = defocus_kernel(10, 10.0 * ones, 0.3 * ones)
    defocus_fn = tf.function(
        lambda x: tf.saturate_cast(tf.round(filter2d(tf.cast(x, tf.float32), disk)), tf.uint8)
    )
    # Drawn op by op, as the layers' samplers do (faster than under XLA here).
    uniform_fn = tf.function(lambda seed: uniform01([BATCH, SIZE, SIZE, 3], seed))
    pixels_fn = tf.function(lambda seed: uniform01([BATCH, SIZE, SIZE], seed))
    white = tf.random.normal([BATCH, SIZE, SIZE], seed=2)
    plasma_fn = tf.function(lambda w: plasma_pattern(w, 2.5 * ones), jit_compile=True)
    # CLAHE's last step alone: four LUT reads per value (8 x 8 tiles).
    luts = tf.random.uniform([BATCH * 64 * 3 * 256], 0.0, 255.0, seed=3)

    def look_ups(x):
        channels = x.shape[-1]
        tile = (tf.range(SIZE) // 28)[:, None] * 8 + (tf.range(SIZE) // 28)[None, :]
        cell = (tf.range(BATCH)[:, None, None, None] * 64 + tile[None, :, :, None]) * channels
        index = (cell + tf.range(channels)) * 256 + tf.cast(x, tf.int32)
        reads = [tf.gather(luts, index + d * channels * 256) for d in (0, 1, 8, 9)]
        return tf.saturate_cast(tf.round(sum(reads) / 4.0), tf.uint8)

    look_ups_fn = tf.function(look_ups, jit_compile=True)
    seed = tf.constant([1, 2], tf.int64)
    out = np.empty_like(batch)
    return {
        "copy of the batch (NumPy, one read and one write)": lambda: np.copyto(out, batch),
        "one XLA pass": lambda: pass_xla(tensor).numpy(),
        "one resample": lambda: resample_fn(tensor).numpy(),
        "one resample through a displacement field": lambda: displaced_fn(tensor).numpy(),
        "one per-sample 7x7 filter": lambda: filter_fn(tensor).numpy(),
        "one per-sample 25x25 filter (FFT)": lambda: defocus_fn(tensor).numpy(),
        "one plasma pattern (FFT)": lambda: plasma_fn(white).numpy(),
        "CLAHE's 4 look-ups per value": lambda: look_ups_fn(tensor).numpy(),
        "CLAHE's 4 look-ups per value, one channel": lambda: look_ups_fn(gray).numpy(),
        "one uniform draw per value": lambda: uniform_fn(seed).numpy(),
        "one uniform draw per pixel": lambda: pixels_fn(seed).numpy(),
    }


THEIRS = {
    "MotionBlur": motion_blur,
    "DefocusBlur": defocus_blur,
    "ZoomBlur": zoom_blur,
    "ISONoise": iso_noise,
    "MultiplicativeNoise": multiplicative_noise,
    "OpticalDistortion": optical_distortion,
    "GridDistortion": grid_distortion,
    "CoarseDropout": coarse_dropout,
    "CLAHE": clahe,
    "CLAHE-grayscale": clahe,
    "RandomRain": random_rain,
    "RandomFog": random_fog,
    "RandomSnow": random_snow,
    "RandomSunFlare": random_sun_flare,
    "RandomShadow": random_shadow,
    "PlasmaBrightnessContrast": plasma_brightness_contrast,
    "PlasmaShadow": plasma_shadow,
}


# Rows run on the grayscale version of the batch (224x224x1).
GRAYSCALE = {"CLAHE-grayscale"}


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", action="append", choices=sorted(THEIRS), help="layers to run")
    parser.add_argument("--quick", action="store_true", help="1 batch, 1 repeat: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.batches, args.repeats = 1, 1
    if not has_albumentations():
        raise SystemExit("bench_new_image needs albumentations (pip install albumentations)")
    import cv2

    photo = load_sample_image("flower.jpg")
    resized = tf.cast(tf.round(tf.image.resize(photo, (SIZE, SIZE))), tf.uint8).numpy()
    batch = np.stack([np.roll(resized, 7 * i, axis=1) for i in range(BATCH)])
    tensor = tf.constant(batch)
    # One channel: albumentations' CLAHE is then cv2.createCLAHE(...).apply itself.
    gray_batch = np.stack([cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None] for image in batch])
    gray = tf.constant(gray_batch)
    before = _load()

    def median(step):
        return statistics.median(measure(step, args.batches, args.repeats, batch_size=BATCH))

    steps = floor_steps(tensor, batch, gray)
    floors = {name: median(step) for name, step in steps.items()}
    rows = []  # (layer, ours tf.data, theirs tf.data, ours direct, theirs direct)
    for name in args.only or list(THEIRS):
        layer = _ours()[name]()
        images, array = (gray, gray_batch) if name in GRAYSCALE else (tensor, batch)
        ours_data = median(tf_data_step(layer, images))
        with albumentations_tf_data_steps(THEIRS[name], array) as step:
            theirs_data = median(step)
        ours_direct = median(direct_step(layer, images))
        # The layer's floor again, right after it: the load changes during the run.
        limit = median(steps[LIMITS[name][0]])
        transform = THEIRS[name]()
        with single_threaded_opencv():
            theirs_direct = median(
                lambda transform=transform, array=array: [
                    transform(image=image)["image"] for image in array
                ]
            )
        rows.append((name, ours_data, theirs_data, ours_direct, theirs_direct, limit))
        print(f"... {name}: {ours_data:,.0f} / {theirs_data:,.0f} images/s", file=sys.stderr)

    import albumentations

    print(f"# New image layers beside albumentations, {BATCH} x {SIZE}x{SIZE}x3 uint8 per batch\n")
    print(
        f"{datetime.date.today()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"albumentations {albumentations.__version__}, OpenCV {cv2.__version__}; "
        f"median of {args.repeats} x {args.batches} batches; {before} before, {_load()} after.\n"
    )
    print(
        "| layer | ours, tf.data | albumentations, tf.data | ratio | ours, direct "
        "| albumentations, 1 process | ratio |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, ours_data, theirs_data, ours_direct, theirs_direct, _ in rows:
        print(
            f"| {name} | {ours_data:,.0f} | {theirs_data:,.0f} | {ours_data / theirs_data:.2f}x "
            f"| {ours_direct:,.0f} | {theirs_direct:,.0f} | {ours_direct / theirs_direct:.2f}x |"
        )
    print("\n(images per second)\n")
    print("| floor (no augmentation, same batch, direct) | images per second | time per batch |")
    print("| --- | ---: | ---: |")
    for name, value in floors.items():
        print(f"| {name} | {value:,.0f} | {BATCH / value * 1e3:,.1f} ms |")
    print(
        "\n| layer | ours, direct | bounded by | how often | that floor, timed right after "
        "| ours / floor | albumentations / floor |"
    )
    print("| --- | ---: | --- | --- | ---: | ---: | ---: |")
    for name, _, _, ours_direct, theirs_direct, limit in rows:
        piece, times = LIMITS[name]
        print(
            f"| {name} | {ours_direct:,.0f} | {piece} | {times} | {limit:,.0f} "
            f"| {ours_direct / limit:.2f} | {theirs_direct / limit:.2f} |"
        )


if __name__ == "__main__":
    main()
