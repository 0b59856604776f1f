"""benchmarks/run_all.py: collects the benchmarks' Markdown into the README and a chart."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("run_all", ROOT / "benchmarks" / "run_all.py")
run_all = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_all)

OUTPUT = """# Colour jitter

| system | dtype | workload | images/s | ours / this |
| --- | --- | --- | ---: | ---: |
| ours | float32 | tf.data | 1,250 | 1.00x |
| keras.layers | float32 | tf.data | 125.5 | 9.96x |

text between tables

| workload | system | images/s | ratio to legacy |
|---|---|---|---|
| flow | legacy | 70 | 1.0x |
| flow | ours | 1,400 | 20.0x |
"""


def test_parse_tables_and_rate_bars():
    tables = run_all.parse_tables(OUTPUT)
    assert [header for header, _ in tables] == [
        ["system", "dtype", "workload", "images/s", "ours / this"],
        ["workload", "system", "images/s", "ratio to legacy"],
    ]
    bars = run_all.rate_bars(tables)
    assert bars[0] == (
        "images/s",
        [("ours | float32 | tf.data", 1250.0), ("keras.layers | float32 | tf.data", 125.5)],
    )
    assert bars[1][1] == [("flow | legacy", 70.0), ("flow | ours", 1400.0)]


def test_bar_labels_leave_out_ranges_and_dashes_and_are_cut():
    table = """| system | workload | images/s | min-max | cpu |
| --- | --- | ---: | --- | --- |
| ours | tf.data | 2,393 | 2,147-2,818 | - |
| a very long name of a system that goes on | and on and on | 12 | 10-14 | 1.5x |
"""
    ((_, bars),) = run_all.rate_bars(run_all.parse_tables(table))
    assert bars[0] == ("ours | tf.data", 2393.0)
    long_label = bars[1][0]
    assert len(long_label) == run_all.LABEL_CHARS and long_label.endswith("...")
    assert "10-14" not in long_label


def test_every_script_in_the_folder_is_run_and_helpers_are_not():
    names = run_all.scripts()
    assert names[0] == "bench_geometric"
    assert "common" not in names and "run_all" not in names
    on_disk = {p.stem for p in (ROOT / "benchmarks").glob("*.py")} - {"common", "run_all"}
    assert set(names) == on_disk


def test_readme_block_is_replaced_between_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# T\n\nbefore\n{run_all.BEGIN}\nold table\n{run_all.END}\nafter\n")
    run_all.update_readme(readme, "new table")
    assert (
        readme.read_text() == f"# T\n\nbefore\n{run_all.BEGIN}\nnew table\n{run_all.END}\nafter\n"
    )
    readme.write_text("no markers")
    with pytest.raises(SystemExit, match="markers"):
        run_all.update_readme(readme, "x")


def test_only_rewrites_its_own_sections_and_keeps_the_others(tmp_path):
    readme = tmp_path / "README.md"
    old = {
        "bench_legacy": "#### `python benchmarks/bench_legacy.py` (0.7 min)\n\nold legacy",
        "bench_geometric": "#### `python benchmarks/bench_geometric.py` (1.7 min)\n\nold geo",
    }
    readme.write_text(
        f"intro\n{run_all.BEGIN}\n- date: x\n\n{old['bench_geometric']}\n\n"
        f"{old['bench_legacy']}\n{run_all.END}\n"
    )
    kept = run_all.readme_sections(readme)
    assert kept == old
    del kept["bench_legacy"]  # re-run below
    merged = run_all.merge_sections(
        kept,
        [
            ("bench_legacy", "python benchmarks/bench_legacy.py", "new legacy\n", 90.0),
            ("bench_text", "python benchmarks/bench_text.py", "new text", 30.0),
        ],
    )
    assert list(merged) == ["bench_geometric", "bench_legacy", "bench_text"]  # run order
    assert merged["bench_geometric"] == old["bench_geometric"]
    assert merged["bench_legacy"] == (
        "#### `python benchmarks/bench_legacy.py` (1.5 min)\n\nnew legacy"
    )


def test_chart_is_drawn(tmp_path):
    bars = run_all.rate_bars(run_all.parse_tables(OUTPUT))
    run_all.draw(bars, ["colour", "legacy"], tmp_path / "chart.png", "stamp")
    from PIL import Image

    with Image.open(tmp_path / "chart.png") as image:
        assert image.size[0] > 500 and image.size[1] > 200


def test_our_rows_are_told_apart_from_peers():
    assert run_all.is_ours("ours (Pipeline) | tf.data")
    assert run_all.is_ours("AugMix | keras_augment AugMix | direct call")
    assert run_all.is_ours("flow, uint8 arrays | ours, iterator")
    assert not run_all.is_ours("keras.layers | tf.data")
    assert not run_all.is_ours("random swap | plain Python")


def _fake_run(ran):
    def run_script(name, quick):
        ran.append(name)
        return (
            f"python benchmarks/{name}.py",
            f"| system | images/s |\n|---|---|\n| ours | {len(ran)} |",
            1.0,
            0,
        )

    return run_script


def test_missing_packages_are_named_and_their_scripts_skipped(monkeypatch, capsys):
    absent = {"audiomentations", "nlpaug", "albumentations"}
    monkeypatch.setattr(run_all, "installed", lambda module: module not in absent)
    ran = []
    monkeypatch.setattr(run_all, "run_script", _fake_run(ran))
    only = ["bench_audio", "bench_text", "bench_color"]
    assert run_all.main(["--no-write", *[a for n in only for a in ("--only", n)]]) == 0
    assert ran == ["bench_color", "bench_text"]  # run order; bench_audio skipped
    err = capsys.readouterr().err
    assert (
        "not installed: albumentations, audiomentations, nlpaug; install with: "
        'pip install "keras-augment[bench]"' in err
    )
    assert "skipped bench_audio: it needs audiomentations" in err
    assert "bench_color runs without its albumentations rows" in err
    assert "bench_text runs without its nlpaug rows" in err
    assert "skipped only bench_audio, whose optional packages are missing" in err


def test_nothing_missing_says_nothing_and_a_failing_script_fails(monkeypatch, capsys):
    monkeypatch.setattr(run_all, "installed", lambda module: True)
    monkeypatch.setattr(
        run_all, "run_script", lambda name, quick: ("python x.py", "partial", 1.0, 3)
    )
    assert run_all.main(["--no-write", "--only", "bench_color"]) == 1
    err = capsys.readouterr().err
    assert "not installed" not in err and "failed: bench_color" in err


def test_the_packages_named_come_from_the_extras_named():
    import re

    from tests.test_packaging import tomllib

    extras = {
        extra: {re.split(r"[<>=~!;\[ ]", req)[0] for req in reqs}
        for extra, reqs in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
            "optional-dependencies"
        ].items()
    }
    for table in (run_all.NEEDS, run_all.PEERS):
        for name, needs in table.items():
            assert name in run_all.scripts()
            for dist in needs.values():
                assert dist in extras[run_all.EXTRA_OF.get(dist, "bench")], dist


def test_skipped_scripts_keep_their_readme_sections(monkeypatch, tmp_path):
    readme = tmp_path / "README.md"
    section = "#### `python benchmarks/bench_audio.py` (0.7 min)\n\nold audio"
    readme.write_text(f"intro\n{run_all.BEGIN}\n{section}\n{run_all.END}\n")
    monkeypatch.setattr(run_all, "ROOT", tmp_path)
    monkeypatch.setattr(run_all, "HERE", tmp_path)
    monkeypatch.setattr(run_all, "installed", lambda module: module != "audiomentations")
    monkeypatch.setattr(run_all, "run_script", _fake_run([]))
    monkeypatch.setattr(run_all, "scripts", lambda: ["bench_color", "bench_audio"])
    monkeypatch.setattr(run_all, "draw", lambda *args: None)
    assert run_all.main([]) == 0
    text = readme.read_text()
    assert section in text and "#### `python benchmarks/bench_color.py`" in text
