from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models.experts import Domain


class Level(models.IntegerChoices):
    """How much a lab may trust an expert in a domain; projects ask for a minimum."""

    FOUNDATIONAL = 1, "Foundational"
    PROFESSIONAL = 2, "Professional"
    EXPERT = 3, "Expert"


class Exam(models.Model):
    """A timed qualification exam for one domain, drawn from a question bank."""

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="exams")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        help_text="Percentage of the points needed to pass.", validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    time_limit_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    retake_cooldown_days = models.PositiveSmallIntegerField(default=14)
    questions_per_attempt = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    level_awarded = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.PROFESSIONAL)
    qualification_valid_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="How long a pass qualifies; empty for no expiry."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["domain__name", "title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(pass_mark__gte=1, pass_mark__lte=100), name="exam_pass_mark_pct")
        ]

    def __str__(self) -> str:
        return self.title


class ExamQuestion(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        FREE_TEXT = "free_text", "Free text (graded by staff)"

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    prompt = models.TextField()
    choices = models.JSONField(default=list, blank=True, help_text="Options shown, in order (choice questions).")
    correct = models.JSONField(default=list, blank=True, help_text="Indexes of the correct options (choice questions).")
    guidance = models.TextField(blank=True, help_text="For graders of free-text answers: what a full answer has.")
    points = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["exam", "pk"]

    def __str__(self) -> str:
        return self.prompt[:80]


class ExamAttempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        PENDING_GRADING = "pending_grading", "Awaiting grading"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_attempts")
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    question_ids = models.JSONField(help_text="The questions drawn for this attempt, in the order shown.")
    answers = models.JSONField(default=dict, blank=True, help_text="Question id → answer.")
    auto_points = models.PositiveIntegerField(default=0)
    manual_points = models.JSONField(default=dict, blank=True, help_text="Question id → points given by a grader.")
    max_points = models.PositiveIntegerField(default=0)
    score_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False, help_text="Submitted after the deadline: answers after it are void.")
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    grader_note = models.TextField(blank=True, help_text="Shown to the expert.")

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "exam"],
                condition=models.Q(status="in_progress"),
                name="examattempt_one_open_per_exam",
            )
        ]
        indexes = [
            models.Index(fields=["expert", "exam", "started_at"], name="examattempt_expert_idx"),
            models.Index(fields=["status", "submitted_at"], name="examattempt_grading_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.exam} by {self.expert} ({self.get_status_display().lower()})"
