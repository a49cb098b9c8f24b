from django.conf import settings
from django.utils.functional import SimpleLazyObject

from accounts.selectors import membership_list_for_user


def product(request) -> dict:
    """The product name, and the user's memberships for the navigation (queried only when shown)."""
    user = getattr(request, "user", None)
    memberships = SimpleLazyObject(lambda: membership_list_for_user(user=user) if user is not None else [])
    return {"product_name": settings.PRODUCT_NAME, "memberships": memberships}
