from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models.credentials import Credential
from accounts.models.exams import ExamAttempt, Level
from accounts.models.experts import Domain


class QualificationQuerySet(models.QuerySet):
    def current(self, *, today=None):
        """Qualifications that gate work today: active and not past their date."""
        today = today or timezone.localdate()
        return self.filter(status=Qualification.Status.ACTIVE).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=today)
        )


class Qualification(models.Model):
    """What an expert may work on: a level in a domain, earned from a credential, an exam or staff."""

    class Source(models.TextChoices):
        CREDENTIAL = "credential", "Verified credential"
        EXAM = "exam", "Passed exam"
        STAFF = "staff", "Granted by staff"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qualifications")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    credential = models.ForeignKey(
        Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="qualifications"
    )
    exam_attempt = models.ForeignKey(
        ExamAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="qualifications"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = QualificationQuerySet.as_manager()

    class Meta:
        ordering = ["domain__name", "-level"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(source="credential", credential__isnull=False, exam_attempt__isnull=True)
                    | models.Q(source="exam", exam_attempt__isnull=False, credential__isnull=True)
                    | models.Q(source="staff", credential__isnull=True, exam_attempt__isnull=True)
                ),
                name="qualification_source_matches_origin",
            ),
            models.UniqueConstraint(
                fields=["credential"], condition=models.Q(status="active"), name="qualification_one_per_credential"
            ),
            models.UniqueConstraint(
                fields=["exam_attempt"], condition=models.Q(status="active"), name="qualification_one_per_attempt"
            ),
        ]
        indexes = [
            models.Index(fields=["expert", "status", "domain"], name="qualification_expert_idx"),
            models.Index(fields=["status", "valid_until"], name="qualification_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.domain}: {self.get_level_display()} ({self.get_source_display().lower()})"
