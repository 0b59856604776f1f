"""Speed of the reference geometric pipeline: ours beside its peers, in one process run.

The workload (docs: /work/shared/BENCHMARKS.md): a batch of 32 images of
224x224x3, horizontal flip + rotation up to 20 degrees + shift up to 10% +
zoom up to 20%, on float32 and uint8 inputs. Systems:

- ours: ``keras_augment.Pipeline`` (the CLI's ``default_pipeline``), fused;
- the same four layers from ``keras.layers`` in a ``keras.Sequential``;
- the legacy ``ImageDataGenerator`` through ``.flow``;
- albumentations (HorizontalFlip + Affine, OpenCV single-threaded) three
  ways: inside the same kind of ``tf.data`` pipeline (``tf.numpy_function``
  per image, parallel ``map``, ``batch``), called in a loop in this process,
  and on a warm pool of one worker process per core (``common.py`` says
  what is timed);
- a NumPy copy of the batch: the floor no augmentation can beat.

The TensorFlow systems run three ways: mapped over ``tf.data`` (``map`` with
``num_parallel_calls=AUTOTUNE``, then ``prefetch``), called directly (eagerly,
as ``layer(images)``), and inside a ``tf.function`` (as in a compiled model).
Every number is warm (the first calls are excluded) and is the median of
``--repeats`` repetitions of ``--batches`` batches each.

Run from the repository root::

    python benchmarks/bench_geometric.py            # full run, a few minutes on 2 cores
    python benchmarks/bench_geometric.py --quick    # smoke run, not a measurement
    python benchmarks/bench_geometric.py --breakdown  # also time the parts of ours
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    albumentations_pool_steps,
    albumentations_tf_data_steps,
    has_albumentations,
)

BATCH = 32
SIZE = 224
CHANNELS = 3
DTYPES = ("float32", "uint8")

# Workload names; the ratio column compares a row with ours on the workload
# given here (an iterator such as ImageDataGenerator.flow is compared with
# ours in tf.data, a plain call on a batch with ours called directly).
TF_DATA = "tf.data map+prefetch"
DIRECT = "direct call (eager)"
TF_FUNCTION = "inside tf.function"
FLOW = ".flow iterator"
ALB_TF_DATA = "tf.data map+batch, numpy_function per image"
ONE_PROCESS = "direct, 1 process, 1 thread"
POOL = "warm pool of {n} processes, shared-memory output"
COPY = "np.copy"
OURS = "ours (Pipeline)"
OURS_UINT8 = "ours (Pipeline, output_dtype='uint8')"
RATIO_NOTE = (
    f"ratio to ours = images/s of the row / images/s of ours on the same input dtype: against "
    f"ours in {TF_DATA!r} for tf.data rows, {FLOW!r} and the albumentations pool, ours "
    f"{TF_FUNCTION!r} for tf.function rows, ours {DIRECT!r} for every other row; on uint8 the "
    f"albumentations rows compare with {OURS_UINT8!r}. Outputs are float32 except ours with "
    "output_dtype='uint8', albumentations and the copy, which return uint8 on uint8 input."
)


# ----------------------------------------------------------------------------
# Measurement


def measure(
    step: Callable[[], object],
    batches: int,
    repeats: int,
    images_per_batch: int = BATCH,
    warmup: int = 1,
) -> list[float]:
    """Times ``step`` (one batch of work per call) and returns images per second per repetition.

    ``warmup`` calls run first and are not timed (tracing, compilation,
    pool start-up); then each of ``repeats`` repetitions times ``batches``
    consecutive calls.
    """
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batches):
            step()
        rates.append(batches * images_per_batch / (time.perf_counter() - start))
    return rates


@dataclass
class Case:
    """One row of the table: a system run one way on one input dtype."""

    system: str
    workload: str
    dtype: str
    steps: Callable[[], contextlib.AbstractContextManager]  # yields the per-batch step
    slow: bool = False
    warmup: int = 1
    compare_with: str = DIRECT
    reference: str = OURS
    rates: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.rates)


# ----------------------------------------------------------------------------
# Inputs and systems


def make_batch(dtype: str):
    """A fixed batch of random pixels in ``[0, 255]`` (content does not change the work done)."""
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (BATCH, SIZE, SIZE, CHANNELS)).astype(dtype)


def ours():
    from keras_augment.cli import default_pipeline

    pipeline = default_pipeline(seed=0)
    return lambda images: pipeline(images, training=True)


def ours_uint8():
    """The same pipeline returning uint8 (``output_dtype="uint8"``), as albumentations does."""
    import keras_augment as ka
    from keras_augment.cli import default_pipeline

    pipeline = ka.Pipeline(default_pipeline(seed=0).layers, output_dtype="uint8")
    return lambda images: pipeline(images, training=True)


def keras_layers():
    import keras

    model = keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", seed=0),
            keras.layers.RandomRotation(20 / 360, seed=1),
            keras.layers.RandomTranslation(0.1, 0.1, seed=2),
            keras.layers.RandomZoom(0.2, seed=3),
        ]
    )
    return lambda images: model(images, training=True)


@contextlib.contextmanager
def tf_data_steps(make_fn, array) -> Iterator[Callable[[], object]]:
    import tensorflow as tf

    dataset = (
        tf.data.Dataset.from_tensors(tf.constant(array))
        .repeat()
        .map(make_fn(), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    yield iter(dataset).__next__


@contextlib.contextmanager
def direct_steps(make_fn, array) -> Iterator[Callable[[], object]]:
    import tensorflow as tf

    fn = make_fn()
    images = tf.constant(array)
    yield lambda: fn(images).numpy()


@contextlib.contextmanager
def tf_function_steps(make_fn, array) -> Iterator[Callable[[], object]]:
    import tensorflow as tf

    fn = tf.function(make_fn())
    images = tf.constant(array)
    yield lambda: fn(images).numpy()


@contextlib.contextmanager
def image_data_generator_steps(array) -> Iterator[Callable[[], object]]:
    import tensorflow as tf

    generator = tf.keras.preprocessing.image.ImageDataGenerator(
        rotation_range=20,
        width_shift_range=0.1,
        height_shift_range=0.1,
        zoom_range=0.2,
        horizontal_flip=True,
    )
    # .flow converts the array to float32 once, here; each batch is then the
    # per-image SciPy loop.
    iterator = generator.flow(array, batch_size=BATCH, shuffle=False, seed=0)
    yield lambda: next(iterator)


def albumentations_transform():
    """HorizontalFlip + Affine with the reference ranges; borders reflected as in Keras."""
    import albumentations as A
    import cv2

    return A.Compose(
        [
            A.HorizontalFlip(p=0.5),
            A.Affine(
                rotate=(-20, 20),
                translate_percent=(-0.1, 0.1),
                scale=(0.8, 1.2),
                border_mode=cv2.BORDER_REFLECT,
                p=1.0,
            ),
        ]
    )


@contextlib.contextmanager
def albumentations_one_process_steps(array) -> Iterator[Callable[[], object]]:
    from common import single_threaded_opencv

    transform = albumentations_transform()
    with single_threaded_opencv():
        yield lambda: [transform(image=image)["image"] for image in array]


@contextlib.contextmanager
def numpy_copy_steps(array) -> Iterator[Callable[[], object]]:
    yield array.copy


def build_cases(processes: int) -> list[Case]:
    cases: list[Case] = []
    for dtype in DTYPES:
        array = make_batch(dtype)
        # Ours and keras.layers side by side, workload by workload, so that a
        # change in machine load between rows hits both alike.
        for workload, steps, warmup in (
            (TF_DATA, tf_data_steps, 3),
            (DIRECT, direct_steps, 1),
            (TF_FUNCTION, tf_function_steps, 1),
        ):
            systems = [(OURS, ours, False)]
            if dtype == "uint8":
                systems.append((OURS_UINT8, ours_uint8, False))
            systems.append(("keras.layers", keras_layers, True))
            for system, make_fn, slow in systems:
                cases.append(
                    Case(
                        system,
                        workload,
                        dtype,
                        lambda s=steps, m=make_fn, a=array: s(m, a),
                        # A parallel map delivers batches in bursts: tf.data rows
                        # always time the full --batches so that bursts average out.
                        slow and workload != TF_DATA,
                        warmup=warmup,
                        compare_with=workload,
                    )
                )
        cases.append(
            Case(
                "ImageDataGenerator",
                FLOW,
                dtype,
                lambda a=array: image_data_generator_steps(a),
                slow=True,
                compare_with=TF_DATA,
            )
        )
        # albumentations returns the input dtype: on uint8, ours returning uint8 is the match.
        peer_reference = OURS_UINT8 if dtype == "uint8" else OURS
        if has_albumentations():
            cases += [
                Case(
                    "albumentations",
                    ALB_TF_DATA,
                    dtype,
                    lambda a=array: albumentations_tf_data_steps(albumentations_transform, a),
                    warmup=3,
                    compare_with=TF_DATA,
                    reference=peer_reference,
                ),
                Case(
                    "albumentations",
                    ONE_PROCESS,
                    dtype,
                    lambda a=array: albumentations_one_process_steps(a),
                    reference=peer_reference,
                ),
                Case(
                    "albumentations",
                    POOL.format(n=processes),
                    dtype,
                    lambda a=array: albumentations_pool_steps(
                        albumentations_transform, a, processes
                    ),
                    warmup=2,
                    compare_with=TF_DATA,
                    reference=peer_reference,
                ),
            ]
        cases.append(Case("NumPy copy (floor)", COPY, dtype, lambda a=array: numpy_copy_steps(a)))
    return cases


# ----------------------------------------------------------------------------
# Breakdown of ours: where the time goes


def breakdown_cases() -> list[Case]:
    """Parts of our pipeline timed alone: parameters, the resampler, tf.data overhead."""
    import tensorflow as tf

    from keras_augment.cli import default_pipeline
    from keras_augment.core import matrices
    from keras_augment.core.base import Batch
    from keras_augment.core.resample import resample

    pipeline = default_pipeline(seed=0)

    def draw_matrices(images):
        batch = Batch(images)
        composed = None
        for layer in pipeline.layers:
            m = layer.get_matrix(layer.draw_params(batch), SIZE, SIZE)
            composed = m if composed is None else matrices.compose(composed, m)
        return composed

    size = tf.constant([SIZE, SIZE])

    # Floors: what XLA needs to read and write the batch once, and to gather it
    # once at computed indices (the resampler gathers four corners per pixel).
    copy_xla = tf.function(lambda x: x + tf.zeros([], x.dtype), jit_compile=True)

    @tf.function(jit_compile=True)
    def gather_xla(x):
        flat = tf.reshape(x, [-1, CHANNELS])
        index = tf.range(tf.shape(flat)[0])
        # Reversed rows: indices computed at run time, every pixel read once.
        return tf.gather(flat, tf.reverse(index, [0]))

    cases = []
    for dtype in DTYPES:
        images = tf.constant(make_batch(dtype))
        fixed = draw_matrices(images)

        @contextlib.contextmanager
        def params_eager(images=images):
            yield lambda: draw_matrices(images).numpy()

        @contextlib.contextmanager
        def params_graph(images=images):
            # No autograph: the drawing code has no tensor-dependent Python control flow.
            fn = tf.function(draw_matrices, autograph=False)
            yield lambda: fn(images).numpy()

        @contextlib.contextmanager
        def resample_only(images=images, fixed=fixed):
            yield lambda: resample(images, fixed, size, None, "bilinear", "reflect", 0.0).numpy()

        @contextlib.contextmanager
        def resample_to_input_dtype(images=images, fixed=fixed, dtype=dtype):
            yield lambda: resample(
                images, fixed, size, None, "bilinear", "reflect", 0.0, output_dtype=dtype
            ).numpy()

        @contextlib.contextmanager
        def xla_copy(images=images):
            yield lambda: copy_xla(images).numpy()

        @contextlib.contextmanager
        def xla_gather(images=images):
            yield lambda: gather_xla(images).numpy()

        @contextlib.contextmanager
        def projective_transform(images=images, fixed=fixed):
            # TF's own fused op (what each Keras layer calls once), same matrices.
            flat = tf.reshape(fixed, [-1, 9])[:, :8]
            yield lambda: tf.raw_ops.ImageProjectiveTransformV3(
                images=images,
                transforms=flat,
                output_shape=size,
                fill_value=0.0,
                interpolation="BILINEAR",
                fill_mode="REFLECT",
            ).numpy()

        @contextlib.contextmanager
        def tf_data_identity(images=images):
            with tf_data_steps(lambda: lambda x: tf.cast(x, tf.float32), images.numpy()) as step:
                yield step

        cases += [
            Case("ours: draw params + matrices", "eager", dtype, params_eager),
            Case("ours: draw params + matrices", "tf.function", dtype, params_graph),
            Case("ours: resample only (XLA), float32 out", "direct", dtype, resample_only),
            Case(
                "ours: resample only (XLA), input dtype out",
                "direct",
                dtype,
                resample_to_input_dtype,
            ),
            Case("XLA: one read + write of the batch (floor)", "direct", dtype, xla_copy),
            Case("XLA: one gather of every pixel (floor)", "direct", dtype, xla_gather),
            Case("tf.raw_ops.ImageProjectiveTransformV3", "direct", dtype, projective_transform),
            Case("tf.data overhead (cast only)", TF_DATA, dtype, tf_data_identity, warmup=3),
        ]
    return cases


# ----------------------------------------------------------------------------
# Reporting


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions() -> dict[str, str]:
    import keras
    import numpy as np
    import tensorflow as tf

    import keras_augment

    found = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_augment": keras_augment.__version__,
        "numpy": np.__version__,
    }
    if has_albumentations():
        import albumentations
        import cv2

        found["albumentations"] = albumentations.__version__
        found["opencv"] = cv2.__version__
    return found


def run(cases: list[Case], repeats: int, batches: int, slow_batches: int) -> None:
    for case in cases:
        n = slow_batches if case.slow else batches
        print(f"  {case.system} | {case.workload} | {case.dtype} ...", file=sys.stderr, flush=True)
        with case.steps() as step:
            case.rates = measure(step, n, repeats, warmup=case.warmup)
        del step  # a tf.data iterator stops its background threads once released


def ours_for(cases: list[Case], case: Case) -> Case | None:
    for other in cases:
        if (
            other.system == case.reference
            and other.workload == case.compare_with
            and other.dtype == case.dtype
        ):
            return other
    return None


def table(cases: list[Case], with_ratio: bool = True) -> str:
    header = ["system", "workload", "input dtype", "images/s (median)", "min-max"]
    if with_ratio:
        header.append("ratio to ours")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for case in cases:
        row = [
            case.system,
            case.workload,
            case.dtype,
            f"{case.median:,.0f}",
            f"{min(case.rates):,.0f}-{max(case.rates):,.0f}",
        ]
        if with_ratio:
            reference = ours_for(cases, case)
            row.append(f"{case.median / reference.median:.2f}" if reference else "-")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def summary(cases: list[Case], target: float = 10.0) -> str:
    lines = []
    for case in cases:
        if case.system == "albumentations" and case.compare_with == TF_DATA:
            reference = ours_for(cases, case)
            speedup = reference.median / case.median
            verdict = "meets" if speedup >= 1.0 else "misses"
            lines.append(
                f"- {reference.system}, {TF_DATA} / albumentations, {case.workload}, "
                f"{case.dtype}: {speedup:.2f}x ({verdict} the 1.0x goal)"
            )
        if case.system != "keras.layers":
            continue
        reference = ours_for(cases, case)
        speedup = reference.median / case.median
        verdict = "meets" if speedup >= target else "misses"
        lines.append(
            f"- ours / keras.layers, {case.workload}, {case.dtype}: {speedup:.1f}x "
            f"({verdict} the {target:.0f}x goal)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="repetitions per row (median taken)")
    parser.add_argument("--batches", type=int, default=8, help="batches per repetition")
    parser.add_argument(
        "--slow-batches",
        type=int,
        default=3,
        help="batches per repetition for ImageDataGenerator and keras.layers outside tf.data",
    )
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 1, help="albumentations pool size"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run with tiny counts")
    parser.add_argument(
        "--breakdown", action="store_true", help="also time the parts of our pipeline"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.batches, args.slow_batches = 3, 2, 1
    if min(args.repeats, args.batches, args.slow_batches, args.processes) < 1:
        parser.error("--repeats, --batches, --slow-batches and --processes must be at least 1")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, ROOT)

    found = versions()
    print("# Geometric augmentation speed\n")
    print(f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} cores")
    print(f"- 1-minute load average at the start: {os.getloadavg()[0]:.1f}")
    print("- versions: " + ", ".join(f"{k} {v}" for k, v in found.items()))
    print(
        f"- workload: batch {BATCH} x {SIZE}x{SIZE}x{CHANNELS}, horizontal flip + rotation 20 deg "
        "+ shift 10% + zoom 20%"
    )
    print(
        f"- median of {args.repeats} repetitions; {args.batches} batches per repetition "
        f"({args.slow_batches} for ImageDataGenerator and keras.layers outside tf.data); warm"
    )
    if args.quick:
        print("- QUICK RUN: a smoke test, not a measurement")
    print()

    cases = build_cases(args.processes)
    run(cases, args.repeats, args.batches, args.slow_batches)
    print(table(cases))
    print(f"\n{RATIO_NOTE}\n")
    print(summary(cases))
    print(f"- 1-minute load average at the end of the table: {os.getloadavg()[0]:.1f}")

    if args.breakdown:
        parts = breakdown_cases()
        run(parts, args.repeats, args.batches, args.slow_batches)
        print("\n## Where our time goes (images/s of each part alone)\n")
        print(table(parts, with_ratio=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
