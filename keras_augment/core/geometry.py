"""Geometric layers: parameters become one matrix per sample, pixels move once."""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core import batch as ka_batch
from keras_augment.core import matrices
from keras_augment.core import targets as ka_targets
from keras_augment.core.base import BaseAugmentation, Batch, cast_images
from keras_augment.core.resample import resample, resample_dtype
from keras_augment.core.validation import (
    check_fill_mode,
    check_interpolation,
    check_number,
    check_size,
)


def center_crop_box(height, width, target_h: int, target_w: int):
    """The largest centred box of the target aspect ratio: ``(top, left, box_h, box_w)``.

    Integer arithmetic as in Keras' ``RandomCrop`` at inference.
    """
    h = tf.cast(height, tf.int32)
    w = tf.cast(width, tf.int32)
    box_h = tf.clip_by_value((w * target_h) // target_w, 1, h)
    box_w = tf.clip_by_value((h * target_w) // target_h, 1, w)
    return (h - box_h) // 2, (w - box_w) // 2, box_h, box_w


def move_targets(
    batch: Batch,
    matrix: tf.Tensor,
    out_size,
    fill_mode: str = "constant",
    mask_fill_value: float = 0.0,
    min_box_visibility: float = 0.0,
    displacement=None,
) -> Batch:
    """Moves the masks, boxes and keypoints of ``batch`` as ``resample`` moves its pixels.

    Masks are resampled with nearest interpolation (values are never blended),
    reading ``mask_fill_value`` outside the image when ``fill_mode`` is
    ``"constant"``, and keep their dtype. Boxes and keypoints move through the
    inverse of ``matrix`` (input to output); boxes are then clipped to the
    output and dropped below ``min_box_visibility``; keypoints outside the
    output become invisible (their coordinates are kept, not clamped). The
    recorded ``batch.matrix``, if any, is composed with ``matrix``.

    Args:
        batch: the targets before the move (its images are not touched).
        matrix: ``float32[batch, 3, 3]`` output-to-input matrices.
        out_size: the output ``(height, width)``.
        displacement: the optional field of ``resample``; keypoints follow it
            by fixed-point inversion, boxes become the box around their moved
            edges (8 points per edge).
    """
    out_h, out_w = out_size
    changes = {}
    if batch.masks is not None:
        masks = resample(
            batch.masks,
            matrix,
            tf.stack([out_h, out_w]),
            displacement,
            "nearest",
            fill_mode,
            mask_fill_value,
        )
        changes["masks"] = tf.cast(masks, batch.masks.dtype)
    if batch.boxes is not None or batch.keypoints is not None:
        forward = matrices.invert(matrix)
        if batch.boxes is not None:
            if displacement is None:
                moved = ka_targets.transform_boxes(batch.boxes, forward)
            else:
                moved = ka_targets.displace_boxes(batch.boxes, forward, displacement)
            boxes, labels = ka_targets.clip_and_drop_boxes(
                moved, batch.box_labels, out_h, out_w, min_box_visibility
            )
            changes.update(boxes=boxes, box_labels=labels)
        if batch.keypoints is not None:
            if displacement is None:
                points = ka_targets.transform_points(batch.keypoints, forward)
            else:
                points = ka_targets.displace_points(batch.keypoints, forward, displacement)
            inside = ka_targets.points_inside(points, out_h, out_w)
            changes.update(keypoints=points, visibility=batch.visibility & inside)
    if batch.matrix is not None:
        changes["matrix"] = (
            None if displacement is not None else (matrices.compose(batch.matrix, matrix))
        )
    return batch.replace(**changes)


def shared_target_options(layers) -> tuple:
    """``(mask_fill_value, min_box_visibility)`` for one move of ``layers``' targets.

    The mask fill of the first layer that reads outside the image (the one
    whose fill settings the resample uses) and the strictest box threshold.
    """
    if not layers:
        return 0.0, 0.0
    reading = [layer for layer in layers if not layer.exact_on_grid] or list(layers)
    fill = getattr(reading[0], "mask_fill_value", 0.0)
    threshold = max(getattr(layer, "min_box_visibility", 0.0) for layer in layers)
    return fill, threshold


def inverse_displacement(matrix: tf.Tensor, field: tf.Tensor, size, iterations: int = 24):
    """``float32[batch, h, w, 2]`` offsets ``q(p) - p`` on the input grid of size ``size``.

    ``q(p)`` is the output pixel that showed input pixel ``p``: the solution of
    ``M (q + d(q)) = p`` for the output-to-input matrices ``M`` and the
    displacement ``field`` ``d`` of ``resample`` (``targets.solve_displaced``).
    """
    height, width = size[0], size[1]
    ys, xs = tf.meshgrid(
        tf.range(height, dtype=tf.float32), tf.range(width, dtype=tf.float32), indexing="ij"
    )
    batch = tf.shape(matrix)[0]
    grid = tf.tile(tf.reshape(tf.stack([xs, ys], -1), [1, -1, 2]), [batch, 1, 1])
    # transform_points works in pixel-area coordinates (centres at +0.5).
    target = ka_targets.transform_points(grid + 0.5, matrices.invert(matrix)) - 0.5
    q = ka_targets.solve_displaced(target, field, iterations)
    return tf.reshape(q - grid, [batch, height, width, 2])


def invert_batch(layer, outputs, params: dict, interpolation: str, fill_value: float, field=None):
    """Maps ``outputs`` (what ``layer`` returned) back onto its input grid with ``params``.

    Shared by the ``inverse`` methods. Images are resampled through the
    inverse matrix with ``interpolation`` and ``fill_value`` outside what the
    augmented image saw; masks likewise with nearest and the mask fill value;
    boxes and keypoints move through the matrix itself. Keypoint visibility
    is recomputed from the positions. With a displacement ``field`` (elastic
    layers) the inverse map is solved point by point (``inverse_displacement``).
    """
    name = layer.layout.name
    if not isinstance(params, dict) or "matrix" not in params or "input_size" not in params:
        raise ValueError(
            f"{name}: inverse() needs the params returned by calling the layer with "
            f"return_params=True (a dict with 'matrix' and 'input_size'); got {params!r}."
        )
    layout = layer.layout
    images, labels, targets, is_dict = ka_batch.unpack(layout, outputs)
    images, targets, clips = ka_batch.fold_frames(layout, images, targets, layer.video)
    images = ka_batch.check_images(layout, images)
    internal, unbatched = ka_batch.to_internal(layout, images)
    if clips is not None:
        labels = None  # the clips' labels pass through
    batch = ka_batch.attach_targets(layout, Batch(internal, labels), targets, unbatched)
    matrix = tf.convert_to_tensor(params["matrix"], tf.float32)
    if batch.visibility is not None:
        batch = batch.replace(visibility=tf.ones_like(batch.visibility))
    size = tf.cast(params["input_size"], tf.int32)
    backwards = matrices.invert(matrix)
    displacement = None
    if field is not None:
        # Input pixel p showed output pixel q with M (q + d(q)) = p: read the outputs at q.
        displacement = inverse_displacement(matrix, field, size)
        backwards = matrices.identity(tf.shape(matrix)[0])
    mask_fill, threshold = shared_target_options(layer.geometric_layers())
    out_images = resample(
        internal, backwards, size, displacement, interpolation, "constant", fill_value
    )
    out = move_targets(
        batch, backwards, (size[0], size[1]), "constant", mask_fill, threshold, displacement
    )
    dtype = layer.result_dtype(internal.dtype)
    out_images = ka_batch.from_internal(layout, cast_images(out_images, dtype), unbatched, dtype)
    user_images = out_images if clips is None else ka_batch.unfold_frames(out_images, clips)
    if not is_dict:
        return user_images
    result = dict(outputs)
    result = ka_batch.pack_targets(layout, result, out.replace(images=out_images), unbatched)
    if clips is not None:
        result = ka_batch.unfold_targets(result, out, clips, None)
    result["images"] = user_images
    return result


class GeometricAugmentation(BaseAugmentation):
    """A layer whose effect is a per-sample 3x3 matrix (plus, optionally, a displacement field).

    Subclasses implement ``get_params`` and ``get_matrix``; this class
    resamples. ``Pipeline`` multiplies the matrices of consecutive geometric
    layers and resamples once.

    Targets move with the pixels (see ``move_targets``): segmentation masks
    are resampled with nearest interpolation, boxes become the box around
    their moved corners (clipped to the image, dropped with their labels
    below ``min_box_visibility``), keypoints move exactly and leave the
    visible set when they leave the image. Called with
    ``return_params=True`` a layer also returns its parameters and matrix;
    ``inverse`` maps outputs back.

    Args (shared by every geometric layer, as keyword arguments):
        interpolation, fill_mode, fill_value: how the images are resampled.
        mask_fill_value: the value masks read outside the image when
            ``fill_mode="constant"`` (e.g. an ignore class such as 255);
            other fill modes treat masks like the images. Default 0.
        min_box_visibility: a box is dropped (its row becomes padding, label
            -1) when less than this fraction of its moved area stays inside
            the image; boxes with nothing inside are always dropped. Default 0.
        bounding_box_format, seed, batchwise, data_format: as in
            ``BaseAugmentation``.
    """

    config_fields = (
        "interpolation",
        "fill_mode",
        "fill_value",
        "mask_fill_value",
        "min_box_visibility",
    )

    # A layer with a displacement field must end a fused run: its field is
    # defined on its own output grid, which only the last layer of a run has.
    has_displacement = False
    # True for layers that map pixel centres onto pixel centres inside the
    # image (flips, integer crops): their interpolation and fill settings never
    # matter, so a pipeline can fuse them into any run.
    exact_on_grid = False
    # False for layers that resample on their own (e.g. Resizing with bicubic
    # interpolation): a pipeline runs them alone.
    fusable = True
    # True for layers whose reads outside the image only clamp to its edge
    # (a plain resize): their fill settings never matter, their interpolation does.
    fill_agnostic = False

    def __init__(
        self,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        mask_fill_value: float = 0.0,
        min_box_visibility: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.interpolation = check_interpolation(name, interpolation)
        self.fill_mode = check_fill_mode(name, fill_mode)
        self.fill_value = check_number(name, "fill_value", fill_value)
        self.mask_fill_value = check_number(name, "mask_fill_value", mask_fill_value)
        self.min_box_visibility = check_number(
            name, "min_box_visibility", min_box_visibility, low=0.0, high=1.0
        )

    def get_matrix(self, params: dict, height, width) -> tf.Tensor:
        """``float32[batch, 3, 3]`` mapping output pixels to input pixels."""
        raise NotImplementedError

    def get_displacement(self, params: dict, out_height, out_width):
        """Optional ``float32[batch, out_h, out_w, 2]`` field added before the matrix."""
        return None

    def finalize_images(self, images: tf.Tensor) -> tf.Tensor:
        """Hook applied after resampling (e.g. clipping to ``value_range``)."""
        return images

    def sampling_options(self) -> tuple:
        return (self.interpolation, self.fill_mode, self.fill_value)

    def inference_matrix(self, height, width, batch_size):
        """The matrix of ``training=False`` (None: inference leaves the pixels in place)."""
        return None

    def apply_images(self, images, params):
        return self.finalize_images(self._resample(images, params, None))

    def apply_images_as(self, images, params, dtype):
        cls = type(self)
        if (
            cls.finalize_images is not GeometricAugmentation.finalize_images
            or cls.apply_images is not GeometricAugmentation.apply_images
            or cls.transform_images is not BaseAugmentation.transform_images
        ):
            return super().apply_images_as(images, params, dtype)
        # The rounding happens inside the resampler: no float32 batch is written.
        return self._resample(images, params, resample_dtype(dtype))

    def _resample(self, images, params, output_dtype):
        batch = Batch(images)
        height, width = batch.height, batch.width
        out_h, out_w = self.output_image_size(height, width)
        return resample(
            images,
            self.get_matrix(params, height, width),
            tf.stack([out_h, out_w]),
            self.get_displacement(params, out_h, out_w),
            *self.sampling_options(),
            output_dtype=output_dtype,
        )

    def apply_targets(self, batch: Batch, params: dict) -> Batch:
        if not batch.has_targets and batch.matrix is None:
            return batch
        height, width = batch.height, batch.width
        out_h, out_w = self.output_image_size(height, width)
        matrix = self.get_matrix(params, height, width)
        moved = move_targets(
            batch,
            matrix,
            (out_h, out_w),
            self.fill_mode,
            self.mask_fill_value,
            self.min_box_visibility,
            self.get_displacement(params, out_h, out_w),
        )
        if self.has_displacement and batch.matrix is not None:
            # Alone, a field layer can still return its params: its own inverse()
            # rebuilds the field from them. (Fused into a Pipeline it cannot.)
            moved = moved.replace(matrix=matrices.compose(batch.matrix, matrix))
        return moved

    def infer_batch(self, batch: Batch) -> Batch:
        images = self.inference_images(batch.images)
        m = self.inference_matrix(batch.height, batch.width, batch.batch_size)
        if m is None:
            return batch.replace(images=images)
        out_h, out_w = self.output_image_size(batch.height, batch.width)
        moved = move_targets(
            batch, m, (out_h, out_w), "nearest", self.mask_fill_value, self.min_box_visibility
        )
        return moved.replace(images=images)

    def geometric_layers(self) -> list:
        return [self]

    def inverse(self, outputs, params: dict):
        """Maps this layer's outputs back onto its inputs' grid (e.g. test-time augmentation).

        ``outputs, params = layer(inputs, training=True, return_params=True)``
        then ``layer.inverse(outputs, params)`` returns images, masks, boxes and
        keypoints on the input grid (also for predictions made on ``outputs``,
        e.g. a segmentation model's masks). Pixels the augmented image never
        showed read ``fill_value`` (``mask_fill_value`` for masks); points come
        back exactly, boxes come back as the box around their moved corners.

        Args:
            outputs: images or a dict like the layer's outputs.
            params: the dict returned with ``return_params=True``.
        """
        field = None
        if self.has_displacement:
            size = tf.get_static_value(params.get("output_size"))
            if size is None:
                raise ValueError(
                    f"{self._name_for_errors}: inverse() needs a known output size in params "
                    f"(call it eagerly, as returned with return_params=True); got {params!r}."
                )
            field = self.get_displacement(params, int(size[0]), int(size[1]))
        return invert_batch(self, outputs, params, self.interpolation, self.fill_value, field)


class FixedSizeGeometry(GeometricAugmentation):
    """A geometric layer whose output has a fixed ``(height, width)``.

    The crops pass the size to this constructor, which checks it; layers
    that learn their size from other arguments call ``_init_size`` (or set
    ``height`` and ``width``) themselves. ``config_omits`` names the sampling
    options a layer sets itself: its config leaves them out.
    """

    config_omits: tuple[str, ...] = ()

    def __init__(
        self,
        height: int | None = None,
        width: int | None = None,
        interpolation: str = "bilinear",
        fill_mode: str = "nearest",
        **kwargs,
    ):
        super().__init__(interpolation=interpolation, fill_mode=fill_mode, **kwargs)
        if height is not None or width is not None:
            self._init_size(height, width)

    def _init_size(self, height, width) -> None:
        name = self.__class__.__name__
        self.height = check_size(name, "height", height)
        self.width = check_size(name, "width", width)

    def output_image_size(self, height, width):
        return self.height, self.width

    def get_config(self) -> dict:
        config = super().get_config()
        for key in self.config_omits:
            config.pop(key)
        return config


class DeterministicGeometry(FixedSizeGeometry):
    """A geometric layer that draws nothing and acts the same in training and at inference.

    Subclasses give ``fixed_matrix`` and ``output_image_size`` (by default the
    ``height`` and ``width`` attributes); the matrix serves both paths.
    """

    deterministic = True
    contract_exempt = {
        "inference_identity": "resizes or crops at inference too, as in Keras",
        "per_sample": "deterministic: the same for every image",
        "seeded": "deterministic: draws nothing",
    }

    def get_params(self, sampler, batch):
        return {"batch_size": tf.cast(batch.batch_size, tf.int32)}

    def fixed_matrix(self, height, width, batch_size) -> tf.Tensor:
        raise NotImplementedError

    def get_matrix(self, params, height, width):
        return self.fixed_matrix(height, width, params["batch_size"])

    def inference_matrix(self, height, width, batch_size):
        return self.fixed_matrix(height, width, batch_size)

    def inference_images(self, images):
        return self.apply_images(images, {"batch_size": tf.shape(images)[0]})

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("seed", "batchwise", "mask_fill_value", "min_box_visibility"):
            config.pop(key, None)
        return config


def shared_sampling_options(layers) -> tuple | None:
    """The ``(interpolation, fill_mode, fill_value)`` one resample can use for all ``layers``.

    Layers that are exact on the pixel grid (flips, integer crops) never
    interpolate or read outside the image, so they accept any settings;
    layers that are ``fill_agnostic`` (plain resizes) accept any fill; the
    others must agree. ``None`` when they do not.
    """
    reading = [layer for layer in layers if not layer.exact_on_grid]
    interpolations = {layer.sampling_options()[0] for layer in reading}
    fills = {layer.sampling_options()[1:] for layer in reading if not layer.fill_agnostic}
    if len(interpolations) > 1 or len(fills) > 1:
        return None
    if not reading:
        return layers[0].sampling_options()
    fill = fills.pop() if fills else reading[0].sampling_options()[1:]
    return (interpolations.pop(), *fill)


def center_crop_matrix(height, width, target_h: int, target_w: int, batch_size) -> tf.Tensor:
    """The matrix of ``center_crop_resize``: ``float32[batch, 3, 3]``."""
    top, left, box_h, box_w = center_crop_box(height, width, target_h, target_w)
    return matrices.crop_and_resize(
        tf.fill([batch_size], top), tf.fill([batch_size], left), box_h, box_w, target_h, target_w
    )


def window_resize(images, window, target_h: int, target_w: int, interpolation: str = "bilinear"):
    """Cuts ``window = (top, left, box_h, box_w)`` out of every image and resizes it.

    The window is cut out first, so resizing reads its edge pixels beyond it
    (as ``tf.image.resize`` of the cut-out does), never the pixels next to it.
    """
    top, left, box_h, box_w = window
    cut = images[:, top : top + box_h, left : left + box_w]
    m = matrices.crop_and_resize(0, 0, box_h, box_w, target_h, target_w)
    m = tf.tile(tf.reshape(m, [-1, 3, 3])[:1], [tf.shape(images)[0], 1, 1])
    return resample(cut, m, tf.constant([target_h, target_w]), None, interpolation, "nearest", 0.0)


def center_crop_resize(images, target_h: int, target_w: int, interpolation: str = "bilinear"):
    """Crops the centred box of the target aspect ratio and resizes it (``RandomCrop`` inference,
    Keras' ``smart_resize``)."""
    batch = Batch(images)
    height, width = batch.height, batch.width
    if isinstance(height, int) and isinstance(width, int):
        # Static sizes give a static window (XLA needs static slice sizes).
        box_h = min(max((width * target_h) // target_w, 1), height)
        box_w = min(max((height * target_w) // target_h, 1), width)
        window = ((height - box_h) // 2, (width - box_w) // 2, box_h, box_w)
    else:
        window = center_crop_box(height, width, target_h, target_w)
    return window_resize(images, window, target_h, target_w, interpolation)
