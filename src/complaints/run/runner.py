"""Run reporting years: execute the notebooks with papermill, export them with nbconvert, and
publish ``reports/<year>/`` only when the whole run of that year has succeeded.

A year's run writes into ``reports/.staging/<year>/``, which is swapped into ``reports/<year>/``
when every notebook has run (with an index page and a manifest). When a notebook fails, the
executed notebooks and their HTML go to ``reports/<year>.failed/``, the year's clean tables are
put back as they were, and the previous outputs are left alone.

Incremental rebuilds: a notebook whose cache key (its source, parameters, kernel, the package
code and versions, and the inputs :data:`complaints.run.cache.NOTEBOOK_READS` declares, hashed
by content) is unchanged is not executed; its files are copied from the previous report, which
must still match its manifest. ``force=True`` executes everything.

Several years run at once, up to ``jobs`` notebooks at a time. A notebook waits for the
notebooks of its year whose outputs it reads; one that reads the multi-year store waits for
every notebook of the run that writes clean tables. Results come back in year order.

The public edition (``edition="public"``) runs the notebooks up to ``03_report`` into
``reports/<year>-public/``'s cache, ``reports/.cache/<year>-public/``, and publishes only what
:func:`complaints.outputs.publish.build_public_edition` copies from it, once checked.
"""

from __future__ import annotations

import contextlib
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
from complaints.params import EDITIONS, STAGING, check_parameters  # noqa: F401 (EDITIONS: for importers)
from complaints.run.cache import (
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
from complaints.run.kernels import KERNEL, Kernels, imports_package
from complaints.years import ReportingYear

#: Folders of a report that hold every notebook's executed copy and HTML (not data outputs).
_NOTEBOOK_FOLDERS = ("notebooks", "html")
#: The notebook the public edition publishes; those numbered before it run too, later ones not.
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
    """What :func:`run_years` did: the published years and, by year, the failures, both in
    the order of the years."""

    results: list[RunResult] = field(default_factory=list)
    failures: dict[str, RunError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def list_notebooks(notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """The pipeline's notebooks in run order: ``NN_name.ipynb``, sorted by their number."""
    return sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))


def default_jobs() -> int:
    """Notebooks run at once by default: one per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def public_edition_notebooks(notebooks: list[Path]) -> list[Path]:
    """The notebooks a public edition runs: the report and every notebook numbered before it
    (it reads what they write); the later ones (04_trends) are for analysts and not run."""
    stems = [nb.stem for nb in notebooks]
    if PUBLIC_REPORT not in stems:
        raise InputError(
            f"the public edition publishes {PUBLIC_REPORT}.ipynb, which is not among the notebooks"
        )
    return notebooks[: stems.index(PUBLIC_REPORT) + 1]


def project_path(value: object, default: Path) -> Path:
    """A folder parameter as the notebooks will see it (relative paths are from the project)."""
    if not value:
        return default
    path = Path(str(value))
    return path if path.is_absolute() else paths.PROJECT_ROOT / path


def _failed_cell(exc: Exception) -> str:
    count = getattr(exc, "exec_count", None)
    evalue = str(getattr(exc, "evalue", exc)).strip().splitlines()
    cell = f"cell [{count}]" if count is not None else "a cell"
    return f"{cell}: {getattr(exc, 'ename', type(exc).__name__)}: {evalue[0] if evalue else ''}"


_relative = paths.relative_to_project


@dataclass
class _Year:
    """One year of a run: its folders, its notebooks' records, where it stands."""

    year: ReportingYear
    params: dict[str, object]
    notebooks: list[Path]
    reads: list[Reads]
    final_dir: Path  # reports/<year>/, or the public edition's cache
    public_dir: Path | None  # reports/<year>-public/, or None for the internal edition
    raw_root: Path
    clean_root: Path
    records: dict[str, dict] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)  # submitted to a worker
    ready: set[int] = field(default_factory=set)  # its outputs are there for the next ones
    in_flight: int = 0
    done: int = 0
    failure: RunError | None = None
    result: RunResult | None = None
    began: datetime = field(default_factory=lambda: datetime.now(UTC))
    _previous: tuple[dict | None, str] | None = None

    def __post_init__(self) -> None:
        name = (self.public_dir or self.final_dir).name
        reports = (self.public_dir or self.final_dir).parent
        self.staging = reports / STAGING / name
        self.public_staging = self.staging.with_name(f"{name}.publish")
        self.failed_dir = reports / f"{name}.failed"
        # clean_root/<year>/ as it was, put back if the run fails: figures a failed run
        # rejected never stay in the store.
        self.clean_before = reports / STAGING / f"{self.year}.clean-before"
        self.has_raw = paths.raw_dir(self.year, self.raw_root).is_dir()

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
        """The earlier notebooks of the year this one waits for: those whose outputs it reads,
        that write where it writes, or (if it reads the store) that write clean tables."""
        mine = self.reads[index]
        if mine.writes is None:
            return set(range(index))
        return {
            earlier
            for earlier in range(index)
            if self.reads[earlier].writes is None
            or "*" in mine.outputs_of
            or self.notebooks[earlier].stem in mine.outputs_of
            or (self.reads_store(index) and self.writes_clean(earlier))
            or set(self.reads[earlier].writes) & set(mine.writes)
        }


class _Runner:
    def __init__(
        self,
        runs: list[_Year],
        *,
        kernel_name: str,
        jobs: int,
        force: bool,
        progress: Callable[[str], None],
        log_dir: Path,
    ) -> None:
        self.runs, self.kernel_name, self.jobs, self.force = runs, kernel_name, jobs, force
        self._progress = progress
        self.lock = threading.Lock()
        self.events: queue.Queue = queue.Queue()
        self.code_hash, self.versions, self.git = (
            package_code_hash(),
            package_versions(),
            git_state(),
        )
        self.kernels = Kernels(kernel_name, log_dir)
        self.spares: dict[tuple[str, int], object] = {}  # kernels started ahead, by notebook
        self.executing = False  # a notebook has been executed: the next ones likely will be

    def progress(self, message: str) -> None:
        with self.lock:
            self._progress(message)

    # Kernels ----------------------------------------------------------------------------------

    def start_kernel(self, run: _Year, index: int):
        notebook = run.notebooks[index]
        preload = run.reads[index].preload if imports_package(notebook) else ()
        return self.kernels.start(f"{run.staging.name}-{notebook.stem}", preload)

    def start_ahead(self) -> None:
        """Start the kernels of notebooks next in line (every notebook they wait for has
        started) that will likely be executed, at most ``jobs`` kernels ahead."""
        for run in self.runs:
            if run.failure or not (
                self.force or self.executing or not (run.final_dir / "manifest.json").is_file()
            ):
                continue
            for index in range(len(run.notebooks)):
                if len(self.spares) >= self.jobs:
                    return
                key = (run.staging.name, index)
                if not (index in run.started or key in self.spares) and (
                    run.predecessors(index) <= run.started
                ):
                    self.spares[key] = self.start_kernel(run, index)

    # Dependencies and the cache -------------------------------------------------------------

    def dependencies(self, run: _Year, index: int) -> dict[str, object]:
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
                deps[f"outputs of {earlier.stem}"] = {
                    rel: file_sha256(run.staging / rel)
                    for rel in run.records[earlier.name]["outputs"]
                    if rel.split("/")[0] not in _NOTEBOOK_FOLDERS
                }
        return deps

    def cache_key(self, run: _Year, index: int) -> tuple[str, dict[str, str]]:
        digests = {
            kind: json_digest(value) for kind, value in self.dependencies(run, index).items()
        }
        return json_digest(digests), digests

    def decide(self, run: _Year, index: int, key: str, digests: dict[str, str]):
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
            changed = sorted(k for k in {*digests, *before} if digests.get(k) != before.get(k))
            return None, f"{', '.join(changed) or 'cache key'} changed"
        outputs = record.get("outputs") or []
        if not outputs or any(o not in previous["outputs"] for o in outputs):
            return None, "the previous report lacks its outputs"
        if unclaimed_outputs(previous):
            return None, "the previous report has files no notebook claims"
        clean = paths.clean_dir(run.year, run.clean_root)
        if run.writes_clean(index) and folder_hashes(clean) != record.get("clean"):
            return None, f"{_relative(clean)}/ changed since it was written"
        return record, "unchanged"

    # Tasks (worker threads) ----------------------------------------------------------------

    def task(self, run: _Year, index: int, km) -> None:
        notebook = run.notebooks[index]
        error = None
        try:
            tick = time.perf_counter()
            key, digests = self.cache_key(run, index)
            previous, reason = self.decide(run, index, key, digests)
            if previous is None:
                self.events.put(("executing", run, index, None))
                self.progress(f"{run.label(index)}: running ({reason})")
                km = km or self.start_kernel(run, index)
                self.execute(run, index, km, key, digests, reason, tick)
            else:
                for rel in previous["outputs"]:
                    target = run.staging / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(run.final_dir / rel, target)
                seconds = round(time.perf_counter() - tick, 2)
                run.records[notebook.name] = {
                    **previous, "status": "reused", "reason": reason, "seconds": seconds
                }  # fmt: skip
                self.progress(f"{run.label(index)}: reused ({reason})")
                self.events.put(("ready", run, index, None))
        except RunError as exc:
            error = exc
        except Exception as exc:  # a bug or an OS error: the year fails, the others go on
            error = RunError(f"{run.year}: {notebook.name}: {type(exc).__name__}: {exc}")
            error.__cause__ = exc
        finally:
            self.kernels.stop(km)
            self.events.put(("finished", run, index, error))

    def execute(self, run: _Year, index: int, km, key, digests, reason, tick) -> None:
        import papermill

        notebook = run.notebooks[index]
        target = run.staging / "notebooks" / notebook.name
        log = self.kernels.log(f"{run.staging.name}-{notebook.stem}")
        before = folder_hashes(run.staging, skip_top=_NOTEBOOK_FOLDERS)
        try:
            papermill.execute_notebook(
                str(notebook),
                str(target),
                parameters=run.params,
                kernel_name=self.kernel_name,
                km=km,  # started in the project root, with its log in a file
                progress_bar=False,
                log_output=False,
            )
        except Exception as exc:
            raise self._failure(run, index, exc, log) from exc
        finally:
            self.kernels.stop(km)  # before the export: its notebook is done
        after = folder_hashes(run.staging, skip_top=_NOTEBOOK_FOLDERS)
        strip_volatile_metadata(target)
        declared = run.reads[index].writes
        written = sorted(
            rel
            for rel, digest in after.items()
            if before.get(rel) != digest and (declared is None or rel.split("/")[0] in declared)
        )
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
        self.events.put(("ready", run, index, None))  # the next ones start during the export
        export_html(target, run.staging / "html")
        record["seconds"] = round(time.perf_counter() - tick, 2)

    def _failure(self, run: _Year, index: int, exc: Exception, log: Path) -> RunError:
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
            f"  the previous outputs in {_relative(run.public_dir or run.final_dir)}/ were not "
            "touched"
        )

    # Scheduling (main thread) ----------------------------------------------------------------

    def may_start(self, run: _Year, index: int) -> bool:
        """Every notebook it waits for is done; if it reads the store, every notebook of the run
        that writes clean tables is done (its own year's later notebooks aside)."""
        if index in run.started or not run.predecessors(index) <= run.ready:
            return False
        return not run.reads_store(index) or all(
            other.failure is not None or earlier in other.ready or not other.writes_clean(earlier)
            for other in self.runs
            for earlier in range(index if other is run else len(other.notebooks))
        )

    def run(self) -> RunSummary:
        for run in self.runs:
            for folder in (run.staging, run.public_staging, run.clean_before):
                if folder.exists():
                    shutil.rmtree(folder)
            (run.staging / "notebooks").mkdir(parents=True)
            clean = paths.clean_dir(run.year, run.clean_root)
            if run.has_raw and clean.is_dir():
                shutil.copytree(clean, run.clean_before)
        active = 0
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="notebook")
        try:
            while True:
                for run in self.runs:
                    for index in range(len(run.notebooks)):
                        if (
                            active < self.jobs
                            and run.failure is None
                            and self.may_start(run, index)
                        ):
                            run.started.add(index)
                            run.in_flight += 1
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
                    run.in_flight -= 1
                    run.failure = run.failure or error
                    run.done += error is None
                    if run.in_flight == 0 and (run.failure or run.done == len(run.notebooks)):
                        self.finish(run)
        finally:
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
                self.kernels.stop(self.spares.pop(key))
            _replace(run.staging, run.failed_dir)
            shutil.rmtree(run.public_staging, ignore_errors=True)
            if run.has_raw:  # the store as the run found it
                shutil.rmtree(paths.clean_dir(run.year, run.clean_root), ignore_errors=True)
                if run.clean_before.exists():
                    run.clean_before.rename(paths.clean_dir(run.year, run.clean_root))
            self.progress(f"{run.year}: failed, not published; see {_relative(run.failed_dir)}/")
        shutil.rmtree(run.clean_before, ignore_errors=True)
        with contextlib.suppress(OSError):
            run.staging.parent.rmdir()  # if empty

    def publish(self, run: _Year) -> RunResult:
        from complaints.outputs.publish import write_index

        write_index(run.staging, run.year, run.params, run.notebooks)
        records = {nb.name: run.records[nb.name] for nb in run.notebooks}
        fields = {
            "year": str(run.year),
            "parameters": run.params,
            "kernel": self.kernel_name,
            "started": run.began.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds_per_notebook": {name: r.get("seconds", 0.0) for name, r in records.items()},
            "git": self.git,
            "versions": self.versions,
            "cache": {"force": self.force, "package_code": self.code_hash},
            "notebooks": records,
        }
        raw_folder = paths.raw_dir(run.year, run.raw_root)
        manifest = write_manifest(
            run.staging, fields, raw_folder=raw_folder, notebooks=run.notebooks
        )
        unclaimed = unclaimed_outputs(json.loads(manifest.read_text(encoding="utf-8")))
        if unclaimed:
            self.progress(
                f"{run.year}: {len(unclaimed)} file(s) written outside the folders their notebook "
                f"declares in complaints.run.cache.NOTEBOOK_READS (e.g. {unclaimed[0]}): "
                "the next run will execute every notebook"
            )
        result = RunResult(
            year=run.year,
            output_dir=run.final_dir,
            notebooks=[run.final_dir / "notebooks" / p.name for p in run.notebooks],
            manifest=run.final_dir / manifest.name,
            executed=[n for n, r in records.items() if r["status"] == "executed"],
            reused=[n for n, r in records.items() if r["status"] == "reused"],
        )
        if run.public_dir is not None:
            result.manifest = self.publish_public(run, fields, raw_folder)
            result.output_dir, result.notebooks = run.public_dir, []
        _replace(run.staging, run.final_dir)
        shutil.rmtree(run.failed_dir, ignore_errors=True)
        what = "public edition" if run.public_dir is not None else "report"
        self.progress(
            f"{run.year}: {what} written to {_relative(result.output_dir)}/ (open index.html)"
        )
        return result

    def publish_public(self, run: _Year, fields: dict, raw_folder: Path) -> Path:
        """Copy what the public edition publishes from the complete run in ``run.staging``, check
        it, write its manifest and swap it into ``run.public_dir``; returns the manifest."""
        from complaints.outputs.publish import build_public_edition, case_ids, check_public_edition

        assert run.public_dir is not None
        build_public_edition(run.staging, run.public_staging, run.year, PUBLIC_REPORT)
        check_public_edition(run.public_staging, PUBLIC_REPORT, case_ids(run.clean_root))
        public = {**fields, "edition": "public"}
        # How each notebook came about, without the files it wrote (most are not published).
        public["notebooks"] = {
            name: {k: record[k] for k in ("status", "reason", "cache_key") if k in record}
            for name, record in fields["notebooks"].items()
        }
        public_manifest = write_manifest(
            run.public_staging, public, raw_folder=raw_folder, notebooks=run.notebooks
        )
        _replace(run.public_staging, run.public_dir)
        return run.public_dir / public_manifest.name


def _replace(source: Path, target: Path) -> None:
    """Swap ``source`` in as ``target`` (each a folder), the old ``target`` removed after."""
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
    """One run at a time per reports folder: two runs of a year would share its staging folder
    (and the clean store), so a second run waits for the first to finish."""
    from filelock import FileLock, Timeout

    reports_root.mkdir(parents=True, exist_ok=True)
    path = reports_root / ".lock"
    lock = FileLock(path)
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
    """Execute (or reuse) every notebook for ``year`` and publish ``reports_root/<year>/``
    atomically (the arguments are those of :func:`run_years`); raises :class:`RunError` if a
    notebook fails."""
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
    reads: dict[str, Reads] | None = None,
) -> RunSummary:
    """Run several years, up to ``jobs`` notebooks at a time (default: one per core).

    Parameters and raw inputs of every year are checked before anything runs (bad ones raise
    :class:`~complaints.errors.InputError`). A year whose notebook fails is not published and
    is listed in the summary's ``failures``; the other years go on.
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
        del parameters["edition"]  # the notebooks' default: the very same run and outputs
    public = parameters.get("edition") == "public"
    if public:
        notebooks = public_edition_notebooks(notebooks)
    runs = []
    for year in years:
        name = f"{year}-public" if public else str(year)
        # Paths handed to notebooks are relative to the project root (the kernel's working
        # directory), so the executed notebooks record the same parameters on every machine.
        output = os.path.relpath(reports_root / STAGING / name, paths.PROJECT_ROOT)
        # The runner names the store too: a notebook left to its defaults explores in scratch.
        store = os.path.relpath(paths.CLEAN_DIR, paths.PROJECT_ROOT)
        params = check_parameters(
            {"year": str(year), "clean_root": store, **parameters, "output_dir": output},
            notebooks,
        )
        runs.append(
            _Year(
                year=year,
                params=params,
                notebooks=list(notebooks),
                reads=[reads_of(nb, reads) for nb in notebooks],
                final_dir=reports_root / ".cache" / name if public else reports_root / name,
                public_dir=reports_root / name if public else None,
                raw_root=project_path(params.get("raw_root"), paths.RAW_DIR),
                clean_root=project_path(params.get("clean_root"), paths.CLEAN_DIR),
            )
        )
    with tempfile.TemporaryDirectory(prefix="complaints-run-") as log_dir:
        runner = _Runner(
            runs, kernel_name=kernel_name, jobs=jobs, force=force, progress=progress,
            log_dir=Path(log_dir),
        )  # fmt: skip
        try:
            for run in runs:
                if run.has_raw and not _input_already_read(runner, run):
                    # Bad input is refused in one line naming the file, table and line or
                    # cell, before anything is written.
                    from complaints.inputs.clean import extract_year

                    extract_year(run.year, run.raw_root)
            with _exclusive(reports_root, runner.progress):
                return runner.run()
        finally:
            runner.kernels.stop_all()


def _input_already_read(runner: _Runner, run: _Year) -> bool:
    """True when the previous run of the year read this very input with this very code (its
    cleaning notebook will be reused): it was good then, so it is not read again."""
    if runner.force or not run.writes_clean(0):
        return False
    try:
        manifest = json.loads((run.final_dir / "manifest.json").read_text(encoding="utf-8"))
        record = manifest["notebooks"][run.notebooks[0].name]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return record.get("cache_key") == runner.cache_key(run, 0)[0]
