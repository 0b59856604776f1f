"""Keras' per-target layer protocol on top of the draw/apply split.

The public methods of Keras' ``BaseImagePreprocessingLayer``, with its
signatures: one transformation drawn by ``get_random_transformation`` moves
images, labels, boxes and masks together.

A transformation is the dict ``get_random_transformation`` returns: the drawn
``"params"``, the internal ``"image_shape"`` they were drawn for and, for
layers that name them, the same draw under the keys Keras' layer of the same
name uses (``"flips"``, ``"contrast_factor"``, ...). A dict written by hand
with Keras' keys is accepted too: a layer that knows Keras' keys turns them
back into its parameters (``params_from_keras``), so code that builds Keras'
transformations by hand carries over.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_augment.core import batch as ka_batch
from keras_augment.core import random as ka_random
from keras_augment.core.batch import Batch


class KerasProtocol:
    """Mixin of ``BaseAugmentation``: ``get_random_transformation`` and ``transform_*``."""

    # Keras' transformation keys a layer reads in ``params_from_keras``.
    keras_transformation_keys: tuple = ()

    # ----- what a layer may implement ---------------------------------------

    def keras_transformation(self, params: dict, image_shape) -> dict:
        """``params`` under the keys of Keras' layer of the same name (none by default)."""
        return {}

    def params_from_keras(self, transformation: dict, image_shape) -> dict:
        """This layer's parameters from a transformation with Keras' keys."""
        raise ValueError(
            f"{self._name_for_errors}: the transformation must be the dict "
            f"get_random_transformation returns; got one with keys {sorted(transformation)}."
        )

    # ----- Keras' public methods ----------------------------------------------

    def get_random_transformation(self, data, training: bool = True, seed=None) -> dict | None:
        """Draws one transformation for ``data`` (images, or a dict with ``"images"``).

        Keras' signature. ``seed`` may be None (this layer's next seed), an
        integer, a ``keras.random.SeedGenerator`` or an integer tensor of shape
        ``[2]``. Returns None when ``training`` is false (the ``transform_*``
        methods then do what inference does), else a dict with the drawn
        ``"params"``, the internal ``"image_shape"`` they were drawn for and
        the draw under Keras' keys where this layer names them.
        """
        from keras_augment.core.base import Batch

        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        checked = ka_batch.check_images(self.layout, images, check_channels=False)
        internal, _ = ka_batch.to_internal(self.layout, checked)
        params = self.draw_params(Batch(internal), self._keras_seed(seed))
        shape = tf.shape(internal)
        keras_view = self.keras_transformation(params, shape)
        return {**keras_view, "params": params, "image_shape": shape}

    def transform_images(self, images, transformation, training: bool = True):
        """Applies ``transformation`` to images in ``data_format`` layout (Keras' signature)."""
        applies = bool(training and transformation is not None)
        checked = ka_batch.check_images(self.layout, images, check_channels=applies)
        internal, unbatched = ka_batch.to_internal(self.layout, checked)
        if applies:
            params, _ = self._unpack_transformation(transformation, tf.shape(internal))
            out = self.apply_images(internal, params)
        else:
            out = self.inference_images(internal)
        return ka_batch.from_internal(self.layout, out, unbatched, self.compute_dtype)

    def transform_labels(self, labels, transformation, training: bool = True):
        """Applies ``transformation`` to labels (Keras' signature)."""
        if not training or transformation is None:
            return labels
        params, _ = self._unpack_transformation(transformation)
        return self.apply_labels(labels, params)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training: bool = True):
        """Moves ``{"boxes", "labels"}`` in ``bounding_box_format`` as the images move."""
        return self._transform_target("bounding_boxes", bounding_boxes, transformation, training)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Moves masks (the images' layout) as the images move, with nearest sampling."""
        return self._transform_target(
            "segmentation_masks", segmentation_masks, transformation, training
        )

    # ----- the machinery --------------------------------------------------------

    def _unpack_transformation(self, transformation: dict, image_shape=None):
        """``(params, internal image shape)`` from either kind of transformation."""
        if not isinstance(transformation, dict):
            raise TypeError(
                f"{self._name_for_errors}: the transformation must be a dict, as "
                f"get_random_transformation returns; got {type(transformation).__name__}."
            )
        if "params" in transformation:
            return transformation["params"], transformation.get("image_shape", image_shape)
        if image_shape is None:
            image_shape = self._keras_image_shape(transformation)
        return self.params_from_keras(transformation, image_shape), image_shape

    def _keras_image_shape(self, transformation: dict):
        """The internal ``[batch, height, width, channels]`` a Keras transformation names."""
        if "input_shape" not in transformation:
            raise ValueError(
                f"{self._name_for_errors}: a transformation with Keras' keys needs "
                f'"input_shape" to move targets; got keys {sorted(transformation)}.'
            )
        shape = tf.cast(tf.convert_to_tensor(transformation["input_shape"]), tf.int32)
        if self.data_format == "channels_first":
            shape = tf.concat([shape[:-3], shape[-2:], shape[-3:-2]], 0)
        if shape.shape[0] == 3:
            shape = tf.concat([[self._keras_batch_size(transformation)], shape], 0)
        return shape

    def _keras_batch_size(self, transformation: dict):
        """The batch size of a Keras transformation: the first axis of its per-sample values."""
        for key in self.keras_transformation_keys:
            value = transformation.get(key)
            if value is not None and np.ndim(value) > 0:
                return tf.shape(tf.convert_to_tensor(value))[0]
        return 1

    def _images_through_protocol(self, images: tf.Tensor, params: dict) -> tf.Tensor:
        """``apply_images``, or a subclass's Keras-style ``transform_images`` when it has one."""
        if type(self).transform_images is KerasProtocol.transform_images:
            return self.apply_images(images, params)
        transformation = {
            **self.keras_transformation(params, tf.shape(images)),
            "params": params,
            "image_shape": tf.shape(images),
        }
        user = images
        if self.data_format == "channels_first":
            user = tf.transpose(images, [0, 3, 1, 2])
        out = tf.convert_to_tensor(self.transform_images(user, transformation, training=True))
        return ka_batch.to_internal(self.layout, out)[0]

    def _labels_through_protocol(self, labels, params: dict, images: tf.Tensor):
        """``apply_labels``, or a subclass's Keras-style ``transform_labels`` when it has one."""
        if type(self).transform_labels is KerasProtocol.transform_labels:
            return self.apply_labels(labels, params)
        transformation = {"params": params, "image_shape": tf.shape(images)}
        return self.transform_labels(labels, transformation, training=True)

    def _keras_seed(self, seed):
        if seed is None:
            return None
        if hasattr(seed, "next"):  # a keras.random.SeedGenerator
            return tf.cast(tf.convert_to_tensor(seed.next()), tf.int64)
        if isinstance(seed, int):
            return tf.constant([0, seed], tf.int64)
        return ka_random.check_seed(self._name_for_errors, seed)

    def _transform_target(self, key: str, value, transformation, training: bool):
        """Moves one target with a drawn transformation, through the layer's own targets path."""
        if transformation is None:
            if not training:
                return value
            raise ValueError(
                f"{self._name_for_errors}: transform_{key}(training=True) needs the "
                f"transformation returned by get_random_transformation; got None."
            )
        if not training:
            return value
        params, shape = self._unpack_transformation(transformation)
        unbatched = tf.convert_to_tensor(
            value["boxes"] if key == "bounding_boxes" else value
        ).shape.rank == (2 if key == "bounding_boxes" else 3)
        # The dict conversion of a call, with a one-channel stand-in for the images:
        # only their size matters to the targets.
        given = {"images": None, key: value}
        _, _, targets, _ = ka_batch.unpack(self.layout, given)
        stand_in = tf.zeros(tf.concat([shape[:3], [1]], 0), tf.uint8)
        batch = ka_batch.attach_targets(self.layout, Batch(stand_in), targets, unbatched)
        self.check_targets_supported(batch)
        moved = self.apply_targets(batch, params)
        out_h, out_w = self.output_image_size(shape[1], shape[2])
        moved = moved.replace(images=tf.zeros(tf.stack([shape[0], out_h, out_w, 1]), tf.uint8))
        return ka_batch.dict_result(self.layout, given, moved, None, unbatched, False)[key]


def keras_value(transformation: dict, key: str, dtype) -> tf.Tensor:
    """One entry of a transformation written with Keras' keys, as a tensor of ``dtype``."""
    return tf.cast(tf.convert_to_tensor(transformation[key]), dtype)
