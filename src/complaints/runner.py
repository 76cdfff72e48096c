"""Run reporting years: execute the notebooks in order with papermill, export them with
nbconvert, and publish ``reports/<year>/`` only when the whole run of that year has succeeded.

A year's run writes everything into ``reports/.staging/<year>/``. When every notebook has run,
the index page and the manifest are written there and the folder is swapped into
``reports/<year>/``. When a notebook fails, the executed notebooks (the failed one included) and
their HTML are moved to ``reports/<year>.failed/`` for diagnosis, and the previous complete
outputs are left exactly as they were.

Incremental rebuilds. A notebook is executed again only when something it depends on has
changed; otherwise its executed notebook, its HTML and the files it wrote are copied from the
previous published ``reports/<year>/`` (which must still match its manifest). What a notebook
depends on is its *cache key*: the hash of its own source, its parameters, the kernel, the
package code (every file under ``src/complaints/``), the package versions, and the inputs it
reads, declared once in :data:`NOTEBOOK_READS` and hashed by content. ``force=True`` executes
everything. The manifest records, per notebook, the key, whether it was executed or reused, and
why.

Parallel runs. :func:`run_years` runs several years at once, up to ``jobs`` notebooks at a time
(one kernel each). Within a year the notebooks run in their numbered order; a notebook that
reads the multi-year store (every year's clean tables) starts only when every notebook of the
run that writes clean tables has finished, so it sees the same store whatever the timing. A
failure in one year leaves the other years' outputs alone.

The public edition (``edition="public"``). The notebooks up to the report (``01_clean``,
``02_validate``, ``03_report``; not ``04_trends``) run as above with ``edition=public``, into
``reports/.staging/<year>-public/``; validation errors still stop the run. Their executed
notebooks, validation results and audit HTML show every figure, so they are not published: the
complete run is kept as the public edition's cache, ``reports/.cache/<year>-public/`` (what the
next public run reuses from; internal, like ``reports/<year>/``), and only the report's HTML for
readers (no code), its tables and charts, an index page and a manifest are copied into
``reports/<year>-public/`` (:func:`complaints.publish.build_public_edition`), checked
(:func:`complaints.publish.check_public_edition`) and swapped in. ``reports/<year>/`` is never
read or written by a public run. A failed public run keeps its evidence in
``reports/<year>-public.failed/``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from complaints import paths
from complaints.errors import InputError
from complaints.params import NOTEBOOK_PARAMETERS
from complaints.years import ReportingYear

KERNEL = "python3"
TEMPLATES_DIR = Path(__file__).parent / "templates"
#: The package's code: a change to any file here re-executes every notebook.
PACKAGE_DIR = Path(__file__).resolve().parent
# Packages whose versions the manifest records (and the cache key holds).
RECORDED_PACKAGES = (
    "complaints",
    "pandas",
    "great-expectations",
    "matplotlib",
    "seaborn",
    "afcharts",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
)
#: Folders of a report that hold every notebook's executed copy and HTML (not data outputs).
_NOTEBOOK_FOLDERS = ("notebooks", "html")
#: The editions a run can publish (those of complaints.disclosure.EDITIONS, named here so that a
#: run that executes nothing does not import pandas). ``internal`` is the default.
EDITIONS = ("internal", "public")
#: The notebook the public edition publishes (its HTML for readers, tables and charts); the
#: notebooks numbered before it run too (it reads what they write), those after it do not.
PUBLIC_REPORT = "03_report"


# What each notebook reads ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reads:
    """What a notebook reads, besides what every cache key holds: the notebook's own source,
    its parameters, the kernel, the package code and the package versions.

    ``outputs_of`` names earlier notebooks of the same year whose files in the output folder
    it reads (``"*"``: every earlier notebook). ``writes``: the folders of the output folder it
    writes into (``None``: unknown, so it runs alone, after every earlier notebook of its year
    and before every later one). ``writes_clean``: it writes ``clean_root/<year>/`` (outside
    the report folder); when it is reused, those files must still be the ones it wrote, and
    notebooks that read the store wait for it.

    Notebooks of a year that do not depend on each other (neither reads what the other writes)
    may run at the same time.
    """

    raw: bool = False  # raw_root/<year>/, every file
    store: bool = False  # clean_root/<every year>/, every file (complaints.store.load_store)
    store_without_raw: bool = False  # the store, when the year has no raw input of its own
    expectations: bool = False  # expectations/*.json
    outputs_of: tuple[str, ...] = ()
    writes: tuple[str, ...] | None = None
    writes_clean: bool = False


#: The one place the notebooks' inputs are declared (by notebook stem).
NOTEBOOK_READS: dict[str, Reads] = {
    # Cleans raw_root/<year>/ into clean_root/<year>/; a year with no input of its own is
    # gathered from the figures other reports restate (complaints.store.prepare_year).
    "01_clean": Reads(raw=True, store_without_raw=True, writes_clean=True, writes=()),
    # Validates the year against the whole store (figures two reports give differently).
    "02_validate": Reads(store=True, expectations=True, writes=("validation",)),
    # Tables and charts from the store; the data-quality notes 02 wrote (validation/notes.csv).
    "03_report": Reads(
        store=True, expectations=True, outputs_of=("02_validate",), writes=("tables", "charts")
    ),
    # Every year's headline series, from the store.
    "04_trends": Reads(store=True, writes=("trends",)),
}
#: A notebook not declared above is assumed to read everything, earlier outputs included.
READS_EVERYTHING = Reads(raw=True, store=True, expectations=True, outputs_of=("*",), writes=None)


def reads_of(notebook: Path, declared: dict[str, Reads] | None = None) -> Reads:
    declared = NOTEBOOK_READS if declared is None else declared
    return declared.get(notebook.stem, READS_EVERYTHING)


class RunError(Exception):
    """A notebook failed. The message names the year, the notebook, the cell and where the
    evidence is."""


@dataclass
class RunResult:
    year: ReportingYear
    output_dir: Path
    notebooks: list[Path] = field(default_factory=list)
    manifest: Path | None = None
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    """What :func:`run_years` did: the published years and, by year, the failures."""

    results: list[RunResult] = field(default_factory=list)
    failures: dict[str, RunError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def list_notebooks(notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """The pipeline's notebooks in run order: ``NN_name.ipynb``, sorted by their number."""
    return sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))


def check_parameters(parameters: dict[str, object], notebooks: list[Path]) -> dict[str, object]:
    """Reject unknown or malformed parameters before anything runs.

    Every notebook must declare every parameter passed (papermill itself only warns), values
    must have the declared type, and the year must be a well-formed reporting year.
    """
    unknown = sorted(set(parameters) - set(NOTEBOOK_PARAMETERS))
    if unknown:
        raise InputError(
            f"unknown parameter(s): {', '.join(unknown)}",
            hint=f"the notebooks accept: {', '.join(NOTEBOOK_PARAMETERS)}",
        )
    for name, value in parameters.items():
        expected = NOTEBOOK_PARAMETERS[name]
        if not isinstance(value, expected):
            raise InputError(
                f"parameter {name}={value!r} must be of type {expected.__name__}",
            )
    ReportingYear.parse(str(parameters.get("year", "")))  # raises ValueError if malformed
    if parameters.get("edition", "internal") not in EDITIONS:
        raise InputError(
            f"edition={parameters['edition']!r} is unknown",
            hint=f"the editions are: {', '.join(EDITIONS)}",
        )
    for notebook in notebooks:
        missing = sorted(set(parameters) - _declared_parameters(notebook))
        if missing:
            raise InputError(
                f"notebook {notebook.name} does not declare parameter(s) {', '.join(missing)}",
                hint="add them to its cell tagged 'parameters'",
            )
    return parameters


def _declared_parameters(notebook: Path) -> set[str]:
    """The names the notebook's first cell tagged ``parameters`` assigns (what papermill's
    ``inspect_notebook`` finds, without importing papermill for a run that executes nothing)."""
    import ast

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            names = set()
            for node in ast.parse(source).body:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    names.update(t.id for t in targets if isinstance(t, ast.Name))
            return names
    return set()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git_state() -> dict[str, object]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=paths.PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def _versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


_ADDRESS = re.compile(r"(<[^<>\n]* at )0x[0-9a-fA-F]+>")


def _strip_volatile_metadata(notebook_path: Path) -> None:
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


def _project_path(value: object, default: Path) -> Path:
    """A folder parameter as the notebooks will see it (relative paths are from the project)."""
    if not value:
        return default
    path = Path(str(value))
    return path if path.is_absolute() else paths.PROJECT_ROOT / path


def _check_input(year: ReportingYear, params: dict[str, object]) -> None:
    """Read the year's raw input before any notebook starts, so that bad input is refused with
    one line naming the file, table and line or cell, and nothing is written."""
    from complaints.clean import extract_year

    raw_root = _project_path(params.get("raw_root"), paths.RAW_DIR)
    if paths.raw_dir(year, raw_root).is_dir():
        extract_year(year, raw_root)


def _failed_cell(exc: Exception) -> str:
    count = getattr(exc, "exec_count", None)
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc)).strip().splitlines()
    evalue = evalue[0] if evalue else ""
    cell = f"cell [{count}]" if count is not None else "a cell"
    return f"{cell}: {ename}: {evalue}"


def _relative(path: Path) -> str:
    return paths.relative_to_project(path)


# Content hashes --------------------------------------------------------------------------------


def _folder_hashes(folder: Path, *, skip_top: Iterable[str] = ()) -> dict[str, str]:
    """Every file under ``folder`` (relative POSIX path: sha256); empty if there is no folder."""
    skip = set(skip_top)
    if not folder.is_dir():
        return {}
    return {
        rel: _sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (rel := p.relative_to(folder).as_posix()).split("/")[0] not in skip
    }


def package_code_hash(root: Path | None = None) -> str:
    """One hash of every file of the package (``src/complaints/**``, compiled files aside)."""
    root = PACKAGE_DIR if root is None else root
    digest = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            digest.update(p.relative_to(root).as_posix().encode() + b"\0")
            digest.update(_sha256(p).encode() + b"\n")
    return digest.hexdigest()


def _store_hashes(clean_root: Path) -> dict[str, str]:
    """Every file of every year's clean folder: what :func:`complaints.store.load_store` reads."""
    hashes: dict[str, str] = {}
    for year in paths.years_held(clean_root):
        folder = paths.clean_dir(year, clean_root)
        hashes.update({f"{year}/{k}": v for k, v in _folder_hashes(folder).items()})
    return hashes


def unclaimed_outputs(manifest: dict) -> list[str]:
    """Files of a published report that no notebook's record claims (the index page aside):
    they would be lost if every notebook were reused, so nothing is reused."""
    claimed = {"index.html"}
    for record in (manifest.get("notebooks") or {}).values():
        claimed.update(record.get("outputs") or [])
    return sorted(set(manifest.get("outputs") or {}) - claimed)


def _digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify_report(report_dir: Path) -> tuple[dict | None, str]:
    """The manifest of a published report if every file still matches it (and no file was
    added), else ``None``, with a sentence saying why."""
    manifest_path = report_dir / "manifest.json"
    if not manifest_path.is_file():
        return None, "no previous report"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        recorded = dict(manifest["outputs"])
    except (ValueError, KeyError, TypeError):
        return None, "the previous report's manifest cannot be read"
    found = _folder_hashes(report_dir)
    for name in ("manifest.json", "manifest.sha256"):
        found.pop(name, None)
    if found != recorded:
        changed = sorted(set(found) ^ set(recorded)) or sorted(
            k for k in found if found[k] != recorded[k]
        )
        return None, (
            f"the previous report no longer matches its manifest ({changed[0]}"
            f"{f' and {len(changed) - 1} more' if len(changed) > 1 else ''})"
        )
    return manifest, "previous report intact"


# Kernels ---------------------------------------------------------------------------------------

_LIVE_KERNELS: set = set()
_LIVE_LOCK = threading.Lock()


def _kernel_manager_class(log_path: Path, warm: WarmKernels | None = None):
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


def _kill_live_kernels() -> None:
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
        code = "from complaints.runner import _warm_serve; _warm_serve()"
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


# Planning and running --------------------------------------------------------------------------


def default_jobs() -> int:
    """Notebooks run at once by default: one per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


@dataclass
class _YearRun:
    """One year of a run: its folders, its notebooks' records, where it stands."""

    year: ReportingYear
    params: dict[str, object]
    notebooks: list[Path]
    reads: list[Reads]
    final_dir: Path
    staging: Path
    failed_dir: Path
    raw_root: Path
    clean_root: Path
    has_raw: bool
    # The public edition's folder (``final_dir`` is then its unpublished cache); None: internal.
    public_dir: Path | None = None
    records: dict[str, dict] = field(default_factory=dict)
    executed: list[bool] = field(default_factory=list)
    started_tasks: set[int] = field(default_factory=set)
    in_flight: int = 0
    # Notebooks whose kernels are running, and those that ran while another of the year did.
    executing: set[int] = field(default_factory=set)
    overlapped: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: int = 0
    failure: RunError | None = None
    finished: bool = False
    started: datetime | None = None
    # A copy of clean_root/<year>/ as it was before the run: put back if the run fails, so that
    # figures a failed run rejected never stay in the store.
    clean_before: Path | None = None
    _previous: tuple[dict | None, str] | None = None

    @property
    def published_dir(self) -> Path:
        """The folder readers get: ``reports/<year>/``, or ``reports/<year>-public/``."""
        return self.public_dir if self.public_dir is not None else self.final_dir

    @property
    def public_staging(self) -> Path | None:
        """Where the public folder is assembled before it is swapped in."""
        if self.public_dir is None:
            return None
        return self.staging.with_name(f"{self.staging.name}.publish")

    def previous(self) -> tuple[dict | None, str]:
        if self._previous is None:
            self._previous = verify_report(self.final_dir)
        return self._previous

    def writes_clean(self, index: int) -> bool:
        return self.reads[index].writes_clean and self.has_raw

    def reads_store(self, index: int) -> bool:
        reads = self.reads[index]
        return reads.store or (reads.store_without_raw and not self.has_raw)

    def label(self, index: int) -> str:
        edition = " public" if self.public_dir is not None else ""
        return (
            f"{self.year}{edition} [{index + 1}/{len(self.notebooks)}] {self.notebooks[index].name}"
        )

    def predecessors(self, index: int) -> set[int]:
        """The earlier notebooks of the year this one must wait for."""
        mine = self.reads[index]
        if mine.writes is None:
            return set(range(index))
        before = set()
        for earlier in range(index):
            theirs = self.reads[earlier]
            if (
                theirs.writes is None
                or "*" in mine.outputs_of
                or self.notebooks[earlier].stem in mine.outputs_of
                or (self.reads_store(index) and self.writes_clean(earlier))
                or set(theirs.writes) & set(mine.writes)
            ):
                before.add(earlier)
        return before

    def begin(self, index: int) -> None:
        with self.lock:
            if self.executing:
                self.overlapped.update({*self.executing, index})
            self.executing.add(index)

    def end(self, index: int) -> bool:
        """Mark the kernel of ``index`` finished; True if it ran alone in its year."""
        with self.lock:
            self.executing.discard(index)
            return index not in self.overlapped


class _Runner:
    def __init__(
        self,
        runs: list[_YearRun],
        *,
        kernel_name: str,
        jobs: int,
        force: bool,
        progress: Callable[[str], None],
        log_dir: Path,
        warm_kernels: bool = True,
    ) -> None:
        self.runs = runs
        self.kernel_name = kernel_name
        self.jobs = jobs
        self.force = force
        self._progress = progress
        self._progress_lock = threading.Lock()
        self.log_dir = log_dir
        self.events: queue.Queue = queue.Queue()
        self.code_hash = package_code_hash()
        self.versions = _versions()
        self.git = _git_state()
        self.summary = RunSummary()
        self.warm = WarmKernels(kernel_name, log_dir) if warm_kernels else None
        self.heavy = {nb: imports_heavy_libraries(nb) for run in runs for nb in run.notebooks}

    def progress(self, message: str) -> None:
        with self._progress_lock:
            self._progress(message)

    # Dependencies and the cache -------------------------------------------------------------

    def dependencies(self, run: _YearRun, index: int) -> dict[str, object]:
        """Everything notebook ``index`` of ``run`` depends on, by kind, read now."""
        notebook, reads = run.notebooks[index], run.reads[index]
        deps: dict[str, object] = {
            "notebook": _sha256(notebook),
            "parameters": run.params,
            "kernel": self.kernel_name,
            "package code": self.code_hash,
            "environment": self.versions,
        }
        if reads.raw:
            deps["raw input"] = _folder_hashes(paths.raw_dir(run.year, run.raw_root))
        if run.reads_store(index):
            deps["clean tables"] = _store_hashes(run.clean_root)
        if reads.expectations:
            deps["expectations"] = {
                p.name: _sha256(p) for p in sorted(paths.EXPECTATIONS_DIR.glob("*.json"))
            }
        for earlier in run.notebooks[:index]:
            if "*" in reads.outputs_of or earlier.stem in reads.outputs_of:
                outputs = run.records[earlier.name]["outputs"]
                deps[f"outputs of {earlier.stem}"] = {
                    rel: _sha256(run.staging / rel)
                    for rel in outputs
                    if rel.split("/")[0] not in _NOTEBOOK_FOLDERS
                }
        return deps

    def decide(
        self, run: _YearRun, index: int, key: str, digests: dict[str, str]
    ) -> tuple[dict | None, str]:
        """The previous record to reuse, or ``None`` and why the notebook must be executed."""
        if self.force:
            return None, "forced"
        previous, why = run.previous()
        if previous is None:
            return None, why
        record = (previous.get("notebooks") or {}).get(run.notebooks[index].name)
        if not isinstance(record, dict) or "cache_key" not in record:
            return None, "not in the previous report's cache"
        if record["cache_key"] != key:
            before = record.get("depends") or {}
            changed = sorted(
                k for k in set(digests) | set(before) if digests.get(k) != before.get(k)
            )
            return None, f"{', '.join(changed) or 'cache key'} changed"
        outputs = record.get("outputs") or []
        if not outputs or any(o not in previous["outputs"] for o in outputs):
            return None, "the previous report lacks its outputs"
        if unclaimed_outputs(previous):
            return None, "the previous report has files no notebook claims"
        if run.writes_clean(index):
            clean = _folder_hashes(paths.clean_dir(run.year, run.clean_root))
            if clean != record.get("clean"):
                where = _relative(paths.clean_dir(run.year, run.clean_root))
                return None, f"{where}/ changed since it was written"
        return record, "unchanged"

    # Tasks (worker threads) ----------------------------------------------------------------

    def task(self, run: _YearRun, index: int) -> None:
        notebook = run.notebooks[index]
        try:
            tick = time.perf_counter()
            deps = self.dependencies(run, index)
            digests = {kind: _digest(value) for kind, value in deps.items()}
            key = _digest(digests)
            previous, reason = self.decide(run, index, key, digests)
            if previous is not None:
                self.reuse(run, index, previous)
                run.records[notebook.name] = {
                    **previous,
                    "status": "reused",
                    "reason": reason,
                    "seconds": round(time.perf_counter() - tick, 2),
                }
                self.progress(f"{run.label(index)}: reused ({reason})")
                self.events.put(("executed", run, index, None))
            else:
                self.execute(run, index, key, digests, reason, tick)
            self.events.put(("finished", run, index, None))
        except RunError as exc:
            self.events.put(("finished", run, index, exc))
        except Exception as exc:  # a bug or an OS error: the year fails, the others go on
            error = RunError(f"{run.year}: {notebook.name}: {type(exc).__name__}: {exc}")
            error.__cause__ = exc
            self.events.put(("finished", run, index, error))

    def reuse(self, run: _YearRun, index: int, record: dict) -> None:
        run.begin(index)  # a sibling executing meanwhile must not claim these files
        try:
            for rel in record["outputs"]:
                target = run.staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(run.final_dir / rel, target)
        finally:
            run.end(index)

    def execute(
        self,
        run: _YearRun,
        index: int,
        key: str,
        digests: dict[str, str],
        reason: str,
        tick: float,
    ) -> None:
        import papermill

        notebook = run.notebooks[index]
        target = run.staging / "notebooks" / notebook.name
        self.progress(f"{run.label(index)}: running ({reason})")
        log = self.log_dir / f"{run.year}-{notebook.stem}.log"
        run.begin(index)
        try:
            before = _folder_hashes(run.staging, skip_top=_NOTEBOOK_FOLDERS)
            try:
                papermill.execute_notebook(
                    str(notebook),
                    str(target),
                    parameters=run.params,
                    kernel_name=self.kernel_name,
                    progress_bar=False,
                    log_output=False,
                    report_mode=False,
                    # Not papermill's cwd=, which changes the whole process's directory
                    # (threads share it): nbclient starts the kernel in the project root.
                    resources={"metadata": {"path": str(paths.PROJECT_ROOT)}},
                    kernel_manager_class=_kernel_manager_class(log, self._warm(notebook)),
                )
            except Exception as exc:
                raise self._failure(run, index, exc, log) from exc
            after = _folder_hashes(run.staging, skip_top=_NOTEBOOK_FOLDERS)
        finally:
            alone = run.end(index)
        _strip_volatile_metadata(target)
        written = sorted(rel for rel, digest in after.items() if before.get(rel) != digest)
        declared = run.reads[index].writes
        if not alone and declared is not None:
            # Another notebook of the year ran meanwhile: only the declared folders are ours.
            written = [rel for rel in written if rel.split("/")[0] in declared]
        record: dict[str, object] = {
            "status": "executed",
            "reason": reason,
            "cache_key": key,
            "depends": digests,
            "outputs": [
                f"notebooks/{notebook.name}",
                f"html/{notebook.stem}.html",
                f"html/{notebook.stem}.audit.html",
                *written,
            ],
        }
        if run.writes_clean(index):
            record["clean"] = _folder_hashes(paths.clean_dir(run.year, run.clean_root))
        run.records[notebook.name] = record
        self.progress(f"{run.label(index)}: executed in {time.perf_counter() - tick:.1f}s")
        # The notebooks that wait for this one may start while it is exported.
        self.events.put(("executed", run, index, None))
        export_html(target, run.staging / "html")
        record["seconds"] = round(time.perf_counter() - tick, 2)

    def _warm(self, notebook: Path) -> WarmKernels | None:
        """The warm process to fork this notebook's kernel from, if it gains from one."""
        if self.warm is None or not self.heavy[notebook]:
            return None
        return self.warm if self.warm.available() else None

    def _failure(self, run: _YearRun, index: int, exc: Exception, log: Path) -> RunError:
        """Keep the failed notebook, its HTML and its kernel's log; say where it failed."""
        notebook = run.notebooks[index]
        target = run.staging / "notebooks" / notebook.name
        if target.exists():
            _strip_volatile_metadata(target)
            export_html(target, run.staging / "html")
        if log.is_file():  # the kernel's own log, in case the kernel died
            shutil.copyfile(log, target.with_suffix(".kernel.log"))
        kept = _relative(run.failed_dir / "notebooks" / notebook.name)
        self.progress(f"{run.label(index)}: failed in {_failed_cell(exc)}")
        return RunError(
            f"{run.year}: notebook {notebook.name} failed in {_failed_cell(exc)}\n"
            f"  the executed notebook is kept at {kept} (and its HTML next to it);\n"
            f"  the previous outputs in {_relative(run.published_dir)}/ were not touched"
        )

    # Scheduling (main thread) ----------------------------------------------------------------

    def _writers_settled(self, reader: _YearRun, position: int) -> bool:
        """True when no notebook of this run that writes clean tables is still to finish (the
        reader's own later notebooks aside: they run after it)."""
        for run in self.runs:
            if run.failure is not None:
                continue
            for index in range(len(run.notebooks)):
                if run is reader and index > position:
                    break
                if run.writes_clean(index) and not run.executed[index]:
                    return False
        return True

    def _ready(self) -> list[tuple[_YearRun, int]]:
        """Notebooks that may start now, by year then number."""
        ready = []
        for run in self.runs:
            if run.failure is not None or run.finished:
                continue
            for index in range(len(run.notebooks)):
                if index in run.started_tasks:
                    continue
                if not all(run.executed[p] for p in run.predecessors(index)):
                    continue
                if run.reads_store(index) and not self._writers_settled(run, index):
                    continue
                ready.append((run, index))
        return ready

    def run(self) -> RunSummary:
        for run in self.runs:
            run.executed = [False] * len(run.notebooks)
            run.started = datetime.now(UTC)
            for folder in (run.staging, run.public_staging):
                if folder is not None and folder.exists():
                    shutil.rmtree(folder)
            (run.staging / "notebooks").mkdir(parents=True)
            _keep_clean_before(run)
        active = 0
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="notebook")
        try:
            while True:
                for run, index in self._ready():
                    if active >= self.jobs:
                        break
                    run.started_tasks.add(index)
                    run.in_flight += 1
                    active += 1
                    pool.submit(self.task, run, index)
                if active == 0:
                    break
                kind, run, index, error = self.events.get()
                if kind == "executed":
                    run.executed[index] = True
                    continue
                active -= 1
                run.in_flight -= 1
                if error is not None and run.failure is None:
                    run.failure = error
                elif error is None:
                    run.done += 1
                if run.in_flight == 0 and (
                    run.failure is not None or run.done == len(run.notebooks)
                ):
                    self.finish(run)
        except BaseException:
            _kill_live_kernels()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        for run in self.runs:  # a year whose notebooks could not start (never expected)
            if not run.finished:
                run.failure = run.failure or RunError(f"{run.year}: the run did not complete")
                self.finish(run)
        return self.summary

    def finish(self, run: _YearRun) -> None:
        run.finished = True
        if run.failure is None:
            try:
                self.summary.results.append(self.publish(run))
                return
            except Exception as exc:
                run.failure = RunError(f"{run.year}: publishing failed: {exc}")
                run.failure.__cause__ = exc
        if run.failed_dir.exists():
            shutil.rmtree(run.failed_dir)
        if run.staging.exists():
            run.staging.rename(run.failed_dir)
        if run.public_staging is not None and run.public_staging.exists():
            shutil.rmtree(run.public_staging)
        _restore_clean_before(run)
        _remove_if_empty(run.staging.parent)
        self.summary.failures[str(run.year)] = run.failure
        self.progress(f"{run.year}: failed, not published; see {_relative(run.failed_dir)}/")

    def publish(self, run: _YearRun) -> RunResult:
        from complaints.publish import write_index

        write_index(run.staging, run.year, run.params, run.notebooks)
        manifest = write_manifest(
            run.staging,
            year=run.year,
            parameters=run.params,
            notebooks=run.notebooks,
            started=run.started or datetime.now(UTC),
            finished=datetime.now(UTC),
            timings={nb.name: run.records[nb.name].get("seconds", 0.0) for nb in run.notebooks},
            raw_root=run.raw_root,
            records={nb.name: run.records[nb.name] for nb in run.notebooks},
            cache={"force": self.force, "package_code": self.code_hash},
            kernel=self.kernel_name,
            git=self.git,
            versions=self.versions,
        )
        unclaimed = unclaimed_outputs(json.loads(manifest.read_text(encoding="utf-8")))
        if unclaimed:
            self.progress(
                f"{run.year}: {len(unclaimed)} file(s) written outside the folders their notebook "
                f"declares in runner.NOTEBOOK_READS (e.g. {unclaimed[0]}): the next run will "
                "execute every notebook"
            )
        published = self.publish_public(run, manifest) if run.public_dir is not None else None
        run.final_dir.parent.mkdir(parents=True, exist_ok=True)
        _swap_in(run.staging, run.final_dir)
        if run.clean_before is not None and run.clean_before.exists():
            shutil.rmtree(run.clean_before)
        _remove_if_empty(run.staging.parent)
        if run.failed_dir.exists():
            shutil.rmtree(run.failed_dir)
        statuses = {nb.name: run.records[nb.name]["status"] for nb in run.notebooks}
        if published is not None:
            self.progress(
                f"{run.year}: public edition written to {_relative(run.public_dir)}/ "
                "(open index.html)"
            )
            return RunResult(
                year=run.year,
                output_dir=run.public_dir,
                notebooks=[],
                manifest=published,
                executed=[n for n, s in statuses.items() if s == "executed"],
                reused=[n for n, s in statuses.items() if s == "reused"],
            )
        self.progress(
            f"{run.year}: report written to {_relative(run.final_dir)}/ (open index.html)"
        )
        return RunResult(
            year=run.year,
            output_dir=run.final_dir,
            notebooks=[run.final_dir / "notebooks" / p.name for p in run.notebooks],
            manifest=run.final_dir / manifest.name,
            executed=[n for n, s in statuses.items() if s == "executed"],
            reused=[n for n, s in statuses.items() if s == "reused"],
        )

    def publish_public(self, run: _YearRun, manifest: Path) -> Path:
        """Copy what the public edition publishes from the complete run in ``run.staging`` into
        ``run.public_staging``, check it, write its index and manifest, and swap it into
        ``run.public_dir``. Returns the public manifest's path (as published)."""
        from complaints.publish import build_public_edition, case_ids, check_public_edition

        assert run.public_dir is not None and run.public_staging is not None
        report = next(nb for nb in run.notebooks if nb.stem == PUBLIC_REPORT)
        build_public_edition(run.staging, run.public_staging, run.year, report.stem)
        check_public_edition(run.public_staging, report.stem, case_ids(run.clean_root))
        internal = json.loads(manifest.read_text(encoding="utf-8"))
        public_manifest = write_manifest(
            run.public_staging,
            year=run.year,
            parameters=run.params,
            notebooks=run.notebooks,
            started=datetime.fromisoformat(internal["started"]),
            finished=datetime.fromisoformat(internal["finished"]),
            timings=internal["seconds_per_notebook"],
            raw_root=run.raw_root,
            # How each notebook came about, without the files it wrote (most are not published).
            records={
                name: {k: record[k] for k in ("status", "reason", "cache_key") if k in record}
                for name, record in internal["notebooks"].items()
            },
            cache=internal["cache"],
            kernel=internal["kernel"],
            git=internal["git"],
            versions=internal["versions"],
            edition="public",
        )
        _swap_in(run.public_staging, run.public_dir)
        return run.public_dir / public_manifest.name


def _keep_clean_before(run: _YearRun) -> None:
    """Copy the year's clean tables aside before its cleaning notebook may rewrite them."""
    if not run.has_raw:
        return
    run.clean_before = run.staging.parent / f"{run.year}.clean-before"
    if run.clean_before.exists():
        shutil.rmtree(run.clean_before)
    current = paths.clean_dir(run.year, run.clean_root)
    if current.is_dir():
        shutil.copytree(current, run.clean_before)


def _restore_clean_before(run: _YearRun) -> None:
    """A failed run leaves the store as it found it: its clean tables are put back (or removed
    when the year had none before)."""
    if run.clean_before is None:
        return
    current = paths.clean_dir(run.year, run.clean_root)
    if current.exists():
        shutil.rmtree(current)
    if run.clean_before.exists():
        run.clean_before.rename(current)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


@contextlib.contextmanager
def _exclusive(reports_root: Path, progress: Callable[[str], None]):
    """One run at a time per reports folder: two runs of a year would share its staging folder
    (and the clean store), so a second run waits for the first to finish."""
    reports_root.mkdir(parents=True, exist_ok=True)
    fd = os.open(reports_root, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"waiting for another run using {_relative(reports_root)}/ to finish ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def run_year(
    year: ReportingYear,
    *,
    parameters: dict[str, object] | None = None,
    reports_root: Path = paths.REPORTS_DIR,
    notebooks: list[Path] | None = None,
    kernel_name: str = KERNEL,
    progress: Callable[[str], None] = print,
    force: bool = False,
    jobs: int | None = None,
) -> RunResult:
    """Execute (or reuse) every notebook for ``year`` and publish ``reports_root/<year>/``
    atomically; raises :class:`RunError` if a notebook fails."""
    summary = run_years(
        [year],
        parameters=parameters,
        reports_root=reports_root,
        notebooks=notebooks,
        kernel_name=kernel_name,
        progress=progress,
        force=force,
        jobs=jobs,
    )
    if summary.failures:
        raise summary.failures[str(year)]
    return summary.results[0]


def run_years(
    years: Iterable[ReportingYear],
    *,
    parameters: dict[str, object] | None = None,
    reports_root: Path = paths.REPORTS_DIR,
    notebooks: list[Path] | None = None,
    kernel_name: str = KERNEL,
    progress: Callable[[str], None] = print,
    force: bool = False,
    jobs: int | None = None,
    reads: dict[str, Reads] | None = None,
    warm_kernels: bool | None = None,
) -> RunSummary:
    """Run several years, up to ``jobs`` notebooks at a time (default: one per core).

    Parameters and raw inputs of every year are checked before anything runs (bad ones raise
    :class:`~complaints.errors.InputError`). A year whose notebook fails is not published and
    is listed in the summary's ``failures``; the other years go on. ``warm_kernels``: fork the
    kernels from a process that has imported the heavy libraries once (default: yes, unless
    the environment variable ``COMPLAINTS_WARM_KERNELS`` is ``0``).
    """
    years = sorted(set(years))
    if not years:
        raise InputError("no reporting year to run")
    notebooks = notebooks if notebooks is not None else list_notebooks()
    if not notebooks:
        raise InputError("no notebooks found", file=_relative(paths.NOTEBOOKS_DIR))
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise InputError(f"jobs must be at least 1, not {jobs}")
    parameters = dict(parameters or {})
    if parameters.get("edition") == "internal":
        # The notebooks' default: asking for it by name gives the very same run and outputs.
        del parameters["edition"]
    public = parameters.get("edition") == "public"
    if public:
        notebooks = public_edition_notebooks(notebooks)
    runs = []
    for year in years:
        name = f"{year}-public" if public else str(year)
        staging = reports_root / ".staging" / name
        # Paths handed to notebooks are relative to the project root (the kernel's working
        # directory), so the executed notebooks record the same parameters on every machine.
        output_param = os.path.relpath(staging, paths.PROJECT_ROOT)
        params = {"year": str(year), **parameters, "output_dir": output_param}
        check_parameters(params, notebooks)
        raw_root = _project_path(params.get("raw_root"), paths.RAW_DIR)
        runs.append(
            _YearRun(
                year=year,
                params=params,
                notebooks=list(notebooks),
                reads=[reads_of(nb, reads) for nb in notebooks],
                # The public edition's complete run is its cache, never published.
                final_dir=reports_root / ".cache" / name if public else reports_root / name,
                staging=staging,
                failed_dir=reports_root / f"{name}.failed",
                raw_root=raw_root,
                clean_root=_project_path(params.get("clean_root"), paths.CLEAN_DIR),
                has_raw=paths.raw_dir(year, raw_root).is_dir(),
                public_dir=reports_root / name if public else None,
            )
        )
    with tempfile.TemporaryDirectory(prefix="complaints-run-") as log_dir:
        runner = _Runner(
            runs,
            kernel_name=kernel_name,
            jobs=jobs,
            force=force,
            progress=progress,
            log_dir=Path(log_dir),
            warm_kernels=(
                os.environ.get(WARM_KERNELS_ENV, "1") != "0"
                if warm_kernels is None
                else warm_kernels
            ),
        )
        try:
            unread = [run for run in runs if not _input_already_read(runner, run)]
            if unread and runner.warm is not None and any(runner.heavy.values()):
                runner.warm.start()  # notebooks will run: warm up while the inputs are read
            for run in unread:
                _check_input(run.year, run.params)
            with _exclusive(reports_root, runner.progress):
                return runner.run()
        finally:
            if runner.warm is not None:
                runner.warm.stop()


def public_edition_notebooks(notebooks: list[Path]) -> list[Path]:
    """The notebooks a public edition runs: the report and every notebook numbered before it
    (it reads what they write); the later ones (04_trends) are for analysts and not run."""
    stems = [nb.stem for nb in notebooks]
    if PUBLIC_REPORT not in stems:
        raise InputError(
            f"the public edition publishes {PUBLIC_REPORT}.ipynb, which is not among the notebooks"
        )
    return notebooks[: stems.index(PUBLIC_REPORT) + 1]


def _input_already_read(runner: _Runner, run: _YearRun) -> bool:
    """True when the previous run of the year read this very input with this very code (its
    cleaning notebook will be reused): it was good then, so it is not read again."""
    if runner.force or not run.notebooks or not run.writes_clean(0):
        return False
    manifest_path = run.final_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        record = manifest["notebooks"][run.notebooks[0].name]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    digests = {k: _digest(v) for k, v in runner.dependencies(run, 0).items()}
    return record.get("cache_key") == _digest(digests)


def _swap_in(staging: Path, final_dir: Path) -> None:
    old = None
    if final_dir.exists():
        old = final_dir.with_name(f".{final_dir.name}.old")
        if old.exists():
            shutil.rmtree(old)
        final_dir.rename(old)
    staging.rename(final_dir)
    if old is not None:
        shutil.rmtree(old)


def write_manifest(
    out_dir: Path,
    *,
    year: ReportingYear,
    parameters: dict[str, object],
    notebooks: list[Path],
    started: datetime,
    finished: datetime,
    timings: dict[str, float],
    raw_root: Path,
    records: dict[str, dict] | None = None,
    cache: dict[str, object] | None = None,
    git: dict[str, object] | None = None,
    versions: dict[str, str] | None = None,
    kernel: str = KERNEL,
    edition: str | None = None,
) -> Path:
    """``manifest.json``: inputs and outputs with their sha256, code version, parameters, times,
    and per notebook its cache key, whether it was executed or reused, and why.

    Output paths are relative to ``out_dir`` so that ``sha256sum -c manifest.sha256`` run from
    the year's folder verifies them.
    """
    raw_folder = paths.raw_dir(year, raw_root)
    inputs = {_relative(p): _sha256(p) for p in sorted(raw_folder.rglob("*")) if p.is_file()}
    code_inputs = {
        _relative(p): _sha256(p)
        for p in [*notebooks, *sorted(paths.EXPECTATIONS_DIR.glob("*.json"))]
    }
    outputs = {
        p.relative_to(out_dir).as_posix(): _sha256(p)
        for p in sorted(out_dir.rglob("*"))
        if p.is_file() and p.name not in ("manifest.json", "manifest.sha256")
    }
    manifest = {
        "year": str(year),
        **({"edition": edition} if edition is not None else {}),
        "parameters": parameters,
        "kernel": kernel,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "seconds_per_notebook": timings,
        "git": git if git is not None else _git_state(),
        "versions": versions if versions is not None else _versions(),
        "inputs": inputs,
        "code": code_inputs,
        "cache": cache or {},
        "notebooks": records or {},
        "outputs": outputs,
    }
    target = out_dir / "manifest.json"
    target.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    # The same output hashes in the format `sha256sum -c` reads.
    (out_dir / "manifest.sha256").write_text(
        "".join(f"{digest}  {name}\n" for name, digest in outputs.items()), encoding="utf-8"
    )
    return target
