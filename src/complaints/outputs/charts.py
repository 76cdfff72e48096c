"""The report's charts, drawn with seaborn in the Analysis Function style, from the clean tables.

Accessible (Analysis Function guidance): afcharts colours with at least 3:1 contrast on white,
values on every bar and series hatched as well as coloured, a title stating the finding (worded
by code comparing the numbers), labelled axes, a source line from the clean data's provenance and
a text alternative with the figures (also the SVG's ``<title>``/``<desc>``). In the public
edition a suppressed figure gets no bar, ``c`` as its label and its place in the text, and no
title states or compares it. Deterministic: no pyplot, a fixed SVG hash salt, no dates or
software versions in the files, so two runs give byte-identical files.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise, product
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
_PATCH_STYLE = dict(edgecolor=BACKGROUND, hatchcolor=BACKGROUND)
_BAR_STYLE = dict(errorbar=None, saturation=1, edgecolor=BACKGROUND, linewidth=1, legend=False)
# Every label sits on its bar, inside the axes: matplotlib need not check it at every draw.
_LABEL_STYLE = dict(padding=3, fontsize=10, color=TEXT_COLOUR, annotation_clip=False)
_LEGEND_STYLE = dict(frameon=False, handlelength=2.5, handleheight=1.5, borderaxespad=0)

#: Settings on top of the afcharts style: a font shipped with matplotlib (same glyph metrics on
#: every machine) and deterministic SVG output.
RC_OVERRIDES: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 12,
    **dict.fromkeys(
        ["text.color", "axes.labelcolor", "xtick.labelcolor", "ytick.labelcolor"], TEXT_COLOUR
    ),
    "axes.titlesize": 13,
    "svg.hashsalt": "complaints-report",
    "svg.fonttype": "none",
    **dict.fromkeys(["figure.facecolor", "axes.facecolor", "savefig.facecolor"], BACKGROUND),
    "hatch.linewidth": 1.5,
}

Tables = Mapping[str, pd.DataFrame]


@dataclass
class Chart:
    """A chart: its id, title (the finding), text alternative and source; drawn, its figure
    and colours (:func:`draw_chart` sets ``id``); written (:func:`save_chart`), its files."""

    id: str
    title: str
    alt_text: str
    source: str
    figure: Figure | None = field(default=None, repr=False, compare=False)
    colours: tuple[str, ...] = ()
    png: Path | None = None
    svg: Path | None = None


# Colour and contrast ----------------------------------------------------------------------------
def contrast_ratio(colour: str) -> float:
    """WCAG 2.2 contrast ratio (1 to 21) of a ``#RRGGBB`` colour on white (luminance 1)."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return (1 + 0.05) / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def check_contrast(colours: Sequence[str], minimum: float = MIN_GRAPHIC_CONTRAST) -> None:
    """Raise ``ValueError`` naming any colour with less than ``minimum`` contrast on white."""
    weak = {c: round(ratio, 2) for c in colours if (ratio := contrast_ratio(c)) < minimum}
    if weak:
        raise ValueError(f"colours below {minimum}:1 contrast against white: {weak}")


def palette(n: int) -> list[str]:
    """``n`` Analysis Function colours, in the guidance's order, all at least 3:1 on white."""
    scheme, options = ("duo", {}) if n <= 2 else ("categorical", {"number_of_colours": n})
    colours = [c.upper() for c in get_af_colours(scheme, **options)[: max(n, 1)]]
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


def _compared(values: Mapping[str, Mapping[str, float]], before: str | None, now: str) -> dict:
    """Each item published in both years: item -> (its figure ``before``, its figure ``now``)."""
    pairs = {item: (v.get(before), v.get(now)) for item, v in values.items()}
    return {i: pair for i, pair in pairs.items() if not any(is_missing(x) for x in pair)}


def _nested(frame: pd.DataFrame, outer: str, inner: str) -> dict[str, dict[str, float]]:
    """``outer`` -> ``inner`` -> figure (``value``), in the frame's order, keyed by text."""
    groups = frame.groupby(frame[outer].astype(str), sort=False)
    return {o: dict(zip(g[inner].astype(str), g["value"], strict=True)) for o, g in groups}


def _series_text(name: str, values: Mapping[str, float], fmt=_n) -> str:
    return f"{name}: " + ", ".join(f"{label} {fmt(v)}" for label, v in values.items()) + "."


def _by_year_text(values: Mapping[str, Mapping[str, float]], years: Sequence[str], fmt=_n) -> str:
    return " ".join(
        _series_text(item, {y: by_year.get(y, float("nan")) for y in years}, fmt)
        for item, by_year in values.items()
    )


# Drawing helpers --------------------------------------------------------------------------------
def new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure (no pyplot) and its axes; draw it in the AF_STYLE and RC_OVERRIDES context."""
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.subplots()


def _bars(
    ax: Axes,
    values: Mapping[str, Mapping[str, float]],
    colours: Sequence[str],
    *,
    order: Sequence[str] = (),
    horizontal: bool = False,
    fmt: Callable[[object], str] = _n,
    wrap: int = 0,
) -> None:
    """Seaborn bars of ``values`` (series -> category -> figure), a place for each category of
    ``order`` (by default as they come), labelled with their values (``c``, and no bar, for a
    suppressed figure), hatched per series, category labels wrapped at ``wrap`` characters."""
    rows = [(c, s, v) for s, by_category in values.items() for c, v in by_category.items()]
    hidden = {(c, s) for c, s, v in rows if is_missing(v)}
    data = pd.DataFrame(rows, columns=["category", "series", "value"]).fillna({"value": 0})
    order = list(order or dict.fromkeys(data["category"]))
    hue = {"hue": "series", "hue_order": list(values), "palette": list(colours)}
    colour = hue if len(values) > 1 else {"color": colours[0]}
    x, y, orient = ("value", "category", "h") if horizontal else ("category", "value", "v")
    sns.barplot(data=data, x=x, y=y, order=order, orient=orient, ax=ax, **_BAR_STYLE, **colour)
    for index, (name, container) in enumerate(zip(values, ax.containers, strict=False)):
        for bar in container:
            bar.set(hatch=HATCHES[index % len(HATCHES)], hatchcolor=BACKGROUND)
        # Bars in the categories' order: every category needs one to label a suppressed figure.
        pairs = zip(order, container.datavalues, strict=bool(hidden))
        labels = [SUPPRESSED if (c, name) in hidden else fmt(v) for c, v in pairs]
        ax.bar_label(container, labels=labels, **_LABEL_STYLE)
    ax.margins(**({"x": 0.12} if horizontal else {"y": 0.12}))
    if hidden and not (data["value"] > 0).any():
        # Nothing drawn: let the value axis reach 1 (shared axes still follow their data).
        ax.update_datalim([(1, 0)] if horizontal else [(0, 1)])
        ax.autoscale_view()
        (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.grid(horizontal)  # a grid along the value axis only
    ax.yaxis.grid(not horizontal)
    if wrap:
        ticks = [textwrap.fill(str(c), wrap, break_long_words=False) for c in order]
        (ax.set_yticks if horizontal else ax.set_xticks)(range(len(order)), ticks)


def _panels(width: float, height: float, ratios: Sequence[float], ncols: int = 1) -> tuple:
    """A figure, its key row (for the legend) and below it panels sharing their value axis."""
    figure = Figure(figsize=(width, height), layout="constrained")
    # The key row is about half an inch tall, whatever the panels' heights.
    key_ratio = 0.5 / max(height - 1.6, 1.0) * sum(ratios)
    grid = figure.add_gridspec(len(ratios) + 1, ncols, height_ratios=[key_ratio, *ratios])
    key = figure.add_subplot(grid[0, :])
    key.axis("off")
    panels: list[Axes] = []
    for row, col in product(range(len(ratios)), range(ncols)):
        share = {"sharey" if ncols > 1 else "sharex": panels[0]} if panels else {}
        panels.append(figure.add_subplot(grid[row + 1, col], **share))
    return figure, key, panels


def add_title(figure: Figure, title: str, width: int = 70) -> None:
    """The chart's title (its finding) at the top left, bold, wrapped at ``width`` characters."""
    text = textwrap.fill(title, width)
    figure.suptitle(text, x=0.01, ha="left", fontsize=14, fontweight="bold", color=TEXT_COLOUR)


def _finish(draft: Chart, key: Axes, legend: Sequence[str], width: int = 70) -> Chart:
    """Give a drawn chart its title and a key of ``legend`` (colours and hatches) on ``key``."""
    if legend:
        handles = [
            Patch(facecolor=c, hatch=HATCHES[i % len(HATCHES)], label=label, **_PATCH_STYLE)
            for i, (label, c) in enumerate(zip(legend, draft.colours, strict=True))
        ]
        anchor = dict(loc="lower left", bbox_to_anchor=(0, 0 if not key.axison else 1.02))
        key.legend(handles=handles, ncols=len(handles), **anchor, **_LEGEND_STYLE)
    add_title(draft.figure, draft.title, width)
    return draft


def _chart(used: pd.DataFrame, year: ReportingYear, title: str, what: str, figures: str, **bars):
    """A titled ``size`` inch chart of :func:`_bars` (``bars``; ``colours`` by default from
    :func:`palette`), axes ``labels`` (x, y), a key of ``legend``, the text alternative "Bar
    chart of <what>. <title>. <figures>" and the source line of the rows ``used``."""
    figure, ax = new_figure(*bars.pop("size", (9, 5.5)))
    (xlabel, ylabel), legend = bars.pop("labels"), bars.pop("legend", ())
    bars.setdefault("colours", palette(len(bars["values"])))
    _bars(ax, **bars)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    kind = "Horizontal bar chart" if bars.get("horizontal") else "Bar chart"
    alt = f"{kind} of {what}. {title}. {figures}"
    draft = Chart("", title, alt, source_note(used, year), figure, tuple(bars["colours"]))
    return _finish(draft, ax, legend)


# The charts: each named by a card's Chart.draw, called with (tables, year, **options) ----------
_COMPLAINT_TYPES = {f"{k}_complaints": f"{k.title()} complaints" for k in ("formal", "informal")}
_OMBUDSMAN = {"ombudsman_received": "Received", "ombudsman_upheld": "Upheld"}


def _quarters(frame: pd.DataFrame) -> list[str]:
    periods = {str(p) for p in frame["period"].dropna() if period_key(p)[0] != 99}
    return sorted(periods, key=period_key)


def _quarterly(clean: pd.DataFrame, names: Mapping[str, str]) -> tuple[list[str], dict]:
    """The quarters and each series' (``names``: measure -> name) figures in them."""
    quarters, by_period = _quarters(clean), _nested(clean, "measure", "period")
    nan = float("nan")
    return quarters, {
        n: {q: by_period.get(m, {}).get(q, nan) for q in quarters} for m, n in names.items()
    }


def complaints_by_quarter(tables: Tables, year: ReportingYear) -> Chart:
    """Formal and informal complaints to a service in each quarter of the year."""
    ((table_id, clean),) = tables.items()
    service = f"Children's {cards.CARDS[table_id].subject}"
    quarters, values = _quarterly(clean, _COMPLAINT_TYPES)
    pairs = list(zip(*(values[n].values() for n in _COMPLAINT_TYPES.values()), strict=True))
    peaks = join_words(_peaks({q: f + i for q, (f, i) in zip(quarters, pairs, strict=True)}))
    if any(is_missing(v) for pair in pairs for v in pair):  # pairs: (formal, informal)
        title = f"Formal and informal complaints to {service} in each quarter of {year}"
    elif all(i > f for f, i in pairs) or all(f > i for f, i in pairs):
        more = "informal than formal" if pairs[0][1] > pairs[0][0] else "formal than informal"
        title = (
            f"{service} received more {more} complaints in every quarter of {year}, and the "
            f"most in {peaks}"
        )
    else:
        title = f"Complaints to {service}, formal and informal together, peaked in {peaks}"
    what = f"formal and informal complaints to {service} in each quarter of {year}"
    used = clean[clean["measure"].astype(str).isin(_COMPLAINT_TYPES)]
    labels = (f"Quarter of {year}", "Number of complaints")
    figures = _by_year_text(values, quarters)
    return _chart(used, year, title, what, figures, values=values, labels=labels, legend=values)


def ombudsman_by_quarter(tables: Tables, year: ReportingYear) -> Chart:
    """Approaches to the Ombudsman received and upheld in each quarter, a panel per service."""
    figure, key, axes = _panels(11, 6, [1.0], ncols=len(tables))
    phrases, alt_parts, used, withheld, colours = [], [], [], [], tuple(palette(2))
    for ax, (table_id, clean) in zip(axes, tables.items(), strict=True):
        service = f"Children's {cards.CARDS[table_id].subject}"
        used.append(clean[clean["measure"].astype(str).isin(_OMBUDSMAN)])
        quarters, values = _quarterly(clean, _OMBUDSMAN)
        _bars(ax, values, colours)
        stated = _nested(clean, "measure", "period")  # the year's total, else the quarters' sum
        received, upheld = (
            stated.get(m, {}).get("Total", sum(values[n].values())) for m, n in _OMBUDSMAN.items()
        )
        if is_missing(received) or is_missing(upheld):
            withheld.append(service)
        else:
            phrases.append(f"{_n(upheld)} of {_n(received)} approaches about {service}")
        ax.set_title(service, loc="left")
        ylabel = "Number of Ombudsman approaches" if ax is axes[0] else ""
        ax.set(xlabel=f"Quarter of {year}", ylabel=ylabel)
        alt_parts.append(f"{service}. {_by_year_text(values, quarters)}")
    what = f"received and upheld in each quarter of {year}"
    title = f"In {year} the Ombudsman upheld {join_words(phrases)}"
    if withheld and phrases:
        title += f"; the figures for {join_words(withheld)} are suppressed"
    elif withheld:
        title = f"Approaches to the Ombudsman {what}; the year's totals are suppressed"
    alt = (
        "Two bar charts, side by side, of approaches to the Local Government and Social Care "
        f"Ombudsman {what}. {title}. " + " ".join(alt_parts)
    )
    draft = Chart("", title, alt, source_note(pd.concat(used), year), figure, colours)
    return _finish(draft, key, [f"{n} approaches" for n in _OMBUDSMAN.values()], 90)


def _by_year(clean: pd.DataFrame, year: ReportingYear, items: str) -> tuple:
    """The table as printed, the year shown, the one before (or None), the years held (oldest
    first) and each ``items`` item's figures by year (in the clean table's order)."""
    years = years_newest_first(clean)[::-1]
    this = str(year) if str(year) in years else years[-1]
    at = years.index(this)
    return clean, this, (years[at - 1] if at else None), years, _nested(clean, items, "year")


def _by_year_chart(shown: tuple, year: ReportingYear, title: str, what: str, **chart) -> Chart:
    """Each item's figures in the years ``shown`` (:func:`_by_year`) or ``years``: side by side
    for each item, newest darkest, or (``category="year"``) the items side by side each year."""
    clean, _, _, years, values = shown
    years = chart.pop("years", years)
    if chart.pop("category", "item") == "item":
        by_year = {y: {i: v[y] for i, v in values.items() if y in v} for y in years}
        chart |= dict(values=by_year, order=list(values), colours=palette(len(years))[::-1])
    else:
        chart |= dict(values={i: {y: v[y] for y in years if y in v} for i, v in values.items()})
        chart["order"] = years
    figures = _by_year_text(values, years, chart.get("fmt", _n))
    return _chart(clean, year, title, what, figures, legend=list(chart["values"]), **chart)


def statutory(tables: Tables, year: ReportingYear, *, service: str) -> Chart:
    """A service's statutory figures (stages, Ombudsman approaches) over the years shown."""
    (table,) = tables.values()
    label = table["label"].astype(str)
    named = table.assign(label=label.mask(table["measure"] == "lgsco_upheld", label + " upheld"))
    shown = _by_year(named, year, "label")
    _, this, previous, years, by_item = shown
    current = {i: v.get(this, float("nan")) for i, v in by_item.items()}
    largest = sorted((i for i in by_item if not is_missing(current[i])), key=lambda i: -current[i])
    series = [by_item[largest[0]].get(y) for y in years] if largest else []
    steps = list(pairwise(series))
    trend = len(years) > 2 and not any(is_missing(v) for v in series)
    pairs = _compared(by_item, previous, this)
    comparable = [i for i in largest if i in pairs]
    if not largest or (not comparable and previous is not None):
        title = f"{service}: statutory complaints figures, {years[0]} to {years[-1]}"
    elif trend and (all(b > a for a, b in steps) or all(b < a for a, b in steps)):
        title = (
            f"{service}: {largest[0]} {'rose' if series[-1] > series[0] else 'fell'} every "
            f"year, from {_n(series[0])} in {years[0]} to {_n(series[-1])} in {years[-1]}"
        )
    elif comparable:
        changes = [_change(i, *pairs[i]) for i in comparable[:2]]
        title = f"{service}: {join_words(changes)} between {previous} and {this}"
    else:
        title = f"{service}: {largest[0]} was the largest figure in {this}"
    what = f"{service} statutory complaints figures in {join_words(years)}"
    labels = ("Stage of the complaints process", "Number of cases")
    return _by_year_chart(shown, year, title, what, size=(10, 5.5), wrap=14, labels=labels)


def stage1_timescales(tables: Tables, year: ReportingYear) -> Chart:
    """Stage 1 complaints by response time over the years shown."""
    shown = _by_year(*tables.values(), year, "label")
    _, this, previous, years, values = shown
    band = next(iter(values))
    now, before = values[band].get(this, float("nan")), values[band].get(previous)
    subject = "Children's Social Care Stage 1 complaints"
    if is_missing(now):
        title = f"{subject} by response time, {years[0]} to {years[-1]}"
    else:
        title = f"{_pct(now)} of {subject} were answered in {band.lower()} in {this}"
        if previous is not None and not is_missing(before):
            word = _direction(before, now)
            since = f"{_pct(before)} in {previous}" if word != "unchanged" else previous
            title += f", {word} from {since}"
    what = f"Stage 1 response times, {join_words(years)}"
    labels = ("Reporting year", "Percentage of Stage 1 complaints")
    draft = _by_year_chart(shown, year, title, what, category="year", fmt=_pct, labels=labels)
    draft.figure.axes[0].set_ylim(0, 105)
    return draft


def outcomes(tables: Tables, year: ReportingYear) -> Chart:
    """Complaint outcomes, this year against last."""
    shown = _by_year(*tables.values(), year, "outcome")
    _, this, previous, _, values = shown
    years = [y for y in (previous, this) if y is not None]
    withheld = any(is_missing(by_year.get(y)) for by_year in values.values() for y in years)
    if previous is None and withheld:
        title = f"Outcomes of Children's Social Care complaints in {this}"
    elif previous is None:
        top = max(values, key=lambda o: values[o].get(this, 0))
        title = f"Most Children's Social Care complaints were found {top.lower()} in {this}"
    else:
        pairs = _compared(values, previous, this)
        moved = [
            f"found {join_words(m, 'or')} {verb}"
            for way, verb in (("up", "rose"), ("down", "fell"))
            if (m := [o.lower() for o, pair in pairs.items() if _direction(*pair) == way])
        ]
        if moved:
            shares = " and the share ".join(moved)
            title = f"In {this} the share of complaints {shares} compared with {previous}"
        elif withheld:
            title = f"Outcomes of Children's Social Care complaints, {previous} and {this}"
        else:
            title = f"Outcomes of Children's Social Care complaints were unchanged from {previous}"
    what = f"complaint outcomes, {join_words(years)}"
    labels = ("Percentage of Children's Social Care complaints", "Outcome")
    options = {"size": (9, 5), "horizontal": True, "fmt": _pct, "labels": labels}
    return _by_year_chart(shown, year, title, what, years=years, **options)


def ranked(tables: Tables, year: ReportingYear, *, key: str, unit: str, **words: str) -> Chart:
    """A horizontal bar chart, largest first, of one value per ``key`` (figures in ``unit``);
    ``words``: ``what`` it shows, ``xlabel`` and ``ylabel``."""
    (clean,) = tables.values()
    fmt = functools.partial(format_value, unit=unit, missing=SUPPRESSED)
    data = clean.sort_values("value", ascending=False, kind="stable")
    pairs = list(zip(data[key].astype(str), data["value"], strict=True))
    suppressed = ", suppressed figures last" if data["value"].isna().any() else ""
    figures = "; ".join(f"{i} {fmt(v)}" for i, v in pairs) + "."
    what = f"{words['what']} in {year}, largest first{suppressed}"
    size, labels = (9, 1.6 + 0.5 * len(pairs)), (words["xlabel"], words["ylabel"])
    bars = dict(values={"": dict(pairs)}, horizontal=True, fmt=fmt, wrap=28, size=size)
    title = _ranked_title(key, pairs, year)
    return _chart(clean, year, title, what, figures, labels=labels, **bars)


def _ranked_title(key: str, ranked: list[tuple[str, float]], year: ReportingYear) -> str:
    """The finding: the theme(s) of the largest share, or the largest complainant group."""
    shown = [(i, v) for i, v in ranked if not is_missing(v)]  # largest first
    top, subject = [i for i, v in shown if v == shown[0][1]], "Children's Social Care"
    one = len(top) == 1
    if key == "theme" and not shown:
        return f"{subject} complaints by theme, {year}"
    if key == "theme":
        noun = "was the theme" if one else "were each the themes"
        return f"{join_words(top)} {noun} of {_pct(shown[0][1])} of {subject} complaints in {year}"
    if not shown:
        return f"Complainants to {subject} in {year}, by group"
    verb = "was the largest group" if one else "were the largest groups"
    lead = f"{join_words(top)} {verb} of complainants to {subject} in {year}"
    if len(shown) < len(ranked):
        return f"{lead} among the groups that can be published: {_n(shown[0][1])}"
    total = sum(v for _, v in ranked)
    share = " – more than half" if ranked[0][1] * 2 > total and one else ""
    return f"{lead}: {_n(ranked[0][1])} of {_n(total)}{share}"


def children_in_care_by_year(tables: Tables, year: ReportingYear) -> Chart:
    """Complaints from children in care over the years shown."""
    clean, this, previous, years, by_year = _by_year(*tables.values(), year, "year")
    values = {y: by_year[y][y] for y in years}
    subject = "Complaints from children in care"
    if is_missing(values[this]) or (previous is not None and is_missing(values[previous])):
        title = f"{subject}, {years[0]} to {years[-1]}"
    elif previous is None:
        title = f"{subject} numbered {_n(values[this])} in {this}"
    else:
        title = _change(subject, values[previous], values[this], f" in {previous}", f" in {this}")
    highest = max(values.values())
    shown = not any(is_missing(v) for v in values.values())  # else no peak nor "the most"
    if shown and values[this] < highest:
        title += f", below the {_n(highest)} of {join_words(_peaks(values))}"
    elif shown and len(years) > 1:
        title += f", the most in the {len(years)} years shown"
    what = f"complaints from children in care, {years[0]} to {years[-1]}"
    labels = ("Reporting year", "Number of complaints")
    figures, values = _series_text("Complaints", values), {"Complaints": values}
    return _chart(clean, year, title, what, figures, values=values, size=(9, 5), labels=labels)


def children_in_care_by_quarter(tables: Tables, year: ReportingYear) -> Chart:
    """Complaints and contacts from children in care in each quarter of the year."""
    (clean,) = tables.values()
    by_period = dict(zip(clean["period"].astype(str), clean["value"], strict=True))
    values = {q: float(by_period[q]) for q in _quarters(clean)}
    subject = "Complaints and contacts from children in care"
    if any(is_missing(v) for v in values.values()):
        title = f"{subject} in each quarter of {year}"
    else:
        peaks = _peaks(values)
        title = f"{subject} peaked in {join_words(peaks)} of {year}, at {_n(values[peaks[0]])}"
    what = f"{subject.lower()} by quarter"
    labels = (f"Quarter of {year}", "Complaints or contacts")
    figures, values = _series_text(labels[1], values), {labels[1]: values}
    return _chart(clean, year, title, what, figures, values=values, size=(9, 5), labels=labels)


def equality(tables: Tables, year: ReportingYear) -> Chart:
    """Equality monitoring of complainants, a panel per characteristic, this year and last."""
    clean, this, previous, _, _ = _by_year(*tables.values(), year, "group")
    years = [y for y in (previous, this) if y is not None]
    data = clean.astype({"characteristic": str, "year": str})
    shown = data[data["year"].isin(years)].groupby("characteristic", sort=False)
    values = {s: _nested(rows, "group", "year") for s, rows in shown}  # section -> group -> year
    changes = [
        (s, g, *pair) for s, v in values.items() for g, pair in _compared(v, previous, this).items()
    ]
    if changes:
        s, g, before, after = max(changes, key=lambda c: abs(c[3] - c[2]))
        title = (
            f"The biggest year-on-year change in equality monitoring was {s.lower()} group {g}, "
            f"{_direction(before, after)} from {_pct(before)} in {previous} "
            f"to {_pct(after)} in {this}"
        )
    else:
        title = f"Equality monitoring of complainants, {join_words(years)}"
    colours = tuple(palette(len(years))[::-1])
    height = 2.4 + 0.42 * sum(len(g) + 1.2 for g in values.values())
    figure, key, axes = _panels(10, height, [len(g) + 0.6 for g in values.values()])
    for ax, (section, by_group) in zip(axes, values.items(), strict=True):
        panel = {y: {g: v[y] for g, v in by_group.items() if y in v} for y in years}
        _bars(ax, panel, colours, order=list(by_group), horizontal=True, fmt=_pct, wrap=45)
        ax.set_title(section, loc="left", fontweight="bold")
        ax.set(xlabel="", ylabel="")
        ax.tick_params(axis="x", labelbottom=True)
    axes[-1].set_xlabel("Percentage of complainants who completed the monitoring form")
    figure.supylabel("Group", fontsize=12)

    def figures(group: str, by_year: Mapping[str, float]) -> str:
        return f"{group} " + ", ".join(f"{_pct(by_year[y])} in {y}" for y in years if y in by_year)

    parts = [f"{s}: " + "; ".join(figures(*g) for g in v.items()) + "." for s, v in values.items()]
    alt = (
        f"Horizontal bar charts, one per characteristic ({join_words(list(values))}), comparing "
        f"the equality monitoring of complainants in {join_words(years)}. {title}. "
        + " ".join(parts)
    )
    return _finish(Chart("", title, alt, source_note(clean, year), figure, colours), key, years, 80)


def by_service(tables: Tables, year: ReportingYear, *, measures: tuple, what: str) -> Chart:
    """Horizontal bars of a case-extract table's ``measures``, a bar per row label and service;
    the title names the largest figure."""
    ((table_id, clean),) = tables.items()
    used = clean[clean["measure"].astype(str).isin(measures)]
    unit = str(used["unit"].iloc[0]) if len(used) else "count"
    fmt = functools.partial(format_value, unit=unit, missing=SUPPRESSED)
    values = _nested(used, "service", "label")
    title = f"{cards.CARDS[table_id].title}, {year}"
    top = used.dropna(subset=["value"]).sort_values("value", ascending=False, kind="stable")
    if len(top):
        first = top.iloc[0]
        title += f": highest {first['label']} ({first['service']}), {fmt(first['value'])}"
    figures = "; ".join(
        f"{s}: " + ", ".join(f"{k} {fmt(v)}" for k, v in by.items()) for s, by in values.items()
    )
    order = list(dict.fromkeys(used["label"].astype(str)))
    size = (9, 1.8 + 0.45 * len(order) * max(len(values), 1))
    bars = dict(values=values, horizontal=True, fmt=fmt, wrap=28, size=size, order=order)
    labels, legend = (f"{what} ({unit})", ""), list(values)
    return _chart(used, year, title, f"{what} in {year}", f"{figures}.", labels=labels,
                  legend=legend, **bars)  # fmt: skip


# Saving -----------------------------------------------------------------------------------------
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_REF = re.compile(r'(?P<lead>id="|#)(?P<name>[^"#)\s]+)(?=[")])')
#: ``c`` standing alone: a suppressed figure in a text alternative.
_C_TOKEN = re.compile(r"(?<![\w'’])c(?![\w'’])")


def save_chart(draft: Chart, charts_dir: Path) -> Chart:
    """Write ``<charts_dir>/<id>.png`` and ``.svg`` of a drawn chart, reproducibly (no dates or
    software versions): the source line in a band at the bottom, the title and text alternative
    in the PNG's metadata and as the SVG's ``<title>``/``<desc>``. Raises ``ValueError`` for a
    colour under 3:1 contrast on white. Call it in the style context the figure was drawn in."""
    check_contrast(draft.colours)
    png, svg = (charts_dir / f"{draft.id}.{kind}" for kind in ("png", "svg"))
    figure, height = draft.figure, draft.figure.get_figheight()
    band = SOURCE_BAND_INCHES / height
    figure.get_layout_engine().set(rect=(0, band, 1, 1 - band))
    figure.text(0.01, 0.12 / height, draft.source, ha="left", va="bottom", fontsize=10)
    metadata = {"Software": None, "Title": draft.title, "Description": draft.alt_text}
    figure.savefig(png, format="png", dpi=PNG_DPI, metadata=metadata)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    # matplotlib's element ids hash clip rectangles' coordinates, whose last bits the layout
    # solver can change between processes: renamed <id>-<n> in order (unique on a shared page).
    text, chart_id = buffer.getvalue(), draft.id
    names = {old: f"{chart_id}-{n}" for n, old in enumerate(dict.fromkeys(_SVG_ID.findall(text)))}
    text = _SVG_REF.sub(lambda m: m["lead"] + names.get(m["name"], m["name"]), text)
    # A <title> and <desc> that screen readers announce.
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    tag = (
        f' role="img" aria-labelledby={quoteattr(f"{title_id} {desc_id}")}>'
        f"\n <title id={quoteattr(title_id)}>{xml_escape(draft.title)}</title>"
        f"\n <desc id={quoteattr(desc_id)}>{xml_escape(draft.alt_text)}</desc>"
    )
    svg.write_text(re.sub(r"(<svg\b[^>]*)>", lambda m: m[1] + tag, text, count=1), "utf-8")
    return replace(draft, figure=None, png=png, svg=svg)


#: Every report chart by id, in the report's order, with the tables it is drawn from.
_CHARTS = {c.id: (c.tables or (t.id,), c) for t in cards.CARDS.values() for c in t.charts}


def draw_chart(
    tables: Tables, chart_id: str, year: ReportingYear | str, charts_dir: Path | str
) -> Chart:
    """Draw one chart by the function its card names; write ``<charts_dir>/<chart_id>.png/.svg``."""
    needed, chart = _CHARTS[chart_id]
    charts_dir = Path(charts_dir)
    charts_dir.mkdir(parents=True, exist_ok=True)
    # Copies (the caller's frames stay unchanged), figures as floats, a suppressed one as NaN.
    copies = {
        t: tables[t].assign(value=pd.to_numeric(tables[t]["value"]).astype(float)) for t in needed
    }
    with matplotlib.style.context([AF_STYLE, RC_OVERRIDES]):
        draft = globals()[chart.draw](copies, ReportingYear.parse(str(year)), **chart.options)
        legend = f" {LEGEND}" if _C_TOKEN.search(draft.alt_text) else ""
        return save_chart(replace(draft, id=chart.id, alt_text=draft.alt_text + legend), charts_dir)


def draw_all_charts(
    tables: Tables, year: ReportingYear | str, charts_dir: Path | str
) -> list[Chart]:
    """Draw every chart whose tables are all given (a year held only through restated figures
    lacks some) into ``charts_dir``, listed (id, title, alt text, source, files) in charts.json."""
    drawn = [i for i, (needed, _) in _CHARTS.items() if set(needed) <= tables.keys()]
    charts = [draw_chart(tables, chart_id, year, charts_dir) for chart_id in drawn]
    texts = ("id", "title", "alt_text", "source")
    listing = [
        {**{k: getattr(c, k) for k in texts}, "png": c.png.name, "svg": c.svg.name} for c in charts
    ]
    target = Path(charts_dir) / "charts.json"
    target.write_text(json.dumps(listing, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return charts


def chart_html(chart: Chart) -> str:
    """A self-contained ``<figure>``: the PNG embedded as base64 with its alt text, the title,
    the source and a visible text description. All text is HTML-escaped."""
    data = base64.b64encode(chart.png.read_bytes()).decode("ascii")
    return render_html("chart.html.j2", chart=chart, png_base64=data)
