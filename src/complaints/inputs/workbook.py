"""New-year input: a workbook a complaints officer fills in, one sheet per table.

``complaints new-year 2023-24`` scaffolds ``data/raw/2023-24/complaints-2023-24.xlsx`` with the
row labels of the latest year held already in place and the figures left blank, plus a README.
:func:`read_workbook` turns the filled-in workbook into the same clean tables as the text
extraction, so later notebooks cannot tell the two routes apart. A mistake gets a message naming
the sheet and the cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd

from complaints import cards, paths
from complaints.errors import InputError
from complaints.years import ReportingYear

#: The README of a new year's folder, and the instructions it shares with the workbook.
_TEMPLATES = Path(__file__).parents[1] / "templates" / "new-year"
INSTRUCTIONS = (_TEMPLATES / "instructions.txt").read_text(encoding="utf-8")


_WIDE = ("label", "learned", "action", "summary", "group", "theme")  # columns of text


def workbook_name(year: ReportingYear) -> str:
    return f"complaints-{year}.xlsx"


def _template_rows(previous: dict[str, pd.DataFrame], table_id: str, year: ReportingYear):
    """A sheet's label cells: those of the rows the latest report gives for its own year."""
    prefill = list(cards.CARDS[table_id].sheet_labels)
    if not prefill:
        return []
    if table_id == "children_in_care_by_year":
        return [{"label": f"Children in Care {year}"}]
    frame = previous.get(table_id, cards.empty_frame(table_id))
    own = frame.loc[frame["year"] == frame["report_year"], prefill].drop_duplicates()
    if table_id == "children_in_care_by_quarter" and own.empty:
        return [{"period": q} for q in cards.QUARTERS[:4]]
    return own.to_dict("records")


def new_year_folder(year: ReportingYear, raw_root: Path = paths.RAW_DIR) -> Path:
    """The year's raw folder, refused if it already holds inputs (never overwritten)."""
    folder = paths.raw_dir(year, raw_root)
    if folder.exists() and any(folder.iterdir()):
        raise InputError(
            f"inputs for {year} already exist",
            file=paths.relative_to_project(folder),
            hint="raw inputs are never overwritten; remove the folder yourself to start again",
        )
    return folder


def scaffold(
    year: ReportingYear,
    previous: dict[str, pd.DataFrame],
    raw_root: Path = paths.RAW_DIR,
) -> Path:
    """Create ``raw_root/<year>/`` with a blank workbook and a README; never overwrites."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    folder = new_year_folder(year, raw_root)
    grey = PatternFill("solid", fgColor="DDDDDD")
    book = Workbook()
    readme = book.active
    readme.title = "README"
    for line in INSTRUCTIONS.splitlines():
        readme.append([line])
    readme["A1"].font = Font(bold=True)
    readme.column_dimensions["A"].width = 100
    for table_id in cards.for_route("workbook"):
        card = cards.CARDS[table_id]
        prefill, inputs = card.sheet_labels, card.sheet_figures
        sheet, header = book.create_sheet(table_id), [*prefill, *inputs]
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            sheet.column_dimensions[cell.column_letter].width = 60 if cell.value in _WIDE else 14
        for record in _template_rows(previous, table_id, year):
            # The total complaints row has a total only: its quarters are marked n/a.
            na = ["n/a"] * (len(inputs) - 1) if record.get("measure") == "total_complaints" else []
            sheet.append([*(record[name] for name in prefill), *na])
            for cell in sheet[sheet.max_row][: len(prefill) + len(na)]:
                cell.fill = grey
        if card.sheet_unit:
            sheet.cell(row=1, column=len(header) + 2, value=f"unit: {card.sheet_unit}")
        sheet.freeze_panes = "A2"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / workbook_name(year)
    staging = target.with_suffix(".xlsx.partial")
    book.save(staging)
    staging.rename(target)
    readme = (_TEMPLATES / "README.md").read_text(encoding="utf-8")
    text = readme.format(year=year, workbook=target.name, instructions=INSTRUCTIONS)
    (folder / "README.md").write_text(text, encoding="utf-8")
    return target


# --- Reading a filled-in workbook ----------------------------------------------------------------


def _number(raw: object, fmt: str, where: str, refuse: Callable[..., InputError]) -> int | float:
    if _text(raw) is None:
        raise refuse(f"cell {where} is empty", hint="enter the figure (0 if none)")
    if isinstance(raw, bool):
        raise refuse(f"cell {where} holds {raw!r}, not a number")
    if isinstance(raw, int | float):
        value = raw * 100 if "%" in (fmt or "") else raw
    else:
        text = str(raw).strip().replace(",", "").replace("£", "")
        match = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*%?", text)
        if not match:
            hint = "type the figure as a number, e.g. 12 or 18 for 18%"
            raise refuse(f"cell {where} holds {raw!r}, which is not a number", hint=hint)
        value = float(match.group(1))
    value = round(float(value), 6)
    return int(value) if value.is_integer() else value


def _text(raw: object) -> str | None:
    text = "" if raw is None else str(raw).strip()
    return text or None


def read_workbook(
    path: Path, year: ReportingYear, label: str | None = None
) -> dict[str, pd.DataFrame]:
    """Read a filled-in workbook into the clean tables (same schema as the text extraction)."""
    from openpyxl import load_workbook

    label = label or paths.relative_to_project(path)
    try:
        book = load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise InputError(
            f"cannot be opened as an .xlsx workbook ({type(exc).__name__})",
            file=label,
            hint="save it from Excel as .xlsx",
        ) from None
    tables: dict[str, pd.DataFrame] = {}
    sheets = cards.for_route("workbook")
    for table_id in sheets:
        card, refuse = cards.CARDS[table_id], partial(InputError, file=label, table=table_id)
        if table_id not in book.sheetnames:
            hint = f"the workbook needs one sheet per table: {', '.join(sheets)}"
            raise refuse(f"sheet {table_id!r} is missing", hint=hint)
        sheet = book[table_id]
        expected = [*card.sheet_labels, *card.sheet_figures]
        for col, name in enumerate(expected, start=1):
            cell = sheet.cell(row=1, column=col)
            if _text(cell.value) != name:
                raise refuse(
                    f"sheet {table_id!r}, cell {cell.coordinate}: header should be {name!r}, "
                    f"found {cell.value!r}",
                    hint="do not rename or move the header cells",
                )
        rows = []
        source = f"{label}#{table_id}"
        for cells in sheet.iter_rows(min_row=2, max_col=len(expected)):
            if any(_text(c.value) is not None for c in cells):
                named = dict(zip(expected, cells, strict=True))
                rows.extend(_rows_from_sheet_row(table_id, named, year, source, refuse))
        # A row typed (or pasted) twice is refused, naming both rows of the sheet; free text has
        # no key: a repeated case id is reported by the validation step.
        key = [k for k in card.keys if k != "year"]
        if key and (repeat := cards.repeated_row(rows, key)) is not None:
            values, first, line = repeat
            what = ", ".join(f"{k} {v!r}" for k, v in values.items())
            raise refuse(
                f"sheet {table_id!r}, row {line} repeats row {first} ({what})",
                hint="delete the repeated row: each figure is entered once",
            )
        tables[table_id] = (
            cards.conform(table_id, pd.DataFrame(rows)) if rows else cards.empty_frame(table_id)
        )
    return tables


def _rows_from_sheet_row(table_id, cells, year, source, refuse) -> list[dict[str, object]]:
    line = next(iter(cells.values())).row
    base = {"year": str(year), "report_year": str(year), "source_file": source, "source_line": line}
    card = cards.CARDS[table_id]
    keys = {k: _text(cells[k].value) for k in card.sheet_labels}
    if not keys:  # a free-text sheet: one row per case
        return [{**base, **{k: _text(c.value) for k, c in cells.items()}, "source_line_end": line}]

    def figure(name: str) -> dict[str, object]:
        cell = cells[name]
        where = f"{table_id}!{cell.coordinate} ({name})"
        value = _number(cell.value, cell.number_format, where, refuse)
        return {"value": value, "source_text": str(cell.value).strip()}

    if card.sheet_figures != cards.QUARTERS:
        keys["unit"] = keys.pop("unit", None) or card.sheet_unit or "count"
        return [{**base, **keys, **figure("value")}]
    periods = ["Total"] if keys["measure"] == "total_complaints" else list(cards.QUARTERS)
    return [{**base, **keys, "period": p, **figure(p)} for p in periods]
