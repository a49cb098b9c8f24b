"""Submissions: an expert's answers to a task they hold, validated, stored once, never changed."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from marketplace.errors import ValidationFailed
from projects.models import Assignment, ProjectVersion, Submission
from projects.services.claims import assignment_lock_for_submit
from projects.templates import answers_validate

#: Telemetry the workspace reports; each a whole number of at least zero.
TELEMETRY_KEYS = ("typed_chars", "pasted_chars", "focus_losses", "idle_seconds")
#: Slack for clocks and network when comparing reported active time with the lease's age.
ACTIVE_TIME_GRACE_SECONDS = 30


def _telemetry_checked(telemetry: Any) -> dict[str, int]:
    telemetry = telemetry or {}
    if not isinstance(telemetry, dict):
        raise ValidationFailed("Telemetry must be an object.", details={"telemetry": ["must be a JSON object"]})
    errors, cleaned = {}, {}
    for key, value in telemetry.items():
        if key not in TELEMETRY_KEYS:
            errors[f"telemetry.{key}"] = [f"is not a telemetry field; expected one of {', '.join(TELEMETRY_KEYS)}"]
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[f"telemetry.{key}"] = ["must be a whole number of at least 0"]
        else:
            cleaned[key] = value
    if errors:
        raise ValidationFailed("The submission's telemetry is invalid.", details=errors)
    return cleaned


@transaction.atomic
def submission_submit(
    *,
    assignment_id: int,
    expert: User,
    answers: Any,
    active_seconds: int,
    telemetry: dict | None = None,
    version_id: int | None = None,
    now: datetime.datetime | None = None,
) -> Submission:
    """Store ``expert``'s answers to the task of their live lease, and end the lease as submitted.

    The answers are checked against the questions of the version the expert worked under (the one
    the workspace rendered, ``version_id``, or the project's current one), with an error per
    question; nothing is stored when anything is wrong, and the lease stays live so the expert can
    correct and submit again. A lease that expired, was released or is someone else's is refused
    and nothing is stored. The active time measured in the page is kept as reported but never more
    than the lease's age on the server clock (plus a little slack); the telemetry notes when it was
    capped. The task's ``remaining`` counter is untouched: the slot passes from lease to response.
    """
    now = now or timezone.now()
    lease = assignment_lock_for_submit(assignment_id=assignment_id, expert=expert, now=now)
    project = lease.project
    if version_id is None or version_id == project.current_version_id:
        version = ProjectVersion.objects.get(pk=project.current_version_id)
    else:
        version = ProjectVersion.objects.filter(pk=version_id, project_id=project.pk).first()
        if version is None:
            raise ValidationFailed(
                "This page shows a version of the project that does not exist; reload it.",
                details={"version_id": ["not a version of this project"]},
            )
    if not isinstance(active_seconds, int) or isinstance(active_seconds, bool) or active_seconds < 0:
        raise ValidationFailed(
            "The active time must be a whole number of seconds.",
            details={"active_seconds": ["must be a whole number of at least 0"]},
        )
    cleaned_telemetry = _telemetry_checked(telemetry)
    cleaned_answers = answers_validate(version.template, answers, task_data=lease.task.data)
    elapsed = int((now - lease.claimed_at).total_seconds()) + ACTIVE_TIME_GRACE_SECONDS
    if active_seconds > elapsed:
        cleaned_telemetry["active_seconds_reported"] = active_seconds
        active_seconds = max(elapsed - ACTIVE_TIME_GRACE_SECONDS, 0)
    submission = Submission.objects.create(
        organization_id=lease.organization_id,
        project=project,
        task_id=lease.task_id,
        assignment=lease,
        expert=expert,
        version=version,
        answers=cleaned_answers,
        active_seconds=active_seconds,
        telemetry=cleaned_telemetry,
        submitted_at=now,
    )
    Assignment.objects.filter(pk=lease.pk).update(status=Assignment.Status.SUBMITTED, ended_at=now, draft={})
    return submission
