"""ImageDataGenerator itself: constructor, parameter dicts, transforms and statistics vs legacy."""

import inspect
import warnings

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from keras_augment.legacy import ImageDataGenerator, transforms

Legacy = tf.keras.preprocessing.image.ImageDataGenerator


@pytest.fixture(scope="module")
def crop(photo) -> np.ndarray:
    """A non-square 20x28 RGB crop of the real photograph, float32."""
    return photo[50:70, 100:128].astype("float32")


# ----------------------------------------------------------------------------
# Constructor


ATTRIBUTES = (
    "featurewise_center samplewise_center featurewise_std_normalization "
    "samplewise_std_normalization zca_whitening zca_epsilon rotation_range width_shift_range "
    "height_shift_range brightness_range shear_range zoom_range channel_shift_range fill_mode cval "
    "horizontal_flip vertical_flip rescale data_format interpolation_order dtype channel_axis "
    "row_axis col_axis mean std zca_whitening_matrix"
).split()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"zoom_range": [0.5, 1.5], "rotation_range": 30, "brightness_range": (0.5, 1.2)},
        {"zca_whitening": True, "featurewise_std_normalization": True},
        {"featurewise_std_normalization": True, "samplewise_std_normalization": True},
        {"data_format": "channels_first", "zoom_range": 0.3, "fill_mode": "wrap", "cval": 3.0},
    ],
)
def test_constructor_defaults_and_side_rules_match_legacy(kwargs):
    with warnings.catch_warnings(record=True) as ours_warnings:
        warnings.simplefilter("always")
        ours = ImageDataGenerator(**kwargs)
    with warnings.catch_warnings(record=True) as legacy_warnings:
        warnings.simplefilter("always")
        legacy = Legacy(**kwargs)
    for name in ATTRIBUTES:
        assert getattr(ours, name) == getattr(legacy, name), name
    assert ours._validation_split == legacy._validation_split
    assert ours.validation_split == legacy._validation_split
    assert len(ours_warnings) == len(legacy_warnings)


@pytest.mark.parametrize("method", ["flow", "flow_from_directory", "flow_from_dataframe"])
def test_flow_methods_take_the_legacy_arguments_in_the_legacy_order(method):
    ours = list(inspect.signature(getattr(ImageDataGenerator, method)).parameters.values())
    legacy = [
        p
        for p in inspect.signature(getattr(Legacy, method)).parameters.values()
        if p.kind is not p.VAR_KEYWORD
    ]
    # Same names, positions and defaults, so positional legacy calls keep their meaning.
    assert [(p.name, p.default) for p in ours[: len(legacy)]] == [
        (p.name, p.default) for p in legacy
    ]
    # The additions come after them: on_error, keep_aspect_ratio, the PyDataset arguments.
    names = [p.name for p in ours]
    assert {"workers", "use_multiprocessing", "max_queue_size"} <= set(names)
    assert not {"image_data_generator", "data_format", "dtype"} & set(names)


def test_flow_methods_refuse_unknown_arguments_and_bind_positionals(small_photos):
    gen = ImageDataGenerator()
    with pytest.raises(TypeError, match="batch_sizes"):
        gen.flow(small_photos, batch_sizes=4)
    it = gen.flow(small_photos, None, 3, False)
    assert (it.batch_size, it.shuffle, it.y) == (3, False, None)
    assert it.data_format == gen.data_format and it.dtype == gen.dtype


def test_side_rules_warn_and_switch_settings():
    with pytest.warns(UserWarning, match="overrides") as record:
        gen = ImageDataGenerator(zca_whitening=True, featurewise_std_normalization=True)
    assert any("zca_whitening" in str(w.message) for w in record)
    assert gen.featurewise_center and not gen.featurewise_std_normalization
    with pytest.warns(UserWarning, match="samplewise_std_normalization"):
        gen = ImageDataGenerator(samplewise_std_normalization=True)
    assert gen.samplewise_center


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"fill_mode": "mirror"}, "fill_mode"),
        ({"interpolation_order": 3}, "interpolation_order"),
        ({"validation_split": 1.5}, "validation_split"),
        ({"zoom_range": "big"}, "zoom_range"),
        ({"zoom_range": [0.5, 1.0, 2.0]}, "zoom_range"),
        ({"brightness_range": 0.5}, "brightness_range"),
        ({"data_format": "channels_middle"}, "data_format"),
        ({"width_shift_range": "wide"}, "width_shift_range"),
        ({"rotation_range": "a lot"}, "rotation_range"),
    ],
)
def test_bad_arguments_fail_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ImageDataGenerator(**kwargs)


# ----------------------------------------------------------------------------
# apply_transform: the same pixels as the legacy class for the same dict

DICTS = [
    {"theta": 17.0},
    {"tx": 3.3, "ty": -2.2},
    {"shear": 12.0},
    {"zx": 0.8, "zy": 1.3},
    {"theta": -25.0, "tx": 2.0, "ty": 1.5, "shear": -8.0, "zx": 1.1, "zy": 0.9},
    {"flip_horizontal": True, "theta": 5.0},
    {"flip_vertical": True, "zx": 1.2, "zy": 1.2},
    {"channel_shift_intensity": 40.0, "theta": 10.0},
    {"brightness": 0.6},
    {"brightness": 1.7, "theta": 10.0, "flip_horizontal": True},
]


def _compare(ours, legacy, order):
    if order == 1:
        np.testing.assert_allclose(ours, legacy, atol=1e-3)
    else:
        # Nearest reads of an exact .5 tie (e.g. zoom 0.8 about x = 9.5) round either way
        # depending on float32 vs float64 noise: at most a row or column of the image.
        assert (np.abs(ours - legacy) > 1e-3).mean() < 0.05


@pytest.mark.parametrize(
    "fill_mode, order",
    [("nearest", 1), ("reflect", 1), ("constant", 1), ("wrap", 1), ("nearest", 0), ("wrap", 0)],
)
def test_apply_transform_matches_legacy(crop, fill_mode, order):
    ours = ImageDataGenerator(fill_mode=fill_mode, cval=7.0, interpolation_order=order)
    legacy = Legacy(fill_mode=fill_mode, cval=7.0, interpolation_order=order)
    for params in DICTS:
        expected = legacy.apply_transform(crop.copy(), dict(params))
        got = ours.apply_transform(crop, dict(params))
        assert got.shape == crop.shape and got.dtype == crop.dtype
        _compare(got, expected, order)


@pytest.mark.parametrize("channels", [1, 4])
def test_apply_transform_matches_legacy_for_gray_and_rgba(crop, channels):
    image = crop[..., :1] if channels == 1 else np.concatenate([crop, crop[..., :1]], axis=-1)
    ours, legacy = ImageDataGenerator(), Legacy()
    for params in DICTS:
        _compare(
            ours.apply_transform(image, params), legacy.apply_transform(image.copy(), params), 1
        )


def test_apply_transform_matches_legacy_channels_first(crop):
    image = np.transpose(crop, (2, 0, 1))
    ours = ImageDataGenerator(data_format="channels_first", fill_mode="reflect")
    legacy = Legacy(data_format="channels_first", fill_mode="reflect")
    # (The legacy brightness step fails on channels_first images, so it is left out here.)
    for params in [d for d in DICTS if "brightness" not in d]:
        _compare(
            ours.apply_transform(image, params), legacy.apply_transform(image.copy(), params), 1
        )


def test_brightness_outside_0_255_matches_legacy(crop):
    image = crop / 255.0 * 4.0 - 2.0  # values in [-2, 2]: the legacy stretch-and-back path
    got = ImageDataGenerator().apply_transform(image, {"brightness": 1.3})
    expected = Legacy().apply_transform(image.copy(), {"brightness": 1.3})
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_legacy_shift_keys_move_content_across_axes(crop):
    """tx (from height_shift_range) moves along the width, ty along the height."""
    gen = ImageDataGenerator(fill_mode="constant", cval=-1.0)
    moved = gen.apply_transform(crop, {"tx": 3})
    np.testing.assert_array_equal(moved[:, :-3], crop[:, 3:])  # content moved 3 px left
    np.testing.assert_array_equal(moved[:, -3:], -1.0)
    moved = gen.apply_transform(crop, {"ty": 2})
    np.testing.assert_array_equal(moved[:-2], crop[2:])  # content moved 2 px up


def test_height_shift_range_shifts_horizontally_like_legacy(crop):
    """The documented legacy swap: height_shift_range draws tx, scaled by the height,
    and tx moves the image sideways. Both classes do it."""
    height, width = crop.shape[:2]
    for cls in (ImageDataGenerator, Legacy):
        gen = cls(height_shift_range=0.25)
        draws = [gen.get_random_transform(crop.shape, seed=s) for s in range(40)]
        tx = np.array([d["tx"] for d in draws])
        assert all(d["ty"] == 0 for d in draws)
        assert np.abs(tx).max() <= 0.25 * height and np.abs(tx).max() > 0.15 * height
        image = gen.apply_transform(crop, {"tx": 4.0})
        np.testing.assert_allclose(image[:, :-4], crop[:, 4:])  # rows unchanged, moved sideways
    assert width != height


# ----------------------------------------------------------------------------
# Random parameters: same keys, same distributions


def test_get_random_transform_keys_and_seed(crop):
    gen = ImageDataGenerator(rotation_range=30, zoom_range=0.2, horizontal_flip=True)
    first = gen.get_random_transform(crop.shape, seed=5)
    assert set(first) == set(Legacy().get_random_transform(crop.shape))
    assert first == gen.get_random_transform(crop.shape, seed=5)
    assert first != gen.get_random_transform(crop.shape, seed=6)
    assert first["channel_shift_intensity"] is None and first["brightness"] is None
    unseeded = [gen.get_random_transform(crop.shape)["theta"] for _ in range(3)]
    assert len(set(unseeded)) == 3
    np.testing.assert_allclose(
        gen.random_transform(crop, seed=5), gen.apply_transform(crop, first), atol=1e-5
    )


CONFIG = {
    "rotation_range": 25,
    "width_shift_range": 0.2,
    "height_shift_range": 3.0,
    "shear_range": 10,
    "zoom_range": [0.7, 1.2],
    "horizontal_flip": True,
    "vertical_flip": True,
    "channel_shift_range": 30.0,
    "brightness_range": (0.6, 1.4),
}


def test_parameter_distributions_match_legacy():
    shape, n = (24, 40, 3), 3000
    ours = ImageDataGenerator(**CONFIG)
    drawn = transforms.draw_parameters(ours._config, tf.constant([3, 4], tf.int64), n, 24, 40)
    legacy = Legacy(**CONFIG)
    np.random.seed(0)
    reference = [legacy.get_random_transform(shape) for _ in range(n)]
    for key in ("theta", "tx", "ty", "shear", "zx", "zy", "channel_shift_intensity", "brightness"):
        values = np.asarray(drawn[key])
        expected = np.array([d[key] for d in reference], dtype=float)
        assert stats.ks_2samp(values, expected).pvalue > 1e-3, key
    for key in ("flip_horizontal", "flip_vertical"):
        assert abs(np.mean(drawn[key]) - 0.5) < 0.05
    # zx and zy are independent draws.
    assert abs(np.corrcoef(drawn["zx"], drawn["zy"])[0, 1]) < 0.1


@pytest.mark.parametrize("shift", [4, [0.1, 0.25], [2, 5]])
def test_discrete_shift_ranges_take_the_legacy_values(shift):
    shape = (20, 32, 3)
    ours = ImageDataGenerator(width_shift_range=shift)
    drawn = transforms.draw_parameters(ours._config, tf.constant([1, 2], tf.int64), 600, 20, 32)
    legacy = Legacy(width_shift_range=shift)
    np.random.seed(1)
    expected = {round(legacy.get_random_transform(shape)["ty"], 4) for _ in range(600)}
    assert {round(float(v), 4) for v in np.asarray(drawn["ty"])} == expected


# ----------------------------------------------------------------------------
# standardize and fit


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rescale": 1 / 255.0, "samplewise_center": True, "samplewise_std_normalization": True},
        {"featurewise_center": True, "featurewise_std_normalization": True},
        {"zca_whitening": True, "zca_epsilon": 1e-2},
        {"preprocessing_function": lambda x: x * 2.0 + 1.0, "rescale": 0.5},
    ],
)
def test_fit_and_standardize_match_legacy(small_photos, kwargs):
    data = small_photos[:, :8, :8]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, legacy = ImageDataGenerator(**kwargs), Legacy(**kwargs)
    ours.fit(data)
    legacy.fit(data)
    for name in ("mean", "std", "zca_whitening_matrix"):
        a, b = getattr(ours, name), getattr(legacy, name)
        assert (a is None) == (b is None), name
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(
        ours.standardize(data.copy()), legacy.standardize(data.copy()), rtol=1e-3, atol=1e-3
    )


def test_standardize_warns_when_not_fit(small_photos):
    gen = ImageDataGenerator(featurewise_center=True)
    with pytest.warns(UserWarning, match="fit"):
        out = gen.standardize(small_photos.copy())
    np.testing.assert_array_equal(out, small_photos)


def test_fit_with_augmentation_is_seeded(small_photos):
    data = small_photos[:, :16, :20]
    config = dict(featurewise_center=True, rotation_range=20, width_shift_range=0.1,
                  height_shift_range=0.1, zoom_range=0.2, horizontal_flip=True)  # fmt: skip
    plain = ImageDataGenerator(**config)
    plain.fit(data)
    first = ImageDataGenerator(**config)
    first.fit(data, augment=True, rounds=2, seed=3)
    again = ImageDataGenerator(**config)
    again.fit(data, augment=True, rounds=2, seed=3)
    np.testing.assert_array_equal(first.mean, again.mean)
    assert not np.allclose(first.mean, plain.mean)
    with pytest.raises(ValueError, match="rank 4"):
        plain.fit(data[0])


@pytest.mark.parametrize(
    "arguments",
    [
        {"rotation_range": float("inf")},
        {"shear_range": float("nan")},
        {"zoom_range": float("inf")},
        {"zoom_range": (0.9, float("nan"))},
        {"width_shift_range": float("inf")},
        {"height_shift_range": [0, float("nan")]},
        {"brightness_range": (0.5, float("inf"))},
        {"channel_shift_range": float("inf")},
    ],
)
def test_non_finite_arguments_are_refused_naming_the_argument(arguments):
    (name,) = arguments
    with pytest.raises(ValueError, match=rf"ImageDataGenerator: `{name}` must be .*finite"):
        ImageDataGenerator(**arguments)
