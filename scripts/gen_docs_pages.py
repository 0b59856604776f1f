"""Pages of the documentation site made at build time (run by mkdocs-gen-files).

- ``api/*.md``: the API reference, one page per part of the package, listing every exported
  name where it is defined (so moving a class between modules needs no edit here);
- ``benchmark-results.md`` and ``assets/benchmarks.png``: ``benchmarks/RESULTS.md`` and its
  chart, as the last ``python benchmarks/run_all.py`` wrote them;
- ``gallery.md`` and ``gallery/*.png``: ``scripts/gallery.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import gallery  # noqa: E402

import keras_augment as ka  # noqa: E402

API_PAGES = {
    "image": (
        "Image layers",
        "Every image layer, by family. Each takes one image or a batch, channels last or "
        "first, any real dtype, or a dict of targets.",
        [ka.image],
    ),
    "core": (
        "Composition and base classes",
        "Composing layers, and the base classes a new layer builds on.",
        [ka, ka.targets],
    ),
    "text": ("Text layers", "Layers and functions on `tf.string` tensors.", [ka.text]),
    "audio": ("Audio layers", "Layers on waveforms and spectrograms.", [ka.audio]),
    "data": ("tf.data helpers", "Augment, balance and expand data sets.", [ka.data]),
    "legacy": (
        "ImageDataGenerator",
        "The drop-in generator and the legacy module's functions.",
        [ka.preprocessing.image],
    ),
    "tools": ("Recipes, previews and shipped data", "", ["recipes", "viz", "datasets"]),
}


def _public_objects(module) -> list[str]:
    """Dotted paths of the classes and functions ``module`` exports, where they are defined."""
    paths = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        defined_in = getattr(obj, "__module__", None)
        if defined_in is None or not (callable(obj)):
            continue
        if not defined_in.startswith("keras_augment"):
            # Re-exported from Keras unchanged (array_to_img and friends): documented there.
            continue
        paths.append(f"{defined_in}.{obj.__qualname__}")
    return paths


def api_pages() -> None:
    for page, (title, intro, modules) in API_PAGES.items():
        lines = [f"# {title}", ""]
        if intro:
            lines += [intro, ""]
        seen = set()
        for module in modules:
            if isinstance(module, str):
                lines += [
                    f"::: keras_augment.{module}",
                    "    options:",
                    "      heading_level: 2",
                    "",
                ]
                continue
            for path in _public_objects(module):
                if path in seen:
                    continue
                # The core page lists what the top level adds beside the image layers.
                if page == "core" and ".image." in path:
                    continue
                seen.add(path)
                lines += [f"::: {path}", ""]
        with mkdocs_gen_files.open(f"api/{page}.md", "w") as f:
            f.write("\n".join(lines))


def benchmark_results() -> None:
    text = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    # RESULTS.md puts each benchmark's own title (a level-1 heading) under a level-4 heading
    # naming its command; on the site the command heading is enough.
    text = re.sub(r"^# .*\n", "", text, count=1)
    text = re.sub(r"^# (.*)$", r"**\1**", text, flags=re.MULTILINE)
    text = text.replace("(results.png)", "(assets/benchmarks.png)")
    header = (
        "# Benchmark results\n\n"
        "The tables as `python benchmarks/run_all.py` last wrote them to "
        "`benchmarks/RESULTS.md`; what each script measures is in `benchmarks/README.md`.\n\n"
    )
    with mkdocs_gen_files.open("benchmark-results.md", "w") as f:
        f.write(header + text)
    with mkdocs_gen_files.open("assets/benchmarks.png", "wb") as f:
        f.write((ROOT / "benchmarks" / "results.png").read_bytes())


api_pages()
benchmark_results()
gallery.write_gallery(Path("."), mkdocs_gen_files.open)
