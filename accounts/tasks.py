from celery import shared_task

from accounts.services.qualifications import expiry_sweep


@shared_task(name="accounts.expiry_sweep")
def expiry_sweep_task() -> dict[str, int]:
    """Daily: expire credentials and qualifications past their date (safe to run twice)."""
    return expiry_sweep()
