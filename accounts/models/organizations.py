from django.db import models

from accounts.models.users import User
from marketplace.tenancy import OrganizationOwned, OrganizationScopedQuerySet


class OrganizationQuerySet(models.QuerySet):
    def for_org(self, organization) -> "OrganizationQuerySet":
        if organization is None:
            return self.none()
        return self.filter(pk=organization.pk)


class Organization(models.Model):
    """A lab: the tenant. Everything a lab owns points here."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True, help_text="Short name used in URLs and the API.")
    created = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(OrganizationOwned):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        REVIEWER = "reviewer", "Reviewer"
        VIEWER = "viewer", "Viewer"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created = models.DateTimeField(auto_now_add=True)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "created", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_per_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "admin", "reviewer", "viewer"]), name="membership_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["user", "created"], name="membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organization})"

    @property
    def can_manage(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.ADMIN}
