"""Claiming: leases (assignments) on tasks, handed out, extended, released, expired and locked for submission.

The rules (DESIGN.md, invariant 2): a task never has more live-or-submitted assignments than its
overlap; an expert never holds or submits the same task twice; an expired lease frees its slot;
concurrent claims never wait for each other on one hot row.

Bookkeeping. ``Task.remaining`` is overlap minus the live and submitted assignments. Every change of
an assignment's status moves it in the same transaction as the assignment row: a claim takes one
(``- 1``), a release or an expiry gives one back (``+ 1``), a submission keeps it. The partial index
``task_claimable_idx`` (project, is_gold, priority DESC, id) WHERE remaining > 0 holds exactly the
tasks that still need someone, in the order they are handed out.

The claim on PostgreSQL is two statements sent in one round trip. Statements sent together in one
simple query run as one implicit transaction, each with its own snapshot, so there is no BEGIN or
COMMIT to wait for:

1. ``pg_advisory_xact_lock`` on (expert, project). Only the same expert's simultaneous claims in the
   same project wait here (a double-click, two tabs); nobody else ever does. It makes the personal
   limits exact: the second claim's statement takes its snapshot after the first committed and sees
   its lease. The same statement pins the claim to its generic plan for this transaction
   (``plan_cache_mode``), so the plan does not depend on how the statistics look for one expert.
2. ``EXECUTE`` of the claim, prepared once per connection (the ``PREPARE`` rides along with the
   first claim a connection makes). ``CLAIM_SQL`` checks the project is active, the expert's
   account is active and their limits (live leases, tasks in total) are not reached; picks the best
   task with ``FOR UPDATE SKIP LOCKED`` (a task another claimer is taking is skipped, never waited
   for); inserts the assignment; and moves the counter. For each kind of task (gold or not) the
   candidates are the first open task along ``task_claimable_idx`` that the expert never held, and
   the first task whose slot is held by a lease past its ``expires_at`` (found through
   ``assignment_live_expiry_idx``; normally there is none); the better of the two by priority, then
   age, wins. Taking over a lapsed slot marks the old lease expired and leaves ``remaining`` alone
   (the slot passes from one lease to the other), so a lease past its time never counts as taken,
   whether or not the sweep has run yet.

   The insert is ``ON CONFLICT ON CONSTRAINT assignment_once_per_expert DO NOTHING`` and the
   counter only moves for a row actually inserted: the unique constraint, not the ``NOT EXISTS``
   filter, is what guarantees that an expert never gets a task twice. A conflict (two claims by one
   expert are already serialised by the lock, so only an assignment made outside this service could
   cause one) changes nothing, and the claim runs again for the next candidate. Using the constraint
   this way rather than catching ``IntegrityError`` keeps the transaction usable without a savepoint.

Gold tasks: each claim draws gold with the project's ``gold_rate`` percent (``secrets``). The
statement looks at the other kind only when the drawn kind has nothing for this expert (PostgreSQL
evaluates a WITH query only as far as it is read), so a project never says "nothing left" while
tasks of either kind remain, and the fallback costs no statement.

With ``server_side_binding`` in the database options, several statements cannot share one call: the
lock and ``CLAIM_SQL`` then run in an explicit transaction (BEGIN, lock, claim, COMMIT); the driver
prepares the claim itself only if the options also set ``prepare_threshold``.

Eligibility is checked with ``eligibility_check`` and a positive answer is cached for
``ELIGIBILITY_CACHE_SECONDS`` per (expert, project, requirements), so the hot path runs no
eligibility SQL. The key holds a digest of the requirements, so editing them takes effect at once;
``claim_eligibility_forget(expert=...)`` drops every cached answer of an expert (call it when a
qualification or credential is revoked); otherwise an answer lives at most five minutes. The claim
statement itself still requires an active expert profile, so a suspension stops claims at once.

On SQLite there are no row locks, but every write transaction is ``BEGIN IMMEDIATE`` (see the
settings): the whole claim runs in one such transaction through the ORM, so no other writer can
come between the read of the candidate and the insert. The same rules apply, in more statements.

When nothing is claimed, ``projects.selectors.claim_blockers`` says why, and ``NothingToClaim``
carries those reasons. The periodic sweep (``assignments_expire``) expires lapsed leases in
``SKIP LOCKED`` batches, locking the tasks it gives slots back to in id order so that two sweeps
running at once never deadlock.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
import weakref
from dataclasses import dataclass

from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from rest_framework import status as http

from accounts.models import ExpertProfile, User
from accounts.selectors.eligibility import Eligibility
from marketplace.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from projects.models import Assignment, Project, Task
from projects.selectors import claim_blockers, lease_clock, project_requirements_check

ELIGIBILITY_CACHE_SECONDS = 300
CONFLICT_RETRIES = 3
RACE_RETRIES = 3
RELEASE_REASON_MAX = Assignment._meta.get_field("release_reason").max_length
LEASE_NOT_FOUND = "That task lease does not exist or is not yours."
BUSY = "Tasks in this project are being handed out right now; try again in a moment."


class NothingToClaim(ApplicationError):
    """No task can be handed to this expert now; ``reasons`` says why, in plain words."""

    code = "nothing_to_claim"
    http_status = http.HTTP_409_CONFLICT

    def __init__(self, reasons: list[str], *, held: Assignment | None = None):
        self.reasons = list(reasons) or [BUSY]
        self.held = held
        details: dict = {"reasons": self.reasons}
        if held is not None:
            details["held_assignment"] = held.pk
        super().__init__(" ".join(self.reasons), details=details)


class LeaseEnded(Conflict):
    """The lease is no longer live (expired, released or submitted): it can be neither extended nor submitted."""

    code = "lease_ended"


# --- eligibility, cached ------------------------------------------------------------------------


def _generation_key(expert_id: int) -> str:
    return f"claims:eligibility-generation:{expert_id}"


def _eligibility_key(expert_id: int, project: Project) -> str:
    canonical = json.dumps(project.requirements or {}, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.blake2b(canonical.encode(), digest_size=8).hexdigest()
    return f"claims:eligible:{expert_id}:{project.pk}:{digest}"


def _eligibility(*, expert: User, project: Project) -> Eligibility | None:
    """``eligibility_check`` for the project's requirements, or None for a positive answer from the cache.

    One cache round trip: the answer is stored with the expert's generation token and is valid
    only while that token is unchanged.
    """
    generation_key, key = _generation_key(expert.pk), _eligibility_key(expert.pk, project)
    cached = cache.get_many([generation_key, key])
    generation = cached.get(generation_key, "")
    if key in cached and cached[key] == generation:
        return None
    eligibility = project_requirements_check(expert=expert, project=project)
    if eligibility.eligible:
        cache.set(key, generation, ELIGIBILITY_CACHE_SECONDS)
    return eligibility


def claim_eligibility_forget(*, expert: User) -> None:
    """Forget every cached "eligible" answer for ``expert`` (after a revocation, say)."""
    cache.set(_generation_key(expert.pk), secrets.token_hex(8), None)


# --- the claim ----------------------------------------------------------------------------------


def _slots(name: str, kind: str) -> str:
    """The CTEs that find the best task of one kind (gold or not) for the expert: ``best_<name>``.

    ``open_<name>`` walks ``task_claimable_idx`` to the first task that still needs responses and
    that the expert never held; ``lapsed_<name>`` finds the first task of that kind whose slot is
    held by a lease past its time (``assignment_live_expiry_idx``; normally nothing). Both lock
    their row with SKIP LOCKED; the better of the two by priority, then age, wins.
    """
    return f"""
open_{name} AS (
    SELECT t.id, t.priority, NULL::bigint AS lease_id
    FROM projects_task t
    WHERE t.project_id = %(project)s AND t.is_gold = {kind} AND t.remaining > 0
      AND EXISTS (SELECT 1 FROM project)
      AND NOT EXISTS (
          SELECT 1 FROM projects_assignment mine WHERE mine.task_id = t.id AND mine.expert_id = %(expert)s
      )
    ORDER BY t.priority DESC, t.id
    LIMIT 1
    FOR UPDATE OF t SKIP LOCKED
),
lapsed_{name} AS (
    SELECT t.id, t.priority, a.id AS lease_id
    FROM projects_assignment a
    JOIN projects_task t ON t.id = a.task_id
    WHERE a.project_id = %(project)s AND a.status = 'live' AND a.expires_at <= %(now)s
      AND t.is_gold = {kind}
      AND EXISTS (SELECT 1 FROM project)
      AND NOT EXISTS (
          SELECT 1 FROM projects_assignment mine WHERE mine.task_id = t.id AND mine.expert_id = %(expert)s
      )
    ORDER BY t.priority DESC, t.id
    LIMIT 1
    FOR UPDATE OF a, t SKIP LOCKED
),
best_{name} AS (
    SELECT slot.id, slot.lease_id
    FROM (SELECT * FROM lapsed_{name} UNION ALL SELECT * FROM open_{name}) slot
    ORDER BY slot.priority DESC, slot.id, slot.lease_id IS NULL
    LIMIT 1
)"""  # noqa: S608 - composed of constants only


# One statement: is the claim allowed, which task, insert the lease, move the counter or take the
# lapsed slot over. ``chosen`` reads ``best_second`` (the other kind) only when ``best_first`` has no
# row: PostgreSQL evaluates a WITH query only as far as its reader fetches, so the fallback costs
# nothing, and locks nothing, when the drawn kind has a task.
CLAIM_SQL = f"""
WITH project AS (
    SELECT p.id, p.organization_id, p.lease_minutes
    FROM projects_project p
    WHERE p.id = %(project)s
      AND p.status = 'active'
      AND EXISTS (
          SELECT 1 FROM accounts_expertprofile e WHERE e.user_id = %(expert)s AND e.status = 'active'
      )
      AND (
          SELECT count(*) FROM projects_assignment a
          WHERE a.expert_id = %(expert)s AND a.project_id = p.id AND a.status = 'live' AND a.expires_at > %(now)s
      ) < p.max_active_leases_per_expert
      AND (
          p.max_tasks_per_expert IS NULL
          OR (
              SELECT count(*) FROM projects_assignment a
              WHERE a.expert_id = %(expert)s AND a.project_id = p.id
                AND (a.status = 'submitted' OR (a.status = 'live' AND a.expires_at > %(now)s))
          ) < p.max_tasks_per_expert
      )
),{_slots("first", "%(gold)s")},{_slots("second", "NOT %(gold)s")},
chosen AS (
    SELECT * FROM (
        SELECT id, lease_id FROM best_first
        UNION ALL
        SELECT id, lease_id FROM best_second
    ) either_kind
    LIMIT 1
),
claimed AS (
    INSERT INTO projects_assignment (
        organization_id, project_id, task_id, expert_id, status, claimed_at, expires_at,
        ended_at, release_reason, draft, draft_saved_at
    )
    SELECT project.organization_id, project.id, chosen.id, %(expert)s, 'live', %(now)s,
           %(now)s + make_interval(mins => project.lease_minutes), NULL, '', '{{}}', NULL
    FROM chosen CROSS JOIN project
    ON CONFLICT ON CONSTRAINT assignment_once_per_expert DO NOTHING
    RETURNING id, task_id, organization_id, expires_at
),
taken_over AS (
    UPDATE projects_assignment lapsed SET status = 'expired', ended_at = %(now)s
    FROM chosen JOIN claimed ON claimed.task_id = chosen.id
    WHERE lapsed.id = chosen.lease_id
    RETURNING lapsed.id
),
counted AS (
    UPDATE projects_task t SET remaining = t.remaining - 1, updated = %(now)s
    FROM chosen JOIN claimed ON claimed.task_id = chosen.id
    WHERE t.id = chosen.id AND chosen.lease_id IS NULL
    RETURNING t.id
)
SELECT (SELECT count(*) FROM project), chosen.id, claimed.id, claimed.organization_id, claimed.expires_at
FROM (SELECT 1) AS one
LEFT JOIN chosen ON TRUE
LEFT JOIN claimed ON claimed.task_id = chosen.id
"""  # noqa: S608 - composed of constants only

# The claim as a prepared statement, so that it is planned once per connection, not once per claim.
CLAIM_STATEMENT = "assay_claim_" + hashlib.blake2b(CLAIM_SQL.encode(), digest_size=6).hexdigest()
PREPARE_CLAIM_SQL = f"PREPARE {CLAIM_STATEMENT} (bigint, bigint, boolean, timestamptz) AS " + CLAIM_SQL % {
    "expert": "$1",
    "project": "$2",
    "gold": "$3",
    "now": "$4",
}
# The lock, and (for this transaction only) the claim's generic plan: one plan whatever the parameters,
# chosen on the indexes' merits rather than on how the statistics happen to look for one expert's id.
LOCK_SQL = "SELECT pg_advisory_xact_lock(%(lock)s), set_config('plan_cache_mode', 'force_generic_plan', true)"
EXECUTE_CLAIM_SQL = f"EXECUTE {CLAIM_STATEMENT}(%(expert)s, %(project)s, %(gold)s, %(now)s)"
INVALID_STATEMENT_NAME = "26000"
DUPLICATE_STATEMENT = "42P05"

# The driver connections on which the claim statement is prepared (a new connection prepares it again).
_prepared_on: weakref.WeakSet = weakref.WeakSet()


def claim_params(*, expert_id: int, project_id: int, gold: bool, now: datetime.datetime) -> dict:
    """Parameters of ``CLAIM_SQL``; ``gold`` is the kind drawn first."""
    return {"expert": expert_id, "project": project_id, "gold": gold, "now": now}


def claim_lock_key(*, expert_id: int, project_id: int) -> int:
    """A signed 64-bit key for ``pg_advisory_xact_lock``: one per (expert, project)."""
    digest = hashlib.blake2b(f"assay.claim:{expert_id}:{project_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class _Attempt:
    allowed: bool  # the project is active and the expert within their limits
    assignment: Assignment | None = None


def _assignment_built(
    *, pk: int, organization_id: int, task_id: int, expert: User, project: Project, now, expires_at
) -> Assignment:
    assignment = Assignment(
        pk=pk,
        organization_id=organization_id,
        project=project,
        task_id=task_id,
        expert=expert,
        status=Assignment.Status.LIVE,
        claimed_at=now,
        expires_at=expires_at,
    )
    assignment._state.adding = False
    assignment._state.db = connection.alias
    return assignment


def _claim_round_trip(cursor, params: dict) -> tuple:
    """Lock, then claim, in one transaction; with Django's default client-side binding, in one round trip.

    Several statements in one simple query run as one implicit transaction, each with its own
    snapshot: the claim's snapshot is taken once the lock is held. With ``server_side_binding`` in
    the database options, statements cannot share a call: the lock and the claim then run in an
    explicit transaction.
    """
    if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        with transaction.atomic(savepoint=False):
            cursor.execute(LOCK_SQL, {"lock": params["lock"]})
            cursor.execute(CLAIM_SQL, {key: value for key, value in params.items() if key != "lock"})
            return cursor.fetchone()
    driver = connection.connection
    statements = [LOCK_SQL, EXECUTE_CLAIM_SQL]
    if driver not in _prepared_on:
        statements.insert(0, PREPARE_CLAIM_SQL)
    cursor.execute("; ".join(statements), params)
    for _ in statements[1:]:
        cursor.nextset()
    row = cursor.fetchone()
    _prepared_on.add(driver)
    return row


def _claim_postgresql(*, expert: User, project: Project, gold_first: bool, now) -> _Attempt:
    params = claim_params(expert_id=expert.pk, project_id=project.pk, gold=gold_first, now=now)
    params["lock"] = claim_lock_key(expert_id=expert.pk, project_id=project.pk)
    with connection.cursor() as cursor:
        for _ in range(CONFLICT_RETRIES):
            try:
                row = _claim_round_trip(cursor, params)
            except DatabaseError as exc:
                # What this process believes about the connection's prepared statement was wrong: it
                # was dropped (DISCARD ALL), or it outlived a failed first claim (PREPARE is not undone
                # by a rollback). Believe the server and try once more, unless a caller's transaction
                # has been aborted by the error.
                state = getattr(exc.__cause__, "sqlstate", None)
                if state not in (INVALID_STATEMENT_NAME, DUPLICATE_STATEMENT) or connection.in_atomic_block:
                    raise
                if state == INVALID_STATEMENT_NAME:
                    _prepared_on.discard(connection.connection)
                else:
                    _prepared_on.add(connection.connection)
                row = _claim_round_trip(cursor, params)
            allowed, task_id, assignment_id, organization_id, expires_at = row
            if not allowed:
                return _Attempt(allowed=False)
            if assignment_id is not None:
                assignment = _assignment_built(
                    pk=assignment_id,
                    organization_id=organization_id,
                    task_id=task_id,
                    expert=expert,
                    project=project,
                    now=now,
                    expires_at=expires_at,
                )
                return _Attempt(allowed=True, assignment=assignment)
            if task_id is None:
                break  # nothing of either kind
            # The constraint refused a task this expert already had: look again.
    return _Attempt(allowed=True)


def _claim_portable(*, expert: User, project: Project, gold_first: bool, now) -> _Attempt:
    """The same claim through the ORM, for SQLite, where the IMMEDIATE transaction serialises writers."""
    with transaction.atomic():
        fresh = (
            Project.objects.filter(pk=project.pk, status=Project.Status.ACTIVE)
            .filter(Exists(ExpertProfile.objects.filter(user=expert, status=ExpertProfile.Status.ACTIVE)))
            .values("organization_id", "lease_minutes", "max_active_leases_per_expert", "max_tasks_per_expert")
            .first()
        )
        if fresh is None:
            return _Attempt(allowed=False)
        live = Q(status=Assignment.Status.LIVE, expires_at__gt=now)
        load = Assignment.objects.filter(expert=expert, project=project).aggregate(
            live=Count("pk", filter=live), counted=Count("pk", filter=live | Q(status=Assignment.Status.SUBMITTED))
        )
        limit = fresh["max_tasks_per_expert"]
        if load["live"] >= fresh["max_active_leases_per_expert"] or (limit is not None and load["counted"] >= limit):
            return _Attempt(allowed=False)

        lease = datetime.timedelta(minutes=fresh["lease_minutes"])
        for gold in (gold_first, not gold_first):
            for _ in range(CONFLICT_RETRIES):
                choice = _candidate_portable(expert=expert, project=project, gold=gold, now=now)
                if choice is None:
                    break
                task_id, lapsed_id = choice
                try:
                    with transaction.atomic():
                        assignment = Assignment.objects.create(
                            organization_id=fresh["organization_id"],
                            project=project,
                            task_id=task_id,
                            expert=expert,
                            status=Assignment.Status.LIVE,
                            claimed_at=now,
                            expires_at=now + lease,
                        )
                except IntegrityError:
                    continue  # the constraint refused a task this expert already had: look again
                if lapsed_id is None:
                    Task.objects.filter(pk=task_id).update(remaining=F("remaining") - 1, updated=now)
                else:
                    Assignment.objects.filter(pk=lapsed_id).update(status=Assignment.Status.EXPIRED, ended_at=now)
                return _Attempt(allowed=True, assignment=assignment)
    return _Attempt(allowed=True)


def _candidate_portable(*, expert: User, project: Project, gold: bool, now) -> tuple[int, int | None] | None:
    """(task id, lapsed lease id or None) of the best task for ``expert``, as ``CLAIM_SQL`` picks it."""
    open_task = (
        Task.objects.filter(project=project, is_gold=gold, remaining__gt=0)
        .exclude(Exists(Assignment.objects.filter(task=OuterRef("pk"), expert=expert)))
        .order_by("-priority", "pk")
        .values_list("pk", "priority")
        .first()
    )
    lapsed = (
        Assignment.objects.filter(
            project=project, status=Assignment.Status.LIVE, expires_at__lte=now, task__is_gold=gold
        )
        .exclude(Exists(Assignment.objects.filter(task=OuterRef("task_id"), expert=expert)))
        .order_by("-task__priority", "task_id")
        .values_list("task_id", "task__priority", "pk")
        .first()
    )
    candidates = []
    if lapsed is not None:
        candidates.append((-lapsed[1], lapsed[0], 0, lapsed[2]))
    if open_task is not None:
        candidates.append((-open_task[1], open_task[0], 1, None))
    if not candidates:
        return None
    _, task_id, _, lapsed_id = min(candidates)
    return task_id, lapsed_id


def task_claim_next(*, expert: User, project: Project, now: datetime.datetime | None = None) -> Assignment:
    """A live lease for ``expert`` on the best next task of ``project``, or ``NothingToClaim`` saying why.

    Call it outside any transaction: the claim commits on its own, in one short transaction.
    """
    now = now or timezone.now()
    eligibility = _eligibility(expert=expert, project=project)  # None: eligible a moment ago, by the cache
    if eligibility is not None and not eligibility.eligible:
        raise NothingToClaim(claim_blockers(expert=expert, project=project, now=now, eligibility=eligibility))

    gold_first = secrets.randbelow(100) < project.gold_rate
    claim = _claim_postgresql if connection.vendor == "postgresql" else _claim_portable
    for _ in range(RACE_RETRIES):
        attempt = claim(expert=expert, project=project, gold_first=gold_first, now=now)
        if attempt.assignment is not None:
            return attempt.assignment
        reasons = claim_blockers(expert=expert, project=project, now=now, eligibility=eligibility)
        if reasons:
            held = None
            if not attempt.allowed:
                held = (
                    Assignment.objects.filter(
                        expert=expert, project=project, status=Assignment.Status.LIVE, expires_at__gt=now
                    )
                    .order_by("expires_at", "pk")
                    .first()
                )
            raise NothingToClaim(reasons, held=held)
        # Nothing blocks: every open task was locked by a concurrent claim. Look again.
    raise NothingToClaim([BUSY])


# --- the lease's life ----------------------------------------------------------------------------


def _locked_lease(*, assignment_id: int, expert: User) -> Assignment:
    lease = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("project", "task")
        .filter(pk=assignment_id, expert=expert)
        .first()
    )
    if lease is None:
        raise NotFound(LEASE_NOT_FOUND)
    return lease


def _require_live(lease: Assignment, *, now: datetime.datetime) -> None:
    if lease.status == Assignment.Status.SUBMITTED:
        raise LeaseEnded("You have already submitted this task.")
    if lease.status == Assignment.Status.RELEASED:
        raise LeaseEnded("You skipped this task, so it is no longer yours; claim another task to continue.")
    if lease.status == Assignment.Status.EXPIRED or lease.expires_at <= now:
        raise LeaseEnded(
            f"Your lease on this task expired at {lease_clock(lease.expires_at, now=now)}; "
            "the task may have gone to someone else. Claim a new task to continue."
        )


@transaction.atomic
def assignment_heartbeat(*, assignment: Assignment, expert: User, now: datetime.datetime | None = None) -> Assignment:
    """Extend a live lease to ``now`` plus the project's lease length (never shortening it)."""
    now = now or timezone.now()
    lease = _locked_lease(assignment_id=assignment.pk, expert=expert)
    _require_live(lease, now=now)
    lease.expires_at = max(lease.expires_at, now + datetime.timedelta(minutes=lease.project.lease_minutes))
    lease.save(update_fields=["expires_at"])
    return lease


@transaction.atomic
def assignment_release(
    *, assignment: Assignment, expert: User, reason: str = "", now: datetime.datetime | None = None
) -> Assignment:
    """Skip a task: the lease ends as released and its slot goes back to the task.

    The expert will never be offered this task again. Releasing a lease that already ended
    (released, or expired) changes nothing; a submitted task cannot be skipped.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if len(reason) > RELEASE_REASON_MAX:
        message = f"Keep the reason to {RELEASE_REASON_MAX} characters or fewer."
        raise ValidationFailed(message, details={"reason": [message]})
    lease = _locked_lease(assignment_id=assignment.pk, expert=expert)
    if lease.status == Assignment.Status.SUBMITTED:
        raise LeaseEnded("You have already submitted this task; a submitted task cannot be skipped.")
    if lease.status != Assignment.Status.LIVE:
        return lease
    lease.status = Assignment.Status.RELEASED
    lease.ended_at = now
    lease.release_reason = reason
    lease.save(update_fields=["status", "ended_at", "release_reason"])
    Task.objects.filter(pk=lease.task_id).update(remaining=F("remaining") + 1, updated=now)
    return lease


def assignment_lock_for_submit(*, assignment_id: int, expert: User, now: datetime.datetime | None = None) -> Assignment:
    """Lock ``expert``'s live lease for the submit service, which calls this inside its transaction.

    Returns the assignment with its task and project loaded; raises ``NotFound`` for a lease that
    is missing or someone else's, ``LeaseEnded`` for one that is submitted, released or expired.
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError("assignment_lock_for_submit must run inside the submit transaction.")
    now = now or timezone.now()
    lease = _locked_lease(assignment_id=assignment_id, expert=expert)
    _require_live(lease, now=now)
    return lease


# --- the sweep ----------------------------------------------------------------------------------

EXPIRE_SQL = """
WITH due AS (
    SELECT id FROM projects_assignment
    WHERE status = 'live' AND expires_at <= %(now)s
    ORDER BY expires_at
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
),
ended AS (
    UPDATE projects_assignment a SET status = 'expired', ended_at = %(now)s
    FROM due WHERE a.id = due.id
    RETURNING a.task_id
),
freed AS (
    SELECT task_id, count(*) AS slots FROM ended GROUP BY task_id
),
locked AS (
    SELECT t.id, freed.slots FROM projects_task t JOIN freed ON freed.task_id = t.id
    ORDER BY t.id
    FOR UPDATE OF t
),
given_back AS (
    UPDATE projects_task t SET remaining = t.remaining + locked.slots, updated = %(now)s
    FROM locked WHERE t.id = locked.id
    RETURNING t.id
)
SELECT count(*) FROM ended
"""


def _expire_batch_postgresql(*, now: datetime.datetime, batch: int) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(EXPIRE_SQL, {"now": now, "batch": batch})
        return cursor.fetchone()[0]


def _expire_batch_portable(*, now: datetime.datetime, batch: int) -> int:
    with transaction.atomic():
        due = list(
            Assignment.objects.filter(status=Assignment.Status.LIVE, expires_at__lte=now)
            .order_by("expires_at")
            .values_list("pk", "task_id")[:batch]
        )
        if not due:
            return 0
        Assignment.objects.filter(pk__in=[pk for pk, _ in due]).update(status=Assignment.Status.EXPIRED, ended_at=now)
        slots: dict[int, int] = {}
        for _, task_id in due:
            slots[task_id] = slots.get(task_id, 0) + 1
        for task_id in sorted(slots):
            Task.objects.filter(pk=task_id).update(remaining=F("remaining") + slots[task_id], updated=now)
        return len(due)


def assignments_expire(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Expire every live lease past its ``expires_at`` and give its slot back; returns how many.

    Each batch is its own short transaction. Safe to run twice or concurrently: a lease locked by a
    claim, a heartbeat, a release, a submission or another sweep is skipped, and re-checked by
    whoever holds it.
    """
    now = now or timezone.now()
    expire = _expire_batch_postgresql if connection.vendor == "postgresql" else _expire_batch_portable
    total = 0
    while True:
        expired = expire(now=now, batch=batch)
        total += expired
        if expired < batch:
            return total
