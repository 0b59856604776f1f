"""The README's tables of layers, made from the registry (``keras_augment.registered_layers()``).

``python scripts/layer_table.py`` rewrites the part of README.md between the markers
``<!-- layer tables: start -->`` and ``<!-- layer tables: end -->``;
``tests/test_readme.py`` checks that the README holds what this script makes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import keras

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- layer tables: start (made by scripts/layer_table.py from the registry) -->"
END = "<!-- layer tables: end -->"
SECTIONS = (
    ("image", "Image layers"),
    ("composition", "Composition"),
    ("text", "Text (`keras_augment.text`)"),
    ("audio", "Audio (`keras_augment.audio`)"),
)
_TARGET_NAMES = {"masks": "masks", "boxes": "boxes", "keypoints": "keypoints"}


def _summary(cls: type) -> str:
    """The first line of the class docstring, ``|`` escaped for a Markdown cell."""
    return (cls.__doc__ or "").strip().split("\n")[0].replace("|", "\\|")


def _fused(cls: type) -> str:
    from keras_augment.core.color_fusion import LinearColorAugmentation
    from keras_augment.core.geometry import GeometricAugmentation

    if issubclass(cls, GeometricAugmentation) and getattr(cls, "fusable", True):
        return "geometry"
    if issubclass(cls, LinearColorAugmentation):
        return "colour"
    return ""


def _image_row(info) -> str:
    keras_name = "yes" if hasattr(keras.layers, info.name) else ""
    targets = ", ".join(t for t in info.targets if t in _TARGET_NAMES)
    cells = [f"`{info.name}`", info.family, _summary(info.cls), targets, _fused(info.cls)]
    return "| " + " | ".join(cells + [keras_name]) + " |"


def _row(info) -> str:
    return f"| `{info.name}` | {info.family} | {_summary(info.cls)} |"


def layer_tables() -> str:
    """The Markdown of the tables, one per kind, layers by family then name."""
    import keras_augment as ka

    parts = [START]
    for kind, title in SECTIONS:
        infos = sorted(ka.registered_layers(kind=kind), key=lambda i: (i.family, i.name))
        parts += ["", f"{title}, {len(infos)} layers:", ""]
        if kind == "image":
            parts += [
                "| layer | family | what it does | targets | fused in a `Pipeline` "
                "| Keras 3 namesake |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            parts += [_image_row(info) for info in infos]
        else:
            parts += ["| layer | family | what it does |", "| --- | --- | --- |"]
            parts += [_row(info) for info in infos]
    parts += ["", END]
    return "\n".join(parts)


def with_tables(readme: str) -> str:
    """``readme`` with the text between the markers replaced by :func:`layer_tables`."""
    start, end = readme.index(START), readme.index(END) + len(END)
    return readme[:start] + layer_tables() + readme[end:]


def main() -> int:
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    updated = with_tables(text)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
        print(f"updated the layer tables in {path}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
