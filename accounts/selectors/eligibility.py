"""Whether an expert meets a set of requirements and, when not, why, in words the expert can act on.

The rules:

- **Account.** A suspended or banned expert is eligible for nothing. An incomplete profile or terms
  not accepted in their current version are reasons too; so is an onboarding checklist left unfinished.
- **Domains** are (domain slug, minimum level) pairs. A current qualification at that level or higher
  meets the requirement when it is in the required domain *or in one of its ancestors*: a physicist
  qualified in Physics may take Quantum mechanics work, while a qualification in Quantum mechanics
  does not open work that asks for Physics as a whole.
- **Credential kinds** each need a verified credential of that kind that has not expired. The
  credential's domain does not matter, even when the requirements also name domains: the domain
  requirements are met by qualifications, the kind requirements by the credential itself.
- **Exams** (by slug) each need a passed attempt whose qualification is still current.
- **Countries** (ISO 3166 codes): when the list is not empty, the expert's country must be in it.
- **Languages** (codes of ``settings.LANGUAGES_FOR_EXPERTS``): the expert must have all of them.

A check runs a bounded number of queries (at most seven) whatever the number of requirements.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django_countries import countries as all_countries

from accounts.models import (
    Credential,
    Domain,
    Exam,
    ExamAttempt,
    ExpertDomain,
    ExpertProfile,
    Level,
    Qualification,
    User,
)
from accounts.models.experts import LANGUAGE_CHOICES, LANGUAGE_CODES
from accounts.services.exams import exam_attempt_retry_on
from marketplace.errors import ValidationFailed

REQUIREMENT_KEYS = ("domains", "credential_kinds", "exams", "countries", "languages")
LANGUAGE_NAMES = {code: str(name) for code, name in LANGUAGE_CHOICES}
LEVEL_NAMES = {level.label.lower(): level.value for level in Level}


@dataclass
class Requirements:
    """What a project asks of its experts. ``from_dict``/``to_dict`` are the JSON form stored on projects."""

    domains: list[tuple[str, int]] = field(default_factory=list)
    credential_kinds: list[str] = field(default_factory=list)
    exams: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, key) for key in REQUIREMENT_KEYS)

    def to_dict(self) -> dict[str, list]:
        return {
            "domains": [{"domain": slug, "level": int(level)} for slug, level in self.domains],
            "credential_kinds": list(self.credential_kinds),
            "exams": list(self.exams),
            "countries": list(self.countries),
            "languages": list(self.languages),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Requirements:
        """Validated requirements from their JSON form; raises ``ValidationFailed`` naming every problem.

        ``{"domains": [{"domain": "physics", "level": 2}], "credential_kinds": ["license"],
        "exams": ["physics-qualifying-exam"], "countries": ["FR", "DE"], "languages": ["en"]}``;
        every key is optional, and a level may also be given by name ("professional").
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValidationFailed("Requirements must be an object with the keys " + ", ".join(REQUIREMENT_KEYS) + ".")
        errors: dict[str, list[str]] = {}
        unknown = sorted(set(map(str, data)) - set(REQUIREMENT_KEYS))
        if unknown:
            errors["non_field_errors"] = [
                f"Unknown requirement key(s): {', '.join(unknown)}; use {', '.join(REQUIREMENT_KEYS)}."
            ]
        lists = {}
        for key in REQUIREMENT_KEYS:
            value = data.get(key) or []
            if not isinstance(value, list):
                errors[key] = ["Give a list."]
                value = []
            lists[key] = value
        requirements = cls(
            domains=_domains_parsed(lists["domains"], errors),
            credential_kinds=_kinds_parsed(lists["credential_kinds"], errors),
            exams=_exams_parsed(lists["exams"], errors),
            countries=_countries_parsed(lists["countries"], errors),
            languages=_languages_parsed(lists["languages"], errors),
        )
        if errors:
            problems = [message for messages in errors.values() for message in messages]
            raise ValidationFailed("The requirements are not valid: " + " ".join(problems), details=errors)
        return requirements


def _duplicates(values: Iterable[str]) -> list[str]:
    seen, repeated = set(), []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def _level_parsed(value: Any) -> int | None:
    if isinstance(value, str):
        value = LEVEL_NAMES.get(value.strip().lower(), value.strip())
        if isinstance(value, str) and value.isdigit():
            value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in Level.values:
        return value
    return None


def _domains_parsed(items: list, errors: dict[str, list[str]]) -> list[tuple[str, int]]:
    parsed: list[tuple[str, int]] = []
    problems: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            slug, level = item.get("domain"), item.get("level", Level.FOUNDATIONAL)
        elif isinstance(item, list | tuple) and len(item) == 2:
            slug, level = item
        else:
            problems.append(f"Give each domain as {{'domain': slug, 'level': 1-3}}, not {item!r}.")
            continue
        if not isinstance(slug, str) or not slug.strip():
            problems.append(f"A domain requirement has no domain slug: {item!r}.")
            continue
        checked = _level_parsed(level)
        if checked is None:
            problems.append(
                f"Level {level!r} for “{slug}” is not a level: use 1 (foundational), 2 (professional) or 3 (expert)."
            )
            continue
        parsed.append((slug.strip(), checked))
    slugs = [slug for slug, _ in parsed]
    known = set(Domain.objects.filter(slug__in=slugs).values_list("slug", flat=True)) if slugs else set()
    problems += [f"Unknown domain “{slug}”." for slug in dict.fromkeys(slugs) if slug not in known]
    problems += [f"Domain “{slug}” is listed more than once." for slug in _duplicates(slugs)]
    if problems:
        errors["domains"] = problems
    return parsed


def _kinds_parsed(items: list, errors: dict[str, list[str]]) -> list[str]:
    problems = [
        f"Unknown credential kind {item!r}; use one of {', '.join(Credential.Kind.values)}."
        for item in items
        if item not in Credential.Kind.values
    ]
    problems += [f"Credential kind “{kind}” is listed more than once." for kind in _duplicates(map(str, items))]
    if problems:
        errors["credential_kinds"] = problems
    return [str(item) for item in items]


def _exams_parsed(items: list, errors: dict[str, list[str]]) -> list[str]:
    slugs = [item.strip() for item in items if isinstance(item, str)]
    problems = [f"An exam is given by its slug, not {item!r}." for item in items if not isinstance(item, str)]
    known = set(Exam.objects.filter(slug__in=slugs).values_list("slug", flat=True)) if slugs else set()
    problems += [f"Unknown exam “{slug}”." for slug in dict.fromkeys(slugs) if slug not in known]
    problems += [f"Exam “{slug}” is listed more than once." for slug in _duplicates(slugs)]
    if problems:
        errors["exams"] = problems
    return slugs


def _countries_parsed(items: list, errors: dict[str, list[str]]) -> list[str]:
    codes = [item.strip().upper() for item in items if isinstance(item, str)]
    problems = [
        f"Unknown country code {item!r} (use ISO codes such as FR or US)."
        for item in items
        if not isinstance(item, str)
    ]
    problems += [
        f"Unknown country code “{code}” (use ISO codes such as FR or US)."
        for code in codes
        if code not in all_countries
    ]
    problems += [f"Country “{code}” is listed more than once." for code in _duplicates(codes)]
    if problems:
        errors["countries"] = problems
    return codes


def _languages_parsed(items: list, errors: dict[str, list[str]]) -> list[str]:
    codes = [item.strip() for item in items if isinstance(item, str)]
    problems = [f"Unknown language code {item!r}." for item in items if not isinstance(item, str)]
    problems += [f"Unknown language code “{code}”." for code in codes if code not in LANGUAGE_CODES]
    problems += [f"Language “{code}” is listed more than once." for code in _duplicates(codes)]
    if problems:
        errors["languages"] = problems
    return codes


# --- the check ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str]


def _or_list(names: list[str], *, conjunction: str) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def _level_label(level: int) -> str:
    return Level(level).label.lower()


def _level_wanted(level: int) -> str:
    """The article and the level: "a professional-level", "an expert-level"."""
    label = _level_label(level)
    return f"{'an' if label[0] in 'aeiou' else 'a'} {label}-level"


def _credential_label(credential: Credential) -> str:
    return f"{credential.get_kind_display().lower()} ({credential.domain.name.lower()})"


def _credential_expired(credential: Credential, today: datetime.date) -> bool:
    if credential.status == Credential.Status.EXPIRED:
        return True
    return (
        credential.status == Credential.Status.VERIFIED
        and credential.expires_on is not None
        and credential.expires_on < today
    )


def _account_reasons(profile: ExpertProfile | None) -> list[str]:
    """Reasons that close every project to this expert, whatever it asks."""
    reasons = []
    if profile is None or not profile.profile_complete:
        reasons.append("Complete your profile first")
    if profile is None or not profile.terms_accepted:
        reasons.append("Accept the current expert terms first")
    return reasons


def _domain_reasons(
    required: list[tuple[str, int]],
    qualifications: list[Qualification],
    domains: dict[int, Domain],
    pending_domain_ids: set[int],
) -> list[str]:
    by_slug = {domain.slug: domain for domain in domains.values()}
    reasons = []
    for slug, minimum in required:
        domain = by_slug.get(slug)
        if domain is None:
            reasons.append(f"Requires a qualification in a domain that no longer exists (“{slug}”)")
            continue
        lineage = _lineage_ids(domain, domains)
        held = [q for q in qualifications if q.domain_id in lineage]
        best = max(held, key=lambda q: q.level, default=None)
        wanted = (
            f"a qualification in {domain.name}"
            if minimum == Level.FOUNDATIONAL
            else f"{_level_wanted(minimum)} qualification in {domain.name}"
        )
        if best is None:
            pending = " (a credential you submitted for it is awaiting review)" if pending_domain_ids & lineage else ""
            reasons.append(f"Requires {wanted}{pending}")
        elif best.level < minimum:
            where = "" if best.domain_id == domain.pk else f" in {domains[best.domain_id].name}"
            reasons.append(f"Requires {wanted}; you hold {_level_label(best.level)}{where}")
    return reasons


def _lineage_ids(domain: Domain, domains: dict[int, Domain]) -> set[int]:
    """The domain and its ancestors, from the in-memory taxonomy (no query per level)."""
    ids, node = set(), domain
    while node is not None and node.pk not in ids:
        ids.add(node.pk)
        node = domains.get(node.parent_id) if node.parent_id else None
    return ids


def _credential_reasons(kinds: list[str], credentials: list[Credential], today: datetime.date) -> list[str]:
    reasons = []
    for kind in kinds:
        mine = [c for c in credentials if c.kind == kind]
        if any(c.status == Credential.Status.VERIFIED and not _credential_expired(c, today) for c in mine):
            continue
        pending = [c for c in mine if c.status == Credential.Status.SUBMITTED]
        expired = sorted((c for c in mine if _credential_expired(c, today)), key=lambda c: c.expires_on or today)
        rejected = [c for c in mine if c.status == Credential.Status.REJECTED]
        if pending:
            reasons.append(f"Your {_credential_label(pending[0])} is awaiting review")
        elif expired:
            latest = expired[-1]
            when = f" on {date_format(latest.expires_on, 'j F Y')}" if latest.expires_on else ""
            reasons.append(f"Your {_credential_label(latest)} expired{when}; add a renewed one")
        elif rejected:
            reasons.append(
                f"Requires a verified {Credential.Kind(kind).label.lower()}; "
                f"your {_credential_label(rejected[0])} was not accepted"
            )
        else:
            reasons.append(f"Requires a verified {Credential.Kind(kind).label.lower()}")
    return reasons


def _exam_reasons(
    slugs: list[str], exams: dict[str, Exam], attempts: list[ExamAttempt], current_attempt_ids: set[int]
) -> list[str]:
    reasons = []
    for slug in slugs:
        exam = exams.get(slug)
        if exam is None:
            reasons.append(f"Requires an exam that no longer exists (“{slug}”)")
            continue
        mine = [a for a in attempts if a.exam_id == exam.pk]  # newest first
        if any(a.pk in current_attempt_ids for a in mine):
            continue
        latest = mine[0] if mine else None
        if latest is None:
            reasons.append(f"Requires the {exam.title}")
        elif latest.status == ExamAttempt.Status.IN_PROGRESS:
            reasons.append(f"Requires the {exam.title}; finish the attempt you started")
        elif latest.status == ExamAttempt.Status.PENDING_GRADING:
            reasons.append(f"Requires the {exam.title}; your attempt is awaiting grading")
        elif latest.status == ExamAttempt.Status.FAILED:
            latest.exam = exam  # already at hand: no query for it
            retake = exam_attempt_retry_on(attempt=latest)
            if retake is not None and retake > timezone.localdate():
                reasons.append(f"You failed the {exam.title}; you can retake it from {date_format(retake, 'j F Y')}")
            else:
                reasons.append(f"You failed the {exam.title}; you can retake it now")
        else:
            reasons.append(f"Your pass in the {exam.title} is no longer current; take the exam again")
    return reasons


def eligibility_check(*, expert: User, requirements: Requirements) -> Eligibility:
    """Whether ``expert`` meets ``requirements``; when not, every reason, in plain words."""
    profile = ExpertProfile.objects.filter(user=expert).first()
    status = profile.status if profile else ExpertProfile.Status.ONBOARDING
    if status == ExpertProfile.Status.PAUSED:
        reason = f": {profile.status_reason}" if profile.status_reason else ""
        return Eligibility(eligible=False, reasons=[f"Your account is suspended{reason}"])
    if status == ExpertProfile.Status.BANNED:
        reason = f": {profile.status_reason}" if profile.status_reason else ""
        return Eligibility(eligible=False, reasons=[f"Your account is closed{reason}"])

    reasons = _account_reasons(profile)
    if status == ExpertProfile.Status.ONBOARDING and not ExpertDomain.objects.filter(expert=expert).exists():
        reasons.append("Choose your domains of expertise first")
    today = timezone.localdate()

    qualifications: list[Qualification] = []
    if requirements.domains or requirements.exams:
        qualifications = list(Qualification.objects.current(today=today).filter(expert=expert))
    credentials: list[Credential] = []
    if requirements.domains or requirements.credential_kinds:
        credentials = list(Credential.objects.filter(expert=expert).select_related("domain"))

    if requirements.domains:
        domains = {domain.pk: domain for domain in Domain.objects.only("pk", "name", "slug", "parent_id")}
        pending = {c.domain_id for c in credentials if c.status == Credential.Status.SUBMITTED}
        reasons += _domain_reasons(requirements.domains, qualifications, domains, pending)
    if requirements.credential_kinds:
        reasons += _credential_reasons(requirements.credential_kinds, credentials, today)
    if requirements.exams:
        exams = {exam.slug: exam for exam in Exam.objects.filter(slug__in=requirements.exams)}
        attempts = list(
            ExamAttempt.objects.filter(expert=expert, exam__in=exams.values())
            .only("pk", "exam_id", "status", "started_at", "submitted_at")
            .order_by("-started_at", "-pk")
        )
        current = {q.exam_attempt_id for q in qualifications if q.exam_attempt_id}
        reasons += _exam_reasons(requirements.exams, exams, attempts, current)
    if requirements.countries:
        country = profile.country.code if profile and profile.country else ""
        if country not in requirements.countries:
            names = [all_countries.name(code) or code for code in requirements.countries]
            reasons.append(f"Open only to experts in {_or_list(names, conjunction='or')}")
    if requirements.languages:
        spoken = set(profile.languages if profile else [])
        missing = [LANGUAGE_NAMES.get(code, code) for code in requirements.languages if code not in spoken]
        if missing:
            reasons.append(f"Requires {_or_list(missing, conjunction='and')}")

    if status == ExpertProfile.Status.ONBOARDING and not reasons:
        reasons.append("Finish the onboarding checklist on your dashboard first")
    return Eligibility(eligible=not reasons, reasons=reasons)


def requirements_describe(requirements: Requirements) -> list[str]:
    """The requirements in words, one line each, e.g. "A professional-level qualification in Physics"."""
    names = dict(Domain.objects.filter(slug__in=[s for s, _ in requirements.domains]).values_list("slug", "name"))
    titles = dict(Exam.objects.filter(slug__in=requirements.exams).values_list("slug", "title"))
    lines = []
    for slug, level in requirements.domains:
        name = names.get(slug, slug)
        lines.append(
            f"A qualification in {name}"
            if level == Level.FOUNDATIONAL
            else f"{_level_wanted(level).capitalize()} qualification (or higher) in {name}"
        )
    lines += [f"A verified {Credential.Kind(kind).label.lower()}" for kind in requirements.credential_kinds]
    lines += [f"A pass in the {titles.get(slug, slug)}" for slug in requirements.exams]
    if requirements.countries:
        places = [all_countries.name(code) or code for code in requirements.countries]
        lines.append(f"Living in {_or_list(places, conjunction='or')}")
    if requirements.languages:
        spoken = [LANGUAGE_NAMES.get(code, code) for code in requirements.languages]
        lines.append(f"Working in {_or_list(spoken, conjunction='and')}")
    return lines


# --- what the dashboard shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """An expert's own standing: their profile, current qualifications and credentials awaiting review."""

    profile: ExpertProfile | None
    qualifications: list[Qualification]
    pending_credentials: list[Credential]


def expert_standing(*, user: User) -> Standing:
    return Standing(
        profile=ExpertProfile.objects.filter(user=user).first(),
        qualifications=list(
            Qualification.objects.current()
            .filter(expert=user)
            .select_related("domain__parent")
            .order_by("domain__name", "-level")
        ),
        pending_credentials=list(
            Credential.objects.filter(expert=user, status=Credential.Status.SUBMITTED)
            .select_related("domain__parent")
            .order_by("-submitted_at")
        ),
    )
