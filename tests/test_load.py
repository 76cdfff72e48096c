"""``complaints.load``: an analyst's one line to a table over every year held."""

from __future__ import annotations

import pandas as pd
import pytest

from complaints import cards, load
from complaints.errors import InputError
from complaints.inputs.clean import write_tables

NEXT = "2023-24"


def _shift(year: str) -> str:
    start = int(year[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


@pytest.fixture
def store(tmp_path, tables):
    """The real 2022-23 tables, and a 2023-24 report of the statutory table that restates the
    two years before it (its own year's figures are 2022-23's plus 1000)."""
    root = tmp_path / "clean"
    write_tables(tables, root / "2022-23")
    later = tables["statutory_social_care"].copy()
    later["year"] = later["year"].map(_shift)
    later["report_year"] = NEXT
    later.loc[later["year"] == NEXT, "value"] += 1000
    write_tables({"statutory_social_care": later}, root / NEXT)
    return root


def test_load_lists_every_table_with_the_years_held(store, tables):
    listing = load(clean_root=store)
    assert list(listing["table"]) == list(cards.CARDS)
    years = dict(zip(listing["table"], listing["years"], strict=True))
    assert years["statutory_social_care"] == "2020-21, 2021-22, 2022-23, 2023-24"
    assert years["complainant_groups"] == "2022-23"


def test_load_gives_one_row_per_figure_and_year_from_the_latest_report(store, tables):
    frame = load("statutory_social_care", clean_root=store)
    measures = tables["statutory_social_care"]["measure"].nunique()
    assert len(frame) == measures * 4  # 2020-21 to 2023-24, each figure once
    assert sorted(frame["year"].unique()) == ["2020-21", "2021-22", "2022-23", "2023-24"]
    # A year restated by both reports is taken from the later one; 2020-21 only 2022-23 gives.
    by_year = frame.groupby("year")["report_year"].unique().map(list).to_dict()
    assert by_year == {
        "2020-21": ["2022-23"],
        "2021-22": [NEXT],
        "2022-23": [NEXT],
        "2023-24": [NEXT],
    }
    own = tables["statutory_social_care"]
    expected = own[own["year"] == "2022-23"].set_index("measure")["value"] + 1000
    got = frame[frame["year"] == NEXT].set_index("measure")["value"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    assert {"source_file", "source_line", "report_year"} <= set(frame.columns)


def test_load_of_free_text_gives_each_reports_own_rows(store, tables):
    frame = load("learning_from_complaints", clean_root=store)
    assert len(frame) == len(tables["learning_from_complaints"])


def test_load_of_an_unknown_table_names_the_tables(store):
    with pytest.raises(InputError, match="social_care_quarterly"):
        load("no_such_table", clean_root=store)


def test_load_up_to_a_year_reads_only_the_reports_up_to_it(store, tables):
    frame = load("statutory_social_care", up_to="2022-23", clean_root=store)
    own = tables["statutory_social_care"]
    assert set(frame["report_year"]) == {"2022-23"}
    assert len(frame) == len(own)
