"""keras_augment.preprocessing.image: the legacy module's functions, against tf.keras' own."""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_augment.legacy as legacy
from keras_augment.legacy import functions
from keras_augment.preprocessing import image

Reference = tf.keras.preprocessing.image


@pytest.fixture(scope="module")
def crop(photo) -> np.ndarray:
    """A non-square 20x28 RGB crop of the real photograph, float32, channels last."""
    return photo[50:70, 100:128].astype("float32")


def _close(ours, reference, order=1):
    assert ours.shape == reference.shape and ours.dtype == reference.dtype
    diff = np.abs(ours.astype("float64") - reference.astype("float64"))
    if order == 1:
        # Bilinear in float32 against SciPy in float64; integer images may round the other way.
        limit = 1.0 if np.issubdtype(ours.dtype, np.integer) else 1e-3
        assert diff.max() <= limit
    else:
        # Nearest reads of an exact .5 tie round either way with float32 vs float64 noise.
        assert (diff > 1e-3).mean() < 0.05


def test_every_public_name_of_the_tf_keras_module_is_here():
    public = {name for name in dir(Reference) if not name.startswith("_")}
    ours = {name for name in dir(image) if not name.startswith("_")}
    assert public <= ours
    assert set(image.__all__) >= public | {"DataFrameIterator"}
    # The iterators are ours, exported where tf.keras has them.
    for name in ("Iterator", "NumpyArrayIterator", "DirectoryIterator", "DataFrameIterator"):
        assert getattr(image, name) is getattr(legacy, name)
    assert image.ImageDataGenerator is legacy.ImageDataGenerator


# ----------------------------------------------------------------------------
# apply_affine_transform

PARAMS = [
    {"theta": 17},
    {"tx": 3.3, "ty": -2.2},
    {"shear": 12},
    {"zx": 0.8, "zy": 1.3},
    {"theta": -25, "tx": 2, "ty": 1.5, "shear": -8, "zx": 1.1, "zy": 0.9},
]


@pytest.mark.parametrize(
    "fill_mode, order, compiled",
    [
        ("nearest", 1, False),
        ("reflect", 1, False),
        ("constant", 1, False),
        ("wrap", 1, False),
        ("wrap", 0, False),
        ("reflect", 1, True),
        ("constant", 0, True),
    ],
)
def test_apply_affine_transform_matches_tf_keras_with_default_axes(
    crop, fill_mode, order, compiled, monkeypatch
):
    # A size used often goes through the XLA-compiled resampler, others through the plain graph.
    monkeypatch.setattr(functions, "_COMPILE_AFTER", 0 if compiled else 10**9)
    x = np.transpose(crop, (2, 0, 1))  # the legacy default axes: channels first
    for params in PARAMS:
        kwargs = dict(params, fill_mode=fill_mode, cval=7.0, order=order)
        _close(
            image.apply_affine_transform(x, **kwargs),
            Reference.apply_affine_transform(x.copy(), **kwargs),
            order,
        )


@pytest.mark.parametrize(
    "axes, dtype",
    [((0, 1, 2), "float32"), ((1, 0, 2), "float32"), ((0, 1, 2), "uint8"), ((2, 1, 0), "float64")],
)
def test_apply_affine_transform_matches_tf_keras_for_any_layout_and_dtype(crop, axes, dtype):
    row_axis, col_axis, channel_axis = axes
    # Put rows, columns and channels on the named axes.
    x = np.transpose(crop, np.argsort(axes)).astype(dtype)
    for params in PARAMS:
        kwargs = dict(params, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis)
        _close(
            image.apply_affine_transform(x, **kwargs),
            Reference.apply_affine_transform(x.copy(), **kwargs),
        )


def test_apply_affine_transform_returns_the_input_when_nothing_moves(crop):
    assert image.apply_affine_transform(crop, row_axis=0, col_axis=1, channel_axis=2) is crop


@pytest.mark.parametrize(
    "kwargs",
    [
        {"row_axis": 1, "col_axis": 1, "channel_axis": 0},
        {"row_axis": 0, "col_axis": 2, "channel_axis": 3},
        {"row_axis": 0, "col_axis": 2, "channel_axis": 1},
    ],
)
def test_apply_affine_transform_rejects_bad_axes_like_tf_keras(crop, kwargs):
    with pytest.raises(ValueError):
        Reference.apply_affine_transform(crop, theta=10, **kwargs)
    with pytest.raises(ValueError, match="axis"):
        image.apply_affine_transform(crop, theta=10, **kwargs)


def test_apply_affine_transform_rejects_what_it_cannot_do(crop):
    with pytest.raises(ValueError, match="rank 3"):
        image.apply_affine_transform(crop[None], theta=10)
    with pytest.raises(ValueError, match="order"):
        image.apply_affine_transform(crop, theta=10, order=3)
    with pytest.raises(ValueError, match="fill_mode"):
        image.apply_affine_transform(crop, theta=10, fill_mode="mirror")


# ----------------------------------------------------------------------------
# random_*: NumPy's global generator draws the parameters, as in the legacy module

RANDOM_CALLS = [
    ("random_rotation", (40,), {}),
    ("random_shift", (0.3, 0.2), {"fill_mode": "constant", "cval": 9.0}),
    ("random_shear", (30,), {"fill_mode": "reflect"}),
    ("random_zoom", ((0.6, 1.4),), {"interpolation_order": 0}),
    ("random_channel_shift", (60.0,), {}),
]


@pytest.mark.parametrize("name, args, kwargs", RANDOM_CALLS)
def test_random_functions_give_tf_keras_results_after_the_same_numpy_seed(crop, name, args, kwargs):
    x = np.transpose(crop, (2, 0, 1))
    results = []
    for seed in range(4):
        np.random.seed(seed)
        ours = getattr(image, name)(x, *args, **kwargs)
        np.random.seed(seed)
        reference = getattr(Reference, name)(x.copy(), *args, **kwargs)
        _close(ours, reference, kwargs.get("interpolation_order", 1))
        results.append(ours)
    # Different draws, different images: the parameters really are random.
    assert not np.allclose(results[0], results[1])


def test_random_functions_keep_their_ranges(crop):
    x = np.transpose(crop, (2, 0, 1))
    np.random.seed(0)
    for _ in range(8):
        shifted = image.random_channel_shift(x, 30.0)
        offset = float(np.median(shifted - x))
        assert -30.0 <= offset <= 30.0
        # Clipped to the image's own extremes, as the legacy function clips.
        assert shifted.min() >= x.min() and shifted.max() <= x.max()
    assert image.random_zoom(x, (1, 1)) is x  # (1, 1): no zoom and no draw
    with pytest.raises(ValueError, match="zoom_range"):
        image.random_zoom(x, (0.5, 1.0, 2.0))
    with pytest.raises(ValueError, match="brightness_range"):
        image.random_brightness(crop, (0.5,))


# ----------------------------------------------------------------------------
# channel shift and brightness


@pytest.mark.parametrize("dtype", ["float32", "uint8"])
def test_apply_channel_shift_matches_tf_keras(crop, dtype):
    x = crop.astype(dtype)
    for intensity in (-50.0, 35.0):
        ours = image.apply_channel_shift(x, intensity, channel_axis=2)
        reference = Reference.apply_channel_shift(x.copy(), intensity, channel_axis=2)
        assert ours.dtype == reference.dtype
        np.testing.assert_allclose(ours, reference, atol=1e-3)


@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize(
    "kind", ["0..255", "-2..2", "20..147", "uint8", "gray", "rgba"]
)  # fmt: skip
def test_apply_brightness_shift_matches_tf_keras(crop, scale, kind):
    x = {
        "0..255": crop,
        "-2..2": crop / 255.0 * 4.0 - 2.0,
        "20..147": crop * 0.5 + 20.0,
        "uint8": crop.astype("uint8"),
        "gray": crop[..., :1],
        "rgba": np.concatenate([crop, crop[..., :1]], axis=-1),
    }[kind]
    for brightness in (0.4, 1.3):
        ours = image.apply_brightness_shift(x, brightness, scale)
        reference = Reference.apply_brightness_shift(x.copy(), brightness, scale)
        assert ours.dtype == reference.dtype
        np.testing.assert_allclose(ours, reference, atol=1e-3)


def test_random_brightness_matches_tf_keras_after_the_same_seed(crop):
    for seed in range(3):
        np.random.seed(seed)
        ours = image.random_brightness(crop, (0.3, 1.7))
        np.random.seed(seed)
        np.testing.assert_allclose(ours, Reference.random_brightness(crop, (0.3, 1.7)), atol=1e-3)


# ----------------------------------------------------------------------------
# smart_resize


@pytest.mark.parametrize("size", [(12, 12), (30, 17), (7, 40)])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic", "area"])
def test_smart_resize_matches_tf_keras(crop, size, interpolation):
    ours = image.smart_resize(crop, size, interpolation=interpolation)
    reference = Reference.smart_resize(crop, size, interpolation=interpolation)
    assert isinstance(ours, np.ndarray) and ours.shape == (*size, 3)
    np.testing.assert_allclose(ours, reference, atol=1e-3)


def test_smart_resize_batches_channels_first_and_tensors(crop):
    batch = np.stack([crop, crop[::-1]])
    first = np.transpose(batch, (0, 3, 1, 2))
    ours = image.smart_resize(first, (10, 10), data_format="channels_first")
    reference = Reference.smart_resize(first, (10, 10), data_format="channels_first")
    assert ours.shape == (2, 3, 10, 10)
    np.testing.assert_allclose(ours, reference, atol=1e-3)
    tensor = image.smart_resize(tf.constant(crop), (9, 15))
    assert isinstance(tensor, tf.Tensor) and tensor.shape == (9, 15, 3)


def test_smart_resize_maps_over_images_of_different_sizes(photo):
    sizes = [(40, 90), (70, 30), (55, 55)]
    images = [photo[:h, :w].astype("float32") for h, w in sizes]
    dataset = tf.data.Dataset.from_generator(
        lambda: iter(images), output_signature=tf.TensorSpec([None, None, 3], tf.float32)
    ).map(lambda img: image.smart_resize(img, (20, 24)))
    for got, img in zip(dataset, images, strict=True):
        np.testing.assert_allclose(got.numpy(), Reference.smart_resize(img, (20, 24)), atol=1e-3)


def test_smart_resize_rejects_bad_input(crop):
    with pytest.raises(ValueError, match="size"):
        image.smart_resize(crop, (10, 10, 3))
    with pytest.raises(ValueError, match="rank"):
        image.smart_resize(crop[..., 0], (10, 10))


# ----------------------------------------------------------------------------
# load_img and the PIL conversions


@pytest.fixture(scope="module")
def image_files(photo, tmp_path_factory):
    """The photograph as JPEG (shipped), PNG, grayscale PNG and RGBA PNG files."""
    folder = tmp_path_factory.mktemp("load_img")
    paths = {"jpg": str(folder / "photo.jpg")}
    Image.fromarray(photo[:60, :90]).save(paths["jpg"], quality=90)
    paths["png"] = str(folder / "photo.png")
    Image.fromarray(photo[30:90, 40:120]).save(paths["png"])
    paths["gray"] = str(folder / "gray.png")
    Image.fromarray(photo[:50, :70]).convert("L").save(paths["gray"])
    paths["rgba"] = str(folder / "rgba.png")
    alpha = np.linspace(0, 255, 70 * 50).reshape(50, 70, 1).astype("uint8")
    Image.fromarray(np.concatenate([photo[:50, :70], alpha], -1), "RGBA").save(paths["rgba"])
    return paths


@pytest.mark.parametrize("kind", ["jpg", "png", "gray", "rgba"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"color_mode": "grayscale"},
        {"color_mode": "rgba", "target_size": (25, 31)},
        {"target_size": (32, 32), "interpolation": "bilinear", "keep_aspect_ratio": True},
        {"target_size": (20, 44), "interpolation": "lanczos", "keep_aspect_ratio": True},
    ],
)
def test_load_img_matches_tf_keras(image_files, kind, kwargs):
    ours = image.load_img(image_files[kind], **kwargs)
    reference = Reference.load_img(image_files[kind], **kwargs)
    assert isinstance(ours, Image.Image)
    assert (ours.mode, ours.size) == (reference.mode, reference.size)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(reference))


def test_load_img_reads_bytes_and_keeps_16_bit_grayscale(image_files, tmp_path):
    with open(image_files["png"], "rb") as f:
        data = f.read()
    ours = image.load_img(io.BytesIO(data), target_size=(20, 20))
    reference = Reference.load_img(io.BytesIO(data), target_size=(20, 20))
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(reference))
    # A 16-bit mask whose class ids pass 255: the legacy function keeps the values.
    path = str(tmp_path / "mask16.png")
    mask = (np.arange(12 * 9).reshape(12, 9) * 600).astype("uint16")
    Image.fromarray(mask).save(path)
    ours = image.load_img(path, color_mode="grayscale")
    reference = Reference.load_img(path, color_mode="grayscale")
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(reference))
    np.testing.assert_array_equal(image.img_to_array(ours)[..., 0], mask)


def test_load_img_errors_like_tf_keras(image_files, tmp_path):
    missing = str(tmp_path / "missing.png")
    with pytest.raises(FileNotFoundError):
        image.load_img(missing)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")
    with pytest.raises(OSError):
        Reference.load_img(str(broken))
    with pytest.raises(OSError, match="broken.png"):
        image.load_img(str(broken))
    with pytest.raises(ValueError, match="color_mode"):
        image.load_img(image_files["png"], color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        image.load_img(image_files["png"], target_size=(5, 5), interpolation="spline")


def test_save_img_and_img_to_array_round_trip(crop, tmp_path):
    path = str(tmp_path / "saved.png")
    image.save_img(path, crop, scale=False)
    array = image.img_to_array(image.load_img(path))
    assert array.dtype == np.float32
    np.testing.assert_array_equal(array, crop.astype("uint8"))
    pil = image.array_to_img(crop, scale=False)
    np.testing.assert_array_equal(np.asarray(pil), crop.astype("uint8"))
