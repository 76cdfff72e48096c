"""The reconciliation table: every figure the report states twice, or can be added up, side by side.

A careful auditor checks that a published report agrees with itself: quarters add up to the
printed total, percentage groups make 100, the statutory tables repeat the quarterly tables'
totals, the prose repeats the tables. The identities are declared once in
:mod:`complaints.checks.identities` (the disclosure audit reads the same model; the Stage 3 <=
Stage 2 <= Stage 1 bounds and the percentages' bases are the audit's only); tables are named in
sentences from their cards. :func:`build_reconciliation` turns every relation into one row of a
tidy frame (plus each quarter's count of children in care against the cases listed under it):

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
from dataclasses import dataclass

import pandas as pd

from complaints import cards
from complaints.checks import identities
from complaints.words import format_lines, format_value

#: Printed percentages are whole numbers: each may be up to half a point off its true value.
HALF_POINT = 0.5
#: A group of percentages whose sum is this many points short of 100 looks cut off, not rounded.
TRUNCATION_SHORTFALL = 25.0
#: A yearly percentage is a weighted average of its quarters: allowed to stray outside the
#: quarters' range only by the rounding of the total and of the quarter (half a point each).
AVERAGE_TOLERANCE = 2 * HALF_POINT

RECONCILIATION_COLUMNS = (
    *("check", "identity", "year", "relation", "tolerance", "unit"),
    *(
        f"{side}_{part}"
        for side in ("left", "right")
        for part in ("value", "table", "what", "lines")
    ),
    *("remark", "discrepancy"),
)


@dataclass(frozen=True)
class Side:
    value: float
    table: str
    what: str
    lines: tuple[int, ...]


def _lines(frame: pd.DataFrame) -> tuple[int, ...]:
    if "source_line" not in frame.columns:
        return ()
    return tuple(sorted({int(n) for n in frame["source_line"].dropna()}))


def _side(rows: pd.DataFrame, table: str, what: str) -> Side:
    """One side of an identity: the sum of ``rows`` of ``table``."""
    return Side(rows["value"].sum(), table, what, _lines(rows))


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
    row: dict[str, object] = {"check": check, "identity": identity, "year": str(year)}
    row.update(relation=relation, tolerance=float(tolerance), unit=unit)
    for name, side in (("left", left), ("right", right)):
        row.update({f"{name}_value": float(side.value), f"{name}_table": side.table})
        row.update({f"{name}_what": side.what, f"{name}_lines": format_lines(side.lines)})
    return {**row, "remark": remark}


def _unit_of(frame: pd.DataFrame) -> str:
    if "unit" in frame.columns and frame["unit"].notna().any():
        return str(frame["unit"].dropna().iloc[0])
    return "count"


def _subject(table: str) -> str:
    return cards.CARDS[table].subject if table in cards.CARDS else table


def _bound(rel: identities.Relation) -> list[dict[str, object]]:
    """No more upheld than received; the complainant groups at most all complaints."""
    parts, whole, year = rel.parts, rel.whole, rel.key["year"]
    table, whole_table = rel.identity.parts.table, rel.identity.whole.table
    if rel.identity.check == "groups_within_total":
        if len(whole) != 1:
            return []
        left = _side(parts, table, "the groups add up to")
        right = _side(whole, whole_table, "the total complaints figure,")
        identity = f"{_subject(table)}, {year}"
    elif rel.identity.check == "upheld_not_above_received":
        if len(parts) != 1 or len(whole) != 1:
            return []
        ids = [next(iter(r.where.values())) for r in (rel.identity.parts, rel.identity.whole)]
        period = rel.key.get("period", identities.TOTAL)
        period = "" if period == identities.TOTAL else f"{period} "
        subject = f"{_subject(table)} Ombudsman complaints"
        if table == identities.FACTS and "label" in whole.columns:
            subject = f"{whole['label'].iloc[0]} (prose)"
        identity = f"{subject}, {period}{year}"
        left = _side(parts, table, f"upheld ({ids[0]})")
        right = _side(whole, table, f"received ({ids[1]})")
    else:
        return []
    return [_row(rel.identity.check, identity, year, left, right, relation="<=")]


def _sum(rel: identities.Relation) -> list[dict[str, object]]:
    """Quarters add up to the total (a yearly percentage lies within its quarters' range);
    the caption's total is formal plus informal complaints."""
    parts, whole, year = rel.parts, rel.whole, rel.key["year"]
    part_table, table = rel.identity.parts.table, rel.identity.whole.table
    if len(whole) != 1:
        return []
    measure = rel.key.get("measure")
    if part_table != table:  # children in care: the prose's quarters, the table's year
        left = _side(parts, part_table, "the quarters in the prose add up to")
        right = _side(whole, table, "the table by year gives")
        return [_row("quarters_add_up_to_total", f"{_subject(table)}, {year}", year, left, right)]
    if measure is None:  # formal + informal = the caption's total
        if len(parts) != 2:
            return []
        left = _side(whole, table, "the caption says")
        right = _side(parts, table, "the formal and informal totals make")
        identity = f"{_subject(table)} total complaints, {year}"
        return [_row("total_is_formal_plus_informal", identity, year, left, right)]
    words = cards.CARDS[table].measures.get(measure, measure.replace("_", " "))
    identity = f"{_subject(table)} {words}, {year}"
    printed = _side(whole, table, "the printed total is")
    if _unit_of(whole) == "count":
        left = _side(parts, table, "the quarters add up to")
        return [_row("quarters_add_up_to_total", identity, year, left, printed)]
    rows = []
    for relation, pick, what in (
        ("<=", parts["value"].idxmax(), "the highest quarter"),
        (">=", parts["value"].idxmin(), "the lowest quarter"),
    ):
        quarter = _side(parts.loc[[pick]], table, f"{what} ({parts.loc[pick, 'period']})")
        row = _row(
            "total_percent_within_quarters", identity, year, printed, quarter, unit="percent"
        )
        rows.append({**row, "relation": relation, "tolerance": AVERAGE_TOLERANCE})
    return rows


def _shares(rel: identities.Relation, last_line: object) -> list[dict[str, object]]:
    """Shares of one whole add up to 100 (within rounding), and no section is cut off."""
    group, year, table = rel.parts, rel.key["year"], rel.identity.parts.table
    label = ", ".join([_subject(table), *[v for k, v in rel.key.items() if k != "year"]])
    identity = f"{label}, {year}"
    total = _side(group, table, "the percentages add up to")
    whole = Side(100.0, table, "a whole is", ())
    n, is_last = len(group), group["source_line"].max() == last_line
    remark = f"{n} groups, each rounded to a whole number"
    adds_up = _row("percentages_add_up_to_100", identity, year, total, whole, unit="percent")
    complete = {**adds_up, "check": "section_complete", "relation": ">="}
    last = "it is the last section of the table" if is_last else ""
    return [
        {**adds_up, "tolerance": HALF_POINT * n, "remark": remark},
        {**complete, "tolerance": TRUNCATION_SHORTFALL, "remark": last},
    ]


def _same(rel: identities.Relation) -> list[dict[str, object]]:
    """The same figure stated in two places agrees, for every year both places hold."""
    if len(rel.parts) != 1 or len(rel.whole) != 1:
        return []
    sides = []
    for rows, ref in ((rel.parts, rel.identity.parts), (rel.whole, rel.identity.whole)):
        phrase = cards.CARDS[ref.table].phrase or f"table {ref.table}"
        sides.append(_side(rows, ref.table, f"{phrase} gives"))
    year = rel.key["year"]
    identity = f"{rel.identity.name}, {year}"
    return [_row("same_figure_agrees", identity, year, *sides, unit=_unit_of(rel.parts))]


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


#: The checks in the order of the table (a group's ``section_complete`` row follows its
#: ``percentages_add_up_to_100`` row).
CHECK_ORDER = (
    "upheld_not_above_received",
    "quarters_add_up_to_total",
    "total_is_formal_plus_informal",
    "total_percent_within_quarters",
    "percentages_add_up_to_100",
    "same_figure_agrees",
    "cases_listed_match_count",
    "groups_within_total",
)


def _identity_rows(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, object]]:
    """A row for every relation of :mod:`complaints.checks.identities` that the reconciliation
    checks (the stage bounds and the percentages' bases are the disclosure audit's only)."""
    by_check: dict[str, list[dict[str, object]]] = {c: [] for c in CHECK_ORDER}
    for rel in identities.instantiate(tables):
        kind = rel.identity.kind
        if kind == "shares":
            last_line = tables[rel.identity.parts.table]["source_line"].max()
            by_check["percentages_add_up_to_100"].extend(_shares(rel, last_line))
        elif kind in ("bound", "sum", "same"):
            for row in {"bound": _bound, "sum": _sum, "same": _same}[kind](rel):
                by_check[str(row["check"])].append(row)
    by_check["cases_listed_match_count"] = _cases_listed(tables)
    return [row for check in CHECK_ORDER for row in by_check[check]]


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
                f"{_subject(record['table'])} {record['figure']}, {record['year']}",
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
    rows = _identity_rows(known)
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
