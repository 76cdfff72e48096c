"""complaints: turn a council's children's-services complaints data into its annual report.

For analysts, one line gives a table over every year held::

    from complaints import load
    load()                          # the tables there are, with the years held
    load("social_care_quarterly")   # one tidy frame: year, report_year, columns, source
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: The version is set in one place, pyproject.toml.
__version__ = version("complaints")


def load(
    table: str | None = None,
    *,
    up_to: str | None = None,
    clean_root: Path | str | None = None,
) -> pd.DataFrame:
    """One clean table over every year held, one row per figure and year: each figure from the
    latest report held that states it, as ``04_trends`` takes it (``report_year`` says which,
    ``source_file``/``source_line`` where it is printed). Free-text tables give every report's
    own rows. ``up_to`` (``"2022-23"``) reads only the reports up to that year, so that a later
    year never changes what an earlier one shows. Without ``table``, the tables there are: id,
    title, what a row is, years held. Reads ``data/clean/`` (or ``clean_root``); writes nothing."""
    import pandas as pd

    from complaints import cards, paths
    from complaints.errors import InputError
    from complaints.inputs import store
    from complaints.years import ReportingYear

    root = Path(clean_root) if clean_root else paths.CLEAN_DIR
    held = store.load_store(root)
    reports = [
        y for y in paths.years_held(root) if up_to is None or y <= ReportingYear.parse(up_to)
    ]
    held = {t: f[f["report_year"].isin([str(y) for y in reports])] for t, f in held.items()}
    if table is None:
        return pd.DataFrame(
            [
                {
                    "table": card.id,
                    "title": card.title,
                    "row": card.grain,
                    "years": ", ".join(sorted(held[card.id]["year"].dropna().unique())),
                }
                for card in cards.CARDS.values()
            ]
        )
    if table not in cards.CARDS:
        raise InputError(
            f"there is no table {table!r}", hint=f"the tables are: {', '.join(cards.CARDS)}"
        )
    frame = held[table]
    if frame.empty:
        return frame.reset_index(drop=True)
    if not cards.CARDS[table].keys:
        return frame[frame["year"] == frame["report_year"]].reset_index(drop=True)
    years = store.years_described({table: frame})
    chosen = store.select_figures(frame, table, years, max(reports))
    return chosen.sort_values("year", kind="stable").reset_index(drop=True)
