"""The report notebook's view of a year: the tables and charts the store can give for it,
written to the year's output folder and shown section by section with their data-quality notes.

The public edition (``edition="public"``) shows the figures after disclosure control
(:mod:`complaints.outputs.disclosure`): small counts are printed as ``c`` in tables and
charts, case ids are removed, and data-quality notes that would reveal a suppressed figure are
withheld.

A year whose report is held gets every table. A year held only through figures restated in
later reports (e.g. 2021-22, from the 2022-23 report) gets the tables those figures support, and
every other table is named with the reason it cannot be produced: nothing is invented.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from complaints.checks.validation import read_quality_notes
from complaints.inputs import store
from complaints.outputs.disclosure import apply_edition, public_notes
from complaints.outputs.report_tables import (
    NOT_VALIDATED,
    ReportTable,
    build_report_table,
    report_table_ids,
    style_table,
    write_report_tables,
)
from complaints.params import RunParams
from complaints.years import ReportingYear

NOT_PRODUCED_FILE = "not_produced.csv"


@dataclass
class ReportView:
    year: ReportingYear
    report: dict[str, ReportTable]
    charts: dict[str, object]  # chart id -> Chart
    notes: pd.DataFrame | None
    reasons: dict[str, str] = field(default_factory=dict)  # table id -> why missing or partial

    def status(self) -> str:
        """What this run could produce, in a few plain sentences (markdown)."""
        notes = self.notes
        lines = [
            f"Data-quality notes: {NOT_VALIDATED}."
            if notes is None
            else "Data-quality notes: validation ran and reported nothing."
            if notes.empty
            else f"Data-quality notes: validation reported {len(notes)} note(s); "
            "each is shown with its table."
        ]
        missing = {t: r for t, r in self.reasons.items() if t not in self.report}
        partial = {t: r for t, r in self.reasons.items() if t in self.report}
        if missing:
            lines.append(f"\n**{len(missing)} table(s) cannot be produced for {self.year}:**\n")
            lines.extend(f"- `{t}`: {r}" for t, r in missing.items())
        if partial:
            lines.append("\n**Tables with fewer years than published:**\n")
            lines.extend(f"- `{t}`: {r}" for t, r in partial.items())
        return "\n".join(lines)

    def show(self, table_id: str | None = None, charts: Iterable[str] | str = ()) -> None:
        """Display one section: the styled table with its notes, then its charts."""
        from IPython.display import HTML, Markdown, display

        from complaints.outputs.charts import chart_html

        if table_id is not None:
            if table_id in self.report:
                display(style_table(self.report[table_id], self.notes))
                if table_id in self.reasons:
                    display(Markdown(f"*Note: {self.reasons[table_id]}.*"))
            else:
                reason = self.reasons.get(table_id, "no figures are held")
                display(Markdown(f"**Not produced for {self.year}:** {reason}."))
        for chart_id in [charts] if isinstance(charts, str) else charts:
            if chart_id in self.charts:
                display(HTML(chart_html(self.charts[chart_id])))


def build_report(run: RunParams) -> ReportView:
    """Take the year's figures from the store, write every table CSV and chart it supports
    (and ``tables/not_produced.csv`` naming the others), and return the view to show."""
    from complaints.outputs.charts import draw_all_charts

    internal, unavailable = store.tables_for_report(run.year, run.clean_root)
    tables = apply_edition(internal, run.edition)
    reasons = {u.table_id: u.reason for u in unavailable}
    report = {t: build_report_table(tables, t, run.year) for t in report_table_ids() if t in tables}
    write_report_tables(report, run.tables_dir)
    missing = [(t, r) for t, r in reasons.items() if t not in tables]
    if missing:
        pd.DataFrame(missing, columns=["table_id", "reason"]).to_csv(
            run.tables_dir / NOT_PRODUCED_FILE, index=False, lineterminator="\n"
        )
    run.charts_dir.mkdir(parents=True, exist_ok=True)
    charts = {c.id: c for c in draw_all_charts(tables, run.year, run.charts_dir)}
    notes = read_quality_notes(run.validation_dir)
    if run.edition == "public" and notes is not None:
        notes = public_notes(notes, internal)
    return ReportView(run.year, report, charts, notes, reasons)
