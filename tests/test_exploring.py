"""Exploring is safe: every notebook run as JupyterLab, VS Code or plain papermill runs it (no
parameters injected, from the notebooks folder) writes to the scratch folder and leaves every
published file, and the clean tables a published report was made from, as they were."""

from __future__ import annotations

from pathlib import Path

import papermill
import pytest

from complaints import paths
from complaints.params import SCRATCH, resolve
from complaints.run.runner import list_notebooks

pytestmark = pytest.mark.slow


def published_state() -> dict[str, tuple[bytes, int]]:
    """Every file of reports/ (the scratch folder aside), data/clean/ and notebooks/, with its
    bytes and modification time: a file rewritten with the same bytes counts as touched."""
    state = {}
    for folder in (paths.REPORTS_DIR, paths.CLEAN_DIR, paths.NOTEBOOKS_DIR):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_relative_to(SCRATCH):
                state[str(path)] = (path.read_bytes(), path.stat().st_mtime_ns)
    return state


def test_every_notebook_run_by_hand_writes_only_to_scratch(tmp_path: Path):
    before = published_state()
    for notebook in list_notebooks():
        papermill.execute_notebook(
            str(notebook),
            str(tmp_path / notebook.name),
            cwd=str(paths.NOTEBOOKS_DIR),
            kernel_name="python3",
            progress_bar=False,
        )
    assert published_state() == before
    run = resolve("2022-23")
    assert run.is_scratch
    # What the notebooks wrote is there, in the scratch folders.
    assert sorted(p.name for p in run.clean_dir.glob("*.csv"))
    for folder in ("validation", "tables", "charts", "trends"):
        assert any((run.output_dir / folder).iterdir()), folder
    executed = (tmp_path / "03_report.ipynb").read_text(encoding="utf-8")
    assert "not the published report" in executed
