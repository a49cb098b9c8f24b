"""The Celery application.

Configuration comes from Django settings (``CELERY_*``). Without a broker URL the settings turn on
eager mode, so a first run executes queued tasks in-process and needs no Redis.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
