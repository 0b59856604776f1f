"""Fixtures of the audio tests: real speech spoken by espeak-ng, short tones."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from keras_augment.audio import load_wav


@pytest.fixture(scope="session")
def speech(tmp_path_factory) -> tuple[np.ndarray, int]:
    """Real speech: ``(float32[time], sample_rate)`` decoded with tf.audio.decode_wav from a WAV
    file that espeak-ng speaks in the session (22.05 kHz, about 1.4 s)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng); speech tests need it")
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run([exe, "-w", str(path), "seven boats sail home"], check=True, timeout=60)
    audio, rate = load_wav(str(path))
    return audio[:, 0], rate
