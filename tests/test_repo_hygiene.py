"""No personal data, no secrets and no notebook outputs in git: the repository check passes on
what git tracks, and fails on each kind of file it must keep out (crafted file lists and a
temporary git repository, with the pre-commit hook as configured)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from complaints import paths
from complaints.repo_check import ALLOWED_DATA, check_files, index_reader, tracked_files

ROOT = paths.PROJECT_ROOT


def notebook(with_outputs: bool) -> bytes:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('Parent, COM/00001162')")
    if with_outputs:
        cell.execution_count = 1
        cell.outputs = [nbformat.v4.new_output("stream", text="Parent, COM/00001162\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# Notes"), cell]
    return nbformat.writes(nb).encode()


# Built from pieces, so that this file does not itself hold what the check looks for.
PRIVATE_KEY = b"-----BEGIN " + b"RSA PRIVATE KEY-----\nMIIEow...\n"
AWS_KEY = b"aws_access_key_id = AKIA" + b"ABCDEFGHIJKLMNOP\n"
GITHUB_TOKEN = b"token: ghp_" + b"a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\n"


def test_what_git_tracks_passes():
    files = tracked_files(ROOT)
    assert "data/raw/2022-23/dorset-childrens-complaints-2022-23.txt" in files
    problems = check_files(files, index_reader(ROOT))
    assert problems == [], "\n".join(str(p) for p in problems)


def test_the_allow_list_is_short_and_each_place_is_used():
    assert len(ALLOWED_DATA) <= 5
    files = tracked_files(ROOT)
    for prefix in ALLOWED_DATA:
        assert any(f.startswith(prefix) for f in files), f"{prefix} holds nothing: drop it"


@pytest.mark.parametrize(
    ("path", "content", "reason"),
    [
        ("data/raw/2023-24/complaints-2023-24.xlsx", b"PK\x03\x04", "an input or derived data"),
        ("data/raw/2023-24/README.md", b"# Inputs", "an input or derived data"),
        ("data/clean/2022-23/learning_from_complaints.csv", b"case_id\n", "under data/"),
        ("reports/2022-23/tables/key_facts.csv", b"a,b\n", "a run's output under reports/"),
        ("cases.csv", b"case_id,summary\n", "a data file (.csv) outside the places"),
        ("analysis/extract.json", b'[{"case": 1}]', "a data file (.json)"),
        ("notebooks/scratch/cases.parquet", b"PAR1", "a data file (.parquet)"),
        ("src/complaints/lookup.pkl", b"\x80\x04", "a data file (.pkl)"),
        ("docs/export.csv.gz", b"\x1f\x8b", "a data file (.csv.gz)"),
        ("tests/fixtures/complainants.xlsx", b"PK\x03\x04", "a data file (.xlsx)"),
        ("notebooks/01_clean.ipynb", notebook(with_outputs=True), "a notebook with outputs"),
        ("notebooks/broken.ipynb", b"{not json", "not a notebook that can be read"),
        (".env", b"PASSWORD=hunter2\n", "a key or credentials file"),
        ("deploy/server.pem", b"", "a key or credentials file"),
        ("src/complaints/settings.py", PRIVATE_KEY, "line 1 holds what looks like a private key"),
        ("Makefile", b"# a\n# b\n" + AWS_KEY, "line 3 holds what looks like a private key"),
        ("README.md", GITHUB_TOKEN, "looks like a private key or token"),
    ],
)
def test_each_kind_of_file_is_refused(path, content, reason):
    problems = check_files([path], lambda p: content)
    assert len(problems) >= 1
    assert problems[0].path == path
    assert any(reason in p.reason for p in problems), [str(p) for p in problems]


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("data/raw/2022-23/dorset-childrens-complaints-2022-23.txt", b"Annual Complaints"),
        ("data/raw/README.md", b"# Raw data"),
        ("data/clean/.gitkeep", b""),
        ("reports/.gitkeep", b""),
        ("tests/ground_truth/2022-23/key_facts.csv", b"fact,value\n"),
        ("expectations/key_facts.json", b"{}"),
        ("src/complaints/templates/offline/conf.json", b"{}"),
        ("notebooks/01_clean.ipynb", notebook(with_outputs=False)),
        ("src/complaints/repo_check.py", Path(ROOT / "src/complaints/repo_check.py").read_bytes()),
    ],
)
def test_what_belongs_in_git_passes(path, content):
    assert check_files([path], lambda p: content) == []


def test_the_executed_notebooks_of_a_report_would_be_refused():
    """A published report's executed notebook, force-added: refused for its place and for its
    outputs."""
    executed = notebook(with_outputs=True)
    problems = check_files(["reports/2022-23/notebooks/01_clean.ipynb"], lambda p: executed)
    reasons = [p.reason for p in problems]
    assert len(reasons) == 2
    assert reasons[0].startswith("a run's output under reports/")
    assert reasons[1].startswith("a notebook with outputs or execution counts (cell(s) 2)")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository with the project's .gitignore and pre-commit configuration, and a
    link to the project's .venv (the hook's entry runs .venv/bin/python)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    for name in (".gitignore", ".pre-commit-config.yaml"):
        shutil.copy2(ROOT / name, repo / name)
    (repo / ".venv").symlink_to(Path(sys.executable).parents[1])
    (repo / "notebooks").mkdir()
    (repo / "notebooks" / "01_clean.ipynb").write_bytes(notebook(with_outputs=False))
    (repo / "data" / "raw" / "2022-23").mkdir(parents=True)
    (repo / "data" / "raw" / "2022-23" / "report.txt").write_text("Annual Complaints Report")
    git(repo, "add", ".gitignore", ".pre-commit-config.yaml", "notebooks", "data")
    return repo


def check_in(repo: Path, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "complaints.repo_check", *files],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_git_repository_with_bad_files_fails_until_they_are_taken_out(repo):
    assert check_in(repo).returncode == 0
    (repo / "notebooks" / "01_clean.ipynb").write_bytes(notebook(with_outputs=True))
    (repo / "cases.csv").write_text("case_id,summary\nCOM/1,Parent\n")
    (repo / "data" / "raw" / "2023-24").mkdir()
    (repo / "data" / "raw" / "2023-24" / "complaints-2023-24.xlsx").write_bytes(b"PK\x03\x04")
    git(repo, "add", "notebooks", "cases.csv")
    git(repo, "add", "--force", "data/raw/2023-24/complaints-2023-24.xlsx")

    result = check_in(repo)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    assert lines[0].startswith("cases.csv: a data file (.csv) outside the places")
    assert lines[1].startswith("data/raw/2023-24/complaints-2023-24.xlsx: an input or derived")
    assert lines[2].startswith("notebooks/01_clean.ipynb: a notebook with outputs")
    assert "git rm --cached <file>" in result.stderr

    # What is staged counts: the notebook stripped on disk but not staged is still refused.
    (repo / "notebooks" / "01_clean.ipynb").write_bytes(notebook(with_outputs=False))
    assert "notebooks/01_clean.ipynb" in check_in(repo).stdout
    git(repo, "add", "notebooks")
    git(repo, "rm", "-q", "--cached", "cases.csv", "data/raw/2023-24/complaints-2023-24.xlsx")
    result = check_in(repo)
    assert result.returncode == 0, result.stdout


def test_the_gitignore_keeps_later_years_inputs_out(repo):
    (repo / "data" / "raw" / "2023-24").mkdir()
    (repo / "data" / "raw" / "2023-24" / "complaints-2023-24.xlsx").write_bytes(b"PK\x03\x04")
    (repo / "data" / "raw" / "README.md").write_text("# Raw data")
    git(repo, "add", "--all")
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


def test_the_pre_commit_hook_runs_the_check(repo, tmp_path):
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: h for r in config["repos"] for h in r["hooks"]}
    assert hooks["repo-hygiene"]["entry"].endswith("-m complaints.repo_check")
    assert hooks["repo-hygiene"].get("pass_filenames", True)

    (repo / "cases.csv").write_text("case_id\nCOM/1\n")
    git(repo, "add", "cases.csv")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    pre_commit = str(Path(sys.executable).with_name("pre-commit"))
    files = ["cases.csv", "notebooks/01_clean.ipynb"]
    run = subprocess.run(
        [pre_commit, "run", "repo-hygiene", "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "repo-hygiene" in run.stdout and "Failed" in run.stdout
    assert "\ncases.csv: a data file (.csv) outside the places" in run.stdout
    assert "1 problem(s) in 2 file(s) checked" in run.stdout

    git(repo, "rm", "-q", "--cached", "cases.csv")
    (repo / "cases.csv").unlink()
    run = subprocess.run(
        [pre_commit, "run", "repo-hygiene", "--files", "notebooks/01_clean.ipynb"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed" in run.stdout
