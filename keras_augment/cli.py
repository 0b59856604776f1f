"""What the ``keras-augment`` subcommands do (also ``python -m keras_augment``).

The parser is ``keras_augment_cli`` (outside this package, so that ``--help`` needs no
TensorFlow); ``main`` is the same function under its old name.
"""

from __future__ import annotations

import argparse
import os
import sys

from keras_augment_cli import (  # noqa: F401  (the command's entry)
    DEFAULT_PIPELINE,
    main,
    run_benchmarks,
)


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


def _fail(message: str) -> int:
    print(f"keras-augment: error: {message}", file=sys.stderr)
    return 2


def user_message(err: BaseException) -> str:
    """One line for the user: the error without TensorFlow's graph and node annotations."""
    import re

    if isinstance(err, OSError) and err.strerror:
        where = f": {err.filename}" if err.filename else ""
        return f"{err.strerror}{where}."
    text = getattr(err, "message", None) or str(err)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # Keras' bold markers
    if text.startswith("in user code:"):
        # A traced function's error: a traceback, then "SomeError: message".
        raised = re.findall(r"\n\s*\w+(?:Error|Exception): (.*(?:\n.*)*)", text)
        text = raised[-1] if raised else text
    # Keras wraps a layer's error: "Exception encountered when calling X.call().", the
    # error, then the arguments received; keep the error.
    text = re.sub(r"^\s*Exception encountered when calling [^\n]*\n", "", text)
    text = re.sub(r"\{\{function_node [^}]*\}\}", "", text)
    text = re.sub(r"\[\[\{\{node [^}]*\}\}\]\]", "", text)
    text = re.sub(r"\[Op:[^\]]*\]( name:.*)?", "", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


def _load_augmentation(recipe: str | None, seed: int | None, allow_paths: bool = False):
    if recipe is None:
        return default_pipeline(seed)
    from keras_augment.recipes import load_recipe

    return load_recipe(recipe, allow_paths=allow_paths)


def preview(
    image_path: str | None,
    n: int,
    output: str,
    seed: int | None,
    augmentation=None,
    max_pixels: int | None = None,
) -> str:
    """Writes a PNG grid: the original image first, then ``n`` augmented variants.

    The image is decoded by :func:`keras_augment.image.io.load_image`, which
    refuses images over ``max_pixels`` (default: ``$KERAS_AUGMENT_MAX_IMAGE_PIXELS``
    or 64 megapixels) before decoding them.
    """
    import numpy as np
    import tensorflow as tf
    from PIL import Image

    from keras_augment.datasets import load_sample_image
    from keras_augment.image.io import load_image

    if os.path.isdir(output):
        raise ValueError(f"the output {output} is a folder; give a file name such as grid.png.")
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise ValueError(f"the folder of the output, {folder}, does not exist.")
    if image_path is None:
        image = load_sample_image()
    else:
        image = load_image(image_path, "rgb", dtype=None, max_pixels=max_pixels)
    if augmentation is None:
        augmentation = default_pipeline(seed)
    batch = np.repeat(image[None], n, axis=0)
    augmented = np.asarray(augmentation(batch, training=True))
    if augmented.ndim != 4 or augmented.shape[-1] != 3:
        raise ValueError(
            f"the augmentation returned shape {augmented.shape}; preview needs images "
            "[batch, height, width, 3]."
        )
    if augmented.shape[1:3] != image.shape[:2]:
        # Size-changing recipes (crops): show the variants at the original size.
        augmented = tf.image.resize(augmented, image.shape[:2]).numpy()
    tiles = np.concatenate([image[None], np.clip(np.round(augmented), 0, 255).astype(np.uint8)])
    tmp = output + ".part.png"
    try:
        Image.fromarray(grid(tiles, columns=min(4, n + 1))).save(tmp)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return output


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Runs the parsed subcommand; user errors print one line and return 2."""
    import warnings

    from PIL import Image

    # The pixel limit (--max-pixels) decides; PIL's own warning would only repeat it.
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
    try:
        return _run(parser, args) or 0
    except (ValueError, TypeError, OSError) as err:
        # TypeError: a recipe's layer refusing images (a text layer, say).
        return _fail(user_message(err))
    except Exception as err:
        import tensorflow as tf

        if isinstance(err, tf.errors.OpError):
            return _fail(user_message(err))
        raise


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int | None:
    if args.command == "preview":
        if args.n < 1:
            parser.error("-n must be at least 1")
        augmentation = _load_augmentation(args.recipe, args.seed, args.allow_paths)
        path = preview(args.image, args.n, args.output, args.seed, augmentation, args.max_pixels)
        print(f"wrote {path}: the original and {args.n} augmented variants")
    elif args.command == "expand":
        from keras_augment.data.expand import expand

        if args.per_image is None and args.total is None and not args.balance:
            parser.error("expand: give --per-image N, --total N or --balance")

        report = expand(
            args.src,
            args.dst,
            _load_augmentation(args.recipe, None, args.allow_paths),
            per_image=args.per_image,
            total=args.total,
            per_class=args.per_class,
            balance=args.balance,
            copies_only=args.copies_only,
            jpeg_quality=args.jpeg_quality,
            masks=args.masks,
            masks_dst=args.masks_out,
            overwrite=args.overwrite,
            seed=args.seed,
            on_error=args.on_error,
            max_pixels=args.max_pixels,
        )
        print(f"wrote {report.written} images to {args.dst} ({report.skipped} already there)")
        if report.originals:
            print(f"copied {report.originals} source images unchanged beside them")
        if report.unreadable:
            print(f"skipped {len(report.unreadable)} source(s) that could not be decoded:")
            for path, reason in report.unreadable.items():
                print(f"  {path}: {reason}")
        if args.balance:
            for cls, (sources, copies) in sorted(report.balance.items()):
                print(f"  {cls or '.'}: {sources} sources + {copies} copies = {sources + copies}")
    elif args.command == "demo":
        from keras_augment import demo

        print("Training on digits that all face one way; half of the test digits are mirrored.")
        results = demo.run(epochs=args.epochs)
        print(demo.table(results))
        path = preview(None, 10, args.output, 0)
        print(f"wrote {path}: the shipped photograph and 10 augmented variants")
    return 0


if __name__ == "__main__":
    sys.exit(main())
