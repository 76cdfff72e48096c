"""The runner: parameters refused before anything runs, atomic publishing, failures kept for
diagnosis, offline HTML, a manifest that verifies, deterministic outputs.

Most tests drive the runner with small notebooks written here (one kernel start each); the
full pipeline on the real notebooks is in test_pipeline.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from complaints import cli
from complaints.errors import InputError
from complaints.run.export import export_html
from complaints.run.runner import RunError, list_notebooks, run_year, run_years
from complaints.years import ReportingYear

YEAR = ReportingYear.parse("2022-23")
PARAMETERS_CELL = (
    'year: str = "2022-23"  # reporting year, April to March\n'
    'raw_root: str = ""  # raw inputs, one folder a year; empty means data/raw\n'
    'clean_root: str = ""  # clean tables, one folder a year; empty means data/clean\n'
    'output_dir: str = ""  # this year\'s outputs; empty means reports/<year>'
)

# Resource-loading references to the internet: src/href attributes, CSS url() and @import.
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.IGNORECASE,
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


@pytest.fixture
def good_notebook(tmp_path: Path) -> Path:
    return make_notebook(
        tmp_path / "01_write.ipynb",
        "(out / 'tables' / 'answer.csv').write_text('year,value\\n' + year + ',42\\n')\n"
        "print(year)",
    )


@pytest.fixture
def failing_notebook(tmp_path: Path) -> Path:
    return make_notebook(tmp_path / "02_fail.ipynb", "raise ValueError('the data is broken')")


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_notebooks_run_in_their_numbered_order():
    names = [p.name for p in list_notebooks()]
    assert names[0] == "01_clean.ipynb"
    assert names == sorted(names)
    assert all(re.match(r"\d\d_", n) for n in names)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"colour": "red"}, "unknown parameter(s): colour"),
        ({"year": "2022"}, "malformed"),
        ({"year": "2022-24"}, "malformed"),
        ({"raw_root": 3}, "must be of type str"),
        ({"edition": "press"}, "edition='press' is unknown"),
    ],
)
def test_bad_parameters_are_refused_before_any_notebook_runs(
    tmp_path, good_notebook, parameters, message
):
    reports = tmp_path / "reports"
    with pytest.raises((InputError, ValueError), match=re.escape(message)):
        run_year(YEAR, parameters=parameters, reports_root=reports, notebooks=[good_notebook])
    assert not reports.exists(), "nothing may be written when parameters are refused"


def test_cli_refuses_malformed_year_and_unknown_year(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--year", "22-23"])
    assert exit_info.value.code == 2
    assert "malformed" in capsys.readouterr().err
    assert cli.main(["run", "--year", "1999-00"]) == 2
    err = capsys.readouterr().err
    assert "no data held for 1999-00" in err and "2022-23" in err


def test_cli_refuses_unknown_parameter(capsys):
    assert cli.main(["run", "--year", "2022-23", "-p", "colour=red"]) == 2
    assert "unknown parameter(s): colour" in capsys.readouterr().err


def test_a_run_publishes_outputs_manifest_and_index(tmp_path, good_notebook):
    reports = tmp_path / "reports"
    result = run_year(
        YEAR, reports_root=reports, notebooks=[good_notebook], progress=lambda m: None
    )
    out = reports / "2022-23"
    assert result.output_dir == out
    assert (out / "tables" / "answer.csv").read_text() == "year,value\n2022-23,42\n"
    assert (out / "notebooks" / "01_write.ipynb").is_file()
    assert (out / "html" / "01_write.html").is_file()
    assert (out / "html" / "01_write.audit.html").is_file()
    assert not (reports / ".staging").exists()
    # The injected parameters are recorded in the executed notebook.
    executed = nbformat.read(out / "notebooks" / "01_write.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'year = "2022-23"' in injected[0].source
    assert executed.metadata.papermill["parameters"]["year"] == "2022-23"
    # The manifest verifies with sha256sum, from the year's folder.
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["year"] == "2022-23"
    assert set(manifest["outputs"]) == set(tree_hashes(out)) - {"manifest.json", "manifest.sha256"}
    assert manifest["inputs"], "the raw inputs' hashes are recorded"
    assert {"commit", "dirty"} <= set(manifest["git"])
    assert manifest["versions"]["papermill"]
    assert_sha256sum_verifies(out)
    # The index links every notebook's HTML and states the parameters.
    index = (out / "index.html").read_text()
    assert 'href="html/01_write.html"' in index and 'href="html/01_write.audit.html"' in index
    assert "2022-23" in index


def test_html_loads_nothing_from_the_internet(tmp_path, good_notebook):
    reports = tmp_path / "reports"
    run_year(YEAR, reports_root=reports, notebooks=[good_notebook], progress=lambda m: None)
    pages = list((reports / "2022-23").rglob("*.html"))
    assert len(pages) == 3
    for page in pages:
        text = page.read_text()
        assert not EXTERNAL.search(text), f"{page.name} loads {EXTERNAL.search(text).group(0)}"
        assert "<script src" not in text


def test_readers_html_has_no_code_and_audit_html_has_it(tmp_path, good_notebook):
    nb_path = tmp_path / "executed.ipynb"
    nb = nbformat.read(good_notebook, as_version=4)
    nbformat.write(nb, nb_path)
    readers, audit = sorted(export_html(nb_path, tmp_path / "html"), key=lambda p: len(p.name))
    assert "mkdir" not in readers.read_text()
    assert "mkdir" in audit.read_text()


def test_two_runs_on_the_same_inputs_give_the_same_outputs(tmp_path, good_notebook):
    reports = tmp_path / "reports"
    run_year(YEAR, reports_root=reports, notebooks=[good_notebook], progress=lambda m: None)
    first = tree_hashes(reports / "2022-23")
    run_year(YEAR, reports_root=reports, notebooks=[good_notebook], progress=lambda m: None)
    second = tree_hashes(reports / "2022-23")
    first.pop("manifest.json")  # it records the run's start and end times
    second.pop("manifest.json")
    assert first == second


def test_a_failed_run_names_notebook_and_cell_and_keeps_previous_outputs(
    tmp_path, good_notebook, failing_notebook
):
    reports = tmp_path / "reports"
    run_year(YEAR, reports_root=reports, notebooks=[good_notebook], progress=lambda m: None)
    before = tree_hashes(reports / "2022-23")
    with pytest.raises(RunError) as failure:
        run_year(
            YEAR,
            reports_root=reports,
            notebooks=[good_notebook, failing_notebook],
            progress=lambda m: None,
        )
    message = str(failure.value)
    assert "02_fail.ipynb" in message
    assert "cell [" in message and "ValueError: the data is broken" in message
    assert tree_hashes(reports / "2022-23") == before, "previous outputs must be untouched"
    failed = reports / "2022-23.failed"
    assert (failed / "notebooks" / "02_fail.ipynb").is_file()
    assert (failed / "html" / "02_fail.audit.html").is_file()
    assert "the data is broken" in (failed / "html" / "02_fail.audit.html").read_text()
    assert not (reports / ".staging").exists()


def test_bad_raw_input_is_refused_in_one_line_before_any_notebook_runs(
    tmp_path, raw_copy, good_notebook
):
    raw_file = next((raw_copy / "2022-23").glob("*.txt"))
    lines = raw_file.read_text(encoding="utf-8").split("\n")
    lines[17] = lines[17].replace("\t9\t", "\tnine\t")
    raw_file.write_text("\n".join(lines), encoding="utf-8")
    reports = tmp_path / "reports"
    with pytest.raises(InputError) as error:
        run_year(
            YEAR,
            parameters={"raw_root": str(raw_copy)},
            reports_root=reports,
            notebooks=[good_notebook],
        )
    message = str(error.value)
    assert "\n" not in message
    assert "dorset-childrens-complaints-2022-23.txt" in message
    assert "table social_care_quarterly" in message and "line 18" in message
    assert "'nine'" in message
    assert not reports.exists()


# Warm kernels: forked from a process that has imported the heavy libraries once -------------

SENSITIVE = (
    "import os, sys\n"
    "import pandas as pd\n"
    "wide = pd.DataFrame({f'column_{i}': range(3) for i in range(15)})\n"
    "print(repr(wide))\n"
    "print(os.getcwd(), sys.path[0] != '', os.environ.get('MPLBACKEND'))\n"
    "wide.head(2).style.set_uuid('fixed')"
)


def test_warm_kernels_give_the_same_notebooks_as_fresh_kernels(tmp_path):
    """What a notebook sees does not depend on how its kernel was started: pandas still knows
    it runs in a kernel (it fits wide tables to a terminal otherwise), the working directory,
    sys.path and the matplotlib backend are those of a fresh kernel; plain-text reprs carry
    no memory address."""
    notebook = make_notebook(tmp_path / "01_sensitive.ipynb", SENSITIVE)
    published = {}
    for warm in (False, True):
        reports = tmp_path / f"reports-{warm}"
        summary = run_years(
            [YEAR],
            reports_root=reports,
            notebooks=[notebook],
            progress=lambda m: None,
            warm_kernels=warm,
        )
        assert summary.ok
        executed = reports / "2022-23" / "notebooks" / notebook.name
        published[warm] = executed.read_text()
    assert published[True] == published[False].replace("reports-False", "reports-True")
    assert "column_14" in published[True] and "  ...  " not in published[True]
    assert "Styler at (memory address)>" in published[True]


def test_a_kernel_that_dies_in_a_warm_process_fails_the_run(tmp_path):
    """(It imports pandas, so its kernel is forked from the warm process.)"""
    notebook = make_notebook(tmp_path / "01_dies.ipynb", "import os\nimport pandas\nos._exit(3)")
    with pytest.raises(RunError, match=re.escape("01_dies.ipynb failed")):
        run_year(YEAR, reports_root=tmp_path / "reports", notebooks=[notebook], progress=print)
    assert (tmp_path / "reports" / "2022-23.failed" / "notebooks").is_dir()


def test_only_notebooks_that_import_heavy_libraries_wait_for_the_warm_process(tmp_path):
    from complaints.run.kernels import imports_heavy_libraries

    light = make_notebook(tmp_path / "01_light.ipynb", "print(year)")
    heavy = make_notebook(
        tmp_path / "02_heavy.ipynb", "from complaints.inputs.store import load_store"
    )
    assert not imports_heavy_libraries(light)
    assert imports_heavy_libraries(heavy)
    assert all(imports_heavy_libraries(nb) for nb in list_notebooks())


def test_a_failed_run_leaves_the_years_clean_tables_as_they_were(tmp_path, raw_copy):
    """Figures a failed run rejected never stay in the store that other years read."""
    from complaints.inputs.clean import build_clean

    clean_root = tmp_path / "clean"
    build_clean(YEAR, raw_copy, clean_root)
    before = tree_hashes(clean_root / "2022-23")
    raw_file = next((raw_copy / "2022-23").glob("*.txt"))
    lines = raw_file.read_text(encoding="utf-8").split("\n")
    lines[17] = lines[17].replace("\t9\t", "\t19\t")  # a valid figure: the clean step accepts it
    raw_file.write_text("\n".join(lines), encoding="utf-8")
    notebooks = [
        make_notebook(
            tmp_path / "01_clean.ipynb",
            "from complaints.inputs.clean import build_clean\n"
            "from complaints.years import ReportingYear\n"
            "build_clean(ReportingYear.parse(year), Path(raw_root), Path(clean_root))",
        ),
        make_notebook(tmp_path / "02_fail.ipynb", "raise ValueError('rejected')"),
    ]
    with pytest.raises(RunError):
        run_year(
            YEAR,
            parameters={"raw_root": str(raw_copy), "clean_root": str(clean_root)},
            reports_root=tmp_path / "reports",
            notebooks=notebooks,
            progress=lambda m: None,
        )
    assert tree_hashes(clean_root / "2022-23") == before
