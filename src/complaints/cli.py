"""Command line: ``complaints clean --year 2022-23`` and friends."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from complaints import paths
from complaints.errors import InputError
from complaints.params import EDITIONS
from complaints.run.kernels import KERNEL
from complaints.years import ReportingYear


def _year(text: str) -> ReportingYear:
    try:
        return ReportingYear.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _latest_year() -> ReportingYear:
    held = paths.years_held()
    if not held:
        raise InputError("no reporting year held under data/raw/", hint="add a year's input")
    return held[-1]


def _cmd_clean(args: argparse.Namespace) -> int:
    from complaints.inputs.clean import build_clean

    year = args.year or _latest_year()
    written = build_clean(year)
    folder = paths.relative_to_project(paths.clean_dir(year))
    print(f"{year}: wrote {len(written)} clean tables to {folder}/")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from complaints.params import project_path
    from complaints.run.runner import run_years

    params: dict[str, object] = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"parameter {item!r} is not of the form KEY=VALUE")
        params[key] = value
    if args.edition is not None and params.setdefault("edition", args.edition) != args.edition:
        raise InputError(
            f"--edition {args.edition} and -p edition={params['edition']} disagree",
            hint="give the edition once",
        )
    raw_root = project_path(params.get("raw_root"), paths.RAW_DIR)
    clean_root = project_path(params.get("clean_root"), paths.CLEAN_DIR)
    years = args.year or [_latest_year()]
    for year in years:
        # Its own input, else figures a held report gives (asking the store reads every table).
        if paths.raw_dir(year, raw_root).is_dir():
            continue
        from complaints.inputs.store import held_years  # imports pandas

        held = held_years(raw_root, clean_root)
        if str(year) not in held:
            raise InputError(
                f"no data held for {year}: no input in data/raw/{year}/ and no held report "
                "gives figures for it",
                hint=f"years held: {', '.join(held) or 'none'}; "
                f"start a new year with `complaints new-year {year}`",
            )
    summary = run_years(
        years,
        parameters=params,
        reports_root=args.reports_root,
        kernel_name=args.kernel,
        jobs=args.jobs,
        force=args.force,
    )
    for failure in summary.failures.values():
        print(f"error: {failure}", file=sys.stderr)
    if summary.failures:
        failed = f"{len(summary.failures)} of {len(years)} year(s) failed"
        print(f"error: {failed}: {', '.join(summary.failures)}", file=sys.stderr)
    return 1 if summary.failures else 0


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _cmd_new_year(args: argparse.Namespace) -> int:
    if args.cases:
        from complaints.inputs.cases import scaffold_cases

        target = scaffold_cases(args.year)
        print(
            f"{args.year}: created {paths.relative_to_project(target)} with a README and empty "
            f"templates; put the case system's export there, map its columns and labels, then "
            f"run `make report YEAR={args.year}`"
        )
        return 0
    from complaints.inputs.clean import extract_year
    from complaints.inputs.workbook import scaffold

    earlier = [y for y in paths.years_held() if y < args.year]
    if not earlier:
        raise InputError(f"no year before {args.year} is held to take the row labels from")
    previous = extract_year(earlier[-1])
    target = scaffold(args.year, previous)
    print(
        f"{args.year}: created {paths.relative_to_project(target)} with the row labels of "
        f"{earlier[-1]}; fill it in, then run `make report YEAR={args.year}`"
    )
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    from complaints.outputs.dictionary import render_data_dictionary

    target = paths.DOCS_DIR / "data_dictionary.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_data_dictionary(), encoding="utf-8")
    print(f"wrote {paths.relative_to_project(target)}")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from complaints.run.verify import check_report, rerun_report

    report = args.report.absolute()
    problems = check_report(report)
    if args.rerun:
        problems += rerun_report(report, progress=lambda line: print(line, file=sys.stderr))
    for problem in problems:
        print(problem)
    what = "its manifest and recorded sources" + (", and a rebuild" if args.rerun else "")
    verdict = (
        f"NOT verified: {len(problems)} difference(s) from" if problems else "verified against"
    )
    print(f"{paths.relative_to_project(report)}: {verdict} {what}")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="complaints", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func, help: str):
        """Add subcommand ``name`` running ``func``; returns its ``add_argument``."""
        command = sub.add_parser(name, help=help)
        command.set_defaults(func=func)
        return command.add_argument

    year = "reporting year, e.g. 2022-23"
    add = command("clean", _cmd_clean, "extract a year's raw input into clean tables")
    add("--year", type=_year, help=f"{year} (default: latest)")
    add = command(
        "run",
        _cmd_run,
        "run the notebooks for one or more years and publish reports/<year>/, or "
        "reports/<year>-public/ with --edition public (unchanged notebooks are reused)",
    )
    add("--year", type=_year, action="append", help=f"{year} (repeatable; default: latest held)")
    add("-p", "--param", action="append", default=[], metavar="KEY=VALUE", help="raw_root=DIR...")
    add(
        "--edition",
        choices=EDITIONS,
        help="internal (default): every figure, with executed notebooks, validation and audit "
        "HTML, in reports/<year>/; public: disclosure control (small counts shown as c, no case "
        "ids), the report's HTML without code, its tables and charts, in reports/<year>-public/",
    )
    add("-j", "--jobs", type=_jobs, help="notebooks run at once, across years (default: 1/core)")
    add("--force", action="store_true", help="execute every notebook, even unchanged ones")
    add("--kernel", default=KERNEL, help=f"Jupyter kernel (default: {KERNEL})")
    reports = paths.REPORTS_DIR
    add("--reports-root", type=Path, default=reports, metavar="DIR", help="default: reports/")
    add = command("new-year", _cmd_new_year, "scaffold data/raw/<year>/ with a workbook to fill in")
    add("year", type=_year, help="the new reporting year, e.g. 2023-24")
    add(
        "--cases",
        action="store_true",
        help="scaffold for the case system's export instead: cases-mapping.toml, a README and "
        "empty templates with the case model's columns",
    )
    command("docs", _cmd_docs, "regenerate docs/data_dictionary.md from the schema")
    add = command(
        "verify",
        _cmd_verify,
        "check a published report against its manifest; --rerun also rebuilds it from its "
        "recorded inputs in a temporary folder and compares it byte for byte",
    )
    add("report", type=Path, help="the report's folder, e.g. reports/2022-23")
    add("--rerun", action="store_true", help="rebuild the report and compare")
    command("latest-year", lambda args: print(_latest_year()) or 0, "print the latest year held")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
