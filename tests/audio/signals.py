"""Test signals and measurements for the audio tests (tones, levels, frequencies)."""

from __future__ import annotations

import numpy as np

SR = 16000


def tone(freq: float, seconds: float = 0.5, sr: int = SR, amplitude: float = 0.5, phase=0.0):
    """A sine ``float32[time]``."""
    t = np.arange(int(round(seconds * sr))) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t + phase)).astype("float32")


def chirp(f0: float, f1: float, seconds: float = 0.5, sr: int = SR, amplitude: float = 0.5):
    """A linear sweep from ``f0`` to ``f1`` Hz."""
    t = np.arange(int(round(seconds * sr))) / sr
    phase = 2 * np.pi * (f0 * t + 0.5 * (f1 - f0) / seconds * t**2)
    return (amplitude * np.sin(phase)).astype("float32")


def dominant_frequency(x: np.ndarray, sr: int = SR) -> float:
    """The strongest frequency of ``x`` (Hann window, 8x zero padding, parabolic peak)."""
    x = np.asarray(x, "float64")
    n = 8 * len(x)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-12)
    offset = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + offset) * sr / n


def rms(x) -> float:
    return float(np.sqrt(np.mean(np.square(np.asarray(x, "float64")))))


def snr_db(clean, noisy) -> float:
    noise = np.asarray(noisy, "float64") - np.asarray(clean, "float64")
    return 20 * np.log10(rms(clean) / rms(noise))


def tone_gain_db(layer_out, freq: float, sr: int = SR) -> float:
    """Level of ``freq`` in the output relative to amplitude 0.5 (least squares fit, dB)."""
    y = np.asarray(layer_out, "float64")
    t = np.arange(len(y)) / sr
    basis = np.stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)], axis=1)
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    return 20 * np.log10(np.hypot(*coef) / 0.5)


def active_duration(x, sr: int = SR, frame: int = 160, threshold_db: float = -20.0) -> float:
    """Seconds between the first and last 10 ms frame whose RMS is within ``threshold_db``
    of the loudest frame."""
    x = np.asarray(x, "float64")
    frames = x[: len(x) // frame * frame].reshape(-1, frame)
    level = np.sqrt(np.mean(frames**2, axis=1)) + 1e-12
    loud = np.nonzero(20 * np.log10(level / level.max()) > threshold_db)[0]
    return (loud[-1] - loud[0] + 1) * frame / sr
