from django.http import HttpRequest

from accounts.models import Membership, Organization, User

SESSION_ORGANIZATION_KEY = "organization_id"
ORGANIZATION_HEADER = "HTTP_X_ORGANIZATION"


def membership_list_for_user(*, user: User) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user).select_related("organization").order_by("created", "pk"))


def membership_for_request(request: HttpRequest) -> Membership | None:
    """The one place that decides which organization a request acts for.

    A request carrying an ``X-Organization`` header (an organization slug) acts for that
    organization, if the user belongs to it, and for none otherwise. Without the header, the
    organization chosen in the session (the admin's organization switcher) applies, falling back to
    the user's oldest membership. The answer is cached on the request.
    """
    cached = getattr(request, "_membership", False)
    if cached is not False:
        return cached
    membership = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        memberships = membership_list_for_user(user=user)
        wanted_slug = request.META.get(ORGANIZATION_HEADER, "").strip()
        if wanted_slug:
            membership = next((m for m in memberships if m.organization.slug == wanted_slug), None)
        else:
            session = getattr(request, "session", None)
            wanted_id = session.get(SESSION_ORGANIZATION_KEY) if session is not None else None
            membership = next((m for m in memberships if m.organization_id == wanted_id), None)
            if membership is None and memberships:
                membership = memberships[0]
    request._membership = membership
    return membership


def organization_for_request(request: HttpRequest) -> Organization | None:
    membership = membership_for_request(request)
    return membership.organization if membership else None
