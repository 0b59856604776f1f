"""Builds the documentation's gallery: one figure per layer, before and after.

Image layers: the shipped photograph, then several draws of the layer on it (small
thumbnails). Audio layers: log spectrograms of real speech (spoken by ``espeak-ng``) before
and after. Text layers: a sentence and a few augmented versions of it. The layers come from
the registry (``keras_augment.registered_layers()``) with their example arguments, so a new
layer appears without editing the page.

Run alone (``python scripts/gallery.py OUT_DIR`` writes ``OUT_DIR/gallery.md`` and
``OUT_DIR/gallery/*.png``) or through the documentation build (``mkdocs build``), which calls
:func:`write_gallery`.
"""

from __future__ import annotations

import inspect
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

THUMBNAIL = 96  # pixels: the height of every picture in a figure
DRAWS = 4
SEED = 7
SENTENCE = (
    "The quick brown fox jumps over the lazy dog. A small model learns quickly when the "
    "training data is varied."
)
SPEECH = "Augment the training data, and the model will generalise better."
NOISE_SPEECH = "Background chatter from another room."


@dataclass
class Entry:
    """One layer of the gallery."""

    name: str
    kind: str  # "image", "clip", "waveform", "spectrogram" or "text"
    family: str
    layer: object
    call: str  # how the layer was built, as shown on the page
    targets: tuple[str, ...] = ("images",)


def _call_text(name: str, args: dict) -> str:
    shown = ", ".join(
        f"{k}={v!r}" if not isinstance(v, np.ndarray) else f"{k}=<{v.shape} array>"
        for k, v in args.items()
    )
    return f"{name}({shown})"


def gallery_layers(bank: np.ndarray, sample_rate: int) -> list[Entry]:
    """Every registered layer but the compositions (which wrap the others), built from its
    example arguments; audio layers get the speech's sample rate and a bank of recorded
    speech as background noise."""
    import keras_augment as ka

    entries = []
    for info in ka.registered_layers():
        if info.kind == "composition":
            continue
        if info.kind == "audio":
            kind = "spectrogram" if "spectrograms" in info.targets else "waveform"
        elif getattr(info.cls, "video", None) == "only":
            kind = "clip"  # layers of the frame axis
        else:
            kind = info.kind
        accepted = inspect.signature(info.cls).parameters
        args = info.example_args()
        if "sample_rate" in accepted:
            args["sample_rate"] = sample_rate
        if "bank" in args:
            args["bank"] = bank
        layer = info.cls(**args, **({"seed": SEED} if "seed" in accepted else {}))
        entries.append(
            Entry(info.name, kind, info.family, layer, _call_text(info.name, args), info.targets)
        )
    return entries


# ----- pictures ----------------------------------------------------------------------------


def _thumbnail(image: np.ndarray):
    from PIL import Image

    picture = Image.fromarray(np.clip(np.asarray(image), 0, 255).astype("uint8"))
    width = max(1, round(picture.width * THUMBNAIL / picture.height))
    return picture.resize((width, THUMBNAIL))


def _strip(pictures: list) -> bytes:
    """PNG bytes of pictures side by side, with a white gap."""
    from PIL import Image

    gap = 4
    width = sum(p.width for p in pictures) + gap * (len(pictures) - 1)
    strip = Image.new("RGB", (width, max(p.height for p in pictures)), "white")
    x = 0
    for picture in pictures:
        strip.paste(picture.convert("RGB"), (x, 0))
        x += picture.width + gap
    out = io.BytesIO()
    strip.save(out, format="PNG", optimize=True)
    return out.getvalue()


def image_figure(entry: Entry, photo: np.ndarray, partner: np.ndarray) -> bytes:
    """The photograph, then ``DRAWS`` draws of the layer on it (mixing layers mix in the
    partner photograph; layers that take labels get one-hot labels with the images)."""
    # Sample 0 is drawn; any other sample a mixing layer pairs it with is the partner.
    batch = np.stack([photo, partner, partner, partner]).astype("float32")
    labels = np.eye(4, dtype="float32")
    pictures = [_thumbnail(photo)]
    for _ in range(DRAWS):
        if "labels" in entry.targets:
            out = entry.layer({"images": batch, "labels": labels}, training=True)["images"]
        else:
            out = entry.layer(batch, training=True)
        pictures.append(_thumbnail(np.asarray(out)[0]))
    return _strip(pictures)


CLIP_FRAMES = 6


def clip_figure(entry: Entry, photo: np.ndarray) -> bytes:
    """A clip panning across the photograph (top row), then ``DRAWS - 2`` draws of the layer
    on it, one row of frames each."""
    from PIL import Image

    size = photo.shape[0] // 2
    step = (photo.shape[1] - size) // (CLIP_FRAMES - 1)
    clip = np.stack([photo[:size, t * step : t * step + size] for t in range(CLIP_FRAMES)])
    clip = clip.astype("float32")
    rows = [[_thumbnail(frame) for frame in clip]]
    for _ in range(DRAWS - 2):
        rows.append([_thumbnail(frame) for frame in np.asarray(entry.layer(clip, training=True))])
    strips = [Image.open(io.BytesIO(_strip(row))) for row in rows]
    gap = 4
    height = sum(strip.height for strip in strips) + gap * (len(strips) - 1)
    grid = Image.new("RGB", (max(strip.width for strip in strips), height), "white")
    y = 0
    for strip in strips:
        grid.paste(strip, (0, y))
        y += strip.height + gap
    out = io.BytesIO()
    grid.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _spectrogram_picture(spectrogram: np.ndarray, low: float, high: float):
    from matplotlib import colormaps
    from PIL import Image

    scaled = np.clip((spectrogram - low) / (high - low), 0, 1)
    rgb = (colormaps["magma"](scaled.T[::-1])[..., :3] * 255).astype("uint8")
    picture = Image.fromarray(rgb)
    return picture.resize((THUMBNAIL * 3, THUMBNAIL))


def log_spectrogram(waveform: np.ndarray, sample_rate: int) -> np.ndarray:
    """``[frames, bins]`` log magnitude of a mono clip (about 32 ms frames, 8 ms hop)."""
    import tensorflow as tf

    frame = 1 << max(6, int(np.log2(0.032 * sample_rate)))
    stft = tf.signal.stft(tf.constant(waveform, tf.float32), frame, frame // 4, frame)
    return np.log10(np.abs(stft.numpy()) + 1e-6)


def waveform_figure(layer, clip: np.ndarray, sample_rate: int) -> bytes:
    before = log_spectrogram(clip, sample_rate)
    low, high = np.percentile(before, 5), before.max()
    pictures = [_spectrogram_picture(before, low, high)]
    for _ in range(DRAWS - 2):
        after = np.asarray(layer(clip, training=True))
        pictures.append(_spectrogram_picture(log_spectrogram(after, sample_rate), low, high))
    return _strip(pictures)


def spectrogram_figure(layer, clip: np.ndarray, sample_rate: int) -> bytes:
    before = log_spectrogram(clip, sample_rate)
    low, high = np.percentile(before, 5), before.max()
    pictures = [_spectrogram_picture(before, low, high)]
    for _ in range(DRAWS - 2):
        # Spectrogram layers fill masks with zeros: on a log scale, the floor.
        after = np.asarray(layer(before - low, training=True)) + low
        pictures.append(_spectrogram_picture(after, low, high))
    return _strip(pictures)


def text_variants(layer) -> list[str]:
    import tensorflow as tf

    out = np.asarray(layer(tf.constant([SENTENCE] * DRAWS), training=True)).reshape(-1)
    return [v.decode("utf-8") for v in out]


# ----- real speech --------------------------------------------------------------------------


def speak(text: str, folder: Path, name: str) -> tuple[np.ndarray, int]:
    """A mono clip of ``text`` spoken by ``espeak-ng``, decoded from the WAV file it wrote."""
    from keras_augment.audio import load_wav

    if shutil.which("espeak-ng") is None:
        raise SystemExit(
            "gallery: the audio figures need real speech from espeak-ng "
            "(apt-get install espeak-ng)."
        )
    path = folder / f"{name}.wav"
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    audio, rate = load_wav(str(path))
    return audio[:, 0], rate


# ----- the page -----------------------------------------------------------------------------

_KIND_TITLES = {
    "image": "Image layers",
    "clip": "Temporal layers on clips",
    "waveform": "Audio layers on waveforms",
    "spectrogram": "Audio layers on spectrograms",
    "text": "Text layers",
}
_KIND_NOTES = {
    "clip": (
        f"A clip of {CLIP_FRAMES} frames panning across the shipped photograph (top row), "
        f"then {DRAWS - 2} calls of the layer on it with `training=True`, one row of frames "
        "each. Image layers take clips too (one draw per clip, see Video in the README)."
    ),
    "image": (
        f"The shipped photograph (left), then {DRAWS} calls of the layer on it with "
        "`training=True`: every call draws new parameters. Mixing layers blend in the "
        "second shipped photograph."
    ),
    "waveform": (
        "Log spectrograms of a spoken sentence (espeak-ng, 0 to half the sample rate, "
        f"bottom to top): the original, then {DRAWS - 2} draws of the layer on the waveform."
    ),
    "spectrogram": (
        "The log spectrogram of the spoken sentence, then "
        f"{DRAWS - 2} draws of the layer on the spectrogram."
    ),
    "text": f"The sentence, then the layer's output for {DRAWS} copies of it.",
}


def write_gallery(out_dir: Path, open_file: Callable = open) -> list[Entry]:
    """Writes ``gallery.md`` and ``gallery/<Layer>.png`` under ``out_dir``.

    ``open_file(path, mode)`` opens the files to write (the documentation build passes
    ``mkdocs_gen_files.open``).
    """
    from keras_augment.datasets import load_sample_image

    photo = load_sample_image("flower.jpg")
    partner = load_sample_image("china.jpg")
    with tempfile.TemporaryDirectory() as folder:
        clip, rate = speak(SPEECH, Path(folder), "speech")
        noise, noise_rate = speak(NOISE_SPEECH, Path(folder), "noise")
    assert noise_rate == rate
    bank = noise[None, :]

    entries = gallery_layers(bank, rate)
    lines = [
        "# Gallery",
        "",
        "Every layer of the package, built with the arguments shown and called on real data: "
        "the photographs shipped in `keras_augment/assets`, speech spoken by espeak-ng, and an "
        "English sentence. This page is generated by `scripts/gallery.py` when the "
        "documentation is built, from the registry of layers "
        "(`keras_augment.registered_layers()`) and their example arguments.",
        "",
    ]
    for kind in _KIND_TITLES:
        group = [e for e in entries if e.kind == kind]
        if not group:
            continue
        lines += [f"## {_KIND_TITLES[kind]}", "", _KIND_NOTES[kind], ""]
        for entry in group:
            lines += [f"### {entry.name}", "", f"`{entry.call}`", ""]
            if kind == "text":
                variants = text_variants(entry.layer)
                lines += [
                    f'<div class="gallery-text" id="text-{entry.name}" markdown>',
                    "",
                    "| | sentence |",
                    "| --- | --- |",
                    f"| before | {SENTENCE} |",
                ]
                lines += [f"| after {i + 1} | {_cell(v)} |" for i, v in enumerate(variants)]
                lines += ["", "</div>", ""]
                continue
            if kind == "image":
                png = image_figure(entry, photo, partner)
            elif kind == "clip":
                png = clip_figure(entry, photo)
            elif kind == "waveform":
                png = waveform_figure(entry.layer, clip, rate)
            else:
                png = spectrogram_figure(entry.layer, clip, rate)
            with open_file(out_dir / "gallery" / f"{entry.name}.png", "wb") as f:
                f.write(png)
            lines += [
                f"![{entry.name}: before and after](gallery/{entry.name}.png)"
                f'{{ .gallery-figure data-layer="{entry.name}" }}',
                "",
            ]
    with open_file(out_dir / "gallery.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    return entries


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)

    def open_file(path, mode):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return open(path, mode)

    entries = write_gallery(args.out_dir, open_file)
    print(f"gallery: {len(entries)} layers written to {args.out_dir}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
