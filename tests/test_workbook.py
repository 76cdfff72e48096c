"""New-year input: scaffolded workbook -> the same clean schema; mistakes name sheet and cell."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook
from support import fill_workbook

from complaints import cards
from complaints.errors import InputError
from complaints.inputs.clean import extract_year
from complaints.inputs.workbook import read_workbook, scaffold
from complaints.years import ReportingYear

NEW = ReportingYear.parse("2023-24")


@pytest.fixture
def blank(tmp_path, tables):
    return scaffold(NEW, tables, raw_root=tmp_path / "raw")


@pytest.fixture
def filled(blank):
    typed = fill_workbook(blank)
    return blank, typed


def test_scaffold_carries_last_years_labels_and_leaves_figures_blank(blank, tables):
    book = load_workbook(blank)
    assert set(cards.for_route("workbook")) <= set(book.sheetnames)
    sheet = book["complaint_themes"]
    themes = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert themes == list(tables["complaint_themes"]["theme"])
    assert all(sheet.cell(row=r, column=2).value is None for r in range(2, sheet.max_row + 1))
    assert (blank.parent / "README.md").read_text().startswith(f"# Inputs for {NEW}")


def test_scaffold_never_overwrites(blank, tables):
    with pytest.raises(InputError, match="already exist"):
        scaffold(NEW, tables, raw_root=blank.parent.parent)


def test_filled_workbook_gives_the_clean_schema_with_the_typed_figures(filled, tables):
    path, typed = filled
    clean = read_workbook(path, NEW)
    assert list(clean) == cards.for_route("workbook")
    for table_id, frame in clean.items():
        assert list(frame.columns) == cards.CARDS[table_id].column_names
        assert (frame["year"] == str(NEW)).all() and (frame["report_year"] == str(NEW)).all()
        pd.testing.assert_frame_equal(frame, cards.conform(table_id, frame))
    themes = clean["complaint_themes"]
    for _, row in themes.iterrows():
        assert typed[("complaint_themes", row["source_line"], "value")] == row["value"]
        assert row["source_file"].endswith("complaints-2023-24.xlsx#complaint_themes")
    quarterly = clean["social_care_quarterly"]
    q1 = quarterly[(quarterly["measure"] == "formal_complaints") & (quarterly["period"] == "Q1")]
    assert q1["value"].item() == typed[("social_care_quarterly", 2, "Q1")]


def test_extract_year_reads_a_workbook_input(filled):
    path, _ = filled
    tables = extract_year(NEW, raw_root=path.parent.parent)
    assert len(tables["learning_from_complaints"]) == 3


def test_a_percentage_formatted_cell_is_read_as_0_to_100(filled):
    path, _ = filled
    book = load_workbook(path)
    cell = book["complaint_themes"]["B2"]
    cell.value = 0.18
    cell.number_format = "0%"
    book.save(path)
    themes = read_workbook(path, NEW)["complaint_themes"]
    assert themes.loc[themes["source_line"] == 2, "value"].item() == 18


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "message"),
    [
        ("complaint_themes", "B3", "seven", "complaint_themes!B3 (value) holds 'seven'"),
        ("social_care_quarterly", "E4", None, "social_care_quarterly!E4 (Q2) is empty"),
        ("statutory_social_care", "D1", "Value!", "cell D1: header should be 'value'"),
    ],
)
def test_a_mistake_names_the_sheet_and_cell(filled, sheet, cell, value, message):
    path, _ = filled
    book = load_workbook(path)
    book[sheet][cell].value = value
    book.save(path)
    with pytest.raises(InputError) as error:
        read_workbook(path, NEW)
    assert message in str(error.value)
    assert "complaints-2023-24.xlsx" in str(error.value)


def test_a_missing_sheet_is_named(filled):
    path, _ = filled
    book = load_workbook(path)
    del book["equality_monitoring"]
    book.save(path)
    with pytest.raises(InputError, match="sheet 'equality_monitoring' is missing"):
        read_workbook(path, NEW)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "complaints-2023-24.xlsx"
    path.write_bytes(b"\x00\x01 not a zip")
    with pytest.raises(InputError, match=r"cannot be opened as an \.xlsx workbook"):
        read_workbook(path, NEW)
