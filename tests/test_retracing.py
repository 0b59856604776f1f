"""Normal use prints no ``tf.function retracing`` warning.

TensorFlow warns when the functions of one piece of code were traced 5 times within 10 calls.
Layers called directly trace once per input signature, and the demo predicts in one batch, so
neither the demo nor a session calling several layers on clips and images of several sizes
should ever reach that. The run happens in a fresh interpreter: the warning counts calls per
process.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SESSION = """
import numpy as np
import keras_augment as ka
from keras_augment import audio, demo
from keras_augment.datasets import load_sample_image

results = demo.run(epochs=1, verbose=False)
print("demo models:", len(results))

photo = load_sample_image()[None].astype("float32")
image_layers = [
    ka.RandomFlip("horizontal"), ka.RandomRotation(0.1), ka.RandomZoom(0.2),
    ka.RandomContrast(0.3), ka.RandomGaussianBlur(0.5, 3),
    ka.Pipeline([ka.RandomRotation(0.1), ka.RandomBrightness(0.2)]),
]
calls = 0
for layer in image_layers:
    for size in (96, 80, 64, 72):
        out = layer(photo[:, :size, :size], training=True)
        assert out.shape == (1, size, size, 3), out.shape
        calls += 1

rate = 16000
clip = np.sin(np.arange(rate) / 7.0).astype("float32") * 0.5
audio_layers = [
    audio.Gain(), audio.AddGaussianNoise(), audio.PitchShift(sample_rate=rate),
    audio.LowPassFilter(sample_rate=rate), audio.HighPassFilter(sample_rate=rate),
    audio.TimeShift(), audio.SpeedChange(),
]
for layer in audio_layers:
    for length in (16000, 8000, 12000, 4000):
        out = layer(clip[:length], training=True)
        assert out.shape == (length,), out.shape
        calls += 1
    out = layer(np.stack([clip, clip])[..., None], training=True)
    assert out.shape == (2, rate, 1), out.shape
print("direct calls:", calls)
"""


def test_demo_and_direct_calls_print_no_retracing_warning(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    env.pop("KERAS_BACKEND", None)
    run = subprocess.run(
        [sys.executable, "-c", SESSION],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "demo models: 3" in run.stdout and "direct calls: 52" in run.stdout
    warnings = [line for line in run.stderr.splitlines() if "retracing" in line]
    assert not warnings, "\n".join(warnings)
