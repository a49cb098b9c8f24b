import os
import sys

from django.core.asgi import get_asgi_application

from marketplace.config import ConfigurationError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

try:
    application = get_asgi_application()
except ConfigurationError as exc:
    sys.stderr.write(f"configuration error: {exc}\n")
    raise SystemExit(2) from None
