from celery import shared_task

from projects.import_tasks import import_job_run_task  # noqa: F401 -- registers the import task with workers
from projects.services.claims import assignments_expire


@shared_task(name="projects.assignments_expire")
def assignments_expire_task() -> int:
    """Every minute: expire leases past their time and give their slots back (safe to run twice)."""
    return assignments_expire()
