"""Ways to resample uint8 images with XLA, side by side in one run (why the shipped one is kept).

Same matrices for every variant: the reference pipeline's (flip + rotate 20 deg + shift 10% +
zoom 20%) drawn once for a batch of 32 uint8 images of 224x224x3; bilinear, reflected borders,
uint8 out. Variants:

- shipped: ``resample(..., output_dtype="uint8")``: four gathers of 3-byte pixel rows per output
  pixel, interpolation in float32, rounded inside the compiled function;
- float32 out: the same resampler returning float32 (the default of the layers);
- packed words: RGB packed into one int32 per pixel, one gather per corner, unpacked after;
- four-corner rows: a copy of the batch holding each pixel's four bilinear corners side by side
  (12 bytes), one gather per output pixel;
- four gathers alone: the shipped gathers with no arithmetic after them;
- floors: one read + write of the batch in XLA, and one gather of every pixel at indices
  computed at run time;
- the general path alone on the same matrices: the resampler before it learnt to check for
  scale + translate batches (the check's cost);
- scale + translate only (flip + shift 10% + zoom 20%, no rotation), and a LongestMaxSize-style
  resize of 240x320 to 168x224: the shipped ``resample`` (which takes its separable path, a
  column pass then a row pass) beside the general four-corner path on the same matrices (what
  ``resample`` did for them before).

Run from the repository root: ``python benchmarks/bench_resample_uint8.py`` (about a minute).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH, SIZE = 32, 224


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, ROOT)
    import numpy as np
    import tensorflow as tf

    from keras_augment.cli import default_pipeline
    from keras_augment.core import matrices
    from keras_augment.core.base import Batch
    from keras_augment.core.resample import _cell, _reflect, _warp_general, resample

    images = tf.constant(
        np.random.default_rng(0).integers(0, 256, (BATCH, SIZE, SIZE, 3)).astype("uint8")
    )
    composed = None
    for layer in default_pipeline(seed=0).layers:
        m = layer.get_matrix(layer.draw_params(Batch(images)), SIZE, SIZE)
        composed = m if composed is None else matrices.compose(composed, m)
    aligned = None
    for layer in default_pipeline(seed=0).layers:
        if type(layer).__name__ == "RandomRotation":
            continue
        m = layer.get_matrix(layer.draw_params(Batch(images)), SIZE, SIZE)
        aligned = m if aligned is None else matrices.compose(aligned, m)
    wide = tf.constant(
        np.random.default_rng(1).integers(0, 256, (BATCH, 240, 320, 3)).astype("uint8")
    )
    resize = matrices.crop_and_resize(tf.zeros([BATCH]), 0.0, 240, 320, 168, 224)
    size = tf.constant([SIZE, SIZE])
    shifts = tf.constant([0, 8, 16])

    def corners(m):
        """Flat index of each output pixel's top-left corner, steps right and down, weights."""
        ys, xs = tf.meshgrid(tf.range(SIZE, dtype=tf.float32), tf.range(SIZE, dtype=tf.float32))
        ys, xs = tf.transpose(ys), tf.transpose(xs)
        m = m[:, :, :, None, None]
        denom = m[:, 2, 0] * xs + m[:, 2, 1] * ys + m[:, 2, 2]
        sx = _reflect((m[:, 0, 0] * xs + m[:, 0, 1] * ys + m[:, 0, 2]) / denom, float(SIZE))
        sy = _reflect((m[:, 1, 0] * xs + m[:, 1, 1] * ys + m[:, 1, 2]) / denom, float(SIZE))
        x0, wx = _cell(sx)
        y0, wy = _cell(sy)
        base = (tf.range(BATCH) * SIZE * SIZE)[:, None, None]
        right = tf.cast(x0 < SIZE - 1, tf.int32)
        down = tf.cast(y0 < SIZE - 1, tf.int32) * SIZE
        return base + y0 * SIZE + x0, right, down, wx, wy

    def bilinear(c00, c01, c10, c11, wx, wy):
        top = c00 * (1.0 - wx) + c01 * wx
        return top * (1.0 - wy) + (c10 * (1.0 - wx) + c11 * wx) * wy

    def to_uint8(x):
        return tf.saturate_cast(tf.round(x), tf.uint8)

    @tf.function(jit_compile=True)
    def packed_words(x, m):
        x = tf.cast(x, tf.int32)
        words = tf.reshape(
            x[..., 0] | tf.bitwise.left_shift(x[..., 1], 8) | tf.bitwise.left_shift(x[..., 2], 16),
            [-1],
        )
        c, r, d, wx, wy = corners(m)

        def read(index):
            word = tf.gather(words, index)[..., None]
            return tf.cast(tf.bitwise.right_shift(word, shifts) & 255, tf.float32)

        return to_uint8(bilinear(read(c), read(c + r), read(c + d), read(c + d + r), wx, wy))

    @tf.function(jit_compile=True)
    def four_corner_rows(x, m):
        p = tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]], mode="SYMMETRIC")
        rows = tf.concat(
            [p[:, :SIZE, :SIZE], p[:, :SIZE, 1:], p[:, 1:, :SIZE], p[:, 1:, 1:]], axis=-1
        )
        c, _, _, wx, wy = corners(m)
        v = tf.cast(tf.gather(tf.reshape(rows, [-1, 12]), c), tf.float32)
        v = tf.reshape(v, [BATCH, SIZE, SIZE, 4, 3])
        return to_uint8(bilinear(v[..., 0, :], v[..., 1, :], v[..., 2, :], v[..., 3, :], wx, wy))

    @tf.function(jit_compile=True)
    def four_gathers_alone(x, m):
        flat = tf.reshape(x, [-1, 3])
        c, r, d, _, _ = corners(m)
        return (
            tf.gather(flat, c)
            ^ tf.gather(flat, c + r)
            ^ tf.gather(flat, c + d)
            ^ tf.gather(flat, c + d + r)
        )

    @tf.function(jit_compile=True)
    def xla_copy(x, m):
        return x + tf.zeros([], x.dtype)

    @tf.function(jit_compile=True)
    def one_gather(x, m):
        flat = tf.reshape(x, [-1, 3])
        return tf.gather(flat, tf.reverse(tf.range(tf.shape(flat)[0]), [0]))

    @tf.function(jit_compile=True)
    def general_path(x, m, out, fill_mode):
        warped = _warp_general(x, m, out, None, "bilinear", fill_mode, 0.0, None)
        return to_uint8(warped)

    resized = tf.constant([168, 224])
    variants = {
        "shipped: resample, uint8 out": lambda x, m: resample(
            x, m, size, None, "bilinear", "reflect", 0.0, output_dtype="uint8"
        ),
        "resample, float32 out": lambda x, m: resample(x, m, size, None, "bilinear", "reflect"),
        "packed int32 words, 1 gather per corner": packed_words,
        "four-corner rows, 1 gather per pixel": four_corner_rows,
        "four gathers alone (no arithmetic)": four_gathers_alone,
        "floor: XLA read + write of the batch": xla_copy,
        "floor: XLA gather of every pixel once": one_gather,
        "general path alone (before: no separable check)": lambda x, m: general_path(
            x, m, size, "reflect"
        ),
        "no rotation: shipped (separable path)": lambda x, m: resample(
            x, aligned, size, None, "bilinear", "reflect", 0.0, output_dtype="uint8"
        ),
        "no rotation: general path (before)": lambda x, m: general_path(
            x, aligned, size, "reflect"
        ),
        "resize 240x320 to 168x224: shipped (separable path)": lambda x, m: resample(
            wide, resize, resized, None, "bilinear", "nearest", 0.0, output_dtype="uint8"
        ),
        "resize 240x320 to 168x224: general path (before)": lambda x, m: general_path(
            wide, resize, resized, "nearest"
        ),
    }
    shipped = variants["shipped: resample, uint8 out"](images, composed).numpy()
    for name in ("packed int32 words, 1 gather per corner", "four-corner rows, 1 gather per pixel"):
        out = variants[name](images, composed).numpy().astype(int)
        assert np.abs(out - shipped).max() <= 1, name  # the same images, to rounding
    for prefix in ("no rotation", "resize"):
        pair = [name for name in variants if name.startswith(prefix)]
        first, second = (variants[name](images, composed).numpy().astype(int) for name in pair)
        assert np.abs(first - second).max() <= 1, pair

    rates: dict[str, list[float]] = {name: [] for name in variants}
    load_start = os.getloadavg()[0]
    for _ in range(5):  # alternating turns: a change of load falls on every variant alike
        for name, fn in variants.items():
            np.asarray(fn(images, composed))
            start = time.perf_counter()
            for _ in range(4):
                np.asarray(fn(images, composed))
            rates[name].append(4 * BATCH / (time.perf_counter() - start))
    reference = statistics.median(rates["shipped: resample, uint8 out"])
    print("# uint8 resampling in XLA: ideas side by side\n")
    print(
        f"- batch {BATCH} x {SIZE}x{SIZE}x3 uint8, bilinear, reflect; median of 5 alternating "
        f"turns of 4 calls; 1-minute load average {load_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end\n"
    )
    print("| variant | images/s (median) | min-max | ratio to shipped |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in rates.items():
        median = statistics.median(values)
        print(
            f"| {name} | {median:,.0f} | {min(values):,.0f}-{max(values):,.0f} | "
            f"{median / reference:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
