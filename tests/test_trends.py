"""Trends for analysts: every year held, each figure from the right report, derived series
computed, charts whose titles follow the data, and later years never changing earlier ones."""

from __future__ import annotations

import nbformat
import pandas as pd
import papermill
import pytest
from support import fill_workbook

from complaints.inputs.clean import build_clean
from complaints.inputs.workbook import scaffold
from complaints.outputs.trends import draw_trend_charts, headline_series, wide
from complaints.years import ReportingYear

Y2223 = ReportingYear.parse("2022-23")
Y2324 = ReportingYear.parse("2023-24")


@pytest.fixture
def clean_root(tmp_path, raw_copy):
    root = tmp_path / "clean"
    build_clean(Y2223, raw_copy, root)
    return root


def pick(series: pd.DataFrame, series_id: str, year: str) -> pd.Series:
    rows = series[(series["series"] == series_id) & (series["year"] == year)]
    assert len(rows) == 1, (series_id, year)
    return rows.iloc[0]


def test_every_year_held_with_its_source(clean_root):
    series = headline_series(Y2223, clean_root)
    formal = series[series["series"] == "social_care_formal"]
    assert list(formal["year"]) == ["2020-21", "2021-22", "2022-23"]
    assert list(formal["value"]) == [51, 29, 34]
    assert pick(series, "social_care_formal", "2021-22")["source"].endswith(
        "dorset-childrens-complaints-2022-23.txt:77"
    )
    in_care = series[series["series"] == "children_in_care"]
    assert list(in_care["year"]) == ["2018-19", "2019-20", "2020-21", "2021-22", "2022-23"]
    assert pick(series, "social_care_compliments", "2022-23")["value"] == 44
    assert pick(series, "stage1_within_20_days", "2020-21")["value"] == 78


def test_derived_series_are_computed_from_their_parts(clean_root):
    series = headline_series(Y2223, clean_root)
    assert pick(series, "social_care_total", "2022-23")["value"] == 106 + 34
    assert pick(series, "social_care_ombudsman_upheld_rate", "2022-23")["value"] == 20.0
    assert pick(series, "whole_authority_ombudsman_upheld_rate", "2020-21")["value"] == 60.0
    table = wide(series)
    assert list(table.columns) == ["Series", "2018-19", "2019-20", "2020-21", "2021-22", "2022-23"]


def test_a_later_year_joins_the_trends_without_changing_earlier_ones(clean_root, raw_copy, tables):
    from openpyxl import load_workbook

    before = headline_series(Y2223, clean_root)
    workbook = scaffold(Y2324, tables, raw_root=raw_copy)
    typed = fill_workbook(workbook, seed=5)
    build_clean(Y2324, raw_copy, clean_root)
    pd.testing.assert_frame_equal(headline_series(Y2223, clean_root), before)
    after = headline_series(Y2324, clean_root)
    sheet = load_workbook(workbook)["social_care_quarterly"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "compliments")
    compliments = pick(after, "social_care_compliments", "2023-24")
    assert compliments["value"] == typed[("social_care_quarterly", row, "Total")]
    assert compliments["report_year"] == "2023-24"
    assert pick(after, "social_care_formal", "2021-22")["value"] == 29  # still from 2022-23


def test_chart_titles_state_the_finding_from_the_data(clean_root, tmp_path):
    series = headline_series(Y2223, clean_root)
    charts = {c.id: c for c in draw_trend_charts(series, tmp_path / "a")}
    assert charts["trend_children_in_care"].title == (
        "Complaints from children in care fell from 20 in 2018-19 to 10 in 2022-23"
    )
    for chart in charts.values():
        assert chart.png.read_bytes()[:4] == b"\x89PNG" and chart.svg.stat().st_size > 1000
        assert chart.alt_text.startswith("Line chart")
    changed = series.copy()
    changed.loc[
        (changed["series"] == "children_in_care") & (changed["year"] == "2022-23"), "value"
    ] = 25
    again = {c.id: c for c in draw_trend_charts(changed, tmp_path / "b")}
    assert again["trend_children_in_care"].title == (
        "Complaints from children in care rose from 20 in 2018-19 to 25 in 2022-23"
    )


@pytest.mark.slow
def test_the_trends_notebook_runs_under_papermill(clean_root, raw_copy, tmp_path):
    out = tmp_path / "out"
    papermill.execute_notebook(
        "notebooks/04_trends.ipynb",
        str(tmp_path / "executed.ipynb"),
        parameters={"year": "2022-23", "clean_root": str(clean_root), "output_dir": str(out)},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path.parent),
    )
    assert (out / "trends" / "headline_series.csv").is_file()
    assert len(list((out / "trends").glob("*.png"))) == 6
    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    assert executed.metadata["papermill"]["parameters"]["year"] == "2022-23"
