"""Incremental rebuilds: a notebook is executed again exactly when something it depends on has
changed (its source, a parameter, the raw input, the clean tables of any year, an expectation
suite, the package code), and a run that reuses notebooks publishes the same bytes as a run
that executes them all.

Small notebooks named like the real ones stand in for them (so the runner's declared
dependencies apply) and do what they do, in plain Python: 01 cleans the raw input into
clean_root/<year>/, 02 reads every year's clean tables and writes validation/notes.csv, 03 reads
the store and those notes and writes a table. The last test runs the real notebooks.
"""

from __future__ import annotations

import gc
import json
import shutil
import socket
import sys
import threading
from pathlib import Path

import jupyter_client.connect
import nbformat
import psutil
import pytest
from support import make_notebook, tree_hashes

from complaints import paths
from complaints.errors import InputError
from complaints.run import cache
from complaints.run.runner import RunError, run_year, unclaimed_outputs
from complaints.years import ReportingYear

YEAR = ReportingYear.parse("2022-23")
NAMES = ("01_clean.ipynb", "02_validate.ipynb", "03_report.ipynb")

CLEAN = """
import hashlib
raw = Path(raw_root) / year
clean = Path(clean_root) / year
clean.mkdir(parents=True, exist_ok=True)
source = sorted(raw.glob('*.txt'))[0]
line = source.read_text(encoding='utf-8').split('\\n')[17]
(clean / 'figures.csv').write_text('year,line\\n' + year + ',' + line.replace('\\t', ' ') + '\\n')
print(line)
"""
VALIDATE = """
held = sorted(p.parent.name for p in Path(clean_root).glob('*/figures.csv'))
(out / 'validation').mkdir(exist_ok=True)
notes = 'table_id,message\\nfigures,' + ' '.join(held) + '\\n'
(out / 'validation' / 'notes.csv').write_text(notes)
print(held)
"""
REPORT = """
notes = (out / 'validation' / 'notes.csv').read_text()
lines = [p.read_text().split('\\n')[1] for p in sorted(Path(clean_root).glob('*/figures.csv'))]
(out / 'tables' / 'report.csv').write_text('\\n'.join(lines) + '\\n' + notes)
print(len(lines))
"""


def statuses(report: Path) -> dict[str, str]:
    manifest = json.loads((report / "manifest.json").read_text())
    return {name: record["status"] for name, record in manifest["notebooks"].items()}


def executed(report: Path) -> list[str]:
    return sorted(n for n, s in statuses(report).items() if s == "executed")


def comparable(folder: Path) -> dict[str, str]:
    hashes = tree_hashes(folder)
    hashes.pop("manifest.json")  # records the run's times and what was reused
    return hashes


class Project:
    """A raw root (the real 2022-23 input), a clean root, a reports root and the three
    notebooks, all in one folder whose path stays the same from run to run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.raw = root / "raw"
        self.clean = root / "clean"
        self.reports = root / "reports"
        self.notebooks_dir = root / "notebooks"
        self.expectations = root / "expectations"

    def create(self, raw_file: Path) -> None:
        (self.raw / "2022-23").mkdir(parents=True)
        shutil.copyfile(raw_file, self.raw / "2022-23" / raw_file.name)
        self.notebooks_dir.mkdir()
        for name, body in zip(NAMES, (CLEAN, VALIDATE, REPORT), strict=True):
            make_notebook(self.notebooks_dir / name, body)
        self.expectations.mkdir()
        for suite in ("figures", "reconciliation"):
            (self.expectations / f"{suite}.json").write_text('{"expectations": []}\n')

    @property
    def notebooks(self) -> list[Path]:
        return [self.notebooks_dir / name for name in NAMES]

    @property
    def report(self) -> Path:
        return self.reports / "2022-23"

    @property
    def raw_file(self) -> Path:
        return next((self.raw / "2022-23").glob("*.txt"))

    def run(self, **kwargs) -> Path:
        params = {"raw_root": str(self.raw), "clean_root": str(self.clean)}
        params.update(kwargs.pop("parameters", {}))
        run_year(
            YEAR,
            parameters=params,
            reports_root=self.reports,
            notebooks=self.notebooks,
            progress=lambda m: None,
            **kwargs,
        )
        return self.report


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, raw_file) -> tuple[Path, Path]:
    """One first run, kept aside; each test starts from a copy of it at the same path."""
    base = tmp_path_factory.mktemp("cache")
    project = Project(base / "work")
    project.create(raw_file)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "EXPECTATIONS_DIR", project.expectations)
        project.run()
    shutil.copytree(project.root, base / "pristine")
    return project.root, base / "pristine"


@pytest.fixture
def project(pristine, monkeypatch) -> Project:
    work, saved = pristine
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(saved, work)
    project = Project(work)
    monkeypatch.setattr(paths, "EXPECTATIONS_DIR", project.expectations)
    return project


@pytest.mark.slow
def test_the_first_run_executes_every_notebook_and_records_its_key(project):
    manifest = json.loads((project.report / "manifest.json").read_text())
    assert set(manifest["notebooks"]) == set(NAMES)
    for name, record in manifest["notebooks"].items():
        assert record["status"] == "executed"
        assert len(record["cache_key"]) == 64
        assert f"notebooks/{name}" in record["outputs"]
    kinds = {n: set(r["depends"]) for n, r in manifest["notebooks"].items()}
    common = {"notebook", "parameters", "kernel", "package code", "environment"}
    assert kinds["01_clean.ipynb"] == common | {"raw input"}
    assert kinds["02_validate.ipynb"] == common | {"clean tables", "expectations"}
    assert kinds["03_report.ipynb"] == common | {
        "clean tables",
        "expectations",
        "outputs of 02_validate",
    }
    assert manifest["notebooks"]["01_clean.ipynb"]["clean"] == {
        "figures.csv": tree_hashes(project.clean / "2022-23")["figures.csv"]
    }
    assert "validation/notes.csv" in manifest["notebooks"]["02_validate.ipynb"]["outputs"]
    assert "tables/report.csv" in manifest["notebooks"]["03_report.ipynb"]["outputs"]
    assert manifest["cache"]["force"] is False
    assert unclaimed_outputs(manifest) == []


@pytest.mark.slow
def test_nothing_changed_reuses_every_notebook_and_publishes_the_same_bytes(project):
    before = comparable(project.report)
    project.run()
    assert executed(project.report) == []
    assert comparable(project.report) == before
    manifest = json.loads((project.report / "manifest.json").read_text())
    assert {r["reason"] for r in manifest["notebooks"].values()} == {"unchanged"}


@pytest.mark.slow
def test_force_executes_everything_and_gives_the_same_bytes(project):
    before = comparable(project.report)
    project.run(force=True)
    assert executed(project.report) == sorted(NAMES)
    assert comparable(project.report) == before
    assert json.loads((project.report / "manifest.json").read_text())["cache"]["force"] is True


@pytest.mark.slow
def test_a_notebook_source_change_executes_that_notebook_only(project):
    notebook = project.notebooks_dir / "02_validate.ipynb"
    notebook.write_text(notebook.read_text().replace("# A test notebook", "# Validation"))
    project.run()
    # 03 reads what 02 wrote, which did not change: it is reused.
    assert executed(project.report) == ["02_validate.ipynb"]
    reason = json.loads((project.report / "manifest.json").read_text())["notebooks"][
        "02_validate.ipynb"
    ]["reason"]
    assert reason == "notebook changed"


@pytest.mark.slow
def test_a_notebook_that_no_longer_declares_a_parameter_is_refused_on_rerun(project):
    # An unchanged notebook's parameters are not read again; a changed one's are.
    report = project.notebooks[2]
    nb = nbformat.read(report, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = "\n".join(s for s in cell.source.splitlines() if "clean_root" not in s)
    nbformat.write(nb, report)
    before = tree_hashes(project.report)
    with pytest.raises(
        InputError, match=r"notebook 03_report.ipynb does not declare parameter\(s\) clean_root"
    ):
        project.run()
    assert tree_hashes(project.report) == before


@pytest.mark.slow
def test_a_parameter_change_executes_every_notebook(project):
    other = project.root / "raw-elsewhere"
    shutil.copytree(project.raw, other)
    project.run(parameters={"raw_root": str(other)})
    assert executed(project.report) == sorted(NAMES)


@pytest.mark.slow
def test_a_raw_figure_change_executes_the_clean_notebook_and_what_reads_the_store(project):
    lines = project.raw_file.read_text(encoding="utf-8").split("\n")
    lines[17] = lines[17].replace("\t9\t", "\t19\t")
    project.raw_file.write_text("\n".join(lines), encoding="utf-8")
    project.run()
    assert executed(project.report) == sorted(NAMES)
    assert "19" in (project.report / "tables" / "report.csv").read_text()


@pytest.mark.slow
def test_a_raw_change_that_leaves_the_clean_tables_alone_stops_at_the_clean_notebook(project):
    (project.raw / "2022-23" / "notes.md").write_text("received by email\n")
    project.run()
    assert executed(project.report) == ["01_clean.ipynb"]


@pytest.mark.slow
def test_a_clean_table_of_another_year_executes_the_store_readers(project):
    (project.clean / "2021-22").mkdir()
    (project.clean / "2021-22" / "figures.csv").write_text("year,line\n2021-22,x\n")
    project.run()
    assert executed(project.report) == ["02_validate.ipynb", "03_report.ipynb"]
    assert "2021-22 2022-23" in (project.report / "validation" / "notes.csv").read_text()


@pytest.mark.slow
def test_an_expectation_suite_change_executes_validation_and_report(project):
    (project.expectations / "figures.json").write_text('{"expectations": [], "meta": {}}\n')
    project.run()
    assert executed(project.report) == ["02_validate.ipynb", "03_report.ipynb"]


@pytest.mark.slow
def test_a_package_code_change_executes_every_notebook(project, tmp_path, monkeypatch):
    package = tmp_path / "complaints"
    shutil.copytree(cache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", package)
    project.run()
    assert executed(project.report) == [], "a copy of the same code is the same code"
    with (package / "charts.py").open("a") as handle:
        handle.write("\n# a comment is a change\n")
    project.run()
    assert executed(project.report) == sorted(NAMES)


@pytest.mark.slow
def test_clean_files_changed_since_they_were_written_execute_the_clean_notebook(project):
    target = project.clean / "2022-23" / "figures.csv"
    target.write_text(target.read_text() + "edited by hand\n")
    project.run()
    # 01 writes the same tables again, so the notebooks reading them are reused.
    assert executed(project.report) == ["01_clean.ipynb"]
    assert "edited by hand" not in target.read_text()


@pytest.mark.slow
def test_a_run_that_waited_for_another_decides_from_what_that_one_left(project):
    """The previous report is read again once the lock is held: here the report is removed
    while the run waits, so every notebook is executed (none is copied from a stale manifest)."""
    from filelock import FileLock

    before = comparable(project.report)
    waiting, outcome = threading.Event(), {}

    def progress(message: str) -> None:
        if message.startswith("waiting for another run"):
            waiting.set()

    def run() -> None:
        params = {"raw_root": str(project.raw), "clean_root": str(project.clean)}
        try:
            run_year(
                YEAR,
                parameters=params,
                reports_root=project.reports,
                notebooks=project.notebooks,
                progress=progress,
            )
        except Exception as exc:  # reported by the assertion below
            outcome["error"] = exc

    with FileLock(project.reports / ".lock"):
        thread = threading.Thread(target=run)
        thread.start()
        assert waiting.wait(timeout=300), "the run did not wait for the lock"
        shutil.rmtree(project.report)
    thread.join(timeout=600)
    assert not thread.is_alive() and "error" not in outcome, outcome
    assert executed(project.report) == sorted(NAMES)
    assert comparable(project.report) == before


@pytest.mark.slow
def test_a_previous_report_that_no_longer_matches_its_manifest_is_not_reused(project):
    (project.report / "tables" / "report.csv").write_text("tampered\n")
    project.run()
    assert executed(project.report) == sorted(NAMES)
    assert "tampered" not in (project.report / "tables" / "report.csv").read_text()


@pytest.mark.slow
def test_a_run_leaves_nothing_of_its_kernels_behind(project):
    """A stopped kernel's client, left running, kept a thread and its sockets, which went on
    reconnecting to the stopped kernel's ports (and reached a later kernel given them)."""
    me = psutil.Process()
    gc.collect()
    threads, kernels = me.num_threads(), me.children()
    project.run(force=True)
    gc.collect()
    assert executed(project.report) == sorted(NAMES)
    assert (me.num_threads(), me.children()) == (threads, kernels)


@pytest.mark.slow
def test_a_kernel_that_dies_as_it_starts_is_reported_with_what_its_log_says(
    project, tmp_path, monkeypatch
):
    spec = tmp_path / "kernels" / "dying"
    spec.mkdir(parents=True)
    argv = [
        sys.executable,
        "-c",
        "import sys; sys.exit('cannot start: ' + sys.argv[1][-5:])",
        "{connection_file}",
    ]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "dying"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    before = tree_hashes(project.report)
    with pytest.raises(RunError) as failure:
        project.run(force=True, kernel_name="dying")
    assert "notebook 01_clean.ipynb failed in its kernel: RuntimeError" in str(failure.value)
    assert "kernel's log (01_clean.kernel.log, kept) ends: cannot start: .json" in str(
        failure.value
    )
    assert (project.reports / "2022-23.failed" / "notebooks" / "01_clean.kernel.log").is_file()
    assert tree_hashes(project.report) == before


@pytest.mark.slow
def test_a_kernel_stopped_by_an_exception_is_reported_with_where_it_was(
    project, tmp_path, monkeypatch
):
    """A kernel stuck as it starts is interrupted: its log ends with a traceback, whose last
    frame the message names (here, a kernel that raises as it starts)."""
    spec = tmp_path / "kernels" / "raising"
    spec.mkdir(parents=True)
    code = "def preload():\n    raise KeyboardInterrupt\npreload()"
    argv = [sys.executable, "-c", code, "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "raising"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with pytest.raises(RunError) as failure:
        project.run(force=True, kernel_name="raising")
    said = str(failure.value)
    assert 'ends: KeyboardInterrupt (at File "<string>", line 2, in preload)' in said


@pytest.mark.slow
def test_a_port_another_program_takes_as_the_kernel_starts_does_not_stop_it(project, monkeypatch):
    """On a busy machine, a port jupyter_client chose could be taken by another process before
    the kernel bound it, and the kernel died ("Address already in use"). Here every port it
    writes to a connection file is taken at once."""
    taken: list[socket.socket] = []
    write = jupyter_client.connect.write_connection_file

    def write_then_take(*args, **kwargs):
        fname, info = write(*args, **kwargs)
        for name in ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port"):
            taken.append(socket.create_server((info["ip"], info[name])))
        return fname, info

    monkeypatch.setattr(jupyter_client.connect, "write_connection_file", write_then_take)
    try:
        project.run(force=True)
    finally:
        for sock in taken:
            sock.close()
    assert len(taken) == 5 * len(NAMES)
    assert executed(project.report) == sorted(NAMES)


@pytest.mark.slow
def test_a_cached_run_publishes_the_same_bytes_as_a_fresh_run(project):
    """After a change, the run that reuses what it can equals the run that executes all."""
    (project.clean / "2021-22").mkdir()
    (project.clean / "2021-22" / "figures.csv").write_text("year,line\n2021-22,x\n")
    project.run()
    assert executed(project.report) == ["02_validate.ipynb", "03_report.ipynb"]
    cached = comparable(project.report)
    project.run(force=True)
    assert comparable(project.report) == cached


@pytest.mark.slow
def test_an_undeclared_notebook_depends_on_everything(project):
    extra = make_notebook(
        project.notebooks_dir / "05_extra.ipynb",
        "(out / 'extra').mkdir(exist_ok=True)\n(out / 'extra' / 'x.txt').write_text(year)",
    )
    notebooks = [*project.notebooks, extra]
    run_kwargs = {
        "parameters": {"raw_root": str(project.raw), "clean_root": str(project.clean)},
        "reports_root": project.reports,
        "notebooks": notebooks,
        "progress": lambda m: None,
    }
    run_year(YEAR, **run_kwargs)
    assert executed(project.report) == ["05_extra.ipynb"]
    manifest = json.loads((project.report / "manifest.json").read_text())
    assert set(manifest["notebooks"]["05_extra.ipynb"]["depends"]) >= {
        "raw input",
        "clean tables",
        "expectations",
        "outputs of 02_validate",
        "outputs of 03_report",
    }
    (project.expectations / "figures.json").write_text('{"expectations": [], "meta": {}}\n')
    run_year(YEAR, **run_kwargs)
    assert executed(project.report) == ["02_validate.ipynb", "03_report.ipynb", "05_extra.ipynb"]


def test_files_no_notebook_claims_block_reuse():
    manifest = {
        "outputs": {"index.html": "a", "tables/t.csv": "b", "stray.csv": "c"},
        "notebooks": {"03_report.ipynb": {"outputs": ["tables/t.csv"]}},
    }
    assert unclaimed_outputs(manifest) == ["stray.csv"]


@pytest.mark.slow
def test_the_real_notebooks_rerun_from_the_cache_byte_for_byte(tmp_path):
    """The real pipeline: an unchanged rerun reuses every notebook and publishes the same
    bytes. (That executing everything again gives the same bytes too is what
    test_verify's rerun and the public edition's forced rerun prove.)"""
    params = {"clean_root": str(tmp_path / "clean")}
    reports = tmp_path / "reports"
    first = run_year(YEAR, parameters=params, reports_root=reports, progress=lambda m: None)
    assert first.reused == [] and first.executed
    published = comparable(first.output_dir)
    second = run_year(YEAR, parameters=params, reports_root=reports, progress=lambda m: None)
    assert second.executed == [] and set(second.reused) == set(first.executed)
    assert comparable(second.output_dir) == published
    shutil.rmtree(tmp_path / "clean")  # clean tables gone: 01 runs, the others are reused
    third = run_year(YEAR, parameters=params, reports_root=reports, progress=lambda m: None)
    assert third.executed == ["01_clean.ipynb"]
    assert comparable(third.output_dir) == published
