"""Bad input fails with a clear error naming the file, table and line, and writes nothing."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest

import complaints.inputs.clean
from complaints import paths
from complaints.cli import main
from complaints.errors import InputError
from complaints.inputs.clean import build_clean
from complaints.years import ReportingYear

RAW_NAME = "dorset-childrens-complaints-2022-23.txt"
RAW_LABEL_END = f"2022-23/{RAW_NAME}"


def _raw_path(raw_root: Path, year="2022-23") -> Path:
    return raw_root / str(year) / RAW_NAME


def _edit_line(raw_root: Path, line: int, old: str, new: str) -> None:
    path = _raw_path(raw_root)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].count(old) == 1, f"{old!r} is not once on line {line}"
    lines[line - 1] = lines[line - 1].replace(old, new)
    path.write_text("\n".join(lines), encoding="utf-8")


def _fails(year, raw_root: Path, clean_root: Path) -> InputError:
    """Build must fail with an InputError and leave nothing under the clean root."""
    with pytest.raises(InputError) as info:
        build_clean(year, raw_root=raw_root, clean_root=clean_root)
    assert not clean_root.exists() or not any(clean_root.iterdir()), "nothing may be written"
    return info.value


def test_a_malformed_amount_in_a_sentence_names_its_line(raw_copy, tmp_path, year):
    _edit_line(raw_copy, 86, "£43,230", "£43,23")
    error = _fails(year, raw_copy, tmp_path / "clean")
    assert "table key_facts, line 86: '£43,23' is not an amount of money" in str(error)


# --- missing or unreadable files ----------------------------------------------------------------


def test_missing_raw_folder(tmp_path, year):
    raw_root = tmp_path / "raw"
    raw_root.mkdir()
    error = _fails(year, raw_root, tmp_path / "clean")
    message = str(error)
    assert "no raw data for 2022-23" in message
    assert "raw/2022-23" in message and "does not exist" in message


def test_missing_raw_file(tmp_path, year):
    raw_root = tmp_path / "raw"
    (raw_root / "2022-23").mkdir(parents=True)
    error = _fails(year, raw_root, tmp_path / "clean")
    assert str(error).startswith((raw_root / "2022-23").resolve().as_posix() + ": ")
    assert "expected exactly one" in str(error)


def test_two_candidate_raw_files(raw_copy, tmp_path, year):
    shutil.copy2(_raw_path(raw_copy), raw_copy / "2022-23" / "second.txt")
    error = _fails(year, raw_copy, tmp_path / "clean")
    assert str(error).startswith((raw_copy / "2022-23").resolve().as_posix() + ": ")
    assert "expected exactly one" in str(error)


def test_empty_file(raw_copy, tmp_path, year):
    _raw_path(raw_copy).write_bytes(b"")
    error = _fails(year, raw_copy, tmp_path / "clean")
    assert str(error).startswith(str(_raw_path(raw_copy).resolve().as_posix()))
    assert "empty" in str(error)


def test_windows_1252_file(raw_copy, tmp_path, year, raw_lines):
    path = _raw_path(raw_copy)
    data = path.read_bytes()
    pound_line = next(i for i, text in enumerate(raw_lines, start=1) if "£" in text)
    assert pound_line == 86
    path.write_bytes(data.replace("£".encode(), b"\xa3"))  # '£' as Windows-1252 saves it
    error = _fails(year, raw_copy, tmp_path / "clean")
    message = str(error)
    assert RAW_LABEL_END in message
    assert "line 86" in message and error.line == 86
    assert "UTF-8" in message and "0xa3" in message


# --- malformed tables ---------------------------------------------------------------------------


def test_quarterly_row_with_a_missing_cell(raw_copy, tmp_path, year):
    _edit_line(raw_copy, 18, "\t9\t8\t", "\t9\t")
    message = str(_fails(year, raw_copy, tmp_path / "clean"))
    assert RAW_LABEL_END in message
    assert "social_care_quarterly" in message and "line 18" in message
    assert "6 cells, expected 7" in message


def test_count_that_is_not_a_number(raw_copy, tmp_path, year):
    _edit_line(raw_copy, 18, "\t9\t", "\tnine\t")
    message = str(_fails(year, raw_copy, tmp_path / "clean"))
    assert RAW_LABEL_END in message
    assert "social_care_quarterly" in message and "line 18" in message
    assert "'nine'" in message and "Q1" in message


def test_percentage_without_percent_sign(raw_copy, tmp_path, year):
    _edit_line(raw_copy, 52, "\t18%\t", "\t18\t")
    message = str(_fails(year, raw_copy, tmp_path / "clean"))
    assert "non_social_care_quarterly" in message and "line 52" in message
    assert "'18'" in message and "percentage" in message


def test_equality_percentage_after_the_page_break(raw_copy, tmp_path, year):
    _edit_line(raw_copy, 352, "\t70%\t", "\tseventy\t")
    message = str(_fails(year, raw_copy, tmp_path / "clean"))
    assert "equality_monitoring" in message and "line 352" in message
    assert "'seventy'" in message


def test_statutory_phrase_not_n_with_m_upheld(raw_copy, tmp_path, year):
    _edit_line(raw_copy, 80, "5 with 1 upheld", "5 (1 upheld)")
    message = str(_fails(year, raw_copy, tmp_path / "clean"))
    assert "statutory_social_care" in message and "line 80" in message
    assert "'5 (1 upheld)'" in message


def test_bad_ratio(raw_copy, tmp_path, year):
    _edit_line(raw_copy, 51, "\t5/7\t", "\t5 of 7\t")
    message = str(_fails(year, raw_copy, tmp_path / "clean"))
    assert "non_social_care_quarterly" in message and "line 51" in message
    assert "'5 of 7'" in message


def test_unknown_quarterly_row(raw_copy, tmp_path, year):
    _edit_line(raw_copy, 24, "Compliments", "Compliments received")
    message = str(_fails(year, raw_copy, tmp_path / "clean"))
    assert "social_care_quarterly" in message and "line 24" in message
    assert "Compliments received" in message


def test_report_in_the_wrong_years_folder(raw_copy, tmp_path):
    wrong = ReportingYear.parse("2023-24")
    (raw_copy / "2023-24").mkdir()
    shutil.move(_raw_path(raw_copy), _raw_path(raw_copy, wrong))
    message = str(_fails(wrong, raw_copy, tmp_path / "clean"))
    assert "2023-24" in message
    assert "the file is the report for 2022-23" in message


def test_prose_sentence_removed(raw_copy, tmp_path, year, raw_lines):
    path = _raw_path(raw_copy)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[136] == "Fully Justified" and lines[138].startswith("7% up from 6%")
    del lines[136:139]  # the 'Fully Justified / 7% up from 6% last year' lines 137-139
    path.write_text("\n".join(lines), encoding="utf-8")
    message = str(_fails(year, raw_copy, tmp_path / "clean"))
    assert RAW_LABEL_END in message
    assert "complaint_outcomes" in message and "2 of the 3" in message


def test_table_missing(raw_copy, tmp_path, year):
    _edit_line(raw_copy, 124, "Themes\t", "Subjects\t")
    message = str(_fails(year, raw_copy, tmp_path / "clean"))
    assert "complaint_themes" in message and "Themes" in message


def test_failure_keeps_the_previous_clean_data(raw_copy, tmp_path, year):
    clean_root = tmp_path / "clean"
    build_clean(year, raw_root=raw_copy, clean_root=clean_root)
    before = {p.name: p.read_bytes() for p in (clean_root / "2022-23").iterdir()}
    _edit_line(raw_copy, 18, "\t9\t", "\tnine\t")
    with pytest.raises(InputError):
        build_clean(year, raw_root=raw_copy, clean_root=clean_root)
    after = {p.name: p.read_bytes() for p in (clean_root / "2022-23").iterdir()}
    assert after == before


# --- the command line ---------------------------------------------------------------------------


def test_cli_malformed_year(capsys):
    with pytest.raises(SystemExit) as info:
        main(["clean", "--year", "2022"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "'2022'" in err and "YYYY-YY" in err


def test_cli_year_without_data(capsys):
    target = paths.clean_dir(ReportingYear.parse("1999-00"))
    assert not target.exists()
    assert main(["clean", "--year", "1999-00"]) != 0
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ")
    assert "no raw data for 1999-00" in captured.err
    assert "years held" in captured.err
    assert captured.out == ""
    assert not target.exists()


def test_cli_reports_file_table_and_line(raw_copy, tmp_path, monkeypatch, capsys):
    _edit_line(raw_copy, 18, "\t9\t", "\tnine\t")
    clean_root = tmp_path / "clean"
    monkeypatch.setattr(
        complaints.inputs.clean,
        "build_clean",
        functools.partial(build_clean, raw_root=raw_copy, clean_root=clean_root),
    )
    assert main(["clean", "--year", "2022-23"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert RAW_LABEL_END in err and "social_care_quarterly" in err and "line 18" in err
    assert "'nine'" in err
    assert not clean_root.exists()
