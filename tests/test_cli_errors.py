"""User errors at the command line: exit status 2 and one line, never a traceback."""

import numpy as np
import pytest
from PIL import Image

from keras_augment.cli import main, user_message
from tests.data.test_expand_files import claims_pixels


@pytest.fixture()
def small_png(tmp_path):
    path = tmp_path / "small.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (12, 16, 3), np.uint8)).save(path)
    return path


def _error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and "{{" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("keras-augment: error: "), err
    return lines[0]


def test_preview_refuses_a_decompression_bomb_by_its_header(tmp_path, capsys, small_png):
    claims_pixels(tmp_path / "bomb.png", 10_000, 10_000)
    out = tmp_path / "grid.png"
    assert main(["preview", str(tmp_path / "bomb.png"), "-n", "1", "-o", str(out)]) == 2
    line = _error_line(capsys)
    assert "10000x10000 pixels" in line and "KERAS_AUGMENT_MAX_IMAGE_PIXELS" in line
    argv = ["preview", str(small_png), "-n", "1", "-o", str(out)]
    assert main([*argv, "--max-pixels", "100"]) == 2
    assert "limit of 100" in _error_line(capsys)
    assert main(argv) == 0 and out.is_file()


def test_preview_of_a_folder_or_into_a_folder_is_one_line(tmp_path, capsys, small_png):
    assert main(["preview", str(tmp_path), "-n", "1", "-o", str(tmp_path / "g.png")]) == 2
    assert "is a folder" in _error_line(capsys)
    (tmp_path / "taken").mkdir()
    assert main(["preview", str(small_png), "-n", "1", "-o", str(tmp_path / "taken")]) == 2
    assert "is a folder" in _error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.png", "taken"]


def test_expand_lists_what_it_skipped(tmp_path, capsys, small_png):
    src = tmp_path / "src"
    src.mkdir()
    small_png.rename(src / "img0.png")
    (src / "._img0.png").write_bytes(b"\x00\x05\x16\x07")
    argv = ["expand", str(src), str(tmp_path / "out"), "--per-image", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "wrote 1 images" in out and "skipped 1 source(s)" in out and "._img0.png" in out
    assert main([*argv, "--on-error", "raise", "--overwrite"]) == 2
    assert "._img0.png" in _error_line(capsys)


def test_tensorflow_messages_are_cut_to_their_sentence():
    import tensorflow as tf

    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.io.decode_png(tf.constant(b"nope"))
    message = user_message(info.value)
    assert "{{" not in message and "[Op:" not in message and "\n" not in message
    assert message


def test_recipes_that_do_not_fit_images_are_one_line(tmp_path, capsys, small_png):
    import keras

    import keras_augment as ka

    src = tmp_path / "src"
    src.mkdir()
    small_png.rename(src / "img0.png")
    text = ka.save_recipe(ka.text.RandomSwap(0.5), tmp_path / "text.json")
    plain = ka.save_recipe(keras.layers.Rescaling(0.5), tmp_path / "plain.json")
    preview = ["preview", str(src / "img0.png"), "-n", "1", "-o", str(tmp_path / "g.png")]
    assert main([*preview, "--recipe", str(text)]) == 2
    assert "RandomSwap: expected a tf.string tensor" in _error_line(capsys)
    expand = ["expand", str(src), str(tmp_path / "out"), "--per-image", "1"]
    assert main([*expand, "--recipe", str(text)]) == 2
    assert "RandomSwap: expected a tf.string tensor" in _error_line(capsys)
    assert main([*expand, "--recipe", str(plain)]) == 2
    assert "Rescaling takes no per-image seed" in _error_line(capsys)
    assert main([*preview[:-1], str(tmp_path / "missing" / "g.png")]) == 2
    assert "does not exist" in _error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.json", "src", "text.json"]
