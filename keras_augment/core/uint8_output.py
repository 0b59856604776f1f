"""Layers whose kernel writes uint8 itself, so that ``output_dtype="uint8"`` costs no extra pass.

``BaseAugmentation.augment_to`` casts a layer's float32 result to the
requested dtype: for uint8 that is one more pass over four times the bytes.
A layer with this mixin instead asks its kernel for uint8
(``apply_images(images, params, output_dtype="uint8")``), which rounds and
saturates inside the compiled function that computes the pixels.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core.keras_protocol import KerasProtocol


class Uint8Output:
    """Mixin for a ``BaseAugmentation`` whose ``apply_images`` takes ``output_dtype``.

    ``apply_images(images, params, output_dtype="uint8")`` must return what
    casting its float32 result to uint8 (rounded, saturated) would.
    """

    def augment_to(self, batch, seed, dtype):
        keras_style = (
            type(self).transform_images is not KerasProtocol.transform_images
            or type(self).transform_labels is not KerasProtocol.transform_labels
        )
        if tf.as_dtype(dtype) != tf.uint8 or keras_style:
            return super().augment_to(batch, seed, dtype)
        self.check_targets_supported(batch)
        params = self.draw_params(batch, seed)
        images = self.apply_images(batch.images, params, output_dtype="uint8")
        labels = batch.labels
        if labels is not None:
            labels = self.apply_labels(labels, params)
        if not self.supports_targets:
            batch = batch.replace(matrix=None)
        moved = self.apply_targets(batch, params)
        return moved.replace(images=images, labels=labels, params=params)
