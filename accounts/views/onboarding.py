"""The expert's own pages: the onboarding wizard, the dashboard, the eligibility check and the terms."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.forms.onboarding import (
    DomainsForm,
    EligibilityForm,
    ProfileForm,
    TermsForm,
    requirements_dict_from_query,
)
from accounts.models import Domain, ExpertDomain
from accounts.selectors.eligibility import (
    Requirements,
    eligibility_check,
    expert_standing,
    requirements_describe,
)
from accounts.selectors.experts import expert_profile_for, onboarding_checklist
from accounts.services.experts import (
    expert_domains_set,
    expert_profile_activate_if_ready,
    expert_profile_update,
    expert_terms_accept,
)
from marketplace.errors import ApplicationError

STEPS = [("profile", "Your profile"), ("domains", "Your domains"), ("terms", "Expert terms")]
STEP_KEYS = [key for key, _ in STEPS]


def _steps_done(user) -> dict[str, bool]:
    return {item.key: item.done for item in onboarding_checklist(user=user) if item.key in STEP_KEYS}


def _first_incomplete(done: dict[str, bool]) -> str | None:
    return next((key for key in STEP_KEYS if not done[key]), None)


@login_required
@require_safe
def onboarding(request: HttpRequest) -> HttpResponse:
    """Resume the wizard at the first step not done yet; once all are, the dashboard takes over."""
    step = _first_incomplete(_steps_done(request.user))
    return redirect("onboarding_step", step) if step else redirect("dashboard")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def onboarding_step(request: HttpRequest, step: str) -> HttpResponse:
    if step not in STEP_KEYS:
        raise Http404("No such onboarding step.")
    user = request.user
    form = _step_form(request, step)
    if request.method == "POST" and form.is_valid():
        try:
            _step_save(step, user, form.cleaned_data)
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            expert_profile_activate_if_ready(user=user)
            messages.success(request, f"{dict(STEPS)[step]}: saved.")
            following = _first_incomplete(_steps_done(user))
            return redirect("onboarding_step", following) if following else redirect("dashboard")
    done = _steps_done(user)
    position = STEP_KEYS.index(step)
    indicator = [
        {"key": key, "label": label, "state": "current" if key == step else "done" if done[key] else "todo"}
        for key, label in STEPS
    ]
    return render(
        request,
        f"accounts/onboarding/{step}.html",
        {
            "form": form,
            "step": step,
            "step_label": dict(STEPS)[step],
            "step_number": position + 1,
            "step_count": len(STEPS),
            "indicator": indicator,
            "previous_step": STEP_KEYS[position - 1] if position else None,
            "is_last_step": position == len(STEPS) - 1,
            "terms_version": settings.EXPERT_TERMS_VERSION,
        },
    )


def _step_form(request: HttpRequest, step: str):
    user = request.user
    data = request.POST if request.method == "POST" else None
    if step == "profile":
        return ProfileForm(data, initial=ProfileForm.initial_for(expert_profile_for(user=user), user))
    if step == "domains":
        chosen = list(ExpertDomain.objects.filter(expert=user).select_related("domain"))
        return DomainsForm(data, domains=list(Domain.objects.all()), initial=DomainsForm.initial_for(chosen))
    return TermsForm(data)


def _step_save(step: str, user, cleaned: dict) -> None:
    if step == "profile":
        expert_profile_update(
            user=user,
            display_name=cleaned["display_name"],
            country=cleaned["country"],
            timezone=cleaned["timezone"],
            languages=cleaned["languages"],
            education=cleaned["education"],
            occupation=cleaned["occupation"],
            bio=cleaned["bio"],
        )
    elif step == "domains":
        expert_domains_set(user=user, domains=cleaned["domains"])
    else:
        expert_terms_accept(user=user, version=cleaned["version"])


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Where an expert lands after signing in: what is left to do, where they stand, what they hold."""
    return render(
        request,
        "accounts/dashboard.html",
        {"checklist": onboarding_checklist(user=request.user), "standing": expert_standing(user=request.user)},
    )


@login_required
@require_safe
def eligibility(request: HttpRequest) -> HttpResponse:
    """Check the signed-in expert against requirements given in the query string or picked in the form."""
    asked = requirements_dict_from_query(request.GET)
    context = {"form": EligibilityForm(asked=asked), "error": None, "result": None, "described": []}
    try:
        requirements = Requirements.from_dict(asked)
    except ApplicationError as exc:
        context["error"] = exc
    else:
        context["result"] = eligibility_check(expert=request.user, requirements=requirements)
        context["described"] = requirements_describe(requirements)
    return render(request, "accounts/eligibility.html", context)


@require_safe
def expert_terms(request: HttpRequest) -> HttpResponse:
    """The current expert terms, readable before signing up."""
    return render(request, "accounts/onboarding/terms_page.html", {"terms_version": settings.EXPERT_TERMS_VERSION})
