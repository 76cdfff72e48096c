"""Render the data dictionary (``docs/data_dictionary.md``) from :mod:`complaints.cards`."""

from __future__ import annotations

from complaints.cards import CARDS

_PREAMBLE = """\
# Data dictionary

Generated from `src/complaints/cards.py` by `make docs`; do not edit by hand (a test fails if
this file and the cards disagree).

The clean data lives in `data/clean/<year>/<table_id>.csv`, one file per table of the annual
report, one row per figure (tidy: one observation a row). It is derived from the raw input in
`data/raw/<year>/` by `complaints clean --year <year>` and is never committed.

## Faithful to the source, free of parsing artefacts

**Kept as published** (the source's own inconsistencies are data, and the validation step reports
them; the clean data never corrects them): totals that do not equal the sum of their parts,
percentage groups that do not sum to 100, a case id that appears twice, a table cut off at the
end of the file, text with typing errors.

**Removed or repaired as parsing artefacts** (they come from turning the PDF into text, not from
the publisher): page footers and running headers ('Annual Complaints Report 2022-23',
'dorsetcomplaints', 'performance', '2022/23') that interrupt tables and sentences; HTML `<p>`
tags in cells; markdown bold (`**`) around captions; a table row split across a page break (joined
into one row); a year label printed with a stray space ('2022- 23').

## Traceability

Every row records `source_file` and `source_line`: open the file at that line and the figure is
there, printed as in `source_text`. Rows built from text that a page break split also record
`source_line_end`.

## Types

`string` is text; `integer` is a whole number; `number` is a whole or decimal number. Percentages
are stored as printed, on a 0-100 scale (`18%` is 18). Money is in pounds (`£43,230` is 43230).
"""


def render_data_dictionary() -> str:
    parts = [_PREAMBLE]
    for table in CARDS.values():
        parts.append(f"\n## `{table.id}` — {table.title}\n")
        parts.append(f"One row is {table.grain}. Source: {table.source}\n")
        key = ", ".join(f"`{k}`" for k in table.keys) or "none (free text, not compared)"
        shown = table.years_shown
        parts.append(
            f"\nKey across reports: {key}. The published table shows {shown} "
            f"year{'s' if shown > 1 else ''}.\n"
        )
        parts.append("\n| column | type | unit | description |\n|---|---|---|---|\n")
        for c in table.columns:
            nullable = " May be empty." if c.nullable else ""
            parts.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {c.description}{nullable} |\n")
        if table.notes:
            parts.append("\n" + "".join(f"- {note}\n" for note in table.notes))
    return "".join(parts)
