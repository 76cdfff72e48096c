"""Shared fixtures. The real 2022-23 input is read from data/raw (never written)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from complaints import paths
from complaints.inputs.rawtext import read_raw_text
from complaints.inputs.report_text import extract_tables
from complaints.years import ReportingYear

YEAR = ReportingYear.parse("2022-23")
RAW_FILE = paths.RAW_DIR / "2022-23" / "dorset-childrens-complaints-2022-23.txt"


@pytest.fixture(scope="session")
def year() -> ReportingYear:
    return YEAR


@pytest.fixture(scope="session")
def raw_file() -> Path:
    return RAW_FILE


@pytest.fixture(scope="session")
def raw_lines() -> list[str]:
    """The raw 2022-23 text as lines (index 0 is line 1)."""
    return RAW_FILE.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="session")
def tables() -> dict[str, pd.DataFrame]:
    """Every clean table extracted from the real 2022-23 input (read-only: copy before editing)."""
    doc = read_raw_text(RAW_FILE, label=paths.relative_to_project(RAW_FILE))
    return extract_tables(doc, YEAR)


@pytest.fixture(scope="session")
def report_project(tmp_path_factory) -> Path:
    """One run of 2022-23 from a copy of the raw input into a project of its own (``raw/``,
    ``clean/``, ``reports/2022-23/``), shared by the tests that only read it: a test that changes
    a file copies the report first, or puts the file back."""
    from complaints.run.runner import run_year

    root = tmp_path_factory.mktemp("report-2022-23")
    (root / "raw" / str(YEAR)).mkdir(parents=True)
    shutil.copy2(RAW_FILE, root / "raw" / str(YEAR) / RAW_FILE.name)
    params = {"raw_root": str(root / "raw"), "clean_root": str(root / "clean")}
    run_year(YEAR, parameters=params, reports_root=root / "reports", progress=lambda m: None)
    return root


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A raw root in tmp_path holding a copy of the 2022-23 input, safe to corrupt."""
    target = tmp_path / "raw" / "2022-23"
    target.mkdir(parents=True)
    shutil.copy2(RAW_FILE, target / RAW_FILE.name)
    return tmp_path / "raw"


#: Debian's chromium, headless, with nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def browser_unavailable(reason: str):
    """Fail under CI (``.ci/run`` installs chromium), skip elsewhere."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(
            f"{reason}: the browser test must run in CI (.ci/run installs Debian's chromium)",
            pytrace=False,
        )
    pytest.skip(f"{reason}; the browser test runs in CI (.ci/run installs chromium)")


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium (``COMPLAINTS_CHROMIUM`` names another) driven by playwright."""
    executable = os.environ.get("COMPLAINTS_CHROMIUM") or shutil.which("chromium")
    if not executable or not Path(executable).is_file():
        browser_unavailable(
            "chromium not found (looked for COMPLAINTS_CHROMIUM and chromium on PATH)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the playwright package is not installed (make setup-dev installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Where tests leave what a reviewer looks at (screenshots): ``$COMPLAINTS_TEST_ARTEFACTS``
    or ``tests/artefacts/`` (ignored by git)."""
    folder = Path(
        os.environ.get("COMPLAINTS_TEST_ARTEFACTS") or paths.PROJECT_ROOT / "tests/artefacts"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder
