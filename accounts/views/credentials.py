"""The expert's credential pages, and the one door to evidence files.

An expert sees only their own credentials; anyone else's is "not found", exactly like a missing one.
Evidence is streamed by ``credential_evidence`` to its owner and to platform staff only, never by a
media URL.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms.credentials import CredentialForm, apply_errors
from accounts.models import Credential, Qualification
from accounts.services.credentials import credential_submit, credential_withdraw, rejection_reason_label
from accounts.uploads import EVIDENCE_TYPES
from marketplace.admin import is_platform_staff
from marketplace.errors import ApplicationError

NOT_FOUND = "Credential not found."


def _own_credential(request, pk: int) -> Credential:
    return get_object_or_404(Credential.objects.select_related("domain__parent"), pk=pk, expert=request.user)


def _with_reason_labels(items):
    for item in items:
        reason = getattr(item, "decision_reason", None) or getattr(item, "reason", "")
        item.reason_label = rejection_reason_label(reason) if reason else ""
    return items


@login_required
def credential_list(request):
    credentials = _with_reason_labels(
        list(Credential.objects.filter(expert=request.user).select_related("domain__parent").order_by("-submitted_at"))
    )
    qualifications = list(
        Qualification.objects.filter(expert=request.user)
        .select_related("domain__parent", "credential")
        .order_by("status", "domain__name", "-level")
    )
    return render(
        request,
        "accounts/credentials/list.html",
        {"credentials": credentials, "qualifications": qualifications},
    )


@login_required
@require_http_methods(["GET", "POST"])
def credential_add(request):
    form = CredentialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            credential = credential_submit(
                expert=request.user,
                kind=data["kind"],
                domain=data["domain"],
                title=data["title"],
                issuer=data["issuer"],
                identifier=data["identifier"],
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
                evidence=data["evidence"],
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, f"“{credential.title}” is saved and awaits review. We will email you once it is decided."
            )
            return redirect("credential_detail", pk=credential.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/credentials/add.html", {"form": form}, status=status)


@login_required
def credential_detail(request, pk: int):
    credential = _own_credential(request, pk)
    _with_reason_labels([credential])
    decisions = _with_reason_labels(list(credential.decisions.all()))
    qualifications = list(credential.qualifications.select_related("domain__parent"))
    return render(
        request,
        "accounts/credentials/detail.html",
        {"credential": credential, "decisions": decisions, "qualifications": qualifications},
    )


@login_required
@require_POST
def credential_withdraw_view(request, pk: int):
    credential = _own_credential(request, pk)
    try:
        credential_withdraw(credential=credential, expert=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("credential_detail", pk=credential.pk)
    messages.success(request, f"“{credential.title}” is withdrawn and its file deleted.")
    return redirect("credential_list")


@login_required
@require_http_methods(["GET", "HEAD"])
@xframe_options_sameorigin  # staff preview it in the admin, on this site only
def credential_evidence(request, pk: int):
    """Stream the evidence to its owner or to platform staff; everyone else gets a 404."""
    credential = Credential.objects.filter(pk=pk).first()
    if credential is None or not (credential.expert_id == request.user.pk or is_platform_staff(request.user)):
        raise Http404(NOT_FOUND)
    inline = request.GET.get("inline") == "1" and credential.evidence_content_type in set(EVIDENCE_TYPES.values())
    try:
        handle = credential.evidence.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The evidence file is missing.") from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=credential.evidence_name,
        content_type=credential.evidence_content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
