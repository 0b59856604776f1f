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
    report = expand(folder, out, ka.RandomRotation(0.1), balance=True, progress=False)
    assert report.balance == {"birds": (1, 2), "cats": (3, 0), "dogs": (2, 1)}
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
        "img0_png_aug0000.png",
        "img0_png_aug0001.png",
        "img1_png_aug0000.png",
    ]
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
