"""Projects: creation from a preset or a full template, versioned content, and status transitions."""

from typing import Any

from django.db import transaction

from accounts.models import Organization, User
from accounts.selectors.eligibility import Requirements
from marketplace.errors import Conflict, ValidationFailed
from projects.models import Preset, Project, ProjectVersion
from projects.presets import preset_template
from projects.templates import template_validate

Status = Project.Status

#: Which status a project may move to from each status.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.ACTIVE, Status.ARCHIVED}),
    Status.ACTIVE: frozenset({Status.PAUSED, Status.COMPLETED}),
    Status.PAUSED: frozenset({Status.ACTIVE, Status.COMPLETED}),
    Status.COMPLETED: frozenset({Status.ARCHIVED}),
    Status.ARCHIVED: frozenset(),
}

SETTING_LIMITS = {
    "pay_per_task": (0, 10_000_000),
    "estimated_minutes": (1, 24 * 60),
    "overlap": (1, 50),
    "lease_minutes": (5, 24 * 60),
    "max_active_leases_per_expert": (1, 100),
    "gold_rate": (0, 100),
    "priority": (-100, 100),
}


def _settings_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, (low, high) in SETTING_LIMITS.items():
        if name not in values:
            continue
        value = values[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[name] = [f"must be a whole number from {low} to {high}"]
    maximum = values.get("max_tasks_per_expert")
    if maximum is not None and (not isinstance(maximum, int) or maximum < 1):
        errors["max_tasks_per_expert"] = ["must be empty (no limit) or a whole number of at least 1"]
    currency = values.get("currency")
    if currency is not None and (not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha()):
        errors["currency"] = ["must be a three-letter ISO 4217 code such as USD or EUR"]
    return errors


def _checked(*, template: dict, requirements: dict | None, settings: dict[str, Any]) -> tuple[dict, dict]:
    errors = _settings_errors(settings)
    try:
        template = template_validate(template)
    except ValidationFailed as exc:
        errors.update(
            {f"template.{path}": reasons for path, reasons in exc.details.items()} or {"template": [exc.message]}
        )
    try:
        requirements = Requirements.from_dict(requirements or {}).to_dict()
    except ValidationFailed as exc:
        errors.update({f"requirements.{path}": reasons for path, reasons in exc.details.items()})
    if errors:
        first, reasons = next(iter(errors.items()))
        raise ValidationFailed(f"The project was not saved: {first} {reasons[0]}.", details=errors)
    return template, requirements


@transaction.atomic
def project_create(
    *,
    organization: Organization,
    created_by: User | None,
    name: str,
    preset: str = Preset.CUSTOM,
    template: dict | None = None,
    instructions: str = "",
    description: str = "",
    requirements: dict | None = None,
    pay_per_task: int,
    estimated_minutes: int,
    currency: str = "USD",
    overlap: int = 1,
    lease_minutes: int = 60,
    max_active_leases_per_expert: int = 1,
    max_tasks_per_expert: int | None = None,
    gold_rate: int = 0,
    priority: int = 0,
) -> Project:
    """A draft project with its first version. A preset fills the template unless one is given."""
    name = name.strip()
    if not name:
        raise ValidationFailed("A project needs a name.", details={"name": ["This field is required."]})
    if preset not in Preset.values:
        raise ValidationFailed(f"Unknown preset “{preset}”.", details={"preset": [f"Choose one of {Preset.values}."]})
    if template is None:
        if preset == Preset.CUSTOM:
            raise ValidationFailed("A custom project needs a template.", details={"template": ["Required."]})
        template = preset_template(preset)
    values = {
        "pay_per_task": pay_per_task,
        "estimated_minutes": estimated_minutes,
        "currency": currency,
        "overlap": overlap,
        "lease_minutes": lease_minutes,
        "max_active_leases_per_expert": max_active_leases_per_expert,
        "max_tasks_per_expert": max_tasks_per_expert,
        "gold_rate": gold_rate,
        "priority": priority,
    }
    template, requirements = _checked(template=template, requirements=requirements, settings=values)
    project = Project.objects.create(
        organization=organization,
        created_by=created_by,
        name=name,
        description=description.strip(),
        preset=preset,
        requirements=requirements,
        **{**values, "currency": currency.upper()},
    )
    version = ProjectVersion.objects.create(
        organization=organization,
        project=project,
        number=1,
        instructions=instructions,
        template=template,
        created_by=created_by,
    )
    project.current_version = version
    project.save(update_fields=["current_version"])
    return project


@transaction.atomic
def project_content_update(*, project: Project, template: dict, instructions: str, by: User | None) -> ProjectVersion:
    """Change the template or instructions. A draft's version is edited in place; once experts may
    have seen it (active, paused, completed), a change makes a new version, so every submission
    keeps pointing at exactly what its expert saw. Saving identical content changes nothing."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status == Status.ARCHIVED:
        raise Conflict("An archived project cannot be changed.")
    template, _ = _checked(template=template, requirements=project.requirements, settings={})
    current = project.current_version
    if current.template == template and current.instructions == instructions:
        return current
    if project.status == Status.DRAFT:
        current.template, current.instructions = template, instructions
        current.save(update_fields=["template", "instructions"])
        return current
    version = ProjectVersion.objects.create(
        organization=project.organization,
        project=project,
        number=current.number + 1,
        instructions=instructions,
        template=template,
        created_by=by,
    )
    project.current_version = version
    project.save(update_fields=["current_version", "updated"])
    return version


@transaction.atomic
def project_transition(*, project: Project, to_status: str) -> Project:
    """Move a project along its life: draft → active ⇄ paused → completed → archived."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if to_status == project.status:
        return project
    if to_status not in TRANSITIONS.get(project.status, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS[project.status])) or "nothing: it is final"
        raise Conflict(
            f"A {project.get_status_display().lower()} project cannot become {to_status}; it can become {allowed}.",
            details={"status": [f"Not allowed from {project.status}."]},
        )
    project.status = to_status
    project.save(update_fields=["status", "updated"])
    return project
