"""The public edition: no suppressed figure can be worked out from what is published.

The recovery check reads the *published* report tables (the CSV cells: ``9``, ``c``, ``0/c``,
``6 with c upheld``), states independently of the package every additive relationship a reader
can see (quarters add up to totals, formal + informal = Total Complaints, a figure printed in two
tables is the same figure, upheld <= received, ...) and, for every ``c``, finds the smallest and
largest whole value it can take with ``scipy.optimize.linprog`` (HiGHS, integer). A reader knows
zeros are shown, so every ``c`` is at least 1. A ``c`` whose range is a single value is
recoverable: the test fails.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from support import fill_workbook

from complaints import cards
from complaints.inputs.workbook import read_workbook, scaffold
from complaints.outputs import disclosure
from complaints.outputs.charts import draw_all_charts
from complaints.outputs.disclosure import (
    EDITIONS,
    LEGEND,
    SUPPRESSED,
    apply_edition,
    apply_public_edition,
    public_notes,
    suppressed_mask,
    suppression_plan,
)
from complaints.outputs.report_tables import (
    build_report_tables,
    report_table_ids,
    write_report_tables,
)
from complaints.years import ReportingYear

GROUND_TRUTH = Path(__file__).parent / "ground_truth" / "report_tables"
NEW = ReportingYear.parse("2023-24")
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
QUARTERLY = ("social_care_quarterly", "non_social_care_quarterly")
SC, NSC = QUARTERLY
STAT_SC, STAT_WA = "statutory_social_care", "statutory_whole_authority"
COUNT_MEASURES = (
    "formal_complaints",
    "informal_complaints",
    "ombudsman_upheld",
    "ombudsman_received",
    "compliments",
    "learnings",
)

pytestmark = pytest.mark.slow  # audits every suppressed figure with integer programming
SVG_NS = "{http://www.w3.org/2000/svg}"

#: Figures suppressed in the 2022-23 public edition, per clean table.
SUPPRESSED_2022_23 = {
    "social_care_quarterly": 22,  # 8 counts (Ombudsman, learnings Q2-Q3), 14 percentages
    "non_social_care_quarterly": 9,  # Ombudsman upheld Q1-Q3, 6 percentages
    "statutory_social_care": 7,  # Stage 2 x3, LGSCO approaches x2, upheld x2
    "statutory_whole_authority": 2,  # 2020-21 LGSCO 5 with 3 upheld
    "complainant_groups": 2,
    "complaint_themes": 4,
    "complaint_outcomes": 4,
    "children_in_care_by_quarter": 4,
    "stage1_timescales": 2,
    "key_facts": 5,  # Stage 2, its remedy, Ombudsman 5 and 1, fully justified 7%
}


def copy_tables(tables):
    return {k: v.copy() for k, v in tables.items()}


# Reading the published tables ------------------------------------------------------------------


def cell_number(text: str) -> int | None:
    """A published count cell: a whole number, or ``None`` for ``c``."""
    text = text.strip()
    if text == SUPPRESSED:
        return None
    assert re.fullmatch(r"\d+", text), f"not a count: {text!r}"
    return int(text)


def published_counts(report, clean) -> dict[tuple[str, ...], int | None]:
    """Every count printed in the report tables, named (table, measure, column), read from the
    cells as printed. ``clean`` (the internal clean tables) only says which rows are counts."""
    figures: dict[tuple[str, ...], int | None] = {}
    for table_id in QUARTERLY:
        meta = clean[table_id].drop_duplicates("label")
        measure_of = dict(zip(meta["label"], meta["measure"], strict=True))
        unit_of = dict(zip(meta["label"], meta["unit"], strict=True))
        frame = report[table_id].frame.set_index("")
        for label, row in frame.iterrows():
            for column, text in row.items():
                if not text:
                    continue
                if "/" in text:
                    upheld, received = text.split("/")
                    figures[(table_id, "ombudsman_upheld", column)] = cell_number(upheld)
                    figures[(table_id, "ombudsman_received", column)] = cell_number(received)
                elif unit_of[label] == "count":
                    figures[(table_id, measure_of[label], column)] = cell_number(text)
    for table_id in (STAT_SC, STAT_WA):
        frame = report[table_id].frame
        heading = frame.columns[0]
        meta = clean[table_id]
        measure_of = dict(zip(meta["label"], meta["measure"], strict=False))
        for _, row in frame.iterrows():
            label = row[heading]
            for year in frame.columns[1:]:
                text = row[year]
                if not text:
                    continue
                phrase = re.fullmatch(r"(\S+) (?:with (\S+) upheld|none upheld)", text)
                if phrase:
                    figures[(table_id, "lgsco_approaches", year)] = cell_number(phrase.group(1))
                    upheld = phrase.group(2)
                    figures[(table_id, "lgsco_upheld", year)] = (
                        0 if upheld is None else cell_number(upheld)
                    )
                else:
                    figures[(table_id, measure_of[label], year)] = cell_number(text)
    for _, row in report["complainant_groups"].frame.iterrows():
        figures[("complainant_groups", row.iloc[0])] = cell_number(row.iloc[1])
    for _, row in report["children_in_care_by_year"].frame.iterrows():
        year = re.search(r"\d{4}-\d{2}", row.iloc[0]).group(0)
        figures[("children_in_care_by_year", year)] = cell_number(row.iloc[1])
    for _, row in report["children_in_care_by_quarter"].frame.iterrows():
        figures[("children_in_care_by_quarter", row.iloc[0])] = cell_number(row.iloc[1])
    facts = clean["key_facts"]
    counts = facts[facts["unit"] == "count"]
    fact_of = dict(zip(counts["label"], counts["fact"], strict=False))
    frame = report["key_facts"].frame
    for _, row in frame.iterrows():
        if row["Fact"] not in fact_of:
            continue
        for year in frame.columns[1:]:
            if row[year]:
                figures[("key_facts", fact_of[row["Fact"]], year)] = cell_number(row[year])
    return figures


def relationships(year: str) -> list[tuple[str, list[tuple[str, ...]], tuple[str, ...]]]:
    """Every relationship a reader can see between published counts: ``(kind, parts, total)``
    with kind ``=`` (parts add up to total) or ``<=`` (parts add up to at most total)."""
    out = []
    for table_id in QUARTERLY:
        for measure in COUNT_MEASURES:
            parts = [(table_id, measure, q) for q in QUARTERS]
            out.append(("=", parts, (table_id, measure, "Totals")))
        for column in (*QUARTERS, "Totals"):
            upheld = (table_id, "ombudsman_upheld", column)
            out.append(("<=", [upheld], (table_id, "ombudsman_received", column)))
        formal_informal = [
            (table_id, "formal_complaints", "Totals"),
            (table_id, "informal_complaints", "Totals"),
        ]
        out.append(("=", formal_informal, (table_id, "total_complaints", "Totals")))

    def fact(name):
        return ("key_facts", name, year)

    def total(table_id, measure):
        return (table_id, measure, "Totals")

    same = [
        ((STAT_SC, "stage_1", year), total(SC, "formal_complaints")),
        ((STAT_SC, "representations", year), total(SC, "informal_complaints")),
        ((STAT_SC, "lgsco_approaches", year), total(SC, "ombudsman_received")),
        ((STAT_SC, "lgsco_upheld", year), total(SC, "ombudsman_upheld")),
        ((STAT_SC, "stage_2", year), fact("stage2_cases_accepted")),
        (fact("ombudsman_social_care_investigated"), total(SC, "ombudsman_received")),
        (fact("ombudsman_social_care_maladministration"), total(SC, "ombudsman_upheld")),
        ((STAT_WA, "formal_complaints", year), total(NSC, "formal_complaints")),
        ((STAT_WA, "representations", year), total(NSC, "informal_complaints")),
        ((STAT_WA, "lgsco_approaches", year), total(NSC, "ombudsman_received")),
        ((STAT_WA, "lgsco_upheld", year), total(NSC, "ombudsman_upheld")),
        (fact("ombudsman_non_social_care_heard"), total(NSC, "ombudsman_received")),
        (fact("ombudsman_non_social_care_upheld"), total(NSC, "ombudsman_upheld")),
        (fact("social_care_learnings"), total(SC, "learnings")),
        (fact("non_social_care_learnings"), total(NSC, "learnings")),
        (fact("children_in_care_cases"), ("children_in_care_by_year", year)),
    ]
    out.extend(("=", [a], b) for a, b in same)
    quarters = [("children_in_care_by_quarter", q) for q in QUARTERS]
    out.append(("=", quarters, ("children_in_care_by_year", year)))
    for y in ("2020-21", "2021-22", "2022-23", "2023-24"):
        for table_id in (STAT_SC, STAT_WA):
            out.append(("<=", [(table_id, "lgsco_upheld", y)], (table_id, "lgsco_approaches", y)))
        out.append(("<=", [(STAT_SC, "stage_3", y)], (STAT_SC, "stage_2", y)))
        out.append(("<=", [(STAT_SC, "stage_2", y)], (STAT_SC, "stage_1", y)))
    return out


def feasible_ranges(public, truth, year, groups_total=True):
    """For every ``c``: (smallest, largest) whole value given every published count and every
    relationship that holds in the true figures; each ``c`` is at least 1 (zeros are shown)."""
    relations = relationships(year)
    if groups_total:
        groups = [name for name in public if name[0] == "complainant_groups"]
        relations.append(("<=", groups, (SC, "total_complaints", "Totals")))
    unknown = sorted(name for name, value in public.items() if value is None)
    column = {name: i for i, name in enumerate(unknown)}
    rows = {"=": ([], []), "<=": ([], [])}
    for kind, parts, total in relations:
        names = [*parts, total]
        if any(name not in public for name in names):
            continue
        left = sum(truth[p] for p in parts)
        if not (left == truth[total] if kind == "=" else left <= truth[total]):
            continue  # the published figures break it: a reader assuming it is misled
        row = np.zeros(len(unknown))
        constant = 0.0
        for name, sign in [*((p, 1.0) for p in parts), (total, -1.0)]:
            if name in column:
                row[column[name]] += sign
            else:
                constant += sign * public[name]
        if row.any():
            rows[kind][0].append(row)
            rows[kind][1].append(-constant)
    problem = {
        "A_eq": np.array(rows["="][0]) if rows["="][0] else None,
        "b_eq": np.array(rows["="][1]) if rows["="][1] else None,
        "A_ub": np.array(rows["<="][0]) if rows["<="][0] else None,
        "b_ub": np.array(rows["<="][1]) if rows["<="][1] else None,
        "bounds": [(1, None)] * len(unknown),
        "integrality": np.ones(len(unknown)),
        "method": "highs",
    }
    ranges = {}
    for name, i in column.items():
        objective = np.zeros(len(unknown))
        objective[i] = 1
        low, high = linprog(objective, **problem), linprog(-objective, **problem)
        # The true figures are a solution, so the minimum exists; a maximum that does not
        # (HiGHS: unbounded, or "unbounded or infeasible") is unbounded.
        assert low.status == 0, f"{name}: {low.message}"
        assert high.status in (0, 3, 4), f"{name}: {high.message}"
        ranges[name] = (low.fun, -high.fun if high.status == 0 else np.inf)
    return ranges


def recoverable(internal_tables, public_tables, year):
    """The suppressed counts a reader could work out, with their range and true value."""
    truth = published_counts(build_report_tables(internal_tables, year), internal_tables)
    public = published_counts(build_report_tables(public_tables, year), internal_tables)
    assert set(public) == set(truth)
    for name, value in public.items():
        assert value is None or value == truth[name], f"{name}: published figure changed"
        assert value is not None or truth[name] != 0, f"{name}: a zero is hidden"
    found = {}
    for name, (low, high) in feasible_ranges(public, truth, str(year)).items():
        assert low - 1e-6 <= truth[name] <= high + 1e-6, f"{name}: truth outside {low, high}"
        if high - low < 1 - 1e-6:
            found[name] = (low, high, truth[name])
    return found


# Synthetic years ---------------------------------------------------------------------------------


def _set(frame, value, **match):
    mask = pd.Series(True, index=frame.index)
    for column, wanted in match.items():
        mask &= frame[column].astype(str) == wanted
    assert mask.sum() == 1, match
    frame.loc[mask, "value"] = value
    frame.loc[mask, "source_text"] = str(value)


def _get(frame, **match):
    mask = pd.Series(True, index=frame.index)
    for column, wanted in match.items():
        mask &= frame[column].astype(str) == wanted
    return int(frame.loc[mask, "value"].item())


def _quarters(tables, table_id, measure, values):
    frame = tables[table_id]
    for quarter, value in zip(QUARTERS, values, strict=True):
        _set(frame, value, measure=measure, period=quarter)
    _set(frame, sum(values), measure=measure, period="Total")


def consistent(tables, year):
    """Make a synthetic year's restated figures agree, as a real report's do: totals add up,
    and a figure printed in two tables is the same."""
    y = str(year)
    for table_id in QUARTERLY:
        frame = tables[table_id]
        for measure in COUNT_MEASURES:
            values = [_get(frame, measure=measure, period=q) for q in QUARTERS]
            if measure == "ombudsman_upheld":
                received = [_get(frame, measure="ombudsman_received", period=q) for q in QUARTERS]
                values = [min(u, r) for u, r in zip(values, received, strict=True)]
            _quarters(tables, table_id, measure, values)
        total = sum(_get(frame, measure=m, period="Total") for m in COUNT_MEASURES[:2])
        _set(frame, total, measure="total_complaints", period="Total")
    sc, nsc, stat, wa = tables[SC], tables[NSC], tables[STAT_SC], tables[STAT_WA]
    facts = tables["key_facts"]
    for target, measure, frame, source in (
        (stat, "stage_1", sc, "formal_complaints"),
        (stat, "representations", sc, "informal_complaints"),
        (stat, "lgsco_approaches", sc, "ombudsman_received"),
        (stat, "lgsco_upheld", sc, "ombudsman_upheld"),
        (wa, "formal_complaints", nsc, "formal_complaints"),
        (wa, "representations", nsc, "informal_complaints"),
        (wa, "lgsco_approaches", nsc, "ombudsman_received"),
        (wa, "lgsco_upheld", nsc, "ombudsman_upheld"),
    ):
        _set(target, _get(frame, measure=source, period="Total"), measure=measure, year=y)
    stage_2 = min(_get(stat, measure="stage_2"), _get(stat, measure="stage_1"))
    _set(stat, stage_2, measure="stage_2")
    _set(stat, min(_get(stat, measure="stage_3"), stage_2), measure="stage_3")
    cic = tables["children_in_care_by_quarter"]
    cic_total = sum(_get(cic, period=q) for q in QUARTERS)
    _set(tables["children_in_care_by_year"], cic_total, year=y)

    def total(frame, measure):
        return _get(frame, measure=measure, period="Total")

    for fact, value in {
        "stage2_cases_accepted": stage_2,
        "ombudsman_social_care_investigated": total(sc, "ombudsman_received"),
        "ombudsman_social_care_maladministration": total(sc, "ombudsman_upheld"),
        "ombudsman_non_social_care_heard": total(nsc, "ombudsman_received"),
        "ombudsman_non_social_care_upheld": total(nsc, "ombudsman_upheld"),
        "social_care_learnings": total(sc, "learnings"),
        "non_social_care_learnings": total(nsc, "learnings"),
        "children_in_care_cases": cic_total,
    }.items():
        _set(facts, value, fact=fact, year=y)
    return tables


def plant_small_counts(tables):
    """Small counts in the places where primary suppression alone gives them away."""
    _quarters(tables, SC, "formal_complaints", [3, 20, 25, 30])  # one small: the total tells
    _quarters(tables, SC, "informal_complaints", [1, 1, 40, 50])  # two c >= 1 adding up to 2
    _quarters(tables, SC, "compliments", [0, 4, 0, 12])  # the only other non-zero is the total
    _quarters(tables, SC, "learnings", [2, 9, 9, 9])
    _quarters(tables, SC, "ombudsman_received", [1, 0, 7, 8])
    _quarters(tables, SC, "ombudsman_upheld", [1, 0, 2, 8])  # upheld <= received
    _quarters(tables, NSC, "learnings", [5, 16, 17, 18])
    _quarters(tables, NSC, "ombudsman_received", [9, 30, 7, 8])
    _quarters(tables, NSC, "ombudsman_upheld", [9, 12, 7, 2])
    for quarter, value in zip(QUARTERS, [2, 7, 8, 9], strict=True):
        _set(tables["children_in_care_by_quarter"], value, period=quarter)
    _set(tables[STAT_SC], 3, measure="stage_2")
    groups = tables["complainant_groups"]
    for group, value in (("Young Person", 4), ("Other Relative", 1), ("Advocate", 6)):
        _set(groups, value, group=group)
    return tables


def synthetic_year(tmp_path, previous, seed):
    path = scaffold(NEW, previous, raw_root=tmp_path / f"raw-{seed}")
    fill_workbook(path, seed=seed)
    return read_workbook(path, NEW, label=f"synthetic-{seed}.xlsx")


@pytest.fixture(scope="module")
def public(tables):
    before = copy_tables(tables)
    out = apply_public_edition(tables)
    for table_id, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[table_id])
    return out


@pytest.fixture(scope="module")
def public_report(public, year):
    return build_report_tables(public, year)


@pytest.fixture
def planted(tmp_path, tables):
    synthetic = synthetic_year(tmp_path, tables, seed=7)
    return consistent(plant_small_counts(synthetic), NEW)


# The API -----------------------------------------------------------------------------------------


def test_editions_and_the_internal_default(tables):
    assert EDITIONS == ("internal", "public")
    internal = apply_edition(tables)
    assert list(internal) == list(tables)
    for table_id, frame in tables.items():
        pd.testing.assert_frame_equal(internal[table_id], frame)
        assert internal[table_id] is not frame
    with pytest.raises(ValueError, match="unknown edition 'press'"):
        apply_edition(tables, "press")


def test_public_edition_keeps_the_clean_schema(tables, public):
    assert list(public) == list(tables)
    for table_id, frame in public.items():
        assert list(frame.columns) == cards.CARDS[table_id].column_names
        pd.testing.assert_frame_equal(frame, cards.conform(table_id, frame))


def test_public_edition_is_pure(tables):
    before = copy_tables(tables)
    first = apply_public_edition(tables)
    second = apply_edition(tables, "public")
    for table_id, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[table_id])
        pd.testing.assert_frame_equal(first[table_id], second[table_id])


@pytest.mark.parametrize(
    "table_id", [t for t in report_table_ids() if t in cards.for_route("report text")]
)
def test_internal_edition_reproduces_the_published_tables(tables, year, table_id):
    report = build_report_tables(apply_edition(tables, "internal"), year)
    with (GROUND_TRUTH / f"{table_id}.csv").open(encoding="utf-8", newline="") as handle:
        expected = list(csv.reader(handle))
    frame = report[table_id].frame
    assert [list(frame.columns), *frame.astype(str).values.tolist()] == expected
    assert report[table_id].suppressed == 0


# What 2022-23 suppresses -------------------------------------------------------------------------


def test_suppressed_figures_per_table_2022_23(public, tables):
    counts = {t: int(suppressed_mask(f).sum()) for t, f in public.items()}
    assert {t: n for t, n in counts.items() if n} == SUPPRESSED_2022_23
    plan = suppression_plan(tables)
    assert plan.groupby("table_id").size().to_dict() == SUPPRESSED_2022_23
    assert set(plan["reason"]) == {"primary", "percentage", "secondary", "money"}
    # Every count from 1 to 5 is suppressed, and nothing else is hidden without a reason.
    for table_id, frame in tables.items():
        if "unit" not in frame.columns:
            continue
        small = (frame["unit"] == "count") & frame["value"].between(1, 5)
        assert suppressed_mask(public[table_id])[small].all(), table_id


def test_2022_23_public_cells(public_report):
    def rows(table_id):
        frame = public_report[table_id].frame
        return {r.iloc[0]: list(r.iloc[1:]) for _, r in frame.iterrows()}

    sc = rows("social_care_quarterly")
    label = "Upheld approaches to the LGSCO Ombudsman compared to total received"
    assert sc[label] == ["0/c", "0/0", "0/c", "c/c", "c/c"]
    assert sc["Learnings"] == ["14", "c", "c", "7", "29"]
    assert sc["Timescales (overdue)"] == ["c", "0%", "c", "c", "c"]  # of 9, 8, 10, 7 complaints
    assert sc["Number of FORMAL complaints"] == ["9", "8", "10", "7", "34"]
    nsc = rows("non_social_care_quarterly")
    assert nsc[label] == ["c/8", "c/9", "c/7", "6/11", "16/35"]
    assert nsc["% fully justified complaints"] == ["10%", "c", "c", "20%", "14%"]
    statutory = rows("statutory_social_care")
    assert statutory["Stage 2"] == ["c", "c", "c"]
    assert statutory["Stage 3"] == ["0", "0", "0"]  # zeros are shown
    assert statutory["LGSCO approaches"] == ["c with c upheld", "6 with c upheld", "c none upheld"]
    assert rows("statutory_whole_authority")["LGSCO approaches"] == [
        "35 with 16 upheld",
        "13 with 6 upheld",
        "c with c upheld",
    ]
    assert rows("children_in_care_by_quarter") == {q: ["c"] for q in QUARTERS}
    assert rows("children_in_care_by_year")["Children in Care 2022-23"] == ["10"]
    assert rows("stage1_timescales")["0-20 Working Days"] == ["c", "77%", "78%"]
    assert rows("complaint_outcomes")["Not justified"] == ["79%", "84%"]
    facts = rows("key_facts")
    assert facts["Cases accepted at Stage 2"] == ["c", ""]
    # Money follows its count: the Stage 2 remedy is hidden, the Ombudsman penalties are not.
    assert facts["Back payment made to resolve Stage 2 cases"] == ["c", ""]
    assert facts["Financial penalties on the upheld Non Social Care complaints"] == ["£39,680", ""]
    assert facts["Children's Social Care complaints considered Fully Justified"] == ["c", ""]
    assert rows("complaint_themes")["Finance"] == ["0%"]


# Nothing can be worked out -------------------------------------------------------------------


def test_no_suppressed_count_can_be_recovered_2022_23(tables, public, year):
    assert recoverable(tables, public, year) == {}


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_no_suppressed_count_can_be_recovered_in_a_synthetic_year(tmp_path, tables, seed):
    synthetic = synthetic_year(tmp_path, tables, seed)
    for variant in (synthetic, consistent(copy_tables(synthetic), NEW)):
        public = apply_public_edition(variant)
        assert recoverable(variant, public, NEW) == {}
        assert any(suppressed_mask(f).any() for f in public.values())


def test_no_suppressed_count_can_be_recovered_with_planted_small_counts(planted):
    public = apply_public_edition(planted)
    assert recoverable(planted, public, NEW) == {}
    plan = suppression_plan(planted)
    assert "secondary" in set(plan["reason"])
    report = build_report_tables(public, NEW)["social_care_quarterly"].frame.set_index("")
    # The one small formal count needs a second c in its row; so do the two 1s of informal.
    assert report.loc["Number of FORMAL complaints"].tolist().count("c") >= 2
    assert report.loc["Number of INFORMAL complaints"].tolist().count("c") >= 3


def primary_only(tables):
    """A weakened public edition: counts from 1 to 5 hidden, nothing else."""
    out = copy_tables(tables)
    for frame in out.values():
        if "unit" in frame.columns:
            small = (frame["unit"] == "count") & frame["value"].between(1, 5)
            frame.loc[small, "value"] = pd.NA
            frame.loc[small, "source_text"] = SUPPRESSED
    return out


def test_the_recovery_check_catches_primary_suppression_alone(planted):
    found = recoverable(planted, primary_only(planted), NEW)
    # Q1 formal = Totals - Q2 - Q3 - Q4, printed as c: worked out exactly.
    assert found[(SC, "formal_complaints", "Q1")] == (3, 3, 3)
    assert (("children_in_care_by_quarter", "Q1")) in found


def test_the_recovery_check_catches_the_dfe_rule_without_the_audit(planted, monkeypatch):
    monkeypatch.setattr(disclosure, "_exposed", lambda data, plan: None)
    found = recoverable(planted, apply_public_edition(planted), NEW)
    # Two c in a row that add up to 2, each at least 1: both are 1.
    assert found[(SC, "informal_complaints", "Q1")] == (1, 1, 1)
    assert found[(SC, "informal_complaints", "Q2")] == (1, 1, 1)


# Percentages ---------------------------------------------------------------------------------


def _base(tables, row, table_id):
    year = str(row["year"])

    def count(frame, **match):
        mask = pd.Series(True, index=frame.index)
        for column, wanted in match.items():
            mask &= frame[column].astype(str) == wanted
        return frame[mask]

    if table_id in QUARTERLY:
        return count(tables[table_id], year=year, measure="formal_complaints", period=row["period"])
    if table_id == "equality_monitoring":
        return count(tables["key_facts"], year=year, fact="equality_records")
    return count(tables[STAT_SC], year=year, measure="stage_1")


def percentage_groups(frame, table_id):
    if table_id in QUARTERLY:
        keys = ["year", "measure"]
    elif table_id == "equality_monitoring":
        keys = ["year", "characteristic"]
    else:
        keys = ["year"]
    return [g for _, g in frame.groupby(keys, sort=False)]


@pytest.mark.parametrize("edition_of", ["2022-23", "synthetic"])
def test_percentages_never_stand_for_a_small_number(tables, tmp_path, edition_of):
    internal = tables if edition_of == "2022-23" else synthetic_year(tmp_path, tables, 7)
    public = apply_public_edition(internal)
    checked = 0
    for table_id in (*QUARTERLY, "stage1_timescales", "complaint_outcomes", "complaint_themes"):
        frame = public[table_id]
        hidden = suppressed_mask(frame)
        for index, row in frame[(frame["unit"] == "percent") & ~hidden].iterrows():
            if row["value"] == 0:
                continue
            base = _base(public, row, table_id)
            assert len(base) == 1 and not suppressed_mask(base).any(), (table_id, index)
            size = float(base["value"].item())
            assert size >= 10, (table_id, index, size)
            stands_for = max(1, int(np.floor(row["value"] * size / 100 + 0.5)))
            assert stands_for > 5, (table_id, index, row["value"], size)
            checked += 1
        # A group that adds up never has exactly one percentage hidden.
        for group in percentage_groups(frame[frame["unit"] == "percent"], table_id):
            assert suppressed_mask(group).sum() != 1, (table_id, group.iloc[0].to_dict())
    assert checked > 0


def test_a_percentage_printed_twice_is_hidden_in_both(public):
    sc = public[SC]
    total = sc[(sc["measure"] == "fully_justified_pct") & (sc["period"] == "Total")]
    outcomes = public["complaint_outcomes"]
    fully = outcomes[(outcomes["outcome"] == "Fully Justified") & (outcomes["year"] == "2022-23")]
    facts = public["key_facts"]
    fact = facts[facts["fact"] == "social_care_fully_justified_pct"]
    assert suppressed_mask(total).all() and suppressed_mask(fully).all()
    assert suppressed_mask(fact).all()
    overdue = sc[(sc["measure"] == "overdue_pct") & (sc["period"] == "Total")]
    bands = public["stage1_timescales"]
    late = bands[(bands["band"] == "over_20_days") & (bands["year"] == "2022-23")]
    assert suppressed_mask(overdue).all() and suppressed_mask(late).all()


# Text: no small count, no case id --------------------------------------------------------------

#: Words and labels that contain a digit but are no figure.
NOT_FIGURES = re.compile(
    r"\bQ[1-4]\b|\bStage [1-3]\b|\d{4}-\d{2}|\b\d+-\d+\b|\b\d+\+|\b\d+(?:\.\d+)?%|£[\d,]+"
)


def small_numbers(text: str) -> list[str]:
    return re.findall(r"(?<![\w.])[1-5](?![\w.])", NOT_FIGURES.sub(" ", text))


def test_no_count_from_1_to_5_is_published_2022_23(tables, public_report, public, tmp_path):
    figures = published_counts(public_report, tables)
    assert figures and not [n for n, v in figures.items() if v is not None and 1 <= v <= 5]
    assert [n for n, v in figures.items() if v == 0], "zeros are shown"
    written = write_report_tables(public_report, tmp_path)
    for table_id in ("children_in_care_by_quarter", "complainant_groups", "statutory_social_care"):
        text = written[table_id].read_text(encoding="utf-8")
        assert not small_numbers(text), (table_id, small_numbers(text))
    # No row of a public clean table prints a small count in its source text either.
    for table_id, frame in public.items():
        if "unit" in frame.columns:
            counts = frame[frame["unit"] == "count"]
            for text in counts["source_text"].astype(str):
                assert not small_numbers(text), (table_id, text)


def test_no_count_from_1_to_5_in_a_synthetic_public_report(planted):
    public = apply_public_edition(planted)
    figures = published_counts(build_report_tables(public, NEW), planted)
    assert not [n for n, v in figures.items() if v is not None and 1 <= v <= 5]


def test_case_ids_are_removed(tables, public, public_report):
    ids = set(tables["learning_from_complaints"]["case_id"].dropna().astype(str))
    refs = set(tables["children_in_care_cases"]["case_ref"].dropna().astype(str))
    assert {"COM/00001496", "CIC (H)", "Stage 2 MY"} <= ids and "B (CIC)" in refs
    assert public["learning_from_complaints"]["case_id"].isna().all()
    assert len(public["learning_from_complaints"]) == len(tables["learning_from_complaints"])
    assert public["children_in_care_cases"].empty
    learning = public_report["learning_from_complaints"].frame
    assert "Case ID" not in learning.columns
    text = learning.to_csv(index=False)
    assert not [i for i in ids | refs if i in text]
    assert not re.search(r"COM/\d+", text)


def test_public_notes_withhold_what_names_a_case_or_concerns_a_hidden_figure(tables):
    notes = pd.DataFrame(
        {
            "table_id": ["learning_from_complaints", NSC, "equality_monitoring", "key_facts"],
            "severity": ["warning"] * 4,
            "message": [
                "Learning from complaints: case id COM/00001496 appears 2 times (lines 264 and "
                "279).",
                "Non Social Care informal complaints, 2022-23: the quarters add up to 122 but the "
                "printed total is 38 (line 50).",
                "Equality monitoring, Disability, 2022-23: the percentages add up to only 14%.",
                "Stage 2, 2022-23: 1 case.",
            ],
        }
    )
    kept = public_notes(notes, tables)
    assert kept["message"].tolist()[0] == notes["message"][2]
    withheld = kept[kept["severity"] == "info"]
    assert withheld["table_id"].tolist() == ["learning_from_complaints", NSC, "key_facts"]
    assert all("withheld from the public edition" in m for m in withheld["message"])
    assert len(kept) == 4
    assert public_notes(None, tables) is None


# Charts --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def public_charts(public, year, tmp_path_factory):
    folder = tmp_path_factory.mktemp("public-charts")
    return {c.id: c for c in draw_all_charts(public, year, folder)}


def test_chart_titles_and_alt_text_state_no_small_count(public_charts):
    for chart in public_charts.values():
        for text in (chart.title, chart.alt_text.replace(LEGEND, "")):
            assert not small_numbers(text), (chart.id, text, small_numbers(text))
        assert SUPPRESSED not in re.findall(r"\w+", chart.title)


def test_suppressed_bars_are_labelled_c_and_explained(public_charts):
    for chart in public_charts.values():
        alt = chart.alt_text.replace(LEGEND, "")
        hidden = len(re.findall(r"(?<![\w'])c(?![\w'])", alt))
        root = ET.fromstring(chart.svg.read_bytes())
        labels = ["".join(t.itertext()).strip() for t in root.iter(f"{SVG_NS}text")]
        assert labels.count(SUPPRESSED) == hidden, chart.id
        assert (LEGEND in chart.alt_text) == bool(hidden), chart.id
    quarter = public_charts["children_in_care_by_quarter"]
    assert (
        quarter.title == "Complaints and contacts from children in care in each quarter of 2022-23"
    )
    assert "Q1 c, Q2 c, Q3 c, Q4 c" in quarter.alt_text
    assert public_charts["ombudsman_by_quarter"].title == (
        "In 2022-23 the Ombudsman upheld 16 of 35 approaches about Children's Non Social Care; "
        "the figures for Children's Social Care are suppressed"
    )
    groups = public_charts["complainant_groups"]
    assert "of 134" not in groups.title  # a total would give away the sum of the hidden groups
    assert groups.alt_text.index("Advocate 10") < groups.alt_text.index("Young Person c")


def test_a_suppressed_bar_is_not_drawn():
    from matplotlib.figure import Figure

    from complaints.outputs.charts import _bars

    ax = Figure().subplots()
    _bars(ax, {"Complaints": {"Q1": 7.0, "Q2": float("nan"), "Q3": 9.0}}, ["#12436D"])
    (bars,) = ax.containers
    assert [bar.get_height() for bar in bars] == [7.0, 0.0, 9.0]
    assert [t.get_text() for t in ax.texts] == ["7", "c", "9"]


def test_synthetic_public_charts_state_no_small_count(planted, tmp_path):
    public = apply_public_edition(planted)
    for chart in draw_all_charts(public, NEW, tmp_path):
        for text in (chart.title, chart.alt_text.replace(LEGEND, "")):
            assert not small_numbers(text), (chart.id, text, small_numbers(text))
