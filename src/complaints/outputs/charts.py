"""The report's charts, drawn with seaborn in the Analysis Function style, from the clean tables.

Every chart follows the UK Government Analysis Function guidance on accessible charts:

* the afcharts style and palette, restricted to colours with at least 3:1 contrast against the
  white background (WCAG 2.2 AA, non-text contrast), checked by ``check_contrast``;
* colour is never the only cue: every bar carries its value, and series are told apart by
  hatching as well as colour (the legend shows both);
* a title that states the main finding, worded by code comparing the numbers (never typed);
* labelled axes, a source line built from the clean data's provenance, and a text alternative
  (``alt_text``) with the figures, returned with each chart and embedded in the SVG as
  ``<title>``/``<desc>``.

Charts of the public edition (:mod:`complaints.outputs.disclosure`) are drawn from the suppressed
figures: a suppressed figure has no value, so its bar is not drawn and its label (and its place
in the text alternative) says ``c``, which the text alternative then explains. Titles state and
compare published figures only: a finding that needs a suppressed figure (a peak, a rise, a
total, "the largest") falls back to a title that describes the chart without figures, and a
ranking puts suppressed bars last, in the order printed, never by their hidden value.

Output is deterministic: figures are drawn without pyplot (no GUI backend; the Agg renderer
writes the PNG), with a fixed SVG hash salt, text kept as text in the SVG and no dates or
software versions in the files' metadata, so two runs give byte-identical PNG and SVG files.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import afcharts
import matplotlib.style
import pandas as pd
import seaborn as sns
from afcharts.af_colours import get_af_colours
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from complaints.outputs.disclosure import LEGEND, SUPPRESSED
from complaints.outputs.html import render_html
from complaints.outputs.report_tables import period_key, source_note
from complaints.words import format_number, join_words
from complaints.years import ReportingYear

#: The Analysis Function matplotlib style shipped with afcharts.
AF_STYLE = Path(afcharts.__file__).parent / "afcharts.mplstyle"
BACKGROUND = "#FFFFFF"
#: WCAG 2.2 AA non-text contrast (SC 1.4.11) for graphical objects.
MIN_GRAPHIC_CONTRAST = 3.0
#: Text colour (WCAG 1.4.3 needs 4.5:1 for text).
TEXT_COLOUR = "#0B0C0C"
PNG_DPI = 110
#: Height kept free under every chart for its source line.
SOURCE_BAND_INCHES = 0.4
#: Hatch patterns telling series apart without colour, one per series.
HATCHES = ("", "//", "..", "xx", "\\\\", "++")
SERVICES = {
    "social_care_quarterly": "Children's Social Care",
    "non_social_care_quarterly": "Children's Non Social Care",
}

#: Settings on top of the afcharts style: a font shipped with matplotlib (same glyph metrics on
#: every machine) and deterministic SVG output.
RC_OVERRIDES: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 12,
    "text.color": TEXT_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.labelcolor": TEXT_COLOUR,
    "ytick.labelcolor": TEXT_COLOUR,
    "axes.titlesize": 13,
    "svg.hashsalt": "complaints-report",
    "svg.fonttype": "none",
    "figure.facecolor": BACKGROUND,
    "axes.facecolor": BACKGROUND,
    "savefig.facecolor": BACKGROUND,
    "hatch.linewidth": 1.5,
}


@dataclass(frozen=True)
class Chart:
    """A chart as written: its id, title (the finding), text alternative, files and source."""

    id: str
    title: str
    alt_text: str
    png: Path
    svg: Path
    source: str
    colours: tuple[str, ...] = field(default=())


@dataclass
class Draft:
    """A chart drawn but not yet written: its figure (from :func:`new_figure`, titled with
    :func:`add_title`), with the title, text alternative, source line and colours that
    :func:`save_chart` writes with it."""

    id: str
    title: str
    alt_text: str
    source: str
    figure: Figure
    colours: tuple[str, ...]


# Colour and contrast ----------------------------------------------------------------------------


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of a ``#RRGGBB`` colour."""
    text = colour.lstrip("#")
    channels = [int(text[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str = BACKGROUND) -> float:
    """WCAG 2.2 contrast ratio of two colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def check_contrast(colours: Sequence[str], minimum: float = MIN_GRAPHIC_CONTRAST) -> None:
    """Raise ``ValueError`` naming any colour with less than ``minimum`` contrast on white."""
    weak = {c: round(contrast_ratio(c), 2) for c in colours if contrast_ratio(c) < minimum}
    if weak:
        raise ValueError(f"colours below {minimum}:1 contrast against white: {weak}")


def palette(n: int) -> list[str]:
    """``n`` Analysis Function colours, in the guidance's order, all at least 3:1 on white."""
    return list(_palette(n))


@functools.cache
def _palette(n: int) -> tuple[str, ...]:
    if n <= 1:
        colours = get_af_colours("duo")[:1]
    elif n == 2:
        colours = get_af_colours("duo")
    else:
        colours = get_af_colours("categorical", number_of_colours=n)
    colours = tuple(c.upper() for c in colours)
    check_contrast(colours)
    return colours


# Words from numbers -----------------------------------------------------------------------------


def _hidden(value: object) -> bool:
    """True for a figure without a value: suppressed in the public edition."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _n(value: object) -> str:
    return SUPPRESSED if _hidden(value) else format_number(value)


def _pct(value: object) -> str:
    return SUPPRESSED if _hidden(value) else f"{format_number(value)}%"


def _shown(values: Mapping[str, float]) -> dict[str, float]:
    return {k: v for k, v in values.items() if not _hidden(v)}


def _peaks(values: Mapping[str, float]) -> list[str]:
    top = max(values.values())
    return [k for k, v in values.items() if v == top]


def _change(label: str, before: float, after: float, fmt: Callable[[object], str] = _n) -> str:
    if after > before:
        return f"{label} rose from {fmt(before)} to {fmt(after)}"
    if after < before:
        return f"{label} fell from {fmt(before)} to {fmt(after)}"
    return f"{label} was unchanged at {fmt(after)}"


def _direction(before: float, after: float) -> str:
    return "up" if after > before else "down" if after < before else "unchanged"


def _series_text(name: str, labels: Sequence[str], values: Sequence[float], fmt=_n) -> str:
    pairs = ", ".join(f"{lab} {fmt(v)}" for lab, v in zip(labels, values, strict=True))
    return f"{name}: {pairs}."


def _years_oldest_first(frame: pd.DataFrame) -> list[str]:
    return sorted(
        {str(y) for y in frame["year"].dropna()}, key=lambda y: ReportingYear.from_label(y).start
    )


def _this_and_previous(frame: pd.DataFrame, year: ReportingYear) -> tuple[str, str | None]:
    """The reporting year, and the latest earlier year held in the table (if any)."""
    years = _years_oldest_first(frame)
    this = str(year) if str(year) in years else years[-1]
    earlier = [y for y in years if ReportingYear.from_label(y) < ReportingYear.from_label(this)]
    return this, (earlier[-1] if earlier else None)


# Drawing helpers --------------------------------------------------------------------------------


def new_figure(width: float, height: float, **subplots: object) -> tuple[Figure, object]:
    """A ``width`` x ``height`` inch figure with constrained layout (no pyplot) and its axes
    (``Figure.subplots(**subplots)``). Draw it inside ``matplotlib.style.context([AF_STYLE,
    RC_OVERRIDES])``."""
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(**subplots)
    return figure, axes


def _bars(
    ax: Axes,
    data: pd.DataFrame,
    *,
    category: str,
    value: str,
    order: Sequence[str],
    series: str | None = None,
    series_order: Sequence[str] = (),
    colours: Sequence[str] = (),
    horizontal: bool = False,
    fmt: Callable[[object], str] = _n,
) -> None:
    """Seaborn bars with a value on every bar and hatching per series. A suppressed figure (no
    value) gets no bar, and ``c`` as its label."""
    x, y = (value, category) if horizontal else (category, value)
    missing = data[value].isna()
    hidden = {
        (str(r[category]), str(r[series]) if series is not None else None)
        for _, r in data[missing].iterrows()
    }
    if hidden:
        data = data.assign(**{value: data[value].fillna(0)})
    if series is None:
        sns.barplot(
            data=data,
            x=x,
            y=y,
            order=list(order),
            color=colours[0],
            errorbar=None,
            saturation=1,
            edgecolor=BACKGROUND,
            linewidth=1,
            orient="h" if horizontal else "v",
            ax=ax,
        )
    else:
        sns.barplot(
            data=data,
            x=x,
            y=y,
            order=list(order),
            hue=series,
            hue_order=list(series_order),
            palette=dict(zip(series_order, colours, strict=True)),
            errorbar=None,
            saturation=1,
            edgecolor=BACKGROUND,
            linewidth=1,
            orient="h" if horizontal else "v",
            legend=False,
            ax=ax,
        )
    for index, container in enumerate(ax.containers):
        for bar in container:
            bar.set_hatch(HATCHES[index % len(HATCHES)])
            bar.set_hatchcolor(BACKGROUND)
        name = str(series_order[index]) if series is not None else None
        labels = [fmt(v) for v in container.datavalues]
        if hidden:
            if len(container) != len(order):
                raise ValueError("every category needs a bar to label suppressed figures")
            labels = [
                SUPPRESSED if (str(cat), name) in hidden else text
                for cat, text in zip(order, labels, strict=True)
            ]
        # Every label sits on its bar, inside the axes: no need for matplotlib to check that
        # (at every draw) before drawing it.
        ax.bar_label(
            container,
            labels=labels,
            padding=3,
            fontsize=10,
            color=TEXT_COLOUR,
            annotation_clip=False,
        )
    ax.margins(**({"x": 0.12} if horizontal else {"y": 0.12}))
    if hidden and not (data[value] > 0).any():
        # Nothing drawn: let the value axis reach 1 (shared axes still follow their data).
        ax.update_datalim([(1, 0)] if horizontal else [(0, 1)])
        ax.autoscale_view()
        (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    if horizontal:
        ax.grid(False)
        ax.grid(True, axis="x")


def _legend(ax: Axes, labels: Sequence[str], colours: Sequence[str]) -> None:
    """A legend showing colour and hatching, in a row above the plot (or filling a key axes)."""
    handles = [
        Patch(
            facecolor=colour,
            edgecolor=BACKGROUND,
            hatch=HATCHES[i % len(HATCHES)],
            hatchcolor=BACKGROUND,
            label=label,
        )
        for i, (label, colour) in enumerate(zip(labels, colours, strict=True))
    ]
    ax.legend(
        handles=handles,
        ncols=len(handles),
        frameon=False,
        handlelength=2.5,
        handleheight=1.5,
        loc="lower left",
        bbox_to_anchor=(0, 0 if not ax.axison else 1.02),
        borderaxespad=0,
    )


def _panels(
    width: float, height: float, height_ratios: Sequence[float], ncols: int = 1
) -> tuple[Figure, Axes, list[Axes]]:
    """A figure with a key row (for the legend) above panels sharing their value axis."""
    figure = Figure(figsize=(width, height), layout="constrained")
    nrows = len(height_ratios)
    # The key row is about half an inch tall, whatever the panels' heights.
    key_ratio = 0.5 / max(height - 1.6, 1.0) * sum(height_ratios)
    grid = figure.add_gridspec(nrows + 1, ncols, height_ratios=[key_ratio, *height_ratios])
    key = figure.add_subplot(grid[0, :])
    key.axis("off")
    panels: list[Axes] = []
    for index in range(nrows * ncols):
        row, col = divmod(index, ncols)
        share = {"sharey" if ncols > 1 else "sharex": panels[0]} if panels else {}
        panels.append(figure.add_subplot(grid[row + 1, col], **share))
    return figure, key, panels


def add_title(figure: Figure, title: str, width: int = 70) -> None:
    """The chart's title (its finding) at the top left, bold, wrapped at ``width`` characters."""
    figure.suptitle(
        textwrap.fill(title, width),
        x=0.01,
        ha="left",
        fontsize=14,
        fontweight="bold",
        color=TEXT_COLOUR,
    )


def _wrap(label: str, width: int = 28) -> str:
    return textwrap.fill(str(label), width, break_long_words=False)


# The charts -------------------------------------------------------------------------------------

_COMPLAINT_TYPES = {"formal_complaints": "Formal", "informal_complaints": "Informal"}


def _quarters(frame: pd.DataFrame) -> list[str]:
    return sorted(
        {str(p) for p in frame["period"].dropna() if period_key(p)[0] != 99}, key=period_key
    )


def _quarterly_values(frame: pd.DataFrame, measure: str, quarters: Sequence[str]) -> list[float]:
    rows = frame[frame["measure"].astype(str) == measure]
    by_period = {str(r["period"]): float(r["value"]) for _, r in rows.iterrows()}
    return [by_period.get(q, float("nan")) for q in quarters]


def _quarterly_bars(
    ax: Axes,
    quarters: Sequence[str],
    values: Mapping[str, Sequence[float]],
    names: Mapping[str, str],
    colours: Sequence[str],
) -> None:
    """Bars of several quarterly measures side by side in each quarter: ``values`` maps a
    measure to its figure in each quarter, ``names`` a measure to its series name."""
    data = pd.DataFrame(
        [
            {"quarter": q, "series": name, "value": v}
            for measure, name in names.items()
            for q, v in zip(quarters, values[measure], strict=True)
        ]
    )
    _bars(
        ax,
        data,
        category="quarter",
        value="value",
        order=quarters,
        series="series",
        series_order=list(names.values()),
        colours=colours,
    )


def _single_series_chart(
    labels: Sequence[str], values: Sequence[float], xlabel: str, ylabel: str, title: str
) -> tuple[Figure, list[str]]:
    """A titled 9 x 5 inch chart of one bar per label, in one colour (returned with it)."""
    colours = palette(1)
    data = pd.DataFrame({"label": list(labels), "value": list(values)})
    figure, ax = new_figure(9, 5)
    _bars(ax, data, category="label", value="value", order=labels, colours=colours)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    add_title(figure, title)
    return figure, colours


def _complaints_by_quarter(table_id: str) -> Callable[..., Draft]:
    service = SERVICES[table_id]

    def draw(tables: Mapping[str, pd.DataFrame], year: ReportingYear) -> Draft:
        clean = tables[table_id]
        quarters = _quarters(clean)
        used = clean[clean["measure"].astype(str).isin(_COMPLAINT_TYPES)]
        values = {m: _quarterly_values(clean, m, quarters) for m in _COMPLAINT_TYPES}
        formal, informal = values["formal_complaints"], values["informal_complaints"]
        totals = {q: f + i for q, f, i in zip(quarters, formal, informal, strict=True)}
        if any(_hidden(v) for v in formal + informal):
            title = f"Formal and informal complaints to {service} in each quarter of {year}"
        elif all(i > f for f, i in zip(formal, informal, strict=True)):
            title = (
                f"{service} received more informal than formal complaints in every quarter "
                f"of {year}, and the most in {join_words(_peaks(totals))}"
            )
        elif all(f > i for f, i in zip(formal, informal, strict=True)):
            title = (
                f"{service} received more formal than informal complaints in every quarter "
                f"of {year}, and the most in {join_words(_peaks(totals))}"
            )
        else:
            title = (
                f"Complaints to {service}, formal and informal together, peaked in "
                f"{join_words(_peaks(totals))}"
            )

        colours = palette(2)
        names = list(_COMPLAINT_TYPES.values())
        figure, ax = new_figure(9, 5.5)
        _quarterly_bars(ax, quarters, values, _COMPLAINT_TYPES, colours)
        ax.set_xlabel(f"Quarter of {year}")
        ax.set_ylabel("Number of complaints")
        _legend(ax, [f"{n} complaints" for n in names], colours)
        add_title(figure, title)
        alt = (
            f"Bar chart of formal and informal complaints to {service} in each quarter of "
            f"{year}. {title}. "
            + _series_text("Formal complaints", quarters, formal)
            + " "
            + _series_text("Informal complaints", quarters, informal)
        )
        return Draft(
            table_id.replace("_quarterly", "_complaints_by_quarter"),
            title,
            alt,
            source_note(used, year),
            figure,
            tuple(colours),
        )

    return draw


def _ombudsman_by_quarter(tables: Mapping[str, pd.DataFrame], year: ReportingYear) -> Draft:
    measures = {"ombudsman_received": "Received", "ombudsman_upheld": "Upheld"}
    colours = palette(2)
    names = list(measures.values())
    figure, key, axes = _panels(11, 6, [1.0], ncols=len(SERVICES))
    phrases, alt_parts, used, withheld = [], [], [], []
    for ax, (table_id, service) in zip(axes, SERVICES.items(), strict=True):
        clean = tables[table_id]
        quarters = _quarters(clean)
        rows = clean[clean["measure"].astype(str).isin(measures)]
        used.append(rows)
        values = {m: _quarterly_values(clean, m, quarters) for m in measures}
        totals = {}
        for measure in measures:
            total = rows[
                (rows["measure"].astype(str) == measure)
                & (rows["period"].map(lambda p: period_key(p)[0]) == 99)
            ]["value"]
            totals[measure] = float(total.iloc[0]) if len(total) else sum(values[measure])
        if any(_hidden(v) for v in totals.values()):
            withheld.append(service)
        else:
            phrases.append(
                f"{_n(totals['ombudsman_upheld'])} of {_n(totals['ombudsman_received'])} "
                f"approaches about {service}"
            )
        _quarterly_bars(ax, quarters, values, measures, colours)
        ax.set_title(service, loc="left")
        ax.set_xlabel(f"Quarter of {year}")
        ax.set_ylabel("Number of Ombudsman approaches" if ax is axes[0] else "")
        alt_parts.append(
            f"{service}. "
            + _series_text("Received", quarters, values["ombudsman_received"])
            + " "
            + _series_text("Upheld", quarters, values["ombudsman_upheld"])
        )
    if not withheld:
        title = f"In {year} the Ombudsman upheld {join_words(phrases)}"
    elif phrases:
        title = (
            f"In {year} the Ombudsman upheld {join_words(phrases)}; the figures for "
            f"{join_words(withheld)} are suppressed"
        )
    else:
        title = (
            f"Approaches to the Ombudsman received and upheld in each quarter of {year}; the "
            "year's totals are suppressed"
        )
    _legend(key, [f"{n} approaches" for n in names], colours)
    add_title(figure, title, width=90)
    alt = (
        "Two bar charts, side by side, of approaches to the Local Government and Social Care "
        f"Ombudsman received and upheld in each quarter of {year}. {title}. " + " ".join(alt_parts)
    )
    combined = pd.concat(used)
    return Draft(
        "ombudsman_by_quarter", title, alt, source_note(combined, year), figure, tuple(colours)
    )


def _statutory(table_id: str, service: str) -> Callable[..., Draft]:
    def draw(tables: Mapping[str, pd.DataFrame], year: ReportingYear) -> Draft:
        clean = tables[table_id].sort_values("source_line", kind="stable")
        this, previous = _this_and_previous(clean, year)
        years = _years_oldest_first(clean)
        data = clean.assign(
            item=[
                f"{label} upheld" if str(m) == "lgsco_upheld" else str(label)
                for label, m in zip(clean["label"], clean["measure"], strict=True)
            ],
            value=clean["value"].astype(float),
            year=clean["year"].astype(str),
        )
        items = list(dict.fromkeys(data["item"]))
        by_item = {
            item: {str(r["year"]): float(r["value"]) for _, r in g.iterrows()}
            for item, g in data.groupby("item", sort=False)
        }
        current = {i: v.get(this, float("nan")) for i, v in by_item.items()}
        largest = sorted((i for i in items if not _hidden(current[i])), key=lambda i: -current[i])
        top = by_item[largest[0]] if largest else {}
        series = [top.get(y) for y in years]
        steps = list(pairwise(series))
        complete = bool(largest) and not any(_hidden(v) for v in series)
        comparable = [
            i for i in largest if previous is not None and not _hidden(by_item[i].get(previous))
        ]
        if not largest:
            title = f"{service}: statutory complaints figures, {years[0]} to {years[-1]}"
        elif len(years) > 2 and complete and all(b > a for a, b in steps):
            title = (
                f"{service}: {largest[0]} rose every year, from {_n(series[0])} in {years[0]} "
                f"to {_n(series[-1])} in {years[-1]}"
            )
        elif len(years) > 2 and complete and all(b < a for a, b in steps):
            title = (
                f"{service}: {largest[0]} fell every year, from {_n(series[0])} in {years[0]} "
                f"to {_n(series[-1])} in {years[-1]}"
            )
        elif comparable:
            changes = [_change(i, by_item[i][previous], current[i]) for i in comparable[:2]]
            title = f"{service}: {join_words(changes)} between {previous} and {this}"
        elif previous is not None:
            title = f"{service}: statutory complaints figures, {years[0]} to {years[-1]}"
        else:
            title = f"{service}: {largest[0]} was the largest figure in {this}"

        colours_newest_first = palette(len(years))
        colours = list(reversed(colours_newest_first))  # oldest to newest, newest darkest
        figure, ax = new_figure(10, 5.5)
        _bars(
            ax,
            data,
            category="item",
            value="value",
            order=items,
            series="year",
            series_order=years,
            colours=colours,
        )
        ax.set_xticks(range(len(items)), [_wrap(i, 14) for i in items])
        ax.set_xlabel("Stage of the complaints process")
        ax.set_ylabel("Number of cases")
        _legend(ax, years, colours)
        add_title(figure, title)
        alt = (
            f"Bar chart of {service} statutory complaints figures in {join_words(years)}. "
            f"{title}. "
            + " ".join(
                _series_text(i, years, [by_item[i].get(y, float("nan")) for y in years])
                for i in items
            )
        )
        return Draft(table_id, title, alt, source_note(clean, year), figure, tuple(colours))

    return draw


def _stage1_timescales(tables: Mapping[str, pd.DataFrame], year: ReportingYear) -> Draft:
    clean = tables["stage1_timescales"].sort_values("source_line", kind="stable")
    years = _years_oldest_first(clean)
    this, previous = _this_and_previous(clean, year)
    bands = list(dict.fromkeys(clean["label"].astype(str)))
    values = {
        b: {str(r["year"]): float(r["value"]) for _, r in g.iterrows()}
        for b, g in clean.groupby(clean["label"].astype(str), sort=False)
    }
    first = bands[0]
    now = values[first].get(this, float("nan"))
    title = (
        f"{_pct(now)} of Children's Social Care Stage 1 complaints were answered in "
        f"{first.lower()} in {this}"
    )
    if _hidden(now):
        title = (
            f"Children's Social Care Stage 1 complaints by response time, {years[0]} to {years[-1]}"
        )
    elif previous is not None and not _hidden(values[first].get(previous)):
        before = values[first][previous]
        word = _direction(before, now)
        title += (
            f", unchanged from {previous}"
            if word == "unchanged"
            else f", {word} from {_pct(before)} in {previous}"
        )
    colours = palette(len(bands))
    data = clean.assign(
        band=clean["label"].astype(str), year=clean["year"].astype(str), value=clean["value"]
    )
    figure, ax = new_figure(9, 5.5)
    _bars(
        ax,
        data,
        category="year",
        value="value",
        order=years,
        series="band",
        series_order=bands,
        colours=colours,
        fmt=_pct,
    )
    ax.set_ylim(0, 105)
    ax.set_xlabel("Reporting year")
    ax.set_ylabel("Percentage of Stage 1 complaints")
    _legend(ax, bands, colours)
    add_title(figure, title)
    alt = f"Bar chart of Stage 1 response times, {join_words(years)}. {title}. " + " ".join(
        _series_text(b, years, [values[b].get(y, float("nan")) for y in years], _pct) for b in bands
    )
    return Draft("stage1_timescales", title, alt, source_note(clean, year), figure, tuple(colours))


def _ranked(
    table_id: str,
    key: str,
    *,
    xlabel: str,
    ylabel: str,
    fmt: Callable[[object], str],
    title_of: Callable[[list[tuple[str, float]], ReportingYear], str],
    what: str,
) -> Callable[..., Draft]:
    """A horizontal bar chart, largest first, of one value per group."""

    def draw(tables: Mapping[str, pd.DataFrame], year: ReportingYear) -> Draft:
        clean = tables[table_id]
        data = clean.assign(item=clean[key].astype(str), value=clean["value"].astype(float))
        data = data.sort_values("value", ascending=False, kind="stable")
        ranked = list(zip(data["item"], data["value"], strict=True))
        title = title_of(ranked, year)
        colours = palette(1)
        figure, ax = new_figure(9, 1.6 + 0.5 * len(ranked))
        _bars(
            ax,
            data,
            category="item",
            value="value",
            order=[i for i, _ in ranked],
            colours=colours,
            horizontal=True,
            fmt=fmt,
        )
        ax.set_yticks(range(len(ranked)), [_wrap(i) for i, _ in ranked])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        add_title(figure, title)
        order = "largest first" + (
            ", suppressed figures last" if any(_hidden(v) for _, v in ranked) else ""
        )
        alt = (
            f"Horizontal bar chart of {what} in {year}, {order}. {title}. "
            + "; ".join(f"{i} {fmt(v)}" for i, v in ranked)
            + "."
        )
        return Draft(table_id, title, alt, source_note(clean, year), figure, tuple(colours))

    return draw


def _groups_title(ranked: list[tuple[str, float]], year: ReportingYear) -> str:
    shown = [(i, v) for i, v in ranked if not _hidden(v)]
    if not shown:
        return f"Complainants to Children's Social Care in {year}, by group"
    if len(shown) < len(ranked):
        top = [i for i, v in shown if v == shown[0][1]]
        verb = "was the largest group" if len(top) == 1 else "were the largest groups"
        return (
            f"{join_words(top)} {verb} of complainants to Children's Social Care in {year} "
            f"among the groups that can be published: {_n(shown[0][1])}"
        )
    total = sum(v for _, v in ranked)
    top = [i for i, v in ranked if v == ranked[0][1]]
    share = " – more than half" if ranked[0][1] * 2 > total and len(top) == 1 else ""
    verb = "was the largest group" if len(top) == 1 else "were the largest groups"
    return (
        f"{join_words(top)} {verb} of complainants to Children's Social Care in {year}: "
        f"{_n(ranked[0][1])} of {_n(total)}{share}"
    )


def _themes_title(ranked: list[tuple[str, float]], year: ReportingYear) -> str:
    ranked = [(i, v) for i, v in ranked if not _hidden(v)]
    if not ranked:
        return f"Children's Social Care complaints by theme, {year}"
    top = [i for i, v in ranked if v == ranked[0][1]]
    noun = "theme" if len(top) == 1 else "themes"
    return (
        f"{join_words(top)} {'was the' if len(top) == 1 else 'were each the'} {noun} of "
        f"{_pct(ranked[0][1])} of Children's Social Care complaints in {year}"
    )


def _outcomes(tables: Mapping[str, pd.DataFrame], year: ReportingYear) -> Draft:
    clean = tables["complaint_outcomes"].sort_values("source_line", kind="stable")
    this, previous = _this_and_previous(clean, year)
    years = [y for y in (previous, this) if y is not None]
    outcomes = list(dict.fromkeys(clean["outcome"].astype(str)))
    values = {
        o: {str(r["year"]): float(r["value"]) for _, r in g.iterrows()}
        for o, g in clean.groupby(clean["outcome"].astype(str), sort=False)
    }
    withheld = any(_hidden(values[o].get(y)) for o in outcomes for y in years)
    if previous is None and withheld:
        title = f"Outcomes of Children's Social Care complaints in {this}"
    elif previous is None:
        top = max(outcomes, key=lambda o: values[o].get(this, 0))
        title = f"Most Children's Social Care complaints were found {top.lower()} in {this}"
    else:
        pairs = {
            o: (values[o].get(previous), values[o].get(this))
            for o in outcomes
            if not _hidden(values[o].get(previous)) and not _hidden(values[o].get(this))
        }
        rose = [o.lower() for o, (before, now) in pairs.items() if now > before]
        fell = [o.lower() for o, (before, now) in pairs.items() if now < before]
        parts = []
        if rose:
            parts.append(f"the share found {join_words(rose, 'or')} rose")
        if fell:
            parts.append(f"the share found {join_words(fell, 'or')} fell")
        if parts:
            title = f"In {this}, {join_words(parts)} compared with {previous}"
        elif withheld:
            title = f"Outcomes of Children's Social Care complaints, {previous} and {this}"
        else:
            title = f"Outcomes of Children's Social Care complaints were unchanged from {previous}"
        title = title.replace(f"In {this}, the share", f"In {this} the share of complaints", 1)
    colours = list(reversed(palette(len(years))))  # newest darkest
    data = clean[clean["year"].astype(str).isin(years)].assign(
        item=clean["outcome"].astype(str), year=clean["year"].astype(str)
    )
    figure, ax = new_figure(9, 5)
    _bars(
        ax,
        data,
        category="item",
        value="value",
        order=outcomes,
        series="year",
        series_order=years,
        colours=colours,
        horizontal=True,
        fmt=_pct,
    )
    ax.set_xlabel("Percentage of Children's Social Care complaints")
    ax.set_ylabel("Outcome")
    _legend(ax, years, colours)
    add_title(figure, title)
    alt = f"Horizontal bar chart of complaint outcomes, {join_words(years)}. {title}. " + " ".join(
        _series_text(o, years, [values[o].get(y, float("nan")) for y in years], _pct)
        for o in outcomes
    )
    return Draft("complaint_outcomes", title, alt, source_note(clean, year), figure, tuple(colours))


def _children_in_care_by_year(tables: Mapping[str, pd.DataFrame], year: ReportingYear) -> Draft:
    clean = tables["children_in_care_by_year"]
    years = _years_oldest_first(clean)
    this, previous = _this_and_previous(clean, year)
    values = {str(r["year"]): float(r["value"]) for _, r in clean.iterrows()}
    subject = "Complaints from children in care"
    withheld = any(_hidden(v) for v in values.values())
    if _hidden(values[this]) or (previous is not None and _hidden(values[previous])):
        title = f"{subject}, {years[0]} to {years[-1]}"
    elif previous is not None:
        title = f"{_change(subject, values[previous], values[this])}"
        title = title.replace(
            f"from {_n(values[previous])} to {_n(values[this])}",
            f"from {_n(values[previous])} in {previous} to {_n(values[this])} in {this}",
        ).replace(f"unchanged at {_n(values[this])}", f"unchanged at {_n(values[this])} in {this}")
    else:
        title = f"{subject} numbered {_n(values[this])} in {this}"
    highest = max(values.values())
    if withheld:
        pass  # a peak or "the most" would compare with suppressed figures
    elif values[this] < highest:
        peak_years = [y for y in years if values[y] == highest]
        title += f", below the {_n(highest)} of {join_words(peak_years)}"
    elif len(years) > 1:
        title += f", the most in the {len(years)} years shown"
    figure, colours = _single_series_chart(
        years, [values[y] for y in years], "Reporting year", "Number of complaints", title
    )
    alt = (
        f"Bar chart of complaints from children in care, {years[0]} to {years[-1]}. {title}. "
        + _series_text("Complaints", years, [values[y] for y in years])
    )
    return Draft(
        "children_in_care_by_year", title, alt, source_note(clean, year), figure, tuple(colours)
    )


def _children_in_care_by_quarter(tables: Mapping[str, pd.DataFrame], year: ReportingYear) -> Draft:
    clean = tables["children_in_care_by_quarter"]
    quarters = _quarters(clean)
    values = {str(r["period"]): float(r["value"]) for _, r in clean.iterrows()}
    if any(_hidden(values[q]) for q in quarters):
        title = f"Complaints and contacts from children in care in each quarter of {year}"
    else:
        peaks = _peaks({q: values[q] for q in quarters})
        title = (
            f"Complaints and contacts from children in care peaked in {join_words(peaks)} of "
            f"{year}, at {_n(values[peaks[0]])}"
        )
    figure, colours = _single_series_chart(
        quarters,
        [values[q] for q in quarters],
        f"Quarter of {year}",
        "Complaints or contacts",
        title,
    )
    alt = f"Bar chart of complaints and contacts from children in care by quarter. {title}. " + (
        _series_text("Complaints or contacts", quarters, [values[q] for q in quarters])
    )
    return Draft(
        "children_in_care_by_quarter", title, alt, source_note(clean, year), figure, tuple(colours)
    )


def _equality(tables: Mapping[str, pd.DataFrame], year: ReportingYear) -> Draft:
    clean = tables["equality_monitoring"].sort_values("source_line", kind="stable")
    this, previous = _this_and_previous(clean, year)
    years = [y for y in (previous, this) if y is not None]
    data = clean[clean["year"].astype(str).isin(years)].assign(
        characteristic=clean["characteristic"].astype(str),
        item=clean["group"].astype(str),
        year=clean["year"].astype(str),
        value=clean["value"].astype(float),
    )
    sections = list(dict.fromkeys(data["characteristic"]))
    groups = {s: list(dict.fromkeys(data[data["characteristic"] == s]["item"])) for s in sections}
    lookup = {(r.characteristic, r.item, r.year): r.value for r in data.itertuples()}

    if previous is not None:
        changes = [
            (s, g, lookup.get((s, g, previous)), lookup.get((s, g, this)))
            for s in sections
            for g in groups[s]
            if (s, g, previous) in lookup and (s, g, this) in lookup
        ]
        changes = [c for c in changes if not _hidden(c[2]) and not _hidden(c[3])]
    if previous is not None and changes:
        biggest = max(changes, key=lambda c: abs(c[3] - c[2]))
        s, g, before, after = biggest
        title = (
            f"The biggest year-on-year change in equality monitoring was {s.lower()} group {g}, "
            f"{_direction(before, after)} from {_pct(before)} in {previous} "
            f"to {_pct(after)} in {this}"
        )
    elif previous is not None:
        title = f"Equality monitoring of complainants, {previous} and {this}"
    else:
        title = f"Equality monitoring of complainants, {this}"

    colours = list(reversed(palette(len(years))))
    figure, key, axes = _panels(
        10,
        2.4 + 0.42 * sum(len(g) + 1.2 for g in groups.values()),
        [len(groups[s]) + 0.6 for s in sections],
    )
    for ax, section in zip(axes, sections, strict=True):
        _bars(
            ax,
            data[data["characteristic"] == section],
            category="item",
            value="value",
            order=groups[section],
            series="year",
            series_order=years,
            colours=colours,
            horizontal=True,
            fmt=_pct,
        )
        ax.set_yticks(range(len(groups[section])), [_wrap(g, 45) for g in groups[section]])
        ax.set_title(section, loc="left", fontweight="bold")
        ax.set_ylabel("")
        ax.set_xlabel("")
        ax.tick_params(axis="x", labelbottom=True)
    axes[-1].set_xlabel("Percentage of complainants who completed the monitoring form")
    figure.supylabel("Group", fontsize=12)
    _legend(key, years, colours)
    add_title(figure, title, width=80)
    alt = (
        f"Horizontal bar charts, one per characteristic ({join_words(sections)}), comparing "
        f"the equality monitoring of complainants in {join_words(years)}. {title}. "
        + " ".join(
            f"{s}: "
            + "; ".join(
                f"{g} "
                + ", ".join(
                    f"{_pct(lookup[(s, g, y)])} in {y}" for y in years if (s, g, y) in lookup
                )
                for g in groups[s]
            )
            + "."
            for s in sections
        )
    )
    return Draft(
        "equality_monitoring", title, alt, source_note(clean, year), figure, tuple(colours)
    )


#: chart id -> drawing function, in the report's order.
CHARTS: dict[str, Callable[[Mapping[str, pd.DataFrame], ReportingYear], Draft]] = {
    "social_care_complaints_by_quarter": _complaints_by_quarter("social_care_quarterly"),
    "non_social_care_complaints_by_quarter": _complaints_by_quarter("non_social_care_quarterly"),
    "ombudsman_by_quarter": _ombudsman_by_quarter,
    "statutory_social_care": _statutory("statutory_social_care", "Children's Social Care"),
    "statutory_whole_authority": _statutory(
        "statutory_whole_authority", "Children's Whole Authority"
    ),
    "complainant_groups": _ranked(
        "complainant_groups",
        "group",
        xlabel="Number of complainants",
        ylabel="Complainant group",
        fmt=_n,
        title_of=_groups_title,
        what="complainants to Children's Social Care by group",
    ),
    "complaint_themes": _ranked(
        "complaint_themes",
        "theme",
        xlabel="Percentage of Children's Social Care complaints",
        ylabel="Theme",
        fmt=_pct,
        title_of=_themes_title,
        what="Children's Social Care complaints by theme",
    ),
    "complaint_outcomes": _outcomes,
    "children_in_care_by_year": _children_in_care_by_year,
    "children_in_care_by_quarter": _children_in_care_by_quarter,
    "stage1_timescales": _stage1_timescales,
    "equality_monitoring": _equality,
}


# Saving -----------------------------------------------------------------------------------------


_SVG_ID = re.compile(r'\bid="([^"]+)"')


def _stable_ids(svg: str, chart_id: str) -> str:
    """Rename matplotlib's hashed element ids to ``<chart_id>-<n>`` in order of appearance.

    matplotlib hashes clip rectangles' float coordinates into ids; the layout solver can differ
    in the last bits between processes, which changes an id but no drawing. Sequential ids make
    the file depend only on what is drawn (and stay unique when several SVGs share a page).
    """
    names = {old: f"{chart_id}-{n}" for n, old in enumerate(dict.fromkeys(_SVG_ID.findall(svg)))}
    if not names:
        return svg
    pattern = re.compile(
        r'(?P<lead>id="|#)(?P<name>' + "|".join(re.escape(k) for k in names) + r')(?=[")])'
    )
    return pattern.sub(lambda m: m.group("lead") + names[m.group("name")], svg)


def _accessible_svg(svg: str, chart_id: str, title: str, description: str) -> str:
    """Give the SVG a ``<title>`` and ``<desc>`` that screen readers announce."""
    svg = _stable_ids(svg, chart_id)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    opening = re.search(r"<svg\b[^>]*>", svg)
    if opening is None:
        raise ValueError("matplotlib wrote no <svg> element")
    tag = opening.group(0)
    new_tag = (
        tag[:-1] + f' role="img" aria-labelledby={quoteattr(f"{title_id} {desc_id}")}>'
        f"\n <title id={quoteattr(title_id)}>{xml_escape(title)}</title>"
        f"\n <desc id={quoteattr(desc_id)}>{xml_escape(description)}</desc>"
    )
    return svg[: opening.start()] + new_tag + svg[opening.end() :]


def save_chart(draft: Draft, charts_dir: Path) -> Chart:
    """Write ``<charts_dir>/<id>.png`` and ``.svg`` of a drawn chart, reproducibly: the source
    line in a band at the bottom, the title and text alternative in the PNG's metadata and as
    the SVG's ``<title>``/``<desc>``, no dates or software versions. Raises ``ValueError`` if a
    colour has less than 3:1 contrast on white. Call it inside the style context the figure was
    drawn in."""
    check_contrast(draft.colours)
    png = charts_dir / f"{draft.id}.png"
    svg = charts_dir / f"{draft.id}.svg"
    common = {"facecolor": BACKGROUND}
    # The source line sits in a band kept free at the bottom of the figure.
    height = draft.figure.get_figheight()
    band = SOURCE_BAND_INCHES / height
    draft.figure.get_layout_engine().set(rect=(0, band, 1, 1 - band))
    draft.figure.text(
        0.01, 0.12 / height, draft.source, ha="left", va="bottom", fontsize=10, color=TEXT_COLOUR
    )
    draft.figure.savefig(
        png,
        format="png",
        dpi=PNG_DPI,
        metadata={"Software": None, "Title": draft.title, "Description": draft.alt_text},
        **common,
    )
    buffer = io.StringIO()
    draft.figure.savefig(
        buffer,
        format="svg",
        metadata={"Date": None, "Creator": None},
        **common,
    )
    svg.write_text(
        _accessible_svg(buffer.getvalue(), draft.id, draft.title, draft.alt_text),
        encoding="utf-8",
    )
    return Chart(draft.id, draft.title, draft.alt_text, png, svg, draft.source, draft.colours)


def draw_chart(
    tables: Mapping[str, pd.DataFrame],
    chart_id: str,
    year: ReportingYear | str,
    charts_dir: Path | str,
) -> Chart:
    """Draw one chart and write ``<charts_dir>/<chart_id>.png`` and ``.svg``."""
    year = ReportingYear.parse(str(year))
    charts_dir = Path(charts_dir)
    charts_dir.mkdir(parents=True, exist_ok=True)
    # Copies: the drawing code never sees (or changes) the caller's frames. Figures as floats,
    # a suppressed one (public edition) as NaN.
    copies = {k: _as_floats(tables[k]) for k in CHART_TABLES[chart_id] if k in tables}
    with matplotlib.style.context([AF_STYLE, RC_OVERRIDES]):
        draft = CHARTS[chart_id](copies, year)
        if _C_TOKEN.search(draft.alt_text):
            draft.alt_text = f"{draft.alt_text} {LEGEND}"
        return save_chart(draft, charts_dir)


#: ``c`` standing alone: a suppressed figure in a text alternative.
_C_TOKEN = re.compile(r"(?<![\w'’])c(?![\w'’])")


def _as_floats(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    if "value" in frame.columns:
        frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
    return frame


#: The clean tables each chart is drawn from: a chart whose tables are not all given is not
#: drawn (a year held only through restated figures lacks some tables).
CHART_TABLES: dict[str, tuple[str, ...]] = {
    "social_care_complaints_by_quarter": ("social_care_quarterly",),
    "non_social_care_complaints_by_quarter": ("non_social_care_quarterly",),
    "ombudsman_by_quarter": ("social_care_quarterly", "non_social_care_quarterly"),
    **{chart_id: (chart_id,) for chart_id in CHARTS if chart_id not in (
        "social_care_complaints_by_quarter",
        "non_social_care_complaints_by_quarter",
        "ombudsman_by_quarter",
    )},
}  # fmt: skip


def write_chart_listing(charts: Sequence[Chart], charts_dir: Path | str) -> Path:
    """``charts.json``: id, title, alt text, source and files of each chart, for the index."""
    listing = [
        {
            "id": c.id,
            "title": c.title,
            "alt_text": c.alt_text,
            "source": c.source,
            "png": c.png.name,
            "svg": c.svg.name,
        }
        for c in charts
    ]
    target = Path(charts_dir) / "charts.json"
    target.write_text(json.dumps(listing, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def draw_all_charts(
    tables: Mapping[str, pd.DataFrame], year: ReportingYear | str, charts_dir: Path | str
) -> list[Chart]:
    """Draw every chart whose tables are given into ``charts_dir`` and list them in
    ``charts.json`` for the index page."""
    charts = [
        draw_chart(tables, chart_id, year, charts_dir)
        for chart_id, needed in CHART_TABLES.items()
        if all(t in tables for t in needed)
    ]
    write_chart_listing(charts, charts_dir)
    return charts


def chart_html(chart: Chart) -> str:
    """A self-contained ``<figure>``: the PNG embedded as base64 with its alt text, the title,
    the source and a visible text description. All text is HTML-escaped."""
    data = base64.b64encode(chart.png.read_bytes()).decode("ascii")
    return render_html("chart.html.j2", chart=chart, png_base64=data)
