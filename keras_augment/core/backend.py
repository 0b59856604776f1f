"""What every layer shares across Keras backends: its seed state and where it may run.

The layers compute with TensorFlow ops. Under the TensorFlow backend they run
everywhere Keras layers run. Under JAX and PyTorch they run inside ``tf.data``
(the place Keras documents for preprocessing under every backend), where their
inputs and outputs are ``tf.Tensor``.
"""

from __future__ import annotations

import keras


class SeededLayer(keras.layers.Layer):
    """A Keras layer with a per-layer seed counter (``keras_augment.core.random.SeedState``).

    Subclasses set ``self._seed_state = make_seed_state(self, seed)`` in their
    constructor and draw ``next_seed(self._seed_state)`` once per training call.
    """

    # Under JAX and PyTorch the live counter is a tf.Variable beside the Keras
    # weight: copy it in before saving and back out after loading.
    def save_own_variables(self, store) -> None:
        self._seed_state.sync_to_weight()
        super().save_own_variables(store)

    def load_own_variables(self, store) -> None:
        super().load_own_variables(store)
        self._seed_state.sync_from_weight()
