"""Writes of accounts, memberships, invitations and password resets.

Staffing (who serves which unit) is audited in the same transaction as the write: every grant, role
change and removal is an AuditEvent with action "staffing.*" whose details name the unit (and its path,
so a province's or district's page lists the history of its communes too), the member and the roles."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from ravao.accounts import conf
from ravao.accounts.models import UNIT_ROLES, Invitation, Membership, PasswordResetCode, Role, User
from ravao.accounts.selectors import unit_kind
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
    *,
    user: User,
    role: str,
    venue: Venue | None = None,
    unit: AdminUnit | None = None,
    granted_by: User | None = None,
) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        user=user, role=role, venue=venue, unit=unit, defaults={"granted_by": granted_by}
    )
    return membership


def _invitation_expiry() -> Any:
    return timezone.now() + timedelta(days=conf.INVITATION_DAYS)


@transaction.atomic
def staff_invite(*, venue: Venue, invited_by: User, login: str, full_name: str) -> Invitation:
    invitation = Invitation.objects.create(
        venue=venue,
        role=Role.VENUE_STAFF,
        login=login,
        full_name=nfc(full_name),
        token=secrets.token_urlsafe(32),
        invited_by=invited_by,
        expires_at=_invitation_expiry(),
    )
    audit_record(actor=invited_by, action="staff.invite", obj=venue, details={"invitation": invitation.pk})
    return invitation


# Which level of unit each official role serves (an administrator of a province oversees the units below it).
ROLE_LEVELS: dict[str, frozenset[str]] = {
    Role.DISTRICT_ADMIN: frozenset({AdminUnit.Level.PROVINCE, AdminUnit.Level.DISTRICT}),
    Role.COMMUNE_OFFICIAL: frozenset({AdminUnit.Level.COMMUNE}),
    # A province's health office (Sở Y tế / CDC) traces across its wards on the two-level map (issue 14).
    Role.HEALTH_OFFICER: frozenset(
        {AdminUnit.Level.PROVINCE, AdminUnit.Level.DISTRICT, AdminUnit.Level.COMMUNE}
    ),
}


def role_fits_unit(role: str, unit: AdminUnit) -> bool:
    return unit.level in ROLE_LEVELS.get(role, frozenset())


def _staffing_details(unit: AdminUnit, **more: Any) -> dict[str, Any]:
    # The unit's path lets a province's or district's staff page list the history of its communes (one
    # prefix filter).
    # The kind names the roles by the unit's level in the history ("Quản trị viên cấp tỉnh").
    return {
        "unit": unit.pk,
        "unit_name": unit.name,
        "unit_path": unit.path,
        "unit_kind": unit_kind(unit),
        **more,
    }


@transaction.atomic
def official_invite(
    *, unit: AdminUnit, role: str, login: str, full_name: str, invited_by: User | None
) -> Invitation:
    """An invitation for an official role over `unit`. Asking again for the same login, role and unit
    (a retried form, a lost link) renews the pending invitation: the previous link stops working."""
    if role not in UNIT_ROLES or not role_fits_unit(role, unit):
        raise ValidationError("This role does not serve this kind of unit.")
    now = timezone.now()
    invitation = (
        Invitation.objects.select_for_update()
        .filter(unit=unit, role=role, login=login, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        invitation = Invitation(unit=unit, role=role, login=login)
    invitation.full_name = nfc(full_name)
    invitation.token = secrets.token_urlsafe(32)
    invitation.invited_by = invited_by
    invitation.expires_at = now + timedelta(days=conf.INVITATION_DAYS)
    invitation.save()
    audit_record(
        actor=invited_by,
        action="staffing.invite",
        obj=unit,
        details=_staffing_details(
            unit, invitation=invitation.pk, role=role, member_name=invitation.full_name
        ),
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """The invitee sets a password; an existing account with the same login just gains the role."""
    # Locked and re-read: two submissions of the same link (a double click) accept it once.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    user = User.objects.filter(username=invitation.login).first()
    if invitation.accepted_at is not None:
        if user is None:
            raise ValidationError("This invitation was already used.")
        return user
    if user is None:
        user = user_create(login=invitation.login, password=password, full_name=invitation.full_name)
    membership = membership_grant(
        user=user,
        role=invitation.role,
        venue=invitation.venue,
        unit=invitation.unit,
        granted_by=invitation.invited_by,
    )
    if invitation.unit is not None:
        audit_record(
            actor=user,
            action="staffing.grant",
            obj=invitation.unit,
            details=_staffing_details(
                invitation.unit,
                invitation=invitation.pk,
                membership=membership.pk,
                member=user.pk,
                member_name=str(user),
                role=invitation.role,
                granted_by=invitation.invited_by_id,
            ),
        )
    else:
        audit_record(
            actor=user, action="staff.join", obj=invitation.venue, details={"invitation": invitation.pk}
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


@transaction.atomic
def official_create(
    *, unit: AdminUnit, role: str, login: str, full_name: str, password: str, email: str = ""
) -> User:
    """An official with a password, made by the `create_admin` command (no acting user: audited as the
    system). An existing account with this login gains the role; its password is left alone."""
    if role not in UNIT_ROLES or not role_fits_unit(role, unit):
        raise ValidationError("This role does not serve this kind of unit.")
    user = User.objects.filter(username=login).first()
    if user is None:
        user = user_create(login=login, password=password, full_name=full_name)
    if email and not user.email:
        user.email = email
        user.save(update_fields=["email"])
    membership = membership_grant(user=user, role=role, unit=unit)
    audit_record(
        actor=None,
        action="staffing.grant",
        obj=unit,
        details=_staffing_details(
            unit, membership=membership.pk, member=user.pk, member_name=str(user), role=role, via="command"
        ),
    )
    return user


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, acting_user: User) -> Membership:
    """Another official role over the same unit. The same role again (a retried form) changes nothing."""
    unit = membership.unit
    if unit is None or role not in UNIT_ROLES or not role_fits_unit(role, unit):
        raise ValidationError("This role does not serve this kind of unit.")
    if membership.role == role:
        return membership
    if Membership.objects.filter(user=membership.user, role=role, unit=unit).exists():
        raise ValidationError("This person already has this role here.")
    previous = membership.role
    membership.role = role
    membership.granted_by = acting_user
    membership.save(update_fields=["role", "granted_by"])
    audit_record(
        actor=acting_user,
        action="staffing.change",
        obj=unit,
        details=_staffing_details(
            unit,
            membership=membership.pk,
            member=membership.user_id,
            member_name=str(membership.user),
            role=role,
            previous_role=previous,
        ),
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, acting_user: User) -> None:
    """The official loses the role at once: every page reads memberships on each request."""
    unit = membership.unit
    assert unit is not None  # only unit memberships are staffed from these pages
    audit_record(
        actor=acting_user,
        action="staffing.remove",
        obj=unit,
        details=_staffing_details(
            unit,
            membership=membership.pk,
            member=membership.user_id,
            member_name=str(membership.user),
            role=membership.role,
        ),
    )
    membership.delete()


# --- Password reset by SMS code --------------------------------------------------------------------


def _code_hash(user_id: int, code: str) -> str:
    return salted_hmac("ravao.accounts.password_reset", f"{user_id}:{code}").hexdigest()


@transaction.atomic
def reset_code_issue(*, user: User) -> str:
    """A new 6-digit code for `user`; earlier unused codes stop working. Returns the code to send."""
    now = timezone.now()
    PasswordResetCode.objects.filter(user=user, used_at__isnull=True).delete()
    code = f"{secrets.randbelow(1_000_000):06d}"
    PasswordResetCode.objects.create(
        user=user,
        code_hash=_code_hash(user.pk, code),
        created_at=now,
        expires_at=now + timedelta(minutes=conf.PASSWORD_RESET_CODE_MINUTES),
    )
    return code


@transaction.atomic
def reset_code_redeem(*, user: User, code: str, password: str) -> bool:
    """Set `password` when `code` is the user's live code. Every try counts, right or wrong; a code
    with too many tries, expired or used, never works again."""
    now = timezone.now()
    entry = (
        PasswordResetCode.objects.select_for_update()
        .filter(user=user, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if entry is None or entry.attempts >= conf.PASSWORD_RESET_CODE_ATTEMPTS:
        return False
    entry.attempts += 1
    if not constant_time_compare(entry.code_hash, _code_hash(user.pk, code)):
        entry.save(update_fields=["attempts"])
        return False
    entry.used_at = now
    entry.save(update_fields=["attempts", "used_at"])
    user_password_reset(user=user, password=password, via="sms")
    return True


@transaction.atomic
def user_password_reset(*, user: User, password: str, via: str) -> None:
    """A new password after a reset. Every session of the user ends (Django checks each session's hash
    of the password), and an unused SMS code is dropped."""
    user.set_password(password)
    user.save(update_fields=["password"])
    PasswordResetCode.objects.filter(user=user, used_at__isnull=True).delete()
    audit_record(actor=user, action="account.password_reset", obj=user, details={"via": via})


def login_digest(login: str) -> str:
    """A stable, non-reversible name for a login, for rate-limit buckets (no personal data in the cache)."""
    return hashlib.sha256(login.encode()).hexdigest()[:32]
