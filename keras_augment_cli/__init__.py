"""The ``keras-augment`` command line: its parser, and the hand-over to ``keras_augment.cli``.

The parser lives outside the ``keras_augment`` package because importing the package imports
Keras and TensorFlow, which takes seconds; ``keras-augment --help`` and every subcommand's
``--help`` answer without them. The subcommands import the package when they run.
"""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_PIPELINE = "flip+rotate+shift+zoom"


def version() -> str:
    """``keras_augment.__version__``, read from its one source without importing the package."""
    import importlib.util
    import runpy
    from pathlib import Path

    spec = importlib.util.find_spec("keras_augment")
    if spec is None or not spec.submodule_search_locations:
        return "unknown"
    folder = Path(next(iter(spec.submodule_search_locations)))
    return runpy.run_path(str(folder / "_version.py"))["__version__"]


def _image_options(command) -> None:
    """Options shared by the commands that read images and recipes."""
    command.add_argument(
        "--max-pixels",
        type=int,
        default=None,
        metavar="N",
        help="refuse images of more than N pixels, read from their header before decoding "
        "(default: $KERAS_AUGMENT_MAX_IMAGE_PIXELS or 67108864, i.e. 8192x8192; 0: no limit)",
    )
    command.add_argument(
        "--allow-paths",
        action="store_true",
        help="let the recipe name files its layers read (a thesaurus, a folder of recordings); "
        "only for recipes you trust",
    )


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``keras-augment`` and its subcommands (no TensorFlow needed)."""
    parser = argparse.ArgumentParser(
        prog="keras-augment", description="Data augmentation layers for Keras 3."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
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
    p.add_argument(
        "image", nargs="?", help="image file (JPEG, PNG, BMP or GIF); default: shipped photo"
    )
    p.add_argument("-n", type=int, default=10, help="number of augmented variants (default 10)")
    p.add_argument("-o", "--output", default="preview.png", help="output PNG (default preview.png)")
    p.add_argument("--seed", type=int, default=None, help="seed for reproducible variants")
    p.add_argument(
        "--recipe", help="JSON recipe (see keras_augment.save_recipe); default: reference pipeline"
    )
    _image_options(p)

    e = sub.add_parser(
        "expand",
        help="write augmented copies of a folder of images",
        description=(
            "Writes augmented PNG copies of the images in SRC (an image, a folder of images, or a "
            "folder of class subfolders) into DST with the same layout; with --balance, a "
            "balanced copy of SRC whose files keep their formats. Interrupted runs can be "
            "started again: existing outputs are skipped and the rest come out as they would have."
        ),
    )
    e.add_argument("src", help="source image or folder (never modified)")
    e.add_argument("dst", help="output folder (must not be inside SRC)")
    count = e.add_mutually_exclusive_group()
    count.add_argument("--per-image", type=int, help="augmented copies of every source image")
    count.add_argument(
        "--total",
        type=int,
        help="images to write in all (per class with --per-class; with --balance, the size "
        "every class reaches, originals included)",
    )
    e.add_argument("--per-class", action="store_true", help="with --total: that many per class")
    e.add_argument(
        "--balance",
        action="store_true",
        help="make DST a balanced copy of SRC: the sources plus augmented copies, so every class "
        "has as many images as the largest class (or as --total); each copy keeps its source's "
        "format (JPEG stays JPEG, see --jpeg-quality)",
    )
    e.add_argument(
        "--copies-only",
        action="store_true",
        help="with --balance: write only the augmented copies, not the sources",
    )
    e.add_argument(
        "--jpeg-quality",
        type=int,
        default=95,
        metavar="Q",
        help="with --balance: quality of the JPEG copies, 1-100 (default 95)",
    )
    e.add_argument(
        "--masks",
        metavar="DIR",
        help="segmentation masks laid out like SRC (SRC/a/x.jpg -> DIR/a/x.png), moved with "
        "their images",
    )
    e.add_argument("--masks-out", metavar="DIR", help="output folder of the masks (with --masks)")
    e.add_argument("--recipe", help="JSON recipe; default: reference pipeline")
    e.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    e.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    e.add_argument(
        "--on-error",
        choices=("skip", "raise"),
        default="skip",
        help="undecodable sources (stray ._ files, truncated or oversized images): skip and "
        "list them (default), or stop at the first",
    )
    _image_options(e)

    d = sub.add_parser(
        "demo",
        help="train a small CNN with and without augmentation and compare",
        description=(
            "The project's main job on its shipped data: trains a small CNN on 8x8 handwritten "
            "digits that all face one way and tests it on digits of which half are mirrored, "
            "without augmentation, with vertical flips and with horizontal flips; prints train "
            "and test accuracy for each and writes a preview PNG of augmented photographs."
        ),
    )
    b = sub.add_parser(
        "bench",
        help="run the benchmarks and print their tables",
        description=(
            "Runs the scripts of the repository's benchmarks/ folder one after the other "
            "(python benchmarks/run_all.py) and prints their Markdown tables; with "
            "--write-readme it also writes them into README.md, benchmarks/RESULTS.md and "
            "benchmarks/results.png. The peers it compares against come with the bench extra "
            '(pip install "keras-augment[bench]"); scripts whose packages are missing are '
            "skipped and named, with the command that installs them. Needs a checkout of the "
            "repository (pip install -e .)."
        ),
    )
    b.add_argument("--quick", action="store_true", help="smoke run with tiny counts")
    b.add_argument(
        "--only", action="append", metavar="NAME", help="run only this benchmark (repeatable)"
    )
    b.add_argument(
        "--write-readme",
        action="store_true",
        help="write the results into README.md, benchmarks/RESULTS.md and benchmarks/results.png "
        "(default: print only)",
    )

    d.add_argument("--epochs", type=int, default=20, help="training epochs per model (default 20)")
    d.add_argument(
        "-o", "--output", default="preview.png", help="preview PNG (default preview.png)"
    )

    return parser


def run_benchmarks(quick: bool, only: list[str] | None, write_readme: bool = False) -> int:
    """Runs ``benchmarks/run_all.py`` of the checkout this package was installed from.

    It prints the tables, and writes them into README.md, benchmarks/RESULTS.md and
    benchmarks/results.png only with ``write_readme``. Returns its exit status: 0 also when
    scripts were skipped because optional packages are missing (it names them).
    """
    import subprocess
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "run_all.py"
    if not script.is_file():
        raise FileNotFoundError(
            "bench: the benchmarks/ folder of the repository was not found next to the "
            f"installed package (looked for {script}); install from a checkout with "
            "`pip install -e .` to run them."
        )
    args = [sys.executable, str(script)]
    args += ["--quick"] * quick + ["--no-write"] * (not write_readme)
    for name in only or []:
        args += ["--only", name]
    return subprocess.run(args, cwd=script.parent.parent, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Runs ``keras-augment`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.command == "bench":  # runs the benchmarks in their own processes
        try:
            return run_benchmarks(args.quick, args.only, args.write_readme)
        except FileNotFoundError as err:
            print(f"keras-augment: error: {err}", file=sys.stderr)
            return 2
    from keras_augment import cli

    return cli.run(parser, args)


if __name__ == "__main__":
    sys.exit(main())
