"""Every registered layer (``keras_augment.registered_layers()``), with a way to build it.

A new layer joins the fuzz suite by being registered, without being listed
here. Required constructor arguments are filled by parameter name; a layer
with a required argument not named below fails ``test_every_layer_builds``.
"""

from __future__ import annotations

import inspect

import numpy as np

import keras_augment as ka

# Values for required constructor arguments, by parameter name: the first a layer accepts.
_REQUIRED = {
    "factor": (0.3, 4),
    "height": 6,
    "width": 6,
    "height_factor": 0.2,
    "width_factor": 0.2,
    "shift_range": 0.2,
    "scale": 0.5,
    "max_number": 4,
    "frames": 2,
    "max_size": 8,
    "bank": np.random.default_rng(0).uniform(-0.1, 0.1, (2, 400)).astype("float32"),
}


REGISTERED = ka.registered_layers()
LAYERS = {info.name: info.cls for info in REGISTERED}
# Image layers on the augmentation base. Rescaling and MaxNumBoundingBoxes, Keras'
# utilities kept with Keras' lenient behaviour, are not fuzzed.
IMAGE_LAYERS = [
    info.name
    for info in REGISTERED
    if info.kind == "image" and issubclass(info.cls, ka.core.base.BaseAugmentation)
]
# Compositions take other layers; they are fuzzed around one inner layer.
WRAPPERS = [info.name for info in REGISTERED if info.kind == "composition"]
WAVEFORM_LAYERS = [info.name for info in REGISTERED if "waveforms" in info.targets]
SPECTROGRAM_LAYERS = [info.name for info in REGISTERED if "spectrograms" in info.targets]
TEXT_LAYERS = [info.name for info in REGISTERED if info.kind == "text"]


def required_args(cls: type) -> dict:
    """The required constructor arguments of ``cls``, filled by name."""
    params = inspect.signature(cls.__init__).parameters.values()
    names = [
        p.name
        for p in params
        if p.default is p.empty and p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    return {name: _REQUIRED[name] for name in names}


def _candidates(cls: type) -> list[dict]:
    args = required_args(cls)
    choices = [dict(args)]
    for name, value in args.items():
        if isinstance(value, tuple):
            choices = [{**c, name: v} for c in choices for v in value]
    return choices


def build(name: str, **kwargs):
    """Builds the exported layer ``name`` with its required arguments plus ``kwargs``."""
    cls = LAYERS[name]
    if name in WRAPPERS:
        # The inner layer shares the wrapper's layout (a Pipeline refuses mixed layouts).
        inner = ka.RandomFlip(seed=1, data_format=kwargs.get("data_format"))
        first = "layer" if cls is ka.RandomApply else "layers"
        return cls(inner if first == "layer" else [inner], **kwargs)
    if "seed" in kwargs and not _takes_seed(cls):
        kwargs = {k: v for k, v in kwargs.items() if k != "seed"}  # layers that draw nothing
    return cls(**{**_working_args(cls), **kwargs})


def _takes_seed(cls: type) -> bool:
    try:
        cls(**_working_args(cls), seed=1)
    except (TypeError, ValueError):
        return False
    return True


_WORKING: dict[type, dict] = {}


def _working_args(cls: type) -> dict:
    """The first filling of the required arguments that ``cls`` accepts."""
    if cls not in _WORKING:
        # Then the registry's example, for layers that need one of several
        # optional arguments (PadIfNeeded: a minimum size or a divisor).
        example = next(info.example_args() for info in REGISTERED if info.cls is cls)
        candidates = _candidates(cls) + [{**required_args(cls), **example}]
        for i, args in enumerate(candidates):
            try:
                cls(**args)
            except ValueError:
                if i == len(candidates) - 1:
                    raise
                continue
            _WORKING[cls] = args
            break
    return _WORKING[cls]
