"""The behavioural contract, run over every registered layer (``keras_augment.registered_layers``).

Each layer is built from its registered example arguments (``tests.layer_examples``;
compositions around two image layers) and checked for the
items of ``keras_augment.core.registry.CONTRACT``. An item a layer declares it
cannot meet (``exempt``) is run too, and must fail: a declaration that has
become false fails the test. Inputs are small (32x32 crops of the shipped
photograph, quarter-second chirps, one paragraph) and shared.
"""

from __future__ import annotations

import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_augment as ka
from keras_augment.core.registry import CONTRACT, IMAGE_TARGETS, TARGET_DICT_KEYS
from tests.audio.signals import chirp
from tests.layer_examples import build

INFOS = ka.registered_layers()
PARAGRAPH = (
    "The quick brown fox jumps over the lazy dog near the old river bank. Then a big car "
    "drove home fast! Was it a good movie? Yes, the film was very good."
)
BATCH = 8  # samples per batch (copies of one input show per-sample randomness)


@pytest.fixture(scope="module")
def inputs(photo) -> dict:
    """Per kind: ``(batch of eight different samples, batch of eight copies of one)``.

    Both batches have one shape, so each layer traces its training path once for them.
    """
    corners = [(r, c) for r in (0, 100, 200) for c in (0, 160, 320)][:7]
    crops = np.stack([photo[r : r + 32, c : c + 32] for r, c in corners])
    images = np.concatenate([crops, crops[:1, ::-1]]).astype("float32")
    wave = chirp(300.0, 3000.0, seconds=0.25)
    waves = np.stack([np.roll(wave, 500 * i) * (1.0 - 0.1 * i) for i in range(BATCH)])
    waves = waves.astype("float32")
    spectrograms = np.abs(tf.signal.stft(waves, 256, 64).numpy()).astype("float32")
    sentences = PARAGRAPH.split(". ")
    texts = np.array([". ".join(sentences[i % 3 :] + sentences[: i % 3]) for i in range(BATCH)])
    texts = np.char.upper(texts.astype(str)).astype(object)
    texts[::2] = [t.lower() for t in texts[::2]]
    # Eight clips of four 16x16 frames: a window panning across the photograph.
    clips = np.stack(
        [
            np.stack([photo[r : r + 16, c + 4 * f : c + 4 * f + 16] for f in range(4)])
            for r, c in corners
        ]
        + [np.stack([photo[200:216, 300 - 4 * f : 316 - 4 * f] for f in range(4)])]
    ).astype("float32")
    data = {
        "image": images,
        "video": clips,
        "waveforms": waves,
        "spectrograms": spectrograms,
        "text": texts,
    }
    return {key: (value, np.repeat(value[:1], BATCH, axis=0)) for key, value in data.items()}


def _data_key(info) -> str:
    if getattr(info.cls, "video", None) == "only":
        return "video"  # layers of the frame axis take clips
    if info.kind in ("image", "composition"):
        return "image"
    return info.targets[0]  # waveforms, spectrograms or text


def _np(value) -> np.ndarray:
    """NumPy values; strings decoded to ``str``."""
    value = np.asarray(value)
    if value.dtype.kind in "SO":
        return np.vectorize(
            lambda v: v.decode("utf-8") if isinstance(v, bytes) else v, otypes=[object]
        )(value)
    return value


def _calls(layer, copies, batch) -> list:
    """The outputs of three training calls: the copies, then the batch twice."""
    return [_np(layer(x, training=True)) for x in (copies, batch, batch)]


def _check_inference_identity(info, state, batch, copies, tmp_path):
    layer = state["layer"]
    out = _np(layer(batch, training=False))
    expected = batch if batch.dtype == object else batch.astype("float32")
    for size in getattr(layer, "variants_shape", ()):
        expected = np.repeat(expected[..., None], size, axis=-1)
    assert out.shape == expected.shape, (out.shape, expected.shape)
    assert (out == expected).all(), f"{info.name} changed its input at inference"


def _check_per_sample(info, state, batch, copies, tmp_path):
    out = state["calls"][0]
    if out.dtype == object:
        distinct = {"\n".join(map(str, np.ravel(o))) for o in out}
    else:
        distinct = {np.round(o, 3).tobytes() for o in out}
    assert len(distinct) > 1, f"{info.name} gave every sample of the batch the same result"


def _check_seeded(info, state, batch, copies, tmp_path):
    twin = _calls(build(info, seed=7), copies, batch)
    for mine, theirs in zip(state["calls"], twin, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    second, third = state["calls"][1:]
    assert not np.array_equal(second, third), f"{info.name}: a second call repeated the first"


def _check_config(info, state, batch, copies, tmp_path):
    layer = state["layer"]
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(again) is type(layer)


def _symbolic_input(batch):
    return keras.Input(batch.shape[1:], dtype="string" if batch.dtype == object else "float32")


def _check_saving(info, state, batch, copies, tmp_path):
    layer = state["layer"]
    inputs = _symbolic_input(batch)
    model = keras.Model(inputs, layer(inputs))
    path = tmp_path / f"{info.name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert isinstance(loaded.layers[-1], type(layer))
    np.testing.assert_array_equal(
        _np(loaded(batch, training=False)), _np(model(batch, training=False))
    )


def _check_symbolic(info, state, batch, copies, tmp_path):
    layer = state["layer"]
    out = layer(_symbolic_input(batch))
    assert tuple(out.shape) == tuple(layer.compute_output_shape((None, *batch.shape[1:])))
    assert tuple(out.shape)[1:] == state["calls"][1].shape[1:]


def _check_unbatched(info, state, batch, copies, tmp_path):
    layer = state["layer"]
    single = np.asarray(batch[0]) if batch.dtype != object else tf.constant(batch[0])
    out = _np(layer(single, training=True))
    assert out.shape == tuple(layer.compute_output_shape(single.shape))
    assert out.shape == state["calls"][1].shape[1:]


def _check_channels_first(info, state, batch, copies, tmp_path):
    layer = build(info, seed=7, data_format="channels_first")
    first = (0, 3, 1, 2) if copies.ndim == 4 else (0, 1, 4, 2, 3)  # images or clips
    out = _np(layer(np.transpose(copies, first), training=True))
    np.testing.assert_allclose(np.transpose(out, np.argsort(first)), state["calls"][0], atol=1e-3)


def _check_xla(info, state, batch, copies, tmp_path):
    layer = state["layer"]
    assert layer.supports_jit, f"{info.name} declares supports_jit = False"
    out = tf.function(lambda x: layer(x, training=True), jit_compile=True)(tf.constant(batch))
    assert out.dtype == tf.float32
    assert tuple(out.shape) == tuple(layer.compute_output_shape(batch.shape))


def _check_bad_input(info, state, batch, copies, tmp_path):
    layer = state["layer"]
    if batch.dtype == object:
        wrong = [(np.zeros((4,), "float32"), TypeError, "string")]
    elif info.kind in ("image", "composition"):
        wrong = [
            (tf.constant([[["a"]]]), TypeError, "string"),
            (np.zeros((8, 8), "float32"), ValueError, "rank"),
            (np.zeros((1, 1, 2, 8, 8, 3), "float32"), ValueError, "rank"),
        ]
    else:
        wrong = [
            (np.zeros(batch.shape, "int16"), TypeError, "int16"),
            (np.zeros((1, 2, 3, 4, 5), "float32"), ValueError, "rank"),
        ]
    for value, error, word in wrong:
        with pytest.raises(error) as caught:
            layer(value)
        assert info.name in str(caught.value) and word in str(caught.value), str(caught.value)


CHECKS = {
    "inference_identity": _check_inference_identity,
    "per_sample": _check_per_sample,
    "seeded": _check_seeded,
    "config": _check_config,
    "saving": _check_saving,
    "symbolic": _check_symbolic,
    "unbatched": _check_unbatched,
    "channels_first": _check_channels_first,
    "xla": _check_xla,
    "bad_input": _check_bad_input,
}


def _applies(info, item: str) -> bool:
    return item != "channels_first" or info.kind in ("image", "composition")


def test_the_contract_covers_every_registered_layer():
    assert set(CHECKS) == set(CONTRACT)
    kinds = {kind: len(ka.registered_layers(kind=kind)) for kind in ka.core.registry.KINDS}
    names = [info.name for info in INFOS]
    print(f"contract: {len(names)} registered layers covered {kinds}")
    assert len(names) == len(set(names)) == sum(kinds.values()) >= 69
    for info in INFOS:
        assert info.kind == "composition" or info.example_args() is not None
        if info.kind in ("image", "composition"):
            assert "images" in info.targets and set(info.targets) <= set(IMAGE_TARGETS)
        if "xla" in info.exempt:
            assert not build(info).supports_jit, f"{info.name} exempts xla but supports_jit"


@pytest.mark.parametrize("info", INFOS, ids=[info.name for info in INFOS])
def test_contract(info, inputs, tmp_path):
    if info.name == "BackTranslation" and shutil.which("apertium") is None:
        pytest.skip("the apertium binary is not installed (Debian package apertium)")
    batch, copies = inputs[_data_key(info)]
    layer = build(info, seed=7)
    state = {"layer": layer, "calls": _calls(layer, copies, batch)}
    failures = {}
    for item in CONTRACT:
        if not _applies(info, item):
            continue
        try:
            CHECKS[item](info, state, batch, copies, tmp_path)
        # An exempt item must fail; the others must pass. (pytest.raises that sees no error
        # raises pytest's Failed, which is no Exception.)
        except (Exception, pytest.fail.Exception) as error:
            failures[item] = error
    unmet = {item: error for item, error in failures.items() if info.meets(item)}
    if unmet:
        item, error = next(iter(unmet.items()))
        raise AssertionError(f"{info.name} fails {sorted(unmet)}; first: {item}") from error
    stale = sorted(item for item in info.exempt if _applies(info, item) and item not in failures)
    assert not stale, f"{info.name} declares it cannot meet {stale}, but it does"


IMAGE_INFOS = [info for info in INFOS if info.kind == "image"]


@pytest.mark.parametrize("info", IMAGE_INFOS, ids=[info.name for info in IMAGE_INFOS])
def test_declared_targets(info, inputs):
    """Targets in the table come back with the images; targets outside it are refused.

    At inference, which checks the same table without tracing the training path;
    ``tests/image/test_targets.py`` checks how the targets move.
    """
    images = inputs["image"][0]
    boxes = {"bounding_box_format": "xyxy"} if "boxes" in info.targets else {}
    layer = build(info, seed=5, **boxes)
    given = {
        "masks": np.ones((BATCH, 32, 32, 1), "int32"),
        "boxes": {
            "boxes": np.tile([[[4.0, 4.0, 20.0, 20.0]]], (BATCH, 1, 1)),
            "labels": np.zeros((BATCH, 1)),
        },
        "keypoints": np.full((BATCH, 1, 2), 16.0, "float32"),
    }
    for name, value in given.items():
        data = {"images": images, TARGET_DICT_KEYS[name]: value}
        if name in info.targets:
            out = layer(data, training=False)
            assert TARGET_DICT_KEYS[name] in out
        else:
            with pytest.raises((ValueError, TypeError), match=info.name):
                layer(data, training=False)
