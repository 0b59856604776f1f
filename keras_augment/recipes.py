"""Recipes: an augmentation saved to and loaded from a JSON file.

A recipe is the Keras serialization of a layer (usually a ``Pipeline``).
Loading never executes code: before anything is built, every object the
file names is checked against the layers registered by ``keras_augment`` and
Keras' own layers, and anything else is refused. Recipes may come from
anywhere, so a malformed one (too large, too deeply nested, numbers out of
range, arguments a layer does not take) is a :class:`RecipeError` naming the
problem, and a recipe may not name files (a thesaurus, a folder of noise
recordings) unless the caller allows it.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import keras

RECIPE_FORMAT = "keras_augment.recipe/1"
# A recipe holding recordings inline (AddBackgroundNoise(bank=[...])) runs to a few
# megabytes; past this it is not a recipe we wrote.
MAX_RECIPE_BYTES = 16 * 2**20
# A pipeline nests four JSON levels per level of composition; 100 allows two dozen.
MAX_RECIPE_DEPTH = 100
_INT64 = 2**63


class RecipeError(ValueError):
    """A recipe file that cannot be used: unreadable, malformed or naming unknown objects."""


def save_recipe(augmentation: keras.layers.Layer, path: str | os.PathLike) -> Path:
    """Writes ``augmentation`` (any serializable layer) to ``path`` as JSON; returns the path."""
    if not isinstance(augmentation, keras.layers.Layer):
        raise TypeError(f"save_recipe: expected a Keras layer; got {type(augmentation).__name__}.")
    document = {
        "format": RECIPE_FORMAT,
        "augmentation": keras.saving.serialize_keras_object(augmentation),
    }
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=2, sort_keys=True))
    tmp.replace(path)  # never leave a half-written recipe under the final name
    return path


# Keras' own namespaces whose classes a layer config may name (layers and
# the objects nested in their configs: dtype policies, initializers, ...).
_KERAS_MODULES = {
    "keras": keras,
    "keras.layers": keras.layers,
    "keras.initializers": keras.initializers,
    "keras.regularizers": keras.regularizers,
    "keras.constraints": keras.constraints,
    "keras.dtype_policies": keras.dtype_policies,
}


def _allowed(config: dict) -> bool:
    registered = config.get("registered_name")
    if isinstance(registered, str) and registered.startswith("keras_augment>"):
        return keras.saving.get_registered_object(registered) is not None
    module = _KERAS_MODULES.get(config.get("module"))
    class_name = config.get("class_name")
    if module is not None and isinstance(class_name, str) and registered in (None, class_name):
        return isinstance(getattr(module, class_name, None), type)
    return False


def _check(node, where: str, allow_paths) -> None:
    """Refuses unknown objects and file arguments; rewrites allowed paths in place."""
    if isinstance(node, dict):
        if "class_name" in node:
            class_name, config = node.get("class_name"), node.get("config")
            if not isinstance(class_name, str) or not isinstance(config, dict):
                raise RecipeError(
                    f"load_recipe: {where} has an object whose class_name is "
                    f"{type(class_name).__name__} and config {type(config).__name__}; expected a "
                    "class name (str) and a config (JSON object)."
                )
            if not _allowed(node):
                name = node.get("registered_name") or class_name
                raise RecipeError(
                    f"load_recipe: {where} names {name!r} (module {node.get('module')!r}), which "
                    "is not a keras_augment layer or a built-in Keras layer; recipes may only "
                    "name registered layers."
                )
            _check_paths(node, f"{where} > {class_name}", allow_paths)
            _check(config, f"{where} > {class_name}", allow_paths)
            return
        for value in node.values():
            _check(value, where, allow_paths)
    elif isinstance(node, list):
        for value in node:
            _check(value, where, allow_paths)


def _layer_class(node: dict):
    registered = node.get("registered_name")
    if isinstance(registered, str) and registered.startswith("keras_augment>"):
        return keras.saving.get_registered_object(registered)
    return None


def _check_paths(node: dict, where: str, allow_paths) -> None:
    """File arguments of the layer ``node`` (its class's ``path_arguments``) under ``allow_paths``."""
    cls = _layer_class(node)
    config = node["config"]
    for argument in getattr(cls, "path_arguments", ()):
        value = config.get(argument)
        if not isinstance(value, str):
            continue  # None, or the data itself (a dict of synonyms, a list of clips)
        if allow_paths is True:
            continue
        if allow_paths is False or allow_paths is None:
            raise RecipeError(
                f"load_recipe: {where} reads the file or folder given as `{argument}`; a recipe "
                "may name files only when the caller trusts it: pass allow_paths=True, or a "
                "folder the files must be in (CLI: --allow-paths)."
            )
        base = Path(allow_paths).resolve()
        target = (base / value).resolve()
        if target != base and base not in target.parents:
            raise RecipeError(
                f"load_recipe: {where} names a file outside {base} as `{argument}`; the recipe "
                "may only name files inside the folder given as allow_paths."
            )
        config[argument] = str(target)


def _refuse_constant(name: str):
    raise RecipeError(f"load_recipe: the recipe holds {name}; numbers in a recipe must be finite.")


def _parse_int(text: str) -> int:
    # Checked on the digits, before Python builds a huge int (10**400 is 401 digits).
    if len(text.lstrip("-")) > 19 or not -_INT64 <= int(text) < _INT64:
        raise RecipeError(
            f"load_recipe: the recipe holds the integer {text[:24]}{'...' if len(text) > 24 else ''}, "
            "outside the 64-bit range a layer argument can take."
        )
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        _refuse_constant(f"the number {text[:24]}, which overflows a float")
    return value


def _depth(document) -> int:
    """How deeply ``document`` nests (iteratively: the document may be deeper than the stack)."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, level)
            if level > MAX_RECIPE_DEPTH:
                break
            stack.extend((child, level + 1) for child in node)
    return deepest


def _read_document(path: Path) -> dict:
    """The recipe's JSON object, or a :class:`RecipeError` saying why it is not one."""
    try:
        size = path.stat().st_size
        if size > MAX_RECIPE_BYTES:
            raise RecipeError(
                f"load_recipe: {path} is {size:,} bytes; a recipe is at most "
                f"{MAX_RECIPE_BYTES:,} bytes."
            )
        data = path.read_bytes()
    except IsADirectoryError:
        raise RecipeError(f"load_recipe: {path} is a folder, not a recipe file.") from None
    except OSError as err:
        raise RecipeError(f"load_recipe: cannot read {path}: {err.strerror or err}.") from err
    if data[:4] == b"PK\x03\x04":
        raise RecipeError(
            f"load_recipe: {path} is a zip archive (a .keras model?), not a recipe; recipes are "
            "the JSON files written by save_recipe."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise RecipeError(
            f"load_recipe: {path} is not UTF-8 text; recipes are the JSON files written by "
            "save_recipe."
        ) from None
    try:
        document = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=lambda name: _refuse_constant(name),
        )
    except json.JSONDecodeError as err:
        raise RecipeError(
            f"load_recipe: {path} is not JSON ({err.msg} at line {err.lineno})."
        ) from None
    except RecursionError:
        raise RecipeError(
            f"load_recipe: {path} nests deeper than {MAX_RECIPE_DEPTH} levels."
        ) from None
    if _depth(document) > MAX_RECIPE_DEPTH:
        raise RecipeError(f"load_recipe: {path} nests deeper than {MAX_RECIPE_DEPTH} levels.")
    if not isinstance(document, dict) or document.get("format") != RECIPE_FORMAT:
        raise RecipeError(
            f"load_recipe: {path} is not a keras_augment recipe; expected a JSON object with "
            f'"format": "{RECIPE_FORMAT}".'
        )
    unknown = sorted(set(document) - {"format", "augmentation"})
    if unknown:
        raise RecipeError(
            f"load_recipe: {path} has unknown keys {unknown}; a recipe holds "
            '"format" and "augmentation" only.'
        )
    return document


def _first_line(err: BaseException) -> str:
    """The sentence that names the problem (Keras wraps it after "Exception encountered:")."""
    if type(err) is KeyError and err.args:
        return f"an argument it needs, {err.args[0]!r}, is missing."
    text = str(err)
    text = text.rsplit("Exception encountered:", 1)[-1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


def load_recipe(
    path: str | os.PathLike, *, allow_paths: bool | str | os.PathLike = False
) -> keras.layers.Layer:
    """Builds the augmentation saved in the recipe at ``path``.

    Args:
        path: the recipe file (JSON written by :func:`save_recipe`).
        allow_paths: whether the recipe may name files that its layers read
            when built (``thesaurus=`` of the text layers, ``bank=`` of
            ``AddBackgroundNoise``, ``impulse_responses=`` of ``Reverb``):
            ``False`` (the default) refuses them, so a recipe from elsewhere
            cannot make the program read arbitrary files; ``True`` allows any
            file; a folder allows files inside it (relative names are taken
            from that folder).

    Raises:
        RecipeError: the file is missing, larger than ``MAX_RECIPE_BYTES``,
            not UTF-8 JSON, nested deeper than ``MAX_RECIPE_DEPTH``, holds
            non-finite or out-of-range numbers, names anything but
            ``keras_augment`` layers and built-in Keras layers, names files
            that ``allow_paths`` does not allow, or describes layers that
            cannot be built from their arguments.
    """
    path = Path(path)
    document = _read_document(path)
    config = document.get("augmentation")
    if not isinstance(config, dict) or "class_name" not in config:
        raise RecipeError(f'load_recipe: {path} has no "augmentation" layer config.')
    _check(config, "the recipe", allow_paths)
    try:
        layer = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except RecipeError:
        raise
    except RecursionError:
        raise RecipeError(f"load_recipe: {path} nests its layers too deeply to build.") from None
    except Exception as err:  # the layers' own argument checks, in any form
        raise RecipeError(
            f"load_recipe: {path} describes a layer that cannot be built: {_first_line(err)}"
        ) from err
    if not isinstance(layer, keras.layers.Layer):
        raise RecipeError(f"load_recipe: {path} does not describe a layer.")
    return layer
