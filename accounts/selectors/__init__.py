from accounts.selectors.organizations import (
    ORGANIZATION_HEADER,
    SESSION_ORGANIZATION_KEY,
    membership_for_request,
    membership_list_for_user,
    organization_for_request,
)

__all__ = [
    "ORGANIZATION_HEADER",
    "SESSION_ORGANIZATION_KEY",
    "membership_for_request",
    "membership_list_for_user",
    "organization_for_request",
]
