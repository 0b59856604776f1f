"""What every layer shares across Keras backends: its seed state and where it may run.

The layers compute with TensorFlow ops. Under the TensorFlow backend they run
everywhere Keras layers run. Under JAX and PyTorch:

* inside ``tf.data`` (or any TensorFlow graph) they run as TensorFlow code and
  return ``tf.Tensor``: the route Keras documents for preprocessing under every
  backend, and the fastest;
* called eagerly on NumPy arrays, JAX arrays or torch tensors (PyTorch's
  eager ``model.fit`` included), the inputs cross to TensorFlow through NumPy
  and the outputs come back as the backend's tensors;
* inside a compiled JAX function (JAX's ``model.fit`` and ``predict``), the
  layer runs on the host through ``jax.experimental.io_callback``;
* on symbolic Keras inputs (building a functional model), the output shapes
  and dtypes come from tracing the TensorFlow code, never the backend's.

The last three copy every batch through host memory and run outside the
backend's compiled step.
"""

from __future__ import annotations

import inspect

import keras
import numpy as np
import tensorflow as tf

try:  # Keras internals of the direct-call fast path and of the outer call's `training`.
    from keras.src.backend.common import global_state
    from keras.src.backend.common.variables import get_autocast_scope
    from keras.src.layers.layer import CallContext
    from keras.src.utils import traceback_utils
except ImportError:  # a Keras that moved them: every call goes through Keras' own __call__
    global_state = get_autocast_scope = CallContext = traceback_utils = None

_TF_DATA_LINE = (
    "dataset = dataset.map(lambda x, y: (layer(x, training=True), y), "
    "num_parallel_calls=tf.data.AUTOTUNE)"
)


def backend_name() -> str:
    """The Keras backend the process runs (fixed when Keras is imported)."""
    return keras.backend.backend()


def _is_jax_tracer(value) -> bool:
    import jax

    return isinstance(value, jax.core.Tracer)


def _is_backend_tensor(value) -> bool:
    """A JAX array or torch tensor (not a tf.Tensor, not NumPy)."""
    return keras.ops.is_tensor(value) and not isinstance(value, tf.Tensor | tf.Variable)


def _tf_spec(value) -> tf.TensorSpec:
    dtype = keras.backend.standardize_dtype(value.dtype)
    return tf.TensorSpec(tuple(value.shape), tf.as_dtype(dtype))


def _plain_tensors(value) -> bool:
    """A NumPy array or dense TensorFlow tensor without a Keras mask, or a dict of them
    (or of such dicts)."""
    if isinstance(value, dict):
        return all(item is None or _plain_tensors(item) for item in value.values())
    if isinstance(value, np.ndarray):
        return True
    return isinstance(value, tf.Tensor) and getattr(value, "_keras_mask", None) is None


def _to_tf(value):
    if _is_backend_tensor(value):
        return tf.convert_to_tensor(keras.ops.convert_to_numpy(value))
    return value


class SeededLayer(keras.layers.Layer):
    """A Keras layer with a per-layer seed counter that runs under every Keras backend.

    Subclasses set ``self._seed_state = make_seed_state(self, seed)`` in their
    constructor and draw ``next_seed(self._seed_state)`` once per training
    call. Under the TensorFlow backend, and inside any TensorFlow graph such as
    a ``tf.data`` map, calls go straight to Keras. Under JAX and PyTorch
    elsewhere, see this module's docstring.
    """

    def __call__(self, *args, **kwargs):
        if backend_name() == "tensorflow" or not tf.executing_eagerly():
            if self._plain_eager_call(args, kwargs):
                return self._call_eagerly(args, kwargs)
            return super().__call__(*args, **kwargs)
        leaves = keras.tree.flatten((args, kwargs))
        if any(isinstance(leaf, keras.KerasTensor) for leaf in leaves):
            return super().__call__(*args, **kwargs)  # symbolic: compute_output_spec
        if backend_name() == "jax" and any(_is_jax_tracer(leaf) for leaf in leaves):
            return self._call_through_jax_callback(args, kwargs)
        return self._call_through_numpy(args, kwargs, leaves)

    # ----- a plain eager call ------------------------------------------------

    def _plain_eager_call(self, args, kwargs) -> bool:
        """True for an eager call that Keras' ``__call__`` would pass to ``call`` unchanged.

        That is: NumPy arrays or TensorFlow tensors (or dicts of them) with no Keras mask,
        keyword arguments ``call`` takes, no outer layer call, and none of the
        Keras features that wrap a call (input conversion, input specs, mixed precision or
        autocast, distribution, rematerialization, quantization, activity
        regularizers). Everything else goes through Keras.
        """
        if CallContext is None or len(args) != 1 or not tf.executing_eagerly():
            return False
        if not _plain_tensors(args[0]):
            return False
        parameters = self._call_signature.parameters
        if any(name not in parameters for name in kwargs):
            return False
        if global_state.get_global_attribute("current_call_ctx") is not None:
            return False
        return (
            not self._convert_input_args
            and self.input_spec is None
            and self.activity_regularizer is None
            and self.compute_dtype == self.variable_dtype
            and get_autocast_scope() is None
            and keras.distribution.distribution() is None
            and not self._remat_mode
            and getattr(self, "quantization_mode", None) is None
        )

    def _call_eagerly(self, args, kwargs):
        """``call`` with the call context Keras would open (layers called inside read its
        ``training``), without the rest of Keras' per-call work: a direct eager call
        costs a fraction of a millisecond less."""
        parameters = self._call_signature.parameters
        context = CallContext(entry_layer=self)
        for name in self._call_context_args:
            default = parameters[name].default if name in parameters else None
            value = kwargs.get(name, None if default is inspect.Parameter.empty else default)
            context.set_value(name, value)
        self._called = True
        call = self.call
        if traceback_utils.is_traceback_filtering_enabled():
            # Errors read as through Keras: the layer's message with the arguments received.
            call = traceback_utils.inject_argument_info_in_traceback(
                call, object_name=f"{self.__class__.__name__}.call()"
            )
        global_state.set_global_attribute("current_call_ctx", context)
        try:
            return call(*args, **kwargs)
        finally:
            global_state.set_global_attribute("current_call_ctx", None)

    # ----- bridges ---------------------------------------------------------

    def _resolved_training(self, kwargs) -> bool:
        """The ``training`` value Keras would pass: explicit, else the outer call's, else True."""
        training = kwargs.get("training")
        if training is None and global_state is not None:
            context = global_state.get_global_attribute("current_call_ctx")
            training = None if context is None else context.training
        return True if training is None else bool(training)

    def _call_through_numpy(self, args, kwargs, leaves):
        """Eager call on NumPy / backend tensors: TensorFlow in between, backend tensors out."""
        back = any(_is_backend_tensor(leaf) or isinstance(leaf, np.ndarray) for leaf in leaves)
        outputs = super().__call__(*keras.tree.map_structure(_to_tf, args), **kwargs)

        def convert(value):
            if not back or not isinstance(value, tf.Tensor) or value.dtype == tf.string:
                return value
            return keras.ops.convert_to_tensor(value.numpy())

        return keras.tree.map_structure(convert, outputs)

    def _traced_outputs(self, args, kwargs, training: bool):
        """Output structure of the TensorFlow code for inputs shaped like ``args``.

        Returns ``(structure, tensor_positions)``: ``structure`` holds symbolic
        ``tf.Tensor`` leaves; the inputs' tensor leaves are those at
        ``tensor_positions`` of ``keras.tree.flatten((args, kwargs))``.
        """
        kwargs = dict(kwargs, training=training)
        leaves = keras.tree.flatten((args, kwargs))
        positions = [i for i, leaf in enumerate(leaves) if hasattr(leaf, "shape")]

        def run(*tensors):
            filled = list(leaves)
            for position, tensor in zip(positions, tensors):
                filled[position] = tensor
            call_args, call_kwargs = keras.tree.pack_sequence_as((args, kwargs), filled)
            return self.call(*call_args, **call_kwargs)

        specs = [_tf_spec(leaves[i]) for i in positions]
        concrete = tf.function(run, autograph=False).get_concrete_function(*specs)
        return concrete.structured_outputs, positions

    def compute_output_spec(self, *args, **kwargs):
        if backend_name() == "tensorflow":
            return super().compute_output_spec(*args, **kwargs)
        training = self._resolved_training(kwargs)
        structure, _ = self._traced_outputs(args, kwargs, training)
        return keras.tree.map_structure(
            lambda t: keras.KerasTensor(tuple(t.shape), dtype=t.dtype.name), structure
        )

    def _call_through_jax_callback(self, args, kwargs):
        """Inside a compiled JAX function: the TensorFlow code runs on the host per call."""
        import jax
        from jax.experimental import io_callback

        training = self._resolved_training(kwargs)
        structure, positions = self._traced_outputs(args, kwargs, training)
        flat_out = keras.tree.flatten(structure)
        for tensor in flat_out:
            if tensor.dtype == tf.string or not tensor.shape.is_fully_defined():
                raise TypeError(
                    f"{self.__class__.__name__}: cannot run inside a compiled JAX function "
                    f"(it returns {tensor.dtype.name} of shape {tensor.shape}); it runs "
                    f"TensorFlow ops. Under the JAX backend, apply it in tf.data instead:\n"
                    f"    {_TF_DATA_LINE}"
                )
        result_shapes = [
            jax.ShapeDtypeStruct(
                tuple(t.shape), jax.dtypes.canonicalize_dtype(np.dtype(t.dtype.as_numpy_dtype))
            )
            for t in flat_out
        ]
        leaves = keras.tree.flatten((args, dict(kwargs, training=training)))

        def host(*arrays):
            filled = list(leaves)
            for position, array in zip(positions, arrays):
                filled[position] = tf.convert_to_tensor(np.asarray(array))
            call_args, call_kwargs = keras.tree.pack_sequence_as(
                (args, dict(kwargs, training=training)), filled
            )
            outputs = keras.tree.flatten(self.call(*call_args, **call_kwargs))
            return [
                np.asarray(out.numpy(), spec.dtype) for out, spec in zip(outputs, result_shapes)
            ]

        flat = io_callback(host, result_shapes, *[leaves[i] for i in positions])
        return keras.tree.pack_sequence_as(structure, flat)

    # ----- saving ----------------------------------------------------------

    # Under JAX and PyTorch the live counter is a tf.Variable beside the Keras
    # weight: copy it in before saving and back out after loading.
    def save_own_variables(self, store) -> None:
        self._seed_state.sync_to_weight()
        super().save_own_variables(store)

    def load_own_variables(self, store) -> None:
        super().load_own_variables(store)
        self._seed_state.sync_from_weight()
