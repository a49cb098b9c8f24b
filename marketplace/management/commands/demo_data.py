from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from marketplace.demo import DEMO_PASSWORD, demo_data_create


class Command(BaseCommand):
    help = "Create demo accounts and labs (idempotent) and print the logins."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data has well-known passwords; it is never created in production.")
        # The demo people are fictional: the emails their onboarding would send go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            logins = demo_data_create()
        width = max(len(login.who) for login in logins)
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for every account: {DEMO_PASSWORD})"))
        for login in logins:
            note = "" if login.created else "  (already there)"
            self.stdout.write(f"  {login.who.ljust(width)}  {login.email}{note}")
        self.stdout.write("Site: http://127.0.0.1:8000/   Lab admin: http://127.0.0.1:8000/admin/")
