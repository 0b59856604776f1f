"""Every Python block of README.md and of the documentation pages runs as written.

Each level-2 section runs in a fresh namespace (in an empty working folder), so its blocks must
define what they use; ``tests/markdown_blocks.py`` describes the grouping and the ``skip-test``
marker.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.markdown_blocks import ROOT, groups, parse, script

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# The README in one interpreter, the documentation pages in another (and each section that
# chooses a Keras backend in its own).
GROUPS = groups(PAGES[:1]) + groups(PAGES[1:])


def test_readme_has_python_blocks_to_run():
    readme = [s for group in GROUPS for s in group if s.path.name == "README.md"]
    assert sum(len(s.runnable) for s in readme) >= 5


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_skip_has_a_reason_and_a_block(page):
    sections, markers = parse(page)
    skipped = [b for s in sections for b in s.blocks if b.skip_reason is not None]
    for line, reason in markers:
        assert len(reason) >= 10, f"{page.name}:{line}: skip-test needs a reason"
    # A marker separated from its block by text applies to nothing: a silent mistake.
    assert len(skipped) == len(markers), f"{page.name}: a skip-test marker is not before a block"
    for block in skipped:
        assert block.language in ("python", "py"), (
            f"{page.name}:{block.line}: only Python blocks run, so only they can be skipped"
        )


def test_the_block_parser_sees_dependencies_and_skips(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "## One\n\n```python\nx = 2\n```\n\ntext\n\n```python\nassert x == 2\n```\n\n"
        "<!-- skip-test: needs a server on the network -->\n```python\nraise SystemExit(1)\n```\n"
        "## Two\n\n```bash\nls\n```\n"
    )
    sections, markers = parse(page)
    assert [s.title for s in sections] == ["(top)", "One", "Two"]
    assert [b.line for b in sections[1].runnable] == [3, 9]
    assert markers == [(13, "needs a server on the network")]
    run = subprocess.run(
        [sys.executable, "-c", script(sections[1:2], tmp_path)], capture_output=True
    )
    assert run.returncode == 0, run.stderr.decode()
    # Sections share an interpreter but not their names.
    page.write_text("## One\n\n```python\ny = 2\n```\n## Two\n\n```python\nassert y == 2\n```\n")
    program = script(parse(page)[0][1:], tmp_path)
    run = subprocess.run([sys.executable, "-c", program], capture_output=True)
    assert b"page.md-line-8.py" in run.stderr and b"NameError" in run.stderr


@pytest.mark.parametrize("sections", GROUPS, ids=lambda group: group[0].id)
def test_sections_run(sections, tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    env.pop("KERAS_BACKEND", None)
    run = subprocess.run(
        [sys.executable, "-c", script(sections, tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, f"{sections[0].id} and after failed:\n{run.stderr[-4000:]}"


def test_the_readme_layer_tables_are_the_registry():
    """The tables list every registered layer: ``python scripts/layer_table.py`` rewrites them."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import layer_table
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    import keras_augment as ka

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert layer_table.with_tables(readme) == readme, "run python scripts/layer_table.py"
    listed = set(re.findall(r"^\| `(\w+)` \|", layer_table.layer_tables(), flags=re.MULTILINE))
    assert listed == {info.name for info in ka.registered_layers()}
