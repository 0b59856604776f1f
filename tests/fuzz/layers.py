"""Every registered layer (``keras_augment.registered_layers()``), built for the fuzz suite.

A new layer joins the fuzz suite by being registered, without being listed
here: it is built from its registry example (``tests.layer_examples``), with
the fuzzed arguments as overrides.
"""

from __future__ import annotations

import keras_augment as ka
from tests import layer_examples

REGISTERED = ka.registered_layers()
LAYERS = {info.name: info.cls for info in REGISTERED}
IMAGE_LAYERS = [info.name for info in REGISTERED if info.kind == "image"]
# Compositions take other layers; they are fuzzed around one flip (cheap to retrace for each
# hostile shape).
WRAPPERS = [info.name for info in REGISTERED if info.kind == "composition"]
WAVEFORM_LAYERS = [info.name for info in REGISTERED if "waveforms" in info.targets]
SPECTROGRAM_LAYERS = [info.name for info in REGISTERED if "spectrograms" in info.targets]
TEXT_LAYERS = [info.name for info in REGISTERED if info.kind == "text"]


def example_args(name: str) -> dict:
    """The registry's example constructor arguments of layer ``name``."""
    return layer_examples.INFOS[name].example_args()


def build(name: str, **kwargs):
    """Builds the registered layer ``name`` from its example arguments plus ``kwargs``.

    A ``data_format`` is left out for layers that take none (``Rescaling``
    follows the Keras config, as Keras' layer does): the fuzzed layouts are
    for the layers that have one.
    """
    if "data_format" in kwargs and not layer_examples.takes(LAYERS[name], "data_format"):
        kwargs.pop("data_format")
    if name in WRAPPERS:
        flip = ka.RandomFlip(seed=1, data_format=kwargs.get("data_format"))
        if layer_examples.takes(LAYERS[name], "layer"):
            kwargs["layer"] = flip
        else:
            kwargs["layers"] = [flip]
    return layer_examples.build(name, **kwargs)
