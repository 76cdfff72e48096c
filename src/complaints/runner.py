"""Run a reporting year: execute the notebooks in order with papermill, export them with
nbconvert, and publish ``reports/<year>/`` only when the whole run has succeeded.

A run writes everything into ``reports/.staging/<year>/``. When every notebook has run, the
index page and the manifest are written there and the folder is swapped into
``reports/<year>/``. When a notebook fails, the executed notebooks (the failed one included) and
their HTML are moved to ``reports/<year>.failed/`` for diagnosis, and the previous complete
outputs are left exactly as they were.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from complaints import paths
from complaints.errors import InputError
from complaints.params import NOTEBOOK_PARAMETERS
from complaints.years import ReportingYear

KERNEL = "python3"
TEMPLATES_DIR = Path(__file__).parent / "templates"
# Packages whose versions the manifest records.
RECORDED_PACKAGES = (
    "complaints",
    "pandas",
    "great-expectations",
    "matplotlib",
    "seaborn",
    "afcharts",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
)


class RunError(Exception):
    """A notebook failed. The message names the notebook, the cell and where the evidence is."""


@dataclass
class RunResult:
    year: ReportingYear
    output_dir: Path
    notebooks: list[Path] = field(default_factory=list)
    manifest: Path | None = None


def list_notebooks(notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """The pipeline's notebooks in run order: ``NN_name.ipynb``, sorted by their number."""
    return sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))


def check_parameters(parameters: dict[str, object], notebooks: list[Path]) -> dict[str, object]:
    """Reject unknown or malformed parameters before anything runs.

    Every notebook must declare every parameter passed (papermill itself only warns), values
    must have the declared type, and the year must be a well-formed reporting year.
    """
    import papermill

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
    for notebook in notebooks:
        declared = papermill.inspect_notebook(str(notebook))
        missing = sorted(set(parameters) - set(declared))
        if missing:
            raise InputError(
                f"notebook {notebook.name} does not declare parameter(s) {', '.join(missing)}",
                hint="add them to its cell tagged 'parameters'",
            )
    return parameters


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git_state() -> dict[str, object]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=paths.PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def _versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _strip_volatile_metadata(notebook_path: Path) -> None:
    """Remove timings and machine-specific paths papermill and ipykernel record, so that two runs
    on the same inputs give byte-identical notebooks (the times are in the manifest)."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    for key in (
        "start_time",
        "end_time",
        "duration",
        "input_path",
        "output_path",
        "environment_variables",
        "version",
    ):
        pm.pop(key, None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id
        cell.metadata.pop("execution", None)
        cell_pm = cell.metadata.get("papermill")
        if cell_pm is not None:
            for key in ("start_time", "end_time", "duration"):
                cell_pm.pop(key, None)
    nbformat.write(nb, notebook_path)


def export_html(notebook_path: Path, html_dir: Path) -> list[Path]:
    """Export an executed notebook twice, with code (for auditors) and without (for readers),
    with a template that loads nothing from the internet."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook_path, as_version=4)
    html_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, exclude_code in ((".audit.html", False), (".html", True)):
        exporter = HTMLExporter(
            template_name="offline",
            extra_template_basedirs=[str(TEMPLATES_DIR)],
            exclude_input=exclude_code,
            exclude_input_prompt=exclude_code,
            exclude_output_prompt=exclude_code,
            embed_images=True,
        )
        body, _ = exporter.from_notebook_node(
            nb, resources={"metadata": {"name": notebook_path.stem}}
        )
        target = html_dir / f"{notebook_path.stem}{suffix}"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def _project_path(value: object, default: Path) -> Path:
    """A folder parameter as the notebooks will see it (relative paths are from the project)."""
    if not value:
        return default
    path = Path(str(value))
    return path if path.is_absolute() else paths.PROJECT_ROOT / path


def _check_input(year: ReportingYear, params: dict[str, object]) -> None:
    """Read the year's raw input before any notebook starts, so that bad input is refused with
    one line naming the file, table and line or cell, and nothing is written."""
    from complaints.clean import extract_year

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


def run_year(
    year: ReportingYear,
    *,
    parameters: dict[str, object] | None = None,
    reports_root: Path = paths.REPORTS_DIR,
    notebooks: list[Path] | None = None,
    kernel_name: str = KERNEL,
    progress: Callable[[str], None] = print,
) -> RunResult:
    """Execute every notebook for ``year`` and publish ``reports_root/<year>/`` atomically."""
    import papermill

    notebooks = notebooks if notebooks is not None else list_notebooks()
    if not notebooks:
        raise InputError("no notebooks found", file=_relative(paths.NOTEBOOKS_DIR))
    final_dir = reports_root / str(year)
    staging = reports_root / ".staging" / str(year)
    failed_dir = reports_root / f"{year}.failed"
    # Paths handed to notebooks are relative to the project root (the kernel's working
    # directory), so the executed notebooks record the same parameters on every machine.
    output_param = os.path.relpath(staging, paths.PROJECT_ROOT)
    params = {"year": str(year), **(parameters or {}), "output_dir": output_param}
    check_parameters(params, notebooks)
    _check_input(year, params)

    started = datetime.now(UTC)
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "notebooks").mkdir(parents=True)
    executed: list[Path] = []
    timings: dict[str, float] = {}
    for index, notebook in enumerate(notebooks, start=1):
        target = staging / "notebooks" / notebook.name
        progress(f"[{index}/{len(notebooks)}] {year}: running {notebook.name} ...")
        tick = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(notebook),
                str(target),
                parameters=params,
                kernel_name=kernel_name,
                cwd=str(paths.PROJECT_ROOT),
                progress_bar=False,
                log_output=False,
                report_mode=False,
            )
        except Exception as exc:
            if target.exists():
                _strip_volatile_metadata(target)
                export_html(target, staging / "html")
            if failed_dir.exists():
                shutil.rmtree(failed_dir)
            staging.rename(failed_dir)
            if not any(staging.parent.iterdir()):
                staging.parent.rmdir()
            kept = _relative(failed_dir / "notebooks" / notebook.name)
            raise RunError(
                f"{year}: notebook {notebook.name} failed in {_failed_cell(exc)}\n"
                f"  the executed notebook is kept at {kept} (and its HTML next to it);\n"
                f"  the previous outputs in {_relative(final_dir)}/ were not touched"
            ) from exc
        _strip_volatile_metadata(target)
        export_html(target, staging / "html")
        executed.append(target)
        timings[notebook.name] = round(time.perf_counter() - tick, 2)
        progress(
            f"[{index}/{len(notebooks)}] {year}: {notebook.name} done in "
            f"{timings[notebook.name]:.1f}s"
        )

    from complaints.publish import write_index

    write_index(staging, year, params, notebooks)
    finished = datetime.now(UTC)
    manifest = write_manifest(
        staging,
        year=year,
        parameters=params,
        notebooks=notebooks,
        started=started,
        finished=finished,
        timings=timings,
        raw_root=_project_path(params.get("raw_root"), paths.RAW_DIR),
    )
    _swap_in(staging, final_dir)
    if not any(staging.parent.iterdir()):
        staging.parent.rmdir()
    if failed_dir.exists():
        shutil.rmtree(failed_dir)
    progress(f"{year}: report written to {_relative(final_dir)}/ (open index.html)")
    return RunResult(
        year=year,
        output_dir=final_dir,
        notebooks=[final_dir / "notebooks" / p.name for p in executed],
        manifest=final_dir / manifest.name,
    )


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


def write_manifest(
    out_dir: Path,
    *,
    year: ReportingYear,
    parameters: dict[str, object],
    notebooks: list[Path],
    started: datetime,
    finished: datetime,
    timings: dict[str, float],
    raw_root: Path,
) -> Path:
    """``manifest.json``: inputs and outputs with their sha256, code version, parameters, times.

    Output paths are relative to ``out_dir`` so that ``sha256sum -c manifest.sha256`` run from
    the year's folder verifies them.
    """
    raw_folder = paths.raw_dir(year, raw_root)
    inputs = {_relative(p): _sha256(p) for p in sorted(raw_folder.rglob("*")) if p.is_file()}
    code_inputs = {
        _relative(p): _sha256(p)
        for p in [*notebooks, *sorted(paths.EXPECTATIONS_DIR.glob("*.json"))]
    }
    outputs = {
        p.relative_to(out_dir).as_posix(): _sha256(p)
        for p in sorted(out_dir.rglob("*"))
        if p.is_file() and p.name not in ("manifest.json", "manifest.sha256")
    }
    manifest = {
        "year": str(year),
        "parameters": parameters,
        "kernel": KERNEL,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "seconds_per_notebook": timings,
        "git": _git_state(),
        "versions": _versions(),
        "inputs": inputs,
        "code": code_inputs,
        "outputs": outputs,
    }
    target = out_dir / "manifest.json"
    target.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    # The same output hashes in the format `sha256sum -c` reads.
    (out_dir / "manifest.sha256").write_text(
        "".join(f"{digest}  {name}\n" for name, digest in outputs.items()), encoding="utf-8"
    )
    return target
