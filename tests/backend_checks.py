"""The backend contract, run in one process under the Keras backend named by ``KERAS_BACKEND``.

``tests/test_backends.py`` runs this script once per backend (the backend is
fixed when Keras is imported) and reads back what it wrote:

    python tests/backend_checks.py OUT_DIR [FIRST_IMPORTS]

``FIRST_IMPORTS`` (comma-separated, e.g. ``torch`` or ``tensorflow,torch``)
are imported before anything else, to check the import orders users meet.
The script writes ``OUT_DIR/results.json`` (``{check: error or None}``),
``OUT_DIR/arrays.npz`` (outputs of call-time-seeded calls, compared across
backends by the test), ``OUT_DIR/recipe.json`` and ``OUT_DIR/model.keras``
(saved here, loaded under the other backends by the test), and loads
``OUT_DIR/../from_tf.keras`` and ``OUT_DIR/../from_tf.json`` when present.
"""

from __future__ import annotations

import importlib
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if __name__ == "__main__":
    for _module in filter(None, (sys.argv[2] if len(sys.argv) > 2 else "").split(",")):
        importlib.import_module(_module)

import json  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_augment as ka  # noqa: E402
from keras_augment.datasets import load_sample_image  # noqa: E402
from tests import layer_examples  # noqa: E402

BACKEND = keras.backend.backend()
OUT = Path(".")  # set by run_checks
SIZE = 16
SR = 16000
CHECKS = {}
ARRAYS = {}
RAN = set()  # names of the layer classes that ran in tf.data
SEED = tf.constant([3, 4], tf.int64)


def check(function):
    CHECKS[function.__name__] = function
    return function


def photos(n: int = 8, size: int = SIZE) -> np.ndarray:
    """``n`` different ``size x size`` crops of the shipped photograph, float32 in [0, 255]."""
    photo = load_sample_image("flower.jpg").astype("float32")
    crops = [photo[12 * i : 12 * i + 64, 20 * i : 20 * i + 64] for i in range(n)]
    return tf.image.resize(np.stack(crops), (size, size)).numpy()


IMAGES = photos()


def chirp(n: int = 2, seconds: float = 0.25) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    wave = 0.5 * np.sin(2 * np.pi * (200 + 1600 * t) * t)
    return np.stack([wave * (0.5 + i / n) for i in range(n)]).astype("float32")


def in_tf_data(layer, element, seed=None, batched=True):
    """Maps ``layer`` over a one-element data set; returns the output and its type in the map."""
    seen = []

    def fn(x):
        kwargs = {"training": True} if seed is None else {"training": True, "seed": seed}
        out = layer(x, **kwargs)
        seen.extend(type(leaf) for leaf in tf.nest.flatten(out))
        return out

    ds = tf.data.Dataset.from_tensors(element).map(fn, num_parallel_calls=2)
    out = next(iter(ds.as_numpy_iterator()))
    RAN.add(type(layer).__name__)
    bad = [t.__name__ for t in seen if not issubclass(t, tf.Tensor)]
    assert not bad, f"outputs inside tf.data were {bad}, expected tf.Tensor"
    return out


def differs_per_sample(out, inputs):
    assert out.shape == inputs.shape, (out.shape, inputs.shape)
    assert np.isfinite(out).all()
    assert not np.allclose(out, inputs), "every sample was left unchanged"


# ----- item 1: the contract inside tf.data ----------------------------------------------------


@check
def parallel_map_gives_distinct_draws():
    layer = ka.RandomRotation(0.25, seed=1)
    same = np.repeat(IMAGES[:1], 64, axis=0)
    ds = tf.data.Dataset.from_tensor_slices(same).map(
        lambda x: layer(x, training=True), num_parallel_calls=8
    )
    outs = np.stack(list(ds.as_numpy_iterator()))
    assert len({o.tobytes() for o in outs}) == 64, "identical inputs shared a draw"


@check
def seeded_layers_agree_call_after_call():
    def run(layer):
        ds = tf.data.Dataset.from_tensor_slices(IMAGES).batch(2)
        return np.concatenate(list(ds.map(lambda x: layer(x, training=True)).as_numpy_iterator()))

    a, b = (
        ka.RandomAffine(rotation=0.2, scale=0.2, seed=5),
        ka.RandomAffine(rotation=0.2, scale=0.2, seed=5),
    )
    first_a, first_b = run(a), run(b)
    np.testing.assert_array_equal(first_a, first_b)
    assert not np.array_equal(run(a), first_a), "a second pass repeated the first"


FAMILIES = {
    "geometric": lambda: ka.RandomAffine(rotation=0.2, translation=0.1, scale=0.2),
    "colour": lambda: ka.RandomColorJitter(
        brightness_factor=0.3, contrast_factor=0.3, saturation_factor=0.3, hue_factor=0.05
    ),
    "quality": lambda: ka.RandomGaussianBlur(kernel_size=5, sigma=(0.5, 2.0)),
    "occlusion": lambda: ka.RandomErasing(factor=1.0),
    "policy": lambda: ka.RandAugment(num_ops=2, factor=0.5),
    "pipeline_fused": lambda: ka.Pipeline(
        [
            ka.RandomFlip("horizontal"),
            ka.RandomRotation(0.1),
            ka.RandomZoom(0.2),
            ka.RandomBrightness(0.2),
        ]
    ),
    "random_choice": lambda: ka.RandomChoice([ka.RandomRotation(0.2), ka.RandomContrast(0.5)]),
    "random_apply": lambda: ka.RandomApply(ka.RandomShear(0.3), rate=1.0),
}


def family_check(name, make):
    def run():
        out = in_tf_data(make(), IMAGES, SEED)
        differs_per_sample(out, IMAGES)
        ARRAYS[name] = out

    run.__name__ = f"family_{name}"
    return run


for _name, _make in FAMILIES.items():
    check(family_check(_name, _make))


@check
def mixing_with_labels():
    labels = np.eye(4, dtype="float32")[np.arange(8) % 4]
    out = in_tf_data(ka.MixUp(alpha=1.0), {"images": IMAGES, "labels": labels}, SEED)
    differs_per_sample(out["images"], IMAGES)
    np.testing.assert_allclose(out["labels"].sum(axis=1), 1.0, rtol=1e-5)
    assert (out["labels"].max(axis=1) < 0.999).any(), "no label was mixed"
    cut = in_tf_data(ka.CutMix(), {"images": IMAGES, "labels": labels}, SEED)
    np.testing.assert_allclose(cut["labels"].sum(axis=1), 1.0, rtol=1e-5)
    ARRAYS["mixup"], ARRAYS["mixup_labels"] = out["images"], out["labels"]


@check
def dict_with_masks_boxes_keypoints():
    masks = (IMAGES[..., :1] > 120).astype("int32") * 3
    boxes = np.tile(np.array([[2.0, 2.0, 10.0, 12.0], [0, 0, 0, 0]], "float32"), (8, 1, 1))
    element = {
        "images": IMAGES,
        "segmentation_masks": masks,
        "bounding_boxes": {"boxes": boxes, "labels": np.tile([[1, -1]], (8, 1)).astype("int32")},
        "keypoints": np.tile(np.array([[8.0, 8.0], [4.5, 3.5]], "float32"), (8, 1, 1)),
    }
    layer = ka.RandomAffine(rotation=0.2, scale=0.1, bounding_box_format="xyxy")
    out = in_tf_data(layer, element, SEED)
    differs_per_sample(out["images"], IMAGES)
    assert out["segmentation_masks"].dtype == np.int32
    assert set(np.unique(out["segmentation_masks"])) <= {0, 3}
    assert out["bounding_boxes"]["boxes"].shape == (8, 2, 4)
    assert (out["bounding_boxes"]["labels"][:, 1] == -1).all()
    assert out["keypoint_visibility"].dtype == bool
    for key in ("segmentation_masks", "keypoints"):
        ARRAYS[f"dict_{key}"] = out[key]
    ARRAYS["dict_boxes"] = out["bounding_boxes"]["boxes"]


@check
def text_layers():
    texts = tf.constant(
        ["the quick brown fox jumps over the lazy dog", "a small cat sat on the mat"]
    )
    out = in_tf_data(ka.text.SynonymReplacement(rate=0.5), texts, SEED)
    assert out.dtype == object and out.shape == (2,)
    assert (out != texts.numpy()).any(), "no word was replaced"
    ARRAYS["text_synonyms"] = out.astype("U")


@check
def audio_layers():
    waves = chirp()
    for name, layer in (
        ("noise", ka.audio.AddGaussianNoise()),
        ("speed", ka.audio.SpeedChange()),
        ("lowpass", ka.audio.LowPassFilter()),
    ):
        out = in_tf_data(layer, waves, SEED)
        assert out.shape == waves.shape and np.isfinite(out).all(), name
        assert not np.allclose(out, waves), name
        ARRAYS[f"audio_{name}"] = out
    spectrogram = np.abs(np.random.default_rng(0).normal(size=(2, 40, 24))).astype("float32")
    out = in_tf_data(ka.audio.SpecAugment(), spectrogram, SEED)
    assert out.shape == spectrogram.shape and (out == 0).any()


@check
def data_helpers():
    labels = np.arange(8) % 2
    ds = tf.data.Dataset.from_tensor_slices((IMAGES, labels))
    layer = ka.Pipeline([ka.RandomFlip(), ka.RandomRotation(0.2)])

    def run():
        out = ka.data.augment(ds, layer, batch_size=2, seed=9, num_parallel_calls=4)
        return np.concatenate([x for x, _ in out.as_numpy_iterator()])

    first = run()
    np.testing.assert_array_equal(first, run())  # element by element, despite parallel calls
    ARRAYS["augment_seeded"] = first
    skewed = tf.data.Dataset.from_tensor_slices((IMAGES[:6], np.array([0, 0, 0, 0, 1, 1])))
    balanced, report = ka.data.balance(skewed, ka.RandomFlip(), seed=1)
    counts = np.bincount([int(y) for _, y in balanced.as_numpy_iterator()])
    assert counts.tolist() == [4, 4], counts
    src = OUT / "src" / "a"
    src.mkdir(parents=True, exist_ok=True)
    for i in range(2):
        tf.io.write_file(str(src / f"p{i}.png"), tf.io.encode_png(IMAGES[i].astype("uint8")))
    result = ka.data.expand(
        OUT / "src", OUT / "dst", ka.RandomRotation(0.2), per_image=2, progress=False
    )
    written = sorted(p.name for p in (OUT / "dst" / "a").iterdir())
    assert len(written) == 4, (written, result)


@check
def generator_as_dataset():
    gen = ka.ImageDataGenerator(rotation_range=20, horizontal_flip=True, zoom_range=0.1)
    ds = gen.flow(IMAGES, np.arange(8), batch_size=4, seed=1).as_dataset()
    batches = list(ds.as_numpy_iterator())
    assert [b[0].shape for b in batches] == [(4, SIZE, SIZE, 3)] * 2
    assert sorted(np.concatenate([b[1] for b in batches]).tolist()) == list(range(8))


def recipe_layer():
    """Named, so that the recipe file is the same under every backend (names are in it)."""
    flip = ka.RandomFlip("horizontal", seed=2, name="flip")
    return ka.Pipeline([flip, ka.RandomRotation(0.1, seed=3, name="rotate")], name="recipe")


@check
def recipes():
    ka.save_recipe(recipe_layer(), OUT / "recipe.json")
    shared = OUT.parent / "from_tf.json"
    if shared.exists():
        loaded = ka.load_recipe(shared)
        out = in_tf_data(loaded, IMAGES, SEED)
        differs_per_sample(out, IMAGES)
        ARRAYS["recipe"] = out


# ----- a JAX or PyTorch model trained on such a data set ------------------------------------


def tiny_classifier():
    return keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2),
        ]
    )


@check
def fit_on_augmented_tf_data():
    labels = (np.arange(8) % 2).astype("int32")
    ds = tf.data.Dataset.from_tensor_slices((IMAGES, labels)).repeat(2)
    ds = ka.data.augment(ds, ka.Pipeline([ka.RandomFlip(), ka.RandomRotation(0.1)]), batch_size=4)
    model = tiny_classifier()
    model.compile(
        optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    before = [np.array(keras.ops.convert_to_numpy(w)) for w in model.trainable_weights]
    history = model.fit(ds, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    after = [np.array(keras.ops.convert_to_numpy(w)) for w in model.trainable_weights]
    assert any(not np.array_equal(a, b) for a, b in zip(before, after)), "no weight changed"


# ----- item 2: layers at the top of a model, and direct eager calls ---------------------------


@check
def layers_inside_a_model():
    layers = [ka.RandomFlip("horizontal", seed=1), ka.RandomRotation(0.2, seed=2)]
    model = keras.Sequential([keras.Input((SIZE, SIZE, 3)), *layers, tiny_classifier()])
    model.compile(
        optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    history = model.fit(IMAGES, np.arange(8) % 2, batch_size=4, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    # Four training steps advanced each counter by four calls (256 per call); predict drew nothing.
    augment_only = keras.Sequential([keras.Input((SIZE, SIZE, 3)), *layers])
    np.testing.assert_array_equal(np.asarray(augment_only.predict(IMAGES, verbose=0)), IMAGES)
    for layer in layers:
        assert layer._seed_state.numpy()[0] == 4 * 256, layer._seed_state.numpy()
    model.save(OUT / "model.keras")
    shared = OUT.parent / "from_tf.keras"
    if shared.exists():
        loaded = keras.models.load_model(shared, safe_mode=True)
        np.testing.assert_array_equal(np.asarray(loaded.predict(IMAGES, verbose=0)), IMAGES)
        state = loaded.layers[0]._seed_state.numpy()
        assert state.tolist() == [3 * 256, 0, 21], state  # as saved under TensorFlow
        ARRAYS["loaded_model_call"] = keras.ops.convert_to_numpy(loaded(IMAGES, training=True))


@check
def direct_eager_calls_return_backend_tensors():
    layer = ka.RandomRotation(0.2, seed=4)
    x = keras.ops.convert_to_tensor(IMAGES)
    out = layer(x, training=True, seed=SEED)
    expected = type(x) if BACKEND != "tensorflow" else type(tf.constant(0.0))
    assert isinstance(out, expected), (type(out), expected)
    ARRAYS["eager_call"] = keras.ops.convert_to_numpy(out)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x, training=False)), IMAGES)


# ----- smoke pass: every exported layer inside tf.data ----------------------------------------

# The smoke pass builds each layer from its registry example (``tests.layer_examples``), whose
# sized layers give 24x24 outputs: it runs on 32x32 crops. Overrides where this check needs
# other arguments: a translator that needs no Apertium install.
SMOKE_OVERRIDES = {
    "BackTranslation": lambda: {
        "translator": lambda texts, source, target: [t.upper() for t in texts]
    },
}
NOT_LAYERS = {"AudioAugmentation", "WaveformAugmentation", "SpectrogramAugmentation"}
NOT_LAYERS |= {"TextAugmentation", "Thesaurus", "ApertiumTranslator"}


def smoke_layer(name):
    return layer_examples.build(name, **SMOKE_OVERRIDES.get(name, dict)())


@check
def every_exported_layer_runs_in_tf_data():
    texts = tf.constant(["the quick brown fox jumps. over the lazy dog.", "a cat sat on the mat."])
    images = photos(2, size=32)
    inputs = {ka.image: images, ka.audio: chirp(), ka.text: texts}
    failures, ran = [], []
    for module in (ka.image, ka.audio, ka.text):
        for name in sorted(module.__all__):
            if not isinstance(getattr(module, name), type) or name in NOT_LAYERS:
                continue
            if name in RAN:  # already run by a check above
                ran.append(name)
                continue
            try:
                layer = smoke_layer(name)
                element = inputs[module]
                if getattr(layer, "video", None) == "only":  # layers of the frame axis
                    element = np.repeat(images[:, None], 4, axis=1)
                if module is ka.audio and isinstance(layer, ka.audio.SpectrogramAugmentation):
                    element = np.abs(np.random.default_rng(1).normal(size=(2, 40, 24))).astype(
                        "float32"
                    )
                out = in_tf_data(layer, element, SEED)
                assert out.shape[0] == 2, out.shape
                if out.dtype != object:
                    assert np.isfinite(out).all(), "non-finite output"
                ran.append(name)
            except Exception as error:  # noqa: BLE001 - every failure is reported by name
                failures.append(f"{name}: {type(error).__name__}: {error}"[:300])
    assert not failures, "\n".join(failures)
    assert len(ran) >= 60, f"only {len(ran)} layers ran"


def run_checks(out: Path, only=None) -> dict:
    """Runs the checks (all, or those named in ``only``); writes and returns the results."""
    global OUT
    OUT = Path(out)
    results, seconds = {}, {}
    for name, function in CHECKS.items():
        if only is not None and name not in only:
            continue
        start = time.perf_counter()
        try:
            function()
            results[name] = None
        except Exception:  # noqa: BLE001 - the test reports each failure with its traceback
            results[name] = traceback.format_exc(limit=6)[-3000:]
        seconds[name] = round(time.perf_counter() - start, 2)
    np.savez(OUT / "arrays.npz", **ARRAYS)
    report = {"backend": BACKEND, "results": results, "seconds": seconds}
    (OUT / "results.json").write_text(json.dumps(report))
    return report


if __name__ == "__main__":
    run_checks(Path(sys.argv[1]))
