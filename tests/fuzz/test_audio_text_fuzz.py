"""Every audio and text layer against malformed input."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.layers import SPECTROGRAM_LAYERS, TEXT_LAYERS, WAVEFORM_LAYERS, build
from tests.fuzz.properties import FUZZ, check_outcome

AUDIO_DTYPES = ("float32", "float16", "float64", "int16", "int32", "uint8", "bool")


@st.composite
def audio_inputs(draw):
    """``(array, finite)``: ranks 0-4, empty axes, short and long axes, any dtype, NaN and inf."""
    rank = draw(st.integers(0, 4))
    sizes = [draw(st.sampled_from([0, 1, 2, 3, 7, 64, 700])) for _ in range(rank)]
    if np.prod(sizes) > 3000:
        sizes = [min(s, 3) for s in sizes]
    dtype = draw(st.sampled_from(AUDIO_DTYPES))
    special = draw(st.sampled_from(["none", "none", "nan", "inf"]))
    values = np.random.default_rng(draw(st.integers(0, 2**16))).uniform(-0.9, 0.9, sizes)
    array = values.astype(dtype)
    finite = True
    if special != "none" and array.dtype.kind == "f" and array.size:
        array.flat[0] = np.nan if special == "nan" else np.inf
        finite = False
    return array, finite


@pytest.mark.parametrize("name", WAVEFORM_LAYERS + SPECTROGRAM_LAYERS)
def test_hostile_audio(name):
    layer = build(name, seed=1)

    @FUZZ
    @given(audio_inputs())
    def run(case):
        array, finite = case
        out = check_outcome(name, lambda: layer(array, training=True), finite)
        if out is not None:
            assert out.shape == array.shape, f"{name}: shape {array.shape} became {out.shape}"

    run()


@pytest.mark.parametrize("name", WAVEFORM_LAYERS + SPECTROGRAM_LAYERS)
def test_audio_ragged_and_empty(name):
    layer = build(name, seed=2)
    ragged = tf.ragged.constant([[0.1, 0.2, 0.3], [0.1]], dtype=tf.float32)
    with pytest.raises(TypeError, match=f"{name}: got .* as a RaggedTensor.*ragged_batch"):
        layer(ragged)
    shape = (0, 400) if name in WAVEFORM_LAYERS else (0, 12, 10)
    out = np.asarray(layer(np.zeros(shape, "float32")))
    assert out.shape == shape


TEXT_INPUTS = [
    (np.array(["a b c", "", "   ", "one"]), True),
    (np.array("just one sentence here"), True),
    (np.array([["a b"], ["c d e f"]]), True),
    (np.array([], dtype=object).astype(bytes), True),
    (np.array([b"\xff\xfe broken \xc3 utf8", "émoji 🎉 ok"], dtype=object), True),
    (np.array(["word " * 400]), True),
    (np.array([1.0, 2.0], "float32"), False),
    (np.array([1, 2], "int64"), False),
    (tf.ragged.constant([["a b", "c"], ["d"]]), True),
]


@pytest.mark.parametrize("name", TEXT_LAYERS)
def test_malformed_text(name):
    layer = build(name, seed=3)
    for value, is_text in TEXT_INPUTS:
        out = check_outcome(name, lambda v=value: layer(v), True)
        if out is None:
            continue
        assert is_text, f"{name} accepted non-text input {value!r}"
        assert out.dtype.kind in "OSU"
        assert out.shape[: len(np.shape(value))] == np.shape(value)
