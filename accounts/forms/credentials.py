"""Forms for credentials: the expert's claim, and staff decisions on it.

The forms parse input; the rules (dates, file content, who may decide) live in the services, whose
errors the views put back on the fields they name.
"""

from collections import defaultdict

from django import forms

from accounts.models import Credential, Domain, Level
from accounts.services.credentials import RejectionReason
from accounts.uploads import EVIDENCE_ACCEPT, EVIDENCE_MAX_BYTES
from marketplace.errors import ApplicationError


def domain_choices() -> list:
    """Top-level domains as groups, each offering itself ("general") and its sub-domains."""
    children: dict[int | None, list[Domain]] = defaultdict(list)
    for domain in Domain.objects.order_by("name"):
        children[domain.parent_id].append(domain)

    def descendants(parent: Domain, depth: int) -> list[tuple[int, str]]:
        found = []
        for child in children[parent.pk]:
            found.append((child.pk, f"{'— ' * depth}{child.name}"))
            found.extend(descendants(child, depth + 1))
        return found

    choices: list = [("", "Choose a domain…")]
    for top in children[None]:
        choices.append((top.name, [(top.pk, f"{top.name} (general)"), *descendants(top, 0)]))
    return choices


def apply_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's error on the fields it names, or on the whole form."""
    placed = False
    for field, reasons in exc.details.items():
        if field in form.fields:
            for reason in reasons:
                form.add_error(field, reason)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CredentialForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of credential", choices=Credential.Kind.choices)
    domain = forms.ChoiceField(
        label="Domain",
        choices=domain_choices,
        help_text="The field this credential shows expertise in. Pick the most specific one that fits.",
    )
    title = forms.CharField(
        max_length=200, help_text="As written on the document, e.g. PhD in Theoretical Physics, Medical license."
    )
    issuer = forms.CharField(max_length=200, help_text="The university, licensing board, employer or publisher.")
    identifier = forms.CharField(
        max_length=120,
        required=False,
        help_text="License or certificate number, DOI or ORCID, if there is one: it helps us verify faster.",
    )
    issued_on = forms.DateField(label="Issued on", required=False, widget=DateInput())
    expires_on = forms.DateField(
        label="Expires on", required=False, widget=DateInput(), help_text="Leave empty if it does not expire."
    )
    evidence = forms.FileField(
        allow_empty_file=True,  # the service says why an empty file is refused
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        help_text=(
            f"A PDF, PNG or JPEG of the document, at most {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB. "
            "Only platform staff and you can open it; labs never see it."
        ),
    )

    def clean_domain(self) -> Domain:
        domain = Domain.objects.filter(pk=self.cleaned_data["domain"]).first()
        if domain is None:
            raise forms.ValidationError("Choose a domain from the list.")
        return domain


class CredentialDecisionForm(forms.Form):
    """Staff's decision on one credential, from its page in the admin."""

    APPROVE, REJECT = "approve", "reject"

    decision = forms.ChoiceField(
        choices=[(APPROVE, "Approve and grant a qualification"), (REJECT, "Reject")], widget=forms.RadioSelect
    )
    level = forms.TypedChoiceField(
        choices=[("", "—"), *Level.choices],
        coerce=int,
        required=False,
        empty_value=None,
        help_text="When approving: the level the qualification grants in the credential's domain.",
    )
    reason = forms.ChoiceField(
        choices=[("", "—"), *RejectionReason.choices],
        required=False,
        help_text="When rejecting: the expert reads this reason.",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Shown to the expert. Required when the reason is “other”.",
    )

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == self.APPROVE and not cleaned.get("level"):
            self.add_error("level", "Choose the level to grant.")
        if decision == self.REJECT and not cleaned.get("reason"):
            self.add_error("reason", "Choose the reason for the rejection.")
        return cleaned


class CredentialApproveForm(forms.Form):
    """The level for every credential approved in one bulk action."""

    level = forms.TypedChoiceField(choices=Level.choices, coerce=int, help_text="Granted in each credential's domain.")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Shown to each expert.")


class CredentialRejectForm(forms.Form):
    """The reason for every credential rejected in one bulk action."""

    reason = forms.ChoiceField(choices=RejectionReason.choices)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Shown to each expert. Required when the reason is “other”.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == RejectionReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", "A note is required when the reason is “other”.")
        return cleaned
