"""The year's ``index.html``: one offline page linking every output of a run; and the public
edition's folder, built from a complete run: what it may publish, copied, indexed and checked."""

from __future__ import annotations

import csv
import json
import re
import shutil
from fnmatch import fnmatch
from html import escape
from pathlib import Path

from complaints import paths
from complaints.params import STAGING
from complaints.years import ReportingYear

_STYLE = """
body { font-family: Arial, Helvetica, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #0b0c0c; line-height: 1.5; }
h1, h2 { color: #12436d; }
a { color: #12436d; }
a:focus { outline: 3px solid #fd0; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #b1b4b6; padding: .3rem .6rem; text-align: left; vertical-align: top; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; border: 1px solid #b1b4b6; }
code { background: #f3f2f1; padding: 0 .2rem; }
"""


def _link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def _charts(out_dir: Path) -> list[dict[str, str]]:
    """Charts listed in ``charts/charts.json`` (id, title, alt_text) or, failing that, found."""
    listing = out_dir / "charts" / "charts.json"
    if listing.is_file():
        return json.loads(listing.read_text(encoding="utf-8"))
    return [
        {"id": p.stem, "title": p.stem.replace("_", " "), "alt_text": p.stem.replace("_", " ")}
        for p in sorted((out_dir / "charts").glob("*.png"))
    ]


def _page(title: str, body: list[str]) -> str:
    """A whole offline page: ``title`` as its title and heading, then ``body``."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            f"<style>{_STYLE}</style></head><body><main>",
            f"<h1>{title}</h1>",
            *body,
            "</main></body></html>\n",
        ]
    )


def _manifest_note() -> str:
    return (
        f"<p>Check the files against {_link('manifest.sha256', 'manifest.sha256')} with "
        "<code>sha256sum -c manifest.sha256</code> from this folder; "
        f"{_link('manifest.json', 'manifest.json')} also records the inputs' hashes, the code "
        "version and the package versions.</p>"
    )


def _tables_section(out_dir: Path) -> list[str]:
    tables = _table_listing(out_dir)
    if not tables:
        return ["<h2>Tables</h2>", "<p>No tables were produced by this run.</p>"]
    return [
        "<h2>Tables</h2>",
        "<ul>",
        *(f"<li>{_link('tables/' + t['file'], t['caption'])} (CSV)</li>" for t in tables),
        "</ul>",
    ]


def _charts_section(out_dir: Path) -> list[str]:
    charts = _charts(out_dir)
    parts = ["<h2>Charts</h2>"]
    for chart in charts:
        cid = chart["id"]
        parts.append(
            f'<figure><img src="charts/{escape(cid)}.png" alt="{escape(chart["alt_text"])}">'
            f"<figcaption>{escape(chart['title'])} "
            f"({_link(f'charts/{cid}.png', 'PNG')}, {_link(f'charts/{cid}.svg', 'SVG')})"
            "</figcaption></figure>"
        )
    if not charts:
        parts.append("<p>No charts were produced by this run.</p>")
    return parts


def _trends_section(out_dir: Path) -> list[str]:
    """The trends notebook's outputs (its HTML, listed with the notebooks, shows them drawn)."""
    folder = out_dir / "trends"
    files = sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
    if not files:
        return []
    charts = sorted({p.stem for p in files if p.suffix in (".png", ".svg")})
    other = [p for p in files if p.suffix not in (".png", ".svg")]
    return [
        "<h2>Trends</h2>",
        "<p>Every year held, side by side (drawn and explained in the trends notebook's HTML "
        "above).</p><ul>",
        *(f"<li>{_link(f'trends/{p.name}', p.name)}</li>" for p in other),
        *(
            f"<li>{escape(stem)} ({_link(f'trends/{stem}.png', 'PNG')}, "
            f"{_link(f'trends/{stem}.svg', 'SVG')})</li>"
            for stem in charts
        ),
        "</ul>",
    ]


def _staged_note(key: str, value: object) -> str:
    if key == "output_dir" and Path(str(value)).parent.name == STAGING:
        return " (the staging folder the notebooks wrote into, published as this folder)"
    return ""


def render_index(
    out_dir: Path, year: ReportingYear, parameters: dict[str, object], notebooks: list[Path]
) -> str:
    parts = [
        "<p>Everything this run produced. Each page opens offline (except GX Data Docs, under "
        "Checks).</p>",
        _manifest_note(),
        "<h2>Run parameters</h2><table><tr><th>parameter</th><th>value</th></tr>",
        *(
            f"<tr><td>{escape(k)}</td><td><code>{escape(str(v) or '(default)')}</code>"
            f"{_staged_note(k, v)}</td></tr>"
            for k, v in parameters.items()
        ),
        "</table>",
        "<h2>Notebooks</h2>",
        "<p>Each notebook as executed, for readers (no code) and for auditors (with code).</p>",
        "<table><tr><th>notebook</th><th>for readers</th><th>for auditors</th>"
        "<th>executed notebook</th></tr>",
    ]
    for nb in notebooks:
        stem = nb.stem
        parts.append(
            f"<tr><td>{escape(stem)}</td>"
            f"<td>{_link(f'html/{stem}.html', 'HTML')}</td>"
            f"<td>{_link(f'html/{stem}.audit.html', 'HTML with code')}</td>"
            f"<td>{_link(f'notebooks/{nb.name}', nb.name)}</td></tr>"
        )
    parts.append("</table>")

    validation = (
        sorted((out_dir / "validation").glob("*")) if (out_dir / "validation").is_dir() else []
    )
    parts.append("<h2>Checks</h2>")
    if validation:
        parts.append(
            "<p>Every check that ran, its severity and result, and every inconsistency found in "
            "the source, are in the validation notebook's HTML above. Full results:</p><ul>"
        )
        parts.extend(
            f"<li>{_link(p.relative_to(out_dir).as_posix(), p.name)}</li>"
            for p in validation
            if p.is_file()
        )
        data_docs = out_dir / "validation" / "data_docs" / "index.html"
        if data_docs.is_file():
            parts.append(
                f"<li>{_link('validation/data_docs/index.html', 'GX Data Docs')}: Great "
                "Expectations' own pages for the same results. They load their styles and "
                "scripts from the internet, so they display properly only online; the "
                "validation notebook's HTML is the record that opens offline.</li>"
            )
        parts.append("</ul>")
    else:
        parts.append("<p>No validation output was produced by this run.</p>")

    parts += _tables_section(out_dir) + _charts_section(out_dir) + _trends_section(out_dir)
    return _page(f"Children's services complaints report {escape(str(year))}", parts)


def write_index(
    out_dir: Path, year: ReportingYear, parameters: dict[str, object], notebooks: list[Path]
) -> Path:
    target = out_dir / "index.html"
    target.write_text(render_index(out_dir, year, parameters, notebooks), encoding="utf-8")
    return target


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


def _table_listing(out_dir: Path) -> list[dict[str, str]]:
    """Tables listed in ``tables/tables.json`` (id, caption, file), then any other CSV."""
    listing_path = out_dir / "tables" / "tables.json"
    listed = json.loads(listing_path.read_text(encoding="utf-8")) if listing_path.is_file() else []
    files = {entry.get("file") for entry in listed}
    for path in sorted((out_dir / "tables").glob("*.csv")):
        if path.name not in files:
            caption = path.stem.replace("_", " ")
            listed.append({"id": path.stem, "caption": caption, "file": path.name})
    return listed


def render_public_index(out_dir: Path, year: ReportingYear, report: str) -> str:
    """The public edition's ``index.html``: the report, its tables and charts, and how to check
    the files; it names nothing that is not published."""
    parts = [
        "<p>The annual report on complaints about children's services, under disclosure "
        "control: counts from 1 to 5, and any figure that would reveal one, are shown as "
        "<strong>c</strong>; case references are removed and the charts are drawn from the "
        f"published figures. {escape(PUBLIC_LEGEND)}</p>",
        f"<p>{_link(f'html/{report}.html', 'Read the report')} (every table and chart, with "
        "its data-quality notes). Each page opens offline.</p>",
        _manifest_note(),
    ]
    parts += _tables_section(out_dir) + _charts_section(out_dir)
    title = f"Children's services complaints report {escape(str(year))}: public edition"
    return _page(title, parts)


def write_public_index(out_dir: Path, year: ReportingYear, report: str) -> Path:
    target = out_dir / "index.html"
    target.write_text(render_public_index(out_dir, year, report), encoding="utf-8")
    return target
