"""Great Expectations checks on every clean table: errors stop the run with a message naming the
table, the expectation and the offending values; the source's own inconsistencies are reported as
warnings with both numbers."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from complaints import cards, paths
from complaints.checks import data_docs, validation
from complaints.checks.validation import (
    ValidationFailed,
    check_year,
    quality_notes,
    read_quality_notes,
    validate_tables,
)
from complaints.errors import InputError
from complaints.inputs.clean import write_tables
from complaints.params import resolve

pytestmark = pytest.mark.slow  # runs the GX suites (seconds each)

Mutation = Callable[[pd.DataFrame], pd.DataFrame | None]


def corrupt(tables: dict[str, pd.DataFrame], table_id: str, mutate: Mutation) -> dict:
    """Copies of the tables with ``mutate`` applied to one (``None`` removes the table)."""
    out = {t: f.copy() for t, f in tables.items()}
    changed = mutate(out[table_id].copy())
    if changed is None:
        del out[table_id]
    else:
        out[table_id] = changed
    return out


def set_cell(column: str, row: int, value: object, *, as_object: bool = False) -> Mutation:
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        if as_object:
            frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return frame

    return mutate


def set_where(value: object, **where: str) -> Mutation:
    """Set ``value`` on the rows whose columns equal ``where`` (exactly one row)."""

    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        mask = pd.Series(True, index=frame.index)
        for column, wanted in where.items():
            mask &= frame[column] == wanted
        assert mask.sum() == 1, where
        frame.loc[mask, "value"] = value
        return frame

    return mutate


@pytest.fixture(scope="module")
def real(tables, year) -> validation.ValidationResult:
    return validate_tables(tables, year)


@pytest.fixture(scope="module")
def real_notes(real) -> pd.DataFrame:
    return quality_notes(real)


# The committed suites ---------------------------------------------------------------------------


SUITE_FILES = sorted(paths.EXPECTATIONS_DIR.glob("*.json"))


def test_every_clean_table_has_a_suite_and_nothing_else_is_committed():
    names = {p.stem for p in SUITE_FILES}
    assert names == {*cards.CARDS, validation.RECONCILIATION_SUITE}


@pytest.mark.parametrize("path", SUITE_FILES, ids=lambda p: p.stem)
def test_suite_is_hand_written_json_that_gx_loads_whole(path):
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert spec["name"] == path.stem
    assert "id" not in spec and all("id" not in e for e in spec["expectations"])
    suite = validation.load_suite(path.stem)
    assert len(suite.expectations) == len(spec["expectations"])
    keys = [(e["type"], e["description"]) for e in spec["expectations"]]
    assert len(keys) == len(set(keys)), "type and description tell expectations apart"
    for e in spec["expectations"]:
        assert e["meta"]["severity"] in ("error", "warning"), e["description"]
        native = {"error": "critical", "warning": "warning"}[e["meta"]["severity"]]
        assert e["severity"] == native, e["description"]


def test_a_suite_edited_by_hand_is_refused_naming_its_file_when_an_expectation_lacks_a_severity(
    tmp_path,
):
    spec = validation.load_suite_json("complaint_themes")
    del spec["expectations"][1]["meta"]["severity"]
    (tmp_path / "complaint_themes.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(InputError, match=r"themes\.json.*has no severity in its meta"):
        validation.load_suite("complaint_themes", tmp_path)
    with pytest.raises(InputError, match=r"outcomes\.json.*expectation suite not found"):
        validation.load_suite("complaint_outcomes", tmp_path)


def test_a_run_without_one_of_its_suites_names_the_missing_file(tables, tmp_path):
    for suite in paths.EXPECTATIONS_DIR.glob("*.json"):
        if suite.name != "complaint_outcomes.json":
            shutil.copy(suite, tmp_path / suite.name)
    with pytest.raises(InputError, match=r"outcomes\.json.*expectation suite not found"):
        validation.validate_tables(tables, "2022-23", expectations_dir=tmp_path)


@pytest.mark.parametrize("table_id", list(cards.CARDS))
def test_suite_follows_the_schema(table_id):
    table = cards.CARDS[table_id]
    spec = validation.load_suite_json(table_id)["expectations"]
    by_type: dict[str, list[dict]] = {}
    for e in spec:
        by_type.setdefault(e["type"], []).append(e["kwargs"])
    assert by_type["expect_table_columns_to_match_ordered_list"] == [
        {"column_list": table.column_names}
    ]
    typed = {
        k["column"]: k["type_list"] for k in by_type["expect_column_values_to_be_in_type_list"]
    }
    assert set(typed) == set(table.column_names)
    for column in table.columns:
        assert ("StringDtype" in typed[column.name]) == (column.dtype == "string"), column.name
    not_null = {k["column"] for k in by_type["expect_column_values_to_not_be_null"]}
    assert not_null == {c.name for c in table.columns if not c.nullable}
    assert any(k.get("min_value") == 1 for k in by_type["expect_table_row_count_to_be_between"])


# The real 2022-23 report ------------------------------------------------------------------------


def test_the_real_report_has_no_errors(real):
    assert real.success
    assert real.errors.empty
    real.raise_for_errors()  # does not raise


def test_every_expectation_of_every_suite_is_reported(real):
    per_table = real.summary[real.summary["suite"] != validation.RECONCILIATION_SUITE]
    expected = sum(
        len(validation.load_suite_json(t)["expectations"]) for t in cards.for_route("report text")
    )
    assert len(per_table) == expected
    assert set(real.summary["severity"]) == {"error", "warning"}
    assert real.statistics()["identities_reconciled"] == len(real.reconciliation) > 50


@pytest.mark.parametrize(
    ("table_id", "message"),
    [
        pytest.param(
            "non_social_care_quarterly",
            "Non Social Care informal complaints, 2022-23: the quarters add up to 122 but the "
            "printed total is 38 (line 50).",
            id="informal-quarters-vs-total",
        ),
        pytest.param(
            "complaint_themes",
            "Social Care complaint themes, 2022-23: the percentages add up to 95%, not 100% "
            "(beyond the ±3.5 allowed for rounding) (lines 125-131).",
            id="themes-95",
        ),
        pytest.param(
            "learning_from_complaints",
            "Learning from complaints: case id COM/00001496 appears 2 times (lines 264 and 279).",
            id="duplicated-case-id",
        ),
        pytest.param(
            "equality_monitoring",
            "Equality monitoring, Disability, 2022-23: the percentages add up to only 14%, far "
            "short of 100%: the section looks cut off (it is the last section of the table) "
            "(lines 359-363).",
            id="disability-cut-off-2022-23",
        ),
        pytest.param(
            "equality_monitoring",
            "Equality monitoring, Disability, 2021-22: the percentages add up to only 18%, far "
            "short of 100%: the section looks cut off (it is the last section of the table) "
            "(lines 359-363).",
            id="disability-cut-off-2021-22",
        ),
        pytest.param(
            "statutory_whole_authority",
            "Whole Authority (Non Social Care) representations (complaints resolved informally), "
            "2022-23: the statutory reporting table gives 129 but the Non Social Care quarterly "
            "table's total gives 38 (lines 82 and 50).",
            id="whole-authority-representations",
        ),
    ],
)
def test_each_inconsistency_of_the_source_is_a_warning_with_its_numbers(
    real_notes, table_id, message
):
    mine = real_notes[real_notes["table_id"] == table_id]
    assert message in set(mine["message"]), mine["message"].tolist()
    assert set(mine["severity"]) == {"warning"}


def test_nothing_else_is_reported_on_the_real_report(real, real_notes):
    assert len(real_notes["message"].unique()) == 6
    assert set(real.warnings["table"]) == {
        "non_social_care_quarterly",
        "complaint_themes",
        "learning_from_complaints",
        "equality_monitoring",
        "statutory_whole_authority",
    }


def test_percentage_groups_within_rounding_are_not_reported(real_notes):
    """Equality 2021-22 Sexuality adds up to 98 over six groups: within half a point a group."""
    assert not real_notes["message"].str.contains("Sexuality").any()


def test_a_cut_off_section_is_noted_once(real, real_notes):
    disability = real.warnings[real.warnings["column"].str.contains("Disability", na=False)]
    assert set(disability["check"]) == {"percentages_add_up_to_100", "section_complete"}
    assert real_notes["message"].str.contains("Disability").sum() == 2  # one per year


def test_a_disagreement_between_two_tables_is_noted_under_both(real_notes):
    whole = real_notes[real_notes["message"].str.startswith("Whole Authority")]
    assert set(whole["table_id"]) == {"statutory_whole_authority", "non_social_care_quarterly"}


# Errors: fault injection ------------------------------------------------------------------------


def _upheld_q2(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[(frame["measure"] == "ombudsman_upheld") & (frame["period"] == "Q2"), "value"] = 3
    return frame


def _duplicate_first_row(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[0]]], ignore_index=True)


ERROR_CASES = [
    # (id, table, mutation, expectation named, offending value named)
    (
        "drop-column",
        "complaint_themes",
        lambda f: f.drop(columns=["unit"]),
        "the columns are exactly those of the schema, in order",
        "missing column unit",
    ),
    (
        "extra-column",
        "complaint_themes",
        lambda f: f.assign(comment="x"),
        "the columns are exactly those of the schema, in order",
        "unexpected column comment",
    ),
    (
        "number-stored-as-text",
        "complainant_groups",
        lambda f: f.assign(value=f["value"].astype(str)),
        "value is a whole number",
        "'79'",
    ),
    (
        "text-in-a-count",
        "complainant_groups",
        set_cell("value", 2, "seventy-nine", as_object=True),
        "value is a whole number",
        "'seventy-nine' (source lines 114)",
    ),
    (
        "null-measure",
        "social_care_quarterly",
        set_cell("measure", 3, pd.NA),
        "measure is never empty",
        "offending values empty (source lines 18)",
    ),
    (
        "null-case-id",
        "learning_from_complaints",
        set_cell("case_id", 0, pd.NA),
        "case_id is never empty",
        "offending values empty (source lines 245)",
    ),
    (
        "negative-count",
        "social_care_quarterly",
        set_cell("value", 0, -9),
        "a count is not negative",
        "-9 (source lines 18)",
    ),
    (
        "negative-statutory-count",
        "statutory_social_care",
        set_where(-1, measure="stage_3", year="2020-21"),
        "a count is not negative",
        "-1 (source lines 79)",
    ),
    (
        "percent-above-100",
        "complaint_themes",
        set_cell("value", 5, 101),
        "a percentage lies between 0 and 100",
        "101 (source lines 130)",
    ),
    (
        "key-fact-percent-above-100",
        "key_facts",
        set_where(101, fact="social_care_fully_justified_pct"),
        "a percentage lies between 0 and 100",
        "101 (source lines 135)",
    ),
    (
        "negative-percent",
        "stage1_timescales",
        set_where(-5, band="over_20_days", year="2020-21"),
        "a percentage lies between 0 and 100",
        "-5 (source lines 212)",
    ),
    (
        "ombudsman-upheld-above-received",
        "social_care_quarterly",
        _upheld_q2,
        "no more Ombudsman complaints are upheld than were received",
        "3 vs 0",
    ),
    (
        "lgsco-upheld-above-approaches",
        "statutory_whole_authority",
        set_where(14, measure="lgsco_upheld", year="2021-22"),
        "no more Ombudsman complaints are upheld than were received",
        "14 vs 13",
    ),
    (
        "year-without-second-part",
        "children_in_care_by_year",
        set_cell("year", 1, "2022"),
        "year has the form YYYY-YY",
        "2022 (source lines 155)",
    ),
    (
        "year-not-consecutive",
        "children_in_care_by_year",
        set_cell("year", 1, "2021-23"),
        "year names two consecutive years (e.g. 2022-23)",
        "2021-23 (source lines 155)",
    ),
    (
        "year-after-the-report",
        "children_in_care_by_year",
        set_cell("year", 1, "2024-25"),
        "year is the report's year or an earlier one",
        "2024-25",
    ),
    (
        "report-year-with-slash",
        "key_facts",
        set_cell("report_year", 0, "2022/23"),
        "report_year has the form YYYY-YY",
        "2022/23 (source lines 86)",
    ),
    (
        "report-year-of-another-report",
        "key_facts",
        set_cell("report_year", 0, "2021-22"),
        "report_year is the year being validated",
        "2021-22",
    ),
    (
        "malformed-case-id",
        "learning_from_complaints",
        set_cell("case_id", 4, "COM/1269"),
        "case_id is a case reference",
        "COM/1269 (source lines 252)",
    ),
    (
        "malformed-case-ref",
        "children_in_care_cases",
        set_cell("case_ref", 0, "the child"),
        "case_ref, when printed, is initials",
        "the child",
    ),
    (
        "empty-table",
        "complaint_outcomes",
        lambda f: f.iloc[0:0],
        "the table has at least one row",
        "observed 0 rows",
    ),
    (
        "table-missing",
        "complaint_outcomes",
        lambda f: None,
        "the columns are exactly those of the schema, in order",
        "missing column outcome",
    ),
    (
        "duplicated-figure",
        "social_care_quarterly",
        _duplicate_first_row,
        "each measure appears once per quarter and year",
        "(2022-23, formal_complaints, Q1)",
    ),
    (
        "unknown-measure",
        "non_social_care_quarterly",
        set_cell("measure", 0, "complaints_formal"),
        "measure is a known measure id",
        "complaints_formal (source lines 49)",
    ),
    (
        "percentage-measure-as-count",
        "non_social_care_quarterly",
        lambda f: f.assign(unit=f["unit"].where(f["measure"] != "overdue_pct", "count")),
        "a percentage measure (…_pct) is in percent",
        "count (source lines 52)",
    ),
    (
        "source-line-zero",
        "complainant_groups",
        set_cell("source_line", 0, 0),
        "source_line is a line number (1 or more)",
        "offending values 0",
    ),
    (
        "source-lines-backwards",
        "learning_from_complaints",
        set_cell("source_line_end", 0, 1),
        "source_line_end is not before source_line",
        "(1, 245)",
    ),
]


@pytest.mark.parametrize(
    ("table_id", "mutate", "expectation", "value"),
    [pytest.param(*case[1:], id=case[0]) for case in ERROR_CASES],
)
def test_an_error_stops_the_run_naming_table_expectation_and_value(
    tables, year, table_id, mutate, expectation, value
):
    result = validate_tables(corrupt(tables, table_id, mutate), year)
    assert not result.success
    assert set(result.errors["table"]) == {table_id}
    with pytest.raises(ValidationFailed) as raised:
        result.raise_for_errors()
    message = str(raised.value)
    assert isinstance(raised.value, InputError)
    assert f"table {table_id}" in message
    assert f"expectation '{expectation}" in message
    assert value in message, message


def test_the_first_line_of_the_error_says_it_all(tables, year):
    """Runners show the first line of an exception: it names table, expectation and values."""
    mutate = set_where(2, measure="ombudsman_upheld", period="Q1")
    result = validate_tables(corrupt(tables, "social_care_quarterly", mutate), year)
    with pytest.raises(ValidationFailed) as raised:
        result.raise_for_errors()
    first = str(raised.value).splitlines()[0]
    assert first == (
        "2022-23: table social_care_quarterly, expectation 'no more Ombudsman complaints are "
        "upheld than were received' (expect_column_pair_values_a_to_be_greater_than_b on Social "
        "Care Ombudsman complaints, Q1 2022-23): offending values 2 vs 1 (discrepancy 1, "
        "tolerance 0) (source lines social_care_quarterly 20)"
    )
    assert raised.value.table == "social_care_quarterly"


def test_errors_in_one_table_keep_it_out_of_the_reconciliation(tables, year):
    """A table that fails an error is not compared: its figures cannot be trusted."""
    result = validate_tables(
        corrupt(tables, "non_social_care_quarterly", lambda f: f.drop(columns=["unit"])), year
    )
    rec = result.reconciliation
    assert "non_social_care_quarterly" not in set(rec["left_table"]) | set(rec["right_table"])
    assert not result.success


# Errors and warnings through check_year (the clean CSV files) -----------------------------------


@pytest.fixture
def clean_root(tmp_path, tables, year) -> Path:
    root = tmp_path / "clean"
    write_tables(tables, paths.clean_dir(year, root))
    return root


def edit_csv(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_check_year_on_the_real_report_writes_the_same_results_and_notes_every_time(
    clean_root, tmp_path, year, monkeypatch
):
    run = resolve(str(year), clean_root=str(clean_root), output_dir=str(tmp_path / "a"))
    result = check_year(run)
    folder = run.validation_dir
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            validation.RESULTS_FILE,
            "summary.csv",
            "reconciliation.csv",
            validation.NOTES_FILE,
        ]
    )
    saved = json.loads((folder / validation.RESULTS_FILE).read_text())
    assert saved["success"] is True and saved["year"] == "2022-23"
    assert set(saved["great_expectations"]) == {*cards.for_route("report text"), "reconciliation"}
    assert "run_id" not in json.dumps(saved)
    notes = read_quality_notes(folder)
    assert list(notes.columns) == ["table_id", "severity", "message"]
    assert notes.to_dict("records") == quality_notes(result).to_dict("records")
    assert notes["message"].str.contains("add up to 122 but the printed total is 38").any()

    # a second run, with GX run again from scratch, writes byte-identical files
    again = resolve(str(year), clean_root=str(clean_root), output_dir=str(tmp_path / "b"))
    monkeypatch.setattr(validation, "_RESULTS_CACHE", {})
    check_year(again)
    for path in folder.iterdir():
        assert path.read_bytes() == (again.validation_dir / path.name).read_bytes(), path.name


def test_read_quality_notes_says_when_validation_has_not_run(tmp_path):
    assert read_quality_notes(tmp_path) is None


def test_check_year_fails_on_text_in_a_count_column(clean_root, tmp_path, year):
    edit_csv(clean_root / "2022-23" / "complainant_groups.csv", ",Parent,79,", ",Parent,lots,")
    run = resolve(str(year), clean_root=str(clean_root), output_dir=str(tmp_path / "out"))
    with pytest.raises(ValidationFailed) as raised:
        check_year(run)
    message = str(raised.value)
    assert message.endswith(f"(full results in {paths.relative_to_project(run.validation_dir)})")
    assert "table complainant_groups" in message
    assert "expectation 'value is a whole number'" in message
    assert "'lots' (source lines 114)" in message
    # the record is written before the run stops
    saved = json.loads((run.validation_dir / validation.RESULTS_FILE).read_text())
    assert saved["success"] is False and saved["statistics"]["errors"] >= 1


def test_check_year_fails_on_a_dropped_column(clean_root, tmp_path, year):
    path = clean_root / "2022-23" / "children_in_care_by_quarter.csv"
    frame = pd.read_csv(path, dtype=str).drop(columns=["source_text"])
    frame.to_csv(path, index=False)
    run = resolve(str(year), clean_root=str(clean_root), output_dir=str(tmp_path / "out"))
    with pytest.raises(ValidationFailed, match="missing column source_text"):
        check_year(run)


def test_check_year_names_a_missing_clean_file(clean_root, tmp_path, year):
    (clean_root / "2022-23" / "key_facts.csv").unlink()
    run = resolve(str(year), clean_root=str(clean_root), output_dir=str(tmp_path / "out"))
    with pytest.raises(InputError, match=r"key_facts\.csv.*clean table not found"):
        check_year(run)


def test_warnings_never_stop_the_run(clean_root, tmp_path, year):
    edit_csv(
        clean_root / "2022-23" / "social_care_quarterly.csv",
        "Compliments,Q4,11,count,11,",
        "Compliments,Q4,21,count,21,",
    )
    run = resolve(str(year), clean_root=str(clean_root), output_dir=str(tmp_path / "out"))
    result = check_year(run)  # does not raise
    assert result.success
    notes = read_quality_notes(run.validation_dir)
    assert (
        "Social Care compliments, 2022-23: the quarters add up to 54 but the printed total is 44 "
        "(line 24)." in set(notes["message"])
    )


# Warnings: perturb a figure, see the note with the new numbers ----------------------------------


def _drop_a_q3_case(frame: pd.DataFrame) -> pd.DataFrame:
    q3 = frame.index[frame["period"] == "Q3"]
    return frame.drop(index=q3[-1]).reset_index(drop=True)


def _gender_only_female(frame: pd.DataFrame) -> pd.DataFrame:
    drop = (frame["characteristic"] == "Gender") & (frame["year"] == "2022-23")
    drop &= frame["group"] != "Female"
    return frame[~drop].reset_index(drop=True)


WARNING_CASES = [
    # (id, table, mutation, table the note is listed under, expected sentence or fragment)
    (
        "quarters-vs-total",
        "social_care_quarterly",
        set_where(19, measure="formal_complaints", period="Q1"),
        "social_care_quarterly",
        "Social Care formal complaints, 2022-23: the quarters add up to 44 but the printed total "
        "is 34 (line 18).",
    ),
    (
        "total-complaints-vs-formal-plus-informal",
        "non_social_care_quarterly",
        set_where(300, measure="total_complaints"),
        "non_social_care_quarterly",
        "Non Social Care total complaints, 2022-23: the caption says 300 but the formal and "
        "informal totals make 218 (line 59 and lines 49-50).",
    ),
    (
        "percentages-not-100",
        "complaint_outcomes",
        set_where(70, outcome="Not justified", year="2022-23"),
        "complaint_outcomes",
        "Social Care complaint outcomes, 2022-23: the percentages add up to 91%, not 100% "
        "(beyond the ±1.5 allowed for rounding) (lines 139, 143, 145).",
    ),
    (
        "section-cut-off",
        "equality_monitoring",
        _gender_only_female,
        "equality_monitoring",
        "Equality monitoring, Gender, 2022-23: the percentages add up to only 50%, far short of "
        "100%: the section looks cut off (line 306).",
    ),
    (
        "prose-vs-table",
        "key_facts",
        set_where(12, fact="children_in_care_cases"),
        "children_in_care_by_year",
        "Complaints from children in care, 2022-23: the prose gives 12 but the children in care "
        "table by year gives 10 (lines 168 and 154).",
    ),
    (
        "statutory-vs-quarterly",
        "statutory_social_care",
        set_where(40, measure="stage_1", year="2022-23"),
        "statutory_social_care",
        "Social Care stage 1 (formal) complaints, 2022-23: the statutory reporting table gives 40 "
        "but the Social Care quarterly table's total gives 34 (lines 77 and 18).",
    ),
    (
        "outcomes-vs-quarterly",
        "social_care_quarterly",
        set_where(16, measure="part_justified_pct", period="Total"),
        "complaint_outcomes",
        "Social Care complaints partially justified, 2022-23: the outcomes paragraph gives 14% but "
        "the Social Care quarterly table's total gives 16% (lines 143 and 23).",
    ),
    (
        "duplicated-case-id",
        "learning_from_complaints",
        set_cell("case_id", 1, "COM/00000886"),
        "learning_from_complaints",
        "Learning from complaints: case id COM/00000886 appears 2 times (lines 245 and 246).",
    ),
    (
        "duplicated-case-ref",
        "children_in_care_cases",
        set_cell("case_ref", 2, "B (CIC)"),
        "children_in_care_cases",
        "case ref B (CIC) appears 2 times",
    ),
    (
        "cases-listed-vs-count",
        "children_in_care_cases",
        _drop_a_q3_case,
        "children_in_care_cases",
        "Children in care, Q3 2022-23: the prose lists 4 but the quarter's sentence counts 5 "
        "(lines 194, 196, 198, 200 and line 192).",
    ),
    (
        "quarters-vs-year-children-in-care",
        "children_in_care_by_year",
        set_where(12, year="2022-23"),
        "children_in_care_by_quarter",
        "Complaints from children in care, 2022-23: the quarters in the prose add up to 10 but the "
        "table by year gives 12 (lines 170, 190, 192, 204 and line 154).",
    ),
    (
        "yearly-percent-outside-quarters",
        "social_care_quarterly",
        set_where(40, measure="overdue_pct", period="Total"),
        "social_care_quarterly",
        "Social Care % overdue (timescales), 2022-23: the printed total is 40%, more than the "
        "highest quarter (Q3) 33% (beyond the ±1 allowed for rounding) (line 21).",
    ),
    (
        "groups-above-total",
        "complainant_groups",
        set_where(90, group="Parent"),
        "complainant_groups",
        "Social Care complainant groups, 2022-23: the groups add up to 145, more than the total "
        "complaints figure, 140 (lines 112-118 and line 28).",
    ),
]


@pytest.mark.parametrize(
    ("table_id", "mutate", "noted_under", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in WARNING_CASES],
)
def test_a_perturbed_figure_gives_a_warning_with_the_new_numbers(
    tables, year, real_notes, table_id, mutate, noted_under, expected
):
    result = validate_tables(corrupt(tables, table_id, mutate), year)
    assert result.success, result.errors
    result.raise_for_errors()  # warnings never stop the run
    notes = quality_notes(result)
    new = notes[~notes["message"].isin(real_notes["message"])]
    mine = new[new["table_id"] == noted_under]
    assert (mine["message"].str.contains(expected, regex=False)).any(), new["message"].tolist()
    assert set(new["severity"]) == {"warning"}


# Display, offline, quiet --------------------------------------------------------------------------


def test_the_summary_table_is_html_safe_and_stable(real):
    html = validation.summary_table(real).to_html()
    assert html == validation.summary_table(real).to_html()
    assert 'id="T_validation-summary"' in html
    assert "COM/00001496" in html and "<script" not in html
    shown = validation.summary_frame(real, failures_only=True)
    assert list(shown.columns) == [
        "table",
        "expectation",
        "severity",
        "result",
        "unexpected values",
        "source lines",
    ]
    assert set(shown["result"]) == {"FAILED"}
    assert "Non Social Care informal complaints" in validation.notes_text(real)
    assert "holds" in validation.reconciliation_table(real).to_html()


def test_validation_and_data_docs_make_no_network_connection_and_show_no_progress_bars(
    tmp_path,
):
    """Run in a fresh interpreter whose sockets refuse to connect, from the first import on
    (which does not import Great Expectations: it is imported when first needed)."""
    script = textwrap.dedent(
        """
        import socket, sys

        def refuse(*args, **kwargs):
            raise OSError("network use is not allowed in this test")

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse

        from complaints.checks import data_docs, validation
        assert "great_expectations" not in sys.modules  # importing the module stays cheap
        from complaints.inputs.clean import extract_year
        from complaints.years import ReportingYear

        year = ReportingYear.parse("2022-23")
        result = validation.validate_tables(extract_year(year), year)
        index = data_docs.build_data_docs(result, sys.argv[1])
        print(result.success, len(result.warnings), index.is_file())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "docs")],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["True", "8", "True"]
    assert "Calculating Metrics" not in done.stderr
    assert "%|" not in done.stderr  # no tqdm bar of any kind
    assert (tmp_path / "docs" / "validations" / "reconciliation").is_dir()


# GX Data Docs -------------------------------------------------------------------------------------


def _site(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_data_docs_hold_every_suite_and_a_rebuild_gives_the_same_bytes(real, tmp_path):
    first = data_docs.build_data_docs(real, tmp_path / "one")
    data_docs.build_data_docs(real, tmp_path / "two")
    assert first == tmp_path / "one" / "index.html" and first.is_file()
    pages = {p.stem for p in (tmp_path / "one" / "validations").rglob("*.html")}
    assert pages == set(real.gx_results) and "reconciliation" in pages
    run_folders = {p.name for p in (tmp_path / "one" / "validations").glob("*/*/*")}
    assert run_folders == {"20230331T000000.000000Z"}  # the end of 2022-23, not the clock
    assert _site(tmp_path / "one") == _site(tmp_path / "two")
    index = first.read_text(encoding="utf-8")
    assert "?d=" not in index  # no build time on GX's logo address
    assert {p.stem for p in (tmp_path / "one" / "expectations").glob("*.html")} == pages
    # a failed suite shows as failed in GX's own index
    assert '"_validation_success_text": "Failed"' in index.replace("'", '"')

    # building again into the same folder replaces what was there
    stale = tmp_path / "one" / "validations" / "left-over.html"
    stale.write_text("old")
    data_docs.build_data_docs(real, tmp_path / "one")
    assert not stale.exists()
    assert _site(tmp_path / "one") == _site(tmp_path / "two")


RESOURCE = re.compile(r"""<(script|link|img)\b[^>]*?\b(?:src|href)=["']([^"']*)""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""")


def test_data_docs_load_only_local_files_and_link_no_newsletter(real, tmp_path):
    """Every script, stylesheet and image of every page is a file of the site, and so is every
    ``url()`` of the pages' styles; no page links GX's newsletter or carries tracking tags."""
    site = tmp_path / "docs"
    data_docs.build_data_docs(real, site)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 1 + 2 * len(real.gx_results)  # index, a suite page and a result page each
    loaded = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = [m[2] for m in RESOURCE.finditer(text)] + CSS_URL.findall(text)
        assert found, page.name
        for address in found:
            assert "//" not in address and not address.startswith("data:"), (page.name, address)
            target = (page.parent / address.split("?")[0]).resolve()
            assert target.is_file() and target.is_relative_to(site.resolve()), (page, address)
            loaded += 1
        lowered = text.lower()
        assert "newsletter" not in lowered and "utm_" not in lowered, page.name
        assert "analytics" not in lowered and "googletagmanager" not in lowered, page.name
    assert loaded >= 15 * len(pages)  # GX's ~16 libraries, now local, on every page
    # the copies are the vendored files, byte for byte
    jquery = "jquery-3.7.1/jquery.min.js"
    copied = (site / "static" / "vendor" / jquery).read_bytes()
    assert copied == (data_docs.ASSETS_DIR / jquery).read_bytes()


def test_the_vendored_assets_are_the_files_their_readme_lists():
    """Each file shipped for Data Docs is listed in the README with its package, licence and the
    sha256 of its bytes; each package folder carries its licence."""
    readme = (data_docs.ASSETS_DIR / "README.md").read_text(encoding="utf-8")
    row = re.compile(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", re.MULTILINE)
    listed = dict(row.findall(readme))
    files = {
        p.relative_to(data_docs.ASSETS_DIR).as_posix(): p
        for p in data_docs.ASSETS_DIR.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert set(listed) == set(files)
    for name, path in files.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed[name], name
    for folder in {p.parent for p in data_docs.ASSETS_DIR.glob("*/*")}:
        assert (folder / "LICENSE").is_file(), folder.name
    assert set(data_docs.LOCAL_COPIES.values()) <= set(files)


def test_data_docs_escape_hostile_text_from_the_data(tables, year, tmp_path):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    broken = corrupt(tables, "learning_from_complaints", set_cell("case_id", 0, hostile))
    result = validate_tables(broken, year)
    assert not result.success  # the case id is malformed: an error
    data_docs.build_data_docs(result, tmp_path / "docs")
    page = next((tmp_path / "docs" / "validations").rglob("learning_from_complaints.html"))
    text = page.read_text(encoding="utf-8")
    assert "COM/" in text  # the page shows the table's values
    assert "&lt;script&gt;" in text or "&#34;x&#34;" in text or "&lt;img" in text
    for page in (tmp_path / "docs").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert '<script>alert("x")' not in text, page.name
        assert "<img src=x onerror" not in text, page.name
