"""No figure is typed into code: change a figure in a copy of the raw text and the clean data
changes accordingly, and nothing else does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from complaints import cards, paths
from complaints.inputs.clean import build_clean, read_tables

RAW_NAME = "dorset-childrens-complaints-2022-23.txt"

# (line, old text, new text, table, [(row selector, expected value, expected source_text)])
CASES = [
    pytest.param(
        18,
        "\t9\t8\t",
        "\t19\t8\t",
        "social_care_quarterly",
        [({"measure": "formal_complaints", "period": "Q1"}, 19, "19")],
        id="quarterly-count",
    ),
    pytest.param(
        20,
        "\t1/2\t",
        "\t2/3\t",
        "social_care_quarterly",
        [
            ({"measure": "ombudsman_upheld", "period": "Q4"}, 2, "2/3"),
            ({"measure": "ombudsman_received", "period": "Q4"}, 3, "2/3"),
        ],
        id="quarterly-ratio",
    ),
    pytest.param(
        21,
        "\t18%\t",
        "\t28%\t",
        "social_care_quarterly",
        [({"measure": "overdue_pct", "period": "Q1"}, 28, "28%")],
        id="quarterly-percent",
    ),
    pytest.param(
        21,
        "\t15%",
        "\t12.5%",
        "social_care_quarterly",
        [({"measure": "overdue_pct", "period": "Total"}, 12.5, "12.5%")],
        id="quarterly-decimal-percent",
    ),
    pytest.param(
        28,
        "Total Complaints = 140",
        "Total Complaints = 141",
        "social_care_quarterly",
        [({"measure": "total_complaints", "period": "Total"}, 141, "141")],
        id="quarterly-caption-total",
    ),
    pytest.param(
        50,
        "\t31\t38",
        "\t31\t138",
        "non_social_care_quarterly",
        [({"measure": "informal_complaints", "period": "Total"}, 138, "138")],
        id="non-social-care-total",
    ),
    pytest.param(
        59,
        "Total Complaints = 218**",
        "Total Complaints = 219**",
        "non_social_care_quarterly",
        [({"measure": "total_complaints", "period": "Total"}, 219, "219")],
        id="bold-caption-total",
    ),
    pytest.param(
        80,
        "\t5 with 1 upheld\t",
        "\t7 with 2 upheld\t",
        "statutory_social_care",
        [
            ({"year": "2022-23", "measure": "lgsco_approaches"}, 7, "7 with 2 upheld"),
            ({"year": "2022-23", "measure": "lgsco_upheld"}, 2, "7 with 2 upheld"),
        ],
        id="statutory-phrase",
    ),
    pytest.param(
        80,
        "4 none upheld",
        "4 with 3 upheld",
        "statutory_social_care",
        [
            ({"year": "2020-21", "measure": "lgsco_approaches"}, 4, "4 with 3 upheld"),
            ({"year": "2020-21", "measure": "lgsco_upheld"}, 3, "4 with 3 upheld"),
        ],
        id="statutory-none-upheld",
    ),
    pytest.param(
        83,
        "\t180\t",
        "\t181\t",
        "statutory_whole_authority",
        [({"year": "2022-23", "measure": "formal_complaints"}, 181, "181")],
        id="whole-authority-count",
    ),
    pytest.param(
        114,
        "Parent\t79",
        "Parent\t80",
        "complainant_groups",
        [({"group": "Parent"}, 80, "80")],
        id="complainant-group",
    ),
    pytest.param(
        130,
        "\t74%",
        "\t75%",
        "complaint_themes",
        [({"theme": "Professional Practice/Quality of Service"}, 75, "75%")],
        id="theme",
    ),
    pytest.param(
        139,
        "7% up from 6% last year",
        "8% up from 5% last year",
        "complaint_outcomes",
        [
            ({"year": "2022-23", "outcome": "Fully Justified"}, 8, "8%"),
            ({"year": "2021-22", "outcome": "Fully Justified"}, 5, "5%"),
        ],
        id="prose-outcome",
    ),
    pytest.param(
        145,
        "79% down from 84%",
        "78% down from 85%",
        "complaint_outcomes",
        [
            ({"year": "2022-23", "outcome": "Not justified"}, 78, "78%"),
            ({"year": "2021-22", "outcome": "Not justified"}, 85, "85%"),
        ],
        id="prose-outcome-after-page-break",
    ),
    pytest.param(
        155,
        "2021-22\t8",
        "2021-22\t9",
        "children_in_care_by_year",
        [({"year": "2021-22"}, 9, "9")],
        id="children-in-care-year",
    ),
    pytest.param(
        192,
        "In Q3 we identified 5 ",
        "In Q3 we identified 6 ",
        "children_in_care_by_quarter",
        [({"period": "Q3"}, 6, "6")],
        id="prose-quarter",
    ),
    pytest.param(
        212,
        "\t23%\t",
        "\t24%\t",
        "stage1_timescales",
        [({"year": "2021-22", "band": "over_20_days"}, 24, "24%")],
        id="timescales",
    ),
    pytest.param(
        306,
        "Female\t50%",
        "Female\t51%",
        "equality_monitoring",
        [({"year": "2022-23", "group": "Female"}, 51, "51%")],
        id="equality",
    ),
    pytest.param(
        352,
        "White - British\t70%\t68%",
        "White - British\t71%\t67%",
        "equality_monitoring",
        [
            ({"year": "2022-23", "group": "White - British"}, 71, "71%"),
            ({"year": "2021-22", "group": "White - British"}, 67, "67%"),
        ],
        id="equality-after-page-break",
    ),
    pytest.param(
        86,
        "£43,230",
        "£12,345",
        "key_facts",
        [({"fact": "stage2_remedy_paid"}, 12345, "£12,345")],
        id="money",
    ),
    pytest.param(
        106,
        "£21,800",
        "£1,021,800",
        "key_facts",
        [({"fact": "sen_preemptive_remedy"}, 1021800, "£1,021,800")],
        id="money-millions",
    ),
    pytest.param(
        104,
        "16 were upheld",
        "17 were upheld",
        "key_facts",
        [({"fact": "ombudsman_non_social_care_upheld"}, 17, "17")],
        id="prose-count",
    ),
    pytest.param(
        300,
        "(up from 1146 last year)",
        "(up from 1200 last year)",
        "key_facts",
        [({"year": "2021-22", "fact": "equality_records"}, 1200, "1200")],
        id="prose-previous-year",
    ),
]


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop where the raw file was (a temporary folder differs between runs)."""
    return frame.drop(columns=["source_file"])


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, year) -> dict[str, pd.DataFrame]:
    """Clean tables built from an unmodified copy of the raw file, the same way as the cases."""
    raw_root = tmp_path_factory.mktemp("raw")
    (raw_root / str(year)).mkdir()
    shutil.copy2(paths.RAW_DIR / str(year) / RAW_NAME, raw_root / str(year) / RAW_NAME)
    clean_root = tmp_path_factory.mktemp("clean")
    build_clean(year, raw_root=raw_root, clean_root=clean_root)
    return read_tables(year, clean_root)


def _edit_line(raw_root: Path, year, line: int, old: str, new: str) -> None:
    path = raw_root / str(year) / RAW_NAME
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].count(old) == 1, f"{old!r} is not once on line {line}"
    lines[line - 1] = lines[line - 1].replace(old, new)
    path.write_text("\n".join(lines), encoding="utf-8")


def _mask(frame: pd.DataFrame, selector: dict[str, object]) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, wanted in selector.items():
        mask &= frame[column] == wanted
    return mask


@pytest.mark.parametrize(("line", "old", "new", "table_id", "changes"), CASES)
def test_a_changed_figure_flows_into_the_clean_data(
    raw_copy, tmp_path, year, baseline, line, old, new, table_id, changes
):
    _edit_line(raw_copy, year, line, old, new)
    clean_root = tmp_path / "clean"
    build_clean(year, raw_root=raw_copy, clean_root=clean_root)
    after = read_tables(year, clean_root)

    expected = baseline[table_id].copy()
    if any(isinstance(value, float) for _, value, _ in changes):
        expected["value"] = expected["value"].astype("float64")
    changed = False
    for selector, value, source_text in changes:
        mask = _mask(expected, selector)
        assert mask.sum() == 1, f"selector {selector} matches {mask.sum()} rows"
        assert (expected.loc[mask, "source_line"] == line).all()
        changed |= bool((expected.loc[mask, "value"] != value).any())
        expected.loc[mask, "value"] = value
        expected.loc[mask, "source_text"] = source_text
    assert changed, "the case must change at least one value"

    pdt.assert_frame_equal(_comparable(after[table_id]), _comparable(expected), check_exact=True)
    for other in cards.for_route("report text"):
        if other != table_id:
            pdt.assert_frame_equal(
                _comparable(after[other]), _comparable(baseline[other]), obj=other
            )


def test_the_clean_data_records_the_file_it_came_from(raw_copy, tmp_path, year):
    build_clean(year, raw_root=raw_copy, clean_root=tmp_path / "clean")
    for table_id, frame in read_tables(year, tmp_path / "clean").items():
        expected = (raw_copy / str(year) / RAW_NAME).resolve().as_posix()
        assert set(frame["source_file"]) == {expected}, table_id
