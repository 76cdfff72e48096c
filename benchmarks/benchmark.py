"""How long the pipeline takes, against the floor, in one invocation (``make benchmark``).

Measured side by side, each the median of several runs:

a. the floor: one Python process that imports pandas, seaborn and great_expectations and starts
   one kernel (what any notebook-based run of this project pays at least once);
b. a cold full run of 2022-23 (no clean tables, no previous report);
c. a rerun with nothing changed;
d. a rerun after one raw figure changed (line 18 of the 2022-23 text: 9 -> 19);
e. N synthetic years run together (N = 1, 2, 4, 8), each cold, with the default ``--jobs``;
f. a synthetic case extract of about 1,000,000 case rows (``write_case_export``, scale mode):
   ``pandas.read_csv`` of its cases file, and the whole case route on it (read the export with
   its mapping, check it with GX, compute every table), side by side in one process with the
   modules imported first (``--only-cases`` runs this measurement alone and keeps the others'
   figures from ``results.json``).

Every run is the real command, ``complaints run``, in a fresh process. Everything happens in a
temporary copy of the project (code, notebooks, expectations, raw input), so that the project's
data/ and reports/ are never touched and edits made to the working tree meanwhile do not
disturb the measurements. The synthetic years are scaffolded with
``complaints.inputs.workbook.scaffold`` from the 2022-23 clean tables and filled with
``fill_workbook`` of tests/support.py; the store they are compared with holds 2022-23.

Writes ``benchmarks/results.json`` and the table between the markers in
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
SNAPSHOT = ("src", "notebooks", "expectations", "data/raw", "pyproject.toml", "docs/caveats.md")
YEAR = "2022-23"
FIRST_SYNTHETIC = 2023
CASE_SCALE = 3000  # x the Dorset-like year: about 1,000,000 case rows
START, END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"

FLOOR = """
import subprocess
import pandas, seaborn, great_expectations
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
kc.stop_channels()
km.shutdown_kernel(now=True)
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def machine() -> dict[str, object]:
    cpu = "unknown"
    memory = None
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cores": len(os.sched_getaffinity(0)),
        "memory_gib": memory,
        "cpu": cpu,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


class Bench:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.project = root / "project"
        for item in SNAPSHOT:
            source, target = PROJECT / item, self.project / item
            if source.is_dir():
                shutil.copytree(
                    source,
                    target,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
                )
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        (self.project / "data" / "clean").mkdir()
        (self.project / "reports").mkdir()
        # The copy's package comes first: the command and every kernel run the copied code.
        self.env = {**os.environ, "PYTHONPATH": str(self.project / "src")}
        self.env.pop("PYTHONHASHSEED", None)
        self.raw_file = next((self.project / "data" / "raw" / YEAR).glob("*.txt"))
        self.raw_text = self.raw_file.read_bytes()
        self.multi = root / "multi"

    def command(self, *args: str) -> float:
        """Seconds ``complaints`` takes, in a fresh process; stops the benchmark if it fails."""
        cmd = [sys.executable, "-m", "complaints.cli", *args]
        tick = time.perf_counter()
        done = subprocess.run(cmd, cwd=self.project, env=self.env, capture_output=True, text=True)
        seconds = time.perf_counter() - tick
        if done.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
        return seconds

    def floor(self) -> float:
        tick = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR], env=self.env, check=True)
        return time.perf_counter() - tick

    def wipe(self) -> None:
        for folder in (self.project / "data" / "clean", self.project / "reports"):
            shutil.rmtree(folder)
            folder.mkdir()
        self.raw_file.write_bytes(self.raw_text)

    def change_one_figure(self) -> None:
        lines = self.raw_text.decode("utf-8").split("\n")
        cells = lines[17].split("\t")
        assert cells[2] == "9", "line 18 of the 2022-23 text is expected to hold 9"
        cells[2] = "19"
        lines[17] = "\t".join(cells)
        self.raw_file.write_bytes("\n".join(lines).encode("utf-8"))

    def synthetic_years(self, count: int) -> list[str]:
        """raw/ holds 2022-23 and ``count`` synthetic years; clean/ holds 2022-23."""
        sys.path[:0] = [str(self.project / "src"), str(PROJECT / "tests")]
        from support import fill_workbook

        from complaints.inputs.clean import build_clean, extract_year
        from complaints.inputs.workbook import scaffold
        from complaints.years import ReportingYear

        raw, clean = self.multi / "raw", self.multi / "clean"
        (raw / YEAR).mkdir(parents=True)
        shutil.copyfile(self.raw_file, raw / YEAR / self.raw_file.name)
        base = ReportingYear.parse(YEAR)
        build_clean(base, raw, clean)
        previous = extract_year(base, raw)
        years = []
        for n in range(count):
            year = ReportingYear(FIRST_SYNTHETIC + n)
            workbook = scaffold(year, previous, raw_root=raw)
            fill_workbook(workbook, seed=100 + n)
            keep_upheld_within_received(workbook)
            years.append(str(year))
        return years

    def run_years(self, years: list[str]) -> float:
        for year in years:
            shutil.rmtree(self.multi / "clean" / year, ignore_errors=True)
        shutil.rmtree(self.multi / "reports", ignore_errors=True)
        args = ["run", "--reports-root", str(self.multi / "reports")]
        args += ["-p", f"raw_root={self.multi / 'raw'}", "-p", f"clean_root={self.multi / 'clean'}"]
        for year in years:
            args += ["--year", year]
        return self.command(*args)

    def breakdown(self, repeat: int) -> dict:
        self.wipe()
        self.command("run", "--year", YEAR)
        env = {**self.env, "BENCH_RAW_ROOT": str(self.project / "data" / "raw")}
        output = self.root / "breakdown.json"
        done = subprocess.run(
            [
                sys.executable,
                str(HERE / "breakdown.py"),
                str(self.project / "reports" / YEAR),
                str(self.project / "data" / "clean"),
                str(repeat),
                str(output),
            ],
            env=env,
            capture_output=True,
            text=True,
            cwd=self.project,
        )
        if done.returncode != 0 or not output.is_file():
            return {"error": done.stderr.strip().splitlines()[-1:]}
        return json.loads(output.read_text(encoding="utf-8"))


#: (sheet, key column, upheld row, received row): fill_workbook draws these independently, so
#: upheld often exceeds received, which validation rightly stops on.
UPHELD_WITHIN_RECEIVED = (
    ("statutory_social_care", "measure", "lgsco_upheld", "lgsco_approaches"),
    ("statutory_whole_authority", "measure", "lgsco_upheld", "lgsco_approaches"),
    (
        "key_facts",
        "fact",
        "ombudsman_social_care_maladministration",
        "ombudsman_social_care_investigated",
    ),
    ("key_facts", "fact", "ombudsman_non_social_care_upheld", "ombudsman_non_social_care_heard"),
)


def keep_upheld_within_received(workbook: Path) -> None:
    """Lower each synthetic 'upheld' figure to at most its 'received' figure."""
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    for sheet_name, key, upheld, received in UPHELD_WITHIN_RECEIVED:
        sheet = book[sheet_name]
        header = [cell.value for cell in sheet[1]]
        key_col, value_col = header.index(key) + 1, header.index("value") + 1
        rows = {sheet.cell(row=r, column=key_col).value: r for r in range(2, sheet.max_row + 1)}
        if upheld in rows and received in rows:
            top = sheet.cell(row=rows[received], column=value_col).value
            cell = sheet.cell(row=rows[upheld], column=value_col)
            cell.value = min(cell.value, top)
    book.save(workbook)


def case_extract(project: Path, root: Path, repeat: int) -> dict[str, object]:
    """f. ``pandas.read_csv`` of a million-row cases file against the whole case route."""
    sys.path.insert(0, str(project / "src"))
    import great_expectations  # noqa: F401  (imports are fixed costs, paid before the clock)
    import pandas as pd

    from complaints.inputs.case_rules import Settings, tables_from_cases
    from complaints.inputs.cases import check_cases, read_cases
    from complaints.inputs.synthetic import write_case_export
    from complaints.years import ReportingYear

    year = ReportingYear(FIRST_SYNTHETIC)
    folder = root / "cases" / str(year)
    tick = time.perf_counter()
    write_case_export(folder, year, scale=CASE_SCALE)
    written = time.perf_counter() - tick
    with (folder / "cases.csv").open(encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    runs: dict[str, list[float]] = {"read_csv": [], "route": []}
    phases: dict[str, list[float]] = {"read_cases": [], "check_cases": [], "tables_from_cases": []}
    tables: dict = {}
    for r in range(repeat):
        tick = time.perf_counter()
        pd.read_csv(folder / "cases.csv")
        runs["read_csv"].append(time.perf_counter() - tick)
        times = [time.perf_counter()]
        data, rules = read_cases(folder, year)
        times.append(time.perf_counter())
        check_cases(data, year)
        times.append(time.perf_counter())
        tables = tables_from_cases(data, year, Settings.from_mapping(rules))
        times.append(time.perf_counter())
        runs["route"].append(times[-1] - times[0])
        for phase, start, end in zip(phases, times, times[1:], strict=False):
            phases[phase].append(end - start)
        log(
            f"case extract run {r + 1}/{repeat}: "
            + ", ".join(f"{k} {v[-1]:.1f}s" for k, v in runs.items())
        )
    medians = {k: statistics.median(v) for k, v in runs.items()}
    ratio = round(medians["route"] / medians["read_csv"], 2)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "load_average": round(os.getloadavg()[0], 2),
        "case_rows": rows,
        "cases_file_mib": round((folder / "cases.csv").stat().st_size / 2**20, 1),
        "write_seconds": round(written, 1),
        "read_csv": summary(runs["read_csv"]),
        "route": summary(runs["route"]),
        "route_over_read_csv": ratio,
        "route_phases_median": {k: round(statistics.median(v), 2) for k, v in phases.items()},
        "tables": len(tables),
        "target_reached": ratio <= 10,
    }


def summary(values: list[float]) -> dict[str, object]:
    return {"median": round(statistics.median(values), 2), "runs": [round(v, 2) for v in values]}


def slope(xs: list[int], ys: list[float]) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of a-d (median reported)")
    parser.add_argument("--years", default="1,2,4,8", help="N of the N-years runs")
    parser.add_argument("--years-repeat", type=int, default=2, help="runs of each N")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    parser.add_argument("--doc", type=Path, default=PROJECT / "docs" / "performance.md")
    parser.add_argument(
        "--only-cases", action="store_true", help="only f (the case extract), keep the rest"
    )
    parser.add_argument(
        "--only-breakdown", action="store_true", help="only the cost breakdown, keep the rest"
    )
    args = parser.parse_args()
    if args.only_cases or args.only_breakdown:
        results = json.loads(args.output.read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory(prefix="complaints-bench-") as tmp:
            bench = Bench(Path(tmp))
            if args.only_cases:
                results["case_extract"] = case_extract(bench.project, Path(tmp), args.repeat)
            else:
                results["breakdown"] = bench.breakdown(args.repeat)
        args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        write_doc(args.doc, results)
        print(render_table(results))
        return
    counts = [int(n) for n in args.years.split(",")]
    started = time.perf_counter()
    load_before = os.getloadavg()
    results: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "repetitions": {
            "floor, cold, rerun, one figure": args.repeat,
            "N years": args.years_repeat,
        },
        "jobs": "default (one per core)",
    }
    log(f"machine: {results['machine']}")
    with tempfile.TemporaryDirectory(prefix="complaints-bench-") as tmp:
        bench = Bench(Path(tmp))
        runs: dict[str, list[float]] = {"floor": [], "cold": [], "rerun": [], "one figure": []}
        for r in range(args.repeat):
            runs["floor"].append(bench.floor())
            bench.wipe()
            runs["cold"].append(bench.command("run", "--year", YEAR))
            runs["rerun"].append(bench.command("run", "--year", YEAR))
            bench.change_one_figure()
            runs["one figure"].append(bench.command("run", "--year", YEAR))
            log(
                f"run {r + 1}/{args.repeat}: "
                + ", ".join(f"{k} {v[-1]:.1f}s" for k, v in runs.items())
            )
        years = bench.synthetic_years(max(counts))
        by_count: dict[int, list[float]] = {n: [] for n in counts}
        for r in range(args.years_repeat):
            for n in counts:
                by_count[n].append(bench.run_years(years[:n]))
                log(
                    f"{n} year(s) together, run {r + 1}/{args.years_repeat}: {by_count[n][-1]:.1f}s"
                )
        log("case extract ...")
        results["case_extract"] = case_extract(bench.project, Path(tmp), args.repeat)
        log("breakdown ...")
        try:
            results["breakdown"] = bench.breakdown(args.repeat)
        except (Exception, SystemExit) as exc:  # the timings above are worth keeping
            results["breakdown"] = {"error": [str(exc)]}
    seconds = {
        "a_floor": summary(runs["floor"]),
        "b_cold_full_run": summary(runs["cold"]),
        "c_rerun_nothing_changed": summary(runs["rerun"]),
        "d_rerun_one_raw_figure_changed": summary(runs["one figure"]),
        "e_years_together": {str(n): summary(v) for n, v in by_count.items()},
    }
    results["seconds"] = seconds
    med = {k: v["median"] for k, v in seconds.items() if "median" in v}
    years_med = {n: seconds["e_years_together"][str(n)]["median"] for n in counts}
    ratios = {
        "cold_over_floor": round(med["b_cold_full_run"] / med["a_floor"], 2),
        "rerun_over_cold": round(med["c_rerun_nothing_changed"] / med["b_cold_full_run"], 3),
        "one_figure_over_cold": round(
            med["d_rerun_one_raw_figure_changed"] / med["b_cold_full_run"], 2
        ),
    }
    if 1 in years_med and 8 in years_med:
        ratios["8_years_over_8_single_synthetic_years"] = round(
            years_med[8] / (8 * years_med[1]), 2
        )
        ratios["8_years_over_8_cold_runs_of_2022_23"] = round(
            years_med[8] / (8 * med["b_cold_full_run"]), 2
        )
    results["ratios"] = ratios
    if len(years_med) > 1:
        results["seconds_per_extra_year"] = {
            "slope_of_median_times": round(slope(list(years_med), list(years_med.values())), 1),
            "first_to_last": round(
                (years_med[max(counts)] - years_med[min(counts)]) / (max(counts) - min(counts)), 1
            ),
        }
    results["targets"] = {
        "cold <= 2 x floor": ratios["cold_over_floor"] <= 2,
        "rerun <= 0.1 x cold": ratios["rerun_over_cold"] <= 0.1,
    }
    if "8_years_over_8_single_synthetic_years" in ratios:
        results["targets"]["8 years <= 0.6 x 8 single years"] = (
            ratios["8_years_over_8_single_synthetic_years"] <= 0.6
        )
    results["load_average"] = {
        "before": [round(x, 2) for x in load_before],
        "after": [round(x, 2) for x in os.getloadavg()],
    }
    results["benchmark_seconds"] = round(time.perf_counter() - started)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    write_doc(args.doc, results)
    log(f"wrote {args.output} and {args.doc}")
    print(render_table(results))


def render_table(results: dict) -> str:
    s = results["seconds"]
    m, ratios = results["machine"], results["ratios"]
    reps = results["repetitions"]
    rows = [
        "| measurement | median (s) | runs (s) |",
        "|---|---:|---|",
        f"| a. floor: import pandas, seaborn, GX and start one kernel | "
        f"{s['a_floor']['median']} | {s['a_floor']['runs']} |",
        f"| b. cold full run of 2022-23 | {s['b_cold_full_run']['median']} | "
        f"{s['b_cold_full_run']['runs']} |",
        f"| c. rerun, nothing changed | {s['c_rerun_nothing_changed']['median']} | "
        f"{s['c_rerun_nothing_changed']['runs']} |",
        f"| d. rerun after one raw figure changed | "
        f"{s['d_rerun_one_raw_figure_changed']['median']} | "
        f"{s['d_rerun_one_raw_figure_changed']['runs']} |",
    ]
    for n, v in s["e_years_together"].items():
        rows.append(f"| e. {n} synthetic year(s) together | {v['median']} | {v['runs']} |")
    lines = [
        f"Measured {results['date']} at commit `{results['commit']}` on {m['cores']} cores "
        f"({m['cpu']}), {m['memory_gib']} GiB memory, Python {m['python']}, {m['system']}; "
        f"load average {results['load_average']['before'][0]} before, "
        f"{results['load_average']['after'][0]} after. Repetitions: "
        f"{reps['floor, cold, rerun, one figure']} of a-d, {reps['N years']} of each N "
        f"(median shown); whole benchmark {results['benchmark_seconds']} s.",
        "",
        *rows,
        "",
        "| ratio | value | target | reached |",
        "|---|---:|---:|---|",
        f"| b / a (cold over floor) | {ratios['cold_over_floor']} | <= 2 | "
        f"{'yes' if results['targets']['cold <= 2 x floor'] else 'no'} |",
        f"| c / b (unchanged rerun over cold) | {ratios['rerun_over_cold']} | <= 0.1 | "
        f"{'yes' if results['targets']['rerun <= 0.1 x cold'] else 'no'} |",
        f"| d / b (one figure changed over cold) | {ratios['one_figure_over_cold']} | | |",
    ]
    if "8_years_over_8_single_synthetic_years" in ratios:
        reached = results["targets"]["8 years <= 0.6 x 8 single years"]
        lines += [
            f"| 8 years / (8 x 1 synthetic year) | "
            f"{ratios['8_years_over_8_single_synthetic_years']} | <= 0.6 | "
            f"{'yes' if reached else 'no'} |",
            f"| 8 years / (8 x b) | {ratios['8_years_over_8_cold_runs_of_2022_23']} | | |",
        ]
    cases = results.get("case_extract")
    if cases:
        lines += [
            "",
            f"f. A synthetic case extract of {cases['case_rows']:,} case rows "
            f"({cases['cases_file_mib']} MiB cases file, written in {cases['write_seconds']} s), "
            f"measured {cases.get('date')} at commit `{cases.get('commit')}`, load average "
            f"{cases.get('load_average')} after; {len(cases['route']['runs'])} runs:",
            "",
            "| measurement | median (s) | runs (s) |",
            "|---|---:|---|",
            f"| `pandas.read_csv` of the cases file | {cases['read_csv']['median']} | "
            f"{cases['read_csv']['runs']} |",
            f"| the case route: read and map the export, GX checks, every table "
            f"({cases['tables']}) | {cases['route']['median']} | {cases['route']['runs']} |",
            f"| ratio (target <= 10) | {cases['route_over_read_csv']} | "
            f"{'reached' if cases['target_reached'] else 'not reached'} |",
            "",
            "Of the case route: "
            + ", ".join(f"`{k}` {v} s" for k, v in cases["route_phases_median"].items())
            + " (medians; imports are paid before the clock starts).",
        ]
    extra = results.get("seconds_per_extra_year")
    if extra:
        lines += [
            "",
            f"Cost of each extra year run together: {extra['slope_of_median_times']} s "
            f"(least-squares slope over N), {extra['first_to_last']} s from the first N to "
            "the last.",
        ]
    breakdown = results.get("breakdown") or {}
    if "import_seconds" in breakdown:
        lines += ["", "| fixed or per-notebook cost | seconds |", "|---|---:|"]
        lines.append(f"| kernel start (until it answers) | {breakdown['kernel_start_seconds']} |")
        for label, value in breakdown["import_seconds"].items():
            lines.append(f"| import {label} (fresh process) | {value} |")
        for label, value in breakdown["work_seconds"].items():
            lines.append(f"| {label} | {value:.2f} |")
        for label, value in breakdown["html_export_seconds"].items():
            lines.append(f"| HTML export of {label} (both pages) | {value} |")
        for label, value in breakdown["seconds_per_notebook_in_a_cold_run"].items():
            lines.append(f"| {label} in a cold run (kernel, cells, export) | {value} |")
    return "\n".join(lines)


def write_doc(doc: Path, results: dict) -> None:
    table = render_table(results)
    text = (
        doc.read_text(encoding="utf-8") if doc.is_file() else f"# Performance\n\n{START}\n{END}\n"
    )
    if START not in text or END not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{START}\n{table}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
