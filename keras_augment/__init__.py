"""keras_augment: fast, per-sample, XLA-compilable data augmentation layers for Keras 3.

``keras_augment.registered_layers(kind=None, family=None)`` lists every layer
(image, audio and text, plus the compositions) with its kind, family, supported
targets and example constructor arguments; see :mod:`keras_augment.core.registry`.
"""

# `_imports` first: it imports Keras before TensorFlow (see its docstring).
from keras_augment import _imports, audio, data, preprocessing, text  # noqa: F401
from keras_augment._version import __version__  # noqa: F401  (one source: _version.py)
from keras_augment.core import BaseAugmentation, GeometricAugmentation, Pipeline, targets
from keras_augment.core.composition import RandomApply, RandomChoice, RandomOrder
from keras_augment.core.registry import LayerInfo, registered_layers
from keras_augment.image import *  # noqa: F403  (every image layer, listed in image.__all__)
from keras_augment.image import __all__ as _image_layers
from keras_augment.legacy import ImageDataGenerator
from keras_augment.recipes import load_recipe, save_recipe

__all__ = [
    "BaseAugmentation",
    "GeometricAugmentation",
    "ImageDataGenerator",
    "LayerInfo",
    "Pipeline",
    "RandomApply",
    "RandomChoice",
    "RandomOrder",
    "audio",
    "data",
    "load_recipe",
    "preprocessing",
    "registered_layers",
    "save_recipe",
    "targets",
    "text",
    *_image_layers,
]
