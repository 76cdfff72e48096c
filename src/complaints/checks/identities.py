"""How the report's figures relate: every identity declared once, for every consumer.

:func:`instantiate` finds, per year (or year and quarter, measure ...), the rows each identity
involves: :mod:`complaints.checks.reconcile` makes each relation a row of the reconciliation
table, :mod:`complaints.outputs.disclosure` finds from them the suppressed figures a reader could
work out. Kinds: ``same`` (one figure stated in two places, ``parts`` and ``whole``), ``sum``
(the ``parts`` add up to the ``whole``: a count adds, a percentage averages), ``bound`` (they add
up to at most the ``whole``), ``shares`` (percentages that are shares of one whole make 100, from
the cards' ``shares_of``) and ``base`` (the ``whole`` is the count the ``parts``, percentages,
are shares of).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

from complaints import cards

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
TOTAL = "Total"
QUARTERLY_TABLES = ("social_care_quarterly", "non_social_care_quarterly")
SC, NSC = QUARTERLY_TABLES
STAT_SC, STAT_WA = "statutory_social_care", "statutory_whole_authority"
FACTS = "key_facts"


@dataclass(frozen=True)
class Ref:
    """Rows of ``table`` matching ``where`` (column -> value, or a tuple of accepted values)."""

    table: str
    where: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Identity:
    """How the figures of ``parts`` relate to those of ``whole``, for each value of ``by``."""

    kind: str  # "same", "sum", "bound", "shares" or "base"
    parts: Ref
    whole: Ref | None = None
    by: tuple[str, ...] = ("year",)
    name: str = ""  # the figure in words ("same")
    check: str = ""  # the reconciliation check of a bound ("" when it is not reconciled)


@dataclass(frozen=True)
class Relation:
    """One identity for one value of its ``by`` columns: the rows involved (original index)."""

    identity: Identity
    key: Mapping[str, str]
    parts: pd.DataFrame
    whole: pd.DataFrame


def _fact(fact: str) -> Ref:
    return Ref(FACTS, {"fact": fact})


def _stat(table: str, measure: str | tuple[str, ...]) -> Ref:
    return Ref(table, {"measure": measure})


def _total(table: str, measure: str) -> Ref:
    return Ref(table, {"measure": measure, "period": TOTAL})


def _same(name: str, first: Ref, second: Ref) -> Identity:
    return Identity("same", first, second, name=name)


def _upheld(upheld: Ref, received: Ref, by: tuple[str, ...]) -> Identity:
    return Identity("bound", upheld, received, by, check="upheld_not_above_received")


_SC_NAME, _WA_NAME = "Social Care", "Whole Authority (Non Social Care)"
TIMELY, ESCALATION, CHILDREN = "stage_timeliness", "escalation", "children_complaints"
_BY_SERVICE, _BY_STAGE = ("year", "service"), ("year", "service", "stage")
_CASE_SERVICES = (("Children's Social Care", SC), ("Non Social Care", NSC))
_PARTS = "parts_add_up_to_whole"
_INFORMAL = "representations (complaints resolved informally)"
_OMBUDSMAN = (("Ombudsman approaches", "lgsco_approaches", "ombudsman_received"),
              ("Ombudsman approaches upheld", "lgsco_upheld", "ombudsman_upheld"))  # fmt: skip

#: Every identity, in the order the reconciliation lists its rows (within each check).
IDENTITIES: tuple[Identity, ...] = (
    # No more Ombudsman complaints can be upheld than were received ...
    *(_upheld(_stat(t, "ombudsman_upheld"), _stat(t, "ombudsman_received"), ("year", "period"))
      for t in QUARTERLY_TABLES),
    *(_upheld(_stat(t, "lgsco_upheld"), _stat(t, "lgsco_approaches"), ("year",))
      for t in (STAT_SC, STAT_WA)),
    _upheld(_fact("ombudsman_social_care_maladministration"),
            _fact("ombudsman_social_care_investigated"), ("year",)),
    _upheld(_fact("ombudsman_non_social_care_upheld"),
            _fact("ombudsman_non_social_care_heard"), ("year",)),
    # ... no more complaints go to a later stage than came to the earlier one ...
    Identity("bound", _stat(STAT_SC, "stage_3"), _stat(STAT_SC, "stage_2")),
    Identity("bound", _stat(STAT_SC, "stage_2"), _stat(STAT_SC, "stage_1")),
    # ... and the complainants who categorised themselves are at most all complaints.
    Identity("bound", Ref("complainant_groups"), _total(SC, "total_complaints"),
             check="groups_within_total"),
    # The quarters make the total: every measure of the quarterly tables ...
    *(Identity("sum", Ref(t, {"period": QUARTERS}), Ref(t, {"period": TOTAL}), ("year", "measure"))
      for t in QUARTERLY_TABLES),
    # ... and the children in care counted in each quarter's sentence make the year's figure.
    Identity("sum", Ref("children_in_care_by_quarter", {"period": QUARTERS}),
             Ref("children_in_care_by_year")),
    # The caption's 'Total Complaints = N' is formal plus informal complaints.
    *(Identity("sum", Ref(t, {"measure": ("formal_complaints", "informal_complaints"),
                              "period": TOTAL}), _total(t, "total_complaints"))
      for t in QUARTERLY_TABLES),
    # Shares of one whole make 100 (declared on the cards).
    *(Identity("shares", Ref(c.id), by=c.shares_of) for c in cards.CARDS.values() if c.shares_of),
    # The statutory reporting table repeats the quarterly tables' totals ...
    *(_same(f"{_SC_NAME} {name}", _stat(STAT_SC, measure), _total(SC, total))
      for name, measure, total in ((_INFORMAL, "representations", "informal_complaints"),
                                   ("stage 1 (formal) complaints", "stage_1", "formal_complaints"),
                                   *_OMBUDSMAN)),
    # ... and its "Whole Authority" part those of the Non Social Care table.
    *(_same(f"{_WA_NAME} {name}", _stat(STAT_WA, measure), _total(NSC, total))
      for name, measure, total in (("formal complaints", "formal_complaints", "formal_complaints"),
                                   (_INFORMAL, "representations", "informal_complaints"),
                                   *_OMBUDSMAN)),
    # The prose repeats the tables.
    _same("Social Care complaints investigated by the Ombudsman",
          _fact("ombudsman_social_care_investigated"), _stat(STAT_SC, "lgsco_approaches")),
    _same("Social Care Ombudsman cases with maladministration (upheld)",
          _fact("ombudsman_social_care_maladministration"), _stat(STAT_SC, "lgsco_upheld")),
    _same("Non Social Care complaints heard by the Ombudsman",
          _fact("ombudsman_non_social_care_heard"), _stat(STAT_WA, "lgsco_approaches")),
    _same("Non Social Care complaints upheld by the Ombudsman",
          _fact("ombudsman_non_social_care_upheld"), _stat(STAT_WA, "lgsco_upheld")),
    _same("Cases accepted at Stage 2", _fact("stage2_cases_accepted"), _stat(STAT_SC, "stage_2")),
    _same("Social Care complaints fully justified", _fact("social_care_fully_justified_pct"),
          _total(SC, "fully_justified_pct")),
    _same("Social Care complaints fully justified",
          Ref("complaint_outcomes", {"outcome": "Fully Justified"}),
          _total(SC, "fully_justified_pct")),
    _same("Social Care complaints partially justified",
          Ref("complaint_outcomes", {"outcome": "Partially Justified"}),
          _total(SC, "part_justified_pct")),
    _same("Social Care stage 1 complaints answered after 20 days",
          Ref("stage1_timescales", {"band": "over_20_days"}), _total(SC, "overdue_pct")),
    _same("Complaints from children in care", _fact("children_in_care_cases"),
          Ref("children_in_care_by_year")),
    _same("Social Care learnings", _fact("social_care_learnings"), _total(SC, "learnings")),
    _same("Non Social Care learnings", _fact("non_social_care_learnings"),
          _total(NSC, "learnings")),
    # The counts percentages are shares of (the report does not say for the themes: Stage 1 is
    # the smallest count they could be a share of, so disclosure control errs towards hiding).
    *(Identity("base", Ref(t), Ref(t, {"measure": "formal_complaints"}), ("year", "period"))
      for t in QUARTERLY_TABLES),
    *(Identity("base", Ref(t), _stat(STAT_SC, "stage_1"))
      for t in ("stage1_timescales", "complaint_outcomes", "complaint_themes")),
    Identity("base", Ref("equality_monitoring"), _fact("equality_records")),
    Identity("base", _fact("social_care_fully_justified_pct"), _stat(STAT_SC, "stage_1")),
    # The case extract's tables: responses on time at most all responses, fewer complaints at
    # each later stage, the teams' complaints make the service's total, children directly plus
    # through an advocate make all children's complaints; and the percentages' bases.
    Identity("bound", _stat(TIMELY, "on_time"), _stat(TIMELY, "responses"), _BY_STAGE),
    *(Identity("bound", _stat(ESCALATION, f"stage_{n + 1}"), _stat(ESCALATION, f"stage_{n}"),
               _BY_SERVICE) for n in (1, 2)),
    *(Identity("sum", Ref("complaints_by_team", {"service": service}),
               _total(table, "total_complaints"), check=_PARTS)
      for service, table in _CASE_SERVICES),
    Identity("sum", _stat(CHILDREN, ("directly", "via_advocate")), _stat(CHILDREN, "total"),
             _BY_SERVICE, check=_PARTS),
    Identity("base", _stat(TIMELY, "on_time_pct"), _stat(TIMELY, "responses"), _BY_STAGE),
    *(Identity("base", _stat(ESCALATION, f"stage_{n + 1}_of_stage_{n}_pct"),
               _stat(ESCALATION, f"stage_{n}"), _BY_SERVICE) for n in (1, 2)),
)  # fmt: skip


def _norm(text: object) -> str:
    return " ".join(str(text).split()).casefold()


def instantiate(tables: Mapping[str, pd.DataFrame]) -> Iterator[Relation]:
    """Every identity over ``tables`` (missing tables are skipped), for each value of its
    ``by`` columns that the parts hold and the whole holds too (``shares`` have no whole)."""

    def select(ref: Ref | None, by: tuple[str, ...]) -> pd.DataFrame | None:
        frame = tables.get(ref.table) if ref else None
        if frame is None or any(c not in frame.columns for c in (*ref.where, *by)):
            return None
        mask = pd.Series(True, index=frame.index)
        for column, wanted in ref.where.items():
            accepted = {_norm(w) for w in (wanted if isinstance(wanted, tuple) else (wanted,))}
            mask &= frame[column].map(_norm).isin(accepted)
        return frame[mask]

    for identity in IDENTITIES:
        parts = select(identity.parts, identity.by)
        whole = select(identity.whole, identity.by)
        if parts is None or parts.empty or (identity.whole is not None and whole is None):
            continue
        for values, group in parts.groupby(list(identity.by), sort=False):
            key = {c: str(v) for c, v in zip(identity.by, values, strict=True)}
            if whole is None:
                yield Relation(identity, key, group, group.iloc[0:0])
            elif not (matched := whole[whole[list(key)].astype(str).eq(key).all(axis=1)]).empty:
                yield Relation(identity, key, group, matched)
