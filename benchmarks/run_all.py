"""Runs every benchmark of the project, then writes the results into the README and a bar chart.

    python benchmarks/run_all.py            # full run (tens of minutes on 2 cores)
    python benchmarks/run_all.py --quick    # smoke run: tiny counts, numbers mean nothing
    python benchmarks/run_all.py --only bench_color --only bench_policies  # others kept

Each script runs in its own process, one after the other (never two at once: they would
compete for the cores), and prints Markdown. This script collects what they print, puts it
between the ``<!-- benchmarks:begin -->`` and ``<!-- benchmarks:end -->`` markers of the
README with the date, CPU, core count and versions, writes the full outputs to
``benchmarks/RESULTS.md``, and draws every table that has a rate column (a header with "/s")
as horizontal bars in ``benchmarks/results.png``. With ``--only``, the README keeps the
sections of the scripts not run (each gives its own date) and the chart draws them all.
Scripts whose packages are missing (``NEEDS``) are skipped, and the ones whose peers are
missing (``PEERS``) run without those rows; both are named on stderr with the install command
(``pip install "keras-augment[bench]"``), and the exit status stays 0 for them.
``keras-augment bench`` runs this script with ``--no-write`` unless given ``--write-readme``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEGIN, END = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"
# Order of the run; scripts found in the folder but not listed here run after these.
ORDER = [
    "bench_geometric",
    "detail_loss",
    "bench_color",
    "bench_policies",
    "bench_legacy",
    "bench_text",
    "bench_audio",
    "eda_experiment",
]
NOT_BENCHMARKS = {"common", "run_all"}
# Packages a script cannot run without, beyond the package's own dependencies (import name:
# distribution). A script that misses one is skipped and named, with the install command.
NEEDS = {
    "bench_geometric": {"scipy": "scipy"},  # the legacy ImageDataGenerator row
    "bench_legacy": {"scipy": "scipy"},
    "bench_text": {"chatterbot_corpus": "chatterbot-corpus", "yaml": "pyyaml"},
    "bench_audio": {
        "audiomentations": "audiomentations",
        "loudness": "loudness",
        "fast_mp3_augment": "fast-mp3-augment",
        "lameenc": "lameenc",
        "pyroomacoustics": "pyroomacoustics",
    },
    "eda_experiment": {"chatterbot_corpus": "chatterbot-corpus", "yaml": "pyyaml"},
    "synonym_quality": {"chatterbot_corpus": "chatterbot-corpus", "yaml": "pyyaml"},
    "bench_backends": {"jax": "jax", "torch": "torch"},
    "audio_efficacy": {"matplotlib": "matplotlib"},
    "bench_new_image": {"albumentations": "albumentations"},  # every row has it as the peer
    "bench_sizing": {"albumentations": "albumentations"},  # likewise
}
# Peers a script compares against where they are installed; it leaves out their rows otherwise.
PEERS = {
    "bench_geometric": {"albumentations": "albumentations"},
    "bench_color": {"albumentations": "albumentations"},
    "bench_policies": {"albumentations": "albumentations"},
    "bench_text": {"nlpaug": "nlpaug"},
}
# The extra of pyproject.toml that installs each distribution above.
EXTRA_OF = {"jax": "backends", "torch": "backends", "matplotlib": "experiments"}


def scripts() -> list[str]:
    """Names (without ``.py``) of the benchmark scripts in this folder, in run order."""
    found = {p.stem for p in HERE.glob("*.py")} - NOT_BENCHMARKS
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (found without importing it)."""
    import importlib.util

    return importlib.util.find_spec(module) is not None


def check_packages(names: list[str]) -> tuple[list[str], list[str]]:
    """Splits ``names`` into the scripts that can run and those that miss a package.

    Prints to stderr what is missing, what each script loses, and the install command.
    """
    runnable, skipped, missing, notes = [], [], set(), []
    for name in names:
        lacking = [dist for module, dist in NEEDS.get(name, {}).items() if not installed(module)]
        peers = [dist for module, dist in PEERS.get(name, {}).items() if not installed(module)]
        missing.update(lacking + peers)
        if lacking:
            skipped.append(name)
            notes.append(f"skipped {name}: it needs {', '.join(lacking)}")
        else:
            runnable.append(name)
            if peers:
                notes.append(f"{name} runs without its {', '.join(peers)} rows")
    if missing:
        extras = sorted({EXTRA_OF.get(dist, "bench") for dist in missing})
        command = f'pip install "keras-augment[{",".join(extras)}]"'
        print(
            f"run_all: not installed: {', '.join(sorted(missing))}; install with: {command}",
            file=sys.stderr,
        )
        for note in notes:
            print(f"run_all: {note}", file=sys.stderr)
    return runnable, skipped


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def versions() -> str:
    """Versions of the interpreter and the libraries the benchmarks compare."""
    from importlib import metadata

    parts = [f"python {platform.python_version()}"]
    for dist in (
        "tensorflow",
        "keras",
        "keras-augment",
        "numpy",
        "albumentations",
        "audiomentations",
        "nlpaug",
    ):
        try:
            parts.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(parts)


def run_script(name: str, quick: bool) -> tuple[str, str, float, int]:
    """Runs one script; returns ``(command, stdout, seconds, exit code)``."""
    path = HERE / f"{name}.py"
    args = [sys.executable, str(path)]
    if quick and '"--quick"' in path.read_text():
        args.append("--quick")
    command = "python " + " ".join([f"benchmarks/{name}.py", *args[2:]])
    print(f"== {command}", file=sys.stderr, flush=True)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False)
    return command, done.stdout, time.perf_counter() - start, done.returncode


def parse_tables(markdown: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every Markdown table in ``markdown`` as ``(header, rows)`` of cell strings."""
    tables, block = [], []
    for line in [*markdown.splitlines(), ""]:
        if line.strip().startswith("|"):
            block.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        if len(block) >= 3 and set("".join(block[1])) <= set("-: "):
            tables.append((block[0], block[2:]))
        block = []
    return tables


def number(cell: str) -> float | None:
    match = re.fullmatch(r"[~>]?\s*([\d,]*\.?\d+)\s*x?", cell.replace("**", ""))
    return float(match.group(1).replace(",", "")) if match else None


LABEL_CHARS = 52  # longer bar labels are cut, so that every label fits left of its chart


def _not_a_label(cell: str) -> bool:
    """Numbers, ranges of numbers ("1,566-1,779") and empty cells do not name a row."""
    return (
        number(cell) is not None or re.fullmatch(r"[-\s]*|[\d,.]+\s*-\s*[\d,.]+", cell) is not None
    )


def rate_bars(tables) -> list[tuple[str, list[tuple[str, float]]]]:
    """For each table with a rate column: ``(rate header, [(row label, rate)])``."""
    charts = []
    for header, rows in tables:
        rate_cols = [i for i, h in enumerate(header) if "/s" in h and "/ " not in h]
        if not rate_cols:
            continue
        col = rate_cols[0]
        bars = []
        for row in rows:
            if len(row) != len(header):
                continue
            value = number(row[col])
            if value is None or value <= 0:
                continue
            label = " | ".join(
                cell for i, cell in enumerate(row) if i != col and not _not_a_label(cell)
            )
            label = re.sub(r"\s+", " ", label)
            if len(label) > LABEL_CHARS:
                label = label[: LABEL_CHARS - 3] + "..."
            bars.append((label, value))
        if bars:
            charts.append((header[col], bars))
    return charts


def is_ours(label: str) -> bool:
    """Whether a bar's label names our system ("ours ...", "keras_augment ...")."""
    return re.search(r"\bours\b|keras_augment", label, re.IGNORECASE) is not None


def draw(charts, titles, path: Path, stamp: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    heights = [max(1.6, 0.28 * len(bars) + 0.9) for _, bars in charts]
    fig, axes = plt.subplots(
        len(charts), 1, figsize=(12, sum(heights)), gridspec_kw={"height_ratios": heights}
    )
    axes = [axes] if len(charts) == 1 else list(axes)
    for ax, (unit, bars), title in zip(axes, charts, titles):
        labels = [label for label, _ in bars][::-1]
        values = [value for _, value in bars][::-1]
        colors = ["tab:blue" if is_ours(label) else "tab:gray" for label in labels]
        ax.barh(range(len(values)), values, color=colors)
        ax.set_yticks(range(len(values)), labels, fontsize=7)
        ax.set_xscale("log")
        ax.set_xlabel(f"{unit} (log scale; blue = ours)", fontsize=8)
        ax.set_title(title, fontsize=9, loc="left")
        for y, value in enumerate(values):
            ax.text(value, y, f" {value:,.0f}", va="center", fontsize=6)
    fig.suptitle(stamp, fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.99))
    fig.savefig(path, dpi=110, bbox_inches="tight")  # never clip a long label
    plt.close(fig)


SECTION = re.compile(r"^#### `python benchmarks/(\w+)\.py[^`]*`", re.MULTILINE)


def readme_sections(readme: Path) -> dict[str, str]:
    """The sections of the README's results block, by script name (heading line included)."""
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        return {}
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    starts = list(SECTION.finditer(block))
    return {
        match.group(1): block[match.start() : nxt.start() if nxt else len(block)].strip()
        for match, nxt in zip(starts, [*starts[1:], None])
    }


def merge_sections(kept: dict[str, str], outputs) -> dict[str, str]:
    """Sections by script name, in run order: this run's ``outputs`` over ``kept`` ones."""
    sections = dict(kept)
    for name, command, stdout, seconds in outputs:
        sections[name] = f"#### `{command}` ({seconds / 60:.1f} min)\n\n{stdout.strip()}"
    order = [n for n in scripts() if n in sections] + sorted(set(sections) - set(scripts()))
    return {name: sections[name] for name in order}


def update_readme(readme: Path, block: str) -> None:
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"run_all: {readme} has no {BEGIN} ... {END} markers to write between.")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{block.strip()}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run with tiny counts")
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run only this script (repeatable)"
    )
    parser.add_argument("--no-write", action="store_true", help="print the results; write no files")
    args = parser.parse_args(argv)
    names = scripts()
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f"unknown benchmark(s) {unknown}; known: {names}")
        names = [n for n in names if n in args.only]
    names, skipped = check_packages(names)
    if not args.no_write and not installed("matplotlib"):
        parser.error(
            'writing draws benchmarks/results.png with matplotlib: pip install "keras-augment[viz]"'
        )

    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()[0]
    outputs, failed = [], []
    for name in names:
        command, stdout, seconds, code = run_script(name, args.quick)
        if code != 0:
            failed.append(name)
            stdout += f"\n**{name} failed with exit code {code}; its output above is partial.**\n"
        outputs.append((name, command, stdout, seconds))
    load_after = os.getloadavg()[0]

    stamp = (
        f"{started:%Y-%m-%d %H:%M} UTC, {cpu_model()}, {os.cpu_count()} cores, "
        f"load average {load_before:.1f} before / {load_after:.1f} after"
    )
    # The sections of the scripts not run (left out by --only, or skipped for a missing
    # package) stay as the README has them, each with its own date.
    kept = {}
    if not args.no_write:
        ran = {name for name, *_ in outputs}
        kept = {
            k: v
            for k, v in readme_sections(ROOT / "README.md").items()
            if k in scripts() and k not in ran
        }
    kind = "smoke run, --quick: not a measurement" if args.quick else "full run"
    if kept:
        stamp += f"; {', '.join(sorted(kept))} from earlier runs (their dates in the README)"
        kind += (
            f" of {', '.join(name for name, *_ in outputs)}; the other sections are from "
            "earlier runs and give their own dates"
        )
    lines = [
        f"- date: {started:%Y-%m-%d %H:%M} UTC ({kind})",
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores; 1-minute load average "
        f"{load_before:.1f} at the start, {load_after:.1f} at the end",
        f"- versions: {versions()}",
        "- command: `python benchmarks/run_all.py" + (" --quick" if args.quick else "") + "`",
        "",
        "![benchmark bar chart](benchmarks/results.png)",
        "",
    ]
    sections = merge_sections(kept, outputs)
    for section in sections.values():
        lines += [section, ""]
    block = "\n".join(lines)
    print(block)

    if not args.no_write:
        local = block.replace("](benchmarks/results.png)", "](results.png)")
        (HERE / "RESULTS.md").write_text(f"# Benchmark results\n\n{local}\n")
        charts, titles = [], []
        for name, section in sections.items():
            for k, chart in enumerate(rate_bars(parse_tables(section))):
                charts.append(chart)
                titles.append(f"{name}" + (f" (table {k + 1})" if k else ""))
        if charts:
            draw(charts, titles, HERE / "results.png", stamp)
        update_readme(ROOT / "README.md", block)
        print(f"wrote README.md, {HERE / 'RESULTS.md'} and {HERE / 'results.png'}", file=sys.stderr)
    if failed:
        print(f"run_all: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    if skipped:
        print(
            f"run_all: {'the other scripts ran; ' if outputs else ''}skipped only "
            f"{', '.join(skipped)}, whose optional packages are missing (see above).",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
