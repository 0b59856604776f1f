"""Every image layer (and composition) against hostile inputs: ranks, sizes, channels, dtypes,
non-finite values, ragged batches and the channel counts of earlier calls."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import keras_augment as ka
from tests.fuzz.layers import IMAGE_LAYERS, LAYERS, WRAPPERS, build
from tests.fuzz.properties import FUZZ, check_outcome

LAYER_NAMES = IMAGE_LAYERS + WRAPPERS
DTYPES = ("uint8", "int8", "uint16", "int32", "int64", "float16", "float32", "float64", "bfloat16")


def test_discovery_finds_every_layer():
    """The fuzzed set is the registry: every image layer and every composition."""
    assert len(IMAGE_LAYERS) >= 37
    assert {"RandAugment", "RandomGrayscale", "MixUp", "RandomElasticTransform"} <= set(
        IMAGE_LAYERS
    )
    assert set(WRAPPERS) == {"Pipeline", "RandomApply", "RandomChoice", "RandomOrder"}


@st.composite
def image_inputs(draw):
    """``(array, data_format, finite, extreme)``: rank 2-5, sizes 0-5 (channels 0-5), any dtype."""
    rank = draw(st.sampled_from([4, 4, 4, 3, 3, 2, 5]))
    sizes = [draw(st.integers(0, 5)) for _ in range(rank)]
    dtype = draw(st.sampled_from(DTYPES))
    special = draw(st.sampled_from(["none", "none", "nan", "inf", "extreme"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = rng.uniform(0, 255, sizes)
    extreme = special == "extreme" and dtype in ("float32", "float64")
    if extreme:
        values = rng.choice([3.0e38, -3.0e38, 1e-38], sizes)
    if dtype == "bfloat16":
        array = tf.cast(values, tf.bfloat16)
    else:
        array = values.astype(dtype)
        if special in ("nan", "inf") and array.dtype.kind == "f" and array.size:
            array.flat[0] = np.nan if special == "nan" else np.inf
    finite = special not in ("nan", "inf") or not (dtype.startswith("float") or dtype == "bfloat16")
    data_format = draw(st.sampled_from(["channels_last", "channels_last", "channels_first"]))
    return array, data_format, finite, extreme


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_hostile_images(name):
    """Wrong ranks, empty and zero-size shapes, 0-5 channels, every dtype, NaN and inf."""
    layers = {}

    @FUZZ
    @given(image_inputs())
    def run(case):
        array, data_format, finite, extreme = case
        if data_format not in layers:
            layers[data_format] = build(name, seed=1, data_format=data_format)
        layer = layers[data_format]
        out = check_outcome(name, lambda: layer(array, training=True), finite, extreme)
        if out is not None:
            assert out.ndim == len(array.shape)
            if 0 in array.shape[:1]:
                assert out.shape[0] == 0, f"{name}: an empty batch must come back empty"

    run()


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_channel_history(name):
    """RGB, then gray, then RGB again (and 4 channels) on one layer: each call works on its own.

    A channel count a fresh layer refuses must be refused with the same clear
    error after any history; one it accepts must be accepted after any history.
    """
    rng = np.random.default_rng(0)
    history = build(name, seed=2)
    for channels in (3, 1, 3, 4, 1, 3):
        images = rng.uniform(0, 255, (2, 6, 6, channels)).astype("float32")
        fresh = check_outcome(name, lambda x=images: build(name, seed=2)(x), True)
        after = check_outcome(name, lambda x=images: history(x), True)
        assert (fresh is None) == (after is None), (
            f"{name}: {channels} channels {'refused' if after is None else 'accepted'} after "
            f"earlier calls but not on a fresh layer"
        )
        if after is not None:
            assert after.shape[-1] == channels


# Keras' utilities outside the augmentation base read no image sizes: as Keras' layers do,
# they take a ragged batch and treat each image as they would alone.
RAGGED_OK = [
    name for name in IMAGE_LAYERS if not issubclass(LAYERS[name], ka.core.base.BaseAugmentation)
]


def test_the_layers_that_take_ragged_batches_are_keras_utilities():
    assert set(RAGGED_OK) == {"Rescaling", "MaxNumBoundingBoxes"}


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_ragged_batches_are_refused_with_a_way_out(name):
    """A ragged batch of different sizes gets an error that says how to batch (or, for the
    layers that read no sizes, each image comes out as it would alone)."""
    ragged = tf.ragged.stack(
        [tf.fill([4, 5, 3], 40.0), tf.fill([6, 2, 3], 90.0)]
    )  # [2, (h), (w), 3]
    layer = build(name, seed=3)
    if name in RAGGED_OK:
        out = layer(ragged, training=True)
        assert isinstance(out, tf.RaggedTensor), type(out)
        for image, row in zip(ragged, out, strict=True):  # rows of [(h), (w), 3]
            expected = np.asarray(layer(image.to_tensor()[None], training=True))[0]
            np.testing.assert_array_equal(row.to_tensor().numpy(), expected)
        return
    with pytest.raises(TypeError) as info:
        layer(ragged)
    message = str(info.value)
    assert name in message and "RaggedTensor" in message
    assert "resize" in message and "ragged_batch" in message
