"""Demo data for a first run: a platform superuser, two labs with an owner and a reviewer each, and
five experts. Running it again changes nothing: rows are found by their natural keys and passwords
are set only when an account is first created.
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import Membership, Organization, User

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
    ("physicist@experts.example.com", "Dr. Ingrid Halvorsen"),
    ("physician@experts.example.com", "Dr. Samuel Adeyemi"),
    ("lawyer@experts.example.com", "Camille Fournier"),
    ("engineer@experts.example.com", "Kenji Watanabe"),
    ("poet@experts.example.com", "Lucía Morales"),
]


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
    for email, person in EXPERTS:
        _, created = _account(email, person)
        logins.append(Login("expert", email, created))
    return logins
