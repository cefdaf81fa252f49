"""Triage of a case's contacts in bulk (issue 11, item 1): the filters of the case page's contact list and
the services that confirm, dismiss, reset or assign many contacts in one transaction.

The list is filtered and ranked by the database and paginated, so a case with thousands of F2s costs the
same few queries as one with five; only the rows shown are explained. A bulk action does what the
single-contact services do (decision, person status colour, one SMS per newly confirmed contact, an audit
row per contact) in a handful of statements whatever the number of contacts, and a retried request finds
the work done: nothing changes twice, nobody is texted twice.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Case as CaseWhen
from django.db.models import Count, IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ravao.accounts.models import User
from ravao.notifications.models import Notification
from ravao.notifications.services import notification_queue_many
from ravao.people.services import persons_set_case_status
from ravao.privacy.services import actor_office, audit_record, audit_record_many
from ravao.tracing.access import ROLE
from ravao.tracing.followup import contacts_assign, followups_open
from ravao.tracing.models import Case, Contact, Team, TeamMember

PAGE_SIZE = 50
NOTIFY_TOPIC = "tracing.contact"

# --- the filtered, ranked list -----------------------------------------------------------------------
FILTERS = ("tier", "generation", "venue", "area", "commune", "decision", "followup")


def _choice(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False)


class TriageFilterForm(forms.Form):
    """The contact list's filters, as GET parameters (the bulk form repeats them as hidden fields, so
    "all matching this filter" means the same rows on the server). Venue, area and commune choices are
    those of the case's own contacts."""

    tier = _choice(_("Tier"))
    generation = _choice(_("Generation"))
    venue = _choice(_("Venue"))
    area = _choice(_("Area"))
    commune = _choice(_("Commune of residence"))
    decision = _choice(_("Decision"))
    followup = _choice(_("Follow-up"))

    def __init__(self, data: Any, *, case: Case) -> None:
        super().__init__({k: data.get(k, "") for k in FILTERS} if data is not None else None)
        facets = contact_facets(case)
        anything: list[tuple[str, Any]] = [("", _("All"))]
        choices: dict[str, list[tuple[str, Any]]] = {
            "tier": list(Contact.Tier.choices),
            "generation": [("1", "F1"), ("2", "F2")],
            "venue": facets["venue"],
            "area": facets["area"],
            "commune": facets["commune"],
            "decision": list(Contact.Decision.choices),
            "followup": list(Contact.FollowUp.choices),
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = anything + options

    def filters(self) -> dict[str, str]:
        """The valid, non-empty filters (an invalid one is reported by the form and not applied)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}


def contact_facets(case: Case) -> dict[str, list[tuple[str, str]]]:
    """The venues, areas and communes of residence of a case's contacts, for the filter choices (three
    small DISTINCT queries, whatever the number of contacts)."""
    contacts = Contact.objects.filter(case=case).order_by()
    venues = contacts.values_list("venue_id", "venue__name").distinct()
    areas = contacts.filter(area__isnull=False).values_list("area_id", "area__name", "venue__name").distinct()
    communes = (
        contacts.filter(person__commune__isnull=False)
        .values_list("person__commune_id", "person__commune__name")
        .distinct()
    )
    return {
        "venue": sorted(((str(pk), name) for pk, name in venues), key=lambda c: c[1]),
        "area": sorted(((str(pk), f"{venue} · {name}") for pk, name, venue in areas), key=lambda c: c[1]),
        "commune": sorted(((str(pk), name) for pk, name in communes), key=lambda c: c[1]),
    }


_FIELD = {
    "tier": "tier",
    "generation": "generation",
    "venue": "venue_id",
    "area": "area_id",
    "commune": "person__commune_id",
    "decision": "decision",
    "followup": "followup",
}


def _where(case: Case, filters: dict[str, str]) -> QuerySet[Contact]:
    return Contact.objects.filter(case=case, **{_FIELD[k]: v for k, v in filters.items() if k in _FIELD})


def contacts_filtered(case: Case, filters: dict[str, str]) -> QuerySet[Contact]:
    """The case's contacts matching `filters`, ranked as the case page shows them: F1 before F2; confirmed,
    then candidates, then dismissed; then tier, overlap, earliest (`selectors.rank_key`), in SQL."""
    return (
        _where(case, filters)
        .annotate(
            decision_rank=CaseWhen(
                When(decision=Contact.Decision.CONFIRMED, then=Value(2)),
                When(decision=Contact.Decision.CANDIDATE, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            tier_rank=CaseWhen(
                When(tier=Contact.Tier.HIGH, then=Value(3)),
                When(tier=Contact.Tier.MEDIUM, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("generation", "-decision_rank", "-tier_rank", "-overlap_minutes", "contact_start", "pk")
    )


def contact_rows(queryset: QuerySet[Contact]) -> QuerySet[Contact]:
    """What a row of the list shows, joined in the same query (no query per row)."""
    return queryset.select_related(
        "person", "person__commune", "venue", "area", "via__person", "team", "assignee"
    )


def contacts_by_ids(ids: list[int]) -> list[Contact]:
    """The rows of `ids`, in that order, with what a row shows (one query)."""
    found = contact_rows(Contact.objects.filter(pk__in=ids)).in_bulk()
    return [found[pk] for pk in ids if pk in found]


@dataclass(frozen=True)
class Counts:
    f1: int
    f1_confirmed: int
    f2: int
    f2_confirmed: int
    candidates: int


def contact_counts(case: Case) -> Counts:
    """The counters above the list, in one grouped query."""
    by: dict[tuple[int, str], int] = {
        (row["generation"], row["decision"]): row["n"]
        for row in Contact.objects.filter(case=case)
        .order_by()
        .values("generation", "decision")
        .annotate(n=Count("pk"))
    }

    def total(generation: int) -> int:
        return sum(n for (g, _d), n in by.items() if g == generation)

    confirmed = Contact.Decision.CONFIRMED
    return Counts(
        f1=total(1),
        f1_confirmed=by.get((1, confirmed), 0),
        f2=total(2),
        f2_confirmed=by.get((2, confirmed), 0),
        candidates=sum(n for (_g, d), n in by.items() if d == Contact.Decision.CANDIDATE),
    )


# --- teams and workers of the case's scope -----------------------------------------------------------
def teams_for_case(case: Case) -> list[Team]:
    """The health teams a case's contacts may be given to: the case's office and the teams under it."""
    return list(Team.objects.filter(unit__path__startswith=case.unit.path).select_related("unit"))


def workers_for_case(case: Case) -> list[TeamMember]:
    """The field workers of those teams (one query)."""
    return list(
        TeamMember.objects.filter(team__unit__path__startswith=case.unit.path)
        .select_related("user", "team")
        .order_by("team__unit__path", "user__full_name", "pk")
    )


# --- bulk services -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BulkResult:
    matched: list[int]  # the case's contacts among those asked (ids of another case are ignored)
    changed: list[int]  # those whose state changed (none on a retry)


DECISIONS = (Contact.Decision.CONFIRMED, Contact.Decision.DISMISSED, Contact.Decision.CANDIDATE)


def _locked(case: Case, contact_ids: list[int]) -> list[Contact]:
    """The case's contacts among `contact_ids`, locked (a second officer's bulk action waits); ids of
    another case are ignored."""
    return list(
        Contact.objects.select_for_update(of=("self",))
        .filter(case=case, pk__in=contact_ids)
        .select_related("person", "person__household_of", "person__commune", "case__unit")
        .order_by("pk")
    )


def _office(acting_user: User) -> str:
    return actor_office(acting_user, ROLE)[0]


def _refresh_persons_status(person_ids: set[int]) -> None:
    """`services._refresh_person_status` for many persons: red while they have an open case, yellow while
    confirmed as a contact under follow-up of an open case, cleared otherwise. Three reads, at most three
    UPDATEs."""
    if not person_ids:
        return
    ids = list(person_ids)
    cases = set(
        Case.objects.filter(person_id__in=ids, status=Case.Status.OPEN).values_list("person_id", flat=True)
    )
    followed = set(
        Contact.objects.filter(
            person_id__in=ids, decision=Contact.Decision.CONFIRMED, case__status=Case.Status.OPEN
        )
        .exclude(followup__in=[Contact.FollowUp.NEGATIVE, Contact.FollowUp.POSITIVE])
        .values_list("person_id", flat=True)
        .distinct()
    )
    wanted: dict[str, list[int]] = {"case": [], "contact": [], "": []}
    for pk in ids:
        wanted["case" if pk in cases else "contact" if pk in followed else ""].append(pk)
    for status, group in wanted.items():
        persons_set_case_status(person_ids=group, case_status=status)


def _notify_text() -> str:
    # The same words as a single confirmation (services.contact_decide), in the deployment's language.
    from ravao.tracing.services import _notify_text as text

    with translation.override(settings.LANGUAGE_CODE):
        return text()


@transaction.atomic
def contacts_decide(
    *,
    case: Case,
    contact_ids: list[int],
    decision: str,
    acting_user: User,
    request: HttpRequest | None = None,
) -> BulkResult:
    """Confirm, dismiss or put back to candidate many contacts of one case: what `contact_decide` does for
    each (the person's status colour, an SMS to each newly confirmed contact with a phone, an audit row
    per contact), in a few statements. Contacts already in that state are left alone, so a retried
    request changes nothing and texts nobody twice."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    locked = _locked(case, contact_ids)
    contacts = [c for c in locked if c.decision != decision]
    changed = [c.pk for c in contacts]
    if contacts:
        Contact.objects.filter(pk__in=changed).update(decision=decision, updated_at=timezone.now())
        # As `contact_decide`: confirming opens the daily follow-up period and picks the team (one bulk
        # UPDATE); dismissing ends the period.
        if decision == Contact.Decision.CONFIRMED:
            followups_open(contacts=contacts)
        elif decision == Contact.Decision.DISMISSED:
            Contact.objects.filter(pk__in=changed).update(followup_start=None, followup_until=None)
        _refresh_persons_status({c.person_id for c in contacts})
        audit_record_many(
            actor=acting_user,
            action=f"contact.{decision}",
            entries=[(c.person_id, c, {"case_id": case.pk, "bulk": True}) for c in contacts],
            request=request,
            role=ROLE,
            office=_office(acting_user),
        )
        if decision == Contact.Decision.CONFIRMED:
            _notify_confirmed(contacts)
    audit_record(
        actor=acting_user,
        action="contact.bulk",
        person_id=case.person_id,
        obj=case,
        reason=f"case:{case.pk}",
        request=request,
        role=ROLE,
        details={"action": decision, "asked": len(contact_ids), "changed": len(changed)},
    )
    return BulkResult([c.pk for c in locked], changed)


def _notify_confirmed(contacts: list[Contact]) -> None:
    """One SMS per newly confirmed contact reachable by phone (their own, else their household holder's),
    unless one was already queued for that contact (confirmed, reset, confirmed again)."""
    phones = {c.pk: c.person.contact_phone for c in contacts}
    already = set(
        Notification.objects.filter(
            topic=NOTIFY_TOPIC, ref_id__in=[str(pk) for pk, phone in phones.items() if phone]
        ).values_list("ref_id", flat=True)
    )
    recipients: list[tuple[str, object]] = [
        (phone, pk) for pk, phone in phones.items() if phone and str(pk) not in already
    ]
    if recipients:
        notification_queue_many(
            channel=Notification.Channel.SMS, body=_notify_text(), topic=NOTIFY_TOPIC, recipients=recipients
        )


@transaction.atomic
def contact_assign(
    *,
    case: Case,
    contact_ids: list[int],
    team: Team | None,
    assignee: User | None,
    acting_user: User,
    request: HttpRequest | None = None,
) -> BulkResult:
    """Give many contacts of a case to a health team and/or one of its field workers, through the work
    lists' `followup.contacts_assign` (its checks, one audit row per contact), for the contacts whose team
    or worker changes: a retried request changes nothing and records nothing twice. Raises
    `FollowUpError` (a user-facing message) when the worker is not in the contacts' team."""
    if team is None and assignee is None:
        raise ValueError("a team or a worker is required")
    contacts = _locked(case, contact_ids)
    changed = [
        c
        for c in contacts
        if (team is not None and c.team_id != team.pk)
        or (assignee is not None and c.assignee_id != assignee.pk)
    ]
    if changed:
        contacts_assign(
            contacts=changed, team=team, assignee=assignee, acting_user=acting_user, request=request
        )
    return BulkResult([c.pk for c in contacts], [c.pk for c in changed])


def matching_ids(case: Case, filters: dict[str, str]) -> list[int]:
    """Every contact id of "all N matching this filter" (one query, ids only)."""
    return list(_where(case, filters).order_by().values_list("pk", flat=True))
