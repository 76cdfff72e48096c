"""The reconciliation table: every figure the report states twice, or can be added up, side by side.

A careful auditor checks that a published report agrees with itself: quarters add up to the
printed total, percentage groups make 100, the statutory tables repeat the quarterly tables'
totals, the prose repeats the tables. :func:`build_reconciliation` computes every such identity
*generically* from the clean tables (sums over groups, figure-to-figure links) into one tidy
frame, one row per identity:

==============  ==============================================================================
column          meaning
==============  ==============================================================================
check           kind of identity (one expectation of ``expectations/reconciliation.json`` each)
identity        what is compared, in words (e.g. "Non Social Care informal complaints, 2022-23")
year            reporting year the figures describe
relation        ``==`` (agree), ``<=`` (left not above right) or ``>=`` (left not below right)
tolerance       how far apart the two may be (rounding of printed percentages), in the unit
left_*          the first figure: ``value``, ``table``, ``what`` (a phrase) and ``lines``
right_*         the second figure, likewise
unit            unit of both figures (``count`` or ``percent``)
remark          extra context for the note (e.g. "it is the last section of the table")
discrepancy     how far the relation is broken (0 when it holds), computed here
==============  ==============================================================================

The table is then validated with Great Expectations (``tolerance >= discrepancy`` for every row of
each check), so cross-table checks are expectations like any other. Nothing here knows which
identities fail in a given year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from complaints import cards
from complaints.words import format_lines, format_value

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
TOTAL = "Total"

#: Printed percentages are whole numbers: each may be up to half a point off its true value.
HALF_POINT = 0.5
#: A group of percentages whose sum is this many points short of 100 looks cut off, not rounded.
TRUNCATION_SHORTFALL = 25.0
#: A yearly percentage is a weighted average of its quarters: allowed to stray outside the
#: quarters' range only by the rounding of the total and of the quarter (half a point each).
AVERAGE_TOLERANCE = 2 * HALF_POINT

RECONCILIATION_COLUMNS = (
    "check",
    "identity",
    "year",
    "relation",
    "tolerance",
    "unit",
    "left_value",
    "left_table",
    "left_what",
    "left_lines",
    "right_value",
    "right_table",
    "right_what",
    "right_lines",
    "remark",
    "discrepancy",
)

#: Short names of the tables' subjects, used to name identities in sentences.
SUBJECT = {
    "social_care_quarterly": "Social Care",
    "non_social_care_quarterly": "Non Social Care",
    "statutory_social_care": "Social Care",
    "statutory_whole_authority": "Whole Authority",
    "complainant_groups": "Social Care complainant groups",
    "complaint_themes": "Social Care complaint themes",
    "complaint_outcomes": "Social Care complaint outcomes",
    "children_in_care_by_year": "Complaints from children in care",
    "children_in_care_by_quarter": "Complaints from children in care",
    "children_in_care_cases": "Children in care cases",
    "stage1_timescales": "Stage 1 response times",
    "learning_from_complaints": "Learning from complaints",
    "equality_monitoring": "Equality monitoring",
    "key_facts": "Key facts",
}

#: How a figure from each table is introduced in a sentence ("... gives 5").
SOURCE_PHRASE = {
    "social_care_quarterly": "the Social Care quarterly table's total",
    "non_social_care_quarterly": "the Non Social Care quarterly table's total",
    "statutory_social_care": "the statutory reporting table",
    "statutory_whole_authority": "the statutory reporting table",
    "complaint_outcomes": "the outcomes paragraph",
    "stage1_timescales": "the timescales table",
    "children_in_care_by_year": "the children in care table by year",
    "children_in_care_by_quarter": "the quarter's sentence",
    "key_facts": "the prose",
}

#: Measure ids in words.
MEASURE_WORDS = {
    "formal_complaints": "formal complaints",
    "informal_complaints": "informal complaints",
    "ombudsman_upheld": "Ombudsman complaints upheld",
    "ombudsman_received": "Ombudsman complaints received",
    "overdue_pct": "% overdue (timescales)",
    "fully_justified_pct": "% fully justified",
    "part_justified_pct": "% part justified",
    "compliments": "compliments",
    "learnings": "learnings",
    "total_complaints": "total complaints",
    "representations": "representations",
    "stage_1": "stage 1 complaints",
    "stage_2": "stage 2 complaints",
    "stage_3": "stage 3 complaints",
    "lgsco_approaches": "Ombudsman (LGSCO) approaches",
    "lgsco_upheld": "Ombudsman (LGSCO) approaches upheld",
}

#: Tables whose percentages are shares of one whole: the groups (rows sharing these columns)
#: should add up to 100.
PERCENT_GROUPS: dict[str, tuple[str, ...]] = {
    "complaint_themes": ("year",),
    "complaint_outcomes": ("year",),
    "stage1_timescales": ("year",),
    "equality_monitoring": ("year", "characteristic"),
}

#: (upheld, received) pairs of measure or fact ids: no more can be upheld than were received.
UPHELD_PAIRS = (
    ("ombudsman_upheld", "ombudsman_received"),
    ("lgsco_upheld", "lgsco_approaches"),
    ("ombudsman_social_care_maladministration", "ombudsman_social_care_investigated"),
    ("ombudsman_non_social_care_upheld", "ombudsman_non_social_care_heard"),
)

QUARTERLY_TABLES = ("social_care_quarterly", "non_social_care_quarterly")


@dataclass(frozen=True)
class Ref:
    """One figure per year: the rows of ``table`` matching ``where`` (column -> value)."""

    table: str
    where: Mapping[str, str] = field(default_factory=dict)
    phrase: str | None = None  # overrides SOURCE_PHRASE[table]


@dataclass(frozen=True)
class Link:
    """Two places that state the same figure."""

    identity: str
    left: Ref
    right: Ref


_QUARTERLY_TOTAL = {"period": TOTAL}

#: Figures the report states in two places. Each is compared for every year both places hold.
LINKS: tuple[Link, ...] = (
    # The statutory reporting table repeats the quarterly tables' totals ...
    Link(
        "Social Care representations (complaints resolved informally)",
        Ref("statutory_social_care", {"measure": "representations"}),
        Ref("social_care_quarterly", {"measure": "informal_complaints", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Social Care stage 1 (formal) complaints",
        Ref("statutory_social_care", {"measure": "stage_1"}),
        Ref("social_care_quarterly", {"measure": "formal_complaints", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Social Care Ombudsman approaches",
        Ref("statutory_social_care", {"measure": "lgsco_approaches"}),
        Ref("social_care_quarterly", {"measure": "ombudsman_received", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Social Care Ombudsman approaches upheld",
        Ref("statutory_social_care", {"measure": "lgsco_upheld"}),
        Ref("social_care_quarterly", {"measure": "ombudsman_upheld", **_QUARTERLY_TOTAL}),
    ),
    # ... and its "Whole Authority" part those of the Non Social Care table.
    Link(
        "Whole Authority (Non Social Care) formal complaints",
        Ref("statutory_whole_authority", {"measure": "formal_complaints"}),
        Ref("non_social_care_quarterly", {"measure": "formal_complaints", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Whole Authority (Non Social Care) representations (complaints resolved informally)",
        Ref("statutory_whole_authority", {"measure": "representations"}),
        Ref("non_social_care_quarterly", {"measure": "informal_complaints", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Whole Authority (Non Social Care) Ombudsman approaches",
        Ref("statutory_whole_authority", {"measure": "lgsco_approaches"}),
        Ref("non_social_care_quarterly", {"measure": "ombudsman_received", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Whole Authority (Non Social Care) Ombudsman approaches upheld",
        Ref("statutory_whole_authority", {"measure": "lgsco_upheld"}),
        Ref("non_social_care_quarterly", {"measure": "ombudsman_upheld", **_QUARTERLY_TOTAL}),
    ),
    # The prose repeats the tables.
    Link(
        "Social Care complaints investigated by the Ombudsman",
        Ref("key_facts", {"fact": "ombudsman_social_care_investigated"}),
        Ref("statutory_social_care", {"measure": "lgsco_approaches"}),
    ),
    Link(
        "Social Care Ombudsman cases with maladministration (upheld)",
        Ref("key_facts", {"fact": "ombudsman_social_care_maladministration"}),
        Ref("statutory_social_care", {"measure": "lgsco_upheld"}),
    ),
    Link(
        "Non Social Care complaints heard by the Ombudsman",
        Ref("key_facts", {"fact": "ombudsman_non_social_care_heard"}),
        Ref("statutory_whole_authority", {"measure": "lgsco_approaches"}),
    ),
    Link(
        "Non Social Care complaints upheld by the Ombudsman",
        Ref("key_facts", {"fact": "ombudsman_non_social_care_upheld"}),
        Ref("statutory_whole_authority", {"measure": "lgsco_upheld"}),
    ),
    Link(
        "Cases accepted at Stage 2",
        Ref("key_facts", {"fact": "stage2_cases_accepted"}),
        Ref("statutory_social_care", {"measure": "stage_2"}),
    ),
    Link(
        "Social Care complaints fully justified",
        Ref("key_facts", {"fact": "social_care_fully_justified_pct"}),
        Ref("social_care_quarterly", {"measure": "fully_justified_pct", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Social Care complaints fully justified",
        Ref("complaint_outcomes", {"outcome": "Fully Justified"}),
        Ref("social_care_quarterly", {"measure": "fully_justified_pct", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Social Care complaints partially justified",
        Ref("complaint_outcomes", {"outcome": "Partially Justified"}),
        Ref("social_care_quarterly", {"measure": "part_justified_pct", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Social Care stage 1 complaints answered after 20 days",
        Ref("stage1_timescales", {"band": "over_20_days"}),
        Ref("social_care_quarterly", {"measure": "overdue_pct", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Complaints from children in care",
        Ref("key_facts", {"fact": "children_in_care_cases"}),
        Ref("children_in_care_by_year"),
    ),
    Link(
        "Social Care learnings",
        Ref("key_facts", {"fact": "social_care_learnings"}),
        Ref("social_care_quarterly", {"measure": "learnings", **_QUARTERLY_TOTAL}),
    ),
    Link(
        "Non Social Care learnings",
        Ref("key_facts", {"fact": "non_social_care_learnings"}),
        Ref("non_social_care_quarterly", {"measure": "learnings", **_QUARTERLY_TOTAL}),
    ),
)


@dataclass(frozen=True)
class Side:
    value: float
    table: str
    what: str
    lines: tuple[int, ...]


# Formatting -------------------------------------------------------------------------------------


# Building ---------------------------------------------------------------------------------------


def _lines(frame: pd.DataFrame) -> tuple[int, ...]:
    if "source_line" not in frame.columns:
        return ()
    return tuple(sorted({int(n) for n in frame["source_line"].dropna()}))


def _norm(text: object) -> str:
    return " ".join(str(text).split()).casefold()


def _row(
    check: str,
    identity: str,
    year: str,
    left: Side,
    right: Side,
    *,
    relation: str = "==",
    tolerance: float = 0.0,
    unit: str = "count",
    remark: str = "",
) -> dict[str, object]:
    return {
        "check": check,
        "identity": identity,
        "year": str(year),
        "relation": relation,
        "tolerance": float(tolerance),
        "unit": unit,
        "left_value": float(left.value),
        "left_table": left.table,
        "left_what": left.what,
        "left_lines": format_lines(left.lines),
        "right_value": float(right.value),
        "right_table": right.table,
        "right_what": right.what,
        "right_lines": format_lines(right.lines),
        "remark": remark,
    }


def _unit_of(frame: pd.DataFrame) -> str:
    if "unit" in frame.columns and frame["unit"].notna().any():
        return str(frame["unit"].dropna().iloc[0])
    return "count"


def _quarterly_sums(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, object]]:
    """Count measures: Q1 + Q2 + Q3 + Q4 = the printed total."""
    rows = []
    for table_id in QUARTERLY_TABLES:
        frame = tables.get(table_id)
        if frame is None:
            continue
        counts = frame[frame["unit"] == "count"]
        for (year, measure), group in counts.groupby(["year", "measure"], sort=False):
            quarters = group[group["period"].isin(QUARTERS)]
            total = group[group["period"] == TOTAL]
            if quarters.empty or len(total) != 1:
                continue
            words = MEASURE_WORDS.get(measure, measure.replace("_", " "))
            rows.append(
                _row(
                    "quarters_add_up_to_total",
                    f"{SUBJECT[table_id]} {words}, {year}",
                    year,
                    Side(
                        quarters["value"].sum(),
                        table_id,
                        "the quarters add up to",
                        _lines(quarters),
                    ),
                    Side(total["value"].iloc[0], table_id, "the printed total is", _lines(total)),
                )
            )
    return rows


def _children_in_care_quarters(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, object]]:
    """Children in care: the quarters in the prose add up to the figure in the table by year."""
    by_quarter = tables.get("children_in_care_by_quarter")
    by_year = tables.get("children_in_care_by_year")
    if by_quarter is None or by_year is None:
        return []
    rows = []
    for year, quarters in by_quarter.groupby("year", sort=False):
        year_row = by_year[by_year["year"] == year]
        if len(year_row) != 1:
            continue
        rows.append(
            _row(
                "quarters_add_up_to_total",
                f"{SUBJECT['children_in_care_by_year']}, {year}",
                year,
                Side(
                    quarters["value"].sum(),
                    "children_in_care_by_quarter",
                    "the quarters in the prose add up to",
                    _lines(quarters),
                ),
                Side(
                    year_row["value"].iloc[0],
                    "children_in_care_by_year",
                    "the table by year gives",
                    _lines(year_row),
                ),
            )
        )
    return rows


def _total_complaints(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, object]]:
    """The caption's 'Total Complaints = N' is formal plus informal complaints."""
    rows = []
    for table_id in QUARTERLY_TABLES:
        frame = tables.get(table_id)
        if frame is None:
            continue
        totals = frame[frame["period"] == TOTAL]
        for year, group in totals.groupby("year", sort=False):
            stated = group[group["measure"] == "total_complaints"]
            parts = group[group["measure"].isin(["formal_complaints", "informal_complaints"])]
            if len(stated) != 1 or len(parts) != 2:
                continue
            rows.append(
                _row(
                    "total_is_formal_plus_informal",
                    f"{SUBJECT[table_id]} total complaints, {year}",
                    year,
                    Side(stated["value"].iloc[0], table_id, "the caption says", _lines(stated)),
                    Side(
                        parts["value"].sum(),
                        table_id,
                        "the formal and informal totals make",
                        _lines(parts),
                    ),
                )
            )
    return rows


def _percent_totals(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, object]]:
    """A yearly percentage (an average of the quarters) lies within the quarters' range."""
    rows = []
    for table_id in QUARTERLY_TABLES:
        frame = tables.get(table_id)
        if frame is None:
            continue
        percents = frame[frame["unit"] == "percent"]
        for (year, measure), group in percents.groupby(["year", "measure"], sort=False):
            quarters = group[group["period"].isin(QUARTERS)]
            total = group[group["period"] == TOTAL]
            if quarters.empty or len(total) != 1:
                continue
            identity = f"{SUBJECT[table_id]} {MEASURE_WORDS.get(measure, measure)}, {year}"
            printed = Side(total["value"].iloc[0], table_id, "the printed total is", _lines(total))
            for relation, pick, what in (
                ("<=", quarters["value"].idxmax(), "the highest quarter"),
                (">=", quarters["value"].idxmin(), "the lowest quarter"),
            ):
                quarter = quarters.loc[[pick]]
                label = f"{what} ({quarter['period'].iloc[0]})"
                rows.append(
                    _row(
                        "total_percent_within_quarters",
                        identity,
                        year,
                        printed,
                        Side(quarter["value"].iloc[0], table_id, label, _lines(quarter)),
                        relation=relation,
                        tolerance=AVERAGE_TOLERANCE,
                        unit="percent",
                    )
                )
    return rows


def _percent_groups(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, object]]:
    """Shares of one whole add up to 100 (within rounding), and no section is cut off."""
    rows = []
    for table_id, keys in PERCENT_GROUPS.items():
        frame = tables.get(table_id)
        if frame is None or frame.empty:
            continue
        last_line = frame["source_line"].max()
        for key, group in frame.groupby(list(keys), sort=False):
            key = key if isinstance(key, tuple) else (key,)
            named = dict(zip(keys, key, strict=True))
            year = named["year"]
            label = ", ".join([SUBJECT[table_id], *[str(named[k]) for k in keys if k != "year"]])
            identity = f"{label}, {year}"
            total = Side(group["value"].sum(), table_id, "the percentages add up to", _lines(group))
            whole = Side(100.0, table_id, "a whole is", ())
            n = len(group)
            rows.append(
                _row(
                    "percentages_add_up_to_100",
                    identity,
                    year,
                    total,
                    whole,
                    tolerance=HALF_POINT * n,
                    unit="percent",
                    remark=f"{n} groups, each rounded to a whole number",
                )
            )
            is_last = group["source_line"].max() == last_line
            rows.append(
                _row(
                    "section_complete",
                    identity,
                    year,
                    total,
                    whole,
                    relation=">=",
                    tolerance=TRUNCATION_SHORTFALL,
                    unit="percent",
                    remark="it is the last section of the table" if is_last else "",
                )
            )
    return rows


def _ref_by_year(
    tables: Mapping[str, pd.DataFrame], ref: Ref, normalised: dict[tuple[str, str], pd.Series]
) -> dict[str, pd.DataFrame]:
    frame = tables.get(ref.table)
    if frame is None or any(c not in frame.columns for c in (*ref.where, "year")):
        return {}
    mask = pd.Series(True, index=frame.index)
    for column, wanted in ref.where.items():
        if (ref.table, column) not in normalised:
            normalised[ref.table, column] = frame[column].map(_norm)
        mask &= normalised[ref.table, column] == _norm(wanted)
    return {str(year): group for year, group in frame[mask].groupby("year", sort=False)}


def _links(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, object]]:
    """The same figure stated in two places agrees, for every year both places hold."""
    rows = []
    normalised: dict[tuple[str, str], pd.Series] = {}
    for link in LINKS:
        left_years = _ref_by_year(tables, link.left, normalised)
        right_years = _ref_by_year(tables, link.right, normalised)
        for year, left in left_years.items():
            right = right_years.get(year)
            if right is None or len(left) != 1 or len(right) != 1:
                continue
            sides = []
            for ref, chosen in ((link.left, left), (link.right, right)):
                phrase = ref.phrase or SOURCE_PHRASE.get(ref.table, f"table {ref.table}")
                sides.append(
                    Side(chosen["value"].iloc[0], ref.table, f"{phrase} gives", _lines(chosen))
                )
            rows.append(
                _row(
                    "same_figure_agrees",
                    f"{link.identity}, {year}",
                    year,
                    *sides,
                    unit=_unit_of(left),
                )
            )
    return rows


def _cases_listed(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, object]]:
    """Each quarter's count of children in care complaints matches the cases listed under it."""
    counts = tables.get("children_in_care_by_quarter")
    cases = tables.get("children_in_care_cases")
    if counts is None or cases is None:
        return []
    rows = []
    for _, count in counts.iterrows():
        listed = cases[(cases["year"] == count["year"]) & (cases["period"] == count["period"])]
        rows.append(
            _row(
                "cases_listed_match_count",
                f"Children in care, {count['period']} {count['year']}",
                count["year"],
                Side(len(listed), "children_in_care_cases", "the prose lists", _lines(listed)),
                Side(
                    count["value"],
                    "children_in_care_by_quarter",
                    "the quarter's sentence counts",
                    (int(count["source_line"]),),
                ),
            )
        )
    return rows


def _groups_within_total(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, object]]:
    """Complainants who categorised themselves are at most all Social Care complaints."""
    groups = tables.get("complainant_groups")
    quarterly = tables.get("social_care_quarterly")
    if groups is None or quarterly is None:
        return []
    total = quarterly[(quarterly["measure"] == "total_complaints") & (quarterly["period"] == TOTAL)]
    rows = []
    for year, group in groups.groupby("year", sort=False):
        stated = total[total["year"] == year]
        if len(stated) != 1:
            continue
        rows.append(
            _row(
                "groups_within_total",
                f"{SUBJECT['complainant_groups']}, {year}",
                year,
                Side(
                    group["value"].sum(),
                    "complainant_groups",
                    "the groups add up to",
                    _lines(group),
                ),
                Side(
                    stated["value"].iloc[0],
                    "social_care_quarterly",
                    "the total complaints figure,",
                    _lines(stated),
                ),
                relation="<=",
            )
        )
    return rows


def _upheld_pairs(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, object]]:
    """No more Ombudsman complaints can be upheld than were received."""
    rows = []
    for table_id, frame in tables.items():
        id_column = next((c for c in ("measure", "fact") if c in frame.columns), None)
        if id_column is None:
            continue
        keys = [c for c in ("year", "period") if c in frame.columns]
        for upheld_id, received_id in UPHELD_PAIRS:
            upheld = frame[frame[id_column] == upheld_id]
            received = frame[frame[id_column] == received_id]
            if upheld.empty or received.empty:
                continue
            for key, up in upheld.groupby(keys, sort=False):
                key = key if isinstance(key, tuple) else (key,)
                named = dict(zip(keys, key, strict=True))
                rec = received
                for column, value in named.items():
                    rec = rec[rec[column] == value]
                if len(up) != 1 or len(rec) != 1:
                    continue
                period = f"{named['period']} " if named.get("period") not in (None, TOTAL) else ""
                subject = f"{SUBJECT[table_id]} Ombudsman complaints"
                if id_column == "fact" and "label" in rec.columns:
                    subject = f"{rec['label'].iloc[0]} (prose)"
                rows.append(
                    _row(
                        "upheld_not_above_received",
                        f"{subject}, {period}{named['year']}",
                        named["year"],
                        Side(up["value"].iloc[0], table_id, f"upheld ({upheld_id})", _lines(up)),
                        Side(
                            rec["value"].iloc[0],
                            table_id,
                            f"received ({received_id})",
                            _lines(rec),
                        ),
                        relation="<=",
                    )
                )
    return rows


BUILDERS = (
    _upheld_pairs,
    _quarterly_sums,
    _children_in_care_quarters,
    _total_complaints,
    _percent_totals,
    _percent_groups,
    _links,
    _cases_listed,
    _groups_within_total,
)


def discrepancy(relation: pd.Series, left: pd.Series, right: pd.Series) -> pd.Series:
    """How far each relation is broken: 0 when it holds."""
    gap = left - right
    out = gap.abs()
    out = out.where(relation != "<=", gap.clip(lower=0))
    out = out.where(relation != ">=", (-gap).clip(lower=0))
    return out.astype(float) + 0.0  # no negative zeros


def _report_conflicts(conflicts: pd.DataFrame | None) -> list[dict[str, object]]:
    """The same figure given by two reports (the multi-year store): one identity each, from
    :func:`complaints.inputs.store.conflicts`."""
    if conflicts is None:
        return []
    rows = []
    for record in conflicts.to_dict("records"):
        sides = []
        for side in ("left", "right"):
            what = f"the {record[f'{side}_report']} report ({record[f'{side}_file']}) gives"
            sides.append(
                Side(
                    float(record[f"{side}_value"]),
                    record["table"],
                    what,
                    (int(record[f"{side}_line"]),),
                )
            )
        rows.append(
            _row(
                "same_figure_in_two_reports",
                f"{SUBJECT.get(record['table'], record['table'])} {record['figure']}, "
                f"{record['year']}",
                record["year"],
                sides[0],
                sides[1],
                unit=str(record["unit"]),
            )
        )
    return rows


def build_reconciliation(
    tables: Mapping[str, pd.DataFrame], conflicts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every identity computable from ``tables`` (missing tables are skipped), one row each,
    and one for each figure two held reports disagree on (``conflicts``, from the store)."""
    known = {t: f for t, f in tables.items() if t in cards.CARDS}
    rows = [row for build in BUILDERS for row in build(known)]
    rows.extend(_report_conflicts(conflicts))
    frame = pd.DataFrame(rows, columns=[c for c in RECONCILIATION_COLUMNS if c != "discrepancy"])
    frame["discrepancy"] = discrepancy(
        frame["relation"], frame["left_value"].astype(float), frame["right_value"].astype(float)
    )
    for column in ("tolerance", "left_value", "right_value"):
        frame[column] = frame[column].astype(float)
    text = [c for c in RECONCILIATION_COLUMNS if frame[c].dtype == object]
    frame[text] = frame[text].astype("string")
    return frame.loc[:, list(RECONCILIATION_COLUMNS)].reset_index(drop=True)


# Sentences --------------------------------------------------------------------------------------


def _where(row: Mapping[str, object]) -> str:
    """Where the figures are printed: ``(line 50)``, ``(lines 125-131)``, ``(lines 82 and 50)``,
    ``(line 59 and lines 49-50)``."""
    sides = [str(row[k] or "") for k in ("left_lines", "right_lines")]
    sides = list(dict.fromkeys(s for s in sides if s))
    if not sides:
        return ""
    if len(sides) == 2 and all(s.isdigit() for s in sides):
        return f" (lines {sides[0]} and {sides[1]})"
    return " (" + " and ".join(f"line {s}" if s.isdigit() else f"lines {s}" for s in sides) + ")"


def describe(row: Mapping[str, object]) -> str:
    """One plain-English sentence on a broken identity; every number comes from ``row``."""
    unit = str(row.get("unit") or "count")
    left = format_value(row["left_value"], unit, "missing")
    right = format_value(row["right_value"], unit, "missing")
    tolerance = float(row["tolerance"])
    allowance = ""
    if tolerance and row["check"] != "section_complete":
        allowance = f" (beyond the ±{format_value(tolerance)} allowed for rounding)"
    check = row["check"]
    remark = str(row.get("remark") or "")
    if check == "section_complete":
        cut = f" ({remark})" if remark else ""
        text = (
            f"{row['identity']}: the percentages add up to only {left}, far short of 100%: "
            f"the section looks cut off{cut}"
        )
    elif check == "percentages_add_up_to_100":
        text = f"{row['identity']}: the percentages add up to {left}, not 100%{allowance}"
    elif row["relation"] == "<=":
        text = (
            f"{row['identity']}: {row['left_what']} {left}, more than {row['right_what']} {right}"
        )
        text += allowance
    elif row["relation"] == ">=":
        text = (
            f"{row['identity']}: {row['left_what']} {left}, less than {row['right_what']} {right}"
        )
        text += allowance
    else:
        text = f"{row['identity']}: {row['left_what']} {left} but {row['right_what']} {right}"
        text += allowance
    return f"{text}{_where(row)}."
