"""Helpers shared by the runner's tests: small notebooks, folder hashes, manifest checks."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import nbformat

PARAMETERS_CELL = (
    'year: str = "2022-23"  # reporting year, April to March\n'
    'raw_root: str = ""  # raw inputs, one folder a year; empty means data/raw\n'
    'clean_root: str = ""  # clean tables, one folder a year; empty means a scratch copy\n'
    'output_dir: str = ""  # this year\'s outputs; empty means a scratch folder'
)


def assert_sha256sum_verifies(folder: Path) -> None:
    """``sha256sum -c --strict manifest.sha256`` passes from ``folder``, as a user runs it."""
    check = subprocess.run(
        ["sha256sum", "-c", "--strict", "manifest.sha256"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def make_notebook(path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMETERS_CELL)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A test notebook"),
        params,
        nbformat.v4.new_code_cell(
            "from pathlib import Path\n"
            "out = Path(output_dir)\n"
            "(out / 'tables').mkdir(parents=True, exist_ok=True)"
        ),
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
