"""Yearly reruns: a new year goes in as a workbook, its comparisons come from the years already
held, any year the store knows can be run, and running one year leaves the others untouched."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from support import fill_workbook

from complaints import cards, cli
from complaints.errors import InputError
from complaints.inputs.clean import extract_year
from complaints.inputs.store import prepare_year
from complaints.inputs.workbook import scaffold
from complaints.run.runner import run_year
from complaints.years import ReportingYear

Y2223 = ReportingYear.parse("2022-23")
Y2324 = ReportingYear.parse("2023-24")
Y2122 = ReportingYear.parse("2021-22")


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def read_csv(path: Path) -> dict[str, list[str]]:
    """A published table as {first cell: the rest of the row}, header row included."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row[0]: row[1:] for row in csv.reader(handle)}


def test_a_year_with_no_data_at_all_is_refused(tmp_path, capsys):
    with pytest.raises(InputError, match="no data held for 1999-00"):
        prepare_year(ReportingYear.parse("1999-00"), tmp_path / "raw", tmp_path / "clean")
    assert cli.main(["run", "--year", "1999-00"]) == 2
    assert "no data held for 1999-00" in capsys.readouterr().err


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project with the real 2022-23 report, run once, and a synthetic 2023-24 workbook."""
    root = tmp_path_factory.mktemp("years")
    raw_root, clean_root, reports = root / "raw", root / "clean", root / "reports"
    source = next((Path(__file__).parents[1] / "data" / "raw" / "2022-23").glob("*.txt"))
    (raw_root / "2022-23").mkdir(parents=True)
    (raw_root / "2022-23" / source.name).write_bytes(source.read_bytes())
    params = {"raw_root": str(raw_root), "clean_root": str(clean_root)}
    run_year(Y2223, parameters=params, reports_root=reports, progress=lambda m: None)
    before = {
        "report": hashes(reports / "2022-23"),
        "clean": hashes(clean_root / "2022-23"),
        "raw": hashes(raw_root / "2022-23"),
    }
    workbook = scaffold(Y2324, extract_year(Y2223, raw_root), raw_root=raw_root)
    typed = fill_workbook(workbook, seed=2324)
    run_year(Y2324, parameters=params, reports_root=reports, progress=lambda m: None)
    return {
        "raw": raw_root,
        "clean": clean_root,
        "reports": reports,
        "params": params,
        "before": before,
        "typed": typed,
    }


def typed_value(project, sheet: str, key_column_value: str) -> int:
    """The figure the test typed for the row whose first cell is ``key_column_value``."""
    from openpyxl import load_workbook

    book = load_workbook(next((project["raw"] / "2023-24").glob("*.xlsx")))
    rows = [r for r in range(2, book[sheet].max_row + 1)]
    row = next(r for r in rows if book[sheet].cell(row=r, column=2).value == key_column_value)
    return project["typed"][(sheet, row, "value")]


@pytest.mark.slow
def test_comparisons_hold_the_new_years_figures_and_the_stored_earlier_years(project):
    tables = project["reports"] / "2023-24" / "tables"
    statutory = read_csv(tables / "statutory_social_care.csv")
    assert statutory["Children's Social Care"] == ["2023-24", "2022-23", "2021-22"]
    stage1 = typed_value(project, "statutory_social_care", "Stage 1")
    assert statutory["Stage 1"] == [str(stage1), "34", "29"]  # new year typed; then the store
    assert statutory["Representations"][1:] == ["106", "91"]

    timescales = read_csv(tables / "stage1_timescales.csv")
    assert timescales["Timescales"] == ["2023-24", "2022-23", "2021-22"]
    assert timescales["0-20 Working Days"][1:] == ["85%", "77%"]

    by_year = read_csv(tables / "children_in_care_by_year.csv")
    assert list(by_year)[1:] == [
        f"Children in Care {y}" for y in ("2023-24", "2022-23", "2021-22", "2020-21", "2019-20")
    ]
    assert by_year["Children in Care 2022-23"] == ["10"]

    outcomes = read_csv(tables / "complaint_outcomes.csv")
    assert outcomes["Outcome"] == ["2023-24", "2022-23"]
    assert outcomes["Fully Justified"][1] == "7%"

    equality = read_csv(tables / "equality_monitoring.csv")
    assert equality[""] == ["2023-24", "2022-23"]
    assert equality["Female"][1] == "50%"

    quarterly = read_csv(tables / "social_care_quarterly.csv")
    assert quarterly["Number of FORMAL complaints"][0] == str(
        project["typed"][("social_care_quarterly", 2, "Q1")]
    )


@pytest.mark.slow
def test_running_a_new_year_leaves_every_other_year_byte_identical(project):
    before = project["before"]
    assert hashes(project["reports"] / "2022-23") == before["report"]
    assert hashes(project["clean"] / "2022-23") == before["clean"]
    assert hashes(project["raw"] / "2022-23") == before["raw"]


@pytest.mark.slow
def test_rerunning_2022_23_with_a_later_year_held_gives_the_published_tables(project):
    reports = project["reports"]
    published = hashes(reports / "2022-23" / "tables")
    run_year(Y2223, parameters=project["params"], reports_root=reports, progress=lambda m: None)
    assert hashes(reports / "2022-23" / "tables") == published


@pytest.mark.slow
def test_a_year_held_only_as_restated_figures_gets_the_tables_they_support(project):
    reports = project["reports"]
    run_year(Y2122, parameters=project["params"], reports_root=reports, progress=lambda m: None)
    tables = reports / "2021-22" / "tables"
    produced = {p.stem for p in tables.glob("*.csv")} - {"not_produced"}
    assert produced == {
        "statutory_social_care",
        "statutory_whole_authority",
        "complaint_outcomes",
        "children_in_care_by_year",
        "stage1_timescales",
        "equality_monitoring",
        "key_facts",
    }
    not_produced = read_csv(tables / "not_produced.csv")
    cases_only = set(cards.CARDS) - set(cards.for_route("report text"))
    assert set(not_produced) - {"table_id"} - cases_only == {
        "social_care_quarterly",
        "non_social_care_quarterly",
        "complainant_groups",
        "complaint_themes",
        "children_in_care_by_quarter",
        "children_in_care_cases",
        "learning_from_complaints",
    }
    assert cases_only <= set(not_produced)
    for table_id, (reason,) in not_produced.items():
        if table_id in cases_only:
            assert "only a case extract gives this table" in reason
        elif table_id != "table_id":
            assert "no figures for 2021-22 are held" in reason
    statutory = read_csv(tables / "statutory_social_care.csv")
    assert statutory["Children's Social Care"] == ["2021-22", "2020-21"]
    assert statutory["Stage 1"] == ["29", "51"]
    html = (reports / "2021-22" / "html" / "03_report.html").read_text(encoding="utf-8")
    assert "cannot be produced for 2021-22" in html
    assert not (project["clean"] / "2021-22").exists(), "restated figures are not re-stored"
