"""Writes of accounts, memberships and invitations."""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from ravao.accounts.models import Invitation, Membership, Role, User
from ravao.lib.phone import normalise_phone
from ravao.lib.text import nfc
from ravao.places.models import AdminUnit, Venue
from ravao.privacy.services import audit_record


def normalise_login(raw: str) -> str | None:
    """A login is a Vietnamese phone number or an email address; None when it is neither."""
    value = raw.strip()
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            return None
        return value.lower()
    return normalise_phone(value)


@transaction.atomic
def user_create(*, login: str, password: str, full_name: str) -> User:
    user = User(username=login, full_name=nfc(full_name))
    if "@" in login:
        user.email = login
    else:
        user.phone = login
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def membership_grant(
    *, user: User, role: str, venue: Venue | None = None, unit: AdminUnit | None = None
) -> Membership:
    membership, _ = Membership.objects.get_or_create(user=user, role=role, venue=venue, unit=unit)
    return membership


@transaction.atomic
def staff_invite(*, venue: Venue, invited_by: User, login: str, full_name: str) -> Invitation:
    invitation = Invitation.objects.create(
        venue=venue,
        role=Role.VENUE_STAFF,
        login=login,
        full_name=nfc(full_name),
        token=secrets.token_urlsafe(32),
        invited_by=invited_by,
    )
    audit_record(actor=invited_by, action="staff.invite", obj=venue, details={"invitation": invitation.pk})
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """The invitee sets a password; an existing account with the same login just gains the role."""
    user = User.objects.filter(username=invitation.login).first()
    if user is None:
        user = user_create(login=invitation.login, password=password, full_name=invitation.full_name)
    membership_grant(user=user, role=invitation.role, venue=invitation.venue)
    audit_record(actor=user, action="staff.join", obj=invitation.venue, details={"invitation": invitation.pk})
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user
