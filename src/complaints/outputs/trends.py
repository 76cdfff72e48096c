"""Trends across every year held: the headline series an analyst follows over time.

Each series is taken from the multi-year store with the store's preference (a year's own report
first, otherwise the latest report restating it), looking only at reports up to the year being
run, so adding a later year never changes an earlier year's outputs.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.style
import pandas as pd

from complaints import cards, paths
from complaints.inputs import store
from complaints.words import format_value
from complaints.years import ReportingYear

#: The headline series, in the cards' order: (table id, series) for every series a card declares.
SERIES: tuple[tuple[str, cards.Series], ...] = tuple(
    (card.id, series) for card in cards.CARDS.values() for series in card.series
)

#: Derived series: (id, label, first, second, unit): ``first`` plus ``second`` (``count``), or
#: ``first`` (upheld) as a percentage of ``second`` (approaches; ``percent``).
DERIVED: tuple[tuple[str, str, str, str, str], ...] = (
    ("social_care_total", "Children's Social Care complaints (formal and informal together)",
     "social_care_formal", "social_care_informal", "count"),
    ("social_care_ombudsman_upheld_rate", "Children's Social Care Ombudsman upheld rate",
     "social_care_ombudsman_upheld", "social_care_ombudsman", "percent"),
    ("whole_authority_ombudsman_upheld_rate", "Children's Whole Authority Ombudsman upheld rate",
     "whole_authority_ombudsman_upheld", "whole_authority_ombudsman", "percent"),
)  # fmt: skip
COLUMNS = ["year", "series", "label", "value", "unit", "report_year", "source"]


def headline_series(up_to: ReportingYear, clean_root: Path = paths.CLEAN_DIR) -> pd.DataFrame:
    """Every headline series for every year held up to ``up_to``: one row per series and year,
    with the report each figure came from (``source`` is file:line; derived series name their
    parts)."""
    held = store.load_store(clean_root)
    found = []
    for table_id, series in SERIES:
        frame = held[table_id]
        frame = frame[frame["report_year"].map(lambda y: ReportingYear.parse(y) <= up_to)]
        for column, wanted in series.match.items():
            frame = frame[frame[column] == wanted]
        years = sorted(y for y in map(ReportingYear.parse, set(frame["year"])) if y <= up_to)
        rows = store.select_figures(frame, table_id, years, up_to).sort_values("year")
        source = rows["source_file"] + ":" + rows["source_line"].astype(str)
        rows = rows.assign(series=series.id, label=series.label, unit=series.unit, source=source)
        found.append(rows.astype({"value": float})[COLUMNS])
    # Plain columns (not the store's nullable ones), as the derived series have; each series
    # by year, the derived ones last.
    out = pd.concat(found, ignore_index=True).astype(object).infer_objects()
    return pd.concat([out, *(_derived(out, *spec) for spec in DERIVED)], ignore_index=True)


def _derived(frame, series_id, label, first, second, unit) -> pd.DataFrame:
    """A :data:`DERIVED` series in the years both parts hold (percent: where ``second`` > 0)."""
    a, b = (frame[frame["series"] == s] for s in (first, second))
    joined = a.merge(b, on="year", suffixes=("", "_b"))  # in the years of ``first``
    if unit == "percent":
        joined = joined[joined["value_b"] > 0]
        value = (100 * joined["value"] / joined["value_b"]).round(1)
    else:
        value = joined["value"] + joined["value_b"]
    source = joined["source"] + " + " + joined["source_b"]
    joined = joined.assign(series=series_id, label=label, value=value, unit=unit, source=source)
    return joined[COLUMNS]


# Charts -------------------------------------------------------------------------------------

#: One chart per question an analyst asks: (chart id, series shown, y-axis label).
TREND_CHARTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("trend_social_care_complaints",
     ("social_care_total", "social_care_informal", "social_care_formal"), "Number of complaints"),
    ("trend_whole_authority_complaints",
     ("whole_authority_formal", "whole_authority_informal"), "Number of complaints"),
    ("trend_ombudsman_upheld_rate",
     ("social_care_ombudsman_upheld_rate", "whole_authority_ombudsman_upheld_rate"),
     "Upheld, % of approaches"),
    ("trend_stage1_timeliness", ("stage1_within_20_days",), "% within 20 working days"),
    ("trend_children_in_care", ("children_in_care",), "Number of complaints"),
    ("trend_compliments", ("social_care_compliments", "non_social_care_compliments"),
     "Number of compliments"),
)  # fmt: skip
_MARKERS = ("o", "s", "^", "D")
_LINESTYLES = ("-", "--", ":", "-.")


def _finding(first: pd.DataFrame) -> str:
    """The title: how the ``first`` series moved between its first and last year held."""
    label, unit = first["label"].iloc[0], first["unit"].iloc[0]
    start, end = first.iloc[0], first.iloc[-1]
    a, b = (format_value(r["value"], unit) for r in (start, end))
    if len(first) == 1:
        return f"{label}: {b} in {end['year']}"
    if end["value"] == start["value"]:
        return f"{label} was {b} in {start['year']} and {end['year']}"
    verb = "rose" if end["value"] > start["value"] else "fell"
    return f"{label} {verb} from {a} in {start['year']} to {b} in {end['year']}"


def draw_trend_charts(series: pd.DataFrame, charts_dir: Path) -> list:
    """Line charts of the headline series (a series held for one year only is still shown as a
    point), in the report charts' accessible style; returns the charts written."""
    from complaints.outputs import charts as style

    charts_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for chart_id, ids, ylabel in TREND_CHARTS:
        lines = [series[series["series"] == s].sort_values("year") for s in ids]
        lines = [line for line in lines if len(line)]  # the series held, in the chart's order
        if not lines:
            continue
        data = pd.concat(lines)
        years = sorted(data["year"].unique())
        colours = style.palette(len(lines))
        with matplotlib.style.context([style.AF_STYLE, style.RC_OVERRIDES]):
            figure, ax = style.new_figure(9, 5)
            described = []  # each series' points, for the text alternative
            for i, line in enumerate(lines):
                xs = [years.index(y) for y in line["year"]]
                shown = [format_value(v, line["unit"].iloc[0]) for v in line["value"]]
                ax.plot(xs, line["value"], color=colours[i], marker=_MARKERS[i],
                        linestyle=_LINESTYLES[i], linewidth=2.5, markersize=8,
                        label=line["label"].iloc[0])  # fmt: skip
                # Every point lies inside the axes' limits: matplotlib need not check it at draw.
                for x, v, text in zip(xs, line["value"], shown, strict=True):
                    ax.annotate(text, (x, v), textcoords="offset points", xytext=(0, 8),
                                ha="center", fontsize=10, annotation_clip=False)  # fmt: skip
                points = ", ".join(f"{y} {t}" for y, t in zip(line["year"], shown, strict=True))
                described.append(f"{line['label'].iloc[0]}: {points}")
            ax.set_xticks(range(len(years)), years)
            ax.set_xlim(-0.5, len(years) - 0.5)
            ax.set_ylim(bottom=0, top=max(data["value"]) * 1.2 or 1)
            ax.set(xlabel="Reporting year", ylabel=ylabel)
            if len(lines) > 1:
                ax.legend(loc="upper left", bbox_to_anchor=(0, -0.15), frameon=False)
            title = _finding(lines[0])
            style.add_title(figure, title)
            alt = f"Line chart, {years[0]} to {years[-1]}. {title}. {'; '.join(described)}."
            source = (
                "Source: Dorset Council Annual Complaints Reports "
                f"{', '.join(sorted(data['report_year'].unique()))} (figures for each year from "
                "its own report where held)"
            )
            draft = style.Chart(chart_id, title, alt, source, figure, tuple(colours))
            written.append(style.save_chart(draft, charts_dir))
    return written


def write_trends(series: pd.DataFrame, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "headline_series.csv"
    series.to_csv(target, index=False, lineterminator="\n", float_format="%g")
    return target


def wide(series: pd.DataFrame) -> pd.DataFrame:
    """The series as a table an analyst reads: one row per series, one column per year."""
    table = series.pivot_table(index="label", columns="year", values="value", aggfunc="first",
                               sort=False)  # fmt: skip
    table = table.loc[:, sorted(table.columns)]
    table.columns.name = None
    return table.reset_index().rename(columns={"label": "Series"})
