"""Extract every table of the annual report's text (the 2022-23 input) into tidy frames.

Each ``extract_*`` function is a card's ``extract``: it finds its table (or tables, then keyed by
table id) by its header or the prose around it and returns it in the card's schema, values as
printed, each row with its raw file and line. Problems raise :class:`~complaints.errors.InputError`
naming the file, the table and the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import pandas as pd

from complaints import cards
from complaints.errors import InputError
from complaints.inputs.rawtext import (
    Prose,
    RawDocument,
    RawLine,
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
_PARSE = {"count": parse_count, "percent": parse_percent, "GBP": parse_money}
_TABS = "each row needs one cell per column of the header, separated by tabs"


@dataclass(frozen=True)
class Context:
    """What every extractor needs: the document, the year of the report and the table being
    read (the one its messages name)."""

    doc: RawDocument
    year: ReportingYear
    table: str | None = None

    def row(self, raw_line: int, **values: object) -> dict[str, object]:
        """A clean row with its provenance columns filled in."""
        provenance = {"report_year": str(self.year), "source_file": self.doc.label}
        return {"year": str(self.year), **values, **provenance, "source_line": raw_line}

    def error(self, message: str, line: int | None = None, hint: str | None = None) -> InputError:
        return self.doc.error(message, table=self.table, line=line, hint=hint)

    def find(self, pattern: str, what: str, start: int = 1) -> RawLine:
        return find_line(self.doc, pattern, table=self.table, start=start, what=what)


@dataclass(frozen=True)
class _Figures:
    """The figure columns of a table: their headings (the last cells of each row), how a cell
    is read, the figures' unit, and the column a heading goes in (``year``, ``period``; none
    for a table of one figure a row)."""

    ctx: Context
    heads: list[str]
    parse: Callable
    unit: str
    head: str | None = None

    def of(self, row: TableRow, measures=(None,), **values: object) -> list[dict[str, object]]:
        """The clean rows of one table row; a cell holding several figures (``1/5``) gives one
        row per measure of ``measures``."""
        rows = []
        for heading, cell in zip(self.heads, row.cells[-len(self.heads) :], strict=True):
            try:
                parsed = self.parse(cell)
            except ValueError as exc:
                raise self.ctx.error(
                    f"column {heading!r} of row {row.cells[0] or row.cells[1]!r}: {exc}",
                    row.line.number,
                    "correct the figure in the input file",
                ) from None
            parsed = parsed if isinstance(parsed, tuple) else (parsed,)
            for measure, value in zip(measures, parsed, strict=True):
                named = {self.head: heading} if self.head else {}
                named |= {"measure": measure} if measure else {}
                figure = {"value": value, "unit": self.unit, "source_text": cell}
                rows.append(self.ctx.row(row.line.number, **values, **named, **figure))
        return rows


def _check_width(ctx: Context, rows: list[TableRow], width: int) -> None:
    for row in rows:
        if len(row.cells) != width:
            raise ctx.error(
                f"row has {len(row.cells)} cells, expected {width}", row.line.number, _TABS
            )


def _table(ctx: Context, pattern: str, what: str, *, start=1, width=0) -> list[TableRow]:
    """The rows of the table whose header matches ``pattern``, each of ``width`` cells (by
    default, as many as the header)."""
    block = read_tab_block(ctx.doc, ctx.find(pattern, what, start).number)
    _check_width(ctx, block, width or len(block[0].cells))
    return block


def _years_in(ctx: Context, header: TableRow, cells: Iterable[str]) -> list[str]:
    try:
        return [str(ReportingYear.from_label(c)) for c in cells]
    except ValueError as exc:
        hint = "correct the year in the table's header row"
        raise ctx.error(str(exc), header.line.number, hint) from None


def _identify(ctx: Context, row: TableRow, label: str, choices: dict, hint=None, kind="row label"):
    """The value of the pattern of ``choices`` that the whole of ``label`` matches (ignoring
    case); an unknown label is an error (``kind`` and ``hint`` of the message)."""
    found = next((k for k in choices if re.fullmatch(k, label, re.I | re.S)), None)
    if found is None:
        raise ctx.error(f"unknown {kind} {label!r}", row.line.number, hint)
    return choices[found]


def _frame(ctx: Context, rows: list[dict[str, object]]) -> pd.DataFrame:
    if not rows:
        raise ctx.error("no rows found", hint="is the table missing?")
    key = cards.CARDS[ctx.table].keys
    # Each figure may be printed once: a repeated row (pasted twice, or two rows with labels
    # that mean the same) is refused. Free-text tables have no key: a repeated case id is
    # reported by the validation step.
    repeat = cards.repeated_row(rows, key) if key else None
    if repeat is not None:
        values, first, line = repeat
        what = ", ".join(f"{k} {v}" for k, v in values.items())
        raise ctx.error(
            f"duplicate row: the figure for {what} is given on line {first} and again on "
            f"line {line}",
            line,
            "remove the repeated row: each figure is printed once",
        )
    return cards.conform(ctx.table, pd.DataFrame(rows))


def check_report_year(ctx: Context, *, require: bool = True) -> None:
    """The running header names the report's year; it must be the year being processed.

    With ``require=False`` a file without any running header passes (a file cut short before
    the first one is better told by the table that is missing).
    """
    header = re.compile(r"Annual Complaints Report (\d{4}-\d{2})")
    printed = {m.group(1) for r in ctx.doc.lines if (m := header.fullmatch(r.text.strip()))}
    if not printed and require:
        raise ctx.error(
            "no 'Annual Complaints Report YYYY-YY' running header found "
            f"in the file's {len(ctx.doc.lines)} lines",
            hint="is this the text of an annual complaints report, and is it complete?",
        )
    if printed and printed != {str(ctx.year)}:
        raise ctx.error(
            f"the file is the report for {', '.join(sorted(printed))}, "
            f"but it is being processed as {ctx.year}",
            hint=f"put it under data/raw/{min(printed)}/ or pass the right --year",
        )


# --- Quarterly performance tables ----------------------------------------------------------------

#: Row label (case-insensitive regex) -> its measure ids (two for a ``1/5`` ratio cell).
_QUARTERLY_ROWS = {
    r"number of formal complaints": ("formal_complaints",),
    r"number of informal complaints": ("informal_complaints",),
    r"upheld approaches to the lgsco ombudsman compared to total received": (
        "ombudsman_upheld",
        "ombudsman_received",
    ),
    r"timescales \(overdue\)": ("overdue_pct",),
    r"% fully justified complaints": ("fully_justified_pct",),
    r"% part justified complaints": ("part_justified_pct",),
    r"compliments": ("compliments",),
    r"learnings": ("learnings",),
}
_QUARTERLY_HEADER = r"^\s*Q1\tQ2\tQ3\tQ4\tTotals?\s*$"
#: The caption under a quarterly table: its service, then its total on a later line.
_CAPTION = re.compile(
    r"People - Children's - (Non Social Care|Social Care).*?\n.*?Total Complaints\s*=\s*(\d[\d,]*)",
    re.S,
)
_TOTAL_ROW = {"measure": "total_complaints", "label": "Total Complaints", "period": "Total"}


def _quarterly_caption(ctx: Context, after: int) -> tuple[str, dict[str, object]]:
    """The caption printed after a quarterly table (captions follow their tables): returns
    its service and the row of its total complaints."""
    prose = Prose(ctx.doc, after + 1, after + 8)
    if m := _CAPTION.search(prose.text):
        total = {"value": parse_count(m.group(2)), "unit": "count", "source_text": m.group(2)}
        return m.group(1), ctx.row(prose.line_at(m.start(2)), **_TOTAL_ROW, **total)
    if all(r.is_blank for r in ctx.doc.lines[after:]):
        raise ctx.error(
            f"the file ends (line {len(ctx.doc.lines)}) in the quarterly table, before its "
            "caption 'People - Children's - ... / Total Complaints = N'",
            after,
            "the file was cut short: copy the whole report text again",
        )
    raise ctx.error(
        "no caption 'People - Children's - ... / Total Complaints = N' after the quarterly table",
        after,
        "the caption follows the table in the source",
    )


def extract_quarterly(ctx: Context) -> dict[str, pd.DataFrame]:
    """Both quarterly performance tables, keyed by table id."""
    hint = (
        "expected one of the published rows (formal, informal, Ombudsman, timescales, "
        "% justified, compliments, learnings)"
    )
    quarterly, out = replace(ctx, table="quarterly performance"), {}
    headers = [r for r in ctx.doc.lines if re.search(_QUARTERLY_HEADER, strip_markup(r.text))]
    for header_line in headers:
        block = read_tab_block(ctx.doc, header_line.number)
        header, body = block[0], block[1:]
        if not body:
            raise quarterly.error(
                "the quarterly table has no rows after its header: the next line's cells are "
                "not separated by tabs",
                next(r.number for r in ctx.doc.lines[header_line.number :] if r.text.strip()),
                _TABS,
            )
        service, total = _quarterly_caption(quarterly, body[-1].line.number)
        table_id = f"{service.lower().replace(' ', '_')}_quarterly"
        ctx = replace(ctx, table=table_id)
        if table_id in out:
            raise ctx.error("a second table for the same service", header_line.number)
        _check_width(ctx, body, len(header.cells))
        first = header.cells.index("Q1")
        periods = ["Total" if p.startswith("Total") else p for p in header.cells[first:]]
        seen, rows = set(), []
        for row in body:
            label = row.cells[first - 1]
            measures = _identify(ctx, row, label, _QUARTERLY_ROWS, hint)
            seen.add(measures)
            unit = "percent" if measures[0].endswith("_pct") else "count"
            parse = parse_ratio if len(measures) == 2 else _PARSE[unit]
            rows += _Figures(ctx, periods, parse, unit, "period").of(row, measures, label=label)
        missing = [p.replace("\\", "") for p, m in _QUARTERLY_ROWS.items() if m not in seen]
        if missing:
            raise ctx.error(f"rows missing: {', '.join(missing)}", header_line.number)
        out[table_id] = _frame(ctx, [*rows, total])
    for table_id in ("social_care_quarterly", "non_social_care_quarterly"):
        if table_id not in out:
            raise replace(ctx, table=table_id).error(
                "table not found (looked for a 'Q1 Q2 Q3 Q4 Totals' header followed by a "
                "'People - Children's - ...' caption)"
            )
    return out


# --- Tables printed as tables --------------------------------------------------------------------

_STATUTORY_ROWS = {
    "representations": ("representations",),
    "stage 1": ("stage_1",),
    "stage 2": ("stage_2",),
    "stage 3": ("stage_3",),
    "formal complaint": ("formal_complaints",),
    "formal complaints": ("formal_complaints",),
    "lgsco approaches": ("lgsco_approaches", "lgsco_upheld"),  # '5 with 1 upheld'
}
_STATUTORY_SECTIONS = {
    "children's social care": "statutory_social_care",
    "children's whole authority": "statutory_whole_authority",
}


def _by_year(ctx: Context, pattern: str, what: str, start: int = 1):
    """The rows under the header (matching ``pattern``) that names the years of the figure
    columns, and how the card's figures are read."""
    block = _table(ctx, pattern, what, start=start)
    years = _years_in(ctx, block[0], block[0].cells[1:])
    unit = cards.CARDS[ctx.table].sheet_unit or "count"
    return block[1:], _Figures(ctx, years, _PARSE[unit], unit, "year")


def _labelled(ctx: Context, block: list[TableRow], heading="count", years=None):
    """The frame of a table of one figure a row, named by its first cell (the card's first
    sheet label), in the card's unit; ``years``: each row's (by default the report's)."""
    card = cards.CARDS[ctx.table]
    figures = _Figures(ctx, [heading], _PARSE[card.sheet_unit], card.sheet_unit)
    years = years or [str(ctx.year)] * len(block)
    rows = [
        f
        for r, year in zip(block, years, strict=True)
        for f in figures.of(r, year=year, **{card.sheet_labels[0]: r.cells[0]})
    ]
    return _frame(ctx, rows)


def extract_statutory(ctx: Context) -> dict[str, pd.DataFrame]:
    """The statutory three-year comparison: Children's Social Care (the header row's section)
    and Whole Authority."""
    header = rf"^Children's Social Care\t{_YEAR_LABEL}\t"
    what = "the statutory table header 'Children's Social Care <years>'"
    block, counts = _by_year(ctx, header, what)
    hint = f"expected one of: {', '.join(sorted(_STATUTORY_ROWS))}"
    rows: dict[str, list[dict[str, object]]] = {t: [] for t in _STATUTORY_SECTIONS.values()}
    for row in block:
        label = row.cells[0]
        if not any(row.cells[1:]):  # a section heading row
            section = _identify(ctx, row, label, _STATUTORY_SECTIONS, kind="section")
            ctx = replace(ctx, table=section)
        else:
            measures = _identify(ctx, row, label, _STATUTORY_ROWS, hint)
            parse = parse_upheld_phrase if len(measures) == 2 else parse_count
            rows[ctx.table] += replace(counts, ctx=ctx, parse=parse).of(row, measures, label=label)
    return {t: _frame(replace(ctx, table=t), r) for t, r in rows.items()}


_GROUPS_END = r"The types of complaints made|Themes\t"


def extract_complainant_groups(ctx: Context) -> pd.DataFrame:
    heading = "Which customer groups made the complaints"
    intro = ctx.find(heading, f"the heading '{heading}'")
    # The table lies between its heading and the next section ('The types of complaints made',
    # whose table is the 'Themes' table): a table found further on is not this one.
    after = ctx.doc.lines[intro.number :]
    ends = (r.number for r in after if re.match(_GROUPS_END, strip_markup(r.text)))
    end = next(ends, len(ctx.doc.lines) + 1)
    first = next((r for r in after if "\t" in r.text and r.number < end), None)
    if first is None:
        raise ctx.error(
            f"table not found between its heading (line {intro.number}) and the next section "
            f"(line {min(end, len(ctx.doc.lines))})",
            intro.number,
            f"the rows 'group<TAB>count' follow the heading '{heading}'",
        )
    block = read_tab_block(ctx.doc, first.number)
    _check_width(ctx, block, 2)
    return _labelled(ctx, block)


def extract_themes(ctx: Context) -> pd.DataFrame:
    block = _table(ctx, r"^Themes\t", "the 'Themes' table header")
    return _labelled(ctx, block[1:], block[0].cells[1])


def extract_children_in_care_by_year(ctx: Context) -> pd.DataFrame:
    header, what = r"^Year\tNumber of Complaints", "the 'Year / Number of Complaints' table header"
    block = _table(ctx, header, what, width=2)
    years = []
    for r in block[1:]:
        if not (m := re.search(_YEAR_LABEL, r.cells[0])):
            raise ctx.error(f"no reporting year in row label {r.cells[0]!r}", r.line.number)
        years += _years_in(ctx, r, [m.group(0)])
    return _labelled(ctx, block[1:], "Number of Complaints", years)


_BANDS = {r"0\s*-\s*20\b.*": "0_20_working_days", r"20\s*\+.*": "over_20_days"}


def extract_stage1_timescales(ctx: Context) -> pd.DataFrame:
    header, what = rf"^Timescales\t{_YEAR_LABEL}", "the 'Timescales <years>' table header"
    block, figures = _by_year(ctx, header, what)
    hint = "expected '0-20 Working Days' or '20+ days'"
    rows = []
    for r in block:
        band = _identify(ctx, r, r.cells[0], _BANDS, hint, kind="time band")
        rows += figures.of(r, band=band, label=r.cells[0])
    return _frame(ctx, rows)


def extract_learning(ctx: Context) -> pd.DataFrame:
    """The learning table. A row whose case id cell is empty continues the row before it (a
    page break split it): its cells are appended to that row's."""
    block = _table(ctx, r"^Case ID\t", "the 'Case ID' table header", width=3)
    rows: list[dict[str, object]] = []
    for r in block[1:]:
        (case_id, learned, action), line = r.cells, r.line.number
        if case_id:
            texts = {"case_id": case_id, "learned": learned, "action": action}
            rows.append(ctx.row(line, **texts, source_line_end=line))
        elif not rows:
            raise ctx.error("first row has no case id", line)
        else:
            previous = rows[-1]
            previous["learned"] = f"{previous['learned']} {learned}".strip()
            previous["action"] = f"{previous['action']} {action}".strip()
            previous["source_line_end"] = line
    return _frame(ctx, rows)


def extract_equality(ctx: Context) -> pd.DataFrame:
    intro = ctx.find(r"statistical data about the age, gender", "the equality monitoring heading")
    header, what = rf"^\t{_YEAR_LABEL}\t{_YEAR_LABEL}", "the equality table's year header"
    block, figures = _by_year(ctx, header, what, intro.number)
    rows, characteristic = [], None
    for r in block:
        if not any(r.cells[1:]):
            characteristic = r.cells[0]
        elif characteristic is None:
            raise ctx.error("a group row before any section heading (e.g. 'Gender')", r.line.number)
        else:
            rows += figures.of(r, characteristic=characteristic, group=r.cells[0])
    return _frame(ctx, rows)


# --- Tables that exist only in the prose ---------------------------------------------------------


def _found(ctx: Context, prose: Prose, m: re.Match[str], group: int, **values: object):
    """A clean row for the figure found in the prose as ``group`` of the match ``m``: an amount
    of money, a percentage or a count."""
    text = m.group(group)
    unit = "GBP" if text.startswith("£") else "percent" if text.endswith("%") else "count"
    line = prose.line_at(m.start(group))
    try:
        figure = {"value": _PARSE[unit](text), "unit": unit, "source_text": text}
    except ValueError as exc:  # e.g. '£43,23': the sentence matched, its figure is not one
        raise ctx.error(str(exc), line) from None
    return ctx.row(line, **values, **figure)


def _section(ctx: Context, title: str, after: str) -> tuple[int, int]:
    """The lines where the section headed ``title`` starts and where the next, ``after``, does."""
    start = ctx.find(f"^{title}", f"the section '{title}'").number
    return start, ctx.find(f"^{after}", f"the section after '{title}'", start).number


def extract_outcomes(ctx: Context) -> pd.DataFrame:
    """'Fully Justified 7% up from 6% last year' and its siblings: this year's figures, then
    last year's."""
    start, end = _section(ctx, "The outcome of complaints", "Focus on Children in Care")
    prose = Prose(ctx.doc, start, end - 1)
    pattern = (
        r"(Fully Justified|Partially Justified|Not justified)\s+(\d+(?:\.\d+)?%)\s+"
        r"(?:up|down)\s+from\s+(\d+(?:\.\d+)?%)"
    )
    matches = list(re.finditer(pattern, prose.text, re.IGNORECASE))
    rows = [
        _found(ctx, prose, m, group, year=str(year), outcome=m.group(1))
        for group, year in ((2, ctx.year), (3, ctx.year.previous()))
        for m in matches
    ]
    if len(rows) != 6:
        raise ctx.error(
            f"found {len(rows) // 2} of the 3 outcome sentences ('Fully Justified N% up from M% "
            "last year', 'Partially Justified ...', 'Not justified ...')"
        )
    return _frame(ctx, rows)


_QUARTER_SENTENCE = r"^In (Q[1-4]) we [^\d\n]*?(\d+) "
_CASE_REF = re.compile(r"^[A-Z][A-Za-z() ]{0,14}$")


def extract_children_in_care_quarters(ctx: Context) -> dict[str, pd.DataFrame]:
    """Children in care complaints by quarter, and the cases listed under each quarter."""
    start, end = _section(ctx, "Focus on Children in Care", "Compliance with timescales")
    quarters = [r for r in ctx.doc.lines[start : end - 1] if re.match(_QUARTER_SENTENCE, r.text)]
    if not quarters:
        raise ctx.error("no 'In Q1 we identified N ...' sentences found", start)
    cases_ctx = replace(ctx, table="children_in_care_cases")
    counts, cases = [], []
    for raw, stop in zip(quarters, [*(q.number for q in quarters[1:]), end], strict=True):
        period, n = re.match(_QUARTER_SENTENCE, raw.text).groups()
        counts.append(ctx.row(raw.number, period=period, value=int(n), unit="count", source_text=n))
        lines = ctx.doc.lines[raw.number : stop - 1]
        body = [r for r in lines if not r.is_blank and not is_furniture(r.text)]
        cases.extend(_cases_in_quarter(cases_ctx, period, raw, body))
    return {ctx.table: _frame(ctx, counts), cases_ctx.table: _frame(cases_ctx, cases)}


def _cases_in_quarter(
    ctx: Context, period: str, sentence: RawLine, body: list[RawLine]
) -> list[dict[str, object]]:
    def case(line: RawLine, ref: str | None, summary: str) -> dict[str, object]:
        return ctx.row(
            line.number, period=period, case_ref=ref, summary=summary, source_line_end=line.number
        )

    if not any(_CASE_REF.match(r.text.strip()) for r in body):
        # One case a line; with no line under it, the quarter's own sentence describes its case.
        return [case(r, None, r.text.strip()) for r in body or [sentence]]
    cases: list[dict[str, object]] = []
    for r in body:
        text = r.text.strip()
        if _CASE_REF.match(text):
            cases.append(case(r, text, ""))
        elif cases:
            current = cases[-1]
            # A paragraph that a page break cut in two is joined with a space (a parsing
            # artefact); separate paragraphs are kept on separate lines.
            between = ctx.doc.lines[current["source_line_end"] : r.number - 1]
            joiner = " " if any(is_furniture(b.text) for b in between) else "\n"
            current["summary"] = f"{current['summary']}{joiner}{text}".strip()
            current["source_line_end"] = r.number
        else:
            raise ctx.error(f"text before the first case reference: {text[:40]!r}", r.number)
    return cases


_SC_LEARNINGS = "Organisational learnings collected (Children's Social Care)"
_NSC_LEARNINGS = "Non Social Care complaints that provided learnings"
_RECORDS = "Equality monitoring records the percentages are based on"
#: Each sentence stating key facts: its pattern, then (fact id, label) per group of the
#: pattern. A fact given twice in a sentence is this year's figure, then last year's.
# fmt: off
KEY_FACTS: list[tuple[str, tuple[tuple[str, str], ...]]] = [
    (r"(\d+) cases? accepted at Stage 2[^\n]*?back payment of (£[\d,]+)",
     (("stage2_cases_accepted", "Cases accepted at Stage 2"),
      ("stage2_remedy_paid", "Back payment made to resolve the Stage 2 case"))),
    (r"Of the (\d+) Social Care complaints to be formally investigated by the Ombudsman, "
     r"maladministration was only found in (\d+) case",
     (("ombudsman_social_care_investigated",
       "Social Care complaints formally investigated by the Ombudsman"),
      ("ombudsman_social_care_maladministration",
       "Of those, cases where maladministration was found"))),
    (r"The (\d+) Non Social Care complaints heard by the Ombudsman[^\n]*?(\d+) were upheld by "
     r"the Ombudsman with financial penalties amounting to (£[\d,]+)",
     (("ombudsman_non_social_care_heard", "Non Social Care complaints heard by the Ombudsman"),
      ("ombudsman_non_social_care_upheld", "Of those, upheld by the Ombudsman"),
      ("ombudsman_non_social_care_penalties",
       "Financial penalties on the upheld Non Social Care complaints"))),
    (r"a further (£[\d,]+) was spent on SEN complaints for pre-emptive financial remedy",
     (("sen_preemptive_remedy",
       "Spent on SEN complaints as pre-emptive financial remedy (not heard by the Ombudsman)"),)),
    (r"only (\d+(?:\.\d+)?%) were considered Fully Justified",
     (("social_care_fully_justified_pct",
       "Children's Social Care complaints considered Fully Justified"),)),
    (r"we have identified (\d+) cases that related to children in care",
     (("children_in_care_cases", "Cases identified that related to children in care"),)),
    (r"collected (\d+) good quality and robust organisational learnings[^\n]*? "
     r"from (\d+) last year",
     (("social_care_learnings", _SC_LEARNINGS),) * 2),
    (r"non social care complaints provided (\d+) cases with valuable learnings[^\n]*? "
     r"from (\d+) the previous year",
     (("non_social_care_learnings", _NSC_LEARNINGS),) * 2),
    (r"based only on the (\d+) records provided,? \(up from (\d+) last year\)",
     (("equality_records", _RECORDS),) * 2),
]
# fmt: on


def extract_key_facts(ctx: Context) -> pd.DataFrame:
    prose = Prose(ctx.doc)
    rows = []
    for pattern, facts in KEY_FACTS:
        what = f"the sentence stating {facts[0][1].lower()}"
        m = prose.search(pattern, table=ctx.table, what=what, flags=re.IGNORECASE)
        for i, (fact, label) in enumerate(facts):
            year = ctx.year.previous(facts[:i].count((fact, label)))
            rows.append(_found(ctx, prose, m, i + 1, year=str(year), fact=fact, label=label))
    return _frame(ctx, rows)


def extract_tables(doc: RawDocument, year: ReportingYear) -> dict[str, pd.DataFrame]:
    """Every table the report text gives, keyed by table id, in card order: each card's
    ``extract`` function is called once, with a context naming the first table it reads."""
    ctx = Context(doc, year)
    check_report_year(ctx, require=False)  # a report of another year is refused at once
    ids = cards.for_route("report text")
    tables: dict[str, pd.DataFrame] = {}
    for table_id in ids:
        if table_id not in tables:
            found = globals()[cards.CARDS[table_id].extract](replace(ctx, table=table_id))
            tables.update(found if isinstance(found, dict) else {table_id: found})
    check_report_year(ctx)  # every table is there: the header must be too
    return {t: tables[t] for t in ids}
