"""Editions of the report: the full internal edition, and a public edition under disclosure control.

The **internal** edition is the report as published. The **public** edition applies the
disclosure control of the Department for Education's children's social care statistics to the
clean tables, so the report tables and charts drawn from them show only what may be released.
:func:`apply_edition` gives either, never modifying its input and keeping every table's columns
and types. A suppressed figure keeps its row (and provenance): ``value`` missing, ``source_text``
``c``, the symbol the public tables print (:func:`suppressed_mask`). Where one printed cell holds
two figures (``upheld/received``, ``5 with 1 upheld``) both rows get the public cell's text
(``c/2``, ``c with c upheld``), so no row's text states a suppressed figure.

Counts (unit ``count``)
-----------------------
* **Primary**: every count from 1 to 5. Zeros are shown and never chosen for secondary
  suppression, so a reader knows every ``c`` is at least 1.
* **Same figure**: a figure printed in two places (declared, like every relationship below, once
  in :mod:`complaints.checks.identities`, which reconciliation checks too), or in rows of
  different reports with the same key, is suppressed in all of them.
* **Secondary**, in every additive relationship of the identities (sums, such as the quarters
  making the total; bounds, such as upheld <= received). First the DfE rule: where exactly one
  cell of a sum is suppressed, its smallest non-zero published cell is too (sums in table and
  year order). Then an audit: integer linear programs (``scipy.optimize.milp``, HiGHS) find
  the smallest and largest value each suppressed figure can take given every published count,
  every relationship that holds in the data and every ``c`` at least 1; a figure pinned to one
  value gets the smallest non-zero published cell of its relationships suppressed, until none
  is. (Relationships the data break, such as Non Social Care informal complaints, get the DfE
  rule but cannot pin a value, so the audit leaves them out.)

Percentages (unit ``percent``)
------------------------------
A percentage of a small number re-discloses it (14% of 7 is one complaint). A percentage is
suppressed when its base (the count it is a share of, an identity of kind ``base``) is
suppressed, not published or below 10, or when the count it stands for (``percentage x base /
100`` rounded, at least 1 unless the percentage is 0) is from 1 to 5; 0% is shown. A
percentage printed twice is suppressed in both, and a group that adds up (a quarterly row;
shares of one whole, as the cards declare) never has exactly one suppressed: the smallest
non-zero other one is too (a 0% only if nothing else is left). The counts behind percentages
are not published, so they are not audited.

Money (unit ``GBP``) and text
-----------------------------
Money is not suppressed for being small, but an amount paid on a suppressed number of cases
follows its count (the Stage 2 remedy follows 'Cases accepted at Stage 2', the Ombudsman
penalties the upheld Non Social Care complaints). A label stating a suppressed count in words
is reworded. Case ids are removed from the learning table. Withheld (no rows): the
children-in-care case descriptions (they number each quarter's suppressed complaints, restate
its count and describe individual children) and a case extract's references behind each
figure (``case_refs``). :func:`public_notes` withholds every data-quality note (worked out from
the true figures) about a table with a suppressed figure, and every note naming a case id.
Not covered: free text beyond case ids (names in the learning table's text).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from complaints import cards
from complaints.checks import identities
from complaints.outputs.publish import CASE_COLUMNS
from complaints.outputs.publish import PUBLIC_LEGEND as LEGEND  # noqa: F401 (re-exported)
from complaints.params import EDITIONS
from complaints.words import SUPPRESSED, format_number

#: Counts from ``PRIMARY_MIN`` to ``PRIMARY_MAX`` are suppressed.
PRIMARY_MIN, PRIMARY_MAX = 1, 5
#: A percentage of fewer than this many is suppressed.
MIN_BASE = 10

#: Key-fact labels that state a suppressed count in words, reworded in the public edition.
PUBLIC_LABELS = {"stage2_remedy_paid": "Back payment made to resolve Stage 2 cases"}

Cell = tuple[str, int]  # (table id, row position)
_C = re.compile(r"(?<![\w])c(?![\w])")  # the symbol of a suppressed figure in a cell's text

#: Cells that print two figures: table -> (columns of one cell, its two measures, its text).
_PAIRS = {
    **{
        t: (["year", "period"], "ombudsman_upheld", "ombudsman_received", "{}/{}")
        for t in identities.QUARTERLY_TABLES
    },
    **{
        t: (["year"], "lgsco_approaches", "lgsco_upheld", "{} with {} upheld")
        for t in (identities.STAT_SC, identities.STAT_WA)
    },
}
#: Money key fact -> the count key fact it was paid on.
_MONEY_FOLLOWS = {
    "stage2_remedy_paid": "stage2_cases_accepted",
    "ombudsman_non_social_care_penalties": "ombudsman_non_social_care_upheld",
}


def apply_edition(
    tables: Mapping[str, pd.DataFrame], edition: str = "internal"
) -> dict[str, pd.DataFrame]:
    """The clean tables of ``edition``: copies, disclosure-controlled for ``public``."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; expected one of {', '.join(EDITIONS)}")
    if edition == "internal":
        return {t: f.copy() for t, f in tables.items()}
    return apply_public_edition(tables)


def apply_public_edition(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The public edition of a report's clean tables (rules: the module docstring), as new
    frames with the same keys, columns and types."""
    data = _Data(tables)
    plan = _plan(data)
    out: dict[str, pd.DataFrame] = {}
    for table_id, frame in data.frames.items():
        frame = frame.copy()
        hidden = [pos for (t, pos) in plan if t == table_id]
        if hidden and "value" in frame.columns:
            frame.loc[hidden, "value"] = pd.NA
            frame.loc[hidden, "source_text"] = SUPPRESSED
        if table_id in _PAIRS:
            _rewrite_pairs(frame, set(hidden), *_PAIRS[table_id])
        elif table_id == "key_facts":
            for fact, label in PUBLIC_LABELS.items():
                frame.loc[frame["fact"].astype(str) == fact, "label"] = label
        elif table_id == "learning_from_complaints":
            frame["case_id"] = pd.NA
        elif table_id in ("children_in_care_cases", "case_refs"):
            frame = frame.iloc[0:0]
        out[table_id] = cards.conform(table_id, frame) if table_id in cards.CARDS else frame
    return out


def suppressed_mask(frame: pd.DataFrame) -> pd.Series:
    """True for the rows of a clean table whose figure the public edition suppressed."""
    if "value" not in frame.columns or "source_text" not in frame.columns:
        return pd.Series(False, index=frame.index)
    text = frame["source_text"].astype("string").fillna("")
    return (frame["value"].isna() & text.str.contains(_C.pattern, regex=True)).astype(bool)


def suppression_plan(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every figure the public edition suppresses, with its true value and the reason
    (``primary``, ``same figure``, ``secondary``, ``percentage``, ``money``): for auditors of
    the internal edition only."""
    data = _Data(tables)
    records = []
    for (table_id, pos), reason in sorted(_plan(data).items(), key=lambda kv: data.order(kv[0])):
        row = data.frames[table_id].loc[pos]
        key = ", ".join(str(row[k]) for k in _Data.keys(table_id))
        records.append((table_id, pos, key, str(row["unit"]), row["value"], reason))
    return pd.DataFrame(records, columns=["table_id", "row", "key", "unit", "value", "reason"])


def public_notes(
    notes: pd.DataFrame | None, tables: Mapping[str, pd.DataFrame]
) -> pd.DataFrame | None:
    """The data-quality notes (``table_id, severity, message``) about the internal ``tables``
    fit for the public edition (rules: the module docstring), with one ``info`` note per table
    saying how many were withheld; ``None`` (validation not run) stays ``None``."""
    if notes is None:
        return None
    hidden_tables = {table_id for table_id, _ in _plan(_Data(tables))}
    found = [tables[t][column].dropna() for t, column in CASE_COLUMNS if t in tables]
    ids = {str(v) for values in found for v in values if str(v).strip()}
    names_case = notes["message"].astype(str).map(lambda m: any(i in m for i in ids))
    keep = ~(notes["table_id"].astype(str).isin(hidden_tables) | names_case)
    withheld = notes[~keep].groupby("table_id", sort=False).size()
    message = (
        " data-quality note(s) withheld from the public edition: they concern figures "
        "suppressed in it, or name a case."
    )
    extra = pd.DataFrame(
        {"table_id": withheld.index, "severity": "info", "message": withheld.astype(str) + message}
    )
    return pd.concat([notes[keep], extra.reindex(columns=notes.columns)], ignore_index=True)


# The data: cells, keys and relationships --------------------------------------------------------


@dataclass(frozen=True)
class _Relation:
    """``parts`` add up to ``total`` (kind ``sum``) or to at most ``total`` (kind ``bound``)."""

    parts: tuple[Cell, ...]
    total: Cell
    kind: str = "sum"

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (*self.parts, self.total)


def _root(parent: dict[Cell, Cell], cell: Cell) -> Cell:
    """The representative of ``cell`` in a union-find forest."""
    while parent.setdefault(cell, cell) != cell:
        cell = parent[cell]
    return cell


class _Data:
    """The clean tables with positional rows, an index by key, and the relationships of
    :mod:`complaints.checks.identities` between their cells."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self.frames = {t: f.reset_index(drop=True).copy() for t, f in tables.items()}
        self._table_order = {t: i for i, t in enumerate(self.frames)}
        self.index: dict[str, dict[tuple[str, ...], list[int]]] = {}
        self.values: dict[Cell, float] = {}
        self.units: dict[Cell, str] = {}
        for table_id, frame in self.frames.items():
            key, by_key = list(self.keys(table_id)), self.index.setdefault(table_id, {})
            if key and all(k in frame.columns for k in key):
                for pos, values in enumerate(frame.loc[:, key].astype(str).itertuples()):
                    by_key.setdefault(tuple(values[1:]), []).append(pos)
            if {"value", "unit"} <= set(frame.columns):
                held = frame[frame["value"].notna()]
                self.values.update({(table_id, p): float(v) for p, v in held["value"].items()})
                self.units.update({(table_id, p): str(u) for p, u in held["unit"].items()})
        self._relations()
        # Count cells grouped into figures: linked cells with the same value are one figure.
        parent: dict[Cell, Cell] = {c: c for c in self.values if self.is_count(c)}
        for group in self.links:
            first: dict[float, Cell] = {}
            for c in group:
                parent[_root(parent, c)] = _root(parent, first.setdefault(self.values[c], c))
        roots: dict[Cell, int] = {}
        self.figures = {
            c: roots.setdefault(_root(parent, c), len(roots))
            for c in sorted(parent, key=self.order)
        }

    @staticmethod
    def keys(table_id: str) -> tuple[str, ...]:
        return cards.CARDS[table_id].keys if table_id in cards.CARDS else ()

    def order(self, cell: Cell) -> tuple[int, int]:
        return (self._table_order[cell[0]], cell[1])

    def is_count(self, cell: Cell) -> bool:
        return self.units.get(cell) == "count"

    def _firsts(self, table_id: str, rows: pd.DataFrame) -> list[Cell | None]:
        """Per figure (card key) of ``rows``: its first row holding a value, else ``None``."""
        key = [k for k in self.keys(table_id) if k in rows.columns] or ["value"]
        out: dict[tuple[str, ...], Cell | None] = {}
        for pos, values in zip(rows.index, rows.loc[:, key].astype(str).itertuples(), strict=True):
            if out.get(values[1:]) is None:
                out[values[1:]] = (table_id, int(pos)) if (table_id, pos) in self.values else None
        return list(out.values())

    def _relations(self) -> None:
        """Sums and bounds of counts, same-figure links (counts; percentages), percentage
        groups and bases, from the one model of :mod:`complaints.checks.identities`. Pairs of
        places stating one figure are joined into one link per figure; the sums keep the
        order of the tables and years (the DfE rule applies them in turn)."""
        self.bounds: list[_Relation] = []
        self.percent_groups: list[tuple[Cell, ...]] = []
        self.bases: dict[Cell, Cell | None] = {}  # percentage -> the count it is a share of
        same: dict[Cell, Cell] = {}  # union-find over the places of one figure
        sums: list[tuple[tuple[int, str], _Relation]] = []
        for rel in identities.instantiate(self.frames):
            ident = rel.identity
            parts = self._firsts(ident.parts.table, rel.parts)
            whole = self._firsts(ident.whole.table, rel.whole) if ident.whole else []
            total = next((c for c in whole if c is not None), None)
            cells = [(ident.parts.table, int(p)) for p in rel.parts.index]
            cells += [(ident.whole.table, int(p)) for p in rel.whole.index] if ident.whole else []
            group = tuple(c for c in cells if self.units.get(c) == "percent")
            if ident.kind == "same" and parts[0] is not None and total is not None:
                same[_root(same, parts[0])] = _root(same, total)
            elif ident.kind in ("sum", "shares") and len(group) > 1:
                self.percent_groups.append(group)  # quarters and year; shares of one whole
            elif ident.kind == "sum" and total is not None and parts and None not in parts:
                if all(self.is_count(c) for c in (*parts, total)):
                    order = (self._table_order[ident.whole.table], rel.key["year"])
                    sums.append((order, _Relation(tuple(parts), total)))
            elif ident.kind == "bound" and total is not None:
                present = tuple(c for c in parts if c is not None)
                if present and all(self.is_count(c) for c in (*present, total)):
                    self.bounds.append(_Relation(present, total, "bound"))
            elif ident.kind == "base":
                for pos in rel.parts.index:
                    self.bases.setdefault((ident.parts.table, int(pos)), total)
        self.sums: list[_Relation] = [r for _, r in sorted(sums, key=lambda item: item[0])]
        figures: dict[Cell, list[Cell]] = {}
        for cell in sorted(same, key=self.order):
            figures.setdefault(_root(same, cell), []).append(cell)
        # Rows of different reports with the same key are the same figure too.
        by_key = [
            tuple((t, p) for p in positions if (t, p) in self.values)
            for t, keyed in self.index.items()
            for positions in keyed.values()
        ]
        self.links = self._only("count", [*by_key, *figures.values()])
        self.percent_links = self._only("percent", [*figures.values(), *by_key])

    def _only(self, unit: str, groups: Iterable[Iterable[Cell]]) -> list[tuple[Cell, ...]]:
        """The cells of ``unit`` of each group, for the groups that keep more than one."""
        kept = (tuple(c for c in g if self.units.get(c) == unit) for g in groups)
        return [g for g in kept if len(g) > 1]


# Planning the suppression -----------------------------------------------------------------------


def _plan(data: _Data) -> dict[Cell, str]:
    """Every cell to suppress, with the reason."""
    counts = filter(data.is_count, data.values)
    plan = {c: "primary" for c in counts if PRIMARY_MIN <= data.values[c] <= PRIMARY_MAX}
    while True:
        _propagate(data, plan, data.links, data.sums, zeros=False)
        if (exposed := _exposed(data, plan)) is None:
            break
        plan[_protector(data, plan, exposed)] = "secondary"
    for cell, unit in data.units.items():
        if unit == "percent" and cell not in plan and _percentage_discloses(data, plan, cell):
            plan[cell] = "percentage"
    groups = [_Relation(g[:-1], g[-1]) for g in data.percent_groups]
    _propagate(data, plan, data.percent_links, groups, zeros=True)
    for (year, fact), positions in data.index.get("key_facts", {}).items():
        found = data.index["key_facts"].get((year, _MONEY_FOLLOWS.get(fact, "")), [])
        count = next((("key_facts", p) for p in found if ("key_facts", p) in data.values), None)
        for money in (("key_facts", p) for p in positions):
            if data.units.get(money) == "GBP" and count is not None and count in plan:
                plan[money] = "money"
    return plan


def _propagate(
    data: _Data,
    plan: dict[Cell, str],
    links: list[tuple[Cell, ...]],
    relations: list[_Relation],
    zeros: bool,
) -> None:
    """Apply the same-figure links and the DfE rule until they suppress nothing more."""
    while True:
        size = len(plan)
        for group in links:
            if any(c in plan for c in group):
                plan.update({c: "same figure" for c in group if c not in plan and data.values[c]})
        for relation in relations:
            if sum(c in plan for c in relation.cells) == 1:
                choice = _smallest(data, [c for c in relation.cells if c not in plan], zeros=zeros)
                if choice is not None:
                    plan[choice] = "secondary"
        if len(plan) == size:
            return


def _smallest(data: _Data, cells: Iterable[Cell], zeros: bool = False) -> Cell | None:
    """The smallest non-zero cell (a zero only if ``zeros`` and nothing else is left)."""
    cells = list(cells)
    pool = [c for c in cells if data.values[c] != 0] or (cells if zeros else [])
    return min(pool, key=lambda c: (data.values[c], data.order(c))) if pool else None


def _percentage_discloses(data: _Data, plan: dict[Cell, str], cell: Cell) -> bool:
    percent, base = data.values[cell], data.bases.get(cell)
    if percent == 0:
        return False
    if base is None or base in plan or data.values[base] < MIN_BASE:
        return True
    stands_for = max(1, math.floor(percent * data.values[base] / 100 + 0.5))
    return PRIMARY_MIN <= stands_for <= PRIMARY_MAX


# The audit: can a suppressed count be worked out? -----------------------------------------------


def _exposed(data: _Data, plan: Mapping[Cell, str]) -> Cell | None:
    """The first suppressed count (in table order) a reader could work out exactly: published
    elsewhere, or pinned to one whole value by integer programs (``milp``, HiGHS) over the
    published counts and the relationships that hold in the data, every ``c`` at least 1."""
    import numpy as np
    from scipy.optimize import LinearConstraint, milp

    figure_of = data.figures
    known = {figure_of[c]: data.values[c] for c in figure_of if c not in plan}
    hidden = sorted((c for c in plan if c in figure_of), key=data.order)
    unknown = dict.fromkeys(figure_of[c] for c in hidden if figure_of[c] not in known)
    columns = {figure: i for i, figure in enumerate(unknown)}
    n = len(columns)
    rows, limits = [], []  # a sum's equation, a bound's upper limit
    for relation in [*data.sums, *data.bounds]:
        truth, total = sum(data.values[c] for c in relation.parts), data.values[relation.total]
        if (truth != total) if relation.kind == "sum" else (truth > total):
            continue  # broken in the data: it cannot pin a value
        row, constant = np.zeros(n), 0.0
        for cell, sign in [*((p, 1.0) for p in relation.parts), (relation.total, -1.0)]:
            if figure_of[cell] in columns:
                row[columns[figure_of[cell]]] += sign
            else:
                constant += sign * known[figure_of[cell]]
        if row.any():
            rows.append(row)
            limits.append((-constant if relation.kind == "sum" else -np.inf, -constant))
    involved = {int(i) for row in rows for i in np.flatnonzero(row)}
    if involved:  # one problem for every figure: only its objective changes
        constraints = LinearConstraint(np.array(rows), *zip(*limits, strict=True))
        problem = {"integrality": 1, "bounds": (1, np.inf), "constraints": constraints}
    for cell in hidden:
        i = columns.get(figure_of[cell])
        if i is None:  # published elsewhere
            return cell
        if i in involved:
            low, high = (milp(sign * np.eye(n)[i], **problem) for sign in (1, -1))
            lo = low.fun if low.status == 0 else -math.inf
            hi = -high.fun if high.status == 0 else math.inf
            if hi - lo < 1 - 1e-6:
                return cell
    return None


def _protector(data: _Data, plan: Mapping[Cell, str], cell: Cell) -> Cell:
    """The published count to suppress next to protect ``cell``: the smallest non-zero one in
    its relationships, else in the relationships of the cells those share."""
    reach = {c for c, f in data.figures.items() if f == data.figures[cell]}
    relations = [*data.sums, *data.bounds]
    while True:  # the reach grows until it holds every cell it touches
        touching = [r for r in relations if reach & set(r.cells)]
        choice = _smallest(data, {c for r in touching for c in r.cells if c not in plan})
        if choice is not None:
            return choice
        if reach >= (wider := reach | {c for r in touching for c in r.cells}):
            raise RuntimeError(f"cannot protect {cell}: no published count left around it")
        reach = wider


# Public text of cells that print two figures ----------------------------------------------------


def _rewrite_pairs(
    frame: pd.DataFrame, hidden: set[int], by: list[str], first: str, second: str, text: str
) -> None:
    """Give both rows of a two-figure cell the cell's public text, where either is hidden."""
    for _, group in frame.groupby(by, sort=False, dropna=False):
        rows = {str(frame.loc[p, "measure"]): p for p in group.index}
        a, b = rows.get(first), rows.get(second)
        if a is None or b is None or not {a, b} & hidden:
            continue
        # The true values of the hidden rows are already gone; only their flags matter.
        shown = [
            SUPPRESSED if p in hidden else format_number(frame.loc[p, "value"]) for p in (a, b)
        ]
        none = text.endswith("upheld") and b not in hidden and float(frame.loc[b, "value"]) == 0
        frame.loc[[a, b], "source_text"] = ("{} none upheld" if none else text).format(*shown)
