"""The case route: a complaints system's export of cases, mapped to one case model.

A complaints team exports its cases (CSV or ``.xlsx``, its own column names and labels) into
``data/raw/<year>/`` and writes ``cases-mapping.toml`` once, saying which column is which and
which label means what. This module reads the export into :class:`CaseData`, the canonical case
model below; :mod:`complaints.inputs.case_rules` computes the report's tables from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MAPPING_FILE = "cases-mapping.toml"

#: The canonical case model: part -> column -> what it holds. Every frame of :class:`CaseData`
#: also carries ``source_file`` and ``source_row`` (the row as numbered in the spreadsheet).
MODEL: dict[str, dict[str, str]] = {
    "cases": {
        "case_ref": "The case's reference in the complaints system (unique).",
        "service": "`social_care` (Children's Social Care) or `non_social_care`.",
        "procedure": "`statutory` (Children Act 1989 procedure) or `corporate`.",
        "formality": "`formal` or `informal` (an informal social care case is a representation).",
        "date_received": "Date the complaint or representation was received.",
        "complainant": "Who complained, as the report groups them (e.g. `Parent`).",
        "child_in_care": "Whether the complaint concerns a child in care.",
        "via_advocate": "Whether the complaint was made through an advocate.",
        "team": "The team or locality complained about.",
        "learning": "The learning recorded (empty: none).",
        "learning_action": "The action taken on the learning.",
        "remedy": "Money paid to resolve the case, GBP (0 if none).",
    },
    "stages": {
        "case_ref": "The case the stage belongs to.",
        "stage": "1, 2 or 3.",
        "date_requested": "Date the stage was requested.",
        "date_responded": "Date of the response (stage 3: the panel); empty while open.",
        "extension_agreed": "Whether an extended timescale was agreed.",
        "outcome": "`fully_justified`, `partly_justified`, `not_justified` or `withdrawn`.",
    },
    "themes": {
        "case_ref": "The case.",
        "theme": "One theme of the case (a case can have several).",
    },
    "ombudsman": {
        "lgsco_ref": "The Ombudsman's reference (unique).",
        "case_ref": "The council's case, when there is one.",
        "service": "`social_care` or `non_social_care`.",
        "date_notified": "Date the council was notified of the enquiry.",
        "date_decided": "Date of the Ombudsman's decision; empty while open.",
        "decision": "`upheld`, `not_upheld`, `closed_after_initial_enquiries` or `referred_back`.",
        "remedy": "Money the council was asked to pay, GBP (0 if none).",
    },
    "compliments": {
        "date": "Date the compliment was received.",
        "service": "`social_care` or `non_social_care`.",
    },
    "equality": {
        "form_id": "The anonymous monitoring form.",
        "characteristic": "The question (e.g. `Gender`).",
        "answer": "The answer given (e.g. `Female`).",
    },
}


@dataclass(frozen=True)
class CaseData:
    """A year's cases in the canonical model (:data:`MODEL`), one frame per part."""

    cases: pd.DataFrame
    stages: pd.DataFrame
    themes: pd.DataFrame
    ombudsman: pd.DataFrame
    compliments: pd.DataFrame
    equality: pd.DataFrame
