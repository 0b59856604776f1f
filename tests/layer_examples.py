"""Every registered layer, built one way: its registry example plus a test's overrides.

The contract tests, the fuzz suite and the backend smoke check build their
layers here, from ``LayerInfo.example_args()`` (the ``example`` given to
``register``). A newly registered layer is therefore built by all of them
with no entry in any test; a test that needs other arguments passes them as
overrides on top of the example.
"""

from __future__ import annotations

import functools
import inspect

import keras

import keras_augment as ka

INFOS = {info.name: info for info in ka.registered_layers()}


def takes(cls: type, argument: str) -> bool:
    """True when the constructor of ``cls`` names ``argument``."""
    return argument in inspect.signature(cls.__init__).parameters


@functools.cache
def takes_seed(name: str) -> bool:
    """True unless the layer draws nothing and refuses a ``seed`` (some take it through
    ``**kwargs``, so the signature alone does not tell)."""
    info = INFOS[name]
    if info.kind == "composition" or takes(info.cls, "seed"):
        return True
    try:
        info.build(seed=1)
    except (TypeError, ValueError):
        return False
    return True


def inner_layers(data_format: str | None = None) -> list[keras.layers.Layer]:
    """What compositions wrap in tests (they have no example of their own): two seeded image
    layers in one layout, since a Pipeline refuses layers of mixed layouts."""
    return [
        ka.RandomRotation(0.1, seed=2, data_format=data_format),
        ka.RandomBrightness(0.3, seed=3, data_format=data_format),
    ]


def build(which: str | ka.core.registry.LayerInfo, /, **overrides) -> keras.layers.Layer:
    """The registered layer ``which`` (a name or a ``LayerInfo``) from its example arguments,
    updated with ``overrides`` (a composition's ``layer`` or ``layers`` among them).

    A ``seed`` is left out for layers that draw nothing and take none;
    compositions wrap :func:`inner_layers` in the ``data_format``
    of the overrides unless the overrides give their layers.
    """
    info = INFOS[which] if isinstance(which, str) else which
    if "seed" in overrides and not takes_seed(info.name):
        overrides = {key: value for key, value in overrides.items() if key != "seed"}
    if info.kind == "composition":
        inner = inner_layers(overrides.get("data_format"))
        wrapped = {"layer": inner[0]} if takes(info.cls, "layer") else {"layers": inner}
        overrides = {**wrapped, **overrides}
    return info.build(**overrides)
