"""Writing checked rows: a temporary staging table, then one ``INSERT ... SELECT`` into the tasks.

PostgreSQL: the staging table is filled with ``COPY ... FROM STDIN`` *while* the file is read, so
the server parses JSON on its own core as the Python side checks the next rows. The copy is paused
(ended) whenever the reader reports progress, so the connection is free for the progress write. A
JSON Lines row goes to the server as the line it was read from; the task's data is taken from it
there (``payload->'data'``) instead of being serialized again.

SQLite: checked rows wait in a spool file (on disk past a few megabytes) and go into a temporary
table with multi-row inserts inside the write transaction.

Then, inside the import's transaction, the database finds external ids repeated in the file,
compares rows whose external id the project already has, and inserts the new tasks with one
statement, in file order. Nothing about the project's existing tasks is read into memory.
"""

import contextlib
import json
import re
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import NOT_PROVIDED

from projects.imports.parsing import CheckedRow, RowError
from projects.models import Project, Task

SPOOL_MEMORY_BYTES = 8 * 1024 * 1024
SEND_BYTES = 256 * 1024
SQLITE_INSERT_ROWS = 2000
NULL = r"\N"
# A JSON escape of the NUL character, which neither PostgreSQL's jsonb nor its text can hold.
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
_NOT_UNICODE = "contains text that is not valid Unicode (an unpaired surrogate)"


def _copy_text(text: str) -> str:
    """A value in COPY text format: a backslash starts an escape, a tab ends a value, a line break a row."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\r" in text or "\n" in text:
        text = text.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
    return text


_COPY_UNESCAPES = {"\\": "\\", "t": "\t", "r": "\r", "n": "\n"}
_COPY_ESCAPE = re.compile(r"\\(.)")


def _unescape(text: str) -> str:
    return _COPY_ESCAPE.sub(lambda match: _COPY_UNESCAPES[match[1]], text) if "\\" in text else text


def _nul_problem(text: str) -> str | None:
    if "\\u0000" in text and _NUL_ESCAPE.search(text):
        return "contains a NUL character (\\u0000), which cannot be stored"
    return None


class Staging:
    """One import's rows in a temporary table, on the connection of the surrounding transaction.

    ``add`` rows while reading (``pause`` before using the connection for anything else), then
    ``prepare`` inside the write transaction, and the checks and ``insert``. ``close`` at the end.
    """

    def __init__(self, *, connection: BaseDatabaseWrapper, project: Project):
        self.connection = connection
        self.project = project
        self.count = 0
        quote = connection.ops.quote_name
        self.table = quote(f"task_import_{uuid.uuid4().hex[:16]}")
        self.tasks = quote(Task._meta.db_table)
        self.column = {f.name: quote(f.column) for f in Task._meta.concrete_fields}

    def _json(self, value) -> tuple[str | None, str | None]:
        try:
            text = self._dumps(value)
        except (TypeError, ValueError, RecursionError) as exc:
            return None, f"cannot be stored as JSON ({exc})"
        return text, _nul_problem(text)

    def _payload(self, row: CheckedRow) -> tuple[str | None, str | None, list[RowError]]:
        """The staged ``payload`` and ``gold`` texts of a row, or its problems."""
        gold, gold_problem = self._json(row.gold) if row.gold is not None else (None, None)
        data, data_problem = self._json(row.data)
        if data_problem or gold_problem:
            found = (("data", data_problem), ("gold", gold_problem))
            return None, None, [RowError(row.row, name, reason) for name, reason in found if reason]
        return data, gold, []

    def _execute(self, sql: str, params=()) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def _fetch(self, sql: str, params=()) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    # --- filled in by the vendor classes ---

    true = "1"
    data_sql = "s.payload"

    def add(self, row: CheckedRow) -> list[RowError]:
        raise NotImplementedError

    def pause(self) -> None:
        """Lets the connection run other statements (a progress write) before the next ``add``."""

    def prepare(self) -> None:
        """Inside the write transaction: the staged rows are in the table afterwards."""

    def lock(self) -> None:
        """One import at a time per project, so two uploads never race on the same external ids."""

    # --- shared ---

    def duplicates(self, *, limit: int) -> tuple[int, list[RowError]]:
        """Rows repeating an external id seen earlier in the file; they are marked and left out of the rest."""
        marked = self._execute(
            f"UPDATE {self.table} SET duplicate = {self.true} WHERE row_number IN ("  # noqa: S608 -- quoted identifiers; values are parameters
            f"SELECT row_number FROM (SELECT row_number, min(row_number) OVER (PARTITION BY external_id) "
            f"AS first_row FROM {self.table}) AS d WHERE row_number <> first_row)"
        )
        if not marked:
            return 0, []
        rows = self._fetch(
            f"SELECT s.row_number, min(f.row_number) FROM {self.table} s JOIN {self.table} f "  # noqa: S608 -- quoted identifiers; values are parameters
            f"ON f.external_id = s.external_id AND NOT f.duplicate WHERE s.duplicate "
            f"GROUP BY s.row_number ORDER BY s.row_number LIMIT %s",
            [limit],
        )
        errors = [RowError(row, "external_id", f"repeats the external id of row {first}") for row, first in rows]
        return marked, errors

    def _join(self) -> str:
        return (
            f"FROM {self.table} s JOIN {self.tasks} t ON t.{self.column['project']} = %s "
            f"AND t.{self.column['external_id']} = s.external_id WHERE NOT s.duplicate"
        )

    def existing(self, *, limit: int) -> tuple[int, int, list[RowError]]:
        """``(existing, changed, errors)``: rows whose external id the project has, and those that differ."""
        raise NotImplementedError

    @staticmethod
    def _changed_errors(rows) -> list[RowError]:
        return [
            RowError(
                number,
                names[0],
                f"the project already has a task with this external id, and its {' and '.join(names)} "
                f"{'differs' if len(names) == 1 else 'differ'}; an import never changes an existing task "
                "(give the row a new external id)",
            )
            for number, names in rows
        ]

    def insert(self, *, now: datetime, skip_existing: bool) -> int:
        """Inserts the staged rows, in file order; ``skip_existing`` leaves out external ids the project has."""
        c = self.column
        fields = {f.name: f for f in Task._meta.concrete_fields}
        columns = [c[name] for name in ("organization", "project", "external_id", "data", "priority", "gold")]
        values = ["%s", "%s", "s.external_id", self.data_sql, "s.priority", "s.gold"]
        columns += [c[name] for name in ("is_gold", "remaining", "created", "updated")]
        values += ["s.gold IS NOT NULL", "%s", "%s", "%s"]
        params: list = [self.project.organization_id, self.project.pk, self.project.overlap]
        params += [fields[name].get_db_prep_save(now, self.connection) for name in ("created", "updated")]
        handled = {"id", "organization", "project", "external_id", "data", "priority", "gold", "is_gold"}
        handled |= {"remaining", "created", "updated"}
        for name, field in fields.items():
            if name in handled or field.db_default is not NOT_PROVIDED:
                continue
            if field.has_default():
                columns.append(c[name])
                values.append("%s")
                params.append(field.get_db_prep_save(field.get_default(), self.connection))
            elif not field.null:
                raise ImproperlyConfigured(f"Task.{name} needs a value: teach projects.imports.staging to set it.")
        where = "NOT s.duplicate"
        if skip_existing:
            where += (
                f" AND NOT EXISTS (SELECT 1 FROM {self.tasks} t WHERE t.{c['project']} = %s "  # noqa: S608 -- quoted identifiers; values are parameters
                f"AND t.{c['external_id']} = s.external_id)"
            )
            params.append(self.project.pk)
        return self._execute(
            f"INSERT INTO {self.tasks} ({', '.join(columns)}) SELECT {', '.join(values)} "  # noqa: S608 -- quoted identifiers; values are parameters
            f"FROM {self.table} s WHERE {where} ORDER BY s.row_number",
            params,
        )

    def close(self) -> None:
        """Drops the table; a failed transaction has taken it with it already."""
        with contextlib.suppress(DatabaseError):
            self._execute(f"DROP TABLE IF EXISTS {self.table}")


class PostgresStaging(Staging):
    true = "true"
    data_sql = "s.payload->'data'"
    _dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode

    def __init__(self, *, connection: BaseDatabaseWrapper, project: Project):
        super().__init__(connection=connection, project=project)
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._copy = None
        self._stack = contextlib.ExitStack()
        self._execute(
            f"CREATE TEMPORARY TABLE {self.table} (row_number integer NOT NULL, external_id text NOT NULL, "
            "payload jsonb NOT NULL, priority smallint NOT NULL, gold jsonb, duplicate boolean NOT NULL DEFAULT false)"
        )

    def add(self, row: CheckedRow) -> list[RowError]:
        source = row.source
        if source is not None and not ("\\u0000" in source or "\\ud" in source or "\\uD" in source):
            # The row as read: already JSON, checked by the reader, and parsed again by the server.
            payload = _copy_text(source)
            gold, gold_problem = self._json(row.gold) if row.gold is not None else (None, None)
            if gold_problem:
                return [RowError(row.row, "gold", gold_problem)]
        else:
            data, gold, problems = self._payload(row)
            if problems:
                return problems
            payload = '{"data":' + _copy_text(data) + "}"
        line = (
            f"{row.row}\t{_copy_text(row.external_id)}\t{payload}\t{row.priority}\t"
            f"{NULL if gold is None else _copy_text(gold)}\n"
        )
        try:
            encoded = line.encode("utf-8")
        except UnicodeEncodeError:
            return [RowError(row.row, None, _NOT_UNICODE)]
        self._pending.append(encoded)
        self._pending_bytes += len(encoded)
        self.count += 1
        if self._pending_bytes >= SEND_BYTES:
            self._send()
        return []

    def _send(self) -> None:
        with self.connection.wrap_database_errors:
            if self._copy is None:
                cursor = self._stack.enter_context(self.connection.cursor())
                sql = f"COPY {self.table} (row_number, external_id, payload, priority, gold) FROM STDIN"
                self._copy = self._stack.enter_context(cursor.cursor.copy(sql))
            self._copy.write(b"".join(self._pending))
        self._pending.clear()
        self._pending_bytes = 0

    def pause(self) -> None:
        if self._pending:
            self._send()
        if self._copy is not None:
            self._copy = None
            with self.connection.wrap_database_errors:
                self._stack.close()

    def lock(self) -> None:
        self._execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"task-import:{self.project.pk}"])

    def existing(self, *, limit: int) -> tuple[int, int, list[RowError]]:
        c = self.column
        same = (
            ("data", f"s.payload->'data' = t.{c['data']}"),
            ("priority", f"s.priority = t.{c['priority']}"),
            ("gold", f"s.gold IS NOT DISTINCT FROM t.{c['gold']}"),
        )
        all_same = " AND ".join(condition for _, condition in same)
        ((existing, changed),) = self._fetch(
            f"SELECT count(*), count(*) FILTER (WHERE NOT ({all_same})) {self._join()}", [self.project.pk]
        )
        if not changed:
            return existing, 0, []
        rows = self._fetch(
            f"SELECT s.row_number, {', '.join(condition for _, condition in same)} {self._join()} "
            f"AND NOT ({all_same}) ORDER BY s.row_number LIMIT %s",
            [self.project.pk, limit],
        )
        differing = [
            (row[0], [name for (name, _), equal in zip(same, row[1:], strict=True) if not equal]) for row in rows
        ]
        return existing, changed, self._changed_errors(differing)

    def close(self) -> None:
        # A copy still open here means the import already failed: end it quietly, the error is on its way.
        with contextlib.suppress(Exception):
            self._stack.close()
        self._copy = None
        super().close()


class SqliteStaging(Staging):
    # As Django's JSONField writes JSON, so rows read the same whichever way they were written.
    _dumps = json.JSONEncoder(allow_nan=False).encode

    def __init__(self, *, connection: BaseDatabaseWrapper, project: Project):
        super().__init__(connection=connection, project=project)
        self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115 -- closed by close()
        self._pending: list[bytes] = []

    def add(self, row: CheckedRow) -> list[RowError]:
        data, gold, problems = self._payload(row)
        if problems:
            return problems
        if "\\ud" in data or (gold is not None and "\\ud" in gold):
            # ASCII JSON escapes any surrogate; refuse unpaired ones as PostgreSQL does.
            try:
                json.dumps([row.data, row.gold], ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                return [RowError(row.row, None, _NOT_UNICODE)]
        line = (
            f"{row.row}\t{_copy_text(row.external_id)}\t{_copy_text(data)}\t"
            f"{row.priority}\t{NULL if gold is None else _copy_text(gold)}\n"
        )
        try:
            self._pending.append(line.encode("utf-8"))
        except UnicodeEncodeError:
            return [RowError(row.row, None, _NOT_UNICODE)]
        self.count += 1
        if len(self._pending) >= SQLITE_INSERT_ROWS:
            self._flush()
        return []

    def _flush(self) -> None:
        self.spool.write(b"".join(self._pending))
        self._pending.clear()

    def _spooled(self) -> Iterator[tuple[int, str, str, int, str | None]]:
        self._flush()
        self.spool.seek(0)
        for raw in self.spool:
            number, external_id, data, priority, gold = raw.decode("utf-8").rstrip("\n").split("\t")
            yield (
                int(number),
                _unescape(external_id),
                _unescape(data),
                int(priority),
                None if gold == NULL else _unescape(gold),
            )

    def prepare(self) -> None:
        self._execute(
            f"CREATE TEMP TABLE {self.table} (row_number integer NOT NULL, external_id text NOT NULL, "
            "payload text NOT NULL, priority integer NOT NULL, gold text, duplicate integer NOT NULL DEFAULT 0)"
        )
        sql = f"INSERT INTO {self.table} (row_number, external_id, payload, priority, gold) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608 -- quoted identifiers; values are parameters
        batch: list[tuple] = []
        with self.connection.cursor() as cursor:
            for values in self._spooled():
                batch.append(values)
                if len(batch) >= SQLITE_INSERT_ROWS:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)

    def existing(self, *, limit: int) -> tuple[int, int, list[RowError]]:
        # SQLite keeps JSON as text, where key order and spacing vary: compare the decoded values.
        c = self.column
        existing = changed = 0
        found: list[tuple[int, list[str]]] = []

        def decoded(text: str | None):
            return None if text is None else json.loads(text)

        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.row_number, s.payload, s.priority, s.gold, t.{c['data']}, t.{c['priority']}, t.{c['gold']} "
                f"{self._join()} ORDER BY s.row_number",
                [self.project.pk],
            )
            for number, data, priority, gold, old_data, old_priority, old_gold in cursor:
                existing += 1
                pairs = (
                    ("data", decoded(data), decoded(old_data)),
                    ("priority", priority, old_priority),
                    ("gold", decoded(gold), decoded(old_gold)),
                )
                names = [name for name, new, old in pairs if new != old]
                if names:
                    changed += 1
                    if len(found) < limit:
                        found.append((number, names))
        return existing, changed, self._changed_errors(found)

    def close(self) -> None:
        self.spool.close()
        super().close()


def staging_for(*, connection: BaseDatabaseWrapper, project: Project) -> Staging:
    if connection.vendor == "postgresql":
        return PostgresStaging(connection=connection, project=project)
    return SqliteStaging(connection=connection, project=project)
