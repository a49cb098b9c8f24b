"""Task import throughput on PostgreSQL: the import service against raw COPY of the same rows.

For 10,000 and 100,000 tasks it writes a JSON Lines file, imports it into a scratch project through
``tasks_import_file`` (read, check against the template, stage with COPY, insert), imports it again
(every row already there), and, in the same run, COPYs the same rows, already in COPY format, into
a scratch table without indexes: the fastest the database can take them. It prints rows per second,
the ratio to raw COPY and the peak resident memory of the process. Nothing is asserted.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assay_bench .venv/bin/python bench/import_tasks.py

The database is migrated if needed; the scratch organization, project and tables are removed at the end.
"""

import json
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Organization  # noqa: E402
from projects.models import Project, ProjectVersion, Task  # noqa: E402
from projects.services.imports import tasks_import_file  # noqa: E402

SIZES = (10_000, 100_000)
TEMPLATE = {
    "fields": [
        {"name": "prompt", "kind": "text", "label": "Prompt"},
        {"name": "conversation", "kind": "chat", "label": "Conversation so far", "required": False},
    ],
    "questions": [
        {"name": "verdict", "kind": "single_choice", "label": "Is the last answer right?", "options": ["yes", "no"]},
        {"name": "answer", "kind": "free_text", "label": "The ideal answer", "required": False},
    ],
}
NULL = r"\N"
COLUMNS = "organization_id, project_id, external_id, data, priority, gold, is_gold, remaining, created, updated"
TOPICS = ("the sky looks blue", "ice floats on water", "a transistor switches", "entropy never decreases")


def row(n: int) -> dict:
    topic = TOPICS[n % len(TOPICS)]
    task = {
        "external_id": f"bench-{n:07d}",
        "data": {
            "prompt": f"Explain to a first-year student why {topic}, in at most three paragraphs (case {n}).",
            "conversation": [
                {"role": "user", "content": f"Why is it that {topic}?"},
                {"role": "assistant", "content": "Let me think about it step by step, starting from first principles."},
            ],
        },
        "priority": n % 5,
    }
    if n % 50 == 0:
        task["gold"] = {"verdict": "yes"}
    return task


def copy_line(task: dict, organization_id: int, project_id: int, now: str) -> str:
    def text(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("\\", "\\\\")

    gold = task.get("gold")
    return (
        f"{organization_id}\t{project_id}\t{task['external_id']}\t{text(task['data'])}\t{task['priority']}\t"
        f"{text(gold) if gold else NULL}\t{'t' if gold else 'f'}\t1\t{now}\t{now}\n"
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_copy(path: Path, table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        started = time.perf_counter()
        with path.open("rb") as source, cursor.cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
            while chunk := source.read(1024 * 1024):
                copy.write(chunk)
        return time.perf_counter() - started


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, {os.cpu_count()} CPUs")
    tag = uuid.uuid4().hex[:8]
    organization = Organization.objects.create(name=f"Import bench {tag}", slug=f"import-bench-{tag}")
    tasks_table = connection.ops.quote_name(Task._meta.db_table)
    tables = {name: f"bench_import_{name}_{tag}" for name in ("bare", "indexed", "equivalent")}
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {tables['bare']} AS SELECT {COLUMNS} FROM {tasks_table} WITH NO DATA")
            cursor.execute(f"CREATE TABLE {tables['indexed']} (LIKE {tasks_table} INCLUDING ALL)")
            cursor.execute(f"CREATE TABLE {tables['equivalent']} (LIKE {tasks_table} INCLUDING ALL)")
            for column, parent in (("organization_id", "accounts_organization"), ("project_id", "projects_project")):
                cursor.execute(
                    f"ALTER TABLE {tables['equivalent']} ADD FOREIGN KEY ({column}) REFERENCES {parent} (id) "
                    "DEFERRABLE INITIALLY DEFERRED"
                )
        with tempfile.TemporaryDirectory() as scratch:
            for size in SIZES:
                run(size, organization, Path(scratch), tables)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {', '.join(tables.values())}")
            cursor.execute(
                f"DELETE FROM {tasks_table} WHERE project_id IN "
                "(SELECT id FROM projects_project WHERE organization_id = %s)",
                [organization.pk],
            )
        Project.objects.filter(organization=organization).update(current_version=None)
        organization.delete()


def run(size: int, organization: Organization, scratch: Path, tables: dict[str, str]) -> None:
    project = Project.objects.create(
        organization=organization,
        name=f"Bench {size}",
        status=Project.Status.ACTIVE,
        pay_per_task=100,
        estimated_minutes=5,
    )
    project.current_version = ProjectVersion.objects.create(
        organization=organization, project=project, number=1, template=TEMPLATE
    )
    project.save(update_fields=["current_version"])
    jsonl_path, copy_path = scratch / f"tasks-{size}.jsonl", scratch / f"tasks-{size}.copy"
    now = "2026-01-01 00:00:00+00"
    with jsonl_path.open("w") as jsonl, copy_path.open("w") as copy_text:
        for n in range(size):
            task = row(n)
            jsonl.write(json.dumps(task) + "\n")
            copy_text.write(copy_line(task, organization.pk, project.pk, now))
    megabytes = jsonl_path.stat().st_size / 1024 / 1024

    read_done = []
    started = time.perf_counter()
    with jsonl_path.open("rb") as file:
        result = tasks_import_file(
            project=project,
            file=file,
            format="jsonl",
            progress=lambda n: read_done.append(time.perf_counter()) if n == size else None,
        )
    service = time.perf_counter() - started
    read_seconds = read_done[-1] - started
    rss = peak_rss_mb()
    if result.created != size:
        print(f"  unexpected: {result}")

    started = time.perf_counter()
    with jsonl_path.open("rb") as file:
        again = tasks_import_file(project=project, file=file, format="jsonl")
    reimport = time.perf_counter() - started
    if (again.created, again.existing) != (0, size):
        print(f"  unexpected on the second import: {again}")

    copies = {name: raw_copy(copy_path, table) for name, table in tables.items()}

    def line(label: str, seconds: float, extra: str = "") -> None:
        print(f"  {label:<58} {size / seconds:>9,.0f} rows/s {seconds:6.2f} s{extra}")

    print(f"\n{size:,} tasks ({megabytes:.1f} MB of JSON Lines)")
    line(
        "import service (tasks_import_file)",
        service,
        f"  (reading and checking {read_seconds:.2f} s, then checks and insert {service - read_seconds:.2f} s)",
    )
    line("import service again, every row already there", reimport)
    line("raw COPY into a bare scratch table (no index, no key)", copies["bare"])
    line("raw COPY into a scratch copy of projects_task's indexes", copies["indexed"])
    line("raw COPY into a scratch copy of its indexes and foreign keys", copies["equivalent"])
    print(
        "  ratio import service / raw COPY: "
        + ", ".join(
            f"{copies[name] / service:.2f}x {label}"
            for name, label in (("bare", "bare"), ("indexed", "indexed"), ("equivalent", "indexed + foreign keys"))
        )
        + " (target at least 0.3x)"
    )
    print(f"  peak RSS of the process so far: {rss:.0f} MB")


if __name__ == "__main__":
    main()
