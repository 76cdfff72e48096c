"""Pages and fragments from the jinja2 templates in ``complaints/templates/pages/``, with every
value escaped (autoescaping: text from the data never becomes markup; the data dictionary's
markdown template turns it off)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_ENVIRONMENT = Environment(
    loader=PackageLoader("complaints", "templates/pages"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(template: str, **context: object) -> str:
    """``template`` (a file name under ``templates/pages/``) rendered with ``context``."""
    return _ENVIRONMENT.get_template(template).render(**context)
