"""``Pipeline``: layers in order, with consecutive geometric layers fused."""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core.base import BaseAugmentation, Batch, register
from keras_augment.core.geometry import GeometricAugmentation
from keras_augment.core.resample import resample


def fusable_runs(layers) -> list[list]:
    """Splits ``layers`` into runs: geometric layers that can share one resample, or single layers.

    A run continues while layers are geometric and sample the same way
    (interpolation, fill mode and fill value); a layer with a displacement
    field closes its run.
    """
    runs: list[list] = []
    current: list = []
    for layer in layers:
        if not isinstance(layer, GeometricAugmentation):
            if current:
                runs.append(current)
                current = []
            runs.append([layer])
            continue
        if current and current[-1].sampling_options() != layer.sampling_options():
            runs.append(current)
            current = []
        current.append(layer)
        if layer.has_displacement:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


@register
class Pipeline(BaseAugmentation):
    """Applies augmentation layers in order, resampling each run of geometric layers once.

    Consecutive geometric layers (flip, rotation, zoom, translation, shear,
    crops, perspective, affine; elastic closes a run) that share
    interpolation and fill settings are multiplied into one matrix per sample,
    so the image is interpolated once instead of once per layer: fewer
    passes, less blur. Each layer still draws its own parameters from its own
    seed, so a pipeline gives the same geometry as calling its layers one by
    one; only the borders (filled once instead of repeatedly) and the
    interpolation blur differ. Other layers, ours or any Keras layer, run in
    their place in the order.

    Args:
        layers: list of layers.
        data_format: layout of the images; every ``keras_augment`` layer in
            the pipeline must use the same one.
    """

    def __init__(self, layers, data_format=None, **kwargs):
        kwargs.pop("seed", None)
        kwargs.pop("batchwise", None)
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(layers, (list, tuple)) or not layers:
            raise ValueError(f"Pipeline: `layers` must be a non-empty list of layers; got {layers!r}.")
        for layer in layers:
            if not isinstance(layer, keras.layers.Layer):
                raise ValueError(f"Pipeline: every entry of `layers` must be a Keras layer; got {layer!r}.")
            if isinstance(layer, BaseAugmentation) and layer.data_format != self.data_format:
                raise ValueError(
                    f"Pipeline: {layer.name} uses data_format={layer.data_format!r} but the "
                    f"pipeline uses {self.data_format!r}; expected one layout throughout."
                )
        self.layers = list(layers)

    def output_image_size(self, height, width):
        for layer in self.layers:
            if isinstance(layer, BaseAugmentation):
                height, width = layer.output_image_size(height, width)
        return height, width

    def _check_static_size(self, images):
        for layer in self.layers:
            if isinstance(layer, BaseAugmentation):
                layer._check_static_size(images)
                break

    def _foreign(self, layer, batch: Batch, training: bool) -> Batch:
        images = batch.images
        if self.data_format == "channels_first":
            images = tf.transpose(images, [0, 3, 1, 2])
        inputs = images if batch.labels is None else {"images": images, "labels": batch.labels}
        out = layer(inputs, training=training)
        out_images, labels = (out["images"], out.get("labels")) if isinstance(out, dict) else (out, batch.labels)
        if self.data_format == "channels_first":
            out_images = tf.transpose(out_images, [0, 2, 3, 1])
        return Batch(out_images, labels)

    def _fused(self, run, batch: Batch) -> Batch:
        height, width = batch.height, batch.width
        composed = None
        for layer in run:
            params = layer.draw_params(Batch(batch.images, size=(height, width)))
            m = layer.get_matrix(params, height, width)
            composed = m if composed is None else matrices.compose(composed, m)
            height, width = layer.output_image_size(height, width)
            last_params = params
        last = run[-1]
        displacement = last.get_displacement(last_params, height, width)
        images = resample(
            batch.images, composed, tf.stack([height, width]), displacement, *last.sampling_options()
        )
        return Batch(last.finalize_images(images), batch.labels)

    def augment_batch(self, batch: Batch) -> Batch:
        for run in fusable_runs(self.layers):
            if len(run) > 1:
                batch = self._fused(run, batch)
            elif isinstance(run[0], BaseAugmentation):
                batch = run[0].augment_batch(batch)
            else:
                batch = self._foreign(run[0], batch, True)
        return batch

    def infer_batch(self, batch: Batch) -> Batch:
        for layer in self.layers:
            if isinstance(layer, BaseAugmentation):
                batch = layer.infer_batch(batch)
            else:
                batch = self._foreign(layer, batch, False)
        return batch

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        config.pop("batchwise")
        config["layers"] = [keras.saving.serialize_keras_object(layer) for layer in self.layers]
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layers"] = [keras.saving.deserialize_keras_object(c) for c in config["layers"]]
        return cls(**config)
