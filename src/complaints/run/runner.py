"""Run reporting years: execute the notebooks with papermill into ``reports/.staging/<year>/``,
export them with nbconvert, and swap the folder in as ``reports/<year>/`` (with an index page and
a manifest) only when every notebook has run. A failed run leaves its evidence in
``reports/<year>.failed/``, the year's clean tables as they were and the previous outputs alone.

A notebook whose cache key (:mod:`complaints.run.cache`) is unchanged is reused from the
previous report. Up to ``jobs`` notebooks run at once, across years, each after those it
depends on. The public edition runs up to ``03_report`` into ``reports/.cache/<year>-public/``
and publishes the part :func:`complaints.outputs.publish.build_public_edition` copies.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from complaints import paths
from complaints.errors import InputError
from complaints.params import STAGING, check_declared, check_parameters, project_path
from complaints.run import cache
from complaints.run.cache import file_sha256, folder_hashes, unclaimed_outputs
from complaints.run.export import export_html, strip_volatile_metadata
from complaints.run.kernels import KERNEL, STARTUP_TIMEOUT, Kernels, imports_package
from complaints.years import ReportingYear

#: Folders of a report that hold every notebook's executed copy and HTML (not data outputs).
_NOTEBOOK_FOLDERS = ("notebooks", "html")
#: The notebook the public edition publishes; those numbered before it run too, later ones not.
PUBLIC_REPORT = "03_report"
_relative = paths.relative_to_project


class RunError(Exception):
    """A notebook failed: the message names the year, notebook, cell and where the evidence is."""


@dataclass
class RunResult:
    year: ReportingYear
    output_dir: Path
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)

    @property
    def manifest(self) -> Path:
        return self.output_dir / "manifest.json"


@dataclass
class RunSummary:
    """The published years and, by year, the failures, both in year order."""

    results: list[RunResult] = field(default_factory=list)
    failures: dict[str, RunError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def list_notebooks(notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """The pipeline's notebooks in run order: ``NN_name.ipynb``, sorted by their number."""
    return sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))


def public_edition_notebooks(notebooks: list[Path]) -> list[Path]:
    """The report and every notebook numbered before it (it reads what they write)."""
    stems = [nb.stem for nb in notebooks]
    if PUBLIC_REPORT not in stems:
        raise InputError(
            f"the public edition publishes {PUBLIC_REPORT}.ipynb, which is not among the notebooks"
        )
    return notebooks[: stems.index(PUBLIC_REPORT) + 1]


def _failed_cell(exc: Exception) -> str:
    """Where it failed: a cell (nbclient's error names it), or else the kernel."""
    count = getattr(exc, "exec_count", None)
    evalue = str(getattr(exc, "evalue", exc)).strip().splitlines()
    if count is not None:
        cell = f"cell [{count}]"
    else:
        cell = "a cell" if hasattr(exc, "ename") else "its kernel"
    return f"{cell}: {getattr(exc, 'ename', type(exc).__name__)}: {evalue[0] if evalue else ''}"


@dataclass
class _Year:
    """One year of a run: its folders, its notebooks' records, where it stands."""

    year: ReportingYear
    params: dict[str, object]
    notebooks: list[Path]
    reads: list[cache.Reads]
    final_dir: Path  # reports/<year>/, or the public edition's cache
    public_dir: Path | None  # reports/<year>-public/, or None for the internal edition
    records: dict[str, dict] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)  # submitted to a worker
    ready: set[int] = field(default_factory=set)  # its outputs are there for the next ones
    finished: set[int] = field(default_factory=set)
    failure: RunError | None = None
    result: RunResult | None = None
    began: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.raw_root = project_path(self.params.get("raw_root"), paths.RAW_DIR)
        self.clean_root = project_path(self.params.get("clean_root"), paths.CLEAN_DIR)
        self.clean = paths.clean_dir(self.year, self.clean_root)
        self.has_raw = paths.raw_dir(self.year, self.raw_root).is_dir()
        published = self.public_dir or self.final_dir
        self.staging = published.parent / STAGING / published.name
        self.public_staging = self.staging.with_name(f"{published.name}.publish")
        self.failed_dir = published.with_name(f"{published.name}.failed")
        # The year's clean tables as they were, put back if the run fails.
        self.clean_before = published.parent / STAGING / f"{self.year}.clean-before"

    @functools.cached_property
    def previous(self) -> tuple[dict | None, str]:
        """The previous report's manifest if the report still matches it, else why not."""
        return cache.verify_report(self.final_dir)

    def recorded(self, index: int) -> dict:
        """The previous report's record of this notebook (``{}`` if none, or not intact)."""
        record = ((self.previous[0] or {}).get("notebooks") or {}).get(self.notebooks[index].name)
        return record if isinstance(record, dict) else {}

    def ran_with(self, index: int) -> bool:
        """The previous report executed this very notebook with these very parameters."""
        depends = self.recorded(index).get("depends")
        return (
            isinstance(depends, dict)
            and depends.get("parameters") == cache.json_digest(self.params)
            and depends.get("notebook") == cache.json_digest(file_sha256(self.notebooks[index]))
        )

    def writes_clean(self, index: int) -> bool:
        return self.reads[index].writes_clean and self.has_raw

    def reads_store(self, index: int) -> bool:
        reads = self.reads[index]
        return reads.store or (reads.store_without_raw and not self.has_raw)

    def reads_outputs_of(self, index: int, earlier: int) -> bool:
        outputs_of = self.reads[index].outputs_of
        return "*" in outputs_of or self.notebooks[earlier].stem in outputs_of

    def label(self, index: int) -> str:
        edition = " public" if self.public_dir is not None else ""
        place = f"[{index + 1}/{len(self.notebooks)}]"
        return f"{self.year}{edition} {place} {self.notebooks[index].name}"

    def predecessors(self, index: int) -> set[int]:
        """The earlier notebooks this one waits for: those whose outputs it reads, that write
        where it writes, or (if it reads the store) that write clean tables."""
        mine = self.reads[index].writes
        return {
            earlier
            for earlier in range(index)
            if mine is None
            or self.reads[earlier].writes is None
            or self.reads_outputs_of(index, earlier)
            or (self.reads_store(index) and self.writes_clean(earlier))
            or set(self.reads[earlier].writes) & set(mine)
        }


@dataclass
class _Runner:
    runs: list[_Year]
    kernels: Kernels
    jobs: int
    force: bool
    _progress: Callable[[str], None]
    lock: threading.Lock = field(default_factory=threading.Lock)
    events: queue.Queue = field(default_factory=queue.Queue)
    code_hash: str = field(default_factory=cache.package_code_hash)
    versions: dict[str, str] = field(default_factory=cache.package_versions)
    git: dict[str, object] = field(default_factory=cache.git_state)
    spares: dict[tuple[str, int], Future] = field(default_factory=dict)  # kernels started ahead
    starting: ThreadPoolExecutor | None = None  # starts them, off the loop that schedules
    executing: bool = False  # a notebook has been executed: the next ones likely will be

    def progress(self, message: str) -> None:
        with self.lock:
            self._progress(message)

    def start_kernel(self, run: _Year, index: int):
        notebook = run.notebooks[index]
        preload = run.reads[index].preload if imports_package(notebook) else ()
        return self.kernels.start(f"{run.staging.name}-{notebook.stem}", preload)

    def start_ahead(self) -> None:
        """Start the kernels of the notebooks next in line that will likely be executed (every
        notebook they wait for has started), at most ``jobs`` ahead."""
        likely = self.force or self.executing
        for run in self.runs:
            if run.failure or not (likely or not (run.final_dir / "manifest.json").is_file()):
                continue
            for index in range(len(run.notebooks)):
                if len(self.spares) >= self.jobs:
                    return
                key = (run.staging.name, index)
                new = index not in run.started and key not in self.spares
                if new and run.predecessors(index) <= run.started:
                    self.spares[key] = self.starting.submit(self.start_kernel, run, index)

    def discard(self, spare: Future | None) -> None:
        """Stop a kernel started ahead, once it has started (one that failed stopped itself)."""
        if spare is not None:
            spare.add_done_callback(
                lambda f: f.cancelled() or f.exception() or self.kernels.stop(f.result())
            )

    def cache_key(self, run: _Year, index: int) -> tuple[str, dict[str, str]]:
        """The notebook's cache key and the digest of each kind of thing it depends on."""
        notebook, reads = run.notebooks[index], run.reads[index]
        deps: dict[str, object] = {
            "notebook": file_sha256(notebook),
            "parameters": run.params,
            "kernel": self.kernels.kernel_name,
            "package code": self.code_hash,
            "environment": self.versions,
        }
        if reads.raw:
            deps["raw input"] = folder_hashes(paths.raw_dir(run.year, run.raw_root))
        if run.reads_store(index):
            deps["clean tables"] = cache.store_hashes(run.clean_root)
        if reads.expectations:
            deps["expectations"] = cache.expectation_hashes()
        for earlier, nb in enumerate(run.notebooks[:index]):
            if run.reads_outputs_of(index, earlier):
                deps[f"outputs of {nb.stem}"] = {
                    rel: file_sha256(run.staging / rel)
                    for rel in run.records[nb.name]["outputs"]
                    if rel.split("/")[0] not in _NOTEBOOK_FOLDERS
                }
        digests = {kind: cache.json_digest(value) for kind, value in deps.items()}
        return cache.json_digest(digests), digests

    def decide(self, run: _Year, index: int, key: str, digests: dict[str, str]):
        """The previous record to reuse, or ``None`` and why the notebook must be executed."""
        previous, why = run.previous
        if self.force or previous is None:
            return None, "forced" if self.force else why
        record = run.recorded(index)
        if "cache_key" not in record:
            return None, "not in the previous report's cache"
        if record["cache_key"] != key:
            changed = cache.differing(record.get("depends") or {}, digests)
            return None, f"{', '.join(changed) or 'cache key'} changed"
        outputs = record.get("outputs") or []
        if not outputs or any(o not in previous["outputs"] for o in outputs):
            return None, "the previous report lacks its outputs"
        if unclaimed_outputs(previous):
            return None, "the previous report has files no notebook claims"
        if run.writes_clean(index) and folder_hashes(run.clean) != record.get("clean"):
            return None, f"{_relative(run.clean)}/ changed since it was written"
        return record, "unchanged"

    def task(self, run: _Year, index: int, spare: Future | None) -> None:
        """Reuse or execute one notebook (in a worker thread), in the kernel started for it
        ahead if there is one."""
        notebook, error, tick = run.notebooks[index], None, time.perf_counter()
        try:
            key, digests = self.cache_key(run, index)
            previous, reason = self.decide(run, index, key, digests)
            if previous is None:
                self.events.put(("executing", run, index, None))
                self.progress(f"{run.label(index)}: running ({reason})")
                self.execute(run, index, spare, key, digests, reason, tick)
            else:
                for rel in previous["outputs"]:
                    (run.staging / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(run.final_dir / rel, run.staging / rel)
                run.records[notebook.name] = {**previous, "status": "reused", "reason": reason}
                self.progress(f"{run.label(index)}: reused ({reason})")
                self.events.put(("ready", run, index, None))
        except RunError as exc:
            error = exc
        except Exception as exc:  # a bug or an OS error: the year fails, the others go on
            error = RunError(f"{run.year}: {notebook.name}: {type(exc).__name__}: {exc}")
            error.__cause__ = exc
        finally:
            self.discard(spare)
            if notebook.name in run.records:
                run.records[notebook.name]["seconds"] = round(time.perf_counter() - tick, 2)
            self.events.put(("finished", run, index, error))

    def execute(self, run: _Year, index: int, spare, key, digests, reason, tick) -> None:
        import papermill

        notebook, km = run.notebooks[index], None
        target = run.staging / "notebooks" / notebook.name
        before = folder_hashes(run.staging, skip_top=_NOTEBOOK_FOLDERS)
        try:
            km = spare.result() if spare else self.start_kernel(run, index)
            papermill.execute_notebook(
                str(notebook),
                str(target),
                parameters=run.params,
                kernel_name=self.kernels.kernel_name,
                km=km,  # started in the project root, with its log in a file
                start_timeout=STARTUP_TIMEOUT,  # it answers once its preloads are imported
                progress_bar=False,
                log_output=False,
            )
        except Exception as exc:
            raise self.failure(run, index, exc) from exc
        finally:
            self.kernels.stop(km)  # before the export: its notebook is done
        after = folder_hashes(run.staging, skip_top=_NOTEBOOK_FOLDERS)
        strip_volatile_metadata(target)
        declared = run.reads[index].writes
        written = [
            rel
            for rel, digest in after.items()
            if before.get(rel) != digest and (declared is None or rel.split("/")[0] in declared)
        ]
        html = [f"html/{notebook.stem}.html", f"html/{notebook.stem}.audit.html"]
        record = {"status": "executed", "reason": reason, "cache_key": key, "depends": digests}
        record["outputs"] = [f"notebooks/{notebook.name}", *html, *written]
        if run.writes_clean(index):
            record["clean"] = folder_hashes(run.clean)
        run.records[notebook.name] = record
        self.progress(f"{run.label(index)}: executed in {time.perf_counter() - tick:.1f}s")
        self.events.put(("ready", run, index, None))  # the next ones start during the export
        export_html(target, run.staging / "html")

    def failure(self, run: _Year, index: int, exc: Exception) -> RunError:
        """Keep the failed notebook, its HTML and its kernel's log; say where it failed."""
        notebook = run.notebooks[index]
        target = run.staging / "notebooks" / notebook.name
        if target.exists():
            strip_volatile_metadata(target)
            export_html(target, run.staging / "html")
        log, where = self.kernels.log(f"{run.staging.name}-{notebook.stem}"), _failed_cell(exc)
        if log.is_file():  # the kernel's own log, in case the kernel died
            shutil.copyfile(log, target.with_suffix(".kernel.log"))
            said = log.read_text(encoding="utf-8", errors="replace").split("\n")
            if where.startswith("its kernel") and (said := [line for line in said if line.strip()]):
                # A kernel stuck as it started is interrupted as it is stopped: its traceback's
                # last frame says where it was.
                frames = [line.strip() for line in said if line.lstrip().startswith('File "')]
                at = f" (at {frames[-1]})" if frames else ""
                where += (
                    f"\n  the kernel's log ({notebook.stem}.kernel.log, kept) ends: {said[-1]}{at}"
                )
        self.progress(f"{run.label(index)}: failed in {where}")
        return RunError(
            f"{run.year}: notebook {notebook.name} failed in {where}\n"
            f"  the executed notebook is kept at {_relative(run.failed_dir / target.parent.name)}"
            f"/{notebook.name} (and its HTML next to it);\n"
            f"  the previous outputs in {_relative(run.public_dir or run.final_dir)}/ were not "
            "touched"
        )

    def may_start(self, run: _Year, index: int) -> bool:
        """Every notebook it waits for is done; if it reads the store, every notebook of the run
        that writes clean tables is done (its own year's later notebooks aside)."""
        if run.failure or index in run.started or not run.predecessors(index) <= run.ready:
            return False
        return not run.reads_store(index) or all(
            other.failure is not None or earlier in other.ready or not other.writes_clean(earlier)
            for other in self.runs
            for earlier in range(index if other is run else len(other.notebooks))
        )

    def run(self) -> RunSummary:
        for run in self.runs:
            for folder in (run.staging, run.public_staging, run.clean_before):
                shutil.rmtree(folder, ignore_errors=True)
            (run.staging / "notebooks").mkdir(parents=True)
            if run.has_raw and run.clean.is_dir():
                shutil.copytree(run.clean, run.clean_before)
        active = 0
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="notebook")
        self.starting = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="kernel")
        try:
            while True:
                for run in self.runs:
                    for index in range(len(run.notebooks)):
                        if active < self.jobs and self.may_start(run, index):
                            run.started.add(index)
                            active += 1
                            km = self.spares.pop((run.staging.name, index), None)
                            pool.submit(self.task, run, index, km)
                self.start_ahead()
                if active == 0:
                    break
                kind, run, index, error = self.events.get()
                if kind == "executing":
                    self.executing = True
                elif kind == "ready":
                    run.ready.add(index)
                else:
                    active -= 1
                    run.finished.add(index)
                    run.failure = run.failure or error
                    done = run.failure or len(run.finished) == len(run.notebooks)
                    if done and run.finished == run.started:
                        self.finish(run)
        finally:
            self.starting.shutdown(wait=True, cancel_futures=True)
            self.kernels.stop_all()  # interrupted, or started ahead and not needed
            pool.shutdown(wait=True, cancel_futures=True)
        return RunSummary(
            results=[run.result for run in self.runs if run.result is not None],
            failures={str(run.year): run.failure for run in self.runs if run.failure},
        )

    def finish(self, run: _Year) -> None:
        if run.failure is None:
            try:
                run.result = self.publish(run)
            except Exception as exc:
                run.failure = RunError(f"{run.year}: publishing failed: {exc}")
                run.failure.__cause__ = exc
        if run.failure is not None:
            for key in [key for key in self.spares if key[0] == run.staging.name]:
                self.discard(self.spares.pop(key))
            _replace(run.staging, run.failed_dir)
            shutil.rmtree(run.public_staging, ignore_errors=True)
            if run.has_raw:  # the store as the run found it
                shutil.rmtree(run.clean, ignore_errors=True)
                if run.clean_before.exists():
                    run.clean_before.rename(run.clean)
            self.progress(f"{run.year}: failed, not published; see {_relative(run.failed_dir)}/")
        shutil.rmtree(run.clean_before, ignore_errors=True)
        with contextlib.suppress(OSError):
            run.staging.parent.rmdir()  # if empty

    def publish(self, run: _Year) -> RunResult:
        from complaints.outputs import publish

        publish.write_index(run.staging, run.year, run.params, run.notebooks)
        records = {nb.name: run.records[nb.name] for nb in run.notebooks}
        fields = {
            "year": str(run.year),
            "parameters": run.params,
            "kernel": self.kernels.kernel_name,
            "started": run.began.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds_per_notebook": {name: r.get("seconds", 0.0) for name, r in records.items()},
            "git": self.git,
            "versions": self.versions,
            "cache": {"force": self.force, "package_code": self.code_hash},
            "notebooks": records,
        }
        raw = paths.raw_dir(run.year, run.raw_root)
        unclaimed = unclaimed_outputs(cache.write_manifest(run.staging, fields, raw, run.notebooks))
        if unclaimed:
            self.progress(
                f"{run.year}: {len(unclaimed)} file(s) written outside the folders their notebook "
                f"declares in complaints.run.cache.NOTEBOOK_READS (e.g. {unclaimed[0]}): "
                "the next run will execute every notebook"
            )
        result = RunResult(
            run.year,
            run.public_dir or run.final_dir,
            executed=[n for n, r in records.items() if r["status"] == "executed"],
            reused=[n for n, r in records.items() if r["status"] == "reused"],
        )
        if run.public_dir is not None:
            publish.build_public_edition(run.staging, run.public_staging, run.year, PUBLIC_REPORT)
            publish.check_public_edition(
                run.public_staging, PUBLIC_REPORT, publish.case_ids(run.clean_root)
            )
            # How each notebook came about, without the files it wrote (most are not published).
            notebooks = {
                name: {k: record[k] for k in ("status", "reason", "cache_key") if k in record}
                for name, record in records.items()
            }
            public = {**fields, "edition": "public", "notebooks": notebooks}
            cache.write_manifest(run.public_staging, public, raw, run.notebooks)
            _replace(run.public_staging, run.public_dir)
        _replace(run.staging, run.final_dir)
        shutil.rmtree(run.failed_dir, ignore_errors=True)
        what = "public edition" if run.public_dir is not None else "report"
        self.progress(
            f"{run.year}: {what} written to {_relative(result.output_dir)}/ (open index.html)"
        )
        return result


def _replace(source: Path, target: Path) -> None:
    """Swap folder ``source`` in as ``target``, the old ``target`` removed after."""
    if not source.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    source.rename(target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _exclusive(reports_root: Path, progress: Callable[[str], None]):
    """One run at a time per reports folder (runs of a year share its staging folder and the
    store): a second run waits for the first."""
    from filelock import FileLock, Timeout

    reports_root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path := reports_root / ".lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        progress(f"waiting for another run using {_relative(reports_root)}/ to finish ...")
        lock.acquire()
    try:
        yield
    finally:
        # Removed while held (a waiter then locks the new file), so that reports/ holds only
        # reports; Windows cannot remove an open file, and filelock removes it on release.
        with contextlib.suppress(OSError):
            path.unlink()
        lock.release()


def run_year(year: ReportingYear, **kwargs) -> RunResult:
    """:func:`run_years` for one year; raises :class:`RunError` if a notebook fails."""
    summary = run_years([year], **kwargs)
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
    reads: dict[str, cache.Reads] | None = None,
) -> RunSummary:
    """Run several years, up to ``jobs`` notebooks at a time (default: one per core).

    Parameters and raw inputs are checked before anything runs (bad ones raise
    :class:`~complaints.errors.InputError`). A year whose notebook fails is not published and
    is listed in the summary's ``failures``; the other years go on.
    """
    years = sorted(set(years))
    if not years:
        raise InputError("no reporting year to run")
    notebooks = list_notebooks() if notebooks is None else notebooks
    if not notebooks:
        raise InputError("no notebooks found", file=_relative(paths.NOTEBOOKS_DIR))
    if jobs is None:  # one per core available to this process
        affinity = getattr(os, "sched_getaffinity", None)
        jobs = len(affinity(0)) if affinity else os.cpu_count() or 1
    if jobs < 1:
        raise InputError(f"jobs must be at least 1, not {jobs}")
    parameters = dict(parameters or {})
    if parameters.get("edition") == "internal":
        del parameters["edition"]  # the notebooks' default: the very same run and outputs
    public = parameters.get("edition") == "public"
    if public:
        notebooks = public_edition_notebooks(notebooks)
    # Paths handed to notebooks are relative to the project root (the kernel's working
    # directory), so the executed notebooks record the same parameters on every machine. The
    # runner names the store too: a notebook left to its defaults explores in scratch.
    store = os.path.relpath(paths.CLEAN_DIR, paths.PROJECT_ROOT)
    declared = [cache.reads_of(nb, reads) for nb in notebooks]
    runs = []
    for year in years:
        name = f"{year}-public" if public else str(year)
        output = os.path.relpath(reports_root / STAGING / name, paths.PROJECT_ROOT)
        params = {"year": str(year), "clean_root": store, **parameters, "output_dir": output}
        final = reports_root / ".cache" / name if public else reports_root / name
        public_dir = reports_root / name if public else None
        run = _Year(year, check_parameters(params), list(notebooks), declared, final, public_dir)
        check_declared(params, [nb for i, nb in enumerate(notebooks) if not run.ran_with(i)])
        runs.append(run)
    with tempfile.TemporaryDirectory(prefix="complaints-run-") as log_dir:
        runner = _Runner(runs, Kernels(kernel_name, Path(log_dir)), jobs, force, progress)
        try:
            for run in runs:
                # Bad input is refused in one line naming the file, table and line or cell,
                # before anything is written; unless the previous run read this very input with
                # this very code (its cleaning notebook will be reused): it was good then.
                reused = not runner.force and run.writes_clean(0)
                reused = reused and run.recorded(0).get("cache_key") == runner.cache_key(run, 0)[0]
                if run.has_raw and not reused:
                    from complaints.inputs.clean import extract_year

                    extract_year(run.year, run.raw_root)
            with _exclusive(reports_root, runner.progress):
                for run in runs:  # read again: another run may have published while this waited
                    vars(run).pop("previous", None)
                    run.previous  # noqa: B018 - here, before any notebook writes
                return runner.run()
        finally:
            runner.kernels.stop_all()
