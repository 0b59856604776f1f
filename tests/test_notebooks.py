"""The notebooks run top to bottom on a fresh install, so they never rot, and are committed
executed, so a reader on a code host sees their printed results and figures."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed(path):
    notebook = nbformat.read(path, as_version=4)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    # Run once, top to bottom (re-execute with jupyter nbconvert --execute --inplace).
    assert [cell.get("execution_count") for cell in cells] == list(range(1, len(cells) + 1))
    for cell in cells:
        outputs = cell.get("outputs", [])
        assert not [o for o in outputs if o.get("output_type") == "error"], cell.source
        text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
        assert "retracing" not in text, cell.source
        if "plt.show()" in cell.source:
            assert any("image/png" in o.get("data", {}) for o in outputs), (
                f"{path.name}: a cell that draws a figure was committed without it:\n"
                f"{cell.source[:200]}"
            )
