from celery import shared_task

from accounts.services.exams import exam_attempt_expire_overdue
from accounts.services.qualifications import expiry_sweep


@shared_task(name="accounts.expiry_sweep")
def expiry_sweep_task() -> dict[str, int]:
    """Daily: expire credentials and qualifications past their date (safe to run twice)."""
    return expiry_sweep()


@shared_task(name="accounts.exam_attempts_close_overdue")
def exam_attempts_close_overdue_task() -> int:
    """Every few minutes: hand in attempts left open past their deadline (safe to run twice)."""
    return exam_attempt_expire_overdue()
