"""Packaging: the licence, the version and the type marker are where installers look for them."""

import sys
from pathlib import Path

import keras_augment
from keras_augment import _version

if sys.version_info >= (3, 11):
    import tomllib
else:  # the dev extra brings tomli on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_file_matches_pyproject():
    project = _pyproject()["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text


def test_version_has_one_source():
    config = _pyproject()
    assert "version" not in config["project"]
    assert "version" in config["project"]["dynamic"]
    attr = config["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "keras_augment._version.__version__"
    assert keras_augment.__version__ == _version.__version__
    assert f"## {_version.__version__} " in (ROOT / "CHANGELOG.md").read_text()


def test_py_typed_ships_with_the_package():
    assert (ROOT / "keras_augment" / "py.typed").is_file()
    assert "py.typed" in _pyproject()["tool"]["setuptools"]["package-data"]["keras_augment"]


def test_viz_extra_brings_matplotlib():
    assert _pyproject()["project"]["optional-dependencies"]["viz"] == ["matplotlib"]


def test_every_registered_layer_constructor_is_annotated_and_the_hints_resolve():
    """Type checkers and editors see every constructor argument's type (py.typed promises it)."""
    import inspect
    import typing

    unannotated = []
    for info in keras_augment.registered_layers():
        init = info.cls.__init__
        typing.get_type_hints(init)  # every hint names something that exists
        for name, param in inspect.signature(init).parameters.items():
            if name == "self" or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                continue
            if param.annotation is inspect.Parameter.empty:
                unannotated.append(f"{info.name}.{name}")
    assert not unannotated, unannotated
