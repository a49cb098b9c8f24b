"""Background task imports: a thin Celery wrapper around ``import_job_run``."""

from celery import shared_task

from projects.imports.importer import import_job_run


@shared_task(name="projects.import_job_run")
def import_job_run_task(job_id: int) -> str | None:
    """Runs one queued import job; a job already started or finished is left alone."""
    job = import_job_run(job_id=job_id)
    return job.status if job is not None else None
