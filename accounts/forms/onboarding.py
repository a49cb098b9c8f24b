"""Forms of the onboarding wizard and of the eligibility check. They parse; the services decide."""

import zoneinfo
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.http import QueryDict
from django_countries import countries

from accounts.models import Credential, Domain, Exam, ExpertDomain, ExpertProfile, Level
from accounts.models.experts import LANGUAGE_CHOICES
from accounts.services.experts import BIO_MAX_LENGTH, MAX_YEARS_EXPERIENCE
from marketplace.errors import ApplicationError

TIMEZONE_CHOICES = [("", "Choose your time zone")] + [(name, name) for name in sorted(zoneinfo.available_timezones())]


def _chosen_first(choices, chosen) -> list[tuple[str, str]]:
    """Ticked options first, so a long checkbox list shows what is ticked without scrolling."""
    chosen = set(chosen or [])
    return [c for c in choices if c[0] in chosen] + [c for c in choices if c[0] not in chosen]


class ServiceErrorsMixin:
    """Put a service's ``ApplicationError`` on the fields its details name, the rest above the form."""

    def add_service_error(self, error: ApplicationError) -> None:
        placed = False
        for name, messages in error.details.items():
            target = self.field_for_detail(name)
            if target is not None:
                for message in messages:
                    self.add_error(target, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)

    def field_for_detail(self, name: str) -> str | None:
        return name if name in self.fields else None


class ProfileForm(ServiceErrorsMixin, forms.Form):
    display_name = forms.CharField(
        label="Your name", max_length=120, help_text="Shown to our staff only; labs see your pseudonym."
    )
    country = forms.ChoiceField(label="Country of residence")
    timezone = forms.ChoiceField(label="Time zone", choices=TIMEZONE_CHOICES)
    languages = forms.MultipleChoiceField(
        label="Languages you work in",
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every language you can write and review professional work in.",
    )
    education = forms.ChoiceField(
        label="Highest education", choices=[("", "Choose one"), *ExpertProfile.Education.choices]
    )
    occupation = forms.CharField(
        label="Current occupation", max_length=200, help_text="e.g. Postdoctoral researcher in condensed matter physics"
    )
    bio = forms.CharField(
        label="Short bio",
        required=False,
        max_length=BIO_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Optional, up to {BIO_MAX_LENGTH} characters: your background and what you are best at.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "Choose your country"), *countries]
        chosen = self.data.getlist("languages") if self.is_bound else self.initial.get("languages")
        self.fields["languages"].choices = _chosen_first(LANGUAGE_CHOICES, chosen)

    @staticmethod
    def initial_for(profile: ExpertProfile | None, user) -> dict:
        if profile is None:
            return {"display_name": user.name}
        return {
            "display_name": profile.display_name,
            "country": profile.country.code if profile.country else "",
            "timezone": profile.timezone,
            "languages": profile.languages,
            "education": profile.education,
            "occupation": profile.occupation,
            "bio": profile.bio,
        }


@dataclass(frozen=True)
class DomainRow:
    domain: Domain
    depth: int
    pick: forms.BoundField
    years: forms.BoundField


class DomainsForm(ServiceErrorsMixin, forms.Form):
    """A checkbox and a years-of-experience box per domain, grouped under each top-level domain."""

    def __init__(self, *args, domains: list[Domain], **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = domains
        for domain in domains:
            self.fields[f"pick-{domain.slug}"] = forms.BooleanField(required=False, label=domain.name)
            self.fields[f"years-{domain.slug}"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=MAX_YEARS_EXPERIENCE,
                label=f"Years of experience in {domain.name}",
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "years"}),
            )

    @staticmethod
    def initial_for(chosen: list[ExpertDomain]) -> dict:
        initial = {}
        for row in chosen:
            initial[f"pick-{row.domain.slug}"] = True
            initial[f"years-{row.domain.slug}"] = row.years_experience
        return initial

    def groups(self) -> list[tuple[Domain, list[DomainRow]]]:
        """Each top-level domain with itself and its sub-domains (at any depth), in taxonomy order."""
        children: dict[int | None, list[Domain]] = {}
        for domain in self.domains:
            children.setdefault(domain.parent_id, []).append(domain)

        def rows(domain: Domain, depth: int) -> list[DomainRow]:
            found = [DomainRow(domain, depth, self[f"pick-{domain.slug}"], self[f"years-{domain.slug}"])]
            for child in sorted(children.get(domain.pk, []), key=lambda d: d.name.lower()):
                found += rows(child, depth + 1)
            return found

        tops = sorted(children.get(None, []), key=lambda d: d.name.lower())
        return [(top, rows(top, 0)) for top in tops]

    def clean(self):
        cleaned = super().clean()
        chosen = []
        for domain in self.domains:
            if not cleaned.get(f"pick-{domain.slug}"):
                continue
            years = cleaned.get(f"years-{domain.slug}")
            if years is None:
                if f"years-{domain.slug}" not in self.errors:
                    self.add_error(f"years-{domain.slug}", f"Enter your years of experience in {domain.name}.")
                continue
            chosen.append((domain, years))
        if not chosen and not self.errors:
            raise forms.ValidationError("Choose at least one domain of expertise, with your years of experience.")
        cleaned["domains"] = chosen
        return cleaned

    def field_for_detail(self, name: str) -> str | None:
        return f"years-{name}" if f"years-{name}" in self.fields else None


class TermsForm(ServiceErrorsMixin, forms.Form):
    agree = forms.BooleanField(
        label="I have read the expert terms and agree to them",
        error_messages={"required": "Tick the box to accept the terms; you cannot take on work without them."},
    )
    version = forms.CharField(widget=forms.HiddenInput, initial=settings.EXPERT_TERMS_VERSION)

    def field_for_detail(self, name: str) -> str | None:
        return None  # a stale version is explained above the form, not beside a hidden field


# --- the eligibility check ------------------------------------------------------------------------

PICKER_ROWS = 3
LEVEL_CHOICES = [(str(level.value), level.label) for level in Level]


def requirements_dict_from_query(query: QueryDict) -> dict:
    """The requirements named in a query string, in the JSON form ``Requirements.from_dict`` reads.

    ``domain=physics:2`` asks for level 2 in physics; a bare ``domain=physics`` takes its level from
    the next ``level`` parameter (as the picker's rows send them), else foundational. Empty values
    (the picker's unused rows) are ignored. ``credential``, ``exam``, ``country`` and ``language``
    repeat for several values.
    """
    levels = query.getlist("level")
    domains = []
    for value in query.getlist("domain"):
        slug, sep, level = value.strip().partition(":")
        if not sep:
            level = levels.pop(0) if levels else str(Level.FOUNDATIONAL.value)
        if slug:
            domains.append({"domain": slug, "level": level.strip()})

    def values(name: str) -> list[str]:
        return [v.strip() for v in query.getlist(name) if v.strip()]

    return {
        "domains": domains,
        "credential_kinds": values("credential"),
        "exams": values("exam"),
        "countries": values("country"),
        "languages": values("language"),
    }


@dataclass(frozen=True)
class PickerRow:
    number: int
    domain: str
    level: str


class EligibilityForm(forms.Form):
    """The small GET form that picks requirements; it shows what the query string asked for."""

    credential = forms.MultipleChoiceField(
        label="Verified credentials",
        choices=Credential.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    exam = forms.MultipleChoiceField(label="Passed exams", required=False)
    country = forms.MultipleChoiceField(label="Open to experts in", required=False, widget=forms.CheckboxSelectMultiple)
    language = forms.MultipleChoiceField(
        label="Working in all of these languages", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, asked: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exam"].choices = [
            (exam.slug, exam.title) for exam in Exam.objects.filter(is_active=True).order_by("title")
        ]
        self.fields["country"].choices = _chosen_first(list(countries), asked["countries"])
        self.fields["language"].choices = _chosen_first(LANGUAGE_CHOICES, asked["languages"])
        self.initial = {
            "credential": asked["credential_kinds"],
            "exam": asked["exams"],
            "country": asked["countries"],
            "language": asked["languages"],
        }
        domains = list(Domain.objects.only("pk", "name", "slug", "parent_id"))
        self.domain_choices = _domain_choices(domains)
        self.level_choices = LEVEL_CHOICES
        picked = [PickerRow(n, d["domain"], str(d["level"])) for n, d in enumerate(asked["domains"], start=1)]
        blanks = max(PICKER_ROWS - len(picked), 1)
        self.rows = picked + [PickerRow(len(picked) + n, "", "1") for n in range(1, blanks + 1)]


def _domain_choices(domains: list[Domain]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Domains grouped under their top-level domain, for <optgroup>s; the top-level one comes first."""
    by_pk = {d.pk: d for d in domains}

    def top_of(domain: Domain) -> Domain:
        while domain.parent_id is not None and domain.parent_id in by_pk:
            domain = by_pk[domain.parent_id]
        return domain

    grouped: dict[int, list[Domain]] = {}
    for domain in domains:
        grouped.setdefault(top_of(domain).pk, []).append(domain)
    groups = []
    for top_pk, members in sorted(grouped.items(), key=lambda item: by_pk[item[0]].name.lower()):
        members.sort(key=lambda d: (d.pk != top_pk, d.name.lower()))
        groups.append((by_pk[top_pk].name, [(d.slug, d.name) for d in members]))
    return groups
