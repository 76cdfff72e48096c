"""The year's ``index.html``: one offline page linking every output of a run; and the public
edition's folder, built from a complete run: what it may publish, copied, indexed and checked."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

from complaints import paths
from complaints.outputs.html import render_html
from complaints.params import STAGING
from complaints.years import ReportingYear

#: A case extract's drill-down, in ``tables/``: the cases behind each figure (internal edition).
CASE_REFS = "case_refs.csv"


def _write_page(out_dir: Path, template: str, title: str, **context: object) -> None:
    """Write ``out_dir/index.html`` from ``template`` with the run's tables (``tables.json``'s,
    then any other CSV) and charts (``charts.json``'s), and the caveats beside it."""
    write_caveats(out_dir)
    tables = out_dir / "tables"
    listed = _read_json(tables / "tables.json")
    files = {t["file"] for t in listed}
    listed += [
        {"caption": p.stem.replace("_", " "), "file": p.name}
        for p in sorted(tables.glob("*.csv"))
        if p.name not in files and p.name != CASE_REFS
    ]
    charts = _read_json(out_dir / "charts" / "charts.json")
    html = render_html(template, title=title, tables=listed, charts=charts, **context)
    (out_dir / "index.html").write_text(html, encoding="utf-8")


def write_caveats(out_dir: Path) -> None:
    """``caveats.html``: the assumptions-and-caveats log (``docs/caveats.md``) beside the index,
    so that the folder carries it wherever it is shared."""
    import mistune  # not nbconvert's filter: importing nbconvert takes seconds
    from markupsafe import Markup

    class Renderer(mistune.HTMLRenderer):  # headings get ids, to link to a section
        def heading(self, text: str, level: int, **attrs) -> str:
            return super().heading(text, level, id=re.sub(r"\W+", "-", text).strip("-"))

    text = (paths.DOCS_DIR / "caveats.md").read_text(encoding="utf-8")
    body = Markup(mistune.create_markdown(renderer=Renderer())(text.split("\n", 1)[1]))
    html = render_html("caveats.html.j2", title="Assumptions and caveats", body=body)
    (out_dir / "caveats.html").write_text(html, encoding="utf-8")


def _read_json(path: Path) -> list[dict[str, str]]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def _files(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for p in folder.glob(pattern) if p.is_file())


def write_index(
    out_dir: Path, year: ReportingYear, parameters: dict[str, object], notebooks: list[Path]
) -> None:
    """The year's ``index.html``: the run's parameters, notebooks, checks, tables, charts and
    trends, linked."""
    trends = _files(out_dir / "trends")
    charts = (".png", ".svg")
    _write_page(
        out_dir,
        "index.html.j2",
        f"Children's services complaints report {year}",
        parameters=[  # name, value, whether it is the staging folder the notebooks wrote into
            (k, str(v), k == "output_dir" and Path(str(v)).parent.name == STAGING)
            for k, v in parameters.items()
        ],
        notebooks=notebooks,
        validation=[p.name for p in _files(out_dir / "validation")],
        data_docs=(out_dir / "validation" / "data_docs" / "index.html").is_file(),
        case_refs=(out_dir / "tables" / CASE_REFS).is_file(),
        trends=trends
        and {
            "files": [p.name for p in trends if p.suffix not in charts],
            "charts": sorted({p.stem for p in trends if p.suffix in charts}),
        },
    )


# The public edition ------------------------------------------------------------------------------

#: What the public edition publishes from a complete run, as paths relative to the folder
#: (``{report}``: the report notebook): the report's HTML for readers (without code), the index
#: and manifest written for the edition, and the tables and charts (with their listings), all
#: built from the suppressed figures.
PUBLIC_FILES = (
    r"index\.html|caveats\.html|manifest\.json|manifest\.sha256|html/{report}\.html"
    r"|tables/[^/]*\.csv|tables/tables\.json|charts/[^/]*\.(?:png|svg)|charts/charts\.json"
)
#: ``c`` explained, for captions, text alternatives and the index (``disclosure.LEGEND``;
#: declared here, so that publishing does not import pandas).
PUBLIC_LEGEND = (
    "c: suppressed to protect confidentiality (a small number, or a figure that would reveal one)."
)
#: A case reference as the learning table prints it, and the clean columns holding references.
CASE_ID = re.compile(r"COM/\d{8}")
CASE_COLUMNS = (
    ("learning_from_complaints", "case_id"),
    ("children_in_care_cases", "case_ref"),
    ("case_refs", "case_ref"),
)
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
    allowed = re.compile(PUBLIC_FILES.format(report=re.escape(report)))
    return [
        p for p in _files(out_dir, "**/*") if allowed.fullmatch(p.relative_to(out_dir).as_posix())
    ]


def build_public_edition(source: Path, target: Path, year: ReportingYear, report: str) -> None:
    """Copy from a complete public-edition run (``source``, laid out as ``reports/<year>/``)
    what may be published (:data:`PUBLIC_FILES`) into ``target`` (created), and write its
    ``index.html``; not the run's own index and manifest (the edition's are written for it)."""
    if not (source / "html" / f"{report}.html").is_file():
        raise ValueError(f"the run produced no html/{report}.html to publish")
    target.mkdir(parents=True)
    for path in public_files(source, report):
        rel = path.relative_to(source)
        if rel.parent != Path("."):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / rel)
    title = f"Children's services complaints report {year}: public edition"
    _write_page(target, "public_index.html.j2", title, report=report, legend=PUBLIC_LEGEND)


def case_ids(clean_root: Path) -> set[str]:
    """Every case reference the clean tables of any year hold (:data:`CASE_COLUMNS`), of five
    characters or more (shorter ones are too short to search for)."""
    ids: set[str] = set()
    for year in paths.years_held(clean_root):
        for table_id, column in CASE_COLUMNS:
            path = paths.clean_dir(year, clean_root) / f"{table_id}.csv"
            if path.is_file():
                with path.open(encoding="utf-8", newline="") as handle:
                    ids |= {(row.get(column) or "").strip() for row in csv.DictReader(handle)}
    return {i for i in ids if len(i) >= 5}


def check_public_edition(out_dir: Path, report: str, ids: set[str] = frozenset()) -> None:
    """Refuse (``ValueError``) a public folder that holds a file it may not publish, a page
    showing code, or a case reference (``COM/`` and eight digits, or any of ``ids`` standing as
    a word of its own)."""
    problems = []
    allowed = set(public_files(out_dir, report))
    for path in _files(out_dir, "**/*"):
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
        named = found[0] if found else next((i for i in sorted(ids) if _names(text, i)), None)
        if named:
            problems.append(f"{rel} names a case ({named})")
    if problems:
        more = f" and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise ValueError(f"the public edition was not published: {'; '.join(problems[:5])}{more}")


def _names(text: str, case_id: str) -> bool:
    """True when ``case_id`` stands in ``text`` as a word of its own (``in`` first: a regular
    expression per id over megabytes of HTML costs seconds)."""
    return case_id in text and bool(re.search(rf"(?<![^\W_]){re.escape(case_id)}(?![^\W_])", text))
