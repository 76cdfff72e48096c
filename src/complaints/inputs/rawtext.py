"""Reading the raw report text: page furniture, cells and figures as printed.

Every helper here is pure: it takes text and returns values, never modifying its input.
Parsing artefacts (page footers, running headers, HTML tags, markdown bold, rows broken by a
page break) are removed here; published figures are returned exactly as printed.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from complaints.errors import InputError

# Lines that belong to the page layout, not to the content: the running header, the banner
# and footer words of the performance pages and the year stamp printed on them.
_FURNITURE = re.compile(
    r"Annual Complaints Report \d{4}-\d{2}|dorsetcomplaints|performance|\d{4}/\d{2}"
)
_TAG = re.compile(r"</?p\s*>", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"</p>\s*<p>", re.IGNORECASE)


@dataclass(frozen=True)
class RawLine:
    """One line of a raw file, with its 1-based line number."""

    number: int
    text: str

    @property
    def cells(self) -> list[str]:
        """The tab-separated cells of the line, cleaned of tags and markup."""
        return [clean_cell(cell) for cell in self.text.split("\t")]

    @property
    def is_blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class RawDocument:
    """A raw text file as a list of numbered lines."""

    path: Path
    label: str  # how the file is named in messages and in clean data (relative to the project)
    lines: tuple[RawLine, ...]

    def error(
        self, message: str, *, table: str | None, line: int | None = None, hint: str | None = None
    ):
        return InputError(message, file=self.label, table=table, line=line, hint=hint)


def read_raw_text(path: Path, label: str | None = None) -> RawDocument:
    """Read a raw text file as UTF-8, failing with the file and line of any undecodable byte."""
    label = label or path.as_posix()
    data = path.read_bytes()
    if not data.strip():
        raise InputError("raw file is empty", file=label, hint="check the file was copied whole")
    _refuse_binary(data, label)
    data = data.removeprefix(b"\xef\xbb\xbf")  # Notepad's "UTF-8 with BOM": not content
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
            file=label,
            line=line_no,
            hint="save the file as UTF-8; it may be Windows-1252, where '£' is 0xa3",
        ) from None
    lines = tuple(RawLine(i, t) for i, t in enumerate(text.split("\n"), start=1))
    return RawDocument(path=path, label=label, lines=lines)


# Leading bytes of the files most often saved or copied by mistake in place of the report text.
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a zip archive (an .xlsx or .docx file is one)",
    b"\x1f\x8b": "a gzip archive",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Office document (.xls or .doc)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
}


def _refuse_binary(data: bytes, label: str) -> None:
    """Refuse a file that is not UTF-8 text, saying what it looks like and what to do."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "the file is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8",
            file=label,
            line=1,
            hint="save it again as UTF-8: in Notepad, Save As with Encoding 'UTF-8'",
        )
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise InputError(
                f"the file is {kind}, not text",
                file=label,
                hint="put the report's text in this folder as a UTF-8 .txt file; a workbook "
                "must be named *.xlsx",
            )
    if b"\x00" in data:
        line_no = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(
            "file contains NUL bytes: it is binary, not text",
            file=label,
            line=line_no,
            hint="check that the right file was copied, and that it was copied whole",
        )


def is_furniture(text: str) -> bool:
    """True for running headers, footers and banners that interrupt content at page breaks."""
    stripped = strip_markup(text).strip()
    return _FURNITURE.fullmatch(stripped) is not None


def strip_markup(text: str) -> str:
    """Remove markdown bold markers."""
    return text.replace("**", "")


def clean_cell(text: str) -> str:
    """Clean one printed cell: paragraphs on their own lines, no tags, entities decoded,
    runs of spaces collapsed."""
    text = _PARAGRAPH_BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    text = strip_markup(text)
    text = html.unescape(text)
    parts = [re.sub(r"[ \t\u00a0]+", " ", part).strip() for part in text.split("\n")]
    return "\n".join(p for p in parts if p)


# --- Figures as printed --------------------------------------------------------------------------


def parse_count(cell: str) -> int:
    """``"34"`` -> 34. Raises ``ValueError`` for anything that is not a whole number."""
    text = cell.strip().replace(",", "")
    if re.fullmatch(r"[-\u2212]\s*\d+", text):
        raise ValueError(f"{cell!r} is negative: a count cannot be below 0")
    if not re.fullmatch(r"\d+", text):
        raise ValueError(f"{cell!r} is not a whole number")
    return int(text)


def parse_percent(cell: str) -> int | float:
    """``"18%"`` -> 18 (``"12.5%"`` -> 12.5). The sign is required."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", cell.strip())
    if not match:
        raise ValueError(f"{cell!r} is not a percentage like '18%'")
    number = match.group(1)
    return float(number) if "." in number else int(number)


def parse_ratio(cell: str) -> tuple[int, int]:
    """``"1/5"`` -> (1, 5): upheld out of received, as printed (not checked here)."""
    match = re.fullmatch(r"(\d+)\s*/\s*(\d+)", cell.strip())
    if not match:
        raise ValueError(f"{cell!r} is not a ratio like '0/1'")
    return int(match.group(1)), int(match.group(2))


def parse_upheld_phrase(cell: str) -> tuple[int, int]:
    """``"5 with 1 upheld"`` -> (5, 1); ``"4 none upheld"`` -> (4, 0); ``"3 all upheld"`` -> (3, 3).

    Returns (approaches, upheld) as printed.
    """
    text = re.sub(r"\s+", " ", cell.strip().lower())
    match = re.fullmatch(r"(\d+)(?: with (\d+)|,? (none|all)) upheld", text)
    if not match:
        raise ValueError(f"{cell!r} is not a phrase like '5 with 1 upheld' or '4 none upheld'")
    approaches, upheld, word = match.groups()
    count = int(approaches)
    return count, ({"none": 0, "all": count}[word] if word else int(upheld))


def parse_money(cell: str) -> int | float:
    """``"£43,230"`` -> 43230 (pounds)."""
    match = re.fullmatch(r"£\s*(\d{1,3}(?:,\d{3})*|\d+)(\.\d{2})?", cell.strip())
    if not match:
        raise ValueError(f"{cell!r} is not an amount of money like '£43,230'")
    pounds = int(match.group(1).replace(",", ""))
    return pounds + float(match.group(2)) if match.group(2) else pounds


# --- Tables and prose ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRow:
    """A row of a tab-separated table: its raw line and its cleaned cells."""

    line: RawLine
    cells: tuple[str, ...]


def read_tab_block(doc: RawDocument, start: int) -> list[TableRow]:
    """The rows of the tab-separated table whose first row is on line ``start``.

    A table runs over blank lines and page furniture (a page break) and ends at the first line
    of text without a tab.
    """
    rows: list[TableRow] = []
    for raw in doc.lines[start - 1 :]:
        if raw.is_blank or is_furniture(raw.text):
            continue
        if "\t" not in raw.text:
            break
        rows.append(TableRow(raw, tuple(raw.cells)))
    return rows


def find_line(
    doc: RawDocument, pattern: str, *, table: str, start: int = 1, what: str | None = None
) -> RawLine:
    """The first line at or after ``start`` whose text matches ``pattern`` (a regex)."""
    regex = re.compile(pattern)
    for raw in doc.lines[start - 1 :]:
        if regex.search(strip_markup(raw.text)):
            return raw
    raise doc.error(
        f"could not find {what or 'the line'} (looked for text matching {pattern!r} "
        f"from line {start} to the end of the file, line {len(doc.lines)})",
        table=table,
        hint="is the file complete, or was it cut short? Is it this report's text?",
    )


class Prose:
    """The document's running text with page furniture removed, searchable by regex, with every
    match position mapped back to its raw line number."""

    def __init__(self, doc: RawDocument, start: int = 1, end: int | None = None) -> None:
        self.doc = doc
        kept = [raw for raw in doc.lines[start - 1 : end] if not is_furniture(raw.text)]
        texts = [clean_cell(raw.text.replace("\t", " ")) for raw in kept]
        self._numbers = [raw.number for raw in kept]
        self._offsets = list(itertools.accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
        self.text = "\n".join(texts)

    def line_at(self, position: int) -> int:
        """Raw line number of a character position in :attr:`text`."""
        return self._numbers[bisect.bisect_right(self._offsets, position) - 1]

    def search(self, pattern: str, *, table: str, what: str, flags: int = 0) -> re.Match[str]:
        match = re.search(pattern, self.text, flags)
        if not match:
            raise self.doc.error(
                f"could not find {what} in the prose (looked for text matching {pattern!r})",
                table=table,
                hint="the sentence may have been reworded; update the extraction pattern",
            )
        return match
