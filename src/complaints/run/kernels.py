"""Starting the notebooks' kernels, with jupyter_client's public API.

The runner starts a notebook's kernel itself (:func:`start_kernel`) and hands it to papermill
(``km=``, a trait of nbclient's ``NotebookClient``), so that it can start a kernel ahead, while
the notebook before it still runs. A kernel imports the notebook's heavy libraries as it starts
(ipykernel's ``IPKernelApp.exec_lines``), so those imports overlap the notebook before it too.
The kernel writes its own log to a file rather than to the terminal, where parallel runs would
interleave it with the progress lines.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from complaints import paths

#: The Jupyter kernel the notebooks run in, unless a run names another (the manifest records it).
KERNEL = "python3"


_IMPORTS_PACKAGE = re.compile(r"^\s*(?:from|import)\s+complaints\b", re.MULTILINE)


@functools.cache
def imports_package(notebook: Path) -> bool:
    """True when a code cell of the notebook imports the package: only then does its kernel
    preload what :data:`complaints.run.cache.NOTEBOOK_READS` declares (a small notebook named
    like a real one, as in the tests, does not need it)."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    return any(
        cell.get("cell_type") == "code" and _IMPORTS_PACKAGE.search("".join(cell.get("source", "")))
        for cell in cells
    )


def start_kernel(kernel_name: str, log_path: Path, preload: Iterable[str] = ()):
    """Start a kernel in the project root that imports ``preload`` as it starts; returns its
    (blocking) ``KernelManager``, whose clients are asynchronous, as nbclient's are."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(
        kernel_name=kernel_name, client_class="jupyter_client.asynchronous.AsyncKernelClient"
    )
    # What nbclient passes when it starts a kernel itself: no history file shared by kernels.
    arguments = ["--HistoryManager.hist_file=:memory:"]
    modules = tuple(preload)
    if modules:
        # A statement, so nothing is displayed; the names are deleted, the modules stay loaded.
        arguments += [
            f"--IPKernelApp.exec_lines=for _m in {json.dumps(modules)}: __import__(_m)",
            "--IPKernelApp.exec_lines=del _m",
        ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        km.start_kernel(
            extra_arguments=arguments, cwd=str(paths.PROJECT_ROOT), stdout=log, stderr=log
        )
    return km


def stop_kernel(km) -> None:
    """Stop a kernel started by :func:`start_kernel` (at once: its notebook is done)."""
    with contextlib.suppress(Exception):
        km.shutdown_kernel(now=True)


class Kernels:
    """The kernels of one run, each with its log in ``log_dir``; :meth:`stop_all` stops those
    still running (the run was interrupted, or a kernel started ahead was not needed)."""

    def __init__(self, kernel_name: str, log_dir: Path) -> None:
        self.kernel_name, self.log_dir = kernel_name, log_dir
        self.running: set = set()
        self.lock = threading.Lock()

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self, name: str, preload: Iterable[str] = ()):
        km = start_kernel(self.kernel_name, self.log(name), preload)
        with self.lock:
            self.running.add(km)
        return km

    def stop(self, km) -> None:
        with self.lock:
            if km not in self.running:
                return
            self.running.discard(km)
        stop_kernel(km)

    def stop_all(self) -> None:
        for km in list(self.running):
            self.stop(km)
