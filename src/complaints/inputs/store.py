"""The multi-year store: every year's clean tables side by side, and the figures a report
needs for the years it compares.

Each year's input (the report text, or a workbook filled in by the complaints team) is cleaned
into ``data/clean/<year>/``. Every row knows the year it describes (``year``) and the report it
was taken from (``report_year``): the 2022-23 report restates figures for 2021-22 and earlier,
and those rows are held as such.

When the report for year Y compares years, each earlier year's figures come from the store, by
this preference:

1. the report being produced (Y), if it states them: rerunning a published report reproduces
   exactly what it published;
2. otherwise the report of that year itself;
3. otherwise the most recent other report that states them.

Where two reports give different values for the same figure, :func:`conflicts` lists them and the
validation step reports a warning naming both.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from complaints import cards, paths
from complaints.errors import InputError
from complaints.inputs.clean import build_clean, find_raw_input, read_table, read_tables
from complaints.words import join_words
from complaints.years import ReportingYear


def load_store(clean_root: Path = paths.CLEAN_DIR) -> dict[str, pd.DataFrame]:
    """Every table of every report held, concatenated (``report_year`` tells them apart)."""
    frames: dict[str, list[pd.DataFrame]] = {t: [] for t in cards.CARDS}
    for report in paths.years_held(clean_root):  # one clean folder a report, oldest first
        for table_id in cards.CARDS:
            if (paths.clean_dir(report, clean_root) / f"{table_id}.csv").is_file():
                frames[table_id].append(read_table(report, table_id, clean_root))
    return {
        t: cards.conform(t, pd.concat(f, ignore_index=True)) if f else cards.empty_frame(t)
        for t, f in frames.items()
    }


def years_described(store: dict[str, pd.DataFrame]) -> list[ReportingYear]:
    """Every reporting year any held report gives a figure for, oldest first."""
    years = {y for frame in store.values() for y in frame["year"].dropna().unique()}
    return sorted(ReportingYear.parse(y) for y in years)


def select_figures(
    frame: pd.DataFrame, table_id: str, years: list[ReportingYear], current: ReportingYear
) -> pd.DataFrame:
    """The rows of ``frame`` for ``years``, one per figure, chosen by the store's preference."""
    wanted = frame[frame["year"].isin([str(y) for y in years])]
    key = list(cards.CARDS[table_id].keys)
    if not key:  # free text: taken whole from the current report only
        return wanted[wanted["report_year"] == str(current)].reset_index(drop=True)
    ranked = wanted.assign(
        _other=wanted["report_year"] != str(current),
        _not_own=wanted["report_year"] != wanted["year"],
        _pos=range(len(wanted)),
    )
    by = ["_other", "_not_own", "report_year"]  # the current report, the year's own, the newest
    ranked = ranked.sort_values(by, ascending=[True, True, False], kind="stable")
    ranked = ranked.drop_duplicates(key, keep="first")
    # The current report's rows first, in their source order; then the others, newest first.
    ranked = ranked.sort_values(["_other", "report_year", "_pos"], ascending=[True, False, True])
    return cards.conform(table_id, ranked.drop(columns=["_other", "_not_own", "_pos"]))


@dataclass(frozen=True)
class Unavailable:
    table_id: str
    reason: str


def tables_for_report(
    year: ReportingYear, clean_root: Path = paths.CLEAN_DIR
) -> tuple[dict[str, pd.DataFrame], list[Unavailable]]:
    """The figures the report for ``year`` needs, table by table, from the store.

    Returns the tables that can be produced and, for the others, why they cannot: a table needs
    figures for ``year`` itself; earlier comparison years that no held report gives are simply
    absent (and named in the reason list as partial).
    """
    tables: dict[str, pd.DataFrame] = {}
    missing: list[Unavailable] = []
    for table_id, frame in load_store(clean_root).items():
        years = [year.previous(n) for n in range(cards.CARDS[table_id].years_shown)]
        selected = select_figures(frame, table_id, years, year)
        given = set(selected["year"])
        absent = [str(y) for y in years if str(y) not in given]
        if str(year) in absent:
            held = ", ".join(sorted(frame["year"].dropna().unique())) or "no year"
            routes = cards.CARDS[table_id].routes
            why = (
                f"only a {join_words(routes, 'or')} gives this table, and {year}'s input is not one"
                if routes != cards.ROUTES
                else f"no figures for {year} are held (this table holds {held}); the {year} "
                "report's input is not in data/raw and no later report restates this table "
                "for that year"
            )
            missing.append(Unavailable(table_id, why))
            continue
        if absent:
            why = f"partial: no figures held for {', '.join(absent)}, so those years are left out"
            missing.append(Unavailable(table_id, f"{why} of the comparison"))
        tables[table_id] = selected
    return tables, missing


#: Where each of two disagreeing figures comes from: its ``<side>_<name>`` columns of
#: :func:`conflicts`, and the store's column each is read from.
_SIDES = {"report": "report_year", "value": "value", "file": "source_file", "line": "source_line"}
_SIDE_COLUMNS = [f"{side}_{name}" for side in ("left", "right") for name in _SIDES]
CONFLICT_COLUMNS = ("table", "figure", "year", "unit", *_SIDE_COLUMNS)


def conflicts(
    clean_root: Path = paths.CLEAN_DIR, concerning: ReportingYear | None = None
) -> pd.DataFrame:
    """Figures that two held reports give with different values: one row per disagreement, with
    both values and where each came from.

    With ``concerning``, only the disagreements that matter to that year's report: figures for
    that year, or figures that year's report gives.
    """
    records = []
    for table_id, frame in load_store(clean_root).items():
        key = list(cards.CARDS[table_id].keys)
        for _, group in frame.groupby(key, sort=True, dropna=False) if key else ():
            if group["report_year"].nunique() < 2:
                continue
            rows = group.sort_values("report_year").to_dict("records")
            for left, right in itertools.pairwise(rows):
                about = (left["year"], left["report_year"], right["report_year"])
                if left["value"] == right["value"] or (
                    concerning is not None and str(concerning) not in about
                ):
                    continue
                figure = ", ".join(f"{left[k]}" for k in key if k != "year")
                sides = [row[column] for row in (left, right) for column in _SIDES.values()]
                records.append([table_id, figure, left["year"], left["unit"], *sides])
    return pd.DataFrame(records, columns=list(CONFLICT_COLUMNS))


def held_years(raw_root: Path = paths.RAW_DIR, clean_root: Path = paths.CLEAN_DIR) -> list[str]:
    """Every year that can be run, oldest first: years with an input or described in the store."""
    years = set(paths.years_held(raw_root)) | set(years_described(load_store(clean_root)))
    return [str(y) for y in sorted(years)]


def prepare_year(
    year: ReportingYear, raw_root: Path = paths.RAW_DIR, clean_root: Path = paths.CLEAN_DIR
) -> tuple[dict[str, pd.DataFrame], str]:
    """Clean the year's own input into the store, or, for a year held only as figures restated
    in later reports, gather those. Returns the year's tables and a sentence saying which."""
    if paths.raw_dir(year, raw_root).is_dir():
        build_clean(year, raw_root, clean_root)
        source = paths.relative_to_project(find_raw_input(year, raw_root))
        return (
            read_tables(year, clean_root),
            f"{year}: every table extracted from `{source}` into "
            f"`{paths.relative_to_project(paths.clean_dir(year, clean_root))}/`.",
        )
    tables, _ = tables_for_report(year, clean_root)
    if not tables:
        raise InputError(
            f"no data held for {year}: no input in "
            f"{paths.relative_to_project(paths.raw_dir(year, raw_root))}/ and no held report "
            "gives figures for it",
            hint=f"years held: {', '.join(held_years(raw_root, clean_root)) or 'none'}",
        )
    reports = sorted({r for f in tables.values() for r in f["report_year"].unique()})
    return (
        tables,
        f"{year}: there is no input for this year; its figures are those restated in the "
        f"{', '.join(reports)} report(s) held. Nothing is written to the store.",
    )
