"""Importing tasks in two passes, and running an import job in the background.

The first pass reads and checks every row, reporting progress as it goes, and stages the good ones
(PostgreSQL: streamed with ``COPY`` into a temporary table while reading; SQLite: a spool file). No
transaction is held while reading, so progress written to the job row is visible at once and never
waits on the import. The second pass opens one transaction, lets the database find repeated and
already-imported external ids, and, when no row has an error, inserts the new tasks with one
statement. An error anywhere, and nothing is written.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from marketplace.errors import ApplicationError, Conflict, ValidationFailed
from projects.imports.parsing import ReadRow, RowChecker, RowError, csv_rows, jsonl_rows, line_count
from projects.imports.staging import Staging, staging_for
from projects.models import ImportJob, Project

logger = logging.getLogger(__name__)

#: errors listed in a result; all of them are counted
MAX_LISTED_ERRORS = 1000
#: rows between two progress reports
PROGRESS_EVERY = 1000
FORMATS = tuple(ImportJob.Format.values)
#: statuses whose projects take no more tasks
CLOSED_STATUSES = frozenset({Project.Status.COMPLETED, Project.Status.ARCHIVED})

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportResult:
    """What an import did. ``errors`` is empty when it succeeded: a rejected import writes nothing."""

    created: int = 0
    existing: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0


class ImportRejected(ValidationFailed):
    """Rows have errors, so nothing was imported. ``result`` lists them (the first 1,000) and counts them all."""

    code = "import_invalid"

    def __init__(self, result: ImportResult, *, rows_with_errors: int):
        listed = "" if len(result.errors) == result.error_count else f" The first {len(result.errors):,} are listed."
        noun = "row has" if rows_with_errors == 1 else "rows have"
        super().__init__(
            f"{rows_with_errors:,} {noun} errors; nothing was imported.{listed}",
            details={"errors": result.errors, "error_count": result.error_count},
        )
        self.result = result


class _Problems:
    """Collects errors: the first ``MAX_LISTED_ERRORS`` are kept, every one is counted."""

    def __init__(self) -> None:
        self.listed: list[dict[str, Any]] = []
        self.count = 0

    def __call__(self, error: RowError) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append(error.as_dict())

    def extend(self, count: int, errors: list[RowError]) -> None:
        """Adds ``count`` errors of which ``errors`` are the first, in row order."""
        for error in errors[: max(MAX_LISTED_ERRORS - len(self.listed), 0)]:
            self.listed.append(error.as_dict())
        self.count += max(count, len(errors))


def _closed(project: Project, status: str) -> Conflict:
    return Conflict(
        f"The project “{project.name}” is {Project.Status(status).label.lower()}; it takes no more tasks.",
        code="project_closed",
    )


def project_check_importable(project: Project) -> dict[str, Any]:
    """The template rows are checked against; raises when the project takes no tasks."""
    if project.status in CLOSED_STATUSES:
        raise _closed(project, project.status)
    if project.current_version_id is None:
        raise ValidationFailed(f"The project “{project.name}” has no template yet; add one before importing tasks.")
    return project.current_version.template


def import_rows(
    *, project: Project, rows: Iterator[ReadRow], problems: _Problems, progress: Progress | None
) -> ImportResult:
    """Both passes over rows already being read and checked (see the module docstring)."""
    staging = staging_for(connection=connection, project=project)
    try:
        count = invalid = 0
        for count, (_, row) in enumerate(rows, start=1):
            if row is None:
                invalid += 1
            else:
                stored = staging.add(row)
                for error in stored:
                    problems(error)
                invalid += bool(stored)
            if progress is not None and count % PROGRESS_EVERY == 0:
                staging.pause()
                progress(count)
        staging.pause()
        if progress is not None and count % PROGRESS_EVERY:
            progress(count)
        if not count:
            return ImportResult()
        return _write(project=project, staging=staging, problems=problems, rows=count, invalid=invalid)
    except DataError as exc:
        raise ValidationFailed(f"The database refused a row of the file; nothing was imported. {exc}") from exc
    finally:
        staging.close()


def _write(*, project: Project, staging: Staging, problems: _Problems, rows: int, invalid: int) -> ImportResult:
    now = timezone.now()
    try:
        with transaction.atomic():
            staging.lock()
            status = Project.objects.filter(pk=project.pk).values_list("status", flat=True).first()
            if status is None:
                raise ValidationFailed(f"The project “{project.name}” no longer exists.", code="not_found")
            if status in CLOSED_STATUSES:
                raise _closed(project, status)  # closed while the file was being read
            staging.prepare()
            repeated, repeated_errors = staging.duplicates(limit=MAX_LISTED_ERRORS)
            existing, changed, changed_errors = staging.existing(limit=MAX_LISTED_ERRORS)
            if problems.count or repeated or changed:
                problems.extend(repeated, repeated_errors)
                problems.extend(changed, changed_errors)
                problems.listed.sort(key=lambda error: error["row"] or 0)
                result = ImportResult(errors=problems.listed, error_count=problems.count, rows=rows)
                raise ImportRejected(result, rows_with_errors=invalid + repeated + changed)
            created = staging.insert(now=now, skip_existing=bool(existing))
    except IntegrityError as exc:
        raise Conflict(
            "Tasks with the same external ids were added to the project while this file was imported; "
            "nothing was imported. Import the file again.",
            code="import_conflict",
        ) from exc
    return ImportResult(created=created, existing=existing, rows=rows)


def _template_and_checker(project: Project) -> RowChecker:
    return RowChecker(project_check_importable(project))


def import_api_rows(*, project: Project, rows: Iterable[Any], source: str) -> ImportResult:
    checker = _template_and_checker(project)
    problems = _Problems()
    read = ((n, checker.check_mapping(n, value, problems)) for n, value in enumerate(rows, start=1))
    result = import_rows(project=project, rows=read, problems=problems, progress=None)
    logger.info("Imported tasks into project %s from %s: %s", project.pk, source, result)
    return result


def import_file(*, project: Project, file, format: str, progress: Progress | None) -> ImportResult:
    if format not in FORMATS:
        raise ValidationFailed(f"Unknown file format “{format}”; use one of: {', '.join(FORMATS)}.")
    checker = _template_and_checker(project)
    problems = _Problems()
    reader = csv_rows if format == ImportJob.Format.CSV else jsonl_rows
    read = reader(file, checker, problems)
    result = import_rows(project=project, rows=read, problems=problems, progress=progress)
    if not result.rows:
        raise ValidationFailed(
            "The file holds no tasks: a CSV file needs a header row and at least one row below it, "
            "a JSON Lines file at least one line."
        )
    logger.info("Imported a %s file into project %s: %s", format, project.pk, result)
    return result


# --- background jobs --------------------------------------------------------------------------


def _progress_writer(job_id: int) -> Progress:
    """Progress goes straight to the job row: the read pass runs outside the import's transaction."""

    def write(rows_done: int) -> None:
        try:
            ImportJob.objects.filter(pk=job_id).update(rows_done=rows_done)
        except OperationalError:
            # SQLite: another writer holds the database past the busy timeout. Progress can wait.
            if connection.in_atomic_block:
                raise
            logger.warning("Progress of import job %s was not saved: the database is busy", job_id)

    return write


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Runs a queued job to success or failure. A job that is not queued is left alone (safe to run twice)."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(status=ImportJob.Status.RUNNING):
        return ImportJob.objects.filter(pk=job_id).first()
    job = ImportJob.objects.select_related("project__current_version").get(pk=job_id)
    outcome: dict[str, Any] = {"status": ImportJob.Status.FAILED}
    try:
        with job.file.open("rb") as handle:
            total = line_count(handle) - (1 if job.format == ImportJob.Format.CSV else 0)
            ImportJob.objects.filter(pk=job.pk).update(rows_total=max(total, 0))
            handle.seek(0)
            result = import_file(project=job.project, file=handle, format=job.format, progress=_progress_writer(job.pk))
    except ImportRejected as exc:
        outcome.update(
            failure=exc.message, errors=exc.result.errors, rows_total=exc.result.rows, rows_done=exc.result.rows
        )
    except ApplicationError as exc:
        outcome.update(failure=exc.message)
    except Exception:
        logger.exception("Import job %s stopped on an unexpected error", job_id)
        outcome.update(
            failure="The import stopped on an unexpected error; nothing was imported. "
            "Try again, and tell support if it happens again."
        )
    else:
        outcome.update(
            status=ImportJob.Status.SUCCEEDED,
            created_count=result.created,
            existing_count=result.existing,
            rows_total=result.rows,
            rows_done=result.rows,
            errors=[],
            failure="",
        )
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now(), **outcome)
    job.refresh_from_db()
    return job
