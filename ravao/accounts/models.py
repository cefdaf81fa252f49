"""Users and what they serve: a membership ties a user to a role over a venue or an administrative unit."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff or official account. `username` holds the login: a normalised phone or a lower-case email."""

    full_name = models.CharField(_("full name"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    COMMUNE_OFFICIAL = "commune_official", _("Commune official")
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
    """A venue manager invites a staff member; the link lets the invitee set a password once."""

    venue = models.ForeignKey("places.Venue", on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VENUE_STAFF)
    login = models.CharField(_("phone or email"), max_length=150)
    full_name = models.CharField(_("full name"), max_length=120)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.login} → {self.venue}"
