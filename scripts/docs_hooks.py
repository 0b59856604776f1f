"""MkDocs hooks: the site's name carries the package version, read from its one source."""

from __future__ import annotations

import ast
from pathlib import Path

VERSION_FILE = Path(__file__).resolve().parents[1] / "keras_augment" / "_version.py"


def package_version() -> str:
    """``__version__`` from ``keras_augment/_version.py``, read without importing the package."""
    for node in ast.parse(VERSION_FILE.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise ValueError(f"no __version__ in {VERSION_FILE}")


def on_config(config):
    config["site_name"] = f"keras_augment {package_version()}"
    return config
