"""Iterators behind ``ImageDataGenerator.flow*``: Keras ``PyDataset`` objects.

Each iterator yields batches built in three steps: gather (index the
arrays, or decode image files with PIL in a thread pool), augment and
normalise the whole batch through its generator (one resampling pass), and
attach the targets selected by the same indices, so labels, sample weights
and extra arrays always stay with their images.

Order and randomness:

* Epoch ``e`` visits the samples in ``arange(n)`` or, with ``shuffle``, in a
  NumPy permutation seeded by ``(seed, e)``; every sample appears exactly
  once per epoch and the last batch may be smaller.
* Batch ``i`` of epoch ``e`` is augmented from the stateless seed
  ``(seed, e * len(iterator) + i)``. So ``iterator[i]`` is reproducible
  within an epoch, two iterators with the same arguments and seed stay in
  step (images and masks), and :meth:`Iterator.as_dataset` yields the same
  stream through ``tf.data``.
* ``next(iterator)`` walks the batches in order and starts a new epoch
  (a new order) after the last one, as the legacy iterators did;
  ``on_epoch_end`` (called by ``model.fit``) also starts a new epoch.

Read-ahead: since a batch depends only on its indices and seed, the array
iterator (``flow``) starts augmenting the next batches of the epoch on
worker threads while the caller uses the current one (see
:class:`_ReadAhead`). The compiled augmentation releases the GIL, so the
cores work in parallel, and a batch computed ahead is identical to one
computed on demand.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import os
import sys
import threading
import warnings
from collections import OrderedDict

import keras
import numpy as np
import tensorflow as tf

from keras_augment.core.random import default_seed
from keras_augment.core.validation import check_choice
from keras_augment.image.io import (
    COLOR_MODES,
    IMAGE_EXTENSIONS,
    UnreadableImageError,
    list_image_files,
    load_image,
)

RESIZE_METHODS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
# The Keras PyDataset arguments every iterator (and every flow* method) takes.
PYDATASET_ARGUMENTS = ("workers", "use_multiprocessing", "max_queue_size")
ON_ERROR = ("raise", "skip")

_POOL: concurrent.futures.ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    # PIL releases the GIL while decoding and resizing, so threads decode in parallel.
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            workers = max(2, min(8, os.cpu_count() or 1))
            _POOL = concurrent.futures.ThreadPoolExecutor(workers, "keras_augment_decode")
    return _POOL


_AHEAD_POOL: concurrent.futures.ThreadPoolExecutor | None = None


def _read_ahead_depth() -> int:
    """How many batches the array iterator works ahead: one per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


def _ahead_pool() -> concurrent.futures.ThreadPoolExecutor:
    # A pool of its own, so that batches computed ahead never wait behind file decoding.
    global _AHEAD_POOL
    with _POOL_LOCK:
        if _AHEAD_POOL is None:
            _AHEAD_POOL = concurrent.futures.ThreadPoolExecutor(
                _read_ahead_depth(), "keras_augment_read_ahead"
            )
    return _AHEAD_POOL


class _ReadAhead:
    """Computes the next batches of an epoch on worker threads while the caller uses this one.

    ``compute(index_array, seed)`` must be a pure function of its arguments.
    :meth:`take` returns ``compute(index_array, seed)``, from a batch started
    earlier when there is one, and starts the ``upcoming`` batches (pairs of
    indices and seeds). Started batches that are no longer upcoming are
    dropped, so at most ``len(upcoming)`` wait in memory.
    """

    def __init__(self, compute):
        self._compute = compute
        self._pending: dict[tuple[bytes, bytes], concurrent.futures.Future] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(index_array: np.ndarray, seed: np.ndarray) -> tuple[bytes, bytes]:
        return np.asarray(index_array).tobytes(), np.asarray(seed).tobytes()

    def take(self, index_array: np.ndarray, seed: np.ndarray, upcoming=()):
        wanted = {self._key(i, s): (i, s) for i, s in upcoming}
        with self._lock:
            future = self._pending.pop(self._key(index_array, seed), None)
            for key in [k for k in self._pending if k not in wanted]:
                self._pending.pop(key).cancel()
            for key, args in wanted.items():
                if key not in self._pending:
                    self._pending[key] = _ahead_pool().submit(self._compute, *args)
        if future is None:
            return self._compute(index_array, seed)
        return future.result()


class _IndexOutOfRange(IndexError, ValueError):
    """Raised for a batch index past the end (a ValueError, as in the legacy class)."""


def _check_batch_size(where: str, batch_size) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise ValueError(f"{where}: `batch_size` must be a positive int; got {batch_size!r}.")
    if batch_size < 1:
        raise ValueError(f"{where}: `batch_size` must be a positive int; got {batch_size!r}.")
    return int(batch_size)


def _check_save(where: str, save_to_dir, save_prefix, save_format) -> None:
    if save_to_dir is None:
        return
    from PIL import Image

    prefix = str(save_prefix)
    if os.sep in prefix or (os.altsep and os.altsep in prefix) or prefix in (".", ".."):
        raise ValueError(
            f"{where}: `save_prefix` must be a plain file-name prefix (no path separators), "
            f"so that images are written inside `save_to_dir`; got {save_prefix!r}."
        )
    if "." + str(save_format).lower() not in Image.registered_extensions():
        raise ValueError(
            f"{where}: `save_format` {save_format!r} is not an image format PIL can write "
            "(e.g. 'png', 'jpeg', 'bmp', 'tiff')."
        )


def _lists_to_tuples(structure):
    # tf.data would stack a list into one tensor; a tuple keeps its parts apart.
    if isinstance(structure, (list, tuple)):
        return tuple(_lists_to_tuples(s) for s in structure)
    return structure


def _keras2_sequence() -> tuple[type, ...]:
    """``(tf_keras.utils.Sequence,)`` when the program runs Keras 2 (``tf_keras``), else ``()``.

    ``tf_keras``' ``fit`` recognises a finite, indexable dataset only by this
    base class; anything else with ``__next__`` is read as an endless
    generator whose epochs never end. So when ``TF_USE_LEGACY_KERAS`` is set
    (the way TensorFlow itself decides to route ``tf.keras`` to Keras 2) or
    ``tf_keras`` is already imported, the iterators also derive from its
    ``Sequence``. Otherwise ``tf_keras`` is not imported (it is large).
    """
    legacy = os.environ.get("TF_USE_LEGACY_KERAS") in ("true", "True", "1")
    if not legacy and "tf_keras" not in sys.modules:
        return ()
    try:
        from tf_keras.utils import Sequence
    except ImportError:
        return ()
    return (Sequence,)


class Iterator(keras.utils.PyDataset, *_keras2_sequence()):
    """Base class of the legacy iterators (a Keras ``PyDataset``).

    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are the
    ``PyDataset`` arguments: Keras 3's ``fit`` reads them from the dataset
    (Keras 2 took them in ``fit``). Batches are built on ``workers`` threads
    even when ``use_multiprocessing=True``: TensorFlow cannot run in
    processes forked from a process that has started it (they hang), and
    the augmentation releases the GIL, so threads already use every core.
    The value asked for stays in ``multiprocessing_requested``.

    Under Keras 2 (``tf_keras``, see ``TF_USE_LEGACY_KERAS``) the iterators
    are also ``tf_keras.utils.Sequence`` objects, so ``tf_keras``' ``fit``,
    ``evaluate`` and ``predict`` end each epoch after ``len(iterator)``
    batches and call ``on_epoch_end`` (a new order when shuffling).

    Subclasses implement ``_load(index_array)``, returning the raw images in
    the generator's data format and the indices actually loaded, and
    ``_targets(index_array, batch_x)``.

    Attributes: ``n`` (samples), ``batch_size``, ``shuffle``, ``seed``,
    ``batch_index``, ``total_batches_seen``, ``index_array`` (this epoch's
    order) and ``epoch``.
    """

    white_list_formats = IMAGE_EXTENSIONS

    def __init__(
        self,
        n: int,
        batch_size: int,
        shuffle: bool,
        seed: int | None,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ):
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=max_queue_size)
        self.multiprocessing_requested = bool(use_multiprocessing)
        self.n = int(n)
        self.batch_size = _check_batch_size(type(self).__name__, batch_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        self._base_seed = int(seed) if seed is not None else default_seed()
        self.epoch = 0
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None
        self.lock = threading.Lock()
        if self.n == 0:
            raise ValueError(f"{type(self).__name__}: there are no samples to iterate over.")

    # -- order and seeds ------------------------------------------------

    def _epoch_order(self, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.n)
        return np.random.default_rng([self._base_seed, epoch]).permutation(self.n)

    def _set_index_array(self) -> None:
        self.index_array = self._epoch_order(self.epoch)

    def _batch_seed(self, epoch: int, idx: int) -> np.ndarray:
        return np.array([self._base_seed, epoch * len(self) + idx], dtype=np.int64)

    def _slice(self, order: np.ndarray, idx: int) -> np.ndarray:
        return order[self.batch_size * idx : self.batch_size * (idx + 1)]

    # -- Sequence / PyDataset protocol -----------------------------------

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    @property
    def num_batches(self) -> int:
        return len(self)

    def __getitem__(self, idx: int):
        length = len(self)
        if idx < 0:
            idx += length
        if not 0 <= idx < length:
            raise _IndexOutOfRange(
                f"{type(self).__name__}: asked for batch {idx}, but there are {length} batches."
            )
        with self.lock:
            if self.index_array is None:
                self._set_index_array()
            order = self.index_array
            epoch = self.epoch
            self.total_batches_seen += 1
        return self._batch_of(order, epoch, idx)

    def on_epoch_end(self) -> None:
        with self.lock:
            self.epoch += 1
            self._set_index_array()

    def reset(self) -> None:
        self.batch_index = 0

    def __iter__(self):
        return self

    def next(self):
        """The next batch (the Keras 2 spelling of ``next(iterator)``)."""
        return self.__next__()

    def __next__(self):
        with self.lock:
            if self.batch_index == 0 or self.index_array is None:
                self._set_index_array()
            idx = self.batch_index
            order = self.index_array
            epoch = self.epoch
            self.batch_index += 1
            if self.batch_index >= len(self):
                self.batch_index = 0
                self.epoch += 1
            self.total_batches_seen += 1
        return self._batch_of(order, epoch, idx)

    # -- batches ----------------------------------------------------------

    _reads_ahead = False

    def _batch_of(self, order: np.ndarray, epoch: int, idx: int):
        """Batch ``idx`` of ``epoch`` (whose sample order is ``order``)."""
        upcoming = ()
        if self._reads_ahead:
            last = min(len(self), idx + 1 + _read_ahead_depth())
            upcoming = [
                (self._slice(order, j), self._batch_seed(epoch, j)) for j in range(idx + 1, last)
            ]
        return self._batch(self._slice(order, idx), self._batch_seed(epoch, idx), upcoming)

    def _batch(self, index_array: np.ndarray, seed: np.ndarray, upcoming=()):
        batch_x, index_array = self._augmented(index_array, seed, upcoming)
        if self.save_to_dir:
            self._save(batch_x, index_array, seed)
        return self._targets(index_array, batch_x)

    def _augmented(self, index_array: np.ndarray, seed, upcoming=()):
        """The augmented, normalised images of ``index_array`` and the indices actually loaded.

        ``upcoming`` lists the ``(index_array, seed)`` of the batches likely to
        be asked for next, for iterators that read ahead.
        """
        raw, index_array = self._load(index_array)
        return self._process(raw, seed), index_array

    def _process(self, raw: np.ndarray, seed) -> np.ndarray:
        generator = self.image_data_generator
        if generator is None:
            return np.asarray(raw, dtype=self.dtype)
        if len(raw) == 0:
            return np.asarray(raw, dtype=self.dtype)
        return generator.process_batch(raw, seed)

    def _save(self, batch_x: np.ndarray, index_array: np.ndarray, seed) -> None:
        os.makedirs(self.save_to_dir, exist_ok=True)
        rng = np.random.default_rng(np.asarray(seed, dtype=np.int64))
        for image, index in zip(batch_x, index_array, strict=True):
            # Legacy names: {prefix}_{index}_{random number}.{format}; never overwrite.
            while True:
                name = f"{self.save_prefix}_{index}_{rng.integers(self._hash_range)}"
                path = os.path.join(self.save_to_dir, f"{name}.{self.save_format}")
                if not os.path.exists(path):
                    break
            keras.utils.array_to_img(image, self.data_format, scale=True).save(path)

    _hash_range = 10**4

    def _load(self, index_array: np.ndarray):
        raise NotImplementedError

    def _targets(self, index_array: np.ndarray, batch_x: np.ndarray):
        raise NotImplementedError

    # -- tf.data ----------------------------------------------------------

    def as_dataset(self) -> tf.data.Dataset:
        """The same stream of batches as a ``tf.data.Dataset`` (one epoch per iteration).

        The first pass over the dataset yields epoch 0 (batch ``i`` equal to
        ``iterator[i]`` before any ``on_epoch_end``), the next pass epoch 1,
        and so on, so ``model.fit(iterator.as_dataset(), epochs=...)`` sees a
        new order and new augmentations every epoch. Loading runs in a Python
        generator; augmentation and normalisation run in a parallel
        ``map`` and batches are prefetched. ``save_to_dir`` is not honoured
        on this path. The generator's statistics (``fit``) are read when the
        dataset is built. For in-memory arrays only the batch indices pass
        through the Python generator: the map gathers the images from the
        source tensor, in their own dtype.
        """
        generator = self.image_data_generator
        source = self._source()
        raw_shape = tuple(self._raw_shape())
        probe = _lists_to_tuples(self._targets(np.arange(1), np.zeros((1, *raw_shape), self.dtype)))
        flat_probe = tf.nest.flatten(probe)
        # Where the augmented images go in the flattened output: first, and
        # again as the target with class_mode="input".
        image_slots = [0, 1] if getattr(self, "class_mode", None) == "input" else [0]
        specs = tuple(
            tf.TensorSpec((None, *np.shape(a)[1:]), tf.as_dtype(np.asarray(a).dtype))
            for a in flat_probe
        )
        if source is not None:
            # The image slot carries the batch's indices into ``source``.
            specs = (tf.TensorSpec([None], tf.int32),) + specs[1:]
        epochs = itertools.count()

        def batches():
            epoch = next(epochs)
            order = self._epoch_order(epoch)
            for idx in range(len(self)):
                index_array = self._slice(order, idx)
                if source is None:
                    raw, index_array = self._load(index_array)
                    raw = np.asarray(raw, self.dtype)
                else:
                    raw = np.asarray(index_array, np.int32)
                flat = tf.nest.flatten(self._targets(index_array, raw))
                yield self._batch_seed(epoch, idx), tuple(np.asarray(a) for a in flat)

        dataset = tf.data.Dataset.from_generator(
            batches, output_signature=(tf.TensorSpec([2], tf.int64), specs)
        )
        dtype = tf.as_dtype(self.dtype)

        def finish(seed, flat):
            if source is None:
                raw, indices = flat[0], None
            else:
                raw, indices = source, flat[0]
            if generator is None:
                images = raw if indices is None else tf.gather(raw, indices)
                images = tf.cast(images, dtype)
            else:
                images = generator.augment_batch(raw, seed, indices)
                if generator.normalizes:
                    images = tf.numpy_function(
                        lambda b: generator.normalize_batch(b, self.dtype),
                        [images],
                        dtype,
                        stateful=False,
                    )
                    images = tf.ensure_shape(images, (None, *raw_shape))
                images = tf.cast(images, dtype)
            flat = list(flat)
            for slot in image_slots:
                flat[slot] = images
            return tf.nest.pack_sequence_as(probe, flat)

        dataset = dataset.map(finish, num_parallel_calls=tf.data.AUTOTUNE)
        # Known length, so that Keras counts the steps of an epoch.
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(self)))
        return dataset.prefetch(tf.data.AUTOTUNE)

    def _raw_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    def _source(self) -> tf.Tensor | None:
        """The tensor holding every image, when batches are gathered from one (else None)."""
        return None


def _same_length(where: str, x: np.ndarray, values, name: str, pair: str):
    """``values`` as an array (None stays None), refused when its length is not ``len(x)``."""
    if values is None:
        return None
    values = np.asarray(values)
    if len(values) != len(x):
        raise ValueError(
            f"{where}: {pair} must have the same length; got "
            f"x.shape = {x.shape}, {name}.shape = {values.shape}."
        )
    return values


class NumpyArrayIterator(Iterator):
    """Batches from in-memory arrays (``ImageDataGenerator.flow``)."""

    def __init__(
        self,
        x,
        y,
        image_data_generator,
        batch_size: int = 32,
        shuffle: bool = False,
        sample_weight=None,
        seed: int | None = None,
        data_format: str | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        ignore_class_split: bool = False,
        subset: str | None = None,
        dtype: str | None = None,
        **kwargs,
    ):
        where = "ImageDataGenerator.flow"
        self.data_format = data_format or keras.config.image_data_format()
        self.dtype = dtype or keras.config.floatx()
        if isinstance(x, (tuple, list)):
            if len(x) != 2:
                raise ValueError(
                    f"{where}: a tuple `x` must be (images, extra) or (images, [extras]); "
                    f"got {len(x)} items."
                )
            extras = x[1] if isinstance(x[1], list) else [x[1]]
            x_misc = [np.asarray(a) for a in extras]
            x = x[0]
        else:
            x_misc = []
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"{where}: `x` must be a rank-4 array of images; got shape {x.shape}.")
        for extra in x_misc:
            if len(extra) != len(x):
                raise ValueError(
                    f"{where}: every array in `x` must have the same length; got "
                    f"{len(x)} images and an extra array of length {len(extra)}."
                )
        y = _same_length(where, x, y, "y", "`x` (images) and `y` (labels)")
        sample_weight = _same_length(
            where, x, sample_weight, "sample_weight", "`x` and `sample_weight`"
        )
        if subset is not None:
            check_choice(where, "subset", subset, ("training", "validation"))
            split = int(len(x) * image_data_generator.validation_split)
            if (
                y is not None
                and not ignore_class_split
                and not np.array_equal(np.unique(y[:split]), np.unique(y[split:]))
            ):
                raise ValueError(
                    f"{where}: the training and validation subsets have different classes "
                    "after the split. If your arrays are sorted by label, shuffle them first "
                    "(or pass ignore_class_split=True)."
                )
            part = slice(0, split) if subset == "validation" else slice(split, None)
            x = x[part]
            x_misc = [a[part] for a in x_misc]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        channels_axis = 3 if self.data_format == "channels_last" else 1
        if x.shape[channels_axis] not in (1, 3, 4):
            warnings.warn(
                f'{where}: data_format "{self.data_format}" expects 1, 3 or 4 channels on '
                f"axis {channels_axis}; got an array of shape {x.shape}.",
                stacklevel=3,
            )
        _check_save(where, save_to_dir, save_prefix, save_format)
        # The images live in one tensor (in their own dtype: uint8 stays uint8), so a
        # batch is gathered by TF without copying it through NumPy first.
        self._x = tf.convert_to_tensor(x)
        self._ahead = None
        self.x_misc = x_misc
        self.y = y
        self.sample_weight = sample_weight
        self.image_data_generator = image_data_generator
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.subset = subset
        super().__init__(len(x), batch_size, shuffle, seed, **kwargs)

    def _raw_shape(self):
        return tuple(self._x.shape[1:])

    def _source(self):
        return self._x

    def _load(self, index_array):
        return tf.gather(self._x, index_array), index_array

    @property
    def _reads_ahead(self) -> bool:
        return self.image_data_generator is not None

    def _augmented(self, index_array, seed, upcoming=()):
        generator = self.image_data_generator
        if generator is None or len(index_array) == 0:
            return super()._augmented(index_array, seed)
        if self._ahead is None:
            # The batch is gathered from the source tensor inside the augmenter's graph.
            source = self._x
            self._ahead = _ReadAhead(
                lambda indices, seed: generator.augment_array(source, seed, indices=indices)
            )
        augmented = self._ahead.take(index_array, seed, upcoming)
        return generator.normalize_batch(augmented), index_array

    @property
    def x(self) -> np.ndarray:
        """The images iterated over (a read-only NumPy view)."""
        return self._x.numpy()

    def _targets(self, index_array, batch_x):
        # As the legacy class: extra arrays come in a list after the images.
        images = batch_x
        if self.x_misc:
            images = [batch_x] + [a[index_array] for a in self.x_misc]
        if self.y is None:
            return images
        output = (images, self.y[index_array])
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output


class _FileIterator(Iterator):
    """Shared parts of the directory and data-frame iterators."""

    _hash_range = 10**7

    def _set_file_options(self, where: str, arguments: dict) -> None:
        """Checks and keeps the options both file iterators take, by name from ``arguments``."""
        target_size, color_mode = arguments["target_size"], arguments["color_mode"]
        save_to_dir, save_prefix = arguments["save_to_dir"], arguments["save_prefix"]
        save_format, interpolation = arguments["save_format"], arguments["interpolation"]
        on_error, subset = arguments["on_error"], arguments["subset"]
        image_data_generator = arguments["image_data_generator"]
        if (
            not isinstance(target_size, (tuple, list))
            or len(target_size) != 2
            or not all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
                for v in target_size
            )
        ):
            raise ValueError(
                f"{where}: `target_size` must be a (height, width) pair of positive ints; "
                f"got {target_size!r}."
            )
        check_choice(where, "color_mode", color_mode, tuple(COLOR_MODES))
        check_choice(where, "interpolation", interpolation, RESIZE_METHODS)
        check_choice(where, "on_error", on_error, ON_ERROR)
        _check_save(where, save_to_dir, save_prefix, save_format)
        self.image_data_generator = image_data_generator
        self.target_size = (int(target_size[0]), int(target_size[1]))
        self.color_mode = color_mode
        self.data_format = arguments["data_format"] or keras.config.image_data_format()
        channels = COLOR_MODES[color_mode]
        if self.data_format == "channels_last":
            self.image_shape = self.target_size + (channels,)
        else:
            self.image_shape = (channels,) + self.target_size
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        self.keep_aspect_ratio = bool(arguments["keep_aspect_ratio"])
        self.dtype = arguments["dtype"] or keras.config.floatx()
        self.on_error = on_error
        self.skipped_files: list[str] = []
        self._skip_lock = threading.Lock()
        if subset is not None:
            check_choice(where, "subset", subset, ("training", "validation"))
            fraction = image_data_generator.validation_split
            self.split = (0.0, fraction) if subset == "validation" else (fraction, 1.0)
        else:
            self.split = None
        self.subset = subset

    def _raw_shape(self):
        return self.image_shape

    def _read(self, path: str):
        try:
            # Native dtype (uint8 for most files): a quarter of the float32 bytes to move.
            image = load_image(
                path,
                self.color_mode,
                self.target_size,
                self.interpolation,
                self.keep_aspect_ratio,
                dtype=None,
            )
        except UnreadableImageError as err:
            if self.on_error == "raise":
                raise
            with self._skip_lock:
                if path not in self.skipped_files:
                    self.skipped_files.append(path)
            warnings.warn(f"Skipping an unreadable image: {err}", stacklevel=2)
            return None
        if self.data_format == "channels_first":
            image = np.transpose(image, (2, 0, 1))
        return image

    def _load(self, index_array):
        paths = self.filepaths
        images = list(_pool().map(self._read, [paths[j] for j in index_array]))
        kept = np.array([img is not None for img in images], dtype=bool)
        index_array = np.asarray(index_array)[kept]
        images = [img for img in images if img is not None]
        if not images:
            return np.zeros((0, *self.image_shape), np.float32), index_array
        return np.stack(images), index_array

    @property
    def num_skipped(self) -> int:
        """How many unreadable files were skipped so far (``on_error="skip"``)."""
        return len(self.skipped_files)

    def _targets(self, index_array, batch_x):
        mode = self.class_mode
        n = len(index_array)
        if mode == "input":
            batch_y = batch_x.copy()
        elif mode in ("binary", "sparse"):
            batch_y = np.asarray([self.classes[j] for j in index_array], dtype=self.dtype)
            batch_y = batch_y.reshape(n)
        elif mode == "categorical":
            batch_y = np.zeros((n, len(self.class_indices)), dtype=self.dtype)
            for row, j in enumerate(index_array):
                batch_y[row, self.classes[j]] = 1.0
        elif mode == "multi_output":
            batch_y = [target[index_array] for target in self.labels]
        elif mode == "raw":
            batch_y = self.labels[index_array]
        else:
            return batch_x
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]


class DirectoryIterator(_FileIterator):
    """Batches of images read from ``directory/<class>/...`` (``flow_from_directory``).

    Attributes: ``filenames`` (relative to ``directory``), ``filepaths``,
    ``classes`` (int32 class index per sample), ``class_indices``,
    ``labels``, ``samples``, ``num_classes``, ``image_shape``.
    """

    allowed_class_modes = ("categorical", "binary", "sparse", "input", None)

    def __init__(
        self,
        directory,
        image_data_generator,
        target_size=(256, 256),
        color_mode: str = "rgb",
        classes=None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        data_format: str | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
        dtype: str | None = None,
        on_error: str = "raise",
        **kwargs,
    ):
        where = "ImageDataGenerator.flow_from_directory"
        self._set_file_options(where, locals())
        check_choice(where, "class_mode", class_mode, self.allowed_class_modes)
        self.class_mode = class_mode
        directory = os.fspath(directory)
        self.directory = directory
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"{where}: directory '{directory}' does not exist.")
        if classes:
            classes = list(classes)
            for name in classes:
                if not os.path.isdir(os.path.join(directory, name)):
                    raise FileNotFoundError(
                        f"{where}: class folder '{os.path.join(directory, name)}' does not exist."
                    )
        else:
            classes = sorted(
                name
                for name in os.listdir(directory)
                if os.path.isdir(os.path.join(directory, name))
            )
            if not classes:
                raise ValueError(
                    f"{where}: '{directory}' has no subfolders; put the images in one subfolder "
                    "per class (or in a single subfolder when class_mode=None)."
                )
        self.num_classes = len(classes)
        self.class_indices = {name: i for i, name in enumerate(classes)}

        self.filenames: list[str] = []
        labels: list[int] = []
        for name in classes:
            folder = os.path.join(directory, name)
            files = list_image_files(folder, follow_links)
            if self.split is not None:
                start = int(self.split[0] * len(files))
                stop = int(self.split[1] * len(files))
                files = files[start:stop]
            self.filenames += [os.path.join(name, os.path.relpath(f, folder)) for f in files]
            labels += [self.class_indices[name]] * len(files)
        self.classes = np.asarray(labels, dtype="int32")
        self.samples = len(self.filenames)
        if self.samples == 0:
            raise ValueError(
                f"{where}: found no images in the class folders of '{directory}' "
                f"(subset={subset!r}; looked for {', '.join(IMAGE_EXTENSIONS)})."
            )
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed, **kwargs)

    @property
    def filepaths(self) -> list[str]:
        return self._filepaths

    @property
    def labels(self) -> np.ndarray:
        return self.classes

    @property
    def sample_weight(self):
        return None


def _deprecated_dataframe_arguments(where: str, class_mode, kwargs: dict):
    """Warns of and drops the legacy data-frame arguments; returns ``class_mode`` ("other" is "raw").

    The warnings point at the caller of ``flow_from_dataframe``.
    """
    for old in ("has_ext", "sort", "drop_duplicates"):
        if old in kwargs:
            warnings.warn(
                f"`{old}` is deprecated and ignored by flow_from_dataframe.",
                DeprecationWarning,
                stacklevel=5,
            )
            kwargs.pop(old)
    unknown = sorted(set(kwargs) - set(PYDATASET_ARGUMENTS))
    if unknown:
        raise TypeError(f"{where}: unexpected arguments {unknown}.")
    if class_mode == "other":
        warnings.warn(
            '`class_mode="other"` is deprecated, please use `class_mode="raw"`.',
            DeprecationWarning,
            stacklevel=5,
        )
        return "raw"
    return class_mode


class DataFrameIterator(_FileIterator):
    """Batches of images listed in a pandas data frame (``flow_from_dataframe``)."""

    allowed_class_modes = ("binary", "categorical", "input", "multi_output", "raw", "sparse", None)

    def __init__(
        self,
        dataframe,
        directory=None,
        image_data_generator=None,
        x_col: str = "filename",
        y_col="class",
        weight_col: str | None = None,
        target_size=(256, 256),
        color_mode: str = "rgb",
        classes=None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        data_format: str | None = "channels_last",
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        interpolation: str = "nearest",
        validate_filenames: bool = True,
        keep_aspect_ratio: bool = False,
        dtype: str | None = "float32",
        on_error: str = "raise",
        **kwargs,
    ):
        where = "ImageDataGenerator.flow_from_dataframe"
        class_mode = _deprecated_dataframe_arguments(where, class_mode, kwargs)
        self._set_file_options(where, locals())
        check_choice(where, "class_mode", class_mode, self.allowed_class_modes)
        self.class_mode = class_mode
        self.directory = "" if directory is None else os.fspath(directory)
        df = dataframe.copy()
        self._check_columns(where, df, x_col, y_col, weight_col, classes)
        if validate_filenames:
            df = self._existing_images(where, df, x_col)
        labelled = class_mode not in ("input", "multi_output", "raw", None)
        if labelled:
            df, classes = self._filter_classes(df, y_col, classes)
            self.class_indices = {name: i for i, name in enumerate(classes)}
        if self.split is not None:
            start = int(self.split[0] * len(df))
            stop = int(self.split[1] * len(df))
            df = df.iloc[start:stop]
        if labelled:
            self.classes = [
                [self.class_indices[c] for c in label]
                if isinstance(label, (list, tuple))
                else self.class_indices[label]
                for label in df[y_col]
            ]
            if class_mode in ("binary", "sparse"):
                self.classes = np.asarray(self.classes, dtype="int32")
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].to_numpy() if weight_col else None
        if class_mode == "multi_output":
            self._targets_list = [np.array(df[col].tolist()) for col in y_col]
        elif class_mode == "raw":
            self._targets_list = df[y_col].to_numpy()
        self.samples = len(self.filenames)
        checked = "validated" if validate_filenames else "non-validated"
        if labelled:
            print(
                f"Found {self.samples} {checked} image filenames belonging to "
                f"{len(self.class_indices)} classes."
            )
        else:
            print(f"Found {self.samples} {checked} image filenames.")
        if self.samples == 0:
            raise ValueError(f"{where}: no usable image files in the data frame.")
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed, **kwargs)

    def _existing_images(self, where, df, x_col):
        """The rows of ``df`` whose file exists and has an image extension (warns of the rest)."""
        paths = df[x_col].map(lambda f: os.path.join(self.directory, f))
        valid = paths.map(
            lambda p: (
                p.lower().endswith(tuple("." + e for e in IMAGE_EXTENSIONS)) and os.path.isfile(p)
            )
        )
        invalid = int((~valid).sum())
        if invalid:
            warnings.warn(
                f'{where}: found {invalid} invalid image filename(s) in x_col="{x_col}" '
                "(missing files or unsupported extensions); they will be ignored.",
                stacklevel=4,
            )
        return df[valid.to_numpy()]

    def _check_columns(self, where, df, x_col, y_col, weight_col, classes):
        mode = self.class_mode
        columns = [x_col] + (
            list(y_col)
            if isinstance(y_col, (list, tuple))
            else [y_col]
            if mode not in ("input", None)
            else []
        )
        if weight_col:
            columns.append(weight_col)
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise KeyError(f"{where}: the data frame has no column(s) {missing}.")
        if mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(
                f'{where}: class_mode="multi_output" needs y_col to be a list of columns; '
                f"got {type(y_col).__name__}."
            )
        if not all(isinstance(v, str) for v in df[x_col]):
            raise TypeError(f"{where}: every value in x_col={x_col!r} must be a string.")
        if mode in ("binary", "sparse") and not all(isinstance(v, str) for v in df[y_col]):
            raise TypeError(f'{where}: class_mode="{mode}" needs string labels in y_col={y_col!r}.')
        if mode == "binary":
            count = len(set(classes)) if classes else df[y_col].nunique()
            if count != 2:
                raise ValueError(f'{where}: class_mode="binary" needs 2 classes; found {count}.')
        if mode == "categorical" and not all(isinstance(v, (str, list, tuple)) for v in df[y_col]):
            raise TypeError(
                f'{where}: class_mode="categorical" needs labels in y_col={y_col!r} to be '
                "strings, lists or tuples."
            )
        if classes and mode in ("input", "multi_output", "raw", None):
            warnings.warn(f'{where}: `classes` is ignored with class_mode="{mode}".', stacklevel=4)
        if weight_col and not np.issubdtype(df[weight_col].dtype, np.number):
            raise TypeError(f"{where}: column weight_col={weight_col!r} must be numeric.")

    @staticmethod
    def _filter_classes(df, y_col, classes):
        if classes:
            classes = list(OrderedDict.fromkeys(classes))
            wanted = set(classes)

            def keep(label):
                if isinstance(label, (list, tuple)):
                    kept = [c for c in label if c in wanted]
                    return kept or None
                return label if label in wanted else None

            df = df.copy()
            df[y_col] = df[y_col].map(keep)
            df = df[df[y_col].notna()]
        else:
            found = set()
            for label in df[y_col]:
                if isinstance(label, (list, tuple)):
                    found.update(label)
                else:
                    found.add(label)
            classes = sorted(found)
        return df, classes

    @property
    def filepaths(self) -> list[str]:
        return self._filepaths

    @property
    def labels(self):
        if self.class_mode in ("multi_output", "raw"):
            return self._targets_list
        return self.classes

    @property
    def sample_weight(self):
        return self._sample_weight
