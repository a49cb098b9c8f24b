"""Every write in the accounts app, one module per area; the organization services are re-exported."""

from accounts.services.organizations import (
    membership_add,
    membership_add_check,
    membership_change_role,
    membership_change_role_check,
    membership_remove,
    membership_remove_check,
    organization_create,
    owner_count,
)

__all__ = [
    "membership_add",
    "membership_add_check",
    "membership_change_role",
    "membership_change_role_check",
    "membership_remove",
    "membership_remove_check",
    "organization_create",
    "owner_count",
]
