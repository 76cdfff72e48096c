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
    """A chart drawn but not yet written: its figure (from :func:`new_figure`, titled with
    :func:`add_title`), with the title, text alternative, source line and colours that
    :func:`save_chart` writes with it. A report chart's drawing function leaves ``id`` empty:
    :func:`draw_chart` gives it the card's chart id."""

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


def palette(n: int) -> list[str]:
    """``n`` Analysis Function colours, in the guidance's order, all at least 3:1 on white."""
    return list(_palette(n))


# Words from numbers: a suppressed figure (no value) is c ---------------------------------------


def _formatter(unit: str) -> Callable[[object], str]:
    return lambda value: format_value(value, unit, missing=SUPPRESSED)


_n, _pct = _formatter("count"), _formatter("percent")


def _peaks(values: Mapping[str, float]) -> list[str]:
    top = max(values.values())
    return [k for k, v in values.items() if v == top]


def _direction(before: float, after: float) -> str:
    return "up" if after > before else "down" if after < before else "unchanged"


def _change(label: str, before: float, after: float) -> str:
    word = {"up": "rose", "down": "fell"}.get(_direction(before, after))
    if word is None:
        return f"{label} was unchanged at {_n(after)}"
    return f"{label} {word} from {_n(before)} to {_n(after)}"


def _series_text(name: str, labels: Sequence[str], values: Sequence[float], fmt=_n) -> str:
    pairs = ", ".join(f"{lab} {fmt(v)}" for lab, v in zip(labels, values, strict=True))
    return f"{name}: {pairs}."


def _by_year_text(values: Mapping[str, Mapping[str, float]], years: Sequence[str], fmt=_n) -> str:
    """Each item's figures in ``years``, one sentence per item."""
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
    sns.barplot(data=data, x=x, y=y, order=list(order), errorbar=None, saturation=1,
                edgecolor=BACKGROUND, linewidth=1, orient="h" if horizontal else "v", ax=ax,
                **colour)  # fmt: skip
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
        ax.bar_label(container, labels=labels, padding=3, fontsize=10, color=TEXT_COLOUR,
                     annotation_clip=False)  # fmt: skip
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
    ax.legend(handles=handles, ncols=len(handles), frameon=False, handlelength=2.5,
              handleheight=1.5, loc="lower left", bbox_to_anchor=(0, 0 if not ax.axison else 1.02),
              borderaxespad=0)  # fmt: skip


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
    figure.suptitle(textwrap.fill(title, width), x=0.01, ha="left", fontsize=14,
                    fontweight="bold", color=TEXT_COLOUR)  # fmt: skip


def _wrap(label: str, width: int = 28) -> str:
    return textwrap.fill(str(label), width, break_long_words=False)


def _draft(title: str, alt: str, frame: pd.DataFrame, year: ReportingYear, figure: Figure,
           colours: Sequence[str]) -> Draft:  # fmt: skip
    """A report chart's draft; :func:`draw_chart` names it."""
    return Draft("", title, alt, source_note(frame, year), figure, tuple(colours))


def _one_table(tables: Tables) -> pd.DataFrame:
    """The one table a chart is drawn from, in the order printed."""
    (frame,) = tables.values()
    return frame.sort_values("source_line", kind="stable")


def _service(table_id: str) -> str:
    return f"Children's {cards.CARDS[table_id].subject}"


def _bar_chart(data: pd.DataFrame, size: tuple[float, float], title: str, labels: tuple[str, str],
               legend: Sequence[str] = (), **bars: object) -> tuple[Figure, Axes]:  # fmt: skip
    """A titled chart of :func:`_bars` of ``data["value"]``, its axes labelled ``labels`` (x, y),
    with a key naming the series ``legend`` when given."""
    figure, ax = new_figure(*size)
    _bars(ax, data, value="value", **bars)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if legend:
        _legend(ax, legend, bars["colours"])
    add_title(figure, title)
    return figure, ax


# The charts: each named by a card's Chart.draw, called with (tables, year, **options) ----------

_COMPLAINT_TYPES = {"formal_complaints": "Formal", "informal_complaints": "Informal"}
_OMBUDSMAN = {"ombudsman_received": "Received", "ombudsman_upheld": "Upheld"}


def _quarters(frame: pd.DataFrame) -> list[str]:
    return sorted(
        {str(p) for p in frame["period"].dropna() if period_key(p)[0] != 99}, key=period_key
    )


def _quarterly(clean: pd.DataFrame, names: Mapping[str, str]) -> tuple[list[str], dict, dict]:
    """The quarters, each measure's figure in each (``names``: measure -> series name), and the
    bars' arguments drawing them side by side in each quarter."""
    quarters = _quarters(clean)
    values = {}
    for measure in names:
        rows = clean[clean["measure"].astype(str) == measure]
        by_period = {str(r["period"]): float(r["value"]) for _, r in rows.iterrows()}
        values[measure] = [by_period.get(q, float("nan")) for q in quarters]
    data = pd.DataFrame(
        [
            {"quarter": q, "series": name, "value": v}
            for measure, name in names.items()
            for q, v in zip(quarters, values[measure], strict=True)
        ]
    )
    bars = {"data": data, "category": "quarter", "order": quarters, "series": "series",
            "series_order": list(names.values()), "colours": palette(2)}  # fmt: skip
    return quarters, values, bars


def complaints_by_quarter(tables: Tables, year: ReportingYear) -> Draft:
    """Formal and informal complaints to a service in each quarter of the year."""
    ((table_id, clean),) = tables.items()
    service = _service(table_id)
    quarters, values, bars = _quarterly(clean, _COMPLAINT_TYPES)
    formal, informal = values["formal_complaints"], values["informal_complaints"]
    totals = {q: f + i for q, f, i in zip(quarters, formal, informal, strict=True)}
    more = [w for w, (a, b) in {"informal than formal": (informal, formal),
            "formal than informal": (formal, informal)}.items()
            if all(x > y for x, y in zip(a, b, strict=True))]  # fmt: skip
    if any(is_missing(v) for v in formal + informal):
        title = f"Formal and informal complaints to {service} in each quarter of {year}"
    elif more:
        title = (
            f"{service} received more {more[0]} complaints in every quarter of {year}, and the "
            f"most in {join_words(_peaks(totals))}"
        )
    else:
        title = (
            f"Complaints to {service}, formal and informal together, peaked in "
            f"{join_words(_peaks(totals))}"
        )
    legend = [f"{n} complaints" for n in _COMPLAINT_TYPES.values()]
    labels = (f"Quarter of {year}", "Number of complaints")
    figure, _ = _bar_chart(size=(9, 5.5), title=title, labels=labels, legend=legend, **bars)
    alt = (
        f"Bar chart of formal and informal complaints to {service} in each quarter of {year}. "
        f"{title}. {_series_text('Formal complaints', quarters, formal)} "
        + _series_text("Informal complaints", quarters, informal)
    )
    used = clean[clean["measure"].astype(str).isin(_COMPLAINT_TYPES)]
    return _draft(title, alt, used, year, figure, bars["colours"])


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
        totals = {m: float(stated.get(m, sum(values[m]))) for m in _OMBUDSMAN}
        if any(is_missing(v) for v in totals.values()):
            withheld.append(service)
        else:
            phrases.append(
                f"{_n(totals['ombudsman_upheld'])} of {_n(totals['ombudsman_received'])} "
                f"approaches about {service}"
            )
        ax.set_title(service, loc="left")
        ax.set_xlabel(f"Quarter of {year}")
        ax.set_ylabel("Number of Ombudsman approaches" if ax is axes[0] else "")
        alt_parts.append(
            f"{service}. {_series_text('Received', quarters, values['ombudsman_received'])} "
            + _series_text("Upheld", quarters, values["ombudsman_upheld"])
        )
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
    return _draft(title, alt, pd.concat(used), year, figure, bars["colours"])


def _by_year(tables: Tables, year: ReportingYear, items: str) -> tuple:
    """A table shown by year: the table in the order printed, the year shown and the one before
    (if held), every year held (oldest first) and each item's (``items`` column) figures by
    year."""
    clean = _one_table(tables)
    years = years_newest_first(clean)[::-1]
    this = str(year) if str(year) in years else years[-1]
    earlier = [y for y in years if ReportingYear.from_label(y) < ReportingYear.from_label(this)]
    values: dict[str, dict[str, float]] = {}
    for item, y, value in zip(clean[items], clean["year"], clean["value"], strict=True):
        values.setdefault(str(item), {})[str(y)] = float(value)
    return clean, this, (earlier[-1] if earlier else None), years, values


def statutory(tables: Tables, year: ReportingYear, *, service: str) -> Draft:
    """A service's statutory figures (stages, Ombudsman approaches) over the years shown."""
    named = {
        k: t.assign(label=t["label"].astype(str).where(t["measure"] != "lgsco_upheld",
                                                        t["label"].astype(str) + " upheld"))
        for k, t in tables.items()
    }  # fmt: skip
    clean, this, previous, years, by_item = _by_year(named, year, "label")
    data = clean.assign(item=clean["label"], year=clean["year"].astype(str))
    items = list(by_item)
    current = {i: v.get(this, float("nan")) for i, v in by_item.items()}
    largest = sorted((i for i in items if not is_missing(current[i])), key=lambda i: -current[i])
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
    colours = list(reversed(palette(len(years))))  # oldest to newest, newest darkest
    figure, ax = _bar_chart(data, (10, 5.5), title, ("Stage of the complaints process",
                            "Number of cases"), years, category="item", order=items,
                            series="year", series_order=years, colours=colours)  # fmt: skip
    ax.set_xticks(range(len(items)), [_wrap(i, 14) for i in items])
    alt = (
        f"Bar chart of {service} statutory complaints figures in {join_words(years)}. "
        f"{title}. " + _by_year_text(by_item, years)
    )
    return _draft(title, alt, clean, year, figure, colours)


def stage1_timescales(tables: Tables, year: ReportingYear) -> Draft:
    """Stage 1 complaints by response time over the years shown."""
    clean, this, previous, years, values = _by_year(tables, year, "label")
    bands = list(values)
    now, before = values[bands[0]].get(this, float("nan")), values[bands[0]].get(previous)
    title = (
        f"{_pct(now)} of Children's Social Care Stage 1 complaints were answered in "
        f"{bands[0].lower()} in {this}"
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
    colours = palette(len(bands))
    data = clean.assign(band=clean["label"].astype(str), year=clean["year"].astype(str))
    figure, ax = _bar_chart(data, (9, 5.5), title, ("Reporting year",
                            "Percentage of Stage 1 complaints"), bands, category="year",
                            order=years, series="band", series_order=bands, colours=colours,
                            fmt=_pct)  # fmt: skip
    ax.set_ylim(0, 105)
    alt = f"Bar chart of Stage 1 response times, {join_words(years)}. {title}. "
    return _draft(title, alt + _by_year_text(values, years, _pct), clean, year, figure, colours)


def ranked(tables: Tables, year: ReportingYear, *, key: str, unit: str, title: str,
           xlabel: str, ylabel: str, what: str) -> Draft:  # fmt: skip
    """A horizontal bar chart, largest first, of one value per ``key`` (figures in ``unit``),
    titled by the function of this module named ``title`` (:func:`groups_title`,
    :func:`themes_title`)."""
    (clean,) = tables.values()
    fmt = _formatter(unit)
    data = clean.assign(item=clean[key].astype(str), value=clean["value"].astype(float))
    data = data.sort_values("value", ascending=False, kind="stable")
    order = list(data["item"])
    pairs = list(zip(order, data["value"], strict=True))
    heading = globals()[title](pairs, year)
    colours = palette(1)
    figure, ax = _bar_chart(data, (9, 1.6 + 0.5 * len(pairs)), heading, (xlabel, ylabel),
                            category="item", order=order, colours=colours, horizontal=True,
                            fmt=fmt)  # fmt: skip
    ax.set_yticks(range(len(order)), [_wrap(i) for i in order])
    suppressed = ", suppressed figures last" if any(is_missing(v) for _, v in pairs) else ""
    alt = (
        f"Horizontal bar chart of {what} in {year}, largest first{suppressed}. {heading}. "
        + "; ".join(f"{i} {fmt(v)}" for i, v in pairs)
        + "."
    )
    return _draft(heading, alt, clean, year, figure, colours)


def groups_title(ranked: list[tuple[str, float]], year: ReportingYear) -> str:
    """The complainant groups' finding: the largest group (and its share, when all are shown)."""
    shown = [(i, v) for i, v in ranked if not is_missing(v)]
    if not shown:
        return f"Complainants to Children's Social Care in {year}, by group"
    top = [i for i, v in shown if v == shown[0][1]]
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
    ranked = [(i, v) for i, v in ranked if not is_missing(v)]
    if not ranked:
        return f"Children's Social Care complaints by theme, {year}"
    top = [i for i, v in ranked if v == ranked[0][1]]
    noun = "theme" if len(top) == 1 else "themes"
    return (
        f"{join_words(top)} {'was the' if len(top) == 1 else 'were each the'} {noun} of "
        f"{_pct(ranked[0][1])} of Children's Social Care complaints in {year}"
    )


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
            o: (values[o].get(previous), values[o].get(this))
            for o in names
            if not is_missing(values[o].get(previous)) and not is_missing(values[o].get(this))
        }
        parts = [
            f"found {join_words(moved, 'or')} {word}"
            for word, moved in (
                ("rose", [o.lower() for o, (before, now) in pairs.items() if now > before]),
                ("fell", [o.lower() for o, (before, now) in pairs.items() if now < before]),
            )
            if moved
        ]
        if parts:
            shares = " and the share ".join(parts)
            title = f"In {this} the share of complaints {shares} compared with {previous}"
        elif withheld:
            title = f"Outcomes of Children's Social Care complaints, {previous} and {this}"
        else:
            title = f"Outcomes of Children's Social Care complaints were unchanged from {previous}"
    colours = list(reversed(palette(len(years))))  # newest darkest
    data = clean[clean["year"].astype(str).isin(years)].assign(
        item=clean["outcome"].astype(str), year=clean["year"].astype(str)
    )
    figure, _ = _bar_chart(data, (9, 5), title, ("Percentage of Children's Social Care "
                           "complaints", "Outcome"), years, category="item", order=names,
                           series="year", series_order=years, colours=colours, horizontal=True,
                           fmt=_pct)  # fmt: skip
    alt = f"Horizontal bar chart of complaint outcomes, {join_words(years)}. {title}. "
    return _draft(title, alt + _by_year_text(values, years, _pct), clean, year, figure, colours)


def _single_series(clean: pd.DataFrame, year: ReportingYear, values: Mapping[str, float],
                   labels: tuple[str, str], title: str, what: str, name: str) -> Draft:  # fmt: skip
    """A titled 9 x 5 inch chart of one bar per label (``values``' keys), in one colour."""
    data = pd.DataFrame({"label": list(values), "value": list(values.values())})
    colours = palette(1)
    figure, _ = _bar_chart(data, (9, 5), title, labels, category="label", order=list(values),
                           colours=colours)  # fmt: skip
    alt = f"Bar chart of {what}. {title}. " + _series_text(name, list(values), data["value"])
    return _draft(title, alt, clean, year, figure, colours)


def children_in_care_by_year(tables: Tables, year: ReportingYear) -> Draft:
    """Complaints from children in care over the years shown."""
    (clean,) = tables.values()
    _, this, previous, years, by_year = _by_year(tables, year, "year")
    values = {y: by_year[y][y] for y in years}
    subject = "Complaints from children in care"
    now = _n(values[this])
    if is_missing(values[this]) or (previous is not None and is_missing(values[previous])):
        title = f"{subject}, {years[0]} to {years[-1]}"
    elif previous is None:
        title = f"{subject} numbered {now} in {this}"
    elif values[this] == values[previous]:
        title = f"{subject} was unchanged at {now} in {this}"
    else:
        word = "rose" if values[this] > values[previous] else "fell"
        title = f"{subject} {word} from {_n(values[previous])} in {previous} to {now} in {this}"
    highest = max(values.values())
    if any(is_missing(v) for v in values.values()):
        pass  # a peak or "the most" would compare with suppressed figures
    elif values[this] < highest:
        title += f", below the {_n(highest)} of {join_words(_peaks(values))}"
    elif len(years) > 1:
        title += f", the most in the {len(years)} years shown"
    what = f"complaints from children in care, {years[0]} to {years[-1]}"
    return _single_series(clean, year, values, ("Reporting year", "Number of complaints"), title,
                          what, "Complaints")  # fmt: skip


def children_in_care_by_quarter(tables: Tables, year: ReportingYear) -> Draft:
    """Complaints and contacts from children in care in each quarter of the year."""
    (clean,) = tables.values()
    by_period = {str(r["period"]): float(r["value"]) for _, r in clean.iterrows()}
    values = {q: by_period[q] for q in _quarters(clean)}
    if any(is_missing(v) for v in values.values()):
        title = f"Complaints and contacts from children in care in each quarter of {year}"
    else:
        peaks = _peaks(values)
        title = (
            f"Complaints and contacts from children in care peaked in {join_words(peaks)} of "
            f"{year}, at {_n(values[peaks[0]])}"
        )
    return _single_series(clean, year, values, (f"Quarter of {year}", "Complaints or contacts"),
                          title, "complaints and contacts from children in care by quarter",
                          "Complaints or contacts")  # fmt: skip


def equality(tables: Tables, year: ReportingYear) -> Draft:
    """Equality monitoring of complainants, a panel per characteristic, this year and last."""
    clean, this, previous, _, _ = _by_year(tables, year, "group")
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
    changes = [
        (s, g, lookup[(s, g, previous)], lookup[(s, g, this)])
        for s in sections
        for g in groups[s]
        if previous is not None and (s, g, previous) in lookup and (s, g, this) in lookup
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
    colours = list(reversed(palette(len(years))))
    figure, key, axes = _panels(
        10,
        2.4 + 0.42 * sum(len(g) + 1.2 for g in groups.values()),
        [len(groups[s]) + 0.6 for s in sections],
    )
    for ax, section in zip(axes, sections, strict=True):
        _bars(ax, data[data["characteristic"] == section], category="item", value="value",
              order=groups[section], series="year", series_order=years, colours=colours,
              horizontal=True, fmt=_pct)  # fmt: skip
        ax.set_yticks(range(len(groups[section])), [_wrap(g, 45) for g in groups[section]])
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
            + ", ".join(f"{_pct(lookup[(s, g, y)])} in {y}" for y in years if (s, g, y) in lookup)
            for g in groups[s]
        )
        + "."
        for s in sections
    )
    alt = (
        f"Horizontal bar charts, one per characteristic ({join_words(sections)}), comparing "
        f"the equality monitoring of complainants in {join_words(years)}. {title}. {figures}"
    )
    return _draft(title, alt, clean, year, figure, colours)


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
    # The source line sits in a band kept free at the bottom of the figure.
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
    svg.write_text(
        _accessible_svg(buffer.getvalue(), draft.id, draft.title, draft.alt_text),
        encoding="utf-8",
    )
    return Chart(draft.id, draft.title, draft.alt_text, png, svg, draft.source, draft.colours)


def report_charts() -> list[tuple[str, cards.Chart]]:
    """Every report chart, in the report's order: (the card's table id, its chart)."""
    return [(card.id, chart) for card in cards.CARDS.values() for chart in card.charts]


def chart_ids() -> list[str]:
    """The report charts' ids, in the report's order."""
    return [chart.id for _, chart in report_charts()]


def _needed(table_id: str, chart: cards.Chart) -> tuple[str, ...]:
    return chart.tables or (table_id,)


#: ``c`` standing alone: a suppressed figure in a text alternative.
_C_TOKEN = re.compile(r"(?<![\w'’])c(?![\w'’])")


def draw_chart(
    tables: Tables, chart_id: str, year: ReportingYear | str, charts_dir: Path | str
) -> Chart:
    """Draw one chart, by the function its card names, and write ``<charts_dir>/<chart_id>.png``
    and ``.svg``."""
    table_id, chart = next((t, c) for t, c in report_charts() if c.id == chart_id)
    year = ReportingYear.parse(str(year))
    charts_dir = Path(charts_dir)
    charts_dir.mkdir(parents=True, exist_ok=True)
    # Copies: the drawing code never sees (or changes) the caller's frames. Figures as floats,
    # a suppressed one (public edition) as NaN.
    copies = {}
    for name in _needed(table_id, chart):
        copies[name] = tables[name].copy()
        copies[name]["value"] = pd.to_numeric(copies[name]["value"]).astype("float64")
    with matplotlib.style.context([AF_STYLE, RC_OVERRIDES]):
        draft = globals()[chart.draw](copies, year, **chart.options)
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
        {"id": c.id, "title": c.title, "alt_text": c.alt_text, "source": c.source,
         "png": c.png.name, "svg": c.svg.name}
        for c in charts
    ]  # fmt: skip
    target = Path(charts_dir) / "charts.json"
    target.write_text(json.dumps(listing, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return charts


def chart_html(chart: Chart) -> str:
    """A self-contained ``<figure>``: the PNG embedded as base64 with its alt text, the title,
    the source and a visible text description. All text is HTML-escaped."""
    data = base64.b64encode(chart.png.read_bytes()).decode("ascii")
    return render_html("chart.html.j2", chart=chart, png_base64=data)
