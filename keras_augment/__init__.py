"""keras_augment: fast, per-sample, XLA-compilable data augmentation layers for Keras 3."""

from keras_augment import data
from keras_augment.core import BaseAugmentation, GeometricAugmentation, Pipeline
from keras_augment.image import (
    RandomAffine,
    RandomCrop,
    RandomElasticTransform,
    RandomFlip,
    RandomPerspective,
    RandomResizedCrop,
    RandomRotation,
    RandomShear,
    RandomTranslation,
    RandomZoom,
)

from keras_augment.recipes import load_recipe, save_recipe

__version__ = "0.1.0"

__all__ = [
    "data",
    "load_recipe",
    "save_recipe",
    "BaseAugmentation",
    "GeometricAugmentation",
    "Pipeline",
    "RandomAffine",
    "RandomCrop",
    "RandomElasticTransform",
    "RandomFlip",
    "RandomPerspective",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
]
