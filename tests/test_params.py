"""The run's parameters as the notebooks show them to readers and auditors."""

from __future__ import annotations

import pytest

from complaints import paths
from complaints.params import resolve


def test_a_staged_run_shows_where_its_outputs_are_published():
    staged = resolve("2022-23", output_dir=str(paths.REPORTS_DIR / ".staging" / "2022-23"))
    assert staged.describe()["outputs"] == "reports/2022-23"
    assert staged.tables_dir == paths.REPORTS_DIR / ".staging" / "2022-23" / "tables"  # written
    public = resolve("2022-23", output_dir="/tmp/r/.staging/2022-23-public", edition="public")
    assert public.describe()["outputs"] == "/tmp/r/2022-23-public"
    assert public.describe()["edition"] == "public"


def test_defaults_write_to_scratch_and_say_so_a_folder_of_ones_own_does_not():
    run = resolve("2022-23")
    described = run.describe()
    assert "not the published report" in described.pop("note")
    assert described == {
        "reporting year": "2022-23",
        "raw inputs": "data/raw/2022-23",
        "clean tables": "reports/.scratch/clean/2022-23",
        "outputs": "reports/.scratch/2022-23",
        "edition": "internal",
    }
    assert "<code>reports/.scratch/2022-23</code>" in run._repr_html_()
    mine = resolve("2022-23", clean_root="data/clean", output_dir="/tmp/mine").describe()
    assert mine["outputs"] == "/tmp/mine" and mine["clean tables"] == "data/clean/2022-23"
    assert "note" not in mine


@pytest.mark.parametrize("year", ["2022", "22-23", "2022-24"])
def test_a_malformed_year_is_refused(year):
    with pytest.raises(ValueError, match="malformed"):
        resolve(year)


def test_an_unknown_edition_is_refused():
    with pytest.raises(ValueError, match="edition 'draft' is unknown"):
        resolve("2022-23", edition="draft")
