"""The task upload in the admin, the import job's progress page and endpoint, and the task list."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from projects.models import ImportJob, Project, Task
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory

UPLOAD_URL = reverse("admin:projects_task_import")
TASKS_URL = reverse("admin:projects_task_changelist")


def progress_url(job: ImportJob) -> str:
    return reverse("admin:projects_importjob_progress", args=[job.pk])


def job_url(job: ImportJob) -> str:
    return reverse("admin:projects_importjob_change", args=[job.pk])


def jsonl_upload(name: str = "tasks.jsonl", *external_ids: str) -> SimpleUploadedFile:
    rows = [{"external_id": e, "data": {"prompt": f"Prompt {e}"}} for e in external_ids or ("a", "b")]
    return SimpleUploadedFile(name, "".join(json.dumps(r) + "\n" for r in rows).encode())


@pytest.fixture
def project_a(owner_a):
    return ProjectFactory(organization=owner_a.organization, name="Physics answers")


@pytest.fixture
def project_b(owner_b):
    return ProjectFactory(organization=owner_b.organization, name="Rival secret project")


@pytest.fixture
def owner_client(owner_a):
    client = Client()
    client.force_login(owner_a.user)
    return client


def upload(client, project, file, format=""):
    return client.post(UPLOAD_URL, {"project": project.pk, "file": file, "format": format})


def test_owner_uploads_a_file_and_lands_on_the_finished_job(
    owner_client, owner_a, project_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(owner_client, project_a, jsonl_upload("tasks.jsonl", "a", "b", "c"))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    assert (job.status, job.created_count, job.format) == (ImportJob.Status.SUCCEEDED, 3, "jsonl")
    assert (job.organization_id, job.created_by) == (owner_a.organization_id, owner_a.user)
    assert Task.objects.filter(project=project_a).count() == 3
    page = owner_client.get(job_url(job))
    assert page.status_code == 200
    assert "3 tasks created" in page.content.decode()
    assert "hx-trigger" not in page.content.decode()  # finished: nothing left to poll


def test_the_format_is_guessed_from_the_extension_and_can_be_overridden(
    owner_client, project_a, django_capture_on_commit_callbacks
):
    csv_file = SimpleUploadedFile("tasks.CSV", b"external_id,prompt\nc-1,Hello\n")
    misnamed = SimpleUploadedFile("export.txt", b'{"external_id": "j-1", "data": {"prompt": "Hi"}}\n')

    with django_capture_on_commit_callbacks(execute=True):
        guessed = upload(owner_client, project_a, csv_file)
        refused = upload(owner_client, project_a, SimpleUploadedFile("export.txt", b"{}"))
        chosen = upload(owner_client, project_a, misnamed, format="jsonl")

    assert guessed.status_code == chosen.status_code == 302
    assert refused.status_code == 400
    assert "does not end in .csv or .jsonl" in refused.content.decode()
    assert sorted(ImportJob.objects.values_list("format", flat=True)) == ["csv", "jsonl"]
    assert set(Task.objects.values_list("external_id", flat=True)) == {"c-1", "j-1"}


def test_project_choices_are_the_labs_open_projects(owner_client, owner_a, project_a, project_b):
    archived = ProjectFactory(organization=owner_a.organization, status=Project.Status.ARCHIVED)

    response = owner_client.get(UPLOAD_URL)

    offered = set(response.context["form"].fields["project"].queryset)
    assert response.status_code == 200
    assert offered == {project_a}
    assert project_b not in offered and archived not in offered
    assert "Rival secret project" not in response.content.decode()


def test_another_labs_project_cannot_be_posted(owner_client, project_a, project_b, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(owner_client, project_b, jsonl_upload())

    assert response.status_code == 400
    assert not ImportJob.objects.exists()
    assert not Task.objects.exists()


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.REVIEWER])
def test_readers_cannot_upload(owner_a, project_a, role, django_capture_on_commit_callbacks):
    reader = MembershipFactory(organization=owner_a.organization, role=role)
    client = Client()
    client.force_login(reader.user)

    with django_capture_on_commit_callbacks(execute=True):
        form = client.get(UPLOAD_URL)
        posted = upload(client, project_a, jsonl_upload())
    listing = client.get(TASKS_URL)

    assert (form.status_code, posted.status_code) == (403, 403)
    assert not ImportJob.objects.exists()
    assert listing.status_code == 200
    assert UPLOAD_URL not in listing.content.decode()


def test_the_upload_needs_a_csrf_token(owner_a, project_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner_a.user)

    response = upload(client, project_a, jsonl_upload())

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_failed_import_lists_its_errors(owner_client, project_a, django_capture_on_commit_callbacks):
    bad = SimpleUploadedFile("bad.csv", b"external_id,prompt\nok,Fine\nempty,\nok,Again\n")

    with django_capture_on_commit_callbacks(execute=True):
        upload(owner_client, project_a, bad)

    job = ImportJob.objects.get()
    page = owner_client.get(job_url(job)).content.decode()
    state = owner_client.get(progress_url(job)).json()
    assert job.status == ImportJob.Status.FAILED
    assert "2 rows have errors; nothing was imported." in page
    assert "repeats the external id of row 2" in page
    assert "<td>3</td><td>prompt</td>" in page
    assert state["status"] == "failed"
    assert state["error_count"] == 2
    assert [(e["row"], e["field"]) for e in state["errors"]] == [(3, "prompt"), (4, "external_id")]
    assert not Task.objects.exists()


def test_progress_endpoint_reports_a_running_job(owner_client, owner_a, project_a):
    job = ImportJob.objects.create(
        organization=owner_a.organization,
        project=project_a,
        format="jsonl",
        file="imports/x",
        status=ImportJob.Status.RUNNING,
        rows_total=400,
        rows_done=100,
    )

    state = owner_client.get(progress_url(job)).json()
    fragment = owner_client.get(progress_url(job), headers={"HX-Request": "true"})
    page = owner_client.get(job_url(job)).content.decode()

    assert (state["status"], state["percent"], state["rows_done"], state["finished"]) == ("running", 25, 100, False)
    assert fragment.status_code == 200
    assert f'hx-get="{progress_url(job)}"' in fragment.content.decode()
    assert 'hx-trigger="every 1s"' in fragment.content.decode()
    assert "100 of about 400 rows checked" in page
    assert "Refresh" in page
    assert "htmx.min.js" in page


def test_another_labs_job_is_not_found(owner_client, owner_b, project_b):
    theirs = ImportJob.objects.create(organization=owner_b.organization, project=project_b, format="csv", file="x")

    responses = [
        owner_client.get(progress_url(theirs)),
        owner_client.get(progress_url(theirs), headers={"HX-Request": "true"}),
        owner_client.get(job_url(theirs)),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert "Rival" not in "".join(r.content.decode() for r in responses)


def test_experts_outside_any_lab_cannot_reach_the_upload_or_a_job(expert, owner_a, project_a):
    job = ImportJob.objects.create(organization=owner_a.organization, project=project_a, format="csv", file="x")
    client = Client()
    client.force_login(expert)

    responses = [client.get(UPLOAD_URL), client.get(progress_url(job))]

    assert all(r.status_code in (302, 403, 404) for r in responses), [r.status_code for r in responses]
    assert all(r.status_code != 200 for r in responses)


def test_task_list_shows_the_labs_tasks_with_its_projects_as_filters(owner_client, project_a, project_b):
    mine = TaskFactory(project=project_a, external_id="mine-1", gold={"answer": "x"}, is_gold=True)
    TaskFactory(project=project_b, external_id="theirs-1")

    response = owner_client.get(TASKS_URL)
    searched = owner_client.get(TASKS_URL, {"q": "mine"})
    gold_only = owner_client.get(TASKS_URL, {"gold": "yes"})

    assert list(response.context["cl"].queryset) == [mine]
    project_filter = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "project")
    assert [title for _, title in project_filter.lookup_choices] == ["Physics answers"]
    assert "Rival secret project" not in response.content.decode()
    assert UPLOAD_URL in response.content.decode()
    assert list(searched.context["cl"].queryset) == [mine]
    assert list(gold_only.context["cl"].queryset) == [mine]


def test_a_task_page_shows_its_data_as_json_and_tasks_are_not_added_one_by_one(owner_client, project_a):
    task = TaskFactory(project=project_a, data={"prompt": "Ünïcode <b>stays</b> text"})

    page = owner_client.get(reverse("admin:projects_task_change", args=[task.pk]))
    add = owner_client.get(reverse("admin:projects_task_add"))

    assert page.status_code == 200
    assert "&quot;prompt&quot;: &quot;Ünïcode &lt;b&gt;stays&lt;/b&gt; text&quot;" in page.content.decode()
    assert add.status_code == 403


def test_the_job_list_shows_progress_and_counts(owner_client, owner_a, project_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(owner_client, project_a, jsonl_upload("tasks.jsonl", "a", "b"))

    response = owner_client.get(reverse("admin:projects_importjob_changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1
    assert "100%" in response.content.decode()
    assert UPLOAD_URL in response.content.decode()
