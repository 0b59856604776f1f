"""How much detail survives five warps: pixel standard deviation of white noise after augmentation.

Every bilinear resampling averages neighbouring pixels, so white noise loses
contrast each time it is interpolated. Stacking geometric layers resamples
once per layer; ``keras_augment.Pipeline`` multiplies their matrices and
resamples once. The workload: white noise, 224x224x3, uniform in [0, 255]
(standard deviation about 73.9), through horizontal flip + rotation up to 20
degrees + shift up to 10% + zoom up to 20% + shear up to 0.1, built three ways:

- ``keras.layers`` stacked in a ``keras.Sequential`` (five resamplings);
- our layers stacked in a ``keras.Sequential`` (unfused, five resamplings);
- our ``Pipeline`` of the same layers (fused, one resampling).

Run from the repository root::

    python benchmarks/detail_loss.py [--images 16] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = 224


def layers_from(module, seed: int) -> list:
    """flip + rotate + shift + zoom + shear from ``module`` (``keras.layers`` or ``keras_augment``)."""
    return [
        module.RandomFlip("horizontal", seed=seed),
        module.RandomRotation(20 / 360, seed=seed + 1),
        module.RandomTranslation(0.1, 0.1, seed=seed + 2),
        module.RandomZoom(0.2, seed=seed + 3),
        module.RandomShear(x_factor=0.1, y_factor=0.1, seed=seed + 4),
    ]


def pixel_std(images) -> list[float]:
    """Standard deviation of each image over all its pixels and channels."""
    import numpy as np

    array = np.asarray(images, dtype=np.float64)
    return array.reshape(len(array), -1).std(axis=1).tolist()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=16, help="noise images per system")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise and the layers")
    args = parser.parse_args(argv)
    if args.images < 1:
        parser.error("--images must be at least 1")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, ROOT)
    import keras
    import numpy as np

    import keras_augment

    rng = np.random.default_rng(args.seed)
    noise = rng.uniform(0.0, 255.0, (args.images, SIZE, SIZE, 3)).astype(np.float32)
    systems = [
        ("input (no augmentation)", "-", lambda x: x),
        (
            "keras.layers stacked",
            "5",
            keras.Sequential(layers_from(keras.layers, args.seed)),
        ),
        (
            "ours stacked in keras.Sequential (unfused)",
            "5",
            keras.Sequential(layers_from(keras_augment, args.seed)),
        ),
        (
            "ours in Pipeline (fused)",
            "1",
            keras_augment.Pipeline(layers_from(keras_augment, args.seed)),
        ),
    ]

    print("# Detail left after flip + rotate 20 deg + shift 10% + zoom 20% + shear 0.1\n")
    print(
        f"- white noise, {args.images} images of {SIZE}x{SIZE}x3, uniform in [0, 255], seed {args.seed}"
    )
    print(
        f"- versions: keras {keras.__version__}, keras_augment {keras_augment.__version__}, "
        f"numpy {np.__version__}\n"
    )
    print("| system | resamplings | pixel std (mean) | min-max over images | kept vs input |")
    print("|---|---|---|---|---|")
    input_std = float(np.mean(pixel_std(noise)))
    for name, passes, system in systems:
        out = system(noise) if passes == "-" else system(noise, training=True)
        stds = pixel_std(out)
        mean = float(np.mean(stds))
        print(
            f"| {name} | {passes} | {mean:.1f} | {min(stds):.1f}-{max(stds):.1f} | "
            f"{mean / input_std:.0%} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
