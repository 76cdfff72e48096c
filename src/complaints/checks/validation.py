"""Check a year's clean tables with Great Expectations: errors stop the run, the source's own
inconsistencies are reported.

Every clean table has a hand-written expectation suite, ``expectations/<table_id>.json``; the
cross-table identities (:mod:`complaints.checks.reconcile`)
have ``expectations/reconciliation.json``.
Each expectation carries its severity in ``meta``:

* ``error``: the data cannot be right (missing or extra columns, wrong types, empty required
  values, negative counts, percentages outside 0-100, more Ombudsman complaints upheld than
  received, malformed years or case ids, an empty table). The run stops with a message naming
  the table, the expectation, the offending values and their source lines.
* ``warning``: the data as published disagrees with itself (quarters that do not add up to the
  printed total, percentages that do not make 100, a figure stated differently in two places,
  duplicated case ids, a section cut off). Warnings never stop the run; each becomes a plain
  sentence, a *data-quality note*, with both numbers computed from the data.

Great Expectations runs quietly and offline: an ephemeral context (nothing written to disk),
analytics off, no progress bars. It is imported lazily, so importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from complaints import cards, paths, words
from complaints.checks import reconcile
from complaints.errors import InputError
from complaints.inputs.clean import clean_table_path
from complaints.years import ReportingYear

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from complaints.params import RunParams

SEVERITIES = ("error", "warning")
RECONCILIATION_SUITE = "reconciliation"
RESULTS_FILE = "validation_results.json"
SUMMARY_FILE = "summary.csv"
RECONCILIATION_FILE = "reconciliation.csv"
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

_GX: dict[str, Any] = {}


class ValidationFailed(InputError):
    """An error-severity expectation failed: the clean data cannot be right."""

    def __init__(self, result: ValidationResult, *, where: str | None = None) -> None:
        self.result = result
        errors = result.errors
        skipped = errors["observed"].str.startswith(NOT_CHECKED)
        shown = [_error_line(row) for _, row in errors[~skipped].iterrows()]
        for table, count in errors[skipped].groupby("table", sort=False).size().items():
            shown.append(
                f"table {table}: {count} more expectation(s) could not run on its missing or "
                "mistyped columns"
            )
        # The first line says it all (runners show only the first line of an error).
        first = f"{result.year}: {shown[0]}"
        if len(shown) > 1:
            first += f" (and {len(errors) - 1} more error(s), below)"
        lines = [first, *[f"  - {line}" for line in shown[1:]]]
        lines.append("Errors mean the clean data cannot be right: the run stops here.")
        super().__init__("\n".join(lines), hint=f"full results in {where}" if where else None)
        tables = list(dict.fromkeys(errors["table"]))
        self.table = tables[0] if len(tables) == 1 else None


# Great Expectations, quietly ------------------------------------------------------------------


def gx_context() -> dict[str, Any]:
    """One ephemeral GX context per process: analytics off, no progress bars, nothing on disk."""
    if not _GX:
        os.environ["GX_ANALYTICS_ENABLED"] = "False"
        import great_expectations as gx

        context = gx.get_context(mode="ephemeral", project_config=context_config())
        batch_definition = (
            context.data_sources.add_pandas("clean_tables")
            .add_dataframe_asset("table")
            .add_batch_definition_whole_dataframe("whole_table")
        )
        _GX.update(gx=gx, context=context, batch_definition=batch_definition)
    return _GX


def context_config():
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    return DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites={},
    )


def load_suite_json(name: str, expectations_dir: Path = paths.EXPECTATIONS_DIR) -> dict:
    """The committed suite ``expectations/<name>.json`` as plain JSON."""
    path = Path(expectations_dir) / f"{name}.json"
    if not path.is_file():
        raise InputError(
            "expectation suite not found", file=paths.relative_to_project(path), table=name
        )
    return json.loads(path.read_text(encoding="utf-8"))


def load_suite(name: str, expectations_dir: Path = paths.EXPECTATIONS_DIR):
    """The suite as a ``gx.ExpectationSuite``; refuses a suite GX would silently shorten."""
    spec = load_suite_json(name, expectations_dir)
    gx = gx_context()["gx"]
    suite = gx.ExpectationSuite(**spec)
    where = paths.relative_to_project(Path(expectations_dir) / f"{name}.json")
    if len(suite.expectations) != len(spec.get("expectations", [])):
        raise InputError("GX rejected some expectations of the suite (see the log)", file=where)
    for expectation in suite.expectations:
        if (expectation.meta or {}).get("severity") not in SEVERITIES:
            raise InputError(
                f"expectation {expectation.description or expectation.expectation_type!r} has no "
                f"severity in its meta (one of {', '.join(SEVERITIES)})",
                file=where,
            )
    return suite


def _validate_frame(suite, frame: pd.DataFrame, parameters: Mapping[str, object]):
    batch = gx_context()["batch_definition"].get_batch(batch_parameters={"dataframe": frame})
    with warnings.catch_warnings():
        # The year regex uses a named group for its back-reference; pandas warns about groups.
        warnings.filterwarnings("ignore", message=".*has match groups.*", category=UserWarning)
        return batch.validate(
            suite,
            result_format={"result_format": "COMPLETE"},
            expectation_parameters=dict(parameters),
        )


# Reading the clean tables ---------------------------------------------------------------------


def load_clean_tables(
    year: ReportingYear, clean_root: Path = paths.CLEAN_DIR
) -> dict[str, pd.DataFrame]:
    """Every clean CSV of a year, typed as the schema says where the values allow it.

    Unlike :func:`complaints.inputs.clean.read_tables`, nothing is refused here: a column
    that does not parse keeps its text, a missing or extra column stays missing or extra, so
    that the expectations see the problem and name it.
    """
    tables = {}
    for table_id, table in cards.CARDS.items():
        path = clean_table_path(year, table_id, clean_root)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        dtypes = {c.name: c.dtype for c in table.columns}
        for column in frame.columns:
            frame[column] = _typed(frame[column].astype("string"), dtypes.get(column, "string"))
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


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with a clean positional index; pandas' default ``str`` columns become ``string``."""
    out = frame.reset_index(drop=True).copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.StringDtype):
            out[column] = out[column].astype("string")
    return out


# Results --------------------------------------------------------------------------------------


@dataclass
class ValidationResult:
    """Every expectation of every suite, tidy: one row per expectation (one per broken identity
    for the reconciliation), with what was observed, the offending values and source lines."""

    year: str
    summary: pd.DataFrame
    reconciliation: pd.DataFrame
    gx_results: dict[str, dict] = field(default_factory=dict, repr=False)
    #: GX's own result objects, by suite (Data Docs render them).
    suite_results: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The folder :meth:`save` last wrote to (named in the error message).
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
        """True when no error-severity expectation failed (warnings do not count)."""
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

    def raise_for_errors(self, where: str | None = None) -> None:
        """Raise :class:`ValidationFailed` if any error-severity expectation failed."""
        if where is None and self.saved_to is not None:
            where = paths.relative_to_project(self.saved_to)
        if not self.success:
            raise ValidationFailed(self, where=where)

    def save(self, validation_dir: Path | str) -> dict[str, Path]:
        """Write ``summary.csv``, ``reconciliation.csv``, ``notes.csv`` and the full results as
        JSON (with GX's own results, without times and run ids: the same data, the same bytes)."""
        folder = Path(validation_dir)
        folder.mkdir(parents=True, exist_ok=True)
        notes = quality_notes(self)
        written = {"results": folder / RESULTS_FILE}
        for key, name, frame in (
            ("summary", SUMMARY_FILE, self.summary),
            ("reconciliation", RECONCILIATION_FILE, self.reconciliation),
            ("notes", NOTES_FILE, notes),
        ):
            frame.to_csv(folder / name, index=False, lineterminator="\n")
            written[key] = folder / name
        document = {
            "year": self.year,
            "success": self.success,
            "statistics": self.statistics(),
            "notes": notes,
            "summary": self.summary,
            "reconciliation": self.reconciliation,
            "great_expectations": self.gx_results,
        }
        text = json.dumps(_jsonable(document), indent=2, sort_keys=True, ensure_ascii=False)
        written["results"].write_text(text + "\n", encoding="utf-8")
        self.saved_to = folder
        return written


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _jsonable(value: object) -> object:
    """``value`` as plain JSON: a frame as its rows, a missing or infinite figure as null."""
    if isinstance(value, pd.DataFrame):
        return _jsonable(value.astype(object).to_dict(orient="records"))
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return _jsonable(value.item())
    if value is pd.NA:
        return None
    return value


#: Keys of GX's results that change from run to run (times, ids, load markers).
VOLATILE = {"run_id", "validation_time", "batch_markers", "validation_id", "checkpoint_id", "id"}


def _stable(gx_dict: object) -> object:
    if isinstance(gx_dict, Mapping):
        return {k: _stable(v) for k, v in gx_dict.items() if k not in VOLATILE}
    if isinstance(gx_dict, list):
        return [_stable(v) for v in gx_dict]
    return gx_dict


# Summarising GX results -----------------------------------------------------------------------

_COLUMNS_MATCH = "expect_table_columns_to_match_ordered_list"
_TYPE_LIST = "expect_column_values_to_be_in_type_list"
_PAIR = "expect_column_pair_values_a_to_be_greater_than_b"


def _format(value: object) -> str:
    if isinstance(value, (Mapping, list, tuple)):
        items = value.values() if isinstance(value, Mapping) else value
        return "(" + ", ".join(_format(v) for v in items) + ")"
    if value is None or _missing(value):
        return "empty"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _figure(value: object, unit: str = "count") -> str:
    return words.format_value(value, unit, missing="missing")


def _values_text(values: Iterable[object]) -> str:
    distinct = list(dict.fromkeys(_format(v) for v in values))
    shown = ", ".join(distinct[:MAX_VALUES])
    if len(distinct) > MAX_VALUES:
        shown += f", … ({len(distinct)} distinct in all)"
    return shown


def _source_lines(frame: pd.DataFrame, index: Iterable[object]) -> list[int]:
    """The source lines of the rows at positions ``index`` (none if the frame has no lines)."""
    if "source_line" not in frame.columns:
        return []
    positions = [
        int(i)
        for i in index
        if hasattr(i, "__index__") and not isinstance(i, bool) and 0 <= int(i) < len(frame)
    ]
    lines = pd.to_numeric(frame["source_line"].iloc[positions], errors="coerce").dropna()
    return [int(n) for n in lines]


def _exception_message(info: object) -> str:
    if isinstance(info, Mapping):
        if info.get("raised_exception") and info.get("exception_message"):
            return str(info["exception_message"])
        for value in info.values():
            found = _exception_message(value)
            if found:
                return found
    return ""


def _type_offenders(series: pd.Series, type_list: list[str]) -> list[int]:
    """Positions of values that are not of the declared kind (text or number)."""
    if any("String" in t for t in type_list):
        bad = series.map(lambda v: not _missing(v) and not isinstance(v, str))
    else:
        as_text = series.astype("string")
        numbers = pd.to_numeric(as_text, errors="coerce")
        bad = numbers.isna() & as_text.notna()
        if "Int64Dtype" in type_list and "float64" not in type_list:
            bad |= numbers.notna() & (numbers != numbers.round())
    return [i for i, flag in enumerate(bad.tolist()) if flag]


def _columns_of(kwargs: Mapping[str, object]) -> list[str]:
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
        for column in _columns_of(cfg.kwargs):
            if column not in frame.columns:
                unsound[column] = "is missing"
            elif cfg.type == _TYPE_LIST and not r.success:
                unsound[column] = "has the wrong type"
    return unsound


def _row(suite: str, table: str, r, values: list[object], **fields: object) -> dict[str, object]:
    """The summary row of GX result ``r``: what every suite's row says, then ``fields``."""
    cfg = r.expectation_config
    row: dict[str, object] = dict.fromkeys(SUMMARY_COLUMNS, "")
    row.update(
        suite=suite,
        table=table,
        expectation=cfg.description or cfg.type,
        expectation_type=cfg.type,
        column=", ".join(_columns_of(cfg.kwargs)),
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
    """The summary row of an expectation of a clean table's suite, with its note if it failed."""
    cfg = r.expectation_config
    kwargs = dict(cfg.kwargs)
    result = dict(r.result or {})
    observed = result.get("observed_value")
    values: list[object] = list(result.get("unexpected_list") or [])
    index: list[object] = list(result.get("unexpected_index_list") or [])
    count = result.get("unexpected_count")
    error = _exception_message(r.exception_info)
    # an expectation on a missing column (or, after the type check, a mistyped one) cannot run
    blocked = [
        c
        for c in _columns_of(kwargs)
        if c in unsound and (cfg.type != _TYPE_LIST or c not in frame)
    ]
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
    row = _row(
        table_id,
        table_id,
        r,
        values,
        column="" if cfg.type == _COLUMNS_MATCH else ", ".join(_columns_of(kwargs)),
        observed=_format(observed) if observed is not None else "",
        unexpected_count=int((len(values) if count is None and not r.success else count) or 0),
        source_lines=words.format_lines(_source_lines(frame, index)),
    )
    if r.success:
        return row
    title = cards.CARDS[table_id].title if table_id in cards.CARDS else table_id
    if cfg.type == "expect_column_values_to_be_unique" and values:
        row["note"] = _duplicates_note(title, kwargs["column"], frame, values, index)
    else:
        where = f" (source lines {row['source_lines']})" if row["source_lines"] else ""
        shown = row["unexpected_values"] or _format(observed)
        row["note"] = f"{title}: '{row['expectation']}' fails for {shown}{where}."
    return row


def _duplicates_note(
    title: str, column: str, frame: pd.DataFrame, values: list, index: list
) -> str:
    """One sentence (one line) per duplicated value, naming each line it is printed on."""
    sentences = []
    for value in dict.fromkeys(_format(v) for v in values):
        at = [i for i, v in zip(index, values, strict=False) if _format(v) == value]
        lines = sorted(_source_lines(frame, at))
        where = f" (lines {words.join_words(lines)})" if lines else ""
        sentences.append(
            f"{title}: {column.replace('_', ' ')} {value} appears {len(at)} times{where}."
        )
    return "\n".join(sentences)


def _reconciliation_rows(rec: pd.DataFrame, r) -> list[dict[str, object]]:
    """One summary row per broken identity (or one for the whole expectation when it holds)."""
    cfg = r.expectation_config
    check = _condition_parameter(cfg.kwargs.get("row_condition"))
    error = _exception_message(r.exception_info)
    index = list((r.result or {}).get("unexpected_index_list") or [])
    if r.success or error or not index or cfg.type != _PAIR:
        held = int((rec["check"] == check).sum()) if check else len(rec)
        values = list((r.result or {}).get("unexpected_list") or [])
        row = _row(
            RECONCILIATION_SUITE,
            RECONCILIATION_SUITE,
            r,
            values,
            check=check,
            observed=error or f"{held} identities checked",
        )
        if not r.success:
            row["note"] = f"Reconciliation: '{row['expectation']}' fails."
        return [row]
    rows = []
    for i in index:
        identity = rec.iloc[int(i)]
        left = _figure(identity["left_value"], identity["unit"])
        right = _figure(identity["right_value"], identity["unit"])
        one_table = identity["right_table"] == identity["left_table"]
        if one_table or not identity["right_lines"]:
            merged = [
                *words.parse_lines(identity["left_lines"]),
                *words.parse_lines(identity["right_lines"]),
            ]
            sources = f"{identity['left_table']} {words.format_lines(merged)}".strip()
        else:
            sources = (
                f"{identity['left_table']} {identity['left_lines']}; "
                f"{identity['right_table']} {identity['right_lines']}"
            )
        rows.append(
            _row(
                RECONCILIATION_SUITE,
                identity["left_table"],
                r,
                [],
                related_table="" if one_table else identity["right_table"],
                column=identity["identity"],
                check=check,
                observed=f"{left} {identity['relation']} {right}",
                unexpected_count=1,
                unexpected_values=f"{left} vs {right} (discrepancy "
                f"{_figure(identity['discrepancy'])}, tolerance {_figure(identity['tolerance'])})",
                source_lines=sources,
                note=reconcile.describe(identity),
            )
        )
    return rows


def _condition_parameter(condition: object) -> str:
    """The value a ``column == value`` row condition selects (the reconciliation's check id)."""
    if isinstance(condition, Mapping):
        return str(condition.get("parameter") or "")
    return str(getattr(condition, "parameter", "") or "")


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


# Validating -----------------------------------------------------------------------------------


def expectation_parameters(year: ReportingYear) -> dict[str, list[str]]:
    """Values the suites refer to with ``{"$PARAMETER": ...}``."""
    return {
        "report_year": [str(year)],
        "years_up_to_report": [str(year.previous(n)) for n in range(YEARS_BACK + 1)],
    }


def store_parameters(tables: Mapping[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Suite parameters for figures taken from several reports (a year run from the store):
    each row's report year, and the years each of those reports may describe."""
    reports: set[str] = set()
    for frame in tables.values():
        if "report_year" in frame.columns:
            reports.update(str(y) for y in frame["report_year"].dropna().unique())
    years: set[str] = set()
    for report in reports:
        years.update(expectation_parameters(ReportingYear.parse(report))["years_up_to_report"])
    return {"report_year": sorted(reports), "years_up_to_report": sorted(years)}


def validate_tables(
    tables: Mapping[str, pd.DataFrame],
    year: ReportingYear | str,
    *,
    expectations_dir: Path = paths.EXPECTATIONS_DIR,
    conflicts: pd.DataFrame | None = None,
    from_store: bool = False,
) -> ValidationResult:
    """Run every table's suite, then reconcile the tables that passed and run that suite too.

    A table missing from ``tables`` is validated as an empty frame (so it fails as empty),
    unless ``from_store``: the year is run from figures restated in other reports, only the
    tables the store can give are checked, each row against its own report's year. ``conflicts``
    (from :func:`complaints.inputs.store.conflicts`) adds one identity per figure that two held
    reports give differently. Tables with a failed error-severity expectation are left out of
    the reconciliation: their errors already stop the run, and their figures cannot be trusted
    to compare.
    """
    year = year if isinstance(year, ReportingYear) else ReportingYear.parse(str(year))
    parameters = store_parameters(tables) if from_store else expectation_parameters(year)
    rows: list[dict[str, object]] = []
    gx_results: dict[str, dict] = {}
    raw: dict[str, Any] = {}
    sound: dict[str, pd.DataFrame] = {}
    for table_id in cards.CARDS:
        if from_store and table_id not in tables:
            continue
        frame = _normalise(tables.get(table_id, pd.DataFrame()))
        table_rows, gx_results[table_id], raw[table_id] = _run_suite(
            table_id, frame, parameters, expectations_dir
        )
        rows.extend(table_rows)
        if not any(not r["success"] and r["severity"] == "error" for r in table_rows):
            sound[table_id] = frame

    rec = reconcile.build_reconciliation(sound, conflicts)
    rec_rows, gx_results[RECONCILIATION_SUITE], raw[RECONCILIATION_SUITE] = _run_suite(
        RECONCILIATION_SUITE, rec, parameters, expectations_dir
    )
    rows.extend(rec_rows)
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    summary["success"] = summary["success"].astype(bool)
    summary["unexpected_count"] = summary["unexpected_count"].astype(int)
    return ValidationResult(str(year), summary, rec, gx_results, raw)


#: Results of recent suite runs, by a hash of (suite file, parameters, the frame's columns, dtypes
#: and values): validating a table that has not changed does not run GX again in this process.
_RESULTS_CACHE: OrderedDict[str, tuple[list[dict], dict, Any]] = OrderedDict()
_CACHE_SIZE = 128


def _fingerprint(name: str, spec_text: str, frame: pd.DataFrame, parameters: Mapping) -> str | None:
    digest = hashlib.sha256()
    for part in (name, spec_text, json.dumps(parameters, sort_keys=True)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode("utf-8"))
    try:
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): just run the suite
        return None
    return digest.hexdigest()


def _run_suite(
    name: str, frame: pd.DataFrame, parameters: Mapping, expectations_dir: Path
) -> tuple[list[dict], dict, Any]:
    """Validate ``frame`` with suite ``name``: summary rows, stable JSON and GX's result."""
    path = Path(expectations_dir) / f"{name}.json"
    spec_text = path.read_text(encoding="utf-8") if path.is_file() else ""
    key = _fingerprint(name, spec_text, frame, parameters)
    if key in _RESULTS_CACHE:
        _RESULTS_CACHE.move_to_end(key)
    else:
        from great_expectations.util import convert_to_json_serializable

        suite = load_suite(name, expectations_dir)
        result = _validate_frame(suite, frame, parameters)
        ordered = _ordered(result, suite)
        if name == RECONCILIATION_SUITE:
            rows = [row for r in ordered for row in _reconciliation_rows(frame, r)]
        else:
            unsound = _unsound_columns(frame, ordered)
            rows = [_table_row(name, frame, r, unsound) for r in ordered]
        gx_json = {
            "success": bool(result.success),
            "statistics": _stable(dict(result.statistics)),
            "suite_name": result.suite_name,
            "suite_parameters": _stable(dict(result.suite_parameters or {})),
            "meta": _stable(convert_to_json_serializable(result.meta)),
            "results": [_stable(r.to_json_dict()) for r in ordered],
        }
        if key is None:  # not to be cached
            return rows, gx_json, result
        _RESULTS_CACHE[key] = (rows, gx_json, result)
        while len(_RESULTS_CACHE) > _CACHE_SIZE:
            _RESULTS_CACHE.popitem(last=False)
    rows, gx_json, result = _RESULTS_CACHE[key]
    return [dict(r) for r in rows], gx_json, result


def _ordered(suite_result, suite) -> list:
    """GX does not keep the suite's order; restore it (expectations are told apart by type and
    description, which a test keeps unique within a suite)."""
    position = {(e.expectation_type, e.description): i for i, e in enumerate(suite.expectations)}
    return sorted(
        suite_result.results,
        key=lambda r: position.get(
            (r.expectation_config.type, r.expectation_config.description), len(position)
        ),
    )


def check_year(params: RunParams, *, raise_on_error: bool = True) -> ValidationResult:
    """Validate a year's clean tables and write the results under ``params.validation_dir``.

    A year without an input of its own is validated on the figures the store holds for it.
    Figures that two held reports give differently are reported as warnings naming both.

    Writes ``validation_results.json`` (everything), ``summary.csv``, ``reconciliation.csv`` and
    ``notes.csv`` (table_id, severity, message) even when errors are found, then raises
    :class:`ValidationFailed` naming the table, expectation and offending values (unless
    ``raise_on_error`` is false: the notebook raises in its last cell instead).
    """
    from complaints.inputs import store

    own_input = paths.clean_dir(params.year, params.clean_root).is_dir()
    if own_input:
        tables = load_clean_tables(params.year, params.clean_root)
    else:  # a year held only as figures restated in later reports
        tables, _ = store.tables_for_report(params.year, params.clean_root)
    try:
        conflicts = store.conflicts(params.clean_root, concerning=params.year)
    except (ValueError, TypeError, InputError):
        # A clean table that does not even parse: its own suite names the problem below, and
        # figures that cannot be read cannot be compared across reports.
        conflicts = None
    result = validate_tables(tables, params.year, conflicts=conflicts, from_store=not own_input)
    result.save(params.validation_dir)
    if raise_on_error:
        result.raise_for_errors()
    return result


# Notes ----------------------------------------------------------------------------------------


def quality_notes(result: ValidationResult) -> pd.DataFrame:
    """Each failed expectation as a plain sentence: ``table_id``, ``severity``, ``message``.

    A note about two tables (a figure that disagrees between them) is listed under both. A group
    of percentages that looks cut off is reported once, as cut off, not also as not adding up.
    Each duplicated value is a note of its own.
    """
    failed = result.failures
    cut_off = set(failed.loc[failed["check"] == "section_complete", "column"])
    notes = []
    for _, row in failed.iterrows():
        if row["check"] == "percentages_add_up_to_100" and row["column"] in cut_off:
            continue
        for table in (row["table"], row["related_table"]):
            if table:
                notes.append(
                    {"table_id": table, "severity": row["severity"], "message": row["note"]}
                )
    frame = pd.DataFrame(notes, columns=list(NOTES_COLUMNS)).drop_duplicates()
    order = {s: i for i, s in enumerate(SEVERITIES)}
    frame = frame.sort_values("severity", key=lambda s: s.map(order), kind="stable")
    return frame.reset_index(drop=True)


def read_quality_notes(validation_dir: Path | str) -> pd.DataFrame | None:
    """The notes written by :func:`check_year` (``<validation_dir>/notes.csv``), or ``None`` when
    validation has not been run for that folder."""
    path = Path(validation_dir) / NOTES_FILE
    if not path.is_file():
        return None
    notes = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in NOTES_COLUMNS if c not in notes.columns]
    if missing:
        raise InputError(f"missing columns {missing}", file=paths.relative_to_project(path))
    return notes.loc[:, list(NOTES_COLUMNS)]


def notes_text(result: ValidationResult) -> str:
    """The notes as a bulleted plain-text list (one line each)."""
    notes = quality_notes(result)
    if notes.empty:
        return "No data-quality notes: the clean tables agree with themselves."
    unique = notes.drop_duplicates("message")
    return "\n".join(f"- [{r.severity}] {r.message}" for r in unique.itertuples())


# Display --------------------------------------------------------------------------------------

_SHADES = {"error": "#f8d7da", "warning": "#fff3cd"}


def _styled(frame: pd.DataFrame, uuid: str, shaded: pd.Series, **formatting: object) -> Styler:
    """``frame`` as an HTML-safe table with no random ids (reruns give the same HTML), each row
    in the colour ``shaded`` gives it (none where empty)."""
    from pandas.io.formats.style import Styler

    colours = [f"background-color: {c}" if c else "" for c in shaded]
    return (
        Styler(frame, uuid=uuid, cell_ids=False)
        .apply(lambda _: pd.DataFrame({c: colours for c in frame.columns}), axis=None)
        .format(escape="html", na_rep="", **formatting)
        .hide(axis="index")
        .set_table_styles(
            [{"selector": "td, th", "props": "text-align: left; vertical-align: top;"}]
        )
    )


def summary_frame(result: ValidationResult, *, failures_only: bool = False) -> pd.DataFrame:
    """The summary for reading: table, expectation, severity, result, values, source lines."""
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
    stats = result.statistics()
    return _styled(frame, "validation-summary", shaded.fillna("")).set_caption(
        escape(
            f"{result.year}: {stats['expectations']} expectations, "
            f"{stats['errors']} error(s), {stats['warnings']} warning(s)"
        )
    )


def reconciliation_table(result: ValidationResult) -> Styler:
    """The reconciliation as a styled table: each identity, both figures with their table and
    source lines, the tolerance and whether it holds (broken identities shaded)."""
    rec = result.reconciliation.reset_index(drop=True)

    def side(prefix: str) -> list[str]:
        return [
            f"{_figure(v, u)} ({t}, {'line' if n.isdigit() else 'lines'} {n})"
            if n
            else _figure(v, u)
            for v, u, t, n in zip(
                rec[f"{prefix}_value"],
                rec["unit"],
                rec[f"{prefix}_table"],
                rec[f"{prefix}_lines"],
                strict=True,
            )
        ]

    holds = rec["discrepancy"] <= rec["tolerance"]
    frame = rec.assign(
        **{"left figure": side("left"), "right figure": side("right")},
        holds=holds.map({True: "yes", False: "NO"}),
    )
    columns = ["identity", "check", "left figure", "right figure", "tolerance", "discrepancy"]
    shaded = (~holds).map({True: _SHADES["warning"], False: ""})
    return _styled(frame.loc[:, [*columns, "holds"]], "reconciliation", shaded, precision=1)
