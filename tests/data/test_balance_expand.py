"""balance (oversampling with augmentation) and expand (augmented copies on disk)."""

import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_augment as ka
from keras_augment.data import balance, expand


def imbalanced(counts=(12, 3, 1)):
    images, labels = [], []
    for c, n in enumerate(counts):
        for i in range(n):
            images.append(np.full((6, 6, 3), 10 * c + i, "float32"))
            labels.append(c)
    return np.stack(images), np.array(labels)


def test_balance_gives_every_class_the_majority_count_with_augmented_copies():
    x, y = imbalanced()
    ds, report = balance(
        tf.data.Dataset.from_tensor_slices((x, y)),
        ka.RandomRotation(0.25, fill_mode="constant", fill_value=-1),
        seed=3,
    )
    assert report.before == {0: 12, 1: 3, 2: 1}
    assert report.after == {0: 12, 1: 12, 2: 12}
    out = list(ds.as_numpy_iterator())
    labels = [int(label) for _, label in out]
    assert {c: labels.count(c) for c in set(labels)} == report.after
    # Copies of the single class-2 image are augmented, so they are not all identical.
    class2 = [image for image, label in out if label == 2]
    assert len({image.tobytes() for image in class2}) > 1
    # Labels stay with their images: the interior still shows the class's values.
    for image, label in out:
        assert 10 * label <= image[3, 3, 0] < 10 * label + 12


def test_balance_to_a_target_distribution_with_one_hot_labels():
    x, y = imbalanced((6, 6, 6))
    one_hot = np.eye(3, dtype="float32")[y]
    ds, report = balance(
        tf.data.Dataset.from_tensor_slices((x, one_hot)),
        ka.RandomFlip(),
        target=[0.5, 0.25, 0.25],
        size=20,
    )
    assert report.after == {0: 10, 1: 5, 2: 5}
    labels = [int(np.argmax(label)) for _, label in ds.as_numpy_iterator()]
    assert sorted(labels) == [0] * 10 + [1] * 5 + [2] * 5


def test_balance_errors():
    x, y = imbalanced()
    with pytest.raises(ValueError, match="no samples"):
        balance(tf.data.Dataset.from_tensor_slices((x, y)), ka.RandomFlip(), target={0: 1, 7: 1})
    with pytest.raises(ValueError, match=r"\(x, y\)"):
        balance(tf.data.Dataset.from_tensor_slices(x), ka.RandomFlip())


@pytest.fixture
def folder(tmp_path, photo):
    src = tmp_path / "src"
    for cls, offset in (("cats", 0), ("dogs", 100)):
        (src / cls).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(photo[offset + 20 * i : offset + 20 * i + 24, :32]).save(
                src / cls / f"img{i}.png"
            )
    return src


def snapshot(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_expand_per_image_same_layout_sources_untouched(folder, tmp_path):
    before = snapshot(folder)
    report = expand(folder, tmp_path / "out", ka.RandomRotation(0.1), per_image=3, progress=False)
    assert snapshot(folder) == before
    assert report.written == 12 and report.skipped == 0
    assert report.per_class == {"cats": 6, "dogs": 6}
    out = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.png"))
    assert out[:3] == [
        "cats/img0_png_aug0000.png",
        "cats/img0_png_aug0001.png",
        "cats/img0_png_aug0002.png",
    ]
    image = np.asarray(Image.open(tmp_path / "out/cats/img0_png_aug0000.png"))
    assert image.shape == (24, 32, 3)


def test_expand_resumes_exactly_and_never_overwrites(folder, tmp_path):
    out = tmp_path / "out"
    expand(folder, out, ka.RandomRotation(0.1), total=5, per_class=True, seed=4, progress=False)
    first = snapshot(out)
    assert len(first) == 10
    # Interrupt: lose some outputs, and mark one file to see it is not overwritten.
    victims = sorted(first)[:3]
    for name in victims:
        os.remove(out / name)
    report = expand(
        folder, out, ka.RandomRotation(0.1), total=5, per_class=True, seed=4, progress=False
    )
    assert report.written == 3 and report.skipped == 7
    assert snapshot(out) == first  # the resumed files are exactly the ones lost
    assert not list(out.rglob("*.part"))


def test_expand_refuses_output_inside_source_and_bad_counts(folder, tmp_path):
    with pytest.raises(ValueError, match="must not contain"):
        expand(folder, folder / "cats" / "more", ka.RandomFlip(), per_image=1, progress=False)
    with pytest.raises(ValueError, match="exactly one"):
        expand(folder, tmp_path / "o", ka.RandomFlip(), per_image=1, total=2, progress=False)
    with pytest.raises(FileNotFoundError):
        expand(tmp_path / "missing", tmp_path / "o", ka.RandomFlip(), per_image=1, progress=False)


def test_expand_reports_an_undecodable_file_by_name(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "broken.png").write_bytes(b"not an image at all")
    with pytest.raises(ValueError, match="broken.png"):
        expand(src, tmp_path / "out", ka.RandomFlip(), per_image=1, progress=False)
    assert not list((tmp_path / "out").rglob("*.png")) if (tmp_path / "out").exists() else True


def test_expand_balance_tops_up_each_class_to_the_largest(folder, tmp_path, photo):
    # Make "birds" a minority class (1 image) beside cats and dogs (2 each), plus a 4th cat.
    (folder / "birds").mkdir()
    Image.fromarray(photo[:24, 40:72]).save(folder / "birds" / "b0.png")
    Image.fromarray(photo[60:84, :32]).save(folder / "cats" / "img2.png")
    out = tmp_path / "out"
    report = expand(
        folder, out, ka.RandomRotation(0.1), balance=True, copies_only=True, progress=False
    )
    assert report.balance == {"birds": (1, 2), "cats": (3, 0), "dogs": (2, 1)}
    assert report.originals == 0
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.png"))
    assert written == [
        "birds/b0_png_aug0000.png",
        "birds/b0_png_aug0001.png",
        "dogs/img0_png_aug0000.png",
    ]
    # With a total, every class reaches it, originals included; copies spread over sources.
    report = expand(folder, tmp_path / "o2", ka.RandomFlip(), balance=True, total=5, progress=False)
    assert report.balance == {"birds": (1, 4), "cats": (3, 2), "dogs": (2, 3)}
    assert sorted(p.name for p in (tmp_path / "o2" / "dogs").iterdir()) == [
        "img0.png",
        "img0_png_aug0000.png",
        "img0_png_aug0001.png",
        "img1.png",
        "img1_png_aug0000.png",
    ]
    with pytest.raises(ValueError, match="copies_only"):
        expand(folder, tmp_path / "o4", ka.RandomFlip(), per_image=1, copies_only=True)
    with pytest.raises(ValueError, match="per_image"):
        expand(folder, tmp_path / "o3", ka.RandomFlip(), balance=True, per_image=2, progress=False)


def test_expand_moves_masks_with_their_images(tmp_path):
    src, masks = tmp_path / "src" / "shapes", tmp_path / "masks" / "shapes"
    src.mkdir(parents=True)
    masks.mkdir(parents=True)
    for i in range(2):
        mask = np.zeros((40, 48), np.uint8)
        mask[8 + 4 * i : 30, 10 : 36 - 4 * i] = 1 + i  # class ids 1 and 2
        Image.fromarray(np.where(mask[..., None] > 0, 200, 20).repeat(3, -1).astype(np.uint8)).save(
            src / f"s{i}.jpg", quality=95
        )
        Image.fromarray(mask).save(masks / f"s{i}.png")
    layer = ka.Pipeline([ka.RandomRotation(0.1), ka.RandomZoom(0.2), ka.RandomFlip()])
    report = expand(
        tmp_path / "src",
        tmp_path / "out",
        layer,
        per_image=3,
        masks=tmp_path / "masks",
        masks_dst=tmp_path / "out_masks",
        progress=False,
    )
    assert report.written == 6
    for i in range(2):
        for k in range(3):
            name = f"shapes/s{i}_jpg_aug{k:04d}.png"
            image = np.asarray(Image.open(tmp_path / "out" / name))
            mask = np.asarray(Image.open(tmp_path / "out_masks" / name))
            assert mask.shape == image.shape[:2]
            assert set(np.unique(mask)) <= {0, 1 + i}  # class ids only, never blended
            # The mask's object and the bright object of the image are the same pixels.
            agree = np.mean((image[..., 0] > 110) == (mask > 0))
            assert agree > 0.97, agree
    # Balanced with masks: one class reaching 3, sources and their masks copied; the JPEG
    # copies stay JPEG and their masks PNG.
    report = expand(
        tmp_path / "src",
        tmp_path / "bal",
        layer,
        balance=True,
        total=3,
        masks=tmp_path / "masks",
        masks_dst=tmp_path / "bal_masks",
        progress=False,
    )
    assert report.balance == {"shapes": (2, 1)} and report.originals == 2
    assert sorted(p.name for p in (tmp_path / "bal" / "shapes").iterdir()) == [
        "s0.jpg",
        "s0_jpg_aug0000.jpg",
        "s1.jpg",
    ]
    assert sorted(p.name for p in (tmp_path / "bal_masks" / "shapes").iterdir()) == [
        "s0.png",
        "s0_jpg_aug0000.png",
        "s1.png",
    ]
    with Image.open(tmp_path / "bal_masks" / "shapes" / "s0_jpg_aug0000.png") as mask:
        assert mask.format == "PNG" and set(np.unique(np.asarray(mask))) <= {0, 1}
    # Every source needs its mask; the message names the image.
    (src / "s2.jpg").write_bytes((src / "s0.jpg").read_bytes())
    with pytest.raises(ValueError, match="s2.jpg"):
        expand(
            tmp_path / "src",
            tmp_path / "o2",
            layer,
            per_image=1,
            masks=tmp_path / "masks",
            masks_dst=tmp_path / "o2_masks",
            progress=False,
        )
    with pytest.raises(ValueError, match="masks_dst"):
        expand(tmp_path / "src", tmp_path / "o3", layer, per_image=1, masks=tmp_path / "masks")


def test_expand_balance_makes_a_balanced_folder_keeping_formats(tmp_path, photo):
    # Class "a": one JPEG; class "b": three PNGs and a BMP. Balanced: 4 files in each.
    src = tmp_path / "src"
    (src / "a").mkdir(parents=True)
    (src / "b").mkdir()
    Image.fromarray(photo[:32, :32]).save(src / "a" / "one.jpg", quality=90)
    for i in range(3):
        Image.fromarray(photo[32 * i : 32 * i + 32, 32:64]).save(src / "b" / f"{i}.png")
    Image.fromarray(photo[:32, 64:96]).save(src / "b" / "3.bmp")
    (src / "b" / "._junk.png").write_bytes(b"AppleDouble")  # skipped and reported, not counted

    def run(out, quality):
        layer = ka.RandomRotation(0.1)
        return expand(src, out, layer, balance=True, jpeg_quality=quality, progress=False)

    report = run(tmp_path / "out", 95)
    assert report.balance == {"a": (1, 3), "b": (4, 0)}
    assert report.originals == 5 and report.written == 3
    assert list(report.unreadable) == [str(src / "b" / "._junk.png")]
    out = tmp_path / "out"
    assert sorted(p.name for p in (out / "a").iterdir()) == [
        "one.jpg",
        "one_jpg_aug0000.jpg",
        "one_jpg_aug0001.jpg",
        "one_jpg_aug0002.jpg",
    ]
    assert sorted(p.name for p in (out / "b").iterdir()) == ["0.png", "1.png", "2.png", "3.bmp"]
    for name in ("a/one.jpg", "b/0.png", "b/3.bmp"):  # sources copied byte for byte
        assert (out / name).read_bytes() == (src / name).read_bytes()
    copies = sorted((out / "a").glob("one_jpg_aug*.jpg"))
    for copy in copies:
        with Image.open(copy) as image:
            assert image.format == "JPEG" and image.size == (32, 32)

    # The stated quality is the one used: the copies carry the quantisation tables of a
    # JPEG of that quality (libjpeg's standard tables, scaled).
    def tables(path_or_quality):
        if isinstance(path_or_quality, int):
            reference = tmp_path / f"q{path_or_quality}.jpg"
            Image.fromarray(photo[:32, :32]).save(reference, quality=path_or_quality)
            path_or_quality = reference
        with Image.open(path_or_quality) as image:
            return image.quantization

    assert all(tables(copy) == tables(95) for copy in copies)
    assert tables(95) != tables(30)
    run(tmp_path / "low", 30)
    assert tables(tmp_path / "low" / "a" / copies[0].name) == tables(30)
    # A second run has nothing left to do.
    again = run(tmp_path / "out", 95)
    assert again.written == 0 and again.originals == 0 and again.skipped == 3
    with pytest.raises(ValueError, match="jpeg_quality"):
        expand(src, tmp_path / "x", ka.RandomFlip(), balance=True, jpeg_quality=0)


def test_expand_balance_keeps_bmp_copies_bmp(tmp_path, photo):
    src = tmp_path / "src"
    (src / "a").mkdir(parents=True)
    (src / "b").mkdir()
    Image.fromarray(photo[:24, :24]).save(src / "a" / "x.bmp")
    for i in range(2):
        Image.fromarray(photo[:24, 24 * i : 24 * i + 24]).save(src / "b" / f"{i}.png")
    report = expand(src, tmp_path / "out", ka.RandomFlip(), balance=True, progress=False)
    assert report.balance == {"a": (1, 1), "b": (2, 0)}
    with Image.open(tmp_path / "out" / "a" / "x_bmp_aug0000.bmp") as image:
        assert image.format == "BMP" and image.size == (24, 24)
