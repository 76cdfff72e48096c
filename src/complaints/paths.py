"""Where things are. Nothing in the project relies on the current directory."""

from __future__ import annotations

from pathlib import Path

from complaints.years import ReportingYear

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
CLEAN_DIR = DATA_DIR / "clean"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
DOCS_DIR = PROJECT_ROOT / "docs"


def raw_dir(year: ReportingYear, root: Path = RAW_DIR) -> Path:
    """Folder holding a year's inputs exactly as received (read-only)."""
    return root / str(year)


def clean_dir(year: ReportingYear, root: Path = CLEAN_DIR) -> Path:
    """Folder holding a year's clean, tidy tables."""
    return root / str(year)


def relative_to_project(path: Path) -> str:
    """A path as recorded in clean data and manifests: relative to the project when inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def years_held(root: Path = RAW_DIR) -> list[ReportingYear]:
    """Reporting years that have a raw-input folder, oldest first."""
    years = []
    if root.is_dir():
        for child in root.iterdir():
            if child.is_dir():
                try:
                    years.append(ReportingYear.parse(child.name))
                except ValueError:
                    continue
    return sorted(years)
