"""Fixtures shared by the whole suite: small real and synthetic images."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

# Two logical CPUs, so tf.distribute tests can mirror a model across devices.
tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()],
)

from keras_augment.datasets import load_sample_image  # noqa: E402


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """The shipped flower photograph, decoded from its JPEG file: uint8[240, 360, 3]."""
    return load_sample_image("flower.jpg")


@pytest.fixture(scope="session")
def small_photos(photo) -> np.ndarray:
    """A batch of four 48x64 crops of the real photograph, float32 in [0, 255]."""
    crops = [photo[r : r + 48, c : c + 64] for r, c in ((0, 0), (60, 100), (120, 200), (190, 290))]
    return np.stack(crops).astype("float32")


@pytest.fixture(scope="session")
def noise_batch() -> np.ndarray:
    """White noise, float32[4, 32, 40, 3] in [0, 255]: every pixel differs from its neighbours."""
    return np.random.default_rng(0).uniform(0, 255, (4, 32, 40, 3)).astype("float32")
