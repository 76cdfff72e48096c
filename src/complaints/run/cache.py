"""What a notebook's result depends on, and the records that prove a published report.

* What each notebook reads, declared once (:data:`NOTEBOOK_READS`, :class:`Reads`).
* Content hashes: files, folders, the clean store, the package's code
  (:func:`package_code_hash`), and the digest a cache key is made of (:func:`json_digest`).
* A published report's manifest: written by :func:`write_manifest`, checked against the files
  by :func:`verify_report` before anything is reused from it.

The runner (:mod:`complaints.run.runner`) builds each notebook's cache key from these and decides
whether the notebook is executed again or reused.
"""

from __future__ import annotations

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
# What each notebook reads ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reads:
    """What a notebook reads, besides what every cache key holds: the notebook's own source,
    its parameters, the kernel, the package code and the package versions.

    ``outputs_of`` names earlier notebooks of the same year whose files in the output folder
    it reads (``"*"``: every earlier notebook). ``writes``: the folders of the output folder it
    writes into (``None``: unknown, so it runs alone, after every earlier notebook of its year
    and before every later one). ``writes_clean``: it writes ``clean_root/<year>/`` (outside
    the report folder); when it is reused, those files must still be the ones it wrote, and
    notebooks that read the store wait for it. ``preload``: modules its kernel imports as it
    starts, while the notebook before it still runs (:func:`complaints.run.kernels.start_kernel`),
    if the notebook imports the package; they change how long it takes, not what it gives.

    Notebooks of a year that do not depend on each other (neither reads what the other writes)
    may run at the same time.
    """

    raw: bool = False  # raw_root/<year>/, every file
    store: bool = False  # clean_root/<every year>/, every file (complaints.inputs.store.load_store)
    store_without_raw: bool = False  # the store, when the year has no raw input of its own
    expectations: bool = False  # expectations/*.json
    outputs_of: tuple[str, ...] = ()
    writes: tuple[str, ...] | None = None
    writes_clean: bool = False
    preload: tuple[str, ...] = ()


#: The one place the notebooks' inputs are declared (by notebook stem).
NOTEBOOK_READS: dict[str, Reads] = {
    # Cleans raw_root/<year>/ into clean_root/<year>/; a year with no input of its own is
    # gathered from the figures other reports restate (complaints.inputs.store.prepare_year).
    "01_clean": Reads(
        raw=True,
        store_without_raw=True,
        writes_clean=True,
        writes=(),
        preload=("complaints.inputs.clean", "complaints.inputs.store"),
    ),
    # Validates the year against the whole store (figures two reports give differently).
    "02_validate": Reads(
        store=True,
        expectations=True,
        writes=("validation",),
        preload=("complaints.checks.validation", "great_expectations"),
    ),
    # Tables and charts from the store; the data-quality notes 02 wrote (validation/notes.csv).
    "03_report": Reads(
        store=True,
        expectations=True,
        outputs_of=("02_validate",),
        writes=("tables", "charts"),
        preload=("complaints.outputs.presentation", "complaints.outputs.charts"),
    ),
    # Every year's headline series, from the store.
    "04_trends": Reads(
        store=True,
        writes=("trends",),
        preload=("complaints.outputs.trends", "complaints.outputs.charts"),
    ),
}
#: A notebook not declared above is assumed to read everything, earlier outputs included.
READS_EVERYTHING = Reads(raw=True, store=True, expectations=True, outputs_of=("*",), writes=None)


def reads_of(notebook: Path, declared: dict[str, Reads] | None = None) -> Reads:
    declared = NOTEBOOK_READS if declared is None else declared
    return declared.get(notebook.stem, READS_EVERYTHING)


# Content hashes --------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes (hexadecimal)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def folder_hashes(folder: Path, *, skip_top: Iterable[str] = ()) -> dict[str, str]:
    """Every file under ``folder`` (relative POSIX path: sha256); empty if there is no folder."""
    skip = set(skip_top)
    if not folder.is_dir():
        return {}
    return {
        rel: file_sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (rel := p.relative_to(folder).as_posix()).split("/")[0] not in skip
    }


def package_code_hash(root: Path | None = None) -> str:
    """One hash of every file of the package (``src/complaints/**``, compiled files aside)."""
    hashes = folder_hashes(PACKAGE_DIR if root is None else root)
    return json_digest({k: v for k, v in hashes.items() if not k.endswith(".pyc")})


def store_hashes(clean_root: Path) -> dict[str, str]:
    """Every file of every year's clean folder: what
    :func:`complaints.inputs.store.load_store` reads."""
    hashes: dict[str, str] = {}
    for year in paths.years_held(clean_root):
        folder = paths.clean_dir(year, clean_root)
        hashes.update({f"{year}/{k}": v for k, v in folder_hashes(folder).items()})
    return hashes


def unclaimed_outputs(manifest: dict) -> list[str]:
    """Files of a published report that no notebook's record claims (the index page aside):
    they would be lost if every notebook were reused, so nothing is reused."""
    claimed = {"index.html"}
    for record in (manifest.get("notebooks") or {}).values():
        claimed.update(record.get("outputs") or [])
    return sorted(set(manifest.get("outputs") or {}) - claimed)


def json_digest(value: object) -> str:
    """The sha256 of a JSON value, keys sorted: what cache keys are made of."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify_report(report_dir: Path) -> tuple[dict | None, str]:
    """The manifest of a published report if every file still matches it (and no file was
    added), else ``None``, with a sentence saying why."""
    manifest_path = report_dir / "manifest.json"
    if not manifest_path.is_file():
        return None, "no previous report"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        recorded = dict(manifest["outputs"])
    except (ValueError, KeyError, TypeError):
        return None, "the previous report's manifest cannot be read"
    found = folder_hashes(report_dir)
    for name in ("manifest.json", "manifest.sha256"):
        found.pop(name, None)
    if found != recorded:
        changed = sorted(set(found) ^ set(recorded)) or sorted(
            k for k in found if found[k] != recorded[k]
        )
        return None, (
            f"the previous report no longer matches its manifest ({changed[0]}"
            f"{f' and {len(changed) - 1} more' if len(changed) > 1 else ''})"
        )
    return manifest, "previous report intact"


# Manifests -------------------------------------------------------------------------------------


def git_state() -> dict[str, object]:
    """The project's commit and whether tracked files differ from it (``None`` without git)."""

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


def package_versions() -> dict[str, str]:
    """Python's version, the package's, and those of the packages it depends on (the runtime
    dependencies pinned in pyproject.toml): what the manifest records and the cache key holds."""
    try:
        requires = [r for r in metadata.requires("complaints") or [] if "extra ==" not in r]
    except metadata.PackageNotFoundError:
        requires = []
    versions = {"python": sys.version.split()[0]}
    for name in ["complaints", *(re.split(r"[\s=<>!~;\[]", r, maxsplit=1)[0] for r in requires)]:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def write_manifest(
    out_dir: Path, fields: dict[str, object], *, raw_folder: Path, notebooks: list[Path]
) -> Path:
    """``manifest.json``: ``fields`` (year, parameters, times, code version, and per notebook
    its cache key, whether it was executed or reused, and why), then the inputs and outputs
    with their sha256; and ``manifest.sha256``, the same output hashes as ``sha256sum -c``
    reads them from ``out_dir``."""
    relative = paths.relative_to_project
    outputs = {
        p.relative_to(out_dir).as_posix(): file_sha256(p)
        for p in sorted(out_dir.rglob("*"))
        if p.is_file() and p.name not in ("manifest.json", "manifest.sha256")
    }
    manifest = {
        **fields,
        "inputs": {
            relative(p): file_sha256(p) for p in sorted(raw_folder.rglob("*")) if p.is_file()
        },
        "code": {
            relative(p): file_sha256(p)
            for p in [*notebooks, *sorted(paths.EXPECTATIONS_DIR.glob("*.json"))]
        },
        "outputs": outputs,
    }
    target = out_dir / "manifest.json"
    target.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out_dir / "manifest.sha256").write_text(
        "".join(f"{digest}  {name}\n" for name, digest in outputs.items()), encoding="utf-8"
    )
    return target
