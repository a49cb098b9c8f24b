"""Email to people, rendered from templates and sent by a background task after the commit.

A message is three templates: ``<name>_subject.txt``, ``<name>.txt`` and ``<name>.html``. It is
rendered when it is queued (so the task carries plain strings) and queued only once the surrounding
transaction commits, so a rolled-back change never emails anyone.
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from marketplace.tasks import email_send_rendered


def email_send(*, to: str | list[str], template: str, context: dict) -> None:
    recipients = [to] if isinstance(to, str) else list(to)
    context = {"product_name": settings.PRODUCT_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    transaction.on_commit(
        lambda: email_send_rendered.delay(
            to=recipients, subject=f"[{settings.PRODUCT_NAME}] {subject}", text=text, html=html
        )
    )
