"""keras-augment --help and bench need no TensorFlow; bench prints by default and names its extras."""

import subprocess
import sys

import pytest

from keras_augment import _version, cli
from tests.test_packaging import ROOT, tomllib

SUBCOMMANDS = ("preview", "expand", "demo", "bench")

HELP_WITHOUT_TENSORFLOW = f"""
import contextlib, io, sys
from keras_augment_cli import main
for argv in ([], *[[sub] for sub in {SUBCOMMANDS!r}]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main([*argv, "--help"])
        except SystemExit as exit:
            assert exit.code == 0, (argv, exit.code)
    assert out.getvalue().startswith(" ".join(["usage: keras-augment", *argv])), out.getvalue()
# bench runs benchmarks/run_all.py in its own process (here it refuses the unknown name).
assert main(["bench", "--only", "no_such_benchmark"]) == 2
loaded = sorted(m for m in ("tensorflow", "keras", "keras_augment") if m in sys.modules)
print("loaded:", loaded)
"""


def test_help_of_every_subcommand_and_bench_import_no_tensorflow():
    result = subprocess.run(
        [sys.executable, "-c", HELP_WITHOUT_TENSORFLOW],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("loaded: []"), result.stdout


def test_console_script_is_the_light_parser():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"keras-augment": "keras_augment_cli:main"}
    assert cli.main.__module__ == "keras_augment_cli"


def test_version_option_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"keras-augment {_version.__version__}"


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["bench"], ["--no-write"]),
        (["bench", "--write-readme"], []),
        (
            ["bench", "--quick", "--only", "bench_color", "--only", "bench_text"],
            ["--quick", "--no-write", "--only", "bench_color", "--only", "bench_text"],
        ),
    ],
)
def test_bench_writes_files_only_with_write_readme(monkeypatch, argv, expected):
    calls = []

    def fake_run(args, cwd, check):
        calls.append((args, cwd))
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    assert cli.main(argv) == 0
    ((args, cwd),) = calls
    assert args[:2] == [sys.executable, str(ROOT / "benchmarks" / "run_all.py")]
    assert args[2:] == expected
    assert cwd == ROOT


def test_bench_passes_on_the_exit_status_of_run_all(monkeypatch):
    monkeypatch.setattr(
        subprocess, "run", lambda args, cwd, check: subprocess.CompletedProcess(args, 1)
    )
    assert cli.main(["bench"]) == 1
