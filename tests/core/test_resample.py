"""The fused resampler and the matrix builders, against NumPy/SciPy references."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from scipy import ndimage

from keras_augment.core import matrices
from keras_augment.core.resample import (
    _general,
    _separable,
    _warp_corner_words,
    _warp_general,
    axis_aligned,
    resample,
    takes_corner_words,
)

# Our fill modes and the SciPy modes that extend an image the same way:
# reflect is half-sample symmetric (d c b a | a b c d | d c b a), wrap is
# periodic (a b c d | a b c d), constant blends corners with `cval`.
SCIPY_MODES = {
    "reflect": "grid-mirror",
    "wrap": "grid-wrap",
    "constant": "grid-constant",
    "nearest": "nearest",
}
SCIPY_ORDERS = {"bilinear": 1, "nearest": 0}


def reference(images, mats, output_size, interpolation, fill_mode, fill_value=0.0, disp=None):
    """Independent float64 reference: source = M @ (p + d), read with ndimage.map_coordinates."""
    images = np.asarray(images, dtype=np.float64)
    batch, _, _, channels = images.shape
    out_h, out_w = output_size
    ys, xs = np.meshgrid(
        np.arange(out_h, dtype=float), np.arange(out_w, dtype=float), indexing="ij"
    )
    result = np.zeros((batch, out_h, out_w, channels))
    for i in range(batch):
        x, y = xs, ys
        if disp is not None:
            x = x + disp[i, ..., 0]
            y = y + disp[i, ..., 1]
        m = np.asarray(mats[i], dtype=np.float64)
        denom = m[2, 0] * x + m[2, 1] * y + m[2, 2]
        src_x = (m[0, 0] * x + m[0, 1] * y + m[0, 2]) / denom
        src_y = (m[1, 0] * x + m[1, 1] * y + m[1, 2]) / denom
        for c in range(channels):
            result[i, ..., c] = ndimage.map_coordinates(
                images[i, ..., c],
                [src_y, src_x],
                order=SCIPY_ORDERS[interpolation],
                mode=SCIPY_MODES[fill_mode],
                cval=fill_value,
            )
    return result


def affine(angle, sx, sy, tx, ty):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[sx * c, -s, tx], [s, sy * c, ty], [0.0, 0.0, 1.0]])


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(1).uniform(0, 255, (3, 9, 11, 2)).astype("float32")


@pytest.fixture(scope="module")
def warps() -> np.ndarray:
    """Three affine maps that read well outside the 9x11 image, so every fill mode matters."""
    return np.stack(
        [
            affine(0.4, 1.3, 1.2, 2.3, -3.1),
            affine(-1.1, 0.7, 1.6, -4.7, 5.2),
            affine(2.9, 1.9, 0.8, 13.4, 4.4),
        ]
    ).astype("float32")


@pytest.fixture(scope="module")
def stretches() -> np.ndarray:
    """Scale + translate maps (flips, zooms in and out, fractional shifts, a non-unit last
    entry) that read outside the 9x11 image: the resampler's separable path."""
    return np.array(
        [
            [[-1.37, 0.0, 12.37], [0.0, 0.83, -2.17], [0.0, 0.0, 1.0]],
            [[0.61, 0.0, -3.43], [0.0, -1.91, 11.07], [0.0, 0.0, 1.0]],
            [[2.53, 0.0, 1.29], [0.0, 1.17, 0.73], [0.0, 0.0, 1.3]],
        ],
        "float32",
    )


def run(images, mats, size, *args, **kwargs) -> np.ndarray:
    return resample(
        tf.constant(images), tf.constant(mats, tf.float32), tf.constant(size), *args, **kwargs
    ).numpy()


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_matches_scipy_reference(images, warps, interpolation, fill_mode):
    out = run(images, warps, [9, 11], None, interpolation, fill_mode, 17.0)
    expected = reference(images, warps, (9, 11), interpolation, fill_mode, 17.0)
    assert out.dtype == np.float32 and out.shape == (3, 9, 11, 2)
    np.testing.assert_allclose(out, expected, atol=2e-3)
    # The warps really reach outside the image: the fill mode decides some pixels.
    if fill_mode == "constant":
        assert np.sum(out == 17.0) > 20


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_scale_translate_matches_scipy_reference(images, stretches, interpolation, fill_mode):
    for size in ((9, 11), (5, 14)):
        out = run(images, stretches, list(size), None, interpolation, fill_mode, 17.0)
        expected = reference(images, stretches, size, interpolation, fill_mode, 17.0)
        np.testing.assert_allclose(out, expected, atol=2e-3)


general_path = tf.function(_warp_general, jit_compile=True, autograph=False)


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_scale_translate_equals_the_general_path(images, dtype, interpolation, fill_mode):
    """Random scale + translate matrices: the separable path gives the four-corner result."""
    rng = np.random.default_rng(7)
    mats = np.zeros((3, 3, 3), "float32")
    mats[:, 0, 0] = rng.uniform(0.4, 2.5, 3) * rng.choice([-1, 1], 3)
    mats[:, 1, 1] = rng.uniform(0.4, 2.5, 3) * rng.choice([-1, 1], 3)
    mats[:, :2, 2] = rng.uniform(-12, 12, (3, 2))
    mats[:, 2, 2] = 1.0
    x = tf.constant(images.astype(dtype))
    args = (tf.constant(mats), tf.constant([13, 6]))
    out = resample(x, *args, None, interpolation, fill_mode, 9.0).numpy()
    general = general_path(x, *args, None, interpolation, fill_mode, 9.0, None).numpy()
    if interpolation == "nearest":
        np.testing.assert_array_equal(out, general)
    else:
        np.testing.assert_allclose(out, general, atol=1e-3)


def test_axis_aligned_tells_scale_translate_from_other_maps(stretches, warps):
    assert bool(axis_aligned(tf.constant(stretches)))
    assert not bool(axis_aligned(tf.constant(warps)))
    for row, col in ((0, 1), (1, 0), (2, 0), (2, 1)):  # shear either way, perspective
        m = stretches.copy()
        m[1, row, col] = 1e-3
        assert not bool(axis_aligned(tf.constant(m)))


def test_one_rotated_sample_sends_the_batch_down_the_general_path(images, stretches, warps):
    mats = np.concatenate([stretches[:2], warps[:1]])
    out = run(images, mats, [9, 11], None, "bilinear", "constant", 2.0)
    general = general_path(
        tf.constant(images), tf.constant(mats), tf.constant([9, 11]), None, "bilinear",
        "constant", 2.0, None,
    )  # fmt: skip
    np.testing.assert_array_equal(out, general.numpy())


def test_fill_modes_extend_one_row_as_documented():
    """A 1x4 row (a b c d) read at x = -4..7 through integer shifts, nearest neighbour."""
    row = np.array([10.0, 20.0, 30.0, 40.0], "float32").reshape(1, 1, 4, 1)
    shift = np.array([[[1.0, 0.0, -4.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]], "float32")
    expected = {
        # d c b a | a b c d | d c b a
        "reflect": [40, 30, 20, 10, 10, 20, 30, 40, 40, 30, 20, 10],
        "wrap": [10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 40],
        "constant": [-1, -1, -1, -1, 10, 20, 30, 40, -1, -1, -1, -1],
        "nearest": [10, 10, 10, 10, 10, 20, 30, 40, 40, 40, 40, 40],
    }
    for fill_mode, values in expected.items():
        out = run(row, shift, [1, 12], None, "bilinear", fill_mode, -1.0)
        np.testing.assert_array_equal(out[0, 0, :, 0], values, err_msg=fill_mode)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_identity_is_exact(images, interpolation):
    out = run(images, np.tile(np.eye(3), (3, 1, 1)), [9, 11], None, interpolation, "reflect")
    np.testing.assert_array_equal(out, images)


@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_integer_translations_are_exact(images, fill_mode):
    shifts = [(3, -2), (-1, 4), (0, 0)]
    mats = matrices.translation(
        tf.constant([dx for dx, _ in shifts], tf.float32),
        tf.constant([dy for _, dy in shifts], tf.float32),
    )
    out = run(images, mats, [9, 11], None, "bilinear", fill_mode, -5.0)
    for i, (dx, dy) in enumerate(shifts):
        # Content moves right by dx and down by dy: out[y, x] = in[y - dy, x - dx].
        ys = slice(max(dy, 0), 9 + min(dy, 0))
        xs = slice(max(dx, 0), 11 + min(dx, 0))
        src_ys = slice(max(-dy, 0), 9 + min(-dy, 0))
        src_xs = slice(max(-dx, 0), 11 + min(-dx, 0))
        np.testing.assert_array_equal(out[i, ys, xs], images[i, src_ys, src_xs])
        if fill_mode == "constant" and (dx, dy) != (0, 0):
            assert np.sum(out[i] == -5.0) == 2 * (9 * 11 - (9 - abs(dy)) * (11 - abs(dx)))
    np.testing.assert_array_equal(
        out, reference(images, mats.numpy(), (9, 11), "bilinear", fill_mode, -5.0)
    )


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_homographies_match_reference(images, interpolation):
    """Perspective maps (non-zero third row) divide by the third coordinate."""
    mats = np.array(
        [
            [[1.13, 0.11, -1.07], [0.053, 0.91, 0.47], [0.021, -0.013, 1.0]],
            [[0.83, -0.23, 2.09], [0.117, 1.21, -1.03], [-0.031, 0.043, 0.93]],
            [[1.01, 0.0, 0.13], [0.0, 0.97, 0.07], [0.0517, 0.0491, 1.0]],
        ],
        "float32",
    )
    for fill_mode in ("reflect", "constant"):
        out = run(images, mats, [9, 11], None, interpolation, fill_mode, 3.0)
        expected = reference(images, mats, (9, 11), interpolation, fill_mode, 3.0)
        np.testing.assert_allclose(out, expected, atol=2e-3)


def test_displacement_is_added_before_the_matrix(images, warps):
    disp = np.random.default_rng(2).normal(0, 1.5, (3, 9, 11, 2)).astype("float32")
    out = run(images, warps, [9, 11], tf.constant(disp), "bilinear", "reflect")
    expected = reference(images, warps, (9, 11), "bilinear", "reflect", disp=disp)
    np.testing.assert_allclose(out, expected, atol=2e-3)
    # Adding the field after the matrix would give something else.
    after = reference(images, warps, (9, 11), "bilinear", "reflect")
    assert np.abs(out - after).max() > 10


def test_integer_displacement_with_identity_is_a_shift(images):
    disp = np.zeros((3, 9, 11, 2), "float32")
    disp[..., 0] = 2.0  # read two pixels to the right: content moves left
    out = run(
        images, np.tile(np.eye(3), (3, 1, 1)), [9, 11], tf.constant(disp), "bilinear", "nearest"
    )
    np.testing.assert_array_equal(out[:, :, :9], images[:, :, 2:])


@pytest.mark.parametrize("size", [(5, 14), (12, 4)])
def test_output_size_differs_from_input(images, warps, size):
    out = run(images, warps, list(size), None, "bilinear", "reflect")
    assert out.shape == (3, *size, 2)
    np.testing.assert_allclose(
        out, reference(images, warps, size, "bilinear", "reflect"), atol=2e-3
    )


def test_uint8_input_gives_float_results(images, warps):
    as_uint8 = np.round(images).astype("uint8")
    out_int = run(as_uint8, warps, [9, 11], None, "bilinear", "wrap")
    out_float = run(as_uint8.astype("float32"), warps, [9, 11], None, "bilinear", "wrap")
    assert out_int.dtype == np.float32
    np.testing.assert_array_equal(out_int, out_float)


@pytest.mark.parametrize("maps", ["warps", "stretches"])
@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_uint8_output_is_the_float_result_rounded(request, images, maps, fill_mode):
    warps = request.getfixturevalue(maps)  # the general and the separable path
    as_uint8 = np.round(images).astype("uint8")
    args = ([9, 11], None, "bilinear", fill_mode, 300.0)  # a fill above 255 saturates
    out = run(as_uint8, warps, *args, output_dtype="uint8")
    as_float = run(as_uint8.astype("float32"), warps, *args)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.clip(np.round(as_float), 0, 255))
    # Within half a grey level of the float result, where that is in range.
    assert np.abs(out - np.clip(as_float, 0, 255)).max() <= 0.5 + 1e-3
    nearest = run(as_uint8, warps, [9, 11], None, "nearest", fill_mode, output_dtype="uint8")
    np.testing.assert_array_equal(
        nearest, run(as_uint8.astype("float32"), warps, [9, 11], None, "nearest", fill_mode)
    )


def test_samples_use_their_own_matrix(images, warps):
    together = run(images, warps, [9, 11], None, "bilinear", "reflect")
    for i in range(3):
        alone = run(images[i : i + 1], warps[i : i + 1], [9, 11], None, "bilinear", "reflect")
        np.testing.assert_allclose(together[i], alone[0], atol=1e-4)


@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_batch_indices_read_the_picked_sources(images, warps, fill_mode):
    # Output b comes from images[picks[b]]: repeats and any order, four outputs from three.
    picks = np.array([2, 0, 2, 1], dtype="int32")
    mats = warps[[0, 1, 2, 0]]
    out = run(images, mats, [9, 11], None, "bilinear", fill_mode, 5.0, tf.constant(picks))
    expected = reference(images[picks], mats, [9, 11], "bilinear", fill_mode, 5.0)
    assert out.shape == (4, 9, 11, 2)
    np.testing.assert_allclose(out, expected, atol=1e-2)


def test_compiles_with_xla(images, warps):
    x, size = tf.constant(images), tf.constant([9, 11])
    for path, args in (
        (_general, (tf.constant(warps), size, None, "bilinear", "reflect", 0.0, None)),
        (_separable, (tf.constant(np.tile(np.eye(3), (3, 1, 1))), size, "bilinear", "wrap", 0.0)),
    ):
        assert "gather" in path.experimental_get_compiler_ir(x, *args, None)(stage="hlo")
    # And inside a caller's XLA function, with a symbolic output size.
    outer = tf.function(
        lambda x, m, size: resample(x, m, size, None, "bilinear", "constant", 1.0),
        jit_compile=True,
    )
    out = outer(tf.constant(images), tf.constant(warps), tf.constant([7, 8])).numpy()
    expected = reference(images, warps, (7, 8), "bilinear", "constant", 1.0)
    np.testing.assert_allclose(out, expected, atol=2e-3)


def test_plain_ops_give_the_compiled_result(images, warps, stretches):
    """``resample.python_function`` (run as a graph, or inside a caller's XLA function)."""
    plain = tf.function(resample.python_function, autograph=False)
    for mats in (warps, stretches):
        args = (tf.constant(images), tf.constant(mats), tf.constant([7, 12]), None, "bilinear")
        np.testing.assert_allclose(
            plain(*args, "constant", 4.0).numpy(),
            resample(*args, "constant", 4.0).numpy(),
            atol=1e-3,
        )


def test_runs_inside_tf_data_map(images, warps):
    ds = tf.data.Dataset.from_tensor_slices((images, warps)).map(
        lambda x, m: resample(x[None], m[None], tf.constant([9, 11]), None, "nearest", "wrap")[0],
        num_parallel_calls=2,
    )
    out = np.stack(list(ds.as_numpy_iterator()))
    np.testing.assert_array_equal(out, reference(images, warps, (9, 11), "nearest", "wrap"))


# ----- matrices ------------------------------------------------------------------------------


def warp_nearest(images, m, fill_mode="wrap"):
    _, h, w, _ = images.shape
    return run(images, m, [h, w], None, "nearest", fill_mode)


def test_compose_applies_first_layer_first():
    """Warping by A and then by B reads the input at A @ B @ p: compose(A, B)."""
    image = np.random.default_rng(3).uniform(0, 1, (1, 8, 8, 1)).astype("float32")
    flip = matrices.horizontal_flip(tf.constant([True]), 8)
    shift = matrices.translation(tf.constant([3.0]), tf.constant([-2.0]))
    turn = matrices.rotation(tf.constant([np.pi / 2]), 8, 8)
    for a, b in ((flip, shift), (shift, turn), (turn, flip)):
        stepwise = warp_nearest(warp_nearest(image, a), b)
        np.testing.assert_array_equal(warp_nearest(image, matrices.compose(a, b)), stepwise)
        assert not np.array_equal(warp_nearest(image, matrices.compose(b, a)), stepwise)
    np.testing.assert_allclose(matrices.compose(flip, shift).numpy(), flip.numpy() @ shift.numpy())
    three = matrices.compose(flip, shift, turn).numpy()
    np.testing.assert_allclose(three, flip.numpy() @ shift.numpy() @ turn.numpy(), atol=1e-5)


def test_homography_maps_targets_to_sources():
    rng = np.random.default_rng(4)
    square = np.array([[0, 0], [31, 0], [0, 23], [31, 23]], "float32")
    target = np.stack([square + rng.uniform(-4, 4, (4, 2)) for _ in range(5)]).astype("float32")
    source = np.stack([square + rng.uniform(-4, 4, (4, 2)) for _ in range(5)]).astype("float32")
    h = matrices.homography(tf.constant(source), tf.constant(target)).numpy()
    assert h.shape == (5, 3, 3)
    points = np.concatenate([target, np.ones((5, 4, 1), "float32")], axis=-1)
    mapped = np.einsum("bij,bkj->bki", h.astype(np.float64), points)
    np.testing.assert_allclose(mapped[..., :2] / mapped[..., 2:], source, atol=1e-3)
    assert np.abs(h[:, 2, :2]).max() > 1e-4  # a genuine perspective, not an affine map


def test_homography_of_equal_quads_is_identity():
    quad = np.array([[[0, 0], [9, 0], [0, 7], [9, 7]]], "float32")
    h = matrices.homography(tf.constant(quad), tf.constant(quad)).numpy()
    np.testing.assert_allclose(h[0], np.eye(3), atol=1e-5)


def test_crop_and_resize_of_output_size_is_an_integer_translation(images):
    tops, lefts = tf.constant([0.0, 2.0, 4.0]), tf.constant([0.0, 5.0, 3.0])
    m = matrices.crop_and_resize(tops, lefts, 5, 6, 5, 6)
    np.testing.assert_allclose(m.numpy(), matrices.translation(-lefts, -tops).numpy(), atol=1e-6)
    out = run(images, m, [5, 6], None, "bilinear", "reflect")
    for i, (top, left) in enumerate(((0, 0), (2, 5), (4, 3))):
        np.testing.assert_array_equal(out[i], images[i, top : top + 5, left : left + 6])


def test_crop_and_resize_matches_tf_image_resize(images):
    """Whole-image boxes use the half-pixel convention of tf.image.resize (no antialias)."""
    n = tf.zeros([3])
    for out_h, out_w in ((4, 5), (15, 20)):
        m = matrices.crop_and_resize(n, n, 9, 11, out_h, out_w)
        out = run(images, m, [out_h, out_w], None, "bilinear", "nearest")
        expected = tf.image.resize(images, (out_h, out_w), "bilinear").numpy()
        np.testing.assert_allclose(out, expected, atol=1e-3)


def test_flip_and_rotation_matrices_move_pixels_as_documented():
    image = np.arange(12, dtype="float32").reshape(1, 3, 4, 1)
    flipped = warp_nearest(image, matrices.horizontal_flip(tf.constant([True]), 4))
    np.testing.assert_array_equal(flipped, image[:, :, ::-1])
    kept = warp_nearest(image, matrices.vertical_flip(tf.constant([False]), 3))
    np.testing.assert_array_equal(kept, image)
    square = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    turned = warp_nearest(square, matrices.rotation(tf.constant([np.pi / 2]), 4, 4))
    # Counter-clockwise on screen (y down): the top row becomes the left column, reversed.
    np.testing.assert_array_equal(turned[0, :, :, 0], np.rot90(square[0, :, :, 0]))


@pytest.mark.parametrize("fill_mode", ["reflect", "nearest"])
@pytest.mark.parametrize("shape", [(3, 9, 11, 2), (2, 1, 5, 3), (2, 6, 1, 1), (4, 7, 7, 4)])
@pytest.mark.parametrize("compiled", [False, True])
def test_corner_words_read_what_the_four_gathers_read(warps, fill_mode, shape, compiled):
    # uint8, bilinear, reads kept inside: one gathered word holds a value's four corners.
    images = tf.constant(np.random.default_rng(sum(shape)).integers(0, 256, shape), tf.uint8)
    picks = tf.constant([shape[0] - 1, 0], tf.int32)
    mats = tf.constant(np.concatenate([warps[:1], warps[2:3]]), tf.float32)
    size = tf.constant([shape[1] + 2, shape[2] - 1 if shape[2] > 1 else 1])

    def words():
        return _warp_corner_words(images, mats, size, fill_mode, picks)

    def gathers():
        return _warp_general(images, mats, size, None, "bilinear", fill_mode, 0.0, picks)

    if compiled:
        words, gathers = (
            tf.function(words, jit_compile=True),
            tf.function(gathers, jit_compile=True),
        )
    out = np.asarray(words())
    assert out.shape == (2, *np.asarray(size), shape[-1])
    np.testing.assert_allclose(out, np.asarray(gathers()), atol=1e-3)
    np.testing.assert_allclose(
        out,
        reference(
            np.asarray(images)[np.asarray(picks)],
            np.asarray(mats),
            np.asarray(size),
            "bilinear",
            fill_mode,
        ),
        atol=1e-2,
    )


def test_corner_words_serve_a_few_uint8_images_read_inside(warps):
    few, many = tf.constant(warps), tf.constant(np.concatenate([warps, warps]))
    pixels = tf.zeros([3, 4, 4, 3], tf.uint8)
    assert takes_corner_words(pixels, few, "bilinear", "reflect", None)
    assert takes_corner_words(pixels, few, "bilinear", "nearest", None)
    # A batch of six makes more words than the caches hold: four gathers.
    assert not takes_corner_words(pixels, many, "bilinear", "reflect", None)
    assert not takes_corner_words(tf.zeros([3, 4, 4, 3]), few, "bilinear", "reflect", None)
    assert not takes_corner_words(pixels, few, "nearest", "reflect", None)
    assert not takes_corner_words(pixels, few, "bilinear", "constant", None)
    assert not takes_corner_words(pixels, few, "bilinear", "reflect", tf.zeros([3, 4, 4, 2]))
