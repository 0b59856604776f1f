"""Preview pictures: the right number of panels, showing the original and real variants."""

import sys

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


def test_preview_text_shows_the_sentence_and_its_variants(tmp_path):
    from keras_augment.text import RandomSwap

    sentence = "the quick brown fox jumps over the lazy dog"
    fig = viz.preview_text(RandomSwap(0.3, seed=2), sentence, n=4, path=tmp_path / "t.png")
    shown = [t.get_text() for t in fig.texts if not t.get_text().endswith(":")]
    assert shown[0] == sentence and len(shown) == 5
    # Swaps reorder words: every variant has the sentence's words, and some variant moved one.
    assert all(sorted(v.split()) == sorted(sentence.split()) for v in shown[1:])
    assert any(v != sentence for v in shown[1:])
    assert (tmp_path / "t.png").stat().st_size > 0
    with pytest.raises(ValueError, match="str"):
        viz.preview_text(RandomSwap(0.3), [sentence])


def test_preview_audio_draws_waveform_and_spectrogram_before_and_after():
    from keras_augment.audio import Gain

    rate = 8000
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(rate // 4) / rate).astype("float32")
    fig = viz.preview_audio(Gain(gain_db=(-6.0, -6.0)), tone, rate)
    before, after = fig.axes[0].lines[0].get_ydata(), fig.axes[1].lines[0].get_ydata()
    np.testing.assert_allclose(after, before * 10 ** (-6 / 20), rtol=1e-4, atol=1e-6)
    spectrogram = fig.axes[2].images[0].get_array()
    # The tone's energy sits in the bin of 440 Hz.
    peak_hz = np.argmax(spectrogram.mean(axis=1)) * (rate / 2) / (spectrogram.shape[0] - 1)
    assert abs(peak_hz - 440) < 20
    with pytest.raises(ValueError, match="rank 1"):
        viz.preview_audio(Gain(), tone[None], rate)


@pytest.mark.parametrize(
    "draw, args",
    [
        (viz.preview, (np.zeros((8, 8, 3), np.uint8),)),
        (viz.before_after, (np.zeros((2, 8, 8, 3), np.uint8),)),
        (viz.preview_text, ("a sentence",)),
        (viz.preview_audio, (np.zeros(160, np.float32), 16000)),
    ],
)
def test_missing_matplotlib_names_the_extra(monkeypatch, draw, args):
    # None in sys.modules makes `import matplotlib.pyplot` fail as if it were not installed.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    calls = []
    with pytest.raises(ModuleNotFoundError) as raised:
        draw(lambda x, training: calls.append(x) or x, *args)
    message = str(raised.value)
    assert f"keras_augment.viz.{draw.__name__}" in message
    assert 'pip install "keras-augment[viz]"' in message
    assert raised.value.name == "matplotlib"
    assert calls == []  # refused before augmenting anything
