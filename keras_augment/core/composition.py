"""Composition layers: apply a layer sometimes, one of several, or several in a random order.

The decisions are per sample (one draw per sample from the composition's
own seed; ``batchwise=True`` shares them across the batch). Wrapped layers
draw their own parameters from their own seeds, so a composition of seeded
layers is reproducible.

Per-sample choices cannot run different code for different samples inside
one tensor program, so the general method runs the candidate layers on the
whole batch and keeps, per sample, the result it chose (``tf.where``). When
every wrapped layer is geometric and samples the same way, the choices are
made on the layers' 3x3 matrices instead and the images are resampled once,
which is both faster and sharper.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import tensorflow as tf

from keras_augment.core import batch as ka_batch
from keras_augment.core import matrices
from keras_augment.core import random as ka_random
from keras_augment.core.base import BaseAugmentation, Batch
from keras_augment.core.geometry import (
    GeometricAugmentation,
    move_targets,
    shared_sampling_options,
    shared_target_options,
)
from keras_augment.core.layer import common_kind
from keras_augment.core.random import split_seed
from keras_augment.core.registry import register
from keras_augment.core.resample import resample
from keras_augment.core.types import DataFormat, Seed
from keras_augment.core.validation import check_number

# Clip lengths used to learn, at construction, whether a layer changes the frame count.
_PROBE_FRAMES = (7, 13)

PRESERVING = ka_batch.PRESERVING


# ----- helpers a reader can call alone ------------------------------------------------


def select_per_sample(
    choose: tf.Tensor, if_true: tf.Tensor | None, if_false: tf.Tensor | None
) -> tf.Tensor | None:
    """Per sample, ``if_true`` where ``choose`` (``bool[batch]``) holds, else ``if_false``.

    Works for images ``[batch, ...]`` and labels of any rank; ``None`` passes
    through. When one side is floating and the other integer (a layer that
    turned class indices into one-hot), both are cast to the floating dtype.
    """
    if if_true is None or if_false is None:
        return if_true if if_false is None else if_false
    if_true, if_false = tf.convert_to_tensor(if_true), tf.convert_to_tensor(if_false)
    if if_true.dtype != if_false.dtype:
        target = if_true.dtype if if_true.dtype.is_floating else if_false.dtype
        if_true, if_false = tf.cast(if_true, target), tf.cast(if_false, target)
    if if_true.shape.rank != if_false.shape.rank or not if_true.shape[1:].is_compatible_with(
        if_false.shape[1:]
    ):
        raise ValueError(
            f"select_per_sample: the two sides have shapes {if_true.shape} and "
            f"{if_false.shape}; expected equal shapes (a wrapped layer changed the shape of "
            f"images or labels)."
        )
    rank = if_true.shape.rank
    mask = tf.reshape(choose, tf.concat([tf.shape(choose), tf.ones([rank - 1], tf.int32)], 0))
    return tf.where(mask, if_true, if_false)


def select_batches(choose: tf.Tensor, if_true: Batch, if_false: Batch) -> Batch:
    """``select_per_sample`` on every field of two batches: images, labels and targets.

    The recorded matrix survives only when both sides recorded one.
    """
    fields = {}
    for name in ("labels", "masks", "boxes", "box_labels", "keypoints", "visibility"):
        fields[name] = select_per_sample(choose, getattr(if_true, name), getattr(if_false, name))
    matrix = None
    if if_true.matrix is not None and if_false.matrix is not None:
        matrix = select_per_sample(choose, if_true.matrix, if_false.matrix)
    images = select_per_sample(
        choose, if_true.images, tf.cast(if_false.images, if_true.images.dtype)
    )
    return Batch(
        images, matrix=matrix, batchwise=if_true.batchwise, frames=if_true.frames, **fields
    )


def categorical_from_uniform(u: tf.Tensor, weights: Sequence[float]) -> tf.Tensor:
    """``int32`` indices drawn with probabilities ``weights`` (normalised) from uniforms ``u``."""
    weights = [float(w) for w in weights]
    total = sum(weights)
    bounds, running = [], 0.0
    for w in weights[:-1]:
        running += w / total
        bounds.append(running)
    if not bounds:
        return tf.zeros_like(u, dtype=tf.int32)
    edges = tf.constant(bounds, tf.float32)
    return tf.reduce_sum(tf.cast(u[..., None] >= edges, tf.int32), axis=-1)


def permutation_supersequence(k: int) -> list[int]:
    """A sequence of ``0..k-1`` containing every permutation of them as a subsequence.

    ``(0, ..., k-1)`` repeated ``k - 1`` times, then ``0``: length
    ``k * k - k + 1``. A permutation matches greedily one ascending run per
    block; only the fully descending one has ``k`` runs, and it ends in 0.
    """
    return list(range(k)) * (k - 1) + [0]


def part_seed(seed: tf.Tensor | None, index: int) -> tf.Tensor | None:
    """The call-time seed of part ``index`` of a composition (None stays None).

    Part 0 is the composition's own decisions, part ``i + 1`` a wrapped layer's run.
    """
    return None if seed is None else split_seed(seed, index)


def size_behaviour(layer: BaseAugmentation) -> str | tuple[int, int] | None:
    """``"preserving"``, a fixed ``(height, width)``, or None when the output size depends on the input otherwise."""
    return ka_batch.size_behaviour(layer.output_image_size)


# ----- shared machinery ------------------------------------------------------------------


def _run_batch(layer, batch: Batch, seed) -> Batch:
    return layer.augment_batch(batch, seed)


def _run_internal(layer, x, seed):
    """A wrapped audio or text layer's training path on the internal form."""
    return layer.augment(x, seed)


class OtherKinds:
    """How a composition runs audio or text layers (image layers take the image path).

    The wrapped layers' ``prepare`` checks the input and gives the internal
    form (float32 ``[batch, time, channels]`` waveforms, ``[batch, time,
    freq]`` spectrograms, or a flat ``tf.string`` vector); the composition's
    ``augment`` and ``infer`` work on that form, calling the wrapped layers'
    ``augment`` and ``infer``, so compositions nest.
    """

    #: What the wrapped layers augment: "image", "audio" or "text".
    augments = "image"

    def _wrapped(self) -> list:
        raise NotImplementedError

    def prepare(self, inputs: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
        return self._wrapped()[0].prepare(inputs)

    def _call_other_kind(self, inputs, training, seed):
        x, restore = self.prepare(inputs)
        if 0 in x.shape:
            return restore(self.infer(x))  # nothing to augment
        if seed is not None:
            seed = ka_random.check_seed(self.__class__.__name__, seed)
        return restore(
            self.switch(
                training,
                lambda: self.augment(x, seed),
                lambda: self.infer(x),
                lambda: self.traced("augment", self.augment)(x, seed),
            )
        )

    def call(
        self,
        inputs: tf.Tensor | dict,
        training: bool = True,
        seed: Seed = None,
        return_params: bool = False,
    ) -> tf.Tensor | dict | tuple:
        if self.augments == "image":
            return super().call(inputs, training=training, seed=seed, return_params=return_params)
        return self._call_other_kind(inputs, training, seed)

    def compute_output_shape(self, input_shape: tuple | dict) -> tuple | dict:
        if self.augments == "image":
            return super().compute_output_shape(input_shape)
        return self._wrapped()[0].compute_output_shape(input_shape)

    def compute_output_spec(self, *args: object, **kwargs):
        if self.augments == "image":
            return super().compute_output_spec(*args, **kwargs)
        inputs = args[0] if args else kwargs["inputs"]
        return self._wrapped()[0].compute_output_spec(inputs)  # shape and dtype kept

    def _decisions(self, x, seed) -> dict:
        """The composition's own per-sample draws for internal-form ``x``."""
        sampler = ka_random.Sampler(
            self.call_seed(part_seed(seed, 0)), tf.shape(x)[0], self.batchwise
        )
        return self.get_params(sampler, None)


class _Composition(OtherKinds, BaseAugmentation):
    """Checks and serialisation shared by the composition layers."""

    layer_kind = "composition"

    def _check_layers(self, layers, what: str) -> list:
        name = self.__class__.__name__
        if not isinstance(layers, (list, tuple)) or not layers:
            raise ValueError(
                f"{name}: `{what}` must be a non-empty list of layers; got {layers!r}."
            )
        self.augments = common_kind(name, layers)
        if self.augments != "image":
            self.supported_targets = tuple(layers[0].supported_targets)
        for layer in layers:
            self._check_layer(layer, what)
        return list(layers)

    def _check_layer(self, layer, what: str):
        name = self.__class__.__name__
        if self.augments != "image":
            self.supports_jit = self.supports_jit and layer.supports_jit
            return layer
        if not isinstance(layer, BaseAugmentation):
            raise ValueError(
                f"{name}: `{what}` must hold keras_augment layers (wrap a Keras layer in "
                f"keras_augment.Pipeline([layer]) first); got {layer!r}."
            )
        if layer.data_format != self.data_format:
            raise ValueError(
                f"{name}: {layer.name} uses data_format={layer.data_format!r} but {name} uses "
                f"{self.data_format!r}; expected one layout throughout."
            )
        for frames in _PROBE_FRAMES:
            out = layer.output_frame_count(frames)
            if out != frames:
                raise ValueError(
                    f"{name}: {type(layer).__name__} {layer.name!r} changes the number of "
                    f"frames of a clip ({frames} in, {out} out), but {name} keeps, per clip, the output of one layer or "
                    f"another, which needs one frame count; expected layers that keep the "
                    f"frame count (apply {layer.name} before or after {name})."
                )
        self.supports_jit = self.supports_jit and getattr(layer, "supports_jit", False)
        return layer

    def _refuse_size_changes(self, layers):
        if self.augments != "image":
            return  # audio and text layers keep their input's shape
        for layer in layers:
            if size_behaviour(layer) != PRESERVING:
                raise ValueError(
                    f"{self.__class__.__name__}: {layer.name} changes the image size, but "
                    f"samples that skip it would keep theirs; expected layers that keep the "
                    f"image size."
                )

    def _common_fixed_size(self, layers):
        """The one fixed output size among ``layers`` (None if all preserve the size)."""
        if self.augments != "image":
            return None
        fixed = set()
        for layer in layers:
            behaviour = size_behaviour(layer)
            if behaviour is None:
                raise ValueError(
                    f"{self.__class__.__name__}: {layer.name} gives an output size that depends "
                    f"on the input size; expected layers that keep the size or give a fixed size."
                )
            if behaviour != PRESERVING:
                fixed.add(behaviour)
        if len(fixed) > 1:
            raise ValueError(
                f"{self.__class__.__name__}: the layers give different output sizes "
                f"{sorted(fixed)}, so samples would end with different sizes; expected one."
            )
        return next(iter(fixed)) if fixed else None

    def _label_form(self, batch: Batch) -> Batch:
        """Brings labels into the form the wrapped layers return (e.g. indices to one-hot).

        Each layer's inference path does that conversion, so samples that
        take different layers end with labels of one shape.
        """
        labels = batch.labels
        if labels is not None:
            for layer in self._wrapped():
                labels = layer.infer_batch(Batch(batch.images, labels)).labels
        return batch.replace(labels=labels)

    def _check_static_size(self, images):
        for layer in self._wrapped():
            layer._check_static_size(images)

    def _wrapped(self) -> list:
        raise NotImplementedError

    @staticmethod
    def _geometric_options(layers) -> tuple | None:
        """Sampling options for one resample of ``layers``, or None if they cannot share one.

        They can when every layer is geometric, none has a displacement field
        and their sampling options agree.
        """
        if not all(isinstance(layer, GeometricAugmentation) for layer in layers):
            return None
        if any(layer.has_displacement for layer in layers):
            return None
        return shared_sampling_options(layers)

    @staticmethod
    def _serialize(layers):
        return [keras.saving.serialize_keras_object(layer) for layer in layers]

    @staticmethod
    def _deserialize(configs):
        return [keras.saving.deserialize_keras_object(c) for c in configs]


# ----- layers ----------------------------------------------------------------------------


@register(family="composition")
class RandomApply(_Composition):
    """Applies a layer to each sample with probability ``rate``.

    The wrapped layer runs on the whole batch and each sample keeps its
    augmented or its original version (images and labels alike), so the cost
    is one run of the layer whatever ``rate`` is. The layer must keep the
    image size (a crop is refused at construction). At inference the wrapped
    layer's inference behaviour is used.

    Args:
        layer: a ``keras_augment`` layer that keeps the image size.
        rate: probability, in ``[0, 1]``, that a sample is augmented.
        seed: integer seed of the per-sample decisions.
        batchwise: if true, one decision for the whole batch.
        data_format: ``"channels_last"`` or ``"channels_first"``; must match the layer's.

    Example:
        >>> layer = keras_augment.RandomApply(keras_augment.RandomRotation(0.1), rate=0.3)
    """

    def __init__(
        self,
        layer: keras.layers.Layer,
        rate: float = 0.5,
        seed: Seed = None,
        batchwise: bool = False,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, batchwise=batchwise, data_format=data_format, **kwargs)
        self.layer = self._check_layers([layer], "layer")[0]
        self._refuse_size_changes([layer])
        self.rate = check_number(self.__class__.__name__, "rate", rate, low=0.0, high=1.0)

    def _wrapped(self):
        return [self.layer]

    def get_params(self, sampler: ka_random.Sampler, batch: Batch | None) -> dict:
        return {"apply": sampler.bernoulli(self.rate)}

    def augment_batch(self, batch: Batch, seed: tf.Tensor | None = None) -> Batch:
        apply = self.draw_params(batch, part_seed(seed, 0))["apply"]
        augmented = self.layer.augment_batch(batch, part_seed(seed, 1))
        kept = self.layer.infer_batch(batch)
        return select_batches(apply, augmented, kept)

    def infer_batch(self, batch: Batch) -> Batch:
        return self.layer.infer_batch(batch)

    def augment(self, x: tf.Tensor, seed: tf.Tensor | None = None) -> tf.Tensor:
        apply = self._decisions(x, seed)["apply"]
        return select_per_sample(apply, self.layer.augment(x, part_seed(seed, 1)), self.infer(x))

    def infer(self, x: tf.Tensor) -> tf.Tensor:
        return self.layer.infer(x)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"layer": keras.saving.serialize_keras_object(self.layer), "rate": self.rate})
        return config

    @classmethod
    def from_config(cls, config: dict) -> _Composition:
        config = dict(config)
        config["layer"] = keras.saving.deserialize_keras_object(config["layer"])
        return cls(**config)


@register(family="composition")
class RandomChoice(_Composition):
    """Applies one of several layers to each sample, chosen per sample.

    When every layer is geometric (flip, rotation, zoom, crop, ...) with the
    same interpolation and fill settings, each sample's chosen matrix is
    picked and the batch is resampled once. Otherwise every layer runs on the
    whole batch and each sample keeps the output of its choice (so the cost
    is the sum of the layers' costs). The layers must all keep the image size
    or all give the same fixed size. At inference the first layer's inference
    behaviour is used.

    Args:
        layers: list of ``keras_augment`` layers.
        weights: optional relative probabilities, one non-negative number per
            layer (they need not sum to 1); equal by default.
        seed: integer seed of the per-sample choices.
        batchwise: if true, one choice for the whole batch.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        layers: Sequence[keras.layers.Layer],
        weights: Sequence[float] | None = None,
        seed: Seed = None,
        batchwise: bool = False,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, batchwise=batchwise, data_format=data_format, **kwargs)
        name = self.__class__.__name__
        self.layers = self._check_layers(layers, "layers")
        self._fixed_size = self._common_fixed_size(self.layers)
        if self._fixed_size is not None and any(
            size_behaviour(layer) == PRESERVING for layer in self.layers
        ):
            raise ValueError(
                f"{name}: some layers keep the image size and others resize it to "
                f"{self._fixed_size}; expected all to give the same output size."
            )
        if weights is not None:
            if not isinstance(weights, (list, tuple)) or len(weights) != len(self.layers):
                raise ValueError(
                    f"{name}: `weights` must be a list of {len(self.layers)} numbers, one per "
                    f"layer; got {weights!r}."
                )
            weights = [check_number(name, "weights[i]", w, low=0.0) for w in weights]
            if sum(weights) <= 0.0:
                raise ValueError(f"{name}: `weights` must not all be zero; got {weights!r}.")
        self.choice_weights = None if weights is None else list(weights)
        self._sampling = self._geometric_options(self.layers)

    def _wrapped(self):
        return self.layers

    def output_image_size(self, height: int, width: int) -> tuple[int, int]:
        return self.layers[0].output_image_size(height, width)

    def get_params(self, sampler: ka_random.Sampler, batch: Batch | None) -> dict:
        weights = self.choice_weights or [1.0] * len(self.layers)
        return {"choice": categorical_from_uniform(sampler.uniform(0.0, 1.0), weights)}

    def augment_batch(self, batch: Batch, seed: tf.Tensor | None = None) -> Batch:
        choice = self.draw_params(batch, part_seed(seed, 0))["choice"]
        if self._sampling is not None:
            return self._choose_matrices(choice, batch, seed)
        return self._choose(choice, self._label_form(batch), seed, _run_batch, select_batches)

    def _choose(self, choice, x, seed, run, select):
        """Every layer ``run`` on all of ``x``; each sample keeps its choice (``select``)."""
        out = None
        for j, layer in enumerate(self.layers):
            y = run(layer, x, part_seed(seed, j + 1))
            out = y if out is None else select(tf.equal(choice, j), y, out)
        return out

    def augment(self, x: tf.Tensor, seed: tf.Tensor | None = None) -> tf.Tensor:
        choice = self._decisions(x, seed)["choice"]
        return self._choose(choice, x, seed, _run_internal, select_per_sample)

    def infer(self, x: tf.Tensor) -> tf.Tensor:
        return self.layers[0].infer(x)

    def _choose_matrices(self, choice, batch: Batch, seed) -> Batch:
        height, width = batch.height, batch.width
        out_h, out_w = self.output_image_size(height, width)
        matrix, labels = None, batch.labels
        for j, layer in enumerate(self.layers):
            params = layer.draw_params(batch, part_seed(seed, j + 1))
            m = layer.get_matrix(params, height, width)
            chosen = tf.equal(choice, j)
            matrix = m if matrix is None else select_per_sample(chosen, m, matrix)
            if labels is not None:
                labels = select_per_sample(chosen, layer.apply_labels(batch.labels, params), labels)
        images = resample(batch.images, matrix, tf.stack([out_h, out_w]), None, *self._sampling)
        finished = images
        for j, layer in enumerate(self.layers):
            finished = select_per_sample(
                tf.equal(choice, j), layer.finalize_images(images), finished
            )
        moved = move_targets(
            batch, matrix, (out_h, out_w), self._sampling[1], *shared_target_options(self.layers)
        )
        return moved.replace(images=finished, labels=labels, params=None)

    def infer_batch(self, batch: Batch) -> Batch:
        return self.layers[0].infer_batch(batch)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"layers": self._serialize(self.layers), "weights": self.choice_weights})
        return config

    @classmethod
    def from_config(cls, config: dict) -> _Composition:
        config = dict(config)
        config["layers"] = cls._deserialize(config["layers"])
        return cls(**config)


@register(family="composition")
class RandomOrder(_Composition):
    """Applies all its layers to each sample, in an order drawn per sample.

    Each sample gets a uniformly random permutation of the layers. Two
    methods, chosen at construction:

    * every layer geometric, sampling alike, without displacement field: each
      sample's matrices are multiplied in its own order and the batch is
      resampled once. Layers that give a fixed output size (crops) are
      allowed if they all give the same size; a layer after a crop gets
      parameters drawn for the cropped size. As in ``Pipeline``, borders are
      filled once: a layer after a crop that reads outside the crop window
      sees the image there, not fill.
    * otherwise: the layers run in a fixed sequence in which every order
      appears as a subsequence (``k * k - k + 1`` runs for ``k`` layers), and
      each sample takes a step only when that layer is the next in its
      order. The layers must keep the image size.

    At inference the layers' inference behaviours run in list order.

    Args:
        layers: list of ``keras_augment`` layers.
        seed: integer seed of the per-sample orders.
        batchwise: if true, one order for the whole batch.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        layers: Sequence[keras.layers.Layer],
        seed: Seed = None,
        batchwise: bool = False,
        data_format: DataFormat = None,
        **kwargs,
    ):
        super().__init__(seed=seed, batchwise=batchwise, data_format=data_format, **kwargs)
        self.layers = self._check_layers(layers, "layers")
        self._sampling = self._geometric_options(self.layers)
        if self._sampling is not None:
            self._fixed_size = self._common_fixed_size(self.layers)
        else:
            self._refuse_size_changes(self.layers)
            self._fixed_size = None

    def _wrapped(self):
        return self.layers

    def output_image_size(self, height: int, width: int) -> tuple[int, int]:
        for layer in self.layers:
            height, width = layer.output_image_size(height, width)
        return height, width

    def get_params(self, sampler: ka_random.Sampler, batch: Batch | None) -> dict:
        k = len(self.layers)
        keys = sampler.uniform(0.0, 1.0, extra_shape=(k,))
        return {"order": tf.argsort(keys, axis=1, stable=True)}

    def augment_batch(self, batch: Batch, seed: tf.Tensor | None = None) -> Batch:
        order = self.draw_params(batch, part_seed(seed, 0))["order"]
        if self._sampling is not None:
            return self._ordered_matrices(order, batch, seed)
        return self._ordered_steps(order, self._label_form(batch), seed, _run_batch, select_batches)

    def _ordered_steps(self, order, x, seed, run, select):
        """The supersequence of layers; a sample takes a step when it is next in its order."""
        k = len(self.layers)
        position = tf.zeros_like(order[:, 0])
        for step, j in enumerate(permutation_supersequence(k)):
            out = run(self.layers[j], x, part_seed(seed, step + 1))
            wanted = tf.gather(order, tf.minimum(position, k - 1), axis=1, batch_dims=1)
            take = (position < k) & tf.equal(wanted, j)
            x = select(take, out, x)
            position += tf.cast(take, position.dtype)
        return x

    def augment(self, x: tf.Tensor, seed: tf.Tensor | None = None) -> tf.Tensor:
        order = self._decisions(x, seed)["order"]
        return self._ordered_steps(order, x, seed, _run_internal, select_per_sample)

    def infer(self, x: tf.Tensor) -> tf.Tensor:
        for layer in self.layers:
            x = layer.infer(x)
        return x

    def _ordered_matrices(self, order, batch: Batch, seed) -> Batch:
        height, width = batch.height, batch.width
        fixed = self._fixed_size
        resizes = [size_behaviour(layer) != PRESERVING for layer in self.layers]
        at_input, at_fixed, labels = [], [], batch.labels
        k = len(self.layers)
        for j, (layer, resizing) in enumerate(zip(self.layers, resizes, strict=True)):
            params = layer.draw_params(
                Batch(
                    batch.images,
                    size=(height, width),
                    batchwise=batch.batchwise,
                    frames=batch.frames,
                ),
                part_seed(seed, j + 1),
            )
            at_input.append(layer.get_matrix(params, height, width))
            if labels is not None:
                labels = layer.apply_labels(labels, params)
            if fixed is not None and sum(resizes) - int(resizing) > 0:
                # This layer may come after a crop: it then sees the cropped size.
                params = layer.draw_params(
                    Batch(batch.images, size=fixed, batchwise=batch.batchwise, frames=batch.frames),
                    part_seed(seed, k + j + 1),
                )
                at_fixed.append(layer.get_matrix(params, *fixed))
            else:
                at_fixed.append(at_input[-1])
        at_input, at_fixed = tf.stack(at_input, axis=1), tf.stack(at_fixed, axis=1)
        resizing = tf.constant(resizes)
        composed = matrices.identity(batch.batch_size)
        cropped = tf.zeros_like(order[:, 0], dtype=tf.bool)
        for step in range(k):
            j = order[:, step]
            m = select_per_sample(
                cropped,
                tf.gather(at_fixed, j, axis=1, batch_dims=1),
                tf.gather(at_input, j, axis=1, batch_dims=1),
            )
            composed = matrices.compose(composed, m)
            cropped = cropped | tf.gather(resizing, j)
        out_h, out_w = (height, width) if fixed is None else fixed
        images = resample(batch.images, composed, tf.stack([out_h, out_w]), None, *self._sampling)
        for layer in self.layers:
            images = layer.finalize_images(images)
        moved = move_targets(
            batch, composed, (out_h, out_w), self._sampling[1], *shared_target_options(self.layers)
        )
        return moved.replace(images=images, labels=labels, params=None)

    def infer_batch(self, batch: Batch) -> Batch:
        for layer in self.layers:
            batch = layer.infer_batch(batch)
        return batch

    def get_config(self) -> dict:
        config = super().get_config()
        config["layers"] = self._serialize(self.layers)
        return config

    @classmethod
    def from_config(cls, config: dict) -> _Composition:
        config = dict(config)
        config["layers"] = cls._deserialize(config["layers"])
        return cls(**config)


__all__ = [
    "RandomApply",
    "RandomChoice",
    "RandomOrder",
    "categorical_from_uniform",
    "permutation_supersequence",
    "select_per_sample",
    "size_behaviour",
]
