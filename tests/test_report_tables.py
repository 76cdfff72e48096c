"""The report's tables, rebuilt from the clean data, against the published tables.

The ground truth under ``tests/ground_truth/report_tables/`` was typed from the raw report text
(``data/raw/2022-23/``), not produced by the code under test; tables are compared cell by cell.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from complaints.checks.validation import read_quality_notes
from complaints.outputs.report_tables import (
    NOT_VALIDATED,
    build_report_tables,
    style_table,
    write_report_tables,
)

GROUND_TRUTH = Path(__file__).parent / "ground_truth" / "report_tables"
RAW = "data/raw/2022-23/dorset-childrens-complaints-2022-23.txt"

EXPECTED_IDS = [
    "social_care_quarterly",
    "non_social_care_quarterly",
    "statutory_social_care",
    "statutory_whole_authority",
    "complainant_groups",
    "complaint_themes",
    "complaint_outcomes",
    "children_in_care_by_year",
    "children_in_care_by_quarter",
    "stage1_timescales",
    "learning_from_complaints",
    "equality_monitoring",
    "key_facts",
]


def read_csv_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def frame_cells(frame: pd.DataFrame) -> list[list[str]]:
    return [list(frame.columns), *frame.astype(str).values.tolist()]


def copy_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {k: v.copy() for k, v in tables.items()}


@pytest.fixture(scope="module")
def report(tables, year):
    return build_report_tables(tables, year)


def test_every_published_table_is_built(report):
    # the report text gives the published tables, in the report's order; not the case tables
    assert list(report) == EXPECTED_IDS
    assert sorted(p.stem for p in GROUND_TRUTH.glob("*.csv")) == sorted(EXPECTED_IDS)


@pytest.mark.parametrize("table_id", EXPECTED_IDS)
def test_table_matches_published_figures_cell_by_cell(report, table_id):
    expected = read_csv_cells(GROUND_TRUTH / f"{table_id}.csv")
    actual = frame_cells(report[table_id].frame)
    assert actual[0] == expected[0], f"{table_id}: header"
    assert len(actual) == len(expected), f"{table_id}: number of rows"
    mismatches = [
        (r, c, a, e)
        for r, (row_a, row_e) in enumerate(zip(actual, expected, strict=True))
        for c, (a, e) in enumerate(zip(row_a, row_e, strict=True))
        if a != e
    ]
    assert not mismatches, f"{table_id}: (row, column, built, published) {mismatches[:5]}"


@pytest.mark.parametrize("table_id", EXPECTED_IDS)
def test_written_csv_matches_published_figures(report, table_id, tmp_path):
    written = write_report_tables(report, tmp_path)
    assert written[table_id] == tmp_path / f"{table_id}.csv"
    assert read_csv_cells(written[table_id]) == read_csv_cells(GROUND_TRUTH / f"{table_id}.csv")


def test_csvs_are_byte_identical_across_builds(tables, year, tmp_path):
    first = write_report_tables(build_report_tables(copy_tables(tables), year), tmp_path / "a")
    second = write_report_tables(build_report_tables(copy_tables(tables), year), tmp_path / "b")
    for table_id, path in first.items():
        assert path.read_bytes() == second[table_id].read_bytes(), table_id
    assert (tmp_path / "a" / "tables.json").read_bytes() == (
        tmp_path / "b" / "tables.json"
    ).read_bytes()


def test_inputs_are_not_modified(tables, year):
    before = copy_tables(tables)
    build_report_tables(tables, year)
    for table_id, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[table_id])


def test_captions_and_sources(report):
    table = report["social_care_quarterly"]
    assert table.caption == "Children's Social Care: performance by quarter"
    # Lines 18-25 (the table) and 28 (Total Complaints), joined across the caption line.
    assert table.source == (f"Source: Dorset Council Annual Complaints Report 2022-23, {RAW}:18-28")
    assert report["key_facts"].source.endswith(f"{RAW}:86, 92, 104-106, 135, 168, 242, 300")
    # The learning table's page-broken row reaches line 278.
    assert report["learning_from_complaints"].source.endswith(f"{RAW}:245-280")


def test_phrases_are_rebuilt_from_the_numbers(tables, year):
    changed = copy_tables(tables)
    statutory = changed["statutory_social_care"]
    upheld_2020 = (statutory["measure"] == "lgsco_upheld") & (statutory["year"] == "2020-21")
    statutory.loc[upheld_2020, "value"] = 2
    upheld_2022 = (statutory["measure"] == "lgsco_upheld") & (statutory["year"] == "2022-23")
    statutory.loc[upheld_2022, "value"] = 0
    quarterly = changed["social_care_quarterly"]
    q2_upheld = (quarterly["measure"] == "ombudsman_upheld") & (quarterly["period"] == "Q2")
    quarterly.loc[q2_upheld, "value"] = 3
    report = build_report_tables(changed, year)
    lgsco = report["statutory_social_care"].frame.set_index("Children's Social Care")
    assert lgsco.loc["LGSCO approaches", "2020-21"] == "4 with 2 upheld"
    assert lgsco.loc["LGSCO approaches", "2022-23"] == "5 none upheld"
    ombudsman = report["social_care_quarterly"].frame.set_index("")
    label = "Upheld approaches to the LGSCO Ombudsman compared to total received"
    assert ombudsman.loc[label, "Q2"] == "3/0"


def test_year_columns_come_from_the_data(tables):
    """A later report: every year shifts by one; the columns follow the data."""
    shift = {"2018-19": "2019-20", "2019-20": "2020-21", "2020-21": "2021-22"}
    shift |= {"2021-22": "2022-23", "2022-23": "2023-24"}
    later = {}
    for table_id, frame in tables.items():
        frame = frame.copy()
        frame["year"] = frame["year"].map(lambda y: shift.get(y, y)).astype("string")
        frame["report_year"] = "2023-24"
        later[table_id] = frame
    report = build_report_tables(later, "2023-24")
    assert list(report["statutory_social_care"].frame.columns) == [
        "Children's Social Care",
        "2023-24",
        "2022-23",
        "2021-22",
    ]
    assert list(report["equality_monitoring"].frame.columns) == ["", "2023-24", "2022-23"]
    assert list(report["complaint_outcomes"].frame.columns) == ["Outcome", "2023-24", "2022-23"]
    assert "Children in Care 2022-23" in report["children_in_care_by_year"].frame["Year"].tolist()
    assert report["stage1_timescales"].source.startswith(
        "Source: Dorset Council Annual Complaints Report 2023-24,"
    )


def test_styled_table_escapes_text_from_the_data(tables, year):
    changed = copy_tables(tables)
    learning = changed["learning_from_complaints"]
    learning.loc[learning.index[0], "learned"] = "<script>alert('learned')</script>"
    notes = pd.DataFrame(
        {
            "table_id": ["learning_from_complaints", "key_facts"],
            "severity": ["warning", "info"],
            "message": ["<script>alert('note')</script> & more", "not about this table"],
        }
    )
    table = build_report_tables(changed, year)["learning_from_complaints"]
    assert table.frame.iloc[0, 1] == "<script>alert('learned')</script>"
    html = style_table(table, notes).to_html()
    assert "<script" not in html.lower()
    # Escaped, whichever entity the escaper picks for the quote.
    for quote in ("&#39;", "&#x27;"):
        html = html.replace(quote, "'")
    assert "&lt;script&gt;alert('learned')&lt;/script&gt;" in html
    assert "&lt;script&gt;alert('note')&lt;/script&gt; &amp; more" in html
    assert "not about this table" not in html
    assert "Learning from complaints" in html


def test_styled_table_says_when_validation_has_not_run(report, tmp_path):
    notes = read_quality_notes(tmp_path / "validation")
    assert notes is None
    html = style_table(report["complaint_themes"], notes).to_html()
    assert NOT_VALIDATED in html
    assert "Children&#39;s Social Care complaints by theme" in html
    assert "Source: Dorset Council Annual Complaints Report 2022-23" in html


def test_notes_are_read_from_the_validation_folder(report, tmp_path):
    folder = tmp_path / "validation"
    folder.mkdir()
    (folder / "notes.csv").write_text(
        "table_id,severity,message\n"
        "non_social_care_quarterly,warning,informal complaints: quarters sum to 122; Totals 38\n",
        encoding="utf-8",
    )
    notes = read_quality_notes(folder)
    assert notes is not None and list(notes.columns) == ["table_id", "severity", "message"]
    html = style_table(report["non_social_care_quarterly"], notes).to_html()
    assert "warning: informal complaints: quarters sum to 122; Totals 38" in html
    other = style_table(report["social_care_quarterly"], notes).to_html()
    assert "quarters sum to 122" not in other
    assert "none for this table" in other


def test_styled_html_is_deterministic(report):
    table = report["equality_monitoring"]
    assert style_table(table).to_html() == style_table(table).to_html()


# The public edition's suppressed figures ------------------------------------------------------


def test_suppressed_figures_print_as_c():
    from complaints.outputs.report_tables import format_lgsco
    from complaints.words import format_number, format_value

    assert format_number("c") == "c"
    assert format_value("c", "percent") == "c"
    assert format_value("c", "GBP") == "c"
    assert format_lgsco("c", 0) == "c none upheld"
    assert format_lgsco("c", "c") == "c with c upheld"
    assert format_lgsco(6, "c") == "6 with c upheld"
    assert format_lgsco(4, 0) == "4 none upheld"


def test_a_suppressed_row_prints_c_in_its_cell_and_the_caption_explains(tables, year):
    from complaints.outputs.disclosure import LEGEND

    changed = copy_tables(tables)
    groups = changed["complainant_groups"]
    parent = groups["group"] == "Parent"
    groups.loc[parent, "value"] = pd.NA
    groups.loc[parent, "source_text"] = "c"
    quarterly = changed["social_care_quarterly"]
    q4 = (quarterly["measure"] == "ombudsman_received") & (quarterly["period"] == "Q4")
    quarterly.loc[q4, "value"] = float("nan")
    report = build_report_tables(changed, year)
    table = report["complainant_groups"]
    assert table.frame.set_index("Complainant group").loc["Parent", "Complaints"] == "c"
    assert table.suppressed == 1
    assert LEGEND.replace("(", "") in style_table(table).to_html().replace("(", "")
    # A missing value without the suppression mark is not a c.
    label = "Upheld approaches to the LGSCO Ombudsman compared to total received"
    assert report["social_care_quarterly"].frame.set_index("").loc[label, "Q4"] == "1/"
    assert report["social_care_quarterly"].suppressed == 0
    assert "suppressed" not in style_table(report["key_facts"]).to_html()


def test_learning_table_without_case_ids_drops_the_column(tables, year):
    changed = copy_tables(tables)
    changed["learning_from_complaints"]["case_id"] = pd.NA
    frame = build_report_tables(changed, year)["learning_from_complaints"].frame
    assert list(frame.columns) == [
        "What we have learned from Complaints",
        "What we have done as a result to improve practice",
    ]
    assert len(frame) == len(tables["learning_from_complaints"])
