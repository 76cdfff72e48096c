"""The report's charts, drawn with seaborn in the Analysis Function style, from the clean tables.

Every chart follows the UK Government Analysis Function guidance on accessible charts: the
afcharts style and palette, restricted to colours with at least 3:1 contrast against white
(WCAG 2.2 AA, non-text contrast, checked by ``check_contrast``); colour is never the only cue
(every bar carries its value, series are hatched as well as coloured, the legend shows both); a
title that states the main finding, worded by code comparing the numbers; labelled axes, a
source line built from the clean data's provenance, and a text alternative with the figures,
embedded in the SVG as ``<title>``/``<desc>``.

Charts of the public edition (:mod:`complaints.outputs.disclosure`) are drawn from the suppressed
figures: a suppressed figure gets no bar, its label and its place in the text alternative say
``c`` (which the text alternative then explains), and a finding that needs it (a peak, a rise, a
total, "the largest") falls back to a title without figures; a ranking puts it last.

Output is deterministic: no pyplot, a fixed SVG hash salt, text kept as text in the SVG and no
dates or software versions in the files' metadata, so two runs give byte-identical files.
"""

from __future__ import annotations

import base64
import functools
import io
import json
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

from complaints import cards
from complaints.outputs.disclosure import LEGEND, SUPPRESSED
from complaints.outputs.html import render_html
from complaints.outputs.report_tables import period_key, source_note, years_newest_first
from complaints.words import format_value, is_missing, join_words
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

Tables = Mapping[str, pd.DataFrame]


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
    """A drawn chart (figure from :func:`new_figure`) and what :func:`save_chart` writes with it;
    a report chart's ``id`` is left empty for :func:`draw_chart` to fill in."""

    id: str
    title: str
    alt_text: str
    source: str
    figure: Figure
    colours: tuple[str, ...]


# Colour and contrast ----------------------------------------------------------------------------


def contrast_ratio(first: str, second: str = BACKGROUND) -> float:
    """WCAG 2.2 contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def check_contrast(colours: Sequence[str], minimum: float = MIN_GRAPHIC_CONTRAST) -> None:
    """Raise ``ValueError`` naming any colour with less than ``minimum`` contrast on white."""
    weak = {c: round(contrast_ratio(c), 2) for c in colours if contrast_ratio(c) < minimum}
    if weak:
        raise ValueError(f"colours below {minimum}:1 contrast against white: {weak}")


def palette(n: int) -> list[str]:
    """``n`` Analysis Function colours, in the guidance's order, all at least 3:1 on white."""
    if n <= 2:
        colours = get_af_colours("duo")[: max(n, 1)]
    else:
        colours = get_af_colours("categorical", number_of_colours=n)
    colours = [c.upper() for c in colours]
    check_contrast(colours)
    return colours


# Words from numbers: a suppressed figure (no value) is c ---------------------------------------

_n = functools.partial(format_value, unit="count", missing=SUPPRESSED)
_pct = functools.partial(format_value, unit="percent", missing=SUPPRESSED)


def _peaks(values: Mapping[str, float]) -> list[str]:
    top = max(values.values())
    return [k for k, v in values.items() if v == top]


def _direction(before: float, after: float) -> str:
    return "up" if after > before else "down" if after < before else "unchanged"


def _change(label: str, before: float, after: float, then: str = "", now: str = "") -> str:
    """``label rose from <before><then> to <after><now>`` (or fell, or was unchanged)."""
    word = {"up": "rose", "down": "fell"}.get(_direction(before, after))
    if word is None:
        return f"{label} was unchanged at {_n(after)}{now}"
    return f"{label} {word} from {_n(before)}{then} to {_n(after)}{now}"


def _series_text(name: str, labels: Sequence[str], values: Sequence[float], fmt=_n) -> str:
    pairs = ", ".join(f"{lab} {fmt(v)}" for lab, v in zip(labels, values, strict=True))
    return f"{name}: {pairs}."


def _by_year_text(values: Mapping[str, Mapping[str, float]], years: Sequence[str], fmt=_n) -> str:
    """Each item's figures in ``years`` (or quarters), one sentence per item."""
    return " ".join(
        _series_text(item, years, [by_year.get(y, float("nan")) for y in years], fmt)
        for item, by_year in values.items()
    )


# Drawing helpers --------------------------------------------------------------------------------


def new_figure(width: float, height: float, **subplots: object) -> tuple[Figure, object]:
    """A ``width`` x ``height`` inch figure with constrained layout (no pyplot) and its axes
    (``Figure.subplots(**subplots)``). Draw it inside ``matplotlib.style.context([AF_STYLE,
    RC_OVERRIDES])``."""
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.subplots(**subplots)


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
    wrap: int = 0,
) -> None:
    """Seaborn bars with a value on every bar and hatching per series. A suppressed figure (no
    value) gets no bar, and ``c`` as its label. Category labels are wrapped at ``wrap``."""
    x, y = (value, category) if horizontal else (category, value)
    missing = data[value].isna()
    hidden = {
        (str(r[category]), str(r[series]) if series is not None else None)
        for _, r in data[missing].iterrows()
    }
    if hidden:
        data = data.assign(**{value: data[value].fillna(0)})
    colour = (
        {"color": colours[0]}
        if series is None
        else {
            "hue": series,
            "hue_order": list(series_order),
            "palette": dict(zip(series_order, colours, strict=True)),
            "legend": False,
        }
    )
    sns.barplot(
        data=data,
        x=x,
        y=y,
        order=list(order),
        errorbar=None,
        saturation=1,
        edgecolor=BACKGROUND,
        linewidth=1,
        orient="h" if horizontal else "v",
        ax=ax,
        **colour,
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
        # Every label sits on its bar, inside the axes: matplotlib need not check it at each draw.
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
    if wrap:
        ticks = [textwrap.fill(str(c), wrap, break_long_words=False) for c in order]
        (ax.set_yticks if horizontal else ax.set_xticks)(range(len(order)), ticks)


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
    anchor = (0, 0 if not ax.axison else 1.02)
    ax.legend(
        handles=handles,
        ncols=len(handles),
        frameon=False,
        handlelength=2.5,
        handleheight=1.5,
        loc="lower left",
        bbox_to_anchor=anchor,
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


def _chart(
    used: pd.DataFrame,
    year: ReportingYear,
    data: pd.DataFrame,
    title: str,
    what: str,
    figures: str,
    labels: tuple[str, str],
    *,
    size: tuple[float, float] = (9, 5.5),
    legend: Sequence[str] = (),
    **bars: object,
) -> Draft:
    """A report chart's draft: :func:`_bars` of ``data["value"]``, axes labelled ``labels``
    (x, y), a key naming the series ``legend`` when given, the title, and a text alternative
    saying it is a bar chart of ``what`` followed by the title and ``figures``; its source line
    is that of the rows ``used``."""
    figure, ax = new_figure(*size)
    _bars(ax, data, value="value", **bars)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if legend:
        _legend(ax, legend, bars["colours"])
    add_title(figure, title)
    kind = "Horizontal bar chart" if bars.get("horizontal") else "Bar chart"
    alt = f"{kind} of {what}. {title}. {figures}"
    return Draft("", title, alt, source_note(used, year), figure, tuple(bars["colours"]))


def _service(table_id: str) -> str:
    return f"Children's {cards.CARDS[table_id].subject}"


# The charts: each named by a card's Chart.draw, called with (tables, year, **options) ----------

_COMPLAINT_TYPES = {"formal_complaints": "Formal", "informal_complaints": "Informal"}
_OMBUDSMAN = {"ombudsman_received": "Received", "ombudsman_upheld": "Upheld"}


def _quarters(frame: pd.DataFrame) -> list[str]:
    periods = {str(p) for p in frame["period"].dropna() if period_key(p)[0] != 99}
    return sorted(periods, key=period_key)


def _quarterly(clean: pd.DataFrame, names: Mapping[str, str]) -> tuple[list[str], dict, dict]:
    """The quarters, each series' figure in each (``names``: measure -> series name), and the
    bars' arguments drawing the series side by side in each quarter."""
    quarters = _quarters(clean)
    values = {}
    for measure, name in names.items():
        rows = clean[clean["measure"].astype(str) == measure]
        by_period = dict(zip(rows["period"].astype(str), rows["value"], strict=True))
        values[name] = {q: float(by_period.get(q, float("nan"))) for q in quarters}
    data = pd.DataFrame(
        [{"quarter": q, "series": n, "value": v} for n, by in values.items() for q, v in by.items()]
    )
    bars = {
        "data": data,
        "category": "quarter",
        "order": quarters,
        "series": "series",
        "series_order": list(names.values()),
        "colours": palette(2),
    }
    return quarters, values, bars


def complaints_by_quarter(tables: Tables, year: ReportingYear) -> Draft:
    """Formal and informal complaints to a service in each quarter of the year."""
    ((table_id, clean),) = tables.items()
    service = _service(table_id)
    quarters, values, bars = _quarterly(clean, _COMPLAINT_TYPES)
    formal, informal = (list(values[n].values()) for n in _COMPLAINT_TYPES.values())
    totals = {q: f + i for q, f, i in zip(quarters, formal, informal, strict=True)}
    pairs = list(zip(formal, informal, strict=True))
    if any(is_missing(v) for v in formal + informal):
        title = f"Formal and informal complaints to {service} in each quarter of {year}"
    elif all(i > f for f, i in pairs) or all(f > i for f, i in pairs):
        more = "informal than formal" if informal[0] > formal[0] else "formal than informal"
        title = (
            f"{service} received more {more} complaints in every quarter of {year}, and the "
            f"most in {join_words(_peaks(totals))}"
        )
    else:
        title = (
            f"Complaints to {service}, formal and informal together, peaked in "
            f"{join_words(_peaks(totals))}"
        )
    named = {f"{n} complaints": by_quarter for n, by_quarter in values.items()}
    return _chart(
        clean[clean["measure"].astype(str).isin(_COMPLAINT_TYPES)],
        year,
        title=title,
        what=f"formal and informal complaints to {service} in each quarter of {year}",
        figures=_by_year_text(named, quarters),
        labels=(f"Quarter of {year}", "Number of complaints"),
        legend=list(named),
        **bars,
    )


def ombudsman_by_quarter(tables: Tables, year: ReportingYear) -> Draft:
    """Approaches to the Ombudsman received and upheld in each quarter, a panel per service."""
    figure, key, axes = _panels(11, 6, [1.0], ncols=len(tables))
    phrases, alt_parts, used, withheld = [], [], [], []
    for ax, (table_id, clean) in zip(axes, tables.items(), strict=True):
        service = _service(table_id)
        rows = clean[clean["measure"].astype(str).isin(_OMBUDSMAN)]
        used.append(rows)
        quarters, values, bars = _quarterly(clean, _OMBUDSMAN)
        _bars(ax, value="value", **bars)
        year_rows = rows[rows["period"].map(lambda p: period_key(p)[0]) == 99]
        stated = dict(zip(year_rows["measure"].astype(str), year_rows["value"], strict=True))
        received, upheld = (
            float(stated.get(m, sum(values[n].values()))) for m, n in _OMBUDSMAN.items()
        )
        if is_missing(received) or is_missing(upheld):
            withheld.append(service)
        else:
            phrases.append(f"{_n(upheld)} of {_n(received)} approaches about {service}")
        ax.set_title(service, loc="left")
        ax.set_xlabel(f"Quarter of {year}")
        ax.set_ylabel("Number of Ombudsman approaches" if ax is axes[0] else "")
        alt_parts.append(f"{service}. {_by_year_text(values, quarters)}")
    title = f"In {year} the Ombudsman upheld {join_words(phrases)}"
    if withheld and phrases:
        title += f"; the figures for {join_words(withheld)} are suppressed"
    elif withheld:
        title = (
            f"Approaches to the Ombudsman received and upheld in each quarter of {year}; the "
            "year's totals are suppressed"
        )
    _legend(key, [f"{n} approaches" for n in _OMBUDSMAN.values()], bars["colours"])
    add_title(figure, title, width=90)
    alt = (
        "Two bar charts, side by side, of approaches to the Local Government and Social Care "
        f"Ombudsman received and upheld in each quarter of {year}. {title}. " + " ".join(alt_parts)
    )
    return Draft("", title, alt, source_note(pd.concat(used), year), figure, tuple(bars["colours"]))


def _by_year(tables: Tables, year: ReportingYear, items: str) -> tuple:
    """A table shown by year: the table in the order printed, the year shown and the one before
    (if held), every year held (oldest first) and each item's (``items`` column) figures by
    year."""
    (clean,) = tables.values()
    clean = clean.sort_values("source_line", kind="stable")
    years = years_newest_first(clean)[::-1]
    this = str(year) if str(year) in years else years[-1]
    earlier = [y for y in years if ReportingYear.from_label(y) < ReportingYear.from_label(this)]
    values: dict[str, dict[str, float]] = {}
    for item, y, value in zip(clean[items], clean["year"], clean["value"], strict=True):
        values.setdefault(str(item), {})[str(y)] = float(value)
    return clean, this, (earlier[-1] if earlier else None), years, values


def _by_year_chart(
    clean: pd.DataFrame,
    year: ReportingYear,
    column: str,
    values: Mapping[str, Mapping[str, float]],
    years: Sequence[str],
    title: str,
    *,
    each_item: bool = True,
    **chart: object,
) -> Draft:
    """Grouped bars of each ``column`` item's figures (``values``) in ``years``: the years side
    by side for each item, newest darkest, or (``each_item=False``) the items side by side in
    each year. ``chart``: :func:`_chart`'s ``what``, ``labels`` and drawing options."""
    data = clean[clean["year"].astype(str).isin(years)]
    data = data.assign(item=data[column].astype(str), year=data["year"].astype(str))
    items = list(values)
    if each_item:
        bars = {
            "category": "item",
            "order": items,
            "series": "year",
            "series_order": years,
            "colours": palette(len(years))[::-1],
        }
    else:
        bars = {
            "category": "year",
            "order": years,
            "series": "item",
            "series_order": items,
            "colours": palette(len(items)),
        }
    figures = _by_year_text(values, years, chart.get("fmt", _n))
    legend = bars["series_order"]
    return _chart(clean, year, data, title, figures=figures, legend=legend, **bars, **chart)


def statutory(tables: Tables, year: ReportingYear, *, service: str) -> Draft:
    """A service's statutory figures (stages, Ombudsman approaches) over the years shown."""
    named = {
        k: t.assign(
            label=t["label"]
            .astype(str)
            .mask(t["measure"] == "lgsco_upheld", t["label"].astype(str) + " upheld")
        )
        for k, t in tables.items()
    }
    clean, this, previous, years, by_item = _by_year(named, year, "label")
    current = {i: v.get(this, float("nan")) for i, v in by_item.items()}
    largest = sorted((i for i in by_item if not is_missing(current[i])), key=lambda i: -current[i])
    series = [by_item[largest[0]].get(y) for y in years] if largest else []
    steps = list(pairwise(series))
    trend = len(years) > 2 and bool(largest) and not any(is_missing(v) for v in series)
    comparable = [
        i for i in largest if previous is not None and not is_missing(by_item[i].get(previous))
    ]
    if not largest or (not comparable and previous is not None):
        title = f"{service}: statutory complaints figures, {years[0]} to {years[-1]}"
    elif trend and (all(b > a for a, b in steps) or all(b < a for a, b in steps)):
        title = (
            f"{service}: {largest[0]} {'rose' if series[-1] > series[0] else 'fell'} every "
            f"year, from {_n(series[0])} in {years[0]} to {_n(series[-1])} in {years[-1]}"
        )
    elif comparable:
        changes = [_change(i, by_item[i][previous], current[i]) for i in comparable[:2]]
        title = f"{service}: {join_words(changes)} between {previous} and {this}"
    else:
        title = f"{service}: {largest[0]} was the largest figure in {this}"
    return _by_year_chart(
        clean,
        year,
        "label",
        by_item,
        years,
        title,
        size=(10, 5.5),
        wrap=14,
        what=f"{service} statutory complaints figures in {join_words(years)}",
        labels=("Stage of the complaints process", "Number of cases"),
    )


def stage1_timescales(tables: Tables, year: ReportingYear) -> Draft:
    """Stage 1 complaints by response time over the years shown."""
    clean, this, previous, years, values = _by_year(tables, year, "label")
    band = next(iter(values))
    now, before = values[band].get(this, float("nan")), values[band].get(previous)
    title = (
        f"{_pct(now)} of Children's Social Care Stage 1 complaints were answered in "
        f"{band.lower()} in {this}"
    )
    if is_missing(now):
        title = (
            f"Children's Social Care Stage 1 complaints by response time, {years[0]} to {years[-1]}"
        )
    elif previous is not None and not is_missing(before):
        word = _direction(before, now)
        title += (
            f", unchanged from {previous}"
            if word == "unchanged"
            else f", {word} from {_pct(before)} in {previous}"
        )
    draft = _by_year_chart(
        clean,
        year,
        "label",
        values,
        years,
        title,
        each_item=False,
        fmt=_pct,
        what=f"Stage 1 response times, {join_words(years)}",
        labels=("Reporting year", "Percentage of Stage 1 complaints"),
    )
    draft.figure.axes[0].set_ylim(0, 105)
    return draft


def outcomes(tables: Tables, year: ReportingYear) -> Draft:
    """Complaint outcomes, this year against last."""
    clean, this, previous, _, values = _by_year(tables, year, "outcome")
    years = [y for y in (previous, this) if y is not None]
    names = list(values)
    withheld = any(is_missing(values[o].get(y)) for o in names for y in years)
    if previous is None and withheld:
        title = f"Outcomes of Children's Social Care complaints in {this}"
    elif previous is None:
        top = max(names, key=lambda o: values[o].get(this, 0))
        title = f"Most Children's Social Care complaints were found {top.lower()} in {this}"
    else:
        pairs = {
            o.lower(): (values[o].get(previous), values[o].get(this))
            for o in names
            if not is_missing(values[o].get(previous)) and not is_missing(values[o].get(this))
        }
        rose = [o for o, (before, now) in pairs.items() if now > before]
        fell = [o for o, (before, now) in pairs.items() if now < before]
        parts = [
            f"found {join_words(m, 'or')} {w}" for w, m in (("rose", rose), ("fell", fell)) if m
        ]
        if parts:
            shares = " and the share ".join(parts)
            title = f"In {this} the share of complaints {shares} compared with {previous}"
        elif withheld:
            title = f"Outcomes of Children's Social Care complaints, {previous} and {this}"
        else:
            title = f"Outcomes of Children's Social Care complaints were unchanged from {previous}"
    return _by_year_chart(
        clean,
        year,
        "outcome",
        values,
        years,
        title,
        size=(9, 5),
        horizontal=True,
        fmt=_pct,
        what=f"complaint outcomes, {join_words(years)}",
        labels=("Percentage of Children's Social Care complaints", "Outcome"),
    )


def ranked(
    tables: Tables,
    year: ReportingYear,
    *,
    key: str,
    unit: str,
    title: str,
    xlabel: str,
    ylabel: str,
    what: str,
) -> Draft:
    """A horizontal bar chart, largest first, of one value per ``key`` (figures in ``unit``),
    titled by the function of this module named ``title`` (:func:`groups_title`,
    :func:`themes_title`)."""
    (clean,) = tables.values()
    fmt = functools.partial(format_value, unit=unit, missing=SUPPRESSED)
    data = clean.assign(item=clean[key].astype(str)).sort_values(
        "value", ascending=False, kind="stable"
    )
    pairs = list(zip(data["item"], data["value"], strict=True))
    heading = globals()[title](pairs, year)
    suppressed = ", suppressed figures last" if data["value"].isna().any() else ""
    return _chart(
        clean,
        year,
        data,
        heading,
        f"{what} in {year}, largest first{suppressed}",
        "; ".join(f"{i} {fmt(v)}" for i, v in pairs) + ".",
        (xlabel, ylabel),
        size=(9, 1.6 + 0.5 * len(pairs)),
        category="item",
        order=list(data["item"]),
        colours=palette(1),
        horizontal=True,
        fmt=fmt,
        wrap=28,
    )


def _largest(ranked: list[tuple[str, float]]) -> tuple[list[tuple[str, float]], list[str]]:
    """The published figures of a ranking, and the items sharing the largest."""
    shown = [(i, v) for i, v in ranked if not is_missing(v)]
    return shown, [i for i, v in shown if v == shown[0][1]] if shown else []


def groups_title(ranked: list[tuple[str, float]], year: ReportingYear) -> str:
    """The complainant groups' finding: the largest group (and its share, when all are shown)."""
    shown, top = _largest(ranked)
    if not shown:
        return f"Complainants to Children's Social Care in {year}, by group"
    verb = "was the largest group" if len(top) == 1 else "were the largest groups"
    if len(shown) < len(ranked):
        return (
            f"{join_words(top)} {verb} of complainants to Children's Social Care in {year} "
            f"among the groups that can be published: {_n(shown[0][1])}"
        )
    total = sum(v for _, v in ranked)
    share = " – more than half" if ranked[0][1] * 2 > total and len(top) == 1 else ""
    return (
        f"{join_words(top)} {verb} of complainants to Children's Social Care in {year}: "
        f"{_n(ranked[0][1])} of {_n(total)}{share}"
    )


def themes_title(ranked: list[tuple[str, float]], year: ReportingYear) -> str:
    """The complaint themes' finding: the theme (or themes) of the largest share."""
    shown, top = _largest(ranked)
    if not shown:
        return f"Children's Social Care complaints by theme, {year}"
    noun = "theme" if len(top) == 1 else "themes"
    return (
        f"{join_words(top)} {'was the' if len(top) == 1 else 'were each the'} {noun} of "
        f"{_pct(shown[0][1])} of Children's Social Care complaints in {year}"
    )


def _single_series(
    clean: pd.DataFrame,
    year: ReportingYear,
    values: Mapping[str, float],
    title: str,
    what: str,
    name: str,
    labels: tuple[str, str],
) -> Draft:
    """A 9 x 5 inch chart of one bar per label (``values``' keys), in one colour."""
    data = pd.DataFrame({"label": list(values), "value": list(values.values())})
    return _chart(
        clean,
        year,
        data,
        title,
        what,
        _series_text(name, list(values), data["value"]),
        labels,
        size=(9, 5),
        category="label",
        order=list(values),
        colours=palette(1),
    )


def children_in_care_by_year(tables: Tables, year: ReportingYear) -> Draft:
    """Complaints from children in care over the years shown."""
    clean, this, previous, years, by_year = _by_year(tables, year, "year")
    values = {y: by_year[y][y] for y in years}
    subject = "Complaints from children in care"
    if is_missing(values[this]) or (previous is not None and is_missing(values[previous])):
        title = f"{subject}, {years[0]} to {years[-1]}"
    elif previous is None:
        title = f"{subject} numbered {_n(values[this])} in {this}"
    else:
        title = _change(subject, values[previous], values[this], f" in {previous}", f" in {this}")
    highest = max(values.values())
    if any(is_missing(v) for v in values.values()):
        pass  # a peak or "the most" would compare with suppressed figures
    elif values[this] < highest:
        title += f", below the {_n(highest)} of {join_words(_peaks(values))}"
    elif len(years) > 1:
        title += f", the most in the {len(years)} years shown"
    what = f"complaints from children in care, {years[0]} to {years[-1]}"
    labels = ("Reporting year", "Number of complaints")
    return _single_series(clean, year, values, title, what, "Complaints", labels)


def children_in_care_by_quarter(tables: Tables, year: ReportingYear) -> Draft:
    """Complaints and contacts from children in care in each quarter of the year."""
    (clean,) = tables.values()
    by_period = dict(zip(clean["period"].astype(str), clean["value"], strict=True))
    values = {q: float(by_period[q]) for q in _quarters(clean)}
    if any(is_missing(v) for v in values.values()):
        title = f"Complaints and contacts from children in care in each quarter of {year}"
    else:
        peaks = _peaks(values)
        title = (
            f"Complaints and contacts from children in care peaked in {join_words(peaks)} of "
            f"{year}, at {_n(values[peaks[0]])}"
        )
    what = "complaints and contacts from children in care by quarter"
    labels = (f"Quarter of {year}", "Complaints or contacts")
    return _single_series(clean, year, values, title, what, "Complaints or contacts", labels)


def equality(tables: Tables, year: ReportingYear) -> Draft:
    """Equality monitoring of complainants, a panel per characteristic, this year and last."""
    clean, this, previous, _, _ = _by_year(tables, year, "group")
    years = [y for y in (previous, this) if y is not None]
    data = clean[clean["year"].astype(str).isin(years)]
    data = data.assign(
        characteristic=data["characteristic"].astype(str),
        item=data["group"].astype(str),
        year=data["year"].astype(str),
    )
    sections = list(dict.fromkeys(data["characteristic"]))
    groups = {s: list(dict.fromkeys(data[data["characteristic"] == s]["item"])) for s in sections}
    lookup = {(r.characteristic, r.item, r.year): r.value for r in data.itertuples()}
    changes = [
        (s, g, lookup[(s, g, previous)], lookup[(s, g, this)])
        for s in sections
        for g in groups[s]
        if (s, g, previous) in lookup and (s, g, this) in lookup
    ]
    changes = [c for c in changes if not is_missing(c[2]) and not is_missing(c[3])]
    if changes:
        s, g, before, after = max(changes, key=lambda c: abs(c[3] - c[2]))
        title = (
            f"The biggest year-on-year change in equality monitoring was {s.lower()} group {g}, "
            f"{_direction(before, after)} from {_pct(before)} in {previous} "
            f"to {_pct(after)} in {this}"
        )
    else:
        title = f"Equality monitoring of complainants, {join_words(years)}"
    colours = palette(len(years))[::-1]
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
            wrap=45,
        )
        ax.set_title(section, loc="left", fontweight="bold")
        ax.set_ylabel("")
        ax.set_xlabel("")
        ax.tick_params(axis="x", labelbottom=True)
    axes[-1].set_xlabel("Percentage of complainants who completed the monitoring form")
    figure.supylabel("Group", fontsize=12)
    _legend(key, years, colours)
    add_title(figure, title, width=80)
    figures = " ".join(
        f"{s}: "
        + "; ".join(
            f"{g} "
            + ", ".join(f"{_pct(lookup[s, g, y])} in {y}" for y in years if (s, g, y) in lookup)
            for g in groups[s]
        )
        + "."
        for s in sections
    )
    alt = (
        f"Horizontal bar charts, one per characteristic ({join_words(sections)}), comparing "
        f"the equality monitoring of complainants in {join_words(years)}. {title}. {figures}"
    )
    return Draft("", title, alt, source_note(clean, year), figure, tuple(colours))


# Saving -----------------------------------------------------------------------------------------

_SVG_ID = re.compile(r'\bid="([^"]+)"')
#: ``c`` standing alone: a suppressed figure in a text alternative.
_C_TOKEN = re.compile(r"(?<![\w'’])c(?![\w'’])")


def _accessible_svg(svg: str, chart_id: str, title: str, description: str) -> str:
    """The SVG with a ``<title>`` and ``<desc>`` that screen readers announce, and matplotlib's
    hashed element ids renamed ``<chart_id>-<n>`` in order of appearance: they hash clip
    rectangles' coordinates, whose last bits the layout solver can change between processes
    (and sequential ids stay unique when several SVGs share a page)."""
    names = {old: f"{chart_id}-{n}" for n, old in enumerate(dict.fromkeys(_SVG_ID.findall(svg)))}
    if names:
        alternatives = "|".join(re.escape(k) for k in names)
        pattern = re.compile(r'(?P<lead>id="|#)(?P<name>' + alternatives + r')(?=[")])')
        svg = pattern.sub(lambda m: m.group("lead") + names[m.group("name")], svg)
    opening = re.search(r"<svg\b[^>]*>", svg)
    if opening is None:
        raise ValueError("matplotlib wrote no <svg> element")
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    new_tag = (
        opening.group(0)[:-1] + f' role="img" aria-labelledby={quoteattr(f"{title_id} {desc_id}")}>'
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
    png, svg = (charts_dir / f"{draft.id}.{kind}" for kind in ("png", "svg"))
    height = draft.figure.get_figheight()
    band = SOURCE_BAND_INCHES / height
    draft.figure.get_layout_engine().set(rect=(0, band, 1, 1 - band))
    draft.figure.text(
        0.01, 0.12 / height, draft.source, ha="left", va="bottom", fontsize=10, color=TEXT_COLOUR
    )
    metadata = {"Software": None, "Title": draft.title, "Description": draft.alt_text}
    draft.figure.savefig(png, format="png", dpi=PNG_DPI, metadata=metadata, facecolor=BACKGROUND)
    buffer = io.StringIO()
    draft.figure.savefig(
        buffer, format="svg", metadata={"Date": None, "Creator": None}, facecolor=BACKGROUND
    )
    text = _accessible_svg(buffer.getvalue(), draft.id, draft.title, draft.alt_text)
    svg.write_text(text, encoding="utf-8")
    return Chart(draft.id, draft.title, draft.alt_text, png, svg, draft.source, draft.colours)


def report_charts() -> list[tuple[str, cards.Chart]]:
    """Every report chart, in the report's order: (the card's table id, its chart)."""
    return [(card.id, chart) for card in cards.CARDS.values() for chart in card.charts]


def chart_ids() -> list[str]:
    """The report charts' ids, in the report's order."""
    return [chart.id for _, chart in report_charts()]


def _needed(table_id: str, chart: cards.Chart) -> tuple[str, ...]:
    return chart.tables or (table_id,)


def draw_chart(
    tables: Tables, chart_id: str, year: ReportingYear | str, charts_dir: Path | str
) -> Chart:
    """Draw one chart, by the function its card names, and write ``<charts_dir>/<chart_id>.png``
    and ``.svg``."""
    table_id, chart = next((t, c) for t, c in report_charts() if c.id == chart_id)
    charts_dir = Path(charts_dir)
    charts_dir.mkdir(parents=True, exist_ok=True)
    # Copies: the drawing code never sees (or changes) the caller's frames. Figures as floats,
    # a suppressed one (public edition) as NaN.
    copies = {
        name: tables[name].assign(value=pd.to_numeric(tables[name]["value"]).astype("float64"))
        for name in _needed(table_id, chart)
    }
    with matplotlib.style.context([AF_STYLE, RC_OVERRIDES]):
        draft = globals()[chart.draw](copies, ReportingYear.parse(str(year)), **chart.options)
        draft.id = chart.id
        if _C_TOKEN.search(draft.alt_text):
            draft.alt_text = f"{draft.alt_text} {LEGEND}"
        return save_chart(draft, charts_dir)


def draw_all_charts(
    tables: Tables, year: ReportingYear | str, charts_dir: Path | str
) -> list[Chart]:
    """Draw every chart whose tables are all given (a year held only through restated figures
    lacks some) into ``charts_dir``, and list them in ``charts.json`` (id, title, alt text,
    source and files) for the index page."""
    charts = [
        draw_chart(tables, chart.id, year, charts_dir)
        for table_id, chart in report_charts()
        if all(t in tables for t in _needed(table_id, chart))
    ]
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
    return charts


def chart_html(chart: Chart) -> str:
    """A self-contained ``<figure>``: the PNG embedded as base64 with its alt text, the title,
    the source and a visible text description. All text is HTML-escaped."""
    data = base64.b64encode(chart.png.read_bytes()).decode("ascii")
    return render_html("chart.html.j2", chart=chart, png_base64=data)
