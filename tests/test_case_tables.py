"""The case route computes every figure a person would count by hand from the export.

A synthetic case system export (``complaints.inputs.synthetic.write_case_export``) is read here
with the csv module and openpyxl, and every expected figure is counted in plain Python: working
days from a bank holiday list typed from gov.uk, percentages rounded half up. None of the
package's reading, date or rule code is used to make the expectations.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from complaints import cards
from complaints.inputs.case_rules import Settings, tables_from_cases
from complaints.inputs.cases import read_cases
from complaints.inputs.synthetic import write_case_export
from complaints.inputs.workbook import read_workbook, scaffold
from complaints.outputs.report_tables import build_report_tables
from complaints.years import ReportingYear

#: Bank holidays in England and Wales, 2022 to 2024 (gov.uk/bank-holidays), substitute days
#: included: the Jubilee and the Queen's funeral in 2022, the coronation on 8 May 2023.
BANK_HOLIDAYS = {
    date(2022, 1, 3), date(2022, 4, 15), date(2022, 4, 18), date(2022, 5, 2),
    date(2022, 6, 2), date(2022, 6, 3), date(2022, 8, 29), date(2022, 9, 19),
    date(2022, 12, 26), date(2022, 12, 27),
    date(2023, 1, 2), date(2023, 4, 7), date(2023, 4, 10), date(2023, 5, 1),
    date(2023, 5, 8), date(2023, 5, 29), date(2023, 8, 28), date(2023, 12, 25),
    date(2023, 12, 26),
    date(2024, 1, 1), date(2024, 3, 29), date(2024, 4, 1), date(2024, 5, 6),
    date(2024, 5, 27), date(2024, 8, 26), date(2024, 12, 25), date(2024, 12, 26),
}  # fmt: skip
SERVICES = ("social_care", "non_social_care")
#: The new tables' ``service`` column (cards.SERVICE).
SERVICE_NAMES = {"social_care": "Children's Social Care", "non_social_care": "Non Social Care"}
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
OUTCOMES = {"Upheld": "fully", "Partially Upheld": "partly", "Not Upheld": "not"}
#: The columns that identify a figure of each table in these tests (besides the year).
KEYS = {
    "social_care_quarterly": ("measure", "period"),
    "non_social_care_quarterly": ("measure", "period"),
    "statutory_social_care": ("measure",),
    "statutory_whole_authority": ("measure",),
    "complainant_groups": ("group",),
    "complaint_themes": ("theme",),
    "complaint_outcomes": ("outcome",),
    "children_in_care_by_year": (),
    "children_in_care_by_quarter": ("period",),
    "stage1_timescales": ("band",),
    "equality_monitoring": ("characteristic", "group"),
    "key_facts": ("fact",),
    "stage_timeliness": ("service", "stage", "measure"),
    "escalation": ("service", "measure"),
    "complaints_by_team": ("service", "team", "measure"),
    "stage1_response_days": ("service", "measure"),
    "children_complaints": ("service", "measure"),
}


def working_days(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (the day of receipt is day 0)."""
    days = (start + timedelta(n) for n in range(1, (end - start).days + 1))
    return sum(1 for d in days if d.weekday() < 5 and d not in BANK_HOLIDAYS)


def pct(part: int, whole: int, none: int | None = None) -> int:
    """part / whole as a whole percentage, halves rounded up; ``none`` when whole is 0."""
    if whole == 0 and none is not None:
        return none
    assert whole > 0, "the synthetic year should give this percentage a denominator"
    return (200 * part + whole) // (2 * whole)


def quarter(day: date, year: ReportingYear) -> str:
    return QUARTERS[((day.year - year.start) * 12 + day.month - 4) // 3]


def day_first(text: str) -> date | None:
    return datetime.strptime(text, "%d/%m/%Y").date() if text else None


def iso(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def sheet_rows(path: Path, sheet: str) -> list[dict[str, object]]:
    values = list(load_workbook(path, read_only=True)[sheet].values)
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def service_of(label: str) -> str:
    return "social_care" if label == "Children's Social Care" else "non_social_care"


def count_by_hand(folder: Path, year: ReportingYear) -> dict:
    """Every figure of the year's tables, counted from the export's files."""
    first, last = date(year.start, 4, 1), date(year.start + 1, 3, 31)
    cases = {}
    for row in rows(folder / "cases.csv"):
        cases[row["Case Reference"]] = {
            **row,
            "service": service_of(row["Service Area"]),
            "received": day_first(row["Date Received"]),
        }
    held = [c for c in cases.values() if first <= c["received"] <= last]
    stages = [
        {
            **row,
            "case": cases[row["Case Reference"]],
            "requested": iso(row["Date Requested"]),
            "responded": iso(row["Date Responded"]),
        }
        for row in rows(folder / "stages.csv")
    ]
    for stage in stages:
        if stage["responded"]:
            stage["days"] = working_days(stage["requested"], stage["responded"])
    enquiries = [
        {
            "service": service_of(row["Service Area"]),
            "notified": row["Date Notified"].date(),
            "decision": row["Decision"],
            "remedy": float(str(row["Remedy"] or "0").strip("£").replace(",", "")),
        }
        for row in sheet_rows(folder / "ombudsman.xlsx", "LGSCO")
    ]
    compliments = [
        (service_of(row["Service Area"]), day_first(row["Date Received"]))
        for row in rows(folder / "compliments.csv")
    ]
    forms = rows(folder / "equality.csv")

    # stage 1 of the cases received in the year; stage 2 and 3 requested in the year
    stage1 = [s for s in stages if s["Stage"] == "1" and s["case"] in held]
    in_year = [s for s in stages if first <= s["requested"] <= last]
    csc = [c for c in held if c["service"] == "social_care"]
    csc1 = [s for s in stage1 if s["case"]["service"] == "social_care"]
    staged = {k: {s["Case Reference"] for s in stages if s["Stage"] == k} for k in "123"}
    expected: dict[str, dict[tuple, float]] = defaultdict(dict)
    for service in SERVICES:
        table = expected[f"{service}_quarterly"]
        mine = [c for c in held if c["service"] == service]
        for period in (*QUARTERS, "Total"):

            def when(day: date, period: str = period) -> bool:
                return period == "Total" or quarter(day, year) == period

            got = [c for c in mine if when(c["received"])]
            responses = [s for s in stage1 if s["case"] in got and s["responded"]]
            outcomes = [s for s in stage1 if s["case"] in got and s["Outcome"] in OUTCOMES]
            notified = [e for e in enquiries if e["service"] == service and when(e["notified"])]
            table |= {
                ("formal_complaints", period): sum(c["Type"] == "Formal" for c in got),
                ("informal_complaints", period): sum(c["Type"] == "Informal" for c in got),
                ("ombudsman_received", period): len(notified),
                ("ombudsman_upheld", period): sum(e["decision"] == "Upheld" for e in notified),
                ("overdue_pct", period): pct(
                    sum(s["days"] > 20 for s in responses), len(responses)
                ),
                ("fully_justified_pct", period): pct(
                    sum(s["Outcome"] == "Upheld" for s in outcomes), len(outcomes)
                ),
                ("part_justified_pct", period): pct(
                    sum(s["Outcome"] == "Partially Upheld" for s in outcomes), len(outcomes)
                ),
                ("compliments", period): sum(s == service and when(d) for s, d in compliments),
                ("learnings", period): sum(bool(c["Learning Identified"]) for c in got),
            }
        table[("total_complaints", "Total")] = len(mine)

        enquiries_in = [e for e in enquiries if e["service"] == service]
        upheld = sum(e["decision"] == "Upheld" for e in enquiries_in)
        requested = Counter(s["Stage"] for s in in_year if s["case"]["service"] == service)
        informal = sum(c["Type"] == "Informal" for c in mine)
        formal = len(mine) - informal
        if service == "social_care":
            expected["statutory_social_care"] = {
                ("representations",): informal,
                ("stage_1",): formal,
                ("stage_2",): requested["2"],
                ("stage_3",): requested["3"],
                ("lgsco_approaches",): len(enquiries_in),
                ("lgsco_upheld",): upheld,
            }
        else:
            expected["statutory_whole_authority"] = {
                ("representations",): informal,
                ("formal_complaints",): formal,
                ("lgsco_approaches",): len(enquiries_in),
                ("lgsco_upheld",): upheld,
            }

        # the new tables
        name = SERVICE_NAMES[service]
        limits = {"1": (10, 20), "2": (25, 65), "3": (30, 30)}
        for stage, (limit, extended) in limits.items():
            answered = [
                s
                for s in in_year
                if s["Stage"] == stage and s["case"]["service"] == service and s["responded"]
            ]
            on_time = sum(
                s["days"] <= (extended if s["Extension Agreed"] == "Y" else limit) for s in answered
            )
            timeliness = expected["stage_timeliness"]
            timeliness[(name, f"stage_{stage}", "responses")] = len(answered)
            timeliness[(name, f"stage_{stage}", "open")] = sum(  # no response, not withdrawn
                s["Stage"] == stage
                and s["case"]["service"] == service
                and not s["responded"]
                and s["Outcome"] != "Withdrawn"
                for s in in_year
            )
            timeliness[(name, f"stage_{stage}", "on_time")] = on_time
            # no response: 0% (the route prints "0 of 0 on time (0%)")
            timeliness[(name, f"stage_{stage}", "on_time_pct")] = pct(on_time, len(answered), 0)
        # escalation follows the year's stage 1 complaints: how many went on to stage 2, 3
        cohort = [s["case"]["Case Reference"] for s in stage1 if s["case"]["service"] == service]
        went = {k: sum(ref in staged[k] for ref in cohort) for k in "23"}
        expected["escalation"] |= {
            (name, "stage_1"): len(cohort),
            (name, "stage_2"): went["2"],
            (name, "stage_3"): went["3"],
            (name, "stage_2_of_stage_1_pct"): pct(went["2"], len(cohort)),
            (name, "stage_3_of_stage_2_pct"): pct(went["3"], went["2"], 0),
        }
        for team, n in Counter(c["Team"] for c in mine).items():
            expected["complaints_by_team"][(name, team, "complaints")] = n
        taken = [
            s["days"]
            for s in in_year
            if s["Stage"] == "1" and s["case"]["service"] == service and s["responded"]
        ]
        expected["stage1_response_days"] |= {
            (name, "responses"): len(taken),
            (name, "mean_working_days"): statistics.fmean(taken),
            (name, "median_working_days"): statistics.median(taken),
        }
        directly = sum(
            c["Complainant Type"] == "Young Person" and c["Advocate Used"] == "No" for c in mine
        )
        advocated = sum(c["Advocate Used"] == "Yes" for c in mine)
        expected["children_complaints"] |= {
            (name, "directly"): directly,
            (name, "via_advocate"): advocated,
            (name, "total"): directly + advocated,
        }

    expected["complainant_groups"] = {
        (g,): n for g, n in Counter(c["Complainant Type"] for c in csc).items()
    }
    themes = Counter(t.strip() for c in csc for t in c["Themes"].split(";") if t.strip())
    total = sum(themes.values())
    expected["complaint_themes"] = {(t,): pct(n, total) for t, n in themes.items()}
    outcomes = Counter(OUTCOMES[s["Outcome"]] for s in csc1 if s["Outcome"] in OUTCOMES)
    expected["complaint_outcomes"] = {
        (o,): pct(n, sum(outcomes.values())) for o, n in outcomes.items()
    }
    in_care = [c for c in csc if c["Child in Care"] == "Yes"]
    expected["children_in_care_by_year"] = {(): len(in_care)}
    expected["children_in_care_by_quarter"] = {
        (q,): sum(quarter(c["received"], year) == q for c in in_care) for q in QUARTERS
    }
    answered = [s for s in csc1 if s["responded"]]
    within = sum(s["days"] <= 20 for s in answered)
    expected["stage1_timescales"] = {
        ("0_20_working_days",): pct(within, len(answered)),
        ("over_20_days",): pct(len(answered) - within, len(answered)),
    }
    form_ids = {f["Form ID"] for f in forms}
    answers = Counter((f["Question"], f["Response"]) for f in forms)
    expected["equality_monitoring"] = {k: pct(n, len(form_ids)) for k, n in answers.items()}
    expected["key_facts"] = {
        ("equality_records",): len(form_ids),
        ("social_care_learnings",): sum(bool(c["Learning Identified"]) for c in csc),
        ("non_social_care_learnings",): sum(
            bool(c["Learning Identified"]) for c in held if c["service"] != "social_care"
        ),
        ("children_in_care_cases",): len(in_care),
        ("stage2_cases_accepted",): expected["statutory_social_care"][("stage_2",)],
        ("stage2_remedy_paid",): sum(
            float(s["case"]["Remedy Paid"].strip("£").replace(",", "") or 0)
            for s in in_year
            if s["Stage"] == "2" and s["case"]["service"] == "social_care"
        ),
        ("ombudsman_social_care_investigated",): expected["statutory_social_care"][
            ("lgsco_approaches",)
        ],
        ("ombudsman_social_care_maladministration",): expected["statutory_social_care"][
            ("lgsco_upheld",)
        ],
        ("ombudsman_non_social_care_heard",): expected["statutory_whole_authority"][
            ("lgsco_approaches",)
        ],
        ("ombudsman_non_social_care_upheld",): expected["statutory_whole_authority"][
            ("lgsco_upheld",)
        ],
        ("ombudsman_non_social_care_penalties",): sum(
            e["remedy"] for e in enquiries if e["service"] == "non_social_care"
        ),
        ("social_care_fully_justified_pct",): expected["social_care_quarterly"][
            ("fully_justified_pct", "Total")
        ],
    }
    texts = {
        "learning_from_complaints": {  # every service's cases with a learning
            (c["Case Reference"], c["Learning Identified"], c["Action Taken"])
            for c in held
            if c["Learning Identified"]
        },
        "children_in_care_cases": {  # every case of a child in care, with its learning if any
            (quarter(c["received"], year), c["Case Reference"], c["Learning Identified"] or None)
            for c in in_care
        },
    }
    return {"figures": dict(expected), "texts": texts, "stages": stages, "held": held}


def key_of(table_id: str, row: pd.Series) -> tuple:
    """A figure's key as in :data:`KEYS` (an outcome by its first word: fully, partly, not)."""
    if table_id == "complaint_outcomes":
        return (str(row["outcome"]).lower().split()[0].replace("partially", "partly"),)
    return tuple(row[k] for k in KEYS[table_id])


def figures(table_id: str, frame: pd.DataFrame, year: ReportingYear) -> dict[tuple, float]:
    """The table's own-year figures, keyed by :func:`key_of`."""
    own = frame[frame["year"] == str(year)]
    out = {}
    for _, row in own.iterrows():
        key = key_of(table_id, row)
        assert key not in out, f"{table_id}: {key} given twice"
        out[key] = float(row["value"])
    return out


@pytest.fixture(scope="module", params=["2022-23", "2023-24"])
def export(request, tmp_path_factory):
    """A synthetic year's export and what a person counts in it."""
    year = ReportingYear.parse(request.param)
    folder = tmp_path_factory.mktemp(f"raw-{year}") / str(year)
    write_case_export(folder, year)
    return year, folder, count_by_hand(folder, year)


@pytest.fixture(scope="module")
def case_year(export):
    """... and the tables the case route makes of it."""
    year, folder, counted = export
    data, rules = read_cases(folder, year)
    tables = tables_from_cases(data, year, Settings.from_mapping(rules))
    return year, folder, tables, counted


def test_the_export_covers_the_cases_the_rules_are_about(export):
    """Stage 1 responses due across each bank holiday of the year, on the 20th and 21st working
    day; every outcome, stage and Ombudsman decision; cases open at the year's end; a stage 2
    in the year of a case received the year before."""
    year, folder, counted = export
    first, last = date(year.start, 4, 1), date(year.start + 1, 3, 31)
    holidays_in_year = {d for d in BANK_HOLIDAYS if first <= d <= last - timedelta(45)}
    across = {
        (s["days"], h)
        for s in counted["stages"]
        if s["Stage"] == "1" and s["responded"]
        for h in holidays_in_year
        if s["requested"] < h < s["responded"]
    }
    for holiday in holidays_in_year:
        assert {(20, holiday), (21, holiday)} <= across, holiday
    stages = counted["stages"]
    assert {s["Outcome"] for s in stages} == {*OUTCOMES, "Withdrawn", ""}
    assert {s["Stage"] for s in stages} == {"1", "2", "3"}
    assert any(s["Stage"] == "1" and not s["responded"] and not s["Outcome"] for s in stages)
    assert any(s["Stage"] == "2" and s["case"]["received"] < first for s in stages)
    decisions = {r["Decision"] for r in sheet_rows(folder / "ombudsman.xlsx", "LGSCO")}
    assert decisions >= {
        "Upheld",
        "Not Upheld",
        "Closed after initial enquiries",
        "Referred back for local resolution",
    }
    services = Counter(c["service"] for c in counted["held"])
    assert 120 <= services["social_care"] <= 160 and 190 <= services["non_social_care"] <= 250


def test_the_same_seed_writes_the_same_bytes(export, tmp_path):
    year, folder, _ = export
    again = write_case_export(tmp_path / "again", year).parent
    assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in folder.iterdir())
    for path in folder.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name
    other = write_case_export(tmp_path / "other", year, seed=13).parent
    assert (other / "cases.csv").read_bytes() != (folder / "cases.csv").read_bytes()


def test_working_days_over_the_holidays_of_2022_and_2023():
    """The test's own count, pinned on the days the rules are easy to get wrong."""
    assert working_days(date(2022, 12, 23), date(2023, 1, 3)) == 4  # 26, 27 Dec, 2 Jan off
    assert working_days(date(2023, 4, 6), date(2023, 4, 11)) == 1  # Good Friday, Easter Monday
    assert working_days(date(2023, 4, 28), date(2023, 5, 12)) == 8  # 1 and 8 May (coronation)
    assert working_days(date(2022, 9, 16), date(2022, 9, 20)) == 1  # the Queen's funeral


@pytest.mark.parametrize("table_id", list(KEYS))
def test_every_figure_is_what_counting_the_cases_gives(case_year, table_id):
    year, _, tables, counted = case_year
    expected = counted["figures"][table_id]
    got = figures(table_id, tables[table_id], year)
    if table_id == "key_facts":  # the facts the cases support: those present must agree
        assert {("equality_records",), ("social_care_learnings",)} <= got.keys()
        expected = {k: v for k, v in expected.items() if k in got}
        assert got.keys() <= counted["figures"]["key_facts"].keys() | {("sen_preemptive_remedy",)}
        got = {k: v for k, v in got.items() if k in expected}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=0.051), (table_id, key)


@pytest.mark.parametrize("table_id", ["learning_from_complaints", "children_in_care_cases"])
def test_the_learning_text_is_the_cases_own(case_year, table_id):
    """The learning table lists the year's Children's Social Care cases with a learning (the
    rule in the data dictionary), the children in care table those of children in care."""
    year, _, tables, counted = case_year
    frame = tables[table_id]
    frame = frame[frame["year"] == str(year)]
    columns = {
        "learning_from_complaints": ["case_id", "learned", "action"],
        "children_in_care_cases": ["period", "case_ref", "summary"],
    }[table_id]
    got = [tuple(r) for r in frame[columns].itertuples(index=False)]
    assert len(got) == len(set(got))
    expected = counted["texts"][table_id]
    if table_id == "children_in_care_cases":  # a case without a learning: a sentence saying so
        learned = {r[1] for r in expected if r[2]}
        assert all(
            s and s not in {r[2] for r in expected} for _, ref, s in got if ref not in learned
        )
        got = [(p, ref, s if ref in learned else None) for p, ref, s in got]
    assert set(got) == expected


def drilled(tables: dict, table_id: str, **key: str) -> set[str]:
    """The case references the drill-down lists behind one figure (its key: column=value)."""
    refs = tables["case_refs"]
    refs = refs[refs["table"] == table_id]
    figure = refs["figure"].astype(str)
    keys = {f: dict(part.split("=", 1) for part in f.split("; ")) for f in figure.unique()}
    wanted = [f for f, k in keys.items() if key.items() <= k.items()]
    assert len(wanted) == 1, (table_id, key, wanted)
    return set(refs.loc[figure == wanted[0], "case_ref"])


def test_responses_due_across_a_bank_holiday_are_late_on_the_21st_working_day(case_year):
    """Pinned on the cases answered on the 20th and 21st working day after the eve of each of
    the year's bank holidays (Christmas 2022 with its substitute days, Easter and the 8 May
    2023 coronation, ...): the drill-down of % overdue lists exactly the late ones."""
    year, _, tables, counted = case_year
    first, last = date(year.start, 4, 1), date(year.start + 1, 3, 31)
    stage1 = [
        s
        for s in counted["stages"]
        if s["Stage"] == "1" and s["responded"] and first <= s["case"]["received"] <= last
    ]
    for service in SERVICES:
        mine = [s for s in stage1 if s["case"]["service"] == service]
        late = {s["Case Reference"] for s in mine if s["days"] > 20}
        got = drilled(tables, f"{service}_quarterly", measure="overdue_pct", period="Total")
        assert got == late
    across = [
        s
        for s in stage1
        if s["days"] in (20, 21) and any(s["requested"] < h < s["responded"] for h in BANK_HOLIDAYS)
    ]
    assert len(across) >= 10
    got = drilled(tables, "non_social_care_quarterly", measure="overdue_pct", period="Total")
    got |= drilled(tables, "social_care_quarterly", measure="overdue_pct", period="Total")
    for s in across:
        assert (s["Case Reference"] in got) == (s["days"] == 21), s["Case Reference"]


def test_the_drill_down_lists_the_cases_behind_each_count(case_year):
    year, _, tables, counted = case_year
    for service in SERVICES:
        for period in (*QUARTERS, "Total"):
            mine = {
                c["Case Reference"]
                for c in counted["held"]
                if c["service"] == service
                and c["Type"] == "Formal"
                and (period == "Total" or quarter(c["received"], year) == period)
            }
            got = drilled(
                tables, f"{service}_quarterly", measure="formal_complaints", period=period
            )
            assert got == mine


def test_the_quarters_of_each_count_add_up_to_its_total(case_year):
    """By construction: the published 2022-23 informal total did not."""
    year, _, tables, _ = case_year
    for service in SERVICES:
        got = figures(f"{service}_quarterly", tables[f"{service}_quarterly"], year)
        for measure in ("formal_complaints", "informal_complaints", "compliments", "learnings"):
            assert sum(got[(measure, q)] for q in QUARTERS) == got[(measure, "Total")]


# ---------------------------------------------------------------------------------------------
# The same year given as cases and as the workbook the team would have filled in from them
# ---------------------------------------------------------------------------------------------


def fill_from_counts(workbook: Path, tables: dict, counted: dict, year: ReportingYear) -> None:
    """Type the hand-counted figures into the scaffolded workbook, one row per figure, with the
    row labels (text) the case route gives, in the order its report tables print them."""
    book = load_workbook(workbook)
    for table_id, card in cards.CARDS.items():
        if table_id not in book.sheetnames:
            continue
        sheet = book[table_id]
        sheet.delete_rows(2, sheet.max_row)
        frame = tables[table_id]
        own = frame[frame["year"] == str(year)]  # in its order: the order the tables print
        header = [*card.sheet_labels, *card.sheet_figures]
        if not card.sheet_labels:  # free text: the cases' learning (as counted by hand, above)
            records = own[list(card.sheet_figures)].itertuples(index=False)
        elif card.sheet_figures == cards.QUARTERS:
            numbers = counted["figures"][table_id]
            records = [
                (*labels, *(numbers.get((labels[0], p), "n/a") for p in cards.QUARTERS))
                for labels in own[list(card.sheet_labels)].drop_duplicates().itertuples(index=False)
            ]
        else:
            numbers = counted["figures"][table_id]
            records = [
                (
                    *(row[k] for k in card.sheet_labels),
                    numbers[key_of(table_id, row)],
                )
                for _, row in own.iterrows()
            ]
        for r, record in enumerate(records, start=2):
            for c, value in enumerate(record, start=1):
                sheet.cell(row=r, column=c, value=None if pd.isna(value) else value)
        assert sheet.max_column >= len(header)
    book.save(workbook)


def test_cases_and_the_workbook_filled_in_from_them_give_the_same_report(case_year, tmp_path):
    year, _, tables, counted = case_year
    workbook = scaffold(year, {}, raw_root=tmp_path)
    fill_from_counts(workbook, tables, counted, year)
    from_workbook = read_workbook(workbook, year)
    from_cases = {t: tables[t] for t in from_workbook}
    for table_id, frame in from_workbook.items():
        figure_columns = [
            c for c in cards.CARDS[table_id].column_names if not c.startswith("source_")
        ]
        own = from_cases[table_id]
        own = own[own["year"] == str(year)]
        left = own[figure_columns].sort_values(figure_columns).reset_index(drop=True)
        right = frame[figure_columns].sort_values(figure_columns).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=table_id)
    by_cases = build_report_tables(from_cases, year)
    by_workbook = build_report_tables(from_workbook, year)
    assert by_cases.keys() == by_workbook.keys()
    for table_id, table in by_cases.items():
        pd.testing.assert_frame_equal(table.frame, by_workbook[table_id].frame, obj=table_id)


@pytest.mark.slow
def test_the_synthetic_year_passes_every_suite_and_identity(case_year, tmp_path):
    """What 02_validate runs on a case year's clean tables, as 01_clean writes them, finds no
    error (as `make demo` needs)."""
    from complaints import paths
    from complaints.checks.validation import load_clean_tables, validate_tables
    from complaints.inputs.clean import write_tables

    year, _, tables, _ = case_year
    write_tables(tables, paths.clean_dir(year, tmp_path))
    result = validate_tables(load_clean_tables(year, tmp_path), year)
    errors = result.errors
    assert errors.empty, errors[["suite", "expectation", "unexpected_count"]].to_string()


@pytest.mark.slow
def test_the_drill_down_is_published_in_the_internal_edition_only(case_year, tmp_path):
    """The report of a case year lists, in tables/case_refs.csv linked from its index, every
    case behind every figure; the public edition has no such file and names no case."""
    from complaints import paths
    from complaints.inputs.clean import write_tables
    from complaints.outputs.presentation import build_report
    from complaints.outputs.publish import write_index
    from complaints.params import resolve

    year, _, tables, counted = case_year
    write_tables(tables, paths.clean_dir(year, tmp_path / "clean"))
    for edition in ("internal", "public"):
        out = tmp_path / edition
        run = resolve(str(year), "", str(tmp_path / "clean"), str(out), edition)
        build_report(run)
        write_index(out, year, {}, [])
        drill = out / "tables" / "case_refs.csv"
        index = (out / "index.html").read_text(encoding="utf-8")
        if edition == "public":
            assert not drill.exists() and "case_refs.csv" not in index
            continue
        assert 'href="tables/case_refs.csv"' in index
        with drill.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        formal_q1 = {
            r["case_ref"]
            for r in rows
            if r["table"] == "social_care_quarterly"
            and r["figure"] == "measure=formal_complaints; period=Q1"
        }
        # the cases a person counts as Children's Social Care formal complaints of Q1
        expected = counted["figures"]["social_care_quarterly"][("formal_complaints", "Q1")]
        assert len(formal_q1) == expected


@pytest.mark.slow  # draws charts
def test_the_case_charts_show_the_figures_a_person_counts(case_year, tmp_path):
    """Each case table's chart states, in its text alternative, the figures counted by hand; a
    figure changed in the table changes the chart."""
    from complaints.outputs.charts import draw_chart

    year, _, tables, counted = case_year
    timeliness = counted["figures"]["stage_timeliness"]
    chart = draw_chart(tables, "stage_timeliness", year, tmp_path / "a")
    for name in SERVICE_NAMES.values():
        shares = [f"Stage {n} {timeliness[(name, f'stage_{n}', 'on_time_pct')]}%" for n in (1, 2)]
        part = chart.alt_text.split(f"{name}: ")[1]
        assert all(share in part for share in shares), (name, chart.alt_text)
    changed = dict(tables)
    frame = tables["stage_timeliness"].copy()
    first = frame.index[frame["measure"] == "on_time_pct"][0]
    frame.loc[first, "value"] = 1 if frame.loc[first, "value"] != 1 else 2
    changed["stage_timeliness"] = frame
    again = draw_chart(changed, "stage_timeliness", year, tmp_path / "b")
    assert again.alt_text != chart.alt_text
    assert again.png.read_bytes() != chart.png.read_bytes()
    for chart_id in (
        "escalation",
        "complaints_by_team",
        "stage1_response_days",
        "children_complaints",
    ):
        drawn = draw_chart(tables, chart_id, year, tmp_path / "a")
        assert drawn.png.stat().st_size > 1_000 and str(year) in drawn.title
