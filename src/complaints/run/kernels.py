"""The notebooks' kernels, started with jupyter_client's public API and handed to papermill
(``km=``, a trait of nbclient's ``NotebookClient``), so that a kernel starts ahead, importing
its notebook's heavy libraries (ipykernel's ``IPKernelApp.exec_lines``) while the notebook
before it still runs. Each kernel logs to a file, not to the terminal, where parallel runs
would interleave it with the progress lines.

Each kernel binds its own ports (``OwnPorts``): by jupyter_client's default the manager picks
free ports and the kernel binds them a moment later, and on a busy machine another process can
take one in between (the kernel then dies: "Address already in use").

nbclient leaves running the client of a kernel it was handed (it may be reused, by its
design); left running, that client's sockets go on reconnecting to the stopped kernel's ports,
and reach whichever later kernel the system gives those ports. So the manager remembers the
clients it makes and stopping the kernel stops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from complaints import paths

#: The Jupyter kernel the notebooks run in, unless a run names another (the manifest records it).
KERNEL = "python3"
#: How long a kernel may take to start, its preloaded imports included (on a busy machine,
#: minutes); one that dies is reported at once.
STARTUP_TIMEOUT = 600
_PORTS = ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port")
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


@functools.cache
def _own_ports():
    """jupyter_client's local provisioner, except that the kernel chooses its ports: the
    connection file it is given has them as 0, so ipykernel binds free ones and writes them
    back to the file (its documented behaviour), which the manager then reads."""
    from jupyter_client.provisioning import LocalProvisioner

    class OwnPorts(LocalProvisioner):
        async def pre_launch(self, **kwargs):
            kwargs = await super().pre_launch(**kwargs)
            km, file = self.parent, Path(self.parent.connection_file)
            for name in _PORTS:
                setattr(km, name, 0)
            info = json.loads(file.read_text(encoding="utf-8"))
            file.write_text(json.dumps({**info, **dict.fromkeys(_PORTS, 0)}), encoding="utf-8")
            return kwargs

        async def launch_kernel(self, cmd, **kwargs):
            await super().launch_kernel(cmd, **kwargs)
            km, deadline = self.parent, time.monotonic() + STARTUP_TIMEOUT
            while await self.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(OSError, ValueError):  # not yet written, or half
                    info = json.loads(Path(km.connection_file).read_text(encoding="utf-8"))
                    if all(info.get(name) for name in _PORTS):
                        km.load_connection_info(info)
                        self.connection_info = km.get_connection_info()
                        return self.connection_info
                await asyncio.sleep(0.02)
            state = "died" if await self.poll() is not None else f"took over {STARTUP_TIMEOUT} s"
            raise RuntimeError(f"Kernel {state} before it opened its ports")

    return OwnPorts


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
        kernel_id = str(uuid.uuid4())
        km = _manager_class()(
            kernel_name=self.kernel_name,
            kernel_id=kernel_id,
            client_class="jupyter_client.asynchronous.AsyncKernelClient",
            cache_ports=False,  # the kernel picks its own
        )
        km.provisioner = _own_ports()(kernel_id=kernel_id, kernel_spec=km.kernel_spec, parent=km)
        # What nbclient passes when it starts a kernel itself: no history file shared by kernels.
        arguments = ["--HistoryManager.hist_file=:memory:"]
        if modules := tuple(preload):
            # A statement, so nothing is displayed; the modules stay loaded.
            arguments += [
                f"--IPKernelApp.exec_lines=for _m in {json.dumps(modules)}: __import__(_m)",
                "--IPKernelApp.exec_lines=del _m",
            ]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.lock:
            self.running.add(km)
        try:
            with self.log(name).open("ab") as log:
                km.start_kernel(
                    extra_arguments=arguments, cwd=str(paths.PROJECT_ROOT), stdout=log, stderr=log
                )
        except BaseException:
            self.stop(km)
            raise
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
