"""Every HTML page of a report, opened in a real browser (headless Chromium via playwright), from
a report whose source text carries markup meant to break the page.

A copy of the real 2022-23 report text gets ``<script>``, ``<img onerror=...>``, markdown with a
``javascript:`` link and tags that close the table early in learning-table cells and in the
children-in-care case texts; the raw inputs' folder name itself carries an ``<img onerror>``.
None of that may fail the run, and on every page (``index.html`` and ``html/*.html``, of the
published report and of a failed run kept for diagnosis):

* no script from the data runs (``window.__pwned`` stays undefined, no dialog opens);
* nothing is requested but ``file:`` and ``data:`` URLs (the pages open offline);
* every table and chart is there: captioned tables against ``tables/tables.json``, images with
  a text alternative against ``charts/charts.json`` (and the trend charts' files);
* the hostile text is shown, as text.

A full-page screenshot of each page is saved for a reviewer in ``$COMPLAINTS_TEST_ARTEFACTS``
(default ``tests/artefacts/``, ignored by git), under ``browser/``.

The browser is Debian's chromium (``/usr/bin/chromium``; ``COMPLAINTS_CHROMIUM`` names another).
Without it the test fails under CI (``.ci/run`` installs it) and is skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from complaints import paths
from complaints.run.runner import RunError, list_notebooks, run_year
from complaints.years import ReportingYear

YEAR = ReportingYear.parse("2022-23")
RAW_FILE = paths.RAW_DIR / "2022-23" / "dorset-childrens-complaints-2022-23.txt"

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
MARKDOWN = "**bold** [link](javascript:alert(1))"
BREAKER = "</td></tr></table><h1>broken</h1><!--"
TEMPLATE = "{{ 7*7 }} ${7*7}"
HOSTILE = f"{SCRIPT} {IMG} {MARKDOWN} {BREAKER} {TEMPLATE}"
#: The raw inputs' folder: its name is shown (run parameters, sources of tables and charts).
RAW_FOLDER = "raw<img src=x onerror=window.__pwned=4>&amp;"
#: A case id that fails validation: the failed run's pages show it in the error.
BAD_CASE_ID = "<script>window.__pwned=5</script>"
#: How the hostile text reads once extracted: the markdown bold markers are parsing artefacts of
#: the source (the extraction removes them); everything else is kept as printed.
SHOWN = [SCRIPT, IMG, "bold [link](javascript:alert(1))", BREAKER, TEMPLATE]


@pytest.fixture(scope="module")
def shots(artefacts) -> Path:
    """This test's screenshots: ``browser/`` of the artefacts folder, emptied first."""
    folder = artefacts / "browser"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _edit(lines: list[str], number: int, starts: str, change) -> None:
    assert lines[number - 1].startswith(starts), lines[number - 1]
    lines[number - 1] = change(lines[number - 1])


def hostile_text() -> str:
    lines = RAW_FILE.read_text(encoding="utf-8").split("\n")

    def cells(line: str, *extra: str) -> str:
        parts = line.split("\t")
        return "\t".join([parts[0], *(f"{p} {e}" for p, e in zip(parts[1:], extra, strict=True))])

    # Learning table: both cells of a row before the page break, one within <p> tags after it.
    _edit(lines, 245, "COM/00000886\t", lambda t: cells(t, HOSTILE, HOSTILE))
    _edit(lines, 262, "<p>COM/00001422</p>\t<p>", lambda t: t.replace("\t<p>", f"\t<p>{SCRIPT} "))
    # Children-in-care cases: a paragraph under a case reference, and a one-line case.
    _edit(lines, 174, "The learning from this complaint", lambda t: f"{t} {HOSTILE}")
    _edit(lines, 194, "Purbeck YP is unhappy", lambda t: f"{t} {HOSTILE}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Report:
    published: Path  # reports/2022-23/
    failed: Path  # reports/2022-23.failed/: a later run stopped by validation
    clean: Path  # the store's 2022-23 tables of the good run
    failure: str


@pytest.fixture(scope="module")
def report(browser, tmp_path_factory) -> Report:
    root = tmp_path_factory.mktemp("hostile")
    raw_root, clean_root, reports = root / RAW_FOLDER, root / "clean", root / "reports"
    raw = raw_root / "2022-23" / RAW_FILE.name
    raw.parent.mkdir(parents=True)
    raw.write_text(hostile_text(), encoding="utf-8")
    params = {"raw_root": str(raw_root), "clean_root": str(clean_root)}
    run_year(YEAR, parameters=params, reports_root=reports, progress=lambda m: None)
    kept_clean = root / "clean.good"
    shutil.copytree(clean_root / "2022-23", kept_clean)

    # A case id that is markup: validation stops the run, the failed pages show the value.
    text = raw.read_text(encoding="utf-8").replace("COM/00001162\t", f"{BAD_CASE_ID}\t", 1)
    raw.write_text(text, encoding="utf-8")
    until_validation = [nb for nb in list_notebooks() if nb.stem in ("01_clean", "02_validate")]
    with pytest.raises(RunError) as failure:
        run_year(
            YEAR,
            parameters=params,
            reports_root=reports,
            notebooks=until_validation,
            progress=lambda m: None,
        )
    return Report(reports / "2022-23", reports / "2022-23.failed", kept_clean, str(failure.value))


@dataclass
class Visit:
    requests: list[str]
    dialogs: list[str]
    errors: list[str]
    pwned: str | None
    dom: dict
    jquery: bool = False


DOM = """() => ({
  scripts: [...document.querySelectorAll('script')].map(s => (s.src || '') + s.textContent),
  images: [...document.querySelectorAll('img')].map(i => ({src: i.getAttribute('src') || '',
                                         alt: (i.getAttribute('alt') || '').trim()})),
  jsLinks: [...document.querySelectorAll('[href], [src], [action]')]
    .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))
    .filter(u => u.trim().toLowerCase().startsWith('javascript:')),
  captions: [...document.querySelectorAll('table > caption')]
    .map(c => (c.querySelector('strong') || c).textContent.trim()),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  headings: [...document.querySelectorAll('h1')].map(h => h.textContent.trim()),
  text: document.body ? document.body.innerText : document.documentElement.textContent,
})"""


def visit(
    browser, path: Path, screenshot: Path | None = None, *, block_network: bool = False
) -> Visit:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if block_network:  # requests are still recorded, then refused
        context.route(re.compile(r"^(?!file:|data:)"), lambda route: route.abort())
    page = context.new_page()
    found = Visit([], [], [], None, {})

    def on_dialog(dialog) -> None:
        found.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("request", lambda request: found.requests.append(request.url))
    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: found.errors.append(str(error)))
    try:
        page.goto(path.as_uri(), wait_until="load")
        found.pwned = page.evaluate("() => window.__pwned === undefined ? null : String(__pwned)")
        found.dom = page.evaluate(DOM)
        found.jquery = page.evaluate("() => typeof window.jQuery === 'function'")
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        context.close()
    return found


def pages(folder: Path) -> list[Path]:
    found = sorted(folder.glob("html/*.html"))
    return [folder / "index.html", *found] if (folder / "index.html").is_file() else found


def assert_safe(page: Path, seen: Visit) -> None:
    assert seen.pwned is None, f"{page.name}: a script from the data ran (__pwned={seen.pwned})"
    assert seen.dialogs == [], f"{page.name}: a dialog opened: {seen.dialogs}"
    assert seen.errors == [], f"{page.name}: script errors: {seen.errors}"
    offline = [u for u in seen.requests if not u.startswith(("file:", "data:"))]
    assert offline == [], f"{page.name} requested {offline}"
    assert seen.dom["jsLinks"] == [], f"{page.name}: javascript: links {seen.dom['jsLinks']}"
    assert not any("__pwned" in s for s in seen.dom["scripts"]), f"{page.name}: data in <script>"
    assert "broken" not in seen.dom["headings"], f"{page.name}: data closed the table"
    assert all(i["src"] != "x" for i in seen.dom["images"]), f"{page.name}: data became an <img>"
    assert all(i["alt"] for i in seen.dom["images"]), f"{page.name}: an image without alt text"


@pytest.fixture(scope="module")
def visits(browser, report, shots) -> dict[str, tuple[Path, Visit]]:
    """Every page of the published report and of the failed run, visited once, with a
    screenshot each: ``{"index": ..., "03_report.audit": ..., "failed-02_validate": ...}``."""
    found = {}
    for prefix, folder in (("", report.published), ("failed-", report.failed)):
        for page in pages(folder):
            name = f"{prefix}{page.stem}"
            found[name] = (page, visit(browser, page, shots / f"{name}.png"))
    return found


@pytest.mark.slow  # builds a report (runs the notebooks)
def test_the_hostile_text_went_through_as_data(report):
    """The run succeeded and the clean tables hold the markup verbatim (it is data); the second
    run failed on the case id that is markup."""
    assert (report.published / "manifest.json").is_file()
    learning = (report.clean / "learning_from_complaints.csv").read_text(encoding="utf-8")
    cases = (report.clean / "children_in_care_cases.csv").read_text(encoding="utf-8")
    for text in (learning, cases):
        assert SCRIPT in text and "onerror=" in text and "javascript:alert(1)" in text
    assert "case_id" in report.failure and BAD_CASE_ID in report.failure


@pytest.mark.slow  # builds a report (runs the notebooks)
def test_every_page_is_there(report, visits):
    notebooks = [nb.stem for nb in list_notebooks()]
    html = sorted(f"{stem}{suffix}" for stem in notebooks for suffix in (".html", ".audit.html"))
    assert [p.name for p in pages(report.published)] == ["index.html", *html]
    assert [p.name for p in pages(report.failed)] == [
        "01_clean.audit.html",
        "01_clean.html",
        "02_validate.audit.html",
        "02_validate.html",
    ]
    assert len(visits) == len(html) + 1 + 4


@pytest.mark.slow  # builds a report (runs the notebooks)
def test_no_script_from_the_data_runs_and_nothing_is_fetched(visits):
    for page, seen in visits.values():
        assert_safe(page, seen)


@pytest.mark.slow  # builds a report (runs the notebooks)
def test_the_hostile_text_is_shown_as_text(visits):
    # The learning table, with its hostile cells, is on the report page.
    for name in ("03_report", "03_report.audit"):
        text = visits[name][1].dom["text"]
        for shown in SHOWN:
            assert shown in text, f"{name}: {shown!r} is not shown as text"
    # The folder name is shown with the run's parameters and in every source line.
    for name in ("index", "01_clean", "02_validate", "03_report"):
        assert RAW_FOLDER in visits[name][1].dom["text"], name
    # The failed run's validation pages name the bad case id.
    for name in ("failed-02_validate", "failed-02_validate.audit"):
        assert BAD_CASE_ID in visits[name][1].dom["text"], name


@pytest.mark.slow  # builds a report (runs the notebooks)
def test_every_table_and_chart_is_on_its_page(report, visits):
    folder = report.published
    tables = json.loads((folder / "tables" / "tables.json").read_text(encoding="utf-8"))
    charts = json.loads((folder / "charts" / "charts.json").read_text(encoding="utf-8"))
    csvs = sorted(p.name for p in (folder / "tables").glob("*.csv"))
    # every CSV is a report table, but the list of those not produced (the case extract's)
    assert sorted(t["file"] for t in tables) == [n for n in csvs if n != "not_produced.csv"]
    captions = sorted(t["caption"] for t in tables)
    alts = sorted(c["alt_text"] for c in charts)
    assert len(captions) == len(tables) > 0 and len(alts) > 0

    for name in ("03_report", "03_report.audit"):
        dom = visits[name][1].dom
        assert sorted(dom["captions"]) == captions, name
        assert sorted(i["alt"] for i in dom["images"]) == alts, name
    index = visits["index"][1].dom
    assert sorted(i["alt"] for i in index["images"]) == alts
    assert {f"tables/{name}" for name in csvs} <= set(index["links"])

    trend_charts = sorted((folder / "trends").glob("*.png"))
    for name in [n for n in ("04_trends", "04_trends.audit") if n in visits]:
        assert len(visits[name][1].dom["images"]) == len(trend_charts) > 0, name


@pytest.mark.slow  # builds a report (runs the notebooks)
def test_every_page_has_a_screenshot(visits, shots, capsys):
    names = sorted(p.name for p in shots.glob("*.png"))
    assert names == sorted(f"{name}.png" for name in visits)
    assert all((shots / name).stat().st_size > 10_000 for name in names)
    with capsys.disabled():
        print(f"\nbrowser screenshots ({len(names)} pages): {shots}")


@pytest.mark.slow  # builds a report (runs the notebooks)
def test_chart_files_run_nothing_when_opened(browser, report):
    """An SVG opened on its own is a document too: no script, nothing fetched."""
    svgs = sorted(report.published.glob("*/*.svg"))
    assert svgs
    for svg in svgs:
        seen = visit(browser, svg)
        assert seen.pwned is None and seen.dialogs == [] and seen.errors == [], svg.name
        assert [u for u in seen.requests if not u.startswith(("file:", "data:"))] == []
        assert seen.dom["scripts"] == [], svg.name


@pytest.mark.parametrize(
    ("ci", "code", "outcome", "reason"),
    [
        ("true", 1, "1 error", "the browser test must run in CI"),
        ("", 0, "1 skipped", "the browser test runs in CI (.ci/run installs chromium)"),
    ],
    ids=["in-ci-it-fails", "elsewhere-it-skips"],
)
def test_without_chromium_the_browser_test_fails_in_ci_and_skips_elsewhere(
    ci, code, outcome, reason, tmp_path
):
    env = {**os.environ, "CI": ci, "COMPLAINTS_CHROMIUM": str(tmp_path / "no-chromium")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-k",
            "test_no_script_from_the_data_runs",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rs",
        ],
        cwd=paths.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == code, result.stdout + result.stderr
    assert outcome in result.stdout, result.stdout
    assert "chromium not found" in result.stdout and reason in result.stdout


@pytest.mark.slow  # builds a report (runs the notebooks)
def test_gx_data_docs_show_the_hostile_case_id_as_text(browser, report, shots):
    """GX's Data Docs of the failed run list the bad case id among the unexpected values, as
    text; with the network refused, the page loads its libraries from the site's local copies
    (nothing requested but file: and data: URLs, no script error) and its scripts run."""
    docs = report.failed / "validation" / "data_docs"
    page = next((docs / "validations").rglob("learning_from_complaints.html"))
    seen = visit(browser, page, shots / "failed-data-docs-learning.png", block_network=True)
    assert seen.pwned is None, f"a script from the data ran (__pwned={seen.pwned})"
    assert seen.dialogs == []
    assert not any("__pwned" in s for s in seen.dom["scripts"])
    assert BAD_CASE_ID in seen.dom["text"]
    assert all(i["src"] != "x" for i in seen.dom["images"])
    assert [u for u in seen.requests if not u.startswith(("file:", "data:"))] == []
    assert seen.errors == [], seen.errors
    local = [u for u in seen.requests if "/static/vendor/" in u]
    assert any(u.endswith("/jquery.min.js") for u in local), seen.requests
    assert any(u.endswith("/bootstrap.min.css") for u in local), seen.requests
    assert seen.jquery, "jQuery (a local copy) did not load"
