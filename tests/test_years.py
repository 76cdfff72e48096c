"""Reporting years: strict parsing at the edge, and arithmetic between years."""

from __future__ import annotations

import pytest

from complaints.years import ReportingYear


@pytest.mark.parametrize(
    ("text", "start"), [("2022-23", 2022), ("1999-00", 1999), ("2009-10", 2009)]
)
def test_parse_good(text, start):
    year = ReportingYear.parse(text)
    assert year.start == start
    assert str(year) == text


@pytest.mark.parametrize(
    "text", ["2022", "22-23", "2022-24", "2022/23", "abc", "", "2022-2023", "2022-22", "1999-99"]
)
def test_parse_bad(text):
    with pytest.raises(ValueError, match="malformed") as info:
        ReportingYear.parse(text)
    assert repr(text) in str(info.value)
    assert "YYYY-YY" in str(info.value) or "the year after" in str(info.value)


def test_parse_bad_second_part_suggests_the_right_year():
    with pytest.raises(ValueError, match="2022-23"):
        ReportingYear.parse("2022-24")


@pytest.mark.parametrize(
    ("text", "previous"),
    [("2022-23", "2021-22"), ("2000-01", "1999-00"), ("1999-00", "1998-99")],
)
def test_previous(text, previous):
    assert str(ReportingYear.parse(text).previous()) == previous


def test_previous_n_years():
    year = ReportingYear.parse("2022-23")
    assert str(year.previous(2)) == "2020-21"
    assert str(year.previous(4)) == "2018-19"
    assert year.previous(0) == year


def test_years_order_and_compare_by_value():
    years = [ReportingYear.parse(t) for t in ("2022-23", "1999-00", "2021-22")]
    assert [str(y) for y in sorted(years)] == ["1999-00", "2021-22", "2022-23"]
    assert ReportingYear.parse("2022-23") == ReportingYear.from_label("2022/23")
    assert len({ReportingYear.parse("2022-23"), ReportingYear.parse("2022-23")}) == 1
