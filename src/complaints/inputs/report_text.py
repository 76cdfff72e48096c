"""Extract every table of the annual report's text (the 2022-23 input) into tidy frames.

Each ``extract_*`` function reads one table of the report, found by its header or by the prose
around it, and returns a frame in the schema of :mod:`complaints.cards`: values as printed,
each row carrying its raw file and line. Problems raise :class:`~complaints.errors.InputError`
naming the file, the table and the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from complaints import cards
from complaints.errors import InputError
from complaints.inputs.rawtext import (
    Prose,
    RawDocument,
    TableRow,
    find_line,
    is_furniture,
    parse_count,
    parse_money,
    parse_percent,
    parse_ratio,
    parse_upheld_phrase,
    read_tab_block,
    strip_markup,
)
from complaints.years import ReportingYear

_YEAR_LABEL = r"\d{4}\s*-\s*\d{2}"


@dataclass(frozen=True)
class Context:
    """What every extractor needs: the document and the year of the report."""

    doc: RawDocument
    year: ReportingYear

    def row(self, raw_line: int, **values: object) -> dict[str, object]:
        """A clean row with its provenance columns filled in."""
        values.setdefault("year", str(self.year))
        return {
            **values,
            "report_year": str(self.year),
            "source_file": self.doc.label,
            "source_line": raw_line,
        }


def _cell_value(ctx: Context, table: str, row: TableRow, column: str, parse: Callable, cell: str):
    try:
        return parse(cell)
    except ValueError as exc:
        raise ctx.doc.error(
            f"column {column!r} of row {row.cells[0] or row.cells[1]!r}: {exc}",
            table=table,
            line=row.line.number,
            hint="correct the figure in the input file",
        ) from None


def _check_width(ctx: Context, table: str, rows: list[TableRow], width: int) -> None:
    for row in rows:
        if len(row.cells) != width:
            raise ctx.doc.error(
                f"row has {len(row.cells)} cells, expected {width}",
                table=table,
                line=row.line.number,
                hint="each row needs one cell per column of the header, separated by tabs",
            )


def _years_in_header(ctx: Context, table: str, header: TableRow, cells: list[str]) -> list[str]:
    try:
        return [str(ReportingYear.from_label(c)) for c in cells]
    except ValueError as exc:
        raise ctx.doc.error(
            str(exc),
            table=table,
            line=header.line.number,
            hint="correct the year in the table's header row",
        ) from None


def _frame(table_id: str, rows: list[dict[str, object]], ctx: Context) -> pd.DataFrame:
    if not rows:
        raise ctx.doc.error("no rows found", table=table_id, hint="is the table missing?")
    _check_unique(ctx, table_id, rows)
    return cards.conform(table_id, pd.DataFrame(rows))


def _check_unique(ctx: Context, table_id: str, rows: list[dict[str, object]]) -> None:
    """Each figure may be printed once: a repeated row (pasted twice, or two rows with labels
    that mean the same) is refused, naming the line of the repeat and of the first."""
    key = cards.CARDS[table_id].keys
    if not key:  # free-text tables: a repeated case id is reported by the validation step
        return
    repeat = cards.repeated_row(rows, key)
    if repeat is not None:
        values, first, line = repeat
        what = ", ".join(f"{k} {v}" for k, v in values.items())
        raise ctx.doc.error(
            f"duplicate row: the figure for {what} is given on line {first} and again on "
            f"line {line}",
            table=table_id,
            line=line,
            hint="remove the repeated row: each figure is printed once",
        )


# -------------------------------------------------------------------------------------------
# Document checks
# -------------------------------------------------------------------------------------------


def _printed_years(ctx: Context) -> set[str]:
    printed = set()
    for raw in ctx.doc.lines:
        if m := re.fullmatch(r"Annual Complaints Report (\d{4}-\d{2})", raw.text.strip()):
            printed.add(m.group(1))
    return printed


def check_report_year(ctx: Context, *, require: bool = True) -> None:
    """The running header names the report's year; it must be the year being processed.

    With ``require=False`` a file without any running header passes (a file cut short before
    the first one is better told by the table that is missing).
    """
    printed = _printed_years(ctx)
    if not printed:
        if not require:
            return
        raise ctx.doc.error(
            "no 'Annual Complaints Report YYYY-YY' running header found "
            f"in the file's {len(ctx.doc.lines)} lines",
            table=None,
            hint="is this the text of an annual complaints report, and is it complete?",
        )
    if printed != {str(ctx.year)}:
        raise ctx.doc.error(
            f"the file is the report for {', '.join(sorted(printed))}, "
            f"but it is being processed as {ctx.year}",
            table=None,
            hint=f"put it under data/raw/{min(printed)}/ or pass the right --year",
        )


# -------------------------------------------------------------------------------------------
# Quarterly performance tables
# -------------------------------------------------------------------------------------------

# Row label (case-insensitive regex) -> (measure ids, parser, unit)
_QUARTERLY_ROWS: list[tuple[str, tuple[str, ...], Callable, str]] = [
    (r"number of formal complaints", ("formal_complaints",), parse_count, "count"),
    (r"number of informal complaints", ("informal_complaints",), parse_count, "count"),
    (
        r"upheld approaches to the lgsco ombudsman compared to total received",
        ("ombudsman_upheld", "ombudsman_received"),
        parse_ratio,
        "count",
    ),
    (r"timescales \(overdue\)", ("overdue_pct",), parse_percent, "percent"),
    (r"% fully justified complaints", ("fully_justified_pct",), parse_percent, "percent"),
    (r"% part justified complaints", ("part_justified_pct",), parse_percent, "percent"),
    (r"compliments", ("compliments",), parse_count, "count"),
    (r"learnings", ("learnings",), parse_count, "count"),
]
_QUARTERLY_HEADER = r"^\s*Q1\tQ2\tQ3\tQ4\tTotals?\s*$"
_CAPTION = re.compile(r"People - Children's - (Non Social Care|Social Care)")
_TOTAL = re.compile(r"Total Complaints\s*=\s*(\d[\d,]*)")


def _quarterly_caption(ctx: Context, after: int) -> tuple[str, int, int, str]:
    """The caption printed after a quarterly table (captions follow their tables):
    returns (service, total complaints, its line number, its text as printed)."""
    service = None
    for raw in ctx.doc.lines[after : after + 8]:
        text = strip_markup(raw.text).strip()
        if m := _CAPTION.search(text):
            service = m.group(1)
        elif (m := _TOTAL.search(text)) and service:
            return service, parse_count(m.group(1)), raw.number, m.group(1)
    last = len(ctx.doc.lines)
    if all(r.is_blank for r in ctx.doc.lines[after:]):
        raise ctx.doc.error(
            f"the file ends (line {last}) in the quarterly table, before its caption "
            "'People - Children's - ... / Total Complaints = N'",
            table="quarterly performance",
            line=after,
            hint="the file was cut short: copy the whole report text again",
        )
    raise ctx.doc.error(
        "no caption 'People - Children's - ... / Total Complaints = N' after the quarterly table",
        table="quarterly performance",
        line=after,
        hint="the caption follows the table in the source",
    )


def extract_quarterly(ctx: Context) -> dict[str, pd.DataFrame]:
    """Both quarterly performance tables, keyed by table id."""
    out: dict[str, pd.DataFrame] = {}
    start = 1
    while True:
        try:
            header_line = find_line(ctx.doc, _QUARTERLY_HEADER, table="quarterly", start=start)
        except InputError:  # no further quarterly table
            break
        block = read_tab_block(ctx.doc, header_line.number)
        header, body = block[0], block[1:]
        service, total, total_line, total_text = _quarterly_caption(ctx, body[-1].line.number)
        table_id = (
            "non_social_care_quarterly" if service.startswith("Non") else "social_care_quarterly"
        )
        if table_id in out:
            raise ctx.doc.error(
                "a second table for the same service", table=table_id, line=header_line.number
            )
        _check_width(ctx, table_id, body, len(header.cells))
        first = header.cells.index("Q1")
        periods = ["Total" if p.startswith("Total") else p for p in header.cells[first:]]
        seen: set[str] = set()
        rows: list[dict[str, object]] = []
        for row in body:
            label = row.cells[first - 1]
            spec = next((s for s in _QUARTERLY_ROWS if re.fullmatch(s[0], label, re.I)), None)
            if spec is None:
                raise ctx.doc.error(
                    f"unknown row label {label!r}",
                    table=table_id,
                    line=row.line.number,
                    hint="expected one of the published rows (formal, informal, Ombudsman, "
                    "timescales, % justified, compliments, learnings)",
                )
            pattern, measures, parse, unit = spec
            seen.add(pattern)
            for period, cell in zip(periods, row.cells[first:], strict=True):
                values = _cell_value(ctx, table_id, row, period, parse, cell)
                values = values if isinstance(values, tuple) else (values,)
                for measure, value in zip(measures, values, strict=True):
                    rows.append(
                        ctx.row(
                            row.line.number,
                            measure=measure,
                            label=label,
                            period=period,
                            value=value,
                            unit=unit,
                            source_text=cell,
                        )
                    )
        missing = [s[0] for s in _QUARTERLY_ROWS if s[0] not in seen]
        if missing:
            raise ctx.doc.error(
                f"rows missing: {', '.join(m.replace(chr(92), '') for m in missing)}",
                table=table_id,
                line=header_line.number,
            )
        rows.append(
            ctx.row(
                total_line,
                measure="total_complaints",
                label="Total Complaints",
                period="Total",
                value=total,
                unit="count",
                source_text=total_text,
            )
        )
        out[table_id] = _frame(table_id, rows, ctx)
        start = total_line + 1
    for table_id in ("social_care_quarterly", "non_social_care_quarterly"):
        if table_id not in out:
            raise ctx.doc.error(
                "table not found (looked for a 'Q1 Q2 Q3 Q4 Totals' header followed by a "
                "'People - Children's - ...' caption)",
                table=table_id,
            )
    return out


# -------------------------------------------------------------------------------------------
# Statutory reporting tables
# -------------------------------------------------------------------------------------------

_STATUTORY_ROWS = {
    "representations": "representations",
    "stage 1": "stage_1",
    "stage 2": "stage_2",
    "stage 3": "stage_3",
    "formal complaint": "formal_complaints",
    "formal complaints": "formal_complaints",
    "lgsco approaches": "lgsco",
}
_STATUTORY_SECTIONS = {
    "children's social care": "statutory_social_care",
    "children's whole authority": "statutory_whole_authority",
}


def extract_statutory(ctx: Context) -> dict[str, pd.DataFrame]:
    """The statutory three-year comparison: Children's Social Care and Whole Authority."""
    header_line = find_line(
        ctx.doc,
        rf"^Children's Social Care\t{_YEAR_LABEL}\t",
        table="statutory_social_care",
        what="the statutory table header 'Children's Social Care <years>'",
    )
    block = read_tab_block(ctx.doc, header_line.number)
    header = block[0]
    _check_width(ctx, "statutory_social_care", block, len(header.cells))
    years = _years_in_header(ctx, "statutory_social_care", header, list(header.cells[1:]))
    rows: dict[str, list[dict[str, object]]] = {t: [] for t in _STATUTORY_SECTIONS.values()}
    table_id = "statutory_social_care"
    for row in block:
        label = row.cells[0]
        if not any(row.cells[1:]):  # a section heading row
            if label.lower() not in _STATUTORY_SECTIONS:
                raise ctx.doc.error(
                    f"unknown section {label!r}", table=table_id, line=row.line.number
                )
            table_id = _STATUTORY_SECTIONS[label.lower()]
            continue
        if row is header:
            continue
        measure = _STATUTORY_ROWS.get(label.lower())
        if measure is None:
            raise ctx.doc.error(
                f"unknown row label {label!r}",
                table=table_id,
                line=row.line.number,
                hint=f"expected one of: {', '.join(sorted(set(_STATUTORY_ROWS)))}",
            )
        for year, cell in zip(years, row.cells[1:], strict=True):
            if measure == "lgsco":
                approaches, upheld = _cell_value(
                    ctx, table_id, row, year, parse_upheld_phrase, cell
                )
                for m, v in (("lgsco_approaches", approaches), ("lgsco_upheld", upheld)):
                    rows[table_id].append(
                        ctx.row(
                            row.line.number,
                            year=year,
                            measure=m,
                            label=label,
                            value=v,
                            unit="count",
                            source_text=cell,
                        )
                    )
            else:
                value = _cell_value(ctx, table_id, row, year, parse_count, cell)
                rows[table_id].append(
                    ctx.row(
                        row.line.number,
                        year=year,
                        measure=measure,
                        label=label,
                        value=value,
                        unit="count",
                        source_text=cell,
                    )
                )
    return {t: _frame(t, r, ctx) for t, r in rows.items()}


# -------------------------------------------------------------------------------------------
# Simple two-column and year-column tables
# -------------------------------------------------------------------------------------------


def extract_complainant_groups(ctx: Context) -> pd.DataFrame:
    table = "complainant_groups"
    intro = find_line(
        ctx.doc,
        r"Which customer groups made the complaints",
        table=table,
        what="the heading 'Which customer groups made the complaints'",
    )
    # The table lies between its heading and the next section ('The types of complaints made',
    # whose table is the 'Themes' table): a table found further on is not this one.
    after = ctx.doc.lines[intro.number :]
    end = next(
        (
            r.number
            for r in after
            if re.match(r"The types of complaints made|Themes\t", strip_markup(r.text))
        ),
        len(ctx.doc.lines) + 1,
    )
    first = next((r for r in after if "\t" in r.text and r.number < end), None)
    if first is None:
        raise ctx.doc.error(
            f"table not found between its heading (line {intro.number}) and the next section "
            f"(line {min(end, len(ctx.doc.lines))})",
            table=table,
            line=intro.number,
            hint="the rows 'group<TAB>count' follow the heading 'Which customer groups made the "
            "complaints'",
        )
    block = read_tab_block(ctx.doc, first.number)
    _check_width(ctx, table, block, 2)
    rows = [
        ctx.row(
            r.line.number,
            group=r.cells[0],
            value=_cell_value(ctx, table, r, "count", parse_count, r.cells[1]),
            unit="count",
            source_text=r.cells[1],
        )
        for r in block
    ]
    return _frame(table, rows, ctx)


def extract_themes(ctx: Context) -> pd.DataFrame:
    table = "complaint_themes"
    header = find_line(ctx.doc, r"^Themes\t", table=table, what="the 'Themes' table header")
    block = read_tab_block(ctx.doc, header.number)
    _check_width(ctx, table, block, len(block[0].cells))
    rows = [
        ctx.row(
            r.line.number,
            theme=r.cells[0],
            value=_cell_value(ctx, table, r, block[0].cells[1], parse_percent, r.cells[1]),
            unit="percent",
            source_text=r.cells[1],
        )
        for r in block[1:]
    ]
    return _frame(table, rows, ctx)


def extract_children_in_care_by_year(ctx: Context) -> pd.DataFrame:
    table = "children_in_care_by_year"
    header = find_line(
        ctx.doc,
        r"^Year\tNumber of Complaints",
        table=table,
        what="the 'Year / Number of Complaints' table header",
    )
    block = read_tab_block(ctx.doc, header.number)
    _check_width(ctx, table, block, 2)
    rows = []
    for r in block[1:]:
        m = re.search(_YEAR_LABEL, r.cells[0])
        if not m:
            raise ctx.doc.error(
                f"no reporting year in row label {r.cells[0]!r}", table=table, line=r.line.number
            )
        year = str(_years_in_header(ctx, table, r, [m.group(0)])[0])
        rows.append(
            ctx.row(
                r.line.number,
                year=year,
                label=r.cells[0],
                value=_cell_value(ctx, table, r, "Number of Complaints", parse_count, r.cells[1]),
                unit="count",
                source_text=r.cells[1],
            )
        )
    return _frame(table, rows, ctx)


def extract_stage1_timescales(ctx: Context) -> pd.DataFrame:
    table = "stage1_timescales"
    header = find_line(
        ctx.doc,
        rf"^Timescales\t{_YEAR_LABEL}",
        table=table,
        what="the 'Timescales <years>' table header",
    )
    block = read_tab_block(ctx.doc, header.number)
    _check_width(ctx, table, block, len(block[0].cells))
    years = _years_in_header(ctx, table, block[0], list(block[0].cells[1:]))
    rows = []
    for r in block[1:]:
        label = r.cells[0]
        if re.match(r"0\s*-\s*20\b", label):
            band = "0_20_working_days"
        elif re.match(r"20\s*\+", label):
            band = "over_20_days"
        else:
            raise ctx.doc.error(
                f"unknown time band {label!r}",
                table=table,
                line=r.line.number,
                hint="expected '0-20 Working Days' or '20+ days'",
            )
        for year, cell in zip(years, r.cells[1:], strict=True):
            rows.append(
                ctx.row(
                    r.line.number,
                    year=year,
                    band=band,
                    label=label,
                    value=_cell_value(ctx, table, r, year, parse_percent, cell),
                    unit="percent",
                    source_text=cell,
                )
            )
    return _frame(table, rows, ctx)


def extract_learning(ctx: Context) -> pd.DataFrame:
    """The learning table. A row whose case id cell is empty continues the row before it (a
    page break split it): its cells are appended to that row's."""
    table = "learning_from_complaints"
    header = find_line(ctx.doc, r"^Case ID\t", table=table, what="the 'Case ID' table header")
    block = read_tab_block(ctx.doc, header.number)
    _check_width(ctx, table, block, 3)
    rows: list[dict[str, object]] = []
    for r in block[1:]:
        case_id, learned, action = r.cells
        if not case_id:
            if not rows:
                raise ctx.doc.error("first row has no case id", table=table, line=r.line.number)
            previous = rows[-1]
            for key, extra in (("learned", learned), ("action", action)):
                if extra:
                    previous[key] = f"{previous[key]} {extra}".strip()
            previous["source_line_end"] = r.line.number
            continue
        rows.append(
            ctx.row(
                r.line.number,
                case_id=case_id,
                learned=learned,
                action=action,
                source_line_end=r.line.number,
            )
        )
    return _frame(table, rows, ctx)


def extract_equality(ctx: Context) -> pd.DataFrame:
    table = "equality_monitoring"
    intro = find_line(
        ctx.doc,
        r"statistical data about the age, gender",
        table=table,
        what="the equality monitoring heading",
    )
    header = find_line(
        ctx.doc,
        rf"^\t{_YEAR_LABEL}\t{_YEAR_LABEL}",
        table=table,
        start=intro.number,
        what="the equality table's year header",
    )
    block = read_tab_block(ctx.doc, header.number)
    _check_width(ctx, table, block, len(block[0].cells))
    years = _years_in_header(ctx, table, block[0], list(block[0].cells[1:]))
    rows = []
    characteristic = None
    for r in block[1:]:
        if not any(r.cells[1:]):
            characteristic = r.cells[0]
            continue
        if characteristic is None:
            raise ctx.doc.error(
                "a group row before any section heading (e.g. 'Gender')",
                table=table,
                line=r.line.number,
            )
        for year, cell in zip(years, r.cells[1:], strict=True):
            rows.append(
                ctx.row(
                    r.line.number,
                    year=year,
                    characteristic=characteristic,
                    group=r.cells[0],
                    value=_cell_value(ctx, table, r, year, parse_percent, cell),
                    unit="percent",
                    source_text=cell,
                )
            )
    return _frame(table, rows, ctx)


# -------------------------------------------------------------------------------------------
# Tables that exist only in the prose
# -------------------------------------------------------------------------------------------


def _section(ctx: Context, table: str, start_pattern: str, end_pattern: str) -> Prose:
    start = find_line(ctx.doc, start_pattern, table=table, what=f"the section {start_pattern!r}")
    end = find_line(
        ctx.doc,
        end_pattern,
        table=table,
        start=start.number,
        what=f"the end of the section ({end_pattern!r})",
    )
    return Prose(ctx.doc, start.number, end.number - 1)


def extract_outcomes(ctx: Context) -> pd.DataFrame:
    """'Fully Justified 7% up from 6% last year' and its siblings: this year and last."""
    table = "complaint_outcomes"
    prose = _section(ctx, table, r"^The outcome of complaints", r"^Focus on Children in Care")
    pattern = (
        r"(Fully Justified|Partially Justified|Not justified)\s+(\d+(?:\.\d+)?%)\s+"
        r"(?:up|down)\s+from\s+(\d+(?:\.\d+)?%)"
    )
    rows = []
    for m in prose.finditer(pattern, re.IGNORECASE):
        for group, year in ((2, ctx.year), (3, ctx.year.previous())):
            rows.append(
                ctx.row(
                    prose.line_at(m.start(group)),
                    year=str(year),
                    outcome=m.group(1),
                    value=parse_percent(m.group(group)),
                    unit="percent",
                    source_text=m.group(group),
                )
            )
    if len(rows) != 6:
        raise ctx.doc.error(
            f"found {len(rows) // 2} of the 3 outcome sentences ('Fully Justified N% up from M% "
            "last year', 'Partially Justified ...', 'Not justified ...')",
            table=table,
        )
    return _frame(
        table, sorted(rows, key=lambda r: (r["year"] != str(ctx.year), r["source_line"])), ctx
    )


_QUARTER_SENTENCE = r"^In (Q[1-4]) we [^\d\n]*?(\d+) "
_CASE_REF = re.compile(r"^[A-Z][A-Za-z() ]{0,14}$")


def extract_children_in_care_quarters(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Children in care complaints by quarter, and the cases listed under each quarter."""
    table = "children_in_care_by_quarter"
    start = find_line(
        ctx.doc,
        r"^Focus on Children in Care",
        table=table,
        what="the section 'Focus on Children in Care'",
    )
    end = find_line(
        ctx.doc,
        r"^Compliance with timescales",
        table=table,
        start=start.number,
        what="the section after 'Focus on Children in Care'",
    )
    quarter_lines = []
    for raw in ctx.doc.lines[start.number : end.number - 1]:
        if m := re.match(_QUARTER_SENTENCE, raw.text):
            quarter_lines.append((raw, m))
    if not quarter_lines:
        raise ctx.doc.error(
            "no 'In Q1 we identified N ...' sentences found", table=table, line=start.number
        )
    counts, cases = [], []
    bounds = [q[0].number for q in quarter_lines] + [end.number]
    for (raw, m), stop in zip(quarter_lines, bounds[1:], strict=True):
        period = m.group(1)
        counts.append(
            ctx.row(
                raw.number,
                period=period,
                value=int(m.group(2)),
                unit="count",
                source_text=m.group(2),
            )
        )
        body = [
            r
            for r in ctx.doc.lines[raw.number : stop - 1]
            if not r.is_blank and not is_furniture(r.text)
        ]
        cases.extend(_cases_in_quarter(ctx, period, raw, body))
    return (_frame(table, counts, ctx), _frame("children_in_care_cases", cases, ctx))


def _cases_in_quarter(ctx, period, sentence, body) -> list[dict[str, object]]:
    if not body:  # the quarter's own sentence describes its case
        return [
            ctx.row(
                sentence.number,
                period=period,
                case_ref=None,
                summary=sentence.text.strip(),
                source_line_end=sentence.number,
            )
        ]
    has_refs = any(_CASE_REF.match(r.text.strip()) for r in body)
    if not has_refs:  # one case a line
        return [
            ctx.row(
                r.number,
                period=period,
                case_ref=None,
                summary=r.text.strip(),
                source_line_end=r.number,
            )
            for r in body
        ]
    cases: list[dict[str, object]] = []
    for r in body:
        text = r.text.strip()
        if _CASE_REF.match(text):
            cases.append(
                ctx.row(
                    r.number, period=period, case_ref=text, summary="", source_line_end=r.number
                )
            )
        elif cases:
            current = cases[-1]
            # A paragraph that a page break cut in two is joined with a space (a parsing
            # artefact); separate paragraphs are kept on separate lines.
            between = ctx.doc.lines[current["source_line_end"] : r.number - 1]
            broken = any(is_furniture(b.text) for b in between)
            joiner = " " if broken else "\n"
            current["summary"] = f"{current['summary']}{joiner}{text}".strip()
            current["source_line_end"] = r.number
        else:
            raise ctx.doc.error(
                f"text before the first case reference: {text[:40]!r}",
                table="children_in_care_cases",
                line=r.number,
            )
    return cases


# fact id, label, pattern (one group per fact, in order), year offsets of the groups
_KEY_FACTS: list[tuple[tuple[str, ...], tuple[str, ...], str, tuple[int, ...]]] = [
    (
        ("stage2_cases_accepted", "stage2_remedy_paid"),
        ("Cases accepted at Stage 2", "Back payment made to resolve the Stage 2 case"),
        r"(\d+) cases? accepted at Stage 2[^\n]*?back payment of (£[\d,]+)",
        (0, 0),
    ),
    (
        ("ombudsman_social_care_investigated", "ombudsman_social_care_maladministration"),
        (
            "Social Care complaints formally investigated by the Ombudsman",
            "Of those, cases where maladministration was found",
        ),
        r"Of the (\d+) Social Care complaints to be formally investigated by the Ombudsman, "
        r"maladministration was only found in (\d+) case",
        (0, 0),
    ),
    (
        (
            "ombudsman_non_social_care_heard",
            "ombudsman_non_social_care_upheld",
            "ombudsman_non_social_care_penalties",
        ),
        (
            "Non Social Care complaints heard by the Ombudsman",
            "Of those, upheld by the Ombudsman",
            "Financial penalties on the upheld Non Social Care complaints",
        ),
        r"The (\d+) Non Social Care complaints heard by the Ombudsman[^\n]*?(\d+) were upheld by "
        r"the Ombudsman with financial penalties amounting to (£[\d,]+)",
        (0, 0, 0),
    ),
    (
        ("sen_preemptive_remedy",),
        ("Spent on SEN complaints as pre-emptive financial remedy (not heard by the Ombudsman)",),
        r"a further (£[\d,]+) was spent on SEN complaints for pre-emptive financial remedy",
        (0,),
    ),
    (
        ("social_care_fully_justified_pct",),
        ("Children's Social Care complaints considered Fully Justified",),
        r"only (\d+(?:\.\d+)?%) were considered Fully Justified",
        (0,),
    ),
    (
        ("children_in_care_cases",),
        ("Cases identified that related to children in care",),
        r"we have identified (\d+) cases that related to children in care",
        (0,),
    ),
    (
        ("social_care_learnings", "social_care_learnings"),
        ("Organisational learnings collected (Children's Social Care)",) * 2,
        r"collected (\d+) good quality and robust organisational learnings[^\n]*? "
        r"from (\d+) last year",
        (0, 1),
    ),
    (
        ("non_social_care_learnings", "non_social_care_learnings"),
        ("Non Social Care complaints that provided learnings",) * 2,
        r"non social care complaints provided (\d+) cases with valuable learnings[^\n]*? "
        r"from (\d+) the previous year",
        (0, 1),
    ),
    (
        ("equality_records", "equality_records"),
        ("Equality monitoring records the percentages are based on",) * 2,
        r"based only on the (\d+) records provided,? \(up from (\d+) last year\)",
        (0, 1),
    ),
]


def _fact_value(text: str) -> tuple[int | float, str]:
    if text.startswith("£"):
        return parse_money(text), "GBP"
    if text.endswith("%"):
        return parse_percent(text), "percent"
    return parse_count(text), "count"


def extract_key_facts(ctx: Context) -> pd.DataFrame:
    table = "key_facts"
    prose = Prose(ctx.doc)
    rows = []
    for facts, labels, pattern, offsets in _KEY_FACTS:
        m = prose.search(
            pattern,
            table=table,
            what=f"the sentence stating {labels[0].lower()}",
            flags=re.IGNORECASE,
        )
        for i, (fact, label, offset) in enumerate(zip(facts, labels, offsets, strict=True), 1):
            value, unit = _fact_value(m.group(i))
            rows.append(
                ctx.row(
                    prose.line_at(m.start(i)),
                    year=str(ctx.year.previous(offset)),
                    fact=fact,
                    label=label,
                    value=value,
                    unit=unit,
                    source_text=m.group(i),
                )
            )
    return _frame(table, rows, ctx)


# -------------------------------------------------------------------------------------------


def extract_tables(doc: RawDocument, year: ReportingYear) -> dict[str, pd.DataFrame]:
    """Every table of the report, keyed by table id, in the order of :data:`cards.CARDS`."""
    ctx = Context(doc, year)
    check_report_year(ctx, require=False)  # a report of another year is refused at once
    tables: dict[str, pd.DataFrame] = {}
    tables.update(extract_quarterly(ctx))
    tables.update(extract_statutory(ctx))
    tables["complainant_groups"] = extract_complainant_groups(ctx)
    tables["complaint_themes"] = extract_themes(ctx)
    tables["complaint_outcomes"] = extract_outcomes(ctx)
    tables["children_in_care_by_year"] = extract_children_in_care_by_year(ctx)
    by_quarter, cases = extract_children_in_care_quarters(ctx)
    tables["children_in_care_by_quarter"] = by_quarter
    tables["children_in_care_cases"] = cases
    tables["stage1_timescales"] = extract_stage1_timescales(ctx)
    tables["learning_from_complaints"] = extract_learning(ctx)
    tables["equality_monitoring"] = extract_equality(ctx)
    tables["key_facts"] = extract_key_facts(ctx)
    check_report_year(ctx)  # every table is there: the header must be too
    return {t: tables[t] for t in cards.CARDS}
