"""The base classes of the audio layers.

Audio layers follow the conventions of the image layers
(:class:`keras_augment.core.base.BaseAugmentation`): a layer checks its
constructor arguments, draws per-sample parameters from a stateless per-call
seed (``get_params``) and applies them with a kernel (``transform``); this
module does the rest: the ``training`` switch, rank and dtype checks, single
clips, per-call seeds and serialization. They do not reuse the image base
class because its layout (``[batch, height, width, channels]``), its dtype
rules (integer images are fine there, integer PCM is not here) and its dict
targets do not fit sound.

Layouts:

* Waveform layers (:class:`WaveformAugmentation`) take float waveforms
  ``[batch, time]`` or ``[batch, time, channels]``, a single clip ``[time]``,
  or a rank-2 single clip ``[time, channels]`` (what ``load_wav`` returns).
  A rank-2 tensor is ambiguous. By default (``rank2_layout="auto"``) it is
  one clip ``[time, channels]`` when its static last axis has at most 8
  entries and the first axis more, and ``[batch, time]`` otherwise (also when
  the shape is not static); ``"batch_time"`` or ``"time_channels"`` fix the
  reading, and a shape that would be read implausibly (clips of at most 8
  samples, or a clip with more channels than samples) is refused. Internally every waveform is
  ``float32[batch, time, channels]``; parameters are drawn per clip and shared
  by its channels, so a stereo clip keeps its stereo image.
* Spectrogram layers (:class:`SpectrogramAugmentation`) take
  ``[batch, time, freq]`` or a single ``[time, freq]`` spectrogram (as from
  ``keras.layers.MelSpectrogram`` after transposing to time-major, or
  ``tf.signal.stft``).

Inputs must be floating point (``float16``, ``bfloat16``, ``float32``,
``float64``); integer PCM is refused rather than guessed at, since its scale
(``int16`` full scale is 32768) decides every level-dependent parameter.
Outputs have the input's shape and the layer's compute dtype (``float32``).
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable

import tensorflow as tf

from keras_augment.core import random as ka_random
from keras_augment.core.batch import check_dense
from keras_augment.core.layer import AugmentationLayer
from keras_augment.core.types import Range, Seed
from keras_augment.core.validation import check_choice, parse_range

RANK2_LAYOUTS = ("auto", "batch_time", "time_channels")
# More channels than this in a rank-2 input is not a [time, channels] clip (7.1
# surround has 8), and fewer samples than this is not a [batch, time] clip.
MAX_CHANNELS = 8


# Input layouts whose last axis is channels or frequency bins (kept static when a direct call
# is traced); in the others the last axis is time.
_LAYOUTS_WITH_CHANNELS = ("time_channels", "batch_time_channels", "single", "batch")


def _relaxed(tensor: tf.Tensor, static_last: bool) -> tf.TensorShape:
    rank = tensor.shape.rank
    if static_last:
        return tf.TensorShape([None] * (rank - 1) + [tensor.shape[-1]])
    return tf.TensorShape([None] * rank)


# The highest sample rate in use (768 kHz PCM); higher values are typos that would size
# filters, windows and impulse responses beyond memory.
MAX_SAMPLE_RATE = 768_000.0
# Speed and tempo factors: four octaves either way (PitchShift's +-48 semitones).
SPEED_LIMITS = (1.0 / 16.0, 16.0)


def check_sample_rate(layer: str, value: float) -> float:
    """A positive sample rate in Hz, at most ``MAX_SAMPLE_RATE``."""
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not 0 < value <= MAX_SAMPLE_RATE
    ):
        raise ValueError(
            f"{layer}: `sample_rate` must be a positive number of Hz up to "
            f"{MAX_SAMPLE_RATE:g}; got {value!r}."
        )
    return float(value)


def parse_speed_range(layer: str, name: str, value: Range) -> tuple[float, float]:
    """A ``(low, high)`` speed or tempo factor range within ``SPEED_LIMITS``."""
    low, high = SPEED_LIMITS
    return parse_range(layer, name, value, low=low, high=high, symmetric=False)


class AudioAugmentation(AugmentationLayer):
    """Shared machinery of the waveform and spectrogram layers (not used directly).

    Calling convention (the Keras one): ``training`` defaults to ``True`` when a
    layer is called directly, so ``layer(x)`` augments; inside a model Keras
    passes the model's mode, so ``fit`` augments and ``predict`` passes inputs
    through (cast to ``float32``).

    Args:
        seed: integer seed. Two layers built with the same seed produce the same
            sequence of augmentations. ``None`` draws one at random.
            In a parallel ``tf.data`` map the counter makes the draws distinct
            but not reproducible element by element (see ``BaseAugmentation``);
            ``keras_augment.data.augment(..., seed=...)`` is.
        batchwise: if true, one set of parameters is drawn per call and shared by
            the whole batch; by default every clip gets its own.
    """

    config_fields = ("batchwise",)

    layer_kind = "audio"
    # What the subclasses (waveform, spectrogram) call their input, for messages.
    _input_name = "audio"

    def __init__(self, seed: int | None = None, batchwise: bool = False, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.batchwise = bool(batchwise)

    # ----- what subclasses implement -------------------------------------

    def get_params(self, sampler: ka_random.Sampler, inputs: tf.Tensor) -> dict:
        """Draws this call's parameters (one entry per clip) for internal-layout ``inputs``."""
        return {}

    def transform(self, inputs: tf.Tensor, params: dict) -> tf.Tensor:
        """Applies ``params`` to float32 internal-layout ``inputs``."""
        raise NotImplementedError

    # ----- layout hooks (waveform / spectrogram) ---------------------------

    def _to_internal(self, inputs: tf.Tensor, layout: str | None = None):
        """``(internal-layout inputs, layout)``; ``layout`` forces a reading of the input."""
        raise NotImplementedError

    def _from_internal(self, outputs: tf.Tensor, layout) -> tf.Tensor:
        raise NotImplementedError

    def _rank_message(self, rank, shape) -> str:
        raise NotImplementedError

    _ranks: tuple[int, ...] = ()

    # ----- the machinery ---------------------------------------------------

    def _check_input(self, inputs) -> tf.Tensor:
        name = self.__class__.__name__
        check_dense(
            name,
            self._input_name,
            inputs,
            "a dense tensor",
            "Clips of different lengths cannot share one batch tensor: pad or crop them to "
            "one length before batching (e.g. .padded_batch()), or map this layer over "
            "single clips before .ragged_batch().",
        )
        inputs = tf.convert_to_tensor(inputs)
        dtype = inputs.dtype
        if dtype.is_integer:
            raise TypeError(
                f"{name}: expected floating-point {self._input_name}; got dtype {dtype.name}. "
                f"Integer PCM must be scaled first, e.g. tf.cast(x, tf.float32) / 32768.0 for "
                f"int16 (tf.audio.decode_wav already returns float32 in [-1, 1])."
            )
        if not dtype.is_floating:
            raise TypeError(
                f"{name}: expected floating-point {self._input_name}; got dtype {dtype.name}."
            )
        rank = inputs.shape.rank
        if rank not in self._ranks:
            raise ValueError(f"{name}: {self._rank_message(rank, inputs.shape)}")
        return inputs

    def draw_params(self, inputs: tf.Tensor, seed: tf.Tensor | None = None) -> dict:
        """Draws parameters for internal-layout ``inputs`` from ``seed`` (else the next seed)."""
        if seed is None:
            seed = ka_random.next_seed(self._seed_state)
        sampler = ka_random.Sampler(seed, tf.shape(inputs)[0], self.batchwise)
        return self.get_params(sampler, inputs)

    def augment(self, inputs: tf.Tensor, seed: tf.Tensor | None = None) -> tf.Tensor:
        """The training path on internal-layout float32 ``inputs``."""
        if seed is not None:
            seed = ka_random.check_seed(self.__class__.__name__, seed)
        params = self.draw_params(inputs, seed)
        return self.transform(inputs, params)

    def infer(self, inputs: tf.Tensor) -> tf.Tensor:
        """The inference path on internal-layout float32 ``inputs``: unchanged."""
        return inputs

    def prepare(self, inputs: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
        """``(float32 internal-layout inputs, restore)``; ``restore`` maps an output back.

        Checks the input as a call does; compositions use it to hold layers of this kind.
        """
        inputs = self._check_input(inputs)
        internal, layout = self._to_internal(inputs)
        dtype = self.compute_dtype

        def restore(outputs):
            outputs.set_shape(internal.shape)
            return tf.cast(self._from_internal(outputs, layout), dtype)

        return tf.cast(internal, tf.float32), restore

    def call(self, inputs: tf.Tensor, training: bool = True, seed: Seed = None) -> tf.Tensor:
        inputs = self._check_input(inputs)
        if 0 in inputs.shape:
            # No clips, no samples or no channels: nothing to augment (and the
            # kernels' framing and filtering need at least one sample).
            return tf.cast(inputs, self.compute_dtype)
        return self.switch(
            training,
            lambda: self._augment_input(inputs, seed),
            lambda: tf.cast(inputs, self.compute_dtype),
            lambda: self._traced_call(inputs, seed),
        )

    def _augment_input(self, inputs: tf.Tensor, seed=None, layout=None) -> tf.Tensor:
        """The training path on a checked input of any accepted layout."""
        internal, layout = self._to_internal(inputs, layout)
        internal = tf.cast(internal, tf.float32)
        out = self.augment(internal, seed)
        out.set_shape(internal.shape)
        return tf.cast(self._from_internal(out, layout), self.compute_dtype)

    def _traced_call(self, inputs, seed):
        # One function per layout, chosen here on the static shape (a relaxed trace
        # no longer sees it); within a layout, lengths and batch sizes vary without
        # retracing, while the channel (or frequency) axis stays known.
        layout = self._to_internal(inputs)[1]
        relax = functools.partial(_relaxed, static_last=layout in _LAYOUTS_WITH_CHANNELS)
        return self.traced(
            layout, lambda x, seed: self._augment_input(x, seed, layout), relax=relax
        )(inputs, seed)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)


class WaveformAugmentation(AudioAugmentation):
    """Base of the layers on float waveforms (see the module docstring for layouts).

    Subclasses implement ``get_params(sampler, waves)`` and
    ``transform(waves, params)`` on ``float32[batch, time, channels]``.

    Args:
        seed: integer seed, or ``None`` to draw one.
        batchwise: one set of parameters per call instead of one per clip.
        rank2_layout: how a rank-2 input is read: ``"auto"`` (default: one clip
            ``[time, channels]`` when the last axis has at most 8 entries and
            the first more, as from ``load_wav``; else a batch), ``"batch_time"``
            (a batch of mono clips) or ``"time_channels"`` (one multichannel
            clip).
    """

    config_fields = ("rank2_layout",)

    _input_name = "waveforms"
    supported_targets = ("waveforms",)
    _ranks = (1, 2, 3)

    def __init__(
        self,
        seed: int | None = None,
        batchwise: bool = False,
        rank2_layout: str = "auto",
        **kwargs,
    ):
        super().__init__(seed=seed, batchwise=batchwise, **kwargs)
        self.rank2_layout = check_choice(
            self.__class__.__name__, "rank2_layout", rank2_layout, RANK2_LAYOUTS
        )

    def _rank_message(self, rank, shape) -> str:
        return (
            f"expected waveforms of rank 1 ([time]), 2 ([batch, time] or [time, channels], "
            f"see rank2_layout) or 3 ([batch, time, channels]); got rank "
            f"{rank} with shape {shape}."
        )

    def _rank2_layout(self, shape: tf.TensorShape) -> str:
        """How this layer reads a rank-2 input of static ``shape`` (refusing implausible reads)."""
        first, last = shape
        layout = self.rank2_layout
        if layout == "auto":
            is_clip = last is not None and last <= MAX_CHANNELS and (first is None or first > last)
            layout = "time_channels" if is_clip else "batch_time"
        elif layout == "batch_time" and last is not None and last <= MAX_CHANNELS < (first or 0):
            raise ValueError(
                f"{self.__class__.__name__}: a rank-2 input of shape {shape} read as [batch, "
                f"time] is {first} clips of {last} samples each; this looks like one clip "
                f"[time, channels] (as load_wav returns). Build the layer with "
                f"rank2_layout='time_channels' (or 'auto'), or pass a batch [batch, time, "
                f"channels]."
            )
        elif layout == "time_channels" and None not in (first, last) and last > first:
            raise ValueError(
                f"{self.__class__.__name__}: a rank-2 input of shape {shape} read as [time, "
                f"channels] is one clip of {first} samples with {last} channels; this looks "
                f"like a batch [batch, time]. Build the layer with rank2_layout='batch_time' "
                f"(or 'auto')."
            )
        return layout

    def _to_internal(self, waves, layout=None):
        rank = waves.shape.rank
        if rank == 1:
            return tf.expand_dims(tf.expand_dims(waves, 0), 2), "time"
        if rank == 2:
            if (layout or self._rank2_layout(waves.shape)) == "batch_time":
                return tf.expand_dims(waves, 2), "batch_time"
            return tf.expand_dims(waves, 0), "time_channels"
        return waves, "batch_time_channels"

    def _from_internal(self, waves, layout):
        if layout == "time":
            return tf.squeeze(waves, [0, 2])
        if layout == "batch_time":
            return tf.squeeze(waves, 2)
        if layout == "time_channels":
            return tf.squeeze(waves, 0)
        return waves


class SpectrogramAugmentation(AudioAugmentation):
    """Base of the layers on spectrograms ``[batch, time, freq]`` or one ``[time, freq]``.

    Subclasses implement ``get_params(sampler, spectrograms)`` and
    ``transform(spectrograms, params)`` on ``float32[batch, time, freq]``.
    """

    _input_name = "spectrograms"
    supported_targets = ("spectrograms",)
    _ranks = (2, 3)

    def _rank_message(self, rank, shape) -> str:
        return (
            f"expected spectrograms of rank 3 ([batch, time, freq]) or 2 ([time, freq]); "
            f"got rank {rank} with shape {shape}."
        )

    def _to_internal(self, spectrograms, layout=None):
        if spectrograms.shape.rank == 2:
            return tf.expand_dims(spectrograms, 0), "single"
        return spectrograms, "batch"

    def _from_internal(self, spectrograms, layout):
        return tf.squeeze(spectrograms, 0) if layout == "single" else spectrograms
