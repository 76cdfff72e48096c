"""Source notebooks: committed without outputs, one parameters cell with the shared typed
literals (parseable by papermill), derived values in the next cell."""

from __future__ import annotations

import nbformat
import papermill
import pytest

from complaints.params import NOTEBOOK_PARAMETERS
from complaints.run.runner import list_notebooks

NOTEBOOKS = list_notebooks()


def test_the_pipeline_has_its_notebooks():
    names = [nb.name for nb in NOTEBOOKS]
    assert names[:3] == ["01_clean.ipynb", "02_validate.ipynb", "03_report.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; run nbstripout"
    assert "papermill" not in nb.metadata, f"{path.name} is an executed copy, not a source"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_declares_the_shared_typed_parameters(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: exactly one cell must be tagged 'parameters'"
    declared = papermill.inspect_notebook(str(path))
    assert set(declared) == set(NOTEBOOK_PARAMETERS)
    for name, info in declared.items():
        assert info["inferred_type_name"] == NOTEBOOK_PARAMETERS[name].__name__, name
        assert info["help"], f"{path.name}: parameter {name} needs a comment saying what it is"
    following = nb.cells[tagged[0] + 1]
    assert "resolve(year, raw_root, clean_root, output_dir, edition)" in following.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_narrative_and_thin(path):
    """Working papers: markdown explains, code cells are short calls into the package."""
    nb = nbformat.read(path, as_version=4)
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert len(markdown) >= 2
    long_cells = [c.source[:40] for c in code if len(c.source.splitlines()) > 15]
    assert not long_cells, f"{path.name}: move logic into src/complaints: {long_cells}"
    assert not any(c.source.lstrip().startswith("def ") for c in code)
