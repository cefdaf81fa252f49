"""Users and what they serve: a membership ties a user to a role over a venue or an administrative unit."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff or official account. `username` holds the login: a normalised phone or a lower-case email."""

    full_name = models.CharField(_("full name"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Set when an administrator resets the user's second factor; the next login says so, then clears it.
    second_factor_reset_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    """Internal keys, stored in memberships, tokens and audit rows: they keep their names. The labels here
    are level-neutral; where the unit is known, people read `accounts.selectors.role_label(role, unit)`
    ("Quản trị viên cấp tỉnh", "Cán bộ phường"), named by the unit the role is held over."""

    DISTRICT_ADMIN = "district_admin", _("Administrator")
    COMMUNE_OFFICIAL = "commune_official", _("Commune or ward official")
    HEALTH_OFFICER = "health_officer", _("Health officer")
    VENUE_MANAGER = "venue_manager", _("Venue manager")
    VENUE_STAFF = "venue_staff", _("Venue staff")


VENUE_ROLES = (Role.VENUE_MANAGER, Role.VENUE_STAFF)
UNIT_ROLES = (Role.DISTRICT_ADMIN, Role.COMMUNE_OFFICIAL, Role.HEALTH_OFFICER)


class Membership(models.Model):
    """One role of one user over one scope: a venue for venue roles, an administrative unit otherwise."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    venue = models.ForeignKey(
        "places.Venue", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        "places.AdminUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who granted it (None: the `create_admin` command, the demo, or before this was recorded).
    granted_by = models.ForeignKey("User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role__in=[r.value for r in VENUE_ROLES], venue__isnull=False, unit__isnull=True)
                    | Q(role__in=[r.value for r in UNIT_ROLES], venue__isnull=True, unit__isnull=False)
                ),
            ),
            models.UniqueConstraint(fields=["user", "role", "venue"], name="membership_unique_venue_role"),
            models.UniqueConstraint(fields=["user", "role", "unit"], name="membership_unique_unit_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


class Invitation(models.Model):
    """A link that lets the invitee set a password once and join: venue staff invited by a venue manager,
    or an official invited to a unit by an administrator (or by the `create_admin` command)."""

    venue = models.ForeignKey(
        "places.Venue", null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    unit = models.ForeignKey(
        "places.AdminUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VENUE_STAFF)
    login = models.CharField(_("phone or email"), max_length=150)
    full_name = models.CharField(_("full name"), max_length=120)
    token = models.CharField(max_length=64, unique=True)
    # None for the first administrator, created by the `create_admin` command.
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # None on invitations made before expiry existed: they expire RAVAO_INVITATION_DAYS after creation.
    expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="invitation_scope_matches_role",
                condition=(
                    Q(role__in=[r.value for r in VENUE_ROLES], venue__isnull=False, unit__isnull=True)
                    | Q(role__in=[r.value for r in UNIT_ROLES], venue__isnull=True, unit__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.login} → {self.venue or self.unit}"

    @property
    def scope(self) -> models.Model:
        scope = self.venue or self.unit
        assert scope is not None  # the check constraint
        return scope


class PasswordResetCode(models.Model):
    """A code sent by SMS to reset a password. Only its keyed hash is stored (a 6-digit code is found by
    brute force from a plain hash in a second; the key is SECRET_KEY). Expires, and allows few attempts."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="reset_code_user_time")]

    def __str__(self) -> str:
        return f"reset code of {self.user_id}"
