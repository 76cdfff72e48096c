"""Traceability: every clean row can be found, as printed, on the raw line it names.

For figures: ``source_text`` is on the raw line at ``source_line`` and the row's value is what
that text says. For text tables: the text starts on ``source_line`` and ends on
``source_line_end``, and every line in between is either page furniture, blank or part of the
text. The raw input itself is pinned: byte-identical to the shared copy, with the recorded sha256.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from complaints import cards, paths
from complaints.inputs.rawtext import (
    clean_cell,
    is_furniture,
    parse_count,
    parse_money,
    parse_percent,
    parse_ratio,
    parse_upheld_phrase,
)

SHARED_COPY = Path("/work/shared/data/dorset-childrens-complaints-2022-23.txt")
RAW_README = paths.RAW_DIR / "README.md"

FIGURE_TABLES = [
    t for t in cards.for_route("report text") if "source_text" in cards.CARDS[t].column_names
]
# Tables printed as tab-separated tables (the others are read from prose).
TABULAR_TABLES = [
    "social_care_quarterly",
    "non_social_care_quarterly",
    "statutory_social_care",
    "statutory_whole_authority",
    "complainant_groups",
    "complaint_themes",
    "children_in_care_by_year",
    "stage1_timescales",
    "equality_monitoring",
]


def _expected_value(row: pd.Series) -> tuple[float, str]:
    """The value and unit the printed ``source_text`` stands for, read with the rawtext helpers."""
    text = row["source_text"]
    measure = str(row.get("measure", ""))
    if re.fullmatch(r"\s*\d+\s*/\s*\d+\s*", text):
        upheld, received = parse_ratio(text)
        assert measure.endswith(("_upheld", "_received")), measure
        return (upheld if measure.endswith("_upheld") else received), "count"
    if "upheld" in text:
        approaches, upheld = parse_upheld_phrase(text)
        assert measure in ("lgsco_approaches", "lgsco_upheld"), measure
        return (approaches if measure == "lgsco_approaches" else upheld), "count"
    if text.strip().startswith("£"):
        return parse_money(text), "GBP"
    if text.strip().endswith("%"):
        return parse_percent(text), "percent"
    return parse_count(text), "count"


def _on_line(text: str, raw: str) -> bool:
    """``text`` appears on ``raw`` as a whole figure (not as part of a longer number)."""
    return re.search(rf"(?<![\d.,]){re.escape(text)}(?![\d])", raw) is not None


@pytest.mark.parametrize("table_id", FIGURE_TABLES)
def test_every_figure_is_on_its_source_line(tables, raw_lines, table_id):
    frame = tables[table_id]
    assert len(frame) > 0
    problems = []
    for i, row in frame.iterrows():
        line = int(row["source_line"])
        raw = raw_lines[line - 1]
        if not _on_line(row["source_text"], raw):
            problems.append(f"row {i}: {row['source_text']!r} not on line {line}: {raw[:80]!r}")
            continue
        value, unit = _expected_value(row)
        if row["value"] != value or row["unit"] != unit:
            problems.append(
                f"row {i}: value {row['value']!r} {row['unit']} but line {line} prints "
                f"{row['source_text']!r} ({value!r} {unit})"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("table_id", TABULAR_TABLES)
def test_tabular_figures_are_whole_cells(tables, raw_lines, table_id):
    """In tab-separated tables the source text is a whole cell of its line (the quarterly
    tables' 'Total Complaints = N' caption excepted)."""
    frame = tables[table_id]
    assert len(frame) > 0
    for _, row in frame.iterrows():
        raw = raw_lines[int(row["source_line"]) - 1]
        if row.get("measure") == "total_complaints":
            assert re.search(rf"Total Complaints = {row['source_text']}\b", raw), raw
            continue
        cells = [clean_cell(c) for c in raw.split("\t")]
        assert row["source_text"] in cells[1:], (row["source_text"], raw)


def _visible(line: str) -> str:
    """A raw line as a reader sees it: tags removed, paragraphs and cells as spaces."""
    return re.sub(r"\s+", " ", clean_cell(line.replace("\t", "\n")).replace("\n", " ")).strip()


def _content_lines(raw_lines, first: int, last: int) -> list[int]:
    return [
        n
        for n in range(first, last + 1)
        if raw_lines[n - 1].strip() and not is_furniture(raw_lines[n - 1])
    ]


def test_learning_rows_trace_to_their_lines(tables, raw_lines):
    frame = tables["learning_from_complaints"]
    assert len(frame) > 0
    for _, row in frame.iterrows():
        first, last = int(row["source_line"]), int(row["source_line_end"])
        assert first <= last
        first_raw = _visible(raw_lines[first - 1])
        last_raw = _visible(raw_lines[last - 1])
        assert first_raw.startswith(row["case_id"] + " "), (row["case_id"], first)
        texts = [t for t in (row["learned"], row["action"]) if isinstance(t, str) and t]
        assert texts, row["case_id"]
        for text in texts:
            paragraphs = text.split("\n")
            # the start of the text is on source_line ...
            assert paragraphs[0][:40] in first_raw, (row["case_id"], paragraphs[0][:40])
            # ... and every paragraph ends on a line of the row
            for para in paragraphs:
                assert any(
                    para[-40:] in _visible(raw_lines[n - 1])
                    for n in _content_lines(raw_lines, first, last)
                ), (row["case_id"], para[-40:])
        # the row's text ends on source_line_end
        assert any(t.split("\n")[-1][-40:] in last_raw for t in texts), (row["case_id"], last)
        # between the first and the last line there is nothing but page furniture and blanks;
        # a continuation line starts with an empty case id cell
        inner = _content_lines(raw_lines, first, last)
        assert inner == ([first, last] if last != first else [first]), (row["case_id"], inner)
        if last != first:
            assert raw_lines[last - 1].startswith("\t")
            assert any(is_furniture(raw_lines[n - 1]) for n in range(first + 1, last))


def test_children_in_care_cases_trace_to_their_lines(tables, raw_lines):
    frame = tables["children_in_care_cases"]
    assert len(frame) > 0
    for _, row in frame.iterrows():
        first, last = int(row["source_line"]), int(row["source_line_end"])
        lines = _content_lines(raw_lines, first, last)
        assert lines and lines[0] == first and lines[-1] == last, (first, last, lines)
        ref = row["case_ref"]
        if isinstance(ref, str) and ref:
            assert raw_lines[first - 1].strip() == ref
            lines = lines[1:]
        summary = row["summary"]
        # the text starts on the first line after the reference (or on source_line)...
        assert summary.startswith(raw_lines[lines[0] - 1].strip()[:40]), (ref, first)
        # ... ends on source_line_end ...
        assert summary.endswith(raw_lines[last - 1].strip()[-40:]), (ref, last)
        # ... and every line in between is part of it, in order
        position = 0
        for n in lines:
            text = raw_lines[n - 1].strip()
            found = summary.find(text, position)
            assert found >= 0, (ref, n, text[:40])
            position = found + len(text)


def test_rows_name_the_raw_file(tables):
    for table_id, frame in tables.items():
        labels = set(frame["source_file"])
        assert labels == {"data/raw/2022-23/dorset-childrens-complaints-2022-23.txt"}, table_id
        assert (paths.PROJECT_ROOT / labels.pop()).is_file()


def test_source_lines_are_in_the_file(tables, raw_lines):
    for table_id, frame in tables.items():
        lines = frame["source_line"].astype(int)
        assert lines.between(1, len(raw_lines)).all(), table_id
        for n in lines:
            assert raw_lines[n - 1].strip(), f"{table_id}: source_line {n} is blank"
            assert not is_furniture(raw_lines[n - 1]), f"{table_id}: line {n} is furniture"


def test_raw_copy_is_byte_identical_to_the_shared_input(raw_file):
    if not SHARED_COPY.is_file():
        pytest.skip(f"shared input {SHARED_COPY} is not available on this machine")
    assert raw_file.read_bytes() == SHARED_COPY.read_bytes()


def test_raw_copy_has_the_recorded_sha256(raw_file):
    readme = RAW_README.read_text(encoding="utf-8")
    row = next((line for line in readme.splitlines() if f"`2022-23/{raw_file.name}`" in line), None)
    assert row is not None, f"{raw_file.name} is not listed in {RAW_README}"
    recorded = re.search(r"`([0-9a-f]{64})`", row)
    assert recorded, f"no sha256 recorded for {raw_file.name}"
    assert hashlib.sha256(raw_file.read_bytes()).hexdigest() == recorded.group(1)
