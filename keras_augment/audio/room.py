"""Room simulation: a shoebox room of random size and absorption, by the image-source method.

The response of a rectangular room between a source and a microphone is the
sum of the direct sound and of its mirror images in the walls (Allen and
Berkley, 1979): image ``(nx, ny, nz)`` has gone through ``|nx| + |ny| + |nz|``
reflections, each multiplying its amplitude by ``sqrt(1 - absorption)``, and
arrives after its distance over the speed of sound (343 m/s) with amplitude
falling as 1 / distance. Every image up to ``max_order`` reflections is
placed at its fractional delay by linear interpolation between two samples,
with plain TensorFlow ops (a scatter), so the layer compiles with XLA. It is a
pure image-source model, as pyroomacoustics' ``ShoeBox`` without ray
tracing: there is no late diffuse tail beyond what the reflections up to
``max_order`` give, and absorption does not depend on frequency.

Unlike :class:`keras_augment.audio.Reverb` (a recorded or statistical
impulse response), the response here follows from the room's geometry: its
early reflections come at the times the room's size sets.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from keras_augment.audio import dsp
from keras_augment.audio.base import WaveformAugmentation, check_sample_rate
from keras_augment.core.random import Sampler
from keras_augment.core.registry import register
from keras_augment.core.types import Range
from keras_augment.core.validation import check_number, check_size, parse_range

SPEED_OF_SOUND = 343.0  # m/s, in air at 20 C
# Sources closer than this to the microphone are treated as this far (the 1 / distance law
# does not hold at the microphone itself).
MIN_DISTANCE = 0.1
# Reflection orders beyond this make responses of hundreds of thousands of images per clip.
MAX_ORDER = 40

# ----- kernels ---------------------------------------------------------------


def image_indices(max_order: int) -> np.ndarray:
    """Every image ``(nx, ny, nz)`` with ``|nx| + |ny| + |nz| <= max_order``: ``int32[K, 3]``."""
    span = np.arange(-max_order, max_order + 1)
    grid = np.stack(np.meshgrid(span, span, span, indexing="ij"), axis=-1).reshape(-1, 3)
    return grid[np.abs(grid).sum(axis=1) <= max_order].astype(np.int32)


def image_source_response(
    room: tf.Tensor,
    source: tf.Tensor,
    microphone: tf.Tensor,
    absorption: tf.Tensor,
    max_order: int,
    taps: int,
    sample_rate: float,
) -> tf.Tensor:
    """Impulse responses ``[batch, taps]`` of shoebox rooms by the image-source method.

    ``room`` (the sizes along x, y, z), ``source`` and ``microphone`` (positions
    inside ``[0, size]``) are ``float32[batch, 3]`` in metres; ``absorption``
    (``float32[batch]``) is the energy absorption coefficient of every surface.
    Image ``n`` lies at ``n * L + s`` along an axis for even ``n`` and at
    ``(n + 1) * L - s`` for odd ``n``; its amplitude is
    ``sqrt(1 - absorption) ** (|nx| + |ny| + |nz|) / (4 pi distance)``. Time
    0 is the arrival of the direct sound. Images arriving after ``taps``
    samples are left out. Unnormalised.
    """
    indices = image_indices(max_order)
    n = tf.constant(indices, tf.float32)[None]  # [1, K, 3]
    even = tf.constant(indices % 2 == 0)[None]
    order = tf.constant(np.abs(indices).sum(axis=1), tf.float32)[None]  # [1, K]
    size, s = room[:, None, :], source[:, None, :]
    images = tf.where(even, n * size + s, (n + 1.0) * size - s)  # [batch, K, 3]
    distance = tf.norm(images - microphone[:, None, :], axis=-1)
    direct = tf.norm(source - microphone, axis=-1)[:, None]
    reflection = tf.sqrt(1.0 - absorption)[:, None]
    amplitude = tf.pow(reflection, order) / (4.0 * math.pi * tf.maximum(distance, MIN_DISTANCE))
    delay = (distance - direct) * (float(sample_rate) / SPEED_OF_SOUND)
    first = tf.floor(delay)
    frac = delay - first
    first = tf.cast(first, tf.int32)
    inside = tf.cast(first + 1 < taps, tf.float32)
    position = tf.minimum(first, taps - 2)
    batch = tf.shape(room)[0]
    clip = tf.broadcast_to(tf.range(batch)[:, None], tf.shape(position))
    index = tf.stack(
        [tf.concat([clip, clip], axis=1), tf.concat([position, position + 1], axis=1)], axis=-1
    )
    weight = tf.concat([amplitude * (1.0 - frac), amplitude * frac], axis=1)
    weight *= tf.concat([inside, inside], axis=1)
    return tf.scatter_nd(index, weight, tf.stack([batch, taps]))


# ----- layer -----------------------------------------------------------------


@register(example={"absorption": (0.1, 0.4), "max_order": 6})
class RoomSimulator(WaveformAugmentation):
    """Plays each clip in a random shoebox room: early reflections by the image-source method.

    For each clip the room's length, width and height, the absorption of its
    surfaces, and the positions of the source and the microphone (uniformly
    inside the room, at least ``padding`` from every wall) are drawn; the
    clip is convolved with the room's impulse response (see the module
    docstring) scaled to unit energy, so the output's level stays near the
    input's. Time 0 of the response is the direct sound's arrival: the clip
    is not delayed. The output is cut to the input's length. All channels
    get the same response.

    Args:
        length, width, height: ``(low, high)`` room sizes in metres, each
            within ``[2 * padding + 0.1, 100]``.
        absorption: ``(low, high)`` energy absorption coefficient of the
            walls, floor and ceiling, within ``(0, 1]`` (0.05: bare concrete,
            0.3: a furnished room, 0.8: a studio).
        max_order: highest number of reflections simulated (1 to 40); the
            response lasts until the farthest such image of the largest room
            arrives. Images grow as its cube: 6 gives 377 per clip, 12 2,625.
        padding: least distance in metres between the source or microphone
            and a wall.
        sample_rate: Hz.
        seed, batchwise, rank2_layout: see :class:`WaveformAugmentation`.
    """

    config_fields = ("max_order", "padding", "sample_rate")
    config_ranges = ("length", "width", "height", "absorption")

    def __init__(
        self,
        length: Range = (3.6, 5.6),
        width: Range = (3.6, 3.9),
        height: Range = (2.4, 3.0),
        absorption: Range = (0.075, 0.4),
        max_order: int = 8,
        padding: float = 0.3,
        sample_rate: float = 16000,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = self.__class__.__name__
        self.sample_rate = check_sample_rate(name, sample_rate)
        self.padding = check_number(name, "padding", padding, low=0.0, high=10.0)
        smallest = 2.0 * self.padding + 0.1

        def size(argument, value):
            return parse_range(name, argument, value, low=smallest, high=100.0, symmetric=False)

        self.length = size("length", length)
        self.width = size("width", width)
        self.height = size("height", height)
        self.absorption = parse_range(
            name, "absorption", absorption, low=0.0, low_inclusive=False, high=1.0, symmetric=False
        )
        self.max_order = check_size(name, "max_order", max_order)
        if self.max_order > MAX_ORDER:
            raise ValueError(f"{name}: `max_order` must be at most {MAX_ORDER}; got {max_order!r}.")
        largest = max(self.length[1], self.width[1], self.height[1])
        reach = (self.max_order + 1) * largest / SPEED_OF_SOUND
        self._taps = int(math.ceil(reach * self.sample_rate)) + 2

    def get_params(self, sampler: Sampler, waves: tf.Tensor) -> dict:
        room = tf.stack(
            [sampler.uniform(*r) for r in (self.length, self.width, self.height)], axis=1
        )
        inner = room - 2.0 * self.padding
        source = self.padding + sampler.uniform(0.0, 1.0, extra_shape=(3,)) * inner
        microphone = self.padding + sampler.uniform(0.0, 1.0, extra_shape=(3,)) * inner
        return {
            "room": room,
            "source": source,
            "microphone": microphone,
            "absorption": sampler.uniform(*self.absorption),
        }

    def responses(self, params: dict) -> tf.Tensor:
        """The unit-energy impulse responses ``[batch, taps]`` that ``params`` describe."""
        response = image_source_response(
            params["room"],
            params["source"],
            params["microphone"],
            params["absorption"],
            self.max_order,
            self._taps,
            self.sample_rate,
        )
        energy = tf.sqrt(tf.reduce_sum(tf.square(response), axis=1, keepdims=True))
        return response / energy

    def transform(self, waves: tf.Tensor, params: dict) -> tf.Tensor:
        return dsp.convolve(waves, self.responses(params))


__all__ = ["RoomSimulator", "image_indices", "image_source_response"]
