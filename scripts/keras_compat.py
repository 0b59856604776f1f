"""Runs Keras' own image preprocessing layer tests against keras_augment's layers.

Usage::

    python scripts/keras_compat.py KERAS_SOURCE [--layers NAME ...] [--formats channels_last ...]

``KERAS_SOURCE`` is a checkout of the Keras release that matches the
installed ``keras`` (e.g. ``git archive v3.15.1`` of keras-team/keras): the
directory that holds ``keras/src/layers/preprocessing/``. Its tests run with
the installed Keras, unchanged, except that the layer class a test file is
about (``keras.layers.RandomCrop`` and ``keras.src.layers.RandomCrop``) is
replaced by ours of the same name. Every file runs twice per data format:
once against Keras itself (so Keras' own failures are not blamed on us) and
once against ours. The output is a Markdown table of pass counts and the
list of tests that pass on Keras and fail on ours.

Keras' tests need ``pytest`` and ``grain`` (``pip install keras-augment[compat]``).
Nothing of Keras is copied: the tests are read from ``KERAS_SOURCE`` in place.
The same file is also the pytest plugin that does the substitution (loaded
with ``-p keras_compat`` in the subprocess, configured by environment).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_DIRS = ("keras/src/layers/preprocessing/image_preprocessing", "keras/src/layers/preprocessing")
# Test files of layers we share a name with, and the class each one is about.
_CLASS_IN_FILE = re.compile(r"layers\.([A-Z][A-Za-z]+)\(")

ENV_TARGET = "KERAS_COMPAT_TARGET"  # "ours" or "keras"
ENV_NAMES = "KERAS_COMPAT_NAMES"  # "file.py=ClassName,..." : the class each file is about
ENV_FORMAT = "KERAS_COMPAT_DATA_FORMAT"
ENV_TIMEOUT = "KERAS_COMPAT_TEST_TIMEOUT"  # seconds per test


# ----- the pytest plugin half --------------------------------------------------


def _names_by_file() -> dict[str, str]:
    pairs = filter(None, os.environ.get(ENV_NAMES, "").split(","))
    return dict(pair.split("=", 1) for pair in pairs)


def pytest_configure(config):
    """Sets the data format every test of the run sees."""
    import keras

    keras.config.set_image_data_format(os.environ.get(ENV_FORMAT, "channels_last"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A test that runs longer than the per-test limit fails instead of stalling the run."""
    limit = int(os.environ.get(ENV_TIMEOUT, "300"))

    def expired(signum, frame):
        raise TimeoutError(f"test ran longer than {limit} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def pytest_runtest_setup(item):
    """For ``ours``, swaps in our class of the name this test's file is about."""
    import keras
    import keras.src.layers

    # Keras' TestCase.setUp does not reset the data format, but a test may change it.
    keras.config.set_image_data_format(os.environ.get(ENV_FORMAT, "channels_last"))
    if os.environ.get(ENV_TARGET) != "ours":
        return
    name = _names_by_file().get(Path(str(item.fspath)).name)
    if name is None:
        return
    import keras_augment

    item._keras_compat_saved = (name, getattr(keras.src.layers, name, None))
    ours = getattr(keras_augment, name)
    setattr(keras.src.layers, name, ours)
    setattr(keras.layers, name, ours)


def pytest_runtest_teardown(item):
    saved = getattr(item, "_keras_compat_saved", None)
    if saved is None:
        return
    import keras
    import keras.src.layers

    name, original = saved
    setattr(keras.src.layers, name, original)
    setattr(keras.layers, name, original)


# ----- the driver half -----------------------------------------------------------


def shared_test_files(source: Path, only: list[str] | None = None) -> dict[Path, str]:
    """``{test file: class name}`` for the Keras tests of layers keras_augment also has."""
    import keras_augment

    found = {}
    for sub in TEST_DIRS:
        for path in sorted((source / sub).glob("*_test.py")):
            if path.name.startswith("base_"):
                continue
            names = _CLASS_IN_FILE.findall(path.read_text())
            stem = "".join(part.capitalize() for part in path.stem[: -len("_test")].split("_"))
            # The class a file tests is the one its name spells (e.g. random_crop -> RandomCrop).
            matches = [n for n in dict.fromkeys(names) if n.lower() == stem.lower()]
            name = matches[0] if matches else None
            if name is None and stem.lower() == "maxnumboundingbox":
                name = "MaxNumBoundingBoxes"
            if name is None or not hasattr(keras_augment, name):
                continue
            if only and name not in only:
                continue
            found[path] = name
    return found


_LOG_LINE = re.compile(r"::(\w+)::(\S+) <- \S*?([\w]+_test\.py) (PASSED|FAILED|ERROR|SKIPPED)")


def parse_log(log: Path) -> dict:
    """Results read from a verbose pytest log (for a run that was stopped before its report)."""
    results = {}
    for match in _LOG_LINE.finditer(log.read_text(errors="replace") if log.exists() else ""):
        cls, test, file_name, outcome = match.groups()
        outcome = {"PASSED": "passed", "SKIPPED": "skipped"}.get(outcome, "failed")
        results[(file_name, f"{cls}.{test}")] = outcome
    return results


def run_files(
    files: dict[Path, str], target: str, data_format: str, log_dir: Path, run: bool = True
) -> dict:
    """``{(file name, test id): "passed" | "skipped" | "failed: ..."}`` for one pytest run."""
    env = dict(os.environ)
    env.update(
        {
            ENV_TARGET: target,
            ENV_NAMES: ",".join(f"{path.name}={name}" for path, name in files.items()),
            ENV_FORMAT: data_format,
            "KERAS_BACKEND": "tensorflow",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), str(ROOT)]),
        }
    )
    log = log_dir / f"{target}-{data_format}.log"
    if not run:
        return parse_log(log)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        command = [sys.executable, "-m", "pytest", "-v", "-p", "keras_compat"]
        command += ["-p", "no:cacheprovider", "--noconftest", "--import-mode=importlib"]
        command += ["--continue-on-collection-errors"]
        command += [f"--rootdir={tmp}", f"--junitxml={report}", *map(str, files)]
        # cwd outside the Keras source, so `import keras` is the installed one.
        with open(log, "w") as out:
            subprocess.run(command, cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT)
        if not report.exists():
            return parse_log(log)
        # The verbose log names each test's file; the report holds the failure messages.
        results = parse_log(log)
        messages = {}
        for case in ET.parse(report).getroot().iter("testcase"):
            failure = case.find("failure")
            failure = failure if failure is not None else case.find("error")
            if failure is not None:
                lines = (failure.get("message") or "").splitlines()
                test_id = f"{case.get('classname', '').split('.')[-1]}.{case.get('name')}"
                messages[test_id] = "failed: " + (lines[0][:160] if lines else "")
        for key, outcome in results.items():
            if outcome == "failed":
                results[key] = messages.get(key[1], outcome)
        return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="Keras source checkout (holds keras/src)")
    parser.add_argument("--layers", nargs="*", help="only these class names")
    parser.add_argument(
        "--formats", nargs="*", default=["channels_last", "channels_first"], help="data formats"
    )
    parser.add_argument(
        "--logs",
        type=Path,
        default=Path(tempfile.gettempdir()) / "keras_compat",
        help="where each pytest run writes its verbose log",
    )
    parser.add_argument(
        "--from-logs",
        action="store_true",
        help="summarise the logs of an earlier run instead of running the tests",
    )
    args = parser.parse_args(argv)
    files = shared_test_files(args.source, args.layers)
    if not files:
        print(f"No shared layer tests under {args.source}.", file=sys.stderr)
        return 1
    rows, failures = [], []
    totals = {"keras": [0, 0], "ours": [0, 0], "both": 0}
    args.logs.mkdir(parents=True, exist_ok=True)
    for data_format in args.formats:
        run = not args.from_logs
        keras_results = run_files(files, "keras", data_format, args.logs, run)
        our_results = run_files(files, "ours", data_format, args.logs, run)
        for path, name in files.items():
            ran = [k for k, r in keras_results.items() if k[0] == path.name and r != "skipped"]
            keras_pass = [k for k in ran if keras_results[k] == "passed"]
            ours_pass = [k for k in ran if our_results.get(k) == "passed"]
            both = [k for k in keras_pass if our_results.get(k) == "passed"]
            ours_ran = [k for k in ran if k in our_results]
            rows.append(
                (name, data_format, len(ran), len(keras_pass), len(ours_ran), len(ours_pass))
            )
            totals["keras"][0] += len(keras_pass)
            totals["keras"][1] += len(ran)
            totals["ours"][0] += len(ours_pass)
            totals["ours"][1] += len(ran)
            totals["both"] += len(both)
            for key in keras_pass:
                if our_results.get(key) != "passed":
                    failures.append((name, data_format, key[1], our_results.get(key, "not run")))
    print("| layer | data format | tests | pass on Keras | ran on ours | pass on ours |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, data_format, ran, keras_pass, ours_ran, ours_pass in rows:
        print(f"| {name} | {data_format} | {ran} | {keras_pass} | {ours_ran} | {ours_pass} |")
    k, o = totals["keras"], totals["ours"]
    ours_ran = sum(row[4] for row in rows)
    print(f"| **total** | | {k[1]} | {k[0]} | {ours_ran} | {o[0]} |")
    print(f"\nPass on Keras and on ours: {totals['both']} of {k[0]}.\n")
    print("| layer | data format | test | our result |")
    print("| --- | --- | --- | --- |")
    for name, data_format, test, result in failures:
        result = result.replace("|", "\\|")
        print(f"| {name} | {data_format} | `{test}` | {result} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
