"""keras_augment: fast, per-sample, XLA-compilable data augmentation layers for Keras 3."""

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

__version__ = "0.1.0"

__all__ = [
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
