"""The iterators: flow, flow_from_directory, flow_from_dataframe, as Keras PyDatasets."""

import os
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_augment.legacy import ImageDataGenerator, UnreadableImageError

Legacy = tf.keras.preprocessing.image.ImageDataGenerator

# One augmentation configuration for most tests, so they share traced functions.
AUG = dict(
    rotation_range=20, width_shift_range=0.1, height_shift_range=0.1, zoom_range=0.2,
    horizontal_flip=True,
)  # fmt: skip
SIZE = (16, 20)


def labelled_images(n: int, channels: int = 3) -> np.ndarray:
    """Images whose every pixel is 10 * index: any warp with fill_mode="nearest" keeps them."""
    return np.broadcast_to(
        (10.0 * np.arange(n, dtype="float32"))[:, None, None, None], (n, *SIZE, channels)
    ).copy()


def label_of(batch_x: np.ndarray) -> np.ndarray:
    return np.round(batch_x.mean(axis=(1, 2, 3)) / 10.0).astype(int)


# ----------------------------------------------------------------------------
# flow


@pytest.mark.parametrize("shuffle", [True, False])
def test_flow_each_sample_once_per_epoch_with_aligned_targets(shuffle):
    n = 10
    x = labelled_images(n)
    y = np.arange(n)
    weights = np.arange(n) * 2.0
    extra = np.arange(n) * 3
    it = ImageDataGenerator(**AUG).flow(
        (x, extra), y, batch_size=4, shuffle=shuffle, sample_weight=weights, seed=7
    )
    assert len(it) == 3 and it.n == n and it.batch_size == 4
    orders = []
    for _ in range(2):
        seen = []
        for i in range(len(it)):
            (images, extras), labels, w = it[i]
            assert images.shape[1:] == (*SIZE, 3) and images.dtype == np.float32
            np.testing.assert_array_equal(label_of(images), labels)
            np.testing.assert_array_equal(extras, labels * 3)
            np.testing.assert_array_equal(w, labels * 2.0)
            seen += list(labels)
        assert sorted(seen) == list(range(n))
        orders.append(seen)
        it.on_epoch_end()
    assert (orders[0] != orders[1]) == shuffle
    assert (orders[0] != list(range(n))) == shuffle


def test_flow_next_walks_batches_and_reshuffles_after_each_epoch():
    n = 10
    it = ImageDataGenerator(**AUG).flow(labelled_images(n), np.arange(n), batch_size=4, seed=1)
    sizes, epochs = [], [[], []]
    for step in range(6):
        images, labels = next(it)
        np.testing.assert_array_equal(label_of(images), labels)
        sizes.append(len(labels))
        epochs[step // 3] += list(labels)
    assert sizes == [4, 4, 2, 4, 4, 2]
    assert sorted(epochs[0]) == sorted(epochs[1]) == list(range(n))
    assert epochs[0] != epochs[1]
    with pytest.raises(IndexError):
        it[3]
    with pytest.raises(ValueError):
        it[3]


def test_flow_augments_per_sample_and_reproducibly(small_photos):
    gen = ImageDataGenerator(**AUG)
    photos = small_photos[:, :16, :20]
    same = np.repeat(photos[:1], 4, axis=0)
    it = gen.flow(same, batch_size=4, shuffle=False, seed=3)
    batch = it[0]
    assert not np.allclose(batch[0], batch[1])  # each sample its own transform
    np.testing.assert_array_equal(batch, it[0])  # a batch is reproducible within an epoch
    np.testing.assert_array_equal(batch, gen.flow(same, batch_size=4, shuffle=False, seed=3)[0])
    it.on_epoch_end()
    assert not np.allclose(batch, it[0])  # a new epoch draws new transforms


def test_flow_reads_ahead_within_the_epoch_and_returns_the_same_batches(small_photos):
    photos = np.concatenate([small_photos[:, :16, :20]] * 3)  # 12 images, 6 batches of 2
    gen = ImageDataGenerator(**AUG)
    walked = gen.flow(photos, np.arange(12), batch_size=2, shuffle=True, seed=5)
    on_demand = gen.flow(photos, np.arange(12), batch_size=2, shuffle=True, seed=5)
    depth = min(4, os.cpu_count() or 1)
    batches = []
    for i in range(len(walked)):
        batches.append(next(walked))
        # The batches after this one in the epoch are being computed (never past its end).
        assert len(walked._ahead._pending) == min(depth, len(walked) - 1 - i)
    # Backwards, every batch is computed on demand: the same images and labels.
    for i in reversed(range(len(on_demand))):
        images, labels = on_demand[i]
        np.testing.assert_array_equal(labels, batches[i][1])
        np.testing.assert_array_equal(images, batches[i][0])
    # The next epoch (new order, new transforms) is read ahead the same way.
    images, labels = next(walked)
    on_demand.on_epoch_end()
    np.testing.assert_array_equal(images, on_demand[0][0])
    assert not np.array_equal(images, batches[0][0])


def test_images_and_masks_with_the_same_seed_stay_in_step(small_photos):
    images = small_photos[:, :16, :20]
    masks = images[..., :1].copy()
    image_gen = ImageDataGenerator(**AUG)
    mask_gen = ImageDataGenerator(**AUG)
    pairs = zip(
        image_gen.flow(images, batch_size=4, seed=42), mask_gen.flow(masks, batch_size=4, seed=42)
    )
    for _ in range(4):
        image_batch, mask_batch = next(pairs)
        np.testing.assert_allclose(image_batch[..., :1], mask_batch, atol=1e-3)
        assert not np.allclose(image_batch, images[: len(image_batch)])


def test_flow_validation_split_subsets_are_disjoint_and_cover():
    n = 10
    x = labelled_images(n)
    y = np.arange(n) % 2
    gen = ImageDataGenerator(validation_split=0.3)
    legacy = Legacy(validation_split=0.3)
    seen = {}
    for subset in ("training", "validation"):
        it = gen.flow(x, y, batch_size=n, shuffle=False, subset=subset)
        ref = legacy.flow(x, y, batch_size=n, shuffle=False, subset=subset)
        seen[subset] = set(label_of(it[0][0]))
        assert seen[subset] == set(label_of(ref[0][0]))
    assert not seen["training"] & seen["validation"]
    assert seen["training"] | seen["validation"] == set(range(n))
    with pytest.raises(ValueError, match="different classes"):
        gen.flow(x, np.sort(y), subset="training")


def test_preprocessing_function_then_rescale_per_image():
    x = labelled_images(4)
    gen = ImageDataGenerator(preprocessing_function=lambda img: img + 1.0, rescale=0.5)
    batch = gen.flow(x, batch_size=4, shuffle=False)[0]
    np.testing.assert_allclose(batch, (x + 1.0) * 0.5)
    centred = ImageDataGenerator(samplewise_center=True).flow(x, batch_size=4, shuffle=False)[0]
    np.testing.assert_allclose(centred, 0.0, atol=1e-4)  # per image, not per batch


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda g: g.flow(labelled_images(4), np.arange(3)), "same length"),
        (lambda g: g.flow(labelled_images(4), np.ones(4), sample_weight=np.ones(2)), "same length"),
        (lambda g: g.flow((labelled_images(4), np.arange(3))), "same length"),
        (lambda g: g.flow(np.zeros((4, 8, 8))), "rank-4"),
        (lambda g: g.flow(labelled_images(4), batch_size=0), "batch_size"),
        (lambda g: g.flow(labelled_images(4), subset="test"), "subset"),
        (
            lambda g: g.flow(labelled_images(4), save_to_dir="out", save_prefix="../x"),
            "save_prefix",
        ),
    ],
)
def test_flow_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(ImageDataGenerator())


def test_flow_save_to_dir_writes_the_returned_images(tmp_path, small_photos):
    out = tmp_path / "augmented"
    it = ImageDataGenerator(**AUG).flow(
        small_photos[:, :16, :20], np.arange(4), batch_size=4, seed=0, save_to_dir=str(out),
        save_prefix="aug", shuffle=False,
    )  # fmt: skip
    images, labels = it[0]
    files = sorted(os.listdir(out))
    assert len(files) == 4 and os.listdir(tmp_path) == ["augmented"]
    for name in files:
        prefix, index, number, ext = name.replace(".", "_").split("_")
        assert (prefix, ext) == ("aug", "png") and number.isdigit()
        saved = np.asarray(Image.open(out / name), dtype="float32")
        image = images[list(labels).index(int(index))]
        expected = (image - image.min()) / (image.max() - image.min()) * 255.0
        np.testing.assert_allclose(saved, np.floor(expected), atol=1.0)


def test_iterator_trains_evaluates_and_predicts_in_keras():
    n = 10
    x = labelled_images(n) / 100.0
    y = (np.arange(n) % 2).astype("float32")
    it = ImageDataGenerator(**AUG).flow(x, y, batch_size=4, seed=0, shuffle=True)
    model = keras.Sequential(
        [keras.Input((*SIZE, 3)), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1)]
    )
    model.compile("sgd", "mse")
    history = model.fit(it, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert np.isfinite(model.evaluate(it, verbose=0))
    plain = ImageDataGenerator().flow(x, batch_size=4, shuffle=False)
    predictions = model.predict(plain, verbose=0)
    np.testing.assert_allclose(predictions, model.predict(x, verbose=0), atol=1e-5)


def test_as_dataset_yields_the_iterator_stream():
    n = 10
    x = labelled_images(n)
    it = ImageDataGenerator(**AUG).flow(
        x, np.arange(n), batch_size=4, seed=5, sample_weight=np.arange(n) * 1.0
    )
    dataset = it.as_dataset()
    for epoch in range(2):
        batches = list(dataset)
        assert len(batches) == len(it)
        for i, (images, labels, weights) in enumerate(batches):
            expected = it[i]
            np.testing.assert_allclose(images.numpy(), expected[0], atol=1e-4)
            np.testing.assert_array_equal(labels.numpy(), expected[1])
            np.testing.assert_array_equal(weights.numpy(), expected[2])
        if epoch == 0:
            it.on_epoch_end()


# ----------------------------------------------------------------------------
# Files: flow_from_directory and flow_from_dataframe


FORMATS = [
    ("png", "RGB"),
    ("jpg", "RGB"),
    ("bmp", "L"),
    ("gif", "P"),
    ("tif", "RGBA"),
    ("png", "L"),
]


def _photo_crop(photo, i, mode):
    crop = Image.fromarray(photo[i * 20 : i * 20 + 24, i * 25 : i * 25 + 30])
    return crop.convert(mode)


@pytest.fixture(scope="module")
def photo_dir(tmp_path_factory, photo):
    """Real photo crops (24x30) in five formats and three colour modes, two classes."""
    root = tmp_path_factory.mktemp("photos")
    for i in range(12):
        ext, mode = FORMATS[i % len(FORMATS)]
        label = ("cats", "dogs")[i % 2]
        (root / label).mkdir(exist_ok=True)
        _photo_crop(photo, i, mode).save(root / label / f"img{i:02d}.{ext}")
    return root


@pytest.fixture(scope="module")
def labelled_dir(tmp_path_factory):
    """Three classes of constant PNG images whose value encodes the class (40 * class + 20)."""
    root = tmp_path_factory.mktemp("labelled")
    for k, name in enumerate(("a", "b", "c")):
        (root / name / "nested").mkdir(parents=True)
        for i in range(3 + k):
            folder = root / name / ("nested" if i % 2 else "")
            value = np.full((*SIZE, 3), 40 * k + 20, dtype=np.uint8)
            Image.fromarray(value).save(folder / f"{name}{i}.png")
    return root


@pytest.mark.parametrize("color_mode", ["rgb", "grayscale", "rgba"])
def test_directory_decodes_like_legacy(photo_dir, color_mode):
    kwargs = dict(target_size=(20, 26), color_mode=color_mode, batch_size=12, shuffle=False)
    ours = ImageDataGenerator().flow_from_directory(str(photo_dir), **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = Legacy().flow_from_directory(str(photo_dir), **kwargs)
    # We also read GIF files, which the legacy class does not list.
    assert {f.rsplit(".", 1)[1] for f in ours.filenames} == {"png", "jpg", "bmp", "gif", "tif"}
    kept = np.array([not f.endswith(".gif") for f in ours.filenames])
    assert [f for f, k in zip(ours.filenames, kept, strict=True) if k] == legacy.filenames
    for name in ("class_indices", "image_shape"):
        assert getattr(ours, name) == getattr(legacy, name), name
    np.testing.assert_array_equal(ours.classes[kept], legacy.classes)
    (images, labels), (expected, expected_labels) = ours[0], legacy[0]
    assert images.shape == (12, 20, 26, {"rgb": 3, "grayscale": 1, "rgba": 4}[color_mode])
    np.testing.assert_array_equal(images[kept], expected)
    np.testing.assert_array_equal(labels[kept], expected_labels)
    # The GIF (palette) file decodes as PIL converts it.
    g = int(np.argmin(kept))
    mode = {"rgb": "RGB", "grayscale": "L", "rgba": "RGBA"}[color_mode]
    gif = Image.open(ours.filepaths[g]).convert(mode).resize((26, 20), Image.Resampling.NEAREST)
    np.testing.assert_array_equal(images[g], np.asarray(gif, "float32").reshape(images.shape[1:]))


@pytest.mark.parametrize("keep_aspect_ratio", [False, True])
def test_directory_resizing_matches_legacy(photo_dir, keep_aspect_ratio):
    kwargs = dict(target_size=(12, 30), interpolation="bilinear", batch_size=12, shuffle=False,
                  keep_aspect_ratio=keep_aspect_ratio, class_mode=None)  # fmt: skip
    it = ImageDataGenerator().flow_from_directory(str(photo_dir), **kwargs)
    kept = np.array([not f.endswith(".gif") for f in it.filenames])  # legacy skips GIFs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = Legacy().flow_from_directory(str(photo_dir), **kwargs)[0]
    np.testing.assert_array_equal(it[0][kept], expected)


@pytest.mark.parametrize("shuffle", [True, False])
def test_directory_labels_stay_with_their_images(labelled_dir, shuffle):
    it = ImageDataGenerator(**AUG).flow_from_directory(
        str(labelled_dir), target_size=SIZE, batch_size=4, shuffle=shuffle, seed=2,
        class_mode="sparse",
    )  # fmt: skip
    assert it.samples == 12 and it.class_indices == {"a": 0, "b": 1, "c": 2}
    assert it.filenames[:2] == [os.path.join("a", "a0.png"), os.path.join("a", "a2.png")]
    seen = []
    for i in range(len(it)):
        images, labels = it[i]
        np.testing.assert_array_equal(np.round((images.mean(axis=(1, 2, 3)) - 20) / 40), labels)
        seen += list(labels)
    assert sorted(seen) == sorted(it.classes.tolist())


def test_directory_class_modes(labelled_dir):
    gen = ImageDataGenerator()
    common = dict(target_size=SIZE, batch_size=12, shuffle=False)
    x, y = gen.flow_from_directory(str(labelled_dir), class_mode="categorical", **common)[0]
    np.testing.assert_array_equal(y, np.eye(3)[[0] * 3 + [1] * 4 + [2] * 5])
    x, y = gen.flow_from_directory(
        str(labelled_dir), classes=["a", "b"], class_mode="binary", **common
    )[0]
    np.testing.assert_array_equal(y, [0] * 3 + [1] * 4)
    x, y = gen.flow_from_directory(str(labelled_dir), class_mode="input", **common)[0]
    np.testing.assert_array_equal(x, y)
    only_x = gen.flow_from_directory(str(labelled_dir), class_mode=None, **common)[0]
    np.testing.assert_array_equal(only_x, x)
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(str(labelled_dir), class_mode="onehot")


def test_directory_validation_split_matches_legacy(labelled_dir):
    gen = ImageDataGenerator(validation_split=0.4)
    legacy = Legacy(validation_split=0.4)
    names = {}
    for subset in ("training", "validation"):
        it = gen.flow_from_directory(str(labelled_dir), target_size=SIZE, subset=subset)
        ref = legacy.flow_from_directory(str(labelled_dir), target_size=SIZE, subset=subset)
        assert it.filenames == ref.filenames
        names[subset] = set(it.filenames)
    assert not names["training"] & names["validation"]
    everything = ImageDataGenerator().flow_from_directory(str(labelled_dir), target_size=SIZE)
    assert names["training"] | names["validation"] == set(everything.filenames)


def test_directory_errors(tmp_path, labelled_dir):
    gen = ImageDataGenerator()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gen.flow_from_directory(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="no subfolders"):
        gen.flow_from_directory(str(tmp_path))
    (tmp_path / "empty_class").mkdir()
    (tmp_path / "empty_class" / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match="no images"):
        gen.flow_from_directory(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="zebra"):
        gen.flow_from_directory(str(labelled_dir), classes=["a", "zebra"])
    for bad in [(0, 10), (10,), "16x16", (16.5, 16)]:
        with pytest.raises(ValueError, match="target_size"):
            gen.flow_from_directory(str(labelled_dir), target_size=bad)
    with pytest.raises(ValueError, match="color_mode"):
        gen.flow_from_directory(str(labelled_dir), color_mode="cmyk")


@pytest.fixture()
def dir_with_corrupt_file(tmp_path, labelled_dir):
    root = tmp_path / "data"
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        for i in range(2):
            value = np.full((*SIZE, 3), 40 * "ab".index(name) + 20, dtype=np.uint8)
            Image.fromarray(value).save(root / name / f"{i}.png")
    bad = root / "b" / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    return root, str(bad)


def test_corrupt_file_raises_an_error_naming_it(dir_with_corrupt_file):
    root, bad = dir_with_corrupt_file
    it = ImageDataGenerator().flow_from_directory(str(root), target_size=SIZE, batch_size=8)
    with pytest.raises(UnreadableImageError, match="broken.jpg"):
        it[0]


def test_corrupt_file_can_be_skipped_and_counted(dir_with_corrupt_file):
    root, bad = dir_with_corrupt_file
    it = ImageDataGenerator().flow_from_directory(
        str(root), target_size=SIZE, batch_size=8, class_mode="sparse", on_error="skip"
    )
    with pytest.warns(UserWarning, match="broken.jpg"):
        images, labels = it[0]
    assert len(images) == len(labels) == 4 and it.num_skipped == 1
    assert it.skipped_files == [bad]
    np.testing.assert_array_equal(np.round((images.mean(axis=(1, 2, 3)) - 20) / 40), labels)


def test_directory_save_to_dir_stays_inside(tmp_path, labelled_dir):
    out = tmp_path / "saved"
    it = ImageDataGenerator(**AUG).flow_from_directory(
        str(labelled_dir), target_size=SIZE, batch_size=4, save_to_dir=str(out),
        save_prefix="p", save_format="jpeg", shuffle=False,
    )  # fmt: skip
    next(it)
    files = sorted(os.listdir(out))
    assert len(files) == 4 and all(f.startswith("p_") and f.endswith(".jpeg") for f in files)
    assert sorted(int(f.split("_")[1]) for f in files) == [0, 1, 2, 3]
    assert sorted(os.listdir(tmp_path)) == ["saved"]


pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def frame(labelled_dir):
    rows = []
    for path in sorted(labelled_dir.rglob("*.png")):
        name = path.parent.name if path.parent.name != "nested" else path.parent.parent.name
        rows.append(
            {"filename": str(path.relative_to(labelled_dir)), "class": name,
             "score": 10.0 * "abc".index(name), "weight": 1.0 + "abc".index(name)}
        )  # fmt: skip
    rows.append({"filename": "missing.png", "class": "a", "score": 0.0, "weight": 1.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("class_mode", ["categorical", "binary", "sparse", "raw", None])
def test_dataframe_matches_legacy(labelled_dir, frame, class_mode):
    data = frame if class_mode != "binary" else frame[frame["class"] != "c"]
    kwargs = dict(
        directory=str(labelled_dir), y_col="score" if class_mode == "raw" else "class",
        weight_col="weight", target_size=SIZE, batch_size=20, shuffle=False,
        class_mode=class_mode,
    )  # fmt: skip
    if class_mode is None:
        kwargs.pop("weight_col")
    with pytest.warns(UserWarning, match="invalid image filename"):
        ours = ImageDataGenerator().flow_from_dataframe(data, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = Legacy().flow_from_dataframe(data, **kwargs)
    assert ours.filenames == legacy.filenames and "missing.png" not in ours.filenames
    got, expected = ours[0], legacy[0]
    for a, b in zip(tf.nest.flatten(got), tf.nest.flatten(expected), strict=True):
        np.testing.assert_array_equal(a, b)


def test_dataframe_multi_label_and_multi_output(labelled_dir, frame):
    data = frame.iloc[:-1].copy()
    data["tags"] = [[c, "any"] for c in data["class"]]
    ours = ImageDataGenerator().flow_from_dataframe(
        data, str(labelled_dir), y_col="tags", target_size=SIZE, shuffle=False, batch_size=20
    )
    x, y = ours[0]
    assert ours.class_indices == {"a": 0, "any": 1, "b": 2, "c": 3}
    np.testing.assert_array_equal(y.sum(axis=1), 2.0)
    np.testing.assert_array_equal(y[:, 1], 1.0)
    multi = ImageDataGenerator().flow_from_dataframe(
        data, str(labelled_dir), y_col=["score", "weight"], class_mode="multi_output",
        target_size=SIZE, shuffle=False, batch_size=20,
    )  # fmt: skip
    x, (score, weight) = multi[0]
    np.testing.assert_array_equal(score, data["score"].to_numpy())
    np.testing.assert_array_equal(np.round((x.mean(axis=(1, 2, 3)) - 20) / 4), score)
    with pytest.raises(TypeError, match="list"):
        ImageDataGenerator().flow_from_dataframe(data, y_col="score", class_mode="multi_output")
    with pytest.raises(ValueError, match="2 classes"):
        ImageDataGenerator().flow_from_dataframe(data, str(labelled_dir), class_mode="binary")
    with pytest.raises(ValueError, match="class_mode"):
        ImageDataGenerator().flow_from_dataframe(data, str(labelled_dir), class_mode="labels")


def test_directory_as_dataset_matches_the_iterator(labelled_dir):
    it = ImageDataGenerator(**AUG).flow_from_directory(
        str(labelled_dir), target_size=SIZE, batch_size=4, seed=9, class_mode="input"
    )
    for i, (images, targets) in enumerate(it.as_dataset()):
        expected, _ = it[i]
        np.testing.assert_allclose(images.numpy(), expected, atol=1e-4)
        np.testing.assert_array_equal(targets.numpy(), images.numpy())
    assert i == len(it) - 1


def test_flow_channels_first_and_uint8_input():
    x = labelled_images(4).astype("uint8")
    it = ImageDataGenerator(**AUG, data_format="channels_first").flow(
        np.transpose(x, (0, 3, 1, 2)), np.arange(4), batch_size=4, shuffle=False
    )
    images, labels = it[0]
    assert images.shape == (4, 3, *SIZE) and images.dtype == np.float32
    np.testing.assert_array_equal(label_of(images), labels)


def test_reset_restarts_the_walk_and_attributes_follow():
    it = ImageDataGenerator().flow(labelled_images(10), np.arange(10), batch_size=4, shuffle=False)
    first = next(it)[1]
    next(it)
    it.reset()
    np.testing.assert_array_equal(next(it)[1], first)
    assert it.total_batches_seen == 3 and it.batch_index == 1


def test_dataframe_validation_split_is_disjoint_and_matches_legacy(labelled_dir, frame):
    data = frame.iloc[:-1]
    kwargs = dict(directory=str(labelled_dir), target_size=SIZE, class_mode="sparse")
    names = {}
    for subset in ("training", "validation"):
        it = ImageDataGenerator(validation_split=0.25).flow_from_dataframe(
            data, subset=subset, **kwargs
        )
        ref = Legacy(validation_split=0.25).flow_from_dataframe(data, subset=subset, **kwargs)
        assert it.filenames == ref.filenames
        names[subset] = set(it.filenames)
    assert not names["training"] & names["validation"]
    assert names["training"] | names["validation"] == set(data["filename"])


@pytest.mark.parametrize("dtype", ["float32", "uint8"])
def test_flow_batches_are_writable_and_never_alias_the_source(dtype):
    x = np.arange(4 * 6 * 5 * 3).reshape(4, 6, 5, 3).astype(dtype)
    source = x.copy()
    for generator in (ImageDataGenerator(), ImageDataGenerator(rescale=1.0)):
        iterator = generator.flow(x, batch_size=4, shuffle=False)
        batch = iterator[0]
        batch[...] = -1.0  # users write into batches; that must not reach any data
        np.testing.assert_array_equal(x, source)
        # Neither the user's array nor the iterator's own copy of it changed.
        np.testing.assert_array_equal(iterator[0], source.astype(batch.dtype))
