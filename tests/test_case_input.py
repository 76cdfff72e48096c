"""The case route's input: a council's own export (its headings and labels) and a mapping file
read into the case model; each kind of bad input refused in one line naming the file, the row
as numbered in the spreadsheet, the export's column heading and the value."""

from __future__ import annotations

import csv
import functools
import hashlib
import logging
import tomllib
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

import complaints.inputs.cases
import complaints.inputs.clean
from complaints import paths
from complaints.cli import main
from complaints.errors import InputError
from complaints.inputs.cases import (
    MAPPING_FILE,
    MODEL,
    check_cases,
    load_mapping,
    read_cases,
    scaffold_cases,
)
from complaints.inputs.clean import build_clean, find_raw_input
from complaints.years import ReportingYear

YEAR = ReportingYear.parse("2023-24")

MAPPING = """\
[files]
cases = "Case Export.csv"
stages = "Stages.csv"
ombudsman = "LGSCO.csv"
compliments = "Compliments.csv"
equality = "Equality Forms.csv"

[columns.cases]
case_ref = "Case Reference"
service = "Service Area"
procedure = "Procedure"
formality = "Type"
date_received = "Date Received"
complainant = "Complainant"
child_in_care = "CiC"
via_advocate = "Advocate"
team = "Team"
learning = "Learning"
learning_action = "Action"
remedy = "Remedy"
themes = "Themes"

[columns.stages]
case_ref = "Case Reference"
stage = "Stage"
date_requested = "Date Requested"
date_responded = "Date Responded"
extension_agreed = "Extension"
outcome = "Outcome"

[columns.ombudsman]
lgsco_ref = "LGSCO Ref"
case_ref = "Our Ref"
service = "Service Area"
date_notified = "Notified"
date_decided = "Decided"
decision = "Decision"
remedy = "Remedy"

[columns.compliments]
date = "Date"
service = "Service Area"

[columns.equality]
form_id = "Form"
characteristic = "Question"
answer = "Answer"

[labels.service]
"Children's Social Care" = "social_care"
"Education and Learning" = "non_social_care"
[labels.formality]
"Formal Complaint" = "formal"
"Representation" = "informal"
[labels.procedure]
"Statutory" = "statutory"
"Corporate" = "corporate"
[labels.outcome]
"Upheld" = "fully_justified"
"Partially Upheld" = "partly_justified"
"Not Upheld" = "not_justified"
[labels.decision]
"Upheld" = "upheld"
"Not upheld" = "not_upheld"

[rules]
stage1_deadline_working_days = 10
"""

CSC = "Children's Social Care"
EXPORT = {
    "Case Export.csv": [
        row.split("|")
        for row in (
            "Case Reference|Service Area|Procedure|Type|Date Received|Complainant|CiC|Advocate"
            "|Team|Learning|Action|Remedy|Themes",
            f"C-1|{CSC}|Statutory|Formal Complaint|03/04/2023|Parent|Yes|No|North"
            "|Better letters|Template letters|£1,250.00|Communication; Delay",
            "C-2| education and learning |Corporate|Representation|2023-05-08|Young Person|N|Y"
            "|||||",
            f"C-3|{CSC}|statutory|FORMAL COMPLAINT|45019|Parent|no|no|South|||100|Communication",
            f"C-4|{CSC}|Statutory|Representation|25/12/2022|Carer|Yes|No|North||||Delay;",
        )
    ],
    "Stages.csv": [
        ["Case Reference", "Stage", "Date Requested", "Date Responded", "Extension", "Outcome"],
        ["C-1", "1", "03/04/2023", "20/04/2023", "No", "Partially Upheld"],
        ["C-1", "2", "01/05/2023", "", "Yes", ""],
        ["C-3", "1", "03/04/2023", "05/04/2023", "No", "not upheld"],
        ["C-4", "1", "25/12/2022", "10/01/2023", "No", "Not Upheld"],
        ["C-4", "2", "03/04/2023", "02/05/2023", "Yes", "Upheld"],
    ],
    "LGSCO.csv": [
        ["LGSCO Ref", "Our Ref", "Service Area", "Notified", "Decided", "Decision", "Remedy"],
        ["22 001 234", "C-1", CSC, "01/06/2023", "01/07/2023", "Upheld", "£300"],
        ["23 000 111", "", "Education and Learning", "15/03/2024", "", "", ""],
    ],
    "Compliments.csv": [
        ["Date", "Service Area"],
        ["03/04/2023", CSC],
        ["2024-03-31", "Education and Learning"],
    ],
    "Equality Forms.csv": [
        ["Form", "Question", "Answer"],
        ["F1", "Gender", "Female"],
        ["F1", "Age", "25-34"],
        ["F2", "Gender", ""],
    ],
}


def write_export(folder: Path, export: dict[str, list[list[str]]] = EXPORT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MAPPING_FILE).write_text(MAPPING, encoding="utf-8")
    for name, rows in export.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    return folder


def edit(folder: Path, name: str, row: int, heading: str, value: str) -> None:
    """Set one cell: ``row`` as the spreadsheet numbers it (the header is row 1)."""
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(heading)] = value
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


@pytest.fixture
def export(tmp_path) -> Path:
    return write_export(tmp_path / "raw" / str(YEAR))


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# --- reading a good export ----------------------------------------------------------------------


def test_the_councils_headings_labels_dates_flags_and_money_become_the_case_model(export):
    data, rules = read_cases(export, YEAR)
    cases = data.cases.set_index("case_ref")
    assert list(cases.index) == ["C-1", "C-2", "C-3", "C-4"]
    assert list(cases["service"]) == ["social_care", "non_social_care"] + ["social_care"] * 2
    assert list(cases["procedure"]) == ["statutory", "corporate", "statutory", "statutory"]
    assert list(cases["formality"]) == ["formal", "informal", "formal", "informal"]
    # 03/04/2023 is 3 April (day first); 45019 is Excel's serial number of 3 April 2023
    assert list(cases["date_received"]) == [
        day("2023-04-03"),
        day("2023-05-08"),
        day("2023-04-03"),
        day("2022-12-25"),
    ]
    assert str(cases["date_received"].dtype) == "datetime64[ns]"
    assert list(cases["child_in_care"]) == [True, False, False, True]
    assert list(cases["via_advocate"]) == [False, True, False, False]
    assert list(cases["remedy"]) == [1250.0, 0.0, 100.0, 0.0]
    assert list(cases["complainant"]) == ["Parent", "Young Person", "Parent", "Carer"]
    assert cases.loc["C-1", "learning"] == "Better letters"
    assert pd.isna(cases.loc["C-2", "learning"]) and pd.isna(cases.loc["C-2", "team"])
    assert list(cases["source_row"]) == [2, 3, 4, 5]
    assert set(cases["source_file"]) == {paths.relative_to_project(export / "Case Export.csv")}
    assert list(data.cases.columns) == [*MODEL["cases"], "source_file", "source_row"]

    themes = data.themes
    assert list(zip(themes["case_ref"], themes["theme"], themes["source_row"], strict=True)) == [
        ("C-1", "Communication", 2),
        ("C-1", "Delay", 2),
        ("C-3", "Communication", 4),
        ("C-4", "Delay", 5),
    ]

    stages = data.stages
    assert list(stages["stage"]) == [1, 2, 1, 1, 2]
    assert list(stages["outcome"].fillna("open")) == [
        *("partly_justified", "open", "not_justified", "not_justified", "fully_justified")
    ]
    assert list(stages["extension_agreed"]) == [False, True, False, False, True]
    assert stages["date_responded"].isna().tolist() == [False, True, False, False, False]
    assert list(stages["source_row"]) == [2, 3, 4, 5, 6]

    lgsco = data.ombudsman
    assert list(lgsco["lgsco_ref"]) == ["22 001 234", "23 000 111"]
    assert lgsco["case_ref"].isna().tolist() == [False, True]
    assert list(lgsco["decision"].fillna("open")) == ["upheld", "open"]
    assert list(lgsco["remedy"]) == [300.0, 0.0]
    assert list(data.compliments["date"]) == [day("2023-04-03"), day("2024-03-31")]
    assert list(data.compliments["service"]) == ["social_care", "non_social_care"]
    assert list(data.equality["answer"].fillna("none")) == ["Female", "25-34", "none"]
    assert rules == {"stage1_deadline_working_days": 10}


def test_an_xlsx_export_with_excel_dates_and_serial_numbers(tmp_path):
    from openpyxl import Workbook

    folder = write_export(tmp_path / str(YEAR))
    book = Workbook()
    sheet = book.active
    sheet.title = "Cases"
    rows = [list(r) for r in EXPORT["Case Export.csv"]]
    rows[1][4] = datetime(2023, 4, 3, 14, 30)  # a date cell (with a time of day)
    rows[2][4] = 45054  # a serial number: 8 May 2023
    rows[3][11] = 100  # a number cell
    for row in rows:
        sheet.append(row)
    book.save(folder / "export.xlsx")
    mapping = folder / MAPPING_FILE
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(
        text.replace('"Case Export.csv"', '{ path = "export.xlsx", sheet = "Cases" }'),
        encoding="utf-8",
    )
    cases = read_cases(folder, YEAR)[0].cases
    assert list(cases["date_received"][:2]) == [day("2023-04-03"), day("2023-05-08")]
    assert list(cases["remedy"]) == [1250.0, 0.0, 100.0, 0.0]
    assert set(cases["source_file"]) == {paths.relative_to_project(folder / "export.xlsx#Cases")}
    assert list(cases["source_row"]) == [2, 3, 4, 5]


def test_a_year_without_equality_forms_has_none(export):
    mapping = export / MAPPING_FILE
    text = mapping.read_text(encoding="utf-8").replace('equality = "Equality Forms.csv"\n', "")
    mapping.write_text(text, encoding="utf-8")
    (export / "Equality Forms.csv").unlink()
    data, _ = read_cases(export, YEAR)
    assert data.equality.empty and list(data.equality.columns)[:3] == list(MODEL["equality"])


def test_a_column_the_export_does_not_have_is_mapped_to_nothing(export):
    mapping = export / MAPPING_FILE
    text = mapping.read_text(encoding="utf-8")
    text = text.replace('via_advocate = "Advocate"', 'via_advocate = ""')
    mapping.write_text(text.replace('remedy = "Remedy"', 'remedy = ""'), encoding="utf-8")
    data, _ = read_cases(export, YEAR)
    assert list(data.cases["via_advocate"]) == [False] * 4  # C-2 said Y, in a column not read
    assert list(data.cases["remedy"]) == [0.0] * 4
    assert list(data.ombudsman["remedy"]) == [0.0, 0.0]  # both parts' remedy mapped to ""


def test_cases_still_open_at_the_years_end_are_a_warning(export, caplog):
    data, _ = read_cases(export, YEAR)
    with caplog.at_level(logging.WARNING):
        warnings = check_cases(data, YEAR)
    # the one stage without a response is C-1's stage 2
    assert len(warnings) == 1 and "1 case(s) still open at the end of 2023-24" in warnings[0]
    assert warnings[0].endswith(": C-1")
    assert warnings[0] in caplog.text


# --- bad input: one line, naming file, row, the export's heading and the value ----------------

BAD = {
    "missing column": (
        [("Case Export.csv", 1, "Date Received", "Received On")],
        ["Case Export.csv", "row 1", 'no column "Date Received"', "[columns.cases]"],
    ),
    "unknown label": (
        [("Case Export.csv", 4, "Service Area", "Adult Services")],
        [
            "Case Export.csv",
            "row 4",
            'column "Service Area"',
            "'Adult Services'",
            '"Children\'s Social Care"',
            "add it to [labels.service]",
            MAPPING_FILE,
        ],
    ),
    "date that does not parse": (
        [("Case Export.csv", 3, "Date Received", "31/02/2023")],
        [
            "Case Export.csv",
            "row 3",
            'column "Date Received"',
            "'31/02/2023' is not a date",
            "03/04/2023 (day first)",
        ],
    ),
    "empty date": (
        [("Case Export.csv", 5, "Date Received", "")],
        ["Case Export.csv", "row 5", 'column "Date Received"', "an empty cell — fill it in"],
    ),
    "flag that is not yes or no": (
        [("Case Export.csv", 2, "CiC", "Maybe")],
        ["Case Export.csv", "row 2", 'column "CiC"', "'Maybe' is not a yes or no", "[flags]"],
    ),
    "money that is not an amount": (
        [("LGSCO.csv", 2, "Remedy", "three hundred")],
        ["LGSCO.csv", "row 2", 'column "Remedy"', "'three hundred' is not an amount"],
    ),
    "stage requested before the previous stage was answered": (
        [("Stages.csv", 3, "Date Requested", "10/04/2023")],
        [
            "Stages.csv",
            "row 3",
            'column "Date Requested"',
            "10/04/2023",
            "case 'C-1'",
            "before its stage 1 was answered (row 2, answered on 20/04/2023)",
        ],
    ),
    "stage 2 without stage 1": (
        [("Stages.csv", 4, "Stage", "2")],
        ["Stages.csv", "row 4", 'column "Stage"', "case 'C-3' has no stage 1 before this stage 2"],
    ),
    "response before the request": (
        [("Stages.csv", 2, "Date Responded", "01/04/2023")],
        [
            "Stages.csv",
            "row 2",
            'column "Date Responded"',
            "01/04/2023 is before 03/04/2023",
            '"Date Requested"',
        ],
    ),
    "stage requested before its case was received": (
        [("Stages.csv", 4, "Date Requested", "02/04/2023")],
        [
            "Stages.csv",
            "row 4",
            'column "Date Requested"',
            "02/04/2023 is before case 'C-3' was received (03/04/2023, row 4 of",
        ],
    ),
    "Ombudsman decided before notified": (
        [("LGSCO.csv", 2, "Decided", "31/05/2023")],
        ["LGSCO.csv", "row 2", 'column "Decided"', "31/05/2023 is before 01/06/2023", '"Notified"'],
    ),
    "repeated reference": (
        [("Case Export.csv", 4, "Case Reference", "C-2")],
        ["Case Export.csv", "row 4", 'column "Case Reference"', "'C-2' is repeated (also row 3)"],
    ),
    "repeated stage": (
        [("Stages.csv", 4, "Case Reference", "C-1")],
        ["Stages.csv", "row 4", 'column "Stage"', "stage 1 of case 'C-1' is repeated (also row 2)"],
    ),
    "stage of a case not in the cases file": (
        [("Stages.csv", 4, "Case Reference", "C-9")],
        [
            "Stages.csv",
            "row 4",
            'column "Case Reference"',
            "'C-9' is not a case in",
            "Case Export.csv",
        ],
    ),
    "case dated after the year's end": (
        [("Case Export.csv", 3, "Date Received", "01/04/2024")],
        [
            "Case Export.csv",
            "row 3",
            'column "Date Received"',
            "01/04/2024 is after the end",
            "of 2023-24 (31/03/2024)",
        ],
    ),
    "enquiry dated after the year's end": (
        [("LGSCO.csv", 3, "Notified", "2024-04-02")],
        ["LGSCO.csv", "row 3", 'column "Notified"', "02/04/2024 is after the end of 2023-24"],
    ),
}


@pytest.mark.parametrize("kind", BAD)
def test_bad_input_is_refused_in_one_line(export, kind):
    edits, parts = BAD[kind]
    for name, row, heading, value in edits:
        edit(export, name, row, heading, value)
    with pytest.raises(InputError) as info:
        data, _ = read_cases(export, YEAR)
        check_cases(data, YEAR)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(paths.relative_to_project(export / parts[0]) + ", ")
    for part in parts[1:]:
        assert part in message, f"{part!r} not in {message!r}"


def test_a_toml_mistake_names_the_mapping_file_and_line(export):
    mapping = export / MAPPING_FILE
    lines = mapping.read_text(encoding="utf-8").split("\n")
    lines[8] = "case_ref = Case Reference"  # line 9: text without quotes
    mapping.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_mapping(export)
    assert str(info.value).startswith(f"{paths.relative_to_project(mapping)}, line 9: ")


def test_a_label_mapped_to_an_unknown_value_names_the_mapping_line(export):
    mapping = export / MAPPING_FILE
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(text.replace('"Upheld" = "upheld"', '"Upheld" = "yes"'), encoding="utf-8")
    line = text.split("\n").index('"Upheld" = "upheld"') + 1
    with pytest.raises(InputError) as info:
        load_mapping(export)
    message = str(info.value)
    assert message.startswith(f"{paths.relative_to_project(mapping)}, line {line}: ")
    assert "[labels.decision]" in message and "upheld, not_upheld" in message


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("kind", BAD)
def test_the_command_line_refuses_a_bad_export_and_leaves_other_years_alone(
    export, tmp_path, monkeypatch, capsys, kind
):
    clean_root = tmp_path / "clean"
    other = clean_root / "2022-23"
    other.mkdir(parents=True)
    (other / "social_care_quarterly.csv").write_text("year,value\n2022-23,9\n", encoding="utf-8")
    before = hashes(clean_root)
    edits, parts = BAD[kind]
    for name, row, heading, value in edits:
        edit(export, name, row, heading, value)
    monkeypatch.setattr(
        complaints.inputs.clean,
        "build_clean",
        functools.partial(build_clean, raw_root=export.parent, clean_root=clean_root),
    )
    assert main(["clean", "--year", "2023-24"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: " + paths.relative_to_project(export / parts[0]) + ", ")
    assert err.count("\n") == 1 and all(part in err for part in parts[1:])
    assert hashes(clean_root) == before
    assert not (clean_root / "2023-24").exists()


def test_the_mapping_file_selects_the_case_route(export):
    (export / "notes.txt").write_text("not an input", encoding="utf-8")
    (export / "Cases 2023-24.xlsx").write_bytes(b"an export workbook the mapping does not name")
    assert find_raw_input(YEAR, export.parent) == export / MAPPING_FILE


# --- a new year -------------------------------------------------------------------------------


def test_scaffold_writes_a_mapping_a_readme_and_templates_and_never_overwrites(tmp_path):
    raw_root = tmp_path / "raw"
    mapping = scaffold_cases(YEAR, raw_root=raw_root)
    folder = raw_root / "2023-24"
    assert mapping == folder / MAPPING_FILE
    names = {"README.md", MAPPING_FILE, "cases.csv", "stages.csv", "ombudsman.csv"}
    assert {p.name for p in folder.iterdir()} == names | {"compliments.csv", "equality.csv"}
    spec = tomllib.loads(mapping.read_text(encoding="utf-8"))
    for part, columns in MODEL.items():
        if part != "themes":  # themes are a column of the cases
            assert spec["columns"][part] == {c: c for c in spec["columns"][part]}
            assert set(spec["columns"][part]) >= set(columns)
    header = (folder / "cases.csv").read_text(encoding="utf-8").strip().split(",")
    assert header == [*MODEL["cases"], "themes"]
    data, rules = read_cases(folder, YEAR)  # the empty templates read as no cases
    assert data.cases.empty and data.stages.empty and rules["stage1_deadline_working_days"] == 20
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "31 March 2024" in readme and MAPPING_FILE in readme
    before = hashes(folder)
    with pytest.raises(InputError, match="already exist"):
        scaffold_cases(YEAR, raw_root=raw_root)
    assert hashes(folder) == before


def test_new_year_cases_on_the_command_line(tmp_path, monkeypatch, capsys):
    raw_root = tmp_path / "raw"
    monkeypatch.setattr(
        complaints.inputs.cases,
        "scaffold_cases",
        functools.partial(scaffold_cases, raw_root=raw_root),
    )
    assert main(["new-year", "2023-24", "--cases"]) == 0
    assert MAPPING_FILE in capsys.readouterr().out
    assert (raw_root / "2023-24" / MAPPING_FILE).is_file()
    assert main(["new-year", "2023-24", "--cases"]) == 2
    assert "already exist" in capsys.readouterr().err
