"""The base class of every augmentation layer.

A layer does three things: check its constructor arguments, draw parameters
for a batch (``get_params``), and apply them to each target
(``apply_images``, ``apply_labels``). This class does the rest:
the ``training`` switch, rank and dtype checks, unbatched and
``channels_first`` inputs, dict inputs, per-call seeds and serialization.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core import random as ka_random
from keras_augment.core import targets as ka_targets
from keras_augment.core.compiled import channel_count
from keras_augment.core.keras_protocol import (
    KerasProtocol,
    box_labels_as_given,
    box_labels_per_box,
)
from keras_augment.core.layer import AugmentationLayer
from keras_augment.core.registry import IMAGE_TARGETS, TARGET_DICT_KEYS
from keras_augment.core.targets import TARGET_KEYS

# Dict keys a layer understands (see keras_augment.core.targets for the targets).
SUPPORTED_KEYS = ("images", "labels", *TARGET_KEYS)


class Batch:
    """Images in the internal layout (``[batch, height, width, channels]``) plus their targets.

    Targets, all optional and all with the batch axis first:

    * ``labels``: as given (a layer decides what to do with them);
    * ``masks``: segmentation masks in the images' layout
      ``[batch, height, width, mask_channels]``, in their own dtype;
    * ``boxes``: ``float32[batch, n, 4]`` absolute ``xyxy`` boxes in the current
      image's pixels, with ``box_labels`` ``[batch, n]`` (padding rows -1);
    * ``keypoints``: ``float32[batch, k, 2]`` ``(x, y)`` in pixels, with
      ``visibility`` ``bool[batch, k]``.

    ``matrix`` (``float32[batch, 3, 3]`` or None) records, when a caller asked
    for it, how the current pixels map to the pixels the call started from;
    None means "not recorded". ``params`` holds the parameters a single layer drew.
    """

    FIELDS = ("labels", "masks", "boxes", "box_labels", "keypoints", "visibility", "matrix")

    def __init__(
        self,
        images: tf.Tensor,
        labels: Any = None,
        size=None,
        masks=None,
        boxes=None,
        box_labels=None,
        keypoints=None,
        visibility=None,
        matrix=None,
        params=None,
    ):
        self.images = images
        self.labels = labels
        # `size` overrides the image size a layer sees when drawing parameters
        # (a fused pipeline draws for intermediate sizes it never materialises).
        self._size = size
        self.masks = masks
        self.boxes = boxes
        self.box_labels = box_labels
        self.keypoints = keypoints
        self.visibility = visibility
        self.matrix = matrix
        self.params = params

    def replace(self, **changes) -> Batch:
        """A copy with some fields changed (the size override is not carried)."""
        fields = {name: getattr(self, name) for name in (*self.FIELDS, "params")}
        images = changes.pop("images", self.images)
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"Batch.replace: unknown fields {sorted(unknown)}.")
        fields.update(changes)
        return Batch(images, **fields)

    @property
    def has_targets(self) -> bool:
        """True when masks, boxes or keypoints travel with the images."""
        return any(t is not None for t in (self.masks, self.boxes, self.keypoints))

    def target_names(self) -> list[str]:
        names = [("segmentation_masks", self.masks), ("bounding_boxes", self.boxes)]
        names.append(("keypoints", self.keypoints))
        return [name for name, value in names if value is not None]

    def to_structure(self) -> dict:
        """The tensors as a dict (for tf.function and tf.cond), None fields left out."""
        out = {"images": self.images}
        for name in self.FIELDS:
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.params is not None:
            out["params"] = self.params
        return out

    @classmethod
    def from_structure(cls, structure: dict) -> Batch:
        return cls(**structure)

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
    ``uint8`` image in ``[0, 255]`` comes out as ``float32`` in ``[0, 255]``.

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
    """

    layer_kind = "image"
    # The targets a layer transforms (see keras_augment.core.registry). Layers
    # whose effect on masks, boxes or keypoints is not implemented leave them
    # out: they refuse those targets instead of passing them through.
    supported_targets: tuple[str, ...] = IMAGE_TARGETS
    # `deterministic = True` (Resizing, CenterCrop): no seed state, and the same
    # in training and at inference.
    # The channel counts a layer's operations are defined for (None: any).
    channel_counts: tuple[int, ...] | None = None

    def __init__(
        self,
        seed: int | None = None,
        batchwise: bool = False,
        data_format: str | None = None,
        bounding_box_format: str | None = None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.batchwise = bool(batchwise)
        if data_format is None:
            data_format = keras.config.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                f"{self.__class__.__name__}: `data_format` must be 'channels_last' or "
                f"'channels_first'; got {data_format!r}."
            )
        self.data_format = data_format
        self.bounding_box_format = ka_targets.check_box_format(
            self.__class__.__name__, bounding_box_format
        )

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

    # ----- the machinery ---------------------------------------------------

    @tf.autograph.experimental.do_not_convert
    def __call__(self, inputs, *args, **kwargs):
        # Keras refuses a dict that mixes tensors with NumPy arrays or lists;
        # Keras' own image layers accept it, so convert those entries first.
        labels_shape = None
        if isinstance(inputs, dict):
            inputs = {key: as_tensors(value) for key, value in inputs.items()}
            # Box labels in another layout Keras reads ([1, n] with [n, 4] boxes).
            boxes, labels_shape = box_labels_per_box(inputs.get("bounding_boxes"))
            if labels_shape is not None:
                inputs["bounding_boxes"] = boxes
        out = super().__call__(inputs, *args, **kwargs)
        if labels_shape is not None and isinstance(out, dict):
            out = {
                **out,
                "bounding_boxes": box_labels_as_given(out["bounding_boxes"], labels_shape),
            }
        return out

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
            targets = {k: inputs[k] for k in TARGET_KEYS if inputs.get(k) is not None}
            return inputs["images"], inputs.get("labels"), targets, True
        return inputs, None, {}, False

    def check_targets_supported(self, batch: Batch) -> None:
        """Refuses masks, boxes and keypoints when this layer cannot move them."""
        given = {"masks": batch.masks, "boxes": batch.boxes, "keypoints": batch.keypoints}
        refused = [
            TARGET_DICT_KEYS[name]
            for name, value in given.items()
            if value is not None and name not in self.supported_targets
        ]
        if refused:
            raise ValueError(
                f"{self._name_for_errors}: does not support {refused}: its "
                f"operations move pixels in ways not applied to those targets. Expected a "
                f"dict with 'images' and 'labels' only; use the geometric layers or a "
                f"Pipeline of them for segmentation, detection or keypoint targets."
            )

    def _attach_targets(self, batch: Batch, targets: dict, unbatched: bool) -> Batch:
        """Checks the dict targets and converts them to the internal form of ``Batch``."""
        if not targets:
            return batch
        name = self._name_for_errors
        images = batch.images
        n_static = None if unbatched else images.shape[0]

        def batched(value, what, rank, last=None, dtype=None):
            value = tf.convert_to_tensor(value, dtype=dtype)
            want = rank - 1 if unbatched else rank
            if value.shape.rank != want or (last is not None and value.shape[-1] not in (last,)):
                shape = "[" + ", ".join((["batch"] if not unbatched else []) + what[1]) + "]"
                raise ValueError(
                    f"{name}: expected {what[0]} of shape {shape}; got shape {value.shape}."
                )
            if unbatched:
                value = value[None]
            if n_static is not None and value.shape[0] not in (None, n_static):
                raise ValueError(
                    f"{name}: got {what[0]} for {value.shape[0]} samples and {n_static} images; "
                    f"expected one entry per image."
                )
            return value

        changes = {}
        masks = targets.get("segmentation_masks")
        if masks is not None:
            masks = tf.convert_to_tensor(masks)
            if not (masks.dtype.is_floating or masks.dtype.is_integer) or masks.dtype == tf.bool:
                raise TypeError(
                    f"{name}: expected segmentation_masks of a numeric dtype; got "
                    f"{masks.dtype.name}."
                )
            want = 3 if unbatched else 4
            if masks.shape.rank != want:
                raise ValueError(
                    f"{name}: expected segmentation_masks of rank {want} in the images' layout "
                    f"(height, width and a channel axis, e.g. [batch, height, width, 1]); got "
                    f"shape {masks.shape}."
                )
            masks, _ = self._to_internal(masks)
            same = masks.shape[1:3].is_compatible_with(images.shape[1:3])
            if not same or (n_static is not None and masks.shape[0] not in (None, n_static)):
                raise ValueError(
                    f"{name}: segmentation_masks of internal shape {masks.shape} do not match "
                    f"the images {images.shape}; expected the same batch, height and width."
                )
            changes["masks"] = masks
        boxes = targets.get("bounding_boxes")
        if boxes is not None:
            if not isinstance(boxes, dict) or set(boxes) != {"boxes", "labels"}:
                got = sorted(boxes) if isinstance(boxes, dict) else type(boxes).__name__
                raise ValueError(
                    f"{name}: expected bounding_boxes as a dict {{'boxes': [batch, n, 4], "
                    f"'labels': [batch, n]}}; got {got}."
                )
            if self.bounding_box_format is None:
                raise ValueError(
                    f"{name}: got bounding_boxes but `bounding_box_format` is None; pass "
                    f"bounding_box_format=... (one of {ka_targets.BOX_FORMATS}) to the layer."
                )
            coords = batched(boxes["boxes"], ("bounding box coordinates", ["n", "4"]), 3, 4)
            box_labels = batched(boxes["labels"], ("bounding box labels", ["n"]), 2)
            if not coords.shape[:2].is_compatible_with(box_labels.shape[:2]):
                raise ValueError(
                    f"{name}: bounding box coordinates {coords.shape} and labels "
                    f"{box_labels.shape} disagree; expected labels of shape [batch, n]."
                )
            xyxy = ka_targets.to_xyxy(
                coords, self.bounding_box_format, Batch(images).height, Batch(images).width
            )
            pad = ka_targets.is_padding(box_labels)
            changes["boxes"] = tf.where(pad[..., None], float(ka_targets.PAD_VALUE), xyxy)
            changes["box_labels"] = box_labels
        points = targets.get("keypoints")
        visibility = targets.get("keypoint_visibility")
        if visibility is not None and points is None:
            raise ValueError(f"{name}: got keypoint_visibility without keypoints.")
        if points is not None:
            points = batched(points, ("keypoints", ["k", "2"]), 3, 2)
            points = tf.cast(points, tf.float32)
            inside = ka_targets.points_inside(points, Batch(images).height, Batch(images).width)
            if visibility is not None:
                visibility = batched(visibility, ("keypoint_visibility", ["k"]), 2)
                inside = inside & tf.cast(visibility, tf.bool)
            changes["keypoints"] = points
            changes["visibility"] = inside
        return batch.replace(**changes)

    def _pack_targets(self, result: dict, batch: Batch, unbatched: bool) -> dict:
        """Writes the targets of ``batch`` into the output dict in the user's formats."""

        def user(value):
            return value[0] if unbatched else value

        if batch.masks is not None:
            masks = batch.masks
            if self.data_format == "channels_first":
                masks = tf.transpose(masks, [0, 3, 1, 2])
            result["segmentation_masks"] = user(masks)
        if batch.boxes is not None:
            pad = ka_targets.is_padding(batch.box_labels)
            coords = ka_targets.from_xyxy(
                batch.boxes,
                self.bounding_box_format,
                Batch(batch.images).height,
                Batch(batch.images).width,
            )
            coords = tf.where(pad[..., None], float(ka_targets.PAD_VALUE), coords)
            result["bounding_boxes"] = {"boxes": user(coords), "labels": user(batch.box_labels)}
        if batch.keypoints is not None:
            result["keypoints"] = user(batch.keypoints)
            result["keypoint_visibility"] = user(batch.visibility)
        return result

    def _check_images(self, images, check_channels: bool = True) -> tf.Tensor:
        """Checks dtype and rank, and the channel count when ``check_channels``.

        Inference and drawing parameters do not read the channels, so there (as in
        Keras) any count passes.
        """
        if isinstance(images, (tf.RaggedTensor, tf.SparseTensor)):
            raise TypeError(
                f"{self._name_for_errors}: got images as a {type(images).__name__}; expected "
                f"a dense rank-3 image or rank-4 batch. Images of different sizes cannot "
                f"share one batch tensor: resize them to one size before batching (e.g. "
                f"tf.image.resize in the map before .batch()), or map this layer over "
                f"single images before .ragged_batch()."
            )
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
                f"Expected the input image to be rank 3 or 4. {self._name_for_errors}: "
                f"expected images of rank 3 (one image) or "
                f"rank 4 (a batch); got rank {rank} with shape {images.shape}."
            )
        channels = images.shape[-1 if self.data_format == "channels_last" else rank - 3]
        if not check_channels or self.channel_counts is None:
            return images
        if channels not in (None, *self.channel_counts):
            raise ValueError(
                f"{self._name_for_errors}: expected images with "
                f"{' or '.join(map(str, self.channel_counts))} channels; got {channels} "
                f"channels (shape {images.shape}, {self.data_format})."
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
        if self._seed_state is None:
            seed = tf.zeros([2], tf.int64)  # a deterministic layer draws nothing
        elif seed is None:
            seed = ka_random.next_seed(self._seed_state)
        batchwise = self.batchwise or getattr(self, "_batchwise_call", False)
        sampler = ka_random.Sampler(seed, batch.batch_size, batchwise)
        return self.get_params(sampler, batch)

    def _set_batchwise_call(self, flag: bool) -> None:
        """Makes this call draw one set of parameters for the whole batch (shared boxes)."""
        self._batchwise_call = flag

    def augment_batch(self, batch: Batch, seed: tf.Tensor | None = None) -> Batch:
        """The training path on internal-layout data (used by ``Pipeline`` too)."""
        self.check_targets_supported(batch)
        params = self.draw_params(batch, seed)
        images = self._images_through_protocol(batch.images, params)
        labels = batch.labels
        if labels is not None:
            if type(self).transform_labels is BaseAugmentation.transform_labels:
                labels = self.apply_labels(labels, params)
            else:  # a subclass written against Keras' protocol
                labels = self.transform_labels(
                    labels, {"params": params, "image_shape": tf.shape(batch.images)}, training=True
                )
        if not self.supports_targets:
            # A layer that refuses targets may move pixels: its geometry is unknown.
            batch = batch.replace(matrix=None)
        # Targets move on the input batch (its size is the one params were drawn for).
        moved = self.apply_targets(batch, params)
        return moved.replace(images=images, labels=labels, params=params)

    def infer_batch(self, batch: Batch) -> Batch:
        return batch.replace(images=self.inference_images(batch.images))

    def call(self, inputs, training=True, seed=None, return_params=False):
        images, labels, targets, is_dict = self._unpack(inputs)
        images = self._check_images(images, check_channels=training is not False)
        self._check_static_size(images)
        internal, unbatched = self._to_internal(images)
        if self.passes_targets_through:
            # Returned as given, via dict(inputs), in any layout (as Keras does).
            targets = {}
        shared = _shared_boxes(targets, unbatched)
        if shared:
            # Boxes without a batch axis belong to every image (Keras accepts
            # them): one draw for the whole batch keeps them one set of boxes.
            targets["bounding_boxes"] = _broadcast_boxes(targets["bounding_boxes"], internal)
        self._set_batchwise_call(shared)
        try:
            return self._call(
                inputs,
                internal,
                unbatched,
                labels,
                targets,
                is_dict,
                training,
                seed,
                return_params,
                shared,
            )
        finally:
            self._set_batchwise_call(False)

    def _call(
        self,
        inputs,
        internal,
        unbatched,
        labels,
        targets,
        is_dict,
        training,
        seed,
        return_params,
        shared,
    ):
        batch = self._attach_targets(Batch(internal, labels), targets, unbatched)
        self.check_targets_supported(batch)
        if return_params:
            if not isinstance(training, bool):
                raise ValueError(
                    f"{self._name_for_errors}: return_params=True needs training to be True or "
                    f"False; got {training!r}."
                )
            batch = batch.replace(matrix=matrices.identity(batch.batch_size))

        def eager():
            # Traced as one function, unless there is nothing to augment (a
            # relaxed trace would no longer see the empty axis).
            empty = self._empty_result(batch)
            if empty is not None:
                return empty
            return self._traced_training_path(batch, seed, bool(return_params), shared)

        if isinstance(training, bool) or training is None:
            out = self.switch(
                training,
                lambda: self._run(batch, True, seed),
                lambda: self._run(batch, False, seed),
                eager,
            )
        else:
            # A symbolic `training` flag: both branches must give equal shapes.
            def branch(flag):
                structure = self._run(batch, flag, seed).to_structure()
                structure.pop("params", None)
                return structure

            out = Batch.from_structure(
                self.switch(training, lambda: branch(True), lambda: branch(False))
            )
        out_images = self._set_static_shape(out.images, internal)
        out_images = self._from_internal(out_images, unbatched)
        if is_dict:
            result = dict(inputs)
            result["images"] = out_images
            if labels is not None:
                result["labels"] = out.labels
            result = self._pack_targets(result, out, unbatched)
            if shared:
                result["bounding_boxes"] = {
                    key: value[0] for key, value in result["bounding_boxes"].items()
                }
        else:
            result = out_images
        if return_params:
            return result, self._returned_params(out, internal)
        return result

    def _returned_params(self, out: Batch, internal) -> dict:
        if out.matrix is None:
            raise ValueError(
                f"{self._name_for_errors}: cannot return its parameters: some of its "
                f"operations move pixels without a recorded matrix (policies, Keras layers, "
                f"displacement fields). Expected geometric keras_augment layers."
            )
        params = dict(out.params or {})
        size = tf.shape(internal)[1:3]
        params.update(
            {
                "matrix": out.matrix,
                "input_size": size,
                "output_size": tf.shape(out.images)[1:3],
            }
        )
        return params

    def _traced_training_path(self, batch: Batch, seed, with_params: bool = False, shared=False):
        def training_path(structure, seed):
            out = self._run(Batch.from_structure(structure), True, seed).to_structure()
            if not with_params:
                out.pop("params", None)  # returned only when asked for
            return out

        # A batch-wide draw is traced apart, and so is each channel count (a
        # relaxed trace would lose the channel axis).
        key = (with_params, shared, channel_count(batch.images))
        return Batch.from_structure(self.traced(key, training_path)(batch.to_structure(), seed))

    def _run(self, batch: Batch, training: bool, seed=None) -> Batch:
        if not training:
            return self.infer_batch(batch)
        if seed is not None:
            seed = ka_random.check_seed(self._name_for_errors, seed)
        empty = self._empty_result(batch)
        if empty is not None:
            return empty
        return self.augment_batch(batch, seed)

    def _empty_result(self, batch: Batch) -> Batch | None:
        """The result for images with no pixels to augment (None for any other batch).

        An empty batch, or images with no channels, come back as zeros of the
        output shape; images of height or width 0 come back unchanged when the
        layer keeps the size, and are refused when it needs pixels to produce
        a size of its own. Targets pass through.
        """
        n, height, width, channels = batch.images.shape
        if 0 not in (n, height, width, channels):
            return None
        out_h, out_w = self.output_image_size(height, width)
        if n == 0 or channels == 0:
            size = tf.shape(batch.images)
            out_h = size[1] if out_h is None else out_h
            out_w = size[2] if out_w is None else out_w
            images = tf.zeros(tf.stack([size[0], out_h, out_w, size[3]]), batch.images.dtype)
            masks = batch.masks
            if masks is not None:
                shape = tf.stack([size[0], out_h, out_w, tf.shape(masks)[3]])
                masks = tf.zeros(shape, masks.dtype)
            return batch.replace(images=images, masks=masks)
        if (out_h, out_w) == (height, width):
            return batch
        raise ValueError(
            f"{self._name_for_errors}: cannot augment images of height {height} and width "
            f"{width}; expected at least one pixel in each, to produce {out_h}x{out_w} outputs."
        )

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
            if "segmentation_masks" in input_shape:
                result["segmentation_masks"] = self.compute_output_shape(
                    input_shape["segmentation_masks"]
                )
            if "keypoints" in input_shape:
                result["keypoint_visibility"] = tuple(input_shape["keypoints"])[:-1]
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
            {
                "batchwise": self.batchwise,
                "data_format": self.data_format,
                "bounding_box_format": self.bounding_box_format,
            }
        )
        return config


def as_tensors(value):
    """``value`` with NumPy arrays, lists and numbers turned into tensors (dicts kept)."""
    if isinstance(value, dict):
        return {key: as_tensors(item) for key, item in value.items()}
    if isinstance(value, (np.ndarray, np.generic, list, tuple, int, float)):
        return tf.convert_to_tensor(value)
    return value


def _shared_boxes(targets: dict, unbatched: bool) -> bool:
    """True for boxes ``[n, 4]`` given with a batch of images (one set for every image)."""
    boxes = targets.get("bounding_boxes")
    if unbatched or not isinstance(boxes, dict) or "boxes" not in boxes:
        return False
    return tf.convert_to_tensor(boxes["boxes"]).shape.rank == 2


def _broadcast_boxes(boxes: dict, images: tf.Tensor) -> dict:
    n = tf.shape(images)[0]
    out = {}
    for key, value in boxes.items():
        value = tf.convert_to_tensor(value)
        out[key] = tf.broadcast_to(value[None], tf.concat([[n], tf.shape(value)], 0))
    return out
