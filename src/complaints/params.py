"""Notebook parameters: the typed literals of every notebook's ``parameters`` cell (those of
:func:`resolve`), resolved once by the next cell, ``run = resolve(year, raw_root, ...)``.

Exploring is safe: ``complaints run`` names every folder, and a notebook left to its defaults
writes to ``reports/.scratch/<year>/`` and a scratch copy of the store,
``reports/.scratch/clean/`` (seeded from ``data/clean/`` with every year it does not hold yet).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import get_type_hints

from complaints import paths
from complaints.errors import InputError
from complaints.years import ReportingYear

#: The editions a report can be produced in (:mod:`complaints.outputs.disclosure`). ``internal``
#: is the default and the published report.
EDITIONS = ("internal", "public")
#: The folder under the reports root where ``complaints run`` stages a run.
STAGING = ".staging"
#: Where a notebook run by hand writes: never a published folder.
SCRATCH = paths.REPORTS_DIR / ".scratch"
SCRATCH_NOTE = (
    "run by hand: writing to the scratch folder, not the published report "
    "(complaints run publishes reports/<year>/)"
)


def project_path(value: object, default: Path) -> Path:
    """A folder parameter as the notebooks see it (relative paths are from the project; joined
    to it, an absolute path stays as it is)."""
    return paths.PROJECT_ROOT / str(value) if value else default


@dataclass(frozen=True)
class RunParams:
    year: ReportingYear
    raw_root: Path
    clean_root: Path
    output_dir: Path
    edition: str = "internal"

    def describe(self) -> dict[str, str]:
        """The run's parameters as a reader sees them (paths relative to the project)."""
        return {
            "reporting year": str(self.year),
            "raw inputs": paths.relative_to_project(paths.raw_dir(self.year, self.raw_root)),
            "clean tables": paths.relative_to_project(self.clean_dir),
            "outputs": paths.relative_to_project(self.published_dir),
            "edition": self.edition,
            **({"note": SCRATCH_NOTE} if self.is_scratch else {}),
        }

    @property
    def is_scratch(self) -> bool:
        return self.output_dir.resolve().is_relative_to(SCRATCH.resolve())

    @property
    def published_dir(self) -> Path:
        """``output_dir``, or ``<reports>/<name>/`` for a run staged in
        ``<reports>/.staging/<name>/``."""
        if self.output_dir.parent.name == STAGING:
            return self.output_dir.parent.parent / self.output_dir.name
        return self.output_dir

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{escape(k)}</th><td><code>{escape(v)}</code></td></tr>"
            for k, v in self.describe().items()
        )
        return f"<table>{rows}</table>"

    @property
    def clean_dir(self) -> Path:
        return paths.clean_dir(self.year, self.clean_root)

    @property
    def tables_dir(self) -> Path:
        return self.output_dir / "tables"

    @property
    def charts_dir(self) -> Path:
        return self.output_dir / "charts"

    @property
    def validation_dir(self) -> Path:
        return self.output_dir / "validation"


def resolve(
    year: str,
    raw_root: str = "",
    clean_root: str = "",
    output_dir: str = "",
    edition: str = "internal",
) -> RunParams:
    """Validate the notebook parameters and derive its folders (empty ones: the scratch ones)."""
    parsed = ReportingYear.parse(year)
    if edition not in EDITIONS:
        raise ValueError(f"edition {edition!r} is unknown: expected one of {', '.join(EDITIONS)}")
    name = f"{parsed}-public" if edition == "public" else str(parsed)
    return RunParams(
        year=parsed,
        raw_root=Path(raw_root) if raw_root else paths.RAW_DIR,
        clean_root=Path(clean_root) if clean_root else _scratch_store(),
        output_dir=Path(output_dir) if output_dir else SCRATCH / name,
        edition=edition,
    )


def _scratch_store() -> Path:
    """The scratch copy of the store, given every year of ``data/clean/`` it does not hold."""
    store = SCRATCH / "clean"
    for year in paths.years_held(paths.CLEAN_DIR):
        if not paths.clean_dir(year, store).exists():
            shutil.copytree(paths.clean_dir(year), paths.clean_dir(year, store))
    return store


#: The parameters every notebook accepts, with their types: those of :func:`resolve`.
NOTEBOOK_PARAMETERS: dict[str, type] = {
    name: hint for name, hint in get_type_hints(resolve).items() if name != "return"
}


def check_parameters(parameters: dict[str, object]) -> dict[str, object]:
    """Reject unknown or malformed parameters before anything runs."""
    if unknown := sorted(set(parameters) - set(NOTEBOOK_PARAMETERS)):
        raise InputError(
            f"unknown parameter(s): {', '.join(unknown)}",
            hint=f"the notebooks accept: {', '.join(NOTEBOOK_PARAMETERS)}",
        )
    for name, value in parameters.items():
        if not isinstance(value, NOTEBOOK_PARAMETERS[name]):
            raise InputError(
                f"parameter {name}={value!r} must be of type {NOTEBOOK_PARAMETERS[name].__name__}"
            )
    ReportingYear.parse(str(parameters.get("year", "")))  # raises ValueError if malformed
    if parameters.get("edition", "internal") not in EDITIONS:
        raise InputError(
            f"edition={parameters['edition']!r} is unknown",
            hint=f"the editions are: {', '.join(EDITIONS)}",
        )
    return parameters


def check_declared(parameters: dict[str, object], notebooks: list[Path]) -> None:
    """Reject parameters a notebook does not declare (papermill only warns)."""
    if not notebooks:
        return  # papermill takes seconds to import
    import papermill

    for notebook in notebooks:
        if missing := sorted(set(parameters) - set(papermill.inspect_notebook(str(notebook)))):
            raise InputError(
                f"notebook {notebook.name} does not declare parameter(s) {', '.join(missing)}",
                hint="add them to its cell tagged 'parameters'",
            )
