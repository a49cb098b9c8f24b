from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import Credential, ExpertDomain, ExpertProfile, Qualification, User


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    detail: str
    url_name: str
    url_args: tuple = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.url_args)


def expert_profile_for(*, user: User) -> ExpertProfile | None:
    return ExpertProfile.objects.filter(user=user).first()


def onboarding_checklist(*, user: User) -> list[ChecklistItem]:
    """What an expert has done on the way to their first task, and what is still missing."""
    profile = expert_profile_for(user=user)
    email_verified = EmailAddress.objects.filter(user=user, verified=True).exists()
    domains = ExpertDomain.objects.filter(expert=user).count()
    qualified = Qualification.objects.current().filter(expert=user).exists()
    pending = Credential.objects.filter(expert=user, status=Credential.Status.SUBMITTED).count()
    proof_detail = (
        "You hold at least one qualification."
        if qualified
        else f"{pending} credential(s) awaiting review."
        if pending
        else "Add a credential or pass a domain exam."
    )
    return [
        ChecklistItem(
            "email",
            "Verify your email address",
            email_verified,
            "Verified." if email_verified else "Follow the link we emailed you.",
            "account_email",
        ),
        ChecklistItem(
            "profile",
            "Complete your profile",
            bool(profile and profile.profile_complete),
            "Done."
            if profile and profile.profile_complete
            else "Name, country, time zone, languages, education and occupation.",
            "onboarding_step",
            ("profile",),
        ),
        ChecklistItem(
            "domains",
            "Choose your domains of expertise",
            domains > 0,
            f"{domains} domain(s) chosen." if domains else "Pick at least one, with your years of experience.",
            "onboarding_step",
            ("domains",),
        ),
        ChecklistItem(
            "terms",
            "Accept the expert terms",
            bool(profile and profile.terms_accepted),
            "Accepted." if profile and profile.terms_accepted else "Read and accept the current terms.",
            "onboarding_step",
            ("terms",),
        ),
        ChecklistItem("proof", "Prove your expertise", qualified, proof_detail, "credential_list"),
    ]


def onboarding_complete(*, user: User) -> bool:
    return all(item.done for item in onboarding_checklist(user=user))
