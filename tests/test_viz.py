"""Preview pictures: the right number of panels, showing the original and real variants."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import keras_augment as ka  # noqa: E402
from keras_augment import viz  # noqa: E402


def test_preview_grid_shows_original_and_variants(photo, tmp_path):
    fig = viz.preview(
        ka.RandomRotation(0.1, seed=1), photo[:60, :80], n=5, columns=3, path=tmp_path / "p.png"
    )
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 6
    np.testing.assert_array_equal(shown[0].images[0].get_array(), photo[:60, :80])
    variants = [np.asarray(ax.images[0].get_array()) for ax in shown[1:]]
    assert len({v.tobytes() for v in variants}) == 5
    assert Image.open(tmp_path / "p.png").size[0] > 0


def test_before_after_and_errors(small_photos):
    fig = viz.before_after(ka.RandomFlip("horizontal", seed=0), small_photos)
    assert len([ax for ax in fig.axes if ax.images]) == 2 * len(small_photos)
    with pytest.raises(ValueError, match="rank 3"):
        viz.preview(ka.RandomFlip(), small_photos)
    with pytest.raises(ValueError, match="rank 4"):
        viz.before_after(ka.RandomFlip(), small_photos[0])
