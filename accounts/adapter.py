"""How allauth signs people in and writes to them, adjusted for Assay.

Failed sign-ins are limited twice over (``ACCOUNT_RATE_LIMITS["login_failed"]`` in the settings):

- per client network, against one address spraying guesses across many accounts;
- per (account, client network): a few wrong passwords for an account from one network pause
  sign-in to that account *from that network* only. allauth's own key is the login email alone,
  which lets anyone lock a person out by failing on their address; here the owner, signing in from
  anywhere else, is never affected.

The client address is the one allauth derives (``ALLAUTH_TRUSTED_PROXY_COUNT``): with no trusted
proxy, ``X-Forwarded-For`` is ignored, so a forged header cannot buy fresh attempts. IPv6 addresses
count per /64, like allauth's own per-IP limits.

A completed password reset proves control of the mailbox, so it lifts the pause on that account for
the network the reset was completed from; it does not reset the per-network counter, which would
otherwise let someone wipe their spraying record by resetting the password of an account of their own.

Emails get the product name and the public site address in their context, and notifications name
the person they are about, so the templates under ``templates/account/email/`` and
``templates/mfa/email/`` can greet them.
"""

from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import filter_users_by_email
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

RATE_LIMIT_APP = "allauth.account"
LOGIN_FAILED = "login_failed"


def _login_failed_rate_specs(per: str) -> str:
    """The parts of the ``login_failed`` rate setting that count ``per`` ("ip" or "key"), verbatim.

    Verbatim matters: allauth names each counter after its parsed rate, and "1m" and "60s" parse
    to different names; a dry run or a clear given the same text reaches the same counter.
    """
    configured = account_settings.RATE_LIMITS.get(LOGIN_FAILED) or ""
    parts = [part.strip() for part in configured.split(",") if part.strip()]
    return ",".join(part for part in parts if ratelimit.parse_rate(part).per == per)


def _longest_window(specs: str) -> str:
    """The longest window among ``specs``, in words: "15 minutes", "1 minute", "30 seconds"."""
    seconds = round(max((rate.duration for rate in ratelimit.parse_rates(specs)), default=0))
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


class AccountAdapter(DefaultAccountAdapter):
    @property
    def error_messages(self) -> dict:
        messages = dict(DefaultAccountAdapter.error_messages)
        # Shown when a second-factor code or a sign-in code is tried too often for one account.
        messages["too_many_login_attempts"] = (
            "Too many failed attempts for this account. "
            f"Try again in {_longest_window(_login_failed_rate_specs('key'))}."
        )
        return messages

    # --- Failed sign-ins ---------------------------------------------------------------------

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Name the (account, client network) pair a sign-in attempt counts against.

        An address that belongs to an account stands for the account, so all of its addresses
        share one allowance; an address that belongs to nobody stands for itself. The site's host
        name is left out on purpose: it comes from the request's Host header, and every allowed
        host would otherwise be a fresh allowance.
        """
        login = str(credentials.get("email") or credentials.get("username") or "").strip().lower()
        users = filter_users_by_email(login) if login else []
        account = f"user:{users[0].pk}" if len(users) == 1 else f"login:{login}"
        return f"{account}|ip:{ratelimit.get_ip(request)}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            raise self._login_paused_error(request) from None

    def _login_paused_error(self, request: HttpRequest) -> ValidationError:
        network_specs = _login_failed_rate_specs("ip")
        network_paused = bool(network_specs) and not ratelimit.consume(
            request, app=RATE_LIMIT_APP, action=LOGIN_FAILED, config={LOGIN_FAILED: network_specs}, dry_run=True
        )
        if network_paused:
            message = (
                f"Too many failed sign-in attempts from your network. Try again in {_longest_window(network_specs)}."
            )
        else:
            message = (
                "Too many failed attempts from this network for this account. "
                f"Try again in {_longest_window(_login_failed_rate_specs('key'))}, or reset your password."
            )
        return ValidationError(message, code="too_many_login_attempts")

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        """After a password reset, lift the pause on the account for the resetting network only."""
        key_specs = _login_failed_rate_specs("key")
        if not key_specs:
            return
        ratelimit.clear(
            request,
            app=RATE_LIMIT_APP,
            action=LOGIN_FAILED,
            config={LOGIN_FAILED: key_specs},
            key=self._get_login_attempts_cache_key(request, **credentials),
        )

    # --- Email -------------------------------------------------------------------------------

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {"product_name": settings.PRODUCT_NAME, "site_url": settings.SITE_URL, **context}
        if allauth_context.request is None and self.request is not None:
            # allauth sends some notices from a commit hook; should the commit come after its
            # request context has closed, render within the request this adapter was made for.
            with allauth_context.request_context(self.request):
                super().send_mail(template_prefix, email, context)
        else:
            super().send_mail(template_prefix, email, context)

    def send_password_reset_mail(self, user, email: str, context: dict[str, Any]) -> None:
        days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86_400)
        context = {"link_lifetime": f"{days} day{'' if days == 1 else 's'}", **context}
        super().send_password_reset_mail(user, email, context)

    def send_notification_mail(
        self,
        template_prefix: str,
        user,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        """Security notices name the person and link to what they need if the change was not theirs."""
        context = {
            "user": user,
            "password_reset_url": build_absolute_uri(self.request, reverse("account_reset_password")),
            "two_factor_url": build_absolute_uri(self.request, reverse("mfa_index")),
            **(context or {}),
        }
        super().send_notification_mail(template_prefix, user, context, email)
