"""Measurement helpers shared by the benchmark scripts (same loop, same warm-up, everywhere)."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import time
from collections.abc import Callable

import numpy as np

# TensorFlow is imported where it is used: pool workers import this module and need only NumPy.


def measure(step, batches: int, repeats: int, warmup: int = 2, batch_size: int = 32) -> list[float]:
    """Images per second for each of ``repeats`` timed runs of ``batches`` calls of ``step``."""
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batches):
            step()
        rates.append(batches * batch_size / (time.perf_counter() - start))
    return rates


@dataclasses.dataclass
class Contender:
    """One system that ``in_turns`` times.

    ``start()`` returns a context manager giving the step to call during one
    turn (the same step every turn, or, for a ``tf.data`` pipeline, a fresh
    iterator that is dropped when the turn ends). ``cpu_seconds`` is the
    clock of the work (this process's CPU time unless the work runs
    elsewhere; ``None`` where it cannot be read). ``calls`` overrides the
    number of timed calls per turn, and ``count`` maps a step's result to
    the number of items it made (otherwise every call counts ``items``).
    """

    start: Callable[[], contextlib.AbstractContextManager]
    cpu_seconds: Callable[[], float | None] = time.process_time
    calls: int | None = None
    count: Callable[[object], int] | None = None


def kept(step, **kwargs) -> Contender:
    """A ``Contender`` calling the same ``step`` in every turn."""
    return Contender(lambda: contextlib.nullcontext(step), **kwargs)


def fresh_iterator(dataset, **kwargs) -> Contender:
    """A ``Contender`` pulling batches from a new iterator over ``dataset`` in each turn.

    The iterator is dropped (and collected) when its turn ends, so the
    pipeline does not prefetch while another system is timed.
    """

    @contextlib.contextmanager
    def start():
        live = [iter(dataset)]
        try:
            yield lambda: next(live[0]).numpy()
        finally:
            live.clear()
            gc.collect()

    return Contender(start, **kwargs)


def in_turns(
    contenders: dict,
    turns: int,
    calls: int,
    warmup: int = 2,
    items: int = 32,
    rotate: bool = False,
    log=None,
) -> dict:
    """Times ``contenders`` in turns: ``name -> [(items/s, items per CPU second) per turn]``.

    In every turn each contender gets its step, ``warmup`` untimed calls,
    then ``calls`` timed ones; turn ``t`` of every contender runs before turn
    ``t + 1`` of any, so a change in the machine's load falls on all of them
    alike and each turn's ratios are fair ones. ``rotate`` shifts the order
    by one from turn to turn. ``log(turn, {name: rates})`` follows each turn.
    """
    names = list(contenders)
    results = {name: [] for name in names}
    for turn in range(turns):
        shift = turn % len(names) if rotate else 0
        for name in names[shift:] + names[:shift]:
            contender = contenders[name]
            with contender.start() as step:
                for _ in range(warmup):
                    step()
                made = 0
                wall, cpu = time.perf_counter(), contender.cpu_seconds()
                for _ in range(contender.calls if contender.calls is not None else calls):
                    result = step()
                    made += items if contender.count is None else contender.count(result)
                wall, spent = time.perf_counter() - wall, contender.cpu_seconds()
            cpu_rate = None if cpu is None or spent is None else made / max(spent - cpu, 1e-9)
            results[name].append((made / wall, cpu_rate))
        if log is not None:
            log(turn, {name: results[name][-1] for name in names})
    return results


def measure_in_turns(
    steps: dict, batches: int, repeats: int, warmup: int = 2, batch_size: int = 32
) -> dict:
    """``measure`` for several steps taking turns: ``name -> (wall rates, CPU rates)``.

    ``in_turns`` with the same step in every turn. Not for ``tf.data`` steps:
    a pipeline keeps prefetching while the others are timed (``in_turns``
    with ``fresh_iterator`` is).
    """
    turns = in_turns(
        {name: kept(step) for name, step in steps.items()}, repeats, batches, warmup, batch_size
    )
    return {name: ([w for w, _ in rates], [c for _, c in rates]) for name, rates in turns.items()}


def direct_step(layer, images):
    """One call of ``layer`` on ``images``, results pulled to NumPy."""

    def step():
        np.asarray(layer(images, training=True))

    return step


def tf_data_pipeline(layer, images):
    """The ``tf.data`` pipeline of ``tf_data_step``: ``layer`` mapped over ``images`` (AUTOTUNE,
    prefetch), endlessly. Built once, it can hand out fresh iterators without tracing again."""
    import tensorflow as tf

    return (
        tf.data.Dataset.from_tensors(images)
        .repeat()
        .map(lambda x: layer(x, training=True), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def tf_data_step(layer, images):
    """One batch out of a ``tf.data`` pipeline mapping ``layer`` (AUTOTUNE, prefetch)."""
    iterator = iter(tf_data_pipeline(layer, images))

    def step():
        next(iterator).numpy()

    return step


# ----------------------------------------------------------------------------
# Peers: albumentations (OpenCV) inside tf.data, and on a pool of worker processes.
#
# Both take ``make_transform``, a module-level function (so that worker processes
# started with "spawn" can import it) returning an albumentations transform, and a
# NumPy batch ``[n, h, w, c]``. OpenCV runs single-threaded in every process, as in
# a PyTorch DataLoader worker: the parallelism comes from tf.data or from the pool.


def has_albumentations() -> bool:
    try:
        import albumentations  # noqa: F401
        import cv2  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def single_threaded_opencv():
    """OpenCV without its own thread pool in this process, restored on exit."""
    import cv2

    threads = cv2.getNumThreads()
    cv2.setNumThreads(0)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)


@contextlib.contextmanager
def albumentations_tf_data_steps(make_transform, array: np.ndarray, output_shape=None):
    """Yields a step pulling one batch from a ``tf.data`` pipeline that runs albumentations.

    The pipeline is what a Keras user writes: one image at a time through
    ``tf.numpy_function``, ``map(num_parallel_calls=AUTOTUNE)``, ``batch``,
    ``prefetch``. It is built once and kept (the caller warms it), so a step
    times augmentation plus tf.data's hand-over, as the rows of ours do.
    ``output_shape`` is one output image's shape when it is not the input's.
    """
    with single_threaded_opencv():
        iterator = iter(albumentations_tf_data_pipeline(make_transform, array, output_shape))

        yield lambda: next(iterator).numpy()


def albumentations_tf_data_pipeline(make_transform, array: np.ndarray, output_shape=None):
    """The pipeline of ``albumentations_tf_data_steps``, endlessly repeating ``array``.

    Iterate it with OpenCV single-threaded (``single_threaded_opencv``).
    """
    import tensorflow as tf

    transform = make_transform()
    dtype = tf.as_dtype(array.dtype)
    shape = array.shape[1:] if output_shape is None else tuple(output_shape)

    def augment_one(image):
        return transform(image=image)["image"]

    def map_fn(image):
        out = tf.numpy_function(augment_one, [image], dtype, stateful=True)
        out.set_shape(shape)
        return out

    return (
        tf.data.Dataset.from_tensor_slices(array)
        .repeat()
        .map(map_fn, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(len(array))
        .prefetch(tf.data.AUTOTUNE)
    )


# State of a pool worker (see albumentations_pool_steps).
_WORKER: dict = {}


def _pool_worker_init(make_transform, array, shm_name: str) -> None:
    from multiprocessing import shared_memory

    import cv2

    cv2.setNumThreads(0)
    # The parent owns and unlinks the block (spawned workers share its resource tracker).
    shm = shared_memory.SharedMemory(name=shm_name)
    _WORKER.update(
        transform=make_transform(),
        images=array,
        shm=shm,
        out=np.ndarray(array.shape, array.dtype, buffer=shm.buf),
    )


def _pool_worker_share(bounds: tuple[int, int]) -> int:
    transform, images, out = _WORKER["transform"], _WORKER["images"], _WORKER["out"]
    for i in range(*bounds):
        out[i] = transform(image=images[i])["image"]
    return bounds[1] - bounds[0]


@contextlib.contextmanager
def albumentations_pool_steps(make_transform, array: np.ndarray, processes: int):
    """Yields a step that augments the batch on ``processes`` warm worker processes.

    What a step times: each worker augments its share of the batch (images it
    received once, at start-up) and writes the results into one shared-memory
    batch that this process reads, as a DataLoader's workers hand batches over
    in shared memory. No pixels are pickled per batch; only the share's bounds
    go out and its size comes back. The pool (one process per core, started
    with "spawn") lives for the whole measurement.
    """
    import multiprocessing
    from multiprocessing import shared_memory

    shm = shared_memory.SharedMemory(create=True, size=max(array.nbytes, 1))
    # The view is dropped before the block closes (a live view keeps it open).
    views = {"out": np.ndarray(array.shape, array.dtype, buffer=shm.buf)}
    # A few shares per process, so that a worker slowed by other load takes fewer.
    edges = np.linspace(0, len(array), 4 * processes + 1).astype(int).tolist()
    shares = list(zip(edges[:-1], edges[1:], strict=True))
    context = multiprocessing.get_context("spawn")
    try:
        with context.Pool(
            processes, initializer=_pool_worker_init, initargs=(make_transform, array, shm.name)
        ) as pool:

            def step():
                # A timeout, so that workers that cannot start (the pool restarts them
                # forever) fail the measurement instead of hanging it.
                done = sum(pool.map_async(_pool_worker_share, shares, 1).get(timeout=300))
                if done != len(array):
                    raise RuntimeError(f"the pool augmented {done} of {len(array)} images")
                return views["out"]

            # Their CPU time can be read while they live (``processes_cpu_seconds``).
            step.worker_pids = [worker.pid for worker in pool._pool]
            yield step
    finally:
        views.clear()
        with contextlib.suppress(BufferError):  # a caller still holding the batch
            shm.close()
        shm.unlink()


def processes_cpu_seconds(pids) -> float | None:
    """User + system CPU seconds so far of the live processes ``pids`` (Linux ``/proc``), or None."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                # Fields after the command name (which may hold spaces): utime, stime are 14, 15.
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None
    return total / ticks
