"""The public edition through the runner: ``complaints run --edition public``.

One public run of the real 2022-23 notebooks is shared by the slow tests of this module (into a
temporary reports root and store, next to a stand-in internal report of the same year). The
published folder ``reports/<year>-public/`` must hold only what may go out (the report's HTML
without code, its tables and charts, the index and the manifest), no case id and no figure that
disclosure control suppresses; it verifies with ``sha256sum -c``, opens offline, and comes out
byte-identical on a rerun; the internal report is never touched. A run stopped by validation
leaves the published public folder as it was.

The fast tests use small notebooks written here, or no kernel at all.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from support import assert_sha256sum_verifies

from complaints import cards, cli, paths
from complaints.errors import InputError
from complaints.run.runner import (
    RunError,
    RunResult,
    list_notebooks,
    public_edition_notebooks,
    run_year,
)
from complaints.run.verify import check_report
from complaints.years import ReportingYear

YEAR = ReportingYear.parse("2022-23")
RAW_FILE = paths.RAW_DIR / "2022-23" / "dorset-childrens-complaints-2022-23.txt"
# Resource-loading references to the internet: src/href attributes, CSS url() and @import.
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.IGNORECASE,
)
CASE_ID = re.compile(r"COM/\d{8}")
#: A printed figure: a count, an amount in pounds or a percentage.
NUMBER = r"£?\d[\d,]*(?:\.\d+)?%?"
#: ``c`` standing alone: a suppressed figure.
C_TOKEN = re.compile(r"(?<!\w)c(?!\w)")


def quiet(message: str) -> None:
    pass


def tree_hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (dot-folders included) with its sha256."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def case_ids_of(tables) -> set[str]:
    """The case references of the year's clean tables (learning table, children in care)."""
    ids = set(tables["learning_from_complaints"]["case_id"].dropna().astype(str))
    ids |= set(tables["children_in_care_cases"]["case_ref"].dropna().astype(str))
    return {i.strip() for i in ids if len(i.strip()) >= 5}


# Fast: no notebook of the pipeline runs ------------------------------------------------------


def test_the_public_edition_runs_the_notebooks_up_to_the_report():
    stems = [nb.stem for nb in public_edition_notebooks(list_notebooks())]
    assert stems == ["01_clean", "02_validate", "03_report"]
    with pytest.raises(InputError, match=re.escape("03_report.ipynb")):
        public_edition_notebooks([nb for nb in list_notebooks() if nb.stem != "03_report"])


def test_an_unknown_edition_is_refused_before_anything_runs(tmp_path):
    reports = tmp_path / "reports"
    with pytest.raises(InputError, match=re.escape("edition='press' is unknown")):
        run_year(YEAR, parameters={"edition": "press"}, reports_root=reports)
    assert not reports.exists()


def test_cli_edition_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--year", "2022-23", "--edition", "press"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'press'" in capsys.readouterr().err
    code = cli.main(["run", "--year", "2022-23", "--edition", "public", "-p", "edition=internal"])
    assert code == 2
    assert "disagree" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    run_help = " ".join(capsys.readouterr().out.split())
    assert "--edition {internal,public}" in run_help and "in reports/<year>-public/" in run_help


def test_bad_raw_input_stops_a_public_run_before_any_notebook_runs(tmp_path, raw_copy):
    raw_file = next((raw_copy / "2022-23").glob("*.txt"))
    lines = raw_file.read_text(encoding="utf-8").split("\n")
    lines[17] = lines[17].replace("\t9\t", "\tnine\t")
    raw_file.write_text("\n".join(lines), encoding="utf-8")
    reports = tmp_path / "reports"
    with pytest.raises(InputError, match="line 18"):
        run_year(
            YEAR,
            parameters={"raw_root": str(raw_copy), "edition": "public"},
            reports_root=reports,
        )
    assert not reports.exists()


def _allowed_folder(root: Path) -> Path:
    for rel, text in {
        "index.html": "<html></html>",
        "html/03_report.html": '<div class="jp-Cell jp-CodeCell jp-mod-noInput"></div>',
        "tables/key_facts.csv": "Fact,2022-23\nCompliments,44\n",
        "tables/tables.json": "[]",
        "charts/a.svg": "<svg/>",
        "charts/charts.json": "[]",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("rel", "text", "problem"),
    [
        ("notebooks/03_report.ipynb", "{}", "notebooks/03_report.ipynb may not be published"),
        ("html/03_report.audit.html", "<html>", "may not be published"),
        ("html/02_validate.html", "<html>", "may not be published"),
        ("validation/summary.csv", "a,b\n", "validation/summary.csv may not be published"),
        ("trends/headline_series.csv", "a,b\n", "may not be published"),
        ("tables/learning_from_complaints.csv", "x\nCOM/00001269\n", "names a case"),
        ("tables/cases.csv", "x\nCIC (LB)\n", "names a case (CIC (LB))"),
        (
            "html/03_report.html",
            '<div class="jp-Cell jp-CodeCell jp-Notebook-cell"><div class="jp-InputArea">',
            "html/03_report.html shows code",
        ),
        ("html/03_report.html", '<div class="highlight"><pre>view.show()</pre>', "shows code"),
    ],
)
def test_the_check_refuses_what_may_not_go_out(tmp_path, rel, text, problem):
    from complaints.outputs.publish import check_public_edition

    folder = _allowed_folder(tmp_path / "public")
    check_public_edition(folder, "03_report", {"CIC (LB)"})  # the allowed files pass
    (folder / rel).parent.mkdir(parents=True, exist_ok=True)
    (folder / rel).write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(problem)):
        check_public_edition(folder, "03_report", {"CIC (LB)"})


def test_style_sheets_naming_code_classes_are_not_code(tmp_path):
    from complaints.outputs.publish import check_public_edition

    folder = _allowed_folder(tmp_path / "public")
    (folder / "html" / "03_report.html").write_text(
        '<style>.jp-InputPrompt {} div[class="highlight"] {}</style><p>text</p>'
    )
    check_public_edition(folder, "03_report")


# Small notebooks through the public route (one kernel start each) ---------------------------

PARAMETERS_CELL = (
    'year: str = "2022-23"\n'
    'raw_root: str = ""\n'
    'clean_root: str = ""\n'
    'output_dir: str = ""\n'
    'edition: str = "internal"'
)


def make_notebook(path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMETERS_CELL)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {path.stem}"),
        params,
        nbformat.v4.new_code_cell(f"from pathlib import Path\nout = Path(output_dir)\n{body}"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def small_notebooks(folder: Path, report_body: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        make_notebook(
            folder / "01_check.ipynb",
            "(out / 'validation').mkdir(parents=True, exist_ok=True)\n"
            "(out / 'validation' / 'summary.csv').write_text('secret,4\\n')",
        ),
        make_notebook(folder / "03_report.ipynb", report_body),
        make_notebook(folder / "04_later.ipynb", "raise ValueError('never run')"),
    ]


GOOD_REPORT = (
    "(out / 'tables').mkdir(parents=True, exist_ok=True)\n"
    "(out / 'tables' / 'answer.csv').write_text(f'edition,value\\n{edition},c\\n')\n"
    "print('figures for', year)"
)


def test_small_public_run_publishes_only_the_report_and_fails_safely(tmp_path):
    reports = tmp_path / "reports"
    # A store of its own: a failed run puts the year's clean tables back as they were.
    parameters = {"edition": "public", "clean_root": str(tmp_path / "clean")}
    internal = reports / "2022-23"
    internal.mkdir(parents=True)
    (internal / "index.html").write_text("the internal report")
    notebooks = small_notebooks(tmp_path / "good", GOOD_REPORT)
    result = run_year(
        YEAR,
        parameters=parameters,
        reports_root=reports,
        notebooks=notebooks,
        progress=quiet,
    )
    public = reports / "2022-23-public"
    assert result.output_dir == public and result.manifest == public / "manifest.json"
    assert result.executed == ["01_check.ipynb", "03_report.ipynb"]  # not 04_later
    assert set(tree_hashes(public)) == {
        "index.html",
        "caveats.html",
        "html/03_report.html",
        "tables/answer.csv",
        "manifest.json",
        "manifest.sha256",
    }
    assert (public / "tables" / "answer.csv").read_text() == "edition,value\npublic,c\n"
    page = (public / "html" / "03_report.html").read_text()
    assert "figures for 2022-23" in page and "write_text" not in page
    assert (internal / "index.html").read_text() == "the internal report"
    assert sorted(p.name for p in reports.iterdir()) == [".cache", "2022-23", "2022-23-public"]
    before = tree_hashes(public)

    # A report that would publish a case id is not published; the evidence is kept.
    leaky = small_notebooks(
        tmp_path / "leaky",
        GOOD_REPORT.replace("{edition},c", "{edition},COM/00001269"),
    )
    with pytest.raises(RunError, match=re.escape("tables/answer.csv names a case (COM/00001269)")):
        run_year(
            YEAR,
            parameters=parameters,
            reports_root=reports,
            notebooks=leaky,
            progress=quiet,
        )
    assert tree_hashes(public) == before
    failed = reports / "2022-23-public.failed"
    assert (failed / "notebooks" / "03_report.ipynb").is_file()
    assert not (reports / ".staging").exists()

    # A notebook that fails: the same.
    broken = small_notebooks(tmp_path / "broken", "raise ValueError('the data is broken')")
    with pytest.raises(RunError) as failure:
        run_year(
            YEAR,
            parameters=parameters,
            reports_root=reports,
            notebooks=broken,
            progress=quiet,
        )
    assert "03_report.ipynb failed in cell [" in str(failure.value)
    assert f"the previous outputs in {public.as_posix()}/ were not touched" in str(failure.value)
    assert tree_hashes(public) == before
    assert (failed / "html" / "03_report.audit.html").is_file()
    assert (internal / "index.html").read_text() == "the internal report"
    assert not (reports / "2022-23.failed").exists()


# Slow: one public run of the real notebooks, shared ------------------------------------------


@dataclass
class PublicRun:
    reports: Path
    clean: Path
    result: RunResult
    internal_before: dict[str, str]
    messages: list[str] = field(default_factory=list)

    @property
    def public(self) -> Path:
        return self.reports / "2022-23-public"

    @property
    def internal(self) -> Path:
        return self.reports / "2022-23"

    def run(self, **kwargs) -> RunResult:
        return run_year(
            YEAR,
            parameters={"clean_root": str(self.clean), "edition": "public", **kwargs.pop("p", {})},
            reports_root=self.reports,
            progress=self.messages.append,
            **kwargs,
        )


def _stand_in_internal_report(folder: Path) -> None:
    """An internal report of the year, as a run would have left it (its content is not read)."""
    files = {
        "index.html": "<h1>internal</h1>",
        "notebooks/03_report.ipynb": "{}",
        "validation/summary.csv": "expectation,result\n",
        "tables/key_facts.csv": "Fact,2022-23\nCases accepted at Stage 2,3\n",
    }
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    outputs = {rel: hashlib.sha256(t.encode()).hexdigest() for rel, t in files.items()}
    (folder / "manifest.json").write_text(json.dumps({"outputs": outputs}))


@pytest.fixture(scope="module")
def public_run(tmp_path_factory) -> PublicRun:
    root = tmp_path_factory.mktemp("public-edition")
    reports = root / "reports"
    _stand_in_internal_report(reports / "2022-23")
    before = tree_hashes(reports / "2022-23")
    messages: list[str] = []
    result = run_year(
        YEAR,
        parameters={"clean_root": str(root / "clean"), "edition": "public"},
        reports_root=reports,
        progress=messages.append,
    )
    return PublicRun(reports, root / "clean", result, before, messages)


@pytest.mark.slow
def test_the_public_folder_holds_only_what_may_be_published(public_run):
    from complaints.outputs.report_tables import report_table_ids

    files = set(tree_hashes(public_run.public))
    tables = {f for f in files if f.startswith("tables/")}
    charts = {f for f in files if f.startswith("charts/")}
    assert files - tables - charts == {
        "index.html",
        "caveats.html",
        "html/03_report.html",
        "manifest.json",
        "manifest.sha256",
    }
    text = [t for t in report_table_ids() if t in cards.for_route("report text")]
    listed = {"tables/tables.json", "tables/not_produced.csv"}  # the case extract's tables
    assert tables == {f"tables/{t}.csv" for t in text} | listed
    pngs = {f for f in charts if f.endswith(".png")}
    assert len(pngs) >= 9
    assert charts == pngs | {f[:-4] + ".svg" for f in pngs} | {"charts/charts.json"}
    # What the run executed, and where: the report and the notebooks before it, not 04_trends.
    assert public_run.result.executed == ["01_clean.ipynb", "02_validate.ipynb", "03_report.ipynb"]
    assert public_run.result.output_dir == public_run.public
    cache = public_run.reports / ".cache" / "2022-23-public"
    assert (cache / "notebooks" / "03_report.ipynb").is_file()
    assert not (cache / "trends").exists()
    assert sorted(p.name for p in public_run.reports.iterdir()) == [
        ".cache",
        "2022-23",
        "2022-23-public",
    ]
    assert any("public edition written to" in m for m in public_run.messages)


class _Page(HTMLParser):
    """Code cells, input areas and tables of an nbconvert page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []  # (tag, class) of the open elements
        self.code_cells: list[str] = []  # class attribute of each code cell
        self.inputs_in_code_cells = 0
        self.pre_in_inputs = 0
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = attrs.get("class") or ""
        if "jp-CodeCell" in classes.split():
            self.code_cells.append(classes)
        inside = [c for _, c in self.stack]
        if "jp-InputArea" in classes.split() and any("jp-CodeCell" in c.split() for c in inside):
            self.inputs_in_code_cells += 1
        if tag == "pre" and any("jp-InputArea" in c.split() for c in inside):
            self.pre_in_inputs += 1
        if tag == "table" and attrs.get("id", "").startswith("T_"):
            self._table = attrs["id"][2:].replace("-", "_")
            self.tables[self._table] = []
        if self._table is not None and tag == "tr":
            self.tables[self._table].append([])
        if self._table is not None and tag in ("td", "th"):
            self._cell = []
        if tag not in ("br", "img", "meta", "link", "input", "hr"):
            self.stack.append((tag, classes))

    def handle_endtag(self, tag):
        if self._table is not None and tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        if tag == "table":
            self._table = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def page(public_run) -> _Page:
    parser = _Page()
    parser.feed((public_run.public / "html" / "03_report.html").read_text(encoding="utf-8"))
    return parser


@pytest.mark.slow
def test_the_report_page_has_no_code(public_run, page):
    # Every code cell was exported without its input: no input area, prompt, editor or source.
    assert len(page.code_cells) >= 10
    assert all("jp-mod-noInput" in c.split() for c in page.code_cells)
    assert page.inputs_in_code_cells == 0 and page.pre_in_inputs == 0
    html = (public_run.public / "html" / "03_report.html").read_text(encoding="utf-8")
    body = re.sub(r"<style\b.*?</style>", "", html, flags=re.DOTALL)
    for name in ("jp-InputPrompt", "jp-CodeMirrorEditor", "jp-Editor", "highlight"):
        assert not re.search(rf'class="[^"]*\b{name}\b', body), name
    # No line of the notebook's code is shown.
    source = nbformat.read(paths.NOTEBOOKS_DIR / "03_report.ipynb", as_version=4)
    text = unescape(body)
    for cell in source.cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                line = line.split("#")[0].strip()
                if len(line) > 8:
                    assert line not in text, f"the page shows code: {line!r}"


@pytest.mark.slow
def test_no_case_id_anywhere(public_run, tables):
    ids = case_ids_of(tables)
    assert "COM/00001269" in ids  # the year's learning table names cases
    for path in sorted(public_run.public.rglob("*")):
        if not path.is_file() or path.suffix == ".png":
            continue
        text = path.read_text(encoding="utf-8")
        found = CASE_ID.search(text)
        assert not found, f"{path.name} names {found.group(0)}"
        for case_id in ids:
            assert case_id not in text, f"{path.name} names {case_id}"
    learning = csv_rows((public_run.public / "tables" / "learning_from_complaints.csv").read_text())
    assert not any("case" in h.lower() for h in learning[0])


def _matches_with_figures_hidden(public_cell: str, internal_cell: str) -> bool:
    """True when ``public_cell`` is ``internal_cell`` with one or more figures printed as c."""
    parts = C_TOKEN.split(public_cell)
    pattern = NUMBER.join(re.escape(p) for p in parts)
    return len(parts) > 1 and re.fullmatch(pattern, internal_cell) is not None


@pytest.mark.slow
def test_every_suppressed_figure_prints_c_in_tables_and_page(public_run, page):
    """Against the internal edition of the same store: the public tables differ from it only
    where disclosure control suppressed a figure (printed ``c``), and it prints exactly as many
    ``c`` as the disclosure module suppresses; the report page shows the same cells."""
    from complaints.inputs import store
    from complaints.outputs.disclosure import PUBLIC_LABELS, apply_public_edition, suppressed_mask
    from complaints.outputs.report_tables import build_report_tables

    internal_tables, _ = store.tables_for_report(YEAR, public_run.clean)
    public_tables = apply_public_edition(internal_tables)
    internal = build_report_tables(internal_tables, YEAR)
    listing = json.loads((public_run.public / "tables" / "tables.json").read_text())
    reworded = set(PUBLIC_LABELS.values())
    total = 0
    for entry in listing:
        table_id = entry["id"]
        published = csv_rows((public_run.public / "tables" / entry["file"]).read_text())
        truth = csv_rows(internal[table_id].frame.to_csv(index=False, lineterminator="\n"))
        header = published[0]
        assert set(header) <= set(truth[0]), table_id
        assert len(published) == len(truth), table_id
        columns = [truth[0].index(h) for h in header]
        tokens = 0
        for row, truth_row in zip(published[1:], truth[1:], strict=True):
            for cell, column in zip(row, columns, strict=True):
                true = truth_row[column]
                tokens += len(C_TOKEN.findall(cell)) if cell != true else 0
                if cell != true and cell not in reworded:
                    assert _matches_with_figures_hidden(cell, true), (table_id, cell, true)
        expected = int(suppressed_mask(public_tables[table_id]).sum())
        assert tokens == expected, f"{table_id}: {tokens} c printed, {expected} suppressed"
        total += tokens
        # The page shows the same cells as the CSV.
        assert _same_cells(page.tables[table_id], published), table_id
    assert total >= 10, "the 2022-23 public edition suppresses figures"


def _same_cells(shown: list[list[str]], published: list[list[str]]) -> bool:
    """The page's rows hold the CSV's cells (whitespace aside)."""

    def norm(rows):
        return [[" ".join(c.split()) for c in r] for r in rows if r]

    return norm(shown)[1:] == norm(published)[1:]


@pytest.mark.slow
def test_the_manifest_verifies(public_run):
    public = public_run.public
    assert_sha256sum_verifies(public)
    manifest = json.loads((public / "manifest.json").read_text())
    assert manifest["edition"] == "public" and manifest["parameters"]["edition"] == "public"
    assert set(manifest["outputs"]) == set(tree_hashes(public)) - {
        "manifest.json",
        "manifest.sha256",
    }
    raw = paths.relative_to_project(RAW_FILE)
    assert manifest["inputs"][raw] == hashlib.sha256(RAW_FILE.read_bytes()).hexdigest()
    assert set(manifest["notebooks"]) == {"01_clean.ipynb", "02_validate.ipynb", "03_report.ipynb"}
    assert all(set(r) == {"status", "reason", "cache_key"} for r in manifest["notebooks"].values())


@pytest.mark.slow
def test_the_index_opens_offline_and_links_what_is_published(public_run):
    public = public_run.public
    index = (public / "index.html").read_text(encoding="utf-8")
    for page_path in (public / "index.html", public / "html" / "03_report.html"):
        text = page_path.read_text(encoding="utf-8")
        found = EXTERNAL.search(text)
        assert not found, f"{page_path.name} loads {found.group(0)} from the internet"
        assert "<script src" not in text
    links = set(re.findall(r'(?:href|src)="([^"#]+)"', index))
    assert links, "the index links the files"
    for link in links:
        assert (public / unescape(link)).is_file(), f"index.html links a missing {link}"
    published = set(tree_hashes(public)) - {"index.html"}
    assert {p for p in published if not p.endswith(".json")} <= {unescape(x) for x in links}
    assert "public edition" in index and "c:" in index


@pytest.mark.slow
def test_the_internal_report_is_untouched(public_run):
    assert tree_hashes(public_run.internal) == public_run.internal_before
    assert not (public_run.reports / "2022-23.failed").exists()


@pytest.mark.slow
def test_validation_errors_stop_a_public_run_and_keep_the_published_folder(public_run, tmp_path):
    """A percentage over 100 passes extraction and is stopped by 02_validate."""
    raw_root = tmp_path / "raw"
    (raw_root / "2022-23").mkdir(parents=True)
    lines = RAW_FILE.read_text(encoding="utf-8").split("\n")
    assert "\t18%\t" in lines[20]
    lines[20] = lines[20].replace("\t18%\t", "\t118%\t")
    (raw_root / "2022-23" / RAW_FILE.name).write_text("\n".join(lines), encoding="utf-8")
    before = tree_hashes(public_run.public)
    clean_before = tree_hashes(public_run.clean)
    with pytest.raises(RunError) as failure:
        public_run.run(p={"raw_root": str(raw_root)})
    message = str(failure.value)
    assert (
        "02_validate.ipynb failed" in message and "a percentage lies between 0 and 100" in message
    )
    assert tree_hashes(public_run.public) == before
    assert tree_hashes(public_run.clean) == clean_before
    assert tree_hashes(public_run.internal) == public_run.internal_before
    failed = public_run.reports / "2022-23-public.failed"
    assert (failed / "html" / "02_validate.html").is_file()
    assert not (failed / "html" / "03_report.html").exists()
    assert not (public_run.reports / ".staging").exists()
    shutil.rmtree(failed)


@pytest.mark.slow
def test_the_public_edition_verifies_and_a_changed_table_is_named(public_run, tmp_path):
    assert check_report(public_run.public) == []
    copy = tmp_path / public_run.public.name
    shutil.copytree(public_run.public, copy)
    (copy / "tables" / "key_facts.csv").write_text("edited\n", encoding="utf-8")
    assert check_report(copy) == [
        "changed: tables/key_facts.csv (its sha256 is not the manifest's)"
    ]


@pytest.mark.slow
def test_a_rerun_gives_identical_bytes(public_run):
    """Executed again (forced) and reused: every published byte is the same (the manifest's
    times aside)."""
    before = tree_hashes(public_run.public)
    before.pop("manifest.json")
    forced = public_run.run(force=True)
    assert forced.executed == ["01_clean.ipynb", "02_validate.ipynb", "03_report.ipynb"]
    again = tree_hashes(public_run.public)
    again.pop("manifest.json")
    assert again == before
    reused = public_run.run()
    assert reused.reused == ["01_clean.ipynb", "02_validate.ipynb", "03_report.ipynb"]
    again = tree_hashes(public_run.public)
    again.pop("manifest.json")
    assert again == before
    assert tree_hashes(public_run.internal) == public_run.internal_before
