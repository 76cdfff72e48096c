"""Every table of the annual report, rebuilt from the clean tables as the report shows it.

Each table's card names its layout (``cards.Layout``): the function of this module that turns
the tidy clean table into the published layout, figures rendered as printed (``9``, ``0/1``,
``18%``, ``5 with 1 upheld``, ``£43,230``); every cell is computed from the clean data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pandas as pd
from pandas.io.formats.style import Styler

from complaints import cards
from complaints.outputs.disclosure import LEGEND, suppressed_mask
from complaints.outputs.html import html_table, render_html
from complaints.words import SUPPRESSED, format_lines, format_number, format_value, is_missing
from complaints.years import ReportingYear

#: Publisher named in every source line.
PUBLISHER = "Dorset Council Annual Complaints Report"
#: What the data-quality notes say when the validation step has not written any.
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


def format_lgsco(approaches: object, upheld: object) -> str:
    """The statutory tables' LGSCO phrase: ``5 with 1 upheld`` or ``4 none upheld``."""
    if is_missing(approaches):
        return ""
    if is_missing(upheld):
        return format_number(approaches)
    if upheld != SUPPRESSED and float(upheld) == 0:
        return f"{format_number(approaches)} none upheld"
    return f"{format_number(approaches)} with {format_number(upheld)} upheld"


def years_newest_first(frame: pd.DataFrame) -> list[str]:
    """The distinct years of a clean table, newest first (the report's column order)."""
    years = {str(y) for y in frame["year"].dropna()}
    return sorted(years, key=lambda y: ReportingYear.from_label(y).start, reverse=True)


def period_key(period: str) -> tuple[int, str]:
    """Sort key for periods: Q1..Q4, then the year's Total."""
    text = str(period)
    return (int(text[1:]), text) if text[:1].upper() == "Q" and text[1:].isdigit() else (99, text)


def source_note(frame: pd.DataFrame, year: ReportingYear | str) -> str:
    """``Source: Dorset Council Annual Complaints Report 2022-23, <file>:<lines>``: the clean
    rows' ``report_year``, ``source_file`` and lines (``source_line`` to ``source_line_end``).
    Lines at most 5 apart join one span (a table's header rows and page footers do not break it).
    """
    report_years = sorted({str(y) for y in frame.get("report_year", pd.Series()).dropna()})
    note = f"Source: {PUBLISHER} {', '.join(report_years) or year}"
    if frame.empty or "source_file" not in frame:
        return note
    places = []
    for source_file, rows in frame.groupby("source_file", sort=True):
        ends = rows.get("source_line_end", rows["source_line"]).fillna(rows["source_line"])
        pairs = zip(rows["source_line"], ends, strict=True)
        lines = sorted({n for a, b in pairs for n in range(int(a), int(b) + 1)})
        gaps = {n for a, b in pairwise(lines) if b - a <= 5 for n in range(a, b)}
        places.append(f"{source_file}:{format_lines(gaps.union(lines))}")
    return f"{note}, {'; '.join(places)}"


# Builders ---------------------------------------------------------------------------------------
def _figure(cells: pd.DataFrame, measure: str | None = None) -> object:
    """The figure as shown (``c`` where suppressed) of the first of ``cells`` (of ``measure``,
    if given); ``None`` if none."""
    rows = cells if measure is None else cells[cells["measure"].astype(str) == measure]
    return rows["shown"].iloc[0] if len(rows) else None


def _printed(cells: pd.DataFrame) -> str:
    """The first row's figure as printed in its unit (empty when there is no row)."""
    return format_value(_figure(cells), str(cells["unit"].iloc[0])) if len(cells) else ""


def _fraction(cells: pd.DataFrame) -> str:
    upheld, received = _figure(cells, "ombudsman_upheld"), _figure(cells, "ombudsman_received")
    both = upheld is None and received is None
    return "" if both else f"{format_number(upheld)}/{format_number(received)}"


def _lgsco(cells: pd.DataFrame) -> str:
    return format_lgsco(_figure(cells, "lgsco_approaches"), _figure(cells, "lgsco_upheld"))


def _on_time(cells: pd.DataFrame) -> str:
    """``45 of 50 on time (90%); 2 open``: the timeliness table's measures in one cell."""
    on_time, responses = _figure(cells, "on_time"), _figure(cells, "responses")
    if responses is None:
        return ""
    if responses == 0:
        return "no responses"
    share = format_value(_figure(cells, "on_time_pct"), "percent")
    text = f"{format_number(on_time)} of {format_number(responses)} on time ({share})"
    still_open = _figure(cells, "open")
    return text if still_open in (None, 0) else f"{text}; {format_number(still_open)} open"


def _printer(group: pd.DataFrame) -> Callable[[pd.DataFrame], str]:
    """How a row's cells print: Ombudsman ``upheld/received``, LGSCO phrases and responses on
    time join measures in one cell; any other figure prints in its unit."""
    measures = set(group["measure"].astype(str)) if "measure" in group else set()
    if {"ombudsman_upheld", "ombudsman_received"} <= measures:
        return _fraction
    if {"on_time", "responses"} <= measures:
        return _on_time
    return _lgsco if "lgsco_approaches" in measures else _printed


def _text_frame(rows: list[dict[str, str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object).fillna("").astype(str)


def grid(
    clean: pd.DataFrame,
    *,
    heading: str = "",
    key: str = "label",
    section: str | None = None,
    column: str = "year",
) -> pd.DataFrame:
    """One row per ``key`` (label, outcome...) under ``heading``, in the order printed; one
    column per year, newest first, or per ``period`` (Q1-Q4, then Totals); with ``section``
    (equality's characteristic, a case table's service), each section's name is a heading row
    above its rows."""
    if column == "year":
        columns = {y: y for y in years_newest_first(clean)}
    else:
        periods = sorted({str(p) for p in clean[column].dropna()}, key=period_key)
        columns = {p: TOTALS_HEADING if period_key(p)[0] == 99 else p for p in periods}
    rows = []
    for name, part in clean.groupby(section, sort=False) if section else [(None, clean)]:
        rows += [{heading: str(name)}] if section else []
        for label, group in part.groupby(key, sort=False):
            cell, by = _printer(group), dict(list(group.groupby(column)))
            cells = {h: cell(by.get(c, group.iloc[:0])) for c, h in columns.items()}
            rows.append({heading: str(label), **cells})
    return _text_frame(rows, [heading, *columns.values()])


def two_columns(clean: pd.DataFrame, *, key: str, headings: tuple[str, str]) -> pd.DataFrame:
    """A label column (``key``) and a value column, headed ``headings``, in the order printed
    (periods: Q1-Q4, then the year; ties keep their clean order)."""
    if key == "period":
        clean = clean.sort_values("period", kind="stable", key=lambda s: s.map(period_key))
    pairs = zip(clean[key].astype(str), clean["shown"], clean["unit"], strict=True)
    rows = [{headings[0]: k, headings[1]: format_value(v, unit)} for k, v, unit in pairs]
    return _text_frame(rows, list(headings))


def learning(clean: pd.DataFrame) -> pd.DataFrame:
    """The learning table; without its Case ID column when no row has one (the public edition
    removes them)."""
    columns = {
        "case_id": "Case ID",
        "learned": "What we have learned from Complaints",
        "action": "What we have done as a result to improve practice",
    }
    if len(clean) and clean["case_id"].isna().all():
        del columns["case_id"]
    records = clean[list(columns)].rename(columns=columns).to_dict("records")
    return _text_frame(records, list(columns.values()))


def report_table_ids() -> list[str]:
    """The report tables, in the report's order: the cards with a layout."""
    return [card.id for card in cards.CARDS.values() if card.layout is not None]


def build_report_tables(
    tables: Mapping[str, pd.DataFrame], year: ReportingYear | str
) -> dict[str, ReportTable]:
    """Every published table ``tables`` supports, keyed by id, in the report's order, each laid
    out by the function its card's layout names (the inputs are not modified)."""
    year, built = ReportingYear.parse(str(year)), {}
    for t in (t for t in report_table_ids() if t in tables):
        card, clean, hidden = cards.CARDS[t], tables[t], suppressed_mask(tables[t])
        values = (
            clean["value"].astype(object).mask(hidden, SUPPRESSED) if "value" in clean else None
        )
        shown = clean.assign(shown=values)  # each figure as shown: c where suppressed
        frame = globals()[card.layout.builder](shown, **card.layout.options)
        built[t] = ReportTable(t, card.title, frame, source_note(clean, year), int(hidden.sum()))
    return built


def write_report_tables(
    report_tables: Mapping[str, ReportTable], tables_dir: Path | str
) -> dict[str, Path]:
    """Write ``<tables_dir>/<table_id>.csv`` for every table, and ``tables.json`` listing them
    (id, caption, source, file). Same input, byte-identical files."""
    tables_dir = Path(tables_dir)
    tables_dir.mkdir(parents=True, exist_ok=True)
    written = {t: tables_dir / f"{t}.csv" for t in report_tables}
    for table_id, t in report_tables.items():
        t.frame.to_csv(written[table_id], index=False, lineterminator="\n", encoding="utf-8")
    listing = [
        {"id": i, "caption": t.caption, "source": t.source, "file": f"{i}.csv"}
        for i, t in report_tables.items()
    ]
    text = json.dumps(listing, indent=2, ensure_ascii=False) + "\n"
    (tables_dir / "tables.json").write_text(text, encoding="utf-8")
    return written


# Data-quality notes and HTML --------------------------------------------------------------------
def style_table(table: ReportTable, notes: pd.DataFrame | None = None) -> Styler:
    """The table as HTML: caption, source, its data-quality notes (``severity: message``);
    every text from the data escaped."""
    mine = None if notes is None else notes[notes["table_id"].astype(str) == table.id]
    lines = None if mine is None else (mine["severity"] + ": " + mine["message"]).tolist()
    caption = render_html(
        "caption.html.j2", table=table, notes=lines, legend=LEGEND, not_validated=NOT_VALIDATED
    )
    return html_table(table.frame, table.id.replace("_", "-"), caption)
