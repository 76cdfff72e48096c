"""No personal data, no secrets and no notebook outputs in git: the pre-commit hooks as configured
(.pre-commit-config.yaml), run by pre-commit itself in temporary git repositories, pass on what
the project's git tracks and refuse each kind of file they must keep out; .gitignore keeps later
years' inputs and every run's outputs out in the first place."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from complaints import paths

pytestmark = pytest.mark.slow  # runs pre-commit on temporary repositories

ROOT = paths.PROJECT_ROOT
PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))


def notebook(with_outputs: bool) -> bytes:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('Parent, COM/00001162')")
    if with_outputs:
        cell.execution_count = 1
        cell.outputs = [nbformat.v4.new_output("stream", text="Parent, COM/00001162\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# Notes"), cell]
    return nbformat.writes(nb).encode()


# Built from pieces, so that this file does not itself hold what the hooks look for.
PRIVATE_KEY = b"-----BEGIN " + b"RSA PRIVATE KEY-----\nMIIEow...\n"
AWS_KEY = b"aws_access_key_id = AKIA" + b"ABCDEFGHIJKLMNOP\n"
GITHUB_TOKEN = b"token: ghp_" + b"a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\n"
LARGE = b"x" * 700_000  # check-added-large-files refuses what is over 600 kB

DATA = "data-files-in-their-places"
SKELETON = "data-and-reports-skeleton"
#: Each file that may not be committed, what it holds, and the hooks that refuse it.
REFUSED: list[tuple[str, bytes, set[str]]] = [
    ("data/raw/2023-24/complaints-2023-24.xlsx", b"PK\x03\x04", {DATA, SKELETON}),
    ("data/raw/2023-24/README.md", b"# Inputs", {SKELETON}),
    ("data/clean/2022-23/learning_from_complaints.csv", b"case_id\n", {DATA, SKELETON}),
    ("reports/2022-23/tables/key_facts.csv", b"a,b\n", {DATA, SKELETON}),
    ("reports/2022-23/notebooks/01_clean.ipynb", notebook(True), {SKELETON, "nbstripout"}),
    ("cases.csv", b"case_id,summary\n", {DATA}),
    ("analysis/extract.json", b'[{"case": 1}]', {DATA}),
    ("notebooks/scratch/cases.parquet", b"PAR1", {DATA}),
    ("src/complaints/lookup.pkl", b"\x80\x04", {DATA}),
    ("docs/export.csv.gz", b"\x1f\x8b", {DATA}),
    ("tests/fixtures/complainants.xlsx", b"PK\x03\x04", {DATA}),
    ("notebooks/01_clean.ipynb", notebook(with_outputs=True), {"nbstripout"}),
    (".env", b"PASSWORD=hunter2\n", {"no-credentials-files"}),
    ("deploy/server.pem", b"", {"no-credentials-files"}),
    ("src/complaints/settings.py", b'KEY = """' + PRIVATE_KEY + b'"""\n', {"detect-private-key"}),
    ("Makefile", b"# a\n# b\n" + AWS_KEY, {"detect-tokens"}),
    ("README.md", GITHUB_TOKEN, {"detect-tokens"}),
    ("docs/scan.png", LARGE, {"check-added-large-files"}),
]
#: Files that belong in git, of the kinds the hooks look at.
ACCEPTED: list[tuple[str, bytes]] = [
    ("data/raw/2022-23/dorset-childrens-complaints-2022-23.txt", b"Annual Complaints"),
    ("data/raw/README.md", b"# Raw data"),
    ("data/clean/.gitkeep", b""),
    ("reports/.gitkeep", b""),
    ("reports/README.md", b"# Reports"),
    ("tests/ground_truth/2022-23/key_facts.csv", b"fact,value\n"),
    ("expectations/key_facts.json", b"{}"),
    ("src/complaints/templates/offline/conf.json", b"{}"),
    ("benchmarks/results.json", b"{}"),
    ("notebooks/02_validate.ipynb", notebook(with_outputs=False)),
    ("docs/architecture.md", b"# Architecture\n"),
]


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, input=stdin, capture_output=True, text=True, check=True
    ).stdout


def new_repo(repo: Path) -> Path:
    """An empty git repository with a link to the project's .venv (the hooks run its tools)."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q")
    (repo / ".venv").symlink_to(Path(sys.executable).parents[1])
    return repo


def add(repo: Path, names: list[str]) -> list[str]:
    """Stage ``names`` in ``repo``, ignored or not (``git add --force``)."""
    git(
        repo,
        "add",
        "--force",
        "--pathspec-from-file=-",
        "--pathspec-file-nul",
        stdin="\0".join(names),
    )
    return names


def write(repo: Path, files: list[tuple[str, bytes]]) -> list[str]:
    for name, content in files:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(content)
    return add(repo, [name for name, _ in files])


#: pre-commit's line for each hook it runs: ``name.....Passed`` (or Failed, Skipped).
STATUS = re.compile(r"\.{3,}(?:\(no files to check\))?(?:Passed|Failed|Skipped)$")


def pre_commit(repo: Path, *args: str) -> tuple[int, dict[str, str]]:
    """Run pre-commit in ``repo``: its exit code, and each failed hook's output by hook id."""
    run = subprocess.run(
        [PRE_COMMIT, "run", "--color", "never", *args],
        cwd=repo,
        env={**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")},
        capture_output=True,
        text=True,
        check=False,
    )
    failed: dict[str, str] = {}
    hook = None
    for line in run.stdout.splitlines():
        if STATUS.search(line):
            hook = None
        elif found := re.fullmatch(r"- hook id: (\S+)", line):
            hook = found.group(1)
            failed[hook] = ""
        elif hook:
            failed[hook] += line + "\n"
    assert run.returncode == 0 or failed, run.stdout + run.stderr
    return run.returncode, failed


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository with the project's .gitignore and pre-commit configuration."""
    repo = new_repo(tmp_path / "repo")
    write(repo, [(n, (ROOT / n).read_bytes()) for n in (".gitignore", ".pre-commit-config.yaml")])
    return repo


def test_what_git_tracks_passes_the_hooks(tmp_path):
    """Every file of the project's git index, in a new repository, passes every hook (as
    configured on disk: pre-commit reads the configuration from the work tree)."""
    tracked = [name for name in git(ROOT, "ls-files", "-z").split("\0") if name]
    assert "data/raw/2022-23/dorset-childrens-complaints-2022-23.txt" in tracked
    repo = new_repo(tmp_path / "tracked")
    git(ROOT, "checkout-index", "--all", f"--prefix={repo}/")
    config = ROOT / ".pre-commit-config.yaml"
    (repo / config.name).write_bytes(config.read_bytes())
    add(repo, tracked)
    assert git(repo, "ls-files").splitlines() == tracked
    code, failed = pre_commit(repo, "--all-files")
    assert (code, failed) == (0, {})


def test_each_kind_of_file_is_refused_by_its_hook(repo):
    names = write(repo, [(name, content) for name, content, _ in REFUSED])
    code, failed = pre_commit(repo, "--files", *names)
    assert code == 1
    for name, _, hooks in REFUSED:
        named = re.compile(rf"(?:^|\s){re.escape(name)}(?=[:\s]|$)", re.M)
        refused_by = {hook for hook, output in failed.items() if named.search(output)}
        if "nbstripout" in hooks:  # it strips the outputs, and so fails the commit
            assert "files were modified by this hook" in failed["nbstripout"]
            assert (repo / name).read_bytes() != notebook(with_outputs=True)
            assert nbformat.reads((repo / name).read_text(), 4).cells[1].outputs == []
            refused_by.add("nbstripout")
        assert refused_by == hooks, name
    assert "git rm --cached <file>" in failed[DATA] and "git rm --cached <file>" in failed[SKELETON]


def test_what_belongs_in_git_passes(repo):
    names = write(repo, ACCEPTED)
    assert pre_commit(repo, "--files", *names) == (0, {})


def test_a_refused_file_passes_once_taken_out(repo):
    names = write(repo, [("cases.csv", b"case_id\nCOM/1\n"), ACCEPTED[-1]])
    assert pre_commit(repo, "--files", *names)[1].keys() == {DATA}
    git(repo, "rm", "-q", "--cached", "cases.csv")
    (repo / "cases.csv").unlink()
    assert pre_commit(repo, "--all-files") == (0, {})


def test_the_gitignore_keeps_later_years_inputs_out(repo):
    (repo / "data" / "raw" / "2022-23").mkdir(parents=True)
    (repo / "data" / "raw" / "2022-23" / "report.txt").write_text("Annual Complaints Report")
    (repo / "data" / "raw" / "2023-24").mkdir()
    (repo / "data" / "raw" / "2023-24" / "complaints-2023-24.xlsx").write_bytes(b"PK\x03\x04")
    (repo / "data" / "raw" / "README.md").write_text("# Raw data")
    git(repo, "add", "data")
    staged = set(git(repo, "ls-files").split())
    assert "data/raw/README.md" in staged
    assert "data/raw/2022-23/report.txt" in staged
    assert not any(f.startswith("data/raw/2023-24/") for f in staged)
    for ignored in (
        "data/raw/2023-24/complaints-2023-24.xlsx",
        "data/raw/2024-25/README.md",
        "data/raw/cases.csv",
        "data/clean/2022-23/key_facts.csv",
        "reports/2022-23/index.html",
        "tests/artefacts/browser/index.png",
    ):
        check = subprocess.run(["git", "check-ignore", "-q", "--no-index", ignored], cwd=repo)
        assert check.returncode == 0, f"{ignored} is not ignored"
