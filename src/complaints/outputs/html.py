"""Pages and fragments from the jinja2 templates in ``complaints/templates/pages/``, with every
value escaped (autoescaping: text from the data never becomes markup; the data dictionary's
markdown template turns it off)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_ENVIRONMENT = Environment(
    loader=PackageLoader("complaints", "templates/pages"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_CELLS = "text-align: left; vertical-align: top; white-space: pre-line;"

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler


def render_html(template: str, **context: object) -> str:
    """``template`` (a file name under ``templates/pages/``) rendered with ``context``."""
    return _ENVIRONMENT.get_template(template).render(**context)


def html_table(
    frame: pd.DataFrame, uuid: str, caption: str = "", shades: Sequence[str] = (), **formatting
) -> Styler:
    """``frame`` as a pandas Styler with fixed ids (``uuid``) and every text from the data
    escaped: ``caption`` (markup) above it, each row shaded in its CSS colour of ``shades`` (an
    empty one: none), cells left-aligned keeping their line breaks."""
    from pandas.io.formats.style import Styler

    styler = (
        Styler(frame, uuid=uuid, cell_ids=False)
        .format(escape="html", na_rep="", **formatting)
        .format_index(escape="html", axis=1)
        .hide(axis="index")
        .set_caption(caption)
        .set_table_styles(
            [
                {"selector": "caption", "props": "caption-side: top; text-align: left;"},
                {"selector": "td, th", "props": _CELLS},
            ]
        )
    )
    if not shades:
        return styler
    colours = [f"background-color: {c}" if c else "" for c in shades]
    return styler.apply(lambda _: colours, axis=0)  # each column: a row's shade in each row
