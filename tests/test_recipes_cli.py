"""Recipes (JSON through Keras serialization, never executing code) and the keras-augment command."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import keras_augment as ka
from keras_augment.cli import main
from keras_augment.recipes import RecipeError, load_recipe, save_recipe


def test_recipe_round_trip(tmp_path):
    pipeline = ka.Pipeline(
        [
            ka.RandomFlip("horizontal", seed=1),
            ka.RandomRotation(0.1, seed=2),
            keras.layers.Rescaling(0.5),
        ]
    )
    path = save_recipe(pipeline, tmp_path / "r.json")
    loaded = load_recipe(path)
    assert isinstance(loaded, ka.Pipeline)
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "RandomFlip",
        "RandomRotation",
        "Rescaling",
    ]
    x = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(loaded(x), pipeline(x), atol=1e-4)  # same seeds, same first call


def test_recipe_refuses_unregistered_objects(tmp_path):
    path = save_recipe(ka.Pipeline([ka.RandomFlip()]), tmp_path / "r.json")
    doc = json.loads(path.read_text())
    doc["augmentation"]["config"]["layers"][0] = {
        "module": "os",
        "class_name": "system",
        "config": {},
        "registered_name": "os>system",
    }
    path.write_text(json.dumps(doc))
    with pytest.raises(RecipeError, match="system"):
        load_recipe(path)
    lambda_layer = keras.saving.serialize_keras_object(keras.layers.Lambda(lambda x: x))
    doc["augmentation"]["config"]["layers"][0] = lambda_layer
    path.write_text(json.dumps(doc))
    with pytest.raises(Exception, match="(?i)lambda|safe"):
        load_recipe(path)


def test_recipe_errors(tmp_path):
    with pytest.raises(RecipeError, match="cannot read"):
        load_recipe(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(RecipeError, match="not JSON"):
        load_recipe(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text('{"a": 1}')
    with pytest.raises(RecipeError, match="not a keras_augment recipe"):
        load_recipe(tmp_path / "other.json")


def test_preview_writes_a_grid_of_the_shipped_photo(tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["preview", "-n", "3", "-o", str(out), "--seed", "1"]) == 0
    grid = np.asarray(Image.open(out))
    # 4 tiles of 240x360 in one row with 4-pixel gutters.
    assert grid.shape == (240 + 8, 4 * 360 + 5 * 4, 3)
    assert "3 augmented variants" in capsys.readouterr().out


def test_preview_with_a_recipe_and_errors(tmp_path, photo, capsys):
    recipe = save_recipe(ka.Pipeline([ka.RandomCrop(100, 100)]), tmp_path / "crop.json")
    image = tmp_path / "photo.png"
    Image.fromarray(photo).save(image)
    assert (
        main(
            [
                "preview",
                str(image),
                "--recipe",
                str(recipe),
                "-n",
                "2",
                "-o",
                str(tmp_path / "g.png"),
            ]
        )
        == 0
    )
    (tmp_path / "junk.jpg").write_bytes(b"junk")
    assert main(["preview", str(tmp_path / "junk.jpg"), "-o", str(tmp_path / "x.png")]) == 2
    assert "junk.jpg" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_expand_command(tmp_path, photo):
    src = tmp_path / "src" / "a"
    src.mkdir(parents=True)
    Image.fromarray(photo[:20, :20]).save(src / "one.png")
    assert main(["expand", str(tmp_path / "src"), str(tmp_path / "out"), "--per-image", "2"]) == 0
    assert sorted(p.name for p in (tmp_path / "out" / "a").iterdir()) == [
        "one_png_aug0000.png",
        "one_png_aug0001.png",
    ]
    assert (
        main(["expand", str(tmp_path / "src"), str(tmp_path / "src" / "out"), "--total", "1"]) == 2
    )
    # --balance: class "a" (1 image) is topped up to the size of class "b" (3 images).
    (tmp_path / "src" / "b").mkdir()
    for i in range(3):
        Image.fromarray(photo[20 * i : 20 * i + 20, 20:40]).save(
            tmp_path / "src" / "b" / f"{i}.png"
        )
    # The output is the balanced folder: sources and copies.
    assert main(["expand", str(tmp_path / "src"), str(tmp_path / "bal"), "--balance"]) == 0
    assert sorted(p.name for p in (tmp_path / "bal" / "a").iterdir()) == [
        "one.png",
        "one_png_aug0000.png",
        "one_png_aug0001.png",
    ]
    assert sorted(p.name for p in (tmp_path / "bal" / "b").iterdir()) == ["0.png", "1.png", "2.png"]
    argv = ["expand", str(tmp_path / "src"), str(tmp_path / "only"), "--balance", "--copies-only"]
    assert main(argv) == 0
    assert sorted(p.name for p in (tmp_path / "only" / "a").iterdir()) == [
        "one_png_aug0000.png",
        "one_png_aug0001.png",
    ]
    assert not (tmp_path / "only" / "b").exists()
    # --masks: each mask is written beside its image's copy, under --masks-out.
    (tmp_path / "m" / "a").mkdir(parents=True)
    (tmp_path / "m" / "b").mkdir(parents=True)
    for name in ("a/one", "b/0", "b/1", "b/2"):
        Image.fromarray(np.eye(20, dtype=np.uint8)).save(tmp_path / "m" / f"{name}.png")
    argv = ["expand", str(tmp_path / "src"), str(tmp_path / "mo"), "--per-image", "1"]
    assert main([*argv, "--masks", str(tmp_path / "m"), "--masks-out", str(tmp_path / "mm")]) == 0
    assert sorted(
        str(p.relative_to(tmp_path / "mm")) for p in (tmp_path / "mm").rglob("*.png")
    ) == [
        "a/one_png_aug0000.png",
        "b/0_png_aug0000.png",
        "b/1_png_aug0000.png",
        "b/2_png_aug0000.png",
    ]
    assert main([*argv, "--masks", str(tmp_path / "m")]) == 2  # no --masks-out


def test_help_of_every_subcommand(capsys):
    for sub in ("preview", "expand", "demo", "bench"):
        with pytest.raises(SystemExit) as exit_info:
            main([sub, "--help"])
        assert exit_info.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: keras-augment {sub}")
    # The module form works too (one subprocess: it imports TensorFlow).
    result = subprocess.run(
        [sys.executable, "-m", "keras_augment", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "{preview,expand,demo,bench}" in result.stdout


def test_demo_shows_the_gap_that_horizontal_flips_close():
    from keras_augment import demo

    results = {r["augmentation"]: r for r in demo.run(epochs=8, verbose=False)}
    none, vertical, horizontal = (
        results["none"],
        results["vertical flips"],
        results["horizontal flips"],
    )
    assert none["test_upright"] > 0.85 and none["test_mirrored"] < 0.7
    assert horizontal["test_mirrored"] > none["test_mirrored"] + 0.2
    assert vertical["test_mirrored"] < horizontal["test_mirrored"] - 0.2
