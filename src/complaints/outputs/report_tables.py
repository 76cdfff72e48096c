"""Every table of the annual report, rebuilt from the clean tables as the report shows it.

Each table's card names its layout (``cards.Layout``): the function of this module, called with
the clean table and the layout's options, that turns the tidy clean table into the published
layout: rows and columns labelled as published (row labels come from the clean data's ``label``
columns; year columns from its ``year`` column), figures rendered as printed (``9``, ``0/1``,
``18%``, ``5 with 1 upheld``, ``£43,230``). No figure is typed here: every cell is computed from
the clean data.

``write_report_tables`` writes one CSV per table (byte-identical for the same input) and
``style_table`` renders a table as an HTML-safe pandas Styler with its caption, source and
data-quality notes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from complaints import cards
from complaints.outputs.disclosure import LEGEND, is_suppressed_row, suppressed_mask
from complaints.outputs.html import render_html
from complaints.words import SUPPRESSED, format_number, format_value
from complaints.years import ReportingYear

#: Publisher named in every source line.
PUBLISHER = "Dorset Council Annual Complaints Report"

#: Columns of the data-quality notes file written by the validation step.
NOT_VALIDATED = "validation has not been run for this output folder"

#: Column heading of the quarterly tables' "Total" period, as published.
TOTALS_HEADING = "Totals"


@dataclass(frozen=True)
class ReportTable:
    """One published table: its id, caption, the table as published and where it comes from
    (``suppressed``: how many of its figures the public edition prints as ``c``)."""

    id: str
    caption: str
    frame: pd.DataFrame
    source: str
    suppressed: int = 0


# Formatting -------------------------------------------------------------------------------------


def format_lgsco(approaches: object, upheld: object) -> str:
    """The statutory tables' LGSCO phrase: ``5 with 1 upheld`` or ``4 none upheld``."""
    if approaches is None or (not isinstance(approaches, str) and pd.isna(approaches)):
        return ""
    if isinstance(upheld, str) and upheld == SUPPRESSED:
        return f"{format_number(approaches)} with {SUPPRESSED} upheld"
    if upheld is None or pd.isna(upheld):
        return format_number(approaches)
    if float(upheld) == 0:
        return f"{format_number(approaches)} none upheld"
    return f"{format_number(approaches)} with {format_number(upheld)} upheld"


# Ordering helpers -------------------------------------------------------------------------------


def _year_key(label: str) -> int:
    return ReportingYear.from_label(label).start


def years_newest_first(frame: pd.DataFrame) -> list[str]:
    """The distinct years of a clean table, newest first (the report's column order)."""
    return sorted({str(y) for y in frame["year"].dropna()}, key=_year_key, reverse=True)


def period_key(period: str) -> tuple[int, str]:
    """Sort key for periods: Q1..Q4, then the year's Total."""
    text = str(period)
    if text.upper().startswith("Q") and text[1:].isdigit():
        return (int(text[1:]), text)
    return (99, text)


def _in_source_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order they were printed (stable, so ties keep their clean order)."""
    return frame.sort_values("source_line", kind="stable")


def _cell(group: pd.DataFrame, **match: str) -> pd.DataFrame:
    """The rows whose columns, as text, equal ``match`` (a missing value matches nothing).

    Compared value by value in Python: the groups are a few rows, where pandas' string
    conversion would cost more than the comparison (this is called once per table cell)."""
    keep = np.ones(len(group), dtype=bool)
    for column, value in match.items():
        keep &= [not _missing(v) and str(v) == value for v in group[column].to_numpy()]
    return group[keep]


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _first(rows: pd.DataFrame, column: str = "value") -> object:
    """The first row's ``column``; for ``value``, ``c`` if the public edition suppressed it."""
    if not len(rows):
        return None
    if column == "value":
        return _shown(rows.iloc[0])
    return rows[column].iloc[0]


def _shown(row: pd.Series) -> object:
    """A clean row's figure, or ``c`` where the public edition suppressed it."""
    return SUPPRESSED if is_suppressed_row(row) else row["value"]


def _text_frame(rows: list[dict[str, str]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return frame.fillna("").astype(str)


# Source lines -----------------------------------------------------------------------------------


def line_spans(lines: list[int], gap: int = 5) -> str:
    """Line numbers as spans: ``18-28`` or ``20, 51``. Lines at most ``gap`` apart join one span
    (a table's header rows and page footers do not break it)."""
    spans: list[list[int]] = []
    for line in sorted(set(lines)):
        if spans and line - spans[-1][1] <= gap:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)


def source_note(frame: pd.DataFrame, year: ReportingYear | str) -> str:
    """``Source: Dorset Council Annual Complaints Report 2022-23, <file>:<lines>``.

    The report year, file and lines are the clean rows' provenance (``report_year``,
    ``source_file``, ``source_line`` and, where present, ``source_line_end``).
    """
    report_years = sorted({str(y) for y in frame.get("report_year", pd.Series()).dropna()})
    report_year = ", ".join(report_years) if report_years else str(year)
    if frame.empty or "source_file" not in frame:
        return f"Source: {PUBLISHER} {report_year}"
    places = []
    for source_file, rows in frame.groupby("source_file", sort=True):
        lines: list[int] = []
        ends = rows["source_line_end"] if "source_line_end" in rows else [None] * len(rows)
        for first, end in zip(rows["source_line"].tolist(), list(ends), strict=True):
            first = int(first)
            last = first if end is None or pd.isna(end) else int(end)
            lines.extend(range(first, last + 1))
        places.append(f"{source_file}:{line_spans(lines)}")
    return f"Source: {PUBLISHER} {report_year}, {'; '.join(places)}"


# Builders ---------------------------------------------------------------------------------------

#: Measures printed together in one cell as ``upheld/received``.
_FRACTION_MEASURES = ("ombudsman_upheld", "ombudsman_received")


def quarterly(clean: pd.DataFrame) -> pd.DataFrame:
    """Quarterly performance: one row per published label, Q1-Q4 and Totals as columns."""
    ordered = _in_source_order(clean)
    periods = sorted({str(p) for p in ordered["period"].dropna()}, key=period_key)
    headings = [TOTALS_HEADING if period_key(p)[0] == 99 else p for p in periods]
    columns = ["", *headings]
    body = ordered[ordered["measure"] != "total_complaints"]
    rows = []
    for label, group in body.groupby("label", sort=False):
        row = {"": str(label)}
        measures = set(group["measure"].astype(str))
        for period, heading in zip(periods, headings, strict=True):
            cells = _cell(group, period=period)
            if set(_FRACTION_MEASURES) <= measures:
                upheld, received = (_first(_cell(cells, measure=m)) for m in _FRACTION_MEASURES)
                text = (
                    ""
                    if upheld is None and received is None
                    else f"{format_number(upheld)}/{format_number(received)}"
                )
            else:
                text = _formatted(cells)
            row[heading] = text
        rows.append(row)
    # The figure stated under the table ("Total Complaints = N"): a last row, in the Totals column.
    for _, fact in ordered[ordered["measure"] == "total_complaints"].iterrows():
        heading = TOTALS_HEADING if TOTALS_HEADING in columns else columns[-1]
        rows.append({"": str(fact["label"]), heading: format_value(_shown(fact), fact["unit"])})
    return _text_frame(rows, columns)


def _formatted(cells: pd.DataFrame) -> str:
    """The first row's figure as printed in its unit (empty when there is no row)."""
    return format_value(_first(cells), str(_first(cells, "unit")))


def statutory(clean: pd.DataFrame, *, heading: str) -> pd.DataFrame:
    """A statutory table: one row per label under ``heading``, one column per year, newest
    first; the LGSCO row prints approaches and upheld as one phrase."""
    ordered = _in_source_order(clean)
    years = years_newest_first(ordered)
    rows = []
    for label, group in ordered.groupby("label", sort=False):
        row = {heading: str(label)}
        lgsco = "lgsco_approaches" in set(group["measure"].astype(str))
        for year in years:
            cells = _cell(group, year=year)
            row[year] = (
                format_lgsco(
                    _first(_cell(cells, measure="lgsco_approaches")),
                    _first(_cell(cells, measure="lgsco_upheld")),
                )
                if lgsco
                else _formatted(cells)
            )
        rows.append(row)
    return _text_frame(rows, [heading, *years])


def by_year(clean: pd.DataFrame, *, heading: str, key: str) -> pd.DataFrame:
    """One row per ``key`` (label, outcome...) under ``heading``, one column per year, newest
    first."""
    ordered = _in_source_order(clean)
    years = years_newest_first(ordered)
    rows = [
        {heading: str(label), **{y: _formatted(_cell(group, year=y)) for y in years}}
        for label, group in ordered.groupby(key, sort=False)
    ]
    return _text_frame(rows, [heading, *years])


def two_columns(clean: pd.DataFrame, *, key: str, headings: tuple[str, str]) -> pd.DataFrame:
    """A label column (``key``) and a value column, headed ``headings``, in the order printed."""
    return _label_and_value(_in_source_order(clean), key, headings)


def children_in_care_by_quarter(clean: pd.DataFrame) -> pd.DataFrame:
    """Complaints or contacts from children in care, one row per quarter in quarter order."""
    ordered = clean.assign(_key=clean["period"].map(period_key)).sort_values("_key", kind="stable")
    return _label_and_value(
        ordered, "period", ("Quarter", "Complaints or contacts from children in care")
    )


def _label_and_value(ordered: pd.DataFrame, key: str, headings: tuple[str, str]) -> pd.DataFrame:
    rows = [
        {headings[0]: str(r[key]), headings[1]: format_value(_shown(r), r["unit"])}
        for _, r in ordered.iterrows()
    ]
    return _text_frame(rows, list(headings))


def equality(clean: pd.DataFrame) -> pd.DataFrame:
    """Sections (Gender, Sexuality...) as heading rows, then their groups; years as columns."""
    ordered = _in_source_order(clean)
    years = years_newest_first(ordered)
    rows = []
    for characteristic, section in ordered.groupby("characteristic", sort=False):
        rows.append({"": str(characteristic)})
        rows.extend(
            {"": str(group), **{y: _formatted(_cell(cells, year=y)) for y in years}}
            for group, cells in section.groupby("group", sort=False)
        )
    return _text_frame(rows, ["", *years])


_LEARNING_HEADINGS = (
    "Case ID",
    "What we have learned from Complaints",
    "What we have done as a result to improve practice",
)


def learning(clean: pd.DataFrame) -> pd.DataFrame:
    """The learning table; without its Case ID column when no row has one (the public edition
    removes them)."""
    ordered = _in_source_order(clean)
    drop = bool(len(ordered)) and ordered["case_id"].isna().all()
    headings = list(_LEARNING_HEADINGS[1:] if drop else _LEARNING_HEADINGS)
    columns = ["learned", "action"] if drop else ["case_id", "learned", "action"]
    rows = [
        {h: "" if pd.isna(r[c]) else str(r[c]) for h, c in zip(headings, columns, strict=True)}
        for _, r in ordered.iterrows()
    ]
    return _text_frame(rows, headings)


def report_table_ids() -> list[str]:
    """The report tables, in the report's order: the cards with a layout."""
    return [card.id for card in cards.CARDS.values() if card.layout is not None]


def build_report_table(
    tables: Mapping[str, pd.DataFrame], table_id: str, year: ReportingYear | str
) -> ReportTable:
    """One published table from the clean table of the same id, laid out by the function its
    card's layout names (the input is not modified)."""
    card = cards.CARDS[table_id]
    clean = tables[table_id].copy()
    layout = globals()[card.layout.builder]
    return ReportTable(
        id=table_id,
        caption=card.title,
        frame=layout(clean, **card.layout.options),
        source=source_note(clean, year),
        suppressed=int(suppressed_mask(clean).sum()),
    )


def build_report_tables(
    tables: Mapping[str, pd.DataFrame], year: ReportingYear | str
) -> dict[str, ReportTable]:
    """Every published table, keyed by id, in the report's order."""
    year = ReportingYear.parse(str(year))
    return {t: build_report_table(tables, t, year) for t in report_table_ids()}


def write_report_tables(
    report_tables: Mapping[str, ReportTable], tables_dir: Path | str
) -> dict[str, Path]:
    """Write ``<tables_dir>/<table_id>.csv`` for every table, and ``tables.json`` listing them
    (id, caption, source, file). Same input, byte-identical files."""
    tables_dir = Path(tables_dir)
    tables_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    listing = []
    for table_id, table in report_tables.items():
        path = tables_dir / f"{table_id}.csv"
        table.frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        written[table_id] = path
        listing.append(
            {"id": table_id, "caption": table.caption, "source": table.source, "file": path.name}
        )
    (tables_dir / "tables.json").write_text(
        json.dumps(listing, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return written


# Data-quality notes and HTML --------------------------------------------------------------------


def read_notes(validation_dir: Path | str) -> pd.DataFrame | None:
    """The validation step's data-quality notes (``<validation_dir>/notes.csv``: table_id,
    severity, message), or ``None`` when validation has not been run for this output folder."""
    from complaints.checks.validation import read_quality_notes

    return read_quality_notes(validation_dir)


def notes_status(notes: pd.DataFrame | None) -> str:
    """One plain sentence on the data-quality notes available."""
    if notes is None:
        return f"Data-quality notes: {NOT_VALIDATED}."
    if notes.empty:
        return "Data-quality notes: validation ran and reported nothing."
    return (
        f"Data-quality notes: validation reported {len(notes)} note(s); "
        "each is shown with its table."
    )


def table_notes(table_id: str, notes: pd.DataFrame | None) -> list[str]:
    """The notes about one table, as ``severity: message`` lines."""
    if notes is None or notes.empty:
        return []
    mine = notes[notes["table_id"].astype(str) == table_id]
    return [f"{r['severity']}: {r['message']}" for _, r in mine.iterrows()]


def _caption_html(table: ReportTable, notes: pd.DataFrame | None) -> str:
    lines = None if notes is None else table_notes(table.id, notes)
    return render_html(
        "caption.html.j2", table=table, notes=lines, legend=LEGEND, not_validated=NOT_VALIDATED
    )


def style_table(table: ReportTable, notes: pd.DataFrame | None = None) -> Styler:
    """The table as HTML: caption, source, its data-quality notes; every text from data escaped."""
    styler = Styler(table.frame, uuid=table.id.replace("_", "-"), cell_ids=False)
    styler = (
        styler.format(escape="html", na_rep="")
        .format_index(escape="html", axis=1)
        .hide(axis="index")
        .set_caption(_caption_html(table, notes))
        .set_table_styles(
            [
                {"selector": "caption", "props": "caption-side: top; text-align: left;"},
                {
                    "selector": "td, th",
                    "props": "text-align: left; vertical-align: top; white-space: pre-line;",
                },
            ]
        )
    )
    return styler
