"""Reading WAV files (with ``tf.audio.decode_wav``) into clip banks.

Used at construction time by the layers that take recordings (background
noise, room impulse responses); never on the data path.
"""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf


def load_wav(path: str) -> tuple[np.ndarray, int]:
    """Decodes a 16-bit PCM WAV file: ``(float32[time, channels] in [-1, 1], sample_rate)``.

    The array goes straight into a waveform layer, which reads a rank-2 input
    with at most 8 channels as one clip ``[time, channels]`` (its default
    ``rank2_layout="auto"``).
    """
    contents = tf.io.read_file(path)
    audio, rate = tf.audio.decode_wav(contents)
    return audio.numpy(), int(rate.numpy())


def load_wav_folder(layer: str, folder: str, sample_rate: float) -> list[np.ndarray]:
    """Every ``*.wav`` file of ``folder`` (sorted by name) as mono float32 clips.

    Channels are averaged. Every file must have ``sample_rate``; a file with
    another rate is refused by name rather than silently played at the wrong
    speed.
    """
    if not os.path.isdir(folder):
        raise ValueError(f"{layer}: {folder!r} is not a folder of WAV files.")
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".wav"))
    if not names:
        raise ValueError(f"{layer}: the folder {folder!r} holds no .wav files.")
    clips = []
    for name in names:
        audio, rate = load_wav(os.path.join(folder, name))
        if rate != round(sample_rate):
            raise ValueError(
                f"{layer}: {name!r} in {folder!r} has sample rate {rate} Hz; expected "
                f"{sample_rate:g} Hz (the layer's `sample_rate`). Resample the file first."
            )
        clips.append(audio.mean(axis=1).astype("float32"))
    return clips


def clip_bank(
    layer: str, name: str, clips: np.ndarray | tf.Tensor | list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Packs clips of any lengths into ``(float32[n, longest] zero-padded, int32[n] lengths)``.

    ``clips`` is a list of 1-D arrays or a 1-D or 2-D array (rows are clips).
    """
    if isinstance(clips, np.ndarray) or tf.is_tensor(clips):
        array = np.asarray(clips)
        if array.dtype.kind not in "f":
            raise TypeError(
                f"{layer}: `{name}` must hold floating-point audio in [-1, 1]; got dtype "
                f"{array.dtype} (scale integer PCM first, e.g. / 32768 for int16)."
            )
        if array.ndim == 1:
            array = array[None]
        if array.ndim != 2:
            raise ValueError(
                f"{layer}: `{name}` must be one clip [time] or clips [n, time]; got shape "
                f"{array.shape}."
            )
        clips = list(array)
    try:
        clips = [np.asarray(c, dtype="float32").reshape(-1) for c in clips]
    except (TypeError, ValueError):
        raise TypeError(
            f"{layer}: `{name}` must be a list of clips (1-D float arrays) or an array "
            f"[n, time]; got {type(clips).__name__}."
        ) from None
    if not clips or min(len(c) for c in clips) < 1:
        raise ValueError(f"{layer}: `{name}` must hold at least one non-empty clip.")
    if not all(np.isfinite(c).all() for c in clips):
        raise ValueError(f"{layer}: `{name}` must hold finite samples; got NaN or infinity.")
    longest = max(len(c) for c in clips)
    bank = np.zeros((len(clips), longest), "float32")
    for i, clip in enumerate(clips):
        bank[i, : len(clip)] = clip
    return bank, np.array([len(c) for c in clips], "int32")
