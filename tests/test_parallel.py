"""Several years at once: every year's clean tables are written before any year reads the
store, the outputs are those of years run one after the other, progress lines name their year,
and a failure in one year neither stops nor touches another.

Small notebooks named like the real ones stand in for them (see test_cache.py); 2022-23's input
is the real report text and 2023-24's a synthetic workbook.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from support import fill_workbook, make_notebook, tree_hashes

from complaints import cli, paths
from complaints.inputs.clean import extract_year
from complaints.inputs.workbook import scaffold
from complaints.run import runner
from complaints.run.runner import run_years
from complaints.years import ReportingYear

Y2223 = ReportingYear.parse("2022-23")
Y2324 = ReportingYear.parse("2023-24")
YEARS = [Y2223, Y2324]

CLEAN = """
import hashlib
raw = Path(raw_root) / year
clean = Path(clean_root) / year
clean.mkdir(parents=True, exist_ok=True)
source = sorted(p for p in raw.iterdir() if p.suffix in ('.txt', '.xlsx'))[0]
digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
(clean / 'figures.csv').write_text('year,digest\\n' + year + ',' + digest + '\\n')
print(digest)
"""
VALIDATE = """
held = sorted(p.parent.name for p in Path(clean_root).glob('*/figures.csv'))
(out / 'validation').mkdir(exist_ok=True)
(out / 'validation' / 'notes.csv').write_text('table_id,message\\nfigures,' + ' '.join(held))
print(held)
"""
REPORT = """
notes = (out / 'validation' / 'notes.csv').read_text()
lines = [p.read_text().split('\\n')[1] for p in sorted(Path(clean_root).glob('*/figures.csv'))]
(out / 'tables' / 'report.csv').write_text('\\n'.join(lines) + '\\n' + notes)
"""
TRENDS = """
lines = [p.read_text().split('\\n')[1] for p in sorted(Path(clean_root).glob('*/figures.csv'))]
(out / 'trends').mkdir(exist_ok=True)
(out / 'trends' / 'series.csv').write_text('\\n'.join(lines))
"""
BODIES = {
    "01_clean.ipynb": CLEAN,
    "02_validate.ipynb": VALIDATE,
    "03_report.ipynb": REPORT,
    "04_trends.ipynb": TRENDS,
}


def fail_in(body: str, year: str) -> str:
    return f"if year == {year!r}:\n    raise ValueError('the {year} data is broken')\n{body}"


def write_notebooks(folder: Path, **bodies: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    merged = {**BODIES, **{f"{k}.ipynb": v for k, v in bodies.items()}}
    return [make_notebook(folder / name, body) for name, body in merged.items()]


def comparable(folder: Path) -> dict[str, str]:
    hashes = tree_hashes(folder)
    hashes.pop("manifest.json")
    return hashes


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, raw_file) -> Path:
    """raw/2022-23 (the real text) and raw/2023-24 (a filled-in synthetic workbook)."""
    raw = tmp_path_factory.mktemp("parallel-inputs") / "raw"
    (raw / "2022-23").mkdir(parents=True)
    shutil.copyfile(raw_file, raw / "2022-23" / raw_file.name)
    workbook = scaffold(Y2324, extract_year(Y2223, raw), raw_root=raw)
    fill_workbook(workbook, seed=11)
    return raw


class Project:
    def __init__(self, root: Path, raw: Path) -> None:
        self.root = root
        self.raw = raw
        self.clean = root / "clean"
        self.reports = root / "reports"
        self.lines: list[str] = []

    @property
    def params(self) -> dict[str, object]:
        return {"raw_root": str(self.raw), "clean_root": str(self.clean)}

    def run(self, notebooks: list[Path], **kwargs):
        self.lines = []
        return run_years(
            YEARS,
            parameters=self.params,
            reports_root=self.reports,
            notebooks=notebooks,
            progress=self.lines.append,
            **kwargs,
        )


@pytest.fixture
def project(tmp_path, inputs) -> Project:
    return Project(tmp_path, inputs)


@pytest.mark.slow
def test_years_run_together_give_what_years_run_one_by_one_give(project, tmp_path):
    notebooks = write_notebooks(tmp_path / "notebooks")
    summary = project.run(notebooks, jobs=2)
    assert summary.ok and [r.year for r in summary.results] == YEARS
    # Every year's 02 saw every year's clean tables, although both were written in this run.
    for year in YEARS:
        notes = (project.reports / str(year) / "validation" / "notes.csv").read_text()
        assert notes.endswith("figures,2022-23 2023-24")
    together = {str(y): comparable(project.reports / str(y)) for y in YEARS}
    summary = project.run(notebooks, jobs=1, force=True)
    assert summary.ok
    assert {str(y): comparable(project.reports / str(y)) for y in YEARS} == together
    # Each notebook claims the files of its own folders, whatever ran alongside it.
    manifest = json.loads((project.reports / "2023-24" / "manifest.json").read_text())
    folders = {
        name: {o.split("/")[0] for o in record["outputs"]} - {"notebooks", "html"}
        for name, record in manifest["notebooks"].items()
    }
    assert folders == {
        "01_clean.ipynb": set(),
        "02_validate.ipynb": {"validation"},
        "03_report.ipynb": {"tables"},
        "04_trends.ipynb": {"trends"},
    }
    summary = project.run(notebooks, jobs=2)
    assert all(r.executed == [] for r in summary.results)
    assert {str(y): comparable(project.reports / str(y)) for y in YEARS} == together


@pytest.mark.slow
def test_progress_names_the_year_and_every_clean_runs_before_any_store_reader(project, tmp_path):
    summary = project.run(write_notebooks(tmp_path / "notebooks"), jobs=2)
    assert summary.ok
    assert all(re.match(r"20\d\d-\d\d[ :]", line) for line in project.lines), project.lines
    assert all("\n" not in line for line in project.lines)
    cleaned = [i for i, line in enumerate(project.lines) if "01_clean.ipynb: executed" in line]
    readers = [
        i for i, line in enumerate(project.lines) if re.search(r"0[234]_\w+\.ipynb: running", line)
    ]
    assert len(cleaned) == 2 and len(readers) == 6
    assert max(cleaned) < min(readers)


@pytest.mark.slow
def test_a_failure_in_one_year_leaves_the_other_years_outputs_alone(
    project, tmp_path, monkeypatch, capsys
):
    good = write_notebooks(tmp_path / "good")
    assert project.run(good, jobs=2).ok
    before = {str(y): tree_hashes(project.reports / str(y)) for y in YEARS}

    bad = write_notebooks(tmp_path / "bad", **{"03_report": fail_in(REPORT, "2023-24")})
    monkeypatch.setattr(runner, "list_notebooks", lambda *a: bad)
    argv = ["run", "--year", "2022-23", "--year", "2023-24", "--jobs", "2"]
    argv += ["--reports-root", str(project.reports)]
    argv += ["-p", f"raw_root={project.raw}", "-p", f"clean_root={project.clean}"]
    assert cli.main(argv) == 1
    captured = capsys.readouterr()
    assert "error: 2023-24: notebook 03_report.ipynb failed in cell [" in captured.err
    assert "ValueError: the 2023-24 data is broken" in captured.err
    assert "1 of 2 year(s) failed: 2023-24" in captured.err
    assert "2022-23: report written to" in captured.out
    # The failed year: previous outputs untouched, the evidence kept aside.
    assert tree_hashes(project.reports / "2023-24") == before["2023-24"]
    failed = project.reports / "2023-24.failed"
    assert "the 2023-24 data is broken" in (failed / "html" / "03_report.audit.html").read_text()
    # The other year was published (its 03 changed, so it was executed).
    manifest = json.loads((project.reports / "2022-23" / "manifest.json").read_text())
    assert manifest["notebooks"]["03_report.ipynb"]["status"] == "executed"
    assert not (project.reports / "2022-23.failed").exists()
    assert not (project.reports / ".staging").exists()


@pytest.mark.slow
def test_a_year_whose_cleaning_fails_does_not_hold_up_the_others(project, tmp_path):
    notebooks = write_notebooks(tmp_path / "notebooks", **{"01_clean": fail_in(CLEAN, "2023-24")})
    summary = project.run(notebooks, jobs=2)
    assert list(summary.failures) == ["2023-24"]
    assert "01_clean.ipynb failed in cell [" in str(summary.failures["2023-24"])
    assert [r.year for r in summary.results] == [Y2223]
    notes = (project.reports / "2022-23" / "validation" / "notes.csv").read_text()
    assert notes.endswith("figures,2022-23")
    assert not (project.reports / "2023-24").exists()
    assert (project.reports / "2023-24.failed" / "notebooks" / "01_clean.ipynb").is_file()


def test_jobs_must_be_a_positive_whole_number(capsys):
    for bad in ("0", "two"):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["run", "--year", "2022-23", "--jobs", bad])
        assert exit_info.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_run_accepts_several_years_and_passes_them_on(monkeypatch):
    seen = {}

    def fake_run_years(years, **kwargs):
        seen.update(kwargs, years=years)
        return runner.RunSummary()

    monkeypatch.setattr(runner, "run_years", fake_run_years)
    argv = ["run", "--year", "2022-23", "--year", "2022-23", "-j", "3", "--force"]
    assert cli.main(argv) == 0
    assert seen["years"] == [Y2223, Y2223]  # run_years sorts and removes duplicates
    assert seen["jobs"] == 3 and seen["force"] is True
    assert seen["reports_root"] == paths.REPORTS_DIR
