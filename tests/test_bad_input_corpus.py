"""A corpus of bad inputs, built from the real ones, run through the command line.

Every case starts from the real 2022-23 report text, or from a 2023-24 workbook scaffolded from
the real 2022-23 clean tables and filled in by code, and breaks it the way hand-edited files get
broken: cut short, saved in the wrong encoding, a table lost, a row too short or repeated, a word
where a figure belongs, a sheet deleted or a header renamed. For each case the command
``complaints run --year ... -p raw_root=... -p clean_root=... --reports-root ...`` must

* exit non-zero with one clear line naming the file, the table and the line or cell, and saying
  what to do;
* leave every file of every year already published (reports and clean tables) byte-identical.

The published outputs are real: a good 2022-23 report and a synthetic 2023-24 report, built once
for the module into a temporary reports root and store. Data-quality errors (a percentage over
100, more upheld than received, a negative count in a workbook) pass the extraction and are
stopped by the validation notebook through Great Expectations. Every test that needs the
published reports is in the slow tier (building them runs the notebooks). The last test kills a
run mid-way and checks that nothing published moved and that the next run succeeds.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from support import fill_workbook

from complaints import cli, paths
from complaints.inputs.clean import extract_year
from complaints.inputs.rawtext import read_raw_text
from complaints.inputs.report_text import extract_tables
from complaints.inputs.workbook import scaffold, workbook_name
from complaints.run.runner import run_years
from complaints.years import ReportingYear

Y2223 = ReportingYear.parse("2022-23")
Y2324 = ReportingYear.parse("2023-24")
RAW_NAME = "dorset-childrens-complaints-2022-23.txt"
REAL_RAW = paths.RAW_DIR / "2022-23" / RAW_NAME
PUBLISHED_YEARS = ("2022-23", "2023-24")


def quiet(message: str) -> None:
    pass


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (dot-folders included) with its sha256."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@dataclass(frozen=True)
class Published:
    """A reports root and a store holding good 2022-23 and 2023-24 outputs."""

    raw: Path  # the inputs they were built from (never modified by a case)
    clean: Path
    reports: Path
    pristine_clean: Path  # a copy of the store, to put back after a run that rewrote it

    def snapshot(self) -> dict[str, dict[str, str]]:
        return {"reports": tree(self.reports), "clean": tree(self.clean)}

    def published(self) -> dict[str, str]:
        """The published years' report files only (a failed run may add ``<year>.failed/``)."""
        files = tree(self.reports)
        return {k: v for k, v in files.items() if k.split("/")[0] in PUBLISHED_YEARS}

    def restore_clean(self) -> None:
        shutil.rmtree(self.clean)
        shutil.copytree(self.pristine_clean, self.clean)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Published:
    root = tmp_path_factory.mktemp("published")
    raw, clean, reports = root / "raw", root / "clean", root / "reports"
    (raw / "2022-23").mkdir(parents=True)
    shutil.copy2(REAL_RAW, raw / "2022-23" / RAW_NAME)
    workbook = scaffold(Y2324, extract_year(Y2223, raw), raw_root=raw)
    fill_workbook(workbook, seed=2324)
    params = {"raw_root": str(raw), "clean_root": str(clean)}
    summary = run_years([Y2223, Y2324], parameters=params, reports_root=reports, progress=quiet)
    assert summary.ok, summary.failures
    assert sorted(p.name for p in reports.iterdir()) == list(PUBLISHED_YEARS)
    shutil.copytree(clean, root / "clean.pristine")
    return Published(raw, clean, reports, root / "clean.pristine")


@pytest.fixture
def raw_root(tmp_path, published) -> Path:
    """This case's own copy of the inputs (the 2022-23 text and the 2023-24 workbook)."""
    target = tmp_path / "raw"
    shutil.copytree(published.raw, target)
    return target


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """``complaints <args>`` in this process; returns (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        code = cli.main(args)
    except SystemExit as exc:  # argparse refuses a malformed --year itself
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_args(year: str, raw_root: Path, published: Published) -> list[str]:
    return [
        "run",
        "--year",
        year,
        "-p",
        f"raw_root={raw_root}",
        "-p",
        f"clean_root={published.clean}",
        "--reports-root",
        str(published.reports),
    ]


# --- breaking the inputs ----------------------------------------------------------------------


def text_of(raw_root: Path) -> Path:
    return raw_root / "2022-23" / RAW_NAME


def workbook_of(raw_root: Path) -> Path:
    return raw_root / "2023-24" / workbook_name(Y2324)


def lines_of(raw_root: Path) -> list[str]:
    return text_of(raw_root).read_text(encoding="utf-8").split("\n")


def write_lines(raw_root: Path, lines: list[str]) -> None:
    text_of(raw_root).write_text("\n".join(lines), encoding="utf-8")


def edit(line: int, old: str, new: str) -> Callable[[Path], None]:
    """Replace ``old`` (found exactly once on ``line``) by ``new``."""

    def apply(raw_root: Path) -> None:
        lines = lines_of(raw_root)
        assert lines[line - 1].count(old) == 1, f"{old!r} is not once on line {line}"
        lines[line - 1] = lines[line - 1].replace(old, new)
        write_lines(raw_root, lines)

    return apply


def cut_before(line: int) -> Callable[[Path], None]:
    """The file cut short: it ends with line ``line - 1``."""

    def apply(raw_root: Path) -> None:
        write_lines(raw_root, lines_of(raw_root)[: line - 1])

    return apply


def cut_within(line: int, keep: str) -> Callable[[Path], None]:
    """The file cut part-way through ``line``, just after the text ``keep``."""

    def apply(raw_root: Path) -> None:
        lines = lines_of(raw_root)
        at = lines[line - 1].index(keep) + len(keep)
        write_lines(raw_root, [*lines[: line - 1], lines[line - 1][:at]])

    return apply


def delete(first: int, last: int, starts: str) -> Callable[[Path], None]:
    """Lines ``first`` to ``last`` removed (``first`` must start with ``starts``)."""

    def apply(raw_root: Path) -> None:
        lines = lines_of(raw_root)
        assert lines[first - 1].startswith(starts), lines[first - 1]
        del lines[first - 1 : last]
        write_lines(raw_root, lines)

    return apply


def repeat(line: int, starts: str) -> Callable[[Path], None]:
    """Line ``line`` pasted twice (the repeat becomes line ``line + 1``)."""

    def apply(raw_root: Path) -> None:
        lines = lines_of(raw_root)
        assert lines[line - 1].lstrip("\t").startswith(starts), lines[line - 1]
        lines.insert(line, lines[line - 1])
        write_lines(raw_root, lines)

    return apply


def untab(line: int) -> Callable[[Path], None]:
    """The tabs of line ``line`` turned into spaces (as some copy-pastes do)."""

    def apply(raw_root: Path) -> None:
        lines = lines_of(raw_root)
        lines[line - 1] = lines[line - 1].replace("\t", " ")
        write_lines(raw_root, lines)

    return apply


def rewrite_bytes(change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(raw_root: Path) -> None:
        path = text_of(raw_root)
        path.write_bytes(change(path.read_bytes()))

    return apply


def zero_tail(data: bytes) -> bytes:
    """A copy that stopped half-way and was padded with zeros (as a failed disk copy leaves)."""
    half = len(data) // 2
    return data[:half] + b"\x00" * (len(data) - half)


def text_renamed_as_workbook(raw_root: Path) -> None:
    """The report's text saved under an .xlsx name (and the .txt removed)."""
    path = text_of(raw_root)
    path.rename(path.with_suffix(".xlsx"))


def workbook_next_to_text(raw_root: Path) -> None:
    shutil.copy2(workbook_of(raw_root), raw_root / "2022-23" / workbook_name(Y2324))


def text_in_the_wrong_year(raw_root: Path) -> None:
    """The 2022-23 text put in the 2023-24 folder instead of the workbook."""
    workbook_of(raw_root).unlink()
    shutil.copy2(text_of(raw_root), raw_root / "2023-24" / RAW_NAME)


def in_workbook(change: Callable) -> Callable[[Path], None]:
    def apply(raw_root: Path) -> None:
        book = load_workbook(workbook_of(raw_root))
        change(book)
        book.save(workbook_of(raw_root))

    return apply


def delete_sheet(name: str) -> Callable:
    def change(book) -> None:
        del book[name]

    return change


def set_cell(sheet: str, cell: str, value: object, expect: object = ...) -> Callable:
    def change(book) -> None:
        if expect is not ...:
            assert book[sheet][cell].value == expect, book[sheet][cell].value
        book[sheet][cell].value = value

    return change


def set_by_label(sheet: str, measure: str, column: str, value: object) -> Callable:
    """Set the figure of the row whose first cell is ``measure`` in the named column."""

    def change(book) -> None:
        ws = book[sheet]
        header = [c.value for c in ws[1]]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == measure)
        ws.cell(row, header.index(column) + 1).value = value

    return change


def repeat_sheet_row(sheet: str, row: int) -> Callable:
    def change(book) -> None:
        ws = book[sheet]
        values = [c.value for c in ws[row]]
        ws.append(values)

    return change


# --- the corpus -------------------------------------------------------------------------------

TXT = "{raw}/2022-23/" + RAW_NAME
XLSX = "{raw}/2023-24/" + workbook_name(Y2324)


@dataclass(frozen=True)
class Case:
    id: str
    breaks: Callable[[Path], None] | None
    expected: tuple[str, ...]  # fragments of the error line; {raw} is this case's raw root
    year: str = "2022-23"
    args: tuple[str, ...] = ()  # added to the usual run arguments
    code: int = 2


CASES = [
    # Files cut short, part-way through.
    Case(
        "truncated-before-learning-table",
        cut_before(244),
        (
            f"{TXT}, table learning_from_complaints: could not find the 'Case ID' table header",
            "to the end of the file, line 243",
            "or was it cut short?",
        ),
    ),
    Case(
        "truncated-before-equality-table",
        cut_before(296),
        (
            f"{TXT}, table equality_monitoring: could not find the equality monitoring heading",
            "to the end of the file, line 295",
            "or was it cut short?",
        ),
    ),
    Case(
        "truncated-within-a-quarterly-row",
        cut_within(20, "\t0/1\t0/"),
        (
            f"{TXT}, table quarterly performance, line 20: the file ends (line 20) in the "
            "quarterly table, before its caption",
            "the file was cut short: copy the whole report text again",
        ),
    ),
    Case(
        "truncated-within-the-learning-table",
        cut_within(262, "<p>Complaint upheld regarding lack"),
        (
            f"{TXT}, table learning_from_complaints, line 262: row has 2 cells, expected 3",
            "each row needs one cell per column of the header, separated by tabs",
        ),
    ),
    Case(
        "quarterly-row-without-tabs",
        untab(18),
        (
            f"{TXT}, table quarterly performance, line 18: the quarterly table has no rows after "
            "its header",
            "each row needs one cell per column of the header, separated by tabs",
        ),
    ),
    # Encodings and files that are not the report's text.
    Case(
        "windows-1252",
        rewrite_bytes(lambda data: data.decode("utf-8").encode("cp1252")),
        (f"{TXT}, line 86: byte 0xa3 is not valid UTF-8", "save the file as UTF-8"),
    ),
    Case(
        "utf-16",
        rewrite_bytes(lambda data: data.decode("utf-8").encode("utf-16")),
        (f"{TXT}, line 1: the file is UTF-16 text", "save it again as UTF-8"),
    ),
    Case(
        "empty-file",
        rewrite_bytes(lambda data: b""),
        (f"{TXT}: raw file is empty", "check the file was copied whole"),
    ),
    Case(
        "binary-gzip",
        rewrite_bytes(lambda data: gzip.compress(data, mtime=0)),
        (f"{TXT}: the file is a gzip archive, not text", "as a UTF-8 .txt file"),
    ),
    Case(
        "binary-zero-padded-copy",
        rewrite_bytes(zero_tail),
        (f"{TXT}, line 251: file contains NUL bytes: it is binary, not text", "copied whole"),
    ),
    Case(
        "text-saved-as-xlsx",
        text_renamed_as_workbook,
        (
            "{raw}/2022-23/dorset-childrens-complaints-2022-23.xlsx: cannot be opened as an "
            ".xlsx workbook",
            "save it from Excel as .xlsx",
        ),
    ),
    Case(
        "two-inputs-in-one-year",
        workbook_next_to_text,
        (
            "{raw}/2022-23: expected exactly one input",
            f"(a report text *.txt or a workbook *.xlsx), found {workbook_name(Y2324)}, {RAW_NAME}",
        ),
    ),
    Case(
        "report-in-the-wrong-year-folder",
        text_in_the_wrong_year,
        (
            "{raw}/2023-24/" + RAW_NAME + ": the file is the report for 2022-23, but it is "
            "being processed as 2023-24",
            "put it under data/raw/2022-23/",
        ),
        year="2023-24",
    ),
    # Tables lost, or with rows of the wrong width.
    Case(
        "missing-table-themes",
        delete(124, 131, "Themes\t"),
        (
            f"{TXT}, table complaint_themes: could not find the 'Themes' table header",
            "is the file complete",
        ),
    ),
    Case(
        "missing-table-complainant-groups",
        delete(112, 118, "Foster Carer\t"),
        (
            f"{TXT}, table complainant_groups, line 108: table not found between its heading "
            "(line 108) and the next section",
            "follow the heading 'Which customer groups made the complaints'",
        ),
    ),
    Case(
        "quarterly-row-missing-a-cell",
        edit(18, "\t9\t8\t", "\t9\t"),
        (
            f"{TXT}, table social_care_quarterly, line 18: row has 6 cells, expected 7",
            "one cell per column",
        ),
    ),
    Case(
        "learning-row-missing-a-tab",
        edit(245, "alienation\tManager", "alienation Manager"),
        (
            f"{TXT}, table learning_from_complaints, line 245: row has 2 cells, expected 3",
            "one cell per column",
        ),
    ),
    # Figures that are not figures.
    Case(
        "text-where-a-number-belongs",
        edit(77, "\t34\t", "\tthirty-four\t"),
        (
            f"{TXT}, table statutory_social_care, line 77: column '2022-23' of row 'Stage 1': "
            "'thirty-four' is not a whole number",
            "correct the figure in the input file",
        ),
    ),
    Case(
        "negative-count-in-text",
        edit(24, "\t12\t", "\t-12\t"),
        (
            f"{TXT}, table social_care_quarterly, line 24: column 'Q1' of row 'Compliments': "
            "'-12' is negative: a count cannot be below 0",
            "correct the figure",
        ),
    ),
    Case(
        "malformed-year-in-a-table-header",
        edit(75, "\t2021-22\t", "\t2021-23\t"),
        (
            f"{TXT}, table statutory_social_care, line 75: reporting year '2021-23' is malformed",
            "the second part must be the year after the first, e.g. 2021-22 (correct the year "
            "in the table's header row)",
        ),
    ),
    # Rows repeated.
    Case(
        "duplicate-quarterly-row",
        repeat(24, "Compliments"),
        (
            f"{TXT}, table social_care_quarterly, line 25: duplicate row: the figure for year "
            "2022-23, measure compliments, period Q1 is given on line 24 and again on line 25",
            "remove the repeated row",
        ),
    ),
    Case(
        "duplicate-equality-row",
        repeat(306, "Female"),
        (
            f"{TXT}, table equality_monitoring, line 307: duplicate row: the figure for year "
            "2022-23, characteristic Gender, group Female is given on line 306 and again on "
            "line 307",
            "remove the repeated row",
        ),
    ),
    # Years.
    Case(
        "unknown-year",
        None,
        ("no data held for 2031-32", "years held: ", "complaints new-year 2031-32"),
        year="2031-32",
    ),
    Case(
        "malformed-year-2022",
        None,
        ("argument --year: reporting year '2022' is malformed", "expected the form YYYY-YY"),
        year="2022",
    ),
    Case(
        "malformed-year-22-23",
        None,
        ("argument --year: reporting year '22-23' is malformed", "e.g. 2022-23"),
        year="22-23",
    ),
    Case(
        "malformed-year-2022-24",
        None,
        ("reporting year '2022-24' is malformed", "e.g. 2022-23"),
        year="2022-24",
    ),
    Case(
        "unknown-parameter",
        None,
        ("unknown parameter(s): colour", "the notebooks accept: year, raw_root, clean_root"),
        args=("-p", "colour=red"),
    ),
    # A new year's workbook.
    Case(
        "workbook-missing-sheet",
        in_workbook(delete_sheet("equality_monitoring")),
        (
            f"{XLSX}, table equality_monitoring: sheet 'equality_monitoring' is missing",
            "the workbook needs one sheet per table",
        ),
        year="2023-24",
    ),
    Case(
        "workbook-renamed-column",
        in_workbook(set_cell("complaint_themes", "B1", "Value (%)", expect="value")),
        (
            f"{XLSX}, table complaint_themes: sheet 'complaint_themes', cell B1: header should "
            "be 'value', found 'Value (%)'",
            "do not rename or move the header cells",
        ),
        year="2023-24",
    ),
    Case(
        "workbook-text-in-a-figure",
        in_workbook(set_cell("complaint_themes", "B3", "about a third")),
        (
            f"{XLSX}, table complaint_themes: cell complaint_themes!B3 (value) holds "
            "'about a third', which is not a number",
            "type the figure as a number",
        ),
        year="2023-24",
    ),
    Case(
        "workbook-figure-left-empty",
        in_workbook(set_cell("statutory_social_care", "D3", None)),
        (
            f"{XLSX}, table statutory_social_care: cell statutory_social_care!D3 (value) is empty",
            "enter the figure (0 if none)",
        ),
        year="2023-24",
    ),
    Case(
        "workbook-duplicate-row",
        in_workbook(repeat_sheet_row("complaint_themes", 3)),
        (
            f"{XLSX}, table complaint_themes: sheet 'complaint_themes', row 9 repeats row 3 "
            "(theme 'Data')",
            "delete the repeated row",
        ),
        year="2023-24",
    ),
]


def expected_fragments(case: Case, raw_root: Path) -> list[str]:
    raw = raw_root.resolve().as_posix()
    return [fragment.replace("{raw}", raw) for fragment in case.expected]


@pytest.mark.slow  # the module's published reports run the notebooks once
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_in_one_line_and_nothing_changes(case, raw_root, published, capsys):
    if case.breaks is not None:
        case.breaks(raw_root)
    before = published.snapshot()
    args = run_args(case.year, raw_root, published) + list(case.args)
    code, out, err = run_cli(args, capsys)

    assert code == case.code, err
    assert out == "", "nothing runs"
    lines = err.strip().splitlines()
    if lines[-1].startswith("complaints run: error: "):  # argparse: its usage line, then ours
        assert lines[0].startswith("usage: complaints run "), err
    else:
        assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in expected_fragments(case, raw_root):
        assert fragment in lines[-1], f"{fragment!r} not in {lines[-1]!r}"
    assert published.snapshot() == before, "a refused run must write nothing anywhere"


@pytest.mark.slow
def test_the_installed_command_exits_non_zero_with_the_same_line(raw_root, published):
    """The real process, not a call: the console script's exit status and stderr. The input is
    refused before anything runs, so the project's reports/ is not touched."""
    edit(18, "\t9\t", "\tnine\t")(raw_root)
    before = published.snapshot()
    command = Path(sys.executable).with_name("complaints")
    result = subprocess.run(
        [str(command), *run_args("2022-23", raw_root, published)],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        f"error: {text_of(raw_root).resolve().as_posix()}, table social_care_quarterly, line 18: "
        "column 'Q1' of row 'Number of FORMAL complaints': 'nine' is not a whole number"
    )
    assert published.snapshot() == before


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 20
    assert len({c.id for c in CASES}) == len(CASES)


# --- harmless variants: the same tables ---------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d.replace(b"\n", b"\r\n"), id="windows-line-endings"),
        pytest.param(lambda d: b"\xef\xbb\xbf" + d, id="utf-8-with-bom"),
    ],
)
def test_harmless_variants_give_the_same_tables(change, tmp_path, tables, year):
    path = tmp_path / RAW_NAME
    path.write_bytes(change(REAL_RAW.read_bytes()))
    label = paths.relative_to_project(REAL_RAW)
    again = extract_tables(read_raw_text(path, label=label), year)
    assert list(again) == list(tables)
    for table_id, frame in tables.items():
        assert again[table_id].equals(frame), table_id


HOSTILE = (
    "<script>window.__pwned=1</script> "
    '<img src=x onerror="window.__pwned=2"> '
    "[link](javascript:alert(1)) </td></tr></table><h1>broken</h1>"
)


def test_hostile_text_is_data_kept_verbatim(tmp_path, year):
    """Markup in the source's free text is not an error: it is kept, as text, for the outputs to
    escape (the browser test checks they do)."""
    lines = REAL_RAW.read_text(encoding="utf-8").split("\n")
    cells = lines[244].split("\t")
    cells[1] += " " + HOSTILE
    lines[244] = "\t".join(cells)
    lines[193] += " " + HOSTILE
    path = tmp_path / RAW_NAME
    path.write_text("\n".join(lines), encoding="utf-8")
    tables = extract_tables(read_raw_text(path, label="raw.txt"), year)
    learning = tables["learning_from_complaints"]
    learned = learning.loc[learning["source_line"] == 245, "learned"].item()
    assert learned.endswith(" " + HOSTILE)
    cases = tables["children_in_care_cases"]
    assert cases.loc[cases["source_line"] == 194, "summary"].item().endswith(" " + HOSTILE)


# --- data-quality errors: stopped by the validation notebook -----------------------------------

GX_CASES = [
    Case(
        "percentage-over-100",
        edit(21, "\t18%\t", "\t118%\t"),
        (
            "2022-23: notebook 02_validate.ipynb failed in cell [",
            "ValidationFailed: 2022-23: table social_care_quarterly, expectation 'a percentage "
            "lies between 0 and 100'",
            "offending values 118 (source lines 21)",
        ),
        code=1,
    ),
    Case(
        "more-upheld-than-received",
        edit(20, "\t0/1\t", "\t3/1\t"),
        (
            "ValidationFailed: 2022-23: table social_care_quarterly, expectation 'no more "
            "Ombudsman complaints are upheld than were received'",
            "offending values 3 vs 1",
            "source lines social_care_quarterly 20",
        ),
        code=1,
    ),
    Case(
        "workbook-negative-count",
        in_workbook(set_by_label("social_care_quarterly", "compliments", "Q1", -4)),
        (
            "2023-24: notebook 02_validate.ipynb failed in cell [",
            "ValidationFailed: 2023-24: table social_care_quarterly, expectation 'a count is "
            "not negative'",
            "offending values -4",
        ),
        year="2023-24",
        code=1,
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", GX_CASES, ids=[c.id for c in GX_CASES])
def test_data_quality_errors_stop_the_run_at_validation(case, raw_root, published, capsys):
    case.breaks(raw_root)
    before = published.snapshot()
    try:
        code, _, err = run_cli(run_args(case.year, raw_root, published), capsys)
        first = err.strip().splitlines()[0]
        assert code == case.code, err
        assert first.startswith("error: "), err
        for fragment in case.expected:
            assert fragment in first, f"{fragment!r} not in {first!r}"
        final = (published.reports / case.year).resolve().as_posix()
        assert f"the previous outputs in {final}/ were not touched" in err
        # Every published report file of every year is as it was.
        assert published.published() == {
            k: v for k, v in before["reports"].items() if k.split("/")[0] in PUBLISHED_YEARS
        }
        failed = published.reports / f"{case.year}.failed"
        assert (failed / "html" / "02_validate.html").is_file()
        assert not (published.reports / ".staging").exists()
        # The other year's clean tables are untouched. (This year's are not: 01_clean rewrote
        # them before validation failed; see the note on clean tables in the module's report.)
        other = next(y for y in PUBLISHED_YEARS if y != case.year)
        assert {k: v for k, v in tree(published.clean).items() if k.startswith(other)} == {
            k: v for k, v in before["clean"].items() if k.startswith(other)
        }
    finally:
        shutil.rmtree(published.reports / f"{case.year}.failed", ignore_errors=True)
        published.restore_clean()


# --- a run killed mid-way -----------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, JPY_PARENT_PID or '') for the processes this user can read."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            environ = (entry / "environ").read_bytes().split(b"\x00")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        jpy = next((e[15:].decode() for e in environ if e.startswith(b"JPY_PARENT_PID=")), "")
        found[int(entry.name)] = (ppid, jpy)
    return found


def _started_by(pid: int) -> set[int]:
    """The processes ``pid`` started: its descendants, and the kernels it launched (they say so
    in JPY_PARENT_PID, even once orphaned)."""
    table = _processes()
    children: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, (ppid, _) in table.items() if ppid in frontier} - children
        children |= frontier
    return children | {p for p, (_, jpy) in table.items() if jpy == str(pid)}


@pytest.mark.slow
def test_a_run_killed_mid_way_changes_nothing_and_the_next_run_succeeds(published, capsys):
    before = published.snapshot()
    staging = published.reports / ".staging" / "2022-23"
    marker = staging / "notebooks" / "01_clean.ipynb"
    # --force: every notebook is executed (an unchanged one would be copied from the report).
    command = [
        str(Path(sys.executable).with_name("complaints")),
        *run_args("2022-23", published.raw, published),
        "--force",
    ]
    proc = subprocess.Popen(
        command,
        cwd=paths.PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 300  # a safety net, not a timing assertion
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the run never started its first notebook"
        started = _started_by(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for pid in started | _started_by(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert marker.is_file(), "the run was interrupted while staging its outputs"
    after = published.snapshot()
    # What the killed run leaves is its machinery only: the staging folder and the run lock.
    machinery = (".staging/", ".lock")
    assert {k: v for k, v in after["reports"].items() if not k.startswith(machinery)} == before[
        "reports"
    ]
    assert after["clean"] == before["clean"]

    # The next run clears the stale staging folder, succeeds and publishes the same outputs.
    code, _, err = run_cli(run_args("2022-23", published.raw, published), capsys)
    assert code == 0, err
    assert not (published.reports / ".staging").exists()
    again = published.snapshot()
    assert again["clean"] == before["clean"]
    assert set(again["reports"]) == set(before["reports"])
    changed = {k for k in before["reports"] if again["reports"][k] != before["reports"][k]}
    assert changed == {"2022-23/manifest.json"}, f"only the run's record may differ: {changed}"
