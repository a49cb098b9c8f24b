import socket

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(name="marketplace.ping")
def ping(token: str) -> dict:
    """Answer with the token and the host that ran the task: proof that a worker is consuming."""
    return {"token": token, "hostname": socket.gethostname()}


@shared_task(name="marketplace.email_send_rendered", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_send_rendered(*, to: list[str], subject: str, text: str, html: str) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()
