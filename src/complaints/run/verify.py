"""``complaints verify reports/<year>``: does a published report still match its manifest
(:func:`check_report`), and does it still come out of its recorded inputs, byte for byte
(:func:`rerun_report`, in a temporary folder with a copy of the store)? Each problem is one
line; none means the report is verified.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from complaints import paths
from complaints.params import project_path
from complaints.run import cache
from complaints.run.cache import differing, file_sha256, folder_hashes, read_manifest, report_hashes
from complaints.years import ReportingYear

#: What a rebuild must reproduce byte for byte (folders of the report). Executed notebooks,
#: their HTML and the index record the rebuild's own folders and times, so they are not compared.
REPRODUCIBLE = ("tables", "charts", "validation", "trends")
#: How many differing cells of one CSV are named.
MAX_CELLS = 5


def _compare(recorded: dict[str, str], found: dict[str, str], where: str) -> list[str]:
    return [
        f"missing: {where}{name} (in the manifest, not on disk)"
        if name not in found
        else f"extra: {where}{name} (not in the manifest)"
        if name not in recorded
        else f"changed: {where}{name} (its sha256 is not the manifest's)"
        for name in differing(recorded, found)
    ]


def check_report(report_dir: Path) -> list[str]:
    """Every way the report differs from its manifest, or its recorded sources from today's."""
    manifest = read_manifest(report_dir)
    problems = _compare(manifest.get("outputs", {}), report_hashes(report_dir), "")
    for name, digest in {**manifest.get("inputs", {}), **manifest.get("code", {})}.items():
        path = paths.PROJECT_ROOT / name
        if not path.is_file():
            problems.append(f"source missing: {name} (the run read it; it is gone)")
        elif file_sha256(path) != digest:
            problems.append(f"source changed: {name} (it differs from what the run read)")
    recorded_code = manifest.get("cache", {}).get("package_code")
    if recorded_code and recorded_code != cache.package_code_hash():
        problems.append("code changed: the package (src/complaints) differs from the run's")
    now = cache.package_versions()
    for name, version in manifest.get("versions", {}).items():
        if now.get(name) != version:
            problems.append(f"version changed: {name} {version} at the run, {now.get(name)} now")
    year, clean_root, clean = _recorded_store(manifest)
    if clean is not None:
        folder = paths.clean_dir(year, clean_root)
        problems += _compare(clean, folder_hashes(folder), f"{paths.relative_to_project(folder)}/")
    return problems


def _recorded_store(manifest: dict) -> tuple[ReportingYear, Path, dict[str, str] | None]:
    """The report's year, the store it read and the clean tables' hashes it recorded."""
    clean_root = project_path(manifest.get("parameters", {}).get("clean_root"), paths.CLEAN_DIR)
    records = manifest.get("notebooks", {}).values()
    clean = next((r["clean"] for r in records if r.get("clean")), None)
    return ReportingYear.parse(manifest["year"]), clean_root, clean


def _csv_cells(name: str, recorded_dir: Path, rebuilt_dir: Path) -> list[str]:
    """The cells in which two versions of a CSV differ, named by row and column."""
    old, new = (
        list(csv.reader(io.StringIO((d / name).read_bytes().decode("utf-8"))))
        for d in (recorded_dir, rebuilt_dir)
    )
    if not old or not new or old[0] != new[0]:
        return [f"differs on rerun: {name}: the columns are not the same"]
    if len(old) != len(new):
        return [
            f"differs on rerun: {name}: {len(old) - 1} rows in the report, {len(new) - 1} rebuilt"
        ]
    cells = [
        f"differs on rerun: {name}: row {r}, column {old[0][c]!r}: {a!r} in the report, "
        f"{b!r} rebuilt"
        for r, (row_a, row_b) in enumerate(zip(old[1:], new[1:], strict=True), start=1)
        for c, (a, b) in enumerate(zip(row_a, row_b, strict=False))
        if a != b
    ]
    if (more := len(cells) - MAX_CELLS) > 0:
        cells[MAX_CELLS:] = [f"differs on rerun: {name}: and {more} more cells"]
    return cells


def _differences(recorded_dir: Path, rebuilt_dir: Path) -> list[str]:
    """The reproducible files of the report that the rebuild does not give byte for byte."""
    recorded, rebuilt = (
        {k: v for k, v in folder_hashes(d).items() if k.split("/")[0] in REPRODUCIBLE}
        for d in (recorded_dir, rebuilt_dir)
    )
    problems: list[str] = []
    for name in differing(recorded, rebuilt):
        if name not in rebuilt:
            problems.append(f"differs on rerun: {name} is not rebuilt")
        elif name not in recorded:
            problems.append(f"differs on rerun: {name} is rebuilt but not in the report")
        elif name.endswith(".csv"):
            problems += _csv_cells(name, recorded_dir, rebuilt_dir)
        else:
            problems.append(f"differs on rerun: {name} (its bytes differ)")
    return problems


def rerun_report(report_dir: Path, progress: Callable[[str], None] = print) -> list[str]:
    """Rebuild the report from its recorded inputs and parameters in a temporary folder and name
    every reproducible file that does not come out the same."""
    from complaints.run.runner import RunError, run_year

    manifest = read_manifest(report_dir)
    year, clean_root, clean = _recorded_store(manifest)
    recorded = manifest.get("parameters", {})  # the edition among them
    parameters = {k: v for k, v in recorded.items() if k not in ("year", "output_dir")}
    with tempfile.TemporaryDirectory(prefix="complaints-verify-") as tmp:
        store = Path(tmp) / "clean"
        if clean_root.is_dir():
            shutil.copytree(clean_root, store, ignore=shutil.ignore_patterns(".*"))
        parameters["clean_root"] = str(store)
        try:
            result = run_year(
                year,
                parameters=parameters,
                reports_root=Path(tmp) / "reports",
                force=True,
                progress=lambda line: progress(f"rerun: {line}"),
            )
        except RunError as exc:
            return [f"differs on rerun: the rebuild failed: {exc}"]
        problems = _differences(report_dir, result.output_dir)
        if clean is not None:
            rebuilt = folder_hashes(paths.clean_dir(year, store))
            folder = paths.relative_to_project(paths.clean_dir(year, clean_root))
            problems += [
                f"differs on rerun: {folder}/{name} (the clean table does not come out the same)"
                for name in differing(clean, rebuilt)
            ]
    return problems
