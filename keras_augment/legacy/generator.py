"""``ImageDataGenerator``: the legacy Keras API over the fused, batched core.

``from keras_augment import ImageDataGenerator`` replaces
``from tensorflow.keras.preprocessing.image import ImageDataGenerator`` with
nothing else changed: the same 23 constructor arguments and defaults, the
same methods and the same parameter dicts. What changes is underneath: a
whole batch is transformed at once (one 3x3 matrix per sample, one pass of
the XLA-compiled resampler) instead of one SciPy call per image and
channel, and random parameters come from stateless TF ops keyed by a seed.

Deliberate differences from the legacy class, all documented on the
methods concerned:

* ``interpolation_order`` accepts 0 (nearest) and 1 (bilinear, the
  default); SciPy's higher spline orders are not offered.
* Random parameters come from a seed-keyed stream, not NumPy's global
  state: ``get_random_transform(shape, seed=s)`` is reproducible, but its
  values differ from the legacy class's for the same ``s`` (their
  distributions are the same).
* Brightness keeps the legacy PIL semantics (multiply, clip to ``[0, 255]``,
  256 levels), but images whose values lie in ``[0, 1]`` are not destroyed
  by the 8-bit conversion: they are stretched like any other range.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import warnings
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from keras_augment.core.random import default_seed
from keras_augment.core.validation import check_choice, check_data_format, check_number, check_pair
from keras_augment.legacy import transforms
from keras_augment.legacy.iterators import (
    PYDATASET_ARGUMENTS,
    DataFrameIterator,
    DirectoryIterator,
    Iterator,
    NumpyArrayIterator,
)

_NAME = "ImageDataGenerator"
_FILL_MODES = ("nearest", "reflect", "constant", "wrap")
# What a flow* method passes to its iterator from the generator itself.
_FROM_GENERATOR = ("image_data_generator", "data_format", "dtype")


def _flow_signature(iterator: type, method, extra_keywords: bool, defaults: dict):
    """The signature of a ``flow*`` method: its iterator's arguments, less what the generator gives."""
    own = inspect.signature(method)
    params = [own.parameters["self"]]
    for param in inspect.signature(iterator.__init__).parameters.values():
        if param.name == "self" or param.name in _FROM_GENERATOR:
            continue
        if param.kind is param.VAR_KEYWORD:
            continue
        params.append(param.replace(default=defaults.get(param.name, param.default)))
    base = inspect.signature(Iterator.__init__).parameters
    params += [base[name] for name in PYDATASET_ARGUMENTS]
    if extra_keywords:
        params.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
    return own.replace(parameters=params)


def _forwards_to(iterator: type, *, extra_keywords: bool = False, **defaults):
    """Gives a ``flow*`` method the constructor arguments of ``iterator``, where they are written.

    The method's signature is the iterator's without ``image_data_generator``,
    ``data_format`` and ``dtype`` (the generator's own), plus the
    ``PyDataset`` arguments, with ``defaults`` changed. A call binds to that
    signature (positional arguments keep the legacy order, a misspelt name
    fails), and the method receives every argument by keyword.
    """

    def decorate(method):
        signature = _flow_signature(iterator, method, extra_keywords, defaults)

        @functools.wraps(method)
        def forward(self, *args, **kwargs):
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            del arguments["self"]
            arguments.update(arguments.pop("kwargs", {}))
            return method(self, **arguments)

        forward.__signature__ = signature
        return forward

    return decorate


def _zoom_range(value) -> list[float]:
    """The legacy ``zoom_range``: a float ``z`` for ``[1 - z, 1 + z]``, or a pair used as given."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        check_number(_NAME, "zoom_range", value)
        return [1 - value, 1 + value]
    return list(check_pair(_NAME, "zoom_range", value))


def _writable_array(tensor: tf.Tensor) -> np.ndarray:
    """The values of a freshly computed eager tensor as a writable NumPy array, without a copy.

    ``EagerTensor.numpy()`` copies its buffer (a 19 MB batch of 224x224x3
    float32 images costs several milliseconds, a sizeable share of a batch);
    the private ``_numpy()`` it wraps returns a writable array over the same
    buffer, which then lives as long as the array. Only for tensors nothing
    else holds, such as an output of the augmenter that is not its input.
    Falls back to the copy if that method is missing.
    """
    view = getattr(tensor, "_numpy", None)
    if view is not None:
        array = view()
        if isinstance(array, np.ndarray) and array.flags.writeable:
            return array
    return tensor.numpy()


class ImageDataGenerator:
    """Generates batches of image data with real-time augmentation (legacy Keras API).

    Args:
        featurewise_center: Set the dataset mean to 0 (needs ``fit``).
        samplewise_center: Set each sample's mean to 0.
        featurewise_std_normalization: Divide by the dataset std (needs ``fit``).
        samplewise_std_normalization: Divide each sample by its std.
        zca_whitening: Apply ZCA whitening (needs ``fit``; implies
            ``featurewise_center`` and overrides ``featurewise_std_normalization``).
        zca_epsilon: Epsilon for ZCA whitening. Default 1e-6.
        rotation_range: Degrees; angles are drawn from ``[-range, range)``.
        width_shift_range: Float (fraction of the side if < 1, else pixels),
            int (whole pixels in ``(-n, n)``) or a list to choose from (with a
            random sign). As in the legacy class, this range is stored as the
            ``ty`` parameter, which moves the content vertically by a
            fraction of the *width* (see ``keras_augment.legacy.transforms``).
        height_shift_range: Same forms; stored as ``tx``, which moves the
            content horizontally by a fraction of the *height*.
        brightness_range: ``(low, high)``: multiplicative brightness factors.
        shear_range: Shear angle in degrees (counter-clockwise).
        zoom_range: Float ``z`` for ``[1 - z, 1 + z]`` or a ``[low, high]``
            pair; x and y zoom are drawn independently. Values above 1 zoom out.
        channel_shift_range: Additive shift (same for every channel) drawn
            from ``[-range, range)``, clipped to the image's own min and max.
        fill_mode: ``"nearest"`` (default), ``"constant"``, ``"reflect"`` or
            ``"wrap"``, with SciPy's meaning.
        cval: Value read outside the image when ``fill_mode="constant"``.
        horizontal_flip: Flip left-right with probability 0.5.
        vertical_flip: Flip top-bottom with probability 0.5.
        rescale: Multiply the data by this value after augmentation (``None``
            or 0 for none).
        preprocessing_function: Function applied to each image (rank-3 NumPy
            array) after augmentation, before the other normalisations.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to
            ``keras.config.image_data_format()``.
        validation_split: Fraction in ``(0, 1)`` reserved for the
            ``subset="validation"`` iterators.
        interpolation_order: 0 (nearest) or 1 (bilinear, default).
        dtype: Dtype of the generated arrays; defaults to ``keras.config.floatx()``.

    The iterators (and any other batch source) use this interface:
    :meth:`augment_batch` (the graph part, a tensor), :meth:`augment_array`
    (the same in NumPy), :meth:`normalize_batch` and :attr:`normalizes` (the
    per-sample normalisation), :meth:`process_batch` (both) and
    :attr:`validation_split`.
    """

    def __init__(
        self,
        featurewise_center: bool = False,
        samplewise_center: bool = False,
        featurewise_std_normalization: bool = False,
        samplewise_std_normalization: bool = False,
        zca_whitening: bool = False,
        zca_epsilon: float = 1e-6,
        rotation_range: float = 0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        brightness_range=None,
        shear_range: float = 0.0,
        zoom_range=0.0,
        channel_shift_range: float = 0.0,
        fill_mode: str = "nearest",
        cval: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        rescale: float | None = None,
        preprocessing_function: Callable | None = None,
        data_format: str | None = None,
        validation_split: float = 0.0,
        interpolation_order: int = 1,
        dtype: str | None = None,
    ):
        self._set_layout(data_format, dtype)
        self.featurewise_center = bool(featurewise_center)
        self.samplewise_center = bool(samplewise_center)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.samplewise_std_normalization = bool(samplewise_std_normalization)
        self.zca_whitening = bool(zca_whitening)
        self.zca_epsilon = check_number(_NAME, "zca_epsilon", zca_epsilon, low=0)
        # The legacy side rules read the arguments as given.
        self._apply_side_rules(
            zca_whitening, featurewise_center, featurewise_std_normalization, samplewise_center
        )
        self._set_preprocessing(rescale, preprocessing_function)
        self.mean = self.std = self.zca_whitening_matrix = None  # the statistics fit() computes
        # Stored as given, as the legacy class stores them.
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.zoom_range = _zoom_range(zoom_range)
        if brightness_range is not None:
            brightness_range = check_pair(_NAME, "brightness_range", brightness_range)
        self.brightness_range = brightness_range
        self._config = transforms.TransformConfig(
            rotation_range=check_number(_NAME, "rotation_range", rotation_range),
            height_shift=transforms.parse_shift_range("height_shift_range", height_shift_range),
            width_shift=transforms.parse_shift_range("width_shift_range", width_shift_range),
            shear_range=check_number(_NAME, "shear_range", shear_range),
            zoom_range=(self.zoom_range[0], self.zoom_range[1]),
            horizontal_flip=bool(horizontal_flip),
            vertical_flip=bool(vertical_flip),
            channel_shift_range=check_number(_NAME, "channel_shift_range", channel_shift_range),
            brightness_range=brightness_range,
        )
        self._set_resampling(fill_mode, cval, interpolation_order)
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(
                f"{_NAME}: `validation_split` must be strictly between 0 and 1; "
                f"got {validation_split!r}."
            )
        self._validation_split = validation_split
        self._augment = transforms.make_batch_augmenter(
            self._config, self.fill_mode, self.cval, self._interpolation, self.data_format
        )
        # Whether the augmentation writes new pixels (else its output may be its input).
        config = self._config
        self._moves_pixels = bool(
            config.has_geometry or config.channel_shift_range or brightness_range is not None
        )
        self._seed_base = default_seed()
        self._draws = 0

    def _set_layout(self, data_format: str | None, dtype: str | None) -> None:
        self.data_format = check_data_format(_NAME, data_format)
        if self.data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        self.dtype = keras.config.floatx() if dtype is None else dtype

    def _apply_side_rules(
        self, zca_whitening, featurewise_center, featurewise_std_normalization, samplewise_center
    ) -> None:
        """Switches on each implied setting with a warning, as the legacy class does."""
        if zca_whitening:
            if not featurewise_center:
                self._override("zca_whitening", "featurewise_center", True)
            if featurewise_std_normalization:
                self._override("zca_whitening", "featurewise_std_normalization", False)
        if featurewise_std_normalization and not featurewise_center:
            self._override("featurewise_std_normalization", "featurewise_center", True)
        if self.samplewise_std_normalization and not samplewise_center:
            self._override("samplewise_std_normalization", "samplewise_center", True)

    def _set_preprocessing(self, rescale, preprocessing_function) -> None:
        if rescale is not None and rescale is not False:
            check_number(_NAME, "rescale", rescale)
        self.rescale = rescale
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise ValueError(
                f"{_NAME}: `preprocessing_function` must be callable or None; "
                f"got {preprocessing_function!r}."
            )
        self.preprocessing_function = preprocessing_function

    def _override(self, setting: str, overridden: str, value: bool) -> None:
        setattr(self, overridden, value)
        warnings.warn(
            f"This {_NAME} specifies `{setting}`, which overrides setting of `{overridden}`.",
            stacklevel=4,
        )

    def _set_resampling(self, fill_mode: str, cval: float, interpolation_order: int) -> None:
        self.fill_mode = check_choice(_NAME, "fill_mode", fill_mode, _FILL_MODES)
        self.cval = check_number(_NAME, "cval", cval)
        if interpolation_order not in (0, 1) or isinstance(interpolation_order, bool):
            raise ValueError(
                f"{_NAME}: `interpolation_order` must be 0 (nearest) or 1 (bilinear); got "
                f"{interpolation_order!r}. Higher SciPy spline orders are not supported."
            )
        self.interpolation_order = interpolation_order
        self._interpolation = "nearest" if interpolation_order == 0 else "bilinear"

    # ------------------------------------------------------------------
    # Iterators
    # ------------------------------------------------------------------

    def _generator_arguments(self) -> dict:
        return {"image_data_generator": self, "data_format": self.data_format, "dtype": self.dtype}

    @_forwards_to(NumpyArrayIterator, y=None, shuffle=True)
    def flow(self, x, **arguments) -> NumpyArrayIterator:
        """An iterator over batches of augmented arrays ``x`` (rank 4), with ``y`` and weights.

        Takes the arguments of :class:`~keras_augment.legacy.NumpyArrayIterator`
        (``inspect.signature`` lists them, in the legacy order) except
        ``image_data_generator``, ``data_format`` and ``dtype``, which are this
        generator's; ``y`` defaults to ``None`` and ``shuffle`` to true here.

        ``x`` may also be a tuple ``(images, extra)`` or ``(images, [extra, ...])``:
        the extra arrays are returned beside the images, unaugmented. Returns a
        Keras ``PyDataset`` yielding ``x``, ``(x, y)`` or ``(x, y, sample_weight)``.

        ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are what
        Keras 2's ``fit`` took; Keras 3's ``fit`` reads them from the dataset,
        so they move here (every ``flow*`` method takes them). See
        :class:`~keras_augment.legacy.iterators.Iterator` for how they run.
        """
        return NumpyArrayIterator(x, **arguments, **self._generator_arguments())

    @_forwards_to(DirectoryIterator)
    def flow_from_directory(self, directory, **arguments) -> DirectoryIterator:
        """An iterator over the images in ``directory``, one subfolder per class.

        Takes the arguments of :class:`~keras_augment.legacy.DirectoryIterator`
        except ``image_data_generator``, ``data_format`` and ``dtype``, which
        are this generator's, plus ``workers``, ``use_multiprocessing`` and
        ``max_queue_size``.

        Reads PNG, JPEG, BMP, PPM, GIF and TIFF files (subfolders searched
        recursively), decoded with PIL and resized to ``target_size`` as the
        legacy class did. ``on_error="skip"`` (an addition) skips unreadable
        files with a warning and counts them in ``iterator.skipped_files``;
        the default raises an error naming the file.
        """
        return DirectoryIterator(directory, **arguments, **self._generator_arguments())

    @_forwards_to(DataFrameIterator, extra_keywords=True)
    def flow_from_dataframe(self, dataframe, **arguments) -> DataFrameIterator:
        """An iterator over the image files listed in a pandas ``dataframe``.

        Takes the arguments of :class:`~keras_augment.legacy.DataFrameIterator`
        except ``image_data_generator``, ``data_format`` and ``dtype``, which
        are this generator's, plus ``workers``, ``use_multiprocessing`` and
        ``max_queue_size``.

        ``class_mode`` is one of ``"binary"``, ``"categorical"`` (labels may be
        lists for multi-label data), ``"input"``, ``"multi_output"``,
        ``"raw"``, ``"sparse"`` or ``None`` (``"other"`` is the deprecated
        name of ``"raw"``). The legacy ``has_ext``, ``sort`` and
        ``drop_duplicates`` are accepted with a deprecation warning and
        ignored. Needs pandas.
        """
        return DataFrameIterator(dataframe, **arguments, **self._generator_arguments())

    # ------------------------------------------------------------------
    # Normalisation
    # ------------------------------------------------------------------

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """Applies the normalisation settings to ``x``, in the legacy order.

        Order: ``preprocessing_function``, ``rescale``, samplewise centring
        and std normalisation (statistics over the whole of ``x``, as the
        legacy method computes them: pass one image for per-image
        statistics), featurewise centring and std normalisation, ZCA. Like
        the legacy method it works in place on float arrays.
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        return self._featurewise(x)

    def _featurewise(self, x):
        if self.featurewise_center:
            if self.mean is None:
                self._warn_not_fit("featurewise_center")
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                self._warn_not_fit("featurewise_std_normalization")
            else:
                x /= self.std + 1e-6
        if self.zca_whitening:
            if self.zca_whitening_matrix is None:
                self._warn_not_fit("zca_whitening")
            else:
                flat = np.reshape(x, (-1, math.prod(x.shape[-3:])))
                x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
        return x

    @staticmethod
    def _warn_not_fit(setting: str) -> None:
        warnings.warn(
            f"This {_NAME} specifies `{setting}`, but it has not been fit on any training "
            "data. Fit it first by calling `.fit(numpy_data)`.",
            stacklevel=3,
        )

    # ------------------------------------------------------------------
    # What the iterators call
    # ------------------------------------------------------------------

    @property
    def validation_split(self) -> float:
        """The fraction of the samples the ``subset="validation"`` iterators take."""
        return self._validation_split

    @property
    def normalizes(self) -> bool:
        """Whether :meth:`normalize_batch` changes anything with these settings."""
        return bool(
            self.preprocessing_function
            or self.rescale
            or self.samplewise_center
            or self.samplewise_std_normalization
            or self.featurewise_center
            or self.featurewise_std_normalization
            or self.zca_whitening
        )

    def normalize_batch(self, batch: np.ndarray, dtype=None) -> np.ndarray:
        """The per-sample normalisation every iterator applies, as ``dtype`` (default ``self.dtype``).

        ``preprocessing_function`` runs on each image, then ``rescale``, then
        samplewise statistics per image, then the featurewise ones. Works in
        place on a writable float batch.
        """
        if not batch.flags.writeable:
            batch = batch.copy()
        if self.preprocessing_function:
            batch = np.stack([np.asarray(self.preprocessing_function(img)) for img in batch])
            batch = batch.astype("float32", copy=False)
        if self.rescale:
            batch *= self.rescale
        axes = tuple(range(1, batch.ndim))
        if self.samplewise_center:
            batch -= np.mean(batch, axis=axes, keepdims=True)
        if self.samplewise_std_normalization:
            batch /= np.std(batch, axis=axes, keepdims=True) + 1e-6
        return np.asarray(self._featurewise(batch), dtype=self.dtype if dtype is None else dtype)

    def augment_batch(self, batch, seed: tf.Tensor, indices=None) -> tf.Tensor:
        """Augments a batch (any real dtype) in this generator's data format; one resampling pass.

        ``seed`` is an ``int64[2]`` stateless seed that fixes every
        parameter. With ``indices``, ``batch`` is the whole source tensor and
        the batch is gathered from it inside the graph. Returns ``float32``.
        """
        if indices is None:
            return self._augment(batch, seed)
        return self._augment(batch, seed, tf.convert_to_tensor(indices, tf.int32))

    def process_batch(self, batch, seed, indices=None) -> np.ndarray:
        """Augments then normalises a batch (what every iterator does), as ``self.dtype``.

        ``batch`` is ``[batch, ...]`` in this generator's data format (a NumPy
        array or a tensor, any real dtype); with ``indices`` it is the whole
        source and ``batch[indices]`` is processed. ``seed`` is an
        ``int64[2]`` stateless seed that fixes every parameter.
        """
        return self.normalize_batch(self.augment_array(batch, seed, indices))

    def augment_array(self, batch, seed, indices=None) -> np.ndarray:
        """The graph part of :meth:`process_batch`: augmented ``float32`` images in NumPy.

        Depends only on its arguments and the generator's configuration (no
        user code runs), so iterators may call it ahead of time on worker
        threads.
        """
        out = self.augment_batch(batch, tf.cast(seed, tf.int64), indices)
        fresh = self._moves_pixels or indices is not None
        return _writable_array(out) if fresh else out.numpy()

    # ------------------------------------------------------------------
    # Random transforms
    # ------------------------------------------------------------------

    def _next_seed(self, seed: int | None) -> tf.Tensor:
        if seed is None:
            self._draws += 1
            return tf.constant([self._seed_base, self._draws], tf.int64)
        return tf.constant([int(seed), 0], tf.int64)

    def _image_size(self, img_shape) -> tuple[int, int]:
        if len(img_shape) != 3:
            raise ValueError(
                f"{_NAME}: expected the shape of one image (rank 3); got {tuple(img_shape)}."
            )
        return int(img_shape[self.row_axis - 1]), int(img_shape[self.col_axis - 1])

    def get_random_transform(self, img_shape, seed: int | None = None) -> dict:
        """Draws the parameters of one random transform for an image of shape ``img_shape``.

        Returns the legacy dict: ``theta`` (degrees), ``tx``, ``ty`` (pixels),
        ``shear`` (degrees), ``zx``, ``zy``, ``flip_horizontal``,
        ``flip_vertical``, ``channel_shift_intensity`` and ``brightness``
        (``None`` when disabled). The same ``seed`` gives the same dict.
        """
        height, width = self._image_size(img_shape)
        params = transforms.draw_parameters(self._config, self._next_seed(seed), 1, height, width)
        out = {}
        for key in transforms.PARAMETER_KEYS:
            value = params[key]
            if value is None:
                out[key] = None
            elif value.dtype == tf.bool:
                out[key] = bool(value[0])
            else:
                out[key] = float(value[0])
        return out

    def apply_transform(self, x: np.ndarray, transform_parameters: dict) -> np.ndarray:
        """Applies a legacy parameter dict to one image (rank 3, in ``data_format``).

        Missing keys mean "no change". Returns a float array of the input's
        dtype (``self.dtype`` for integer input).
        """
        x = np.asarray(x)
        height, width = self._image_size(x.shape)
        params = {}
        for key in transforms.PARAMETER_KEYS:
            value = transform_parameters.get(key)
            if value is None:
                continue
            dtype = tf.bool if key.startswith("flip") else tf.float32
            params[key] = tf.constant([value], dtype)
        params.setdefault("theta", tf.zeros([1]))
        images = tf.convert_to_tensor(x[None], tf.float32)
        if self.data_format == "channels_first":
            images = tf.transpose(images, [0, 2, 3, 1])
        out = transforms.apply_parameters(
            images, params, self.fill_mode, self.cval, self._interpolation
        )
        if self.data_format == "channels_first":
            out = tf.transpose(out, [0, 3, 1, 2])
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else self.dtype
        return out.numpy()[0].astype(dtype)

    def random_transform(self, x: np.ndarray, seed: int | None = None) -> np.ndarray:
        """Applies one random transform to one image (rank 3)."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    # ------------------------------------------------------------------
    # Statistics
    # ------------------------------------------------------------------

    def fit(self, x, augment: bool = False, rounds: int = 1, seed: int | None = None) -> None:
        """Computes the dataset statistics for featurewise normalisation and ZCA.

        Args:
            x: Sample data, rank 4, in ``data_format``.
            augment: Fit on ``rounds`` randomly augmented copies of ``x``.
            rounds: Number of augmentation passes when ``augment``.
            seed: Seed of the augmentation draws.
        """
        x = np.array(x, dtype=self.dtype, copy=True)
        if x.ndim != 4:
            raise ValueError(
                f"{_NAME}.fit: input should have rank 4; got an array of shape {x.shape}."
            )
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(
                f"{_NAME}.fit: expected 1, 3 or 4 channels on axis {self.channel_axis} "
                f'("{self.data_format}"); got an array of shape {x.shape}.',
                stacklevel=2,
            )
        if self.rescale:
            x *= self.rescale
        if augment:
            base = default_seed() if seed is None else int(seed)
            chunk = 256
            copies = []
            for r in range(int(rounds)):
                for start in range(0, len(x), chunk):
                    step = r * len(x) + start
                    part_seed = tf.constant([base, step], tf.int64)
                    part = self.augment_batch(x[start : start + chunk], part_seed)
                    copies.append(part.numpy().astype(self.dtype))
            x = np.concatenate(copies)
        stats_axes = (0, self.row_axis, self.col_axis)
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=stats_axes), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=stats_axes), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat = np.reshape(x, (n, -1))
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            scale = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * scale) @ u.T
