"""The year's ``index.html``: one offline page linking every output of a run."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

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


def render_index(
    out_dir: Path, year: ReportingYear, parameters: dict[str, object], notebooks: list[Path]
) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Children's services complaints report {escape(str(year))}</title>",
        f"<style>{_STYLE}</style></head><body><main>",
        f"<h1>Children's services complaints report {escape(str(year))}</h1>",
        "<p>Everything this run produced. Each page opens offline. Check the files against "
        f"{_link('manifest.sha256', 'manifest.sha256')} with <code>sha256sum -c manifest.sha256"
        f"</code> from this folder; {_link('manifest.json', 'manifest.json')} also records the "
        "inputs' hashes, the code version and the package versions.</p>",
        "<h2>Run parameters</h2><table><tr><th>parameter</th><th>value</th></tr>",
        *(
            f"<tr><td>{escape(k)}</td><td><code>{escape(str(v) or '(default)')}</code></td></tr>"
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
        parts.append("</ul>")
    else:
        parts.append("<p>No validation output was produced by this run.</p>")

    tables = sorted((out_dir / "tables").glob("*.csv")) if (out_dir / "tables").is_dir() else []
    parts.append("<h2>Tables</h2><ul>")
    parts.extend(f"<li>{_link(f'tables/{p.name}', p.stem)} (CSV)</li>" for p in tables)
    parts.append("</ul>" if tables else "</ul><p>No tables were produced by this run.</p>")

    charts = _charts(out_dir)
    parts.append("<h2>Charts</h2>")
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
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def write_index(
    out_dir: Path, year: ReportingYear, parameters: dict[str, object], notebooks: list[Path]
) -> Path:
    target = out_dir / "index.html"
    target.write_text(render_index(out_dir, year, parameters, notebooks), encoding="utf-8")
    return target
