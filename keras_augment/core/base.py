"""The base class of every image augmentation layer.

A layer checks its constructor arguments, draws parameters for a batch
(``get_params``) and applies them to each target (``apply_images``,
``apply_labels``). This class does the rest: the call on images or dicts
(converted by ``core.batch``), the training path, targets and serialization.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core import batch as ka_batch
from keras_augment.core import random as ka_random
from keras_augment.core import targets as ka_targets
from keras_augment.core.batch import SUPPORTED_KEYS, Batch, Layout, as_tensors  # noqa: F401
from keras_augment.core.keras_protocol import KerasProtocol
from keras_augment.core.layer import AugmentationLayer
from keras_augment.core.registry import IMAGE_TARGETS, TARGET_DICT_KEYS
from keras_augment.core.validation import (
    check_choice,
    check_data_format,
    check_output_dtype,
)

cast_images = ka_batch.cast_images  # where core.geometry reads it


class BaseAugmentation(KerasProtocol, AugmentationLayer):
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
    ``uint8`` image in ``[0, 255]`` comes out as ``float32`` in ``[0, 255]``;
    ``output_dtype`` asks for another dtype.

    Targets: a dict input may also carry, for one draw of parameters applied
    to all of them (see ``keras_augment.core.targets``):

    * ``"segmentation_masks"``: ``[batch, height, width, c]`` (the images'
      layout and size), any numeric dtype, returned in that dtype;
    * ``"bounding_boxes"``: ``{"boxes": [batch, n, 4], "labels": [batch, n]}``
      in ``bounding_box_format``; rows labelled -1 are padding, and boxes a
      layer drops become padding rows, so ``n`` never changes;
    * ``"keypoints"``: ``[batch, k, 2]`` ``(x, y)`` pixel positions (the
      centre of pixel ``(row, col)`` is ``(col + 0.5, row + 0.5)``), with an
      optional ``"keypoint_visibility"`` ``bool[batch, k]``; the output always
      has ``"keypoint_visibility"``, false for points outside the image.

    Layers that do not move pixels pass these targets through unchanged.

    Video: a rank-5 input ``[batch, frames, height, width, channels]`` (or
    ``[batch, frames, channels, height, width]`` channels first) is a batch of
    clips. By default each clip gets one draw of parameters, applied to all its
    frames; ``temporal="independent"`` draws for every frame. Targets are then
    per frame: masks ``[batch, frames, height, width, c]``, boxes
    ``{"boxes": [batch, frames, n, 4], "labels": [batch, frames, n]}`` and
    keypoints ``[batch, frames, k, 2]``; ``"labels"`` belong to the clip and
    pass through. A rank-4 input is always a batch of images, so one clip
    goes in as ``clip[None]``.

    Args:
        seed: integer seed. Two layers built with the same seed produce the
            same sequence of augmentations. ``None`` draws one at random.
            Every call takes the next seed from the layer's counter, so in a
            parallel ``tf.data`` map, even with ``deterministic=True``, which
            element gets which draw depends on thread timing (in a
            ``Pipeline`` each layer's counter advances on its own, so even the
            set of outputs can change): the counter is what keeps parallel
            calls distinct, and it cannot be made reproducible element by
            element. For reproducible parallel maps use
            ``keras_augment.data.augment(dataset, layer, seed=...)``, which
            passes each element its own call-time ``seed``.
        batchwise: if true, one set of parameters is drawn per call and
            shared by the whole batch; by default every sample gets its own.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to
            the Keras config value.
        bounding_box_format: the format of ``"bounding_boxes"`` inputs, one of
            ``"xyxy"``, ``"xywh"``, ``"center_xywh"``, ``"rel_xyxy"``,
            ``"rel_xywh"``, ``"rel_center_xywh"``, ``"yxyx"`` (``rel_`` formats
            are fractions of the image size); needed only with boxes.
        temporal: on video inputs, ``"consistent"`` (the default) draws one
            set of parameters per clip, ``"independent"`` one per frame.
            ``RandomGaussianNoise`` draws its noise per frame either way.
        output_dtype: the dtype of the returned images, e.g. ``"uint8"``;
            ``None`` (the default) returns the compute dtype. Integer dtypes
            get values rounded to the nearest integer and saturated to the
            dtype's range. ``uint8`` in and ``uint8`` out lets some layers
            (the geometric ones, and ``Pipeline`` runs of them) work on
            ``uint8`` pixels without a ``float32`` copy of the batch. Inside a
            ``Pipeline`` only the pipeline's own ``output_dtype`` counts.
    """

    config_fields = ("batchwise", "data_format", "bounding_box_format", "output_dtype", "temporal")

    layer_kind = "image"
    # The targets a layer transforms (see keras_augment.core.registry). Layers
    # whose effect on masks, boxes or keypoints is not implemented leave them
    # out: they refuse those targets instead of passing them through.
    supported_targets: tuple[str, ...] = IMAGE_TARGETS
    # `deterministic = True` (Resizing, CenterCrop): no seed state, and the same
    # in training and at inference.
    # The channel counts a layer's operations are defined for (None: any).
    channel_counts: tuple[int, ...] | None = None
    # What the layer takes of clips (see core.batch.fold_frames): "clips" for
    # image layers, "no" for layers that mix the samples of a batch (their
    # pairs would be frames), "only" for layers of the frame axis.
    video = "clips"

    def __init__(
        self,
        seed: int | None = None,
        batchwise: bool = False,
        data_format: str | None = None,
        bounding_box_format: str | None = None,
        output_dtype: str | None = None,
        temporal: str = "consistent",
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        name = self.__class__.__name__
        self.output_dtype = check_output_dtype(name, output_dtype)
        self.temporal = check_choice(name, "temporal", temporal, ("consistent", "independent"))
        self.batchwise = bool(batchwise)
        self.data_format = check_data_format(name, data_format)
        self.bounding_box_format = ka_targets.check_box_format(name, bounding_box_format)

    # ----- what subclasses implement -------------------------------------

    def get_params(self, sampler: ka_random.Sampler, batch: Batch) -> dict:
        """Draws this call's parameters, one entry per sample."""
        return {}

    def apply_images(self, images: tf.Tensor, params: dict) -> tf.Tensor:
        """Applies ``params`` to ``[batch, height, width, channels]`` images."""
        raise NotImplementedError

    def apply_labels(self, labels, params: dict):
        return labels

    def apply_targets(self, batch: Batch, params: dict) -> Batch:
        """Applies ``params`` to the masks, boxes and keypoints of ``batch``.

        ``batch`` is the input batch (its images untransformed); only its
        targets (and recorded ``matrix``) matter in the result. The default
        passes them through: right for layers that do not move pixels.
        """
        return batch

    def inference_images(self, images: tf.Tensor) -> tf.Tensor:
        """What ``training=False`` does to images; identity unless a layer changes shape."""
        return images

    def output_image_size(self, height, width):
        """The ``(height, width)`` this layer returns for an input of the given size."""
        return height, width

    def empty_result(self, batch: Batch) -> Batch | None:
        """The result for images without pixels, or None (see ``core.batch.empty_result``)."""
        return ka_batch.empty_result(self.layout, batch, self.output_image_size)

    def output_frame_count(self, frames: int) -> int:
        """The number of frames this layer returns for clips of ``frames`` frames."""
        return frames

    # ----- the machinery ---------------------------------------------------

    @tf.autograph.experimental.do_not_convert
    def __call__(self, inputs, *args, **kwargs):
        # Keras refuses a dict that mixes tensors with NumPy arrays or lists;
        # Keras' own image layers accept it, so convert those entries first.
        inputs = as_tensors(inputs) if isinstance(inputs, dict) else inputs
        return super().__call__(inputs, *args, **kwargs)

    @property
    def supports_targets(self) -> bool:
        """True when the layer transforms masks, boxes and keypoints alike."""
        return all(name in self.supported_targets for name in TARGET_DICT_KEYS)

    @property
    def passes_targets_through(self) -> bool:
        """True for layers that change pixel values only (colour, blur, noise).

        Their masks, bounding boxes and keypoints pass through untouched, in
        any layout, as in Keras.
        """
        cls = type(self)
        return (
            self.supports_targets
            and cls.apply_targets is BaseAugmentation.apply_targets
            and cls.augment_batch is BaseAugmentation.augment_batch
            and cls.output_image_size is BaseAugmentation.output_image_size
        )

    @property
    def _name_for_errors(self) -> str:
        return self.__class__.__name__

    @property
    def layout(self) -> Layout:
        """How this layer reads its inputs (see ``keras_augment.core.batch``)."""
        return Layout(
            self._name_for_errors, self.data_format, self.bounding_box_format, self.channel_counts
        )

    def check_targets_supported(self, batch: Batch) -> None:
        """Refuses masks, boxes and keypoints outside ``supported_targets``."""
        ka_batch.check_targets(self.layout, batch, self.supported_targets)

    def draw_params(self, batch: Batch, seed: tf.Tensor | None = None) -> dict:
        """Draws parameters for ``batch`` from ``seed``, or else from this layer's next seed."""
        if self._seed_state is None:
            seed = tf.zeros([2], tf.int64)  # a deterministic layer draws nothing
        elif seed is None:
            seed = ka_random.next_seed(self._seed_state)
        frames = 1 if self.temporal == "independent" else batch.frames
        sampler = ka_random.Sampler(
            seed, batch.batch_size, self.batchwise or batch.batchwise, frames
        )
        return self.get_params(sampler, batch)

    def augment_batch(self, batch: Batch, seed: tf.Tensor | None = None) -> Batch:
        """The training path on internal-layout data (used by ``Pipeline`` too)."""
        return self._augment(batch, seed, None)

    def apply_images_as(self, images: tf.Tensor, params: dict, dtype: tf.DType) -> tf.Tensor:
        """``apply_images`` returning ``dtype`` (see ``core.batch.cast_images``).

        Layers that reach ``dtype`` without a ``float32`` copy of the batch
        (e.g. resampling ``uint8`` to ``uint8``) override this.
        """
        return ka_batch.cast_images(self._images_through_protocol(images, params), dtype)

    def _augment(self, batch: Batch, seed: tf.Tensor | None, dtype: tf.DType | None) -> Batch:
        self.check_targets_supported(batch)
        params = self.draw_params(batch, seed)
        if dtype is None:
            images = self._images_through_protocol(batch.images, params)
        else:
            images = self.apply_images_as(batch.images, params, dtype)
        labels = batch.labels
        if labels is not None:
            labels = self._labels_through_protocol(labels, params, batch.images)
        if not self.supports_targets:
            # A layer that refuses targets may move pixels: its geometry is unknown.
            batch = batch.replace(matrix=None)
        # Targets move on the input batch (its size is the one params were drawn for).
        moved = self.apply_targets(batch, params)
        return moved.replace(images=images, labels=labels, params=params)

    def infer_batch(self, batch: Batch) -> Batch:
        return batch.replace(images=self.inference_images(batch.images))

    def call(self, inputs, training=True, seed=None, return_params=False):
        layout = self.layout
        given = ka_batch.read_call(
            layout,
            inputs,
            self.video,
            check_channels=training is not False,
            check_size=self._check_static_size,
            keep_targets=not self.passes_targets_through,
        )
        batch, internal = given.batch, given.batch.images
        self.check_targets_supported(batch)
        if return_params:
            batch = ka_batch.tracking_matrix(layout, batch, training)
        out = self._switch_batch(batch, training, seed, bool(return_params))
        dtype = self.result_dtype(internal.dtype)
        result = ka_batch.call_result(
            layout, inputs, given, out, self.output_image_size, self.output_frame_count, dtype
        )
        if return_params:
            return result, ka_batch.returned_params(layout, out, internal)
        return result

    def _switch_batch(self, batch: Batch, training, seed, with_params: bool) -> Batch:
        """The training or inference path on ``batch``, as ``training`` says."""

        def eager():
            # Traced as one function, unless there is nothing to augment (a
            # relaxed trace would no longer see the empty axis).
            empty = self.empty_result(batch)
            if empty is not None:
                return empty
            return ka_batch.run_traced(self.traced, self._run, batch, seed, with_params)

        if isinstance(training, bool) or training is None:
            return self.switch(
                training,
                lambda: self._run(batch, True, seed),
                lambda: self._run(batch, False, seed),
                eager,
            )
        # A symbolic `training` flag: both branches run under tf.cond.
        return ka_batch.run_either(self.switch, training, self._run, batch, seed)

    def result_dtype(self, input_dtype: tf.DType) -> tf.DType:
        """The dtype this layer returns for images of ``input_dtype``."""
        return tf.as_dtype(self.output_dtype or self.compute_dtype)

    def augment_to(self, batch: Batch, seed: tf.Tensor | None, dtype: tf.DType) -> Batch:
        """``augment_batch`` with the images returned as ``dtype`` (see ``cast_images``).

        The layer's own call ends here. A layer that keeps the usual training
        path gets its images from ``apply_images_as``; one that overrides
        ``augment_batch`` overrides this too, or its images are cast after.
        """
        if type(self).augment_batch is BaseAugmentation.augment_batch:
            return self._augment(batch, seed, dtype)
        return ka_batch.cast_batch(self.augment_batch(batch, seed), dtype)

    def _run(self, batch: Batch, training: bool, seed=None) -> Batch:
        dtype = self.result_dtype(batch.images.dtype)
        if training and seed is not None:
            seed = ka_random.check_seed(self._name_for_errors, seed)
        empty = self.empty_result(batch)  # the same rule in training and at inference
        if empty is not None:
            return ka_batch.cast_batch(empty, dtype)
        if not training:
            return ka_batch.cast_batch(self.infer_batch(batch), dtype)
        return self.augment_to(batch, seed, dtype)

    def _check_static_size(self, images):
        """Hook for layers that must refuse some image sizes before tracing."""

    def compute_output_shape(self, input_shape):
        return ka_batch.output_shapes(
            self.layout, input_shape, self.output_image_size, self.output_frame_count, self.video
        )

    def compute_output_spec(self, *args, **kwargs):
        spec = super().compute_output_spec(*args, **kwargs)
        return ka_batch.spec_with_dtype(spec, self.output_dtype)
