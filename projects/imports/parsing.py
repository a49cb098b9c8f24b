"""Reading task rows from JSON Lines, CSV or the API, and checking each row against the template.

Nothing here holds more than one row at a time: files are read in chunks and split into lines as
they arrive, so memory does not grow with the file. Problems are handed to a ``report`` callable as
``RowError`` values, numbered as a person counts: the line of the file where the row starts (the
CSV header is line 1), or the position of the row in the API request (the first row is 1).
"""

import codecs
import csv
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from marketplace.errors import ValidationFailed
from projects.templates import AnswersValidator, TaskDataValidator

EXTERNAL_ID_MAX_LENGTH = 200
PRIORITY_MIN, PRIORITY_MAX = -32768, 32767
#: a longer line is reported and skipped, so one endless line cannot exhaust memory
LINE_MAX_BYTES = 16 * 1024 * 1024
READ_CHUNK_BYTES = 256 * 1024
#: field kinds whose CSV cells are taken as plain text; a cell of any other kind is parsed as JSON
STRING_KINDS = frozenset({"text", "markdown", "code", "image_url"})
#: the keys of one row, in JSON Lines and through the API
ROW_KEYS = ("external_id", "data", "priority", "gold")
#: CSV columns that are not data fields
RESERVED_COLUMNS = frozenset(ROW_KEYS)
#: a CSV column ``data.<name>`` names the data field ``<name>`` explicitly (e.g. one called ``priority``)
DATA_COLUMN_PREFIX = "data."

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: ``row`` is the line (or API position), ``field`` is ``None`` for the row as a whole."""

    row: int | None
    field: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass(slots=True)
class CheckedRow:
    """A row that passed every check that does not need the database."""

    row: int
    external_id: str
    data: dict[str, Any]
    priority: int
    gold: dict[str, Any] | None
    #: the row's JSON text as read (JSON Lines), which the database can take as it is
    source: str | None = None


Report = Callable[[RowError], None]
#: what the readers yield for each row: its number, and the checked row or ``None`` when it has errors
ReadRow = tuple[int, CheckedRow | None]


# --- JSON -------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def json_parse(text: str) -> Any:
    """Strict JSON: no NaN or Infinity, and no number too large to store."""
    return _DECODER.decode(text)


def json_problem(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"is not valid JSON: {exc.msg} (column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "is not valid JSON: it is nested too deeply"
    return f"is not valid JSON: {exc}"


# --- lines ------------------------------------------------------------------------------------


class Lines:
    """The lines of a file object, decoded as UTF-8 and numbered from 1, read a chunk at a time.

    Yields each line's text, or ``None`` for a line that cannot be used (not UTF-8 when
    ``replace_bad_text`` is off, or longer than ``LINE_MAX_BYTES``); every such line is reported.
    A byte order mark at the start is dropped. ``number`` is the number of the last line read and
    ``problems`` counts the lines reported so far.
    """

    def __init__(self, file, report: Report, *, keep_newline: bool, replace_bad_text: bool):
        self.file = file
        self.report = report
        self.keep_newline = keep_newline
        self.replace_bad_text = replace_bad_text
        self.number = 0
        self.problems = 0

    def _chunks(self) -> Iterator[bytes]:
        while True:
            chunk = self.file.read(READ_CHUNK_BYTES)
            if not chunk:
                return
            yield chunk.encode("utf-8", "surrogatepass") if isinstance(chunk, str) else chunk

    def __iter__(self) -> Iterator[str | None]:
        pending = b""
        skipping = False  # inside a line that is too long, until its end
        for chunk in self._chunks():
            parts = chunk.split(b"\n")
            if skipping:
                if len(parts) == 1:
                    continue
                parts = parts[1:]
                skipping = False
            parts[0] = pending + parts[0]
            pending = parts.pop()
            for raw in parts:
                self.number += 1
                yield self._decode(raw)
            if len(pending) > LINE_MAX_BYTES:
                self.number += 1
                self._problem(f"is longer than {LINE_MAX_BYTES // (1024 * 1024)} MB")
                yield None
                pending = b""
                skipping = True
        if pending and not skipping:
            self.number += 1
            yield self._decode(pending)

    def _problem(self, reason: str) -> None:
        self.problems += 1
        self.report(RowError(self.number, None, reason))

    def _decode(self, raw: bytes) -> str | None:
        if self.number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._problem(
                f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start + 1} of the line); "
                "save the file with the UTF-8 encoding"
            )
            if not self.replace_bad_text:
                return None
            text = raw.decode("utf-8", "replace")
        if self.keep_newline:
            return text + "\n"
        return text[:-1] if text.endswith("\r") else text


def line_count(file) -> int:
    """How many lines a file has, counted cheaply (a last line without a newline counts too)."""
    count = 0
    last = b""
    while True:
        chunk = file.read(READ_CHUNK_BYTES)
        if not chunk:
            break
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8", "surrogatepass")
        count += chunk.count(b"\n")
        last = chunk[-1:]
    return count + (1 if last not in (b"", b"\n") else 0)


# --- checking one row -------------------------------------------------------------------------


def _external_id_problem(value: Any) -> str | None:
    if value is None or value == "":
        return "is required"
    if not isinstance(value, str):
        return "must be a string (put numbers in quotes)"
    if not value.strip():
        return "must not be blank"
    if value != value.strip():
        return "must not start or end with spaces"
    if len(value) > EXTERNAL_ID_MAX_LENGTH:
        return f"must be at most {EXTERNAL_ID_MAX_LENGTH} characters long (it has {len(value)})"
    if _CONTROL_CHARACTERS.search(value):
        return "must not contain control characters such as tabs or line breaks"
    return None


def _priority_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number from {PRIORITY_MIN} to {PRIORITY_MAX}"
    if not PRIORITY_MIN <= value <= PRIORITY_MAX:
        return f"must be a whole number from {PRIORITY_MIN} to {PRIORITY_MAX} (it is {value})"
    return None


class RowChecker:
    """Checks rows against one template; built once per import and used for every row."""

    def __init__(self, template: Mapping[str, Any]):
        self.data_validator = TaskDataValidator(template)
        self.answers_validator = AnswersValidator(template)
        self.fields: dict[str, tuple[str, bool]] = {}
        for spec in template.get("fields", []) or []:
            if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
                self.fields[spec["name"]] = (str(spec.get("kind", "")), bool(spec.get("required", True)))

    def check(
        self,
        number: int,
        *,
        external_id: Any,
        data: Any,
        priority: Any,
        gold: Any,
        problems: list[tuple[str | None, str]],
        report: Report,
        source: str | None = None,
    ) -> CheckedRow | None:
        """Adds the template's verdict to ``problems`` already found; reports them all, or returns the row."""
        reason = _external_id_problem(external_id)
        if reason:
            problems.append(("external_id", reason))
        data_problems = [("data", "is required")] if data is None else self.data_validator.errors(data)
        problems.extend(data_problems)
        if priority is None:
            priority = 0
        reason = _priority_problem(priority)
        if reason:
            problems.append(("priority", reason))
        if gold is not None:
            gold, gold_problems = self.gold_checked(gold, data=None if data_problems else data)
            problems.extend(gold_problems)
        if problems:
            for field, reason in problems:
                report(RowError(number, field, reason))
            return None
        return CheckedRow(row=number, external_id=external_id, data=data, priority=priority, gold=gold, source=source)

    def gold_checked(self, gold: Any, *, data: Any) -> tuple[Any, list[tuple[str, str]]]:
        """The gold answer as the template normalizes it, checked against the row's data when that is valid."""
        try:
            return self.answers_validator.gold_validate(gold, task_data=data), []
        except ValidationFailed as exc:
            return gold, [
                ("gold" if path == "gold" else f"gold.{path}", reason)
                for path, reasons in exc.details.items()
                for reason in reasons
            ]

    def check_mapping(self, number: int, value: Any, report: Report, source: str | None = None) -> CheckedRow | None:
        """One row given as an object: a line of JSON Lines, or a row sent to the API."""
        if not isinstance(value, Mapping):
            report(RowError(number, None, "must be a JSON object with the keys external_id and data"))
            return None
        problems: list[tuple[str | None, str]] = [
            (str(key), f"is not a key a row can have ({', '.join(ROW_KEYS)})") for key in value if key not in ROW_KEYS
        ]
        return self.check(
            number,
            external_id=value.get("external_id"),
            data=value.get("data"),
            priority=value.get("priority"),
            gold=value.get("gold"),
            problems=problems,
            report=report,
            source=source,
        )


# --- JSON Lines -------------------------------------------------------------------------------


def jsonl_rows(file, checker: RowChecker, report: Report) -> Iterator[ReadRow]:
    """One JSON object per line; blank lines are skipped."""
    lines = Lines(file, report, keep_newline=False, replace_bad_text=False)
    for text in lines:
        if text is None:
            yield lines.number, None
            continue
        if not text.strip():
            continue
        try:
            value = json_parse(text)
        except (ValueError, RecursionError) as exc:
            report(RowError(lines.number, None, json_problem(exc)))
            yield lines.number, None
            continue
        yield lines.number, checker.check_mapping(lines.number, value, report, source=text)


# --- CSV --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Column:
    index: int
    role: str  # external_id, priority, gold, data, or field
    field: str = ""
    as_json: bool = False


def _csv_columns(names: list[str], checker: RowChecker, line: int, report: Report) -> list[_Column] | None:
    """The meaning of each header cell, or ``None`` after reporting why the header cannot be used."""
    problems: list[tuple[str | None, str]] = []
    columns: list[_Column] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            problems.append((None, f"column {index + 1} of the header has no name"))
            continue
        if name in seen:
            problems.append((name, f"appears twice in the header (columns {seen[name] + 1} and {index + 1})"))
            continue
        seen[name] = index
        if name in RESERVED_COLUMNS:
            columns.append(_Column(index, name, as_json=name in ("data", "gold")))
            continue
        field = name.removeprefix(DATA_COLUMN_PREFIX) if name.startswith(DATA_COLUMN_PREFIX) else name
        if not field:
            problems.append((name, "names no data field after “data.”"))
            continue
        kind = checker.fields.get(field, ("text", False))[0]
        columns.append(_Column(index, "field", field=field, as_json=kind not in STRING_KINDS))
    if "external_id" not in seen:
        problems.append(("external_id", "the header needs an external_id column"))
    field_columns = [c for c in columns if c.role == "field"]
    fields_named = [c.field for c in field_columns]
    if "data" in seen:
        problems.extend(
            (names[c.index], "cannot be used together with a data column, which holds the whole task data")
            for c in field_columns
        )
    else:
        problems.extend(
            (field, "is a required field of the template, but the header has no column for it")
            for field, (_, required) in checker.fields.items()
            if required and field not in fields_named
        )
    duplicates = {f for f in fields_named if fields_named.count(f) > 1}
    problems.extend((f"data.{f}", "is named by two columns") for f in sorted(duplicates))
    for field, reason in problems:
        report(RowError(line, field, reason))
    return None if problems else columns


def _csv_values(cells: list[str], columns: list[_Column], problems: list) -> dict[str, Any]:
    values: dict[str, Any] = {"external_id": None, "data": None, "priority": None, "gold": None}
    data: dict[str, Any] = {}
    for column in columns:
        cell = cells[column.index]
        if column.role == "external_id":
            values["external_id"] = cell or None
        elif column.role == "priority":
            text = cell.strip()
            if not text:
                continue
            if _INTEGER.fullmatch(text) and len(text) < 10:
                values["priority"] = int(text)
            else:
                problems.append(("priority", f"must be a whole number from {PRIORITY_MIN} to {PRIORITY_MAX}"))
        elif not cell.strip():
            continue  # an empty cell leaves the value out
        elif column.as_json:
            name = column.field or column.role
            try:
                value = json_parse(cell)
            except (ValueError, RecursionError) as exc:
                problems.append((name, json_problem(exc)))
                continue
            if column.role == "field":
                data[column.field] = value
            else:
                values[column.role] = value
        else:
            data[column.field] = cell
    if not any(c.role == "data" for c in columns):
        values["data"] = data
    return values


def csv_rows(file, checker: RowChecker, report: Report) -> Iterator[ReadRow]:
    """A header row, then one task per record; the column rules are in ``projects.services.imports``."""
    csv.field_size_limit(max(csv.field_size_limit(), LINE_MAX_BYTES))
    lines = Lines(file, report, keep_newline=True, replace_bad_text=True)
    reader = csv.reader((text if text is not None else "\n" for text in lines), strict=True)
    columns: list[_Column] | None = None
    while True:
        start = lines.number + 1
        problems_before = lines.problems
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report(RowError(start, None, f"is not valid CSV: {exc}"))
            yield start, None
            continue
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, or a row of empty cells as spreadsheets export them
        if columns is None:
            columns = _csv_columns([cell.strip() for cell in cells], checker, start, report)
            if columns is None:
                yield start, None
                return
            width = len(cells)
            continue
        if len(cells) != width:
            report(RowError(start, None, f"has {len(cells)} values, but the header has {width} columns"))
            yield start, None
            continue
        problems: list[tuple[str | None, str]] = []
        values = _csv_values(cells, columns, problems)
        row = checker.check(start, **values, problems=problems, report=report)
        yield start, (None if lines.problems != problems_before else row)
