"""Importing tasks into a project: from rows (the lab API), from a CSV or JSON Lines file, or in the
background with visible progress (the admin upload). The engine lives in ``projects.imports``.

Rules for every import
    All or nothing: if any row has an error, nothing is written and every error is reported as
    ``{"row", "field", "reason"}`` (the first 1,000 listed, all counted). ``row`` is the line of the
    file where the row starts, counted from 1 (a CSV header is line 1), or the position of an API
    row counted from 1; ``field`` is ``None`` for the row as a whole (malformed JSON, bad encoding,
    a wrong number of CSV cells). Idempotent on ``external_id``: a row whose external id the project
    already has, with the same data, priority and gold answer, counts as ``existing`` and is left
    alone; with any of them different it is an error, because an import never changes a task. An
    external id repeated within one upload is an error naming the earlier row. Tasks are created in
    the order of the file, in the project's organization, with ``remaining`` set to the project's
    overlap. Completed and archived projects take no tasks.

A row
    ``external_id``: a string of 1 to 200 characters, without control characters or surrounding
    spaces, unique within the project. ``data``: an object checked against the template's fields
    (keys the template does not name are kept). ``priority`` (optional, default 0): a whole number
    from -32768 to 32767, higher first. ``gold`` (optional): the known answer of a control task,
    checked (and normalized) against the template's questions; a row with one is a gold task.

JSON Lines (``jsonl``)
    UTF-8, one JSON object per line with the keys above and no others; blank lines are skipped.

CSV (``csv``)
    UTF-8 (a byte order mark is fine), comma-separated, ``"`` quoting (a quoted cell may span lines),
    a header row. Column ``external_id`` is required. ``priority`` holds a whole number and ``gold``
    a JSON object; an empty cell leaves either out. Every other column is a data field, by name:
    the cell is taken as text when the template's field is ``text``, ``markdown``, ``code`` or
    ``image_url`` (and when the template has no such field), and parsed as JSON for every other kind
    (``chat``, ``trajectory``, ``list``); an empty cell leaves the field out. A column
    ``data.<name>`` names the field ``<name>`` explicitly, for a field called ``priority`` or
    ``gold``. Alternatively a single column ``data`` holds the whole data object as JSON (no other
    data columns then). The header must give a column to every required field; a header that cannot
    be used is reported on line 1 and the rows below it are not read.
"""

from collections.abc import Iterable
from functools import partial
from typing import Any, BinaryIO

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from marketplace.errors import ValidationFailed
from projects.import_tasks import import_job_run_task
from projects.imports.importer import (
    FORMATS,
    ImportRejected,
    ImportResult,
    Progress,
    import_api_rows,
    import_file,
    import_job_run,
    project_check_importable,
)
from projects.models import ImportJob, Project

__all__ = [
    "ImportRejected",
    "ImportResult",
    "import_job_create",
    "import_job_run",
    "tasks_import",
    "tasks_import_file",
]


def tasks_import(*, project: Project, rows: Iterable[dict[str, Any]], source: str = "api") -> ImportResult:
    """Imports rows ``{"external_id", "data", "priority"?, "gold"?}``; row numbers in errors count from 1.

    Raises ``ImportRejected`` (its ``result`` lists the errors) when any row is invalid, ``Conflict``
    when the project is completed or archived. ``source`` names the caller in the logs.
    """
    return import_api_rows(project=project, rows=rows, source=source)


def tasks_import_file(
    *,
    project: Project,
    file: BinaryIO,
    format: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Imports a ``csv`` or ``jsonl`` file object, read from its current position a chunk at a time.

    ``progress`` is called with the number of rows read so far, every 1,000 rows and at the end of
    the reading pass (the write that follows takes one transaction). Raises as ``tasks_import`` does,
    and ``ValidationFailed`` for an unknown format or a file without tasks.
    """
    return import_file(project=project, file=file, format=format, progress=progress)


def import_job_create(
    *,
    project: Project,
    uploaded_file: UploadedFile,
    format: str,
    created_by: User | None,
) -> ImportJob:
    """Stores the file in private storage and queues its import once the surrounding transaction commits."""
    if format not in FORMATS:
        raise ValidationFailed(f"Unknown file format “{format}”; use one of: {', '.join(FORMATS)}.")
    project_check_importable(project)
    with transaction.atomic():
        job = ImportJob(organization_id=project.organization_id, project=project, format=format, created_by=created_by)
        job.file.save(uploaded_file.name or "tasks", uploaded_file, save=False)
        job.save()
        transaction.on_commit(partial(import_job_run_task.delay, job_id=job.pk))
    return job
