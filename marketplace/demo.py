"""Demo data for a first run: a platform superuser, two labs with an owner and a reviewer each, and
five experts in each onboarding state. Running it again changes nothing: rows are found by their
natural keys, passwords are set only when an account is first created, and an expert's onboarding
is played through the real services only the first time.

The experts: a physicist verified in two domains (a credential and a passed exam), a physician
whose medical license awaits review, a lawyer whose credential was rejected, an engineer who has
only signed up, and a poet verified by staff.
"""

import datetime
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Domain, Exam, ExamAttempt, Level, Membership, Organization, User
from accounts.services import credentials as credential_services
from accounts.services import experts as expert_services
from accounts.services import qualifications as qualification_services

DEMO_PASSWORD = "assay-demo-password"  # noqa: S105 -- printed for demo logins; refused in production

Role = Membership.Role

LABS = [
    (
        "quanta",
        "Quanta Research",
        [
            ("owner@quanta.example.com", "Maya Okafor", Role.OWNER),
            ("reviewer@quanta.example.com", "Tomás Lindqvist", Role.REVIEWER),
        ],
    ),
    (
        "lexicon",
        "Lexicon AI",
        [
            ("owner@lexicon.example.com", "Priya Raman", Role.OWNER),
            ("reviewer@lexicon.example.com", "Daniel Achterberg", Role.REVIEWER),
        ],
    ),
]

EXPERTS = [
    ("physicist@experts.example.com", "Dr. Ingrid Halvorsen", "verified in physics and mathematics"),
    ("physician@experts.example.com", "Dr. Samuel Adeyemi", "medical license awaiting review"),
    ("lawyer@experts.example.com", "Camille Fournier", "credential rejected"),
    ("engineer@experts.example.com", "Kenji Watanabe", "new: signed up, nothing else yet"),
    ("poet@experts.example.com", "Lucía Morales", "verified in poetry by staff"),
]

# A one-page PDF, enough for the evidence checks and for staff to open.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 58>>stream\nBT /F1 24 Tf 72 700 Td (Demo evidence: not a real document) Tj ET\n"
    b"endstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class Login:
    who: str
    email: str
    created: bool


def _account(email: str, name: str, **flags) -> tuple[User, bool]:
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name, **flags)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user, created


@transaction.atomic
def demo_data_create() -> list[Login]:
    logins = []
    admin, created = _account("admin@example.com", "Platform Admin", is_staff=True, is_superuser=True)
    logins.append(Login("platform superuser", admin.email, created))
    for slug, name, people in LABS:
        organization, _ = Organization.objects.get_or_create(slug=slug, defaults={"name": name})
        for email, person, role in people:
            user, created = _account(email, person)
            Membership.objects.get_or_create(organization=organization, user=user, defaults={"role": role})
            logins.append(Login(f"{name} {role}", email, created))
    for email, person, state in EXPERTS:
        user, created = _account(email, person)
        if created:
            ONBOARDING[email](user, staff=admin)
        logins.append(Login(f"expert ({state})", email, created))
    return logins


def _onboard(user: User, *, country: str, languages: list[str], education: str, occupation: str, domains) -> None:
    expert_services.expert_profile_update(
        user=user,
        display_name=user.name,
        country=country,
        timezone={"NO": "Europe/Oslo", "NG": "Africa/Lagos", "FR": "Europe/Paris", "MX": "America/Mexico_City"}[
            country
        ],
        languages=languages,
        education=education,
        occupation=occupation,
    )
    expert_services.expert_domains_set(
        user=user, domains=[(Domain.objects.get(slug=slug), years) for slug, years in domains]
    )
    expert_services.expert_terms_accept(user=user, version=settings.EXPERT_TERMS_VERSION)


def _credential(user: User, *, kind: str, domain: str, title: str, issuer: str, **dates):
    return credential_services.credential_submit(
        expert=user,
        kind=kind,
        domain=Domain.objects.get(slug=domain),
        title=title,
        issuer=issuer,
        evidence=SimpleUploadedFile("evidence.pdf", DEMO_PDF, content_type="application/pdf"),
        **dates,
    )


def _physicist(user: User, *, staff: User) -> None:
    _onboard(
        user,
        country="NO",
        languages=["en", "nb"],
        education="doctorate",
        occupation="Professor of physics",
        domains=[("quantum-mechanics", 15), ("mathematics", 12)],
    )
    phd = _credential(
        user,
        kind="degree",
        domain="quantum-mechanics",
        title="PhD in Theoretical Physics",
        issuer="University of Oslo",
        issued_on=datetime.date(2009, 6, 12),
    )
    credential_services.credential_verify(credential=phd, level=Level.EXPERT, decided_by=staff)
    exam = Exam.objects.filter(domain__slug="mathematics").first()
    if exam is not None:  # the seeded exam, passed: a second domain through the other route
        now = timezone.now()
        attempt = ExamAttempt.objects.create(
            expert=user,
            exam=exam,
            status=ExamAttempt.Status.PASSED,
            question_ids=[],
            max_points=20,
            auto_points=18,
            score_percent=90,
            started_at=now - datetime.timedelta(minutes=25),
            deadline_at=now + datetime.timedelta(minutes=5),
            submitted_at=now,
        )
        qualification_services.qualification_grant_for_exam(attempt=attempt)


def _physician(user: User, *, staff: User) -> None:
    _onboard(
        user,
        country="NG",
        languages=["en", "fr"],
        education="professional",
        occupation="Cardiologist",
        domains=[("cardiology", 11), ("medicine", 14)],
    )
    _credential(
        user,
        kind="license",
        domain="cardiology",
        title="Licence to practise medicine",
        issuer="Medical and Dental Council of Nigeria",
        issued_on=datetime.date(2012, 3, 1),
        expires_on=timezone.localdate() + datetime.timedelta(days=400),
    )


def _lawyer(user: User, *, staff: User) -> None:
    _onboard(
        user,
        country="FR",
        languages=["fr", "en"],
        education="master",
        occupation="Avocate (contract law)",
        domains=[("contract-law", 9)],
    )
    bar = _credential(
        user,
        kind="license",
        domain="contract-law",
        title="Admission to the Paris Bar",
        issuer="Ordre des avocats de Paris",
    )
    credential_services.credential_reject(
        credential=bar,
        reason="illegible",
        note="The scan is cut off at the bottom; please upload the full page.",
        decided_by=staff,
    )


def _engineer(user: User, *, staff: User) -> None:
    """Signed up and verified the address; nothing else yet."""


def _poet(user: User, *, staff: User) -> None:
    _onboard(
        user,
        country="MX",
        languages=["es", "en"],
        education="master",
        occupation="Poet and translator",
        domains=[("poetry", 20), ("translation", 10)],
    )
    qualification_services.qualification_grant_by_staff(
        expert=user, domain=Domain.objects.get(slug="poetry"), level=Level.EXPERT, granted_by=staff
    )


ONBOARDING = {
    "physicist@experts.example.com": _physicist,
    "physician@experts.example.com": _physician,
    "lawyer@experts.example.com": _lawyer,
    "engineer@experts.example.com": _engineer,
    "poet@experts.example.com": _poet,
}
