"""Malformed and hostile recipes: a RecipeError naming the problem, files only when allowed."""

import copy
import json
import zipfile

import pytest

import keras_augment as ka
from keras_augment.cli import main
from keras_augment.recipes import MAX_RECIPE_BYTES, RecipeError, load_recipe, save_recipe

FORMAT = "keras_augment.recipe/1"


@pytest.fixture(scope="module")
def flip_recipe(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("r") / "flip.json"
    return json.loads(save_recipe(ka.Pipeline([ka.RandomFlip()]), path).read_text())


def _flip_config(doc: dict) -> dict:
    return doc["augmentation"]["config"]["layers"][0]["config"]


def _nested(doc: dict, levels: int) -> str:
    """``levels`` Pipelines, each holding the next, around the recipe's layer (as JSON text)."""
    outer = copy.deepcopy(doc["augmentation"])
    outer["config"]["layers"] = ["INNER"]
    template = json.dumps(outer)  # built as text: too deep for json.dumps
    text = json.dumps(doc["augmentation"])
    for _ in range(levels):
        text = template.replace('"INNER"', text)
    return f'{{"format": "{FORMAT}", "augmentation": {text}}}'


def _edit(edit):
    def make(doc):
        doc = copy.deepcopy(doc)
        edit(doc)
        return json.dumps(doc)

    return make


def _seed(text: str):
    return lambda doc: json.dumps(doc).replace('"seed": null', f'"seed": {text}', 1)


MALFORMED = {
    "unknown argument": (_edit(lambda d: _flip_config(d).update(bogus=1)), "bogus"),
    "bad argument value": (_edit(lambda d: _flip_config(d).update(mode=5)), "mode"),
    "missing argument": (_edit(lambda d: d["augmentation"]["config"].pop("layers")), "layers"),
    "10**400": (_seed("1" + "0" * 400), "64-bit range"),
    "Infinity": (_seed("Infinity"), "finite"),
    "NaN": (_seed("NaN"), "finite"),
    "1e999": (_seed("1e999"), "finite"),
    "100k nested lists": (
        lambda d: f'{{"format": "{FORMAT}", "augmentation": {"[" * 100_000}{"]" * 100_000}}}',
        "deeper than",
    ),
    "320 nested pipelines": (lambda d: _nested(d, 320), "deeper than"),
    "a string as config": (
        _edit(lambda d: d["augmentation"]["config"]["layers"][0].update(config="x")),
        "config",
    ),
    "class_name not a str": (
        _edit(lambda d: d["augmentation"]["config"]["layers"][0].update(class_name=[1])),
        "class_name",
    ),
    "unknown top-level key": (_edit(lambda d: d.update(extra=1)), "unknown keys"),
    "augmentation not an object": (_edit(lambda d: d.update(augmentation=[1])), "augmentation"),
    "layers not a list": (
        _edit(lambda d: d["augmentation"]["config"].update(layers=5)),
        "cannot be built",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_every_malformed_recipe_is_a_recipe_error_naming_the_problem(tmp_path, flip_recipe, case):
    make, named = MALFORMED[case]
    path = tmp_path / "r.json"
    path.write_text(make(flip_recipe))
    with pytest.raises(RecipeError, match=named):
        load_recipe(path)


def test_non_text_and_oversized_files(tmp_path):
    with zipfile.ZipFile(tmp_path / "model.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    with pytest.raises(RecipeError, match="zip archive"):
        load_recipe(tmp_path / "model.keras")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(RecipeError, match="not UTF-8"):
        load_recipe(tmp_path / "bin.json")
    with open(tmp_path / "big.json", "wb") as f:
        f.truncate(MAX_RECIPE_BYTES + 1)  # sparse: no time spent writing it
    with pytest.raises(RecipeError, match="at most"):
        load_recipe(tmp_path / "big.json")
    with pytest.raises(RecipeError, match="folder"):
        load_recipe(tmp_path)


def _thesaurus_recipe(path, thesaurus: str) -> None:
    layer = ka.text.SynonymReplacement(0.5, thesaurus={"quick": ["fast"]})
    doc = json.loads(save_recipe(layer, path).read_text())
    doc["augmentation"]["config"]["thesaurus"] = thesaurus
    path.write_text(json.dumps(doc))


def test_recipes_name_files_only_when_allowed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the secret line\n")
    recipe = tmp_path / "r.json"
    _thesaurus_recipe(recipe, str(secret))
    with pytest.raises(RecipeError, match="thesaurus.*allow_paths"):
        load_recipe(recipe)
    # Allowed, the file is read; its contents never appear in the error.
    with pytest.raises(RecipeError) as info:
        load_recipe(recipe, allow_paths=True)
    assert "x:0:0" not in str(info.value) and "secret line" not in str(info.value)
    # A base folder allows the files inside it, by relative name too, and nothing outside.
    words = tmp_path / "words"
    words.mkdir()
    (words / "t.tsv").write_text("quick\tfast|speedy\n")
    _thesaurus_recipe(recipe, "t.tsv")
    layer = load_recipe(recipe, allow_paths=words)
    assert layer.thesaurus == str(words / "t.tsv")
    _thesaurus_recipe(recipe, "../secret.txt")
    with pytest.raises(RecipeError, match="outside"):
        load_recipe(recipe, allow_paths=words)
    (tmp_path / "noise").mkdir()
    doc = {
        "format": FORMAT,
        "augmentation": {
            "module": "keras_augment.audio.waveform",
            "class_name": "AddBackgroundNoise",
            "registered_name": "keras_augment>AddBackgroundNoise",
            "config": {"bank": str(tmp_path / "noise")},
        },
    }
    recipe.write_text(json.dumps(doc))
    with pytest.raises(RecipeError, match="bank"):
        load_recipe(recipe)


def test_cli_bad_recipes_exit_2_with_one_line(tmp_path, flip_recipe, capsys):
    cases = ["unknown argument", "320 nested pipelines", "a string as config", "10**400"]
    for case in cases:
        (tmp_path / "r.json").write_text(MALFORMED[case][0](flip_recipe))
        argv = ["preview", "--recipe", str(tmp_path / "r.json"), "-o", str(tmp_path / "g.png")]
        assert main(argv) == 2, case
        err = capsys.readouterr().err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    _thesaurus_recipe(tmp_path / "r.json", str(tmp_path / "missing.tsv"))
    argv = ["expand", str(tmp_path), str(tmp_path / "out"), "--per-image", "1"]
    assert main([*argv, "--recipe", str(tmp_path / "r.json")]) == 2
    assert "--allow-paths" in capsys.readouterr().err
