"""The work: projects, their versioned templates, tasks, the leases experts hold on them, and the
responses they submit. Every row carries its organization (see ``marketplace.tenancy``)."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.storage import private_storage
from marketplace.tenancy import OrganizationOwned


def import_path(instance, filename: str) -> str:
    """Lab data is private: uploads live under a random name, never at a public URL."""
    return f"imports/{uuid.uuid4().hex}"


class Preset(models.TextChoices):
    SFT = "sft", "SFT demonstration"
    PAIRWISE = "pairwise", "Pairwise preference"
    RANKING = "ranking", "K-way ranking"
    RUBRIC = "rubric", "Rubric grading"
    TRAJECTORY = "trajectory", "Trajectory grading"
    CUSTOM = "custom", "Custom template"


class Project(OrganizationOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        ARCHIVED = "archived", "Archived"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="One paragraph experts see in the catalogue.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    preset = models.CharField(max_length=16, choices=Preset.choices, default=Preset.CUSTOM)
    current_version = models.ForeignKey(
        "ProjectVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requirements = models.JSONField(
        default=dict, blank=True, help_text="Who may work on it: accounts.selectors.eligibility.Requirements."
    )
    pay_per_task = models.PositiveIntegerField(help_text="Paid per approved task, in minor units (cents).")
    currency = models.CharField(max_length=3, default="USD")
    estimated_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    overlap = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(50)], help_text="Distinct experts per task."
    )
    lease_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    max_active_leases_per_expert = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    max_tasks_per_expert = models.PositiveIntegerField(null=True, blank=True, help_text="Empty for no limit.")
    gold_rate = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text="Percent of claims that serve a control task."
    )
    priority = models.SmallIntegerField(default=0, help_text="Higher first, among an expert's projects.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(overlap__gte=1), name="project_overlap_positive"),
            models.CheckConstraint(condition=Q(gold_rate__lte=100), name="project_gold_rate_pct"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "paused", "completed", "archived"]),
                name="project_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="project_org_status_idx")]

    def __str__(self) -> str:
        return self.name


class ProjectVersion(OrganizationOwned):
    """Instructions and template as experts saw them; submissions point at the version they used."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    instructions = models.TextField(blank=True, help_text="Markdown; rendered sanitised.")
    template = models.JSONField(help_text='{"fields": [...], "questions": [...]}; see projects.templates.')
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="projectversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.project} v{self.number}"


class Task(OrganizationOwned):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    # Project lookups use the (project, external_id) unique index; a second index would only cost writes.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    external_id = models.CharField(max_length=200)
    data = models.JSONField()
    priority = models.SmallIntegerField(default=0)
    gold = models.JSONField(null=True, blank=True, help_text="The known answer of a control task.")
    is_gold = models.BooleanField(default=False)
    remaining = models.PositiveSmallIntegerField(
        help_text="Responses still needed: overlap minus live and submitted assignments."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "-priority", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "external_id"], name="task_external_id_unique"),
            models.CheckConstraint(
                condition=Q(is_gold=True, gold__isnull=False) | Q(is_gold=False, gold__isnull=True),
                name="task_is_gold_matches_gold",
            ),
        ]
        indexes = [
            # The claim: the next open task of a project, highest priority then oldest.
            models.Index(
                "project",
                "is_gold",
                models.F("priority").desc(),
                "id",
                condition=Q(remaining__gt=0),
                name="task_claimable_idx",
            ),
            models.Index(fields=["project", "updated"], name="task_project_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project} / {self.external_id}"


class Assignment(OrganizationOwned):
    """One expert's lease on one task. It expires unless a heartbeat extends it."""

    class Status(models.TextChoices):
        LIVE = "live", "In progress"
        SUBMITTED = "submitted", "Submitted"
        RELEASED = "released", "Released"
        EXPIRED = "expired", "Expired"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    # Covered by the (task, expert) unique index and the (expert, project, status) index.
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments", db_index=False)
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LIVE)
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=300, blank=True)
    draft = models.JSONField(default=dict, blank=True, help_text="Autosaved answers, not yet submitted.")
    draft_saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            # The only guarantee that an expert never holds or submits the same task twice.
            models.UniqueConstraint(fields=["task", "expert"], name="assignment_once_per_expert"),
        ]
        indexes = [
            models.Index(fields=["expert", "project", "status"], name="assignment_expert_idx"),
            models.Index(
                fields=["project", "expires_at"], condition=Q(status="live"), name="assignment_live_expiry_idx"
            ),
            models.Index(fields=["expires_at"], condition=Q(status="live"), name="assignment_sweep_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} on {self.task} ({self.get_status_display().lower()})"


class Submission(OrganizationOwned):
    """An expert's response to a task, validated against the template version it was made under."""

    class ReviewStatus(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        REVISION = "revision", "Revision requested"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="submissions")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="submissions")
    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="submission")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions")
    version = models.ForeignKey(ProjectVersion, on_delete=models.PROTECT, related_name="submissions")
    answers = models.JSONField()
    active_seconds = models.PositiveIntegerField(help_text="Measured in the page, idle time excluded.")
    telemetry = models.JSONField(default=dict, blank=True, help_text="Typed and pasted characters, focus losses.")
    review_status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["task", "expert"], name="submission_once_per_expert"),
        ]
        indexes = [
            models.Index(fields=["project", "review_status", "submitted_at"], name="submission_review_idx"),
            models.Index(fields=["expert", "submitted_at"], name="submission_expert_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} on {self.task}"


class ImportJob(OrganizationOwned):
    """A file of tasks being imported in the background, with its progress and per-row errors."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSONL = "jsonl", "JSON Lines"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="imports")
    file = models.FileField(storage=private_storage, upload_to=import_path, max_length=200)
    format = models.CharField(max_length=8, choices=Format.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    existing_count = models.PositiveIntegerField(default=0, help_text="Rows whose external id was already there.")
    errors = models.JSONField(default=list, blank=True, help_text='[{"row": 3, "field": "prompt", "reason": "..."}]')
    failure = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Import into {self.project} ({self.get_status_display().lower()})"
