"""Unit tests of the raw-text helpers on tiny inline inputs, including the awkward cells of the
2022-23 report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from complaints.errors import InputError
from complaints.inputs.rawtext import (
    Prose,
    RawDocument,
    RawLine,
    clean_cell,
    is_furniture,
    parse_count,
    parse_money,
    parse_percent,
    parse_ratio,
    parse_upheld_phrase,
    read_raw_text,
    read_tab_block,
    strip_markup,
)
from complaints.years import ReportingYear


def _doc(*lines: str) -> RawDocument:
    return RawDocument(
        path=Path("inline.txt"),
        label="inline.txt",
        lines=tuple(RawLine(i, t) for i, t in enumerate(lines, start=1)),
    )


# --- cells -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("<p>COM/00001362</p>", "COM/00001362"),
        ("<p>1. First point.</p> <p>2. Second point.</p>", "1. First point.\n2. Second point."),
        ("<p>One</p><p>Two</p>", "One\nTwo"),
        ("<P>Upper case tags</P>", "Upper case tags"),
        ("Education Health &amp; Care Plan", "Education Health & Care Plan"),
        ("75 & Older", "75 & Older"),
        ("**People - Children's - Non Social Care", "People - Children's - Non Social Care"),
        ("Total Complaints = 218**", "Total Complaints = 218"),
        ("  two   spaces\u00a0and nbsp  ", "two spaces and nbsp"),
        ("", ""),
        ("<p></p>", ""),
    ],
)
def test_clean_cell(cell, expected):
    assert clean_cell(cell) == expected


def test_strip_markup_removes_only_bold_markers():
    assert strip_markup("**Bold** and * star") == "Bold and * star"


def test_raw_line_cells_are_cleaned():
    line = RawLine(7, "<p>COM/1</p>\t<p>a</p> <p>b</p>\t&amp;")
    assert line.cells == ["COM/1", "a\nb", "&"]
    assert not line.is_blank
    assert RawLine(8, " \t ").is_blank


@pytest.mark.parametrize(
    "text",
    [
        "Annual Complaints Report 2022-23",
        "Annual Complaints Report 2023-24",
        "dorsetcomplaints",
        "performance",
        "2022/23",
        "  2022/23  ",
        "**2022/23**",
    ],
)
def test_is_furniture(text):
    assert is_furniture(text)


@pytest.mark.parametrize(
    "text",
    [
        "Annual Complaints Report 2022-23 continued on the next page",
        "the performance data for SLT each quarter",
        "2022-23",
        "Total Complaints = 140",
        "Appendices",
        "",
        "\tQ1\tQ2\tQ3\tQ4\tTotals",
    ],
)
def test_is_not_furniture(text):
    assert not is_furniture(text)


# --- figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"), [("34", 34), (" 7 ", 7), ("0", 0), ("1,428", 1428), ("218", 218)]
)
def test_parse_count(cell, expected):
    assert parse_count(cell) == expected


@pytest.mark.parametrize("cell", ["nine", "3.5", "-1", "18%", "0/1", "12 cases"])
def test_parse_count_rejects(cell):
    with pytest.raises(ValueError, match=re.escape(repr(cell))):
        parse_count(cell)


def test_parse_count_rejects_empty_cell():
    with pytest.raises(ValueError, match="not a whole number"):
        parse_count("")


@pytest.mark.parametrize(
    ("cell", "expected"), [("18%", 18), ("0%", 0), ("100%", 100), ("12.5%", 12.5), ("7 %", 7)]
)
def test_parse_percent(cell, expected):
    value = parse_percent(cell)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("cell", ["18", "%", "abc%", "18 percent", "-5%", "1/2"])
def test_parse_percent_rejects(cell):
    with pytest.raises(ValueError, match=re.escape(repr(cell))) as info:
        parse_percent(cell)
    assert "percentage" in str(info.value)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("0/0", (0, 0)), ("0/1", (0, 1)), ("1/2", (1, 2)), ("16/35", (16, 35)), (" 1 / 5 ", (1, 5))],
)
def test_parse_ratio(cell, expected):
    assert parse_ratio(cell) == expected


@pytest.mark.parametrize("cell", ["1/", "/5", "16:35", "1/2/3", "one/two", "5"])
def test_parse_ratio_rejects(cell):
    with pytest.raises(ValueError, match=re.escape(repr(cell))):
        parse_ratio(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("5 with 1 upheld", (5, 1)),
        ("35 with 16 upheld", (35, 16)),
        ("4 none upheld", (4, 0)),
        ("4, none upheld", (4, 0)),
        ("3 all upheld", (3, 3)),
        ("5  With 1 Upheld", (5, 1)),
    ],
)
def test_parse_upheld_phrase(cell, expected):
    assert parse_upheld_phrase(cell) == expected


@pytest.mark.parametrize(
    "cell", ["5 upheld", "with 1 upheld", "5 with one upheld", "5/1", "5 with 1", ""]
)
def test_parse_upheld_phrase_rejects(cell):
    with pytest.raises(ValueError, match=re.escape(repr(cell))):
        parse_upheld_phrase(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("£43,230", 43230),
        ("£39,680", 39680),
        ("£21,800", 21800),
        ("£1,043,230", 1043230),
        ("£500", 500),
        ("£12.50", 12.5),
        ("£ 100", 100),
    ],
)
def test_parse_money(cell, expected):
    assert parse_money(cell) == expected


@pytest.mark.parametrize("cell", ["43,230", "£43,23", "£abc", "£", "£4,3230", "$43,230"])
def test_parse_money_rejects(cell):
    with pytest.raises(ValueError, match=re.escape(repr(cell))):
        parse_money(cell)


# --- year labels as printed ------------------------------------------------------------------


@pytest.mark.parametrize("label", ["2022-23", "2022- 23", "2022 -23", "2022/23", " 2022-23 "])
def test_year_labels_as_printed(label):
    assert str(ReportingYear.from_label(label)) == "2022-23"


@pytest.mark.parametrize("label", ["2022-24", "22-23", "Totals"])
def test_bad_year_labels(label):
    with pytest.raises(ValueError, match="malformed"):
        ReportingYear.from_label(label)


# --- tables over page breaks -----------------------------------------------------------------


def test_read_tab_block_over_a_page_break():
    doc = _doc(
        "Intro sentence",
        "\tA\tB",
        "row1\t1\t2",
        "",
        "Annual Complaints Report 2022-23",
        "",
        "row2\t3\t4",
        "",
        "row3\t5\t6",
        "After the table",
        "late\t7\t8",
    )
    rows = read_tab_block(doc, 2)
    assert [r.line.number for r in rows] == [2, 3, 7, 9]
    assert [r.cells for r in rows] == [
        ("", "A", "B"),
        ("row1", "1", "2"),
        ("row2", "3", "4"),
        ("row3", "5", "6"),
    ]


def test_read_tab_block_over_performance_page_furniture():
    doc = _doc("h\tQ1", "a\t1", "2022/23", "", "performance", "", "dorsetcomplaints", "b\t2", "end")
    rows = read_tab_block(doc, 1)
    assert [r.cells[0] for r in rows] == ["h", "a", "b"]


def test_read_tab_block_cleans_cells():
    doc = _doc("<p>COM/1</p>\t<p>x</p> <p>y</p>\t<p>z &amp; w</p>", "")
    (row,) = read_tab_block(doc, 1)
    assert row.cells == ("COM/1", "x\ny", "z & w")


# --- prose -----------------------------------------------------------------------------------


def test_prose_removes_furniture_and_maps_positions_to_raw_lines():
    doc = _doc(
        "Heading",
        "",
        "Summary: the Council recently decided she",
        "",
        "Annual Complaints Report 2022-23",
        "",
        "should be allowed to continue.",
        "Fully Justified\t**7%**",
    )
    prose = Prose(doc)
    assert "Annual Complaints Report" not in prose.text
    assert "7%" in prose.text and "**" not in prose.text
    for needle, line in [
        ("Heading", 1),
        ("recently decided", 3),
        ("should be allowed", 7),
        ("continue.", 7),
        ("7%", 8),
    ]:
        assert prose.line_at(prose.text.index(needle)) == line, needle
    match = re.search(r"decided she\s+should", prose.text)
    assert match, "a sentence broken by a page footer reads as one"
    assert prose.line_at(match.start()) == 3
    assert prose.line_at(match.end() - 1) == 7


def test_prose_over_a_line_range():
    doc = _doc("one 1", "two 2", "three 3", "four 4")
    prose = Prose(doc, 2, 3)
    assert prose.text == "two 2\nthree 3"
    assert prose.line_at(prose.text.index("three")) == 3


def test_prose_search_names_the_table_when_a_sentence_is_missing():
    prose = Prose(_doc("nothing here"))
    with pytest.raises(InputError, match="table complaint_outcomes") as info:
        prose.search(r"Fully Justified (\d+%)", table="complaint_outcomes", what="the outcome")
    assert "inline.txt" in str(info.value)


# --- reading files ---------------------------------------------------------------------------


def test_read_raw_text_numbers_lines_from_one(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("first\n\tQ1\tQ2\n£43,230", encoding="utf-8")
    doc = read_raw_text(path, label="raw/r.txt")
    assert doc.label == "raw/r.txt"
    assert [line.number for line in doc.lines] == [1, 2, 3]
    assert doc.lines[2].text == "£43,230"
    assert doc.lines[1].cells == ["", "Q1", "Q2"]


def test_read_raw_text_rejects_windows_1252(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes("one\ntwo\npaid £43,230\n".encode("cp1252"))
    with pytest.raises(InputError) as info:
        read_raw_text(path, label="raw/r.txt")
    message = str(info.value)
    assert "raw/r.txt" in message and "line 3" in message and "UTF-8" in message
    assert info.value.line == 3


def test_read_raw_text_rejects_binary(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(b"text\x00more")
    with pytest.raises(InputError, match="binary"):
        read_raw_text(path)


def test_read_raw_text_rejects_blank_file(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(" \n\n \n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_raw_text(path)
