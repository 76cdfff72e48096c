"""What becomes of an executed notebook: the timings, machine paths and memory addresses that
differ from run to run are stripped from it, and it is exported to HTML twice, with code (for
auditors) and without (for readers), with the ``offline`` template (nothing loaded from the
internet). Used by :mod:`complaints.run.runner` after each notebook runs.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

TEMPLATES_DIR = Path(__file__).parents[1] / "templates"

_ADDRESS = re.compile(r"(<[^<>\n]* at )0x[0-9a-fA-F]+>")


def strip_volatile_metadata(notebook_path: Path) -> None:
    """Remove timings and machine-specific paths papermill and ipykernel record, and memory
    addresses in plain-text reprs, so that two runs on the same inputs give byte-identical
    notebooks (the times are in the manifest)."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    for key in (
        "start_time",
        "end_time",
        "duration",
        "input_path",
        "output_path",
        "environment_variables",
        "version",
    ):
        pm.pop(key, None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if isinstance(data.get("text/plain"), str):
                # A plain-text repr such as <...Styler at 0x7f...> names a memory address,
                # which differs from run to run (its HTML, shown to readers, does not).
                data["text/plain"] = _ADDRESS.sub(r"\1(memory address)>", data["text/plain"])
        cell.metadata.pop("execution", None)
        cell_pm = cell.metadata.get("papermill")
        if cell_pm is not None:
            for key in ("start_time", "end_time", "duration"):
                cell_pm.pop(key, None)
    nbformat.write(nb, notebook_path)


_EXPORTERS = threading.local()


def _exporter(exclude_code: bool):
    """One HTML exporter per thread and kind: compiling nbconvert's templates costs more than a
    small notebook's export, so it is done once, not twice per notebook."""
    cache = getattr(_EXPORTERS, "cache", None)
    if cache is None:
        cache = _EXPORTERS.cache = {}
    if exclude_code not in cache:
        from nbconvert import HTMLExporter

        cache[exclude_code] = HTMLExporter(
            template_name="offline",
            extra_template_basedirs=[str(TEMPLATES_DIR)],
            exclude_input=exclude_code,
            exclude_input_prompt=exclude_code,
            exclude_output_prompt=exclude_code,
            embed_images=True,
        )
    return cache[exclude_code]


def export_html(notebook_path: Path, html_dir: Path) -> list[Path]:
    """Export an executed notebook twice, with code (for auditors) and without (for readers),
    with a template that loads nothing from the internet."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    html_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, exclude_code in ((".audit.html", False), (".html", True)):
        body, _ = _exporter(exclude_code).from_notebook_node(
            nb, resources={"metadata": {"name": notebook_path.stem}}
        )
        target = html_dir / f"{notebook_path.stem}{suffix}"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written
