"""Images and their targets inside a layer (``Batch``), and the conversion from and to a call's input.

A call's input is an image tensor (rank 3 or 4, ``channels_last`` or
``channels_first``) or a dict with ``"images"``, ``"labels"`` and targets in
the user's formats; inside, every layer works on a :class:`Batch`: images
``[batch, height, width, channels]`` and targets in internal forms (see
``Batch``). The functions here convert one way and back, for the layout a
layer declares (:class:`Layout`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import keras
import numpy as np
import tensorflow as tf

from keras_augment.core import matrices
from keras_augment.core import targets as ka_targets
from keras_augment.core.compiled import channel_count, static_or_dynamic_length
from keras_augment.core.registry import TARGET_DICT_KEYS
from keras_augment.core.targets import TARGET_KEYS

# Dict keys a layer understands (see keras_augment.core.targets for the targets).
SUPPORTED_KEYS = ("images", "labels", *TARGET_KEYS)


@dataclasses.dataclass(frozen=True)
class Layout:
    """What the conversions need to know of a layer.

    Attributes:
        name: the layer's name in error messages (its class name).
        data_format: ``"channels_last"`` or ``"channels_first"``.
        box_format: the ``bounding_box_format`` of box inputs (None without boxes).
        channel_counts: the channel counts the layer accepts (None: any).
    """

    name: str
    data_format: str = "channels_last"
    box_format: str | None = None
    channel_counts: tuple[int, ...] | None = None


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
        batchwise: bool = False,
        frames: int = 1,
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
        # True when this call draws one set of parameters for the whole batch
        # (boxes given once for every image); layers read it in draw_params.
        self.batchwise = batchwise
        # Frames per clip when clips were folded into the batch (see `fold_frames`):
        # consecutive groups of `frames` samples share one draw of parameters.
        self.frames = frames

    def replace(self, **changes) -> Batch:
        """A copy with some fields changed (the size override is not carried)."""
        fields = {name: getattr(self, name) for name in (*self.FIELDS, "params")}
        images = changes.pop("images", self.images)
        frames = changes.pop("frames", self.frames)
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"Batch.replace: unknown fields {sorted(unknown)}.")
        fields.update(changes)
        return Batch(images, batchwise=self.batchwise, frames=frames, **fields)

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
    def from_structure(cls, structure: dict, batchwise: bool = False, frames: int = 1) -> Batch:
        return cls(**structure, batchwise=batchwise, frames=frames)

    @property
    def batch_size(self) -> tf.Tensor:
        return tf.shape(self.images)[0]

    def _side(self, axis: int):
        """The size along image axis 1 (height) or 2 (width): static when known."""
        if self._size is not None:
            return self._size[axis - 1]
        return static_or_dynamic_length(self.images, axis)

    @property
    def height(self):
        return self._side(1)

    @property
    def width(self):
        return self._side(2)


def _box_labels_per_box(boxes):
    """Box labels reshaped to one per box, and the shape they came in.

    Keras' layers also read one image's boxes ``[n, 4]`` with labels ``[1, n]``,
    and boxes ``[1, n, 4]`` with labels ``[n]``. Returns the boxes dict with
    labels shaped as the coordinates' leading axes, and the labels' own shape
    (None when they already were); ``dict_result`` gives them back in it.
    """
    if not isinstance(boxes, dict) or "labels" not in boxes or "boxes" not in boxes:
        return boxes, None
    coords = tf.convert_to_tensor(boxes["boxes"])
    labels = tf.convert_to_tensor(boxes["labels"])
    per_box = coords.shape[:-1]
    if (
        labels.shape.rank is None
        or labels.shape.rank == per_box.rank
        or not per_box.is_fully_defined()
        or labels.shape.num_elements() != per_box.num_elements()
    ):
        return boxes, None
    return {**boxes, "labels": tf.reshape(labels, per_box)}, labels.shape


def unpack(layout: Layout, inputs):
    """``(images, labels, targets, is_dict)`` from a call's input (an image tensor or a dict)."""
    if isinstance(inputs, dict):
        unknown = sorted(set(inputs) - set(SUPPORTED_KEYS))
        if unknown:
            raise ValueError(
                f"{layout.name}: unsupported input keys {unknown}; "
                f"expected a dict with keys among {list(SUPPORTED_KEYS)}."
            )
        if "images" not in inputs:
            raise ValueError(
                f"{layout.name}: a dict input needs an 'images' entry; got keys {sorted(inputs)}."
            )
        targets = {k: inputs[k] for k in TARGET_KEYS if inputs.get(k) is not None}
        if "bounding_boxes" in targets:
            targets["bounding_boxes"], _ = _box_labels_per_box(targets["bounding_boxes"])
        return inputs["images"], inputs.get("labels"), targets, True
    return inputs, None, {}, False


def check_dense(layer: str, what: str, value, expected: str, hint: str) -> None:
    """Refuses a ragged or sparse ``value``; ``hint`` says how to batch such inputs."""
    if isinstance(value, (tf.RaggedTensor, tf.SparseTensor)):
        raise TypeError(
            f"{layer}: got {what} as a {type(value).__name__}; expected {expected}. {hint}"
        )


def check_real_dtype(layer: str, value: tf.Tensor, expected: str) -> tf.Tensor:
    """``value`` if its dtype is an integer or floating one (not bool), else a TypeError."""
    dtype = value.dtype
    if not (dtype.is_floating or dtype.is_integer) or dtype == tf.bool:
        raise TypeError(f"{layer}: expected {expected}; got dtype {dtype.name}.")
    return value


def check_images(layout: Layout, images, check_channels: bool = True) -> tf.Tensor:
    """``images`` as a dense tensor of rank 3 or 4, refusing other dtypes, ranks and channels.

    The channel count is checked only with ``check_channels``: inference and
    drawing parameters do not read the channels, so there (as in Keras) any count passes.
    """
    check_dense(
        layout.name,
        "images",
        images,
        "a dense rank-3 image or rank-4 batch",
        "Images of different sizes cannot share one batch tensor: resize them to one size "
        "before batching (e.g. tf.image.resize in the map before .batch()), or map this "
        "layer over single images before .ragged_batch().",
    )
    if not isinstance(images, (tf.Tensor, tf.Variable)) and not hasattr(images, "dtype"):
        images = tf.convert_to_tensor(images)
    images = tf.convert_to_tensor(images)
    expected = "images of a real numeric dtype (integer or floating)"
    images = check_real_dtype(layout.name, images, expected)
    rank = images.shape.rank
    if rank not in (3, 4):
        raise ValueError(
            f"Expected the input image to be rank 3 or 4. {layout.name}: "
            f"expected images of rank 3 (one image), rank 4 (a batch) or rank 5 (a "
            f"batch of clips); got rank {rank} with shape {images.shape}."
        )
    channels = images.shape[-1 if layout.data_format == "channels_last" else rank - 3]
    if not check_channels or layout.channel_counts is None:
        return images
    if channels not in (None, *layout.channel_counts):
        raise ValueError(
            f"{layout.name}: expected images with "
            f"{' or '.join(map(str, layout.channel_counts))} channels; got {channels} "
            f"channels (shape {images.shape}, {layout.data_format})."
        )
    return images


def to_internal(layout: Layout, images):
    """``(images [batch, height, width, channels], unbatched)`` from the user's layout."""
    unbatched = images.shape.rank == 3
    if unbatched:
        images = images[None]
    if layout.data_format == "channels_first":
        images = tf.transpose(images, [0, 2, 3, 1])
    return images, unbatched


def from_internal(layout: Layout, images, unbatched: bool, dtype):
    """The user's layout (and the layer's compute ``dtype``) from the internal one."""
    if layout.data_format == "channels_first":
        images = tf.transpose(images, [0, 3, 1, 2])
    if unbatched:
        images = images[0]
    return tf.cast(images, dtype)


def attach_targets(layout: Layout, batch: Batch, targets: dict, unbatched: bool) -> Batch:
    """Checks the dict targets and converts them to the internal form of ``Batch``."""
    if not targets:
        return batch
    name = layout.name
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
                f"{name}: expected segmentation_masks of a numeric dtype; got {masks.dtype.name}."
            )
        want = 3 if unbatched else 4
        if masks.shape.rank != want:
            raise ValueError(
                f"{name}: expected segmentation_masks of rank {want} in the images' layout "
                f"(height, width and a channel axis, e.g. [batch, height, width, 1]); got "
                f"shape {masks.shape}."
            )
        masks, _ = to_internal(layout, masks)
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
        if layout.box_format is None:
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
            coords, layout.box_format, Batch(images).height, Batch(images).width
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


def pack_targets(layout: Layout, result: dict, batch: Batch, unbatched: bool) -> dict:
    """Writes the targets of ``batch`` into the output dict in the user's formats."""

    def user(value):
        return value[0] if unbatched else value

    if batch.masks is not None:
        masks = batch.masks
        if layout.data_format == "channels_first":
            masks = tf.transpose(masks, [0, 3, 1, 2])
        result["segmentation_masks"] = user(masks)
    if batch.boxes is not None:
        pad = ka_targets.is_padding(batch.box_labels)
        coords = ka_targets.from_xyxy(
            batch.boxes,
            layout.box_format,
            Batch(batch.images).height,
            Batch(batch.images).width,
        )
        coords = tf.where(pad[..., None], float(ka_targets.PAD_VALUE), coords)
        result["bounding_boxes"] = {"boxes": user(coords), "labels": user(batch.box_labels)}
    if batch.keypoints is not None:
        result["keypoints"] = user(batch.keypoints)
        result["keypoint_visibility"] = user(batch.visibility)
    return result


def as_tensors(value):
    """``value`` with NumPy arrays, lists and numbers turned into tensors (dicts kept)."""
    if isinstance(value, dict):
        return {key: as_tensors(item) for key, item in value.items()}
    if isinstance(value, (np.ndarray, np.generic, list, tuple, int, float)):
        return tf.convert_to_tensor(value)
    return value


def shared_boxes(targets: dict, unbatched: bool) -> bool:
    """True for boxes ``[n, 4]`` given with a batch of images (one set for every image)."""
    boxes = targets.get("bounding_boxes")
    if unbatched or not isinstance(boxes, dict) or "boxes" not in boxes:
        return False
    return tf.convert_to_tensor(boxes["boxes"]).shape.rank == 2


def broadcast_boxes(boxes: dict, images: tf.Tensor) -> dict:
    n = tf.shape(images)[0]
    out = {}
    for key, value in boxes.items():
        value = tf.convert_to_tensor(value)
        out[key] = tf.broadcast_to(value[None], tf.concat([[n], tf.shape(value)], 0))
    return out


def dict_result(
    layout: Layout, inputs: dict, out: Batch, images, unbatched: bool, shared: bool
) -> dict:
    """The output dict of a call on dict ``inputs``: every entry kept, the augmented ones replaced."""
    result = dict(inputs)
    result["images"] = images
    if inputs.get("labels") is not None:
        result["labels"] = out.labels
    result = pack_targets(layout, result, out, unbatched)
    if shared:
        # Boxes given once for every image come back once.
        result["bounding_boxes"] = {k: v[0] for k, v in result["bounding_boxes"].items()}
    if out.boxes is not None:
        # Box labels in another layout Keras reads come back in that layout.
        _, labels_shape = _box_labels_per_box(inputs["bounding_boxes"])
        if labels_shape is not None:
            boxes = result["bounding_boxes"]
            result["bounding_boxes"] = {
                **boxes,
                "labels": tf.reshape(boxes["labels"], labels_shape),
            }
    return result


def returned_params(layout: Layout, out: Batch, internal: tf.Tensor) -> dict:
    """What ``return_params=True`` returns: the drawn params plus the whole matrix and sizes."""
    if out.matrix is None:
        raise ValueError(
            f"{layout.name}: cannot return its parameters: some of its "
            f"operations move pixels without a recorded matrix (policies, Keras layers, "
            f"displacement fields). Expected geometric keras_augment layers."
        )
    params = dict(out.params or {})
    params["matrix"] = out.matrix
    params["input_size"] = tf.shape(internal)[1:3]
    params["output_size"] = tf.shape(out.images)[1:3]
    return params


def output_shapes(
    layout: Layout, input_shape, output_image_size, output_frame_count=None, video="clips"
):
    """``compute_output_shape`` of an image layer for an image shape or a dict of shapes.

    On clips, ``output_frame_count`` gives the frame axis (axis 1; axis 0 of
    one clip given to a layer of the frame axis, ``video="only"``).
    """
    args = (output_image_size, output_frame_count, video)
    if isinstance(input_shape, dict):
        result = dict(input_shape)
        for key in ("images", "segmentation_masks"):
            if key in input_shape:
                result[key] = output_shapes(layout, input_shape[key], *args)
        if "keypoints" in input_shape:
            result["keypoint_visibility"] = tuple(input_shape["keypoints"])[:-1]
        return result
    shape = list(input_shape)
    h_axis = len(shape) - (2 if layout.data_format == "channels_first" else 3)
    shape[h_axis], shape[h_axis + 1] = image_output_size(
        output_image_size, shape[h_axis], shape[h_axis + 1]
    )
    f_axis = {5: 1, 4: 0 if video == "only" else None}.get(len(shape))
    if output_frame_count is not None and f_axis is not None and shape[f_axis] is not None:
        shape[f_axis] = output_frame_count(shape[f_axis])
    return tuple(shape)


# Image sizes (with pixels) at which a layer's size rule is read; the small one catches
# minimum sizes (PadIfNeeded) that larger images already meet.
PROBE_SIZES = ((3, 5), (61, 83), (90, 47))
PRESERVING = "preserving"


def size_behaviour(output_image_size) -> str | tuple[int, int] | None:
    """How a layer of ``output_image_size`` sizes its output: ``"preserving"``, a fixed
    ``(height, width)``, or None when the size depends on the input otherwise."""
    outs = [tuple(output_image_size(h, w)) for h, w in PROBE_SIZES]
    if outs == [tuple(s) for s in PROBE_SIZES]:
        return PRESERVING
    if len(set(outs)) == 1 and all(isinstance(v, int) for v in outs[0]):
        return outs[0]
    return None


def image_output_size(output_image_size, height, width):
    """The ``(height, width)`` a layer of ``output_image_size`` gives images of the given size.

    The layer is asked only about images with pixels. An image with a side of
    0 has nothing to scale, crop or pad from: it gets the layer's fixed size
    when the layer has one (Resizing, crops, Letterbox), and otherwise keeps
    its own size (an empty image stays empty).
    """
    if height != 0 and width != 0:
        return output_image_size(height, width)
    behaviour = size_behaviour(output_image_size)
    return behaviour if isinstance(behaviour, tuple) else (height, width)


def empty_result(layout: Layout, batch: Batch, output_image_size) -> Batch | None:
    """The result for images with no pixels to augment (None for any other batch).

    The rule for every layer, in training and at inference: an empty batch,
    or images with no channels, come back as zeros of the output shape
    (``image_output_size``); images of height or width 0 come back unchanged
    when that keeps their size, and are refused when the layer would make a
    size of its own from pixels they do not have. Targets pass through.
    """
    n, height, width, channels = batch.images.shape
    if 0 not in (n, height, width, channels):
        return None
    out_h, out_w = image_output_size(output_image_size, height, width)
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
        f"{layout.name}: cannot augment images of height {height} and width "
        f"{width}; expected at least one pixel in each, to produce {out_h}x{out_w} outputs."
    )


def set_static_shape(out_images, internal, output_image_size):
    """``out_images`` with the static shape a layer of ``output_image_size`` gives."""
    shape = internal.shape
    h, w = image_output_size(output_image_size, shape[1], shape[2])
    h = h if isinstance(h, int) else None
    w = w if isinstance(w, int) else None
    out_images.set_shape([shape[0], h, w, shape[3]])
    return out_images


def check_targets(layout: Layout, batch: Batch, supported: tuple[str, ...]) -> None:
    """Refuses the masks, boxes and keypoints of ``batch`` that are not among ``supported``."""
    given = {"masks": batch.masks, "boxes": batch.boxes, "keypoints": batch.keypoints}
    refused = [
        TARGET_DICT_KEYS[name]
        for name, value in given.items()
        if value is not None and name not in supported
    ]
    if refused:
        raise ValueError(
            f"{layout.name}: does not support {refused}: its "
            f"operations move pixels in ways not applied to those targets. Expected a "
            f"dict with 'images' and 'labels' only; use the geometric layers or a "
            f"Pipeline of them for segmentation, detection or keypoint targets."
        )


def cast_images(images: tf.Tensor, dtype) -> tf.Tensor:
    """``images`` as ``dtype``: rounded to the nearest integer and saturated for integer dtypes."""
    dtype = tf.as_dtype(dtype)
    if images.dtype == dtype:
        return images
    if dtype.is_integer and images.dtype.is_floating:
        images = tf.round(images)
    if dtype.is_integer:
        return tf.saturate_cast(images, dtype)
    return tf.cast(images, dtype)


def cast_batch(batch: Batch, dtype) -> Batch:
    """``batch`` with its images cast to ``dtype`` (see :func:`cast_images`)."""
    return batch.replace(images=cast_images(batch.images, dtype))


def spec_with_dtype(spec, dtype: str | None):
    """A layer's symbolic output (a ``KerasTensor`` or a dict of them) with images of ``dtype``."""
    if dtype is None:
        return spec
    if isinstance(spec, dict) and "images" in spec:
        return {**spec, "images": keras.KerasTensor(spec["images"].shape, dtype=dtype)}
    if isinstance(spec, keras.KerasTensor):
        return keras.KerasTensor(spec.shape, dtype=dtype)
    return spec


# ----- video: clips folded into a batch of frames ------------------------------------


class ClipShape(NamedTuple):
    """How clips were folded: ``count`` clips (a scalar tensor) of ``frames``
    frames, ``one`` when a single clip came without a batch axis."""

    count: tf.Tensor
    frames: int
    one: bool


def fold_frames(layout: Layout, images, targets: dict, video: str = "clips"):
    """Clips ``[batch, frames, ...]`` folded into frames ``[batch * frames, ...]``.

    Returns ``(images, targets, clips)``: ``clips`` is a :class:`ClipShape`, or
    None (and nothing changes) for inputs of rank other than 5. Per-frame targets fold
    alike: masks ``[batch, frames, ...]``, boxes ``[batch, frames, n, 4]`` with
    labels ``[batch, frames, n]``, keypoints ``[batch, frames, k, 2]`` with
    visibility ``[batch, frames, k]``. ``video`` is what the layer takes:
    ``"clips"`` (rank 5; rank 4 is a batch of images), ``"only"`` (a layer of
    the frame axis: rank 4 is one clip) or ``"no"`` (rank 5 is refused).
    """
    if isinstance(images, (tf.RaggedTensor, tf.SparseTensor)) or not hasattr(images, "shape"):
        return images, targets, None
    one_clip = video == "only" and len(images.shape) == 4
    if one_clip:
        images = tf.convert_to_tensor(images)[None]
        targets = tf.nest.map_structure(lambda t: tf.convert_to_tensor(t)[None], targets)
    if len(images.shape) != 5:
        return images, targets, None
    images = tf.convert_to_tensor(images)
    frames = images.shape[1]
    if video == "no":
        raise ValueError(
            f"{layout.name}: got a rank-5 input {images.shape} (clips of frames); this layer "
            f"mixes the samples of a batch and takes images [batch, height, width, channels] only."
        )
    if not frames:
        raise ValueError(
            f"{layout.name}: got clips of shape {images.shape}; expected a static number of "
            f"frames (axis 1) of at least one, e.g. from a tf.data pipeline that batches "
            f"clips of one length."
        )

    def fold(value, what, rank, per_frame):
        value = tf.convert_to_tensor(value)
        if value.shape.rank != rank or value.shape[1] not in (None, frames):
            raise ValueError(
                f"{layout.name}: with clips of {frames} frames, expected {what} of shape "
                f"[batch, frames, {per_frame}] with {frames} frames; got shape {value.shape}."
            )
        return tf.reshape(value, tf.concat([[-1], tf.shape(value)[2:]], 0))

    folded = {}
    for key, value in targets.items():
        if key == "segmentation_masks":
            folded[key] = fold(value, key, 5, "height, width, c")
        elif (
            key == "bounding_boxes"
            and isinstance(value, dict)
            and set(value) == {"boxes", "labels"}
        ):
            folded[key] = {
                **value,
                "boxes": fold(value["boxes"], "bounding box coordinates", 4, "n, 4"),
                "labels": fold(value["labels"], "bounding box labels", 3, "n"),
            }
        elif key == "keypoints":
            folded[key] = fold(value, key, 4, "k, 2")
        elif key == "keypoint_visibility":
            folded[key] = fold(value, key, 3, "k")
        else:
            folded[key] = value
    folded_images = tf.reshape(images, tf.concat([[-1], tf.shape(images)[2:]], 0))
    n = images.shape[0]
    folded_images.set_shape([None if n is None else n * frames, *images.shape[2:]])
    return folded_images, folded, ClipShape(tf.shape(images)[0], frames, one_clip)


def unfold_frames(value: tf.Tensor, clips: ClipShape) -> tf.Tensor:
    """``[batch * frames, ...]`` back to ``[batch, frames, ...]`` (``[frames, ...]`` for one clip)."""
    static = value.shape[1:]
    value = tf.reshape(value, tf.concat([[clips.count, clips.frames], tf.shape(value)[1:]], 0))
    value.set_shape([None, clips.frames, *static])
    return value[0] if clips.one else value


def unfold_targets(result: dict, out: Batch, clips: ClipShape, labels) -> dict:
    """The targets ``out`` carried unfolded in an output dict; the clips' ``labels`` put back."""
    result = dict(result)
    if out.masks is not None:
        result["segmentation_masks"] = unfold_frames(result["segmentation_masks"], clips)
    if out.keypoints is not None:
        for key in ("keypoints", "keypoint_visibility"):
            result[key] = unfold_frames(result[key], clips)
    boxes = result.get("bounding_boxes")
    if out.boxes is not None:
        result["bounding_boxes"] = {
            **boxes,
            "boxes": unfold_frames(boxes["boxes"], clips),
            "labels": unfold_frames(boxes["labels"], clips),
        }
    if labels is not None:
        result["labels"] = labels
    return result


# ----- a layer's call: its inputs read, its result written -------------------------


class CallInput(NamedTuple):
    """A call's inputs in internal layout (see :func:`read_call`)."""

    batch: Batch  # images [n, height, width, channels] and their targets
    unbatched: bool  # a single image came without a batch axis
    shared: bool  # boxes [n, 4] given once for every image
    clips: ClipShape | None  # how clips were folded into frames, or None
    clip_labels: object  # the clips' labels, which their frames cannot carry
    is_dict: bool


def read_call(
    layout: Layout, inputs, video: str, check_channels: bool, check_size, keep_targets: bool
) -> CallInput:
    """A layer call's ``inputs`` (images or a dict, images or clips) as one internal batch.

    ``check_size`` is called on the checked images before they are converted;
    without ``keep_targets`` the targets are left in the input dict (a layer
    that passes them through returns them as given, in any layout, as Keras does).
    """
    images, labels, targets, is_dict = unpack(layout, inputs)
    images, targets, clips = fold_frames(layout, images, targets, video)
    clip_labels = labels
    if clips is not None:
        labels = None
    images = check_images(layout, images, check_channels=check_channels)
    check_size(images)
    internal, unbatched = to_internal(layout, images)
    if not keep_targets:
        targets = {}
    # Boxes [n, 4] belong to every image (as in Keras): one draw for the batch.
    shared = shared_boxes(targets, unbatched)
    if shared:
        targets["bounding_boxes"] = broadcast_boxes(targets["bounding_boxes"], internal)
    frames = 1 if clips is None else clips.frames
    batch = Batch(internal, labels, batchwise=shared, frames=frames)
    batch = attach_targets(layout, batch, targets, unbatched)
    return CallInput(batch, unbatched, shared, clips, clip_labels, is_dict)


def call_result(
    layout: Layout,
    inputs,
    given: CallInput,
    out: Batch,
    output_image_size,
    output_frame_count,
    dtype,
):
    """The result of a call on ``inputs`` read as ``given``: ``out`` in the inputs' layout.

    Images come back as ``dtype`` with the static shape the layer gives
    (``output_image_size``, and ``output_frame_count`` on clips); a dict input
    comes back with its entries kept and the augmented ones replaced.
    """
    internal, clips = given.batch.images, given.clips
    reference = internal
    if clips is not None:
        frames = output_frame_count(clips.frames)
        if frames != clips.frames:
            reference = tf.TensorSpec([None, *internal.shape[1:]])  # another batch of frames
        clips = clips._replace(frames=frames)
    out_images = set_static_shape(out.images, reference, output_image_size)
    out_images = cast_images(out_images, dtype)
    result = from_internal(layout, out_images, given.unbatched, dtype)
    if clips is not None:
        result = unfold_frames(result, clips)
    if given.is_dict:
        result = dict_result(layout, inputs, out, result, given.unbatched, given.shared)
        if clips is not None:
            result = unfold_targets(result, out, clips, given.clip_labels)
    return result


def tracking_matrix(layout: Layout, batch: Batch, training) -> Batch:
    """``batch`` with an identity ``matrix`` for a call with ``return_params=True``.

    The layers it goes through compose their matrices onto it.
    """
    if not isinstance(training, bool):
        raise ValueError(
            f"{layout.name}: return_params=True needs training to be True or "
            f"False; got {training!r}."
        )
    return batch.replace(matrix=matrices.identity(batch.batch_size))


def run_traced(traced, run, batch: Batch, seed, with_params: bool) -> Batch:
    """``run(batch, True, seed)`` as one traced function of ``batch``'s tensors.

    ``traced`` (a layer's ``traced``) keeps one function per kind of batch: a
    batch-wide draw is traced apart, and so is each channel count (a relaxed
    trace would lose the channel axis). The drawn params come back only
    ``with_params``.
    """
    shared, frames = batch.batchwise, batch.frames

    def training_path(structure, seed):
        batch = Batch.from_structure(structure, batchwise=shared, frames=frames)
        out = run(batch, True, seed).to_structure()
        if not with_params:
            out.pop("params", None)  # returned only when asked for
        return out

    key = (with_params, shared, frames, channel_count(batch.images))
    return Batch.from_structure(traced(key, training_path)(batch.to_structure(), seed))


def run_either(switch, training: tf.Tensor, run, batch: Batch, seed) -> Batch:
    """``run(batch, flag, seed)`` for a symbolic ``training`` flag, through ``switch``.

    Both branches run under ``tf.cond``, so they must give equal shapes; the
    drawn params are left out.
    """

    def branch(flag):
        structure = run(batch, flag, seed).to_structure()
        structure.pop("params", None)
        return structure

    return Batch.from_structure(switch(training, lambda: branch(True), lambda: branch(False)))
