"""The layers under every Keras backend: TensorFlow here, JAX and PyTorch in one subprocess each.

The contract (``tests/backend_checks.py``) runs under each backend; outputs of
call-time-seeded calls must equal TensorFlow's, and models and recipes saved
under one backend load under the others. JAX and PyTorch are test
dependencies: if either cannot be imported, these tests fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np

import keras_augment as ka
from tests import backend_checks

SCRIPT = Path(backend_checks.__file__)
ROOT = SCRIPT.parent.parent
# What each subprocess imports before anything else: TensorFlow then PyTorch under JAX,
# PyTorch then TensorFlow under PyTorch (the orders that crash with some PyTorch builds).
FIRST_IMPORTS = {"jax": "tensorflow,torch", "torch": "torch"}
# The checks that need no other backend's files; the smoke pass of every layer runs under
# TensorFlow in the per-family test modules.
TF_CHECKS = [
    name for name in backend_checks.CHECKS if name != "every_exported_layer_runs_in_tf_data"
]


def start(backend: str, out: Path) -> subprocess.Popen:
    out.mkdir()
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, str(SCRIPT), str(out), FIRST_IMPORTS[backend]]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def saved_under_tensorflow(tmp_path: Path) -> None:
    """A model and a recipe for the other backends to load (see ``layers_inside_a_model``)."""
    flip, rotation = ka.RandomFlip("horizontal", seed=21), ka.RandomRotation(0.2, seed=22)
    model = keras.Sequential([keras.Input(backend_checks.IMAGES.shape[1:]), flip, rotation])
    for _ in range(3):
        model(backend_checks.IMAGES, training=True)
    model.save(tmp_path / "from_tf.keras")
    ka.save_recipe(backend_checks.recipe_layer(), tmp_path / "from_tf.json")


# Loads a model saved under another backend, checks inference passes through and the counter
# kept its state, and prints the counter. Run as ``python -c CROSS_LOAD MODEL_PATH``.
CROSS_LOAD = """
import sys
import numpy as np
import keras_augment as ka
import keras
model = keras.models.load_model(sys.argv[1], safe_mode=True)
flip = model.layers[0]
assert isinstance(flip, ka.RandomFlip), type(flip)
augment = keras.Sequential([keras.Input(model.input_shape[1:]), *model.layers[:2]])
images = np.random.default_rng(0).uniform(0, 1, (2, *model.input_shape[1:])).astype("float32")
np.testing.assert_array_equal(np.asarray(augment.predict(images, verbose=0)), images)
assert np.isfinite(keras.ops.convert_to_numpy(model.predict(images, verbose=0))).all()
out = keras.ops.convert_to_numpy(augment(images, training=True))
assert out.shape == images.shape and np.isfinite(out).all()
print("state", flip._seed_state.numpy().tolist())
"""


def load_under(backend: str, model_path: Path) -> subprocess.Popen:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-c", CROSS_LOAD, str(model_path)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_contract_holds_under_every_backend(tmp_path):
    saved_under_tensorflow(tmp_path)
    processes = {backend: start(backend, tmp_path / backend) for backend in FIRST_IMPORTS}
    reports = {"tensorflow": None}
    (tmp_path / "tensorflow").mkdir()
    reports["tensorflow"] = backend_checks.run_checks(tmp_path / "tensorflow", only=TF_CHECKS)
    failures = []
    for backend, process in processes.items():
        output, _ = process.communicate(timeout=1500)
        results = tmp_path / backend / "results.json"
        if process.returncode != 0 or not results.exists():
            tail = output.decode(errors="replace")[-3000:]
            failures.append(f"{backend}: the subprocess exited with {process.returncode}:\n{tail}")
            continue
        reports[backend] = json.loads(results.read_text())
        assert reports[backend]["backend"] == backend
    for backend, report in reports.items():
        if report is None:
            continue
        expected = TF_CHECKS if backend == "tensorflow" else list(backend_checks.CHECKS)
        assert sorted(report["results"]) == sorted(expected), backend
        failures += [
            f"{backend} / {name}:\n{error}" for name, error in report["results"].items() if error
        ]
    assert not failures, "\n\n".join(failures)

    # Call-time-seeded outputs equal TensorFlow's, whatever the backend.
    reference = dict(np.load(tmp_path / "tensorflow" / "arrays.npz"))
    assert len(reference) >= 20, sorted(reference)
    for backend in FIRST_IMPORTS:
        arrays = dict(np.load(tmp_path / backend / "arrays.npz"))
        assert sorted(arrays) == sorted(reference), backend
        for name, expected in reference.items():
            if expected.dtype.kind == "U":
                np.testing.assert_array_equal(arrays[name], expected, err_msg=f"{backend}/{name}")
            else:
                np.testing.assert_allclose(
                    arrays[name], expected, atol=1e-3, err_msg=f"{backend}/{name}"
                )

    # Recipes are the same file under every backend; models saved under JAX and PyTorch
    # load here with their counters.
    recipe = (tmp_path / "tensorflow" / "recipe.json").read_text()
    for backend in FIRST_IMPORTS:
        assert (tmp_path / backend / "recipe.json").read_text() == recipe, backend
        loaded = keras.models.load_model(tmp_path / backend / "model.keras", safe_mode=True)
        flip = loaded.layers[0]
        assert isinstance(flip, ka.RandomFlip)
        # Saved after four training steps (256 per call), key = the seed.
        np.testing.assert_array_equal(flip._seed_state.numpy(), [4 * 256, 0, 1])

    # A model saved under JAX loads under PyTorch and the other way round (not through
    # TensorFlow): inference passes through, the counter is where it was saved (after four
    # training steps) and advances by one call.
    crossed = {"torch": load_under("torch", tmp_path / "jax" / "model.keras")}
    crossed["jax"] = load_under("jax", tmp_path / "torch" / "model.keras")
    for backend, process in crossed.items():
        output = process.communicate(timeout=600)[0].decode(errors="replace")
        assert process.returncode == 0, f"loading under {backend}:\n{output[-3000:]}"
        assert "state [1280, 0, 1]" in output, output[-3000:]
