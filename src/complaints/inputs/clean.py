"""Build, write and read a year's clean tables (``data/clean/<year>/<table_id>.csv``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from complaints import cards, paths
from complaints.errors import InputError
from complaints.inputs.cases import MAPPING_FILE, check_cases, read_cases
from complaints.inputs.rawtext import read_raw_text
from complaints.inputs.report_text import extract_tables
from complaints.inputs.workbook import read_workbook
from complaints.years import ReportingYear


def find_raw_input(year: ReportingYear, raw_root: Path = paths.RAW_DIR) -> Path:
    """The year's raw input in ``data/raw/<year>/``: the mapping file of a case export
    (``cases-mapping.toml``, whose folder holds the export), else the report's text (``*.txt``)
    or a workbook filled in by the complaints team (``*.xlsx``), exactly one of them."""
    folder = paths.raw_dir(year, raw_root)
    if not folder.is_dir():
        held = ", ".join(str(y) for y in paths.years_held(raw_root)) or "none"
        raise InputError(
            f"no raw data for {year}: folder {paths.relative_to_project(folder)} does not exist",
            hint=f"years held: {held}; scaffold a new year with `complaints new-year {year}`",
        )
    if (folder / MAPPING_FILE).is_file():
        return folder / MAPPING_FILE
    candidates = sorted([*folder.glob("*.txt"), *folder.glob("*.xlsx")])
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "nothing"
        raise InputError(
            f"expected exactly one input (a report text *.txt or a workbook *.xlsx), found {found}",
            file=paths.relative_to_project(folder),
        )
    return candidates[0]


def extract_year(year: ReportingYear, raw_root: Path = paths.RAW_DIR) -> dict[str, pd.DataFrame]:
    """Read a year's raw input and return its clean tables (nothing is written)."""
    raw_file = find_raw_input(year, raw_root)
    label = paths.relative_to_project(raw_file)
    if raw_file.name == MAPPING_FILE:
        from complaints.inputs import case_rules  # loaded only for a case extract

        data, rules = read_cases(raw_file.parent, year)
        check_cases(data, year)  # refuses bad cases; logs the warnings
        return case_rules.tables_from_cases(data, year, case_rules.Settings.from_mapping(rules))
    if raw_file.suffix == ".xlsx":
        return read_workbook(raw_file, year, label=label)
    return extract_tables(read_raw_text(raw_file, label=label), year)


def write_tables(tables: dict[str, pd.DataFrame], out_dir: Path) -> dict[str, Path]:
    """Write every table as CSV into ``out_dir``, all or nothing.

    The files are written to a staging folder next to ``out_dir`` and swapped in only when all
    are written, so a failure never leaves a half-written year.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    try:
        for table_id, frame in tables.items():
            path = staging / f"{table_id}.csv"
            cards.conform(table_id, frame).to_csv(path, index=False, lineterminator="\n")
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        if out_dir.exists():
            out_dir.rename(old)
        staging.rename(out_dir)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return {t: out_dir / f"{t}.csv" for t in tables}


def build_clean(
    year: ReportingYear, raw_root: Path = paths.RAW_DIR, clean_root: Path = paths.CLEAN_DIR
) -> dict[str, Path]:
    """Extract a year's raw input and write its clean tables; returns the files written."""
    return write_tables(extract_year(year, raw_root), paths.clean_dir(year, clean_root))


def clean_table_path(
    year: ReportingYear, table_id: str, clean_root: Path = paths.CLEAN_DIR
) -> Path:
    """The CSV file of one clean table; a missing file is an error saying how to make it."""
    path = paths.clean_dir(year, clean_root) / f"{table_id}.csv"
    if not path.is_file():
        raise InputError(
            "clean table not found",
            file=paths.relative_to_project(path),
            table=table_id,
            hint=f"run `complaints clean --year {year}` first",
        )
    return path


def read_table(
    year: ReportingYear, table_id: str, clean_root: Path = paths.CLEAN_DIR
) -> pd.DataFrame:
    """Read one clean table with the types the schema declares."""
    strings = {c.name: "string" for c in cards.CARDS[table_id].columns if c.dtype == "string"}
    frame = pd.read_csv(clean_table_path(year, table_id, clean_root), dtype=strings)
    return cards.conform(table_id, frame)


def read_tables(year: ReportingYear, clean_root: Path = paths.CLEAN_DIR) -> dict[str, pd.DataFrame]:
    """Every clean table of a year (:func:`table_ids`), keyed by table id."""
    return {t: read_table(year, t, clean_root) for t in table_ids(year, clean_root)}


def table_ids(year: ReportingYear, clean_root: Path = paths.CLEAN_DIR) -> list[str]:
    """A year's clean tables: all those every input gives (a missing one is an error when read),
    and those only some inputs give (a case extract's) when the year's input gave them."""
    folder = paths.clean_dir(year, clean_root)
    return [
        t
        for t, card in cards.CARDS.items()
        if card.routes == cards.ROUTES or (folder / f"{t}.csv").is_file()
    ]


def summarise(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One line per clean table: its title, rows, and the raw lines it was read from."""
    return pd.DataFrame(
        {
            "table": table_id,
            "title": cards.CARDS[table_id].title,
            "rows": len(frame),
            "raw lines": f"{frame['source_line'].min()}-"
            f"{frame.get('source_line_end', frame['source_line']).max()}",
            "years described": ", ".join(sorted(frame["year"].unique(), reverse=True)),
        }
        for table_id, frame in tables.items()
    )
