import os
import sys

from django.core.wsgi import get_wsgi_application

from marketplace.config import ConfigurationError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

try:
    application = get_wsgi_application()
except ConfigurationError as exc:
    sys.stderr.write(f"configuration error: {exc}\n")
    raise SystemExit(2) from None
