"""The notebooks' kernels, started with jupyter_client's public API and handed to papermill
(``km=``, a trait of nbclient's ``NotebookClient``), so that a kernel starts ahead, importing
its notebook's heavy libraries (ipykernel's ``IPKernelApp.exec_lines``) while the notebook
before it still runs. Each kernel logs to a file, not to the terminal, where parallel runs
would interleave it with the progress lines.

nbclient leaves running the client of a kernel it was handed (it may be reused, by its
design); left running, that client's sockets go on reconnecting to the stopped kernel's ports,
and reach whichever later kernel the system gives those ports. So the manager remembers the
clients it makes and stopping the kernel stops them.
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
    """True when a code cell imports the package: only then does its kernel preload modules."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    return any(
        cell.get("cell_type") == "code" and _IMPORTS_PACKAGE.search("".join(cell.get("source", "")))
        for cell in cells
    )


@functools.cache
def _manager_class():
    """jupyter_client's ``KernelManager``, remembering the clients it makes (imported only when
    a kernel starts: a run that reuses every notebook never pays for it)."""
    from jupyter_client.manager import KernelManager

    class Manager(KernelManager):
        def client(self, **kwargs):
            kc = super().client(**kwargs)
            self.clients = [*getattr(self, "clients", ()), kc]
            return kc

    return Manager


class Kernels:
    """The kernels of one run, each with its log in ``log_dir``."""

    def __init__(self, kernel_name: str, log_dir: Path) -> None:
        self.kernel_name, self.log_dir = kernel_name, log_dir
        self.running: set = set()
        self.lock = threading.Lock()

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self, name: str, preload: Iterable[str] = ()):
        """Start a kernel in the project root that imports ``preload`` as it starts; returns its
        ``KernelManager``, whose clients are asynchronous, as nbclient's are."""
        km = _manager_class()(
            kernel_name=self.kernel_name,
            client_class="jupyter_client.asynchronous.AsyncKernelClient",
        )
        # What nbclient passes when it starts a kernel itself: no history file shared by kernels.
        arguments = ["--HistoryManager.hist_file=:memory:"]
        if modules := tuple(preload):
            # A statement, so nothing is displayed; the modules stay loaded.
            arguments += [
                f"--IPKernelApp.exec_lines=for _m in {json.dumps(modules)}: __import__(_m)",
                "--IPKernelApp.exec_lines=del _m",
            ]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.log(name).open("ab") as log:
            km.start_kernel(
                extra_arguments=arguments, cwd=str(paths.PROJECT_ROOT), stdout=log, stderr=log
            )
        with self.lock:
            self.running.add(km)
        return km

    def stop(self, km) -> None:
        """Stop a kernel at once (its notebook is done), and its clients; nothing if it is
        already stopped."""
        with self.lock:
            if km not in self.running:
                return
            self.running.discard(km)
        for client in getattr(km, "clients", ()):
            with contextlib.suppress(Exception):
                client.stop_channels()
        with contextlib.suppress(Exception):
            km.shutdown_kernel(now=True)

    def stop_all(self) -> None:
        """Stop those still running (the run was interrupted, or were started ahead in vain)."""
        for km in list(self.running):
            self.stop(km)
