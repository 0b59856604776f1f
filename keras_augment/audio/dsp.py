"""Signal-processing kernels shared by the audio layers.

Plain functions of float32 waveforms ``[batch, time, channels]`` and
per-clip parameters ``float32[batch]``; every one is written with ops that XLA
compiles (FFTs of static length, gathers, cumulative sums), so the layers that
call them can declare ``supports_jit = True``. Lengths must be static for XLA;
outside XLA a dynamic length works too.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import tensorflow as tf

from keras_augment.core.compiled import in_xla_context, static_or_dynamic_length

# ----- small helpers ---------------------------------------------------------


def next_power_of_two(n: int | tf.Tensor) -> int | tf.Tensor:
    if isinstance(n, int):
        return 1 << max(0, (n - 1).bit_length())
    exponent = tf.math.ceil(tf.math.log(tf.cast(n, tf.float32)) / math.log(2.0))
    return tf.cast(2.0**exponent, tf.int32)


def fast_fft_length(n: int | tf.Tensor) -> int | tf.Tensor:
    """The smallest length >= ``n`` whose only prime factors are 2, 3 and 5 (fast FFT sizes,
    often much shorter than the next power of two); a power of two for dynamic ``n``."""
    if not isinstance(n, int):
        return next_power_of_two(n)
    best = next_power_of_two(n)
    five = 1
    while five < best:
        three = five
        while three < best:
            size = three
            while size < n:
                size *= 2
            best = min(best, size)
            three *= 3
        five *= 5
    return best


def root_mean_square(x: tf.Tensor, axis: int | list[int], keepdims: bool = False) -> tf.Tensor:
    """``sqrt(mean(x ** 2))`` over ``axis``: one reduction op (EuclideanNorm) on the CPU
    kernels, where squaring first would cost a pass; square, mean and root under XLA (which
    has no EuclideanNorm kernel and fuses the three)."""
    if in_xla_context():
        return tf.sqrt(tf.reduce_mean(tf.square(x), axis=axis, keepdims=keepdims))
    shape = tf.shape(x)
    count = tf.reduce_prod(tf.gather(shape, [a % x.shape.rank for a in _axes(axis)]))
    norm = tf.math.reduce_euclidean_norm(x, axis=axis, keepdims=keepdims)
    return norm * tf.math.rsqrt(tf.cast(count, x.dtype))


def _axes(axis) -> list[int]:
    return list(axis) if isinstance(axis, (list, tuple)) else [axis]


def rms(waves: tf.Tensor) -> tf.Tensor:
    """Root mean square of each clip over time and channels: ``float32[batch]``."""
    return root_mean_square(waves, axis=[1, 2])


def db_to_amplitude(db: tf.Tensor) -> tf.Tensor:
    return tf.pow(10.0, db / 20.0)


def _per_clip(values: tf.Tensor, rank: int) -> tf.Tensor:
    """Reshapes ``[batch]`` to ``[batch, 1, ...]`` for broadcasting against rank ``rank``."""
    return tf.reshape(values, [-1] + [1] * (rank - 1))


# ----- frequency-domain filtering ------------------------------------------


def frequency_response(
    waves: tf.Tensor,
    gain_fn: Callable[[tf.Tensor], tf.Tensor],
    sample_rate: float,
    margin: int | tf.Tensor | None = None,
) -> tf.Tensor:
    """Multiplies each clip's spectrum by a real, per-clip gain (a zero-phase filter).

    ``gain_fn(freqs_hz)`` receives the bin frequencies ``float32[bins]`` and
    returns gains ``float32[batch, bins]``. The clip is padded with at least
    ``margin`` zeros (default: its own length) before the FFT, so the
    filter's (symmetric) impulse response, if shorter than the margin, does
    not wrap from one end to the other. Returns waveforms of the input's shape.
    """
    length = static_or_dynamic_length(waves)
    n_fft = fast_fft_length(length + (length if margin is None else margin))
    signal = tf.transpose(waves, [0, 2, 1])  # FFTs run on the last axis
    spectrum = tf.signal.rfft(signal, fft_length=[n_fft])
    bins = tf.shape(spectrum)[-1] if not isinstance(n_fft, int) else n_fft // 2 + 1
    freqs = tf.range(bins, dtype=tf.float32) * (float(sample_rate) / tf.cast(n_fft, tf.float32))
    gains = tf.cast(gain_fn(freqs), tf.complex64)[:, None, :]
    filtered = tf.signal.irfft(spectrum * gains, fft_length=[n_fft])[..., :length]
    return tf.transpose(filtered, [0, 2, 1])


def butterworth_lowpass_gain(freqs: tf.Tensor, cutoff: tf.Tensor, order: int) -> tf.Tensor:
    """|H| of an ``order``-th order Butterworth low-pass: ``[batch, bins]``, -3 dB at ``cutoff``."""
    ratio = freqs[None, :] / cutoff[:, None]
    return tf.math.rsqrt(1.0 + tf.pow(ratio, 2.0 * order))


def butterworth_highpass_gain(freqs: tf.Tensor, cutoff: tf.Tensor, order: int) -> tf.Tensor:
    """|H| of an ``order``-th order Butterworth high-pass: ``[batch, bins]``, -3 dB at ``cutoff``."""
    ratio = cutoff[:, None] / tf.maximum(freqs[None, :], 1e-3)
    return tf.math.rsqrt(1.0 + tf.pow(ratio, 2.0 * order))


def biquad_magnitude(freqs: tf.Tensor, b, a, sample_rate: float) -> tf.Tensor:
    """``|H(e^{jw})|`` of the biquad ``b / a`` at ``freqs`` (Hz).

    ``b`` and ``a`` are three coefficients each: Python numbers, or tensors
    ``[batch]`` for one filter per clip (then the result is ``[batch, bins]``).
    """
    w = 2.0 * math.pi * freqs / float(sample_rate)
    cos1, sin1, cos2, sin2 = tf.cos(w), tf.sin(w), tf.cos(2.0 * w), tf.sin(2.0 * w)

    def power(c):
        c = [tf.convert_to_tensor(v, tf.float32) for v in c]
        c = [v[..., None] if v.shape.rank else v for v in c]
        real = c[0] + c[1] * cos1 + c[2] * cos2
        imag = c[1] * sin1 + c[2] * sin2
        return real * real + imag * imag

    return tf.sqrt(power(b) / power(a))


def lowpass(
    waves: tf.Tensor, cutoff_hz: tf.Tensor, sample_rate: float, order: int = 4
) -> tf.Tensor:
    """Zero-phase Butterworth-magnitude low-pass with a per-clip cut-off (Hz)."""
    return frequency_response(
        waves, lambda f: butterworth_lowpass_gain(f, cutoff_hz, order), sample_rate
    )


def highpass(
    waves: tf.Tensor, cutoff_hz: tf.Tensor, sample_rate: float, order: int = 4
) -> tf.Tensor:
    """Zero-phase Butterworth-magnitude high-pass with a per-clip cut-off (Hz)."""
    return frequency_response(
        waves, lambda f: butterworth_highpass_gain(f, cutoff_hz, order), sample_rate
    )


def bandpass(
    waves: tf.Tensor, low_hz: tf.Tensor, high_hz: tf.Tensor, sample_rate: float, order: int = 4
) -> tf.Tensor:
    """A high-pass at ``low_hz`` times a low-pass at ``high_hz`` (per-clip edges, Hz)."""

    def gain(f):
        return butterworth_highpass_gain(f, low_hz, order) * butterworth_lowpass_gain(
            f, high_hz, order
        )

    return frequency_response(waves, gain, sample_rate)


# ----- noise ---------------------------------------------------------------

NOISE_EXPONENTS = {"white": 0.0, "pink": 1.0, "brown": 2.0}


def shape_noise(white: tf.Tensor, color: str) -> tf.Tensor:
    """Filters white noise ``[batch, time, channels]`` to a 1/f^a power spectrum (unscaled).

    ``color`` is ``"white"`` (a = 0: returned as it is), ``"pink"`` (a = 1) or
    ``"brown"`` (a = 2); the DC bin is removed for coloured noise.
    """
    exponent = NOISE_EXPONENTS[color]
    if not exponent:
        return white
    length = static_or_dynamic_length(white)
    signal = tf.transpose(white, [0, 2, 1])
    spectrum = tf.signal.rfft(signal, fft_length=[length])
    bins = tf.shape(spectrum)[-1]
    k = tf.range(bins, dtype=tf.float32)
    gain = tf.where(k > 0, tf.pow(tf.maximum(k, 1.0), -exponent / 2.0), 0.0)
    noise = tf.signal.irfft(spectrum * tf.cast(gain, tf.complex64), fft_length=[length])
    return tf.transpose(noise, [0, 2, 1])


def _channel_rms(noise: tf.Tensor) -> tf.Tensor:
    """RMS over time of each clip and channel, ``[batch, 1, channels]``, floored at 1e-12."""
    # Mono: the same numbers over time and channel, a reduction Eigen does several times faster
    # than one over a middle axis.
    axis = [1, 2] if noise.shape[2] == 1 else 1
    return tf.maximum(root_mean_square(noise, axis=axis, keepdims=True), 1e-12)


def add_scaled_noise(
    waves: tf.Tensor,
    noise: tf.Tensor,
    level: tf.Tensor | None = None,
    snr_db: tf.Tensor | None = None,
) -> tf.Tensor:
    """Adds ``noise`` rescaled, per clip and channel, to RMS ``level`` (``float32[batch]``).

    With ``snr_db`` (``float32[batch]``) instead of ``level``, the level is
    ``rms(clip) / 10 ** (snr_db / 20)``: the clip's signal-to-noise ratio is
    then ``snr_db`` (a silent clip gets no noise). The same result as
    normalising the noise to RMS 1 per clip and channel and then calling
    :func:`mix_at_snr`, in two passes fewer: the normalisation and the SNR
    scale are one multiplication.
    """
    if snr_db is not None:
        level = rms(waves) / db_to_amplitude(snr_db)
    scale = _per_clip(level, 3) / _channel_rms(noise)
    return waves + scale * noise


def mix_at_snr(waves: tf.Tensor, noise: tf.Tensor, snr_db: tf.Tensor) -> tf.Tensor:
    """Adds ``noise`` scaled so that each clip's signal-to-noise ratio is ``snr_db``.

    SNR is 20 log10(rms(signal) / rms(noise)) over the whole clip (all
    channels). A silent clip gets no noise; a silent noise excerpt adds none.
    """
    target = rms(waves) / db_to_amplitude(snr_db)
    scale = tf.math.divide_no_nan(target, rms(noise))
    return waves + _per_clip(scale, 3) * noise


# ----- resampling and time scaling -----------------------------------------


def antialias_cutoff(factor: tf.Tensor) -> tf.Tensor:
    """Low-pass cut-off (cycles per sample) before reading a clip ``factor`` times faster:
    0.9 x the new Nyquist frequency when ``factor > 1``, none (far above Nyquist) otherwise."""
    return tf.where(factor > 1.0, 0.45 / factor, 5.0)


def resample_linear(
    waves: tf.Tensor, factor: tf.Tensor, out_length: int | tf.Tensor, antialias: bool = True
) -> tf.Tensor:
    """Reads each clip at ``factor`` times normal speed: ``out[t] = in[t * factor]``.

    Linear interpolation between samples; positions past the clip's end give
    zeros. With ``antialias`` (the default) and ``factor > 1`` the clip is first
    low-passed at 0.9 x ``1 / factor`` of its Nyquist frequency so that the
    faster playback does not alias; pass ``antialias=False`` for clips already
    band-limited. Returns ``[batch, out_length, channels]``.
    """
    length = static_or_dynamic_length(waves)
    if antialias:
        # Order 8 (about 48 dB per octave). Its impulse response is short (cut-off near
        # Nyquist), so a 1024-sample margin suffices.
        cutoff = antialias_cutoff(factor)
        waves = frequency_response(
            waves, lambda f: butterworth_lowpass_gain(f, cutoff, 8), 1.0, margin=1024
        )
    if isinstance(length, int) and length >= 2 and not in_xla_context():
        # The same interpolation by tf.image.crop_and_resize (a [batch, 1, time, channels]
        # image, one box per clip spanning input positions 0 .. (out_length - 1) * factor);
        # positions past the end take the extrapolation value, 0.
        span = tf.cast(out_length - 1, tf.float32) * factor / float(length - 1)
        zero = tf.zeros_like(factor)
        boxes = tf.stack([zero, zero, zero, span], axis=1)
        clips = tf.range(tf.shape(waves)[0])
        size = tf.stack([1, out_length])
        out = tf.image.crop_and_resize(waves[:, None], boxes, clips, size, extrapolation_value=0.0)
        return out[:, 0]
    t = tf.range(out_length, dtype=tf.float32)
    position = t[None, :] * factor[:, None]
    left = tf.floor(position)
    frac = (position - left)[:, :, None]
    last = tf.cast(length, tf.int32) - 1
    left = tf.clip_by_value(tf.cast(left, tf.int32), 0, last)
    # Each sample beside its successor, so one gather reads both interpolation ends.
    pairs = tf.concat([waves, tf.concat([waves[:, 1:], waves[:, -1:]], axis=1)], axis=2)
    both = tf.gather(pairs, left, axis=1, batch_dims=1)
    channels = tf.shape(waves)[2]
    x0, x1 = both[..., :channels], both[..., channels:]
    out = x0 + frac * (x1 - x0)
    inside = tf.cast(position <= tf.cast(last, tf.float32), out.dtype)[:, :, None]
    return out * inside


def default_frame_length(sample_rate: float) -> int:
    """The FFT frame used for time scaling: the power of two nearest 32 ms (512 at 16 kHz)."""
    samples = max(16.0, 0.032 * sample_rate)
    return 1 << round(math.log2(samples))


def _overlap_add(frames: tf.Tensor, hop: int) -> tf.Tensor:
    """Overlap-adds ``[..., count, frame_length]`` frames at ``hop`` (``frame_length / hop`` an
    integer): a few shifted additions instead of ``tf.signal.overlap_and_add``'s scatter."""
    frame_length = frames.shape[-1]
    parts = frame_length // hop
    shape = tf.shape(frames)
    chunks = tf.reshape(frames, tf.concat([shape[:-1], [parts, hop]], axis=0))
    rank = len(frames.shape)
    total = None
    for r in range(parts):
        piece = chunks[..., r, :]  # [..., count, hop], lands r hops after its frame start
        padding = [[0, 0]] * (rank - 2) + [[r, parts - 1 - r], [0, 0]]
        piece = tf.pad(piece, padding)
        total = piece if total is None else total + piece
    out_shape = tf.concat([shape[:-2], [-1]], axis=0)
    return tf.reshape(total, out_shape)


def _strictly_lower(size) -> tf.Tensor:
    """``[size, size]`` with ones below the diagonal: ``M @ v`` is an exclusive cumulative sum
    (a matrix product, much faster than ``tf.cumsum`` along a middle axis on CPU)."""
    ones = tf.ones(tf.stack([size, size]), tf.float32)
    return ones - tf.linalg.band_part(ones, 0, -1)


def phase_vocoder(
    waves: tf.Tensor,
    rate: tf.Tensor,
    out_length: int | tf.Tensor,
    frame_length: int = 512,
    lowpass_cutoff: tf.Tensor | None = None,
) -> tf.Tensor:
    """Changes each clip's tempo by ``rate`` (> 1 faster) and keeps its pitch.

    A phase vocoder on ``tf.signal.stft`` (Hann window, hop a quarter frame):
    output frame ``j`` takes the magnitude interpolated at input frame
    ``j * rate`` and a phase advanced, frame after frame, by the phase
    difference between input frames ``floor(j * rate)`` and the next one (the
    measured instantaneous frequency of each bin; measured on the sum of the
    channels and shared by all of them, so the stereo image is kept), then the
    frames are overlap-added. The content of a clip of ``T`` samples lasts
    ``T / rate`` samples; the output has ``out_length`` samples, cut or padded
    with zeros at the end. Returns ``[batch, out_length, channels]``.

    ``lowpass_cutoff`` (``float32[batch]``, cycles per sample) optionally
    applies the order-8 Butterworth magnitude of :func:`resample_linear`'s
    anti-aliasing filter to every synthesised frame: the filter for free,
    where a separate one would cost two FFTs of the whole clip.
    """
    hop = frame_length // 4
    lead = frame_length - hop  # so the first real sample is covered by a full overlap
    signal = tf.transpose(waves, [0, 2, 1])
    signal = tf.pad(signal, [[0, 0], [0, 0], [lead, frame_length]])
    window = tf.signal.hann_window
    stft = tf.signal.stft(signal, frame_length, hop, fft_length=frame_length, window_fn=window)
    frames = static_or_dynamic_length(stft, axis=2)
    # Enough output frames that the last kept sample still gets the full overlap of
    # frame_length / hop frames (the first `lead` samples are cut for the same reason).
    if isinstance(out_length, int):
        out_frames = -(-(out_length + lead) // hop) + 1
    else:
        needed = tf.cast(out_length + lead, tf.float32)
        out_frames = tf.cast(tf.math.ceil(needed / hop), tf.int32) + 1

    position = tf.range(out_frames, dtype=tf.float32)[None, :] * rate[:, None]  # [batch, out]
    first = tf.floor(position)
    alpha = (position - first)[:, None, :, None]
    first = tf.cast(first, tf.int32)
    valid = first < tf.cast(frames, tf.int32) - 1
    first = tf.clip_by_value(first, 0, tf.cast(frames, tf.int32) - 2)

    # Real and imaginary parts once: the magnitude as sqrt(re^2 + im^2) (tf.abs on complex is
    # several times slower on CPU) and the phases through atan2 (so is tf.math.angle).
    real, imag = tf.math.real(stft), tf.math.imag(stft)
    magnitude = tf.sqrt(real * real + imag * imag)
    if waves.shape[2] == 1:  # mono: the sum of the channels is the channel
        mid_real, mid_imag = real, imag
    else:
        mid_real = tf.reduce_sum(real, axis=1, keepdims=True)
        mid_imag = tf.reduce_sum(imag, axis=1, keepdims=True)
    mid_phase = tf.math.atan2(mid_imag, mid_real)
    # Only cos/sin of the accumulated phase are used, so the advances need no unwrapping.
    advance = mid_phase[:, :, 1:] - mid_phase[:, :, :-1]
    this = tf.gather(magnitude, first, axis=2, batch_dims=1)  # [batch, channels, out, bins]
    after = tf.gather(magnitude, first + 1, axis=2, batch_dims=1)
    steps = tf.gather(advance, first, axis=2, batch_dims=1)  # [batch, 1, out, bins]
    magnitude = ((1.0 - alpha) * this + alpha * after) * tf.cast(valid, tf.float32)[
        :, None, :, None
    ]
    if lowpass_cutoff is not None:
        bins = tf.range(frame_length // 2 + 1, dtype=tf.float32) / float(frame_length)
        gain = butterworth_lowpass_gain(bins, lowpass_cutoff, 8)  # [batch, bins]
        magnitude = magnitude * gain[:, None, None, :]
    start = tf.math.atan2(imag[:, :, :1], real[:, :, :1])
    if isinstance(out_frames, int) and out_frames <= 1024:
        # (a broadcast matmul: faster than the same einsum on CPU)
        accumulated = tf.linalg.matmul(_strictly_lower(out_frames), steps)
    else:  # long clips: a triangular matrix would be too large
        accumulated = tf.cumsum(steps, axis=2, exclusive=True)
    phase = start + accumulated
    spectra = tf.complex(magnitude * tf.cos(phase), magnitude * tf.sin(phase))
    synthesis = tf.signal.inverse_stft_window_fn(hop, forward_window_fn=window)(
        frame_length, tf.float32
    )
    out = _overlap_add(tf.signal.irfft(spectra, fft_length=[frame_length]) * synthesis, hop)
    out = out[..., lead:]
    have = static_or_dynamic_length(out, axis=2)
    if isinstance(have, int) and isinstance(out_length, int):
        out = tf.pad(out, [[0, 0], [0, 0], [0, max(0, out_length - have)]])
    else:
        out = tf.pad(out, [[0, 0], [0, 0], [0, tf.maximum(0, out_length - have)]])
    out = out[..., :out_length]
    return tf.transpose(out, [0, 2, 1])


def pitch_shift(
    waves: tf.Tensor, semitones: tf.Tensor, max_semitones: float, frame_length: int = 512
) -> tf.Tensor:
    """Moves each clip's pitch by ``semitones`` (per clip) and keeps its duration.

    Stretches the clip by ``2 ** (semitones / 12)`` with the phase vocoder
    (pitch kept, content longer when shifting up) and then reads it back
    ``2 ** (semitones / 12)`` times faster by resampling (duration restored,
    pitch moved). ``max_semitones`` (static) bounds the intermediate length.
    """
    length = static_or_dynamic_length(waves)
    factor = tf.pow(2.0, semitones / 12.0)
    growth = 2.0 ** (max(max_semitones, 0.0) / 12.0)
    if isinstance(length, int):
        middle = int(math.ceil(length * growth)) + 2
    else:
        middle = tf.cast(tf.math.ceil(tf.cast(length, tf.float32) * growth), tf.int32) + 2
    # The anti-aliasing low-pass of the resampling is applied to the vocoder's frames.
    stretched = phase_vocoder(
        waves, 1.0 / factor, middle, frame_length, lowpass_cutoff=antialias_cutoff(factor)
    )
    return resample_linear(stretched, factor, length, antialias=False)


# ----- convolution ---------------------------------------------------------


def convolve(waves: tf.Tensor, responses: tf.Tensor) -> tf.Tensor:
    """Convolves each clip with its own impulse response, keeping the clip's length.

    ``responses`` is ``float32[batch, taps]`` (one response per clip, shared
    by its channels). Linear (not circular) convolution through FFTs; the
    reverberant tail past the clip's end is cut.
    """
    length = static_or_dynamic_length(waves)
    taps = static_or_dynamic_length(responses)
    n_fft = fast_fft_length(length + taps - 1)
    signal = tf.transpose(waves, [0, 2, 1])
    spectrum = tf.signal.rfft(signal, fft_length=[n_fft])
    response = tf.signal.rfft(responses, fft_length=[n_fft])[:, None, :]
    out = tf.signal.irfft(spectrum * response, fft_length=[n_fft])[..., :length]
    return tf.transpose(out, [0, 2, 1])


def synthetic_room_response(
    noise: tf.Tensor, rt60: tf.Tensor, sample_rate: float, direct: float = 1.0
) -> tf.Tensor:
    """Room impulse responses ``[batch, taps]`` from white ``noise`` ``[batch, taps]``.

    A direct-path impulse at t = 0 followed by an exponentially decaying
    noise tail whose energy falls by 60 dB after ``rt60`` seconds (per clip);
    each response is scaled to unit energy, so the output level stays close
    to the input's.
    """
    taps = static_or_dynamic_length(noise)
    t = tf.range(taps, dtype=tf.float32)[None, :] / float(sample_rate)
    # Amplitude falls 60 dB (a factor 1000) over rt60: exp(-ln(1000) t / rt60).
    envelope = tf.exp(-math.log(1000.0) * t / rt60[:, None])
    tail = noise * envelope * tf.cast(t > 0, tf.float32)
    impulse = tf.one_hot(tf.zeros_like(rt60, tf.int32), taps, on_value=direct)
    response = impulse + 0.1 * tail
    energy = tf.sqrt(tf.reduce_sum(tf.square(response), axis=1, keepdims=True))
    return response / energy


# ----- levels and order statistics -------------------------------------------


def _sortable_keys(values: tf.Tensor) -> tf.Tensor:
    """int32 keys ordered as the float32 ``values`` are (the bits, negatives reversed)."""
    bits = tf.bitcast(values, tf.int32)
    return tf.where(bits < 0, tf.bitwise.bitwise_xor(bits, 0x7FFFFFFF), bits)


def order_statistic(values: tf.Tensor, rank: tf.Tensor) -> tf.Tensor:
    """The ``rank``-th smallest (0-based, ``int32[batch]``) of each row of ``values`` ``[batch, n]``.

    Exact, without sorting: a binary search over the 2**32 float32 bit patterns, each of its 32
    steps one count of the row's values below a bound (several times faster than ``tf.sort``
    on the CPU kernels, and plain compare-and-sum under XLA).
    """
    keys = _sortable_keys(values)
    low = tf.fill(tf.shape(rank), tf.constant(-(2**31), tf.int64))
    high = tf.fill(tf.shape(rank), tf.constant(2**31 - 1, tf.int64))
    for _ in range(32):
        middle = (low + high) // 2
        count = tf.reduce_sum(tf.cast(keys <= tf.cast(middle, tf.int32)[:, None], tf.int32), 1)
        enough = count > rank
        high = tf.where(enough, middle, high)
        low = tf.where(enough, low, middle + 1)
    key = tf.cast(low, tf.int32)
    return tf.bitcast(tf.where(key < 0, tf.bitwise.bitwise_xor(key, 0x7FFFFFFF), key), tf.float32)


def percentile(values: tf.Tensor, q: tf.Tensor) -> tf.Tensor:
    """The ``q``-th percentile (``float32[batch]``, in ``[0, 100]``) of each row of ``values``
    ``[batch, n]``: linear interpolation between the two nearest ranks (NumPy's default)."""
    last = tf.cast(tf.shape(values)[1] - 1, tf.float32)
    position = tf.clip_by_value(q, 0.0, 100.0) / 100.0 * last
    below = tf.floor(position)
    frac = position - below
    rank = tf.cast(below, tf.int32)
    low = order_statistic(values, rank)
    # The next rank: the same value if it repeats, else the smallest value above it.
    keys, low_key = _sortable_keys(values), _sortable_keys(low)[:, None]
    repeats = tf.reduce_sum(tf.cast(keys <= low_key, tf.int32), axis=1) > rank + 1
    above = tf.reduce_min(tf.where(keys > low_key, values, values.dtype.max), axis=1)
    high = tf.where(repeats | (frac <= 0.0), low, above)
    return low + frac * (high - low)


def clip_samples(waves: tf.Tensor) -> tf.Tensor:
    """Every sample of each clip (all channels) in one row: ``[batch, time * channels]``."""
    return tf.reshape(waves, [tf.shape(waves)[0], -1])


def peak(waves: tf.Tensor) -> tf.Tensor:
    """The largest absolute sample of each clip over time and channels: ``float32[batch]``."""
    return tf.reduce_max(tf.abs(waves), axis=[1, 2])
