"""Audit events and purge runs.

An audit event is written in the same transaction as the write it records, or right after a read of
personal data by an official (person search, case pages, contact lists, exports, gate look-ups). A person
sees the events about them on their personal page; an administrator reviews and filters those of their units.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Role and scope as they were at the time (memberships change later).
    actor_role = models.CharField(max_length=20, blank=True)
    # The office by name, in Vietnamese (its official name, as it was): "UBND Thành phố Hà Nội", "Trạm Y tế
    # Phường Hoàn Kiếm" (`accounts.selectors.office_name`), a venue's name, or a token's office.
    actor_office = models.CharField(max_length=200, blank=True)
    # The kind of unit the role was held over ("province", "district", "commune", "ward", "town", "zone";
    # "" for venue roles and rows written before it was kept), so the role is named by its level.
    actor_unit_kind = models.CharField(max_length=10, blank=True)
    # Dotted verb: "person.search", "gate.lookup", "case.view", "export.xlsx", "venue.approve" ...
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The person whose data was read or changed; kept as a plain id so the row survives the person's
    # deletion without pointing at nothing (and without keeping their data).
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Why: for tracing reads the case id is the purpose; free text otherwise.
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    # Set for reads recorded once per day (a contact shown on a case page): "<action>|<actor>|<scope>|
    # <person>|<day>". Unique, so a second view the same day inserts nothing; NULL for every other event.
    coalesce_key = models.CharField(max_length=160, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["actor", "-at"], name="audit_actor_time")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} by {self.actor_id}"

    def role_label(self) -> str:
        """The official's role in words, named by the kind of unit it was held over ("Cán bộ Trạm Y tế
        phường"), for the person's own page; level-neutral when the kind was not kept."""
        from ravao.accounts.selectors import role_label

        return role_label(self.actor_role, self.actor_unit_kind)

    def purpose_label(self) -> str:
        """What the access was for, in words, from the action's prefix ("case.view" → contact tracing)."""
        prefix = self.action.split(".", 1)[0]
        return str(PURPOSES.get(prefix, _("Other access")))


PURPOSES = {
    "case": _("Contact tracing"),
    "contact": _("Contact tracing"),
    "trace": _("Contact tracing"),
    "person": _("Person search for contact tracing"),
    "tracing": _("Contact tracing"),
    "export": _("Contact list export"),
    "gate": _("Check at a venue's gate"),
    "oversight": _("Compliance check"),
    "audit": _("Audit review"),
}


class PurgeRun(models.Model):
    """One run of `ravao purge`: when, the cut-off dates, and counts only (never the data)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cutoffs = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"purge {self.started_at:%Y-%m-%d %H:%M}"
