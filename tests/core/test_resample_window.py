"""The resampler's window path for shears along one axis, against the four-corner path."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import tensorflow as tf

resampling = importlib.import_module("keras_augment.core.resample")

general_path = tf.function(resampling._warp_general, jit_compile=True, autograph=False)
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def shears(count, axis, limit, seed, shift=1.0):
    """``count`` shear matrices along ``axis`` (2: x, 1: y) with slopes in ``[-limit, limit]``,
    of alternating signs."""
    rng = np.random.default_rng(seed)
    mats = np.tile(np.eye(3, dtype="float32"), (count, 1, 1))
    slope, offset = ((0, 1), (0, 2)) if axis == 2 else ((1, 0), (1, 2))
    signs = np.resize([1.0, -1.0], count)
    mats[:, slope[0], slope[1]] = signs * rng.uniform(0.2 * limit, limit, count)
    mats[:, offset[0], offset[1]] = rng.uniform(-shift, shift, count)
    return mats


def fitting_shears(shape, axis, reach, seed):
    """Shears whose offsets reach about as far as ``reach``'s padding allows (most fit)."""
    count, height, width = shape[:3]
    lines, size = (height, width) if axis == 2 else (width, height)
    pad = size // 4 + 1 if reach == "quarter" else size
    return shears(count, axis, (pad - 3) / (lines - 1), seed)


def general(images, mats, interpolation, fill_mode, output_dtype=None):
    size = tf.constant(images.shape[1:3])
    out = general_path(
        tf.constant(images), tf.constant(mats), size, None, interpolation, fill_mode, 7.0, None
    )
    return resampling._finish(out, output_dtype).numpy()


def assert_close(out, expected, output_dtype):
    if output_dtype == "uint8":
        # Rounding of values that differ by float rounding: one level, rarely.
        diff = np.abs(out.astype(int) - expected.astype(int))
        assert diff.max() <= 1 and np.mean(diff > 0) < 0.01
    else:
        np.testing.assert_allclose(out, expected, atol=1e-3)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("reach", ["quarter", "whole"])
def test_row_windows_equal_the_general_path(interpolation, fill_mode, reach):
    rng = np.random.default_rng(3)
    # Odd sizes; with a whole reach, slopes past 1 (wide images) and under it (tall ones).
    shapes = (((4, 9, 21, 3), "uint8"), ((4, 12, 17, 1), "float32"), ((3, 6, 13, 4), "uint8"))
    for shape, dtype in shapes:
        images = rng.integers(0, 256, shape).astype(dtype)
        mats = fitting_shears(shape, 2, reach, seed=shape[1])
        fits = resampling.sheared_each(tf.constant(mats), shape, 2, reach).numpy()
        assert fits.sum() >= 2  # the test reads real windows
        for output_dtype in (None, "uint8"):
            out = resampling._window(
                tf.constant(images),
                tf.constant(mats),
                interpolation,
                fill_mode,
                7.0,
                2,
                reach,
                output_dtype,
            ).numpy()
            expected = general(images, mats, interpolation, fill_mode, output_dtype)
            assert out.shape == images.shape
            assert out.dtype == (np.uint8 if output_dtype else np.float32)
            assert_close(out[fits], expected[fits], output_dtype)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("channels", [3, 4])
def test_column_windows_equal_the_general_path(interpolation, fill_mode, channels):
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (4, 19, 9, channels)).astype("uint8")
    for reach in ("quarter", "whole"):
        mats = fitting_shears(images.shape, 1, reach, seed=channels)
        fits = resampling.sheared_each(tf.constant(mats), images.shape, 1, reach).numpy()
        assert fits.sum() >= 2
        out = resampling._window(
            tf.constant(images), tf.constant(mats), interpolation, fill_mode, 7.0, 1, reach, "uint8"
        ).numpy()
        expected = general(images, mats, interpolation, fill_mode, "uint8")
        assert_close(out[fits], expected[fits], "uint8")


def test_sheared_each_takes_one_axis_shears_that_fit_the_padding():
    row = np.array([[1.0, 0.1, 2.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], "float32")
    column = row.T.copy()
    column[1, 2], column[2, 0] = 2.0, 0.0
    both = row.copy()
    both[1, 0] = 0.1  # a shear along both axes: not a window
    shifted_y = row.copy()
    shifted_y[1, 2] = 2.0  # rows read from other rows
    flat = np.eye(3, dtype="float32")  # no shear: the separable path's
    far = row.copy()
    far[0, 2] = 20.0  # beyond a quarter of 32 columns, within the whole width
    mats = tf.constant(np.stack([row, column, both, shifted_y, flat, far]))
    shape = (6, 32, 32, 3)
    rows = resampling.sheared_each(mats, shape, 2, "quarter").numpy()
    assert list(rows) == [True, False, False, False, False, False]
    assert list(resampling.sheared_each(mats, shape, 1, "quarter").numpy()) == [
        False,
        True,
        False,
        False,
        False,
        False,
    ]
    assert resampling.sheared_each(mats, shape, 2, "whole").numpy()[5]
    far[0, 2] = 28.0  # 28 + 0.1 * 31 reaches past the whole width
    assert not resampling.sheared_each(tf.constant(far[None]), shape, 2, "whole").numpy()[0]


def spy_on_windows(monkeypatch):
    calls = []
    window = resampling._window

    def spy(images, *args):
        calls.append(args[4:7])  # (axis, reach, output_dtype)
        return window(images, *args)

    monkeypatch.setattr(resampling, "_window", spy)
    return calls


def resample_with(images, mats, fill_mode, output_dtype=None):
    size = tf.constant(images.shape[1:3])
    args = (tf.constant(images), tf.constant(mats), size, None, "bilinear", fill_mode, 7.0)
    return resampling.resample(*args, None, output_dtype).numpy()


@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_resample_takes_the_window_path_for_a_batch_of_shears(monkeypatch, fill_mode):
    calls = spy_on_windows(monkeypatch)
    rng = np.random.default_rng(11)
    images = rng.integers(0, 256, (3, 17, 19, 3)).astype("uint8")  # a size no other test traces
    for axis, output_dtype in ((2, None), (2, "uint8"), (1, "uint8")):
        mats = fitting_shears(images.shape, axis, "quarter", seed=axis)
        out = resample_with(images, mats, fill_mode, output_dtype)
        assert_close(out, general(images, mats, "bilinear", fill_mode, output_dtype), output_dtype)
    # Traced routes: rows for both outputs, columns only for uint8 out.
    assert {(2, "quarter", None), (2, "quarter", "uint8"), (1, "quarter", "uint8")} <= set(calls)
    assert (1, "quarter", None) not in calls
    # A rotation in the batch sends it down the four-corner path (and the results agree).
    mats = fitting_shears(images.shape, 2, "quarter", seed=4)
    mats[2] = [[0.9, -0.3, 2.0], [0.3, 0.9, -1.0], [0.0, 0.0, 1.0]]
    out = resample_with(images, mats, fill_mode)
    np.testing.assert_allclose(out, general(images, mats, "bilinear", fill_mode), atol=1e-3)


def graph_ops(function, *args) -> list:
    """The op types of ``function``'s graph for ``args``, nested functions included."""
    graph = function.get_concrete_function(*args).graph.as_graph_def()
    ops = [node.op for node in graph.node]
    return ops + [node.op for function in graph.library.function for node in function.node_def]


def test_without_xla_gather_shears_take_the_general_path(monkeypatch):
    images = np.random.default_rng(2).integers(0, 256, (2, 13, 23, 3)).astype("float32")
    mats = shears(2, 2, 0.3, seed=9)
    args = (tf.constant(images), tf.constant(mats))
    options = ("bilinear", "wrap", 0.0)

    def pick(x, m):
        return resampling._pick(True, x, m, tf.constant([13, 23]), None, options, None, None)

    assert "XlaGather" in graph_ops(tf.function(pick, autograph=False), *args)
    monkeypatch.setattr(resampling, "_xla_gather", None)  # as if the import had failed
    fresh = tf.function(pick, autograph=False)
    assert "XlaGather" not in graph_ops(fresh, *args)
    out = fresh(*args).numpy()
    np.testing.assert_allclose(out, general(images, mats, "bilinear", "wrap"), atol=1e-3)


def test_plain_ops_keep_two_paths():
    """``resample.python_function`` (a graph, or compiled by its caller): no window path."""
    images = np.random.default_rng(4).integers(0, 256, (2, 10, 12, 3)).astype("float32")
    mats = shears(2, 2, 0.3, seed=1)
    plain = tf.function(resampling.resample.python_function, autograph=False)
    args = (tf.constant(images), tf.constant(mats), tf.constant([10, 12]), None, "bilinear")
    ops = graph_ops(plain, *args, "reflect")
    assert "XlaGather" not in ops and "GatherV2" in ops
    out = plain(*args, "reflect").numpy()
    np.testing.assert_allclose(out, general(images, mats, "bilinear", "reflect"), atol=1e-3)
    compiled = tf.function(plain.python_function, jit_compile=True)
    hlo = compiled.experimental_get_compiler_ir(*args, "reflect")(stage="hlo")
    assert "slice_sizes={1,1,13,3}" not in hlo


def test_window_path_when_the_trace_does_not_know_the_channel_count():
    """A trace with an unknown channel count (channels-first pipelines, relaxed traces)."""
    images = np.random.default_rng(6).integers(0, 256, (2, 11, 15, 3)).astype("uint8")
    mats = fitting_shears(images.shape, 2, "quarter", seed=6)

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, None], tf.uint8)])
    def unknown_channels(x):
        size = tf.shape(x)[1:3]
        return resampling.resample(x, tf.constant(mats), size, None, "bilinear", "reflect", 7.0)

    out = unknown_channels(tf.constant(images)).numpy()
    np.testing.assert_allclose(out, general(images, mats, "bilinear", "reflect"), atol=1e-3)
