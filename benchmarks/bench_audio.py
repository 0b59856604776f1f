"""Speed of the audio layers beside audiomentations.

Workload: a batch of 32 one-second mono clips at 16 kHz (float32; tones, sweeps
and noise at speech-like levels), five augmentations with the same ranges on
both sides:

* noise: ``AddGaussianNoise(snr_db=(5, 40))`` / ``AddGaussianSNR(5, 40)``
* gain: ``Gain(gain_db=(-12, 12))`` / ``Gain(-12, 12)``
* shift: ``TimeShift(0.5)`` (roll) / ``Shift(-0.5, 0.5, rollover=True)``
* time stretch: ``TimeStretch(rate=(0.8, 1.25))`` / ``TimeStretch(0.8, 1.25,
  leave_length_unchanged=True)``
* pitch shift: ``PitchShift(semitones=(-4, 4))`` / ``PitchShift(-4, 4)``
* clipping: ``ClippingDistortion((0, 40))`` / ``ClippingDistortion(0, 40)``
* tanh: ``TanhDistortion((0.01, 0.7))`` / ``TanhDistortion(0.01, 0.7)``
* normalize: ``Normalize()`` / ``Normalize()`` (peak to full scale)
* loudness: ``LoudnessNormalization((-31, -13))`` / ``LoudnessNormalization(-31, -13)``
  (theirs measures with the ``loudness`` package)
* seven-band EQ: ``SevenBandParametricEQ((-12, 12))`` / ``SevenBandParametricEQ(-12, 12)``
* air absorption: ``AirAbsorption(distance=(10, 100))`` / ``AirAbsorption(min_distance=10,
  max_distance=100)``
* mp3: ``Mp3Compression(bitrate=(8, 64))`` / ``Mp3Compression(8, 64)``, both of its
  backends (``fast-mp3-augment``, and ``lameenc``, which goes through a temporary file);
  ours is a host call, so it has no XLA column
* room: ``RoomSimulator(max_order=8)`` / ``RoomSimulator(max_order=8,
  use_ray_tracing=False, leave_length_unchanged=True)`` (pyroomacoustics' image sources,
  the same rooms and absorptions)

audiomentations runs clip by clip (its API takes one clip) with ``p=1``; for
time stretch and pitch shift both of its methods are timed: its default
``signalsmith_stretch`` (a C++ library) and ``librosa_phase_vocoder``. Ours
runs on the whole batch four ways: called directly (``layer(clips)``, which
runs a traced TensorFlow function), compiled with XLA
(``tf.function(jit_compile=True)``), and mapped over ``tf.data`` (``map`` with
``num_parallel_calls=AUTOTUNE``, then ``prefetch``) consumed two ways: by a
Python iterator (``next(iterator).numpy()`` per batch) and inside a graph, as
``model.fit`` with ``steps_per_execution`` does (one iterator, pulled 16 times
per call of a ``tf.function`` in a graph loop: no Python and no NumPy copy per
batch). Every number is warm (the first calls excluded) and is the median of
``--repeats`` repetitions of ``--batches`` batches, in clips per second; the
ratios are ours (direct call, and the best of our four ways) over
audiomentations on the same augmentation.

A second table gives the floors on the same batch, with no augmentation: one
NumPy pass over it (``np.multiply(x, 2.0, out=out)``, what audiomentations'
gain amounts to), one call of an empty ``tf.function``, and the two ways of
pulling a batch out of ``tf.data`` (identity map). No layer called directly
can beat the empty call, and none can beat the NumPy pass by more than what
the work itself costs; where audiomentations is within a few NumPy passes
(gain, shift), 3x its speed is out of reach for any TensorFlow layer.

Run from the repository root::

    python benchmarks/bench_audio.py            # about a minute on 2 cores
    python benchmarks/bench_audio.py --quick    # smoke run, not a measurement
    python benchmarks/bench_audio.py --only mp3,room   # some of the augmentations
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

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from common import direct_step, measure, tf_data_step  # noqa: E402

from keras_augment import audio  # noqa: E402

BATCH = 32
SR = 16000


def clips() -> np.ndarray:
    """float32[32, 16000]: tones, sweeps and noise, peak about 0.5."""
    rng = np.random.default_rng(0)
    t = np.arange(SR) / SR
    out = []
    for _ in range(BATCH):
        f0, f1 = rng.uniform(100, 3000, 2)
        sweep = np.sin(2 * np.pi * (f0 * t + 0.5 * (f1 - f0) * t**2))
        out.append(0.4 * sweep + 0.05 * rng.normal(size=SR))
    return np.asarray(out, "float32")


def ours() -> dict:
    return {
        "noise": audio.AddGaussianNoise(snr_db=(5.0, 40.0), seed=1),
        "gain": audio.Gain(gain_db=(-12.0, 12.0), seed=1),
        "shift": audio.TimeShift(0.5, seed=1),
        "time stretch": audio.TimeStretch(rate=(0.8, 1.25), sample_rate=SR, seed=1),
        "pitch shift": audio.PitchShift(semitones=(-4.0, 4.0), sample_rate=SR, seed=1),
        "clipping": audio.ClippingDistortion((0.0, 40.0), seed=1),
        "tanh": audio.TanhDistortion((0.01, 0.7), seed=1),
        "normalize": audio.Normalize(),
        "loudness": audio.LoudnessNormalization((-31.0, -13.0), sample_rate=SR, seed=1),
        "seven-band EQ": audio.SevenBandParametricEQ((-12.0, 12.0), sample_rate=SR, seed=1),
        "air absorption": audio.AirAbsorption(distance=(10.0, 100.0), sample_rate=SR, seed=1),
        "mp3": audio.Mp3Compression(bitrate=(8.0, 64.0), sample_rate=SR, seed=1),
        "room": audio.RoomSimulator(max_order=8, sample_rate=SR, seed=1),
    }


def theirs() -> dict:
    """audiomentations transforms per workload: [(label, transform), ...]."""
    import audiomentations as am

    stretch = "signalsmith_stretch", "librosa_phase_vocoder"
    return {
        "noise": [("", am.AddGaussianSNR(5.0, 40.0, p=1.0))],
        "gain": [("", am.Gain(-12.0, 12.0, p=1.0))],
        "shift": [("", am.Shift(-0.5, 0.5, rollover=True, p=1.0))],
        "time stretch": [
            (m, am.TimeStretch(0.8, 1.25, leave_length_unchanged=True, method=m, p=1.0))
            for m in stretch
        ],
        "pitch shift": [(m, am.PitchShift(-4.0, 4.0, method=m, p=1.0)) for m in stretch],
        "clipping": [("", am.ClippingDistortion(0, 40, p=1.0))],
        "tanh": [("", am.TanhDistortion(0.01, 0.7, p=1.0))],
        "normalize": [("", am.Normalize(p=1.0))],
        "loudness": [("", am.LoudnessNormalization(-31.0, -13.0, p=1.0))],
        "seven-band EQ": [("", am.SevenBandParametricEQ(-12.0, 12.0, p=1.0))],
        "air absorption": [("", am.AirAbsorption(min_distance=10.0, max_distance=100.0, p=1.0))],
        "mp3": [
            (backend, am.Mp3Compression(8, 64, backend=backend, preserve_delay=delay, p=1.0))
            for backend, delay in (("fast-mp3-augment", False), ("lameenc", True))
        ],
        "room": [
            (
                "image sources, order 8",
                am.RoomSimulator(
                    max_order=8, use_ray_tracing=False, leave_length_unchanged=True, p=1.0
                ),
            )
        ],
    }


def per_clip_step(transform, batch):
    def step():
        for clip in batch:
            transform(samples=clip, sample_rate=SR)

    return step


IN_GRAPH_BATCHES = 16


def in_graph_step(layer, batch):
    """``IN_GRAPH_BATCHES`` batches of the mapped pipeline consumed in one ``tf.function``."""
    ds = (
        tf.data.Dataset.from_tensors(tf.constant(batch))
        .repeat()
        .map(lambda x: layer(x, training=True), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    return _in_graph_loop(ds)


def _in_graph_loop(ds):
    """One iterator for the whole run, pulled ``IN_GRAPH_BATCHES`` times per ``tf.function``
    call in a graph loop: how ``model.fit`` with ``steps_per_execution`` consumes data."""
    iterator = iter(ds)

    @tf.function
    def consume():
        total = tf.constant(0.0)
        for _ in tf.range(IN_GRAPH_BATCHES):
            total += next(iterator)[0, 0]
        return total

    def step():
        consume().numpy()

    return step


def floor_steps(batch) -> dict:
    """Steps that do no augmentation: the floors a layer's speed is bounded by."""
    out = np.empty_like(batch)
    tensor = tf.constant(batch)
    empty = tf.function(lambda x: x[0, 0])
    identity = tf.data.Dataset.from_tensors(tensor).repeat()

    def mapped():
        return identity.map(tf.identity, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
            tf.data.AUTOTUNE
        )

    iterator = iter(mapped())
    return {
        "NumPy pass over the batch (np.multiply(x, 2.0, out=out))": (
            lambda: np.multiply(batch, 2.0, out=out),
            BATCH,
        ),
        "empty tf.function call": (lambda: empty(tensor).numpy(), BATCH),
        "tf.data, identity map, Python iterator": (lambda: next(iterator).numpy(), BATCH),
        f"tf.data, identity map, in-graph ({IN_GRAPH_BATCHES} batches per call)": (
            _in_graph_loop(mapped()),
            BATCH * IN_GRAPH_BATCHES,
        ),
    }


def compiled_step(layer, batch):
    fn = tf.function(lambda x: layer(x, training=True), jit_compile=True)
    tensor = tf.constant(batch)

    def step():
        fn(tensor).numpy()

    return step


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="1 repeat of 1 batch")
    parser.add_argument(
        "--only", help="comma-separated augmentations to run (default: all), e.g. mp3,room"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.batches = 1, 1

    import audiomentations

    batch = clips()
    rows = []
    peers = theirs()

    def rate(step, size=BATCH):
        return statistics.median(measure(step, args.batches, args.repeats, 2, size))

    floors = {name: rate(step, size) for name, (step, size) in floor_steps(batch).items()}
    layers = ours()
    chosen = list(layers) if not args.only else [n.strip() for n in args.only.split(",")]
    unknown = sorted(set(chosen) - set(layers))
    if unknown:
        parser.error(f"--only: unknown augmentations {unknown}; expected among {list(layers)}")
    for name in chosen:
        layer = layers[name]
        direct = rate(direct_step(layer, batch))
        # A layer that runs on the host (MP3) has no compiled form.
        compiled = rate(compiled_step(layer, batch)) if layer.supports_jit else None
        mapped = rate(tf_data_step(layer, batch))
        in_graph = rate(in_graph_step(layer, batch), BATCH * IN_GRAPH_BATCHES)
        for method, transform in peers[name]:
            other = rate(per_clip_step(transform, batch))
            rows.append((name, method, direct, compiled, mapped, in_graph, other))

    load = os.getloadavg()[0]
    print(f"# Audio augmentation, {BATCH} one-second clips at {SR} Hz per batch\n")
    print(
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores "
        f"(load average {load:.1f}), TensorFlow {tf.__version__}, audiomentations "
        f"{audiomentations.__version__}; median of {args.repeats} x {args.batches} batches.\n"
    )
    print(
        "| augmentation | audiomentations method | ours, direct | ours, XLA | ours, tf.data "
        "| ours, tf.data in-graph | audiomentations | direct / theirs | best of ours / theirs |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, method, direct, compiled, mapped, in_graph, other in rows:
        best = max(r for r in (direct, compiled, mapped, in_graph) if r is not None)
        xla = "-" if compiled is None else f"{compiled:,.0f}"
        print(
            f"| {name} | {method or '-'} | {direct:,.0f} | {xla} | {mapped:,.0f} "
            f"| {in_graph:,.0f} | {other:,.0f} | {direct / other:.2f}x | {best / other:.2f}x |"
        )
    print("\n(clips per second)\n")
    print("| floor (no augmentation, same batch) | clips per second | time per batch |")
    print("| --- | ---: | ---: |")
    for name, value in floors.items():
        print(f"| {name} | {value:,.0f} | {BATCH / value * 1e6:,.0f} us |")


if __name__ == "__main__":
    main()
