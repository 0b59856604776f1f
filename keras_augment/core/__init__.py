"""The machinery every layer shares: base layer, seeds, matrices, resampler, pipeline."""

from keras_augment.core.base import BaseAugmentation, Batch
from keras_augment.core.geometry import GeometricAugmentation
from keras_augment.core.pipeline import Pipeline
from keras_augment.core.resample import resample

__all__ = ["BaseAugmentation", "Batch", "GeometricAugmentation", "Pipeline", "resample"]
