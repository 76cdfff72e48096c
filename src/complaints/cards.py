"""One card per table: everything the project knows about a table, in one place.

A card (:class:`Card`) declares a clean table's columns and types and how each stage treats
it. Code reads the card instead of keeping its own dictionary keyed by table id; a function
named on a card is found in the module doing that stage's work. ``docs/architecture.md``
lists each field and its reader, and how to add a table; ``docs/data_dictionary.md`` is
generated from the cards (``make docs``; a test fails if the two drift apart).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

#: A year's input: the published report's text, the new-year workbook or a case extract.
ROUTES = ("report text", "workbook", "case extract")


def _frozen(**options: object) -> Mapping[str, object]:
    return MappingProxyType(dict(options))


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "string", "integer" or "number"
    description: str
    unit: str = ""
    nullable: bool = False


@dataclass(frozen=True)
class Chart:
    """A chart: ``draw`` names the function of :mod:`complaints.outputs.charts` drawing it,
    called with ``options``, when every table of ``tables`` is held."""

    id: str
    draw: str
    tables: tuple[str, ...] = ()  # empty: the card's own table
    options: Mapping[str, object] = field(default_factory=_frozen)


@dataclass(frozen=True)
class Series:
    """A headline series followed over the years (:mod:`complaints.outputs.trends`): the card's
    rows matching ``match`` (column -> value)."""

    id: str
    label: str  # how the series is named in tables and charts
    match: Mapping[str, str]
    unit: str


@dataclass(frozen=True)
class Layout:
    """How the report prints the table: ``builder`` names the function of
    :mod:`complaints.outputs.report_tables` that lays it out, called with ``options``."""

    builder: str
    options: Mapping[str, object] = field(default_factory=_frozen)


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    grain: str  # what one row is
    source: str  # where in the report it comes from
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = ()
    #: The columns that identify a figure across reports: two rows with the same key describe
    #: the same figure. Empty for free-text tables, whose rows are not compared across reports.
    keys: tuple[str, ...] = ()
    #: How many reporting years the published table shows, the report's own year first.
    years_shown: int = 1
    extract: str = ""  # the function of inputs.report_text reading it from the report text
    #: The workbook sheet: columns pre-filled from the last year held, columns to fill in, and
    #: the unit of figures whose rows do not say it.
    sheet_labels: tuple[str, ...] = ()
    sheet_figures: tuple[str, ...] = ("value",)
    sheet_unit: str | None = None
    #: The table's subject in sentences ("Social Care"), and how a figure from it is introduced
    #: ("the timescales table gives 15%").
    subject: str = ""
    phrase: str = ""
    #: Measure ids in words, for tables with a ``measure`` column.
    measures: Mapping[str, str] = field(default_factory=_frozen)
    #: Percentages that are shares of one whole: rows sharing these columns make 100.
    shares_of: tuple[str, ...] = ()
    layout: Layout | None = None  # None: the table is not printed in the report
    charts: tuple[Chart, ...] = ()
    series: tuple[Series, ...] = ()
    #: The inputs that give the table (:data:`ROUTES`); the others' years name it not produced.
    routes: tuple[str, ...] = ROUTES

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


# Columns shared by many tables -------------------------------------------------------------
# fmt: off
YEAR = Column("year", "string", "Reporting year the figure describes (April to March), YYYY-YY.")
REPORT_YEAR = Column(
    "report_year", "string", "Reporting year of the report the figure was published in, YYYY-YY."
)
VALUE_COUNT = Column("value", "integer", "The figure as published.", unit="count")
VALUE_PERCENT = Column("value", "number", "The figure as published.", unit="percent (0-100)")
VALUE_ANY = Column("value", "number", "The figure as published; see `unit`.")
UNIT = Column("unit", "string", "Unit of `value`: `count`, `percent` or `GBP`.")
SOURCE_TEXT = Column(
    "source_text", "string",
    "The cell or phrase exactly as printed on the source line (e.g. `0/1`, `18%`, "
    "`5 with 1 upheld`, `£43,230`); from a case extract, what was counted (`3 of 20 ...`).",
)
SOURCE_FILE = Column(
    "source_file", "string", "Raw file the row was read from, relative to the project."
)
SOURCE_LINE = Column(
    "source_line", "integer",
    "1-based line number in `source_file` of the figure (a case "
    "extract: the spreadsheet row of the first record counted; 1, the header, if none).",
)
SOURCE_LINE_END = Column(
    "source_line_end", "integer",
    "Last raw line the row's text came from (differs from `source_line` when a page break split "
    "the row).",
)
PERIOD = Column("period", "string", "Quarter of the reporting year (`Q1`-`Q4`) or `Total`.")
QUARTERS = ("Q1", "Q2", "Q3", "Q4", "Total")
SERVICE = Column("service", "string", "The service: `Children's Social Care` or `Non Social Care`.")
LABEL = Column("label", "string", "Row label as published.")

_QUARTERLY_MEASURES = _frozen(
    formal_complaints="formal complaints", informal_complaints="informal complaints",
    ombudsman_upheld="Ombudsman complaints upheld",
    ombudsman_received="Ombudsman complaints received",
    overdue_pct="% overdue (timescales)", fully_justified_pct="% fully justified",
    part_justified_pct="% part justified", compliments="compliments", learnings="learnings",
    total_complaints="total complaints",
)
_STATUTORY_MEASURES = _frozen(
    representations="representations", stage_1="stage 1 complaints",
    stage_2="stage 2 complaints", stage_3="stage 3 complaints",
    lgsco_approaches="Ombudsman (LGSCO) approaches",
    lgsco_upheld="Ombudsman (LGSCO) approaches upheld",
)
_WHOLE_AUTHORITY_MEASURES = _frozen(**{
    m: {**_QUARTERLY_MEASURES, **_STATUTORY_MEASURES}[m]
    for m in ("representations", "formal_complaints", "lgsco_approaches", "lgsco_upheld")
})
# fmt: on


def _measure_column(measures: Mapping[str, str]) -> Column:
    ids = ", ".join(f"`{m}`" for m in measures)
    return Column("measure", "string", f"Measure id: {ids}.")


def _texts(*which: Column) -> tuple[Column, ...]:
    """The columns of a table of text: the year, the text columns and the lines they span."""
    return (YEAR, REPORT_YEAR, *which, SOURCE_FILE, SOURCE_LINE, SOURCE_LINE_END)


def _figures(
    id: str, title: str, grain: str, source: str, which: tuple[Column, ...], notes=(), **card
) -> Card:
    """A table of figures: the year, the columns saying ``which`` figure, the figure (``value``,
    a count unless given), its unit and where it was printed. The figure's key is the year and
    ``which`` but ``label``; the workbook sheet pre-fills ``which``, and ``unit`` too where
    ``value`` has none (``percent (0-100)`` is in ``percent``)."""
    value, names = card.pop("value", VALUE_COUNT), tuple(c.name for c in which)
    columns = (YEAR, REPORT_YEAR, *which, value, UNIT, SOURCE_TEXT, SOURCE_FILE, SOURCE_LINE)
    unit = value.unit.split(" ")[0] or None
    sheet = {"sheet_labels": names + (() if unit else ("unit",)), "sheet_unit": unit}
    card = {"keys": ("year", *(n for n in names if n != "label")), **sheet} | card
    return Card(id, title, grain, source, columns, notes, **card)


_QUARTERLY_NOTES = (
    "The Ombudsman row prints `upheld/received` in one cell; it becomes two measures, "
    "`ombudsman_upheld` and `ombudsman_received`, with the same `source_text`.",
    "`total_complaints` is the figure stated under the table's caption ('Total Complaints = N'); "
    "it is kept as printed, not recomputed.",
    "Totals are kept as printed even where the quarters do not add up to them (as published, "
    "Non Social Care informal complaints do not); the validation step reports such cases.",
)


def _quarterly(part: str, source: str, *charts: Chart) -> Card:
    """A quarterly performance table: ``part`` of the service ("Social Care")."""
    slug = part.lower().replace(" ", "_")
    compliments = {"measure": "compliments", "period": "Total"}
    return _figures(
        f"{slug}_quarterly",
        f"Children's {part}: performance by quarter",
        "one measure in one quarter (or the year's total)",
        source,
        (_measure_column(_QUARTERLY_MEASURES), LABEL, PERIOD),
        _QUARTERLY_NOTES,
        value=VALUE_ANY,
        extract="extract_quarterly",
        sheet_labels=("measure", "label", "unit"),
        sheet_figures=QUARTERS,
        subject=part,
        phrase=f"the {part} quarterly table's total",
        measures=_QUARTERLY_MEASURES,
        layout=Layout("grid", _frozen(column="period")),
        charts=(Chart(f"{slug}_complaints_by_quarter", "complaints_by_quarter"), *charts),
        series=(
            Series(f"{slug}_compliments", f"Children's {part} compliments", compliments, "count"),
        ),
    )


def _statutory(
    part: str, measures: Mapping[str, str], formal: tuple[str, str], informal: tuple[str, str],
    notes: tuple[str, ...] = (),
) -> Card:  # fmt: skip
    """``part`` of the statutory reporting requirements table ("Social Care"). Its headline
    series: ``formal`` and ``informal`` complaints (measure, in words), approaches to the
    Ombudsman and those upheld."""
    slug, service = part.lower().replace(" ", "_"), f"Children's {part}"
    ombudsman = ("lgsco_approaches", "approaches to the Ombudsman")
    series = dict(formal=formal, informal=informal, ombudsman=ombudsman,
                  ombudsman_upheld=("lgsco_upheld", "Ombudsman cases upheld"))  # fmt: skip
    return _figures(
        f"statutory_{slug}",
        f"{service}: statutory reporting, three years",
        "one measure in one year",
        f"The '{service}' part of the statutory reporting requirements table.",
        (_measure_column(measures), LABEL),
        notes,
        years_shown=3,
        extract="extract_statutory",
        sheet_labels=("measure", "label", "unit"),
        sheet_unit=None,
        subject=part,
        phrase="the statutory reporting table",
        measures=measures,
        layout=Layout("grid", _frozen(heading=service)),
        charts=(Chart(f"statutory_{slug}", "statutory", options=_frozen(service=service)),),
        series=tuple(
            Series(f"{slug}_{s}", f"{service} {label}", {"measure": measure}, "count")
            for s, (measure, label) in series.items()
        ),
    )


def _ranked(id: str, key: str, unit: str, xlabel: str, ylabel: str, what: str) -> Chart:
    """A ``ranked`` chart of one figure per ``key``."""
    words = _frozen(key=key, unit=unit, xlabel=xlabel, ylabel=ylabel, what=what)
    return Chart(id, "ranked", options=words)


def _from_cases(
    id: str, title: str, grain: str, by: tuple[Column, ...], measures: Mapping[str, str],
    heading: str, chart: tuple[tuple[str, ...], str], **card
) -> Card:  # fmt: skip
    """A table only a case extract gives (:mod:`complaints.inputs.case_rules` computes it):
    one row per service, ``by`` and measure, printed with a section per service; its chart
    (``by_service``) shows the ``chart`` measure(s) and says what they are."""
    label = Column("label", "string", "Row label: what the figure counts.")
    return _figures(
        id,
        title,
        grain,
        "Computed from the year's case extract (not in the published 2022-23 report).",
        (SERVICE, *by, _measure_column(measures), label),
        value=VALUE_ANY,
        sheet_labels=(),
        sheet_figures=(),
        subject=title,
        measures=measures,
        layout=Layout("grid", _frozen(heading=heading, section="service")),
        charts=(Chart(id, "by_service", options=_frozen(measures=chart[0], what=chart[1])),),
        routes=("case extract",),
        **card,
    )


#: Every table, in the report's order (the order of the clean files, report tables and charts).
# fmt: off
CARDS: dict[str, Card] = {
    t.id: t
    for t in (
        _quarterly(
            "Social Care",
            "The quarterly performance table captioned 'People - Children's - Social Care'.",
        ),
        _quarterly(
            "Non Social Care",
            "The quarterly performance table captioned 'People - Children's - Non Social Care' "
            "(the caption is in markdown bold across two lines).",
            Chart("ombudsman_by_quarter", "ombudsman_by_quarter",
                  ("social_care_quarterly", "non_social_care_quarterly")),
        ),
        _statutory(
            "Social Care",
            _STATUTORY_MEASURES,
            formal=("stage_1", "formal complaints (Stage 1)"),
            informal=("representations", "informal complaints (representations)"),
            notes=(
                "'LGSCO approaches' cells are phrases ('5 with 1 upheld', '4 none upheld'); each "
                "becomes two measures, `lgsco_approaches` and `lgsco_upheld` ('none' is 0).",
            ),
        ),
        _statutory(
            "Whole Authority",
            _WHOLE_AUTHORITY_MEASURES,
            formal=("formal_complaints", "formal complaints"),
            informal=("representations", "representations"),
        ),
        _figures(
            "complainant_groups",
            "Who complained to Children's Social Care",
            "one complainant group",
            "The untitled two-column table after 'Which customer groups made the complaints'.",
            (Column("group", "string", "Complainant group as published."),),
            ("Only complainants who categorised themselves are counted, as the report says.",),
            extract="extract_complainant_groups",
            subject="Social Care complainant groups",
            layout=Layout("two_columns",
                          _frozen(key="group", headings=("Complainant group", "Complaints"))),
            charts=(_ranked("complainant_groups", "group", "count", "Number of complainants",
                            "Complainant group",
                            "complainants to Children's Social Care by group"),),
        ),
        _figures(
            "complaint_themes",
            "Children's Social Care complaints by theme",
            "one theme",
            "The 'Themes' table.",
            (Column("theme", "string", "Complaint theme as published."),),
            ("As published, the themes' percentages do not sum to 100; they are kept as printed.",),
            value=VALUE_PERCENT,
            extract="extract_themes",
            subject="Social Care complaint themes",
            shares_of=("year",),
            layout=Layout("two_columns",
                          _frozen(key="theme", headings=("Themes", "Children's Social Care"))),
            charts=(_ranked("complaint_themes", "theme", "percent",
                            "Percentage of Children's Social Care complaints", "Theme",
                            "Children's Social Care complaints by theme"),),
        ),
        _figures(
            "complaint_outcomes",
            "Children's Social Care complaint outcomes, this year and last",
            "one outcome in one year",
            "Prose only: 'Fully Justified 7% up from 6% last year' and the two sentences after it.",
            (Column("outcome", "string", "Outcome as published (e.g. 'Fully Justified')."),),
            ("The prior year's value is the 'from N%' figure of the same sentence.",),
            value=VALUE_PERCENT,
            years_shown=2,
            extract="extract_outcomes",
            subject="Social Care complaint outcomes",
            phrase="the outcomes paragraph",
            shares_of=("year",),
            layout=Layout("grid", _frozen(heading="Outcome", key="outcome")),
            charts=(Chart("complaint_outcomes", "outcomes"),),
        ),
        _figures(
            "children_in_care_by_year",
            "Complaints from children in care, by year",
            "one year",
            "The 'Year / Number of Complaints' table.",
            (LABEL,),
            years_shown=5,
            extract="extract_children_in_care_by_year",
            subject="Complaints from children in care",
            phrase="the children in care table by year",
            layout=Layout("two_columns",
                          _frozen(key="label", headings=("Year", "Number of Complaints"))),
            charts=(Chart("children_in_care_by_year", "children_in_care_by_year"),),
            series=(Series("children_in_care", "Complaints from children in care", {}, "count"),),
        ),
        _figures(
            "children_in_care_by_quarter",
            "Complaints from children in care, by quarter",
            "one quarter",
            "Prose only: 'In Q1 we identified 3 complaint/contacts ...' and the like.",
            (PERIOD,),
            extract="extract_children_in_care_quarters",
            subject="Complaints from children in care",
            phrase="the quarter's sentence",
            layout=Layout("two_columns", _frozen(key="period", headings=(
                "Quarter", "Complaints or contacts from children in care"))),
            charts=(Chart("children_in_care_by_quarter", "children_in_care_by_quarter"),),
        ),
        Card(
            "children_in_care_cases",
            "Children in care cases listed in the prose",
            "one case",
            "Prose only: the cases described under each quarter of 'Focus on Children in Care'.",
            _texts(
                PERIOD,
                Column("case_ref", "string", "Reference printed above the case (e.g. 'B (CIC)'); "
                       "empty when none is printed.", nullable=True),
                Column("summary", "string",
                       "The case as described, clean text; paragraphs separated by a newline."),
            ),
            (
                "Where no case is listed under a quarter, the quarter's own sentence describes it "
                "and is the summary.",
                "Text is kept as printed, including a stray '5' at the end of the 'SP re A' "
                "paragraph (it may be a page number, but the source does not say).",
            ),
            extract="extract_children_in_care_quarters",
            sheet_figures=("period", "case_ref", "summary"),
            subject="Children in care cases",
        ),
        _figures(
            "stage1_timescales",
            "Children's Social Care stage 1 complaints by response time, three years",
            "one time band in one year",
            "The 'Timescales' table.",
            (Column("band", "string", "Band id: `0_20_working_days` or `over_20_days`."), LABEL),
            value=VALUE_PERCENT,
            years_shown=3,
            extract="extract_stage1_timescales",
            subject="Stage 1 response times",
            phrase="the timescales table",
            shares_of=("year",),
            layout=Layout("grid", _frozen(heading="Timescales", key="label")),
            charts=(Chart("stage1_timescales", "stage1_timescales"),),
            series=(
                Series("stage1_within_20_days",
                       "Stage 1 complaints answered within 20 working days",
                       {"band": "0_20_working_days"}, "percent"),
            ),
        ),
        Card(
            "learning_from_complaints",
            "Learning from complaints",
            "one row of the published table",
            "The 'Case ID / What we have learned / What we have done' table.",
            _texts(
                Column("case_id", "string", "Case identifier as published (e.g. COM/00001269)."),
                Column("learned", "string", "What we have learned, clean text.", nullable=True),
                Column("action", "string", "What we have done as a result, clean text.",
                       nullable=True),
            ),
            (
                "A case id can appear more than once (as published, one does, with different "
                "text); every row is kept.",
                "A row split by a page break (its continuation starts with an empty case id cell) "
                "is joined into one row: that is a parsing artefact.",
                "HTML `<p>` tags are removed; separate paragraphs within a cell become lines.",
            ),
            extract="extract_learning",
            sheet_figures=("case_id", "learned", "action"),
            subject="Learning from complaints",
            layout=Layout("learning"),
        ),
        _figures(
            "equality_monitoring",
            "Equality monitoring of complainants (all council complaints)",
            "one group of one characteristic in one year",
            "The equality table after 'A summary of statistical data about the age, gender, ...'.",
            (
                Column("characteristic", "string", "Section of the table as published (Gender, "
                       "Sexuality, Age, Religion, ...)."),
                Column("group", "string", "Group as published."),
            ),
            (
                "The table is cut off at the end of the source file: the Disability section is "
                "incomplete as published, and is kept as printed.",
                "The header prints '2022- 23'; it is read as 2022-23 (a parsing artefact).",
            ),
            value=VALUE_PERCENT,
            years_shown=2,
            extract="extract_equality",
            subject="Equality monitoring",
            shares_of=("year", "characteristic"),
            layout=Layout("grid", _frozen(key="group", section="characteristic")),
            charts=(Chart("equality_monitoring", "equality"),),
        ),
        _figures(
            "key_facts",
            "Key facts stated in the prose",
            "one fact in one year",
            "Prose sentences: money amounts, Ombudsman counts, equality records, learnings counts, "
            "the Stage 2 case.",
            (Column("fact", "string", "Fact id, e.g. `stage2_remedy_paid`."),
             Column("label", "string", "What the fact is, in words.")),
            value=VALUE_ANY,
            years_shown=2,
            extract="extract_key_facts",
            subject="Key facts",
            phrase="the prose",
            layout=Layout("grid", _frozen(heading="Fact", key="label")),
        ),
        _from_cases(
            "stage_timeliness",
            "Responses within the statutory timescales, by stage",
            "one measure of one stage of one service",
            (Column("stage", "string", "The stage: `stage_1`, `stage_2` or `stage_3`."),),
            _frozen(responses="responses", on_time="responses on time",
                    on_time_pct="% of responses on time",
                    open="stages still open at the year's end"),
            "Stage",
            (("on_time_pct",), "responses on time"),
            notes=(
                "On time: stage 1 within 10 working days (20 with an extension agreed), stage 2 "
                "within 25 (65), stage 3 panel within 30 of the request (Children Act 1989 "
                "Representations Procedure (England) Regulations 2006, regs. 14, 17-19).",
            ),
        ),
        _from_cases(
            "escalation",
            "Complaints escalated from one stage to the next",
            "one measure of one service",
            (),
            _frozen(stage_1="stage 1 complaints", stage_2="stage 2 complaints",
                    stage_3="stage 3 complaints",
                    stage_2_of_stage_1_pct="% of stage 1 complaints taken to stage 2",
                    stage_3_of_stage_2_pct="% of stage 2 complaints taken to stage 3"),
            "Escalation",
            (("stage_2_of_stage_1_pct", "stage_3_of_stage_2_pct"), "complaints escalated"),
        ),
        _from_cases(
            "complaints_by_team",
            "Complaints received by team or locality",
            "one team of one service",
            (Column("team", "string", "The team or locality complained about."),),
            _frozen(complaints="complaints received"),
            "Team or locality",
            (("complaints",), "complaints by team"),
        ),
        _from_cases(
            "stage1_response_days",
            "Working days to a stage 1 response",
            "one measure of one service",
            (),
            _frozen(responses="stage 1 responses", mean_working_days="average working days",
                    median_working_days="median working days"),
            "Stage 1 response",
            (("mean_working_days", "median_working_days"), "working days to a stage 1 response"),
            notes=("Working days after the day of receipt (day 0), without weekends and the "
                   "England and Wales bank holidays.",),
        ),
        _from_cases(
            "children_complaints",
            "Complaints made by children and young people",
            "one measure of one service",
            (),
            _frozen(directly="made by a child or young person directly",
                    via_advocate="made through an advocate",
                    total="made by children and young people"),
            "Complaints by children and young people",
            (("directly", "via_advocate"), "complaints made by children"),
        ),
        Card(
            "case_refs",
            "The cases behind each figure (internal edition only)",
            "one case counted in one figure",
            "Computed from the year's case extract: the drill-down from a figure to its cases.",
            (YEAR, REPORT_YEAR,
             Column("table", "string", "The table of the figure (a table id above)."),
             Column("figure", "string", "The figure's key in its table, e.g. "
                    "`service=Children's Social Care; measure=formal_complaints; period=Q1`."),
             Column("case_ref", "string", "A case counted in the figure (its reference)."),
             SOURCE_FILE,
             Column("source_line", "integer", "The case's row in `source_file`, as numbered "
                    "in the spreadsheet (the header is row 1).")),
            ("Case references are personal data: the public edition has no rows.",),
            sheet_figures=(),
            subject="The cases behind each figure",
            routes=("case extract",),
        ),
    )
}
# fmt: on


def for_route(route: str) -> list[str]:
    """The tables a year's input of kind ``route`` (one of :data:`ROUTES`) gives."""
    return [c.id for c in CARDS.values() if route in c.routes]


def empty_frame(table_id: str) -> pd.DataFrame:
    """An empty frame with the table's columns, in order."""
    return pd.DataFrame(columns=CARDS[table_id].column_names)


def conform(table_id: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the table's columns, in order, and their declared types."""
    table = CARDS[table_id]
    missing = [c for c in table.column_names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in table.column_names]
    if missing or extra:
        raise ValueError(f"{table_id}: missing columns {missing}, unexpected columns {extra}")
    out = frame.loc[:, table.column_names].copy()
    for column in table.columns:
        kind, values = {"integer": "Int64", "string": "string"}.get(column.dtype), out[column.name]
        out[column.name] = values.astype(kind) if kind else pd.to_numeric(values)
    return out.reset_index(drop=True)


def repeated_row(
    rows: list[dict[str, object]], key: tuple[str, ...] | list[str]
) -> tuple[dict[str, object], int, int] | None:
    """The first row that gives again a figure an earlier row gave (same values of ``key``, on
    another line), as ``(its key values, first line, repeat line)``; ``None`` when every figure
    is given once (the raw text and the workbook refuse such a row, each in its own terms)."""
    first: dict[tuple[object, ...], int] = {}
    for row in rows:
        values = tuple(row[k] for k in key)
        line = int(row["source_line"])
        if values in first and first[values] != line:
            return dict(zip(key, values, strict=True)), first[values], line
        first.setdefault(values, line)
    return None
