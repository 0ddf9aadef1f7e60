"""The notebooks run top to bottom on the insights world, the way an analyst opens them
(the project's settings from PODWH_* variables), so they can't rot: no cell may fail and
every cell that draws shows its figure."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from core.settings import PROJECT_ROOT

pytestmark = [pytest.mark.slow]
NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, insights_world, monkeypatch):
    monkeypatch.setenv("PODWH_WAREHOUSE", "duckdb")
    monkeypatch.setenv("PODWH_DUCKDB_PATH", str(insights_world.settings.duckdb_path))
    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(PROJECT_ROOT)}}).execute()
    drawing = [c for c in book.cells if c.cell_type == "code" and "plt.show()" in c.source]
    assert drawing
    for cell in drawing:
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert images, f"no figure from cell:\n{cell.source[:200]}"
