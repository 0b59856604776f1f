"""The base class of every augmentation layer.

A layer does three things: check its constructor arguments, draw parameters
for a batch (``get_params``), and apply them to each target
(``transform_images``, ``transform_labels``). This class does the rest:
the ``training`` switch, rank and dtype checks, unbatched and
``channels_first`` inputs, dict inputs, per-call seeds and serialization.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from keras_augment.core import random as ka_random

# Dict keys understood today. Masks, boxes and keypoints get their own
# transform_* methods later; until then they are refused rather than passed
# through unchanged while the pixels move.
SUPPORTED_KEYS = ("images", "labels")


def register(cls):
    """Registers a layer class for Keras serialization under ``keras_augment``."""
    return keras.saving.register_keras_serializable(package="keras_augment")(cls)


class Batch:
    """Images in the internal layout (``[batch, height, width, channels]``) plus their targets."""

    def __init__(self, images: tf.Tensor, labels: Any = None, size=None):
        self.images = images
        self.labels = labels
        # `size` overrides the image size a layer sees when drawing parameters
        # (a fused pipeline draws for intermediate sizes it never materialises).
        self._size = size

    @property
    def batch_size(self) -> tf.Tensor:
        return tf.shape(self.images)[0]

    @property
    def height(self):
        if self._size is not None:
            return self._size[0]
        static = self.images.shape[1]
        return static if static is not None else tf.shape(self.images)[1]

    @property
    def width(self):
        if self._size is not None:
            return self._size[1]
        static = self.images.shape[2]
        return static if static is not None else tf.shape(self.images)[2]


class BaseAugmentation(keras.layers.Layer):
    """Base class of ``keras_augment`` layers.

    Calling convention (the one Keras preprocessing layers use): ``call`` has
    ``training=True`` as its default, so calling a layer directly,
    ``layer(images)``, augments; inside a model, Keras passes the model's
    mode, so ``fit`` augments while ``predict`` and ``evaluate`` pass the
    inputs through. Pass ``training=False`` to get the inference behaviour.

    Inputs: a rank-3 image or a rank-4 batch in ``data_format`` layout, of any
    integer or floating dtype, or a dict with ``"images"`` and optionally
    ``"labels"``. Outputs have the layer's compute dtype (``float32`` unless a
    dtype policy says otherwise) with values on the input's scale: a
    ``uint8`` image in ``[0, 255]`` comes out as ``float32`` in ``[0, 255]``.

    Args:
        seed: integer seed. Two layers built with the same seed produce the
            same sequence of augmentations. ``None`` draws one at random.
        batchwise: if true, one set of parameters is drawn per call and
            shared by the whole batch; by default every sample gets its own.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to
            the Keras config value.
    """

    def __init__(
        self,
        seed: int | None = None,
        batchwise: bool = False,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(
                f"{self.__class__.__name__}: `seed` must be an integer or None; got {seed!r}."
            )
        self.seed = seed
        self.batchwise = bool(batchwise)
        if data_format is None:
            data_format = keras.config.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                f"{self.__class__.__name__}: `data_format` must be 'channels_last' or "
                f"'channels_first'; got {data_format!r}."
            )
        self.data_format = data_format
        self._seed_state = ka_random.make_seed_state(self, seed)
        self.supports_jit = True
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self.built = True

    # ----- what subclasses implement -------------------------------------

    def get_params(self, sampler: ka_random.Sampler, batch: Batch) -> dict:
        """Draws this call's parameters, one entry per sample."""
        return {}

    def transform_images(self, images: tf.Tensor, params: dict) -> tf.Tensor:
        """Applies ``params`` to ``[batch, height, width, channels]`` images."""
        raise NotImplementedError

    def transform_labels(self, labels, params: dict):
        return labels

    def inference_images(self, images: tf.Tensor) -> tf.Tensor:
        """What ``training=False`` does to images; identity unless a layer changes shape."""
        return images

    def output_image_size(self, height, width):
        """The ``(height, width)`` this layer returns for an input of the given size."""
        return height, width

    # ----- the machinery ---------------------------------------------------

    @property
    def _name_for_errors(self) -> str:
        return self.__class__.__name__

    def _unpack(self, inputs):
        if isinstance(inputs, dict):
            unknown = sorted(set(inputs) - set(SUPPORTED_KEYS))
            if unknown:
                raise ValueError(
                    f"{self._name_for_errors}: unsupported input keys {unknown}; "
                    f"expected a dict with keys among {list(SUPPORTED_KEYS)}."
                )
            if "images" not in inputs:
                raise ValueError(
                    f"{self._name_for_errors}: a dict input needs an 'images' entry; "
                    f"got keys {sorted(inputs)}."
                )
            return inputs["images"], inputs.get("labels"), True
        return inputs, None, False

    def _check_images(self, images) -> tf.Tensor:
        if not isinstance(images, (tf.Tensor, tf.Variable)) and not hasattr(images, "dtype"):
            images = tf.convert_to_tensor(images)
        images = tf.convert_to_tensor(images)
        dtype = images.dtype
        if not (dtype.is_floating or dtype.is_integer) or dtype == tf.bool:
            raise TypeError(
                f"{self._name_for_errors}: expected images of a real numeric dtype "
                f"(integer or floating); got dtype {dtype.name}."
            )
        rank = images.shape.rank
        if rank not in (3, 4):
            raise ValueError(
                f"{self._name_for_errors}: expected images of rank 3 (one image) or "
                f"rank 4 (a batch); got rank {rank} with shape {images.shape}."
            )
        return images

    def _to_internal(self, images):
        unbatched = images.shape.rank == 3
        if unbatched:
            images = images[None]
        if self.data_format == "channels_first":
            images = tf.transpose(images, [0, 2, 3, 1])
        return images, unbatched

    def _from_internal(self, images, unbatched):
        if self.data_format == "channels_first":
            images = tf.transpose(images, [0, 3, 1, 2])
        if unbatched:
            images = images[0]
        return tf.cast(images, self.compute_dtype)

    def draw_params(self, batch: Batch, seed: tf.Tensor | None = None) -> dict:
        """Draws parameters for ``batch`` from ``seed``, or else from this layer's next seed."""
        if seed is None:
            seed = ka_random.next_seed(self._seed_state)
        sampler = ka_random.Sampler(seed, batch.batch_size, self.batchwise)
        return self.get_params(sampler, batch)

    def augment_batch(self, batch: Batch, seed: tf.Tensor | None = None) -> Batch:
        """The training path on internal-layout data (used by ``Pipeline`` too)."""
        params = self.draw_params(batch, seed)
        images = self.transform_images(batch.images, params)
        labels = batch.labels
        if labels is not None:
            labels = self.transform_labels(labels, params)
        return Batch(images, labels)

    def infer_batch(self, batch: Batch) -> Batch:
        return Batch(self.inference_images(batch.images), batch.labels)

    def call(self, inputs, training=True, seed=None):
        images, labels, is_dict = self._unpack(inputs)
        images = self._check_images(images)
        self._check_static_size(images)
        internal, unbatched = self._to_internal(images)
        batch = Batch(internal, labels)
        if (isinstance(training, bool) or training is None) and training is not False:
            if tf.executing_eagerly():
                # Called directly: drawing parameters is a few hundred small ops,
                # as costly eagerly as the resampling itself, so run the whole
                # training path as one traced function.
                out_images, out_labels = self._traced_training_path(internal, labels, seed)
            else:
                out = self._run(batch, True, seed)
                out_images, out_labels = out.images, out.labels
        elif training is False:
            out = self._run(batch, False, seed)
            out_images, out_labels = out.images, out.labels
        else:
            # A symbolic `training` flag: both branches must give equal shapes.
            def branch(flag):
                out = self._run(batch, flag, seed)
                return (out.images,) if labels is None else (out.images, out.labels)

            outs = tf.cond(tf.cast(training, tf.bool), lambda: branch(True), lambda: branch(False))
            out_images, out_labels = outs[0], (outs[1] if labels is not None else None)
        out_images = self._set_static_shape(out_images, internal)
        out_images = self._from_internal(out_images, unbatched)
        if is_dict:
            result = dict(inputs)
            result["images"] = out_images
            if labels is not None:
                result["labels"] = out_labels
            return result
        return out_images

    def _traced_training_path(self, images, labels, seed):
        if getattr(self, "_traced", None) is None:

            def training_path(images, labels, seed):
                out = self._run(Batch(images, labels), True, seed)
                return out.images, out.labels

            self._traced = tf.function(training_path, autograph=False, reduce_retracing=True)
        return self._traced(images, labels, seed)

    def _run(self, batch: Batch, training: bool, seed=None) -> Batch:
        if not training:
            return self.infer_batch(batch)
        if seed is not None:
            seed = ka_random.check_seed(self._name_for_errors, seed)
        return self.augment_batch(batch, seed)

    def _check_static_size(self, images):
        """Hook for layers that must refuse some image sizes before tracing."""

    def _set_static_shape(self, out_images, internal):
        shape = internal.shape
        h, w = self.output_image_size(shape[1], shape[2])
        h = h if isinstance(h, int) else None
        w = w if isinstance(w, int) else None
        out_images.set_shape([shape[0], h, w, shape[3]])
        return out_images

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            result = dict(input_shape)
            result["images"] = self.compute_output_shape(input_shape["images"])
            return result
        shape = list(input_shape)
        if self.data_format == "channels_first":
            h_axis, w_axis = len(shape) - 2, len(shape) - 1
        else:
            h_axis, w_axis = len(shape) - 3, len(shape) - 2
        shape[h_axis], shape[w_axis] = self.output_image_size(shape[h_axis], shape[w_axis])
        return tuple(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"seed": self.seed, "batchwise": self.batchwise, "data_format": self.data_format}
        )
        return config
