from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts.models import Membership, Organization, User
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed

Role = Membership.Role


@transaction.atomic
def organization_create(*, name: str, owner: User, slug: str = "") -> Organization:
    name = name.strip()
    if not name:
        raise ValidationFailed("An organization needs a name.", details={"name": ["This field is required."]})
    slug = slugify(slug or name)[:64]
    if not slug:
        raise ValidationFailed("Choose a slug of letters, digits or dashes.", details={"slug": ["Invalid slug."]})
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(f"The slug “{slug}” is taken.", details={"slug": ["An organization with this slug exists."]})
    organization = Organization.objects.create(name=name, slug=slug)
    Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    return organization


def _check_may_grant(*, actor: Membership, role: str) -> None:
    if not actor.can_manage:
        raise Forbidden("Only owners and admins manage members.")
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise Forbidden("Only an owner can make someone an owner.")


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(
            f"Unknown role “{role}”.", details={"role": [f"Choose one of {', '.join(Role.values)}."]}
        )


def membership_add_check(*, actor: Membership, email: str, role: str) -> User:
    """Raise the reason ``membership_add`` would refuse, or return the account it would add."""
    _check_role(role)
    _check_may_grant(actor=actor, role=role)
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_active:
        raise NotFound(
            f"No active account uses {email.strip()}; ask them to sign up first.",
            details={"email": ["No active account with this address; ask them to sign up first."]},
        )
    if Membership.objects.filter(organization=actor.organization, user=user).exists():
        raise Conflict(f"{user.email} is already a member.", details={"email": ["Already a member."]})
    return user


@transaction.atomic
def membership_add(*, actor: Membership, email: str, role: str) -> Membership:
    """Add an existing account to the actor's organization."""
    user = membership_add_check(actor=actor, email=email, role=role)
    try:
        with transaction.atomic():
            return Membership.objects.create(organization=actor.organization, user=user, role=role)
    except IntegrityError:
        raise Conflict(
            f"{user.email} is already a member.", details={"email": ["Already a member of this organization."]}
        ) from None


def _lock_owners(organization: Organization) -> int:
    return len(
        Membership.objects.select_for_update().filter(organization=organization, role=Role.OWNER).values_list("pk")
    )


def membership_change_role_check(*, actor: Membership, membership: Membership, role: str, owners: int) -> None:
    if membership.organization_id != actor.organization_id:
        raise NotFound("Not found.")
    _check_role(role)
    _check_may_grant(actor=actor, role=role)
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise Forbidden("Only an owner can change another owner's role.")
    if membership.role == Role.OWNER and role != Role.OWNER and owners <= 1:
        raise Conflict(
            "An organization keeps at least one owner; make someone else owner first.",
            details={"role": ["This is the last owner."]},
        )


def membership_remove_check(*, actor: Membership, membership: Membership, owners: int) -> None:
    if membership.organization_id != actor.organization_id:
        raise NotFound("Not found.")
    if not actor.can_manage:
        raise Forbidden("Only owners and admins manage members.")
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise Forbidden("Only an owner can remove an owner.")
    if membership.role == Role.OWNER and owners <= 1:
        raise Conflict("An organization keeps at least one owner; make someone else owner first.")


def owner_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.OWNER).count()


@transaction.atomic
def membership_change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    owners = _lock_owners(actor.organization)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    membership_change_role_check(actor=actor, membership=membership, role=role, owners=owners)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, actor: Membership, membership: Membership) -> None:
    owners = _lock_owners(actor.organization)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    membership_remove_check(actor=actor, membership=membership, owners=owners)
    membership.delete()
