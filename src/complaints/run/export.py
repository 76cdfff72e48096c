"""What becomes of an executed notebook: what differs from run to run (timings, machine paths,
memory addresses) is stripped from it, and it is exported to HTML with code (for auditors) and
without (for readers), with the ``offline`` template (nothing loaded from the internet)."""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path

TEMPLATES_DIR = Path(__file__).parents[1] / "templates"
_ADDRESS = re.compile(r"(<[^<>\n]* at )0x[0-9a-fA-F]+>")
_TIMES = ("start_time", "end_time", "duration")


def strip_volatile_metadata(notebook_path: Path) -> None:
    """Make two runs on the same inputs give byte-identical notebooks (times: the manifest)."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    for key in (*_TIMES, "input_path", "output_path", "environment_variables", "version"):
        pm.pop(key, None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random id
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if isinstance(data.get("text/plain"), str):
                # A repr such as <...Styler at 0x7f...> (its HTML, shown to readers, has none).
                data["text/plain"] = _ADDRESS.sub(r"\1(memory address)>", data["text/plain"])
        cell.metadata.pop("execution", None)
        for key in _TIMES:
            cell.metadata.get("papermill", {}).pop(key, None)
    nbformat.write(nb, notebook_path)


@functools.cache
def _exporter(thread: int, exclude_code: bool):
    """One HTML exporter per thread and kind: compiling nbconvert's templates costs more than a
    small notebook's export."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=exclude_code,
        exclude_input_prompt=exclude_code,
        exclude_output_prompt=exclude_code,
        embed_images=True,
    )


def export_html(notebook_path: Path, html_dir: Path) -> list[Path]:
    """Export an executed notebook with code (``.audit.html``) and without (``.html``)."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    html_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, exclude_code in ((".audit.html", False), (".html", True)):
        body, _ = _exporter(threading.get_ident(), exclude_code).from_notebook_node(
            nb, resources={"metadata": {"name": notebook_path.stem}}
        )
        target = html_dir / f"{notebook_path.stem}{suffix}"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written
