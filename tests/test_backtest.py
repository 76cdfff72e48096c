"""Backtest: the extraction reproduces a ground truth typed by hand from the raw 2022-23 text.

The files in ``tests/ground_truth/2022-23/`` were typed by reading ``cat -n`` of the raw file, not
dumped from the parser, so they are an independent check of every figure, its identifying
columns and the raw line it sits on. Text tables are checked by the start and end of each text,
its number of paragraphs and its lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from complaints import cards
from complaints.inputs.clean import build_clean, read_table

GROUND_TRUTH = Path(__file__).parent / "ground_truth" / "2022-23"
TEXT_TABLES = cards.for_route("report text")  # the tables the report text gives
RAW_LABEL = "data/raw/2022-23/dorset-childrens-complaints-2022-23.txt"

# Columns of the ground truth that are derived from a text column of the clean table.
_TEXT_DERIVED = {
    "learned_start": ("learned", lambda s: s[:40]),
    "learned_end": ("learned", lambda s: s[-40:]),
    "learned_paragraphs": ("learned", lambda s: len(s.split("\n"))),
    "action_start": ("action", lambda s: s[:40]),
    "action_end": ("action", lambda s: s[-40:]),
    "action_paragraphs": ("action", lambda s: len(s.split("\n"))),
}
_NUMERIC = {"value", "source_line", "source_line_end", "learned_paragraphs", "action_paragraphs"}


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as float64, text as strings with missing values as '', rows in a stable order."""
    out = frame.copy()
    for column in out.columns:
        if column in _NUMERIC:
            out[column] = pd.to_numeric(out[column]).astype("float64")
        else:
            out[column] = out[column].astype("string").fillna("").astype(object)
    return out.sort_values(list(out.columns), kind="stable").reset_index(drop=True)


def _ground_truth(table_id: str) -> pd.DataFrame:
    return pd.read_csv(GROUND_TRUTH / f"{table_id}.csv", dtype=str, keep_default_na=False)


def _comparable(extracted: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=extracted.index)
    for column in columns:
        if column in _TEXT_DERIVED:
            source, derive = _TEXT_DERIVED[column]
            out[column] = extracted[source].fillna("").map(derive)
        else:
            out[column] = extracted[column]
    return out


def test_ground_truth_covers_every_table():
    assert sorted(p.stem for p in GROUND_TRUTH.glob("*.csv")) == sorted(TEXT_TABLES)


@pytest.mark.parametrize("table_id", TEXT_TABLES)
def test_table_matches_ground_truth(tables, table_id):
    expected = _ground_truth(table_id)
    assert len(expected) > 0
    actual = _comparable(tables[table_id], list(expected.columns))
    pdt.assert_frame_equal(
        _normalise(actual), _normalise(expected), check_dtype=False, check_exact=True
    )


@pytest.mark.parametrize("table_id", TEXT_TABLES)
def test_every_row_is_of_this_report_and_file(tables, table_id):
    frame = tables[table_id]
    assert (frame["report_year"] == "2022-23").all()
    assert (frame["source_file"] == RAW_LABEL).all()
    if "year" in frame:
        assert frame["year"].str.fullmatch(r"\d{4}-\d{2}").all()
        assert (frame["year"] <= "2022-23").all()


@pytest.fixture(scope="module")
def clean_root(tmp_path_factory, year) -> Path:
    root = tmp_path_factory.mktemp("clean")
    build_clean(year, clean_root=root)
    return root


def test_build_clean_writes_one_csv_per_table(clean_root, year):
    folder = clean_root / str(year)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in TEXT_TABLES)


@pytest.mark.parametrize("table_id", TEXT_TABLES)
def test_csv_has_the_schema_columns_in_order(clean_root, year, table_id):
    path = clean_root / str(year) / f"{table_id}.csv"
    header = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.split(",") == cards.CARDS[table_id].column_names


@pytest.mark.parametrize("table_id", TEXT_TABLES)
def test_read_table_round_trips(clean_root, year, tables, table_id):
    back = read_table(year, table_id, clean_root=clean_root)
    pdt.assert_frame_equal(back, tables[table_id], check_exact=True)
