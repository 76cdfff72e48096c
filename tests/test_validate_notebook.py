"""The validation notebook, as the runner executed it, and executed by papermill on a broken
table."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from complaints import paths
from complaints.checks.validation import NOTES_FILE, RESULTS_FILE, read_quality_notes
from complaints.inputs.clean import build_clean

pytestmark = pytest.mark.slow

NOTEBOOK = paths.NOTEBOOKS_DIR / "02_validate.ipynb"


def execute(clean_root: Path, out: Path, executed: Path) -> None:
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(executed),
        kernel_name="python3",
        parameters={"year": "2022-23", "clean_root": str(clean_root), "output_dir": str(out)},
        cwd=str(paths.PROJECT_ROOT),
        progress_bar=False,
    )


@pytest.fixture
def clean_root(tmp_path, year) -> Path:
    root = tmp_path / "clean"
    build_clean(year, paths.RAW_DIR, root)
    return root


def test_the_notebook_validates_2022_23_and_saves_its_results(report_project):
    out = report_project / "reports" / "2022-23"  # as the runner executed it (conftest)
    executed = out / "notebooks" / "02_validate.ipynb"

    saved = json.loads((out / "validation" / RESULTS_FILE).read_text())
    assert saved["year"] == "2022-23" and saved["success"] is True
    notes = read_quality_notes(out / "validation")
    assert (out / "validation" / NOTES_FILE).is_file()
    assert notes["message"].str.contains("the quarters add up to 122 but the printed total").any()

    nb = nbformat.read(executed, as_version=4)
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/html", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "Non Social Care informal complaints, 2022-23" in text  # the notes are listed
    assert "validation-summary" in text  # the summary table is shown
    assert "Calculating Metrics" not in text  # no progress bars in the record
    assert not any(o.output_type == "error" for c in nb.cells for o in c.get("outputs", []))


def test_the_notebook_fails_the_run_on_an_error_after_saving_the_record(clean_root, tmp_path):
    path = clean_root / "2022-23" / "complaint_themes.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",Data,2,percent,", ",Data,-2,percent,"), encoding="utf-8")
    out = tmp_path / "out"
    executed = tmp_path / "02_validate.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as raised:
        execute(clean_root, out, executed)
    assert "ValidationFailed" in raised.value.ename
    assert "complaint_themes" in raised.value.evalue
    assert "a percentage lies between 0 and 100" in raised.value.evalue
    assert "-2" in raised.value.evalue
    saved = json.loads((out / "validation" / RESULTS_FILE).read_text())
    assert saved["success"] is False
    # it is the last cell that stops the run: everything before it ran and was shown
    nb = nbformat.read(executed, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    failed = [i for i, c in enumerate(code) if any(o.output_type == "error" for o in c.outputs)]
    assert failed == [len(code) - 1]
