"""Where a notebook run's time goes: interpreter and import costs, kernel start, and the work
each notebook does, each measured on its own. Run by ``benchmark.py`` (with the snapshot of the
project first on ``PYTHONPATH``); writes one JSON object to OUTPUT.

Usage: python benchmarks/breakdown.py REPORT_DIR CLEAN_ROOT REPEAT OUTPUT
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def fresh_process(code: str) -> float:
    """Seconds a new interpreter takes to run ``code`` (start-up included)."""
    tick = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - tick


def median_of(repeat: int, measure) -> float:
    return round(statistics.median(measure() for _ in range(repeat)), 2)


def kernel_start() -> float:
    from jupyter_client.manager import start_new_kernel

    tick = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
    ready = time.perf_counter() - tick
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return ready


def timed(function, *args, **kwargs):
    tick = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - tick, result


def main() -> None:
    report_dir, clean_root, repeat = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    output = Path(sys.argv[4])
    out: dict[str, object] = {}
    python_alone = median_of(repeat, lambda: fresh_process("pass"))
    imports = {"python start-up": python_alone}
    for label, modules in (
        ("pandas", "pandas"),
        ("matplotlib + seaborn + afcharts", "matplotlib, seaborn, afcharts"),
        ("great_expectations", "great_expectations"),
        ("papermill", "papermill"),
        ("nbconvert", "nbconvert"),
        ("ipykernel (in the kernel)", "ipykernel.kernelapp"),
        ("complaints.cli (the command)", "complaints.cli"),
    ):
        seconds = median_of(repeat, lambda m=modules: fresh_process(f"import {m}"))
        imports[label] = round(seconds - python_alone, 2)
    out["import_seconds"] = imports
    out["kernel_start_seconds"] = median_of(repeat, kernel_start)
    # The notebooks' own work, in this process (imports already paid above, except GX's first
    # validation, which loads more of GX).
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    from complaints.checks import validation
    from complaints.inputs.clean import build_clean
    from complaints.outputs import presentation, trends
    from complaints.params import resolve
    from complaints.run import export
    from complaints.years import ReportingYear

    year = ReportingYear.parse("2022-23")
    work: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_clean = Path(tmp) / "clean"
        work["01 clean: extract and write the tables"] = timed(
            build_clean, year, Path(os.environ["BENCH_RAW_ROOT"]), tmp_clean
        )[0]
        run = resolve(str(year), "", str(clean_root), str(Path(tmp) / "out"))
        work["02 validate: GX import and context"] = timed(validation.gx_context)[0]
        work["02 validate: every suite (check_year)"] = timed(
            validation.check_year, run, raise_on_error=False
        )[0]
        work["03 report: tables and charts (build_report)"] = timed(presentation.build_report, run)[
            0
        ]
        series = trends.headline_series(year, clean_root)
        work["04 trends: series and charts"] = timed(
            trends.draw_trend_charts, series, Path(tmp) / "trends"
        )[0]
        exports = {}
        for notebook in sorted((report_dir / "notebooks").glob("*.ipynb")):
            exports[notebook.stem] = round(
                timed(export.export_html, notebook, Path(tmp) / "html")[0], 2
            )
        out["html_export_seconds"] = exports
    out["work_seconds"] = {k: round(v, 2) for k, v in work.items()}
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    out["seconds_per_notebook_in_a_cold_run"] = manifest["seconds_per_notebook"]
    output.write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main()
