"""Audio augmentation layers: waveforms and spectrograms.

Waveform layers take float waveforms ``[batch, time]``, ``[batch, time,
channels]`` or single clips (rank 1 ``[time]``, or rank 2 ``[time, channels]``
as ``load_wav`` returns; see ``rank2_layout`` for how a rank-2 input is read)
and return the input's shape. Spectrogram layers take ``[batch, time, freq]`` or ``[time, freq]``.
Every layer augments only when ``training`` is true (the default for direct
calls), draws its parameters per clip and works in ``tf.data`` maps; every
layer but ``Mp3Compression`` (a host call to the LAME encoder) compiles with XLA.
"""

from keras_augment.audio.base import (
    AudioAugmentation,
    SpectrogramAugmentation,
    WaveformAugmentation,
)
from keras_augment.audio.compression import Mp3Compression
from keras_augment.audio.distortion import ClippingDistortion, TanhDistortion
from keras_augment.audio.filters import (
    AirAbsorption,
    BandPassFilter,
    HighPassFilter,
    LowPassFilter,
    SevenBandParametricEQ,
)
from keras_augment.audio.io import load_wav
from keras_augment.audio.levels import LoudnessNormalization, Normalize, PeakNormalization
from keras_augment.audio.room import RoomSimulator
from keras_augment.audio.spectrogram import (
    FrequencyMasking,
    SpecAugment,
    TimeMasking,
    TimeWarp,
)
from keras_augment.audio.tempo import PitchShift, SpeedChange, TimeStretch
from keras_augment.audio.waveform import (
    AddBackgroundNoise,
    AddGaussianNoise,
    Gain,
    PolarityInversion,
    Reverb,
    TimeShift,
)

__all__ = [
    "AddBackgroundNoise",
    "AddGaussianNoise",
    "AirAbsorption",
    "AudioAugmentation",
    "BandPassFilter",
    "ClippingDistortion",
    "FrequencyMasking",
    "Gain",
    "HighPassFilter",
    "LoudnessNormalization",
    "LowPassFilter",
    "Mp3Compression",
    "Normalize",
    "PeakNormalization",
    "PitchShift",
    "PolarityInversion",
    "Reverb",
    "RoomSimulator",
    "SevenBandParametricEQ",
    "SpecAugment",
    "SpectrogramAugmentation",
    "SpeedChange",
    "TanhDistortion",
    "TimeMasking",
    "TimeShift",
    "TimeStretch",
    "TimeWarp",
    "WaveformAugmentation",
    "load_wav",
]
