"""The runner: parameters refused before anything runs, atomic publishing, failures kept for
diagnosis, offline HTML, a manifest that verifies, deterministic outputs.

Most tests drive the runner with small notebooks written here (one kernel start each); the
full pipeline on the real notebooks is in test_pipeline.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from support import assert_sha256sum_verifies, make_notebook, tree_hashes

from complaints import cli
from complaints.errors import InputError
from complaints.run.export import export_html
from complaints.run.runner import RunError, list_notebooks, run_year
from complaints.years import ReportingYear

YEAR = ReportingYear.parse("2022-23")
# Resource-loading references to the internet: src/href attributes, CSS url() and @import.
EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.IGNORECASE,
)


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


def test_a_parameter_a_notebook_does_not_declare_is_refused_before_it_runs(tmp_path):
    notebook = make_notebook(tmp_path / "01_write.ipynb", "print(year)")
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[1].source = 'year: str = "2022-23"\noutput_dir: str = ""'
    nbformat.write(nb, notebook)
    reports = tmp_path / "reports"
    with pytest.raises(
        InputError, match=r"01_write.ipynb does not declare parameter\(s\) clean_root"
    ):
        run_year(YEAR, reports_root=reports, notebooks=[notebook])
    assert not reports.exists()


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_html_loads_nothing_from_the_internet(tmp_path, good_notebook):
    reports = tmp_path / "reports"
    run_year(YEAR, reports_root=reports, notebooks=[good_notebook], progress=lambda m: None)
    pages = sorted(
        p.relative_to(reports / "2022-23").as_posix() for p in (reports / "2022-23").rglob("*.html")
    )
    assert pages == ["caveats.html", "html/01_write.audit.html", "html/01_write.html", "index.html"]
    pages = [reports / "2022-23" / p for p in pages]
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


@pytest.mark.slow
def test_two_runs_on_the_same_inputs_give_the_same_outputs(tmp_path, good_notebook):
    reports = tmp_path / "reports"
    run_year(YEAR, reports_root=reports, notebooks=[good_notebook], progress=lambda m: None)
    first = tree_hashes(reports / "2022-23")
    run_year(YEAR, reports_root=reports, notebooks=[good_notebook], progress=lambda m: None)
    second = tree_hashes(reports / "2022-23")
    first.pop("manifest.json")  # it records the run's start and end times
    second.pop("manifest.json")
    assert first == second


@pytest.mark.slow
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


@pytest.mark.slow
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
