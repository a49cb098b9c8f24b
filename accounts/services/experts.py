import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ExpertProfile, User
from accounts.selectors.experts import onboarding_complete

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
