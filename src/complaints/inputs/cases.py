"""The case route: a complaints system's export of cases (CSV or ``.xlsx``, its own headings
and labels, in ``data/raw/<year>/``) mapped to one case model by ``cases-mapping.toml``.

:func:`read_cases` reads the export into :class:`CaseData`, each column at once, refusing a bad
cell in one line naming the file, the row as numbered in the spreadsheet, the export's heading
and the value; :func:`check_cases` checks the relations between rows (GX, and pandas where a
check relates two rows); :mod:`complaints.inputs.case_rules` computes the report's tables.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from complaints import paths, words
from complaints.errors import InputError
from complaints.years import ReportingYear

log = logging.getLogger(__name__)

MAPPING_FILE = "cases-mapping.toml"

#: The canonical case model: part -> column -> what it holds. Every frame of :class:`CaseData`
#: also carries ``source_file`` (a category of one: the file, even when it has no rows) and
#: ``source_row`` (the row as numbered in the spreadsheet).
MODEL: dict[str, dict[str, str]] = {
    "cases": {
        "case_ref": "The case's reference in the complaints system (unique).",
        "service": "`social_care` (Children's Social Care) or `non_social_care`.",
        "procedure": "`statutory` (Children Act 1989 procedure) or `corporate`.",
        "formality": "`formal` or `informal` (an informal social care case is a representation).",
        "date_received": "Date the complaint or representation was received.",
        "complainant": "Who complained, as the report groups them (e.g. `Parent`).",
        "child_in_care": "Whether the complaint concerns a child in care.",
        "via_advocate": "Whether the complaint was made through an advocate.",
        "team": "The team or locality complained about.",
        "learning": "The learning recorded (empty: none).",
        "learning_action": "The action taken on the learning.",
        "remedy": "Money paid to resolve the case, GBP (0 if none).",
    },
    "stages": {
        "case_ref": "The case the stage belongs to.",
        "stage": "1, 2 or 3.",
        "date_requested": "Date the stage was requested.",
        "date_responded": "Date of the response (stage 3: the panel); empty while open.",
        "extension_agreed": "Whether an extended timescale was agreed.",
        "outcome": "`fully_justified`, `partly_justified`, `not_justified` or `withdrawn`.",
    },
    "themes": {
        "case_ref": "The case.",
        "theme": "One theme of the case (a case can have several).",
    },
    "ombudsman": {
        "lgsco_ref": "The Ombudsman's reference (unique).",
        "case_ref": "The council's case, when there is one.",
        "service": "`social_care` or `non_social_care`.",
        "date_notified": "Date the council was notified of the enquiry.",
        "date_decided": "Date of the Ombudsman's decision; empty while open.",
        "decision": "`upheld`, `not_upheld`, `closed_after_initial_enquiries` or `referred_back`.",
        "remedy": "Money the council was asked to pay, GBP (0 if none).",
    },
    "compliments": {
        "date": "Date the compliment was received.",
        "service": "`social_care` or `non_social_care`.",
    },
    "equality": {
        "form_id": "The anonymous monitoring form.",
        "characteristic": "The question (e.g. `Gender`).",
        "answer": "The answer given (e.g. `Female`).",
    },
}


@dataclass(frozen=True)
class CaseData:
    """A year's cases in the canonical model (:data:`MODEL`), one frame per part."""

    cases: pd.DataFrame
    stages: pd.DataFrame
    themes: pd.DataFrame
    ombudsman: pd.DataFrame
    compliments: pd.DataFrame
    equality: pd.DataFrame


#: The canonical values of each labelled column. The mapping's ``[labels.<column>]`` says which
#: of the export's labels means which; the canonical values themselves are always understood.
LABELS: dict[str, tuple[str, ...]] = {
    "service": ("social_care", "non_social_care"),
    "procedure": ("statutory", "corporate"),
    "formality": ("formal", "informal"),
    "outcome": ("fully_justified", "partly_justified", "not_justified", "withdrawn"),
    "decision": ("upheld", "not_upheld", "closed_after_initial_enquiries", "referred_back"),
}
#: How a column is read unless it is free text (kept as written, stripped; empty: missing):
#: ``ref`` text never empty, ``date`` (``date?`` may be empty), ``flag`` yes/no, ``money`` in
#: GBP (empty: 0), ``stage`` 1-3, ``label`` one of :data:`LABELS` (``label?`` may be empty).
KINDS: dict[str, str] = {
    **dict.fromkeys(("case_ref", "lgsco_ref", "form_id", "characteristic"), "ref"),
    **dict.fromkeys(("date_received", "date_requested", "date_notified", "date"), "date"),
    **dict.fromkeys(("date_responded", "date_decided"), "date?"),
    **dict.fromkeys(("child_in_care", "via_advocate", "extension_agreed"), "flag"),
    **dict.fromkeys(("service", "procedure", "formality"), "label"),
    **dict.fromkeys(("outcome", "decision"), "label?"),
    "remedy": "money",
    "stage": "stage",
}
#: The parts read from files (themes come from one cell of the cases); equality is optional.
FILE_PARTS = ("cases", "stages", "ombudsman", "compliments", "equality")
THEMES = "themes"
THEMES_TEXT = 'The case\'s themes in one cell, separated by ";" (e.g. "Communication; Delay").'
DEFAULT_FLAGS = {"yes": ["Yes", "Y", "True"], "no": ["No", "N", "False", ""]}
#: Excel serial numbers read as dates: 1 January 1990 to 31 December 2099.
SERIALS = (32874, 73050)
#: How many case references the warning about open cases lists.
MAX_LISTED = 50


def export_columns(part: str) -> list[str]:
    """The canonical columns read from a part's file (the cases' file also holds the themes)."""
    return [*MODEL[part], *([THEMES] if part == "cases" else [])]


def _kind(part: str, column: str) -> str:
    return "text" if (part, column) == ("ombudsman", "case_ref") else KINDS.get(column, "text")


@dataclass(frozen=True)
class Mapping:
    """A year's mapping file, read and checked: where each part is and what its words mean."""

    path: Path
    files: dict[str, tuple[Path, str | None]]  # part -> (file, sheet of a workbook)
    columns: dict[str, dict[str, str]]  # part -> canonical column -> heading ("": not exported)
    labels: dict[str, dict[str, str]]  # column -> the export's label -> canonical value
    flags: dict[str, bool]  # the export's word for yes or no (lower case) -> True / False
    rules: dict

    @property
    def where(self) -> str:
        return paths.relative_to_project(self.path)


def _line_of(text: str, key: str, section: str) -> int | None:
    """The line of the file naming ``key`` (in table ``[section]`` if there is one)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == f"[{section}]"), 0)
    return next((n for n, line in enumerate(lines[start:], start + 1) if key in line), None)


def load_mapping(folder: Path) -> Mapping:
    """Read and check ``folder/cases-mapping.toml`` (a mistake names the file and its line)."""
    path = Path(folder) / MAPPING_FILE
    where = paths.relative_to_project(path)
    if not path.is_file():
        hint = "scaffold one: complaints new-year --cases"
        raise InputError("mapping file not found", file=where, hint=hint)
    text = path.read_text(encoding="utf-8-sig")
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason, _, at = str(exc).partition(" (at line ")  # "... (at line 9, column 12)"
        line = int(at.split(",")[0]) if at else None
        hint = 'write key = "text" (double quotes), one per line; see the comments in the file'
        raise InputError(f"not valid TOML: {reason}", file=where, line=line, hint=hint) from None

    def refuse(message: str, key: str, section: str = "") -> InputError:
        return InputError(message, file=where, line=_line_of(text, key, section))

    def section(name: str, known: tuple[str, ...], within: dict = spec) -> dict:
        value = within.get(name, {})
        if not isinstance(value, dict):
            raise refuse(f"{name} must be a table: [{name}] followed by key = value lines", name)
        unknown = [k for k in value if known and k not in known]
        if unknown:
            raise refuse(f"[{name}] has {unknown[0]!r}: expected one of {', '.join(known)}", name)
        return value

    section("the file", ("files", "columns", "labels", "flags", "rules"), {"the file": spec})
    files = {p: (path.parent / f"{p}.csv", None) for p in FILE_PARTS if p != "equality"}
    for part, entry in section("files", FILE_PARTS).items():
        entry = {"path": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise refuse(f'[files] {part}: write "file.csv" or {{ path = "…", sheet = "…" }}', part)
        files[part] = (path.parent / entry["path"], entry.get("sheet"))
    columns = {}
    given_columns = section("columns", FILE_PARTS)
    for part in FILE_PARTS:
        given = section(part, tuple(export_columns(part)), given_columns)
        for column, heading in given.items():
            if not str(heading).strip() and _kind(part, column) in ("ref", "date", "label"):
                problem = f'[columns.{part}] {column} cannot be "": every export has it'
                raise refuse(problem, column, f"columns.{part}")
        columns[part] = {c: str(given.get(c, c)).strip() for c in export_columns(part)}
    labels = {}
    given_labels = section("labels", tuple(LABELS))
    for column, values in LABELS.items():
        given = section(column, (), given_labels)
        for label, value in given.items():
            if value not in values:
                problem = f"[labels.{column}] {label!r} = {value!r}: the value must be one of "
                raise refuse(problem + ", ".join(values), label, f"labels.{column}")
        labels[column] = {**given, **{v: v for v in values if v not in given}}
    given_flags = {**DEFAULT_FLAGS, **section("flags", ("yes", "no"))}
    if not all(isinstance(given_flags[a], list) for a in ("yes", "no")):
        raise refuse('[flags]: expected yes = ["Yes", "Y"] and no = ["No", "N", ""]', "flags")
    flags = {str(w).strip().lower(): a == "yes" for a in ("no", "yes") for w in given_flags[a]}
    return Mapping(path, files, columns, labels, flags, section("rules", ()))


# --- reading the export ---------------------------------------------------------------------


def _read_sheet(file: Path, sheet: str | None, mapping: Mapping) -> tuple[pd.DataFrame, str]:
    """A part's file as text cells, indexed by the row number the spreadsheet shows, and how
    the file is named in messages and provenance (``path#sheet`` for a workbook's sheet)."""
    where = paths.relative_to_project(file)
    fix = f"put the export there or correct [files] in {mapping.where}"
    if not file.is_file():
        raise InputError("file not found", file=where, hint=fix)
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        with pd.ExcelFile(file, engine="openpyxl") as book:
            sheet = sheet or book.sheet_names[0]
            if sheet not in book.sheet_names:
                problem = f"no sheet {sheet!r} (sheets: {', '.join(book.sheet_names)})"
                raise InputError(problem, file=where, hint=fix)
            # as text: a date cell reads as 2023-04-03 00:00:00 (ISO), a number as 45019
            raw = pd.read_excel(book, sheet_name=sheet, dtype=str, na_filter=False)
            where += f"#{sheet}"
    else:
        try:
            raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InputError("is not UTF-8 text", file=where, hint="save it as CSV UTF-8") from None
        except pd.errors.EmptyDataError:
            raise InputError("is empty: expected a header row", file=where) from None
        except pd.errors.ParserError as exc:
            raise InputError(f"is not a CSV file pandas can read: {exc}", file=where) from None
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw.set_axis(pd.RangeIndex(2, len(raw) + 2)), where


def _to_dates(text: pd.Series) -> pd.Series:
    """UK day-first dates, else ISO dates, else Excel serial numbers (NaT: not a date)."""
    dates = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    dates = dates.fillna(pd.to_datetime(text[dates.isna()], format="ISO8601", errors="coerce"))
    serial = pd.to_numeric(text[dates.isna()], errors="coerce")
    serial = serial.where(serial.between(*SERIALS)) // 1
    dates = dates.fillna(pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D"))
    return dates.dt.normalize().astype("datetime64[ns]")


def _numbers(text: pd.Series, strip: str) -> pd.Series:
    """Numbers, parsed at once; only the cells that are not plain numbers lose ``strip``."""
    numbers = pd.to_numeric(text, errors="coerce")
    cleaned = text[numbers.isna()].str.replace(strip, "", regex=True)
    return numbers.fillna(pd.to_numeric(cleaned, errors="coerce"))


def _parse(text: pd.Series, kind: str, column: str, refuse, mapping: Mapping) -> pd.Series:
    """One column of the export in its canonical type; ``refuse(bad, problem)`` on a bad cell."""
    empty = text.eq("")
    if kind in ("ref", "date", "label"):  # required
        refuse(empty, "— fill it in: every row needs one")
    kind = kind.rstrip("?")
    if kind == "date":
        dates = _to_dates(text)
        hint = "write dates as 03/04/2023 (day first), 2023-04-03 or an Excel date"
        refuse(dates.isna() & ~empty, f"is not a date — {hint}")
        return dates
    if kind == "flag":
        answers = text.str.lower().map(mapping.flags)
        said = mapping.flags.items()
        yes, no = ("/".join(w for w, a in said if a == b and w) for b in (True, False))
        problem = f"is not a yes or no — write {yes} or {no}, or add the word to yes or no in "
        refuse(answers.isna(), f"{problem}[flags] of {mapping.where}")
        return answers.astype(bool)
    if kind == "money":
        money = _numbers(text, r"[£,\s]").mask(empty, 0.0)
        refuse(money.isna() | (money < 0), "is not an amount — write it as £1,250.00 or 1250")
        return money.astype("float64")
    if kind == "stage":
        stage = _numbers(text, r"(?i)^stage\s*")
        refuse(~stage.isin([1, 2, 3]), "is not a stage — write 1, 2 or 3")
        return stage.astype("int64")
    if kind == "label":
        known = mapping.labels[column]
        values = text.str.lower().map({k.strip().lower(): v for k, v in known.items()})
        listed = ", ".join(repr(k) for k in known)
        problem = f"is not a known {column.replace('_', ' ')} (known: {listed}) — add it to "
        refuse(values.isna() & ~empty, f"{problem}[labels.{column}] in {mapping.where}")
        return values.astype("str")
    return text.mask(empty).astype("str")


def _column(
    cells: pd.Series, kind: str, column: str, heading: str, where: str, mapping: Mapping
) -> pd.api.extensions.ExtensionArray:
    """One column of the export parsed, each distinct value once (an export repeats its labels,
    dates and flags); a bad value is refused naming its first row."""
    codes, distinct = pd.factorize(cells.to_numpy(dtype=object))
    text = pd.Series(distinct, dtype="str").str.strip()

    def refuse(bad: pd.Series, problem: str) -> None:
        rows = bad.to_numpy(dtype=bool)[codes]
        if rows.any():
            first = int(rows.argmax())
            value = text[codes[first]]
            problem = f"{repr(value) if value else 'an empty cell'} {problem}"
            raise InputError(problem, file=where, row=int(cells.index[first]), column=heading)

    return _parse(text, kind, column, refuse, mapping).array.take(codes)


def _frame(
    raw: pd.DataFrame, part: str, where: str, mapping: Mapping, headings: dict[str, str]
) -> pd.DataFrame:
    """The canonical frame of one part from its export's text cells (row-numbered index)."""
    raw = raw[raw.ne("").any(axis=1)]  # blank rows are not records
    found = {c.lower(): c for c in raw.columns}
    out = {}
    for column, heading in headings.items():
        if heading and heading.lower() not in found:
            problem = f'no column "{heading}" (the {part} {column.replace("_", " ")}) — the '
            problem += f"columns are {', '.join(repr(c) for c in raw.columns) or 'none'}; give "
            problem += f'its heading as {column} = "…" in [columns.{part}] of {mapping.where}'
            raise InputError(problem, file=where, row=1)
        cells = raw[found[heading.lower()]] if heading else pd.Series("", index=raw.index)
        out[column] = _column(cells, _kind(part, column), column, heading or column, where, mapping)
    frame = pd.DataFrame(out, index=raw.index)
    frame["source_file"] = pd.Categorical([where] * len(raw), categories=[where])
    frame["source_row"] = raw.index.to_numpy(dtype="int64")
    frame = frame.reset_index(drop=True)
    frame.attrs["headings"] = {c: h or c for c, h in headings.items()}
    return frame


def _read_part(mapping: Mapping, part: str) -> pd.DataFrame:
    if part not in mapping.files:  # an optional part the year does not have: no rows
        empty = pd.DataFrame(columns=export_columns(part), dtype="str")
        return _frame(empty, part, "", mapping, {c: c for c in export_columns(part)})
    raw, where = _read_sheet(*mapping.files[part], mapping)
    return _frame(raw, part, where, mapping, mapping.columns[part])


def _themes(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per theme of a case, from the cases' themes cell (split on ``;``)."""
    codes, distinct = pd.factorize(cases[THEMES].fillna(""))
    split = pd.Series([[t.strip() for t in cell.split(";") if t.strip()] for cell in distinct])
    split = split.take(codes).set_axis(cases.index).explode().dropna()
    themes = cases.loc[split.index, ["case_ref", "source_file", "source_row"]]
    themes.insert(1, "theme", pd.array(split, dtype="str"))
    themes = themes.reset_index(drop=True)
    headings = cases.attrs["headings"]
    themes.attrs["headings"] = {"case_ref": headings["case_ref"], "theme": headings[THEMES]}
    return themes


def read_cases(folder: Path, year: ReportingYear) -> tuple[CaseData, dict]:
    """Read the export a year's folder holds into the case model (``check_cases`` then checks
    it against ``year``); also returns the mapping's ``[rules]`` (for ``case_rules.Settings``)."""
    mapping = load_mapping(folder)
    parts = {part: _read_part(mapping, part) for part in FILE_PARTS}
    cases = parts.pop("cases")
    data = CaseData(cases=cases.drop(columns=THEMES), themes=_themes(cases), **parts)
    return data, mapping.rules


# --- checking the cases ---------------------------------------------------------------------


def year_end(year: ReportingYear) -> pd.Timestamp:
    """The last day of a reporting year (31 March)."""
    return pd.Timestamp(year.start + 1, 3, 31)


def still_open(stages: pd.DataFrame, year: ReportingYear) -> pd.Series:
    """The stages open at the year's end: no response by then, and not withdrawn."""
    return ~(stages["date_responded"] <= year_end(year)) & stages["outcome"].ne("withdrawn")


def _day(value: object) -> str:
    return "empty" if words.is_missing(value) else f"{pd.Timestamp(value):%d/%m/%Y}"


def _heading(frame: pd.DataFrame, column: str) -> str:
    """The export's heading of a canonical column (its own name in a frame not read here)."""
    return frame.attrs.get("headings", {}).get(column, column)


def _refuse_at(frame: pd.DataFrame, row: int, column: str, message: str) -> InputError:
    where = frame["source_file"].iloc[0] if len(frame) else None
    return InputError(message, file=where, row=row, column=_heading(frame, column))


#: What GX checks in each part: the key each row has its own of (and what the row is), the date
#: not after the year's end, and a date not before another.
GX_CHECKS = {
    "cases": (["case_ref"], "case", "date_received", ()),
    "stages": (["case_ref", "stage"], "stage", "date_requested",
               ("date_responded", "date_requested")),
    "ombudsman": (["lgsco_ref"], "enquiry", "date_notified", ("date_decided", "date_notified")),
    "compliments": ([], "", "date", ()),
}  # fmt: skip


def _gx_failure(frame: pd.DataFrame, result, year: ReportingYear) -> InputError:
    """The first row a failed expectation names, told in one line."""
    config = result.expectation_config
    rows = sorted(int(i["source_row"]) for i in result.result["unexpected_index_list"])
    at = frame.set_index("source_row")
    if "what" in config.meta:  # a repeated key
        columns = config.kwargs.get("column_list") or [config.kwargs["column"]]
        key = at.loc[rows[0], columns]
        first, again = at.index[(at[columns] == key).all(axis=1)][:2]
        ref = repr(key.iloc[0])
        value = ref if len(key) == 1 else f"stage {key.iloc[1]} of case {ref}"
        what = config.meta["what"]
        problem = f"{value} is repeated (also row {first}) — give each {what} one row"
        return _refuse_at(frame, again, columns[-1], problem)
    if "max_value" in config.kwargs:  # a date after the year
        column = config.kwargs["column"]
        problem = f"{_day(at.loc[rows[0], column])} is after the end of {year} "
        problem += f"({_day(year_end(year))}) — leave it for next year's export"
        return _refuse_at(frame, rows[0], column, problem)
    later, earlier = config.kwargs["column_A"], config.kwargs["column_B"]
    problem = f"{_day(at.loc[rows[0], later])} is before {_day(at.loc[rows[0], earlier])}, the "
    problem += f'"{_heading(frame, earlier)}" — correct whichever date is wrong'
    return _refuse_at(frame, rows[0], later, problem)


def _check_with_gx(data: CaseData, year: ReportingYear) -> None:
    """Run the GX expectations on each part (GX's ephemeral context of the validation stage)."""
    from complaints.checks.validation import gx_context

    context = gx_context()
    exp, end = context["gx"].expectations, year_end(year)
    fmt = {"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"]}
    for part, (key, what, dated, pair) in GX_CHECKS.items():
        frame = getattr(data, part)
        if frame.empty:
            continue
        # meta["at"]: the order failures are told in (GX does not keep the suite's)
        between = exp.ExpectColumnValuesToBeBetween
        expectations = [between(column=dated, max_value=end, meta={"at": 1})]
        meta = {"at": 0, "what": what}
        if len(key) == 1:
            expectations.append(exp.ExpectColumnValuesToBeUnique(column=key[0], meta=meta))
        elif key:
            expectations.append(exp.ExpectCompoundColumnsToBeUnique(column_list=key, meta=meta))
        if pair:
            ordered = {"or_equal": True, "ignore_row_if": "either_value_is_missing"}
            pairing = exp.ExpectColumnPairValuesAToBeGreaterThanB
            expectations.append(
                pairing(column_A=pair[0], column_B=pair[1], meta={"at": 2}, **ordered)
            )
        suite = context["gx"].ExpectationSuite(name=f"cases_{part}", expectations=expectations)
        checked = frame.loc[:, list(dict.fromkeys([*key, dated, *pair, "source_row"]))]
        for column in checked.select_dtypes("str"):  # references as numbers: quicker for GX
            checked[column] = pd.factorize(checked[column])[0]
        batch = context["batch"].get_batch(batch_parameters={"dataframe": checked})
        failed = [r for r in batch.validate(suite, result_format=fmt).results if not r.success]
        if failed:
            first = min(failed, key=lambda r: r.expectation_config.meta["at"])
            raise _gx_failure(frame, first, year)


def _check_stages(data: CaseData) -> None:
    """Stages belong to cases of the cases file, are not requested before their case was
    received and follow each other (pandas: relations of two rows)."""
    stages, cases = data.stages, data.cases
    # the cases' references are unique (checked by GX): each stage's case's row, -1 if none
    case = pd.Index(cases["case_ref"]).get_indexer(stages["case_ref"])
    stage, rows = stages["stage"].to_numpy(), stages["source_row"]
    where = cases["source_file"].iloc[0] if len(cases) else "the cases file"
    if (case < 0).any():
        i = int((case < 0).argmax())
        problem = f"{stages['case_ref'].iloc[i]!r} is not a case in {where} — add the case there"
        raise _refuse_at(stages, rows.iloc[i], "case_ref", f"{problem} or correct the reference")
    requested = stages["date_requested"].to_numpy()
    received = cases["date_received"].to_numpy()[case]
    if (requested < received).any():
        i = int((requested < received).argmax())
        problem = f"{_day(stages['date_requested'].iloc[i])} is before case "
        problem += f"{stages['case_ref'].iloc[i]!r} was received ({_day(received[i])}, row "
        problem += f"{cases['source_row'].iloc[case[i]]} of {where}) — correct either date"
        raise _refuse_at(stages, rows.iloc[i], "date_requested", problem)
    key = case * 4 + stage  # (case, stage) is unique (checked by GX)
    before = pd.Index(key).get_indexer(key - 1)  # the row of the stage before, -1 if none
    missing = (stage > 1) & (before < 0)
    answered = stages["date_responded"].to_numpy()[before]
    early = (stage > 1) & ~missing & ~(requested >= answered)
    if not (missing | early).any():
        return
    i = int((missing | early).argmax())
    n, ref, at = int(stage[i]), stages["case_ref"].iloc[i], rows.iloc[i]
    if missing[i]:
        problem = f"'{n}': case {ref!r} has no stage {n - 1} before this stage {n}"
        raise _refuse_at(stages, at, "stage", f"{problem} — add it or correct the stage")
    when = f"answered on {_day(answered[i])}" if pd.notna(answered[i]) else "still open"
    problem = f"{_day(stages['date_requested'].iloc[i])}: stage {n} of case {ref!r} is requested"
    problem += f" before its stage {n - 1} was answered (row {rows.iloc[before[i]]}, {when})"
    raise _refuse_at(stages, at, "date_requested", f"{problem} — correct the dates")


def check_cases(data: CaseData, year: ReportingYear) -> list[str]:
    """Check the cases against each other and the year (:data:`GX_CHECKS`, then the stages'
    order in pandas), raising :class:`InputError` on the first problem; return (and log) the
    warning about cases still open at the year's end."""
    _check_with_gx(data, year)
    _check_stages(data)
    refs = list(dict.fromkeys(data.stages.loc[still_open(data.stages, year), "case_ref"]))
    if not refs:
        return []
    more = [f"{len(refs) - MAX_LISTED} more"] if len(refs) > MAX_LISTED else []
    warning = (
        f"{len(refs)} case(s) still open at the end of {year} (a stage without a response by "
        f"{_day(year_end(year))}), counted as received: "
        f"{words.join_words(refs[:MAX_LISTED] + more)}"
    )
    log.warning(warning)
    return [warning]


# --- a new year -----------------------------------------------------------------------------


def _toml(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)


def _render(template: str, **context: object) -> str:
    """A text template of ``templates/cases/`` rendered (nothing escaped: not HTML)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    from complaints.inputs.case_rules import Settings

    templates = Environment(
        loader=PackageLoader("complaints", "templates/cases"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    templates.filters["toml"] = _toml
    rules = dataclasses.asdict(Settings())  # the defaults of [rules]
    defaults = {"mapping_file": MAPPING_FILE, "flags": DEFAULT_FLAGS, "rules": rules}
    return templates.get_template(template).render(defaults | context)


def mapping_text(files: dict, headings: dict[str, dict], labels: dict[str, dict]) -> str:
    """A commented ``cases-mapping.toml``: part -> its file (a name, or ``{path, sheet}``);
    part -> canonical column -> the export's heading; column -> the export's label -> the
    canonical value. Flags and rules are the defaults."""
    columns = {
        part: {c: (h, MODEL[part].get(c, THEMES_TEXT).replace("`", "")) for c, h in given.items()}
        for part, given in headings.items()
    }
    return _render("cases-mapping.toml.j2", files=files, columns=columns, labels=labels)


def scaffold_cases(year: ReportingYear, raw_root: Path = paths.RAW_DIR) -> Path:
    """Create ``raw_root/<year>/`` with a README, a commented mapping file mapping every column
    and label to itself and empty templates with the canonical headings; never overwrites.
    Returns the mapping file."""
    from complaints.inputs.workbook import new_year_folder

    folder = new_year_folder(year, raw_root)
    folder.mkdir(parents=True, exist_ok=True)
    readme = _render("README.md.j2", year=year, start=year.start, end=year.start + 1)
    (folder / "README.md").write_text(readme, encoding="utf-8")
    columns = {part: export_columns(part) for part in FILE_PARTS}
    for part, names in columns.items():
        (folder / f"{part}.csv").write_text(",".join(names) + "\n", encoding="utf-8")
    mapping = mapping_text(
        {part: f"{part}.csv" for part in FILE_PARTS},
        {part: dict(zip(names, names, strict=True)) for part, names in columns.items()},
        {column: dict(zip(values, values, strict=True)) for column, values in LABELS.items()},
    )
    (folder / MAPPING_FILE).write_text(mapping, encoding="utf-8")
    return folder / MAPPING_FILE
