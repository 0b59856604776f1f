"""The ``keras-augment`` command (also ``python -m keras_augment``)."""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_PIPELINE = "flip+rotate+shift+zoom"


def default_pipeline(seed: int | None = None):
    """The reference pipeline: horizontal flip, rotation up to 20 degrees, shift 10%, zoom 20%."""
    import keras_augment as ka

    return ka.Pipeline(
        [
            ka.RandomFlip("horizontal", seed=seed),
            ka.RandomRotation(20 / 360, seed=None if seed is None else seed + 1),
            ka.RandomTranslation(0.1, 0.1, seed=None if seed is None else seed + 2),
            ka.RandomZoom(0.2, seed=None if seed is None else seed + 3),
        ]
    )


def grid(images, columns: int):
    """Tiles ``uint8[n, h, w, 3]`` images into one ``uint8`` picture with 4-pixel gutters."""
    import numpy as np

    n, h, w, c = images.shape
    rows = -(-n // columns)
    gap = 4
    canvas = np.full((rows * (h + gap) + gap, columns * (w + gap) + gap, c), 255, np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        top, left = gap + r * (h + gap), gap + col * (w + gap)
        canvas[top : top + h, left : left + w] = image
    return canvas


def preview(image_path: str | None, n: int, output: str, seed: int | None) -> str:
    """Writes a PNG grid: the original image first, then ``n`` augmented variants."""
    import numpy as np
    import tensorflow as tf
    from PIL import Image

    from keras_augment.datasets import load_sample_image

    if image_path is None:
        image = load_sample_image()
    else:
        image = tf.io.decode_image(tf.io.read_file(image_path), channels=3, expand_animations=False).numpy()
    batch = np.repeat(image[None], n, axis=0)
    augmented = default_pipeline(seed)(batch, training=True).numpy()
    tiles = np.concatenate([image[None], np.clip(np.round(augmented), 0, 255).astype(np.uint8)])
    Image.fromarray(grid(tiles, columns=min(4, n + 1))).save(output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="keras-augment", description="Data augmentation layers for Keras 3."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "preview",
        help="write a grid of an image and augmented variants of it",
        description=(
            "Augments an image n times with the reference pipeline "
            f"({DEFAULT_PIPELINE}) and writes the original and the variants as a PNG grid. "
            "With no image, uses the photograph shipped in the package."
        ),
    )
    p.add_argument("image", nargs="?", help="image file (JPEG, PNG, BMP or GIF); default: shipped photo")
    p.add_argument("-n", type=int, default=10, help="number of augmented variants (default 10)")
    p.add_argument("-o", "--output", default="preview.png", help="output PNG (default preview.png)")
    p.add_argument("--seed", type=int, default=None, help="seed for reproducible variants")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.command == "preview":
        if args.n < 1:
            parser.error("-n must be at least 1")
        path = preview(args.image, args.n, args.output, args.seed)
        print(f"wrote {path}: the original and {args.n} augmented variants")
    return 0


if __name__ == "__main__":
    sys.exit(main())
