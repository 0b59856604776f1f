"""The registry of ``keras_augment`` layers: what each one is, what it takes and how to show it.

Every concrete layer class is decorated with :func:`register`, which makes it
serializable by Keras (package ``keras_augment``) and records a
:class:`LayerInfo`: its kind, its family, the targets it supports and example
constructor arguments that build it with a visible effect. The shared
behavioural tests, the README table and the documentation gallery read the
registry, so a new layer is one class (plus a test of what is special about it).

Kinds and families:

* ``"image"``: ``geometric``, ``color``, ``quality``, ``occlusion``,
  ``mixing``, ``policies``, ``preprocessing``, ``temporal`` (the frame axis
  of clips);
* ``"audio"``: ``waveform``, ``tempo``, ``filters``, ``distortion``, ``levels``,
  ``compression``, ``room``, ``spectrogram``;
* ``"text"``: ``words``, ``sentences``, ``characters``, ``translation``;
* ``"composition"``: ``RandomApply``, ``RandomChoice``, ``RandomOrder`` and
  ``Pipeline`` (family ``"composition"``). They wrap other layers and are not
  drawn alone; their examples wrap an image layer.

The family is the name of the module that defines the layer, unless
``register`` is given another one.

Targets, the declared table of what a layer transforms (anything else in a
dict input is refused with an error naming the layer):

* image layers: among ``"images"``, ``"labels"``, ``"masks"``
  (``"segmentation_masks"``), ``"boxes"`` (``"bounding_boxes"``) and
  ``"keypoints"``;
* audio layers: ``"waveforms"`` or ``"spectrograms"``;
* text layers: ``"text"``.

Example:
    >>> import keras_augment as ka
    >>> for info in ka.registered_layers(kind="audio"):
    ...     layer = info.build(seed=1)  # the example arguments, plus a seed
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import keras

KINDS = ("image", "audio", "text", "composition")

#: The items of the behavioural contract every registered layer meets unless it declares
#: (in ``exempt``) that it cannot, with the reason.
CONTRACT = (
    "inference_identity",  # training=False returns the input unchanged
    "per_sample",  # copies of one input in one batch come out differently
    "seeded",  # two layers with one seed agree call after call
    "config",  # get_config / from_config round trip
    "saving",  # a model holding the layer saves and loads as .keras (safe_mode)
    "symbolic",  # output shape on symbolic Keras inputs
    "unbatched",  # one sample without a batch axis
    "channels_first",  # images in channels_first layout (image layers)
    "xla",  # compiles with jit_compile=True (layers declaring supports_jit)
    "bad_input",  # wrong dtype or rank is refused with an error naming the layer
)

IMAGE_TARGETS = ("images", "labels", "masks", "boxes", "keypoints")
#: The dict key of each image target.
TARGET_DICT_KEYS = {
    "masks": "segmentation_masks",
    "boxes": "bounding_boxes",
    "keypoints": "keypoints",
}
_ALL_TARGETS = (*IMAGE_TARGETS, "waveforms", "spectrograms", "text")


@dataclasses.dataclass(frozen=True)
class LayerInfo:
    """One registered layer.

    Attributes:
        name: the class name (also its exported name).
        cls: the layer class.
        kind: ``"image"``, ``"audio"``, ``"text"`` or ``"composition"``.
        family: the group of layers it belongs to (see the module docstring).
        targets: the targets it transforms, e.g. ``("images", "labels", "masks")``.
        exempt: contract items (see ``CONTRACT``) the layer cannot meet, with the reason.
    """

    name: str
    cls: type
    kind: str
    family: str
    targets: tuple[str, ...]
    exempt: Mapping[str, str]
    _example: Mapping[str, Any] | Callable[[], dict] = dataclasses.field(repr=False)

    def example_args(self) -> dict:
        """Constructor arguments that build the layer with a visible effect (a new dict).

        Sized image layers (crops, resizing) give 24x24 outputs: draw them on
        images of at least 32x32 pixels.
        """
        example = self._example
        return dict(example() if callable(example) else example)

    def build(self, **overrides) -> keras.layers.Layer:
        """The layer built from its example arguments, updated with ``overrides``."""
        return self.cls(**{**self.example_args(), **overrides})

    def meets(self, item: str) -> bool:
        """True unless the layer declares it cannot meet contract item ``item``."""
        return item not in self.exempt


_REGISTRY: dict[str, LayerInfo] = {}


def _targets_of(cls) -> tuple[str, ...]:
    targets = tuple(getattr(cls, "supported_targets", ()))
    unknown = set(targets) - set(_ALL_TARGETS)
    if not targets or unknown:
        raise ValueError(
            f"register: {cls.__name__}.supported_targets must name targets among "
            f"{_ALL_TARGETS}; got {targets!r}."
        )
    return targets


def register(
    cls: type | None = None,
    *,
    example: Mapping[str, Any] | Callable[[], dict] | None = None,
    family: str | None = None,
    exempt: Mapping[str, str] | None = None,
):
    """Registers a layer class: Keras serialization under ``keras_augment`` and the registry.

    Use as ``@register`` or ``@register(example={...}, exempt={...})``.

    Args:
        cls: the layer class (given when used without arguments).
        example: constructor arguments that build the layer with a visible
            effect, or a function returning them (for arguments that must be
            new objects each time, such as wrapped layers).
        family: the layer's family; defaults to the name of its module.
        exempt: ``{contract item: reason}`` for items of ``CONTRACT`` the
            layer cannot meet (the contract tests check that it indeed
            does not).

    The kind comes from the class attribute ``layer_kind``, the targets from
    ``supported_targets`` (both set by the base classes), and exemptions
    every layer of a base shares from its ``contract_exempt``.
    """

    def decorate(layer_cls: type) -> type:
        kind = getattr(layer_cls, "layer_kind", None)
        if kind not in KINDS:
            raise ValueError(
                f"register: {layer_cls.__name__}.layer_kind must be one of {KINDS}; got {kind!r}."
            )
        exempted = {**getattr(layer_cls, "contract_exempt", {}), **(exempt or {})}
        unknown = set(exempted) - set(CONTRACT)
        if unknown:
            raise ValueError(
                f"register: {layer_cls.__name__} exempts unknown contract items "
                f"{sorted(unknown)}; expected items of {CONTRACT}."
            )
        _REGISTRY[layer_cls.__name__] = LayerInfo(
            name=layer_cls.__name__,
            cls=layer_cls,
            kind=kind,
            family=family or layer_cls.__module__.rsplit(".", 1)[-1],
            targets=_targets_of(layer_cls),
            exempt=exempted,
            _example={} if example is None else example,
        )
        return keras.saving.register_keras_serializable(package="keras_augment")(layer_cls)

    return decorate if cls is None else decorate(cls)


def registered_layers(kind: str | None = None, family: str | None = None) -> list[LayerInfo]:
    """Every registered layer, sorted by name, optionally of one ``kind`` and ``family``.

    Args:
        kind: ``"image"``, ``"audio"``, ``"text"`` or ``"composition"``; None for all.
        family: e.g. ``"geometric"`` or ``"waveform"``; None for all.

    Returns:
        A list of :class:`LayerInfo`. The layer modules register on import, and
        ``import keras_augment`` imports them all.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"registered_layers: `kind` must be one of {KINDS} or None; got {kind!r}.")
    return [
        info
        for name, info in sorted(_REGISTRY.items())
        if (kind is None or info.kind == kind) and (family is None or info.family == family)
    ]


__all__ = [
    "CONTRACT",
    "IMAGE_TARGETS",
    "KINDS",
    "TARGET_DICT_KEYS",
    "LayerInfo",
    "register",
    "registered_layers",
]
