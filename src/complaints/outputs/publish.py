"""The year's ``index.html``: one offline page linking every output of a run; and the public
edition's folder, built from a complete run: what it may publish, copied, indexed and checked."""

from __future__ import annotations

import csv
import json
import re
import shutil
from fnmatch import fnmatch
from pathlib import Path

from complaints import paths
from complaints.outputs.html import render_html
from complaints.params import STAGING
from complaints.years import ReportingYear


def _tables(out_dir: Path) -> list[dict[str, str]]:
    """Tables listed in ``tables/tables.json`` (id, caption, file), then any other CSV."""
    listing = out_dir / "tables" / "tables.json"
    listed = json.loads(listing.read_text(encoding="utf-8")) if listing.is_file() else []
    files = {entry.get("file") for entry in listed}
    return listed + [
        {"id": p.stem, "caption": p.stem.replace("_", " "), "file": p.name}
        for p in sorted((out_dir / "tables").glob("*.csv"))
        if p.name not in files
    ]


def _charts(out_dir: Path) -> list[dict[str, str]]:
    """Charts listed in ``charts/charts.json`` (id, title, alt_text) or, failing that, found."""
    listing = out_dir / "charts" / "charts.json"
    if listing.is_file():
        return json.loads(listing.read_text(encoding="utf-8"))
    return [
        {"id": p.stem, "title": p.stem.replace("_", " "), "alt_text": p.stem.replace("_", " ")}
        for p in sorted((out_dir / "charts").glob("*.png"))
    ]


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []


def _write_page(out_dir: Path, template: str, title: str, **context: object) -> Path:
    """Write ``out_dir/index.html`` from ``template``, with the run's tables and charts."""
    html = render_html(
        template, title=title, tables=_tables(out_dir), charts=_charts(out_dir), **context
    )
    target = out_dir / "index.html"
    target.write_text(html, encoding="utf-8")
    return target


def write_index(
    out_dir: Path, year: ReportingYear, parameters: dict[str, object], notebooks: list[Path]
) -> Path:
    """The year's ``index.html``: the run's parameters, notebooks, checks, tables, charts and
    trends, linked."""
    trends = _files(out_dir / "trends")
    charts = (".png", ".svg")
    return _write_page(
        out_dir,
        "index.html.j2",
        f"Children's services complaints report {year}",
        parameters=[
            {
                "name": key,
                "value": str(value),
                "staging": key == "output_dir" and Path(str(value)).parent.name == STAGING,
            }
            for key, value in parameters.items()
        ],
        notebooks=notebooks,
        validation=[p.name for p in _files(out_dir / "validation")],
        data_docs=(out_dir / "validation" / "data_docs" / "index.html").is_file(),
        trends=trends
        and {
            "files": [p.name for p in trends if p.suffix not in charts],
            "charts": sorted({p.stem for p in trends if p.suffix in charts}),
        },
    )


# The public edition ------------------------------------------------------------------------------

#: What the public edition publishes from a complete run, besides the report's HTML for readers
#: (``html/<report>.html``, exported without code), ``index.html`` and the manifest: the report's
#: tables (CSV, with ``tables.json`` listing captions and sources) and charts (PNG and SVG, with
#: ``charts.json`` listing titles and text descriptions), all built from the suppressed figures.
PUBLIC_FILES: dict[str, tuple[str, ...]] = {
    "tables": ("*.csv", "tables.json"),
    "charts": ("*.png", "*.svg", "charts.json"),
}
#: What a public table prints for a suppressed figure, explained
#: (complaints.outputs.disclosure.LEGEND;
#: written here so that publishing does not import pandas).
PUBLIC_LEGEND = (
    "c: suppressed to protect confidentiality (a small number, or a figure that would reveal one)."
)
#: A case reference as the learning table prints it.
CASE_ID = re.compile(r"COM/\d{8}")
#: Markup of code in an nbconvert page (input prompts, editors, highlighted source), and a code
#: cell that kept its input; style sheets name these classes too, so they are removed first.
_CODE_MARKUP = re.compile(
    r"""class="[^"]*\b(?:jp-InputPrompt|jp-CodeMirrorEditor|jp-Editor|highlight|input_area)\b"""
    r"""|class="[^"]*\bjp-CodeCell\b(?![^"]*\bjp-mod-noInput\b)[^"]*(?=")"""
)
_STYLE_BLOCK = re.compile(r"<style\b.*?</style>", re.DOTALL | re.IGNORECASE)
_TEXT_SUFFIXES = (".html", ".csv", ".json", ".svg", ".sha256")


def public_files(out_dir: Path, report: str) -> list[Path]:
    """Every file under ``out_dir`` the public edition may publish, sorted."""
    allowed = {"index.html", "manifest.json", "manifest.sha256", f"html/{report}.html"}
    found = []
    for path in sorted(out_dir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(out_dir).as_posix()
        folder, _, name = rel.rpartition("/")
        if rel in allowed or any(fnmatch(name, p) for p in PUBLIC_FILES.get(folder, ())):
            found.append(path)
    return found


def build_public_edition(source: Path, target: Path, year: ReportingYear, report: str) -> Path:
    """Copy from a complete public-edition run (``source``, laid out as ``reports/<year>/``)
    what may be published into ``target`` (created), and write its ``index.html``.

    Nothing else is copied: not the executed notebooks, the validation results, the audit HTML,
    the other notebooks' pages, the trends or the clean tables, which show every figure.
    """
    target.mkdir(parents=True)
    for path in public_files(source, report):
        rel = path.relative_to(source).as_posix()
        if rel in ("index.html", "manifest.json", "manifest.sha256"):
            continue  # the complete run's own: the public ones are written here
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / rel)
    html = target / "html" / f"{report}.html"
    if not html.is_file():
        raise ValueError(f"the run produced no html/{report}.html to publish")
    write_public_index(target, year, report)
    return target


def case_ids(clean_root: Path) -> set[str]:
    """Every case reference the clean tables of any year hold (learning table, children in
    care cases), of five characters or more (shorter ones are too short to search for)."""
    ids: set[str] = set()
    for year in paths.years_held(clean_root):
        folder = paths.clean_dir(year, clean_root)
        for table_id, column in (
            ("learning_from_complaints", "case_id"),
            ("children_in_care_cases", "case_ref"),
        ):
            path = folder / f"{table_id}.csv"
            if not path.is_file():
                continue
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    value = (row.get(column) or "").strip()
                    if len(value) >= 5:
                        ids.add(value)
    return ids


def check_public_edition(out_dir: Path, report: str, ids: set[str] = frozenset()) -> None:
    """Refuse (``ValueError``) a public folder that holds a file it may not publish, a page
    showing code, or a case reference (``COM/`` and eight digits, or any of ``ids``)."""
    problems = []
    allowed = set(public_files(out_dir, report))
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(out_dir).as_posix()
        if path not in allowed:
            problems.append(f"{rel} may not be published")
            continue
        if path.suffix not in _TEXT_SUFFIXES:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html" and _CODE_MARKUP.search(_STYLE_BLOCK.sub("", text)):
            problems.append(f"{rel} shows code")
        found = CASE_ID.search(text)
        named = found.group(0) if found else next((i for i in sorted(ids) if _names(text, i)), None)
        if named:
            problems.append(f"{rel} names a case ({named})")
    if problems:
        raise ValueError(
            f"the public edition was not published: {'; '.join(problems[:5])}"
            f"{f' and {len(problems) - 5} more' if len(problems) > 5 else ''}"
        )


def _names(text: str, case_id: str) -> bool:
    """True when ``case_id`` stands in ``text`` as a word of its own (``str.find`` first: a
    regular expression per id over megabytes of HTML costs seconds)."""
    start = text.find(case_id)
    while start != -1:
        end = start + len(case_id)
        if not (start and text[start - 1].isalnum()) and not (
            end < len(text) and text[end].isalnum()
        ):
            return True
        start = text.find(case_id, start + 1)
    return False


def write_public_index(out_dir: Path, year: ReportingYear, report: str) -> Path:
    """The public edition's ``index.html``: the report, its tables and charts, and how to check
    the files; it names nothing that is not published."""
    title = f"Children's services complaints report {year}: public edition"
    return _write_page(out_dir, "public_index.html.j2", title, report=report, legend=PUBLIC_LEGEND)
