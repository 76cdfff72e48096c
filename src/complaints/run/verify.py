"""``complaints verify reports/<year>``: does a published report still match its manifest, and
does it still come out of its recorded inputs, byte for byte?

:func:`check_report` compares every file with the manifest (missing, changed or extra files),
and the recorded inputs, notebooks, expectation suites, package code, package versions and
clean tables with what is there now. :func:`rerun_report` rebuilds the report from the
recorded inputs and parameters into a temporary folder (the store of clean tables copied, so
nothing published or held is written) and compares what must come out the same: tables,
charts, validation results, trends and the clean tables; a CSV that differs is told by its
cells. Each problem is one line; none means the report is verified.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from complaints import paths
from complaints.run.cache import file_sha256, folder_hashes, package_code_hash, package_versions
from complaints.years import ReportingYear

#: What a rebuild must reproduce byte for byte (folders of the report). Executed notebooks,
#: their HTML and the index record the rebuild's own folders and times, so they are not compared.
REPRODUCIBLE = ("tables", "charts", "validation", "trends")
#: How many differing cells of one CSV are named.
MAX_CELLS = 5
_MANIFEST_FILES = ("manifest.json", "manifest.sha256")


def read_manifest(report_dir: Path) -> dict:
    """The report's ``manifest.json``; a missing or unreadable one raises ``ValueError``."""
    path = report_dir / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{paths.relative_to_project(path)} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{paths.relative_to_project(path)} cannot be read: {exc}") from None


def _compare(recorded: dict[str, str], found: dict[str, str], where: str) -> list[str]:
    problems = []
    for name in sorted(set(recorded) | set(found)):
        if name not in found:
            problems.append(f"missing: {where}{name} (in the manifest, not on disk)")
        elif name not in recorded:
            problems.append(f"extra: {where}{name} (not in the manifest)")
        elif found[name] != recorded[name]:
            problems.append(f"changed: {where}{name} (its sha256 is not the manifest's)")
    return problems


def check_report(report_dir: Path) -> list[str]:
    """Every way the report differs from its manifest, or its recorded sources from today's."""
    manifest = read_manifest(report_dir)
    found = folder_hashes(report_dir)
    for name in _MANIFEST_FILES:
        found.pop(name, None)
    problems = _compare(manifest.get("outputs", {}), found, "")
    for name, digest in {**manifest.get("inputs", {}), **manifest.get("code", {})}.items():
        path = paths.PROJECT_ROOT / name
        if not path.is_file():
            problems.append(f"source missing: {name} (the run read it; it is gone)")
        elif file_sha256(path) != digest:
            problems.append(f"source changed: {name} (it differs from what the run read)")
    recorded_code = manifest.get("cache", {}).get("package_code")
    if recorded_code and recorded_code != package_code_hash():
        problems.append("code changed: the package (src/complaints) differs from the run's")
    now = package_versions()
    for name, version in manifest.get("versions", {}).items():
        if now.get(name) != version:
            problems.append(f"version changed: {name} {version} at the run, {now.get(name)} now")
    clean = next(
        (r["clean"] for r in manifest.get("notebooks", {}).values() if r.get("clean")), None
    )
    if clean is not None:
        year = ReportingYear.parse(manifest["year"])
        clean_root = _project_path(
            manifest.get("parameters", {}).get("clean_root"), paths.CLEAN_DIR
        )
        folder = paths.clean_dir(year, clean_root)
        problems += _compare(clean, folder_hashes(folder), f"{paths.relative_to_project(folder)}/")
    return problems


def _project_path(value: object, default: Path) -> Path:
    if not value:
        return default
    path = Path(str(value))
    return path if path.is_absolute() else paths.PROJECT_ROOT / path


def _csv_cells(name: str, recorded: bytes, rebuilt: bytes) -> list[str]:
    """The cells in which two versions of a CSV differ, named by row and column."""
    old = list(csv.reader(io.StringIO(recorded.decode("utf-8"))))
    new = list(csv.reader(io.StringIO(rebuilt.decode("utf-8"))))
    header = old[0] if old else []
    if not old or not new or old[0] != new[0]:
        return [f"differs on rerun: {name}: the columns are not the same"]
    if len(old) != len(new):
        return [
            f"differs on rerun: {name}: {len(old) - 1} rows in the report, {len(new) - 1} rebuilt"
        ]
    cells = [
        f"differs on rerun: {name}: row {r}, column {header[c]!r}: {a!r} in the report, "
        f"{b!r} rebuilt"
        for r, (row_a, row_b) in enumerate(zip(old[1:], new[1:], strict=True), start=1)
        for c, (a, b) in enumerate(zip(row_a, row_b, strict=False))
        if a != b
    ]
    more = len(cells) - MAX_CELLS
    return cells[:MAX_CELLS] + (
        [f"differs on rerun: {name}: and {more} more cells"] if more > 0 else []
    )


def _differences(
    recorded_dir: Path, rebuilt_dir: Path, folders: tuple[str, ...], where: str
) -> list[str]:
    recorded = {k: v for k, v in folder_hashes(recorded_dir).items() if k.split("/")[0] in folders}
    rebuilt = {k: v for k, v in folder_hashes(rebuilt_dir).items() if k.split("/")[0] in folders}
    problems: list[str] = []
    for name in sorted(set(recorded) | set(rebuilt)):
        if name not in rebuilt:
            problems.append(f"differs on rerun: {where}{name} is not rebuilt")
        elif name not in recorded:
            problems.append(f"differs on rerun: {where}{name} is rebuilt but not in the report")
        elif rebuilt[name] != recorded[name] and name.endswith(".csv"):
            old, new = (recorded_dir / name).read_bytes(), (rebuilt_dir / name).read_bytes()
            problems += _csv_cells(where + name, old, new)
        elif rebuilt[name] != recorded[name]:
            problems.append(f"differs on rerun: {where}{name} (its bytes differ)")
    return problems


def rerun_report(report_dir: Path, progress: Callable[[str], None] = print) -> list[str]:
    """Rebuild the report from its recorded inputs and parameters in a temporary folder and name
    every reproducible file that does not come out the same."""
    from complaints.run.runner import RunError, run_year

    manifest = read_manifest(report_dir)
    year = ReportingYear.parse(manifest["year"])
    recorded = dict(manifest.get("parameters", {}))
    clean_root = _project_path(recorded.get("clean_root"), paths.CLEAN_DIR)
    parameters = {k: v for k, v in recorded.items() if k not in ("year", "output_dir")}
    if manifest.get("edition"):
        parameters["edition"] = manifest["edition"]
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
        problems = _differences(report_dir, result.output_dir, REPRODUCIBLE, "")
        clean = next(
            (r["clean"] for r in manifest.get("notebooks", {}).values() if r.get("clean")), None
        )
        if clean is not None:
            rebuilt = folder_hashes(paths.clean_dir(year, store))
            folder = paths.relative_to_project(paths.clean_dir(year, clean_root))
            problems += [
                f"differs on rerun: {folder}/{name} (the clean table does not come out the same)"
                for name in sorted(set(clean) | set(rebuilt))
                if clean.get(name) != rebuilt.get(name)
            ]
    return problems
