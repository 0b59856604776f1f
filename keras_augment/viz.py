"""Pictures of augmentations: a grid of variants of one image, and a before/after view of a batch."""

from __future__ import annotations

import numpy as np


def _as_uint8(images) -> np.ndarray:
    images = np.asarray(images, dtype="float32")
    if images.max(initial=0.0) <= 1.0:  # a [0, 1] image
        images = images * 255.0
    return np.clip(np.round(images), 0, 255).astype(np.uint8)


def _show(ax, image, title):
    image = _as_uint8(image)
    if image.shape[-1] == 1:
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=255)
    else:
        ax.imshow(image)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def preview(augmentation, image, n: int = 10, columns: int = 4, path: str | None = None):
    """Draws ``image`` and ``n`` augmented variants of it in a grid (the ten-dogs picture).

    Args:
        augmentation: a layer or ``Pipeline``; called with ``training=True``.
        image: one ``[height, width, channels]`` image (channels_last), values
            in ``[0, 255]`` or ``[0, 1]``.
        n: number of variants.
        columns: grid width.
        path: if given, the figure is also saved there (PNG).

    Returns:
        The matplotlib ``Figure``.
    """
    import matplotlib.pyplot as plt

    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"preview: expected one image of rank 3; got shape {image.shape}.")
    variants = np.asarray(augmentation(np.repeat(image[None], n, axis=0), training=True))
    rows = -(-(n + 1) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.2 * rows), squeeze=False)
    tiles = [(image, "original")] + [(v, f"variant {i + 1}") for i, v in enumerate(variants)]
    for ax in axes.flat:
        ax.axis("off")
    for ax, (tile, title) in zip(axes.flat, tiles):
        _show(ax, tile, title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig


def before_after(augmentation, images, path: str | None = None):
    """Shows a batch above its augmented version, one column per sample.

    Args:
        augmentation: a layer or ``Pipeline``; called with ``training=True``.
        images: a ``[batch, height, width, channels]`` batch (channels_last).
        path: if given, the figure is also saved there (PNG).

    Returns:
        The matplotlib ``Figure``.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"before_after: expected a batch of rank 4; got shape {images.shape}.")
    after = np.asarray(augmentation(images, training=True))
    n = len(images)
    fig, axes = plt.subplots(2, n, figsize=(2.4 * n, 4.8), squeeze=False)
    for i in range(n):
        _show(axes[0, i], images[i], f"before {i}")
        _show(axes[1, i], after[i], f"after {i}")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig
