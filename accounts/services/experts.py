"""Experts: profile, onboarding wizard, terms, suspension by staff; and the domain taxonomy they choose from."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_countries import countries

from accounts.models import Domain, ExpertDomain, ExpertProfile, User
from accounts.models.experts import validate_languages, validate_timezone
from accounts.selectors.experts import onboarding_complete
from marketplace.errors import Conflict, ValidationFailed
from marketplace.notifications import email_send

BIO_MAX_LENGTH = 2000
MAX_YEARS_EXPERIENCE = 70
STATUS_REASON_MAX_LENGTH = 2000

PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud without confusion


def _pseudonym() -> str:
    return "Expert-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(6))


def expert_profile_get_or_create(*, user: User) -> ExpertProfile:
    """The expert's profile, created on first use with a pseudonym that is all labs will see."""
    profile = ExpertProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    for _ in range(10):
        try:
            with transaction.atomic():
                return ExpertProfile.objects.create(user=user, pseudonym=_pseudonym(), display_name=user.name)
        except IntegrityError:
            profile = ExpertProfile.objects.filter(user=user).first()
            if profile is not None:  # created concurrently by another request
                return profile
    raise RuntimeError("could not find a free pseudonym")  # 32**6 ≈ 10**9: does not happen


@transaction.atomic
def expert_profile_activate_if_ready(*, user: User) -> ExpertProfile:
    """Move an onboarding expert to active once the whole checklist is done; others are left alone."""
    profile = ExpertProfile.objects.select_for_update().get(pk=expert_profile_get_or_create(user=user).pk)
    if profile.status == ExpertProfile.Status.ONBOARDING and onboarding_complete(user=user):
        profile.status = ExpertProfile.Status.ACTIVE
        profile.status_changed_at = timezone.now()
        profile.save(update_fields=["status", "status_changed_at", "updated"])
    return profile


# --- the onboarding wizard: profile, domains, terms -----------------------------------------------


def _profile_locked(user: User) -> ExpertProfile:
    return ExpertProfile.objects.select_for_update().get(pk=expert_profile_get_or_create(user=user).pk)


def _profile_errors(
    *,
    display_name: str,
    country: str,
    timezone_name: str,
    languages: list[str],
    education: str,
    occupation: str,
    bio: str,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def required(field: str, value: str, label: str, max_length: int) -> None:
        if not value:
            errors[field] = [f"Enter your {label}."]
        elif len(value) > max_length:
            errors[field] = [f"Keep your {label} to {max_length} characters (it has {len(value)})."]

    required("display_name", display_name, "name", 120)
    if not country:
        errors["country"] = ["Choose the country you live in."]
    elif country not in countries:
        errors["country"] = [f"“{country}” is not a country code we know (e.g. FR, US)."]
    if not timezone_name:
        errors["timezone"] = ["Choose your time zone."]
    else:
        try:
            validate_timezone(timezone_name)
        except DjangoValidationError as exc:
            errors["timezone"] = list(exc.messages)
    if not languages:
        errors["languages"] = ["Choose at least one language you work in."]
    else:
        try:
            validate_languages(languages)
        except DjangoValidationError as exc:
            errors["languages"] = list(exc.messages)
    if education not in ExpertProfile.Education.values:
        errors["education"] = ["Choose your highest level of education."]
    required("occupation", occupation, "current occupation", 200)
    if len(bio) > BIO_MAX_LENGTH:
        errors["bio"] = [f"Keep your bio to {BIO_MAX_LENGTH} characters (it has {len(bio)})."]
    return errors


def _invalid(what: str, errors: dict[str, list[str]]) -> ValidationFailed:
    first = next(iter(errors.values()))[0]
    more = f" ({len(errors) - 1} more problem(s) below)" if len(errors) > 1 else ""
    return ValidationFailed(f"{what} was not saved: {first}{more}", details=errors)


@transaction.atomic
def expert_profile_update(
    *,
    user: User,
    display_name: str,
    country: str,
    timezone: str,
    languages: list[str],
    education: str,
    occupation: str,
    bio: str = "",
) -> ExpertProfile:
    """Save the profile step: every field but the bio is required, and each is checked before anything is written."""
    display_name, occupation, bio = display_name.strip(), occupation.strip(), bio.strip()
    country = country.strip().upper()
    languages = list(dict.fromkeys(languages)) if isinstance(languages, list) else languages
    errors = _profile_errors(
        display_name=display_name,
        country=country,
        timezone_name=timezone,
        languages=languages,
        education=education,
        occupation=occupation,
        bio=bio,
    )
    if errors:
        raise _invalid("Your profile", errors)
    profile = _profile_locked(user)
    profile.display_name = display_name
    profile.country = country
    profile.timezone = timezone
    profile.languages = languages
    profile.education = education
    profile.occupation = occupation
    profile.bio = bio
    profile.save(
        update_fields=[
            "display_name",
            "country",
            "timezone",
            "languages",
            "education",
            "occupation",
            "bio",
            "updated",
        ]
    )
    return profile


@transaction.atomic
def expert_domains_set(*, user: User, domains: list[tuple[Domain, int]]) -> list[ExpertDomain]:
    """Replace the expert's declared domains with ``domains``: (domain, years of experience) pairs.

    Declaring a domain and one of its sub-domains is allowed: experience in both is worth saying.
    """
    errors: dict[str, list[str]] = {}
    if not domains:
        errors["domains"] = ["Choose at least one domain of expertise."]
    seen: set[int] = set()
    for domain, years in domains:
        if domain.pk in seen:
            errors.setdefault(domain.slug, []).append(f"{domain.name} is listed more than once.")
        seen.add(domain.pk)
        if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= MAX_YEARS_EXPERIENCE:
            errors.setdefault(domain.slug, []).append(
                f"Years of experience in {domain.name} must be a whole number from 0 to {MAX_YEARS_EXPERIENCE}."
            )
    if errors:
        raise _invalid("Your choice of domains", errors)
    _profile_locked(user)  # one writer at a time for this expert
    wanted = {domain.pk: years for domain, years in domains}
    ExpertDomain.objects.filter(expert=user).exclude(domain_id__in=wanted).delete()
    existing = {row.domain_id: row for row in ExpertDomain.objects.filter(expert=user)}
    for domain_id, years in wanted.items():
        row = existing.get(domain_id)
        if row is None:
            ExpertDomain.objects.create(expert=user, domain_id=domain_id, years_experience=years)
        elif row.years_experience != years:
            row.years_experience = years
            row.save(update_fields=["years_experience"])
    return list(ExpertDomain.objects.filter(expert=user).select_related("domain"))


@transaction.atomic
def expert_terms_accept(*, user: User, version: str) -> ExpertProfile:
    """Record that the expert accepted the terms of ``version``, which must be the current version."""
    current = settings.EXPERT_TERMS_VERSION
    if version != current:
        raise ValidationFailed(
            f"The expert terms have changed (version {current}) since you opened them; "
            "read the current version and accept it.",
            details={"version": [f"Version {version or '(none)'} is not the current version, {current}."]},
        )
    profile = _profile_locked(user)
    if profile.terms_accepted:
        return profile  # accepting twice keeps the first acceptance's date
    profile.terms_version = version
    profile.terms_accepted_at = timezone.now()
    profile.save(update_fields=["terms_version", "terms_accepted_at", "updated"])
    return profile


# --- suspension by platform staff -----------------------------------------------------------------


def _reason_checked(reason: str, *, action: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            f"Give a reason for the {action}; the expert sees it.", details={"reason": ["This field is required."]}
        )
    if len(reason) > STATUS_REASON_MAX_LENGTH:
        raise ValidationFailed(
            f"Keep the reason to {STATUS_REASON_MAX_LENGTH} characters.",
            details={"reason": [f"{len(reason)} characters."]},
        )
    return reason


def _status_set(profile: ExpertProfile, *, status: str, reason: str, by: User | None) -> None:
    profile.status = status
    profile.status_reason = reason
    profile.status_changed_at = timezone.now()
    profile.status_changed_by = by
    profile.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by", "updated"])


@transaction.atomic
def expert_suspend(*, user: User, reason: str, by: User | None) -> ExpertProfile:
    """Suspend an expert: they keep their account and see ``reason``, but are eligible for nothing."""
    reason = _reason_checked(reason, action="suspension")
    profile = _profile_locked(user)
    if profile.status == ExpertProfile.Status.PAUSED:
        raise Conflict(f"{profile.pseudonym} is already suspended.")
    if profile.status == ExpertProfile.Status.BANNED:
        raise Conflict(f"{profile.pseudonym} is banned; reinstate them before suspending.")
    _status_set(profile, status=ExpertProfile.Status.PAUSED, reason=reason, by=by)
    email_send(
        to=user.email,
        template="email/accounts/expert_suspended",
        context={"user": user, "profile": profile, "reason": reason},
    )
    return profile


@transaction.atomic
def expert_reinstate(*, user: User, reason: str, by: User | None) -> ExpertProfile:
    """Lift a suspension (or a ban): active again if onboarding is complete, else back to onboarding."""
    reason = _reason_checked(reason, action="reinstatement")
    profile = _profile_locked(user)
    if profile.status not in {ExpertProfile.Status.PAUSED, ExpertProfile.Status.BANNED}:
        raise Conflict(f"{profile.pseudonym} is not suspended ({profile.get_status_display().lower()}).")
    status = ExpertProfile.Status.ACTIVE if onboarding_complete(user=user) else ExpertProfile.Status.ONBOARDING
    _status_set(profile, status=status, reason=reason, by=by)
    email_send(
        to=user.email,
        template="email/accounts/expert_reinstated",
        context={"user": user, "profile": profile, "reason": reason},
    )
    return profile


# --- the domain taxonomy --------------------------------------------------------------------------


def domain_check(*, domain: Domain | None, name: str, slug: str, parent: Domain | None) -> None:
    """Raise the reason a domain with these values cannot be saved (``domain`` is None for a new one)."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Give the domain a name."]
    if domain is None:
        if not slug or slugify(slug) != slug:
            errors["slug"] = ["Use lower-case letters, digits and dashes (e.g. quantum-mechanics)."]
        elif Domain.objects.filter(slug=slug).exists():
            errors["slug"] = [f"The slug “{slug}” is taken."]
    elif slug != domain.slug:
        errors["slug"] = ["A domain's slug cannot change: project requirements refer to it."]
    if parent is not None and domain is not None and domain.pk in {node.pk for node in parent.lineage()}:
        errors["parent"] = [f"{parent} is {domain.name} itself or one of its sub-domains."]
    if (
        not errors.get("name")
        and Domain.objects.filter(parent=parent, name__iexact=name.strip())
        .exclude(pk=domain.pk if domain else None)
        .exists()
    ):
        where = f"under {parent}" if parent else "at the top level"
        errors["name"] = [f"There is already a domain called “{name.strip()}” {where}."]
    if errors:
        raise _invalid("The domain", errors)


@transaction.atomic
def domain_create(*, name: str, slug: str, parent: Domain | None = None, description: str = "") -> Domain:
    domain_check(domain=None, name=name, slug=slug, parent=parent)
    return Domain.objects.create(name=name.strip(), slug=slug, parent=parent, description=description.strip())


@transaction.atomic
def domain_update(*, domain: Domain, name: str, parent: Domain | None, description: str = "") -> Domain:
    """Rename, re-describe or move a domain; its slug never changes."""
    domain = Domain.objects.select_for_update().get(pk=domain.pk)
    domain_check(domain=domain, name=name, slug=domain.slug, parent=parent)
    domain.name, domain.parent, domain.description = name.strip(), parent, description.strip()
    domain.save(update_fields=["name", "parent", "description"])
    return domain
