import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django_countries.fields import CountryField

LANGUAGE_CHOICES = sorted(settings.LANGUAGES_FOR_EXPERTS, key=lambda item: item[1])
LANGUAGE_CODES = frozenset(code for code, _ in LANGUAGE_CHOICES)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/Paris, America/New_York).")


def validate_languages(value) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Languages must be a list of language codes.")
    unknown = sorted(set(value) - LANGUAGE_CODES)
    if unknown:
        raise ValidationError(f"Unknown language code(s): {', '.join(unknown)}.")


class Domain(models.Model):
    """A field of expertise. Top-level domains (physics, law) have sub-domains (quantum mechanics)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["parent__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="domain_name_unique_in_parent"),
            models.CheckConstraint(condition=~models.Q(parent=models.F("pk")), name="domain_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    def lineage(self) -> list["Domain"]:
        """This domain and its ancestors, nearest first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class ExpertProfile(models.Model):
    """What an expert tells us about themselves, and where they stand on the platform."""

    class Status(models.TextChoices):
        ONBOARDING = "onboarding", "Onboarding"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Suspended"
        BANNED = "banned", "Banned"

    class Education(models.TextChoices):
        SECONDARY = "secondary", "Secondary school"
        BACHELOR = "bachelor", "Bachelor's degree"
        MASTER = "master", "Master's degree"
        PROFESSIONAL = "professional", "Professional degree (MD, JD, …)"
        DOCTORATE = "doctorate", "Doctorate (PhD, DPhil, …)"
        OTHER = "other", "Other"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_profile")
    pseudonym = models.CharField(max_length=32, unique=True, help_text="The only name labs ever see.")
    display_name = models.CharField(max_length=120, blank=True)
    country = CountryField(blank=True)
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    languages = models.JSONField(default=list, blank=True, validators=[validate_languages])
    education = models.CharField(max_length=16, choices=Education.choices, blank=True)
    occupation = models.CharField("current occupation", max_length=200, blank=True)
    bio = models.TextField(max_length=2000, blank=True)
    terms_version = models.CharField(max_length=20, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ONBOARDING)
    status_reason = models.TextField(blank=True, help_text="Shown to the expert.")
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status"], name="expertprofile_status_idx")]

    def __str__(self) -> str:
        return f"{self.pseudonym} ({self.user.email})"

    @property
    def profile_complete(self) -> bool:
        return all([self.display_name, self.country, self.timezone, self.languages, self.education, self.occupation])

    @property
    def terms_accepted(self) -> bool:
        return self.terms_accepted_at is not None and self.terms_version == settings.EXPERT_TERMS_VERSION


class ExpertDomain(models.Model):
    """A domain an expert declares, with their years of experience in it."""

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_domains")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    years_experience = models.PositiveSmallIntegerField(validators=[MaxValueValidator(70)])
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain__name"]
        constraints = [
            models.UniqueConstraint(fields=["expert", "domain"], name="expertdomain_unique"),
            models.CheckConstraint(condition=models.Q(years_experience__lte=70), name="expertdomain_years_sane"),
        ]

    def __str__(self) -> str:
        return f"{self.domain} ({self.years_experience} years)"
