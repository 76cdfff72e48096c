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


def test_defaults_explore_in_scratch_and_say_so():
    run = resolve("2022-23")
    shown = run.describe()
    assert shown["clean tables"] == "reports/.scratch/clean/2022-23"
    assert shown["outputs"] == "reports/.scratch/2022-23"
    assert "not the published report" in shown["note"]
    assert run.is_scratch and "not the published report" in run._repr_html_()
    public = resolve("2022-23", edition="public")
    assert public.describe()["outputs"] == "reports/.scratch/2022-23-public"


def test_a_folder_of_ones_own():
    run = resolve("2022-23", clean_root="data/clean", output_dir="/tmp/mine")
    assert run.describe()["outputs"] == "/tmp/mine"
    assert run.describe()["clean tables"] == "data/clean/2022-23"
    assert not run.is_scratch and "note" not in run.describe()


@pytest.mark.parametrize("year", ["2022", "22-23", "2022-24"])
def test_a_malformed_year_is_refused(year):
    with pytest.raises(ValueError, match="malformed"):
        resolve(year)


def test_an_unknown_edition_is_refused():
    with pytest.raises(ValueError, match="edition 'draft' is unknown"):
        resolve("2022-23", edition="draft")
