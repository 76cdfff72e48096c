"""Figures and lists in words, one way everywhere: report tables, chart titles, text
alternatives, data-quality notes and trends all print a figure through :func:`format_value` and
join a list through :func:`join_words`."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

import pandas as pd

#: What a public table prints for a suppressed figure (the DfE symbol).
SUPPRESSED = "c"


def is_missing(value: object) -> bool:
    """True for ``None``, NaN and ``pd.NA``: a figure without a value."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def format_number(value: object, missing: str = "") -> str:
    """A number as printed: ``9``, ``2.5`` (no trailing zeros); ``c`` stays ``c``; a missing
    figure is ``missing``."""
    if isinstance(value, str) and value == SUPPRESSED:
        return SUPPRESSED
    if is_missing(value):
        return missing
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def format_value(value: object, unit: str = "count", missing: str = "") -> str:
    """A figure in its unit as the report prints it: ``9``, ``18%``, ``£43,230``, ``£12.50``."""
    text = format_number(value, missing)
    if text in (SUPPRESSED, missing):
        return text
    if unit == "percent":
        return f"{text}%"
    if unit == "GBP":
        number = float(value)
        return f"£{number:,.0f}" if number.is_integer() else f"£{number:,.2f}"
    return text


def join_words(items: Iterable[object], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = [str(item) for item in items]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def format_lines(lines: Iterable[object]) -> str:
    """Line numbers as ranges: ``[359, 360, 361]`` is ``"359-361"``, ``[18, 76]`` ``"18, 76"``."""
    ordered = enumerate(sorted({int(n) for n in lines if not is_missing(n)}))
    # Consecutive numbers keep the same difference from their position.
    runs = [[n for _, n in run] for _, run in groupby(ordered, lambda item: item[1] - item[0])]
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def parse_lines(text: object) -> list[int]:
    """The inverse of :func:`format_lines`."""
    out: list[int] = []
    for part in filter(None, (p.strip() for p in str(text or "").split(","))):
        start, _, end = part.partition("-")
        out.extend(range(int(start), int(end or start) + 1))
    return out
