"""Render the data dictionary (``docs/data_dictionary.md``) from :mod:`complaints.cards`, the
case model (:data:`complaints.inputs.cases.MODEL`) and the rules
(:mod:`complaints.inputs.case_rules`)."""

from __future__ import annotations

import inspect

from complaints.cards import CARDS
from complaints.inputs import case_rules, cases
from complaints.outputs.html import render_html


def render_data_dictionary() -> str:
    """The data dictionary's markdown: the preamble, every card's columns and notes, the case
    model and the rules the case extract's figures are computed by."""
    rules = inspect.getdoc(case_rules) or ""
    return render_html(
        "data_dictionary.md.j2", cards=CARDS.values(), model=cases.MODEL, rules=rules
    )
