"""``complaints verify``: an auditor's one command that says whether a report still matches its
manifest and, with ``--rerun``, still comes out of its recorded inputs byte for byte."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from complaints import cli, paths
from complaints.run.verify import check_report, rerun_report
from complaints.years import ReportingYear

pytestmark = pytest.mark.slow

YEAR = ReportingYear.parse("2022-23")
RAW_NAME = "dorset-childrens-complaints-2022-23.txt"


@pytest.fixture
def report(report_project, tmp_path) -> Path:
    """A copy of the report, safe to tamper with (its manifest names the same sources)."""
    copy = tmp_path / str(YEAR)
    shutil.copytree(report_project / "reports" / str(YEAR), copy)
    return copy


def test_a_fresh_report_verifies_and_the_command_says_so(report_project, capsys):
    folder = report_project / "reports" / str(YEAR)
    assert check_report(folder) == []
    assert cli.main(["verify", str(folder)]) == 0
    assert "verified" in capsys.readouterr().out


def test_a_changed_table_is_named_and_the_command_fails(report, capsys):
    table = report / "tables" / "stage1_timescales.csv"
    table.write_text(table.read_text(encoding="utf-8").replace("%", " %", 1), encoding="utf-8")
    assert check_report(report) == [
        "changed: tables/stage1_timescales.csv (its sha256 is not the manifest's)"
    ]
    assert cli.main(["verify", str(report)]) == 1
    out = capsys.readouterr().out
    assert "tables/stage1_timescales.csv" in out and "NOT verified" in out


def test_a_removed_chart_and_an_added_file_are_named(report):
    (report / "charts" / "complaint_themes.png").unlink()
    (report / "tables" / "notes.txt").write_text("added by hand\n", encoding="utf-8")
    assert check_report(report) == [
        "missing: charts/complaint_themes.png (in the manifest, not on disk)",
        "extra: tables/notes.txt (not in the manifest)",
    ]


def test_a_rerun_reproduces_the_report_and_writes_nothing_published(report_project):
    folder = report_project / "reports" / str(YEAR)
    before = {p: p.read_bytes() for p in sorted(report_project.rglob("*")) if p.is_file()}
    assert rerun_report(folder, progress=lambda m: None) == []
    after = {p: p.read_bytes() for p in sorted(report_project.rglob("*")) if p.is_file()}
    assert after == before


def test_a_raw_figure_changed_after_the_run_is_named_with_the_cells_it_changes(report_project):
    folder = report_project / "reports" / str(YEAR)
    raw = report_project / "raw" / str(YEAR) / RAW_NAME
    original = raw.read_text(encoding="utf-8")
    lines = original.split("\n")
    # The Stage 1 timescales table: the first band's 2022-23 figure, raised by one point.
    table = (folder / "tables" / "stage1_timescales.csv").read_text(encoding="utf-8")
    header, first = list(csv.reader(table.splitlines()))[:2]
    column = header.index(str(YEAR))
    old = first[column]
    number = int(old.rstrip("%"))
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{first[0]}\t"))
    assert f"\t{old}" in lines[index]
    lines[index] = lines[index].replace(f"\t{old}", f"\t{number + 1}%", 1)
    try:
        raw.write_text("\n".join(lines), encoding="utf-8")
        assert f"source changed: {paths.relative_to_project(raw)}" in check_report(folder)[0]
        problems = rerun_report(folder, progress=lambda m: None)
    finally:
        raw.write_text(original, encoding="utf-8")
    expected = (
        f"differs on rerun: tables/stage1_timescales.csv: row 1, column {str(YEAR)!r}: "
        f"{old!r} in the report, '{number + 1}%' rebuilt"
    )
    assert expected in problems
    assert any("stage1_timescales.csv (the clean table does not come out the same)" in p
               for p in problems)  # fmt: skip
