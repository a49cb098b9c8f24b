"""The tenant boundary.

An organization (a lab) owns rows. Every lab-owned model inherits ``OrganizationOwned``: it carries
its ``organization`` directly (so tenant tables can later be distributed by organization id) and
its default manager offers ``for_org(organization)``. Lab data is reached through one of three
doors, each of which applies the scope in one place and nowhere else:

- the admin: ``marketplace.admin.TenantAdmin``;
- the API: ``marketplace.api.OrganizationScopedMixin``;
- services and selectors, which take the organization as an argument and call ``for_org``.

A request's organization is resolved once, by ``accounts.selectors.membership_for_request``.
"""

from django.db import models


class OrganizationScopedQuerySet(models.QuerySet):
    def for_org(self, organization) -> "OrganizationScopedQuerySet":
        """Rows owned by ``organization``; nothing at all when it is ``None`` (fail closed)."""
        if organization is None:
            return self.none()
        return self.filter(organization=organization)


class OrganizationOwned(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        editable=True,
    )

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        abstract = True


def is_organization_owned(model: type[models.Model]) -> bool:
    """True for models whose rows belong to one organization."""
    try:
        field = model._meta.get_field("organization")
    except Exception:
        return False
    return bool(field.is_relation and field.related_model._meta.label == "accounts.Organization")


def is_tenant_model(model: type[models.Model]) -> bool:
    """True for the organization itself and every model it owns: the tenant's data."""
    return model._meta.label == "accounts.Organization" or is_organization_owned(model)
