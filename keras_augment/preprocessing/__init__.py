"""Keras 2's ``preprocessing`` namespace: ``from keras_augment.preprocessing import image``."""

from keras_augment.preprocessing import image

__all__ = ["image"]
