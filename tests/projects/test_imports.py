"""Importing tasks from rows, CSV and JSON Lines: checks, all-or-nothing, idempotence, background jobs."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.errors import Conflict, ValidationFailed
from projects.models import ImportJob, Project, Task
from projects.services.imports import (
    ImportRejected,
    import_job_create,
    import_job_run,
    tasks_import,
    tasks_import_file,
)
from tests.concurrency import run_concurrently
from tests.factories import OrganizationFactory, ProjectFactory, TaskFactory, UserFactory

QUESTIONS = [
    {"name": "verdict", "kind": "single_choice", "label": "Verdict", "options": ["yes", "no"]},
    {"name": "answer", "kind": "free_text", "label": "Why", "required": False},
]
TEMPLATE = {"fields": [{"name": "prompt", "kind": "text", "label": "Prompt"}], "questions": QUESTIONS}
CHAT_TEMPLATE = {
    "fields": [
        {"name": "prompt", "kind": "text", "label": "Prompt"},
        {"name": "conversation", "kind": "chat", "label": "Conversation", "required": False},
    ],
    "questions": QUESTIONS,
}
TURNS = [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi, how can I help?"}]


def jsonl(*rows) -> io.BytesIO:
    return io.BytesIO(b"".join(json.dumps(row).encode() + b"\n" for row in rows))


def text_file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def csv_file(*rows: list) -> io.BytesIO:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return text_file(out.getvalue())


def task(external_id: str, prompt: str = "Why is the sky blue?", **extra) -> dict:
    return {"external_id": external_id, "data": {"prompt": prompt}, **extra}


def rejected_errors(excinfo) -> list[tuple]:
    return [(e["row"], e["field"], e["reason"]) for e in excinfo.value.result.errors]


@pytest.fixture
def project(db):
    return ProjectFactory(overlap=3, version=TEMPLATE)


@pytest.fixture
def chat_project(db):
    return ProjectFactory(overlap=2, version=CHAT_TEMPLATE)


# --- what a good import writes ----------------------------------------------------------------


def test_jsonl_import_creates_tasks_in_the_projects_organization(project):
    other_org = OrganizationFactory()
    file = jsonl(
        task("q-1"),
        task("q-2", "What is entropy?", priority=5),
        task("q-3", "Is 2 + 2 = 4?", gold={"verdict": "yes"}),
    )

    result = tasks_import_file(project=project, file=file, format="jsonl")

    assert (result.created, result.existing, result.errors, result.error_count) == (3, 0, [], 0)
    tasks = {t.external_id: t for t in Task.objects.filter(project=project)}
    assert tasks["q-2"].data == {"prompt": "What is entropy?"}
    assert tasks["q-2"].priority == 5
    assert {t.organization_id for t in tasks.values()} == {project.organization_id}
    assert other_org.pk != project.organization_id
    assert {t.remaining for t in tasks.values()} == {3}


def test_gold_rows_become_control_tasks(project):
    file = jsonl(task("plain"), task("control", gold={"verdict": "no"}))

    tasks_import_file(project=project, file=file, format="jsonl")

    control, plain = Task.objects.get(external_id="control"), Task.objects.get(external_id="plain")
    assert (control.is_gold, control.gold) == (True, {"verdict": "no"})
    assert (plain.is_gold, plain.gold) == (False, None)


def test_tasks_keep_the_order_of_the_file(project):
    tasks_import_file(project=project, file=jsonl(*(task(f"id-{n}") for n in (3, 1, 2))), format="jsonl")

    assert list(Task.objects.filter(project=project).order_by("pk").values_list("external_id", flat=True)) == [
        "id-3",
        "id-1",
        "id-2",
    ]


def test_jsonl_skips_blank_lines_and_numbers_rows_by_line(project):
    content = "\ufeff" + json.dumps(task("a")) + "\r\n\r\n   \n" + '{"external_id": "b", "data": {}}\r\n'

    with pytest.raises(ImportRejected) as excinfo:
        tasks_import_file(project=project, file=text_file(content), format="jsonl")

    assert [(row, field) for row, field, _ in rejected_errors(excinfo)] == [(4, "prompt")]


def test_csv_import_reads_text_json_cells_priority_and_gold(chat_project):
    file = csv_file(
        ["external_id", "prompt", "conversation", "priority", "gold"],
        ["c-1", "A prompt, with a comma", json.dumps(TURNS), "7", ""],
        ["c-2", "Two\nlines", "", "", '{"verdict": "yes"}'],
    )

    result = tasks_import_file(project=chat_project, file=file, format="csv")

    assert (result.created, result.existing) == (2, 0)
    first, second = Task.objects.get(external_id="c-1"), Task.objects.get(external_id="c-2")
    assert first.data == {"prompt": "A prompt, with a comma", "conversation": TURNS}
    assert (first.priority, first.is_gold) == (7, False)
    assert second.data == {"prompt": "Two\nlines"}
    assert (second.priority, second.gold, second.is_gold) == (0, {"verdict": "yes"}, True)
    assert {first.remaining, second.remaining} == {2}


def test_csv_data_column_holds_the_whole_object(chat_project):
    data = {"prompt": "Whole", "conversation": TURNS}

    tasks_import_file(
        project=chat_project, file=csv_file(["external_id", "data"], ["d-1", json.dumps(data)]), format="csv"
    )

    assert Task.objects.get(external_id="d-1").data == data


def test_csv_data_prefix_names_a_field_whose_name_is_reserved(db):
    template = {"fields": [{"name": "priority", "kind": "text", "label": "Urgency"}], "questions": QUESTIONS}
    project = ProjectFactory(version=template)
    content = "external_id,data.priority,priority\nr-1,urgent,4\n"

    tasks_import_file(project=project, file=text_file(content), format="csv")

    imported = Task.objects.get(external_id="r-1")
    assert (imported.data, imported.priority) == ({"priority": "urgent"}, 4)


def test_csv_accepts_a_byte_order_mark_crlf_and_spreadsheet_blank_rows(project):
    content = "\ufeffexternal_id,prompt\r\nx-1,First\r\n,\r\nx-2,Second\r\n"

    result = tasks_import_file(project=project, file=text_file(content), format="csv")

    assert result.created == 2
    assert Task.objects.get(external_id="x-2").data == {"prompt": "Second"}


def test_rows_from_the_api_are_numbered_from_one(project):
    with pytest.raises(ImportRejected) as excinfo:
        tasks_import(project=project, rows=[task("a"), {"external_id": "b", "data": {"prompt": 3}}])

    assert [(row, field) for row, field, _ in rejected_errors(excinfo)] == [(2, "prompt")]
    assert excinfo.value.details["error_count"] == 1
    assert not Task.objects.filter(project=project).exists()


def test_rows_from_the_api_are_imported(project):
    result = tasks_import(project=project, rows=iter([task("a"), task("b", priority=-3)]), source="api")

    assert (result.created, result.existing) == (2, 0)
    assert Task.objects.get(external_id="b").priority == -3


def test_progress_is_reported_while_reading(project):
    seen: list[int] = []
    file = jsonl(*(task(f"p-{n}") for n in range(2500)))

    tasks_import_file(project=project, file=file, format="jsonl", progress=seen.append)

    assert seen == [1000, 2000, 2500]


# --- errors: per row, and nothing written -----------------------------------------------------

LONG_ID = "x" * 201
JSONL_ERRORS = {
    "malformed JSON": (b'{"external_id": "a", "data": ', None, "is not valid JSON"),
    "NaN": (b'{"external_id": "n", "data": {"prompt": "x"}, "priority": NaN}', None, "is not valid JSON"),
    "huge number": (b'{"external_id": "n", "data": {"prompt": "x", "n": 1e999}}', None, "is not valid JSON"),
    "not an object": (b'["a", "b"]', None, "must be a JSON object"),
    "not UTF-8": (b'{"external_id": "caf\xe9", "data": {"prompt": "x"}}', None, "is not UTF-8 text"),
    "no external id": (json.dumps({"data": {"prompt": "x"}}).encode(), "external_id", "is required"),
    "numeric external id": (json.dumps(task(7)).encode(), "external_id", "must be a string"),
    "blank external id": (json.dumps(task("   ")).encode(), "external_id", "must not be blank"),
    "padded external id": (json.dumps(task(" a")).encode(), "external_id", "must not start or end with spaces"),
    "long external id": (json.dumps(task(LONG_ID)).encode(), "external_id", "at most 200 characters"),
    "tab in external id": (json.dumps(task("a\tb")).encode(), "external_id", "control characters"),
    "no data": (json.dumps({"external_id": "a"}).encode(), "data", "is required"),
    "missing field": (json.dumps({"external_id": "a", "data": {}}).encode(), "prompt", ""),
    "field of the wrong type": (json.dumps({"external_id": "a", "data": {"prompt": 3}}).encode(), "prompt", ""),
    "priority too high": (json.dumps(task("a", priority=40000)).encode(), "priority", "from -32768 to 32767"),
    "priority not a number": (json.dumps(task("a", priority="high")).encode(), "priority", "whole number"),
    "fractional priority": (json.dumps(task("a", priority=1.5)).encode(), "priority", "whole number"),
    "gold not an object": (json.dumps(task("a", gold=["4"])).encode(), "gold", "must be a JSON object"),
    "empty gold": (json.dumps(task("a", gold={})).encode(), "gold", "at least one question"),
    "gold of a free-text question": (json.dumps(task("a", gold={"answer": "x"})).encode(), "gold.answer", "free-text"),
    "gold not an option": (json.dumps(task("a", gold={"verdict": "maybe"})).encode(), "gold.verdict", "not one of"),
    "unknown key": (json.dumps({**task("a"), "prioirty": 1}).encode(), "prioirty", "is not a key a row can have"),
    "NUL character": (json.dumps(task("a", "nul \u0000 here")).encode(), "data", "NUL character"),
}


@pytest.mark.parametrize("line, field, reason", JSONL_ERRORS.values(), ids=JSONL_ERRORS.keys())
def test_a_bad_jsonl_row_is_reported_and_nothing_is_written(project, line, field, reason):
    TaskFactory(project=project, external_id="already-there")
    file = io.BytesIO(json.dumps(task("good")).encode() + b"\n" + line + b"\n" + json.dumps(task("fine")).encode())

    with pytest.raises(ImportRejected) as excinfo:
        tasks_import_file(project=project, file=file, format="jsonl")

    errors = rejected_errors(excinfo)
    assert len(errors) == 1, errors
    assert errors[0][:2] == (2, field)
    assert reason in errors[0][2]
    assert excinfo.value.message == "1 row has errors; nothing was imported."
    assert list(Task.objects.filter(project=project).values_list("external_id", flat=True)) == ["already-there"]


CSV_ERRORS = {
    "too few cells": ("external_id,prompt,priority,gold\nb,x\n", 2, None, "has 2 values, but the header has 4"),
    "too many cells": ("external_id,prompt,priority,gold\nb,x,1,,extra\n", 2, None, "has 5 values"),
    "bad priority": ("external_id,prompt,priority,gold\nb,x,urgent,\n", 2, "priority", "whole number"),
    "gold not JSON": ("external_id,prompt,priority,gold\nb,x,,{oops\n", 2, "gold", "is not valid JSON"),
    "gold not an object": ('external_id,prompt,priority,gold\nb,x,,"[1]"\n', 2, "gold", "must be a JSON object"),
    "empty required cell": ("external_id,prompt,priority,gold\nb,,,\n", 2, "prompt", ""),
    "empty external id": ("external_id,prompt,priority,gold\n,x,,\n", 2, "external_id", "is required"),
    "broken quoting": ('external_id,prompt\nb,"x"y\n', 2, None, "is not valid CSV"),
    "no external_id column": ("id,prompt\n1,x\n", 1, "external_id", "needs an external_id column"),
    "required field without a column": ("external_id,question\nb,x\n", 1, "prompt", "has no column for it"),
    "column named twice": ("external_id,prompt,prompt\nb,x,y\n", 1, "prompt", "appears twice in the header"),
    "unnamed column": ("external_id,prompt,\nb,x,y\n", 1, None, "column 3 of the header has no name"),
    "data column beside fields": ('external_id,data,prompt\nb,"{}",x\n', 1, "prompt", "together with a data column"),
    "not UTF-8": (b"external_id,prompt\nb,caf\xe9\n", 2, None, "is not UTF-8 text"),
}


@pytest.mark.parametrize("content, row, field, reason", CSV_ERRORS.values(), ids=CSV_ERRORS.keys())
def test_a_bad_csv_row_is_reported_and_nothing_is_written(project, content, row, field, reason):
    TaskFactory(project=project, external_id="already-there")
    file = io.BytesIO(content if isinstance(content, bytes) else content.encode())

    with pytest.raises(ImportRejected) as excinfo:
        tasks_import_file(project=project, file=file, format="csv")

    errors = rejected_errors(excinfo)
    assert len(errors) == 1, errors
    assert errors[0][:2] == (row, field)
    assert reason in errors[0][2]
    assert list(Task.objects.filter(project=project).values_list("external_id", flat=True)) == ["already-there"]


def test_a_json_cell_that_is_not_json_is_reported(chat_project):
    content = "external_id,prompt,conversation\nc-1,Hi,[not json\n"

    with pytest.raises(ImportRejected) as excinfo:
        tasks_import_file(project=chat_project, file=text_file(content), format="csv")

    assert [(row, field) for row, field, _ in rejected_errors(excinfo)] == [(2, "conversation")]
    assert "is not valid JSON" in rejected_errors(excinfo)[0][2]


def test_a_csv_row_that_spans_lines_is_numbered_by_its_first_line(project):
    content = 'external_id,prompt\na,"one\ntwo\nthree"\nb,\n'

    with pytest.raises(ImportRejected) as excinfo:
        tasks_import_file(project=project, file=text_file(content), format="csv")

    assert [(row, field) for row, field, _ in rejected_errors(excinfo)] == [(5, "prompt")]


def test_repeated_external_ids_name_the_earlier_row(project):
    file = jsonl(task("a"), task("b"), task("a", "Another prompt"), task("b"))

    with pytest.raises(ImportRejected) as excinfo:
        tasks_import_file(project=project, file=file, format="jsonl")

    assert rejected_errors(excinfo) == [
        (3, "external_id", "repeats the external id of row 1"),
        (4, "external_id", "repeats the external id of row 2"),
    ]
    assert excinfo.value.message == "2 rows have errors; nothing was imported."
    assert not Task.objects.filter(project=project).exists()


def test_errors_of_every_kind_are_listed_together_in_row_order(project):
    TaskFactory(project=project, external_id="old", data={"prompt": "Old"})
    file = jsonl(task("old", "New"), task("a"), {"external_id": "x"}, task("a"))

    with pytest.raises(ImportRejected) as excinfo:
        tasks_import_file(project=project, file=file, format="jsonl")

    assert [(row, field) for row, field, _ in rejected_errors(excinfo)] == [
        (1, "data"),
        (3, "data"),
        (4, "external_id"),
    ]


def test_a_thousand_errors_are_listed_and_all_are_counted(project):
    file = jsonl(*({"external_id": f"e-{n}", "data": {}} for n in range(1500)))

    with pytest.raises(ImportRejected) as excinfo:
        tasks_import_file(project=project, file=file, format="jsonl")

    result = excinfo.value.result
    assert (len(result.errors), result.error_count) == (1000, 1500)
    assert excinfo.value.message == "1,500 rows have errors; nothing was imported. The first 1,000 are listed."
    assert not Task.objects.filter(project=project).exists()


def test_a_file_without_tasks_is_refused(project):
    for format, content in (("jsonl", "\n\n"), ("csv", ""), ("csv", "external_id,prompt\n")):
        with pytest.raises(ValidationFailed, match="holds no tasks"):
            tasks_import_file(project=project, file=text_file(content), format=format)


def test_an_unknown_format_is_refused(project):
    with pytest.raises(ValidationFailed, match="Unknown file format"):
        tasks_import_file(project=project, file=jsonl(task("a")), format="xlsx")


@pytest.mark.parametrize("status", [Project.Status.ARCHIVED, Project.Status.COMPLETED])
def test_a_closed_project_takes_no_tasks(db, status):
    project = ProjectFactory(status=status)

    with pytest.raises(Conflict, match="takes no more tasks"):
        tasks_import_file(project=project, file=jsonl(task("a")), format="jsonl")

    assert not Task.objects.filter(project=project).exists()


@pytest.mark.parametrize("status", [Project.Status.DRAFT, Project.Status.PAUSED])
def test_a_draft_or_paused_project_takes_tasks(db, status):
    project = ProjectFactory(status=status)

    assert tasks_import_file(project=project, file=jsonl(task("a")), format="jsonl").created == 1


# --- idempotence ------------------------------------------------------------------------------


def test_importing_the_same_file_again_creates_nothing(project):
    content = jsonl(task("a"), task("b", gold={"verdict": "yes"}), task("c", priority=2)).getvalue()
    tasks_import_file(project=project, file=io.BytesIO(content), format="jsonl")
    ids_before = set(Task.objects.values_list("pk", flat=True))

    again = tasks_import_file(project=project, file=io.BytesIO(content), format="jsonl")

    assert (again.created, again.existing) == (0, 3)
    assert set(Task.objects.values_list("pk", flat=True)) == ids_before


def test_a_file_adding_rows_creates_only_the_new_ones(project):
    tasks_import_file(project=project, file=jsonl(task("a"), task("b")), format="jsonl")

    result = tasks_import_file(project=project, file=jsonl(task("a"), task("b"), task("c")), format="jsonl")

    assert (result.created, result.existing) == (1, 2)
    assert Task.objects.filter(project=project).count() == 3


def test_same_content_in_another_key_order_counts_as_existing(chat_project):
    TaskFactory(project=chat_project, external_id="k", data={"prompt": "P", "conversation": TURNS})
    line = '{"data": {"conversation": %s, "prompt": "P"}, "external_id": "k"}\n' % json.dumps(TURNS)  # noqa: UP031

    result = tasks_import_file(project=chat_project, file=text_file(line), format="jsonl")

    assert (result.created, result.existing) == (0, 1)


@pytest.mark.parametrize(
    "changed, field",
    [
        (task("a", "A different prompt"), "data"),
        (task("a", priority=9), "priority"),
        (task("a", gold={"verdict": "no"}), "gold"),
    ],
    ids=["data", "priority", "gold"],
)
def test_an_existing_external_id_with_different_content_is_an_error(project, changed, field):
    tasks_import_file(project=project, file=jsonl(task("a"), task("b")), format="jsonl")
    before = list(Task.objects.order_by("pk").values())

    with pytest.raises(ImportRejected) as excinfo:
        tasks_import_file(project=project, file=jsonl(task("new"), changed), format="jsonl")

    ((row, error_field, reason),) = rejected_errors(excinfo)
    assert (row, error_field) == (2, field)
    assert "never changes an existing task" in reason
    assert list(Task.objects.order_by("pk").values()) == before


def test_the_same_external_id_in_another_project_is_a_different_task(project):
    other = ProjectFactory(organization=project.organization)
    TaskFactory(project=other, external_id="a", data={"prompt": "Elsewhere"})

    result = tasks_import_file(project=project, file=jsonl(task("a")), format="jsonl")

    assert result.created == 1
    assert Task.objects.filter(external_id="a").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_of_overlapping_files_never_duplicate_or_fail():
    project = ProjectFactory(version=TEMPLATE)
    files = [
        jsonl(*(task(f"s-{n}") for n in range(0, 3000))).getvalue(),
        jsonl(*(task(f"s-{n}") for n in range(1000, 4000))).getvalue(),
        jsonl(*(task(f"s-{n}") for n in range(2000, 5000))).getvalue(),
        jsonl(*(task(f"s-{n}") for n in range(0, 5000, 2))).getvalue(),
    ]

    outcome = run_concurrently(
        lambda content: tasks_import_file(project=project, file=io.BytesIO(content), format="jsonl"),
        [(content,) for content in files],
    )

    assert outcome.errors == []
    assert sum(result.created for result in outcome.results) == 5000
    assert sum(result.created + result.existing for result in outcome.results) == 3000 * 3 + 2500
    assert Task.objects.filter(project=project).count() == 5000


# --- large files ------------------------------------------------------------------------------

LARGE = 20_000


def test_a_large_jsonl_file_is_imported(project):
    file = jsonl(
        *(
            task(f"t-{n:05d}", f"Prompt {n}", priority=n % 7, gold={"verdict": "yes"} if n % 50 == 0 else None)
            for n in range(LARGE)
        )
    )

    result = tasks_import_file(project=project, file=file, format="jsonl")

    assert (result.created, result.rows) == (LARGE, LARGE)
    assert Task.objects.filter(project=project).count() == LARGE
    assert Task.objects.filter(project=project, is_gold=True).count() == LARGE // 50
    assert Task.objects.get(external_id="t-12345").data == {"prompt": "Prompt 12345"}


def test_a_large_csv_file_is_imported(project):
    lines = ["external_id,prompt,priority"] + [f't-{n:05d},"Prompt {n}, with a comma",{n % 7}' for n in range(LARGE)]
    file = text_file("\n".join(lines) + "\n")

    result = tasks_import_file(project=project, file=file, format="csv")

    assert result.created == LARGE
    assert Task.objects.filter(project=project).count() == LARGE
    assert Task.objects.get(external_id="t-00013").priority == 6


# --- background jobs --------------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_job_runs_after_commit_and_succeeds(project, django_capture_on_commit_callbacks):
    user = UserFactory()
    content = jsonl(*(task(f"j-{n}") for n in range(2500))).getvalue()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = import_job_create(
            project=project, uploaded_file=upload("t.jsonl", content), format="jsonl", created_by=user
        )

    job.refresh_from_db()
    assert len(callbacks) == 1
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.created_count, job.existing_count, job.rows_done, job.rows_total) == (2500, 0, 2500, 2500)
    assert (job.errors, job.failure, job.organization_id) == ([], "", project.organization_id)
    assert job.finished_at is not None
    assert Task.objects.filter(project=project).count() == 2500


def test_a_job_with_bad_rows_fails_with_its_errors(project, django_capture_on_commit_callbacks):
    content = b"external_id,prompt\na,fine\nb,\na,again\n"

    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(project=project, uploaded_file=upload("t.csv", content), format="csv", created_by=None)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.failure == "2 rows have errors; nothing was imported."
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "prompt"), (4, "external_id")]
    assert job.created_count == 0
    assert not Task.objects.filter(project=project).exists()


def test_a_job_runs_once_however_often_it_is_started(project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            project=project,
            uploaded_file=upload("t.jsonl", jsonl(task("a")).getvalue()),
            format="jsonl",
            created_by=None,
        )

    again = import_job_run(job_id=job.pk)

    assert again.status == ImportJob.Status.SUCCEEDED
    assert again.created_count == 1
    assert Task.objects.filter(project=project).count() == 1


def test_a_job_whose_project_closed_while_queued_fails_with_the_reason(project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = import_job_create(
            project=project,
            uploaded_file=upload("t.jsonl", jsonl(task("a")).getvalue()),
            format="jsonl",
            created_by=None,
        )
    Project.objects.filter(pk=project.pk).update(status=Project.Status.ARCHIVED)

    finished = import_job_run(job_id=job.pk)

    assert finished.status == ImportJob.Status.FAILED
    assert "archived" in finished.failure
    assert not Task.objects.filter(project=project).exists()


def test_a_job_cannot_be_created_for_a_closed_project(db, django_capture_on_commit_callbacks):
    project = ProjectFactory(status=Project.Status.ARCHIVED)

    with pytest.raises(Conflict), django_capture_on_commit_callbacks(execute=True):
        import_job_create(project=project, uploaded_file=upload("t.jsonl", b"{}"), format="jsonl", created_by=None)

    assert not ImportJob.objects.exists()


def test_the_uploaded_file_is_kept_in_private_storage(project, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            project=project,
            uploaded_file=upload("t.jsonl", jsonl(task("a")).getvalue()),
            format="jsonl",
            created_by=None,
        )

    assert (settings.PRIVATE_MEDIA_ROOT / job.file.name).exists()
    assert "t.jsonl" not in job.file.name
    with pytest.raises(ValueError, match="no URL"):
        job.file.url  # noqa: B018


# --- text survives exactly --------------------------------------------------------------------

TRICKY = 'tab\there, new\nline, back\\slash, \\N and \\. and "quotes", café, \u00e9, 😀, \u2028, 日本語'


def test_tricky_text_is_stored_exactly_from_jsonl(project):
    escaped = json.dumps({"external_id": "t\\1", "data": {"prompt": TRICKY, "meta": {"x": [1.5, None, True]}}})
    raw = json.dumps({"external_id": "t-2", "data": {"prompt": TRICKY}}, ensure_ascii=False)
    spaced = '{"external_id":\t"t-3",\t"data": {"prompt": "tabs as JSON whitespace"}}'
    file = text_file("\n".join([escaped, raw, spaced]) + "\n")

    tasks_import_file(project=project, file=file, format="jsonl")

    assert Task.objects.get(external_id="t\\1").data == {"prompt": TRICKY, "meta": {"x": [1.5, None, True]}}
    assert Task.objects.get(external_id="t-2").data == {"prompt": TRICKY}
    assert Task.objects.get(external_id="t-3").data == {"prompt": "tabs as JSON whitespace"}


def test_tricky_text_is_stored_exactly_from_csv_and_the_api(project):
    tasks_import_file(project=project, file=csv_file(["external_id", "prompt"], ["c\\1", TRICKY]), format="csv")
    tasks_import(project=project, rows=[task("api\\1", TRICKY, gold={"verdict": "no"})])

    assert Task.objects.get(external_id="c\\1").data == {"prompt": TRICKY}
    api_task = Task.objects.get(external_id="api\\1")
    assert (api_task.data, api_task.gold) == ({"prompt": TRICKY}, {"verdict": "no"})


def test_tricky_text_reimported_counts_as_existing(project):
    content = (json.dumps(task("t-1", TRICKY)) + "\n").encode()
    tasks_import_file(project=project, file=io.BytesIO(content), format="jsonl")

    again = tasks_import_file(project=project, file=io.BytesIO(content), format="jsonl")

    assert (again.created, again.existing) == (0, 1)


def test_an_unpaired_surrogate_is_reported(project):
    file = text_file(json.dumps(task("ok")) + "\n" + '{"external_id": "s", "data": {"prompt": "bad \\ud800 here"}}\n')

    with pytest.raises(ImportRejected) as excinfo:
        tasks_import_file(project=project, file=file, format="jsonl")

    assert [(row, field) for row, field, _ in rejected_errors(excinfo)] == [(2, None)]
    assert "not valid Unicode" in rejected_errors(excinfo)[0][2]
    assert not Task.objects.exists()
