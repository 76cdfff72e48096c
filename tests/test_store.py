"""The multi-year store: figures side by side by year described and report, chosen for each
report by a documented preference, and disagreements between reports reported."""

from __future__ import annotations

import pandas as pd
import pytest
from support import fill_workbook

from complaints import cards
from complaints.checks.validation import check_year
from complaints.inputs import store
from complaints.inputs.clean import build_clean, read_tables
from complaints.inputs.workbook import scaffold
from complaints.params import resolve
from complaints.years import ReportingYear

Y2223 = ReportingYear.parse("2022-23")
Y2122 = ReportingYear.parse("2021-22")


@pytest.fixture
def roots(tmp_path, raw_copy):
    clean_root = tmp_path / "clean"
    build_clean(Y2223, raw_copy, clean_root)
    return raw_copy, clean_root


def value(frame: pd.DataFrame, **match) -> object:
    rows = frame
    for column, wanted in match.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, match
    return rows["value"].item()


def test_the_report_year_reproduces_its_own_clean_tables(roots):
    _, clean_root = roots
    tables, unavailable = store.tables_for_report(Y2223, clean_root)
    # every table the report text gives; the others only a case extract gives
    assert {u.table_id for u in unavailable} == set(cards.CARDS) - set(tables)
    assert all("only a case extract gives" in u.reason for u in unavailable)
    for table_id, frame in read_tables(Y2223, clean_root).items():
        pd.testing.assert_frame_equal(tables[table_id], frame)


def test_restated_figures_are_held_as_such_and_any_held_year_can_be_read(roots):
    _, clean_root = roots
    assert store.held_years(clean_root=clean_root, raw_root=clean_root / "none") == [
        "2018-19",
        "2019-20",
        "2020-21",
        "2021-22",
        "2022-23",
    ]
    tables, unavailable = store.tables_for_report(Y2122, clean_root)
    statutory = tables["statutory_social_care"]
    assert set(statutory["year"]) == {"2021-22", "2020-21"}
    assert set(statutory["report_year"]) == {"2022-23"}
    assert value(statutory, year="2021-22", measure="stage_1") == 29
    reasons = {u.table_id: u.reason for u in unavailable}
    assert "social_care_quarterly" not in tables
    assert reasons["social_care_quarterly"].startswith("no figures for 2021-22 are held")
    assert reasons["statutory_social_care"] == (
        "partial: no figures held for 2019-20, so those years are left out of the comparison"
    )


@pytest.fixture
def synthetic_2122(roots, tables):
    """A 2021-22 input of its own (synthetic figures), beside the real 2022-23 report."""
    raw_root, clean_root = roots
    workbook = scaffold(Y2122, tables, raw_root=raw_root)
    fill_workbook(workbook, seed=21)
    build_clean(Y2122, raw_root, clean_root)
    return raw_root, clean_root


def test_two_reports_giving_different_figures_are_listed_with_both_sources(synthetic_2122):
    _, clean_root = synthetic_2122
    own = read_tables(Y2122, clean_root)["statutory_social_care"]
    own_stage1 = value(own, year="2021-22", measure="stage_1")
    assert own_stage1 != 29, "the synthetic figure must differ from the restated one"
    found = store.conflicts(clean_root)
    row = found[(found["table"] == "statutory_social_care") & (found["figure"] == "stage_1")]
    assert len(row) == 1
    row = row.iloc[0]
    assert (row["left_report"], row["left_value"]) == ("2021-22", own_stage1)
    assert (row["right_report"], row["right_value"]) == ("2022-23", 29)
    assert row["left_file"].endswith("complaints-2021-22.xlsx#statutory_social_care")
    assert row["right_file"].endswith("dorset-childrens-complaints-2022-23.txt")
    assert row["right_line"] == 77


def test_the_preference_keeps_a_published_report_reproducible(synthetic_2122):
    _, clean_root = synthetic_2122
    # The 2022-23 report keeps the 2021-22 figures it published...
    tables_2223, _ = store.tables_for_report(Y2223, clean_root)
    statutory = tables_2223["statutory_social_care"]
    assert value(statutory, year="2021-22", measure="stage_1") == 29
    # ...while the 2021-22 report uses its own.
    tables_2122, _ = store.tables_for_report(Y2122, clean_root)
    own = read_tables(Y2122, clean_root)["statutory_social_care"]
    assert value(tables_2122["statutory_social_care"], year="2021-22", measure="stage_1") == (
        value(own, year="2021-22", measure="stage_1")
    )


def test_a_conflict_between_reports_is_a_validation_warning_naming_both(synthetic_2122, tmp_path):
    raw_root, clean_root = synthetic_2122
    own = read_tables(Y2122, clean_root)["statutory_social_care"]
    own_stage1 = value(own, year="2021-22", measure="stage_1")
    params = resolve("2022-23", str(raw_root), str(clean_root), str(tmp_path / "out"))
    result = check_year(params)
    assert result.success, "a disagreement between reports is a warning, never an error"
    notes = pd.read_csv(params.validation_dir / "notes.csv")
    sentences = [m for m in notes["message"] if "Social Care stage_1, 2021-22" in m]
    assert sentences, notes["message"].tolist()
    assert "complaints-2021-22.xlsx#statutory_social_care" in sentences[0]
    assert "dorset-childrens-complaints-2022-23.txt" in sentences[0]
    assert f"gives {own_stage1} but the 2022-23 report" in sentences[0]
    assert "gives 29" in sentences[0]
