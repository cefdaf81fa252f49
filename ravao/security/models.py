"""Credentials that are not a person's login: API tokens for the systems of health offices and provinces."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ravao.accounts.models import UNIT_ROLES, Role


class ApiToken(models.Model):
    """A named, expiring, revocable key for another system, acting with one role over one administrative unit.

    The secret is shown once at creation; only its SHA-256 is stored (the secret is 32 random bytes, so a
    plain hash cannot be reversed by guessing). `prefix` (not secret) lets people tell tokens apart in lists
    and in the audit log.
    """

    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(
        _("role"), max_length=20, choices=[(r.value, r.label) for r in Role if r in UNIT_ROLES]
    )
    unit = models.ForeignKey("places.AdminUnit", on_delete=models.PROTECT, related_name="api_tokens")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, *, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.revoked_at is None and self.expires_at > moment  # type: ignore[operator]
