"""The projects admin, scoped to the lab of the request by ``TenantAdmin``.

Each model's admin is a separate class below. Tasks are read-only here: they arrive through the
upload page (``admin:projects_task_import``), which queues an ``ImportJob`` and sends the browser to
the job's page, where a progress bar polls ``admin:projects_importjob_progress`` until it finishes.
"""

import json
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from marketplace.admin import TenantAdmin, is_platform_staff
from marketplace.errors import ApplicationError
from projects.models import ImportJob, Project, Task
from projects.services.imports import import_job_create

CLOSED_PROJECT_STATUSES = (Project.Status.COMPLETED, Project.Status.ARCHIVED)
MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
FORMAT_BY_SUFFIX = {".csv": ImportJob.Format.CSV, ".jsonl": ImportJob.Format.JSONL, ".ndjson": ImportJob.Format.JSONL}


# --- shared by the task and import admins -----------------------------------------------------


class ProjectFilter(admin.SimpleListFilter):
    """Projects offered as filters are those the request may see, never another lab's."""

    title = "project"
    parameter_name = "project"

    def lookups(self, request, model_admin):
        return [(str(project.pk), str(project)) for project in model_admin.project_queryset(request)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(project_id=value) if value.isdigit() else queryset.none()


class ProjectScopedAdmin(TenantAdmin):
    """A tenant admin of rows that belong to a project, with the task upload one click away."""

    def project_queryset(self, request: HttpRequest):
        """The projects this request may pick, limited by ``TenantAdmin`` like any foreign-key choice."""
        field = self.formfield_for_foreignkey(self.model._meta.get_field("project"), request)
        return field.queryset

    def has_upload_permission(self, request: HttpRequest) -> bool:
        """Uploading creates an import job: lab owners and admins, or staff allowed to add jobs."""
        if is_platform_staff(request.user):
            return request.user.has_perm(f"projects.{get_permission_codename('add', ImportJob._meta)}")
        membership = self._membership(request)
        return membership is not None and membership.role in self.write_roles

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload_tasks": self.has_upload_permission(request)}
        return super().changelist_view(request, extra_context)


# --- tasks ------------------------------------------------------------------------------------


class GoldFilter(admin.SimpleListFilter):
    title = "gold"
    parameter_name = "gold"

    def lookups(self, request, model_admin):
        return [("yes", "Control tasks"), ("no", "Regular tasks")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_gold=self.value() == "yes")
        return queryset


class TaskImportForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none(), help_text="The project the tasks go to.")
    file = forms.FileField(help_text="A CSV file with a header row, or a JSON Lines file (one task per line).")
    format = forms.ChoiceField(
        choices=[("", "Guess from the file name"), *ImportJob.Format.choices],
        required=False,
        help_text="Files ending in .csv are read as CSV, .jsonl or .ndjson as JSON Lines.",
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it.")
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None and not cleaned.get("format"):
            guessed = FORMAT_BY_SUFFIX.get(PurePath(upload.name or "").suffix.lower())
            if guessed is None:
                self.add_error("format", f"Choose the format: “{upload.name}” does not end in .csv or .jsonl.")
            cleaned["format"] = guessed
        return cleaned


@admin.register(Task)
class TaskAdmin(ProjectScopedAdmin):
    """Read-only: tasks are added by uploading a file (or through the API), never one by one here."""

    change_list_template = "admin/projects/task/change_list.html"
    list_display = ["external_id", "project", "priority", "remaining", "gold_flag", "created"]
    list_filter = [ProjectFilter, GoldFilter]
    list_select_related = ["project"]
    search_fields = ["external_id"]
    ordering = ["-pk"]
    # A project may hold a million tasks: no full count, no per-filter counts.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = [
        "project",
        "external_id",
        "priority",
        "remaining",
        "is_gold",
        "data_json",
        "gold_json",
        "created",
        "updated",
    ]
    readonly_fields = fields

    @admin.display(description="gold", boolean=True, ordering="is_gold")
    def gold_flag(self, obj: Task) -> bool:
        return obj.is_gold

    @admin.display(description="data")
    def data_json(self, obj: Task) -> str:
        return format_html('<pre class="json">{}</pre>', json.dumps(obj.data, indent=2, ensure_ascii=False))

    @admin.display(description="gold answer")
    def gold_json(self, obj: Task) -> str:
        if obj.gold is None:
            return "—"
        return format_html('<pre class="json">{}</pre>', json.dumps(obj.gold, indent=2, ensure_ascii=False))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        upload = path("import/", self.admin_site.admin_view(self.import_view), name="projects_task_import")
        return [upload, *super().get_urls()]

    def import_view(self, request: HttpRequest):
        if not self.has_upload_permission(request):
            raise PermissionDenied
        projects = self.project_queryset(request).exclude(status__in=CLOSED_PROJECT_STATUSES)
        form = TaskImportForm(request.POST or None, request.FILES or None, projects=projects)
        if request.method == "POST" and form.is_valid():
            try:
                job = import_job_create(
                    project=form.cleaned_data["project"],
                    uploaded_file=form.cleaned_data["file"],
                    format=form.cleaned_data["format"],
                    created_by=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"“{form.cleaned_data['file'].name}” was received and queued for import.")
                return redirect("admin:projects_importjob_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload tasks",
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/projects/task/import.html", context, status=400 if form.errors else 200)


# --- import jobs ------------------------------------------------------------------------------


def import_job_state(job: ImportJob) -> dict[str, Any]:
    """What the progress page shows, as the JSON endpoint returns it."""
    finished = job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED)
    if job.status == ImportJob.Status.SUCCEEDED:
        percent = 100
    elif job.rows_total:
        percent = min(99, job.rows_done * 100 // job.rows_total)
    else:
        percent = None
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "finished": finished,
        "writing": job.status == ImportJob.Status.RUNNING and bool(job.rows_total) and job.rows_done >= job.rows_total,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": percent,
        "created": job.created_count,
        "existing": job.existing_count,
        "failure": job.failure,
        "error_count": len(job.errors),
        "errors": job.errors if finished else [],
    }


@admin.register(ImportJob)
class ImportJobAdmin(ProjectScopedAdmin):
    """The record of each upload, read-only; a job's page is its progress page."""

    change_form_template = "admin/projects/importjob/change_form.html"
    change_list_template = "admin/projects/importjob/change_list.html"
    list_display = ["__str__", "project", "status", "progress", "created_count", "existing_count", "error_count"]
    list_display += ["created", "created_by"]
    list_filter = ["status", ProjectFilter]
    list_select_related = ["project", "created_by"]
    fields = ["project", "format", "status", "created_by", "created", "finished_at"]
    readonly_fields = fields

    @admin.display(description="progress")
    def progress(self, obj: ImportJob) -> str:
        percent = import_job_state(obj)["percent"]
        return "—" if percent is None else f"{percent}%"

    @admin.display(description="errors")
    def error_count(self, obj: ImportJob) -> int:
        return len(obj.errors)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A job is the record of an upload: platform staff may clean up, labs keep their history.
        return is_platform_staff(request.user) and super().has_delete_permission(request, obj)

    def get_urls(self):
        progress = path(
            "<path:object_id>/progress/",
            self.admin_site.admin_view(self.progress_view),
            name="projects_importjob_progress",
        )
        return [progress, *super().get_urls()]

    def _status_context(self, request: HttpRequest, job: ImportJob) -> dict[str, Any]:
        return {
            "job": job,
            "state": import_job_state(job),
            "progress_url": reverse("admin:projects_importjob_progress", args=[job.pk]),
            "tasks_url": f"{reverse('admin:projects_task_changelist')}?project={job.project_id}",
            "can_upload_tasks": self.has_upload_permission(request),
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._object_or_404(request, object_id)
        extra_context = {**(extra_context or {}), **self._status_context(request, job)}
        return super().change_view(request, object_id, form_url, extra_context)

    def progress_view(self, request: HttpRequest, object_id: str):
        """JSON for scripts; the status panel's HTML for htmx, which swaps it in place every second."""
        job = self._object_or_404(request, object_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        if request.headers.get("HX-Request"):
            context = self._status_context(request, job)
            return TemplateResponse(request, "admin/projects/importjob/status.html", context)
        return JsonResponse(import_job_state(job))
