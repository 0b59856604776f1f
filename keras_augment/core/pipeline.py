"""``Pipeline``: layers in order; consecutive geometric layers and affine colour layers fused."""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core.base import BaseAugmentation, Batch
from keras_augment.core.batch import cast_images
from keras_augment.core.color_fusion import (
    LinearColorAugmentation,
    compatible_clip_ranges,
    fused_color,
)
from keras_augment.core.composition import OtherKinds
from keras_augment.core.geometry import (
    GeometricAugmentation,
    invert_batch,
    move_targets,
    shared_sampling_options,
    shared_target_options,
)
from keras_augment.core.layer import AugmentationLayer, common_kind
from keras_augment.core.random import split_seed
from keras_augment.core.registry import register
from keras_augment.core.resample import resample, resample_dtype
from keras_augment.core.types import DataFormat, Seed


def fusable_runs(layers: Sequence[keras.layers.Layer]) -> list[list]:
    """Splits ``layers`` into runs: geometric layers that can share one resample, or single layers.

    A run continues while layers are geometric and sample the same way
    (interpolation, fill mode and fill value); a layer with a displacement
    field closes its run. Likewise, consecutive affine colour layers
    (``LinearColorAugmentation``) that clip to the same value range form a
    run that is applied as one colour matrix.
    """
    runs: list[list] = []
    current: list = []
    for layer in layers:
        if isinstance(layer, LinearColorAugmentation):
            if current and not (
                isinstance(current[0], LinearColorAugmentation)
                and compatible_clip_ranges(current, layer)
            ):
                runs.append(current)
                current = []
            current.append(layer)
            continue
        if current and isinstance(current[0], LinearColorAugmentation):
            runs.append(current)
            current = []
        if not isinstance(layer, GeometricAugmentation) or not layer.fusable:
            if current:
                runs.append(current)
                current = []
            runs.append([layer])
            continue
        if current and shared_sampling_options([*current, layer]) is None:
            runs.append(current)
            current = []
        current.append(layer)
        if layer.has_displacement:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


@register(family="composition")
class Pipeline(OtherKinds, BaseAugmentation):
    """Applies augmentation layers in order, resampling each run of geometric layers once.

    Consecutive geometric layers (flip, rotation, zoom, translation, shear,
    crops, perspective, affine; elastic closes a run) that share
    interpolation and fill settings are multiplied into one matrix per sample,
    so the image is interpolated once instead of once per layer: fewer
    passes, less blur. Each layer still draws its own parameters from its own
    seed, so a pipeline gives the same geometry as calling its layers one by
    one; only the borders (filled once instead of repeatedly) and the
    interpolation blur differ. Consecutive colour layers that are affine
    per image (brightness, contrast, channel shift, grayscale, colour
    degeneration, inversion) are likewise multiplied into one colour matrix
    per sample and the pixels are written once, clipped to the value range
    once at the end of the run (so they differ from layer-by-layer calls only
    where an intermediate result would have been clipped). Other layers, ours
    or any Keras layer, run in their place in the order.

    Targets (``segmentation_masks``, ``bounding_boxes``, ``keypoints``; see
    ``BaseAugmentation``) follow each fused run's matrix once: boxes are
    the box around the corners moved by the whole run (tighter than boxing
    after every layer), clipped and dropped at the end of the run with the
    strictest ``min_box_visibility`` of its layers; masks read the
    ``mask_fill_value`` of the run's first resampling layer. The pipeline's
    own ``bounding_box_format`` is the one that counts; when it is not
    given, the pipeline takes the format its layers were given (they must
    agree). Keras layers in the pipeline cannot carry these targets and
    are refused when targets are given.

    ``outputs, params = pipeline(inputs, training=True, return_params=True)``
    returns the whole geometry as one matrix, and ``pipeline.inverse(outputs,
    params)`` maps images and targets back; layers that do not move pixels
    (colour, blur, erasing) are not undone.

    Audio layers (waveform or spectrogram) and text layers compose too, with
    layers of their own kind: they run in order, each drawing from its own seed.

    Args:
        layers: list of layers.
        data_format: layout of the images; every ``keras_augment`` layer in
            the pipeline must use the same one.
        bounding_box_format: format of ``"bounding_boxes"`` inputs and outputs.
    """

    layer_kind = "composition"

    def __init__(
        self, layers: Sequence[keras.layers.Layer], data_format: DataFormat = None, **kwargs
    ):
        kwargs.pop("seed", None)
        kwargs.pop("batchwise", None)
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(layers, (list, tuple)) or not layers:
            raise ValueError(
                f"Pipeline: `layers` must be a non-empty list of layers; got {layers!r}."
            )
        self.augments = common_kind("Pipeline", layers)
        if self.augments != "image":
            self.supports_jit = all(layer.supports_jit for layer in layers)
            self.supported_targets = tuple(layers[0].supported_targets)
        for layer in layers:
            if not isinstance(layer, keras.layers.Layer):
                raise ValueError(
                    f"Pipeline: every entry of `layers` must be a Keras layer; got {layer!r}."
                )
            if isinstance(layer, BaseAugmentation) and layer.data_format != self.data_format:
                raise ValueError(
                    f"Pipeline: {layer.name} uses data_format={layer.data_format!r} but the "
                    f"pipeline uses {self.data_format!r}; expected one layout throughout."
                )
        self.layers = list(layers)
        # A Keras mask passes through only when every layer passes it (e.g. Rescaling); a
        # layer that moves pixels would leave it wrong, and Keras warns that it drops it.
        self.supports_masking = all(layer.supports_masking for layer in self.layers)
        if self.bounding_box_format is None:
            self.bounding_box_format = self._layers_box_format()

    def _wrapped(self) -> list:
        return self.layers

    def augment(self, x: tf.Tensor, seed: tf.Tensor | None = None) -> tf.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer.augment(x, None if seed is None else split_seed(seed, i))
        return x

    def infer(self, x: tf.Tensor) -> tf.Tensor:
        for layer in self.layers:
            x = layer.infer(x)
        return x

    def _layers_box_format(self) -> str | None:
        """The ``bounding_box_format`` the layers agree on (None if none gives one)."""
        formats = {
            layer.name: layer.bounding_box_format
            for layer in self.layers
            if getattr(layer, "bounding_box_format", None) is not None
        }
        if len(set(formats.values())) > 1:
            raise ValueError(
                f"Pipeline: its layers disagree on bounding_box_format ({formats}); expected "
                f"one format, given to every layer or to the Pipeline itself."
            )
        return next(iter(formats.values()), None)

    def output_image_size(self, height: int, width: int) -> tuple[int, int]:
        for layer in self.layers:
            if isinstance(layer, BaseAugmentation):
                height, width = layer.output_image_size(height, width)
            else:
                height, width = self._foreign_output_size(layer, height, width)
        return height, width

    def output_frame_count(self, frames: int) -> int:
        for layer in self.layers:
            if isinstance(layer, BaseAugmentation):
                frames = layer.output_frame_count(frames)
        return frames

    def _foreign_output_size(self, layer, height, width):
        """The static size a Keras layer (e.g. ``Resizing``) returns; ``None`` where unknown."""
        h = height if isinstance(height, int) else None
        w = width if isinstance(width, int) else None
        shape = (None, None, h, w) if self.data_format == "channels_first" else (None, h, w, None)
        try:
            out = tuple(layer.compute_output_shape(shape))
        except Exception:  # a layer that cannot tell: the size is simply unknown statically
            return None, None
        if len(out) != 4:
            return None, None
        return (out[2], out[3]) if self.data_format == "channels_first" else (out[1], out[2])

    def _check_static_size(self, images):
        # Only the first layer sees the input as given; later sizes depend on earlier layers.
        if isinstance(self.layers[0], BaseAugmentation):
            self.layers[0]._check_static_size(images)

    def _foreign(self, layer, batch: Batch, training: bool) -> Batch:
        if batch.has_targets:
            raise ValueError(
                f"Pipeline: {layer.name} is not a keras_augment layer, so it cannot move "
                f"{batch.target_names()} with the images; expected keras_augment layers only "
                f"when those targets are given."
            )
        images = batch.images
        if self.data_format == "channels_first":
            images = tf.transpose(images, [0, 3, 1, 2])
        # Keras image preprocessing layers take {"images", "labels"} dicts (they define
        # `transform_labels`); other layers, e.g. Rescaling, get the images alone.
        takes_dict = batch.labels is not None and callable(getattr(layer, "transform_labels", None))
        inputs = {"images": images, "labels": batch.labels} if takes_dict else images
        out = layer(inputs, training=training)
        if isinstance(out, dict):
            out_images, labels = out["images"], out.get("labels", batch.labels)
        else:
            out_images, labels = out, batch.labels
        if self.data_format == "channels_first":
            out_images = tf.transpose(out_images, [0, 2, 3, 1])
        # Its geometry is unknown: nothing is recorded past it.
        return batch.replace(images=out_images, labels=labels, matrix=None)

    def _fused(self, run, batch: Batch, seeds, dtype: tf.DType | None = None) -> Batch:
        height, width = batch.height, batch.width
        composed = None
        for layer in run:
            sized = Batch(
                batch.images, size=(height, width), batchwise=batch.batchwise, frames=batch.frames
            )
            params = layer.draw_params(sized, seeds[id(layer)])
            m = layer.get_matrix(params, height, width)
            composed = m if composed is None else matrices.compose(composed, m)
            height, width = layer.output_image_size(height, width)
            last_params = params
        last = run[-1]
        displacement = last.get_displacement(last_params, height, width)
        options = shared_sampling_options(run)
        if type(last).finalize_images is not GeometricAugmentation.finalize_images:
            dtype = None  # the hook sees float32 pixels; the result is cast after
        images = resample(
            batch.images,
            composed,
            tf.stack([height, width]),
            displacement,
            *options,
            output_dtype=resample_dtype(dtype),
        )
        mask_fill, threshold = shared_target_options(run)
        moved = move_targets(
            batch,
            composed,
            (height, width),
            options[1],
            mask_fill,
            threshold,
            displacement,
        )
        if dtype is None:
            images = last.finalize_images(images)
        return moved.replace(images=images, params=None)

    def augment_batch(self, batch: Batch, seed: tf.Tensor | None = None) -> Batch:
        return self._augment_runs(batch, seed, None)

    def augment_to(self, batch: Batch, seed: tf.Tensor | None, dtype: tf.DType) -> Batch:
        out = self._augment_runs(batch, seed, dtype)
        return out.replace(images=cast_images(out.images, dtype))

    def _augment_runs(self, batch: Batch, seed, dtype: tf.DType | None) -> Batch:
        """The training path; the last run returns ``dtype`` when given (the others float)."""
        self._check_clips(batch)
        # With a call-time seed, layer i draws from fold_in(seed, i); otherwise
        # each layer uses its own counter.
        seeds = {
            id(layer): None if seed is None else split_seed(seed, i)
            for i, layer in enumerate(self.layers)
        }
        runs = fusable_runs(self.layers)
        for i, run in enumerate(runs):
            # Only the last run may round: earlier rounding would add error.
            last_dtype = dtype if i == len(runs) - 1 else None
            if len(run) > 1 and isinstance(run[0], LinearColorAugmentation):
                colored = fused_color(run, batch, seeds)
                batch = batch.replace(images=colored.images, labels=colored.labels)
            elif len(run) > 1:
                batch = self._fused(run, batch, seeds, last_dtype)
            elif isinstance(run[0], BaseAugmentation) and last_dtype is not None:
                batch = run[0].augment_to(batch, seeds[id(run[0])], last_dtype)
            elif isinstance(run[0], BaseAugmentation):
                batch = run[0].augment_batch(batch, seeds[id(run[0])])
            else:
                batch = self._foreign(run[0], batch, True)
        return batch.replace(params=None)

    def _check_clips(self, batch: Batch) -> None:
        """Refuses images (not clips) when a layer of the frame axis is among the layers."""
        temporal = [layer for layer in self.layers if getattr(layer, "video", None) == "only"]
        if batch.frames == 1 and temporal:
            layer = temporal[0]
            raise ValueError(
                f"Pipeline: its layer {layer.name} ({type(layer).__name__}) works on the frame "
                f"axis of clips; expected clips [batch, frames, height, width, channels]; got "
                f"images of shape {tuple(batch.images.shape)}."
            )

    def geometric_layers(self) -> list:
        return [layer for layer in self.layers if isinstance(layer, GeometricAugmentation)]

    def inverse(self, outputs: tf.Tensor | dict, params: dict) -> tf.Tensor | dict:
        """Maps the pipeline's outputs back onto its inputs' grid (see ``GeometricAugmentation.inverse``).

        Only the geometry is undone: images are resampled bilinearly (zeros
        where the augmented image showed nothing), masks with nearest
        interpolation; boxes and keypoints move through the recorded matrix.
        """
        return invert_batch(self, outputs, params, "bilinear", 0.0)

    def infer_batch(self, batch: Batch) -> Batch:
        for layer in self.layers:
            if isinstance(layer, BaseAugmentation):
                batch = layer.infer_batch(batch)
            else:
                batch = self._foreign(layer, batch, False)
        return batch

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("seed")
        config.pop("batchwise")
        config["layers"] = [keras.saving.serialize_keras_object(layer) for layer in self.layers]
        return config

    @classmethod
    def from_config(cls, config: dict) -> Pipeline:
        config = dict(config)
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                f"Pipeline: the config needs `layers`, a list of serialized layers; got "
                f"layers={layers!r}."
            )
        config["layers"] = [keras.saving.deserialize_keras_object(c) for c in layers]
        return cls(**config)

    def call(
        self,
        inputs: tf.Tensor | dict,
        training: bool = True,
        seed: Seed = None,
        return_params: bool = False,
        mask: tf.Tensor | None = None,
    ) -> tf.Tensor | dict | tuple:
        ours = any(isinstance(layer, AugmentationLayer) for layer in self.layers)
        if ours or isinstance(inputs, dict):
            return super().call(inputs, training=training, seed=seed, return_params=return_params)
        # Only other Keras layers on a tensor: a plain sequence, as keras.layers.Pipeline
        # runs it, with `training` and `mask` handed to the layers whose call takes them.
        for layer in self.layers:
            kwargs = {}
            if layer._call_has_training_arg:
                kwargs["training"] = training
            if mask is not None and layer._call_has_mask_arg:
                kwargs["mask"] = mask
            inputs = layer(inputs, **kwargs)
        return inputs
