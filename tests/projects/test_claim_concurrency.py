"""Claims under real concurrency: threads acting as different experts, on PostgreSQL and on a SQLite file.

The SQLite test cannot use the suite's database (an in-memory SQLite has no file locking to test), so
it runs ``sqlite_race`` below in a fresh interpreter pointed at a SQLite file, and checks its report.
"""

import datetime
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from projects.models import Assignment, Project, Task
from projects.services.claims import (
    LeaseEnded,
    NothingToClaim,
    assignment_lock_for_submit,
    assignment_release,
    assignments_expire,
    task_claim_next,
)
from tests.concurrency import run_concurrently
from tests.factories import ExpertProfileFactory, ProjectFactory, UserFactory

REPO_ROOT = Path(__file__).resolve().parents[2]


def _experts(count: int) -> list[User]:
    experts = []
    for _ in range(count):
        user = UserFactory()
        ExpertProfileFactory(
            user=user,
            ready=True,
        )
        experts.append(user)
    return experts


def _tasks(project: Project, count: int) -> None:
    Task.objects.bulk_create(
        Task(
            organization=project.organization,
            project=project,
            external_id=f"t-{n}",
            data={"prompt": f"Question {n}"},
            priority=n % 3,
            remaining=project.overlap,
        )
        for n in range(count)
    )


def _submit(lease: Assignment, expert: User) -> None:
    """The submit service's part that matters here: lock the lease, then mark it submitted."""
    with transaction.atomic():
        locked = assignment_lock_for_submit(assignment_id=lease.pk, expert=expert)
        locked.status = Assignment.Status.SUBMITTED
        locked.ended_at = timezone.now()
        locked.save(update_fields=["status", "ended_at"])


def _exhausted(project_id: int) -> bool:
    return not (
        Task.objects.filter(project_id=project_id, remaining__gt=0).exists()
        or Assignment.objects.filter(project_id=project_id, status=Assignment.Status.LIVE).exists()
    )


def _worker(*, expert_id: int, project_id: int, seed: int, seconds: float, release_rate: float, lapse_rate: float):
    """Claim and submit until the project is done; sometimes skip, sometimes let the lease lapse.

    Returns a Counter of what happened, with unexpected exceptions under "errors" (as text).
    """
    expert = User.objects.get(pk=expert_id)
    project = Project.objects.get(pk=project_id)
    rng = random.Random(seed)
    seen: Counter = Counter()
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            lease = task_claim_next(expert=expert, project=project)
        except NothingToClaim:
            if _exhausted(project_id):
                break
            seen["waits"] += 1
            if seen["waits"] % 10 == 0:
                seen["swept"] += assignments_expire()
            time.sleep(rng.uniform(0.001, 0.01))
            continue
        except Exception as exc:  # an expert must never see anything else
            errors.append(f"claim: {exc!r}")
            continue
        seen["claims"] += 1
        roll = rng.random()
        try:
            if roll < release_rate:
                assignment_release(assignment=lease, expert=expert, reason="not for me")
                seen["released"] += 1
            elif roll < release_rate + lapse_rate:
                Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
                try:
                    _submit(lease, expert)
                    errors.append("submit: a lapsed lease was accepted")
                except LeaseEnded:
                    seen["lapsed"] += 1
            else:
                _submit(lease, expert)
                seen["submitted"] += 1
        except Exception as exc:
            errors.append(f"after claim: {exc!r}")
    else:
        errors.append("gave up: the project was not done in time")
    seen["errors"] = errors  # type: ignore[assignment]
    return seen


def _check_project_done(project: Project) -> dict:
    """What must hold once everything is submitted; returns a few figures for the report."""
    per_task = Task.objects.filter(project=project).annotate(
        submitted=Count("assignments", filter=Q(assignments__status="submitted")),
        experts=Count("assignments__expert", filter=Q(assignments__status="submitted"), distinct=True),
        live=Count("assignments", filter=Q(assignments__status="live")),
    )
    wrong = [
        (task.external_id, task.remaining, task.submitted, task.experts, task.live)
        for task in per_task
        if (task.submitted, task.experts, task.remaining, task.live) != (project.overlap, project.overlap, 0, 0)
    ]
    duplicates = (
        Assignment.objects.filter(project=project).values("task", "expert").annotate(n=Count("pk")).filter(n__gt=1)
    )
    return {"wrong_tasks": wrong[:10], "wrong_count": len(wrong), "duplicates": duplicates.count()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_two_experts_exhaust_a_project_without_breaking_a_rule():
    # Given 2,000 tasks that each need 3 distinct experts, and 32 experts
    project = ProjectFactory(overlap=3, lease_minutes=30, max_active_leases_per_expert=1)
    _tasks(project, 2000)
    experts = _experts(32)

    # When they all claim and submit at once, sometimes skipping, sometimes letting a lease lapse
    outcome = run_concurrently(
        lambda expert_id, seed: _worker(
            expert_id=expert_id, project_id=project.pk, seed=seed, seconds=150, release_rate=0.03, lapse_rate=0.03
        ),
        [(expert.pk, n) for n, expert in enumerate(experts)],
    )

    # Then every task has exactly three submissions from three experts, and nothing else went wrong
    assert outcome.errors == []
    errors = [error for result in outcome.results for error in result["errors"]]
    assert errors == []
    totals = sum((Counter({k: v for k, v in r.items() if k != "errors"}) for r in outcome.results), Counter())
    assert totals["submitted"] == 2000 * 3
    assert totals["released"] > 0 and totals["lapsed"] > 0
    report = _check_project_done(project)
    assert report == {"wrong_tasks": [], "wrong_count": 0, "duplicates": 0}
    statuses = Counter(Assignment.objects.filter(project=project).values_list("status", flat=True))
    assert statuses["live"] == 0
    assert statuses["released"] == totals["released"]
    assert statuses["expired"] == totals["lapsed"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_expert_clicking_many_times_at_once_gets_one_lease():
    project = ProjectFactory(overlap=1, max_active_leases_per_expert=1)
    _tasks(project, 50)
    (expert,) = _experts(1)
    task_claim_next(expert=expert, project=project, now=timezone.now() - datetime.timedelta(hours=2))  # warm cache
    Assignment.objects.all().update(status=Assignment.Status.SUBMITTED)

    outcome = run_concurrently(lambda: task_claim_next(expert=expert, project=project), 16)

    assert len(outcome.results) == 1
    assert len(outcome.errors) == 15
    assert all(isinstance(error, NothingToClaim) for error in outcome.errors)
    assert all(error.reasons[0].startswith("You already hold a task in this project") for error in outcome.errors)
    assert Assignment.objects.filter(expert=expert, status=Assignment.Status.LIVE).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_expire_each_lease_once():
    project = ProjectFactory(overlap=2, lease_minutes=5, max_active_leases_per_expert=1000)
    _tasks(project, 300)
    experts = _experts(2)
    past = timezone.now() - datetime.timedelta(hours=1)
    for expert in experts:
        for _ in range(300):
            task_claim_next(expert=expert, project=project, now=past)

    outcome = run_concurrently(lambda: assignments_expire(batch=50), 6)

    assert outcome.errors == []
    assert sum(outcome.results) == 600
    assert Assignment.objects.filter(status=Assignment.Status.EXPIRED).count() == 600
    assert set(Task.objects.filter(project=project).values_list("remaining", flat=True)) == {2}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claims_and_sweeps_racing_for_lapsed_slots_keep_the_counters_right():
    project = ProjectFactory(overlap=1, lease_minutes=5, max_active_leases_per_expert=1000)
    _tasks(project, 200)
    holder, *claimers = _experts(9)
    past = timezone.now() - datetime.timedelta(hours=1)
    for _ in range(200):
        task_claim_next(expert=holder, project=project, now=past)

    def claim_or_sweep(expert_id: int | None):
        if expert_id is None:
            return ("swept", assignments_expire(batch=20))
        expert = User.objects.get(pk=expert_id)
        taken = 0
        while True:
            try:
                task_claim_next(expert=expert, project=project)
                taken += 1
            except NothingToClaim:
                return ("claimed", taken)

    outcome = run_concurrently(claim_or_sweep, [(expert.pk,) for expert in claimers] + [(None,)] * 3)

    assert outcome.errors == []
    claimed = sum(n for kind, n in outcome.results if kind == "claimed")
    swept = sum(n for kind, n in outcome.results if kind == "swept")
    assert claimed == 200
    assert Assignment.objects.filter(expert=holder, status=Assignment.Status.EXPIRED).count() == 200
    assert swept <= 200
    tasks = Task.objects.filter(project=project).annotate(
        live=Count("assignments", filter=Q(assignments__status="live"))
    )
    assert {(task.remaining, task.live) for task in tasks} == {(0, 1)}


# --- SQLite, in a file -------------------------------------------------------------------------


def sqlite_race(*, threads: int = 8, tasks: int = 60, overlap: int = 2) -> dict:
    """Run in a fresh interpreter on a SQLite file: migrate, then race ``threads`` experts to the end."""
    from django.core.management import call_command

    assert connection.vendor == "sqlite" and connection.settings_dict["NAME"] != ":memory:"
    call_command("migrate", verbosity=0)
    project = ProjectFactory(overlap=overlap, lease_minutes=30, max_active_leases_per_expert=1)
    _tasks(project, tasks)
    experts = _experts(threads)
    connection.close()

    outcome = run_concurrently(
        lambda expert_id, seed: _worker(
            expert_id=expert_id, project_id=project.pk, seed=seed, seconds=90, release_rate=0.05, lapse_rate=0.05
        ),
        [(expert.pk, n) for n, expert in enumerate(experts)],
    )
    errors = [repr(error) for error in outcome.errors]
    errors += [error for result in outcome.results for error in result["errors"]]
    totals = sum((Counter({k: v for k, v in r.items() if k != "errors"}) for r in outcome.results), Counter())
    return {"errors": errors, "totals": dict(totals), **_check_project_done(project)}


def test_threads_on_a_sqlite_file_never_duplicate_and_never_see_a_locked_database(tmp_path):
    # Given a fresh SQLite file and the settings' IMMEDIATE transactions with a busy timeout
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'race.sqlite3'}",
        DJANGO_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="marketplace.settings",
    )
    script = (
        "import json, django; django.setup(); "
        "from tests.projects.test_claim_concurrency import sqlite_race; "
        "print('REPORT ' + json.dumps(sqlite_race()))"
    )

    # When eight experts race through sixty tasks that each need two of them
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )

    # Then nobody saw an error, no task went twice to one expert, and every task got exactly two answers
    assert finished.returncode == 0, finished.stderr[-3000:]
    line = next(line for line in finished.stdout.splitlines() if line.startswith("REPORT "))
    report = json.loads(line.removeprefix("REPORT "))
    assert report["errors"] == []
    assert "database is locked" not in finished.stderr
    assert (report["duplicates"], report["wrong_count"]) == (0, 0), report
    assert report["totals"]["submitted"] == 60 * 2
