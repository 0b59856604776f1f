"""Lossy compression: MP3 at a random bitrate, through the LAME encoder.

The clips leave the graph for the encoder and decoder (a bounded host call,
``tf.numpy_function``, whose output has the input's shape) and come back
aligned with the input: the encoder's fixed delay (1105 samples: LAME's 576
plus the 529 of the MP3 filter bank, which the decoder keeps) is cut and the
clip is cut or padded to its length. Encoding uses ``lameenc`` (LAME, from
PyPI) and decoding ``soundfile`` (libsndfile with mpg123, whose PyPI wheels
carry the library), both in memory; install them with
``pip install keras-augment[audio]``. Being a host call, ``Mp3Compression``
does not compile with XLA (``supports_jit = False``); in ``tf.data`` it runs
on the map's threads like any other op, holding the Python interpreter only
while it hands a batch over.
"""

from __future__ import annotations

import io

import numpy as np
import tensorflow as tf

from keras_augment.audio.base import WaveformAugmentation
from keras_augment.core.random import Sampler
from keras_augment.core.registry import register
from keras_augment.core.types import Range
from keras_augment.core.validation import check_number, parse_range

#: The MP3 sample rates (Hz) and the layer III bitrates (kbit/s) each allows: MPEG-1 at 32,
#: 44.1 and 48 kHz, MPEG-2 at half those rates, MPEG-2.5 at a quarter (as LAME encodes them).
_MPEG1 = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_MPEG2 = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
MP3_BITRATES = {
    **dict.fromkeys((32000, 44100, 48000), _MPEG1),
    **dict.fromkeys((16000, 22050, 24000), _MPEG2),
    **dict.fromkeys((8000, 11025, 12000), _MPEG2[:8]),
}
#: Samples between a sample's place in the input and in the decoded MP3 (LAME's encoder delay
#: of 576 plus the decoder's 529), whatever the rate and bitrate.
ENCODER_DELAY = 1105


def _codec_modules(layer: str):
    try:
        import lameenc
        import soundfile
    except ImportError as error:
        raise ImportError(
            f"{layer}: needs the `lameenc` (MP3 encoder) and `soundfile` (decoder) packages; "
            f"install them with `pip install keras-augment[audio]`. ({error})"
        ) from error
    return lameenc, soundfile


def mp3_roundtrip(clip: np.ndarray, sample_rate: int, bitrate: int, quality: int = 7) -> np.ndarray:
    """One clip ``float32[time, channels]`` encoded to MP3 at ``bitrate`` kbit/s and decoded.

    Samples are quantised to 16 bits for the encoder (non-finite samples
    become 0); a clip whose peak is above 1 is scaled down before and back up
    after. Mono and stereo clips are
    encoded as they are, clips of more channels channel by channel. Returns
    ``float32[time, channels]``, aligned with the input.
    """
    lameenc, soundfile = _codec_modules("Mp3Compression")
    length, channels = clip.shape
    if channels > 2:
        parts = [
            mp3_roundtrip(clip[:, c : c + 1], sample_rate, bitrate, quality)
            for c in range(channels)
        ]
        return np.concatenate(parts, axis=1)
    clip = np.where(np.isfinite(clip), clip, 0.0)  # NaN and inf have no 16-bit value
    peak = float(np.max(np.abs(clip))) if clip.size else 0.0
    scale = peak if peak > 1.0 else 1.0
    pcm = np.round(np.clip(clip / scale, -1.0, 1.0) * 32767.0).astype("<i2")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(int(bitrate))
    encoder.set_in_sample_rate(int(sample_rate))
    encoder.set_out_sample_rate(int(sample_rate))
    encoder.set_channels(channels)
    encoder.set_quality(int(quality))
    encoder.silence()
    data = encoder.encode(pcm.tobytes()) + encoder.flush()
    decoded, _ = soundfile.read(io.BytesIO(bytes(data)), dtype="float32", always_2d=True)
    out = np.zeros((length, channels), np.float32)
    kept = decoded[ENCODER_DELAY : ENCODER_DELAY + length]
    out[: len(kept)] = kept
    return out * scale


@register(
    example={"bitrate": (8.0, 32.0)},
    exempt={"xla": "the MP3 codec runs on the host (tf.numpy_function), outside XLA"},
)
class Mp3Compression(WaveformAugmentation):
    """Encodes each clip as MP3 at a random bitrate and decodes it: compression artefacts.

    For each clip a bitrate is drawn uniformly among the MP3 bitrates within
    ``bitrate`` that ``sample_rate`` allows (8-160 kbit/s at 16, 22.05 and
    24 kHz; 8-64 at 8, 11.025 and 12 kHz; 32-320 at 32, 44.1 and 48 kHz); the
    clip goes through LAME at that constant bitrate and back (see the module
    docstring). Low bitrates remove the high frequencies and smear
    transients, as a low-quality stream or voice message does.

    Not XLA-compilable (a host call). Needs ``lameenc`` and ``soundfile``
    (``pip install keras-augment[audio]``).

    Args:
        bitrate: ``(low, high)`` bitrate range in kbit/s; a number means that
            bitrate. At least one allowed bitrate must lie in it.
        sample_rate: Hz; one of the MP3 sample rates (8000, 11025, 12000,
            16000, 22050, 24000, 32000, 44100, 48000).
        quality: LAME's algorithm quality, 0 (best, slowest) to 9 (fastest).
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("sample_rate", "quality")
    config_ranges = ("bitrate",)

    def __init__(
        self,
        bitrate: Range = (8.0, 64.0),
        sample_rate: float = 16000,
        quality: int = 7,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        if sample_rate not in MP3_BITRATES or isinstance(sample_rate, bool):
            raise ValueError(
                f"{name}: `sample_rate` must be an MP3 sample rate, one of "
                f"{sorted(MP3_BITRATES)} Hz; got {sample_rate!r}."
            )
        self.sample_rate = int(sample_rate)
        self.bitrate = parse_range(name, "bitrate", bitrate, low=0.0, symmetric=False)
        allowed = MP3_BITRATES[self.sample_rate]
        self._bitrates = [b for b in allowed if self.bitrate[0] <= b <= self.bitrate[1]]
        if not self._bitrates:
            raise ValueError(
                f"{name}: no MP3 bitrate at {self.sample_rate} Hz lies within `bitrate` "
                f"{tuple(self.bitrate)}; expected a range holding one of {allowed} kbit/s."
            )
        self.quality = int(check_number(name, "quality", quality, low=0, high=9))
        if self.quality != quality:
            raise ValueError(f"{name}: `quality` must be an integer in [0, 9]; got {quality!r}.")
        _codec_modules(name)
        self.supports_jit = False

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        index = sampler.integers(0, len(self._bitrates))
        return {"bitrate": tf.gather(tf.constant(self._bitrates, tf.int32), index)}

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        def compress(batch, bitrates):
            out = [
                mp3_roundtrip(clip, self.sample_rate, rate, self.quality)
                for clip, rate in zip(batch, bitrates)
            ]
            return np.stack(out) if out else np.zeros_like(batch)

        out = tf.numpy_function(
            compress, [waves, params["bitrate"]], tf.float32, stateful=False, name="mp3"
        )
        out.set_shape(waves.shape)
        return out


__all__ = ["ENCODER_DELAY", "MP3_BITRATES", "Mp3Compression", "mp3_roundtrip"]
