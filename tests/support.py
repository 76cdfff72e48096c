"""Helpers shared by the tests: small notebooks, folder hashes, manifest checks, a filled-in
new-year workbook."""

from __future__ import annotations

import functools
import hashlib
import itertools
import random
import subprocess
from pathlib import Path

import nbformat
from openpyxl import load_workbook

from complaints import cards

PARAMETERS_CELL = (
    'year: str = "2022-23"  # reporting year, April to March\n'
    'raw_root: str = ""  # raw inputs, one folder a year; empty means data/raw\n'
    'clean_root: str = ""  # clean tables, one folder a year; empty means a scratch copy\n'
    'output_dir: str = ""  # this year\'s outputs; empty means a scratch folder'
)


def assert_sha256sum_verifies(folder: Path) -> None:
    """``sha256sum -c --strict manifest.sha256`` passes from ``folder``, as a user runs it."""
    check = subprocess.run(
        ["sha256sum", "-c", "--strict", "manifest.sha256"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def make_notebook(path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMETERS_CELL)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A test notebook"),
        params,
        nbformat.v4.new_code_cell(
            "from pathlib import Path\n"
            "out = Path(output_dir)\n"
            "(out / 'tables').mkdir(parents=True, exist_ok=True)"
        ),
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


_QUARTERS = cards.QUARTERS[:4]  # without the total
_SUMMED = ("formal_complaints", "informal_complaints")  # total complaints is their sum
_FREE_TEXT = {  # sheet -> the cells typed into it, by (row, column)
    "learning_from_complaints": {
        (r, c): v
        for r in range(2, 5)
        for c, v in enumerate(("COM/{id:08d}", f"Learning {r}", f"Action {r}"), start=1)
    },
    "children_in_care_cases": {(2, 1): "Q1", (2, 3): "A synthetic case"},
}


def fill_workbook(path: Path, seed: int = 7) -> dict[tuple[str, int, str], int]:
    """Type a plausible figure into every blank input cell; returns what was typed, keyed by
    (sheet, row, column name). Percentages of a group sum to 100; totals are the quarters' sum;
    upheld never exceeds received."""
    rng = random.Random(seed)
    book = load_workbook(path)
    typed: dict[tuple[str, int, str], int] = {}
    for table_id in cards.for_route("workbook"):
        card, sheet = cards.CARDS[table_id], book[table_id]
        if table_id in _FREE_TEXT:
            for (r, c), v in _FREE_TEXT[table_id].items():
                sheet.cell(row=r, column=c, value=v.format(id=(seed * 1000 + r) % 10**8))
            continue
        header = [*card.sheet_labels, *card.sheet_figures]
        labels = {
            r: label
            for r in range(2, sheet.max_row + 1)
            if (label := sheet.cell(row=r, column=1).value)
        }
        units = {r: _unit(sheet, header, r, card) for r in labels}

        put = functools.partial(_type, sheet, header, table_id, typed)
        if card.sheet_figures != cards.QUARTERS:
            groups: dict[object, list[int]] = {}
            for r in (r for r in labels if units[r] == "percent"):
                key = labels[r] if table_id == "equality_monitoring" else 0
                groups.setdefault(key, []).append(r)
            for members in groups.values():
                for r, v in zip(members, _split(100, len(members), rng), strict=True):
                    put(r, "value", v)
            for r in (r for r in labels if units[r] != "percent"):
                put(r, "value", rng.randint(1, 90))
            continue
        row_of = {measure: r for r, measure in labels.items()}
        for r, measure in labels.items():
            if measure not in ("total_complaints", "ombudsman_upheld"):
                for q in _QUARTERS:
                    put(r, q, rng.randint(0, 40 if units[r] == "percent" else 60))
        for q in _QUARTERS:
            received = typed[(table_id, row_of["ombudsman_received"], q)]
            put(row_of["ombudsman_upheld"], q, rng.randint(0, received))
        for r in (r for r, measure in labels.items() if measure != "total_complaints"):
            values = [typed[(table_id, r, q)] for q in _QUARTERS]
            put(r, "Total", round(sum(values) / 4) if units[r] == "percent" else sum(values))
        formal, informal = (typed[(table_id, row_of[m], "Total")] for m in _SUMMED)
        put(row_of["total_complaints"], "Total", formal + informal)
    book.save(path)
    return typed


def _unit(sheet, header: list[str], row: int, card: cards.Card) -> str:
    if "unit" in header:
        return sheet.cell(row=row, column=header.index("unit") + 1).value
    return card.sheet_unit or "count"


def _type(sheet, header: list[str], table_id: str, typed: dict, row: int, column: str, value):
    sheet.cell(row=row, column=header.index(column) + 1, value=value)
    typed[(table_id, row, column)] = value


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in itertools.pairwise([0, *cuts, total])]
