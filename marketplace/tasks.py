import socket

from celery import shared_task


@shared_task(name="marketplace.ping")
def ping(token: str) -> dict:
    """Answer with the token and the host that ran the task: proof that a worker is consuming."""
    return {"token": token, "hostname": socket.gethostname()}
