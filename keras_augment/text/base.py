"""The base class of the text augmentation layers.

Text layers take ``tf.string`` tensors of any shape (``[]``, ``[batch]``,
``[batch, 1]``, ...), treat every element as one independent text, and
return strings of the same shape (``EDA`` appends one axis of variants).
Like the image layers, they augment only when ``training=True`` (the default
for direct calls), draw every random choice from a stateless per-call seed
(``keras_augment.core.random``), and serialise through ``get_config``.

String ops have no XLA kernels, so text layers declare ``supports_jit =
False``: a model holding one runs its training step without XLA.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import keras
import tensorflow as tf

from keras_augment.core.layer import AugmentationLayer
from keras_augment.core.types import Seed

_TRACED: dict = {}
_TRACED_LOCK = threading.Lock()


class TextAugmentation(AugmentationLayer):
    """Base class of ``keras_augment`` text layers.

    A subclass implements ``augment_strings(strings, seed)``: ``strings`` is a
    ``tf.string[n]`` vector (the input flattened), ``seed`` an ``int64[2]``
    stateless seed; it returns ``tf.string[n, *variants_shape]``. The base
    checks the input, flattens and restores its shape, handles the
    ``training`` flag and draws one fresh seed per call.

    Args:
        seed: integer seed. Two layers built with the same seed produce the
            same sequence of augmentations. ``None`` draws one at random.
            In a parallel ``tf.data`` map the counter makes the draws distinct
            but not reproducible element by element (see ``BaseAugmentation``);
            ``keras_augment.data.augment(..., seed=...)`` is.
    """

    layer_kind = "text"
    supported_targets = ("text",)
    contract_exempt = {"xla": "string ops have no XLA kernels"}
    #: Extra trailing axes the layer appends to its input shape (``EDA``: ``(num_aug,)``).
    variants_shape: tuple[int, ...] = ()

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        # String ops have no XLA kernels.
        self.supports_jit = False

    # ----- what subclasses implement -------------------------------------

    def augment_strings(self, strings: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """Augments a ``tf.string[n]`` vector; returns ``tf.string[n, *variants_shape]``."""
        raise NotImplementedError

    def inference_strings(self, strings: tf.Tensor) -> tf.Tensor:
        """What ``training=False`` returns: the input, repeated along any variant axes."""
        for size in self.variants_shape:
            strings = tf.repeat(strings[..., None], size, axis=-1)
        return strings

    # ----- the machinery ---------------------------------------------------

    def _check_strings(self, inputs) -> tf.Tensor:
        if isinstance(inputs, tf.RaggedTensor | tf.SparseTensor):
            raise TypeError(
                f"{self.__class__.__name__}: expected a dense tf.string tensor; got a "
                f"{type(inputs).__name__}."
            )
        try:
            strings = tf.convert_to_tensor(inputs)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"{self.__class__.__name__}: expected a tf.string tensor (or Python strings); "
                f"could not convert {type(inputs).__name__}: {error}"
            ) from None
        if strings.dtype != tf.string:
            raise TypeError(
                f"{self.__class__.__name__}: expected a tf.string tensor of texts; got dtype "
                f"{strings.dtype.name} with shape {strings.shape}."
            )
        return strings

    def augment(self, flat: tf.Tensor, seed: Seed | tf.Tensor = None) -> tf.Tensor:
        """The training path on a ``tf.string[n]`` vector (``seed``: None for the next one)."""
        return self.augment_strings(flat, self.call_seed(seed))

    def infer(self, flat: tf.Tensor) -> tf.Tensor:
        """The inference path on a ``tf.string[n]`` vector."""
        return self.inference_strings(flat)

    def prepare(self, inputs: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
        """``(tf.string[n] vector, restore)``; ``restore`` gives an output the input's shape.

        Checks the input as a call does; compositions use it to hold layers of this kind.
        """
        strings = self._check_strings(inputs)
        shape = tf.shape(strings)

        def restore(out):
            out = tf.reshape(out, tf.concat([shape, list(self.variants_shape)], axis=0))
            out.set_shape(strings.shape.concatenate(self.variants_shape))
            return out

        return tf.reshape(strings, [-1]), restore

    def call(self, inputs: tf.Tensor, training: bool = True, seed: Seed = None) -> tf.Tensor:
        flat, restore = self.prepare(inputs)

        def eager():
            # Many small string ops: one traced function (a single signature,
            # the seed drawn outside it) beats running them eagerly.
            if "strings" not in self._traced:
                self._traced["strings"] = self._training_function()
            return self._traced["strings"](flat, self.call_seed(seed))

        return restore(
            self.switch(training, lambda: self.augment(flat, seed), lambda: self.infer(flat), eager)
        )

    def _sharing_key(self):
        """Layers of one class and one config (seed aside) can share one traced function.

        ``None`` opts out (a layer whose behaviour is not fully described by
        its config, e.g. one holding a Python callable).
        """
        try:
            config = self.get_config()
        except ValueError:
            return None
        for name in ("seed", "name", "trainable", "dtype"):
            config.pop(name, None)
        try:
            return (type(self), json.dumps(config, sort_keys=True))
        except TypeError:
            return None

    def _training_function(self):
        # Tracing the string kernels takes seconds; the traced function only
        # depends on the config (the seed is an argument), so layers with the
        # same config reuse the first one's.
        key = self._sharing_key()
        with _TRACED_LOCK:
            if key is not None and key in _TRACED:
                return _TRACED[key]
            function = tf.function(
                self.augment_strings,
                input_signature=[tf.TensorSpec([None], tf.string), tf.TensorSpec([2], tf.int64)],
                autograph=False,
            )
            if key is not None:
                _TRACED[key] = function
            return function

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + tuple(self.variants_shape)

    def compute_output_spec(
        self, inputs: keras.KerasTensor, training: bool = True, seed: Seed = None
    ) -> keras.KerasTensor:
        return keras.KerasTensor(self.compute_output_shape(inputs.shape), dtype="string")
