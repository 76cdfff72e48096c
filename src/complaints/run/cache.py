"""What a notebook's result depends on (:data:`NOTEBOOK_READS`), content hashes, and the
manifest that proves a published report (:func:`write_manifest`, :func:`verify_report`)."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from complaints import paths

#: The package's code: a change to any file here re-executes every notebook.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
MANIFEST_FILES = ("manifest.json", "manifest.sha256")


@dataclass(frozen=True)
class Reads:
    """What a notebook reads besides its source, parameters, kernel, the package code and
    versions (which every cache key holds), and what it writes: notebooks of a year that do not
    read what the other writes may run at the same time."""

    raw: bool = False  # raw_root/<year>/, every file
    store: bool = False  # clean_root/<every year>/ (complaints.inputs.store.load_store)
    store_without_raw: bool = False  # the store, when the year has no raw input of its own
    expectations: bool = False  # expectations/*.json
    outputs_of: tuple[str, ...] = ()  # earlier notebooks whose outputs it reads ("*": all)
    writes: tuple[str, ...] | None = None  # its folders of the output folder (None: runs alone)
    # It writes clean_root/<year>/: store readers wait for it, and when it is reused those
    # files must still be the ones it wrote.
    writes_clean: bool = False
    preload: tuple[str, ...] = ()  # what its kernel imports first, if it imports the package


#: The one place the notebooks' inputs are declared (by notebook stem).
NOTEBOOK_READS: dict[str, Reads] = {
    # A year with no input of its own is gathered from the figures other reports restate.
    "01_clean": Reads(
        raw=True,
        store_without_raw=True,
        writes_clean=True,
        writes=(),
        preload=("complaints.inputs.clean", "complaints.inputs.store"),
    ),
    "02_validate": Reads(
        store=True,
        expectations=True,
        writes=("validation",),
        preload=("complaints.checks.validation", "great_expectations"),
    ),
    # It reads the data-quality notes 02 wrote (validation/notes.csv).
    "03_report": Reads(
        store=True,
        expectations=True,
        outputs_of=("02_validate",),
        writes=("tables", "charts"),
        preload=("complaints.outputs.presentation", "complaints.outputs.charts"),
    ),
    "04_trends": Reads(
        store=True,
        writes=("trends",),
        preload=("complaints.outputs.trends", "complaints.outputs.charts"),
    ),
}
#: A notebook not declared above is assumed to read everything, earlier outputs included.
READS_EVERYTHING = Reads(raw=True, store=True, expectations=True, outputs_of=("*",), writes=None)


def reads_of(notebook: Path, declared: dict[str, Reads] | None = None) -> Reads:
    return (NOTEBOOK_READS if declared is None else declared).get(notebook.stem, READS_EVERYTHING)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def folder_hashes(folder: Path, *, skip_top: Iterable[str] = ()) -> dict[str, str]:
    """Every file under ``folder`` (relative POSIX path: sha256); empty if there is no folder."""
    skip = set(skip_top)
    return {
        rel: file_sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (rel := p.relative_to(folder).as_posix()).split("/")[0] not in skip
    }


def report_hashes(report_dir: Path) -> dict[str, str]:
    """The files of a report that its manifest lists (all but the manifest's own)."""
    return {k: v for k, v in folder_hashes(report_dir).items() if k not in MANIFEST_FILES}


def expectation_hashes() -> dict[str, str]:
    return {p.name: file_sha256(p) for p in sorted(paths.EXPECTATIONS_DIR.glob("*.json"))}


def package_code_hash() -> str:
    """One hash of every file of the package (compiled files aside)."""
    hashes = folder_hashes(PACKAGE_DIR)
    return json_digest({k: v for k, v in hashes.items() if not k.endswith(".pyc")})


def store_hashes(clean_root: Path) -> dict[str, str]:
    """Every file of every year's clean folder (what ``inputs.store.load_store`` reads)."""
    return {
        f"{year}/{rel}": digest
        for year in paths.years_held(clean_root)
        for rel, digest in folder_hashes(paths.clean_dir(year, clean_root)).items()
    }


def unclaimed_outputs(manifest: dict) -> list[str]:
    """Files of a published report that no notebook's record claims (the index page aside):
    they would be lost if every notebook were reused, so nothing is reused."""
    claimed = {"index.html", "caveats.html"}  # written by the runner itself
    for record in (manifest.get("notebooks") or {}).values():
        claimed.update(record.get("outputs") or [])
    return sorted(set(manifest.get("outputs") or {}) - claimed)


def differing(recorded: dict[str, str], found: dict[str, str]) -> list[str]:
    """The names whose digest differs between two ``{name: sha256}`` (or is in one only)."""
    return sorted(k for k in {*recorded, *found} if recorded.get(k) != found.get(k))


def json_digest(value: object) -> str:
    """The sha256 of a JSON value, keys sorted: what cache keys are made of."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_manifest(report_dir: Path) -> dict:
    """The report's ``manifest.json``; a missing or unreadable one raises ``ValueError``."""
    path = report_dir / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{paths.relative_to_project(path)} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{paths.relative_to_project(path)} cannot be read: {exc}") from None


def verify_report(report_dir: Path) -> tuple[dict | None, str]:
    """The manifest of a published report if every file still matches it (and no file was
    added), else ``None``, with a sentence saying why."""
    if not (report_dir / "manifest.json").is_file():
        return None, "no previous report"
    try:
        recorded = dict((manifest := read_manifest(report_dir))["outputs"])
    except (ValueError, KeyError, TypeError):
        return None, "the previous report's manifest cannot be read"
    if changed := differing(recorded, report_hashes(report_dir)):
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        return None, f"the previous report no longer matches its manifest ({changed[0]}{more})"
    return manifest, "previous report intact"


def git_state() -> dict[str, object]:
    """The project's commit and whether tracked files differ from it (``None`` without git)."""
    run = functools.partial(
        subprocess.check_output, cwd=paths.PROJECT_ROOT, text=True, stderr=subprocess.DEVNULL
    )
    try:
        commit = run(["git", "rev-parse", "HEAD"]).strip()
        return {"commit": commit, "dirty": bool(run(["git", "status", "--porcelain", "-uno"]))}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def package_versions() -> dict[str, str]:
    """Python's version, the package's, and those of its runtime dependencies."""
    requires = [r for r in metadata.requires("complaints") or [] if "extra ==" not in r]
    versions = {"python": sys.version.split()[0]}
    for name in ["complaints", *(re.split(r"[\s=<>!~;\[]", r, maxsplit=1)[0] for r in requires)]:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def write_manifest(out_dir: Path, fields: dict, raw_folder: Path, notebooks: list[Path]) -> dict:
    """Write ``manifest.json`` (``fields``, then the inputs, code and outputs with their sha256)
    and ``manifest.sha256`` (the outputs, as ``sha256sum -c`` reads them); returns the former."""
    relative = paths.relative_to_project
    outputs = report_hashes(out_dir)
    code = [*notebooks, *sorted(paths.EXPECTATIONS_DIR.glob("*.json"))]
    manifest = {
        **fields,
        "inputs": {relative(raw_folder / k): v for k, v in folder_hashes(raw_folder).items()},
        "code": {relative(p): file_sha256(p) for p in code},
        "outputs": outputs,
    }
    text = json.dumps(manifest, indent=2) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8")
    (out_dir / "manifest.sha256").write_text(
        "".join(f"{digest}  {name}\n" for name, digest in outputs.items()), encoding="utf-8"
    )
    return manifest
