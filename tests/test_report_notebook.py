"""The report notebook (03_report) runs under papermill and writes every table and chart."""

from __future__ import annotations

import csv
import json
from html import unescape
from pathlib import Path

import nbformat
import papermill
import pytest

from complaints import cards, paths
from complaints.inputs.clean import build_clean
from complaints.outputs.report_tables import NOT_VALIDATED, report_table_ids

#: What the 2022-23 report text gives: its tables' report tables and charts.
TEXT_TABLES = cards.for_route("report text")
REPORT_TABLES = [t for t in report_table_ids() if t in TEXT_TABLES]
CHARTS = [c.id for t in TEXT_TABLES for c in cards.CARDS[t].charts]

NOTEBOOK = paths.NOTEBOOKS_DIR / "03_report.ipynb"
GROUND_TRUTH = Path(__file__).parent / "ground_truth" / "report_tables"


@pytest.mark.slow
def test_notebook_writes_every_table_and_chart(tmp_path, year):
    clean_root = tmp_path / "clean"
    build_clean(year, paths.RAW_DIR, clean_root)
    # A marker proving the notebook reads the clean root it is given, not data/clean.
    groups = clean_root / "2022-23" / "complainant_groups.csv"
    text = groups.read_text(encoding="utf-8")
    assert ",Parent,79," in text
    groups.write_text(text.replace(",Parent,79,", ",Parent,81,"), encoding="utf-8")
    out_dir = tmp_path / "out"
    executed_path = tmp_path / "03_report.executed.ipynb"
    parameters = {"year": "2022-23", "clean_root": str(clean_root), "output_dir": str(out_dir)}
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(executed_path),
        kernel_name="python3",
        parameters=parameters,
        progress_bar=False,
    )

    for table_id in REPORT_TABLES:
        written = out_dir / "tables" / f"{table_id}.csv"
        assert written.is_file(), table_id
        with (
            written.open(encoding="utf-8", newline="") as mine,
            (GROUND_TRUTH / f"{table_id}.csv").open(encoding="utf-8", newline="") as published,
        ):
            expected = list(csv.reader(published))
            if table_id == "complainant_groups":
                expected = [
                    ["Parent", "81"] if row == ["Parent", "79"] else row for row in expected
                ]
            assert list(csv.reader(mine)) == expected, table_id
    for chart_id in CHARTS:
        for suffix in (".png", ".svg"):
            path = out_dir / "charts" / f"{chart_id}{suffix}"
            assert path.is_file() and path.stat().st_size > 1_000, path.name
    listing = json.loads((out_dir / "charts" / "charts.json").read_text(encoding="utf-8"))
    assert [entry["id"] for entry in listing] == CHARTS

    executed = nbformat.read(executed_path, as_version=4)
    assert executed.metadata["papermill"]["parameters"] == parameters
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    for name, value in parameters.items():
        assert f"{name} = {json.dumps(value)}" in injected[0].source

    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "\n".join(o.get("data", {}).get("text/html", "") for o in outputs)
    markdown = "\n".join(o.get("data", {}).get("text/markdown", "") for o in outputs)
    assert NOT_VALIDATED in markdown  # no validation ran into this output folder
    assert html.count('src="data:image/png;base64,') == len(CHARTS)
    assert html.count("<caption") == len(REPORT_TABLES)  # one captioned table each
    shown = unescape(html)  # jinja2 escapes ' as &#39;, html.escape as &#x27;: compare the text
    for entry in listing:
        assert entry["title"] in shown
