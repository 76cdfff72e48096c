"""Starting the notebooks' kernels, warm or fresh.

A kernel is started afresh (``python -m ipykernel_launcher``) or, for a notebook that imports
the heavy libraries, forked from a warm process that has imported them once
(:class:`WarmKernels`, served by :func:`_warm_serve` in a process of its own). Either way the
kernel writes its own log to a file rather than to the terminal, and every kernel still running
can be killed at once when a run is interrupted (:func:`kill_live_kernels`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from complaints import paths

#: The Jupyter kernel the notebooks run in, unless a run names another (the manifest records it).
KERNEL = "python3"

_LIVE_KERNELS: set = set()
_LIVE_LOCK = threading.Lock()


def kernel_manager_class(log_path: Path, warm: WarmKernels | None = None):
    """A kernel manager whose kernel writes its own log (ipykernel's warnings) to ``log_path``
    rather than to the terminal, where parallel runs would interleave it with the progress;
    with ``warm``, the kernel is forked from that warm process instead of started afresh."""
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            return warm.client_command(cmd) if warm is not None else cmd

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            with log_path.open("ab") as log:
                kw.setdefault("stdout", log)
                kw.setdefault("stderr", log)
                await super()._async_launch_kernel(kernel_cmd, **kw)
            with _LIVE_LOCK:
                _LIVE_KERNELS.add(self)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            with _LIVE_LOCK:
                _LIVE_KERNELS.discard(self)
            await super()._async_cleanup_resources(restart=restart)

    return QuietKernelManager


def kill_live_kernels() -> None:
    """Kill every kernel still running (the run was interrupted or went wrong)."""
    with _LIVE_LOCK:
        managers = list(_LIVE_KERNELS)
    for km in managers:
        process = getattr(km.provisioner, "process", None)
        if process is not None:
            with contextlib.suppress(OSError):
                process.send_signal(signal.SIGKILL)


#: Imported once by the warm process kernels are forked from: what the notebooks import that
#: costs most (third-party only; the package's own modules are imported by each kernel), in
#: the order the notebooks need them. The process serves as soon as the first
#: :data:`PRELOAD_FIRST` are imported, and imports the others between requests: a kernel
#: forked before a library is imported imports it itself, as a fresh kernel would.
PRELOAD = (
    "ipykernel.kernelapp",
    "pandas",
    "openpyxl",
    "great_expectations",
    "matplotlib",
    "seaborn",
    "afcharts",
)
PRELOAD_FIRST = 2
#: Set to 0 to start every kernel afresh (``python -m ipykernel_launcher``).
WARM_KERNELS_ENV = "COMPLAINTS_WARM_KERNELS"
#: A notebook whose code imports one of these gains from a warm kernel; any other starts afresh
#: (waiting for the warm process would cost it more than it saves).
_HEAVY_IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(?:complaints|pandas|great_expectations|matplotlib|seaborn|afcharts|"
    r"openpyxl)\b",
    re.MULTILINE,
)


def imports_heavy_libraries(notebook: Path) -> bool:
    """True when a code cell of the notebook imports the package or a preloaded library."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return False
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if cell.get("cell_type") == "code" and _HEAVY_IMPORT.search(source):
            return True
    return False


# What the kernel manager starts instead of ``python -m ipykernel_launcher -f <file>``: a small
# process that asks the warm process to fork a kernel with its own standard streams, working
# directory, environment and arguments, passes on interrupts, and exits with the kernel.
_CLIENT = """\
import json, os, signal, socket, struct, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(sys.argv[1])
request = json.dumps({"argv": sys.argv[2:], "cwd": os.getcwd(), "env": dict(os.environ)})
payload = request.encode()
socket.send_fds(sock, [struct.pack("!Q", len(payload)) + payload], [0, 1, 2])
def forward(signum, frame):
    sock.sendall(b"I" if signum == signal.SIGINT else b"T")
signal.signal(signal.SIGINT, forward)
signal.signal(signal.SIGTERM, forward)
status = b""
while chunk := sock.recv(16):
    status += chunk
sys.exit(int(status or b"1"))
"""


class WarmKernels:
    """A process that has imported :data:`PRELOAD` once and forks a kernel on request, so that
    no kernel pays for starting Python, ipykernel, pandas, great_expectations or matplotlib.

    A forked kernel runs the same code in the same interpreter (with the kernel spec's options)
    as a kernel started afresh; only the imports are shared. If the warm process cannot be
    started, kernels are started afresh.
    """

    def __init__(self, kernel_name: str, folder: Path) -> None:
        self.kernel_name = kernel_name
        self.socket_path = str(folder / "warm-kernels.sock")
        self.prefix: list[str] | None = None
        self.process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._usable = False

    def _start(self) -> None:
        from jupyter_client.kernelspec import KernelSpecManager

        try:
            argv = KernelSpecManager().get_kernel_spec(self.kernel_name).argv
            at = argv.index("-m")
        except Exception:
            return
        if argv[at + 1 : at + 2] != ["ipykernel_launcher"]:
            return
        self.prefix = argv[:at]
        code = "from complaints.run.kernels import _warm_serve; _warm_serve()"
        try:
            self.process = subprocess.Popen(
                [*self.prefix, "-c", code, self.socket_path, str(PRELOAD_FIRST), *PRELOAD],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=paths.PROJECT_ROOT,
            )
        except OSError:
            return  # kernels are started afresh
        threading.Thread(target=self._wait_ready, daemon=True).start()

    def _wait_ready(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        self._usable = self.process.stdout.readline().strip() == b"ready"
        self._ready.set()

    def start(self) -> None:
        """Start the warm process (once), without waiting for it."""
        with self._lock:
            if self.process is None and self.prefix is None:
                self._start()

    def available(self) -> bool:
        """Start the warm process on first use and wait until it is ready (or has failed)."""
        self.start()
        if self.process is None:
            return False
        self._ready.wait(timeout=300)
        return self._usable and self.process.poll() is None

    def client_command(self, cmd: list[str]) -> list[str]:
        """The kernel command, rewritten to fork from the warm process when it applies."""
        if self.prefix is None or cmd[: len(self.prefix) + 2] != [
            *self.prefix,
            "-m",
            "ipykernel_launcher",
        ]:
            return cmd
        rest = cmd[len(self.prefix) + 2 :]
        return [self.prefix[0], "-c", _CLIENT, self.socket_path, *rest]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()  # the warm process ends its kernels and exits
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _warm_serve() -> None:
    """The warm process: import, then fork one kernel per request (see :class:`WarmKernels`).

    Its standard input is a pipe from the runner: when it closes, every kernel still running
    is killed and the process exits. A kernel whose client goes away is killed too.
    """
    import importlib
    import select
    import socket
    import struct

    socket_path, first, pending = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    # What ipykernel sets before any notebook can import matplotlib.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    def preload(name: str) -> None:
        # pandas decides at import whether it prints to a terminal (then it fits tables to
        # the terminal's width) by asking get_ipython() for a kernel: answer as a kernel would.
        import builtins

        builtins.get_ipython = lambda: type("Kernel", (), {"kernel": True})()
        try:
            with contextlib.suppress(Exception):
                importlib.import_module(name)
        finally:
            del builtins.get_ipython

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(64)
    for name in pending[:first]:
        preload(name)
    pending = pending[first:]
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    clients: dict[socket.socket, int] = {}
    kernels: dict[int, socket.socket] = {}

    def shut_down() -> None:
        for pid in list(kernels):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        os._exit(0)

    while True:
        while kernels:  # a kernel that exited: tell its client, which exits with its code
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = kernels.pop(pid, None)
            if conn is not None:
                clients.pop(conn, None)
                with contextlib.suppress(OSError):
                    conn.sendall(str(os.waitstatus_to_exitcode(status)).encode())
                conn.close()
        watched = [server, sys.stdin, *clients]
        if pending and not select.select(watched, [], [], 0)[0]:
            preload(pending.pop(0))  # nothing to serve: import the next library
            continue
        readable, _, _ = select.select(watched, [], [], 0.1)
        for source in readable:
            if source is sys.stdin:
                if not os.read(sys.stdin.fileno(), 4096):
                    shut_down()
            elif source is server:
                conn, _ = server.accept()
                data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
                while len(data) < 8 or len(data) < 8 + struct.unpack("!Q", data[:8])[0]:
                    chunk = conn.recv(1 << 20)
                    if not chunk:
                        break
                    data += chunk
                request = json.loads(data[8:])
                pid = os.fork()
                if pid == 0:
                    server.close()
                    for other in clients:
                        other.close()
                    conn.close()
                    _warm_kernel(request, fds)
                for fd in fds:
                    os.close(fd)
                clients[conn] = pid
                kernels[pid] = conn
            else:
                data = source.recv(64)
                pid = clients.get(source)
                if pid is None:
                    continue
                signum = signal.SIGKILL if not data else signal.SIGINT
                if data.endswith(b"T"):
                    signum = signal.SIGTERM
                with contextlib.suppress(OSError):
                    os.kill(pid, signum)
                if not data:
                    clients.pop(source, None)


def _warm_kernel(request: dict, fds: list[int]) -> None:
    """In the forked child: become the kernel ``python -m ipykernel_launcher`` would be."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if sys.path and sys.path[0] == "":  # as ipykernel_launcher does with the working directory
        del sys.path[0]
    code = 1
    try:
        from ipykernel import kernelapp

        sys.argv = [kernelapp.__file__, *request["argv"]]
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
