"""Repository hygiene: no personal data, no secrets and no notebook outputs in git.

The inputs of later years are case-level records about children and families; executed notebooks
carry the data they showed. Neither may reach git. This check fails when a file that git tracks
(or that a commit is about to add) is

* a data file (CSV, spreadsheet, Parquet, JSON, pickle, archive, text, ...) outside the few
  places where data is committed on purpose (:data:`ALLOWED_DATA`);
* anything under ``data/`` or ``reports/`` besides the published 2022-23 report text, the READMEs
  and the ``.gitkeep`` files that keep the folder skeleton;
* a notebook with outputs or execution counts (notebooks are committed stripped);
* a key or credentials file, or a text file holding a private key or an access token.

Run it over everything git tracks with ``python -m complaints.repo_check``, or over given files
(the pre-commit hook passes the files being committed). A file's content is read as it is staged
in git's index (what a commit records), or from the disk for a file git does not know.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

#: Suffixes of files that hold data (compound suffixes such as ``.csv.gz`` end in one of these).
DATA_SUFFIXES = frozenset(
    {
        ".csv",
        ".tsv",
        ".txt",
        ".dat",
        ".xlsx",
        ".xlsm",
        ".xls",
        ".ods",
        ".numbers",
        ".parquet",
        ".feather",
        ".arrow",
        ".orc",
        ".avro",
        ".pkl",
        ".pickle",
        ".joblib",
        ".npy",
        ".npz",
        ".h5",
        ".hdf5",
        ".json",
        ".jsonl",
        ".ndjson",
        ".xml",
        ".sqlite",
        ".sqlite3",
        ".db",
        ".duckdb",
        ".sav",
        ".dta",
        ".sas7bdat",
        ".rds",
        ".rdata",
        ".zip",
        ".gz",
        ".bz2",
        ".xz",
        ".7z",
        ".tar",
        ".pdf",
        ".doc",
        ".docx",
        ".msg",
        ".eml",
    }
)

#: The only places where data files are committed, each for a stated reason.
ALLOWED_DATA: dict[str, str] = {
    "data/raw/2022-23/": "the published 2022-23 report text (public, not case-level)",
    "tests/ground_truth/": "figures hand-typed from the published report, for the backtests",
    "expectations/": "the hand-written Great Expectations suites (JSON)",
    "src/complaints/templates/": "the HTML export template's configuration (conf.json)",
    "benchmarks/results.json": "the last benchmark's timings and machine (docs/performance.md)",
}

#: Besides the allowed data, what ``data/`` and ``reports/`` may hold in git: the skeleton.
SKELETON = frozenset({"data/raw/README.md", "reports/README.md"})

#: Files that hold keys or credentials, by name.
SECRET_NAMES = re.compile(
    r"(?:^\.env(?:\..+)?$|^\.netrc$|^\.pypirc$|^id_(?:rsa|dsa|ecdsa|ed25519)$|"
    r"\.(?:pem|key|p12|pfx|jks|keystore|kdbx)$|^credentials(?:\..+)?\.json$|"
    r"^client_secret.*\.json$|^service[-_]account.*\.json$)",
    re.IGNORECASE,
)
#: Secrets in a file's content: private keys and the token shapes of common services.
SECRET_CONTENT = re.compile(
    rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"
    rb"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"  # AWS access key id
    rb"|\bgh[pousr]_[A-Za-z0-9]{36,}\b"  # GitHub token
    rb"|\bgithub_pat_[A-Za-z0-9_]{60,}\b"
    rb"|\bxox[abposr]-[A-Za-z0-9-]{10,}\b"  # Slack token
    rb"|\bsk-[A-Za-z0-9]{32,}\b"  # API secret keys of the sk-... shape
    rb"|\bAIza[0-9A-Za-z_-]{35}\b"  # Google API key
)


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def _allowed_data(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in ALLOWED_DATA)


def _is_data(path: PurePosixPath) -> bool:
    return any(suffix.lower() in DATA_SUFFIXES for suffix in path.suffixes[-2:])


def check_path(path: str) -> list[Problem]:
    """Problems a file has by its name and place alone."""
    pure = PurePosixPath(path)
    problems = []
    top = pure.parts[0] if pure.parts else ""
    if SECRET_NAMES.search(pure.name):
        problems.append(Problem(path, "a key or credentials file: never commit secrets"))
    if top in ("data", "reports"):
        if not (_allowed_data(path) or path in SKELETON or pure.name == ".gitkeep"):
            where = "a run's output" if top == "reports" else "an input or derived data file"
            problems.append(
                Problem(
                    path,
                    f"{where} under {top}/: only the published 2022-23 report text, the READMEs "
                    "and .gitkeep files are committed there",
                )
            )
    elif _is_data(pure) and not _allowed_data(path):
        problems.append(
            Problem(
                path,
                f"a data file ({''.join(pure.suffixes[-2:])}) outside the places data is "
                f"committed ({', '.join(ALLOWED_DATA)})",
            )
        )
    return problems


def notebook_outputs(content: bytes) -> str | None:
    """Why a notebook may not be committed as it is (outputs kept), or ``None``."""
    try:
        notebook = json.loads(content)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError):
        return "not a notebook that can be read (invalid JSON)"
    with_outputs = [
        i
        for i, cell in enumerate(cells, start=1)
        if cell.get("cell_type") == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    if not with_outputs:
        return None
    shown = ", ".join(str(i) for i in with_outputs[:5]) + (" ..." if len(with_outputs) > 5 else "")
    return (
        f"a notebook with outputs or execution counts (cell(s) {shown}): outputs carry data; "
        "strip them (nbstripout) before committing"
    )


def check_content(path: str, content: bytes) -> list[Problem]:
    """Problems a file has by what it holds."""
    problems = []
    if path.endswith(".ipynb") and (why := notebook_outputs(content)):
        problems.append(Problem(path, why))
    if match := SECRET_CONTENT.search(content):
        line = content[: match.start()].count(b"\n") + 1
        problems.append(Problem(path, f"line {line} holds what looks like a private key or token"))
    return problems


def check_files(
    files: Iterable[str], read: Callable[[str], bytes | None] | None = None
) -> list[Problem]:
    """Every problem of ``files`` (paths relative to the repository, POSIX style); ``read``
    gives a file's content (``None`` when it cannot be read: only its name is checked)."""
    problems = []
    for path in sorted(set(files)):
        problems.extend(check_path(path))
        content = read(path) if read is not None else None
        if content is not None:
            problems.extend(check_content(path, content))
    return problems


# git ---------------------------------------------------------------------------------------------


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", *args], cwd=root, input=stdin, capture_output=True, check=True
    ).stdout


def repository_root(start: Path | None = None) -> Path:
    return Path(_git(start or Path.cwd(), "rev-parse", "--show-toplevel").decode().strip())


def tracked_files(root: Path) -> list[str]:
    """Every file in git's index (what the next commit will hold)."""
    return [p for p in _git(root, "ls-files", "-z").decode().split("\0") if p]


def index_reader(root: Path) -> Callable[[str], bytes | None]:
    """Read a file as staged in git's index, or from the disk if git does not have it."""

    def read(path: str) -> bytes | None:
        try:
            return _git(root, "cat-file", "blob", f":{path}")
        except subprocess.CalledProcessError:
            target = root / path
            return target.read_bytes() if target.is_file() else None

    return read


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = repository_root()
    if args:
        cwd = Path.cwd().resolve()
        files = [(cwd / a).resolve().relative_to(root.resolve()).as_posix() for a in args]
    else:
        files = tracked_files(root)
    problems = check_files(files, index_reader(root))
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"repository hygiene: {len(problems)} problem(s) in {len(files)} file(s) checked. "
            "Take a file out of git with `git rm --cached <file>` (it stays on disk); year "
            "inputs belong in data/raw/<year>/, which git ignores.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
