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

import math
import numbers
import warnings
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from keras_augment.core.random import default_seed
from keras_augment.core.validation import check_number
from keras_augment.legacy import transforms
from keras_augment.legacy.iterators import DataFrameIterator, DirectoryIterator, NumpyArrayIterator

_NAME = "ImageDataGenerator"
_FILL_MODES = ("nearest", "reflect", "constant", "wrap")


def _finite(name: str, *values) -> None:
    """Refuses NaN and infinities, which would turn every augmented pixel into NaN."""
    if not all(math.isfinite(v) for v in values):
        raise ValueError(
            f"{_NAME}: `{name}` must be finite; got {values if len(values) > 1 else values[0]!r}."
        )


def _number(name: str, value, *, low: float | None = None) -> float:
    """``check_number`` of ``core.validation``, saying first when a number is not finite."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        _finite(name, value)
    return check_number(_NAME, name, value, low=low)


def _pair(name: str, value) -> tuple[float, float]:
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
    ):
        raise ValueError(f"{_NAME}: `{name}` must be a tuple or list of two floats; got {value!r}.")
    _finite(name, *value)
    return float(value[0]), float(value[1])


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
        if data_format is None:
            data_format = keras.config.image_data_format()
        if dtype is None:
            dtype = keras.config.floatx()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                f'{_NAME}: `data_format` must be "channels_last" or "channels_first"; '
                f"got {data_format!r}."
            )
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        self.dtype = dtype

        self.featurewise_center = bool(featurewise_center)
        self.samplewise_center = bool(samplewise_center)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.samplewise_std_normalization = bool(samplewise_std_normalization)
        self.zca_whitening = bool(zca_whitening)
        self.zca_epsilon = _number("zca_epsilon", zca_epsilon, low=0)
        self.rotation_range = rotation_range
        for name, shift in (
            ("width_shift_range", width_shift_range),
            ("height_shift_range", height_shift_range),
        ):
            flat = np.ravel(np.asarray(shift, dtype=object))
            _finite(name, *(float(v) for v in flat if isinstance(v, numbers.Real)))
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        self.cval = _number("cval", cval)
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.interpolation_order = interpolation_order

        rotation = _number("rotation_range", rotation_range)
        shear = _number("shear_range", shear_range)
        channel_shift = _number("channel_shift_range", channel_shift_range)
        if rescale is not None and rescale is not False:
            _number("rescale", rescale)
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise ValueError(
                f"{_NAME}: `preprocessing_function` must be callable or None; "
                f"got {preprocessing_function!r}."
            )
        if fill_mode not in _FILL_MODES:
            raise ValueError(
                f"{_NAME}: `fill_mode` must be one of {_FILL_MODES}; got {fill_mode!r}."
            )
        self.fill_mode = fill_mode
        if interpolation_order not in (0, 1) or isinstance(interpolation_order, bool):
            raise ValueError(
                f"{_NAME}: `interpolation_order` must be 0 (nearest) or 1 (bilinear); got "
                f"{interpolation_order!r}. Higher SciPy spline orders are not supported."
            )
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(
                f"{_NAME}: `validation_split` must be strictly between 0 and 1; "
                f"got {validation_split!r}."
            )
        self._validation_split = validation_split

        if isinstance(zoom_range, numbers.Real) and not isinstance(zoom_range, bool):
            _finite("zoom_range", zoom_range)
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        else:
            try:
                self.zoom_range = list(_pair("zoom_range", zoom_range))
            except ValueError as error:
                if "finite" in str(error):
                    raise

                raise ValueError(
                    f"{_NAME}: `zoom_range` must be a float or a tuple or list of two "
                    f"floats; got {zoom_range!r}."
                ) from None
        if brightness_range is not None:
            brightness_range = _pair("brightness_range", brightness_range)
        self.brightness_range = brightness_range

        # The legacy side rules: each implied setting is switched on with a warning.
        # As in the legacy class, the rules read the arguments as given.
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn(
                    f"This {_NAME} specifies `zca_whitening`, which overrides setting of "
                    "`featurewise_center`.",
                    stacklevel=2,
                )
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn(
                    f"This {_NAME} specifies `zca_whitening`, which overrides setting of "
                    "`featurewise_std_normalization`.",
                    stacklevel=2,
                )
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn(
                f"This {_NAME} specifies `featurewise_std_normalization`, which overrides "
                "setting of `featurewise_center`.",
                stacklevel=2,
            )
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn(
                f"This {_NAME} specifies `samplewise_std_normalization`, which overrides "
                "setting of `samplewise_center`.",
                stacklevel=2,
            )

        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None

        self._config = transforms.TransformConfig(
            rotation_range=rotation,
            height_shift=transforms.parse_shift_range("height_shift_range", height_shift_range),
            width_shift=transforms.parse_shift_range("width_shift_range", width_shift_range),
            shear_range=shear,
            zoom_range=(float(self.zoom_range[0]), float(self.zoom_range[1])),
            horizontal_flip=bool(horizontal_flip),
            vertical_flip=bool(vertical_flip),
            channel_shift_range=channel_shift,
            brightness_range=brightness_range,
        )
        self._interpolation = "nearest" if interpolation_order == 0 else "bilinear"
        self._augment = transforms.make_batch_augmenter(
            self._config, self.fill_mode, self.cval, self._interpolation, self.data_format
        )
        # Whether the augmentation writes new pixels (else its output may be its input).
        self._moves_pixels = bool(
            self._config.has_geometry or channel_shift != 0 or brightness_range is not None
        )
        self._seed_base = default_seed()
        self._draws = 0

    # ------------------------------------------------------------------
    # Iterators
    # ------------------------------------------------------------------

    def flow(
        self,
        x,
        y=None,
        batch_size: int = 32,
        shuffle: bool = True,
        sample_weight=None,
        seed: int | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        ignore_class_split: bool = False,
        subset: str | None = None,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ) -> NumpyArrayIterator:
        """An iterator over batches of augmented arrays ``x`` (rank 4), with ``y`` and weights.

        ``x`` may also be a tuple ``(images, extra)`` or ``(images, [extra, ...])``:
        the extra arrays are returned beside the images, unaugmented. Returns a
        Keras ``PyDataset`` yielding ``x``, ``(x, y)`` or ``(x, y, sample_weight)``.

        ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are what
        Keras 2's ``fit`` took; Keras 3's ``fit`` reads them from the dataset,
        so they move here (every ``flow*`` method takes them). See
        :class:`~keras_augment.legacy.iterators.Iterator` for how they run.
        """
        return NumpyArrayIterator(
            x,
            y,
            self,
            batch_size=batch_size,
            shuffle=shuffle,
            sample_weight=sample_weight,
            seed=seed,
            data_format=self.data_format,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            ignore_class_split=ignore_class_split,
            subset=subset,
            dtype=self.dtype,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )

    def flow_from_directory(
        self,
        directory,
        target_size=(256, 256),
        color_mode: str = "rgb",
        classes=None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
        on_error: str = "raise",
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ) -> DirectoryIterator:
        """An iterator over the images in ``directory``, one subfolder per class.

        Reads PNG, JPEG, BMP, PPM, GIF and TIFF files (subfolders searched
        recursively), decoded with PIL and resized to ``target_size`` as the
        legacy class did. ``on_error="skip"`` (an addition) skips unreadable
        files with a warning and counts them in ``iterator.skipped_files``;
        the default raises an error naming the file.
        """
        return DirectoryIterator(
            directory,
            self,
            target_size=target_size,
            color_mode=color_mode,
            classes=classes,
            class_mode=class_mode,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            data_format=self.data_format,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            follow_links=follow_links,
            subset=subset,
            interpolation=interpolation,
            keep_aspect_ratio=keep_aspect_ratio,
            dtype=self.dtype,
            on_error=on_error,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )

    def flow_from_dataframe(
        self,
        dataframe,
        directory=None,
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
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        interpolation: str = "nearest",
        validate_filenames: bool = True,
        keep_aspect_ratio: bool = False,
        on_error: str = "raise",
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
        **kwargs,
    ) -> DataFrameIterator:
        """An iterator over the image files listed in a pandas ``dataframe``.

        ``class_mode`` is one of ``"binary"``, ``"categorical"`` (labels may be
        lists for multi-label data), ``"input"``, ``"multi_output"``,
        ``"raw"``, ``"sparse"`` or ``None`` (``"other"`` is the deprecated
        name of ``"raw"``). Needs pandas.
        """
        for old in ("has_ext", "sort", "drop_duplicates"):
            if old in kwargs:
                warnings.warn(
                    f"`{old}` is deprecated and ignored by flow_from_dataframe.",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs.pop(old)
        if kwargs:
            raise TypeError(f"flow_from_dataframe: unexpected arguments {sorted(kwargs)}.")
        if class_mode == "other":
            warnings.warn(
                '`class_mode="other"` is deprecated, please use `class_mode="raw"`.',
                DeprecationWarning,
                stacklevel=2,
            )
            class_mode = "raw"
        return DataFrameIterator(
            dataframe,
            directory,
            self,
            x_col=x_col,
            y_col=y_col,
            weight_col=weight_col,
            target_size=target_size,
            color_mode=color_mode,
            classes=classes,
            class_mode=class_mode,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            data_format=self.data_format,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            subset=subset,
            interpolation=interpolation,
            keep_aspect_ratio=keep_aspect_ratio,
            dtype=self.dtype,
            validate_filenames=validate_filenames,
            on_error=on_error,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )

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

    def _normalizes(self) -> bool:
        """Whether ``standardize`` changes anything with these settings."""
        return bool(
            self.preprocessing_function
            or self.rescale
            or self.samplewise_center
            or self.samplewise_std_normalization
            or self.featurewise_center
            or self.featurewise_std_normalization
            or self.zca_whitening
        )

    def _standardize_samples(self, batch: np.ndarray) -> np.ndarray:
        """Per-sample normalisation of a batch (what the iterators apply to every image)."""
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
        return self._featurewise(batch)

    # ------------------------------------------------------------------
    # Random transforms
    # ------------------------------------------------------------------

    def _next_seed(self, seed: int | None) -> tf.Tensor:
        if seed is None:
            self._draws += 1
            return tf.constant([self._seed_base, self._draws], tf.int64)
        return tf.constant([int(seed), 0], tf.int64)

    def _augment_batch(self, batch, seed: tf.Tensor, indices=None) -> tf.Tensor:
        """Augments a batch (any real dtype) in this generator's data format; one resampling pass.

        With ``indices``, ``batch`` is the whole source tensor and the batch
        is gathered from it inside the graph. Returns ``float32``.
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
        return self._finish_batch(self._augment_array(batch, seed, indices))

    def _augment_array(self, batch, seed, indices=None) -> np.ndarray:
        """The graph part of :meth:`process_batch`: augmented ``float32`` images in NumPy.

        Depends only on its arguments and the generator's configuration (no
        user code runs), so iterators may call it ahead of time on worker
        threads.
        """
        out = self._augment_batch(batch, tf.cast(seed, tf.int64), indices)
        fresh = self._moves_pixels or indices is not None
        return _writable_array(out) if fresh else out.numpy()

    def _finish_batch(self, augmented: np.ndarray) -> np.ndarray:
        """The rest of :meth:`process_batch`: per-sample normalisation, cast to ``self.dtype``."""
        return np.asarray(self._standardize_samples(augmented), dtype=self.dtype)

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
                    part = self._augment_batch(x[start : start + chunk], part_seed)
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
