"""Render the data dictionary (``docs/data_dictionary.md``) from :mod:`complaints.cards`."""

from __future__ import annotations

from complaints.cards import CARDS
from complaints.outputs.html import render_html


def render_data_dictionary() -> str:
    """The data dictionary's markdown: the preamble, then every card's columns and notes."""
    return render_html("data_dictionary.md.j2", cards=CARDS.values())
