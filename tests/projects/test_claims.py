import datetime

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, Q
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Domain, ExpertProfile, Level
from marketplace.errors import NotFound, ValidationFailed
from projects.models import Assignment, Project, Task
from projects.selectors import claim_blockers
from projects.services import claims
from projects.services.claims import (
    LeaseEnded,
    NothingToClaim,
    assignment_heartbeat,
    assignment_lock_for_submit,
    assignment_release,
    assignments_expire,
    claim_eligibility_forget,
    task_claim_next,
)
from projects.tasks import assignments_expire_task
from tests.factories import ExpertProfileFactory, ProjectFactory, QualificationFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 14, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


def _expert(email: str | None = None, **profile):
    """An active expert who has finished onboarding: eligible for a project with no requirements."""
    user = UserFactory(**({"email": email} if email else {}))
    ExpertProfileFactory(
        user=user,
        ready=True,
        **profile,
    )
    return user


def _project(**kwargs) -> Project:
    return ProjectFactory(**kwargs)


def _task(project: Project, **kwargs) -> Task:
    return TaskFactory(project=project, **kwargs)


def _gold_task(project: Project, **kwargs) -> Task:
    return TaskFactory(project=project, is_gold=True, gold={"answer": "known"}, **kwargs)


def _submit(lease: Assignment, expert, *, now=NOW) -> Assignment:
    """What the submit service does with the lease: lock it, then mark it submitted."""
    with transaction.atomic():
        locked = assignment_lock_for_submit(assignment_id=lease.pk, expert=expert, now=now)
        locked.status = Assignment.Status.SUBMITTED
        locked.ended_at = now
        locked.save(update_fields=["status", "ended_at"])
    return locked


def _assert_counters_consistent(project: Project) -> None:
    """``remaining`` is overlap minus live and submitted assignments, for every task of the project."""
    tasks = Task.objects.filter(project=project).annotate(
        taken=Count("assignments", filter=Q(assignments__status__in=["live", "submitted"]))
    )
    for task in tasks:
        assert task.remaining == project.overlap - task.taken, task
        assert task.taken <= project.overlap


def _reasons(excinfo) -> str:
    return " ".join(excinfo.value.reasons)


def _statements(captured: list[dict]) -> list[str]:
    """The SQL statements run, without transaction control (BEGIN, COMMIT, savepoints)."""
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [q["sql"] for q in captured if not q["sql"].startswith(control)]


# --- the claim --------------------------------------------------------------------------------


def test_claim_gives_a_live_lease_and_takes_a_slot():
    project = _project(overlap=2, lease_minutes=30)
    task = _task(project)
    expert = _expert()

    lease = task_claim_next(expert=expert, project=project, now=NOW)

    assert lease.pk is not None
    stored = Assignment.objects.get(pk=lease.pk)
    assert (stored.task_id, stored.expert_id, stored.status) == (task.pk, expert.pk, Assignment.Status.LIVE)
    assert stored.organization_id == project.organization_id
    assert stored.claimed_at == NOW
    assert stored.expires_at == NOW + 30 * MINUTE == lease.expires_at
    task.refresh_from_db()
    assert task.remaining == 1
    _assert_counters_consistent(project)


def test_claims_follow_priority_then_age():
    project = _project(max_active_leases_per_expert=10)
    low = _task(project, priority=0)
    high_old = _task(project, priority=5)
    middle = _task(project, priority=1)
    high_new = _task(project, priority=5)
    expert = _expert()

    order = [task_claim_next(expert=expert, project=project, now=NOW).task_id for _ in range(4)]

    assert order == [high_old.pk, high_new.pk, middle.pk, low.pk]


def test_expert_never_gets_a_task_they_released():
    project = _project(overlap=2)
    task = _task(project)
    expert, other = _expert(), _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)
    assignment_release(assignment=lease, expert=expert, now=NOW)

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=expert, project=project, now=NOW + MINUTE)

    assert "passed on every remaining task" in _reasons(excinfo)
    assert Assignment.objects.filter(expert=expert).count() == 1
    assert task_claim_next(expert=other, project=project, now=NOW).task_id == task.pk


def test_expert_never_gets_a_task_whose_lease_they_let_expire():
    project = _project(overlap=2, lease_minutes=10)
    task = _task(project)
    expert = _expert()
    task_claim_next(expert=expert, project=project, now=NOW)
    later = NOW + 11 * MINUTE

    assert assignments_expire(now=later) == 1
    with pytest.raises(NothingToClaim):
        task_claim_next(expert=expert, project=project, now=later)

    assert list(Assignment.objects.filter(task=task).values_list("status", flat=True)) == ["expired"]
    task.refresh_from_db()
    assert task.remaining == 2


def test_overlap_is_never_exceeded():
    project = _project(overlap=2, lease_minutes=30)
    task = _task(project)
    first, second, third = _expert(), _expert(), _expert()
    task_claim_next(expert=first, project=project, now=NOW)
    task_claim_next(expert=second, project=project, now=NOW + MINUTE)

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=third, project=project, now=NOW + 2 * MINUTE)

    assert excinfo.value.reasons == ["All remaining tasks are held by other experts; the next lease ends at 14:30 UTC."]
    assert Assignment.objects.filter(task=task).count() == 2
    task.refresh_from_db()
    assert task.remaining == 0


def test_expired_lease_frees_its_slot_through_the_sweep():
    project = _project(lease_minutes=10)
    task = _task(project)
    holder, newcomer = _expert(), _expert()
    lease = task_claim_next(expert=holder, project=project, now=NOW)

    expired = assignments_expire(now=NOW + 10 * MINUTE)

    assert expired == 1
    lease.refresh_from_db()
    assert (lease.status, lease.ended_at) == (Assignment.Status.EXPIRED, NOW + 10 * MINUTE)
    task.refresh_from_db()
    assert task.remaining == 1
    assert task_claim_next(expert=newcomer, project=project, now=NOW + 11 * MINUTE).task_id == task.pk
    _assert_counters_consistent(project)


def test_expired_lease_frees_its_slot_in_the_claim_itself():
    project = _project(lease_minutes=10)
    task = _task(project)
    holder, newcomer = _expert(), _expert()
    old = task_claim_next(expert=holder, project=project, now=NOW)

    new = task_claim_next(expert=newcomer, project=project, now=NOW + 11 * MINUTE)

    assert new.task_id == task.pk
    old.refresh_from_db()
    assert (old.status, old.ended_at) == (Assignment.Status.EXPIRED, NOW + 11 * MINUTE)
    task.refresh_from_db()
    assert task.remaining == 0  # the slot passed from the old lease to the new one
    _assert_counters_consistent(project)
    assert assignments_expire(now=NOW + 12 * MINUTE) == 0


def test_lapsed_slot_of_a_higher_priority_task_comes_before_an_open_one():
    project = _project(lease_minutes=10)
    urgent = _task(project, priority=9)
    routine = _task(project, priority=0)
    holder, newcomer = _expert(), _expert()
    assert task_claim_next(expert=holder, project=project, now=NOW).task_id == urgent.pk

    lease = task_claim_next(expert=newcomer, project=project, now=NOW + 11 * MINUTE)

    assert lease.task_id == urgent.pk
    routine.refresh_from_db()
    assert routine.remaining == 1
    _assert_counters_consistent(project)


def test_own_lapsed_lease_does_not_count_against_the_active_limit():
    project = _project(lease_minutes=10, max_active_leases_per_expert=1)
    first, second = _task(project), _task(project)
    expert = _expert()
    task_claim_next(expert=expert, project=project, now=NOW)

    lease = task_claim_next(expert=expert, project=project, now=NOW + 11 * MINUTE)

    assert lease.task_id == second.pk
    assert first.assignments.get().status == Assignment.Status.LIVE  # lapsed, left for the sweep
    _assert_counters_consistent(project)


def test_double_click_says_you_already_hold_a_task():
    project = _project(max_active_leases_per_expert=1)
    task = _task(project)
    _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=expert, project=project, now=NOW)

    assert excinfo.value.held == lease
    assert excinfo.value.details["held_assignment"] == lease.pk
    assert excinfo.value.reasons == [
        f"You already hold a task in this project: task “{task.external_id}”, yours until 15:00 UTC. "
        "Submit or skip it before claiming another."
    ]
    assert Assignment.objects.filter(expert=expert).count() == 1


def test_active_lease_limit_above_one():
    project = _project(max_active_leases_per_expert=2)
    for _ in range(3):
        _task(project)
    expert = _expert()
    task_claim_next(expert=expert, project=project, now=NOW)
    task_claim_next(expert=expert, project=project, now=NOW)

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=expert, project=project, now=NOW)

    assert _reasons(excinfo).startswith("You already hold 2 tasks in this project, the most it allows at once")
    assert Assignment.objects.filter(expert=expert).count() == 2


def test_task_limit_counts_live_and_submitted_but_not_released():
    project = _project(max_tasks_per_expert=2, max_active_leases_per_expert=5)
    for _ in range(5):
        _task(project)
    expert = _expert()
    _submit(task_claim_next(expert=expert, project=project, now=NOW), expert)
    skipped = task_claim_next(expert=expert, project=project, now=NOW)
    assignment_release(assignment=skipped, expert=expert, now=NOW)
    task_claim_next(expert=expert, project=project, now=NOW)

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=expert, project=project, now=NOW)

    assert excinfo.value.reasons == ["You have reached this project's limit of 2 tasks per expert."]
    assert Assignment.objects.filter(expert=expert).count() == 3


def test_gold_rate_zero_serves_normal_tasks_first():
    project = _project(gold_rate=0, max_active_leases_per_expert=10)
    gold = _gold_task(project, priority=9)
    normal = [_task(project), _task(project)]
    expert = _expert()

    order = [task_claim_next(expert=expert, project=project, now=NOW).task_id for _ in range(3)]

    assert order == [normal[0].pk, normal[1].pk, gold.pk]  # gold only once nothing else is left


def test_gold_rate_hundred_serves_gold_tasks_first():
    project = _project(gold_rate=100, max_active_leases_per_expert=10)
    normal = _task(project, priority=9)
    gold = [_gold_task(project), _gold_task(project)]
    expert = _expert()

    order = [task_claim_next(expert=expert, project=project, now=NOW).task_id for _ in range(3)]

    assert order == [gold[0].pk, gold[1].pk, normal.pk]


def test_gold_draw_follows_the_rate(monkeypatch):
    project = _project(gold_rate=30, max_active_leases_per_expert=10)
    gold, normal = _gold_task(project), _task(project)
    expert = _expert()
    draws = iter([30, 29])  # 30 is not below the rate of 30: normal; 29 is: gold
    monkeypatch.setattr(claims.secrets, "randbelow", lambda limit: next(draws))

    first = task_claim_next(expert=expert, project=project, now=NOW)
    second = task_claim_next(expert=expert, project=project, now=NOW)

    assert (first.task_id, second.task_id) == (normal.pk, gold.pk)


def test_ineligible_expert_is_refused_with_the_reasons():
    project = _project(requirements={"domains": [{"domain": "physics", "level": Level.EXPERT}]})
    task = _task(project)
    expert = _expert()
    QualificationFactory(expert=expert, domain=Domain.objects.get(slug="physics"), level=Level.PROFESSIONAL)

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=expert, project=project, now=NOW)

    assert excinfo.value.reasons == ["Requires an expert-level qualification in Physics; you hold professional."]
    assert not Assignment.objects.exists()
    task.refresh_from_db()
    assert task.remaining == 1


def test_qualified_expert_can_claim_a_project_with_requirements():
    project = _project(requirements={"domains": [{"domain": "physics", "level": Level.PROFESSIONAL}]})
    task = _task(project)
    expert = _expert()
    QualificationFactory(expert=expert, domain=Domain.objects.get(slug="physics"), level=Level.EXPERT)

    assert task_claim_next(expert=expert, project=project, now=NOW).task_id == task.pk


def test_suspension_stops_claims_at_once_despite_the_cached_answer():
    project = _project(max_active_leases_per_expert=5)
    _task(project)
    _task(project)
    expert = _expert()
    task_claim_next(expert=expert, project=project, now=NOW)  # caches "eligible"
    ExpertProfile.objects.filter(user=expert).update(status=ExpertProfile.Status.PAUSED, status_reason="Checks")

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=expert, project=project, now=NOW)

    assert excinfo.value.reasons == ["Your account is suspended: Checks."]
    assert Assignment.objects.filter(expert=expert).count() == 1


def test_eligibility_is_cached_and_can_be_forgotten():
    project = _project(max_active_leases_per_expert=10)
    for _ in range(4):
        _task(project)
    expert = _expert()
    with CaptureQueriesContext(connection) as cold:
        task_claim_next(expert=expert, project=project, now=NOW)
    with CaptureQueriesContext(connection) as warm:
        task_claim_next(expert=expert, project=project, now=NOW)
    claim_eligibility_forget(expert=expert)
    with CaptureQueriesContext(connection) as forgotten:
        task_claim_next(expert=expert, project=project, now=NOW)
    project.requirements = {"languages": ["en"]}
    project.save(update_fields=["requirements"])
    with CaptureQueriesContext(connection) as changed:
        task_claim_next(expert=expert, project=project, now=NOW)

    profile_reads = [
        len([q for q in ctx.captured_queries if "accounts_expertprofile" in q["sql"] and "projects_" not in q["sql"]])
        for ctx in (cold, warm, forgotten, changed)
    ]
    assert profile_reads == [1, 0, 1, 1]


def test_paused_project_refuses_claims_and_changes_nothing():
    project = _project(status=Project.Status.PAUSED)
    task = _task(project)
    expert = _expert()

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=expert, project=project, now=NOW)

    assert excinfo.value.reasons == ["This project is paused; its tasks can be claimed again when the lab resumes it."]
    assert not Assignment.objects.exists()
    task.refresh_from_db()
    assert task.remaining == 1


def test_project_paused_after_it_was_loaded_refuses_claims():
    project = _project()
    _task(project)
    expert = _expert()
    Project.objects.filter(pk=project.pk).update(status=Project.Status.PAUSED)

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=expert, project=project, now=NOW)  # the instance still says active

    assert "paused" in _reasons(excinfo)
    assert not Assignment.objects.exists()


# --- heartbeat, release, lock for submit --------------------------------------------------------


def test_heartbeat_extends_the_lease():
    project = _project(lease_minutes=20)
    _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)

    extended = assignment_heartbeat(assignment=lease, expert=expert, now=NOW + 15 * MINUTE)

    assert extended.expires_at == NOW + 35 * MINUTE
    lease.refresh_from_db()
    assert lease.expires_at == NOW + 35 * MINUTE


def test_heartbeat_after_expiry_is_refused():
    project = _project(lease_minutes=20)
    _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)

    with pytest.raises(LeaseEnded) as excinfo:
        assignment_heartbeat(assignment=lease, expert=expert, now=NOW + 21 * MINUTE)

    assert excinfo.value.message == (
        "Your lease on this task expired at 14:20 UTC; the task may have gone to someone else. "
        "Claim a new task to continue."
    )
    lease.refresh_from_db()
    assert lease.expires_at == NOW + 20 * MINUTE


@pytest.mark.parametrize("ending", ["released", "submitted", "swept"])
def test_heartbeat_on_an_ended_lease_is_refused(ending):
    project = _project(lease_minutes=20)
    _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)
    if ending == "released":
        assignment_release(assignment=lease, expert=expert, now=NOW)
    elif ending == "submitted":
        _submit(lease, expert)
    else:
        assignments_expire(now=NOW + 20 * MINUTE)
    before = Assignment.objects.get(pk=lease.pk)

    with pytest.raises(LeaseEnded):
        assignment_heartbeat(assignment=lease, expert=expert, now=NOW + MINUTE)

    after = Assignment.objects.get(pk=lease.pk)
    assert (after.status, after.expires_at) == (before.status, before.expires_at)


def test_heartbeat_on_someone_elses_lease_is_not_found():
    project = _project()
    _task(project)
    owner, intruder = _expert(), _expert()
    lease = task_claim_next(expert=owner, project=project, now=NOW)

    with pytest.raises(NotFound) as excinfo:
        assignment_heartbeat(assignment=lease, expert=intruder, now=NOW + MINUTE)

    assert excinfo.value.message == "That task lease does not exist or is not yours."
    lease.refresh_from_db()
    assert lease.expires_at == NOW + 60 * MINUTE


def test_release_frees_the_slot_and_keeps_the_reason():
    project = _project(overlap=3)
    task = _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)

    released = assignment_release(assignment=lease, expert=expert, reason="  Outside my field  ", now=NOW + MINUTE)

    assert (released.status, released.ended_at, released.release_reason) == (
        Assignment.Status.RELEASED,
        NOW + MINUTE,
        "Outside my field",
    )
    task.refresh_from_db()
    assert task.remaining == 3
    _assert_counters_consistent(project)


def test_releasing_twice_gives_the_slot_back_once():
    project = _project(overlap=2)
    task = _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)

    assignment_release(assignment=lease, expert=expert, now=NOW)
    again = assignment_release(assignment=lease, expert=expert, now=NOW + MINUTE)

    assert (again.status, again.ended_at) == (Assignment.Status.RELEASED, NOW)
    task.refresh_from_db()
    assert task.remaining == 2


def test_submitted_task_cannot_be_released():
    project = _project()
    task = _task(project)
    expert = _expert()
    lease = _submit(task_claim_next(expert=expert, project=project, now=NOW), expert)

    with pytest.raises(LeaseEnded):
        assignment_release(assignment=lease, expert=expert, now=NOW)

    lease.refresh_from_db()
    assert lease.status == Assignment.Status.SUBMITTED
    task.refresh_from_db()
    assert task.remaining == 0


def test_release_with_a_too_long_reason_changes_nothing():
    project = _project()
    task = _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)

    with pytest.raises(ValidationFailed) as excinfo:
        assignment_release(assignment=lease, expert=expert, reason="x" * 301, now=NOW)

    assert excinfo.value.details == {"reason": ["Keep the reason to 300 characters or fewer."]}
    lease.refresh_from_db()
    assert lease.status == Assignment.Status.LIVE
    task.refresh_from_db()
    assert task.remaining == 0


def test_release_of_someone_elses_lease_is_not_found():
    project = _project()
    task = _task(project)
    owner, intruder = _expert(), _expert()
    lease = task_claim_next(expert=owner, project=project, now=NOW)

    with pytest.raises(NotFound):
        assignment_release(assignment=lease, expert=intruder, now=NOW)

    lease.refresh_from_db()
    assert lease.status == Assignment.Status.LIVE
    task.refresh_from_db()
    assert task.remaining == 0


def test_lock_for_submit_returns_the_live_lease_with_task_and_project():
    project = _project()
    task = _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = assignment_lock_for_submit(assignment_id=lease.pk, expert=expert, now=NOW + MINUTE)
        assert (locked.task.pk, locked.project.pk) == (task.pk, project.pk)

    assert locked.pk == lease.pk
    statements = _statements(queries.captured_queries)
    assert len(statements) == 1
    if connection.vendor == "postgresql":
        assert 'FOR UPDATE OF "projects_assignment"' in statements[0]


def test_lock_for_submit_refuses_an_expired_lease():
    project = _project(lease_minutes=5)
    _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)

    with pytest.raises(LeaseEnded) as excinfo, transaction.atomic():
        assignment_lock_for_submit(assignment_id=lease.pk, expert=expert, now=NOW + 6 * MINUTE)

    assert excinfo.value.message.startswith(
        "Your lease on this task expired at 14:05 UTC; the task may have gone to someone else."
    )


def test_lock_for_submit_refuses_someone_elses_lease():
    project = _project()
    _task(project)
    owner, intruder = _expert(), _expert()
    lease = task_claim_next(expert=owner, project=project, now=NOW)

    with pytest.raises(NotFound), transaction.atomic():
        assignment_lock_for_submit(assignment_id=lease.pk, expert=intruder, now=NOW)


def test_lock_for_submit_refuses_a_second_submission():
    project = _project()
    _task(project)
    expert = _expert()
    lease = _submit(task_claim_next(expert=expert, project=project, now=NOW), expert)

    with pytest.raises(LeaseEnded) as excinfo, transaction.atomic():
        assignment_lock_for_submit(assignment_id=lease.pk, expert=expert, now=NOW)

    assert excinfo.value.message == "You have already submitted this task."


@pytest.mark.django_db(transaction=True)
def test_lock_for_submit_needs_the_callers_transaction():
    project = _project()
    _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=NOW)

    with pytest.raises(TransactionManagementError):
        assignment_lock_for_submit(assignment_id=lease.pk, expert=expert, now=NOW)


# --- the sweep -----------------------------------------------------------------------------------


def test_sweep_expires_only_lapsed_leases_in_batches_and_is_safe_to_run_twice():
    project = _project(overlap=2, lease_minutes=10, max_active_leases_per_expert=10)
    for _ in range(3):
        _task(project)
    early, late = _expert(), _expert()
    for _ in range(3):
        task_claim_next(expert=early, project=project, now=NOW)
    for _ in range(3):
        task_claim_next(expert=late, project=project, now=NOW + 5 * MINUTE)

    assert assignments_expire(now=NOW + 12 * MINUTE, batch=2) == 3
    assert assignments_expire(now=NOW + 12 * MINUTE, batch=2) == 0

    assert set(Assignment.objects.filter(expert=early).values_list("status", flat=True)) == {"expired"}
    assert set(Assignment.objects.filter(expert=late).values_list("status", flat=True)) == {"live"}
    assert set(Task.objects.filter(project=project).values_list("remaining", flat=True)) == {1}
    _assert_counters_consistent(project)


def test_sweep_leaves_submitted_and_released_leases_alone():
    project = _project(overlap=2, lease_minutes=10, max_active_leases_per_expert=10)
    task = _task(project)
    first, second = _expert(), _expert()
    _submit(task_claim_next(expert=first, project=project, now=NOW), first)
    released = task_claim_next(expert=second, project=project, now=NOW)
    assignment_release(assignment=released, expert=second, now=NOW)

    assert assignments_expire(now=NOW + 60 * MINUTE) == 0

    assert sorted(Assignment.objects.values_list("status", flat=True)) == ["released", "submitted"]
    task.refresh_from_db()
    assert task.remaining == 1


def test_sweep_runs_as_a_celery_task():
    project = _project(lease_minutes=5)
    _task(project)
    expert = _expert()
    lease = task_claim_next(expert=expert, project=project, now=timezone.now() - 10 * MINUTE)

    assert assignments_expire_task.delay().get() == 1

    lease.refresh_from_db()
    assert lease.status == Assignment.Status.EXPIRED


# --- why nothing is claimable --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Project.Status.DRAFT, "This project is not open yet; its tasks can be claimed once the lab opens it."),
        (Project.Status.PAUSED, "This project is paused; its tasks can be claimed again when the lab resumes it."),
        (Project.Status.COMPLETED, "This project is completed; it has no more work."),
        (Project.Status.ARCHIVED, "This project is archived; it has no more work."),
    ],
)
def test_blocker_project_not_active(status, reason):
    project = _project(status=status)
    _task(project)

    assert claim_blockers(expert=_expert(), project=project, now=NOW) == [reason]


def test_blocker_not_eligible_lists_every_reason():
    project = _project(requirements={"domains": [{"domain": "physics", "level": 2}], "countries": ["DE"]})
    _task(project)
    expert = _expert(country="FR")

    assert claim_blockers(expert=expert, project=project, now=NOW) == [
        "Requires a professional-level qualification in Physics.",
        "Open only to experts in Germany.",
    ]


def test_blocker_not_eligible_comes_with_project_state():
    project = _project(status=Project.Status.PAUSED)
    user = UserFactory()  # never onboarded

    reasons = claim_blockers(expert=user, project=project, now=NOW)

    assert reasons[-1] == "This project is paused; its tasks can be claimed again when the lab resumes it."
    assert "Complete your profile first." in reasons


def test_blocker_task_limit():
    project = _project(max_tasks_per_expert=1)
    _task(project)
    _task(project)
    expert = _expert()
    _submit(task_claim_next(expert=expert, project=project, now=NOW), expert)

    assert claim_blockers(expert=expert, project=project, now=NOW) == [
        "You have reached this project's limit of 1 task per expert."
    ]


def test_blocker_no_tasks_left():
    project = _project()
    _task(project)
    expert, other = _expert(), _expert()
    _submit(task_claim_next(expert=other, project=project, now=NOW), other)

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=expert, project=project, now=NOW)

    assert excinfo.value.reasons == ["No tasks left: every task in this project has all the responses it needs."]


def test_blocker_no_tasks_yet():
    assert claim_blockers(expert=_expert(), project=_project(), now=NOW) == ["This project has no tasks yet."]


def test_blocker_tasks_held_by_others_gives_the_next_lease_end():
    project = _project(lease_minutes=30)
    _task(project)
    _task(project)
    first, second, waiting = _expert(), _expert(), _expert()
    task_claim_next(expert=first, project=project, now=NOW)
    task_claim_next(expert=second, project=project, now=NOW + 2 * MINUTE)

    assert claim_blockers(expert=waiting, project=project, now=NOW + 5 * MINUTE) == [
        "All remaining tasks are held by other experts; the next lease ends at 14:30 UTC."
    ]


def test_blocker_next_lease_end_on_another_day_names_the_day():
    project = _project(lease_minutes=120)
    _task(project)
    holder, waiting = _expert(), _expert()
    late = datetime.datetime(2026, 3, 2, 23, 0, tzinfo=datetime.UTC)
    task_claim_next(expert=holder, project=project, now=late)

    assert claim_blockers(expert=waiting, project=project, now=late) == [
        "All remaining tasks are held by other experts; the next lease ends at 01:00 UTC on 3 March."
    ]


def test_blocker_already_answered_every_remaining_task():
    project = _project(overlap=2)
    _task(project)
    expert = _expert()
    _submit(task_claim_next(expert=expert, project=project, now=NOW), expert)

    assert claim_blockers(expert=expert, project=project, now=NOW) == [
        "You have already answered every remaining task in this project."
    ]


def test_blocker_lapsed_slot_is_no_blocker():
    project = _project(lease_minutes=10)
    _task(project)
    holder, newcomer = _expert(), _expert()
    task_claim_next(expert=holder, project=project, now=NOW)

    assert claim_blockers(expert=newcomer, project=project, now=NOW + 11 * MINUTE) == []


def test_invalid_requirements_block_everyone():
    project = _project(requirements={"domains": [{"domain": "no-such-domain", "level": 1}]})
    _task(project)

    with pytest.raises(NothingToClaim) as excinfo:
        task_claim_next(expert=_expert(), project=project, now=NOW)

    assert "requirements are not valid" in _reasons(excinfo)


# --- statements and plan -------------------------------------------------------------------------


def _sent(captured: list[dict]) -> list[list[str]]:
    """What went to the database, one list of statements per round trip."""
    return [[statement.strip() for statement in q["sql"].split("; ")] for q in captured]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_is_one_round_trip_of_two_statements_on_postgresql():
    project = _project(max_active_leases_per_expert=10)
    for _ in range(3):
        _task(project)
    expert = _expert()
    task_claim_next(expert=expert, project=project, now=NOW)  # warms the cache and prepares the statement

    with CaptureQueriesContext(connection) as queries:
        lease = task_claim_next(expert=expert, project=project, now=NOW)

    (sent,) = _sent(queries.captured_queries)  # no BEGIN or COMMIT: the statements are one implicit transaction
    assert len(sent) == 2
    assert sent[0].startswith("SELECT pg_advisory_xact_lock(")
    assert sent[1].startswith(f"EXECUTE {claims.CLAIM_STATEMENT}(")
    assert Assignment.objects.get(pk=lease.pk).status == Assignment.Status.LIVE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_on_a_new_connection_prepares_the_statement_in_the_same_round_trip():
    project = _project(max_active_leases_per_expert=10)
    for _ in range(3):
        _task(project)
    expert = _expert()
    task_claim_next(expert=expert, project=project, now=NOW)
    connection.close()

    with CaptureQueriesContext(connection) as queries:
        task_claim_next(expert=expert, project=project, now=NOW)

    (sent,) = _sent(queries.captured_queries)
    assert [statement.split()[0] for statement in sent] == ["PREPARE", "SELECT", "EXECUTE"]
    assert "FOR UPDATE OF t SKIP LOCKED" in sent[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lost", ["deallocated", "prepared unawares"])
def test_claim_recovers_when_the_prepared_statement_is_not_what_it_seems(lost):
    project = _project(max_active_leases_per_expert=10)
    first, second = _task(project), _task(project)
    expert = _expert()
    task_claim_next(expert=expert, project=project, now=NOW)
    if lost == "deallocated":
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
    else:
        claims._prepared_on.discard(connection.connection)

    lease = task_claim_next(expert=expert, project=project, now=NOW)

    assert lease.task_id == second.pk
    assert first.assignments.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_falling_back_to_the_other_kind_is_still_one_round_trip():
    project = _project(gold_rate=100, max_active_leases_per_expert=10)
    normal = [_task(project), _task(project)]
    expert = _expert()
    task_claim_next(expert=expert, project=project, now=NOW)

    with CaptureQueriesContext(connection) as queries:
        lease = task_claim_next(expert=expert, project=project, now=NOW)

    assert lease.task_id == normal[1].pk
    assert [len(sent) for sent in _sent(queries.captured_queries)] == [2]


@pytest.fixture
def server_side_binding_connection(transactional_db):
    """This thread's default connection, for the test, opened with ``server_side_binding``."""
    previous = connections[DEFAULT_DB_ALIAS]
    options = {**previous.settings_dict.get("OPTIONS", {}), "server_side_binding": True}
    wrapper = type(previous)({**previous.settings_dict, "OPTIONS": options}, alias=DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = wrapper
    yield wrapper
    wrapper.close()
    connections[DEFAULT_DB_ALIAS] = previous


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_with_server_side_binding_runs_lock_and_claim_in_one_transaction(server_side_binding_connection):
    project = _project(max_active_leases_per_expert=10)
    first, second = _task(project), _task(project)
    expert = _expert()
    task_claim_next(expert=expert, project=project, now=NOW)

    with CaptureQueriesContext(server_side_binding_connection) as queries:
        lease = task_claim_next(expert=expert, project=project, now=NOW)

    assert type(server_side_binding_connection.connection.cursor()).__name__ == "ServerBindingCursor"
    assert lease.task_id == second.pk
    sql = [q["sql"] for q in queries.captured_queries]
    assert sql[0] == "BEGIN" and sql[-1] == "COMMIT"
    assert [statement.split()[0] for statement in sql[1:-1]] == ["SELECT", "WITH"]
    assert first.assignments.count() == 1


def test_claim_statements_on_any_database():
    """PostgreSQL: the lock and the claim, in one round trip. SQLite: BEGIN IMMEDIATE, project and limits,
    two candidate reads, insert, counter, COMMIT (here inside the test's transaction, so savepoints)."""
    project = _project(max_active_leases_per_expert=10)
    for _ in range(3):
        _task(project)
    expert = _expert()
    task_claim_next(expert=expert, project=project, now=NOW)

    with CaptureQueriesContext(connection) as queries:
        task_claim_next(expert=expert, project=project, now=NOW)

    if connection.vendor == "postgresql":
        assert [len(sent) for sent in _sent(queries.captured_queries)] == [2]
    else:
        assert len(_statements(queries.captured_queries)) == 6


@pytest.mark.postgres
def test_claim_plan_uses_the_partial_index():
    project = _project(overlap=3)
    neighbour = _project(organization=project.organization)
    expert = _expert()
    with connection.cursor() as cursor:
        for target in (project, neighbour):
            cursor.execute(
                """
                INSERT INTO projects_task (organization_id, project_id, external_id, data, priority, is_gold,
                                           remaining, created, updated)
                SELECT %s, %s, 'bulk-' || n, '{"prompt": "p"}', n %% 5, false, %s, now(), now()
                FROM generate_series(1, 20000) AS n
                """,
                [target.organization_id, target.pk, target.overlap],
            )
        cursor.execute("ANALYZE projects_task")
        cursor.execute("ANALYZE projects_assignment")
        params = claims.claim_params(expert_id=expert.pk, project_id=project.pk, gold=False, now=NOW)
        cursor.execute("EXPLAIN " + claims.CLAIM_SQL, params)
        custom = "\n".join(row[0] for row in cursor.fetchall())
        if connection.connection not in claims._prepared_on:
            cursor.execute(claims.PREPARE_CLAIM_SQL)
            claims._prepared_on.add(connection.connection)
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("EXPLAIN " + claims.EXECUTE_CLAIM_SQL, params)
        generic = "\n".join(row[0] for row in cursor.fetchall())

    for plan in (custom, generic):
        assert "task_claimable_idx" in plan, plan
        assert "Seq Scan on projects_task" not in plan, plan
    assert task_claim_next(expert=expert, project=project, now=NOW).task.external_id == "bulk-4"
