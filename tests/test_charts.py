"""The report's charts: files, computed titles, accessibility and reproducibility."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from complaints import cards
from complaints.outputs.charts import (
    chart_html,
    check_contrast,
    draw_all_charts,
    draw_chart,
    palette,
)

SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SOURCE_PREFIX = (
    "Source: Dorset Council Annual Complaints Report 2022-23, "
    "data/raw/2022-23/dorset-childrens-complaints-2022-23.txt:"
)

pytestmark = pytest.mark.slow  # draws and saves every chart
#: The charts of the tables the report text gives (the 2022-23 report's; the case extract's are
#: tested in test_case_tables.py).
TEXT_CHARTS = [c.id for t in cards.for_route("report text") for c in cards.CARDS[t].charts]
WHITE = "#FFFFFF"
# The afcharts style's axis line, tick and grid grey: decoration, not information (WCAG 2.2
# SC 1.4.11 asks 3:1 of graphics needed to understand the content; the values are labelled).
AXIS_GREY = "#CCCCCC"

#: The charts the report needs (issue 4), by id.
REQUIRED = [
    "social_care_complaints_by_quarter",  # complaints per quarter, formal and informal
    "non_social_care_complaints_by_quarter",  # ... both services
    "ombudsman_by_quarter",  # Ombudsman decisions received and upheld by quarter
    "statutory_social_care",  # statutory stages over three years
    "stage1_timescales",  # stage 1 timescales over three years
    "complainant_groups",
    "complaint_themes",
    "complaint_outcomes",  # this year against last
    "children_in_care_by_year",  # five years
    "equality_monitoring",  # year on year
]


#: Every chart, in the report's order (the order of charts.json and of the report's sections).
REPORT_ORDER = [
    "social_care_complaints_by_quarter",
    "non_social_care_complaints_by_quarter",
    "ombudsman_by_quarter",
    "statutory_social_care",
    "statutory_whole_authority",
    "complainant_groups",
    "complaint_themes",
    "complaint_outcomes",
    "children_in_care_by_year",
    "children_in_care_by_quarter",
    "stage1_timescales",
    "equality_monitoring",
]


def luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance, computed here independently of the package."""
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str = WHITE) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def copy_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {k: v.copy() for k, v in tables.items()}


@pytest.fixture(scope="module")
def drawn(tables, year, tmp_path_factory):
    before = copy_tables(tables)
    folder = tmp_path_factory.mktemp("charts")
    charts = draw_all_charts(tables, year, folder)
    return {"charts": {c.id: c for c in charts}, "dir": folder, "before": before}


def test_every_required_chart_is_drawn(drawn):
    assert set(REQUIRED) <= set(drawn["charts"])
    assert list(drawn["charts"]) == TEXT_CHARTS == REPORT_ORDER


def test_inputs_are_not_modified(drawn, tables):
    for table_id, frame in tables.items():
        pd.testing.assert_frame_equal(frame, drawn["before"][table_id])


@pytest.mark.parametrize("chart_id", TEXT_CHARTS)
def test_png_is_a_valid_image_without_software_or_date(drawn, chart_id):
    chart = drawn["charts"][chart_id]
    assert chart.png == drawn["dir"] / f"{chart_id}.png"
    data = chart.png.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 5_000
    with Image.open(chart.png) as image:
        image.verify()
    with Image.open(chart.png) as image:
        width, height = image.size
        assert width >= 600 and height >= 300
        assert "Software" not in image.info
        assert not any("date" in key.lower() or "time" in key.lower() for key in image.info)
        assert image.info.get("Title") == chart.title
        assert image.info.get("Description") == chart.alt_text


@pytest.mark.parametrize("chart_id", TEXT_CHARTS)
def test_svg_is_valid_and_describes_itself(drawn, chart_id):
    chart = drawn["charts"][chart_id]
    assert chart.svg == drawn["dir"] / f"{chart_id}.svg"
    text = chart.svg.read_text(encoding="utf-8")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG_NS}title").text == chart.title
    assert root.find(f"{SVG_NS}desc").text == chart.alt_text
    assert "<dc:date>" not in text and "Matplotlib" not in text
    # The source line is drawn as text, built from the clean data's provenance.
    assert chart.source.startswith(SOURCE_PREFIX)
    drawn_text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG_NS}text"))
    assert chart.source in drawn_text


@pytest.mark.parametrize("chart_id", TEXT_CHARTS)
def test_alt_text_states_the_finding_and_the_figures(drawn, chart_id):
    chart = drawn["charts"][chart_id]
    assert chart.title in chart.alt_text
    assert len(re.findall(r"\d+%?", chart.alt_text)) >= 4


def test_listing_for_the_index_page(drawn):
    listing = json.loads((drawn["dir"] / "charts.json").read_text(encoding="utf-8"))
    charts = drawn["charts"]
    assert [entry["id"] for entry in listing] == list(charts)
    for entry in listing:
        assert entry["title"] == charts[entry["id"]].title
        assert entry["alt_text"] == charts[entry["id"]].alt_text
        assert (drawn["dir"] / entry["png"]).is_file() and (drawn["dir"] / entry["svg"]).is_file()


def test_titles_for_2022_23(drawn):
    titles = {k: c.title for k, c in drawn["charts"].items()}
    assert titles["social_care_complaints_by_quarter"] == (
        "Children's Social Care received more informal than formal complaints in every quarter "
        "of 2022-23, and the most in Q3"
    )
    assert titles["ombudsman_by_quarter"] == (
        "In 2022-23 the Ombudsman upheld 1 of 5 approaches about Children's Social Care and 16 "
        "of 35 approaches about Children's Non Social Care"
    )
    assert titles["stage1_timescales"] == (
        "85% of Children's Social Care Stage 1 complaints were answered in 0-20 working days in "
        "2022-23, up from 77% in 2021-22"
    )


# Titles follow the data ---------------------------------------------------------------------

#: chart id, table, row to change, new value, words the new title must contain
PERTURBATIONS = [
    (
        "social_care_complaints_by_quarter",
        "social_care_quarterly",
        {"measure": "informal_complaints", "period": "Q1"},
        60,
        "the most in Q1",
    ),
    (
        "non_social_care_complaints_by_quarter",
        "non_social_care_quarterly",
        {"measure": "informal_complaints", "period": "Q2"},
        45,
        "formal and informal together, peaked in Q1",
    ),
    (
        "ombudsman_by_quarter",
        "non_social_care_quarterly",
        {"measure": "ombudsman_upheld", "period": "Total"},
        20,
        "20 of 35 approaches about Children's Non Social Care",
    ),
    (
        "statutory_social_care",
        "statutory_social_care",
        {"measure": "representations", "year": "2022-23"},
        80,
        "Representations fell every year, from 131 in 2020-21 to 80 in 2022-23",
    ),
    (
        "statutory_whole_authority",
        "statutory_whole_authority",
        {"measure": "formal_complaints", "year": "2021-22"},
        200,
        "Formal Complaint fell from 200 to 180",
    ),
    (
        "complainant_groups",
        "complainant_groups",
        {"group": "Customer"},
        90,
        "Customer was the largest group",
    ),
    (
        "complaint_themes",
        "complaint_themes",
        {"theme": "Communication"},
        80,
        "Communication was the theme of 80%",
    ),
    (
        "complaint_outcomes",
        "complaint_outcomes",
        {"outcome": "Fully Justified", "year": "2022-23"},
        5,
        "fully justified or not justified fell",
    ),
    (
        "children_in_care_by_year",
        "children_in_care_by_year",
        {"year": "2022-23"},
        25,
        "the most in the 5 years shown",
    ),
    (
        "children_in_care_by_quarter",
        "children_in_care_by_quarter",
        {"period": "Q2"},
        9,
        "peaked in Q2",
    ),
    (
        "stage1_timescales",
        "stage1_timescales",
        {"band": "0_20_working_days", "year": "2022-23"},
        70,
        "down from 77% in 2021-22",
    ),
    (
        "equality_monitoring",
        "equality_monitoring",
        {"characteristic": "Gender", "group": "Male", "year": "2022-23"},
        5,
        "gender group Male, down from 37%",
    ),
]


def test_every_chart_has_a_perturbation():
    assert sorted(p[0] for p in PERTURBATIONS) == sorted(TEXT_CHARTS)


@pytest.mark.parametrize(
    ("chart_id", "table_id", "match", "value", "expected"),
    PERTURBATIONS,
    ids=[p[0] for p in PERTURBATIONS],
)
def test_title_and_alt_text_follow_the_data(
    drawn, tables, year, tmp_path, chart_id, table_id, match, value, expected
):
    original = drawn["charts"][chart_id]
    assert expected not in original.title
    changed = copy_tables(tables)
    frame = changed[table_id]
    mask = pd.Series(True, index=frame.index)
    for column, wanted in match.items():
        mask &= frame[column] == wanted
    assert mask.sum() == 1, f"{table_id}: {match} must pick one row"
    frame.loc[mask, "value"] = value
    chart = draw_chart(changed, chart_id, year, tmp_path)
    assert chart.title != original.title
    assert expected in chart.title
    assert chart.alt_text != original.alt_text
    assert chart.title in chart.alt_text


# Accessibility: contrast ----------------------------------------------------------------------


@pytest.mark.parametrize("chart_id", TEXT_CHARTS)
def test_colours_have_3_to_1_contrast_against_white(drawn, chart_id):
    chart = drawn["charts"][chart_id]
    assert chart.colours
    for colour in chart.colours:
        assert contrast(colour) >= 3.0, f"{chart_id}: {colour} has {contrast(colour):.2f}:1"


@pytest.mark.parametrize("chart_id", TEXT_CHARTS)
def test_every_colour_drawn_in_the_svg_has_enough_contrast(drawn, chart_id):
    chart = drawn["charts"][chart_id]
    svg = chart.svg.read_text(encoding="utf-8")
    # Fills in style attributes, and in fill attributes (the hatch patterns' backgrounds).
    fills = {f.upper() for f in re.findall(r"fill(?::\s*|=\")(#[0-9a-fA-F]{6})", svg)}
    for colour in chart.colours:
        assert colour.upper() in fills, f"{chart_id}: {colour} is not drawn"
    for colour in fills - {WHITE, AXIS_GREY}:
        assert contrast(colour) >= 3.0, f"{chart_id}: {colour} has {contrast(colour):.2f}:1"
    # Text needs 4.5:1.
    root = ET.fromstring(svg.encode("utf-8"))
    for element in root.iter(f"{SVG_NS}text"):
        match = re.search(r"fill:\s*(#[0-9a-fA-F]{6})", element.get("style", ""))
        if match:
            assert contrast(match.group(1)) >= 4.5, f"{chart_id}: text in {match.group(1)}"


@pytest.mark.parametrize("n", range(1, 7))
def test_palette_colours_pass_contrast(n):
    colours = palette(n)
    assert len(colours) == n
    assert all(contrast(c) >= 3.0 for c in colours)


def test_check_contrast_rejects_a_pale_colour():
    with pytest.raises(ValueError, match="#BFBFBF"):
        check_contrast(["#12436D", "#BFBFBF"])


def test_series_are_told_apart_without_colour(drawn):
    """Charts with several series hatch all but the first, so colour is never the only cue."""
    for chart_id in ("social_care_complaints_by_quarter", "complaint_outcomes"):
        svg = drawn["charts"][chart_id].svg.read_text(encoding="utf-8")
        assert "<pattern" in svg and "url(#" in svg, chart_id


# Reproducibility and HTML ---------------------------------------------------------------------


def test_two_runs_give_byte_identical_files(drawn, tables, year, tmp_path):
    again = {c.id: c for c in draw_all_charts(tables, year, tmp_path)}
    for chart_id, chart in drawn["charts"].items():
        assert chart.png.read_bytes() == again[chart_id].png.read_bytes(), f"{chart_id}.png"
        assert chart.svg.read_bytes() == again[chart_id].svg.read_bytes(), f"{chart_id}.svg"
    assert (drawn["dir"] / "charts.json").read_bytes() == (tmp_path / "charts.json").read_bytes()


def test_chart_html_embeds_the_png_and_escapes_text(drawn):
    chart = drawn["charts"]["complaint_themes"]
    hostile = dataclasses.replace(chart, alt_text='<script>alert(1)</script>" onload="x')
    html = chart_html(hostile)
    assert "<script" not in html
    assert 'alt="&lt;script&gt;alert(1)&lt;/script&gt;&#34; onload=&#34;x"' in html
    assert 'src="data:image/png;base64,iVBORw0KGgo' in html
    assert chart.title.replace("'", "&#39;") in html


def test_files_land_in_the_charts_dir(drawn):
    names = sorted(p.name for p in Path(drawn["dir"]).iterdir())
    ids = TEXT_CHARTS
    expected = sorted([f"{c}.png" for c in ids] + [f"{c}.svg" for c in ids] + ["charts.json"])
    assert names == expected


# The public edition: a suppressed figure ------------------------------------------------------


@pytest.mark.parametrize(
    ("chart_id", "table_id", "match"),
    [p[:3] for p in PERTURBATIONS],
    ids=[p[0] for p in PERTURBATIONS],
)
def test_a_suppressed_figure_is_labelled_c_and_kept_out_of_the_title(
    drawn, tables, year, tmp_path, chart_id, table_id, match
):
    from complaints.outputs.disclosure import LEGEND

    changed = copy_tables(tables)
    frame = changed[table_id]
    mask = pd.Series(True, index=frame.index)
    for column, wanted in match.items():
        mask &= frame[column] == wanted
    hidden = frame.loc[mask, "value"].item()
    frame.loc[mask, "value"] = pd.NA
    frame.loc[mask, "source_text"] = "c"
    chart = draw_chart(changed, chart_id, year, tmp_path)
    # A bar's figure is c in the text alternative, explained at its end; a total that is not
    # a bar (the Ombudsman's) is said to be suppressed in the title.
    shows_c = re.search(r"(?<![\w'])c(?![\w'])", chart.alt_text.replace(LEGEND, ""))
    assert shows_c or "suppressed" in chart.title
    assert chart.alt_text.endswith(LEGEND) == bool(shows_c)
    assert chart.title in chart.alt_text
    figure = re.compile(rf"(?<![\d.]){re.escape(f'{hidden:g}')}(?![\d.])")
    if figure.search(drawn["charts"][chart_id].title):
        assert chart.title != drawn["charts"][chart_id].title
    svg = ET.fromstring(chart.svg.read_bytes())
    labels = ["".join(t.itertext()).strip() for t in svg.iter(f"{SVG_NS}text")]
    assert ("c" in labels) == bool(shows_c)
