"""Speed of the reference geometric pipeline under each Keras backend, side by side.

The workload of ``bench_geometric.py`` (32 images of 224x224x3 float32, flip +
rotation 20 degrees + shift 10% + zoom 20%, our fused ``Pipeline``), run in one
subprocess per Keras backend (the backend is fixed when Keras is imported), one
after the other. Two routes per backend:

- ``tf.data``: mapped over ``tf.data`` (``AUTOTUNE``, ``prefetch``), the route
  for every backend;
- in the backend's own step: under TensorFlow inside ``tf.function(jit_compile=True)``;
  under JAX inside ``jax.jit`` (the layer runs on the host through
  ``io_callback``); under PyTorch called eagerly on a torch tensor (through
  NumPy), as in PyTorch's ``model.fit``.

Every number is warm and the median of ``--repeats`` repetitions. Run from the
repository root::

    python benchmarks/bench_backends.py            # a few minutes on 2 cores
    python benchmarks/bench_backends.py --quick    # smoke run, not a measurement
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ("tensorflow", "jax", "torch")
IN_STEP = {
    "tensorflow": "tf.function(jit_compile=True)",
    "jax": "jax.jit (io_callback)",
    "torch": "eager torch tensor",
}


def child(backend: str, batches: int, repeats: int) -> dict:
    """Runs in a subprocess with ``KERAS_BACKEND=backend``; returns images/s per route."""
    sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]
    import numpy as np
    import tensorflow as tf
    from common import measure, tf_data_step

    from keras_augment.cli import default_pipeline

    images = np.random.default_rng(0).uniform(0, 255, (32, 224, 224, 3)).astype("float32")
    rates = {"tf.data": measure(tf_data_step(default_pipeline(), images), batches, repeats)}
    layer = default_pipeline()
    if backend == "tensorflow":
        compiled = tf.function(lambda x: layer(x, training=True), jit_compile=True)
        x = tf.constant(images)

        def step():
            compiled(x).numpy()

    elif backend == "jax":
        import jax

        compiled = jax.jit(lambda x: layer(x, training=True))
        x = jax.numpy.asarray(images)

        def step():
            compiled(x).block_until_ready()

    else:
        import torch

        x = torch.from_numpy(images)

        def step():
            layer(x, training=True)

    rates[IN_STEP[backend]] = measure(step, batches, repeats)
    return {route: statistics.median(values) for route, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny counts: a smoke run")
    parser.add_argument("--child", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.batches, args.repeats = 1, 1
    if args.child:
        print(json.dumps(child(args.child, args.batches, args.repeats)))
        return
    results = {}
    for backend in BACKENDS:
        print(f"== {backend}", file=sys.stderr, flush=True)
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
        command = [sys.executable, os.path.abspath(__file__), "--child", backend]
        command += ["--batches", str(args.batches), "--repeats", str(args.repeats)]
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=True)
        results[backend] = json.loads(done.stdout.strip().splitlines()[-1])
    reference = results["tensorflow"]["tf.data"]
    print("# Geometric pipeline under each Keras backend, 32 x 224x224x3 float32 per batch\n")
    print("| backend | route | images/s | this / TensorFlow in tf.data |")
    print("| --- | --- | ---: | ---: |")
    for backend, rates in results.items():
        for route, rate in rates.items():
            print(f"| {backend} | {route} | {rate:,.0f} | {rate / reference:.2f}x |")


if __name__ == "__main__":
    main()
