"""JupyterLab as an analyst uses it: started headless, driven in Debian's chromium, it opens
``04_trends.ipynb`` with the project's kernel, runs every cell, shows the charts, and leaves every
published file as it was.

The server serves a temporary folder holding a copy of the notebook (so that JupyterLab's
autosave can never write outputs into the committed notebook); the kernel imports the project's
package and reads and writes the project's folders as any notebook opened in JupyterLab does.
A screenshot is kept in ``$COMPLAINTS_TEST_ARTEFACTS`` (default ``tests/artefacts/``) under
``jupyterlab/``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from complaints import paths
from complaints.inputs.clean import build_clean
from complaints.params import SCRATCH, resolve

pytestmark = pytest.mark.slow

NOTEBOOK = "04_trends.ipynb"
#: The project's kernel (``make setup`` installs it into the environment).
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tree_state(*folders: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time: a file rewritten with the same bytes counts."""
    return {
        str(p): (p.read_bytes(), p.stat().st_mtime_ns)
        for folder in folders
        if folder.exists()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_relative_to(SCRATCH)
    }


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving a copy of the notebook; yields (url, folder)."""
    pytest.importorskip("jupyterlab", reason="JupyterLab is the analysts' extra (make lab)")
    scratch = resolve("2022-23")  # the folders a notebook opened in JupyterLab works in
    if not any(scratch.clean_dir.glob("*.csv")):
        build_clean(scratch.year, paths.RAW_DIR, scratch.clean_root)
    root = tmp_path_factory.mktemp("lab")
    notebook = json.loads((paths.NOTEBOOKS_DIR / NOTEBOOK).read_text(encoding="utf-8"))
    notebook["metadata"]["kernelspec"] = KERNELSPEC
    (root / NOTEBOOK).write_text(json.dumps(notebook), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    runtime = tmp_path_factory.mktemp("lab-runtime")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",  # CI runs as root
            "--LabApp.extension_manager=readonly",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            f"--LabApp.workspaces_dir={runtime}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=(runtime / "server.log").open("w"),
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = (runtime / "server.log").read_text(encoding="utf-8", errors="replace")
                    pytest.fail(f"JupyterLab did not start:\n{log[-3000:]}")
                time.sleep(0.5)
        yield f"{url}/lab/tree/{NOTEBOOK}?token={token}", root
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def test_04_trends_runs_in_jupyterlab_and_shows_its_charts(lab, browser, artefacts):
    url, root = lab
    published = (paths.REPORTS_DIR, paths.CLEAN_DIR)
    before = _tree_state(*published, paths.NOTEBOOKS_DIR)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=90_000)
    # Wait for the kernel, then run every cell as "Run > Run All Cells" does.
    page.wait_for_function(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            const kernel = panel && panel.sessionContext && panel.sessionContext.session
                && panel.sessionContext.session.kernel;
            return kernel && kernel.status === 'idle';
        }""",
        timeout=120_000,
    )
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=300_000,
    )
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_timeout(1000)
    images = page.locator('.jp-OutputArea-output img[src^="data:image/png"]')
    count = images.count()
    shot = artefacts / "jupyterlab" / "04_trends.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)

    saved = json.loads((root / NOTEBOOK).read_text(encoding="utf-8"))
    code = [c for c in saved["cells"] if c["cell_type"] == "code"]
    errors = [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, [f"{e['ename']}: {e['evalue']}" for e in errors]
    assert all(c.get("execution_count") for c in code), "a cell did not run"
    # Every trend chart the notebook drew is on the page, as an image with a text alternative.
    drawn = [
        o
        for c in code
        for o in c.get("outputs", [])
        if "<figure" in "".join(o.get("data", {}).get("text/html", ""))
    ]
    assert count == len(drawn) > 0
    assert all(images.nth(i).get_attribute("alt") for i in range(count))
    # Nothing a notebook run from JupyterLab writes is a published file or a source notebook.
    assert _tree_state(*published, paths.NOTEBOOKS_DIR) == before
