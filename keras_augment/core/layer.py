"""What every augmentation layer shares, whatever it augments (images, audio, text).

:class:`AugmentationLayer` holds the seed state, the ``training`` switch, the
cache of traced training paths and the common config. The image base
(:class:`keras_augment.core.base.BaseAugmentation`), the audio base
(:class:`keras_augment.audio.base.AudioAugmentation`) and the text base
(:class:`keras_augment.text.base.TextAugmentation`) derive from it, so
compositions (``RandomApply``, ``RandomChoice``, ``RandomOrder``,
``Pipeline``) can hold layers of any kind through one interface.
"""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

from keras_augment.core import random as ka_random
from keras_augment.core.backend import SeededLayer
from keras_augment.core.compiled import TracedOnce, batch_axis_relaxed


class AugmentationLayer(SeededLayer):
    """Base class of every ``keras_augment`` augmentation layer (not used directly).

    Calling convention (the one Keras preprocessing layers use): ``call`` has
    ``training=True`` as its default, so calling a layer directly augments;
    inside a model Keras passes the model's mode, so ``fit`` augments while
    ``predict`` and ``evaluate`` pass the inputs through.

    Args:
        seed: integer seed. Two layers built with the same seed produce the
            same sequence of augmentations. ``None`` draws one at random.
    """

    #: ``"image"``, ``"audio"``, ``"text"`` or ``"composition"`` (see ``core.registry``).
    layer_kind: str | None = None
    #: The targets the layer transforms (see ``core.registry``).
    supported_targets: tuple[str, ...] = ()
    #: True for layers that draw nothing: they own no seed state.
    deterministic = False
    #: Constructor arguments a class keeps, checked, under their own names:
    #: ``get_config`` adds those of every class in the hierarchy, so a layer
    #: lists its own instead of writing a ``get_config``.
    config_fields: tuple[str, ...] = ()
    #: The same for ``(low, high)`` ranges kept as tuples: the config gives them as lists.
    config_ranges: tuple[str, ...] = ()

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._seed_state = None if self.deterministic else ka_random.make_seed_state(self, seed)
        self.supports_jit = True
        # Inputs stay TensorFlow tensors (or dicts of them) under every backend.
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self._traced: dict = {}
        self.built = True

    def call_seed(self, seed) -> tf.Tensor:
        """This call's ``int64[2]`` seed: ``seed`` checked, or else the layer's next one."""
        if seed is not None:
            return ka_random.check_seed(self.__class__.__name__, seed)
        return ka_random.next_seed(self._seed_state)

    def traced(
        self,
        key,
        function: Callable,
        relax: Callable[[tf.Tensor], tf.TensorShape] = batch_axis_relaxed,
    ) -> Callable:
        """``function`` traced for this layer, kept under ``key`` (see ``TracedOnce``).

        Called directly (eagerly), a layer's training path is hundreds of small
        ops, as costly one by one as the work itself: it runs as one traced
        graph instead, traced at most twice per input signature (the exact
        shapes, then once with the first argument's shapes ``relax``-ed).
        """
        if key not in self._traced:
            self._traced[key] = TracedOnce(function, relax)
        return self._traced[key]

    @staticmethod
    def switch(training, augment: Callable, infer: Callable, eager: Callable | None = None):
        """Runs ``augment()`` or ``infer()`` as ``training`` says.

        ``training`` may be True, None (both mean augment), False or a
        symbolic boolean (both branches run under ``tf.cond`` and must give
        equal structures). ``eager``, when given, replaces ``augment`` when
        called eagerly (a traced version of it).
        """
        if training is False:
            return infer()
        if isinstance(training, bool) or training is None:
            if eager is not None and tf.executing_eagerly():
                return eager()
            return augment()
        return tf.cond(tf.cast(training, tf.bool), augment, infer)

    def save_own_variables(self, store) -> None:
        if self._seed_state is not None:
            super().save_own_variables(store)

    def load_own_variables(self, store) -> None:
        if self._seed_state is not None:
            super().load_own_variables(store)

    def get_config(self) -> dict:
        config = super().get_config()
        config["seed"] = self.seed
        for cls in reversed(type(self).__mro__):
            for name in vars(cls).get("config_fields", ()):
                config[name] = getattr(self, name)
            for name in vars(cls).get("config_ranges", ()):
                config[name] = list(getattr(self, name))
        return config


def augmented_kind(layer) -> str:
    """What ``layer`` augments: ``"image"``, ``"audio"`` or ``"text"``.

    A composition augments what its layers do; a Keras layer that is not ours
    counts as an image layer (a ``Pipeline`` runs Keras image layers in place).
    """
    kind = getattr(layer, "augments", None) or getattr(layer, "layer_kind", None)
    return "image" if kind in (None, "composition") else kind


def common_kind(name: str, layers) -> str:
    """The one kind ``layers`` augment; mixing kinds is refused, naming the composition."""
    kinds = {getattr(layer, "name", repr(layer)): augmented_kind(layer) for layer in layers}
    if len(set(kinds.values())) > 1:
        raise ValueError(
            f"{name}: got layers of different kinds {kinds}; expected layers of one kind "
            f"(image layers with image layers, audio with audio, text with text)."
        )
    kind = next(iter(kinds.values()))
    if kind != "image":
        inputs = {layer.name: tuple(layer.supported_targets) for layer in layers}
        if len(set(inputs.values())) > 1:
            raise ValueError(
                f"{name}: its layers take different inputs {inputs}; expected one (waveform "
                f"layers with waveform layers, spectrogram layers with spectrogram layers)."
            )
        for layer in layers:
            if getattr(layer, "variants_shape", ()):
                raise ValueError(
                    f"{name}: {layer.name} returns {layer.variants_shape} variants of each "
                    f"text; expected layers that return one text per text (compose the "
                    f"single operations instead)."
                )
    return kind
