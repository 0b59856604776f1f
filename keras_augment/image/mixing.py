"""Mixing layers: MixUp and CutMix, which blend each sample with a partner from its batch.

Both layers pair every sample with a partner drawn by a random permutation of
the batch, mix the images (MixUp: a convex combination; CutMix: a pasted
box) and mix the labels in the same proportion. With ``same_class=True``
partners come from the sample's own class only, so the mixed image keeps
its label. Everything is tensor ops (sorts, gathers, masks), so both layers
compile with XLA and run inside ``tf.data`` maps.

The kernels (``partner_indices``, ``mix_images``, ``paste_boxes``,
``mix_labels``, ``sample_beta``) are plain functions a reader can call alone.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core import targets as ka_targets
from keras_augment.core.base import BaseAugmentation, Batch
from keras_augment.core.batch import check_real_dtype
from keras_augment.core.keras_protocol import keras_value
from keras_augment.core.random import Sampler, sample_beta, sample_log_gamma  # noqa: F401
from keras_augment.core.registry import register
from keras_augment.core.targets import TARGET_KEYS
from keras_augment.core.types import DataFormat, Range, Seed
from keras_augment.core.validation import (
    check_concentration,
    check_number,
    parse_fraction_range,
)
from keras_augment.image.ops.masks import box_mask  # noqa: F401  (importable here too)
from keras_augment.image.ops.mosaic import (
    cycle_sources,
    mosaic_boxes,
    mosaic_images,
    quadrant_shares,
)


def partner_indices(
    keys: tf.Tensor, other_keys: tf.Tensor, classes: tf.Tensor | None = None
) -> tf.Tensor:
    """A random partner for every sample: ``int32[batch]``, a permutation of the batch.

    ``keys`` and ``other_keys`` are two independent ``float32[batch]``
    uniform draws. Sorting by each gives two random orders of the batch;
    pairing them position by position gives a uniformly random permutation.
    With ``classes`` (``int32[batch]``) both orders are stable-sorted by class
    first, so position ``k`` holds a sample of the same class in both orders
    and every sample is paired within its class (with itself when it is the
    only sample of its class).
    """

    def order(k):
        idx = tf.argsort(k, stable=True)
        if classes is None:
            return idx
        by_class = tf.argsort(tf.gather(classes, idx), stable=True)
        return tf.gather(idx, by_class)

    first, second = order(keys), order(other_keys)
    # partner[first[k]] = second[k]
    return tf.scatter_nd(first[:, None], second, tf.shape(first))


def mix_images(images: tf.Tensor, partner: tf.Tensor, weight: tf.Tensor) -> tf.Tensor:
    """``weight * images + (1 - weight) * images[partner]`` per sample, float32.

    Args:
        images: ``[batch, height, width, channels]``.
        partner: ``int32[batch]`` partner indices.
        weight: ``float32[batch]`` weight of each sample's own image.
    """
    images = tf.cast(images, tf.float32)
    w = tf.reshape(tf.cast(weight, tf.float32), [-1, 1, 1, 1])
    return w * images + (1.0 - w) * tf.gather(images, partner)


def paste_boxes(images: tf.Tensor, partner: tf.Tensor, boxes: tf.Tensor) -> tf.Tensor:
    """Pastes each partner's pixels inside the sample's box; float32 ``[batch, h, w, c]``."""
    images = tf.cast(images, tf.float32)
    shape = tf.shape(images)
    mask = box_mask(boxes[:, None], shape[1], shape[2])[..., None]
    return tf.where(mask, tf.gather(images, partner), images)


def mix_labels(labels: tf.Tensor, partner: tf.Tensor, weight: tf.Tensor) -> tf.Tensor:
    """``weight * labels + (1 - weight) * labels[partner]`` for ``[batch, classes]`` labels."""
    w = tf.reshape(tf.cast(weight, labels.dtype), [-1, 1])
    return w * labels + (1.0 - w) * tf.gather(labels, partner)


def take_dominant_targets(batch: Batch, partner: tf.Tensor, weight: tf.Tensor) -> Batch:
    """MixUp's rule for masks, boxes and keypoints: each sample takes those of its dominant image.

    A sample keeps its own targets when its weight is at least 0.5 and takes
    its partner's otherwise (targets are never blended).
    """
    source = tf.where(weight >= 0.5, tf.range(tf.shape(partner)[0]), partner)
    changes = {}
    for name in ("masks", "boxes", "box_labels", "keypoints", "visibility"):
        value = getattr(batch, name)
        if value is not None:
            changes[name] = tf.gather(value, source)
    return batch.replace(**changes)


def points_in_boxes(points: tf.Tensor, boxes: tf.Tensor) -> tf.Tensor:
    """``bool[batch, k]``: true for points ``(x, y)`` on pixels inside each sample's box.

    ``boxes`` is ``int32[batch, 4]`` as ``(top, left, bottom, right)``; a point lies on pixel
    ``(floor(y), floor(x))``.
    """
    col = tf.cast(tf.floor(points[..., 0]), tf.int32)
    row = tf.cast(tf.floor(points[..., 1]), tf.int32)
    top, left, bottom, right = (boxes[:, i, None] for i in range(4))
    return (row >= top) & (row < bottom) & (col >= left) & (col < right)


def paste_box_targets(
    boxes: tf.Tensor,
    labels: tf.Tensor,
    partner: tf.Tensor,
    patch: tf.Tensor,
    min_visibility: float = 0.0,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Bounding boxes after CutMix: own boxes the patch leaves visible, the partner's inside it.

    Args:
        boxes: ``float32[batch, n, 4]`` absolute ``xyxy`` boxes; ``labels``
            ``[batch, n]`` with ``-1`` for padding rows.
        partner: ``int32[batch]``, the sample each one pastes from.
        patch: ``int32[batch, 4]`` pasted box as ``(top, left, bottom, right)`` rows/columns.
        min_visibility: share of a box that must stay visible (own boxes) or
            fall inside the patch (partner boxes) for it to be kept.

    Returns:
        ``(boxes, labels)`` with ``n`` rows: kept own boxes, then kept partner
        boxes clipped to the patch, then padding.
    """
    top, left, bottom, right = tf.unstack(tf.cast(patch, tf.float32), 4, axis=1)
    window = tf.stack([left, top, right, bottom], axis=1)[:, None, :]  # xyxy, [batch, 1, 4]
    boxes = tf.cast(boxes, tf.float32)
    n = tf.shape(boxes)[1]

    def inside_patch(b):
        low = tf.maximum(b[..., :2], window[..., :2])
        high = tf.maximum(tf.minimum(b[..., 2:], window[..., 2:]), low)
        return tf.concat([low, high], axis=-1)

    area = ka_targets.box_area(boxes)
    covered = ka_targets.box_area(inside_patch(boxes))
    visible = area - covered
    keep_own = ~ka_targets.is_padding(labels) & (visible > 0) & (visible >= min_visibility * area)
    theirs = tf.gather(boxes, partner, batch_dims=0)
    their_labels = tf.gather(labels, partner, batch_dims=0)
    clipped = inside_patch(theirs)
    inside = ka_targets.box_area(clipped)
    keep_theirs = (
        ~ka_targets.is_padding(their_labels)
        & (inside > 0)
        & (inside >= min_visibility * ka_targets.box_area(theirs))
    )
    # A sample that drew itself keeps its boxes once, unchanged.
    self_paste = tf.equal(partner, tf.range(tf.shape(partner)[0]))[:, None]
    keep_own = keep_own | (self_paste & ~ka_targets.is_padding(labels))
    keep_theirs = keep_theirs & ~self_paste
    merged, merged_labels = ka_targets.compact_boxes(
        tf.concat([boxes, clipped], axis=1),
        tf.concat([labels, their_labels], axis=1),
        tf.concat([keep_own, keep_theirs], axis=1),
    )
    return merged[:, :n], merged_labels[:, :n]


# ----- layers --------------------------------------------------------------------


class _Mixing(BaseAugmentation):
    """Label handling shared by ``MixUp`` and ``CutMix``.

    Labels are one-hot (or soft) ``[batch, classes]`` of a floating dtype,
    or class indices ``[batch]`` / ``[batch, 1]`` of an integer dtype.
    Integer ``[batch, classes]`` tensors with more than one column are read
    as one-hot.
    """

    config_fields = ("same_class", "num_classes")

    video = "no"

    def __init__(self, same_class: bool = False, num_classes=None, **kwargs):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        if not isinstance(same_class, bool):
            raise ValueError(f"{name}: `same_class` must be True or False; got {same_class!r}.")
        self.same_class = same_class
        if num_classes is not None:
            if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
                raise ValueError(
                    f"{name}: `num_classes` must be a positive integer or None; got {num_classes!r}."
                )
        self.num_classes = num_classes

    # -- inputs

    def call(
        self, inputs: tf.Tensor | dict, training: bool = True, seed: Seed = None
    ) -> tf.Tensor | dict:
        if isinstance(inputs, dict):
            has_targets = any(inputs.get(key) is not None for key in TARGET_KEYS)
            if inputs.get("labels") is None and not has_targets:
                raise ValueError(
                    f"{self._name_for_errors}: a dict input needs a 'labels' entry, since "
                    f"mixing images changes what their labels should be; got keys "
                    f"{sorted(inputs)}. Pass the images alone to mix images only."
                )
            images = inputs.get("images")
            has_labels = inputs.get("labels") is not None
            if has_labels and images is not None and getattr(images, "shape", None) is not None:
                if len(images.shape) == 3:
                    # One sample: give its labels the batch axis the images get.
                    batched = dict(inputs)
                    batched["labels"] = tf.convert_to_tensor(inputs["labels"])[None]
                    out = super().call(batched, training=training, seed=seed)
                    out["labels"] = out["labels"][0]
                    return out
        elif self.same_class:
            raise ValueError(
                f"{self._name_for_errors}: same_class=True needs labels; got images alone. "
                f"Expected a dict {{'images': ..., 'labels': ...}}."
            )
        return super().call(inputs, training=training, seed=seed)

    def _is_index_labels(self, labels: tf.Tensor) -> bool:
        if labels.dtype.is_floating:
            return False
        return labels.shape.rank == 1 or (labels.shape.rank == 2 and labels.shape[-1] == 1)

    def _check_labels(self, labels, batch: Batch) -> tf.Tensor:
        name = self._name_for_errors
        expected = "numeric labels (integer class indices or one-hot)"
        labels = check_real_dtype(name, tf.convert_to_tensor(labels), expected)
        dtype = labels.dtype
        rank = labels.shape.rank
        if rank not in (1, 2) or (rank == 1 and dtype.is_floating):
            raise ValueError(
                f"{name}: expected labels of shape [batch, num_classes] (one-hot, floating) "
                f"or [batch] / [batch, 1] (integer class indices); got {dtype.name} labels "
                f"of shape {labels.shape}."
            )
        n_labels, n_images = labels.shape[0], batch.images.shape[0]
        if n_labels is not None and n_images is not None and n_labels != n_images:
            raise ValueError(
                f"{name}: got {n_labels} labels for {n_images} images; expected one per image."
            )
        if not self._is_index_labels(labels) and self.num_classes is not None:
            columns = labels.shape[-1]
            if columns is not None and columns != self.num_classes:
                raise ValueError(
                    f"{name}: one-hot labels have {columns} columns but num_classes="
                    f"{self.num_classes}; expected them to agree."
                )
        if self._is_index_labels(labels) and self.num_classes is None and not self.same_class:
            raise ValueError(
                f"{name}: integer class-index labels of shape {labels.shape} cannot be mixed "
                f"across classes without knowing how many classes there are; pass "
                f"num_classes=... or one-hot labels."
            )
        return labels

    def _classes(self, labels: tf.Tensor) -> tf.Tensor:
        if self._is_index_labels(labels):
            return tf.cast(tf.reshape(labels, [-1]), tf.int32)
        return tf.argmax(labels, axis=-1, output_type=tf.int32)

    def _as_mixable(self, labels: tf.Tensor):
        """Labels as floating ``[batch, classes]``, or None when they pass through unchanged."""
        if self._is_index_labels(labels):
            if self.num_classes is None:
                return None  # same_class with indices: a sample keeps its class.
            return tf.one_hot(tf.reshape(labels, [-1]), self.num_classes, dtype=tf.float32)
        return labels if labels.dtype.is_floating else tf.cast(labels, tf.float32)

    def _draw_partners(self, sampler: Sampler, batch: Batch) -> tf.Tensor:
        n = batch.batch_size
        if self.batchwise:
            # A batchwise sampler repeats one draw; the permutation needs one
            # key per sample, so draw rows of keys and take them.
            keys, other = tf.unstack(sampler.uniform(0.0, 1.0, extra_shape=(2, n))[0])
        else:
            keys, other = tf.unstack(sampler.uniform(0.0, 1.0, extra_shape=(2,)), axis=1)
        classes = None
        if self.same_class:
            if batch.labels is None:
                raise ValueError(
                    f"{self._name_for_errors}: same_class=True needs labels; got images alone."
                )
            classes = self._classes(self._check_labels(batch.labels, batch))
        return partner_indices(keys, other, classes)

    def get_params(self, sampler, batch):
        if batch.labels is not None:
            self._check_labels(batch.labels, batch)
        return {"partner": self._draw_partners(sampler, batch)}

    # -- labels

    def label_weight(self, params: dict) -> tf.Tensor:
        """The share of each sample's own label in its mixed label."""
        return params["weight"]

    # Keras' transformation: "permutation_order" [batch] (each sample's partner)
    # and "mix_weight" (each sample's own share: one number, or one per sample).
    keras_transformation_keys = ("permutation_order", "mix_weight")

    def keras_transformation(self, params, image_shape):
        return {"permutation_order": params["partner"], "mix_weight": params["weight"]}

    def params_from_keras(self, transformation, image_shape):
        partner = tf.reshape(keras_value(transformation, "permutation_order", tf.int32), [-1])
        weight = tf.reshape(keras_value(transformation, "mix_weight", tf.float32), [-1])
        return {"partner": partner, "weight": tf.broadcast_to(weight, tf.shape(partner))}

    def apply_labels(self, labels, params):
        labels = tf.convert_to_tensor(labels)
        mixable = self._as_mixable(labels)
        if mixable is None:
            return labels
        return mix_labels(mixable, params["partner"], self.label_weight(params))

    def _labels_out(self, batch: Batch):
        # Labels leave in one form in training, inference and empty batches.
        labels = batch.labels
        if labels is not None:
            labels = self._check_labels(labels, batch)
            mixable = self._as_mixable(labels)
            labels = labels if mixable is None else mixable
        return labels

    def infer_batch(self, batch: Batch) -> Batch:
        return batch.replace(
            images=self.inference_images(batch.images), labels=self._labels_out(batch)
        )

    def empty_result(self, batch: Batch) -> Batch | None:
        empty = super().empty_result(batch)
        return None if empty is None else empty.replace(labels=self._labels_out(empty))


def _mixes_copies(what: str, verb: str) -> dict:
    """Why a layer that ``what`` of its batch is exempt from the per-sample check."""
    return {"per_sample": f"{what} of its batch: copies of one image {verb} into themselves"}


@register(example={"alpha": 0.4}, exempt=_mixes_copies("mixes each image with another", "mix"))
class MixUp(_Mixing):
    """Blends every sample with a partner from its batch, images and labels alike.

    Same arguments, meaning and defaults as ``keras.layers.MixUp``: each
    sample ``i`` gets a weight ``w ~ Beta(alpha, alpha)`` (per sample, as in
    Keras) and a partner ``p`` from a random permutation of the batch (one
    permutation per batch, as in Keras), and becomes
    ``w * x[i] + (1 - w) * x[p]``; its label becomes
    ``w * y[i] + (1 - w) * y[p]``. A sample may draw itself as partner and
    then stays unchanged, as in Keras.

    Inputs: images alone (only the images are mixed) or a dict
    ``{"images": ..., "labels": ...}``. Labels are one-hot or soft
    ``[batch, num_classes]`` (floating), or integer class indices
    ``[batch]`` / ``[batch, 1]``; index labels need ``num_classes`` (they come
    out one-hot, float32, in training and at inference alike) unless
    ``same_class=True``. Keras accepts only one-hot labels.

    Targets: masks, bounding boxes and keypoints are never blended; each
    sample takes those of its dominant image, its own when its weight is at
    least 0.5 and its partner's otherwise (labels of a dict with only such
    targets may be left out).

    Beyond Keras:
        same_class: if true, partners come from the sample's own class
            (the argmax of one-hot labels), so labels keep their class; a
            sample alone in its class in the batch is mixed with itself,
            i.e. left unchanged. Integer labels then pass through unchanged
            when ``num_classes`` is None.
        num_classes: number of classes, needed to mix integer class indices.
        batchwise: one mixing weight for the whole batch (partners are still
            a random permutation).

    Args:
        alpha: positive number, the Beta distribution's parameter. Small
            values give weights near 0 or 1 (little mixing); 1 gives uniform
            weights; larger values concentrate them near 0.5. Default 0.2.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: integer seed.
        same_class, num_classes, batchwise: see above.

    Example:
        >>> layer = keras_augment.MixUp(alpha=0.2, num_classes=10, seed=1)
        >>> out = layer({"images": images, "labels": class_indices})
        >>> out["labels"].shape  # [batch, 10], each row summing to 1
    """

    config_fields = ("alpha",)

    def __init__(
        self,
        alpha: float = 0.2,
        data_format: DataFormat = None,
        seed: Seed = None,
        same_class: bool = False,
        num_classes: int | None = None,
        **kwargs,
    ):
        super().__init__(same_class, num_classes, data_format=data_format, seed=seed, **kwargs)
        name = self.__class__.__name__
        self.alpha = check_concentration(name, "alpha", alpha)

    def get_params(self, sampler, batch):
        params = super().get_params(sampler, batch)
        params["weight"] = sample_beta(sampler, self.alpha, self.alpha)
        return params

    def apply_images(self, images, params):
        return mix_images(images, params["partner"], params["weight"])

    def apply_targets(self, batch, params):
        return take_dominant_targets(batch, params["partner"], params["weight"])


class _BoxMixing(_Mixing):
    """A mixing layer that pastes regions: boxes keep ``min_box_visibility`` of their area."""

    config_fields = ("min_box_visibility",)

    def __init__(
        self,
        same_class: bool = False,
        num_classes=None,
        min_box_visibility: float = 0.0,
        **kwargs,
    ):
        super().__init__(same_class, num_classes, **kwargs)
        self.min_box_visibility = check_number(
            self.__class__.__name__, "min_box_visibility", min_box_visibility, low=0.0, high=1.0
        )


@register(example={"factor": 1.0}, exempt=_mixes_copies("pastes a patch of another image", "paste"))
class CutMix(_BoxMixing):
    """Pastes a box from a partner image into every sample and mixes labels by its area.

    Same arguments, meaning and defaults as ``keras.layers.CutMix``: a
    sample draws ``w ~ Beta(a, a)`` with ``a`` drawn from ``factor`` (plus
    1e-6), a box of ``sqrt(1 - w)`` times the image height and width placed
    uniformly inside the image, and a partner from a random permutation of
    the batch; the partner's pixels replace the sample's inside the box.
    Differences from Keras: ``a`` is drawn per sample (Keras draws one per
    batch), and the label weight is the share of pixels actually pasted
    (Keras uses the continuous box area, which can differ from the pixels
    its mask covers by a row or column). The label becomes
    ``(1 - s) * y[i] + s * y[p]`` with ``s`` = pasted pixels / all pixels.
    A sample that draws itself as partner stays unchanged and keeps its label.

    Inputs and labels as in ``MixUp`` (``same_class``, ``num_classes`` and
    ``batchwise`` included; ``batchwise`` shares the weight and the box).
    Segmentation masks get the partner's mask pasted in the same box as the
    pixels; keypoints under the pasted box become invisible. Bounding boxes:
    a sample keeps its own boxes unless the pasted box covers more than
    ``1 - min_box_visibility`` of one (or all of it), and gains the partner's
    boxes clipped to the pasted box (kept when at least
    ``min_box_visibility`` of one, and some of it, lies inside). The row
    count stays ``n``: own boxes first, then the partner's, padding after;
    rows beyond ``n`` are dropped, so pad ``n`` to room for both.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (``a`` in ``[0, f]``) or a
            ``(low, high)`` pair within ``[0, 1]``. Default 1.0.
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        same_class, num_classes: as in ``MixUp``.
        min_box_visibility: see "Bounding boxes" above; default 0.0.
    """

    config_fields = ("factor",)

    def __init__(
        self,
        factor: Range = 1.0,
        seed: Seed = None,
        data_format: DataFormat = None,
        same_class: bool = False,
        num_classes: int | None = None,
        min_box_visibility: float = 0.0,
        **kwargs,
    ):
        kwargs.update(seed=seed, data_format=data_format)
        super().__init__(same_class, num_classes, min_box_visibility, **kwargs)
        name = self.__class__.__name__
        if isinstance(factor, (tuple, list)) and len(factor) == 2:
            if all(isinstance(f, (int, float)) and not isinstance(f, bool) for f in factor):
                factor = tuple(sorted(factor))  # Keras sorts the pair.
            self.factor = parse_fraction_range(name, "factor", factor)
        else:
            f = check_number(name, "factor", factor, low=0.0, high=1.0)
            self.factor = (0.0, f)

    def get_params(self, sampler, batch):
        params = super().get_params(sampler, batch)
        low, high = self.factor
        u = sampler.uniform(0.0, 1.0, extra_shape=(3,))
        shape = low + (high - low) * u[:, 0] + 1e-6
        weight = sample_beta(sampler, shape, shape)
        ratio = tf.sqrt(1.0 - weight)
        height = tf.cast(batch.height, tf.float32)
        width = tf.cast(batch.width, tf.float32)
        box_h, box_w = ratio * height, ratio * width
        y0 = u[:, 1] * (height - box_h)
        x0 = u[:, 2] * (width - box_w)
        # Pixel centres at integers: the box covers rows ceil(y0) .. ceil(y1) - 1.
        edges = tf.math.ceil(tf.stack([y0, x0, y0 + box_h, x0 + box_w], axis=1))
        limits = tf.stack([height, width, height, width])
        boxes = tf.cast(tf.clip_by_value(edges, 0.0, limits), tf.int32)
        area = tf.cast((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]), tf.float32)
        params.update({"boxes": boxes, "weight": 1.0 - area / (height * width)})
        return params

    def apply_images(self, images, params):
        if "pasted" in params:  # Keras' "batch_masks": any region, not only a box
            images = tf.cast(images, tf.float32)
            return tf.where(params["pasted"], tf.gather(images, params["partner"]), images)
        return paste_boxes(images, params["partner"], params["boxes"])

    keras_transformation_keys = ("batch_masks", "permutation_order", "mix_weight")

    def keras_transformation(self, params, image_shape):
        pasted = box_mask(params["boxes"][:, None], image_shape[1], image_shape[2])[..., None]
        if self.data_format == "channels_first":
            pasted = tf.transpose(pasted, [0, 3, 1, 2])
        return {**super().keras_transformation(params, image_shape), "batch_masks": pasted}

    def params_from_keras(self, transformation, image_shape):
        params = super().params_from_keras(transformation, image_shape)
        pasted = keras_value(transformation, "batch_masks", tf.bool)
        if self.data_format == "channels_first":
            pasted = tf.transpose(pasted, [0, 2, 3, 1])
        return {**params, "pasted": pasted}

    def apply_targets(self, batch, params):
        if "pasted" in params and batch.has_targets:
            raise ValueError(
                f'{self._name_for_errors}: a transformation with Keras\' "batch_masks" moves '
                f"images and labels only; got {batch.target_names()}. Use the dict "
                f"get_random_transformation returns to move masks, boxes or keypoints."
            )
        changes = {}
        if batch.boxes is not None:
            changes["boxes"], changes["box_labels"] = paste_box_targets(
                batch.boxes,
                batch.box_labels,
                params["partner"],
                params["boxes"],
                self.min_box_visibility,
            )
        if batch.masks is not None:
            pasted = paste_boxes(batch.masks, params["partner"], params["boxes"])
            changes["masks"] = tf.cast(pasted, batch.masks.dtype)
        if batch.keypoints is not None:
            changes["visibility"] = batch.visibility & ~points_in_boxes(
                batch.keypoints, params["boxes"]
            )
        return batch.replace(**changes)


@register(example={"center_range": (0.3, 0.7)})
class Mosaic(_BoxMixing):
    """Tiles four images of the batch into each output: a random centre and four quadrants.

    The YOLO-style mosaic at the input's size: each sample draws a centre
    point (``center_range`` gives its position as a fraction of the height
    and width, per axis) that splits the output into four quadrants; one
    quadrant, chosen at random, shows a window of the sample's own image and
    the three others windows of the three samples that follow it in a random
    cyclic order of the batch (so the four sources differ whenever the batch
    has four samples; with ``same_class=True``, three partner permutations
    within the sample's class, which may repeat an image). Each window has its quadrant's size and a random place in its
    source image. Pixels are copied, not resampled.

    Labels are mixed by area share, as ``CutMix`` mixes them:
    ``sum_q share_q * y[source_q]``, with ``share_q`` the fraction of the
    output quadrant ``q`` covers (one-hot or soft labels, or class indices
    with ``num_classes``; see ``MixUp``). For detection, bounding boxes are
    kept per box: each quadrant's source boxes move with its window, are
    clipped to the quadrant and kept when some of them (and at least
    ``min_box_visibility`` of their area) remains, with their own box
    labels. The row count stays ``n``: boxes quadrant by quadrant (top-left,
    top-right, bottom-left, bottom-right), padding after, rows beyond ``n``
    dropped, so pad ``n`` to room for four images' boxes
    (``MaxNumBoundingBoxes``). Segmentation masks are tiled like the pixels.
    Keypoints are not taken (the mosaic of four images' keypoints has no
    fixed count). At inference the inputs pass through unchanged.

    Args:
        center_range: ``(low, high)`` within ``[0, 1]``: where the centre may
            fall, as a fraction of the height and of the width. Default
            ``(0.25, 0.75)``.
        min_box_visibility: see above; default 0.
        same_class, num_classes: as in ``MixUp`` (partners from the sample's
            own class with ``same_class=True``).
        seed: integer seed.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Example:
        >>> layer = keras_augment.Mosaic(bounding_box_format="xyxy", seed=1)
        >>> out = layer({"images": images, "labels": one_hot, "bounding_boxes": boxes})
    """

    config_fields = ("center_range",)

    supported_targets = ("images", "labels", "masks", "boxes")
    keras_transformation_keys = ()

    def __init__(
        self,
        center_range: tuple[float, float] | list[float] = (0.25, 0.75),
        min_box_visibility: float = 0.0,
        same_class: bool = False,
        num_classes: int | None = None,
        seed: Seed = None,
        data_format: DataFormat = None,
        **kwargs,
    ):
        kwargs.update(seed=seed, data_format=data_format)
        super().__init__(same_class, num_classes, min_box_visibility, **kwargs)
        name = self.__class__.__name__
        self.center_range = parse_fraction_range(name, "center_range", center_range)

    def get_params(self, sampler, batch):
        if batch.labels is not None:
            self._check_labels(batch.labels, batch)
        n = batch.batch_size
        if self.same_class:  # three partner permutations within each class
            partners = [self._draw_partners(sampler, batch) for _ in range(3)]
            candidates = tf.stack([tf.range(n), *partners], axis=1)
        else:  # the next three samples of a random cycle: four different images
            keys = sampler.uniform(0.0, 1.0, extra_shape=(n,))[0]
            candidates = cycle_sources(keys)
        # The sample's own image goes to a random quadrant; the partners fill the others.
        turn = sampler.integers(0, 4)
        order = tf.math.floormod(tf.range(4)[None, :] - turn[:, None], 4)
        sources = tf.gather(candidates, order, batch_dims=1)
        height, width = batch.height, batch.width
        h = tf.cast(height, tf.float32)
        w = tf.cast(width, tf.float32)
        center = sampler.uniform(*self.center_range, extra_shape=(2,))
        cy = tf.cast(tf.clip_by_value(tf.round(center[:, 0] * h), 0.0, h), tf.int32)
        cx = tf.cast(tf.clip_by_value(tf.round(center[:, 1] * w), 0.0, w), tf.int32)
        q_h = tf.stack([cy, cy, height - cy, height - cy], axis=1)
        q_w = tf.stack([cx, width - cx, cx, width - cx], axis=1)
        u = sampler.uniform(0.0, 1.0, extra_shape=(2, 4))
        tops = tf.cast(tf.floor(u[:, 0] * tf.cast(height - q_h + 1, tf.float32)), tf.int32)
        lefts = tf.cast(tf.floor(u[:, 1] * tf.cast(width - q_w + 1, tf.float32)), tf.int32)
        return {
            "sources": sources,
            "center_y": cy,
            "center_x": cx,
            "tops": tf.minimum(tops, height - q_h),
            "lefts": tf.minimum(lefts, width - q_w),
            "shares": quadrant_shares(height, width, cy, cx),
        }

    def _placement(self, params):
        return (
            params["sources"],
            params["center_y"],
            params["center_x"],
            params["tops"],
            params["lefts"],
        )

    def apply_images(self, images, params):
        return tf.cast(mosaic_images(images, *self._placement(params)), tf.float32)

    def apply_labels(self, labels, params):
        labels = tf.convert_to_tensor(labels)
        mixable = self._as_mixable(labels)
        if mixable is None:
            return labels
        shares = tf.cast(params["shares"], mixable.dtype)
        sources = params["sources"]
        return sum(shares[:, q, None] * tf.gather(mixable, sources[:, q]) for q in range(4))

    def keras_transformation(self, params, image_shape):
        return {}

    def apply_targets(self, batch, params):
        changes = {}
        if batch.boxes is not None:
            changes["boxes"], changes["box_labels"] = mosaic_boxes(
                batch.boxes,
                batch.box_labels,
                *self._placement(params),
                batch.height,
                batch.width,
                self.min_box_visibility,
            )
        if batch.masks is not None:
            changes["masks"] = mosaic_images(batch.masks, *self._placement(params))
        return batch.replace(**changes)


__all__ = [
    "CutMix",
    "Mosaic",
    "MixUp",
    "box_mask",
    "mix_images",
    "mix_labels",
    "partner_indices",
    "paste_boxes",
    "sample_beta",
    "sample_log_gamma",
]
