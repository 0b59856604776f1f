"""Recipes: an augmentation saved to and loaded from a JSON file.

A recipe is the Keras serialization of a layer (usually a ``Pipeline``).
Loading never executes code: before anything is built, every object the
file names is checked against the layers registered by ``keras_augment`` and
Keras' own layers, and anything else is refused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras

RECIPE_FORMAT = "keras_augment.recipe/1"


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


def _check(node, where: str) -> None:
    if isinstance(node, dict):
        if "class_name" in node and "config" in node:
            if not _allowed(node):
                name = node.get("registered_name") or node.get("class_name")
                raise RecipeError(
                    f"load_recipe: {where} names {name!r} (module {node.get('module')!r}), which "
                    "is not a keras_augment layer or a built-in Keras layer; recipes may only "
                    "name registered layers."
                )
            _check(node["config"], f"{where} > {node.get('class_name')}")
            return
        for value in node.values():
            _check(value, where)
    elif isinstance(node, list):
        for value in node:
            _check(value, where)


def load_recipe(path: str | os.PathLike) -> keras.layers.Layer:
    """Builds the augmentation saved in the recipe at ``path``.

    Raises:
        RecipeError: the file is missing, is not a recipe, or names anything
            but ``keras_augment`` layers and built-in Keras layers.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except OSError as err:
        raise RecipeError(f"load_recipe: cannot read {path}: {err.strerror or err}.") from err
    except json.JSONDecodeError as err:
        raise RecipeError(
            f"load_recipe: {path} is not JSON ({err.msg} at line {err.lineno})."
        ) from err
    if not isinstance(document, dict) or document.get("format") != RECIPE_FORMAT:
        raise RecipeError(
            f"load_recipe: {path} is not a keras_augment recipe; expected a JSON object with "
            f'"format": "{RECIPE_FORMAT}".'
        )
    config = document.get("augmentation")
    if not isinstance(config, dict) or "class_name" not in config:
        raise RecipeError(f'load_recipe: {path} has no "augmentation" layer config.')
    _check(config, "the recipe")
    layer = keras.saving.deserialize_keras_object(config, safe_mode=True)
    if not isinstance(layer, keras.layers.Layer):
        raise RecipeError(f"load_recipe: {path} does not describe a layer.")
    return layer
