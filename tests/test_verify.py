"""``complaints verify``: an auditor's one command that says whether a report still matches its
manifest and, with ``--rerun``, still comes out of its recorded inputs byte for byte."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from complaints import cli, paths
from complaints.run.runner import run_year
from complaints.run.verify import check_report, rerun_report
from complaints.years import ReportingYear

pytestmark = pytest.mark.slow

YEAR = ReportingYear.parse("2022-23")
RAW_NAME = "dorset-childrens-complaints-2022-23.txt"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A report of 2022-23 made from a copy of the raw input, into a temporary folder."""
    root = tmp_path_factory.mktemp("verify")
    raw = root / "raw" / str(YEAR)
    raw.mkdir(parents=True)
    shutil.copy2(paths.RAW_DIR / str(YEAR) / RAW_NAME, raw / RAW_NAME)
    params = {"raw_root": str(root / "raw"), "clean_root": str(root / "clean")}
    run_year(YEAR, parameters=params, reports_root=root / "reports", progress=lambda m: None)
    return root


@pytest.fixture
def report(project, tmp_path) -> Path:
    """A copy of the report, safe to tamper with (its manifest names the same sources)."""
    copy = tmp_path / str(YEAR)
    shutil.copytree(project / "reports" / str(YEAR), copy)
    return copy


def test_a_fresh_report_verifies_and_the_command_says_so(project, capsys):
    folder = project / "reports" / str(YEAR)
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


def test_the_public_edition_verifies_too(project):
    params = {"raw_root": str(project / "raw"), "clean_root": str(project / "clean")}
    result = run_year(
        YEAR,
        parameters={**params, "edition": "public"},
        reports_root=project / "reports",
        progress=lambda m: None,
    )
    assert result.output_dir.name == f"{YEAR}-public"
    assert check_report(result.output_dir) == []
    (result.output_dir / "tables" / "key_facts.csv").write_text("edited\n", encoding="utf-8")
    assert check_report(result.output_dir) == [
        "changed: tables/key_facts.csv (its sha256 is not the manifest's)"
    ]


def test_a_rerun_reproduces_the_report_and_writes_nothing_published(project):
    folder = project / "reports" / str(YEAR)
    before = {p: p.read_bytes() for p in sorted(project.rglob("*")) if p.is_file()}
    assert rerun_report(folder, progress=lambda m: None) == []
    after = {p: p.read_bytes() for p in sorted(project.rglob("*")) if p.is_file()}
    assert after == before


def test_a_raw_figure_changed_after_the_run_is_named_with_the_cells_it_changes(project):
    folder = project / "reports" / str(YEAR)
    raw = project / "raw" / str(YEAR) / RAW_NAME
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
