"""Pictures of augmentations: a grid of variants of one image, and a before/after view of a batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import keras
    import tensorflow as tf
    from matplotlib.figure import Figure


def _pyplot(function: str):
    """``matplotlib.pyplot``, or an error naming the extra that installs it."""
    try:
        import matplotlib.pyplot as plt
    except ModuleNotFoundError as err:
        if err.name is None or err.name.split(".")[0] != "matplotlib":
            raise
        raise ModuleNotFoundError(
            f"keras_augment.viz.{function} draws with matplotlib, which is not installed; "
            'install it with: pip install "keras-augment[viz]"',
            name="matplotlib",
        ) from err
    return plt


def _images_of_rank(function: str, images, rank: int, expected: str) -> np.ndarray:
    """``images`` as an array of ``rank``, or the error naming ``function`` and ``expected``."""
    images = np.asarray(images)
    if images.ndim != rank:
        raise ValueError(
            f"{function}: expected {expected} of rank {rank}; got shape {images.shape}."
        )
    return images


def _finish(fig: Figure, path: str | None) -> Figure:
    """Lays ``fig`` out and saves it to ``path`` when one is given."""
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig


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


def preview(
    augmentation: keras.layers.Layer,
    image: np.ndarray | tf.Tensor,
    n: int = 10,
    columns: int = 4,
    path: str | None = None,
) -> Figure:
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
    plt = _pyplot("preview")
    image = _images_of_rank("preview", image, 3, "one image")
    variants = np.asarray(augmentation(np.repeat(image[None], n, axis=0), training=True))
    rows = -(-(n + 1) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.2 * rows), squeeze=False)
    tiles = [(image, "original")] + [(v, f"variant {i + 1}") for i, v in enumerate(variants)]
    for ax in axes.flat:
        ax.axis("off")
    for ax, (tile, title) in zip(axes.flat, tiles):
        _show(ax, tile, title)
    return _finish(fig, path)


def before_after(
    augmentation: keras.layers.Layer, images: np.ndarray | tf.Tensor, path: str | None = None
) -> Figure:
    """Shows a batch above its augmented version, one column per sample.

    Args:
        augmentation: a layer or ``Pipeline``; called with ``training=True``.
        images: a ``[batch, height, width, channels]`` batch (channels_last).
        path: if given, the figure is also saved there (PNG).

    Returns:
        The matplotlib ``Figure``.
    """
    plt = _pyplot("before_after")
    images = _images_of_rank("before_after", images, 4, "a batch")
    after = np.asarray(augmentation(images, training=True))
    n = len(images)
    fig, axes = plt.subplots(2, n, figsize=(2.4 * n, 4.8), squeeze=False)
    for i in range(n):
        _show(axes[0, i], images[i], f"before {i}")
        _show(axes[1, i], after[i], f"after {i}")
    return _finish(fig, path)


def preview_text(
    augmentation: keras.layers.Layer, sentence: str, n: int = 5, path: str | None = None
) -> Figure:
    """Draws a sentence and ``n`` augmented variants of it, one per line.

    Args:
        augmentation: a text layer (``keras_augment.text``); called with
            ``training=True`` on ``n`` copies of the sentence. Layers that
            return several variants per sentence (``EDA``) show all of them.
        sentence: the sentence (a Python ``str``).
        n: number of copies augmented.
        path: if given, the figure is also saved there (PNG).

    Returns:
        The matplotlib ``Figure``; the variants are its text lines after the original.
    """
    import textwrap

    plt = _pyplot("preview_text")
    import tensorflow as tf

    if not isinstance(sentence, str):
        raise ValueError(
            f"preview_text: expected a sentence as str; got {type(sentence).__name__}."
        )
    out = augmentation(tf.constant([sentence] * n), training=True)
    variants = [v.decode("utf-8") for v in np.asarray(out).reshape(-1)]
    lines = [("original", sentence)] + [(f"variant {i + 1}", v) for i, v in enumerate(variants)]
    wrapped = [(label, textwrap.fill(text, 100)) for label, text in lines]
    height = 0.35 * sum(text.count("\n") + 1 for _, text in wrapped) + 0.4
    fig = plt.figure(figsize=(10, height))
    # An empty, invisible axes: notebooks do not display a figure that has no axes.
    fig.add_axes((0, 0, 1, 1)).set_axis_off()
    y = 1.0
    step = 1.0 / sum(text.count("\n") + 1 for _, text in wrapped)
    for label, text in wrapped:
        weight = "bold" if label == "original" else "normal"
        fig.text(0.01, y, f"{label}:", va="top", fontsize=9, color="gray")
        fig.text(0.13, y, text, va="top", fontsize=9, weight=weight)
        y -= step * (text.count("\n") + 1)
    if path is not None:
        fig.savefig(path, bbox_inches="tight")
    return fig


def _log_spectrogram(waveform: np.ndarray, sample_rate: int) -> np.ndarray:
    """``[frames, bins]`` log magnitude of a mono waveform (about 32 ms frames, 8 ms hop)."""
    import tensorflow as tf

    frame = 1 << max(6, int(np.log2(0.032 * sample_rate)))
    stft = tf.signal.stft(tf.constant(waveform, tf.float32), frame, frame // 4, frame)
    return np.log10(np.abs(stft.numpy()) + 1e-6)


def preview_audio(
    augmentation: keras.layers.Layer,
    waveform: np.ndarray | tf.Tensor,
    sample_rate: int,
    path: str | None = None,
) -> Figure:
    """Draws a clip's waveform and spectrogram before and after augmentation.

    Args:
        augmentation: an audio layer (``keras_augment.audio``); called with
            ``training=True`` on a batch of one clip, ``[1, time]``.
        waveform: one mono clip, ``float[time]`` in ``[-1, 1]``.
        sample_rate: samples per second (for the time and frequency axes).
        path: if given, the figure is also saved there (PNG).

    Returns:
        The matplotlib ``Figure`` (2 x 2: waveforms on top, spectrograms below).
    """
    plt = _pyplot("preview_audio")

    waveform = np.asarray(waveform, dtype="float32")
    if waveform.ndim != 1:
        raise ValueError(
            f"preview_audio: expected one mono clip of rank 1, [time]; got shape {waveform.shape}."
        )
    if sample_rate <= 0:
        raise ValueError(f"preview_audio: sample_rate must be positive; got {sample_rate}.")
    after = np.asarray(augmentation(waveform[None], training=True))[0].reshape(-1)
    fig, axes = plt.subplots(2, 2, figsize=(11, 5), squeeze=False)
    for col, (clip, title) in enumerate([(waveform, "before"), (after, "after")]):
        seconds = np.arange(len(clip)) / sample_rate
        axes[0, col].plot(seconds, clip, linewidth=0.5)
        axes[0, col].set(title=f"waveform, {title}", xlabel="seconds", ylim=(-1.05, 1.05))
        spectrogram = _log_spectrogram(clip, sample_rate)
        axes[1, col].imshow(
            spectrogram.T,
            origin="lower",
            aspect="auto",
            extent=(0, len(clip) / sample_rate, 0, sample_rate / 2),
            cmap="magma",
        )
        axes[1, col].set(title=f"spectrogram, {title}", xlabel="seconds", ylabel="Hz")
    return _finish(fig, path)
