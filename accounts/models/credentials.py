import uuid

from django.conf import settings
from django.db import models

from accounts.models.experts import Domain
from accounts.storage import private_storage


def evidence_path(instance, filename: str) -> str:
    """A random name: the uploaded name is kept only as metadata, never as a path."""
    return f"evidence/{uuid.uuid4().hex}"


class Credential(models.Model):
    """A claim of expertise with evidence, verified or rejected by platform staff."""

    class Kind(models.TextChoices):
        DEGREE = "degree", "Degree"
        LICENSE = "license", "Professional license"
        CERTIFICATION = "certification", "Certification"
        PUBLICATION = "publication", "Publication record"
        EMPLOYMENT = "employment", "Employment"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting review"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200, help_text="e.g. PhD in Theoretical Physics, Medical license")
    issuer = models.CharField(max_length=200, help_text="University, licensing board, employer, publisher …")
    identifier = models.CharField(max_length=120, blank=True, help_text="License or certificate number, DOI, …")
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    evidence = models.FileField(storage=private_storage, upload_to=evidence_path, max_length=200)
    evidence_name = models.CharField(max_length=200, help_text="The uploaded file's name, cleaned; display only.")
    evidence_content_type = models.CharField(max_length=40)
    evidence_size = models.PositiveIntegerField()
    evidence_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.CharField(max_length=40, blank=True)
    decision_note = models.TextField(blank=True, help_text="Shown to the expert.")

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="credential_queue_idx"),
            models.Index(fields=["expert", "status"], name="credential_expert_idx"),
            models.Index(fields=["status", "expires_on"], name="credential_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(issued_on__isnull=True)
                | models.Q(expires_on__gt=models.F("issued_on")),
                name="credential_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display().lower()}, {self.get_status_display().lower()})"


class CredentialDecision(models.Model):
    """Append-only record of every change of a credential's status: who, when, why."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="decisions")
    from_status = models.CharField(max_length=16, choices=Credential.Status.choices)
    to_status = models.CharField(max_length=16, choices=Credential.Status.choices)
    reason = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
