"""Data shipped inside the package (see ``assets/IMAGES-LICENSE.txt``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ASSETS = Path(__file__).parent / "assets"
SAMPLE_IMAGES = ("flower.jpg", "china.jpg")


def sample_image_path(name: str = "flower.jpg") -> Path:
    """Path of a shipped photograph (``"flower.jpg"`` or ``"china.jpg"``, 360x240 RGB)."""
    if name not in SAMPLE_IMAGES:
        raise ValueError(f"sample_image_path: unknown image {name!r}; expected one of {SAMPLE_IMAGES}.")
    return ASSETS / name


def load_sample_image(name: str = "flower.jpg") -> np.ndarray:
    """Decodes a shipped photograph into a ``uint8[240, 360, 3]`` array."""
    import tensorflow as tf

    data = tf.io.read_file(str(sample_image_path(name)))
    return tf.io.decode_jpeg(data, channels=3).numpy()
