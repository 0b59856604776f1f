"""Per-call seeds and per-sample parameter sampling.

Every augmentation layer owns a small counter variable (``SeedState``). Each
call reads and advances it in one atomic op (``RngReadAndSkip``), so calls
racing inside a parallel ``tf.data`` map never share a seed, and the op has an
XLA kernel, so the same code runs inside ``jit_compile=True`` functions. All
parameters are then drawn with ``tf.random.stateless_*`` from that per-call
seed. The counter is a ``tf.Variable`` under every Keras backend, so the
layers run inside ``tf.data`` under JAX and PyTorch too.
"""

from __future__ import annotations

import math
import numbers
import random as _py_random

import keras
import numpy as np
import tensorflow as tf

_PHILOX = 1  # tf.random.Algorithm.PHILOX


def default_seed() -> int:
    """A fresh seed for layers built with ``seed=None`` (drawn at construction, never on the data path)."""
    return _py_random.SystemRandom().randrange(1, 2**31 - 1)


class SeedState:
    """A layer's ``int64[3]`` seed state ``[counter, 0, key]`` and its atomic advance.

    The state is a non-trainable Keras weight named ``seed_state``, so it is
    saved in ``.keras`` files and listed in ``layer.weights`` under every
    backend. Under the TensorFlow backend that weight is itself a
    ``tf.Variable`` and is advanced in place. Under JAX and PyTorch the weight
    is a JAX array or a torch tensor, which TensorFlow ops cannot advance; the
    live counter is then a plain ``tf.Variable`` owned by this object (outside
    Keras' tracking, created eagerly even when the layer is built inside a
    ``tf.data`` function), and the Keras weight is its saved copy: the layer
    bases copy it out before saving and back in after loading
    (``sync_to_weight`` / ``sync_from_weight``).
    """

    def __init__(self, layer: keras.layers.Layer, key: int):
        self.weight = layer.add_weight(
            shape=(3,),
            dtype=_weight_dtype(),
            initializer=keras.initializers.Constant([0, 0, key]),
            trainable=False,
            name="seed_state",
        )
        self._live = None
        if keras.backend.backend() != "tensorflow":
            with tf.init_scope():
                self._live = tf.Variable(
                    tf.constant([0, 0, key], tf.int64), trainable=False, name="seed_state"
                )

    @property
    def variable(self) -> tf.Variable:
        """The ``tf.Variable`` that calls advance."""
        if self._live is not None:
            return self._live
        return getattr(self.weight, "_value", self.weight)

    def numpy(self) -> np.ndarray:
        """The current state ``[counter, 0, key]`` as ``int64[3]``."""
        return self.variable.numpy()

    def assign(self, value) -> None:
        """Sets the state (``int64[3]``) in the live counter and in the saved weight."""
        value = np.asarray(value, np.int64)
        if self._live is not None:
            self._live.assign(value)
        self.weight.assign(value.astype(np.dtype(self.weight.dtype)))

    def sync_to_weight(self) -> None:
        """Copies the live counter into the Keras weight (before saving).

        Under JAX without 64-bit mode the weight is ``int32``: the counter is
        saved modulo ``2**31`` (it advances by 256 per call, so it wraps after
        about 8 million calls) and a key must fit in 31 bits to survive.
        """
        if self._live is not None:
            value = self._live.numpy()
            if np.dtype(self.weight.dtype) == np.int32:
                value = value % 2**31
            self.weight.assign(value.astype(np.dtype(self.weight.dtype)))

    def sync_from_weight(self) -> None:
        """Resets the live counter from the Keras weight (after loading)."""
        if self._live is not None:
            self._live.assign(np.asarray(keras.ops.convert_to_numpy(self.weight), np.int64))


def _weight_dtype() -> str:
    """``int64``, except under JAX without 64-bit mode, whose arrays hold at most ``int32``."""
    if keras.backend.backend() == "jax":
        import jax

        if not jax.config.jax_enable_x64:
            return "int32"
    return "int64"


def make_seed_state(layer: keras.layers.Layer, seed: int | None) -> SeedState:
    """Adds the ``[counter, 0, key]`` seed state to ``layer`` (see ``SeedState``).

    ``seed`` is the constructor's: an integer (Python or NumPy) that fits in
    int64, or ``None`` for a random one; anything else is a ``ValueError``
    naming the layer.
    """
    if seed is not None and (
        not isinstance(seed, numbers.Integral)
        or isinstance(seed, bool)
        or not -(2**63) <= int(seed) < 2**63
    ):
        raise ValueError(
            f"{layer.__class__.__name__}: `seed` must be an integer within "
            f"[-2**63, 2**63 - 1] (Python or NumPy), or None; got {seed!r}."
        )
    if seed is not None and getattr(layer, "seed", None) is seed:
        # A NumPy integer would reach get_config and the saved JSON as itself.
        layer.seed = int(seed)
    key = default_seed() if seed is None else int(seed)
    return SeedState(layer, key)


def next_seed(state: SeedState) -> tf.Tensor:
    """Returns a fresh ``int64[2]`` stateless seed and advances ``state`` atomically."""
    old = tf.raw_ops.RngReadAndSkip(
        resource=state.variable.handle,
        alg=tf.constant(_PHILOX, tf.int32),
        delta=tf.constant(1, tf.uint64),
    )
    return tf.stack([old[0], old[2]])


def check_seed(layer: str, seed) -> tf.Tensor:
    """Validates a seed passed at call time: an integer tensor of shape ``[2]``."""
    seed = tf.convert_to_tensor(seed)
    if not seed.dtype.is_integer or seed.shape.rank != 1 or seed.shape[0] != 2:
        raise ValueError(
            f"{layer}: a call-time `seed` must be an integer tensor of shape [2]; "
            f"got dtype {seed.dtype.name} and shape {seed.shape}."
        )
    return tf.cast(seed, tf.int64)


def split_seed(seed: tf.Tensor, index: int) -> tf.Tensor:
    """The seed of the ``index``-th part of a composite (e.g. a pipeline's layers)."""
    return tf.random.experimental.stateless_fold_in(seed, index)


class Sampler:
    """Draws per-sample parameters from one stateless seed.

    Each draw folds a running index into the seed, so draws are independent
    and the same seed always yields the same parameters. With
    ``batchwise=True`` one value is drawn and shared by the whole batch. With
    ``frames > 1`` the batch is clips folded frame by frame (``batch_size``
    is clips times ``frames``): one value is drawn per clip and repeated for
    each of its frames.
    """

    def __init__(self, seed: tf.Tensor, batch_size, batchwise: bool = False, frames: int = 1):
        self._seed = tf.cast(seed, tf.int64)
        self._batch_size = batch_size
        self._batchwise = batchwise
        self._frames = frames
        self._draws = 0

    @property
    def batch_size(self):
        return self._batch_size

    def _per_sample(self, draw, extra_shape):
        if self._batchwise:
            return tf.repeat(draw([1, *extra_shape]), self._batch_size, axis=0)
        if isinstance(self._frames, int) and self._frames == 1:
            return draw([self._batch_size, *extra_shape])
        values = draw([self._batch_size // self._frames, *extra_shape])
        return tf.repeat(values, self._frames, axis=0)

    def uniform(self, low, high, extra_shape=()) -> tf.Tensor:
        """Uniform float32 values in ``[low, high)``, shape ``[batch, *extra_shape]``."""
        seed = self._next()
        values = self._per_sample(lambda shape: uniform01(shape, seed), extra_shape)
        return low + (high - low) * values

    def bernoulli(self, probability, extra_shape=()) -> tf.Tensor:
        """Booleans that are true with ``probability`` (a float or per-sample tensor)."""
        return self.uniform(0.0, 1.0, extra_shape) < probability

    def normal(self, extra_shape=(), stddev: float = 1.0) -> tf.Tensor:
        """Standard normal float32 values (times ``stddev``), shape ``[batch, *extra_shape]``."""
        seed = self._next()
        return stddev * self._per_sample(lambda shape: normal(shape, seed), extra_shape)

    def integers(self, low: int, high, extra_shape=()) -> tf.Tensor:
        """Uniform int32 values in ``[low, high)`` (``high`` may be a per-sample tensor)."""
        u = self.uniform(0.0, 1.0, extra_shape)
        span = tf.cast(high, tf.float32) - float(low)
        return tf.cast(tf.minimum(tf.floor(u * span), span - 1.0), tf.int32) + low

    def seed(self) -> tf.Tensor:
        """A fresh ``int64[2]`` seed, for kernels that draw their own random fields."""
        return self._next()

    def compiled(self, draw, *args):
        """``draw(sampler, *args)`` for this sampler, run as one XLA computation.

        The values of calling ``draw(self, *args)`` (every draw is made from
        raw Philox bits, which XLA and TensorFlow produce alike; the float
        arithmetic after may round differently where XLA fuses a multiply and
        an add), in one compiled kernel instead of the dozens of small graph
        ops each draw takes: a policy layer's 27 draws cost the graph
        executor about a millisecond per batch. ``draw`` is a module-level function and
        ``args`` are tensors or hashable Python values (a new value traces
        again). This is the sampler's last use: it draws nothing after.
        """
        if self._draws < 0:
            raise RuntimeError(
                "Sampler.compiled: this sampler has already been used by compiled()."
            )
        batch_size = tf.convert_to_tensor(self._batch_size, tf.int32)
        draws, self._draws = self._draws, -1
        return _compiled_draw(
            draw, self._seed, batch_size, self._batchwise, self._frames, draws, args
        )

    def _next(self) -> tf.Tensor:
        if self._draws < 0:
            raise RuntimeError("Sampler: no draws after compiled(), which was its last use.")
        self._draws += 1
        return tf.random.experimental.stateless_fold_in(self._seed, self._draws)


@tf.function(jit_compile=True, reduce_retracing=True, autograph=False)
def _compiled_draw(draw, seed, batch_size, batchwise: bool, frames, draws: int, args: tuple):
    sampler = Sampler(seed, batch_size, batchwise, frames)
    sampler._draws = draws
    return draw(sampler, *args)


def uniform01(shape, seed: tf.Tensor) -> tf.Tensor:
    """Uniform float32 in ``[0, 1)`` built from raw Philox bits.

    TensorFlow's float draws differ between XLA and the usual kernels for the
    same seed, while its raw integer draws agree; building floats from the
    bits keeps a seeded layer's parameters the same compiled or not.
    """
    return _unit_floats(_philox_bits(shape, seed))


class Draws:
    """Many independent uniform draws from one stateless seed, the seed scrambled once.

    ``uniform(shape, stream)`` gives ``[0, 1)`` float32 like :func:`uniform01`;
    each ``stream`` number is its own Philox stream (the counter's high word
    is XOR-ed with it). A kernel that draws many arrays pays the seed's
    scrambling once instead of once per :func:`uniform01` call (a dozen small
    ops each). ``part(i)`` is a second ``Draws`` on the same key whose streams
    never meet this one's, for a kernel's ``i``-th sub-step.
    """

    _PART = 1 << 16  # streams per part

    def __init__(self, seed: tf.Tensor, _key=None, _offset: int = 0):
        if _key is None:
            _key = tf.raw_ops.StatelessRandomGetKeyCounter(seed=tf.cast(seed, tf.int64))
        self._key, self._offset = _key, _offset

    def part(self, index: int) -> Draws:
        return Draws(None, self._key, self._offset + (index + 1) * self._PART)

    def uniform(self, shape, stream: int = 0) -> tf.Tensor:
        key, counter = self._key
        counter = tf.bitwise.bitwise_xor(
            counter, tf.constant([0, self._offset + stream], tf.uint64)
        )
        bits = tf.raw_ops.StatelessRandomUniformFullIntV2(
            shape=tf.cast(shape, tf.int64), key=key, counter=counter, alg=_PHILOX, dtype=tf.uint32
        )
        return _unit_floats(bits)


def _philox_bits(shape, seed: tf.Tensor) -> tf.Tensor:
    """Raw ``uint32`` Philox words (the same with and without XLA)."""
    return tf.random.stateless_uniform(
        shape, seed, minval=None, maxval=None, dtype=tf.uint32, alg="philox"
    )


def _unit_floats(bits: tf.Tensor) -> tf.Tensor:
    """Uniform float32 in ``[0, 1)`` from the top 24 bits of each word (exact in float32)."""
    return tf.cast(tf.bitwise.right_shift(bits, 8), tf.float32) * (1.0 / (1 << 24))


def normal(shape, seed: tf.Tensor) -> tf.Tensor:
    """Standard normal float32 (Box-Muller on Philox bits), equal with and without XLA.

    Each pair of 32-bit Philox words gives a uniform ``u`` (the top 24 bits of
    the first) and an angle ``a = 2 pi v`` (the second, scaled), hence two
    independent normals ``r cos(a)`` and ``r sin(a)`` with
    ``r = sqrt(-2 ln(1 - u))``: the cosines fill the first half of the
    (flattened) output, the sines the second half. One 32-bit draw per value,
    one logarithm and square root per two values.
    """
    shape = tf.convert_to_tensor(shape)
    static = tf.get_static_value(shape)
    if static is not None:
        shape = [int(size) for size in static]
        count = math.prod(shape)
        pairs = [2, (count + 1) // 2]
    else:
        shape = tf.cast(shape, tf.int32)
        count = tf.reduce_prod(shape)
        pairs = tf.stack([2, (count + 1) // 2])
    bits = _philox_bits(pairs, seed)
    # u from the first word; log1p(-u) is finite (u < 1).
    radius = tf.sqrt(-2.0 * tf.math.log1p(-_unit_floats(bits[0])))
    # The angle from all 32 bits of the second word (float32 keeps 24; 2 pi wraps to 0).
    angle = tf.cast(bits[1], tf.float32) * (2.0 * math.pi / 2.0**32)
    values = radius[None] * tf.stack([tf.cos(angle), tf.sin(angle)])
    return tf.reshape(tf.reshape(values, [-1])[:count], shape)


# Marsaglia-Tsang proposals per sample. Each is accepted with probability
# above 0.95 (the shape is boosted to >= 1), so the chance that all of them
# are rejected is below 1e-10; that case falls back to the mode.
_GAMMA_TRIES = 8
# Smallest uniform drawn where a logarithm follows, so log(u) stays finite.
_TINY = 1e-30


# ----- kernels -----------------------------------------------------------------


def sample_log_gamma(sampler: Sampler, alpha) -> tf.Tensor:
    """``log`` of Gamma(``alpha``, 1) draws, ``float32[batch]``, from uniforms and normals only.

    ``tf.random.stateless_gamma`` has no XLA kernel, so this uses
    Marsaglia and Tsang's method with a fixed number of vectorised proposals
    (normals from uniforms by Box-Muller),
    on shape ``alpha + 1`` and the boost ``G(a) = G(a + 1) * U ** (1 / a)``.
    Working in logs keeps tiny shapes (``alpha`` near 0) finite.

    Args:
        sampler: the layer's ``Sampler`` for this call.
        alpha: positive shape, a Python number or a ``float32[batch]`` tensor.
    """
    alpha = tf.reshape(tf.cast(alpha, tf.float32), [-1])  # [1] or [batch]
    d = (alpha + 1.0 - 1.0 / 3.0)[:, None]
    c = 1.0 / tf.sqrt(9.0 * d)
    # One draw holds everything (fewer random ops compile faster): two
    # uniforms per proposal for a Box-Muller normal, one for the acceptance
    # test, and one for the boost.
    draws = sampler.uniform(_TINY, 1.0, extra_shape=(3 * _GAMMA_TRIES + 1,))
    u1, u2, u = tf.split(draws[:, :-1], 3, axis=1)
    boost = draws[:, -1]
    z = tf.sqrt(-2.0 * tf.math.log(u1)) * tf.cos((2.0 * math.pi) * u2)
    v = (1.0 + c * z) ** 3
    log_v = tf.math.log(tf.maximum(v, _TINY))
    accept = (v > 0.0) & (tf.math.log(u) < 0.5 * z * z + d - d * v + d * log_v)
    first = tf.argmax(tf.cast(accept, tf.int32), axis=1, output_type=tf.int32)
    chosen = tf.gather(log_v, first, axis=1, batch_dims=1)
    chosen = tf.where(tf.reduce_any(accept, axis=1), chosen, 0.0)
    return tf.math.log(d[:, 0]) + chosen + tf.math.log(boost) / alpha


def sample_beta(sampler: Sampler, alpha, beta) -> tf.Tensor:
    """Beta(``alpha``, ``beta``) draws, ``float32[batch]`` in ``[0, 1]``, XLA-compilable.

    ``X / (X + Y)`` for Gamma draws ``X``, ``Y``, computed as
    ``sigmoid(log X - log Y)``.
    """
    return tf.sigmoid(sample_log_gamma(sampler, alpha) - sample_log_gamma(sampler, beta))
