"""HTML pages and fragments from the jinja2 templates in ``complaints/templates/pages/``, with
every value escaped (autoescaping: text from the data never becomes markup)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("complaints", "templates/pages"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(template: str, **context: object) -> str:
    """``template`` (a file name under ``templates/pages/``) rendered with ``context``."""
    return _environment().get_template(template).render(**context)
