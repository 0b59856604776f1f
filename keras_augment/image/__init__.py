"""Image augmentation layers."""

from keras_augment.image.geometric import (
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

__all__ = [
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
