"""Check a year's clean tables with Great Expectations (GX), quietly, offline, imported lazily.

Each clean table has a suite ``expectations/<table_id>.json``, the identities of
:mod:`complaints.checks.reconcile` have ``reconciliation.json``; each expectation's ``meta`` gives
its severity. A failed ``error`` (the data cannot be right) stops the run naming the table,
expectation, offending values and source lines; a failed ``warning`` (the source disagrees with
itself) becomes a *data-quality note*, a sentence with both numbers.
"""

from __future__ import annotations

import functools
import json
import math
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from complaints import cards, paths, words
from complaints.checks import reconcile
from complaints.errors import InputError
from complaints.inputs.clean import clean_table_path, table_ids
from complaints.outputs.html import html_table
from complaints.years import ReportingYear

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from complaints.params import RunParams

SEVERITIES = ("error", "warning")
RECONCILIATION_SUITE = "reconciliation"
RESULTS_FILE = "validation_results.json"
NOTES_FILE = "notes.csv"
NOTES_COLUMNS = ("table_id", "severity", "message")
SUMMARY_COLUMNS = (
    *("suite", "table", "related_table", "expectation", "expectation_type", "column", "check"),
    *("severity", "success", "observed", "unexpected_count", "unexpected_values"),
    *("source_lines", "note"),
)
#: How many years before the report's own year a row may describe.
YEARS_BACK = 20
#: How many offending values a message lists before saying how many there are in all.
MAX_VALUES = 10
#: Observed text of an expectation that could not run because a column is missing or mistyped.
NOT_CHECKED = "not checked"


class ValidationFailed(InputError):
    """An error-severity expectation failed: the clean data cannot be right."""

    def __init__(self, result: ValidationResult) -> None:
        self.result = result
        where = result.saved_to and paths.relative_to_project(result.saved_to)
        errors = result.errors
        skipped = errors["observed"].str.startswith(NOT_CHECKED)
        shown = [_error_line(row) for _, row in errors[~skipped].iterrows()]
        shown += [
            f"table {t}: {n} more expectation(s) could not run on its missing or mistyped columns"
            for t, n in errors[skipped].groupby("table", sort=False).size().items()
        ]
        first = f"{result.year}: {shown[0]}"
        if len(shown) > 1:
            first += f" (and {len(errors) - 1} more error(s), below)"
        lines = [first, *[f"  - {line}" for line in shown[1:]]]
        lines.append("Errors mean the clean data cannot be right: the run stops here.")
        super().__init__("\n".join(lines), hint=f"full results in {where}" if where else None)
        self.table = errors["table"].iloc[0] if errors["table"].nunique() == 1 else None


@functools.cache
def gx_context() -> dict[str, Any]:
    """One ephemeral GX context per process: analytics off, no progress bars, nothing on disk."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral", project_config=context_config())
    asset = context.data_sources.add_pandas("clean_tables").add_dataframe_asset("table")
    return {"gx": gx, "batch": asset.add_batch_definition_whole_dataframe("whole_table")}


def context_config():
    """A quiet GX context that keeps everything in memory."""
    from great_expectations.data_context.types import base

    return base.DataContextConfig(
        store_backend_defaults=base.InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=base.ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites={},
    )


def load_suite_json(name: str, expectations_dir: Path = paths.EXPECTATIONS_DIR) -> dict:
    path = Path(expectations_dir) / f"{name}.json"
    if not path.is_file():
        where = paths.relative_to_project(path)
        raise InputError("expectation suite not found", file=where, table=name)
    return json.loads(path.read_text(encoding="utf-8"))


def load_suite(name: str, expectations_dir: Path = paths.EXPECTATIONS_DIR):
    """The suite as a ``gx.ExpectationSuite``; refuses a suite GX would silently shorten or an
    expectation without a severity (its failure would neither stop the run nor be noted)."""
    spec = load_suite_json(name, expectations_dir)
    suite = gx_context()["gx"].ExpectationSuite(**spec)
    where = paths.relative_to_project(Path(expectations_dir) / f"{name}.json")
    if len(suite.expectations) != len(spec.get("expectations", [])):
        raise InputError("GX rejected some expectations of the suite (see the log)", file=where)
    for e in suite.expectations:
        if (e.meta or {}).get("severity") not in SEVERITIES:
            raise InputError(
                f"expectation {e.description or e.expectation_type!r} has no severity in its "
                f"meta (one of {', '.join(SEVERITIES)})",
                file=where,
            )
    return suite


def load_clean_tables(
    year: ReportingYear, clean_root: Path = paths.CLEAN_DIR
) -> dict[str, pd.DataFrame]:
    """Every clean CSV of a year (:func:`table_ids`), typed as its card says where the values
    allow it (a column that does not parse keeps its text: the expectations name the problem)."""
    tables = {}
    for table_id in table_ids(year, clean_root):
        path = clean_table_path(year, table_id, clean_root)
        frame = pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])
        dtypes = {c.name: c.dtype for c in cards.CARDS[table_id].columns}
        for column in frame.columns:
            frame[column] = _typed(frame[column], dtypes.get(column, "string"))
        tables[table_id] = frame
    return tables


def _typed(text: pd.Series, dtype: str) -> pd.Series:
    numbers = pd.to_numeric(text, errors="coerce")
    if dtype == "string" or (numbers.isna() & text.notna()).any():
        return text  # the type expectation reports the values that are not numbers
    whole = (numbers.dropna() == numbers.dropna().round()).all()
    if dtype == "integer":
        return numbers.astype("Int64") if whole else text
    # as ``complaints.inputs.clean.read_table`` reads a number column: int64, or float64 if needed
    return numbers.astype("int64" if whole and numbers.notna().all() else "float64")


@dataclass
class ValidationResult:
    """One summary row per expectation (per broken identity for the reconciliation)."""

    year: str
    summary: pd.DataFrame
    reconciliation: pd.DataFrame
    gx_results: dict[str, dict] = field(default_factory=dict, repr=False)
    suite_results: dict[str, Any] = field(default_factory=dict, repr=False)  # for Data Docs
    saved_to: Path | None = None

    @property
    def failures(self) -> pd.DataFrame:
        return self.summary[~self.summary["success"].astype(bool)]

    @property
    def errors(self) -> pd.DataFrame:
        return self.failures[self.failures["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.failures[self.failures["severity"] == "warning"]

    @property
    def success(self) -> bool:
        return self.errors.empty

    def statistics(self) -> dict[str, int]:
        checked = self.summary.drop_duplicates(["suite", "expectation", "expectation_type"])
        return {
            "suites": int(self.summary["suite"].nunique()),
            "expectations": len(checked),
            "identities_reconciled": len(self.reconciliation),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def raise_for_errors(self) -> None:
        if not self.success:
            raise ValidationFailed(self)  # naming where the results are saved, if they are

    def save(self, validation_dir: Path | str) -> dict[str, Path]:
        """Write the summary, reconciliation, notes and all results (no times or run ids)."""
        folder = Path(validation_dir)
        folder.mkdir(parents=True, exist_ok=True)
        notes = quality_notes(self)
        frames = {"summary": self.summary, "reconciliation": self.reconciliation, "notes": notes}
        written = {key: folder / f"{key}.csv" for key in frames}
        for key, frame in frames.items():
            frame.to_csv(written[key], index=False, lineterminator="\n")
        document = {"year": self.year, "success": self.success, "statistics": self.statistics()}
        document.update(frames, great_expectations=self.gx_results)
        text = json.dumps(_jsonable(document), indent=2, sort_keys=True, ensure_ascii=False)
        written["results"] = folder / RESULTS_FILE
        written["results"].write_text(text + "\n", encoding="utf-8")
        self.saved_to = folder
        return written


#: Keys of GX's results that change from run to run (left out of the saved results).
VOLATILE = {"run_id", "validation_time", "batch_markers", "validation_id", "checkpoint_id", "id"}


def _jsonable(value: object) -> object:
    if isinstance(value, pd.DataFrame):
        return _jsonable(value.astype(object).to_dict(orient="records"))
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return _jsonable(value.item())
    return value


_COLUMNS_MATCH = "expect_table_columns_to_match_ordered_list"
_TYPE_LIST = "expect_column_values_to_be_in_type_list"
_PAIR = "expect_column_pair_values_a_to_be_greater_than_b"


def _format(value: object) -> str:
    if isinstance(value, (Mapping, list, tuple)):
        items = value.values() if isinstance(value, Mapping) else value
        return "(" + ", ".join(_format(v) for v in items) + ")"
    if words.is_missing(value):
        return "empty"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


_figure = functools.partial(words.format_value, missing="missing")


def _values_text(values: Iterable[object]) -> str:
    distinct = list(dict.fromkeys(_format(v) for v in values))
    shown = ", ".join(distinct[:MAX_VALUES])
    if len(distinct) > MAX_VALUES:
        shown += f", … ({len(distinct)} distinct in all)"
    return shown


def _source_lines(frame: pd.DataFrame, index: Iterable[object]) -> list[int]:
    if "source_line" not in frame.columns:
        return []
    lines = pd.to_numeric(frame["source_line"].iloc[[int(i) for i in index]], errors="coerce")
    return [int(n) for n in lines.dropna()]


def _exception_message(info: object) -> str:
    if isinstance(info, Mapping):
        if info.get("raised_exception") and info.get("exception_message"):
            return str(info["exception_message"])
        return next((m for value in info.values() if (m := _exception_message(value))), "")
    return ""


def _type_offenders(series: pd.Series, type_list: list[str]) -> list[int]:
    if any("String" in t for t in type_list):
        bad = series.notna() & series.map(lambda v: not isinstance(v, str))
    else:
        as_text = series.astype("string")
        numbers = pd.to_numeric(as_text, errors="coerce")
        bad = numbers.isna() & as_text.notna()
        if "Int64Dtype" in type_list and "float64" not in type_list:
            bad |= numbers.notna() & (numbers != numbers.round())
    return [i for i, flag in enumerate(bad.tolist()) if flag]


def columns_of(kwargs: Mapping[str, object]) -> list[str]:
    if kwargs.get("column"):
        return [str(kwargs["column"])]
    if kwargs.get("column_list"):
        return [str(c) for c in kwargs["column_list"]]
    return [str(kwargs[k]) for k in ("column_A", "column_B") if kwargs.get(k)]


def _unsound_columns(frame: pd.DataFrame, results: list) -> dict[str, str]:
    """Columns later expectations cannot check: missing ones and those of the wrong type."""
    unsound = {}
    for r in results:
        cfg = r.expectation_config
        for column in columns_of(cfg.kwargs):
            if column not in frame.columns:
                unsound[column] = "is missing"
            elif cfg.type == _TYPE_LIST and not r.success:
                unsound[column] = "has the wrong type"
    return unsound


def _row(table: str, r, values: list[object], **fields: object) -> dict[str, object]:
    """The summary row of GX result ``r`` (of suite ``table`` unless ``fields`` say otherwise)."""
    cfg = r.expectation_config
    row: dict[str, object] = dict.fromkeys(SUMMARY_COLUMNS, "")
    row.update(
        suite=table,
        table=table,
        expectation=cfg.description or cfg.type,
        expectation_type=cfg.type,
        column="" if cfg.type == _COLUMNS_MATCH else ", ".join(columns_of(cfg.kwargs)),
        severity=(cfg.meta or {}).get("severity"),
        success=bool(r.success),
        unexpected_count=len(values),
        unexpected_values=_values_text(values),
    )
    row.update(fields)
    return row


def _table_row(
    table_id: str, frame: pd.DataFrame, r, unsound: Mapping[str, str]
) -> dict[str, object]:
    cfg = r.expectation_config
    kwargs = dict(cfg.kwargs)
    result = dict(r.result or {})
    observed = result.get("observed_value")
    values: list[object] = list(result.get("unexpected_list") or [])
    index: list[object] = list(result.get("unexpected_index_list") or [])
    count = result.get("unexpected_count")
    error = _exception_message(r.exception_info)
    # an expectation on a missing column (or, after the type check, a mistyped one) cannot run
    columns = columns_of(kwargs)
    blocked = [c for c in columns if c in unsound and (cfg.type != _TYPE_LIST or c not in frame)]
    if blocked and not r.success and cfg.type != _COLUMNS_MATCH:
        observed = "; ".join(f"{NOT_CHECKED}: column {c} {unsound[c]}" for c in blocked)
        values, index, count = [], [], None
    elif error:
        observed = error
    elif cfg.type == _COLUMNS_MATCH:
        expected, found = list(kwargs["column_list"]), list(observed or [])
        values = [f"missing column {c}" for c in expected if c not in found]
        values += [f"unexpected column {c}" for c in found if c not in expected]
        if not values and expected != found:
            values = ["columns out of order: " + ", ".join(found)]
        count = None
    elif cfg.type == _TYPE_LIST and not r.success:
        series = frame[kwargs["column"]]
        found = _type_offenders(series, list(kwargs.get("type_list") or []))
        if found:  # the values that are not of the declared kind
            index = found
        elif not values:  # the values are fine but stored as the wrong type: show a sample
            index = list(range(min(len(series), MAX_VALUES)))
        values = [repr(v) if isinstance(v, str) else v for v in series.iloc[index]]
        observed, count = f"dtype {series.dtype}", None
    elif cfg.type == "expect_table_row_count_to_be_between":
        observed = f"{observed} rows"
    seen = _format(observed) if observed is not None else ""
    count = int((len(values) if count is None and not r.success else count) or 0)
    lines = words.format_lines(_source_lines(frame, index))
    row = _row(table_id, r, values, observed=seen, unexpected_count=count, source_lines=lines)
    if r.success:
        return row
    title = cards.CARDS[table_id].title
    if cfg.type == "expect_column_values_to_be_unique" and values:
        column, notes = kwargs["column"].replace("_", " "), []
        for value, at in pd.Series(index).groupby([_format(v) for v in values], sort=False):
            lines = words.join_words(sorted(_source_lines(frame, at)))
            where = f" (lines {lines})" if lines else ""
            notes.append(f"{title}: {column} {value} appears {len(at)} times{where}.")
        row["note"] = "\n".join(notes)
    else:
        where = f" (source lines {row['source_lines']})" if row["source_lines"] else ""
        shown = row["unexpected_values"] or _format(observed)
        row["note"] = f"{title}: '{row['expectation']}' fails for {shown}{where}."
    return row


def _reconciliation_rows(rec: pd.DataFrame, r) -> list[dict[str, object]]:
    cfg = r.expectation_config
    check = str((cfg.kwargs.get("row_condition") or {}).get("parameter") or "")
    error = _exception_message(r.exception_info)
    index = list((r.result or {}).get("unexpected_index_list") or [])
    if r.success or error or not index or cfg.type != _PAIR:
        held = int((rec["check"] == check).sum()) if check else len(rec)
        values = list((r.result or {}).get("unexpected_list") or [])
        observed = error or f"{held} identities checked"
        row = _row(RECONCILIATION_SUITE, r, values, check=check, observed=observed)
        if not r.success:
            row["note"] = f"Reconciliation: '{row['expectation']}' fails."
        return [row]
    rows, sides = [], reconcile.SIDES
    for i in index:
        ident = rec.iloc[int(i)]
        left, right = (_figure(ident[f"{s}_value"], ident["unit"]) for s in sides)
        one_table = ident["right_table"] == ident["left_table"]
        sources = "; ".join(f"{ident[f'{s}_table']} {ident[f'{s}_lines']}" for s in sides)
        if one_table or not ident["right_lines"]:
            lines = words.parse_lines(f"{ident['left_lines']}, {ident['right_lines']}")
            sources = f"{ident['left_table']} {words.format_lines(lines)}".strip()
        gap = ", ".join(f"{k} {_figure(ident[k])}" for k in ("discrepancy", "tolerance"))
        row = _row(ident["left_table"], r, [], suite=RECONCILIATION_SUITE, check=check)
        row.update(related_table="" if one_table else ident["right_table"], unexpected_count=1)
        row.update(column=ident["identity"], observed=f"{left} {ident['relation']} {right}")
        row.update(unexpected_values=f"{left} vs {right} ({gap})", source_lines=sources)
        rows.append({**row, "note": reconcile.describe(ident)})
    return rows


def _error_line(row: Mapping[str, object]) -> str:
    what = f"table {row['table']}"
    if row.get("related_table"):
        what += f" (and {row['related_table']})"
    text = f"{what}, expectation '{row['expectation']}' ({row['expectation_type']}"
    text += f" on {row['column']})" if row.get("column") else ")"
    if row.get("unexpected_values"):
        text += f": offending values {row['unexpected_values']}"
    elif row.get("observed"):
        text += f": observed {row['observed']}"
    if row.get("source_lines"):
        text += f" (source lines {row['source_lines']})"
    return text


def expectation_parameters(reports: Iterable[object]) -> dict[str, list[str]]:
    """Values the suites refer to with ``{"$PARAMETER": ...}``: the years of the reports the
    rows come from, and every year a row of theirs may describe, newest first."""
    reports = sorted({str(r) for r in reports})
    years = {
        str(ReportingYear.parse(r).previous(n)) for r in reports for n in range(YEARS_BACK + 1)
    }
    return {"report_year": reports, "years_up_to_report": sorted(years, reverse=True)}


def validate_tables(
    tables: Mapping[str, pd.DataFrame],
    year: ReportingYear | str,
    *,
    expectations_dir: Path = paths.EXPECTATIONS_DIR,
    conflicts: pd.DataFrame | None = None,
    from_store: bool = False,
) -> ValidationResult:
    """Run every table's suite, then reconcile the tables without errors and run that suite.

    A missing table is validated as empty, unless ``from_store`` (a year run from figures in
    other reports: only the tables given, each row against its own report's year).
    ``conflicts`` (:func:`complaints.inputs.store.conflicts`) adds an identity per disagreement.
    """
    year = year if isinstance(year, ReportingYear) else ReportingYear.parse(str(year))
    held = [y for f in tables.values() if "report_year" in f for y in f["report_year"].dropna()]
    parameters = expectation_parameters(held if from_store else [year])
    rows: list[dict[str, object]] = []
    gx_results: dict[str, dict] = {}
    raw: dict[str, Any] = {}
    sound: dict[str, pd.DataFrame] = {}

    def run(name: str, frame: pd.DataFrame) -> list[dict[str, object]]:
        found, gx_results[name], raw[name] = _run_suite(name, frame, parameters, expectations_dir)
        rows.extend(found)
        return found

    for table_id, card in cards.CARDS.items():
        if table_id not in tables and (from_store or card.routes != cards.ROUTES):
            continue
        frame = tables.get(table_id, pd.DataFrame()).reset_index(drop=True)  # text: default storage
        frame = frame.astype(dict.fromkeys(frame.select_dtypes("string").columns, "string"))
        if not any(not r["success"] and r["severity"] == "error" for r in run(table_id, frame)):
            sound[table_id] = frame
    rec = reconcile.build_reconciliation(sound, conflicts)
    run(RECONCILIATION_SUITE, rec)
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    summary = summary.astype({"success": bool, "unexpected_count": int})
    return ValidationResult(str(year), summary, rec, gx_results, raw)


#: Recent suite results by suite file, parameters and frame: a table that has not changed is
#: not validated again in this process (most tests change one table of sixteen).
_RESULTS_CACHE: dict[tuple, tuple[list[dict], dict, Any]] = {}


def _run_suite(
    name: str, frame: pd.DataFrame, parameters: Mapping, expectations_dir: Path
) -> tuple[list[dict], dict, Any]:
    """Validate ``frame`` with suite ``name`` (or recall it): rows, stable JSON, GX's result."""
    spec = json.dumps(load_suite_json(name, expectations_dir), sort_keys=True)
    key = (str(expectations_dir), name, spec, json.dumps(parameters, sort_keys=True))
    key += (tuple(frame.dtypes.astype(str).items()),)
    key += (pd.util.hash_pandas_object(frame).to_numpy().tobytes(),)
    if key in _RESULTS_CACHE:
        rows, gx_json, result = _RESULTS_CACHE[key]
        return [dict(r) for r in rows], gx_json, result
    suite = load_suite(name, expectations_dir)
    batch = gx_context()["batch"].get_batch(batch_parameters={"dataframe": frame})
    with warnings.catch_warnings():  # the year regex's named group: pandas warns of groups
        warnings.filterwarnings("ignore", message=".*has match groups.*", category=UserWarning)
        result = batch.validate(
            suite, result_format="COMPLETE", expectation_parameters=dict(parameters)
        )
    # GX does not keep the suite's order: restore it (a test keeps type and description unique)
    position = {(e.expectation_type, e.description): i for i, e in enumerate(suite.expectations)}
    ordered = sorted(
        result.results,
        key=lambda r: position[r.expectation_config.type, r.expectation_config.description],
    )
    if name == RECONCILIATION_SUITE:
        rows = [row for r in ordered for row in _reconciliation_rows(frame, r)]
    else:
        unsound = _unsound_columns(frame, ordered)
        rows = [_table_row(name, frame, r, unsound) for r in ordered]
    gx_json = {**result.to_json_dict(), "results": [r.to_json_dict() for r in ordered]}
    if len(_RESULTS_CACHE) >= 128:  # forget the oldest
        del _RESULTS_CACHE[next(iter(_RESULTS_CACHE))]
    _RESULTS_CACHE[key] = rows, gx_json, result
    return [dict(r) for r in rows], gx_json, result


def check_year(params: RunParams, *, raise_on_error: bool = True) -> ValidationResult:
    """Validate a year's clean tables (or the store's figures for a year without an input of
    its own), save the results under ``params.validation_dir``, then raise on errors."""
    from complaints.inputs import store

    own_input = paths.clean_dir(params.year, params.clean_root).is_dir()
    if own_input:
        tables = load_clean_tables(params.year, params.clean_root)
    else:  # a year held only as figures restated in later reports
        tables, _ = store.tables_for_report(params.year, params.clean_root)
    try:
        conflicts = store.conflicts(params.clean_root, concerning=params.year)
    except (ValueError, TypeError, InputError):
        # a clean table that does not parse: its own suite names the problem
        conflicts = None
    result = validate_tables(tables, params.year, conflicts=conflicts, from_store=not own_input)
    result.save(params.validation_dir)
    if raise_on_error:
        result.raise_for_errors()
    return result


def quality_notes(result: ValidationResult) -> pd.DataFrame:
    """Each failed expectation as a sentence, under both tables if it concerns two (a group of
    percentages that looks cut off is noted as cut off only)."""
    failed = result.failures.reset_index(drop=True).rename(columns={"note": "message"})
    cut_off = failed["column"].isin(failed.loc[failed["check"] == "section_complete", "column"])
    failed = failed[~(cut_off & (failed["check"] == "percentages_add_up_to_100"))]
    both = pd.concat([failed.assign(table_id=failed[c]) for c in ("table", "related_table")])
    frame = both[both["table_id"] != ""].sort_index(kind="stable")[list(NOTES_COLUMNS)]
    return frame.drop_duplicates().sort_values(
        "severity", key=lambda s: s.map(SEVERITIES.index), kind="stable", ignore_index=True
    )


def read_quality_notes(validation_dir: Path | str) -> pd.DataFrame | None:
    """The notes :func:`check_year` wrote, or ``None`` if it has not run for that folder."""
    path = Path(validation_dir) / NOTES_FILE
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False).loc[:, list(NOTES_COLUMNS)]


def notes_text(result: ValidationResult) -> str:
    notes = quality_notes(result)
    if notes.empty:
        return "No data-quality notes: the clean tables agree with themselves."
    unique = notes.drop_duplicates("message")
    return "\n".join(f"- [{r.severity}] {r.message}" for r in unique.itertuples())


_SHADES = {"error": "#f8d7da", "warning": "#fff3cd"}


def summary_frame(result: ValidationResult, *, failures_only: bool = False) -> pd.DataFrame:
    summary = (result.failures if failures_only else result.summary).reset_index(drop=True)
    broken = ~summary["success"] & (summary["suite"] == RECONCILIATION_SUITE)
    named = summary["expectation"] + " [" + summary["column"] + "]"
    shown = summary.assign(
        result=summary["success"].map({True: "passed", False: "FAILED"}),
        expectation=summary["expectation"].where(~broken | (summary["column"] == ""), named),
    )
    columns = ["table", "expectation", "severity", "result", "unexpected_values", "source_lines"]
    return shown.loc[:, columns].rename(columns=lambda c: c.replace("_", " "))


def summary_table(result: ValidationResult, *, failures_only: bool = False) -> Styler:
    """The summary as a styled table: failed errors in red, failed warnings in amber."""
    frame = summary_frame(result, failures_only=failures_only)
    shaded = frame["severity"].map(_SHADES).where(frame["result"] == "FAILED", "")
    caption = "{}: {expectations} expectations, {errors} error(s), {warnings} warning(s)"
    caption = caption.format(result.year, **result.statistics())
    return html_table(frame, "validation-summary", escape(caption), shaded.fillna("").tolist())


def reconciliation_table(result: ValidationResult) -> Styler:
    """The reconciliation as a styled table, broken identities shaded."""
    rec = result.reconciliation.reset_index(drop=True)

    def side(prefix: str) -> list[str]:
        cells = rec[[f"{prefix}_value", "unit", f"{prefix}_table", f"{prefix}_lines"]]
        return [
            _figure(v, u) + (f" ({t}, {'line' if n.isdigit() else 'lines'} {n})" if n else "")
            for v, u, t, n in cells.itertuples(index=False)
        ]

    holds = rec["discrepancy"] <= rec["tolerance"]
    figures = {f"{s} figure": side(s) for s in reconcile.SIDES}
    frame = rec.assign(**figures, holds=holds.map({True: "yes", False: "NO"}))
    columns = ["identity", "check", "left figure", "right figure", "tolerance", "discrepancy"]
    shades = (~holds).map({True: _SHADES["warning"], False: ""}).tolist()
    return html_table(frame[[*columns, "holds"]], "reconciliation", shades=shades, precision=1)
