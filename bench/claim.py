"""Claim throughput and latency on PostgreSQL: ``task_claim_next`` against a hand-written SQL claim.

    DATABASE_URL=postgres://... .venv/bin/python bench/claim.py [--tasks 1000000] [--claimers 1,8,32]
        [--seconds 12] [--rounds 4] [--overlap 1] [--duration SECONDS [--interval SECONDS]] [--keep]

It creates a scratch lab with two projects of ``--tasks`` tasks each (INSERT ... SELECT
generate_series), one per contender, so that neither walks the other's dead index entries. For each
number of concurrent claimers (separate processes, each with its own Django and connection, each
acting as its own expert) it measures for ``--seconds``:

- the service: ``task_claim_next`` (eligibility cached, the advisory lock, the claim statement);
- the baseline: one hand-written statement (SKIP LOCKED pick, insert, counter) sent through a bare
  psycopg connection with prepared statements, and none of the service's checks.

After each claim the claimer marks its assignment submitted (not timed), as a real expert would, so
that live leases do not pile up. Both contenders' processes start together and then take turns in
``--rounds`` slices (A B B A ...), so that load from outside the benchmark falls on both alike. It
prints claims/s and p50/p95/p99 latency of both and the ratio, and the plan of one claim.
With ``--duration`` it also runs a soak: the service alone at 8 claimers (``--soak-claimers``) for
that long, printing the rate per interval (a minute by default) to show drift. The scratch data is
deleted at the end unless ``--keep`` is given. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")  # measure what production runs: no query logging

RAW_CLAIM_SQL = """
WITH candidate AS (
    SELECT t.id FROM projects_task t
    WHERE t.project_id = %(project)s AND t.is_gold = false AND t.remaining > 0
      AND NOT EXISTS (
          SELECT 1 FROM projects_assignment a WHERE a.task_id = t.id AND a.expert_id = %(expert)s
      )
    ORDER BY t.priority DESC, t.id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
),
claimed AS (
    INSERT INTO projects_assignment (
        organization_id, project_id, task_id, expert_id, status, claimed_at, expires_at,
        ended_at, release_reason, draft, draft_saved_at
    )
    SELECT %(organization)s, %(project)s, candidate.id, %(expert)s, 'live', now(), now() + interval '60 minutes',
           NULL, '', '{}', NULL
    FROM candidate
    RETURNING id, task_id
),
counted AS (
    UPDATE projects_task t SET remaining = t.remaining - 1 FROM claimed WHERE t.id = claimed.task_id
)
SELECT id FROM claimed
"""

HISTORY_EXPERTS = 20
SUBMIT_SQL = "UPDATE projects_assignment SET status = 'submitted', ended_at = now() WHERE id = %s"


def _django():
    import django

    django.setup()


# --- one claimer (runs in its own process) -------------------------------------------------------


def _claimer(kind: str, expert_id: int, project_id: int, ready, go, schedule, results) -> None:
    """Set up, say so, wait for the schedule, claim during this contender's windows; send back the samples."""
    _django()
    from django.db import connection

    from accounts.models import User
    from projects.models import Project
    from projects.services.claims import NothingToClaim, task_claim_next

    samples: list[tuple[float, float]] = []  # (wall-clock time, latency in seconds)
    exhausted = False
    if kind == "service":
        expert = User.objects.get(pk=expert_id)
        project = Project.objects.get(pk=project_id)

        def claim() -> int | None:
            try:
                return task_claim_next(expert=expert, project=project).pk
            except NothingToClaim:
                return None

        cursor = connection.cursor()
    else:
        import psycopg
        from django.conf import settings

        db = settings.DATABASES["default"]
        with connection.cursor() as django_cursor:
            django_cursor.execute("SELECT organization_id FROM projects_project WHERE id = %s", [project_id])
            organization_id = django_cursor.fetchone()[0]
        connection.close()
        raw = psycopg.connect(
            dbname=db["NAME"],
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            autocommit=True,
        )
        cursor = raw.cursor()
        params = {"project": project_id, "expert": expert_id, "organization": organization_id}

        def claim() -> int | None:
            cursor.execute(RAW_CLAIM_SQL, params)
            row = cursor.fetchone()
            return row[0] if row else None

    ready.put(kind)
    go.wait()
    windows = [(schedule[i], schedule[i + 1]) for i in range(0, len(schedule), 2)]
    for start_at, stop_at in windows:
        while time.time() < start_at:
            time.sleep(0.0005)
        while (now := time.time()) < stop_at and not exhausted:
            began = time.perf_counter()
            assignment_id = claim()
            if assignment_id is None:
                exhausted = True
                break
            samples.append((now, time.perf_counter() - began))
            cursor.execute(SUBMIT_SQL, [assignment_id])
    cursor.close()
    results.put((kind, samples, exhausted))


def _run(
    plan: dict[str, tuple[list[int], int]], seconds: float, rounds: int
) -> dict[str, tuple[list[tuple[float, float]], bool]]:
    """Run each contender (kind: its experts and project) for ``seconds`` in total, in ``rounds`` slices.

    All claimers start first and wait; then the contenders take turns, A B B A ..., so that load
    from outside the benchmark falls on each alike. Returns each kind's samples and whether its
    project ran out of tasks.
    """
    context = mp.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    kinds = list(plan)
    slice_seconds = seconds / rounds
    schedules = {kind: context.Array("d", 2 * rounds) for kind in kinds}
    processes = [
        context.Process(target=_claimer, args=(kind, expert_id, project_id, ready, go, schedules[kind], results))
        for kind, (experts, project_id) in plan.items()
        for expert_id in experts
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()
    moment = time.time() + 0.2
    for round_ in range(rounds):
        order = kinds if round_ % 2 == 0 else kinds[::-1]
        for kind in order:
            schedules[kind][2 * round_] = moment
            schedules[kind][2 * round_ + 1] = moment + slice_seconds
            moment += slice_seconds + 0.1
    go.set()
    outcome: dict[str, tuple[list, bool]] = {kind: ([], False) for kind in kinds}
    for _ in processes:
        kind, mine, ran_out = results.get()
        samples, exhausted = outcome[kind]
        outcome[kind] = (samples + mine, exhausted or ran_out)
    for process in processes:
        process.join()
    return outcome


def _figures(samples: list[tuple[float, float]], seconds: float) -> dict[str, float]:
    latencies = sorted(latency for _, latency in samples)
    if len(latencies) < 2:
        return {"rate": len(latencies) / seconds, "p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"rate": len(latencies) / seconds, "p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000}


# --- scratch data --------------------------------------------------------------------------------


def _scratch(*, tasks: int, overlap: int, experts: int):
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from accounts.models import ExpertProfile, Organization, User
    from projects.models import Project

    tag = uuid.uuid4().hex[:10]
    organization = Organization.objects.create(name=f"Claim bench {tag}", slug=f"bench-claim-{tag}")
    projects = {}
    for kind in ("service", "raw"):
        projects[kind] = Project.objects.create(
            organization=organization,
            name=f"Claim bench {kind} {tag}",
            status=Project.Status.ACTIVE,
            pay_per_task=100,
            estimated_minutes=5,
            overlap=overlap,
            lease_minutes=60,
            max_active_leases_per_expert=1,
        )
    people = {"service": [], "raw": [], "history": []}
    for kind in ("service", "raw"):
        for n in range(experts):
            user = User.objects.create(email=f"bench-{tag}-{kind}-{n}@example.com", name=f"Bench {n}")
            ExpertProfile.objects.create(
                user=user,
                pseudonym=f"Bench-{tag}-{kind[0]}{n}",
                display_name=f"Bench {n}",
                country="FR",
                timezone="Europe/Paris",
                languages=["en"],
                education=ExpertProfile.Education.DOCTORATE,
                occupation="Benchmark",
                terms_version=settings.EXPERT_TERMS_VERSION,
                terms_accepted_at=timezone.now(),
                status=ExpertProfile.Status.ACTIVE,
            )
            people[kind].append(user.pk)
    # Experts who worked here before: every tenth task is already done, so the assignment table and
    # its statistics look like those of a project under way, not like an empty table.
    for n in range(HISTORY_EXPERTS):
        people["history"].append(User.objects.create(email=f"bench-{tag}-history-{n}@example.com").pk)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for project in projects.values():
            cursor.execute(
                """
                INSERT INTO projects_task (organization_id, project_id, external_id, data, priority, is_gold,
                                           remaining, created, updated)
                SELECT %(organization)s, %(project)s, 'bench-' || n, jsonb_build_object('prompt', 'Question ' || n),
                       (n %% 4)::smallint, false, CASE WHEN n %% 10 = 0 THEN 0 ELSE %(overlap)s END, now(), now()
                FROM generate_series(1, %(tasks)s) AS n
                """,
                {"organization": organization.pk, "project": project.pk, "overlap": overlap, "tasks": tasks},
            )
            cursor.execute(
                """
                INSERT INTO projects_assignment (organization_id, project_id, task_id, expert_id, status, claimed_at,
                                                 expires_at, ended_at, release_reason, draft, draft_saved_at)
                SELECT t.organization_id, t.project_id, t.id, (%(history)s::bigint[])[1 + (t.id + s) %% %(size)s],
                       'submitted', now() - interval '1 day', now() - interval '23 hours',
                       now() - interval '23 hours', '', '{}', NULL
                FROM projects_task t CROSS JOIN generate_series(0, %(overlap)s - 1) AS s
                WHERE t.project_id = %(project)s AND t.remaining = 0
                """,
                {"history": people["history"], "size": HISTORY_EXPERTS, "overlap": overlap, "project": project.pk},
            )
        cursor.execute("VACUUM ANALYZE projects_task")
        cursor.execute("VACUUM ANALYZE projects_assignment")
    print(f"created 2 x {tasks:,} tasks (a tenth already done) in {time.perf_counter() - began:.1f} s", flush=True)
    return organization, projects, people


def _cleanup(organization, projects, people) -> None:
    from django.db import connection

    from accounts.models import User

    ids = [project.pk for project in projects.values()]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM projects_assignment WHERE project_id = ANY(%s)", [ids])
        cursor.execute("DELETE FROM projects_task WHERE project_id = ANY(%s)", [ids])
    for project in projects.values():
        project.delete()
    User.objects.filter(pk__in=[pk for kind in people.values() for pk in kind]).delete()
    organization.delete()
    print("scratch data deleted", flush=True)


def _plan(*, project_id: int, expert_id: int, warm: bool = True) -> str:
    """The plan of one claim as the service runs it: the prepared statement, after a few claims."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from projects.models import Project
    from projects.services import claims

    expert, project = User.objects.get(pk=expert_id), Project.objects.get(pk=project_id)
    with connection.cursor() as cursor:
        for _ in range(6 if warm else 1):  # prepares the statement on this connection
            cursor.execute(SUBMIT_SQL, [claims.task_claim_next(expert=expert, project=project).pk])
    params = claims.claim_params(expert_id=expert_id, project_id=project_id, gold=False, now=timezone.now())
    params["lock"] = claims.claim_lock_key(expert_id=expert_id, project_id=project_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(claims.LOCK_SQL, params)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + claims.EXECUTE_CLAIM_SQL, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)  # the plan was measured on a real claim: undo it
    return plan


def _claim_cost(*, project_id: int, expert_id: int) -> str:
    """Execution time and buffers touched by one claim, measured and rolled back."""
    plan = _plan(project_id=project_id, expert_id=expert_id, warm=False).splitlines()
    buffers = next((line.strip() for line in plan if line.strip().startswith("Buffers:")), "Buffers: ?")
    execution = next((line.strip() for line in plan if line.startswith("Execution Time")), "Execution Time: ?")
    return f"{execution.lower()}, {buffers.lower()}"


def _dead_rows() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_dead_tup FROM pg_stat_user_tables "
            "WHERE relname IN ('projects_task', 'projects_assignment') ORDER BY relname"
        )
        return ", ".join(f"{name} {dead:,} dead rows" for name, dead in cursor.fetchall())


def _vacuum() -> float:
    from django.db import connection

    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM projects_task")
        cursor.execute("VACUUM projects_assignment")
    return time.perf_counter() - began


# --- the runs ------------------------------------------------------------------------------------


def _compare(*, projects, people, levels: list[int], seconds: float, rounds: int) -> None:
    print(f"\neach level: {seconds:.0f} s per contender, in {rounds} alternating slices")
    print(
        f"{'claimers':>8} | {'service/s':>9} {'p50':>7} {'p95':>7} {'p99':>7} | "
        f"{'raw SQL/s':>9} {'p50':>7} {'p95':>7} {'p99':>7} | {'ratio':>5}"
    )
    for level in levels:
        plan = {kind: (people[kind][:level], projects[kind].pk) for kind in ("raw", "service")}
        outcome = _run(plan, seconds, rounds)
        figures = {kind: _figures(samples, seconds) for kind, (samples, _) in outcome.items()}
        for kind, (_, exhausted) in outcome.items():
            if exhausted:
                print(f"  ({kind}: the project ran out of tasks; use more --tasks)")
        service, raw = figures["service"], figures["raw"]
        ratio = service["rate"] / raw["rate"] if raw["rate"] else float("nan")
        print(
            f"{level:>8} | {service['rate']:>9.0f} {service['p50']:>5.2f}ms {service['p95']:>5.2f}ms "
            f"{service['p99']:>5.2f}ms | {raw['rate']:>9.0f} {raw['p50']:>5.2f}ms {raw['p95']:>5.2f}ms "
            f"{raw['p99']:>5.2f}ms | {ratio:>5.2f}",
            flush=True,
        )


def _soak(*, project, experts: list[int], duration: float, interval: float, vacuum_every: float) -> None:
    print(f"\nsoak: the service with {len(experts)} claimers for {duration:.0f} s, per {interval:.0f} s", flush=True)
    print(f"  before: one claim {_claim_cost(project_id=project.pk, expert_id=experts[0])}; {_dead_rows()}")
    vacuums: list[float] = []
    if vacuum_every:
        # This server does not vacuum by itself: stand in for autovacuum from a thread of this process.
        import threading

        from django.db import connections

        stop = threading.Event()

        def vacuum_loop() -> None:
            while not stop.wait(vacuum_every):
                vacuums.append(_vacuum())
            connections.close_all()

        vacuumer = threading.Thread(target=vacuum_loop, daemon=True)
        vacuumer.start()
    samples, exhausted = _run({"service": (experts, project.pk)}, duration, 1)["service"]
    if vacuum_every:
        stop.set()
        vacuumer.join()
        print(
            f"  VACUUM of both tables every {vacuum_every:.0f} s: {len(vacuums)} runs, "
            f"{statistics.mean(vacuums) if vacuums else 0:.1f} s each on average"
        )
    print(f"  after: one claim {_claim_cost(project_id=project.pk, expert_id=experts[0])}; {_dead_rows()}")
    if not samples:
        print("  no claims")
        return
    start = min(end for end, _ in samples)
    buckets: dict[int, list[float]] = {}
    for end, latency in samples:
        buckets.setdefault(int((end - start) // interval), []).append(latency)
    rates = []
    for index in sorted(buckets):
        latencies = buckets[index]
        cuts = statistics.quantiles(sorted(latencies), n=100, method="inclusive") if len(latencies) > 1 else [0] * 99
        rate = len(latencies) / interval
        rates.append(rate)
        print(
            f"  {index * interval:>6.0f}-{(index + 1) * interval:<6.0f}s {rate:>8.0f} claims/s  "
            f"p50 {cuts[49] * 1000:.2f} ms  p99 {cuts[98] * 1000:.2f} ms  ({rate * 60:,.0f}/min)"
        )
    full = rates[: max(int(duration // interval), 1)]
    drift = (full[-1] - full[0]) / full[0] * 100 if full and full[0] else float("nan")
    print(f"  drift, last full interval against the first: {drift:+.1f}%")
    if exhausted:
        print("  (the project ran out of tasks; use more --tasks)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000, help="tasks per project (default 1,000,000)")
    parser.add_argument("--claimers", default="1,8,32", help="concurrency levels (default 1,8,32)")
    parser.add_argument("--seconds", type=float, default=12, help="measuring time per level and contender")
    parser.add_argument("--rounds", type=int, default=4, help="alternating slices per level (default 4)")
    parser.add_argument("--overlap", type=int, default=1)
    parser.add_argument("--duration", type=float, default=0, help="also soak the service this many seconds")
    parser.add_argument("--interval", type=float, default=0, help="soak reporting interval (default 60 s)")
    parser.add_argument("--soak-claimers", type=int, default=8)
    parser.add_argument(
        "--vacuum-every", type=float, default=0, help="during the soak, VACUUM the two tables this often (seconds)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch data")
    options = parser.parse_args()
    levels = [int(level) for level in options.claimers.split(",") if level.strip()]

    _django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/claim.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    print(f"PostgreSQL {version}, {os.cpu_count()} CPUs, {options.tasks:,} tasks per project, ", end="")
    print(f"overlap {options.overlap}, autovacuum {autovacuum}")

    organization, projects, people = _scratch(
        tasks=options.tasks, overlap=options.overlap, experts=max([*levels, options.soak_claimers])
    )
    connection.close()
    try:
        print("\nplan of one claim through the service (prepared statement, EXPLAIN ANALYZE, rolled back):")
        print(_plan(project_id=projects["service"].pk, expert_id=people["service"][0]))
        _compare(projects=projects, people=people, levels=levels, seconds=options.seconds, rounds=options.rounds)
        if options.duration:
            interval = options.interval or (60 if options.duration >= 240 else max(options.duration / 5, 1))
            _soak(
                project=projects["service"],
                experts=people["service"][: options.soak_claimers],
                duration=options.duration,
                interval=interval,
                vacuum_every=options.vacuum_every,
            )
    finally:
        if not options.keep:
            _cleanup(organization, projects, people)


if __name__ == "__main__":
    main()
