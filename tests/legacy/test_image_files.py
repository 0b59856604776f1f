"""Image files into the generator: 16-bit PNGs, link loops, oversized images (real files)."""

import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from keras_augment.image.io import ImageTooLargeError, list_image_files, load_image
from keras_augment.legacy import ImageDataGenerator

SIZE = (6, 8)


def _grey_levels() -> np.ndarray:
    """uint8[6, 8]: 48 distinct grey levels from 0 to 255."""
    return np.linspace(0, 255, SIZE[0] * SIZE[1]).round().astype(np.uint8).reshape(SIZE)


@pytest.fixture()
def eight_and_sixteen_bit(tmp_path):
    """``c/a8.png`` (8-bit grey) and ``c/b16.png``: the same picture stored in 16 bits."""
    levels = _grey_levels()
    (tmp_path / "c").mkdir()
    Image.fromarray(levels).save(tmp_path / "c/a8.png")
    Image.fromarray(levels.astype(np.uint16) * 257).save(tmp_path / "c/b16.png")
    assert Image.open(tmp_path / "c/b16.png").mode.startswith("I")  # really 16-bit on disk
    return tmp_path, levels


@pytest.mark.parametrize("color_mode", ["grayscale", "rgb", "rgba"])
def test_16bit_png_reads_like_its_8bit_twin_in_every_color_mode(eight_and_sixteen_bit, color_mode):
    root, levels = eight_and_sixteen_bit
    it = ImageDataGenerator().flow_from_directory(
        root, target_size=SIZE, color_mode=color_mode, batch_size=2, shuffle=False
    )
    batch, _ = it[0]
    np.testing.assert_array_equal(batch[0], batch[1])
    np.testing.assert_array_equal(batch[1][..., 0], levels)
    frame = pd.DataFrame({"filename": ["c/b16.png", "c/a8.png"], "class": ["x", "x"]})
    it = ImageDataGenerator().flow_from_dataframe(
        frame, root, target_size=SIZE, color_mode=color_mode, batch_size=2, shuffle=False
    )
    batch, _ = it[0]
    np.testing.assert_array_equal(batch[0], batch[1])


def test_load_image_keeps_16bit_values_only_when_asked(eight_and_sixteen_bit):
    root, levels = eight_and_sixteen_bit
    scaled = load_image(root / "c/b16.png", "grayscale", dtype=None)
    assert scaled.dtype == np.uint8
    np.testing.assert_array_equal(scaled[..., 0], levels)
    kept = load_image(root / "c/b16.png", "grayscale", dtype=None, keep_16bit=True)
    np.testing.assert_array_equal(kept[..., 0], levels.astype(np.uint16) * 257)


def test_link_loop_lists_each_image_once(tmp_path):
    cats = tmp_path / "data/cats"
    (cats / "inner").mkdir(parents=True)
    for name in ("a.png", "inner/b.png"):
        Image.fromarray(_grey_levels()).save(cats / name)
    os.symlink(cats, cats / "inner/loop")  # cats/inner/loop -> cats
    it = ImageDataGenerator().flow_from_directory(
        tmp_path / "data", target_size=SIZE, follow_links=True, batch_size=4
    )
    assert sorted(it.filenames) == ["cats/a.png", "cats/inner/b.png"]
    os.symlink(cats / "inner", cats / "again")  # a second way into one folder
    expected = [str(cats / "a.png"), str(cats / "inner/b.png")]
    assert list_image_files(cats, follow_links=True) == expected


def test_oversized_image_is_refused_from_its_header(tmp_path, monkeypatch):
    # A 4096x4096 PNG of one colour: a few kilobytes on disk, 16.7 megapixels claimed.
    Image.new("L", (4096, 4096)).save(tmp_path / "big.png")
    assert os.path.getsize(tmp_path / "big.png") < 100_000
    with pytest.raises(ImageTooLargeError, match=r"4096x4096 pixels.*KERAS_AUGMENT_MAX_IMAGE"):
        load_image(tmp_path / "big.png", max_pixels=1_000_000)
    monkeypatch.setenv("KERAS_AUGMENT_MAX_IMAGE_PIXELS", "1000000")
    with pytest.raises(ImageTooLargeError, match="more than the limit of 1,000,000"):
        load_image(tmp_path / "big.png", target_size=(4, 4))
    assert load_image(tmp_path / "big.png", target_size=(4, 4), max_pixels=2**25).shape == (4, 4, 3)
    monkeypatch.setenv("KERAS_AUGMENT_MAX_IMAGE_PIXELS", "none")
    assert load_image(tmp_path / "big.png", target_size=(4, 4)).shape == (4, 4, 3)
