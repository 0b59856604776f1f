"""keras_augment.data.augment: element structures, seeds, nothing lost, tf.data service, strategies."""

import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_augment as ka
from keras_augment.data import augment
from keras_augment.data.service import start_dispatcher


def labelled_images(n=24, size=8):
    """Images whose every pixel equals their own index, so an image names its label."""
    x = np.repeat(np.arange(n, dtype="float32")[:, None, None, None], size * size * 3, axis=1)
    return x.reshape(n, size, size, 3), np.arange(n)


def label_of(image):
    # A flip of a constant image is the same constant image.
    return int(round(float(np.median(image))))


def test_tuples_keep_labels_and_weights_aligned():
    x, y = labelled_images()
    w = y.astype("float32") * 10
    ds = tf.data.Dataset.from_tensor_slices((x, y, w)).shuffle(24, seed=1)
    out = list(augment(ds, ka.RandomFlip(seed=0), batch_size=5).unbatch().as_numpy_iterator())
    assert sorted(int(label) for _, label, _ in out) == list(range(24))  # each sample once
    for image, label, weight in out:
        assert label_of(image) == label and weight == label * 10


def test_plain_and_dict_elements():
    x, y = labelled_images(8)
    plain = np.concatenate(
        list(
            augment(
                tf.data.Dataset.from_tensor_slices(x).batch(4), ka.RandomFlip()
            ).as_numpy_iterator()
        )
    )
    assert plain.shape == x.shape and plain.dtype == np.float32
    ds = tf.data.Dataset.from_tensor_slices({"images": x, "labels": y}).batch(4)
    for element in augment(ds, ka.RandomRotation(0.1)).as_numpy_iterator():
        assert set(element) == {"images", "labels"}
        assert element["images"].shape == (4, 8, 8, 3)


def test_seed_makes_parallel_maps_reproducible_and_epochs_differ():
    image = np.random.default_rng(0).uniform(0, 255, (16, 12, 12, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices(image)
    rotate = ka.RandomRotation(0.2)

    def run(dataset):
        return np.stack(list(dataset.as_numpy_iterator()))

    one = augment(ds, rotate, seed=42, num_parallel_calls=4, deterministic=False)
    two = augment(ds, ka.RandomRotation(0.2), seed=42, num_parallel_calls=4)
    epoch1, epoch2 = run(one), run(one)
    # Parallel, non-deterministic maps still give element i the same parameters ...
    order = np.argsort([e.sum() for e in epoch1])
    np.testing.assert_allclose(
        np.sort(epoch1.reshape(16, -1).sum(1)), np.sort(run(two).reshape(16, -1).sum(1)), rtol=1e-5
    )
    # ... and a second epoch differs from the first.
    assert not np.allclose(epoch1[order], epoch2[np.argsort([e.sum() for e in epoch2])])


def test_bad_arguments():
    ds = tf.data.Dataset.range(3)
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        augment([1, 2], ka.RandomFlip())
    with pytest.raises(ValueError, match="service"):
        augment(ds, ka.RandomFlip(), seed=1, service="grpc://localhost:1")


@pytest.fixture(scope="module")
def service():
    """A real dispatcher in this process and two workers in their own processes, on loopback."""
    dispatcher = start_dispatcher()
    address = dispatcher.target.split("://")[1]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "keras_augment.data.service", "worker", "--dispatcher", address],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for worker in workers:
            assert "worker running" in worker.stdout.readline()
        yield dispatcher
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()


def test_service_processes_every_element_exactly_once_per_epoch(service):
    n = 64
    images = tf.data.Dataset.range(n).map(
        lambda i: (tf.reshape(tf.range(8 * 8 * 3, dtype=tf.float32), [8, 8, 3]), i)
    )
    ds = augment(
        images, ka.Pipeline([ka.RandomRotation(0.2), ka.RandomZoom(0.2)]), service=service.target
    )
    for _ in range(2):  # two epochs
        out = list(ds.as_numpy_iterator())
        ids = sorted(int(i) for _, i in out)
        assert ids == list(range(n)), "an element was lost or processed twice"
        # Every element was augmented with its own parameters, even across workers.
        assert len({image.tobytes() for image, _ in out}) == n


def test_mirrored_strategy_trains_a_model_holding_our_layers():
    cpus = tf.config.list_logical_devices("CPU")
    if len(cpus) < 2:
        pytest.skip("needs two logical CPUs (configured in tests/conftest.py)")
    strategy = tf.distribute.MirroredStrategy([d.name for d in cpus[:2]])
    x = np.random.default_rng(0).uniform(0, 1, (32, 8, 8, 3)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("int32")
    with strategy.scope():
        model = keras.Sequential(
            [
                keras.Input((8, 8, 3)),
                ka.Pipeline([ka.RandomFlip("horizontal"), ka.RandomRotation(0.05)]),
                keras.layers.Flatten(),
                keras.layers.Dense(2),
            ]
        )
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert model.distribute_strategy is strategy
    assert np.all(np.isfinite(history.history["loss"]))


def test_seeded_parallel_map_of_a_pipeline_is_reproducible_element_by_element():
    """The documented route to reproducible parallel maps (a layer's own counter is not one)."""
    same = np.repeat(np.random.default_rng(1).uniform(0, 255, (1, 12, 12, 3)), 16, 0)
    ds = tf.data.Dataset.from_tensor_slices(same.astype("float32"))

    def run():
        pipeline = ka.Pipeline([ka.RandomFlip(), ka.RandomRotation(0.2), ka.RandomContrast(0.5)])
        out = augment(ds, pipeline, seed=7, num_parallel_calls=4, deterministic=True)
        return np.stack(list(out.as_numpy_iterator()))

    first = run()
    np.testing.assert_array_equal(first, run())
    assert len({image.tobytes() for image in first}) == 16  # identical inputs, distinct draws
