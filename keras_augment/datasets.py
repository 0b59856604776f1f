"""Data shipped inside the package (see ``assets/IMAGES-LICENSE.txt``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ASSETS = Path(__file__).parent / "assets"
SAMPLE_IMAGES = ("flower.jpg", "china.jpg")


def sample_image_path(name: str = "flower.jpg") -> Path:
    """Path of a shipped photograph (``"flower.jpg"`` or ``"china.jpg"``, 360x240 RGB)."""
    if name not in SAMPLE_IMAGES:
        raise ValueError(
            f"sample_image_path: unknown image {name!r}; expected one of {SAMPLE_IMAGES}."
        )
    return ASSETS / name


def load_sample_image(name: str = "flower.jpg") -> np.ndarray:
    """Decodes a shipped photograph into a ``uint8[240, 360, 3]`` array."""
    import tensorflow as tf

    data = tf.io.read_file(str(sample_image_path(name)))
    return tf.io.decode_jpeg(data, channels=3).numpy()


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The shipped 8x8 handwritten digits: ``(uint8[1797, 8, 8] in 0..16, int64[1797])``.

    See ``assets/DIGITS-LICENSE.txt`` for their origin and licence.
    """
    import gzip

    with gzip.open(ASSETS / "digits.csv.gz", "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    images = table[:, :64].reshape(-1, 8, 8).astype(np.uint8)
    return images, table[:, 64].astype(np.int64)
