"""Compiled functions kept apart per channel count.

A ``tf.function`` built with ``reduce_retracing=True`` relaxes the shapes it
has seen: after an RGB call and a grayscale call it retraces for
``[..., None]`` channels, and every kernel that needs a static channel count
(grayscale conversion, JPEG encoding, colour matrices) then fails. Keeping one
function per static channel count lets batch, height and width vary freely
while the channel axis stays known.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import tensorflow as tf


def static_or_dynamic_length(values: tf.Tensor, axis: int = 1) -> int | tf.Tensor:
    """The size of ``axis`` of ``values``: a Python int when static, else a scalar tensor."""
    static = values.shape[axis]
    return static if static is not None else tf.shape(values)[axis]


def materialized(values: tf.Tensor) -> tf.Tensor:
    """``values``, computed once before their consumers run.

    XLA on CPU fuses cheap elementwise producers into the operand of a
    gather, so a gather of every pixel recomputes its operand's element for
    each read (for the resampler's corner words, the four neighbours packed
    again for every output value). The value of a while loop cannot be
    fused: ``values`` leave one whose trip count XLA cannot tell at compile
    time (1 at run time; more would only repeat the same assignment).
    """
    values = tf.convert_to_tensor(values)
    # A float NaN test XLA cannot fold away (an integer ``x != x`` it folds to false).
    probe = tf.cast(tf.reshape(values, [-1])[:1], tf.float32)
    trips = 1 + tf.reduce_sum(tf.cast(tf.not_equal(probe, probe), tf.int32))
    return tf.while_loop(lambda k, _: k < trips, lambda k, _: (k + 1, values), (0, values))[1]


def channel_count(images) -> int | None:
    """The static size of the last axis of ``images`` (None when unknown)."""
    shape = tf.TensorShape(getattr(images, "shape", None))
    if shape.rank is None or shape.rank == 0:
        return None
    return shape[-1]


def per_channel_count(fn: Callable | None = None, **options) -> Callable:
    """Like ``tf.function(fn, **options)``, with one traced function per channel count.

    The channel count is read from the last axis of the first argument. The
    wrapper keeps ``python_function`` (the plain ``fn``) and
    ``experimental_get_compiler_ir``, as ``tf.function`` does.
    """
    if fn is None:
        return functools.partial(per_channel_count, **options)
    functions: dict[int | None, Callable] = {}

    def function_for(images):
        key = channel_count(images)
        if key not in functions:
            functions[key] = tf.function(fn, **options)
        return functions[key]

    @functools.wraps(fn)
    def call(images, *args, **kwargs):
        return function_for(images)(images, *args, **kwargs)

    def compiler_ir(images, *args, **kwargs):
        return function_for(images).experimental_get_compiler_ir(images, *args, **kwargs)

    call.python_function = fn
    call.experimental_get_compiler_ir = compiler_ir
    return call


def batch_axis_relaxed(tensor: tf.Tensor) -> tf.TensorShape:
    """``tensor``'s shape with the batch axis unknown; rank-4 tensors (images, masks) keep
    only their channel axis."""
    shape = tensor.shape
    if shape.rank == 4:
        return tf.TensorShape([None, None, None, shape[-1]])
    return tf.TensorShape([None]).concatenate(shape[1:]) if shape.rank else shape


class TracedOnce:
    """``fn`` traced per input signature, kept by the caller (one per layer), the way
    ``tf.function(fn, reduce_retracing=True)`` traces it.

    A layer called directly (eagerly) runs its training path as one traced graph. The first
    call of a signature (structure, dtypes, ranks and the sizes ``relax`` keeps, such as the
    channel count) is traced with its exact shapes; the next call of that signature with other
    sizes traces once more with the first argument's shapes ``relax``-ed (the other arguments,
    such as a seed, keep theirs), and that graph serves every size from then on. So a layer
    traces at most twice per signature, as before. The graphs are called directly rather than
    through a shared ``tf.function``: TensorFlow counts traces per Python code object, so the
    few traces of many layer instances, all running this same code, added up to its
    "excessive retracing" warning although no single layer retraced.

    Args:
        fn: the function of tensors (and ``None`` or Python constants) to trace.
        relax: maps a tensor of the first argument to the shape to trace it with.
    """

    def __init__(
        self,
        fn: Callable,
        relax: Callable[[tf.Tensor], tf.TensorShape] = batch_axis_relaxed,
    ):
        self._function = tf.function(fn, autograph=False)
        self._relax = relax
        self._exact: dict = {}
        self._relaxed: dict = {}
        # The graph each exact call signature was last given, found without tf.nest.
        self._known: dict = {}

    @staticmethod
    def _spec(value, relax=None):
        if isinstance(value, (tf.Tensor, tf.Variable)):
            return tf.TensorSpec(relax(value) if relax else value.shape, value.dtype)
        return value

    @staticmethod
    def _key(specs) -> tuple:
        return (repr(tf.nest.map_structure(lambda _: 0, specs)), *tf.nest.flatten(specs))

    def __call__(self, first, *rest):
        key = _fast_key((first, rest))
        concrete = self._known.get(key) if key is not None else None
        if concrete is None:
            concrete = self._concrete(first, rest)
            if key is not None:
                if len(self._known) >= _KNOWN_LIMIT:
                    self._known.clear()
                self._known[key] = concrete
        return concrete(first, *rest)

    def _concrete(self, first, rest):
        """The graph for these arguments, traced if needed (see the class docstring)."""
        first, rest = tf.nest.map_structure(
            lambda v: tf.convert_to_tensor(v) if isinstance(v, np.ndarray) else v, (first, rest)
        )
        rest_specs = tuple(tf.nest.map_structure(self._spec, rest))
        relaxed_specs = (
            tf.nest.map_structure(lambda v: self._spec(v, self._relax), first),
            *rest_specs,
        )
        relaxed_key = self._key(relaxed_specs)
        concrete = self._relaxed.get(relaxed_key)
        if concrete is None:
            exact_specs = (tf.nest.map_structure(self._spec, first), *rest_specs)
            traced = self._exact.setdefault(relaxed_key, {})
            exact_key = self._key(exact_specs)
            concrete = traced.get(exact_key)
            if concrete is None and traced:
                # A second size for this signature: one relaxed graph for every size.
                concrete = self._function.get_concrete_function(*relaxed_specs)
                self._relaxed[relaxed_key] = concrete
                self._known.clear()  # the sizes seen so far move to the relaxed graph
            elif concrete is None:
                concrete = self._function.get_concrete_function(*exact_specs)
                traced[exact_key] = concrete
        return concrete


# Exact signatures a TracedOnce remembers before starting over (sizes that keep changing).
_KNOWN_LIMIT = 64


def _fast_key(value):
    """A hashable key of ``value``'s structure, dtypes and exact shapes, or None.

    Dicts (in sorted key order), tuples and lists of eager tensors, None and
    Python scalars only; anything else (NumPy arrays, variables, other objects)
    gives None and takes the general path.
    """
    if isinstance(value, tf.Tensor):
        return None if value.shape.rank is None else (value.dtype, tuple(value.shape))
    if value is None or isinstance(value, (bool, int, float, str)):
        return (type(value), value)
    if isinstance(value, dict):
        items = []
        for name in sorted(value):
            item = _fast_key(value[name])
            if item is None:
                return None
            items.append((name, item))
        return ("dict", tuple(items))
    if isinstance(value, (tuple, list)):
        items = tuple(_fast_key(item) for item in value)
        if any(item is None for item in items):
            return None
        return (type(value).__name__, items)
    return None


def compiled_kernel(kernel: Callable) -> Callable:
    """``kernel(images, *args)`` compiled with XLA, one function per channel count.

    Integer images (uint8 above all) are cast to float32 inside the compiled
    function, so the cast costs no extra pass over the pixels; other float
    types are cast before it, so one compiled float32 kernel serves them
    all. Python arguments (sizes, value ranges) are static: each value
    traces once. ``output_dtype="uint8"`` rounds and saturates the result
    inside the same function (no float32 batch is written).
    """

    def run(images, *args, output_dtype="float32"):
        out = kernel(tf.cast(images, tf.float32), *args)
        return tf.saturate_cast(tf.round(out), tf.uint8) if output_dtype == "uint8" else out

    run.__name__ = f"{kernel.__name__}_xla"
    compiled = per_channel_count(run, jit_compile=True, reduce_retracing=True)

    @functools.wraps(kernel)
    def call(images, *args, output_dtype="float32"):
        images = tf.convert_to_tensor(images)
        if images.dtype.is_floating and images.dtype != tf.float32:
            images = tf.cast(images, tf.float32)
        return compiled(images, *args, output_dtype=output_dtype)

    return call


def in_xla_context() -> bool:
    """True while tracing for XLA (``jit_compile=True``, or inside such a function).

    Some kernels pick, for the same result, the op that is fast on each side:
    ``tf.image.crop_and_resize`` or per-clip slices on the usual CPU kernels
    (several times faster there than a gather), a gather under XLA (which has no
    ``CropAndResize`` kernel and fuses gathers well). The check reads
    TensorFlow's XLA control-flow context, the one its own ``cond`` and
    ``switch_case`` consult; should that internal module move, the XLA-safe
    choice is taken everywhere.
    """
    try:
        from tensorflow.python.framework import ops
        from tensorflow.python.ops import control_flow_util
    except ImportError:  # pragma: no cover - a TensorFlow without the module
        return True
    if tf.executing_eagerly():
        return False
    return control_flow_util.GraphOrParentsInXlaContext(ops.get_default_graph())
