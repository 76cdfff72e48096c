"""The whole year, end to end, on the real notebooks: what `make report` produces."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from support import assert_sha256sum_verifies

from complaints import cards, paths
from complaints.outputs.report_tables import report_table_ids
from complaints.run.runner import run_year
from complaints.years import ReportingYear

pytestmark = pytest.mark.slow

YEAR = ReportingYear.parse("2022-23")
TEXT_TABLES = cards.for_route("report text")  # what the report text gives
TABLE_IDS = [t for t in report_table_ids() if t in TEXT_TABLES]
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


def run_pipeline(root: Path, raw_root: Path | None = None) -> Path:
    params = {"clean_root": str(root / "clean")}
    if raw_root is not None:
        params["raw_root"] = str(raw_root)
    run_year(YEAR, parameters=params, reports_root=root / "reports", progress=lambda m: None)
    return root / "reports" / str(YEAR)


@pytest.fixture
def published(report_project) -> Path:
    """The shared report of 2022-23 (conftest)."""
    return report_project / "reports" / str(YEAR)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_report_table_is_exported(published):
    found = sorted(p.stem for p in (published / "tables").glob("*.csv"))
    assert set(TABLE_IDS) <= set(found)
    for table_id in TABLE_IDS:
        assert (published / "tables" / f"{table_id}.csv").stat().st_size > 0


def test_every_chart_is_a_non_empty_image(published):
    pngs = sorted((published / "charts").glob("*.png"))
    assert len(pngs) >= 9
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png.name
        svg = png.with_suffix(".svg")
        root = ElementTree.parse(svg).getroot()
        assert root.tag.endswith("svg"), svg.name


def test_every_notebook_is_executed_and_exported_twice(published):
    for notebook in ("01_clean", "02_validate", "03_report"):
        assert (published / "notebooks" / f"{notebook}.ipynb").is_file()
        assert (published / "html" / f"{notebook}.html").is_file()
        assert (published / "html" / f"{notebook}.audit.html").is_file()


def test_validation_results_are_saved(published):
    results = list((published / "validation").glob("*.json"))
    assert results, "the validation notebook saves its full results as JSON"


def test_index_links_everything_and_html_is_offline(published):
    index = (published / "index.html").read_text()
    for table_id in TABLE_IDS:
        assert f'href="tables/{table_id}.csv"' in index
    for png in (published / "charts").glob("*.png"):
        assert f'src="charts/{png.name}"' in index
    assert 'href="html/03_report.html"' in index
    assert 'href="html/02_validate.html"' in index
    trends = sorted((published / "trends").iterdir())
    assert trends, "the trends notebook wrote its series and charts"
    for path in trends:
        assert f'href="trends/{path.name}"' in index
    # GX Data Docs are linked, and open offline too (local copies of GX's libraries)
    assert 'href="validation/data_docs/index.html"' in index
    data_docs = published / "validation" / "data_docs"
    pages = sorted(published.rglob("*.html"))
    assert any(p.is_relative_to(data_docs) for p in pages)
    for page in pages:
        match = EXTERNAL.search(page.read_text())
        assert not match, f"{page.name} loads {match.group(0)} from the internet"


def test_gx_data_docs_show_every_suite_and_are_in_the_manifest(published):
    data_docs = published / "validation" / "data_docs"
    suites = {p.stem for p in paths.EXPECTATIONS_DIR.glob("*.json")}
    shown = {p.stem for p in (data_docs / "validations").rglob("*.html")}
    # every suite of a table the report text gives, and the reconciliation's
    assert shown == {s for s in suites if s in TEXT_TABLES or s not in cards.CARDS}
    listed = (published / "manifest.sha256").read_text()
    assert "validation/data_docs/index.html" in listed
    for page in (data_docs / "validations").rglob("*.html"):
        assert page.relative_to(published).as_posix() in listed


def test_manifest_verifies(published):
    manifest = json.loads((published / "manifest.json").read_text())
    raw = published.parents[1] / "raw" / "2022-23" / "dorset-childrens-complaints-2022-23.txt"
    assert manifest["inputs"][paths.relative_to_project(raw)] == sha(raw)
    assert_sha256sum_verifies(published)


def test_a_raw_figure_change_reaches_table_chart_and_html(published, tmp_path):
    """Change Q1 formal complaints to Children's Social Care (line 18: 9 -> 19)."""
    raw_root = tmp_path / "raw"
    (raw_root / "2022-23").mkdir(parents=True)
    source = paths.RAW_DIR / "2022-23" / "dorset-childrens-complaints-2022-23.txt"
    lines = source.read_text(encoding="utf-8").split("\n")
    assert lines[17].split("\t")[2] == "9"
    cells = lines[17].split("\t")
    cells[2] = "19"
    lines[17] = "\t".join(cells)
    (raw_root / "2022-23" / source.name).write_text("\n".join(lines), encoding="utf-8")
    changed = run_pipeline(tmp_path, raw_root=raw_root)

    before = (published / "tables" / "social_care_quarterly.csv").read_text()
    after = (changed / "tables" / "social_care_quarterly.csv").read_text()
    assert before != after and "19" in after
    charts_changed = [
        p.name
        for p in (published / "charts").glob("*.png")
        if sha(p) != sha(changed / "charts" / p.name)
    ]
    assert any("quarter" in name for name in charts_changed), charts_changed
    assert sha(published / "html" / "03_report.html") != sha(changed / "html" / "03_report.html")
    shutil.rmtree(tmp_path / "reports")
