"""The reconciliation table: every figure the report states twice, or can be added up, side by side.

:func:`build_reconciliation` turns every relation of :mod:`complaints.checks.identities` (but the
stage bounds and the percentages' bases, the disclosure audit's only) into one row: ``check`` (one
expectation of ``expectations/reconciliation.json`` each), ``identity`` (in words: "Non Social
Care informal complaints, 2022-23"), ``year``, ``relation`` (``==``; ``<=``/``>=``: left not
above/below right), ``tolerance`` (for rounding, in the ``unit``), ``left_value``,
``left_table``, ``left_what`` (a phrase), ``left_lines``, likewise ``right_*``, ``remark`` (for
the note) and ``discrepancy`` (0 when the relation holds). GX then checks ``tolerance >=
discrepancy`` on every row, so cross-table checks are expectations like any other.
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

SIDES = ("left", "right")
RECONCILIATION_COLUMNS = (
    *("check", "identity", "year", "relation", "tolerance", "unit"),
    *(f"{s}_{part}" for s in SIDES for part in ("value", "table", "what", "lines")),
    *("remark", "discrepancy"),
)


Row = dict[str, object]


@dataclass(frozen=True)
class Side:
    value: float
    table: str
    what: str
    lines: tuple[int, ...]


def _side(rows: pd.DataFrame, table: str, what: str) -> Side:
    """One side of an identity: the sum of ``rows`` of ``table``, and their source lines."""
    lines = rows["source_line"].dropna() if "source_line" in rows.columns else []
    return Side(rows["value"].sum(), table, what, tuple(sorted({int(n) for n in lines})))


def _row(check: str, what: str, year: object, left: Side, right: Side, **extra: object) -> Row:
    """One row: ``what`` (and ``period``) ``, year``; ``extra`` sets the other columns."""
    period = str(extra.pop("period", "") or "")
    identity = f"{what}, {period} {year}" if period else f"{what}, {year}"
    row: Row = {"check": check, "identity": identity, "year": str(year), "relation": "=="}
    row.update({"tolerance": 0.0, "unit": "count", "remark": "", **extra})
    for name, side in zip(SIDES, (left, right), strict=True):
        row.update({f"{name}_value": float(side.value), f"{name}_table": side.table})
        row.update({f"{name}_what": side.what, f"{name}_lines": format_lines(side.lines)})
    return row


def _unit_of(frame: pd.DataFrame) -> str:
    units = frame["unit"].dropna() if "unit" in frame.columns else []
    return str(units.iloc[0]) if len(units) else "count"


def _subject(table: str) -> str:
    return cards.CARDS[table].subject if table in cards.CARDS else table


def _bound(rel: identities.Relation) -> list[Row]:
    """No more upheld than received; the complainant groups at most all complaints."""
    parts, whole, year, check = rel.parts, rel.whole, rel.key["year"], rel.identity.check
    table, subject = rel.identity.parts.table, _subject(rel.identity.parts.table)
    if check == "groups_within_total" and len(whole) == 1:
        left = _side(parts, table, "the groups add up to")
        right = _side(whole, rel.identity.whole.table, "the total complaints figure,")
        return [_row(check, subject, year, left, right, relation="<=")]
    if check != "upheld_not_above_received" or len(parts) != 1 or len(whole) != 1:
        return []
    ids = [next(iter(r.where.values())) for r in (rel.identity.parts, rel.identity.whole)]
    period = rel.key.get("period", identities.TOTAL)
    subject = f"{subject} Ombudsman complaints"
    if table == identities.FACTS and "label" in whole.columns:
        subject = f"{whole['label'].iloc[0]} (prose)"
    left = _side(parts, table, f"upheld ({ids[0]})")
    right = _side(whole, table, f"received ({ids[1]})")
    period = "" if period == identities.TOTAL else period
    return [_row(check, subject, year, left, right, relation="<=", period=period)]


def _sum(rel: identities.Relation) -> list[Row]:
    """Quarters add up to the total (a yearly percentage lies within its quarters' range);
    the caption's total is formal plus informal complaints."""
    parts, whole, year, measure = rel.parts, rel.whole, rel.key["year"], rel.key.get("measure")
    part_table, table = rel.identity.parts.table, rel.identity.whole.table
    if len(whole) != 1:
        return []
    if rel.identity.check:  # a case extract's parts and whole, counted from the same cases
        service = {**rel.identity.parts.where, **rel.key}.get("service")
        what = ", ".join(filter(None, (_subject(part_table), service)))
        left = _side(parts, part_table, "the parts add up to")
        return [_row(rel.identity.check, what, year, left, _side(whole, table, "the total is"))]
    if part_table != table:  # children in care: the prose's quarters, the table's year
        left = _side(parts, part_table, "the quarters in the prose add up to")
        right = _side(whole, table, "the table by year gives")
        return [_row("quarters_add_up_to_total", _subject(table), year, left, right)]
    if measure is None:  # formal + informal = the caption's total
        left = _side(whole, table, "the caption says")
        right = _side(parts, table, "the formal and informal totals make")
        what = f"{_subject(table)} total complaints"
        rows = [_row("total_is_formal_plus_informal", what, year, left, right)]
        return rows if len(parts) == 2 else []
    words = cards.CARDS[table].measures.get(measure, measure.replace("_", " "))
    what = f"{_subject(table)} {words}"
    printed = _side(whole, table, "the printed total is")
    if _unit_of(whole) == "count":
        left = _side(parts, table, "the quarters add up to")
        return [_row("quarters_add_up_to_total", what, year, left, printed)]
    rows = []
    for relation, pick, words in (
        ("<=", parts["value"].idxmax(), "the highest quarter"),
        (">=", parts["value"].idxmin(), "the lowest quarter"),
    ):
        quarter = _side(parts.loc[[pick]], table, f"{words} ({parts.loc[pick, 'period']})")
        extra = {"relation": relation, "tolerance": AVERAGE_TOLERANCE, "unit": "percent"}
        rows.append(_row("total_percent_within_quarters", what, year, printed, quarter, **extra))
    return rows


def _shares(rel: identities.Relation, last_line: object) -> list[Row]:
    """Shares of one whole add up to 100 (within rounding), and no section is cut off."""
    group, year, table = rel.parts, rel.key["year"], rel.identity.parts.table
    what = ", ".join([_subject(table), *[v for k, v in rel.key.items() if k != "year"]])
    sides = (_side(group, table, "the percentages add up to"), Side(100.0, table, "a whole is", ()))
    n, last = len(group), group["source_line"].max() == last_line
    adds_up = _row("percentages_add_up_to_100", what, year, *sides, unit="percent")
    remark = f"{n} groups, each rounded to a whole number"
    last = "it is the last section of the table" if last else ""
    cut_off = {"check": "section_complete", "relation": ">=", "tolerance": TRUNCATION_SHORTFALL}
    return [
        {**adds_up, "tolerance": HALF_POINT * n, "remark": remark},
        {**adds_up, **cut_off, "remark": last},
    ]


def _same(rel: identities.Relation) -> list[Row]:
    """The same figure stated in two places agrees, for every year both places hold."""
    if len(rel.parts) != 1 or len(rel.whole) != 1:
        return []
    sides = [
        _side(rows, ref.table, f"{cards.CARDS[ref.table].phrase or f'table {ref.table}'} gives")
        for rows, ref in ((rel.parts, rel.identity.parts), (rel.whole, rel.identity.whole))
    ]
    unit = _unit_of(rel.parts)
    return [_row("same_figure_agrees", rel.identity.name, rel.key["year"], *sides, unit=unit)]


def _cases_listed(tables: Mapping[str, pd.DataFrame]) -> list[Row]:
    """Each quarter's count of children in care complaints matches the cases listed under it."""
    counts, cases = tables.get("children_in_care_by_quarter"), tables.get("children_in_care_cases")
    if counts is None or cases is None:
        return []
    rows = []
    for pos in range(len(counts)):
        count = counts.iloc[[pos]]
        year, period = count["year"].iloc[0], count["period"].iloc[0]
        listed = cases[(cases["year"] == year) & (cases["period"] == period)]
        listing = _side(listed.assign(value=1), "children_in_care_cases", "the prose lists")
        counted = _side(count, "children_in_care_by_quarter", "the quarter's sentence counts")
        what = "Children in care"
        rows.append(_row("cases_listed_match_count", what, year, listing, counted, period=period))
    return rows


#: The checks in the order of the table (a group's ``section_complete`` row follows its
#: ``percentages_add_up_to_100`` row).
CHECK_ORDER = """upheld_not_above_received quarters_add_up_to_total total_is_formal_plus_informal
parts_add_up_to_whole total_percent_within_quarters percentages_add_up_to_100 same_figure_agrees
cases_listed_match_count groups_within_total""".split()  # noqa: SIM905 (a sentence of names)
_POSITION = {c: i for i, c in enumerate(CHECK_ORDER)}
_POSITION["section_complete"] = _POSITION["percentages_add_up_to_100"]


def _identity_rows(tables: Mapping[str, pd.DataFrame]) -> list[Row]:
    """A row for every relation the reconciliation checks, in the order of the checks."""
    rows = _cases_listed(tables)
    for rel in identities.instantiate(tables):
        if rel.identity.kind == "shares":
            rows += _shares(rel, tables[rel.identity.parts.table]["source_line"].max())
        elif rel.identity.kind in ("bound", "sum", "same"):
            rows += {"bound": _bound, "sum": _sum, "same": _same}[rel.identity.kind](rel)
    return sorted(rows, key=lambda row: _POSITION[str(row["check"])])


def discrepancy(relation: pd.Series, left: pd.Series, right: pd.Series) -> pd.Series:
    """How far each relation is broken: 0 when it holds."""
    gap = (left - right).where(relation != ">=", right - left)
    return gap.abs().where(relation == "==", gap.clip(lower=0)).astype(float) + 0.0  # no -0.0


def _report_conflicts(conflicts: pd.DataFrame | None) -> list[dict[str, object]]:
    """The same figure given by two reports (the multi-year store): one identity each, from
    :func:`complaints.inputs.store.conflicts`."""
    rows = []
    for r in [] if conflicts is None else conflicts.to_dict("records"):
        says = {s: f"the {r[f'{s}_report']} report ({r[f'{s}_file']}) gives" for s in SIDES}
        sides = [Side(r[f"{s}_value"], r["table"], says[s], (int(r[f"{s}_line"]),)) for s in says]
        what, unit = f"{_subject(r['table'])} {r['figure']}", str(r["unit"])
        rows.append(_row("same_figure_in_two_reports", what, r["year"], *sides, unit=unit))
    return rows


def build_reconciliation(
    tables: Mapping[str, pd.DataFrame], conflicts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every identity computable from ``tables`` (missing tables are skipped), one row each,
    and one for each figure two held reports disagree on (``conflicts``, from the store)."""
    rows = _identity_rows({t: f for t, f in tables.items() if t in cards.CARDS})
    frame = pd.DataFrame([*rows, *_report_conflicts(conflicts)], columns=RECONCILIATION_COLUMNS)
    frame = frame.astype(dict.fromkeys(("tolerance", "left_value", "right_value"), float))
    frame["discrepancy"] = discrepancy(frame["relation"], frame["left_value"], frame["right_value"])
    text = [c for c in RECONCILIATION_COLUMNS if frame[c].dtype == object]
    frame[text] = frame[text].astype("string")
    return frame


# Sentences --------------------------------------------------------------------------------------


def _where(row: Mapping[str, object]) -> str:
    """Where the figures are printed: ``(line 50)``, ``(lines 125-131)``, ``(lines 82 and 50)``,
    ``(line 59 and lines 49-50)``."""
    sides = [s for s in dict.fromkeys(str(row[f"{k}_lines"] or "") for k in SIDES) if s]
    if not sides:
        return ""
    if len(sides) == 2 and all(s.isdigit() for s in sides):
        return f" (lines {sides[0]} and {sides[1]})"
    return " (" + " and ".join(f"line {s}" if s.isdigit() else f"lines {s}" for s in sides) + ")"


def describe(row: Mapping[str, object]) -> str:
    """One plain-English sentence on a broken identity; every number comes from ``row``."""
    unit = str(row.get("unit") or "count")
    left, right = (format_value(row[f"{s}_value"], unit, "missing") for s in SIDES)
    tolerance, check, remark = float(row["tolerance"]), row["check"], row.get("remark") or ""
    allowance = (
        f" (beyond the ±{format_value(tolerance)} allowed for rounding)" if tolerance else ""
    )
    if check == "section_complete":
        text = (
            f"the percentages add up to only {left}, far short of 100%: the section looks cut off"
        )
        text += f" ({remark})" if remark else ""
    elif check == "percentages_add_up_to_100":
        text = f"the percentages add up to {left}, not 100%{allowance}"
    else:
        joint = {"<=": ", more than", ">=": ", less than"}.get(str(row["relation"]), " but")
        text = f"{row['left_what']} {left}{joint} {row['right_what']} {right}{allowance}"
    return f"{row['identity']}: {text}{_where(row)}."
