"""``expand`` on awkward folders: shared stems, stray files, deep folders, 16-bit and huge images."""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import keras_augment as ka
from keras_augment.data import expand

# Horizontal flips leave these pictures unchanged, so outputs can be compared with sources.
FLIP = ka.RandomFlip("horizontal")


def _rows(levels, width: int = 12) -> np.ndarray:
    """A picture whose rows are constant grey ``levels``: unchanged by horizontal flips."""
    return np.repeat(np.asarray(levels)[:, None], width, axis=1)


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def claims_pixels(path, width: int, height: int) -> None:
    """A real 1x1 PNG whose header is rewritten to claim ``width`` x ``height`` pixels."""
    Image.new("L", (1, 1)).save(path)
    data = bytearray(path.read_bytes())
    ihdr = bytearray(data[12:29])  # chunk type + 13 bytes of IHDR data
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    path.write_bytes(bytes(data))


def test_sources_sharing_a_stem_keep_every_output(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "c").mkdir(parents=True)
    Image.fromarray(_rows(np.full(8, 30, np.uint8))).save(src / "c/photo.png")
    Image.fromarray(_rows(np.full(8, 220, np.uint8))).save(src / "c/photo.jpg", quality=100)
    report = expand(src, out, FLIP, per_image=3, progress=False)
    files = _files(out)
    assert report.written == len(files) == 6 and report.skipped == 0
    for ext, level in (("png", 30), ("jpg", 220)):
        for k in range(3):
            image = np.asarray(Image.open(out / f"c/photo_{ext}_aug{k:04d}.png"))
            assert abs(image.mean() - level) < 2  # each output comes from its own source
    # A rerun finds the job done only because every output is really there.
    (out / "c/photo_jpg_aug0001.png").unlink()
    again = expand(src, out, FLIP, per_image=3, progress=False)
    assert (again.written, again.skipped) == (1, 5)
    assert _files(out) == files


def test_stray_files_are_skipped_and_reported_deep_folders_kept(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "c/sub/deeper").mkdir(parents=True)
    Image.fromarray(_rows(np.arange(0, 80, 10, dtype=np.uint8))).save(src / "c/img0.png")
    Image.fromarray(_rows(np.arange(8, dtype=np.uint8))).save(src / "c/sub/deeper/x.png")
    (src / "c/._img0.png").write_bytes(b"\x00\x05\x16\x07AppleDouble resource fork")
    report = expand(src, out, FLIP, total=4, per_class=True, progress=False)
    assert list(report.unreadable) == [str(src.resolve() / "c/._img0.png")]
    assert "._img0.png" in report.unreadable[str(src.resolve() / "c/._img0.png")]
    assert report.written == 4 and report.per_class == {"c": 4}
    assert _files(out) == [
        "c/img0_png_aug0000.png",
        "c/img0_png_aug0001.png",
        "c/sub/deeper/x_png_aug0000.png",
        "c/sub/deeper/x_png_aug0001.png",
    ]
    with pytest.raises(ValueError, match=r"cannot decode .*\._img0\.png"):
        expand(src, tmp_path / "o2", FLIP, per_image=1, on_error="raise", progress=False)
    with pytest.raises(ValueError, match="on_error"):
        expand(src, tmp_path / "o3", FLIP, per_image=1, on_error="ignore", progress=False)


def test_16bit_sources_come_out_like_8bit_ones(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    levels = np.linspace(0, 255, 8).round().astype(np.uint8)
    Image.fromarray(_rows(levels)).save(src / "a8.png")
    Image.fromarray(_rows(levels.astype(np.uint16) * 257)).save(src / "b16.png")
    expand(src, out, FLIP, per_image=1, progress=False)
    a = np.asarray(Image.open(out / "a8_png_aug0000.png"))
    b = np.asarray(Image.open(out / "b16_png_aug0000.png"))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(b[:, 0, 0], levels)


def test_images_over_the_pixel_limit_are_skipped_by_their_header(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    Image.fromarray(_rows(np.arange(8, dtype=np.uint8))).save(src / "small.png")
    claims_pixels(src / "bomb.png", 10_000, 10_000)
    report = expand(src, out, FLIP, per_image=1, progress=False)
    assert "10000x10000 pixels" in report.unreadable[str(src.resolve() / "bomb.png")]
    assert _files(out) == ["small_png_aug0000.png"]
    with pytest.raises(ValueError, match="none of the 2 images .* limit of 50"):
        expand(src, tmp_path / "o2", FLIP, per_image=1, max_pixels=50, progress=False)
