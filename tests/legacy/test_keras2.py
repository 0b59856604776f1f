"""Keras 2 scripts over our iterators: ``it.next()``, ``fit(workers=...)`` and ``tf_keras``."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pandas
from PIL import Image

from keras_augment.legacy import ImageDataGenerator
from keras_augment.preprocessing import image

N, SIZE = 10, (8, 8)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def indexed_data():
    """Images of one random colour each, and labels ``0..N-1`` naming them."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (N, *SIZE, 3)).astype("float32")
    return x, np.arange(N, dtype="float32")


def test_next_method_walks_the_batches_like_next_builtin():
    x, y = indexed_data()
    gen = ImageDataGenerator(rotation_range=15)
    by_method = gen.flow(x, y, batch_size=4, seed=3)
    by_builtin = gen.flow(x, y, batch_size=4, seed=3)
    labels = []
    for _ in range(2 * len(by_method)):  # two epochs
        a, b = by_method.next(), next(by_builtin)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        labels.append(a[1])
    first, second = np.concatenate(labels[:3]), np.concatenate(labels[3:])
    assert sorted(first) == sorted(second) == list(range(N))
    assert not np.array_equal(first, second)  # a new order each epoch


class RecordingModel(keras.Model):
    """Remembers the targets of every training batch (the sample indices here)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def train_step(self, data):
        self.seen.append(np.asarray(data[1]))
        return super().train_step(data)


def recording_model():
    inputs = keras.Input((*SIZE, 3))
    outputs = keras.layers.Dense(1)(keras.layers.Flatten()(inputs))
    model = RecordingModel(inputs, outputs)
    model.compile("sgd", "mse", run_eagerly=True)
    return model


def test_fit_over_flow_with_keras2_fit_arguments_sees_every_sample_once():
    x, y = indexed_data()
    it = ImageDataGenerator(rotation_range=15).flow(
        x, y, batch_size=3, seed=1, workers=4, use_multiprocessing=True, max_queue_size=10
    )
    assert (it.workers, it.max_queue_size, it.multiprocessing_requested) == (4, 10, True)
    model = recording_model()
    history = model.fit(it, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
    assert len(model.seen) == len(it) == 4
    assert sorted(np.concatenate(model.seen).tolist()) == list(range(N))


def test_every_flow_method_takes_the_pydataset_arguments(tmp_path):
    gen = ImageDataGenerator()
    pydataset = dict(workers=2, use_multiprocessing=True, max_queue_size=5)
    folder = tmp_path / "cat"
    folder.mkdir()
    Image.new("RGB", (6, 5), (200, 10, 10)).save(folder / "a.png")
    iterators = [gen.flow_from_directory(str(tmp_path), target_size=(5, 6), **pydataset)]
    frame = pandas.DataFrame({"filename": ["cat/a.png"], "class": ["cat"]})
    iterators.append(gen.flow_from_dataframe(frame, str(tmp_path), target_size=(5, 6), **pydataset))
    for it in iterators:
        assert (it.workers, it.max_queue_size) == (2, 5)
        # Threads, not forked processes: TensorFlow hangs in a forked child.
        assert it.use_multiprocessing is False and it.multiprocessing_requested


TF_KERAS_SCRIPT = """
import numpy as np
import tensorflow as tf
import tf_keras
from keras_augment.preprocessing import image

assert tf.keras.Model is tf_keras.Model  # TF routes tf.keras to Keras 2
n = 10
x = np.random.default_rng(0).uniform(0, 1, (n, 8, 8, 3)).astype("float32")
y = np.arange(n, dtype="float32")
it = image.ImageDataGenerator(horizontal_flip=True).flow(x, y, batch_size=4, seed=2)
assert isinstance(it, tf_keras.utils.Sequence)

class Recording(tf_keras.Model):
    seen = []
    def train_step(self, data):
        self.seen.append(data[1].numpy())
        return super().train_step(data)

inputs = tf_keras.Input((8, 8, 3))
model = Recording(inputs, tf_keras.layers.Dense(1)(tf_keras.layers.Flatten()(inputs)))
model.compile("adam", "mse", run_eagerly=True)
history = model.fit(it, epochs=2, verbose=0)  # no steps_per_epoch
epochs = [np.concatenate(model.seen[:3]), np.concatenate(model.seen[3:])]
print("LOSSES", len(history.history["loss"]))
print("EPOCHS", [sorted(e.astype(int).tolist()) for e in epochs])
print("ORDERS_DIFFER", not np.array_equal(epochs[0], epochs[1]))
print("EPOCH_ENDS", it.epoch)
print("EVALUATE", np.isfinite(model.evaluate(it, verbose=0)))
print("PREDICT", model.predict(it, verbose=0).shape)
"""


def test_tf_keras_fit_evaluate_and_predict_end_their_epochs():
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")])
    # A timeout, because the failure this guards against is an epoch that never ends.
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(TF_KERAS_SCRIPT)],
        capture_output=True, text=True, timeout=150, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(
        line.split(" ", 1) for line in result.stdout.splitlines() if line.split(" ")[0].isupper()
    )
    assert lines["LOSSES"] == "2"
    assert lines["EPOCHS"] == str([list(range(N))] * 2)  # every sample once per epoch
    assert lines["ORDERS_DIFFER"] == "True"  # on_epoch_end reshuffled
    assert int(lines["EPOCH_ENDS"]) == 2
    assert lines["EVALUATE"] == "True"
    assert lines["PREDICT"] == f"({N}, 1)"


def test_module_iterators_are_the_flow_iterators():
    x, y = indexed_data()
    it = ImageDataGenerator().flow(x, y)
    assert isinstance(it, image.NumpyArrayIterator) and isinstance(it, image.Iterator)
