"""The reconciliation table: identities computed generically from the clean tables."""

from __future__ import annotations

import pandas as pd
import pytest

from complaints.checks import identities, reconcile
from complaints.checks.reconcile import build_reconciliation, describe
from complaints.words import format_lines, parse_lines


def copy_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {t: f.copy() for t, f in tables.items()}


def broken(rec: pd.DataFrame) -> pd.DataFrame:
    return rec[rec["discrepancy"] > rec["tolerance"]]


@pytest.fixture(scope="module")
def rec(tables) -> pd.DataFrame:
    return build_reconciliation(tables)


def test_one_row_per_identity_with_both_sides_traced(rec):
    assert list(rec.columns) == list(reconcile.RECONCILIATION_COLUMNS)
    assert not rec.empty
    for side in ("left", "right"):
        assert rec[f"{side}_value"].notna().all()
        assert rec[f"{side}_table"].notna().all()
    # every figure read from a table carries its source line (only the constant 100 does not)
    assert (rec["left_lines"] != "").all()
    assert (rec.loc[rec["right_lines"] == "", "right_value"] == 100).all()


def test_every_kind_of_identity_is_computed(rec):
    expected = {
        "upheld_not_above_received",
        "quarters_add_up_to_total",
        "total_is_formal_plus_informal",
        "total_percent_within_quarters",
        "percentages_add_up_to_100",
        "section_complete",
        "same_figure_agrees",
        "cases_listed_match_count",
        "groups_within_total",
    }
    assert set(rec["check"]) == expected


def test_every_link_between_tables_is_found_for_2022_23(rec):
    same = rec[rec["check"] == "same_figure_agrees"]
    links = [i for i in identities.IDENTITIES if i.kind == "same"]
    assert len(same) == len(links)  # every link has both figures for the report's year
    assert set(same["year"]) == {"2022-23"}


def test_the_count_measures_of_both_quarterly_tables_are_summed(rec):
    quarterly = rec["left_table"].isin(identities.QUARTERLY_TABLES)
    sums = rec[(rec["check"] == "quarters_add_up_to_total") & quarterly]
    assert len(sums) == 6 + 6  # formal, informal, upheld, received, compliments, learnings


def test_the_real_report_breaks_exactly_these_identities(rec):
    found = {(r.check, r.identity, r.left_value, r.right_value) for r in broken(rec).itertuples()}
    assert found == {
        ("quarters_add_up_to_total", "Non Social Care informal complaints, 2022-23", 122, 38),
        ("percentages_add_up_to_100", "Social Care complaint themes, 2022-23", 95, 100),
        ("percentages_add_up_to_100", "Equality monitoring, Disability, 2022-23", 14, 100),
        ("percentages_add_up_to_100", "Equality monitoring, Disability, 2021-22", 18, 100),
        ("section_complete", "Equality monitoring, Disability, 2022-23", 14, 100),
        ("section_complete", "Equality monitoring, Disability, 2021-22", 18, 100),
        (
            "same_figure_agrees",
            "Whole Authority (Non Social Care) representations (complaints resolved informally), "
            "2022-23",
            129,
            38,
        ),
    }


def test_rounding_tolerance_is_half_a_point_per_group(rec):
    """Sexuality 2021-22 adds up to 98 over six groups: within 6 x 0.5 = 3 points, so held."""
    row = rec[
        (rec["check"] == "percentages_add_up_to_100")
        & (rec["identity"] == "Equality monitoring, Sexuality, 2021-22")
    ].iloc[0]
    assert (row["left_value"], row["tolerance"], row["discrepancy"]) == (98, 3.0, 2)
    themes = rec[
        (rec["check"] == "percentages_add_up_to_100") & (rec["left_table"] == "complaint_themes")
    ].iloc[0]
    assert (themes["tolerance"], themes["discrepancy"]) == (3.5, 5)


def test_the_last_section_of_a_table_is_marked_when_cut_off(rec):
    sections = rec[rec["check"] == "section_complete"].set_index("identity")
    assert sections.loc["Equality monitoring, Disability, 2022-23", "remark"] == (
        "it is the last section of the table"
    )
    assert sections.loc["Equality monitoring, Gender, 2022-23", "remark"] == ""


def test_a_changed_quarter_changes_the_sum(tables):
    changed = copy_tables(tables)
    frame = changed["social_care_quarterly"]
    frame.loc[(frame["measure"] == "compliments") & (frame["period"] == "Q2"), "value"] = 18
    row = broken(build_reconciliation(changed)).iloc[0]
    assert (row["identity"], row["left_value"], row["right_value"]) == (
        "Social Care compliments, 2022-23",
        54,
        44,
    )
    assert describe(row) == (
        "Social Care compliments, 2022-23: the quarters add up to 54 but the printed total is 44 "
        "(line 24)."
    )


def test_upheld_pairs_are_found_in_every_table_that_has_them(tables):
    changed = copy_tables(tables)
    facts = changed["key_facts"]
    facts.loc[facts["fact"] == "ombudsman_non_social_care_upheld", "value"] = 40
    rec = build_reconciliation(changed)
    bad = broken(rec[rec["check"] == "upheld_not_above_received"])
    assert len(bad) == 1
    row = bad.iloc[0]
    assert (row["left_table"], row["left_value"], row["right_value"]) == ("key_facts", 40, 35)
    assert "more than received" in describe(row) and "40" in describe(row)


def test_missing_tables_are_skipped_not_fatal(tables):
    partial = {t: f for t, f in tables.items() if t != "social_care_quarterly"}
    rec = build_reconciliation(partial)
    assert not rec.empty
    assert "social_care_quarterly" not in set(rec["left_table"]) | set(rec["right_table"])
    assert build_reconciliation({}).empty


@pytest.mark.parametrize(
    ("relation", "left", "right", "expected"),
    [("==", 5, 7, 2), ("==", 7, 5, 2), ("<=", 5, 7, 0), ("<=", 9, 7, 2), (">=", 5, 7, 2)],
)
def test_discrepancy_measures_how_far_a_relation_is_broken(relation, left, right, expected):
    out = reconcile.discrepancy(pd.Series([relation]), pd.Series([left]), pd.Series([right]))
    assert out.iloc[0] == expected
    assert str(out.iloc[0]) != "-0.0"


@pytest.mark.parametrize(
    ("lines", "text"),
    [([50], "50"), ([18, 76], "18, 76"), ([359, 360, 361, 362, 363], "359-363"), ([], "")],
)
def test_line_lists_are_written_compactly_and_read_back(lines, text):
    assert format_lines(lines) == text
    assert parse_lines(text) == lines


def test_values_are_written_as_a_reader_would():
    assert reconcile.format_value(122.0) == "122"
    assert reconcile.format_value(95.0, "percent") == "95%"
    assert reconcile.format_value(2.5) == "2.5"


def test_one_model_a_changed_quarter_breaks_the_same_sum_for_reconciliation_and_disclosure(
    tables,
):
    """The reconciliation and the disclosure audit read one model of how figures relate: a
    quarter changed by one breaks the quarters-make-the-total identity in both."""
    from complaints.outputs.disclosure import _Data

    changed = copy_tables(tables)
    frame = changed["social_care_quarterly"]
    formal = frame["measure"] == "formal_complaints"
    frame.loc[formal & (frame["period"] == "Q2"), "value"] += 1
    # Expected by plain counting: count measures whose quarters do not add up to the total.
    expected = {}
    for table_id in identities.QUARTERLY_TABLES:
        counts = changed[table_id][changed[table_id]["unit"] == "count"]
        for measure, rows in counts.groupby("measure", sort=False):
            quarters = rows.loc[rows["period"].str.fullmatch(r"Q[1-4]"), "value"].sum()
            total = rows.loc[rows["period"] == "Total", "value"]
            if (rows["period"] != "Total").any() and quarters != total.iloc[0]:
                expected[(table_id, measure)] = (quarters, total.iloc[0])
    assert expected[("social_care_quarterly", "formal_complaints")][0] == (
        expected[("social_care_quarterly", "formal_complaints")][1] + 1
    )
    assert len(expected) == 2  # and Non Social Care informal complaints, as published

    rec = broken(build_reconciliation(changed))
    sums = rec[rec["check"] == "quarters_add_up_to_total"]
    found = {
        (row.left_table, row.identity): (row.left_value, row.right_value)
        for row in sums.itertuples()
    }
    words = {"formal_complaints": "formal complaints", "informal_complaints": "informal complaints"}
    subject = {
        "social_care_quarterly": "Social Care",
        "non_social_care_quarterly": "Non Social Care",
    }
    assert found == {
        (t, f"{subject[t]} {words[m]}, 2022-23"): value for (t, m), value in expected.items()
    }

    data = _Data(changed)
    broken_sums = {
        (r.total[0], str(data.frames[r.total[0]].loc[r.total[1], "measure"])): (
            sum(data.values[c] for c in r.parts),
            data.values[r.total],
        )
        for r in data.sums
        if sum(data.values[c] for c in r.parts) != data.values[r.total]
    }
    assert broken_sums == expected
