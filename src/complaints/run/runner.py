"""Run reporting years: execute the notebooks in order with papermill, export them with
nbconvert, and publish ``reports/<year>/`` only when the whole run of that year has succeeded.

A year's run writes everything into ``reports/.staging/<year>/``. When every notebook has run,
the index page and the manifest are written there and the folder is swapped into
``reports/<year>/``. When a notebook fails, the executed notebooks (the failed one included) and
their HTML are moved to ``reports/<year>.failed/`` for diagnosis, and the previous complete
outputs are left exactly as they were.

Incremental rebuilds. A notebook is executed again only when something it depends on has
changed; otherwise its executed notebook, its HTML and the files it wrote are copied from the
previous published ``reports/<year>/`` (which must still match its manifest). What a notebook
depends on is its *cache key*: the hash of its own source, its parameters, the kernel, the
package code (every file under ``src/complaints/``), the package versions, and the inputs it
reads, declared once in :data:`complaints.run.cache.NOTEBOOK_READS` and hashed by content.
``force=True`` executes everything. The manifest records, per notebook, the key, whether it was
executed or reused, and why.

Parallel runs. :func:`run_years` runs several years at once, up to ``jobs`` notebooks at a time
(one kernel each). Within a year the notebooks run in their numbered order; a notebook that
reads the multi-year store (every year's clean tables) starts only when every notebook of the
run that writes clean tables has finished, so it sees the same store whatever the timing. A
failure in one year leaves the other years' outputs alone.

The public edition (``edition="public"``). The notebooks up to the report (``01_clean``,
``02_validate``, ``03_report``; not ``04_trends``) run as above with ``edition=public``, into
``reports/.staging/<year>-public/``; validation errors still stop the run. Their executed
notebooks, validation results and audit HTML show every figure, so they are not published: the
complete run is kept as the public edition's cache, ``reports/.cache/<year>-public/`` (what the
next public run reuses from; internal, like ``reports/<year>/``), and only the report's HTML for
readers (no code), its tables and charts, an index page and a manifest are copied into
``reports/<year>-public/`` (:func:`complaints.outputs.publish.build_public_edition`), checked
(:func:`complaints.outputs.publish.check_public_edition`) and swapped in.
``reports/<year>/`` is never read or written by a public run. A failed public run keeps its
evidence in
``reports/<year>-public.failed/``.

This module plans, runs and publishes; the rest is in :mod:`complaints.run.kernels` (starting
kernels, warm or fresh), :mod:`complaints.run.cache` (what each notebook reads, content hashes,
cache keys, manifests) and :mod:`complaints.run.export` (executed notebooks to HTML).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from complaints import paths
from complaints.errors import InputError
from complaints.params import NOTEBOOK_PARAMETERS, STAGING
from complaints.run.cache import (
    NOTEBOOK_READS,
    Reads,
    file_sha256,
    folder_hashes,
    git_state,
    json_digest,
    package_code_hash,
    package_versions,
    reads_of,
    store_hashes,
    unclaimed_outputs,
    verify_report,
    write_manifest,
)
from complaints.run.export import export_html, strip_volatile_metadata
from complaints.run.kernels import (
    KERNEL,
    WARM_KERNELS_ENV,
    WarmKernels,
    imports_heavy_libraries,
    kernel_manager_class,
    kill_live_kernels,
)
from complaints.years import ReportingYear

#: The runner's public names; those that live in the modules imported above stay importable from
#: here, as they were before those modules were split off.
__all__ = [
    "EDITIONS",
    "KERNEL",
    "NOTEBOOK_READS",
    "PUBLIC_REPORT",
    "Reads",
    "RunError",
    "RunResult",
    "RunSummary",
    "WarmKernels",
    "check_parameters",
    "default_jobs",
    "export_html",
    "imports_heavy_libraries",
    "list_notebooks",
    "public_edition_notebooks",
    "run_year",
    "run_years",
    "unclaimed_outputs",
    "verify_report",
    "write_manifest",
]

#: Folders of a report that hold every notebook's executed copy and HTML (not data outputs).
_NOTEBOOK_FOLDERS = ("notebooks", "html")
#: The editions a run can publish (those of complaints.outputs.disclosure.EDITIONS, named
#: here so that a run that executes nothing does not import pandas). ``internal`` is the default.
EDITIONS = ("internal", "public")
#: The notebook the public edition publishes (its HTML for readers, tables and charts); the
#: notebooks numbered before it run too (it reads what they write), those after it do not.
PUBLIC_REPORT = "03_report"


class RunError(Exception):
    """A notebook failed. The message names the year, the notebook, the cell and where the
    evidence is."""


@dataclass
class RunResult:
    year: ReportingYear
    output_dir: Path
    notebooks: list[Path] = field(default_factory=list)
    manifest: Path | None = None
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    """What :func:`run_years` did: the published years and, by year, the failures."""

    results: list[RunResult] = field(default_factory=list)
    failures: dict[str, RunError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def list_notebooks(notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """The pipeline's notebooks in run order: ``NN_name.ipynb``, sorted by their number."""
    return sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))


def check_parameters(parameters: dict[str, object], notebooks: list[Path]) -> dict[str, object]:
    """Reject unknown or malformed parameters before anything runs.

    Every notebook must declare every parameter passed (papermill itself only warns), values
    must have the declared type, and the year must be a well-formed reporting year.
    """
    unknown = sorted(set(parameters) - set(NOTEBOOK_PARAMETERS))
    if unknown:
        raise InputError(
            f"unknown parameter(s): {', '.join(unknown)}",
            hint=f"the notebooks accept: {', '.join(NOTEBOOK_PARAMETERS)}",
        )
    for name, value in parameters.items():
        expected = NOTEBOOK_PARAMETERS[name]
        if not isinstance(value, expected):
            raise InputError(
                f"parameter {name}={value!r} must be of type {expected.__name__}",
            )
    ReportingYear.parse(str(parameters.get("year", "")))  # raises ValueError if malformed
    if parameters.get("edition", "internal") not in EDITIONS:
        raise InputError(
            f"edition={parameters['edition']!r} is unknown",
            hint=f"the editions are: {', '.join(EDITIONS)}",
        )
    for notebook in notebooks:
        missing = sorted(set(parameters) - _declared_parameters(notebook))
        if missing:
            raise InputError(
                f"notebook {notebook.name} does not declare parameter(s) {', '.join(missing)}",
                hint="add them to its cell tagged 'parameters'",
            )
    return parameters


def _declared_parameters(notebook: Path) -> set[str]:
    """The names the notebook's first cell tagged ``parameters`` assigns (what papermill's
    ``inspect_notebook`` finds, without importing papermill for a run that executes nothing)."""
    import ast

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            names = set()
            for node in ast.parse(source).body:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    names.update(t.id for t in targets if isinstance(t, ast.Name))
            return names
    return set()


def _project_path(value: object, default: Path) -> Path:
    """A folder parameter as the notebooks will see it (relative paths are from the project)."""
    if not value:
        return default
    path = Path(str(value))
    return path if path.is_absolute() else paths.PROJECT_ROOT / path


def _check_input(year: ReportingYear, params: dict[str, object]) -> None:
    """Read the year's raw input before any notebook starts, so that bad input is refused with
    one line naming the file, table and line or cell, and nothing is written."""
    from complaints.inputs.clean import extract_year

    raw_root = _project_path(params.get("raw_root"), paths.RAW_DIR)
    if paths.raw_dir(year, raw_root).is_dir():
        extract_year(year, raw_root)


def _failed_cell(exc: Exception) -> str:
    count = getattr(exc, "exec_count", None)
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc)).strip().splitlines()
    evalue = evalue[0] if evalue else ""
    cell = f"cell [{count}]" if count is not None else "a cell"
    return f"{cell}: {ename}: {evalue}"


def _relative(path: Path) -> str:
    return paths.relative_to_project(path)


# Planning and running --------------------------------------------------------------------------


def default_jobs() -> int:
    """Notebooks run at once by default: one per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


@dataclass
class _YearRun:
    """One year of a run: its folders, its notebooks' records, where it stands."""

    year: ReportingYear
    params: dict[str, object]
    notebooks: list[Path]
    reads: list[Reads]
    final_dir: Path
    staging: Path
    failed_dir: Path
    raw_root: Path
    clean_root: Path
    has_raw: bool
    # The public edition's folder (``final_dir`` is then its unpublished cache); None: internal.
    public_dir: Path | None = None
    records: dict[str, dict] = field(default_factory=dict)
    executed: list[bool] = field(default_factory=list)
    started_tasks: set[int] = field(default_factory=set)
    in_flight: int = 0
    # Notebooks whose kernels are running, and those that ran while another of the year did.
    executing: set[int] = field(default_factory=set)
    overlapped: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: int = 0
    failure: RunError | None = None
    finished: bool = False
    started: datetime | None = None
    # A copy of clean_root/<year>/ as it was before the run: put back if the run fails, so that
    # figures a failed run rejected never stay in the store.
    clean_before: Path | None = None
    _previous: tuple[dict | None, str] | None = None

    @property
    def published_dir(self) -> Path:
        """The folder readers get: ``reports/<year>/``, or ``reports/<year>-public/``."""
        return self.public_dir if self.public_dir is not None else self.final_dir

    @property
    def public_staging(self) -> Path | None:
        """Where the public folder is assembled before it is swapped in."""
        if self.public_dir is None:
            return None
        return self.staging.with_name(f"{self.staging.name}.publish")

    def previous(self) -> tuple[dict | None, str]:
        if self._previous is None:
            self._previous = verify_report(self.final_dir)
        return self._previous

    def writes_clean(self, index: int) -> bool:
        return self.reads[index].writes_clean and self.has_raw

    def reads_store(self, index: int) -> bool:
        reads = self.reads[index]
        return reads.store or (reads.store_without_raw and not self.has_raw)

    def label(self, index: int) -> str:
        edition = " public" if self.public_dir is not None else ""
        return (
            f"{self.year}{edition} [{index + 1}/{len(self.notebooks)}] {self.notebooks[index].name}"
        )

    def predecessors(self, index: int) -> set[int]:
        """The earlier notebooks of the year this one must wait for."""
        mine = self.reads[index]
        if mine.writes is None:
            return set(range(index))
        before = set()
        for earlier in range(index):
            theirs = self.reads[earlier]
            if (
                theirs.writes is None
                or "*" in mine.outputs_of
                or self.notebooks[earlier].stem in mine.outputs_of
                or (self.reads_store(index) and self.writes_clean(earlier))
                or set(theirs.writes) & set(mine.writes)
            ):
                before.add(earlier)
        return before

    def begin(self, index: int) -> None:
        with self.lock:
            if self.executing:
                self.overlapped.update({*self.executing, index})
            self.executing.add(index)

    def end(self, index: int) -> bool:
        """Mark the kernel of ``index`` finished; True if it ran alone in its year."""
        with self.lock:
            self.executing.discard(index)
            return index not in self.overlapped


class _Runner:
    def __init__(
        self,
        runs: list[_YearRun],
        *,
        kernel_name: str,
        jobs: int,
        force: bool,
        progress: Callable[[str], None],
        log_dir: Path,
        warm_kernels: bool = True,
    ) -> None:
        self.runs = runs
        self.kernel_name = kernel_name
        self.jobs = jobs
        self.force = force
        self._progress = progress
        self._progress_lock = threading.Lock()
        self.log_dir = log_dir
        self.events: queue.Queue = queue.Queue()
        self.code_hash = package_code_hash()
        self.versions = package_versions()
        self.git = git_state()
        self.summary = RunSummary()
        self.warm = WarmKernels(kernel_name, log_dir) if warm_kernels else None
        self.heavy = {nb: imports_heavy_libraries(nb) for run in runs for nb in run.notebooks}

    def progress(self, message: str) -> None:
        with self._progress_lock:
            self._progress(message)

    # Dependencies and the cache -------------------------------------------------------------

    def dependencies(self, run: _YearRun, index: int) -> dict[str, object]:
        """Everything notebook ``index`` of ``run`` depends on, by kind, read now."""
        notebook, reads = run.notebooks[index], run.reads[index]
        deps: dict[str, object] = {
            "notebook": file_sha256(notebook),
            "parameters": run.params,
            "kernel": self.kernel_name,
            "package code": self.code_hash,
            "environment": self.versions,
        }
        if reads.raw:
            deps["raw input"] = folder_hashes(paths.raw_dir(run.year, run.raw_root))
        if run.reads_store(index):
            deps["clean tables"] = store_hashes(run.clean_root)
        if reads.expectations:
            deps["expectations"] = {
                p.name: file_sha256(p) for p in sorted(paths.EXPECTATIONS_DIR.glob("*.json"))
            }
        for earlier in run.notebooks[:index]:
            if "*" in reads.outputs_of or earlier.stem in reads.outputs_of:
                outputs = run.records[earlier.name]["outputs"]
                deps[f"outputs of {earlier.stem}"] = {
                    rel: file_sha256(run.staging / rel)
                    for rel in outputs
                    if rel.split("/")[0] not in _NOTEBOOK_FOLDERS
                }
        return deps

    def decide(
        self, run: _YearRun, index: int, key: str, digests: dict[str, str]
    ) -> tuple[dict | None, str]:
        """The previous record to reuse, or ``None`` and why the notebook must be executed."""
        if self.force:
            return None, "forced"
        previous, why = run.previous()
        if previous is None:
            return None, why
        record = (previous.get("notebooks") or {}).get(run.notebooks[index].name)
        if not isinstance(record, dict) or "cache_key" not in record:
            return None, "not in the previous report's cache"
        if record["cache_key"] != key:
            before = record.get("depends") or {}
            changed = sorted(
                k for k in set(digests) | set(before) if digests.get(k) != before.get(k)
            )
            return None, f"{', '.join(changed) or 'cache key'} changed"
        outputs = record.get("outputs") or []
        if not outputs or any(o not in previous["outputs"] for o in outputs):
            return None, "the previous report lacks its outputs"
        if unclaimed_outputs(previous):
            return None, "the previous report has files no notebook claims"
        if run.writes_clean(index):
            clean = folder_hashes(paths.clean_dir(run.year, run.clean_root))
            if clean != record.get("clean"):
                where = _relative(paths.clean_dir(run.year, run.clean_root))
                return None, f"{where}/ changed since it was written"
        return record, "unchanged"

    # Tasks (worker threads) ----------------------------------------------------------------

    def task(self, run: _YearRun, index: int) -> None:
        notebook = run.notebooks[index]
        try:
            tick = time.perf_counter()
            deps = self.dependencies(run, index)
            digests = {kind: json_digest(value) for kind, value in deps.items()}
            key = json_digest(digests)
            previous, reason = self.decide(run, index, key, digests)
            if previous is not None:
                self.reuse(run, index, previous)
                run.records[notebook.name] = {
                    **previous,
                    "status": "reused",
                    "reason": reason,
                    "seconds": round(time.perf_counter() - tick, 2),
                }
                self.progress(f"{run.label(index)}: reused ({reason})")
                self.events.put(("executed", run, index, None))
            else:
                self.execute(run, index, key, digests, reason, tick)
            self.events.put(("finished", run, index, None))
        except RunError as exc:
            self.events.put(("finished", run, index, exc))
        except Exception as exc:  # a bug or an OS error: the year fails, the others go on
            error = RunError(f"{run.year}: {notebook.name}: {type(exc).__name__}: {exc}")
            error.__cause__ = exc
            self.events.put(("finished", run, index, error))

    def reuse(self, run: _YearRun, index: int, record: dict) -> None:
        run.begin(index)  # a sibling executing meanwhile must not claim these files
        try:
            for rel in record["outputs"]:
                target = run.staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(run.final_dir / rel, target)
        finally:
            run.end(index)

    def execute(
        self,
        run: _YearRun,
        index: int,
        key: str,
        digests: dict[str, str],
        reason: str,
        tick: float,
    ) -> None:
        import papermill

        notebook = run.notebooks[index]
        target = run.staging / "notebooks" / notebook.name
        self.progress(f"{run.label(index)}: running ({reason})")
        log = self.log_dir / f"{run.year}-{notebook.stem}.log"
        run.begin(index)
        try:
            before = folder_hashes(run.staging, skip_top=_NOTEBOOK_FOLDERS)
            try:
                papermill.execute_notebook(
                    str(notebook),
                    str(target),
                    parameters=run.params,
                    kernel_name=self.kernel_name,
                    progress_bar=False,
                    log_output=False,
                    report_mode=False,
                    # Not papermill's cwd=, which changes the whole process's directory
                    # (threads share it): nbclient starts the kernel in the project root.
                    resources={"metadata": {"path": str(paths.PROJECT_ROOT)}},
                    kernel_manager_class=kernel_manager_class(log, self._warm(notebook)),
                )
            except Exception as exc:
                raise self._failure(run, index, exc, log) from exc
            after = folder_hashes(run.staging, skip_top=_NOTEBOOK_FOLDERS)
        finally:
            alone = run.end(index)
        strip_volatile_metadata(target)
        written = sorted(rel for rel, digest in after.items() if before.get(rel) != digest)
        declared = run.reads[index].writes
        if not alone and declared is not None:
            # Another notebook of the year ran meanwhile: only the declared folders are ours.
            written = [rel for rel in written if rel.split("/")[0] in declared]
        record: dict[str, object] = {
            "status": "executed",
            "reason": reason,
            "cache_key": key,
            "depends": digests,
            "outputs": [
                f"notebooks/{notebook.name}",
                f"html/{notebook.stem}.html",
                f"html/{notebook.stem}.audit.html",
                *written,
            ],
        }
        if run.writes_clean(index):
            record["clean"] = folder_hashes(paths.clean_dir(run.year, run.clean_root))
        run.records[notebook.name] = record
        self.progress(f"{run.label(index)}: executed in {time.perf_counter() - tick:.1f}s")
        # The notebooks that wait for this one may start while it is exported.
        self.events.put(("executed", run, index, None))
        export_html(target, run.staging / "html")
        record["seconds"] = round(time.perf_counter() - tick, 2)

    def _warm(self, notebook: Path) -> WarmKernels | None:
        """The warm process to fork this notebook's kernel from, if it gains from one."""
        if self.warm is None or not self.heavy[notebook]:
            return None
        return self.warm if self.warm.available() else None

    def _failure(self, run: _YearRun, index: int, exc: Exception, log: Path) -> RunError:
        """Keep the failed notebook, its HTML and its kernel's log; say where it failed."""
        notebook = run.notebooks[index]
        target = run.staging / "notebooks" / notebook.name
        if target.exists():
            strip_volatile_metadata(target)
            export_html(target, run.staging / "html")
        if log.is_file():  # the kernel's own log, in case the kernel died
            shutil.copyfile(log, target.with_suffix(".kernel.log"))
        kept = _relative(run.failed_dir / "notebooks" / notebook.name)
        self.progress(f"{run.label(index)}: failed in {_failed_cell(exc)}")
        return RunError(
            f"{run.year}: notebook {notebook.name} failed in {_failed_cell(exc)}\n"
            f"  the executed notebook is kept at {kept} (and its HTML next to it);\n"
            f"  the previous outputs in {_relative(run.published_dir)}/ were not touched"
        )

    # Scheduling (main thread) ----------------------------------------------------------------

    def _writers_settled(self, reader: _YearRun, position: int) -> bool:
        """True when no notebook of this run that writes clean tables is still to finish (the
        reader's own later notebooks aside: they run after it)."""
        for run in self.runs:
            if run.failure is not None:
                continue
            for index in range(len(run.notebooks)):
                if run is reader and index > position:
                    break
                if run.writes_clean(index) and not run.executed[index]:
                    return False
        return True

    def _ready(self) -> list[tuple[_YearRun, int]]:
        """Notebooks that may start now, by year then number."""
        ready = []
        for run in self.runs:
            if run.failure is not None or run.finished:
                continue
            for index in range(len(run.notebooks)):
                if index in run.started_tasks:
                    continue
                if not all(run.executed[p] for p in run.predecessors(index)):
                    continue
                if run.reads_store(index) and not self._writers_settled(run, index):
                    continue
                ready.append((run, index))
        return ready

    def run(self) -> RunSummary:
        for run in self.runs:
            run.executed = [False] * len(run.notebooks)
            run.started = datetime.now(UTC)
            for folder in (run.staging, run.public_staging):
                if folder is not None and folder.exists():
                    shutil.rmtree(folder)
            (run.staging / "notebooks").mkdir(parents=True)
            _keep_clean_before(run)
        active = 0
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="notebook")
        try:
            while True:
                for run, index in self._ready():
                    if active >= self.jobs:
                        break
                    run.started_tasks.add(index)
                    run.in_flight += 1
                    active += 1
                    pool.submit(self.task, run, index)
                if active == 0:
                    break
                kind, run, index, error = self.events.get()
                if kind == "executed":
                    run.executed[index] = True
                    continue
                active -= 1
                run.in_flight -= 1
                if error is not None and run.failure is None:
                    run.failure = error
                elif error is None:
                    run.done += 1
                if run.in_flight == 0 and (
                    run.failure is not None or run.done == len(run.notebooks)
                ):
                    self.finish(run)
        except BaseException:
            kill_live_kernels()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        for run in self.runs:  # a year whose notebooks could not start (never expected)
            if not run.finished:
                run.failure = run.failure or RunError(f"{run.year}: the run did not complete")
                self.finish(run)
        return self.summary

    def finish(self, run: _YearRun) -> None:
        run.finished = True
        if run.failure is None:
            try:
                self.summary.results.append(self.publish(run))
                return
            except Exception as exc:
                run.failure = RunError(f"{run.year}: publishing failed: {exc}")
                run.failure.__cause__ = exc
        if run.failed_dir.exists():
            shutil.rmtree(run.failed_dir)
        if run.staging.exists():
            run.staging.rename(run.failed_dir)
        if run.public_staging is not None and run.public_staging.exists():
            shutil.rmtree(run.public_staging)
        _restore_clean_before(run)
        _remove_if_empty(run.staging.parent)
        self.summary.failures[str(run.year)] = run.failure
        self.progress(f"{run.year}: failed, not published; see {_relative(run.failed_dir)}/")

    def publish(self, run: _YearRun) -> RunResult:
        from complaints.outputs.publish import write_index

        write_index(run.staging, run.year, run.params, run.notebooks)
        manifest = write_manifest(
            run.staging,
            year=run.year,
            parameters=run.params,
            notebooks=run.notebooks,
            started=run.started or datetime.now(UTC),
            finished=datetime.now(UTC),
            timings={nb.name: run.records[nb.name].get("seconds", 0.0) for nb in run.notebooks},
            raw_root=run.raw_root,
            records={nb.name: run.records[nb.name] for nb in run.notebooks},
            cache={"force": self.force, "package_code": self.code_hash},
            kernel=self.kernel_name,
            git=self.git,
            versions=self.versions,
        )
        unclaimed = unclaimed_outputs(json.loads(manifest.read_text(encoding="utf-8")))
        if unclaimed:
            self.progress(
                f"{run.year}: {len(unclaimed)} file(s) written outside the folders their notebook "
                f"declares in complaints.run.cache.NOTEBOOK_READS (e.g. {unclaimed[0]}): "
                "the next run will execute every notebook"
            )
        published = self.publish_public(run, manifest) if run.public_dir is not None else None
        run.final_dir.parent.mkdir(parents=True, exist_ok=True)
        _swap_in(run.staging, run.final_dir)
        if run.clean_before is not None and run.clean_before.exists():
            shutil.rmtree(run.clean_before)
        _remove_if_empty(run.staging.parent)
        if run.failed_dir.exists():
            shutil.rmtree(run.failed_dir)
        statuses = {nb.name: run.records[nb.name]["status"] for nb in run.notebooks}
        if published is not None:
            self.progress(
                f"{run.year}: public edition written to {_relative(run.public_dir)}/ "
                "(open index.html)"
            )
            return RunResult(
                year=run.year,
                output_dir=run.public_dir,
                notebooks=[],
                manifest=published,
                executed=[n for n, s in statuses.items() if s == "executed"],
                reused=[n for n, s in statuses.items() if s == "reused"],
            )
        self.progress(
            f"{run.year}: report written to {_relative(run.final_dir)}/ (open index.html)"
        )
        return RunResult(
            year=run.year,
            output_dir=run.final_dir,
            notebooks=[run.final_dir / "notebooks" / p.name for p in run.notebooks],
            manifest=run.final_dir / manifest.name,
            executed=[n for n, s in statuses.items() if s == "executed"],
            reused=[n for n, s in statuses.items() if s == "reused"],
        )

    def publish_public(self, run: _YearRun, manifest: Path) -> Path:
        """Copy what the public edition publishes from the complete run in ``run.staging`` into
        ``run.public_staging``, check it, write its index and manifest, and swap it into
        ``run.public_dir``. Returns the public manifest's path (as published)."""
        from complaints.outputs.publish import build_public_edition, case_ids, check_public_edition

        assert run.public_dir is not None and run.public_staging is not None
        report = next(nb for nb in run.notebooks if nb.stem == PUBLIC_REPORT)
        build_public_edition(run.staging, run.public_staging, run.year, report.stem)
        check_public_edition(run.public_staging, report.stem, case_ids(run.clean_root))
        internal = json.loads(manifest.read_text(encoding="utf-8"))
        public_manifest = write_manifest(
            run.public_staging,
            year=run.year,
            parameters=run.params,
            notebooks=run.notebooks,
            started=datetime.fromisoformat(internal["started"]),
            finished=datetime.fromisoformat(internal["finished"]),
            timings=internal["seconds_per_notebook"],
            raw_root=run.raw_root,
            # How each notebook came about, without the files it wrote (most are not published).
            records={
                name: {k: record[k] for k in ("status", "reason", "cache_key") if k in record}
                for name, record in internal["notebooks"].items()
            },
            cache=internal["cache"],
            kernel=internal["kernel"],
            git=internal["git"],
            versions=internal["versions"],
            edition="public",
        )
        _swap_in(run.public_staging, run.public_dir)
        return run.public_dir / public_manifest.name


def _keep_clean_before(run: _YearRun) -> None:
    """Copy the year's clean tables aside before its cleaning notebook may rewrite them."""
    if not run.has_raw:
        return
    run.clean_before = run.staging.parent / f"{run.year}.clean-before"
    if run.clean_before.exists():
        shutil.rmtree(run.clean_before)
    current = paths.clean_dir(run.year, run.clean_root)
    if current.is_dir():
        shutil.copytree(current, run.clean_before)


def _restore_clean_before(run: _YearRun) -> None:
    """A failed run leaves the store as it found it: its clean tables are put back (or removed
    when the year had none before)."""
    if run.clean_before is None:
        return
    current = paths.clean_dir(run.year, run.clean_root)
    if current.exists():
        shutil.rmtree(current)
    if run.clean_before.exists():
        run.clean_before.rename(current)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


@contextlib.contextmanager
def _exclusive(reports_root: Path, progress: Callable[[str], None]):
    """One run at a time per reports folder: two runs of a year would share its staging folder
    (and the clean store), so a second run waits for the first to finish."""
    reports_root.mkdir(parents=True, exist_ok=True)
    fd = os.open(reports_root, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"waiting for another run using {_relative(reports_root)}/ to finish ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def run_year(
    year: ReportingYear,
    *,
    parameters: dict[str, object] | None = None,
    reports_root: Path = paths.REPORTS_DIR,
    notebooks: list[Path] | None = None,
    kernel_name: str = KERNEL,
    progress: Callable[[str], None] = print,
    force: bool = False,
    jobs: int | None = None,
) -> RunResult:
    """Execute (or reuse) every notebook for ``year`` and publish ``reports_root/<year>/``
    atomically; raises :class:`RunError` if a notebook fails."""
    summary = run_years(
        [year],
        parameters=parameters,
        reports_root=reports_root,
        notebooks=notebooks,
        kernel_name=kernel_name,
        progress=progress,
        force=force,
        jobs=jobs,
    )
    if summary.failures:
        raise summary.failures[str(year)]
    return summary.results[0]


def run_years(
    years: Iterable[ReportingYear],
    *,
    parameters: dict[str, object] | None = None,
    reports_root: Path = paths.REPORTS_DIR,
    notebooks: list[Path] | None = None,
    kernel_name: str = KERNEL,
    progress: Callable[[str], None] = print,
    force: bool = False,
    jobs: int | None = None,
    reads: dict[str, Reads] | None = None,
    warm_kernels: bool | None = None,
) -> RunSummary:
    """Run several years, up to ``jobs`` notebooks at a time (default: one per core).

    Parameters and raw inputs of every year are checked before anything runs (bad ones raise
    :class:`~complaints.errors.InputError`). A year whose notebook fails is not published and
    is listed in the summary's ``failures``; the other years go on. ``warm_kernels``: fork the
    kernels from a process that has imported the heavy libraries once (default: yes, unless
    the environment variable ``COMPLAINTS_WARM_KERNELS`` is ``0``).
    """
    years = sorted(set(years))
    if not years:
        raise InputError("no reporting year to run")
    notebooks = notebooks if notebooks is not None else list_notebooks()
    if not notebooks:
        raise InputError("no notebooks found", file=_relative(paths.NOTEBOOKS_DIR))
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise InputError(f"jobs must be at least 1, not {jobs}")
    parameters = dict(parameters or {})
    if parameters.get("edition") == "internal":
        # The notebooks' default: asking for it by name gives the very same run and outputs.
        del parameters["edition"]
    public = parameters.get("edition") == "public"
    if public:
        notebooks = public_edition_notebooks(notebooks)
    runs = []
    for year in years:
        name = f"{year}-public" if public else str(year)
        staging = reports_root / STAGING / name
        # Paths handed to notebooks are relative to the project root (the kernel's working
        # directory), so the executed notebooks record the same parameters on every machine.
        output_param = os.path.relpath(staging, paths.PROJECT_ROOT)
        params = {"year": str(year), **parameters, "output_dir": output_param}
        check_parameters(params, notebooks)
        raw_root = _project_path(params.get("raw_root"), paths.RAW_DIR)
        runs.append(
            _YearRun(
                year=year,
                params=params,
                notebooks=list(notebooks),
                reads=[reads_of(nb, reads) for nb in notebooks],
                # The public edition's complete run is its cache, never published.
                final_dir=reports_root / ".cache" / name if public else reports_root / name,
                staging=staging,
                failed_dir=reports_root / f"{name}.failed",
                raw_root=raw_root,
                clean_root=_project_path(params.get("clean_root"), paths.CLEAN_DIR),
                has_raw=paths.raw_dir(year, raw_root).is_dir(),
                public_dir=reports_root / name if public else None,
            )
        )
    with tempfile.TemporaryDirectory(prefix="complaints-run-") as log_dir:
        runner = _Runner(
            runs,
            kernel_name=kernel_name,
            jobs=jobs,
            force=force,
            progress=progress,
            log_dir=Path(log_dir),
            warm_kernels=(
                os.environ.get(WARM_KERNELS_ENV, "1") != "0"
                if warm_kernels is None
                else warm_kernels
            ),
        )
        try:
            unread = [run for run in runs if not _input_already_read(runner, run)]
            if unread and runner.warm is not None and any(runner.heavy.values()):
                runner.warm.start()  # notebooks will run: warm up while the inputs are read
            for run in unread:
                _check_input(run.year, run.params)
            with _exclusive(reports_root, runner.progress):
                return runner.run()
        finally:
            if runner.warm is not None:
                runner.warm.stop()


def public_edition_notebooks(notebooks: list[Path]) -> list[Path]:
    """The notebooks a public edition runs: the report and every notebook numbered before it
    (it reads what they write); the later ones (04_trends) are for analysts and not run."""
    stems = [nb.stem for nb in notebooks]
    if PUBLIC_REPORT not in stems:
        raise InputError(
            f"the public edition publishes {PUBLIC_REPORT}.ipynb, which is not among the notebooks"
        )
    return notebooks[: stems.index(PUBLIC_REPORT) + 1]


def _input_already_read(runner: _Runner, run: _YearRun) -> bool:
    """True when the previous run of the year read this very input with this very code (its
    cleaning notebook will be reused): it was good then, so it is not read again."""
    if runner.force or not run.notebooks or not run.writes_clean(0):
        return False
    manifest_path = run.final_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        record = manifest["notebooks"][run.notebooks[0].name]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    digests = {k: json_digest(v) for k, v in runner.dependencies(run, 0).items()}
    return record.get("cache_key") == json_digest(digests)


def _swap_in(staging: Path, final_dir: Path) -> None:
    old = None
    if final_dir.exists():
        old = final_dir.with_name(f".{final_dir.name}.old")
        if old.exists():
            shutil.rmtree(old)
        final_dir.rename(old)
    staging.rename(final_dir)
    if old is not None:
        shutil.rmtree(old)
