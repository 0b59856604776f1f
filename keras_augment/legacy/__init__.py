"""The legacy Keras ``ImageDataGenerator`` API, backed by the fused, batched core."""

from keras_augment.legacy.generator import ImageDataGenerator
from keras_augment.legacy.iterators import (
    DataFrameIterator,
    DirectoryIterator,
    Iterator,
    NumpyArrayIterator,
    UnreadableImageError,
    load_image,
)

__all__ = [
    "DataFrameIterator",
    "DirectoryIterator",
    "ImageDataGenerator",
    "Iterator",
    "NumpyArrayIterator",
    "UnreadableImageError",
    "load_image",
]
