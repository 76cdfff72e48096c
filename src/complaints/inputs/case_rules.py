"""The case route's rules, and every clean table computed from the canonical cases.

Sources of the rules (each is cited again where it is applied):

- Reporting year April to March; a case belongs to the quarter of its date received, an
  Ombudsman enquiry to the quarter the council was notified, a compliment to its date (the
  report's own convention).
- Working days: the Children Act 1989 Representations Procedure (England) Regulations 2006
  (SI 2006/1738), reg. 2: "any day except a Saturday, Sunday, Christmas Day, Boxing Day, Good
  Friday or a day which is a bank holiday in England and Wales", from the ``holidays`` package's
  England calendar (which knows the 2022 Jubilee and state-funeral days, the 8 May 2023
  coronation and substitute days such as 27 December 2022). The day of receipt is day 0.
- Statutory deadlines: reg. 14 (stage 1 within 10 working days, or 20 where extended), regs.
  17-18 (stage 2 within 25 working days, or 65 where extended), reg. 19 (a stage 3 review panel
  within 30 working days of the request).
- The council's own stage 1 deadline (:class:`Settings`) decides ``% overdue``: Dorset's policy
  is 20 working days for every complaint.
- Ombudsman figures follow the Local Government and Social Care Ombudsman (LGSCO): an
  enquiry is "upheld" when the LGSCO's decision says so.
- Percentages are rounded half up to whole numbers (:func:`round_half_up`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date

import holidays
import numpy as np
import pandas as pd

from complaints import cards
from complaints.errors import InputError
from complaints.inputs.cases import CaseData
from complaints.inputs.report_text import _KEY_FACTS
from complaints.words import format_value, join_words
from complaints.years import ReportingYear


@dataclass(frozen=True)
class Settings:
    """The council's choices, from the mapping file's ``[rules]``.

    ``stage1_deadline_working_days`` is the council's own stage 1 deadline (its policy, not the
    regulations): 20 (Dorset's default) applies 20 working days to every complaint; 10 applies
    the statutory 10, or 20 where an extension was agreed (reg. 14). ``child_complainants`` are
    the complainant labels that mean a child or young person complained (council's labels)."""

    stage1_deadline_working_days: int = 20
    child_complainants: tuple[str, ...] = ("Young Person",)

    @classmethod
    def from_mapping(cls, rules: Mapping[str, object]) -> Settings:
        """Settings from ``[rules]``; an unknown key or a bad value is an :class:`InputError`."""
        known = [f.name for f in fields(cls)]
        for key in rules:
            if key not in known:
                raise InputError(
                    f"unknown setting {key!r} in [rules]", hint=f"known: {join_words(known)}"
                )
        days = rules.get("stage1_deadline_working_days", cls.stage1_deadline_working_days)
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise InputError(
                f"[rules] stage1_deadline_working_days = {days!r} is not a number of days",
                hint="write 20 (every complaint within 20 working days) or 10 (the statutory 10)",
            )
        children = rules.get("child_complainants", cls.child_complainants)
        if isinstance(children, str) or not all(isinstance(c, str) for c in children):
            raise InputError(
                f"[rules] child_complainants = {children!r} is not a list of labels",
                hint='write e.g. child_complainants = ["Young Person"]',
            )
        return cls(days, tuple(c.strip() for c in children))


# Working days (reg. 2) ----------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _calendar(first_year: int, last_year: int) -> np.busdaycalendar:
    """Monday to Friday less England's bank holidays of the years (reg. 2)."""
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.busdaycalendar(holidays=np.array(sorted(days), dtype="datetime64[D]"))


def _calendar_for(*dates: np.ndarray) -> np.busdaycalendar:
    years = np.concatenate([d[~np.isnat(d)].astype("datetime64[Y]").astype(int) for d in dates])
    return _calendar(int(years.min()) + 1970, int(years.max()) + 1971) if years.size else _calendar(
        2000, 2000
    )


def count_working_days(start: pd.Series, end: pd.Series) -> pd.Series:
    """Working days after each ``start`` up to and including its ``end`` (reg. 2; the day of
    receipt is day 0), as floats; NaN where either date is missing."""
    s = start.to_numpy("datetime64[D]")
    e = end.to_numpy("datetime64[D]")
    ok = ~(np.isnat(s) | np.isnat(e))
    out = np.full(len(s), np.nan)
    if ok.any():
        days = np.busday_count(s[ok] + 1, e[ok] + 1, busdaycal=_calendar_for(s[ok], e[ok]))
        out[ok] = days
    return pd.Series(out, index=start.index)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (reg. 2; receipt is day 0)."""
    s, e = np.datetime64(start, "D"), np.datetime64(end, "D")
    return int(np.busday_count(s + 1, e + 1, busdaycal=_calendar_for(np.array([s, e]))))


def deadline(start: date, working_days: int) -> date:
    """The day ``working_days`` working days after ``start`` (reg. 2: receipt is day 0, the
    count starts the next working day, so a Saturday receipt makes Monday day 1)."""
    s = np.datetime64(start, "D")
    cal = _calendar(start.year, start.year + 1 + working_days // 200)
    return np.busday_offset(s, working_days, roll="backward", busdaycal=cal).astype(date)


def statutory_deadline(stage: pd.Series, extended: pd.Series) -> np.ndarray:
    """Working days allowed at each stage: stage 1 10, or 20 extended (reg. 14); stage 2 25, or
    65 extended (regs. 17-18); stage 3 panel 30 (reg. 19)."""
    ext = extended.to_numpy(bool)
    return np.select(
        [stage == 1, stage == 2], [np.where(ext, 20, 10), np.where(ext, 65, 25)], default=30
    )


def council_deadline(extended: pd.Series, settings: Settings) -> np.ndarray:
    """The council's stage 1 deadline (its policy): its setting, or 20 where extended."""
    days = settings.stage1_deadline_working_days
    return np.where(extended.to_numpy(bool), max(days, 20), days)


# Quarters and percentages -------------------------------------------------------------------


def quarter_of(dates: pd.Series, year: ReportingYear) -> pd.Series:
    """``Q1``-``Q4`` for dates in the reporting year (Q1 is April-June), missing outside it;
    categorical over :data:`cards.QUARTERS` (so ``Total`` is a category too)."""
    d = pd.to_datetime(dates)
    inside = (d >= pd.Timestamp(year.start, 4, 1)) & (d < pd.Timestamp(year.start + 1, 4, 1))
    codes = np.where(inside, (d.dt.month.fillna(4).to_numpy(int) - 4) % 12 // 3, -1)
    return pd.Series(pd.Categorical.from_codes(codes, cards.QUARTERS), index=dates.index)


def round_half_up(numerator, denominator=1):
    """``numerator / denominator`` rounded half up to a whole number (2.5 -> 3, 0.5 -> 1: not
    Python's round-half-even); exact for whole numbers. 0 where the denominator is 0."""
    num, den = np.asarray(numerator), np.asarray(denominator)
    safe = np.where(den == 0, 1, den)
    return np.where(den == 0, 0, np.floor_divide(2 * num + safe, 2 * safe))


# Figures from members ------------------------------------------------------------------------


def _members(frame: pd.DataFrame, part: object = True, ref: str = "case_ref", **keys):
    """The records behind figures: their keys, reference, provenance and whether each counts
    in the figure's numerator (``part``)."""
    columns = {"ref": frame[ref] if ref else pd.NA, "part": part, **keys}
    columns |= {"source_file": frame["source_file"], "source_row": frame["source_row"]}
    return pd.DataFrame(columns, index=frame.index)


def _with_total(members: pd.DataFrame) -> pd.DataFrame:
    """The members again under period ``Total``: totals come from the cases, not the quarters."""
    total = members.assign(period=pd.Categorical.from_codes([4] * len(members), cards.QUARTERS))
    return pd.concat([members, total], ignore_index=True)


def _figures(table: str, index: pd.DataFrame, members: pd.DataFrame, keys: list[str],
             share_of: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """One figure per row of ``index`` (keys, ``how``, ``unit``, ``what``), and the drill-down.

    ``how``: ``count`` (members counted), ``percent`` (members counted of all the group's
    members, or of all members sharing ``share_of`` when given), ``sum``/``mean``/``median``
    of the members' ``amount``. Provenance: the first record counted, and how it was computed.
    """
    part = members["part"].astype(bool)
    m = members.assign(
        part=part,
        amount=members["amount"].where(part) if "amount" in members else np.nan,
        source_row=members["source_row"].where(part),
    )
    grouped = m.groupby(keys, observed=True)
    stats = grouped.agg(
        n=("part", "sum"),
        whole=("part", "size"),
        source_line=("source_row", "min"),
        source_file=("source_file", "first"),
        total=("amount", "sum"),
        mean=("amount", "mean"),
        median=("amount", "median"),
    ).reset_index()
    stats[keys] = stats[keys].astype(str)
    stats["pos"] = np.arange(len(stats))
    full = index.merge(stats, on=keys, how="left")
    default_file = members["source_file"].iloc[0] if len(members) else ""
    full = full.fillna({"n": 0, "whole": 0, "source_line": 1, "source_file": default_file})
    n = full["n"].astype(int)
    if share_of is not None:
        full["whole"] = full.groupby(share_of)["n"].transform("sum") if share_of else n.sum()
    whole = full["whole"].astype(int)
    how = full["how"]
    full["value"] = np.select(
        [how == "count", how == "percent", how == "sum", how == "mean"],
        [n, round_half_up(100 * n, whole), full["total"].fillna(0),
         round_half_up(10 * full["mean"].fillna(0)) / 10],
        default=full["median"],
    )  # fmt: skip
    full = full[~(how.isin(["mean", "median"]) & (n == 0))].reset_index(drop=True)
    if (full["value"] % 1 == 0).all():  # whole numbers print as such (9, not 9.0)
        full["value"] = full["value"].astype("int64")
    full["source_text"] = [
        f"{format_value(v, 'GBP')} over {k} {w}" if h == "sum"
        else f"{h} of {k} {w}" if h in ("mean", "median")
        else f"{k} of {t} {w}" if h == "percent" else f"{k} {w}"
        for h, v, k, t, w in zip(full["how"], full["value"], full["n"].astype(int),
                                 full["whole"].astype(int), full["what"], strict=True)
    ]  # fmt: skip
    full["row"] = ["; ".join(f"{k}={v}" for k, v in zip(keys, r, strict=True))
                   for r in full[keys].itertuples(index=False)]  # fmt: skip
    # The drill-down: each group's row key and value, indexed by the group's number.
    held = full["pos"].notna()
    row_of = np.empty(len(stats), object)
    value_of = np.full(len(stats), np.nan)
    row_of[full.loc[held, "pos"].astype(int)] = full.loc[held, "row"]
    value_of[full.loc[held, "pos"].astype(int)] = full.loc[held, "value"]
    pick = m["part"].to_numpy(bool) & m["ref"].notna().to_numpy()
    group = grouped.ngroup().to_numpy()[pick]
    refs = pd.DataFrame(
        {"table": table, "row": row_of[group], "value": value_of[group],
         "case_ref": m["ref"].to_numpy()[pick]}
    ).dropna(subset=["row"])  # fmt: skip
    return full, refs


# Labels the report prints (as in the 2022-23 report) ------------------------------------------

#: Quarterly measure -> (label as printed, what its records are, in words).
_QUARTERLY = {
    "formal_complaints": ("Number of FORMAL complaints", "formal complaints received"),
    "informal_complaints": ("Number of INFORMAL complaints", "informal complaints received"),
    "ombudsman_upheld": (
        "Upheld approaches to the LGSCO Ombudsman compared to total received",
        "Ombudsman enquiries upheld",
    ),
    "ombudsman_received": (
        "Upheld approaches to the LGSCO Ombudsman compared to total received",
        "Ombudsman enquiries notified",
    ),
    "overdue_pct": ("Timescales (overdue)", "stage 1 responses after the council's deadline"),
    "fully_justified_pct": ("% fully justified complaints", "stage 1 outcomes fully justified"),
    "part_justified_pct": ("% part justified complaints", "stage 1 outcomes partly justified"),
    "compliments": ("Compliments", "compliments"),
    "learnings": ("Learnings", "cases with a learning"),
    "total_complaints": ("Total Complaints", "complaints received"),
}
_STATUTORY = {
    "representations": ("Representations", "informal cases received"),
    "stage_1": ("Stage 1", "formal cases received"),
    "formal_complaints": ("Formal Complaint", "formal cases received"),
    "stage_2": ("Stage 2", "stage 2 requests"),
    "stage_3": ("Stage 3", "stage 3 requests"),
    "lgsco_approaches": ("LGSCO approaches", "Ombudsman enquiries notified"),
    "lgsco_upheld": ("LGSCO approaches", "Ombudsman enquiries upheld"),
}
_OUTCOMES = {
    "fully_justified": "Fully Justified",
    "partly_justified": "Partially Justified",
    "not_justified": "Not justified",
}
_BANDS = {"0_20_working_days": "0-20 Working Days", "over_20_days": "20+ days"}
_FACT_LABELS = {fact: label for _, facts in _KEY_FACTS for fact, label in facts}
_SERVICES = {"social_care": "social_care_quarterly", "non_social_care": "non_social_care_quarterly"}

#: The new tables' columns (until their cards are added, :func:`_finish` returns these).
_NEW_TABLES = {
    "stage_timeliness": ["service", "stage", "measure"],
    "escalation": ["service", "measure"],
    "complaints_by_team": ["service", "team"],
    "stage1_response_days": ["service", "measure"],
    "children_complaints": ["service", "measure"],
}
_PROVENANCE = ["value", "unit", "source_text", "source_file", "source_line"]


def _finish(table: str, frame: pd.DataFrame, year: ReportingYear) -> pd.DataFrame:
    """The table with its year columns, through its card (or the contract's columns)."""
    frame = frame.assign(year=str(year), report_year=str(year))
    if table in cards.CARDS:
        return cards.conform(table, frame.loc[:, cards.CARDS[table].column_names])
    columns = ["year", "report_year", *_NEW_TABLES[table], *_PROVENANCE]
    return frame.loc[:, columns].reset_index(drop=True)


def _is_text(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.strip() != ""


# The tables ----------------------------------------------------------------------------------


def tables_from_cases(
    data: CaseData, year: ReportingYear, settings: Settings | None = None
) -> dict[str, pd.DataFrame]:
    """Every clean table the year's cases support (each through its card), plus ``case_refs``
    (table, row, value, case_ref: each case counted in each figure).

    Cases count in the quarter they were received; stage 2 and 3 in the quarter requested
    (a case received before the year may have a stage in it); totals are counted over the year
    from the cases, not averaged over the quarters as the published 2022-23 totals were.
    Tables the inputs cannot support (no equality forms, no learning recorded) are left out.
    """
    settings = settings or Settings()
    c = data.cases.assign(period=quarter_of(data.cases["date_received"], year))
    cases = c[c["period"].notna()]
    cases = cases.assign(learned=_is_text(cases["learning"]))
    # Stages: stage 1 belongs to the year its case was received, stages 2-3 to their request.
    s = data.stages
    by_case = c.set_index("case_ref")
    st = s.assign(
        service=s["case_ref"].map(by_case["service"]),
        period=quarter_of(s["date_requested"], year).where(
            s["stage"] != 1, s["case_ref"].map(by_case["period"])
        ),
        days=count_working_days(s["date_requested"], s["date_responded"]),
    )
    st = st[st["period"].notna()]
    responses = st[st["days"].notna()]
    responses = responses.assign(
        on_time=responses["days"] <= statutory_deadline(
            responses["stage"], responses["extension_agreed"]
        )
    )  # fmt: skip
    r1 = responses[responses["stage"] == 1]
    r1 = r1.assign(late=r1["days"] > council_deadline(r1["extension_agreed"], settings))
    o1 = st[(st["stage"] == 1) & st["outcome"].notna() & (st["outcome"] != "withdrawn")]
    om = data.ombudsman.assign(period=quarter_of(data.ombudsman["date_notified"], year))
    om = om[om["period"].notna()].assign(upheld=lambda f: f["decision"] == "upheld")
    comp = data.compliments.assign(period=quarter_of(data.compliments["date"], year))
    comp = comp[comp["period"].notna()]
    staged = {n: st[st["stage"] == n] for n in (2, 3)}

    out: dict[str, pd.DataFrame] = {}
    refs: list[pd.DataFrame] = []

    def add(table, index, members, keys, share_of=None, label=None):
        full, drill = _figures(table, index, members, keys, share_of)
        if label is not None:
            full["label"] = full["measure"].map(label)
        out[table] = _finish(table, full, year)
        refs.append(drill)

    for service, table in _SERVICES.items():
        sc, so, s1r, s1o, sm = (f[f["service"] == service] for f in (cases, om, r1, o1, comp))
        parts = {  # measure -> (records, which of them count, their reference)
            "formal_complaints": (sc[sc["formality"] == "formal"], True, "case_ref"),
            "informal_complaints": (sc[sc["formality"] == "informal"], True, "case_ref"),
            "ombudsman_upheld": (so[so["upheld"]], True, "lgsco_ref"),
            "ombudsman_received": (so, True, "lgsco_ref"),
            "overdue_pct": (s1r, s1r["late"], "case_ref"),
            "fully_justified_pct": (s1o, s1o["outcome"] == "fully_justified", "case_ref"),
            "part_justified_pct": (s1o, s1o["outcome"] == "partly_justified", "case_ref"),
            "compliments": (sm, True, ""),
            "learnings": (sc[sc["learned"]], True, "case_ref"),
        }
        frames = [_with_total(_members(f, part, ref, measure=k, period=f["period"]))
                  for k, (f, part, ref) in parts.items()]  # fmt: skip
        frames.append(_members(sc, measure="total_complaints", period="Total"))
        index = pd.DataFrame([
            {"measure": k, "period": p, "how": "percent" if k.endswith("_pct") else "count",
             "unit": "percent" if k.endswith("_pct") else "count", "what": _QUARTERLY[k][1]}
            for k in cards.CARDS[table].measures
            for p in (("Total",) if k == "total_complaints" else cards.QUARTERS)
        ])  # fmt: skip
        add(table, index, pd.concat(frames, ignore_index=True), ["measure", "period"],
            label={k: v[0] for k, v in _QUARTERLY.items()})  # fmt: skip

    # Statutory reporting, this year only (earlier years come from the store).
    for service, table, formal in (("social_care", "statutory_social_care", "stage_1"),
                                   ("non_social_care", "statutory_whole_authority",
                                    "formal_complaints")):  # fmt: skip
        sc = cases[cases["service"] == service]
        so = om[om["service"] == service]
        parts = {
            "representations": _members(sc[sc["formality"] == "informal"]),
            formal: _members(sc[sc["formality"] == "formal"]),
            **{f"stage_{n}": _members(f[f["service"] == service]) for n, f in staged.items()},
            "lgsco_approaches": _members(so, ref="lgsco_ref"),
            "lgsco_upheld": _members(so[so["upheld"]], ref="lgsco_ref"),
        }
        measures = list(cards.CARDS[table].measures)
        index = pd.DataFrame([{"measure": k, "how": "count", "unit": "count", "what": _STATUTORY[k][1]}
                        for k in measures])  # fmt: skip
        members = pd.concat([m.assign(measure=k) for k, m in parts.items() if k in measures])
        add(table, index, members, ["measure"], label={k: v[0] for k, v in _STATUTORY.items()})

    # Children's Social Care: every case received, formal and informal.
    csc = cases[cases["service"] == "social_care"]
    named = csc[_is_text(csc["complainant"])]
    groups = named.assign(group=named["complainant"].astype(str).str.strip())
    add("complainant_groups", _shares(groups["group"], "count", "complainants"),
        _members(groups, group=groups["group"]), ["group"])  # fmt: skip
    themes = data.themes[data.themes["case_ref"].isin(csc["case_ref"])]
    themes = themes.assign(theme=themes["theme"].astype(str).str.strip())
    add("complaint_themes", _shares(themes["theme"], "percent", "theme entries"),
        _members(themes, theme=themes["theme"]), ["theme"], share_of=[])  # fmt: skip
    o1c = o1[o1["service"] == "social_care"]
    index = pd.DataFrame([{"outcome": v, "how": "percent", "unit": "percent", "what": "stage 1 outcomes"}
                    for v in _OUTCOMES.values()])  # fmt: skip
    add("complaint_outcomes", index, _members(o1c, outcome=o1c["outcome"].map(_OUTCOMES)),
        ["outcome"], share_of=[])  # fmt: skip
    cic = csc[csc["child_in_care"].astype(bool)]
    label = f"Children in Care {year}"
    index = pd.DataFrame([{"label": label, "how": "count", "unit": "count", "what": "cases"}])
    add("children_in_care_by_year", index, _members(cic, label=label), ["label"])
    index = pd.DataFrame([{"period": q, "how": "count", "unit": "count", "what": "cases"}
                    for q in cards.QUARTERS[:4]])  # fmt: skip
    add("children_in_care_by_quarter", index, _members(cic, period=cic["period"]), ["period"])
    r1c = r1[r1["service"] == "social_care"]
    index = pd.DataFrame([{"band": b, "label": v, "how": "percent", "unit": "percent",
                     "what": "stage 1 responses"} for b, v in _BANDS.items()])  # fmt: skip
    bands = np.where(r1c["days"] > 20, "over_20_days", "0_20_working_days")
    add("stage1_timescales", index, _members(r1c, band=bands), ["band"], share_of=[])

    # Free text: the learning recorded on Children's Social Care cases.
    learned = csc[csc["learned"]]
    if len(learned):
        out["learning_from_complaints"] = _finish("learning_from_complaints", pd.DataFrame({
            "case_id": learned["case_ref"], "learned": learned["learning"],
            "action": learned["learning_action"], "source_file": learned["source_file"],
            "source_line": learned["source_row"], "source_line_end": learned["source_row"]}),
            year)  # fmt: skip
    cic_learned = cic[cic["learned"]]
    if len(cic_learned):
        out["children_in_care_cases"] = _finish("children_in_care_cases", pd.DataFrame({
            "period": cic_learned["period"].astype(str), "case_ref": cic_learned["case_ref"],
            "summary": cic_learned["learning"], "source_file": cic_learned["source_file"],
            "source_line": cic_learned["source_row"],
            "source_line_end": cic_learned["source_row"]}), year)  # fmt: skip

    # Equality monitoring (a separate survey: a year without forms has no equality tables).
    eq = data.equality
    if len(eq):
        answers = eq.assign(characteristic=eq["characteristic"].astype(str).str.strip(),
                            group=eq["answer"].fillna("").astype(str).str.strip())  # fmt: skip
        index = answers[["characteristic", "group"]].drop_duplicates().assign(
            how="percent", unit="percent", what="forms")  # fmt: skip
        add("equality_monitoring", index,
            _members(answers, ref="", characteristic=answers["characteristic"],
                     group=answers["group"]), ["characteristic", "group"],
            share_of=["characteristic"])  # fmt: skip

    # Key facts the cases support.
    sc2 = staged[2][staged[2]["service"] == "social_care"]
    sc2_cases = c[c["case_ref"].isin(sc2["case_ref"])]
    om_sc, om_nsc = om[om["service"] == "social_care"], om[om["service"] == "non_social_care"]
    nsc = cases[cases["service"] == "non_social_care"]
    facts = {
        "stage2_cases_accepted": ("count", "count", "stage 2 requests", _members(sc2)),
        "stage2_remedy_paid": ("sum", "GBP", "stage 2 cases",
                               _members(sc2_cases).assign(amount=sc2_cases["remedy"])),
        "ombudsman_social_care_investigated": ("count", "count", "Ombudsman enquiries",
                                               _members(om_sc, ref="lgsco_ref")),
        "ombudsman_social_care_maladministration": (
            "count", "count", "Ombudsman enquiries upheld",
            _members(om_sc[om_sc["upheld"]], ref="lgsco_ref")),
        "ombudsman_non_social_care_heard": ("count", "count", "Ombudsman enquiries",
                                            _members(om_nsc, ref="lgsco_ref")),
        "ombudsman_non_social_care_upheld": ("count", "count", "Ombudsman enquiries upheld",
                                             _members(om_nsc[om_nsc["upheld"]], ref="lgsco_ref")),
        "ombudsman_non_social_care_penalties": (
            "sum", "GBP", "Ombudsman enquiries upheld",
            _members(om_nsc[om_nsc["upheld"]], ref="lgsco_ref").assign(
                amount=om_nsc["remedy"])),
        "social_care_fully_justified_pct": (
            "percent", "percent", "stage 1 outcomes fully justified",
            _members(o1c, o1c["outcome"] == "fully_justified")),
        "children_in_care_cases": ("count", "count", "cases", _members(cic)),
        "social_care_learnings": ("count", "count", "cases with a learning",
                                  _members(csc[csc["learned"]])),
        "non_social_care_learnings": ("count", "count", "cases with a learning",
                                      _members(nsc[nsc["learned"]])),
    }  # fmt: skip
    if len(eq):
        forms = eq.drop_duplicates("form_id")
        facts["equality_records"] = ("count", "count", "forms", _members(forms, ref=""))
    index = pd.DataFrame([{"fact": k, "label": _FACT_LABELS[k], "how": h, "unit": u, "what": w}
                    for k, (h, u, w, _) in facts.items()])  # fmt: skip
    members = pd.concat([m.assign(fact=k) for k, (*_, m) in facts.items()], ignore_index=True)
    add("key_facts", index, members, ["fact"])

    # The tables other councils publish.
    for_service = {"service": list(_SERVICES)}
    index = _cross(for_service, {"stage": ["stage_1", "stage_2", "stage_3"]},
                   [("responses", "count", "count", "responses"),
                    ("on_time", "count", "count", "responses on time"),
                    ("on_time_pct", "percent", "percent", "responses on time")])  # fmt: skip
    stage_ids = "stage_" + responses["stage"].astype(str)
    add("stage_timeliness", index, pd.concat([
        _members(responses, True, service=responses["service"], stage=stage_ids,
                 measure="responses"),
        _members(responses[responses["on_time"]], service=responses["service"],
                 stage=stage_ids, measure="on_time"),
        _members(responses, responses["on_time"], service=responses["service"],
                 stage=stage_ids, measure="on_time_pct")]), ["service", "stage", "measure"])  # fmt: skip
    # Escalation follows the year's stage 1 complaints: how many went on to stage 2, then 3.
    s1 = st[st["stage"] == 1]
    has2 = s1["case_ref"].isin(s.loc[s["stage"] == 2, "case_ref"])
    has3 = s1["case_ref"].isin(s.loc[s["stage"] == 3, "case_ref"])
    sv = s1["service"]
    index = _cross(for_service, {}, [
        ("stage_1", "count", "count", "stage 1 complaints"),
        ("stage_2", "count", "count", "of the year's stage 1 complaints taken to stage 2"),
        ("stage_3", "count", "count", "of the year's stage 1 complaints taken to stage 3"),
        ("stage_2_of_stage_1_pct", "percent", "percent", "stage 1 complaints taken to stage 2"),
        ("stage_3_of_stage_2_pct", "percent", "percent", "stage 2 complaints taken to stage 3")])  # fmt: skip
    add("escalation", index, pd.concat([
        _members(s1, service=sv, measure="stage_1"),
        _members(s1[has2], service=sv, measure="stage_2"),
        _members(s1[has3], service=sv, measure="stage_3"),
        _members(s1, has2, service=sv, measure="stage_2_of_stage_1_pct"),
        _members(s1[has2], has3, service=sv, measure="stage_3_of_stage_2_pct")]),
        ["service", "measure"])  # fmt: skip
    teams = cases.assign(team=cases["team"].where(_is_text(cases["team"]), "Not recorded"))
    teams = teams.assign(team=teams["team"].astype(str).str.strip())
    index = teams[["service", "team"]].drop_duplicates().sort_values(["service", "team"]).assign(
        how="count", unit="count", what="complaints received")  # fmt: skip
    add("complaints_by_team", index, _members(teams, service=teams["service"], team=teams["team"]),
        ["service", "team"])  # fmt: skip
    index = _cross(for_service, {}, [
        ("responses", "count", "count", "stage 1 responses"),
        ("mean_working_days", "mean", "working days", "stage 1 responses"),
        ("median_working_days", "median", "working days", "stage 1 responses")])  # fmt: skip
    add("stage1_response_days", index, pd.concat([
        _members(r1, service=r1["service"], measure=m).assign(amount=r1["days"])
        for m in ("responses", "mean_working_days", "median_working_days")]),
        ["service", "measure"])  # fmt: skip
    child = cases["complainant"].fillna("").astype(str).str.strip().isin(
        settings.child_complainants)  # fmt: skip
    advocate = cases["via_advocate"].astype(bool)
    index = _cross(for_service, {}, [
        ("directly", "count", "count", "complaints made by a child or young person"),
        ("via_advocate", "count", "count", "complaints made through an advocate"),
        ("total", "count", "count", "complaints made by or for a child")])  # fmt: skip
    svc = cases["service"]
    add("children_complaints", index, pd.concat([
        _members(cases[child & ~advocate], service=svc, measure="directly"),
        _members(cases[advocate], service=svc, measure="via_advocate"),
        _members(cases[child | advocate], service=svc, measure="total")]),
        ["service", "measure"])  # fmt: skip

    out["case_refs"] = pd.concat(refs, ignore_index=True)
    return out


def _shares(labels: pd.Series, how: str, what: str) -> pd.DataFrame:
    """One row per label held (sorted), counted (``count``) or as a share (``percent``)."""
    column = labels.name
    return pd.DataFrame({column: sorted(labels.unique()), "how": how, "unit": how, "what": what})


def _cross(first: dict[str, list[str]], second: dict[str, list[str]],
           measures: list[tuple[str, str, str, str]]) -> pd.DataFrame:  # fmt: skip
    """Every combination of ``first`` x ``second`` x measures (id, how, unit, what)."""
    rows = [{"measure": m, "how": h, "unit": u, "what": w} for m, h, u, w in measures]
    index = pd.DataFrame(rows)
    for frame in (second, first):
        for column, values in frame.items():
            index = pd.DataFrame({column: values}).merge(index, how="cross")
    return index
