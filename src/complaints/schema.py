"""The clean data's schema: every table, every column, its type and unit.

This module is the single source of the data dictionary (``docs/data_dictionary.md`` is generated
from it by ``make docs``; a test fails if the two drift apart) and of the column order of the
clean CSV files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "string", "integer" or "number"
    description: str
    unit: str = ""
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    grain: str  # what one row is
    source: str  # where in the report it comes from
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


# Columns shared by many tables -------------------------------------------------------------
YEAR = Column("year", "string", "Reporting year the figure describes (April to March), YYYY-YY.")
REPORT_YEAR = Column(
    "report_year", "string", "Reporting year of the report the figure was published in, YYYY-YY."
)
VALUE_COUNT = Column("value", "integer", "The figure as published.", unit="count")
VALUE_PERCENT = Column("value", "number", "The figure as published.", unit="percent (0-100)")
VALUE_ANY = Column("value", "number", "The figure as published; see `unit`.")
UNIT = Column("unit", "string", "Unit of `value`: `count`, `percent` or `GBP`.")
SOURCE_TEXT = Column(
    "source_text",
    "string",
    "The cell or phrase exactly as printed on the source line (e.g. `0/1`, `18%`, "
    "`5 with 1 upheld`, `£43,230`).",
)
SOURCE_FILE = Column(
    "source_file", "string", "Raw file the row was read from, relative to the project."
)
SOURCE_LINE = Column(
    "source_line", "integer", "1-based line number in `source_file` of the figure."
)
SOURCE_LINE_END = Column(
    "source_line_end",
    "integer",
    "Last raw line the row's text came from (differs from `source_line` when a page break split "
    "the row).",
)
PROVENANCE = (SOURCE_TEXT, SOURCE_FILE, SOURCE_LINE)
PERIOD = Column("period", "string", "Quarter of the reporting year (`Q1`-`Q4`) or `Total`.")

_QUARTERLY_COLUMNS = (
    YEAR,
    REPORT_YEAR,
    Column(
        "measure",
        "string",
        "Measure id: `formal_complaints`, `informal_complaints`, `ombudsman_upheld`, "
        "`ombudsman_received`, `overdue_pct`, `fully_justified_pct`, `part_justified_pct`, "
        "`compliments`, `learnings`, `total_complaints`.",
    ),
    Column("label", "string", "Row label as published."),
    PERIOD,
    VALUE_ANY,
    UNIT,
    *PROVENANCE,
)
_QUARTERLY_NOTES = (
    "The Ombudsman row prints `upheld/received` in one cell; it becomes two measures, "
    "`ombudsman_upheld` and `ombudsman_received`, with the same `source_text`.",
    "`total_complaints` is the figure stated under the table's caption ('Total Complaints = N'); "
    "it is kept as printed, not recomputed.",
    "Totals are kept as printed even where the quarters do not add up to them (as published, "
    "Non Social Care informal complaints do not); the validation step reports such cases.",
)

TABLES: dict[str, Table] = {
    t.id: t
    for t in (
        Table(
            "social_care_quarterly",
            "Children's Social Care: performance by quarter",
            "one measure in one quarter (or the year's total)",
            "The quarterly performance table captioned 'People - Children's - Social Care'.",
            _QUARTERLY_COLUMNS,
            _QUARTERLY_NOTES,
        ),
        Table(
            "non_social_care_quarterly",
            "Children's Non Social Care: performance by quarter",
            "one measure in one quarter (or the year's total)",
            "The quarterly performance table captioned 'People - Children's - Non Social Care' "
            "(the caption is in markdown bold across two lines).",
            _QUARTERLY_COLUMNS,
            _QUARTERLY_NOTES,
        ),
        Table(
            "statutory_social_care",
            "Children's Social Care: statutory reporting, three years",
            "one measure in one year",
            "The 'Children's Social Care' part of the statutory reporting requirements table.",
            (
                YEAR,
                REPORT_YEAR,
                Column(
                    "measure",
                    "string",
                    "Measure id: `representations`, `stage_1`, `stage_2`, `stage_3`, "
                    "`lgsco_approaches`, `lgsco_upheld`.",
                ),
                Column("label", "string", "Row label as published."),
                VALUE_COUNT,
                UNIT,
                *PROVENANCE,
            ),
            (
                "'LGSCO approaches' cells are phrases ('5 with 1 upheld', '4 none upheld'); each "
                "becomes two measures, `lgsco_approaches` and `lgsco_upheld` ('none' is 0).",
            ),
        ),
        Table(
            "statutory_whole_authority",
            "Children's Whole Authority: statutory reporting, three years",
            "one measure in one year",
            "The 'Children's Whole Authority' part of the statutory reporting requirements table.",
            (
                YEAR,
                REPORT_YEAR,
                Column(
                    "measure",
                    "string",
                    "Measure id: `representations`, `formal_complaints`, `lgsco_approaches`, "
                    "`lgsco_upheld`.",
                ),
                Column("label", "string", "Row label as published."),
                VALUE_COUNT,
                UNIT,
                *PROVENANCE,
            ),
        ),
        Table(
            "complainant_groups",
            "Who complained to Children's Social Care",
            "one complainant group",
            "The untitled two-column table after 'Which customer groups made the complaints'.",
            (
                YEAR,
                REPORT_YEAR,
                Column("group", "string", "Complainant group as published."),
                VALUE_COUNT,
                UNIT,
                *PROVENANCE,
            ),
            ("Only complainants who categorised themselves are counted, as the report says.",),
        ),
        Table(
            "complaint_themes",
            "Children's Social Care complaints by theme",
            "one theme",
            "The 'Themes' table.",
            (
                YEAR,
                REPORT_YEAR,
                Column("theme", "string", "Complaint theme as published."),
                VALUE_PERCENT,
                UNIT,
                *PROVENANCE,
            ),
            ("As published, the themes' percentages do not sum to 100; they are kept as printed.",),
        ),
        Table(
            "complaint_outcomes",
            "Children's Social Care complaint outcomes, this year and last",
            "one outcome in one year",
            "Prose only: 'Fully Justified 7% up from 6% last year' and the two sentences after it.",
            (
                YEAR,
                REPORT_YEAR,
                Column("outcome", "string", "Outcome as published (e.g. 'Fully Justified')."),
                VALUE_PERCENT,
                UNIT,
                *PROVENANCE,
            ),
            ("The prior year's value is the 'from N%' figure of the same sentence.",),
        ),
        Table(
            "children_in_care_by_year",
            "Complaints from children in care, by year",
            "one year",
            "The 'Year / Number of Complaints' table.",
            (
                YEAR,
                REPORT_YEAR,
                Column("label", "string", "Row label as published."),
                VALUE_COUNT,
                UNIT,
                *PROVENANCE,
            ),
        ),
        Table(
            "children_in_care_by_quarter",
            "Complaints from children in care, by quarter",
            "one quarter",
            "Prose only: 'In Q1 we identified 3 complaint/contacts ...' and the like.",
            (YEAR, REPORT_YEAR, PERIOD, VALUE_COUNT, UNIT, *PROVENANCE),
        ),
        Table(
            "children_in_care_cases",
            "Children in care cases listed in the prose",
            "one case",
            "Prose only: the cases described under each quarter of 'Focus on Children in Care'.",
            (
                YEAR,
                REPORT_YEAR,
                PERIOD,
                Column(
                    "case_ref",
                    "string",
                    "Reference printed above the case (e.g. 'B (CIC)'); empty when none is "
                    "printed.",
                    nullable=True,
                ),
                Column(
                    "summary",
                    "string",
                    "The case as described, clean text; paragraphs separated by a newline.",
                ),
                SOURCE_FILE,
                SOURCE_LINE,
                SOURCE_LINE_END,
            ),
            (
                "Where no case is listed under a quarter, the quarter's own sentence describes it "
                "and is the summary.",
                "Text is kept as printed, including a stray '5' at the end of the 'SP re A' "
                "paragraph (it may be a page number, but the source does not say).",
            ),
        ),
        Table(
            "stage1_timescales",
            "Children's Social Care stage 1 complaints by response time, three years",
            "one time band in one year",
            "The 'Timescales' table.",
            (
                YEAR,
                REPORT_YEAR,
                Column("band", "string", "Band id: `0_20_working_days` or `over_20_days`."),
                Column("label", "string", "Row label as published."),
                VALUE_PERCENT,
                UNIT,
                *PROVENANCE,
            ),
        ),
        Table(
            "learning_from_complaints",
            "Learning from complaints",
            "one row of the published table",
            "The 'Case ID / What we have learned / What we have done' table.",
            (
                YEAR,
                REPORT_YEAR,
                Column("case_id", "string", "Case identifier as published (e.g. COM/00001269)."),
                Column("learned", "string", "What we have learned, clean text.", nullable=True),
                Column(
                    "action", "string", "What we have done as a result, clean text.", nullable=True
                ),
                SOURCE_FILE,
                SOURCE_LINE,
                SOURCE_LINE_END,
            ),
            (
                "A case id can appear more than once (as published, one does, with different "
                "text); every row is kept.",
                "A row split by a page break (its continuation starts with an empty case id cell) "
                "is joined into one row: that is a parsing artefact.",
                "HTML `<p>` tags are removed; separate paragraphs within a cell become lines.",
            ),
        ),
        Table(
            "equality_monitoring",
            "Equality monitoring of complainants (all council complaints)",
            "one group of one characteristic in one year",
            "The equality table after 'A summary of statistical data about the age, gender, ...'.",
            (
                YEAR,
                REPORT_YEAR,
                Column(
                    "characteristic",
                    "string",
                    "Section of the table as published (Gender, Sexuality, Age, Religion, ...).",
                ),
                Column("group", "string", "Group as published."),
                VALUE_PERCENT,
                UNIT,
                *PROVENANCE,
            ),
            (
                "The table is cut off at the end of the source file: the Disability section is "
                "incomplete as published, and is kept as printed.",
                "The header prints '2022- 23'; it is read as 2022-23 (a parsing artefact).",
            ),
        ),
        Table(
            "key_facts",
            "Key facts stated in the prose",
            "one fact in one year",
            "Prose sentences: money amounts, Ombudsman counts, equality records, learnings counts, "
            "the Stage 2 case.",
            (
                YEAR,
                REPORT_YEAR,
                Column("fact", "string", "Fact id, e.g. `stage2_remedy_paid`."),
                Column("label", "string", "What the fact is, in words."),
                VALUE_ANY,
                UNIT,
                *PROVENANCE,
            ),
        ),
    )
}


#: Columns that identify a figure across reports: two rows with the same key describe the same
#: figure (from the same or from different reports). Empty for free-text tables, whose rows are
#: not compared across reports.
KEYS: dict[str, tuple[str, ...]] = {
    "social_care_quarterly": ("year", "measure", "period"),
    "non_social_care_quarterly": ("year", "measure", "period"),
    "statutory_social_care": ("year", "measure"),
    "statutory_whole_authority": ("year", "measure"),
    "complainant_groups": ("year", "group"),
    "complaint_themes": ("year", "theme"),
    "complaint_outcomes": ("year", "outcome"),
    "children_in_care_by_year": ("year",),
    "children_in_care_by_quarter": ("year", "period"),
    "children_in_care_cases": (),
    "stage1_timescales": ("year", "band"),
    "learning_from_complaints": (),
    "equality_monitoring": ("year", "characteristic", "group"),
    "key_facts": ("year", "fact"),
}

#: How many reporting years the published table shows, the report's own year first (the
#: statutory tables compare three years, children in care five, ...).
YEARS_SHOWN: dict[str, int] = {
    "statutory_social_care": 3,
    "statutory_whole_authority": 3,
    "complaint_outcomes": 2,
    "children_in_care_by_year": 5,
    "stage1_timescales": 3,
    "equality_monitoring": 2,
    "key_facts": 2,
}


def empty_frame(table_id: str) -> pd.DataFrame:
    """An empty frame with the table's columns, in order."""
    return pd.DataFrame(columns=TABLES[table_id].column_names)


def conform(table_id: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the table's columns, in order, and their declared types."""
    table = TABLES[table_id]
    missing = [c for c in table.column_names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in table.column_names]
    if missing or extra:
        raise ValueError(f"{table_id}: missing columns {missing}, unexpected columns {extra}")
    out = frame.loc[:, table.column_names].copy()
    for column in table.columns:
        if column.dtype == "integer":
            out[column.name] = out[column.name].astype("Int64")
        elif column.dtype == "string":
            out[column.name] = out[column.name].astype("string")
        else:
            out[column.name] = pd.to_numeric(out[column.name])
    return out.reset_index(drop=True)


def repeated_row(
    rows: list[dict[str, object]], key: tuple[str, ...] | list[str]
) -> tuple[dict[str, object], int, int] | None:
    """The first row that gives again a figure an earlier row gave (same values of ``key``, on
    another line), as ``(its key values, first line, repeat line)``; ``None`` when every figure
    is given once. Both the raw-text extraction and the new-year
    workbook refuse such a row, each naming it in its own terms (line or sheet row)."""
    first: dict[tuple[object, ...], int] = {}
    for row in rows:
        values = tuple(row[k] for k in key)
        line = int(row["source_line"])
        if values in first and first[values] != line:
            return dict(zip(key, values, strict=True)), first[values], line
        first.setdefault(values, line)
    return None
