"""Colour layers that are affine per image, and how ``Pipeline`` fuses them.

Brightness, contrast, channel shifts, grayscale, colour degeneration and
inversion each map every pixel ``x`` (a vector of ``C`` channel values) to
``A @ x + b`` with ``A`` and ``b`` fixed per image. Such a layer describes its
parameters as one augmented ``[C + 1, C + 1]`` matrix per sample
(``get_color_matrix``); ``Pipeline`` multiplies the matrices of consecutive
layers and touches the pixels once.

Contrast depends on the per-image channel means, and those compose too: the
mean of ``A @ x + b`` over an image is ``A @ mean(x) + b``. So a pipeline
computes the means of its input once and carries them through the matrices.

Clipping to ``value_range`` happens once, at the end of a fused run. That is
the one place where a fused run can differ from calling its layers one by
one: where an intermediate result would have left the value range (and been
clipped there), the fused result keeps the unclipped value until the end.
"""

from __future__ import annotations

import tensorflow as tf

from keras_augment.core.base import BaseAugmentation, Batch
from keras_augment.core.compiled import per_channel_count
from keras_augment.core.stats import finite_mean


class LinearColorAugmentation(BaseAugmentation):
    """A colour layer whose effect on each image is an affine map of its pixel values.

    Subclasses implement ``get_params``, ``apply_images`` (calling their
    kernel) and ``get_color_matrix``; the two must agree up to clipping.
    """

    # Whether get_color_matrix reads the channel means (only contrast does);
    # a fused run skips the reduction when no layer needs it.
    uses_channel_means = False

    def get_color_matrix(self, params: dict, channel_means: tf.Tensor) -> tf.Tensor:
        """``float32[batch, C + 1, C + 1]``: the affine map, acting on ``[x_1 .. x_C, 1]``.

        Args:
            params: this call's parameters, from ``get_params``.
            channel_means: ``float32[batch, C]``, the per-image mean of each
                channel of the image this layer receives (zeros when no layer
                of the run sets ``uses_channel_means``).
        """
        raise NotImplementedError

    def color_clip_range(self) -> tuple[float, float] | None:
        """The range the output is clipped to, or ``None`` if the map cannot leave it."""
        return getattr(self, "value_range", None)


def identity_color_matrix(batch_size, channels: int) -> tf.Tensor:
    """``float32[batch, C + 1, C + 1]`` identity matrices."""
    return tf.eye(channels + 1, batch_shape=[batch_size], dtype=tf.float32)


def affine_color_matrix(linear: tf.Tensor, offset: tf.Tensor) -> tf.Tensor:
    """Builds ``[batch, C + 1, C + 1]`` from ``linear[batch, C, C]`` and ``offset[batch, C]``."""
    linear = tf.cast(linear, tf.float32)
    offset = tf.cast(offset, tf.float32)
    top = tf.concat([linear, offset[:, :, None]], axis=2)
    channels = tf.shape(linear)[1]
    bottom = tf.one_hot(channels, channels + 1, dtype=tf.float32)
    bottom = tf.tile(bottom[None, None, :], [tf.shape(linear)[0], 1, 1])
    return tf.concat([top, bottom], axis=1)


def compose_color_matrices(first: tf.Tensor, second: tf.Tensor) -> tf.Tensor:
    """The map that applies ``first``, then ``second``."""
    return tf.linalg.matmul(second, first)


def transform_channel_means(matrix: tf.Tensor, channel_means: tf.Tensor) -> tf.Tensor:
    """The channel means after ``matrix``: ``A @ mean + b`` (means of affine maps compose)."""
    linear, offset = matrix[:, :-1, :-1], matrix[:, :-1, -1]
    return tf.linalg.matvec(linear, channel_means) + offset


def apply_color_matrix(images: tf.Tensor, matrix: tf.Tensor, clip_range=None) -> tf.Tensor:
    """Maps every pixel through its image's affine colour matrix, then clips once.

    Args:
        images: ``[batch, height, width, C]`` of any real dtype.
        matrix: ``float32[batch, C + 1, C + 1]``.
        clip_range: ``(low, high)`` or ``None`` for no clipping.

    Returns:
        ``float32[batch, height, width, C]``.
    """
    return _apply_color_matrix(images, matrix, clip_range)


@per_channel_count(jit_compile=True, reduce_retracing=True)
def _apply_color_matrix(images, matrix, clip_range):
    images = tf.cast(images, tf.float32)
    linear = matrix[:, None, None, :-1, :-1]  # [batch, 1, 1, C_out, C_in]
    offset = matrix[:, None, None, :-1, -1]  # [batch, 1, 1, C_out]
    out = tf.reduce_sum(images[:, :, :, None, :] * linear, axis=-1) + offset
    if clip_range is not None:
        out = tf.clip_by_value(out, clip_range[0], clip_range[1])
    return out


def compatible_clip_ranges(run, layer: LinearColorAugmentation) -> bool:
    """Whether ``layer`` can join ``run``: every clipping layer must clip to one range."""
    ranges = {r for r in (other.color_clip_range() for other in [*run, layer]) if r is not None}
    return len({tuple(float(v) for v in r) for r in ranges}) <= 1


def fused_color(run, batch: Batch, seeds: dict | None = None) -> Batch:
    """Applies a run of ``LinearColorAugmentation`` layers as one matrix per image.

    Each layer draws its parameters exactly as when called alone: from
    ``seeds[id(layer)]`` when given (a call-time seed), else from its own
    seed counter. The pixels are read for the channel means (only if a layer
    needs them) and written once, clipped once at the end.
    """
    images = tf.cast(batch.images, tf.float32)
    channels = images.shape[-1]
    if channels is None:
        raise ValueError(
            f"Pipeline: fusing {[layer.name for layer in run]} needs a static channel count; "
            f"got images of shape {images.shape}."
        )
    batch_size = tf.shape(images)[0]
    if any(layer.uses_channel_means for layer in run):
        means = finite_mean(images, keepdims=False)
    else:
        means = tf.zeros([batch_size, channels], tf.float32)
    composed = identity_color_matrix(batch_size, channels)
    clip_range = None
    for layer in run:
        params = layer.draw_params(batch, (seeds or {}).get(id(layer)))
        matrix = layer.get_color_matrix(params, means)
        composed = compose_color_matrices(composed, matrix)
        means = transform_channel_means(matrix, means)
        clip_range = layer.color_clip_range() or clip_range
    return Batch(apply_color_matrix(images, composed, clip_range), batch.labels)
