"""The case route's rules: working days, deadlines, quarters, rounding, and every table computed
from a small hand-built year of cases whose figures are worked out by hand below."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from complaints.errors import InputError
from complaints.inputs.case_rules import (
    Settings,
    council_deadline,
    count_working_days,
    deadline,
    quarter_of,
    round_half_up,
    statutory_deadline,
    tables_from_cases,
)
from complaints.inputs.cases import CaseData
from complaints.years import ReportingYear

YEAR = ReportingYear.parse("2023-24")
D = date

# Working days, pinned by hand with a calendar -----------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (D(2023, 4, 6), D(2023, 4, 6), 0),  # the day of receipt is day 0
        (D(2023, 4, 6), D(2023, 4, 11), 1),  # Good Friday 7 Apr, weekend, Easter Monday 10 Apr
        (D(2023, 4, 6), D(2023, 5, 5), 18),  # ... and the 1 May bank holiday
        (D(2023, 5, 5), D(2023, 5, 9), 1),  # the 8 May 2023 coronation holiday
        (D(2022, 12, 23), D(2022, 12, 28), 1),  # Christmas 2022: 26 and 27 Dec are holidays
        (D(2022, 12, 23), D(2023, 1, 3), 4),  # ... and 2 Jan 2023 (New Year observed)
        (D(2023, 4, 15), D(2023, 4, 17), 1),  # received on a Saturday: Monday is day 1
        (D(2023, 4, 15), D(2023, 4, 16), 0),  # ... Sunday is not a working day
        (D(2022, 9, 16), D(2022, 9, 20), 1),  # the Queen's state funeral, 19 Sep 2022
    ],
)
def test_working_days_between(start: date, end: date, days: int) -> None:
    counted = count_working_days(pd.Series([pd.Timestamp(start)]), pd.Series([pd.Timestamp(end)]))
    assert counted.tolist() == [days]


def test_count_working_days_leaves_open_cases_missing() -> None:
    start = pd.Series(pd.to_datetime(["2023-04-06", "2023-04-06", None]))
    end = pd.Series(pd.to_datetime(["2023-04-24", None, "2023-04-24"]))
    days = count_working_days(start, end)
    assert days.iloc[0] == 10
    assert days.iloc[1:].isna().all()


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (D(2023, 4, 6), 0, D(2023, 4, 6)),
        (D(2023, 4, 6), 10, D(2023, 4, 24)),  # stage 1 over Easter 2023
        (D(2023, 4, 6), 20, D(2023, 5, 10)),  # stage 1 extended: over 1 May and the coronation
        (D(2023, 5, 5), 1, D(2023, 5, 9)),  # coronation Monday skipped
        (D(2022, 12, 23), 1, D(2022, 12, 28)),  # Christmas 2022 with 26 and 27 Dec
        (D(2023, 4, 15), 1, D(2023, 4, 17)),  # Saturday receipt
        (D(2023, 4, 7), 1, D(2023, 4, 11)),  # received on Good Friday: Tuesday is day 1
    ],
)
def test_deadline(start: date, n: int, due: date) -> None:
    assert deadline(start, n) == due


def test_statutory_deadlines_with_and_without_extension() -> None:
    stage = pd.Series([1, 1, 2, 2, 3])
    extended = pd.Series([False, True, False, True, False])
    allowed = statutory_deadline(stage, extended)
    # Stage 1 on Thursday 6 April 2023, stage 2 on 21 Aug 2023 (28 Aug bank holiday),
    # stage 3 on 2 Oct 2023: due dates counted by hand on a calendar.
    starts = [D(2023, 4, 6), D(2023, 4, 6), D(2023, 8, 21), D(2023, 8, 21), D(2023, 10, 2)]
    dues = [deadline(s, int(n)) for s, n in zip(starts, allowed, strict=True)]
    assert dues == [
        D(2023, 4, 24),
        D(2023, 5, 10),
        D(2023, 9, 26),
        D(2023, 11, 21),
        D(2023, 11, 13),
    ]


def test_council_deadline_setting() -> None:
    extended = pd.Series([False, True])
    assert council_deadline(extended, Settings()).tolist() == [20, 20]  # Dorset: 20 for all
    assert council_deadline(extended, Settings(10)).tolist() == [10, 20]  # the statutory 10/20


def test_settings_from_mapping() -> None:
    assert Settings.from_mapping({}) == Settings(20, ("Young Person",))
    assert Settings.from_mapping(
        {"stage1_deadline_working_days": 10, "child_complainants": ["Child", " Young Person "]}
    ) == Settings(10, ("Child", "Young Person"))
    mapping = "data/raw/2023-24/cases-mapping.toml"
    with pytest.raises(InputError, match=f"^{mapping}: unknown setting 'stage1_deadline_days'"):
        Settings.from_mapping({"stage1_deadline_days": 10}, file=mapping)
    with pytest.raises(InputError, match="stage1_deadline_working_days"):
        Settings.from_mapping({"stage1_deadline_working_days": "twenty"})


def test_quarter_of() -> None:
    dates = pd.Series(
        pd.to_datetime(
            [
                "2023-03-31",
                "2023-04-01",
                "2023-06-30",
                "2023-07-01",
                "2023-12-31",
                "2024-01-01",
                "2024-03-31",
                "2024-04-01",
                None,
            ]
        )
    )
    got = quarter_of(dates, YEAR).astype(object).where(lambda q: q.notna(), None).tolist()
    assert got == [None, "Q1", "Q1", "Q2", "Q3", "Q4", "Q4", None, None]


def test_round_half_up() -> None:
    assert round_half_up(np.array([2.5, 0.5, 1.5, 2.4, 0.0])).tolist() == [3, 1, 2, 2, 0]
    # Percentages from counts, exactly: 1/8 = 12.5% -> 13, 3/8 = 37.5% -> 38, 1/3 -> 33.
    assert round_half_up(np.array([100, 300, 100]), np.array([8, 8, 3])).tolist() == [13, 38, 33]
    assert round_half_up(np.array([0]), np.array([0])).tolist() == [0]  # nothing to share


# A hand-built year: 2023-24 -----------------------------------------------------------------

SC, NSC = "social_care", "non_social_care"
# case_ref, service, formality, received, complainant, child in care, via advocate, team,
# learning, remedy
CASES = [
    ("C01", SC, "formal", "2023-04-06", "Parent", False, False, "North", "L1", 0.0),
    ("C02", SC, "formal", "2023-05-02", "Young Person", True, False, "West", None, 0.0),
    ("C03", SC, "informal", "2023-06-15", "Parent", False, True, "North", None, 0.0),
    ("C04", SC, "formal", "2023-07-10", "Foster Carer", True, False, "East", "L4", 250.0),
    ("C05", SC, "informal", "2023-08-01", "Young Person", True, False, None, "", 0.0),
    ("C06", SC, "formal", "2023-11-20", "Parent", False, False, "West", "L6", 0.0),
    ("C07", SC, "formal", "2024-01-15", None, False, True, "North", None, 0.0),
    ("C08", NSC, "formal", "2023-04-20", "Parent", False, False, "SEN", "L8", 0.0),
    ("C09", NSC, "informal", "2023-09-05", "Parent", False, False, "SEN", None, 0.0),
    ("C10", NSC, "formal", "2023-12-01", "Young Person", False, False, "Transport", "L10", 0.0),
    ("C11", NSC, "formal", "2024-02-12", "Parent", False, False, "Transport", None, 0.0),
    ("C12", NSC, "informal", "2024-03-28", "Grandparent", False, False, "SEN", None, 0.0),
    ("C13", SC, "formal", "2024-03-25", "Grandparent", False, False, "East", None, 0.0),
    ("C00", SC, "formal", "2023-02-01", "Parent", False, False, "East", "L0", 1000.0),  # 2022-23
]
# case_ref, stage, requested, responded, extension agreed, outcome  (working days by hand)
STAGES = [
    ("C01", 1, "2023-04-06", "2023-05-05", False, "fully_justified"),  # 18
    ("C02", 1, "2023-05-02", "2023-06-01", True, "partly_justified"),  # 20 (coronation, 29 May)
    ("C04", 1, "2023-07-10", "2023-08-09", False, "not_justified"),  # 22
    ("C06", 1, "2023-11-20", "2023-12-27", True, "fully_justified"),  # 25 (Christmas 2023)
    ("C07", 1, "2024-01-15", "2024-01-26", False, "not_justified"),  # 9
    ("C13", 1, "2024-03-25", None, False, None),  # still open
    ("C08", 1, "2023-04-20", "2023-05-04", False, "partly_justified"),  # 9
    ("C10", 1, "2023-12-01", "2023-12-22", False, "fully_justified"),  # 15
    ("C11", 1, "2024-02-12", "2024-03-22", True, "withdrawn"),  # 29
    ("C00", 1, "2023-02-01", "2023-03-01", False, "not_justified"),  # last year
    ("C00", 2, "2023-05-10", None, True, None),  # a stage 2 this year of last year's case
    ("C01", 2, "2023-06-01", "2023-06-30", True, "partly_justified"),  # 21 of 65
    ("C04", 2, "2023-08-21", "2023-09-26", False, "not_justified"),  # 25 of 25 (28 Aug)
    ("C04", 3, "2023-10-02", "2023-11-20", False, "not_justified"),  # 35 of 30
    ("C08", 2, "2023-05-15", "2023-06-23", False, "not_justified"),  # 28 of 25
]
THEMES = [
    ("C01", "Communication"),
    ("C01", "Professional Practice/Quality of Service"),
    ("C02", "Communication"),
    ("C03", "Data"),
    ("C04", "Communication"),
    ("C04", "Policy - Disagreement with Decision"),
    ("C04", "Professional Practice/Quality of Service"),
    ("C06", "Professional Practice/Quality of Service"),
    ("C08", "Communication"),
    ("C00", "Data"),  # not Children's Social Care / not this year
]
OMBUDSMAN = [
    ("LG-1", "C01", SC, "2023-05-20", "2023-09-01", "upheld", 500.0),
    ("LG-2", "C04", SC, "2023-10-10", None, None, 0.0),
    ("LG-3", None, SC, "2023-08-15", "2023-09-30", "closed_after_initial_enquiries", 0.0),
    ("LG-4", "C08", NSC, "2023-06-10", "2023-10-01", "upheld", 1200.0),
    ("LG-5", "C10", NSC, "2024-01-20", "2024-03-01", "not_upheld", 0.0),
    ("LG-6", None, NSC, "2024-02-05", "2024-03-10", "referred_back", 0.0),
    ("LG-7", "C11", NSC, "2024-03-01", "2024-03-20", "upheld", 300.0),
    ("LG-0", None, NSC, "2023-03-15", "2023-05-01", "upheld", 999.0),  # notified last year
]
COMPLIMENTS = [
    ("2023-04-03", SC),
    ("2023-04-28", SC),
    ("2023-09-30", SC),
    ("2024-03-31", SC),
    ("2023-03-31", SC),
    ("2023-10-01", NSC),
    ("2024-01-01", NSC),
]
EQUALITY = [
    ("F1", "Gender", "Female"),
    ("F1", "Age", "25-34"),
    ("F2", "Gender", "Male"),
    ("F2", "Age", "35-44"),
    ("F3", "Gender", "Female"),
    ("F3", "Age", "Left blank"),
    ("F4", "Gender", "Prefer not to say"),
    ("F4", "Age", "25-34"),
]


def _frame(rows: list[tuple], columns: list[str], file: str, dates: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for column in dates:
        frame[column] = pd.to_datetime(frame[column])
    where = f"data/raw/2023-24/{file}"  # a category, as cases.read_cases gives it
    frame["source_file"] = pd.Categorical([where] * len(frame), categories=[where])
    frame["source_row"] = np.arange(2, len(frame) + 2)
    return frame


def _case_data(equality: bool = True) -> CaseData:
    cases = _frame(
        [
            (r, s, "statutory" if s == SC else "corporate", f, d, c, cic, adv, t, lrn, rem)
            for r, s, f, d, c, cic, adv, t, lrn, rem in CASES
        ],
        [
            "case_ref",
            "service",
            "procedure",
            "formality",
            "date_received",
            "complainant",
            "child_in_care",
            "via_advocate",
            "team",
            "learning",
            "remedy",
        ],
        "cases.csv",
        ["date_received"],
    )
    cases.insert(10, "learning_action", cases["learning"].str.replace("L", "A"))
    return CaseData(
        cases=cases,
        stages=_frame(
            STAGES,
            [
                "case_ref",
                "stage",
                "date_requested",
                "date_responded",
                "extension_agreed",
                "outcome",
            ],
            "stages.csv",
            ["date_requested", "date_responded"],
        ),
        themes=_frame(THEMES, ["case_ref", "theme"], "cases.csv", []),
        ombudsman=_frame(
            OMBUDSMAN,
            [
                "lgsco_ref",
                "case_ref",
                "service",
                "date_notified",
                "date_decided",
                "decision",
                "remedy",
            ],
            "ombudsman.csv",
            ["date_notified", "date_decided"],
        ),
        compliments=_frame(COMPLIMENTS, ["date", "service"], "compliments.csv", ["date"]),
        equality=_frame(
            EQUALITY if equality else [],
            ["form_id", "characteristic", "answer"],
            "equality.csv",
            [],
        ),
    )


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return tables_from_cases(_case_data(), YEAR, Settings())


def _values(frame: pd.DataFrame, key: str | list[str]) -> dict:
    keys = [key] if isinstance(key, str) else key
    return {
        (r[0] if len(keys) == 1 else tuple(r[:-1])): r[-1]
        for r in frame[[*keys, "value"]].itertuples(index=False)
    }


def _quarterly(frame: pd.DataFrame) -> dict[str, list]:
    out: dict[str, list] = {}
    for measure, rows in frame.groupby("measure", sort=False):
        out[measure] = rows.set_index("period")["value"].tolist()
    return out


# Worked out by hand from the rows above: [Q1, Q2, Q3, Q4, Total].
SOCIAL_CARE_QUARTERLY = {
    "formal_complaints": [2, 1, 1, 2, 6],  # C01 C02 | C04 | C06 | C07 C13
    "informal_complaints": [1, 1, 0, 0, 2],  # C03 | C05
    "ombudsman_upheld": [1, 0, 0, 0, 1],  # LG-1
    "ombudsman_received": [1, 1, 1, 0, 3],  # LG-1 | LG-3 | LG-2
    # Responses over 20 working days: Q1 0 of 2, Q2 C04, Q3 C06, Q4 0 of 1 (C13 is open).
    # The year's total is 2 of 5 = 40%; the mean of the quarters would be 50%.
    "overdue_pct": [0, 100, 100, 0, 40],
    "fully_justified_pct": [50, 0, 100, 0, 40],  # C01 of 2 | 0 of 1 | C06 | 0 of 1 | 2 of 5
    "part_justified_pct": [50, 0, 0, 0, 20],  # C02
    "compliments": [2, 1, 0, 1, 4],  # 31 Mar 2023 is last year's; 31 Mar 2024 this year's
    "learnings": [1, 1, 1, 0, 3],  # C01 | C04 | C06 (C05's learning is empty)
    "total_complaints": [8],
}
NON_SOCIAL_CARE_QUARTERLY = {
    "formal_complaints": [1, 0, 1, 1, 3],
    "informal_complaints": [0, 1, 0, 1, 2],
    "ombudsman_upheld": [1, 0, 0, 1, 2],  # LG-4 | LG-7 (LG-0 was notified last year)
    "ombudsman_received": [1, 0, 0, 3, 4],
    "overdue_pct": [0, 0, 0, 100, 33],  # C11's 29 days; 1 of 3 = 33%
    "fully_justified_pct": [0, 0, 100, 0, 50],  # C11 withdrawn: not an outcome
    "part_justified_pct": [100, 0, 0, 0, 50],
    "compliments": [0, 0, 1, 1, 2],
    "learnings": [1, 0, 1, 0, 2],
    "total_complaints": [5],
}


def test_quarterly_tables(tables: dict[str, pd.DataFrame]) -> None:
    sc, nsc = tables["social_care_quarterly"], tables["non_social_care_quarterly"]
    assert _quarterly(sc) == SOCIAL_CARE_QUARTERLY
    assert _quarterly(nsc) == NON_SOCIAL_CARE_QUARTERLY
    assert sc["period"].tolist()[:5] == ["Q1", "Q2", "Q3", "Q4", "Total"]
    labels = dict(zip(sc["measure"], sc["label"], strict=True))
    assert labels["formal_complaints"] == "Number of FORMAL complaints"
    assert labels["overdue_pct"] == "Timescales (overdue)"
    overdue = sc[sc["measure"] == "overdue_pct"].set_index("period")
    quarters = overdue.loc[["Q1", "Q2", "Q3", "Q4"], "value"]
    assert overdue.loc["Total", "value"] != quarters.mean()
    assert (
        overdue.loc["Total", "source_text"]
        == "2 of 5 stage 1 responses after the council's deadline"
    )
    assert set(sc["year"]) == set(sc["report_year"]) == {"2023-24"}


def test_provenance(tables: dict[str, pd.DataFrame]) -> None:
    sc = tables["social_care_quarterly"].set_index(["measure", "period"])
    # C01 and C02 are rows 2 and 3 of cases.csv; the first counted is row 2.
    formal_q1 = sc.loc[("formal_complaints", "Q1")]
    assert (formal_q1["source_file"], formal_q1["source_line"]) == ("data/raw/2023-24/cases.csv", 2)
    assert formal_q1["source_text"] == "2 formal complaints received"
    # Q3 has no informal case: the header row.
    assert sc.loc[("informal_complaints", "Q3"), "source_line"] == 1
    # C04's stage 1 is row 4 of stages.csv.
    overdue_q2 = sc.loc[("overdue_pct", "Q2")]
    assert (overdue_q2["source_file"], overdue_q2["source_line"]) == (
        "data/raw/2023-24/stages.csv",
        4,
    )


def test_statutory_tables(tables: dict[str, pd.DataFrame]) -> None:
    sc = tables["statutory_social_care"]
    assert _values(sc, "measure") == {
        "representations": 2,
        "stage_1": 6,
        "stage_2": 3,  # C00 (received last year), C01, C04
        "stage_3": 1,
        "lgsco_approaches": 3,
        "lgsco_upheld": 1,
    }
    assert dict(zip(sc["measure"], sc["label"], strict=True))["stage_1"] == "Stage 1"
    assert dict(zip(sc["measure"], sc["label"], strict=True))["representations"] == (
        "Representations"
    )
    wa = tables["statutory_whole_authority"]
    assert _values(wa, "measure") == {
        "representations": 2,
        "formal_complaints": 3,
        "lgsco_approaches": 4,
        "lgsco_upheld": 2,
    }


def test_social_care_breakdowns(tables: dict[str, pd.DataFrame]) -> None:
    # C07 gave no complainant group: not counted.
    assert _values(tables["complainant_groups"], "group") == {
        "Foster Carer": 1,
        "Grandparent": 1,
        "Parent": 3,
        "Young Person": 2,
    }
    # 8 theme entries of this year's Children's Social Care cases: 3/8 = 37.5% -> 38,
    # 1/8 = 12.5% -> 13 (half up; the shares make 102).
    assert _values(tables["complaint_themes"], "theme") == {
        "Communication": 38,
        "Data": 13,
        "Policy - Disagreement with Decision": 13,
        "Professional Practice/Quality of Service": 38,
    }
    assert _values(tables["complaint_outcomes"], "outcome") == {
        "Fully Justified": 40,
        "Partially Justified": 20,
        "Not justified": 40,
    }
    timescales = tables["stage1_timescales"]
    assert _values(timescales, "band") == {"0_20_working_days": 60, "over_20_days": 40}
    assert timescales["label"].tolist() == ["0-20 Working Days", "20+ days"]
    by_year = tables["children_in_care_by_year"]
    assert by_year[["label", "value"]].values.tolist() == [["Children in Care 2023-24", 3]]
    assert _values(tables["children_in_care_by_quarter"], "period") == {
        "Q1": 1,
        "Q2": 2,
        "Q3": 0,
        "Q4": 0,
    }
    cic = tables["children_in_care_cases"]
    # every case of a child in care (C02, C04, C05), with its learning where one is recorded
    assert cic[["period", "case_ref", "summary"]].values.tolist() == [
        ["Q1", "C02", "No learning recorded."],
        ["Q2", "C04", "L4"],
        ["Q2", "C05", "No learning recorded."],
    ]
    learning = tables["learning_from_complaints"]
    # every service's cases of the year with a learning (C05's is empty; C00 is last year's)
    assert learning[["case_id", "learned", "action"]].values.tolist() == [
        ["C01", "L1", "A1"],
        ["C04", "L4", "A4"],
        ["C06", "L6", "A6"],
        ["C08", "L8", "A8"],
        ["C10", "L10", "A10"],
    ]


def test_equality_and_key_facts(tables: dict[str, pd.DataFrame]) -> None:
    assert _values(tables["equality_monitoring"], ["characteristic", "group"]) == {
        ("Gender", "Female"): 50,
        ("Gender", "Male"): 25,
        ("Gender", "Prefer not to say"): 25,
        ("Age", "25-34"): 50,
        ("Age", "35-44"): 25,
        ("Age", "Left blank"): 25,
    }
    facts = tables["key_facts"]
    assert _values(facts, "fact") == {
        "stage2_cases_accepted": 3,
        "stage2_remedy_paid": 1250,  # C00 £1,000 + C04 £250
        "ombudsman_social_care_investigated": 3,
        "ombudsman_social_care_maladministration": 1,
        "ombudsman_non_social_care_heard": 4,
        "ombudsman_non_social_care_upheld": 2,
        "ombudsman_non_social_care_penalties": 1500,  # LG-4 £1,200 + LG-7 £300
        "social_care_fully_justified_pct": 40,
        "children_in_care_cases": 3,
        "social_care_learnings": 3,
        "non_social_care_learnings": 2,
        "equality_records": 4,
    }
    units = dict(zip(facts["fact"], facts["unit"], strict=True))
    assert units["stage2_remedy_paid"] == "GBP" and units["social_care_fully_justified_pct"] == (
        "percent"
    )
    labels = dict(zip(facts["fact"], facts["label"], strict=True))
    assert labels["stage2_cases_accepted"] == "Cases accepted at Stage 2"


def test_new_tables(tables: dict[str, pd.DataFrame]) -> None:
    SCL, NSCL = "Children's Social Care", "Non Social Care"  # as the tables print them
    assert _values(tables["stage_timeliness"], ["service", "stage", "measure"]) == {
        # Stage 1 against 10 (20 extended): C02 (20, extended) and C07 (9) on time.
        (SCL, "stage_1", "responses"): 5,
        (SCL, "stage_1", "on_time"): 2,
        (SCL, "stage_1", "on_time_pct"): 40,
        # Stage 2: C01 21 of 65, C04 25 of 25; C00's is open.
        (SCL, "stage_2", "responses"): 2,
        (SCL, "stage_2", "on_time"): 2,
        (SCL, "stage_2", "on_time_pct"): 100,
        (SCL, "stage_3", "responses"): 1,
        (SCL, "stage_3", "on_time"): 0,  # 35 of 30
        (SCL, "stage_3", "on_time_pct"): 0,
        (NSCL, "stage_1", "responses"): 3,
        (NSCL, "stage_1", "on_time"): 1,  # C08 9 days
        (NSCL, "stage_1", "on_time_pct"): 33,
        (NSCL, "stage_2", "responses"): 1,
        (NSCL, "stage_2", "on_time"): 0,  # 28 of 25
        (NSCL, "stage_2", "on_time_pct"): 0,
        (NSCL, "stage_3", "responses"): 0,
        (NSCL, "stage_3", "on_time"): 0,
        (NSCL, "stage_3", "on_time_pct"): 0,
        # Open at the year's end: C13's stage 1 and C00's stage 2 (no response).
        (SCL, "stage_1", "open"): 1,
        (SCL, "stage_2", "open"): 1,
        (SCL, "stage_3", "open"): 0,
        (NSCL, "stage_1", "open"): 0,
        (NSCL, "stage_2", "open"): 0,
        (NSCL, "stage_3", "open"): 0,
    }
    assert _values(tables["escalation"], ["service", "measure"]) == {
        (SCL, "stage_1"): 6,
        (SCL, "stage_2"): 2,
        (SCL, "stage_3"): 1,  # C01 C04 | C04
        (SCL, "stage_2_of_stage_1_pct"): 33,
        (SCL, "stage_3_of_stage_2_pct"): 50,
        (NSCL, "stage_1"): 3,
        (NSCL, "stage_2"): 1,
        (NSCL, "stage_3"): 0,
        (NSCL, "stage_2_of_stage_1_pct"): 33,
        (NSCL, "stage_3_of_stage_2_pct"): 0,
    }
    assert _values(tables["complaints_by_team"], ["service", "team"]) == {
        (NSCL, "SEN"): 3,
        (NSCL, "Transport"): 2,
        (SCL, "East"): 2,
        (SCL, "North"): 3,
        (SCL, "Not recorded"): 1,
        (SCL, "West"): 2,
    }
    days = tables["stage1_response_days"]
    assert _values(days, ["service", "measure"]) == {
        (SCL, "responses"): 5,
        (SCL, "mean_working_days"): 18.8,  # (18+20+22+25+9)/5
        (SCL, "median_working_days"): 20,
        (NSCL, "responses"): 3,
        (NSCL, "mean_working_days"): 17.7,  # 53/3, one decimal
        (NSCL, "median_working_days"): 15,
    }
    assert set(days.loc[days["measure"] != "responses", "unit"]) == {"working days"}
    assert _values(tables["children_complaints"], ["service", "measure"]) == {
        (SCL, "directly"): 2,
        (SCL, "via_advocate"): 2,
        (SCL, "total"): 4,  # C02 C05 | C03 C07
        (NSCL, "directly"): 1,
        (NSCL, "via_advocate"): 0,
        (NSCL, "total"): 1,  # C10
    }


def test_case_refs_drill_down(tables: dict[str, pd.DataFrame]) -> None:
    refs = tables["case_refs"]

    def cases_of(table: str, row: str) -> list[str]:
        return sorted(refs.loc[(refs["table"] == table) & (refs["figure"] == row), "case_ref"])

    assert cases_of("social_care_quarterly", "measure=formal_complaints; period=Q1") == [
        "C01",
        "C02",
    ]
    assert cases_of("social_care_quarterly", "measure=formal_complaints; period=Total") == [
        "C01",
        "C02",
        "C04",
        "C06",
        "C07",
        "C13",
    ]
    assert cases_of("social_care_quarterly", "measure=overdue_pct; period=Total") == ["C04", "C06"]
    assert cases_of("statutory_social_care", "measure=stage_2") == ["C00", "C01", "C04"]
    assert cases_of("non_social_care_quarterly", "measure=ombudsman_upheld; period=Total") == [
        "LG-4",
        "LG-7",
    ]
    assert cases_of("complaint_themes", "theme=Communication") == ["C01", "C02", "C04"]
    # the remedy paid on the year's stage 2 cases: C00 £1,000 + C04 £250 (C01 none)
    assert cases_of("key_facts", "fact=stage2_remedy_paid") == ["C00", "C01", "C04"]
    # Every count in a count table has as many references as its value.
    groups = tables["complainant_groups"]
    for group, value in zip(groups["group"], groups["value"], strict=True):
        assert len(cases_of("complainant_groups", f"group={group}")) == value
    # each reference names the case's row in the export
    c04 = refs[refs["case_ref"] == "C04"]
    assert set(c04["source_line"]) == {5}  # the fourth case: row 5, under the header
    assert set(c04["source_file"]) == {"data/raw/2023-24/cases.csv"}


def test_statutory_stage1_setting_changes_overdue() -> None:
    tables = tables_from_cases(_case_data(), YEAR, Settings(stage1_deadline_working_days=10))
    sc = _quarterly(tables["social_care_quarterly"])
    # Over 10 working days unless extended (then 20): C01 18 (late), C02 20 extended (on time),
    # C04 22, C06 25 extended (late), C07 9: Q1 1 of 2, Total 3 of 5.
    assert sc["overdue_pct"] == [50, 100, 100, 0, 60]


def test_year_without_equality_forms_has_no_equality_table() -> None:
    tables = tables_from_cases(_case_data(equality=False), YEAR, Settings())
    assert "equality_monitoring" not in tables
    assert "equality_records" not in set(tables["key_facts"]["fact"])
    assert "social_care_quarterly" in tables


def test_a_case_and_an_enquiry_may_share_a_reference() -> None:
    data = _case_data()
    ombudsman = data.ombudsman.assign(lgsco_ref=data.ombudsman["lgsco_ref"].replace("LG-4", "C08"))
    tables = tables_from_cases(
        CaseData(data.cases, data.stages, data.themes, ombudsman, data.compliments, data.equality),
        YEAR,
        Settings(),
    )
    refs = tables["case_refs"]
    row = "measure=ombudsman_upheld; period=Total"
    chosen = refs[(refs["table"] == "non_social_care_quarterly") & (refs["figure"] == row)]
    assert sorted(chosen["case_ref"]) == ["C08", "LG-7"]
    assert tables["stage_timeliness"]["source_line"].dtype.kind == "i"
