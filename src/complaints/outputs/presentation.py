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

from dataclasses import dataclass, field

import pandas as pd

from complaints.checks.identities import QUARTERLY_TABLES, QUARTERS, TOTAL
from complaints.checks.validation import read_quality_notes
from complaints.inputs import store
from complaints.inputs.case_rules import round_half_up
from complaints.outputs import report_tables as rt
from complaints.outputs.disclosure import apply_edition, public_notes
from complaints.outputs.publish import CASE_REFS
from complaints.params import RunParams
from complaints.words import format_value, is_missing, join_words
from complaints.years import ReportingYear

NOT_PRODUCED_FILE = "not_produced.csv"


@dataclass
class ReportView:
    year: ReportingYear
    report: dict[str, rt.ReportTable]
    charts: dict[str, object]  # chart id -> Chart
    notes: pd.DataFrame | None
    reasons: dict[str, str] = field(default_factory=dict)  # table id -> why missing or partial
    remarks: dict[str, str] = field(default_factory=dict)  # table id -> how to read it

    def status(self) -> str:
        """What this run could produce, in a few plain sentences (markdown)."""
        said = "validation ran and reported nothing"
        if self.notes is None:
            said = rt.NOT_VALIDATED
        elif len(self.notes):
            said = f"validation reported {len(self.notes)} note(s); each is shown with its table"
        lines = [f"Data-quality notes: {said}."]
        missing = [t for t in self.reasons if t not in self.report]
        partial = [t for t in self.reasons if t in self.report]
        for title, ids in (
            (f"{len(missing)} table(s) cannot be produced for {self.year}", missing),
            ("Tables with fewer years than published", partial),
        ):
            if ids:
                lines += [f"\n**{title}:**\n", *(f"- `{t}`: {self.reasons[t]}" for t in ids)]
        return "\n".join(lines)

    def show(self, table_id: str | None = None, chart: str | None = None) -> None:
        """Display one section: the styled table with its notes, then the chart ``chart``."""
        from IPython.display import HTML, Markdown, display

        from complaints.outputs.charts import chart_html

        if table_id is not None:
            if table_id in self.report:
                display(rt.style_table(self.report[table_id], self.notes))
                for said in filter(None, (self.reasons.get(table_id), self.remarks.get(table_id))):
                    display(Markdown(f"*Note: {said}.*"))
            else:
                reason = self.reasons.get(table_id, "no figures are held")
                display(Markdown(f"**Not produced for {self.year}:** {reason}."))
        if chart in self.charts:
            display(HTML(chart_html(self.charts[chart])))


def build_report(run: RunParams) -> ReportView:
    """Take the year's figures from the store, write every table CSV and chart it supports
    (and ``tables/not_produced.csv`` naming the others), and return the view to show."""
    from complaints.outputs.charts import draw_all_charts

    internal, unavailable = store.tables_for_report(run.year, run.clean_root)
    tables = apply_edition(internal, run.edition)
    reasons = {u.table_id: u.reason for u in unavailable}
    report = rt.build_report_tables(tables, run.year)
    rt.write_report_tables(report, run.tables_dir)
    refs = tables.get("case_refs")
    if refs is not None and len(refs):  # the public edition has none
        refs.drop(columns=["year", "report_year"]).to_csv(
            run.tables_dir / CASE_REFS, index=False, lineterminator="\n"
        )
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
    remarks = {}
    if "case_refs" in internal:  # a case extract's year
        remarks = {t: r for t in QUARTERLY_TABLES if t in tables if (r := totals_remark(tables[t]))}
    return ReportView(run.year, report, charts, notes, reasons, remarks)


def totals_remark(clean: pd.DataFrame) -> str:
    """Where a case extract's yearly percentage differs from the mean of its quarters (how the
    published 2022-23 totals were made), say so, with both; "" where none does."""
    differ = []
    own = clean[(clean["year"] == clean["report_year"]) & (clean["unit"] == "percent")]
    for label, rows in own.groupby("label", sort=False):
        by = dict(zip(rows["period"], rows["value"], strict=True))
        quarters = [by.get(q) for q in QUARTERS]
        if any(is_missing(v) for v in [*quarters, by.get(TOTAL)]):
            continue  # a suppressed figure is not compared
        mean = int(round_half_up(sum(quarters), len(quarters)))
        if mean != by[TOTAL]:
            differ.append(f"{label} {format_value(by[TOTAL], 'percent')} (the quarters' mean: "
                          f"{format_value(mean, 'percent')})")  # fmt: skip
    if not differ:
        return ""
    return (
        "the Totals are counted over the year's cases, not averaged over the quarters as the "
        f"published 2022-23 totals were: {join_words(differ)}"
    )
