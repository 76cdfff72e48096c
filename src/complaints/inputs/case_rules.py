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
- The council's own stage 1 deadline (`[rules] stage1_deadline_working_days` of the mapping
  file) decides `% overdue`: Dorset's policy is 20 working days for every complaint (which is
  why its `% overdue` equals its "20+ days" band); 10 applies the statutory 10, or 20 where an
  extension was agreed.
- Ombudsman figures follow the Local Government and Social Care Ombudsman (LGSCO): an
  enquiry is "upheld" when the LGSCO's decision says so.
- Percentages are rounded half up to whole numbers (2.5 is 3); a share of nothing is 0.

What each figure counts:

- Quarterly tables, per service: formal and informal complaints received; Ombudsman enquiries
  notified and, of those, upheld; `% overdue`: stage 1 responses after the council's deadline
  of all stage 1 responses, for complaints received in the period; `% fully` and `% part
  justified`: stage 1 outcomes of that kind of all stage 1 outcomes (withdrawn left out);
  compliments; learnings: cases with a learning recorded. The Total column is counted over the
  year from the cases, not averaged over the quarters as the published 2022-23 totals were.
- Statutory tables (this year; earlier years come from the store): representations are the
  informal cases received, stage 1 (Whole Authority: formal complaints) the formal ones; stage
  2 and stage 3 the cases whose stage 2 or 3 was requested in the year; LGSCO approaches the
  enquiries notified in the year, with those upheld.
- Complainant groups, themes (the share of theme entries: a case with two themes counts in
  both) and children in care count every Children's Social Care case received, formal and
  informal; outcomes and timescales its stage 1 outcomes and responses ("0-20 Working Days":
  within 20 working days of receipt).
- Equality monitoring: the share of forms giving each answer, per question; equality records
  are the forms. Learning: the cases with a learning recorded (both services, as the published
  table has them).
- Timeliness at each stage: responses within the statutory deadline of all responses;
  escalation: the year's stage 1 complaints taken to stage 2, and of those to stage 3; by team:
  cases received per team or locality ("Not recorded" when empty); working days to a stage 1
  response: the mean (one decimal) and median; complaints by children: complainants the mapping
  names as children (`[rules] child_complainants`, default "Young Person") and complaints made
  through an advocate.
- Stage 1 belongs to the quarter its case was received; stages 2 and 3 to the quarter they were
  requested (a case received in an earlier year may have a stage in this one).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import NamedTuple, NoReturn

import holidays
import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from complaints import cards
from complaints.errors import InputError
from complaints.inputs.cases import CaseData, still_open
from complaints.inputs.report_text import KEY_FACTS
from complaints.words import format_value, join_words
from complaints.years import ReportingYear


@dataclass(frozen=True)
class Settings:
    """The council's choices, from the mapping file's ``[rules]`` (the module's docstring says
    what each decides): its own stage 1 deadline, and the complainant labels (its own) that
    mean a child or young person complained."""

    stage1_deadline_working_days: int = 20
    child_complainants: tuple[str, ...] = ("Young Person",)

    @classmethod
    def from_mapping(cls, rules: Mapping[str, object], file: str | None = None) -> Settings:
        """Settings from ``[rules]`` of the mapping ``file``; an unknown key or a bad value is an
        :class:`InputError` naming it."""

        def refuse(what: str, hint: str) -> NoReturn:
            raise InputError(what, file=file, hint=hint)

        known = [f.name for f in fields(cls)]
        if unknown := [key for key in rules if key not in known]:
            refuse(f"unknown setting {unknown[0]!r} in [rules]", f"known: {join_words(known)}")
        days = rules.get("stage1_deadline_working_days", cls.stage1_deadline_working_days)
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            refuse(
                f"[rules] stage1_deadline_working_days = {days!r} is not a number of days",
                "write 20 (every complaint within 20 working days) or 10 (the statutory 10)",
            )
        children = rules.get("child_complainants", cls.child_complainants)
        if isinstance(children, str) or not all(isinstance(c, str) for c in children):
            refuse(
                f"[rules] child_complainants = {children!r} is not a list of labels",
                'write e.g. child_complainants = ["Young Person"]',
            )
        return cls(days, tuple(c.strip() for c in children))


# Working days (reg. 2) ----------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _calendar(first_year: int, last_year: int) -> np.busdaycalendar:
    """Monday to Friday less England's bank holidays of the years (reg. 2)."""
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.busdaycalendar(holidays=np.array(sorted(days), dtype="datetime64[D]"))


def count_working_days(start: pd.Series, end: pd.Series) -> pd.Series:
    """Working days after each ``start`` up to and including its ``end`` (reg. 2; the day of
    receipt is day 0), as floats; NaN where either date is missing."""
    s, e = start.to_numpy("datetime64[D]"), end.to_numpy("datetime64[D]")
    ok = ~(np.isnat(s) | np.isnat(e))
    out = np.full(len(s), np.nan)
    if ok.any():
        years = np.concatenate([s[ok], e[ok]]).astype("datetime64[Y]").astype(int) + 1970
        calendar = _calendar(int(years.min()), int(years.max()) + 1)  # and the next year's
        out[ok] = np.busday_count(s[ok] + 1, e[ok] + 1, busdaycal=calendar)
    return pd.Series(out, index=start.index)


def deadline(start: date, working_days: int) -> date:
    """The day ``working_days`` working days after ``start`` (reg. 2: receipt is day 0, the
    count starts the next working day, so a Saturday receipt makes Monday day 1)."""
    cal = _calendar(start.year, start.year + 1 + working_days // 200)
    day = np.busday_offset(np.datetime64(start, "D"), working_days, roll="backward", busdaycal=cal)
    return day.astype(date)


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


# Figures from the records behind them -------------------------------------------------------


class _Members(NamedTuple):
    """Records behind figures: which count (``part``), their amounts, and the keys of their
    figures: a label (the same for every record, as the id, ``how`` and ``what``) or a column.
    The drill-down lists them by ``frame["_ref"]`` (compliments and forms have none)."""

    frame: pd.DataFrame
    part: np.ndarray
    amount: np.ndarray | None
    keys: dict[str, object]


def _f(figure, how, what, frame, part=True, amount=None, **keys) -> _Members:
    """The records of ``frame`` (``part``: all, or which of them count) behind a figure: its id
    (``None``: one figure per group of ``keys`` held), how it is computed, what it counts."""
    counted = np.broadcast_to(np.asarray(part, dtype=bool), (len(frame),))
    money = None if amount is None else np.asarray(amount, dtype=float)
    ids = {} if figure is None else {"figure": figure}
    return _Members(frame, counted, money, {**ids, "how": how, "what": what, **keys})


#: How a figure is computed -> its unit, and its ``source_text``.
_TEXTS = {"count": "{n} {what}", "percent": "{n} of {whole} {what}",
          "sum": "{money} over {n} {what}", "mean": "mean of {n} {what}",
          "median": "median of {n} {what}"}  # fmt: skip
_UNITS = {"count": "count", "percent": "percent", "sum": "GBP"}
_UNITS |= dict.fromkeys(("mean", "median"), "working days")


def _aggregate(i: int, m: _Members) -> tuple[pd.DataFrame, np.ndarray]:
    """Each group of one set of members (a combination of its varying keys, in their order):
    how many records count, of how many, the first row counted, and the amounts; and each
    record's group (-1: a record with a missing key, in no group)."""
    varying = [k for k, v in m.keys.items() if not isinstance(v, str)]
    if varying:
        by = pd.DataFrame({k: m.keys[k].array for k in varying}).groupby(varying, observed=True)
        groups = by.ngroup().fillna(-1).to_numpy(int)
        frame = by.size().index.to_frame(index=False).astype(str)
    else:  # one figure, even of no records
        groups, frame = np.zeros(len(m.part), int), pd.DataFrame(index=range(1))
    counted = m.part & (groups >= 0)
    records = pd.DataFrame({"source_line": m.frame["source_row"].to_numpy(dtype=float)})
    if m.amount is not None:
        records["amount"] = m.amount
    by = records[counted].groupby(groups[counted])
    stats = by["source_line"].agg(n="size", source_line="min")
    if m.amount is not None:
        stats = stats.join(by["amount"].agg(["sum", "mean", "median"]))
    frame = frame.join(stats).assign(
        whole=np.bincount(groups[groups >= 0], minlength=len(frame)),
        **{k: v for k, v in m.keys.items() if isinstance(v, str)},
        # a category (cases.read_cases): a figure of no records still names the file it counts
        source_file=m.frame["source_file"].cat.categories[0],
        _members=i,
        _group=np.arange(len(frame)),
    )
    return frame, groups


def _figures(
    members: list[_Members],
    column: str | None = None,
    share_of: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
    drop: tuple = (),
    **cross: list[str],
) -> tuple[pd.DataFrame, list]:
    """One figure per id (named ``column``, in order) and combination of ``cross`` (less the
    keys in ``drop``), or with no ``column`` one per group of the members' keys held; its
    ``label`` from ``labels``.

    ``how``: ``count`` (records counted), ``percent`` (records counted of all the group's
    records, or of all counted records sharing ``share_of`` when given), ``sum``, ``mean`` or
    ``median`` of the amounts counted. Provenance: the first row counted (1, the header, when
    none) and how the figure was computed. Also returns the drill-down (rows, record's row, ref).
    """
    # a key of ``cross`` a member does not give is its frame's column of that name
    members = [
        m._replace(keys={**{k: m.frame[k] for k in cross if k not in m.keys}, **m.keys})
        for m in members
    ]
    aggregated = [_aggregate(i, m) for i, m in enumerate(members)]
    stats = pd.concat([s for s, _ in aggregated], ignore_index=True)
    if column is None:
        keys, full = [k for k, v in members[0].keys.items() if not isinstance(v, str)], stats
    else:
        keys, stats = [column, *cross], stats.rename(columns={"figure": column})
        ids = dict.fromkeys((m.keys["figure"], m.keys["how"], m.keys["what"]) for m in members)
        index = pd.DataFrame(list(ids), columns=[column, "how", "what"])
        for name, values in cross.items():
            index = index.merge(pd.DataFrame({name: values}), how="cross")
        index = index[~index[keys].apply(tuple, axis=1).isin(drop)]
        full = index.merge(stats, on=[*keys, "how", "what"], how="left")
    file = members[0].frame["source_file"].cat.categories[0]  # of a figure of no records
    full = full.fillna({"n": 0, "whole": 0, "source_line": 1, "source_file": file})
    full["source_line"] = full["source_line"].astype("int64")
    n = full["n"].astype(int)
    if share_of is not None:
        full["whole"] = full.groupby(share_of)["n"].transform("sum") if share_of else n.sum()
    whole, how = full["whole"].astype(int), full["how"]
    amount = full.reindex(columns=["sum", "mean", "median"])
    full["value"] = np.select(
        [how == "count", how == "percent", how == "sum", how == "mean"],
        [n, round_half_up(100 * n, whole), amount["sum"].fillna(0),
         round_half_up(10 * amount["mean"].fillna(0)) / 10],
        default=amount["median"],
    )  # fmt: skip
    full = full[~(how.isin(["mean", "median"]) & (n == 0))].reset_index(drop=True)
    if (full["value"] % 1 == 0).all():  # whole numbers print as such (9, not 9.0)
        full["value"] = full["value"].astype("int64")
    full["unit"] = full["how"].map(_UNITS)
    if labels is not None:
        full["label"] = full[column].map(labels)
    full["source_text"] = [
        _TEXTS[h].format(n=int(k), whole=int(t), what=w, money=format_value(v, "GBP"))
        for h, v, k, t, w in full[["how", "value", "n", "whole", "what"]].itertuples(index=False)
    ]
    full["row"] = [
        "; ".join(f"{k}={v}" for k, v in zip(keys, r, strict=True))
        for r in full[keys].itertuples(index=False)
    ]
    drill = []
    for i, (m, (stats_i, groups)) in enumerate(zip(members, aggregated, strict=True)):
        mine = full[full["_members"] == i]
        if "_ref" not in m.frame or mine.empty:
            continue
        where = np.full(len(stats_i) + 1, -1)  # where[-1]: a record in no group
        where[mine["_group"].astype(int)] = np.arange(len(mine))
        refs = m.frame["_ref"].to_numpy()
        codes = where[groups]
        pick = m.part & (codes >= 0) & (refs >= 0)
        drill.append((mine["row"].to_numpy(), codes[pick], refs[pick]))
    return full, drill


# Labels the report prints (as in the 2022-23 report) ------------------------------------------

_LABELS = {
    "formal_complaints": "Number of FORMAL complaints",
    "informal_complaints": "Number of INFORMAL complaints",
    **dict.fromkeys(
        ("ombudsman_upheld", "ombudsman_received"),
        "Upheld approaches to the LGSCO Ombudsman compared to total received",
    ),
    "overdue_pct": "Timescales (overdue)",
    "fully_justified_pct": "% fully justified complaints",
    "part_justified_pct": "% part justified complaints",
    "compliments": "Compliments",
    "learnings": "Learnings",
    "total_complaints": "Total Complaints",
}
_STAGES = {f"stage_{n}": f"Stage {n}" for n in (1, 2, 3)}
_STATUTORY = {
    **_STAGES,
    "representations": "Representations",
    "formal_complaints": "Formal Complaint",
    **dict.fromkeys(("lgsco_approaches", "lgsco_upheld"), "LGSCO approaches"),
}
_OUTCOMES = {
    "fully_justified": "Fully Justified",
    "partly_justified": "Partially Justified",
    "not_justified": "Not justified",
}
_BANDS = {"0_20_working_days": "0-20 Working Days", "over_20_days": "20+ days"}
_FACT_LABELS = {fact: label for _, facts in KEY_FACTS for fact, label in facts}
#: Service (as the case model names it, then as tables print it) -> its quarterly table and its
#: statutory table.
_NAMES = {"social_care": "Children's Social Care", "non_social_care": "Non Social Care"}
SC, NSC = _NAMES.values()
_SERVICES = {
    SC: ("social_care_quarterly", "statutory_social_care"),
    NSC: ("non_social_care_quarterly", "statutory_whole_authority"),
}


def _finish(table: str, frame: pd.DataFrame, year: ReportingYear) -> pd.DataFrame:
    """The table with its year columns, through its card; a table only the case extract gives
    is labelled by its team, its stage, or its measure in words (from its card)."""
    card = cards.CARDS[table]
    frame = frame.assign(year=str(year), report_year=str(year))
    if "label" in card.column_names and "label" not in frame:
        words = {m: w[:1].upper() + w[1:] for m, w in card.measures.items()}
        label = frame["stage"].map(_STAGES) if "stage" in frame else frame["measure"].map(words)
        frame = frame.assign(label=frame.get("team", label))
    return cards.conform(table, frame.loc[:, card.column_names])


def _has_text(values: pd.Series) -> np.ndarray:
    return (values.notna() & values.ne("")).to_numpy()


def _dated(frame: pd.DataFrame, column: str, year: ReportingYear, **more) -> pd.DataFrame:
    """The records with their quarter (``period``, missing outside the year), ``service`` as
    tables print it (a category) and ``more`` columns."""
    service = frame["service"].map(_NAMES).astype(pd.CategoricalDtype(_NAMES.values()))
    return frame.assign(period=quarter_of(frame[column], year), service=service, **more)


def _inside(frame: pd.DataFrame) -> pd.DataFrame:
    """The records of the year."""
    return frame[frame["period"].notna().to_numpy()]


# The tables ----------------------------------------------------------------------------------


def tables_from_cases(
    data: CaseData, year: ReportingYear, settings: Settings | None = None
) -> dict[str, pd.DataFrame]:
    """Every clean table the year's cases support, each through its card (those the inputs
    cannot support, such as equality without forms, are left out), plus ``case_refs``: each
    record counted in each figure (an Ombudsman enquiry by its LGSCO reference; compliments and
    equality forms are anonymous). The module's docstring says what each figure counts."""
    settings = settings or Settings()
    # Every record's reference is its position among the cases, then the enquiries.
    refs = pd.Index(data.cases["case_ref"])
    number = len(data.cases)
    learned = _has_text(data.cases["learning"])
    everything = _dated(data.cases, "date_received", year, _ref=np.arange(number), learned=learned)
    cases = _inside(everything)
    om = data.ombudsman
    om = _inside(_dated(om, "date_notified", year, _ref=number + np.arange(len(om)),
                        upheld=om["decision"].eq("upheld").to_numpy()))  # fmt: skip
    comp = _inside(_dated(data.compliments, "date", year))
    # Stage 1 belongs to the quarter its case was received, stages 2 and 3 to their request.
    s = data.stages
    at = refs.get_indexer(s["case_ref"])
    stage = s["stage"].to_numpy()
    case = {c: everything[c].array.take(at, allow_fill=True) for c in ("service", "period")}
    days = count_working_days(s["date_requested"], s["date_responded"])
    st = _inside(s.assign(
        _ref=at,
        service=case["service"],
        period=quarter_of(s["date_requested"], year).where(stage != 1, case["period"]),
        days=days,
        on_time=days <= statutory_deadline(s["stage"], s["extension_agreed"]),
        late=days > council_deadline(s["extension_agreed"], settings),
        stage=pd.Categorical.from_codes(stage - 1, list(_STAGES)),
    ))  # fmt: skip
    answered = st[st["days"].notna().to_numpy()]
    s1, s2, s3 = (st[(st["stage"] == k).to_numpy()] for k in _STAGES)
    r1 = s1[s1["days"].notna().to_numpy()]
    o1 = s1[(s1["outcome"].notna() & s1["outcome"].ne("withdrawn")).to_numpy()]
    # Each service's records.
    frames = {"cases": cases, "om": om, "comp": comp, "r1": r1, "o1": o1, "s2": s2, "s3": s3}
    split = {
        service: {k: f[(f["service"] == service).to_numpy()] for k, f in frames.items()}
        for service in _SERVICES
    }

    out: dict[str, pd.DataFrame] = {}
    drills: list[tuple] = []  # (table, rows, each record's row, its reference)

    def add(table: str, members: list[_Members], *args, **options) -> None:
        full, drill = _figures(members, *args, **options)
        out[table] = _finish(table, full, year)
        drills.extend((table, *d) for d in drill)

    total_of, statutory_of = {}, {}  # each service's figures, by id (the year's totals)
    for service, (table, statutory) in _SERVICES.items():
        sc, so, s1r, s1o = (split[service][k] for k in ("cases", "om", "r1", "o1"))
        formal = sc["formality"].eq("formal").to_numpy()
        fully, partly = (s1o["outcome"].eq(k) for k in ("fully_justified", "partly_justified"))
        by_quarter = [  # measure, how, what, records, which count
            ("formal_complaints", "count", "formal complaints received", sc, formal),
            ("informal_complaints", "count", "informal complaints received", sc, ~formal),
            ("ombudsman_upheld", "count", "Ombudsman enquiries upheld", so, so["upheld"]),
            ("ombudsman_received", "count", "Ombudsman enquiries notified", so, True),
            ("overdue_pct", "percent", "stage 1 responses after the council's deadline", s1r,
             s1r["late"]),
            ("fully_justified_pct", "percent", "stage 1 outcomes fully justified", s1o, fully),
            ("part_justified_pct", "percent", "stage 1 outcomes partly justified", s1o, partly),
            ("compliments", "count", "compliments", split[service]["comp"], True),
            ("learnings", "count", "cases with a learning", sc, sc["learned"]),
            ("total_complaints", "count", "complaints received", sc, True),
        ]  # fmt: skip
        members = [_f(k, how, what, f, part, period=p) for k, how, what, f, part in by_quarter
                   for p in (f["period"], "Total")]  # fmt: skip
        quarters = [("total_complaints", q) for q in cards.QUARTERS[:4]]
        add(table, members, "measure", labels=_LABELS, drop=quarters, period=list(cards.QUARTERS))
        total_of[service] = {m.keys["figure"]: m for m in members[1::2]}  # the year's

        # Statutory reporting, this year only (earlier years come from the store).
        counts = {  # measure: what, records, which count
            "representations": ("informal cases", sc, ~formal),
            "stage_1": ("formal cases received", sc, formal),
            "formal_complaints": ("formal cases", sc, formal),
            "stage_2": ("stage 2 requests", split[service]["s2"], True),
            "stage_3": ("stage 3 requests", split[service]["s3"], True),
            "lgsco_approaches": ("Ombudsman enquiries", so, True),
            "lgsco_upheld": ("enquiries upheld", so, so["upheld"]),
        }
        figures = statutory_of[service] = {k: _f(k, "count", *v) for k, v in counts.items()}
        members = [figures[k] for k in cards.CARDS[statutory].measures]
        add(statutory, members, "measure", labels=_STATUTORY)

    # Children's Social Care: every case received, formal and informal.
    csc, o1c, r1c = (split[SC][k] for k in ("cases", "o1", "r1"))
    named = csc[_has_text(csc["complainant"])]
    add("complainant_groups", [_f(None, "count", "complainants", named,
                                  group=named["complainant"])])  # fmt: skip
    themes = data.themes.assign(_ref=refs.get_indexer(data.themes["case_ref"]))
    themes = themes[themes["case_ref"].isin(csc["case_ref"]).to_numpy()]
    add("complaint_themes", [_f(None, "percent", "theme entries", themes, theme=themes["theme"])],
        share_of=[])  # fmt: skip
    add("complaint_outcomes", [_f(v, "percent", "stage 1 outcomes", o1c, o1c["outcome"].eq(k))
                               for k, v in _OUTCOMES.items()], "outcome", share_of=[])  # fmt: skip
    cic = csc[csc["child_in_care"].to_numpy(dtype=bool)]
    by_year = _f(f"Children in Care {year}", "count", "cases", cic)
    add("children_in_care_by_year", [by_year], "label")
    quarterly = [_f(q, "count", "cases", cic, cic["period"].eq(q)) for q in cards.QUARTERS[:4]]
    add("children_in_care_by_quarter", quarterly, "period")
    over = r1c["days"].to_numpy() > 20
    add("stage1_timescales", [_f("0_20_working_days", "percent", "stage 1 responses", r1c, ~over),
                              _f("over_20_days", "percent", "stage 1 responses", r1c, over)],
        "band", labels=_BANDS)  # fmt: skip

    # Free text: the learning recorded on every case (as the published table), and every case of a
    # child in care (as the report lists them under each quarter) with its learning.
    for table, frame in (("learning_from_complaints", cases[cases["learned"].to_numpy()]),
                         ("children_in_care_cases", cic)):  # fmt: skip
        if len(frame):
            summary = frame["learning"].where(frame["learned"], "No learning recorded.")
            out[table] = _finish(table, pd.DataFrame({
                "learned": frame["learning"], "action": frame["learning_action"],
                "summary": summary, "case_id": frame["case_ref"], "case_ref": frame["case_ref"],
                "period": frame["period"].astype(str), "source_file": frame["source_file"],
                "source_line": frame["source_row"], "source_line_end": frame["source_row"],
            }), year)  # fmt: skip

    # Equality monitoring (a separate survey: a year without forms has no equality tables).
    eq = data.equality
    if len(eq):
        add("equality_monitoring", [_f(None, "percent", "forms", eq,
                                       characteristic=eq["characteristic"], group=eq["answer"])],
            share_of=["characteristic"])  # fmt: skip

    # Key facts the cases support (most are figures of the tables above, under another name).
    om_nsc, stage2 = split[NSC]["om"], split[SC]["s2"]
    remedied = everything.iloc[np.unique(stage2["_ref"].to_numpy())]
    facts = {
        "stage2_cases_accepted": statutory_of[SC]["stage_2"],
        "stage2_remedy_paid": _f(None, "sum", "stage 2 cases", remedied,
                                 amount=remedied["remedy"]),
        "ombudsman_social_care_investigated": statutory_of[SC]["lgsco_approaches"],
        "ombudsman_social_care_maladministration": statutory_of[SC]["lgsco_upheld"],
        "ombudsman_non_social_care_heard": statutory_of[NSC]["lgsco_approaches"],
        "ombudsman_non_social_care_upheld": statutory_of[NSC]["lgsco_upheld"],
        "ombudsman_non_social_care_penalties": _f(None, "sum", "enquiries upheld", om_nsc,
                                                  om_nsc["upheld"], amount=om_nsc["remedy"]),
        "social_care_fully_justified_pct": total_of[SC]["fully_justified_pct"],
        "children_in_care_cases": by_year,
        "social_care_learnings": total_of[SC]["learnings"],
        "non_social_care_learnings": total_of[NSC]["learnings"],
    }  # fmt: skip
    if len(eq):
        facts["equality_records"] = _f(None, "count", "forms", eq.drop_duplicates("form_id"))
    facts = [m._replace(keys={**m.keys, "figure": k}) for k, m in facts.items()]
    add("key_facts", facts, "fact", labels=_FACT_LABELS)

    # The tables other councils publish.
    services = {"service": list(_SERVICES)}
    on_time = answered["on_time"]
    add("stage_timeliness", [
        _f("responses", "count", "responses", answered),
        _f("on_time", "count", "responses on time", answered, on_time),
        _f("on_time_pct", "percent", "responses on time", answered, on_time),
        _f("open", "count", "stages open at the year's end", st, still_open(st, year)),
    ], "measure", **services, stage=list(_STAGES))  # fmt: skip
    # Escalation follows the year's stage 1 complaints: how many went on to stage 2, then 3.
    has2, has3 = (s1["case_ref"].isin(s["case_ref"][stage == n]).to_numpy() for n in (2, 3))
    add("escalation", [
        _f("stage_1", "count", "stage 1 complaints", s1),
        _f("stage_2", "count", "stage 1 complaints taken to stage 2", s1, has2),
        _f("stage_3", "count", "stage 1 complaints taken to stage 3", s1, has3),
        _f("stage_2_of_stage_1_pct", "percent", "stage 1 complaints taken to stage 2", s1, has2),
        _f("stage_3_of_stage_2_pct", "percent", "stage 2 complaints taken to stage 3", s1[has2],
           has3[has2]),
    ], "measure", **services)  # fmt: skip
    team = cases["team"].where(_has_text(cases["team"])).astype("category")
    team = team.cat.add_categories("Not recorded").fillna("Not recorded")
    by_team = _f(None, "count", "complaints received", cases, service=cases["service"], team=team,
                 measure="complaints")  # fmt: skip
    add("complaints_by_team", [by_team])
    add("stage1_response_days", [
        _f(m, how, "stage 1 responses", r1, amount=r1["days"])
        for m, how in (("responses", "count"), ("mean_working_days", "mean"),
                       ("median_working_days", "median"))
    ], "measure", **services)  # fmt: skip
    child = cases["complainant"].isin(settings.child_complainants).to_numpy()
    advocate = cases["via_advocate"].to_numpy(dtype=bool)
    add("children_complaints", [
        _f("directly", "count", "complaints made by a child", cases, child & ~advocate),
        _f("via_advocate", "count", "complaints made through an advocate", cases, advocate),
        _f("total", "count", "complaints made by or for a child", cases, child | advocate),
    ], "measure", **services)  # fmt: skip

    out["case_refs"] = _case_refs(drills, data, year)
    return out


def _case_refs(drills: list[tuple], data: CaseData, year: ReportingYear) -> pd.DataFrame:
    """The drill-down (card ``case_refs``): one row per record counted in each figure, with the
    record's row in the export. Categorical columns (a million cases make millions of rows):
    :func:`complaints.inputs.clean.write_tables` gives them their card's types."""
    columns = ["case_ref", "source_file", "source_row"]
    enquiries = data.ombudsman.drop(columns="case_ref").rename(columns={"lgsco_ref": "case_ref"})
    records = pd.concat([data.cases[columns], enquiries[columns]], ignore_index=True)
    at = np.concatenate([refs for *_, refs in drills])
    tables = [pd.Categorical.from_codes(np.zeros(len(c), int), [t]) for t, _, c, _ in drills]
    figures = [pd.Categorical.from_codes(c, rows) for _, rows, c, _ in drills]
    return pd.DataFrame({
        "year": str(year), "report_year": str(year),
        "table": union_categoricals(tables), "figure": union_categoricals(figures),
        **{c: records[c].astype("category").array.take(at) for c in ("case_ref", "source_file")},
        "source_line": records["source_row"].to_numpy()[at],
    })  # fmt: skip
