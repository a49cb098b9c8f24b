"""Reads that encode the claiming rules: why an expert cannot claim a task in a project right now.

``claim_blockers`` answers in plain words, in the order an expert should act on them: eligibility,
the project's state, their personal limits, then what is left in the project. An empty list means
nothing stands in the way (a claim that still found nothing lost a race and may simply be retried).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors.eligibility import Eligibility, Requirements, eligibility_check
from marketplace.errors import ValidationFailed
from projects.models import Assignment, Project, Task

# The expert workspace names its page for one lease this way; until it exists, reasons name the task instead.
WORKSPACE_URL_NAME = "projects:workspace"

PROJECT_STATUS_REASONS = {
    Project.Status.DRAFT: "This project is not open yet; its tasks can be claimed once the lab opens it.",
    Project.Status.PAUSED: "This project is paused; its tasks can be claimed again when the lab resumes it.",
    Project.Status.COMPLETED: "This project is completed; it has no more work.",
    Project.Status.ARCHIVED: "This project is archived; it has no more work.",
}


def lease_clock(moment: datetime.datetime, *, now: datetime.datetime) -> str:
    """ "14:32 UTC", with the date when it is not today: "09:10 UTC on 27 November"."""
    moment = moment.astimezone(datetime.UTC)
    text = f"{moment:%H:%M} UTC"
    if moment.date() != now.astimezone(datetime.UTC).date():
        text += f" on {moment.day} {moment:%B}"
    return text


def assignment_url(assignment: Assignment) -> str | None:
    """The workspace page of a lease, when the workspace is installed."""
    try:
        return reverse(WORKSPACE_URL_NAME, args=[assignment.pk])
    except NoReverseMatch:
        return None


def project_requirements_check(*, expert: User, project: Project) -> Eligibility:
    """Whether ``expert`` meets ``project``'s requirements (uncached; see ``projects.services.claims``)."""
    try:
        requirements = Requirements.from_dict(project.requirements)
    except ValidationFailed:
        return Eligibility(
            eligible=False,
            reasons=[
                "This project's requirements are not valid, so nobody can claim its tasks until the lab fixes them"
            ],
        )
    return eligibility_check(expert=expert, requirements=requirements)


def _held_reason(*, held: list[Assignment], limit: int, now: datetime.datetime) -> str:
    first = held[0]
    url = assignment_url(first)
    until = lease_clock(first.expires_at, now=now)
    if limit == 1:
        where = url or f"task “{first.task.external_id}”, yours until {until}"
        return f"You already hold a task in this project: {where}. Submit or skip it before claiming another."
    where = url or f"the first, task “{first.task.external_id}”, is yours until {until}"
    return (
        f"You already hold {len(held)} tasks in this project, the most it allows at once: {where}. "
        "Submit or skip one before claiming another."
    )


def claim_blockers(
    *,
    expert: User,
    project: Project,
    now: datetime.datetime | None = None,
    eligibility: Eligibility | None = None,
) -> list[str]:
    """Why ``expert`` cannot claim a task in ``project`` now, in plain words; empty when nothing blocks.

    Reads the project afresh (the caller's instance may be stale). ``eligibility`` may be passed when
    the caller has just computed it, to save the queries.
    """
    now = now or timezone.now()
    project = Project.objects.filter(pk=project.pk).first()
    if project is None:
        return ["This project no longer exists."]

    if eligibility is None:
        eligibility = project_requirements_check(expert=expert, project=project)
    reasons = [f"{reason}." if not reason.endswith(".") else reason for reason in eligibility.reasons]
    if project.status in PROJECT_STATUS_REASONS:
        reasons.append(PROJECT_STATUS_REASONS[project.status])
    if reasons:
        # Someone who may not work here learns nothing about the project's tasks.
        return reasons

    mine = Assignment.objects.filter(expert=expert, project=project)
    live = Q(status=Assignment.Status.LIVE, expires_at__gt=now)
    load = mine.aggregate(
        live=Count("pk", filter=live),
        counted=Count("pk", filter=live | Q(status=Assignment.Status.SUBMITTED)),
    )
    limit = project.max_tasks_per_expert
    if limit is not None and load["counted"] >= limit:
        plural = "task" if limit == 1 else "tasks"
        return [f"You have reached this project's limit of {limit} {plural} per expert."]
    if load["live"] >= project.max_active_leases_per_expert:
        held = list(mine.filter(live).select_related("task").order_by("expires_at", "pk"))
        return [_held_reason(held=held, limit=project.max_active_leases_per_expert, now=now)]

    return _task_blockers(expert=expert, project=project, now=now)


def _task_blockers(*, expert: User, project: Project, now: datetime.datetime) -> list[str]:
    """What is left in the project for this expert: nothing blocks, others hold it all, or nothing is left."""
    held_before = Assignment.objects.filter(task=OuterRef("task_id"), expert=expert)
    never_held = ~Exists(Assignment.objects.filter(task=OuterRef("pk"), expert=expert))
    tasks = Task.objects.filter(project=project)
    if tasks.filter(never_held, remaining__gt=0).exists():
        return []  # open right now: a concurrent claim had it locked
    leases = Assignment.objects.filter(project=project, status=Assignment.Status.LIVE).exclude(Exists(held_before))
    if leases.filter(expires_at__lte=now).exists():
        return []  # a slot held by a lapsed lease, which the next claim takes over
    next_end = leases.exclude(expert=expert).aggregate(next_end=Min("expires_at"))["next_end"]
    if next_end is not None:
        return [
            f"All remaining tasks are held by other experts; the next lease ends at {lease_clock(next_end, now=now)}."
        ]

    # Whatever is unfinished is work this expert already had, or there is nothing unfinished at all.
    others_live = Assignment.objects.filter(task=OuterRef("task_id"), status=Assignment.Status.LIVE).exclude(
        expert=expert
    )
    had = Assignment.objects.filter(expert=expert, project=project).filter(
        Q(task__remaining__gt=0) | Exists(others_live)
    )
    statuses = set(had.order_by().values_list("status", flat=True).distinct())
    if statuses == {Assignment.Status.SUBMITTED}:
        return ["You have already answered every remaining task in this project."]
    if Assignment.Status.LIVE in statuses:
        return [
            "Every remaining task in this project is one you hold now or have already had; "
            "a task never goes to the same expert twice."
        ]
    if statuses:
        return [
            "You have already answered or passed on every remaining task in this project; "
            "a task never goes to the same expert twice, even after a skip or an expired lease."
        ]
    if not tasks.exists():
        return ["This project has no tasks yet."]
    return ["No tasks left: every task in this project has all the responses it needs."]
