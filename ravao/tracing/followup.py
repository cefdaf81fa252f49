"""Health teams, work lists and the daily follow-up of confirmed contacts (issue 11, items 2–3).

Modelled on SORMAS (a contact's "follow-up until", one *visit* per day with its symptoms, a follow-up status
that ends as completed or lost) and Go.Data (teams per location, round-robin assignment of the day's
follow-ups, the "seen in the last 24 h / not seen for N days" indicators). Read, not copied.

Who sees what (BRIEF §4): a health officer sees the teams of their units and below; a field worker (a
member of a team, who also holds the health-officer role over the team's unit or one under it) sees the
contacts of their teams. A team of a unit is managed by the health officers and administrators of that unit
or of a unit above it. Missing and forbidden objects are both 404.

Lost and completed are *stored* statuses, set by `ravao followup_update` (daily) rather than computed on
each page: the dashboard then counts them with one grouped query, and the case page, the exports and the
interop files read the same fact from the row. Missed days are computed live on the work list.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import cycle
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ravao.accounts.models import Membership, Role, User
from ravao.accounts.selectors import user_roles, user_units
from ravao.people.models import HealthDeclaration, Person
from ravao.places.models import AdminUnit
from ravao.places.units import under_paths
from ravao.privacy.services import audit_record, audit_record_many
from ravao.tracing import conf
from ravao.tracing.access import ROLE, cases_in_scope, is_tracer, tracer_units
from ravao.tracing.models import Contact, FollowUpVisit, Team, TeamMember

FollowUp = Contact.FollowUp
# Still followed up day by day. A negative test does not end the period (SORMAS keeps following up).
ACTIVE = (
    FollowUp.TO_CALL,
    FollowUp.REACHED,
    FollowUp.QUARANTINED,
    FollowUp.TESTED,
    FollowUp.NEGATIVE,
    FollowUp.SUSPECTED,
)
# At the end of the period these become "completed"; suspected and tested wait for the test result.
COMPLETABLE = (FollowUp.TO_CALL, FollowUp.REACHED, FollowUp.QUARANTINED, FollowUp.NEGATIVE)
REACHED = (FollowUpVisit.Status.SEEN_OK, FollowUpVisit.Status.SEEN_NOT_OK)
SYMPTOMS = HealthDeclaration.SYMPTOM_FIELDS
TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))
MANAGER_ROLES = (Role.HEALTH_OFFICER, Role.DISTRICT_ADMIN)


class FollowUpError(ValueError):
    """Bad input to a follow-up service; the message is for the user (already translated)."""


# --- access ------------------------------------------------------------------------------------------
def _paths(units: QuerySet[AdminUnit]) -> list[str]:
    return list(units.values_list("path", flat=True))


def may_manage_teams(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(set(MANAGER_ROLES) & user_roles(user))


def manageable_units(user: User) -> QuerySet[AdminUnit]:
    """Units whose team the user may create and staff: under their health-officer or admin units."""
    if not may_manage_teams(user):
        return AdminUnit.objects.none()
    paths = _paths(user_units(user, roles=MANAGER_ROLES))
    if not paths:
        return AdminUnit.objects.none()
    return AdminUnit.objects.active().filter(under_paths(paths, "path")).order_by("path")


def teams_in_scope(user: User) -> QuerySet[Team]:
    """Teams a user sees: under their health-officer or admin units, and those they are a member of."""
    if not getattr(user, "is_authenticated", False):
        return Team.objects.none()
    condition = Q(members__user=user)
    paths = _paths(user_units(user, roles=MANAGER_ROLES))
    if paths:
        condition |= under_paths(paths, "unit__path")
    ids = Team.objects.filter(condition).values("pk")
    return Team.objects.filter(pk__in=ids)


def access_team(user: User, team_id: int) -> Team:
    team = teams_in_scope(user).select_related("unit").filter(pk=team_id).first()
    if team is None:
        raise Http404
    return team


def _membership(user: User, team: Team) -> TeamMember | None:
    return TeamMember.objects.filter(team=team, user=user).first()


def may_manage_team(user: User, team: Team) -> bool:
    """Administrators and health officers over the team's unit, except its plain (non-lead) members: a
    field worker is a health officer of the commune too, but does not staff the team."""
    member = _membership(user, team)
    if member is not None:
        return member.is_lead
    paths = _paths(user_units(user, roles=MANAGER_ROLES))
    return any(team.unit.path.startswith(p) for p in paths)


def may_assign(user: User, team: Team) -> bool:
    """A lead of the team, or a health officer over its unit who is not a plain member, hands out its
    contacts."""
    if not is_tracer(user):
        return False
    member = _membership(user, team)
    if member is not None:
        return member.is_lead
    return any(team.unit.path.startswith(p) for p in _paths(tracer_units(user)))


def followup_contacts(user: User) -> QuerySet[Contact]:
    """Contacts a user may follow up: those of teams they see (health officers only, purpose limitation:
    an administrator staffs teams but does not read contacts)."""
    if not is_tracer(user):
        return Contact.objects.none()
    condition = Q(members__user=user)
    paths = _paths(tracer_units(user))
    if paths:
        condition |= under_paths(paths, "unit__path")
    teams = Team.objects.filter(condition).values("pk")
    return Contact.objects.filter(team__in=teams, decision=Contact.Decision.CONFIRMED)


def access_followup_contact(user: User, contact_id: int) -> Contact:
    contact = (
        followup_contacts(user)
        .select_related("person", "person__commune", "person__household_of", "case", "team")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise Http404
    return contact


def eligible_members(team: Team) -> QuerySet[User]:
    """Users with the health-officer role over the team's unit or a unit under it."""
    ids = Membership.objects.filter(role=Role.HEALTH_OFFICER, unit__path__startswith=team.unit.path).values(
        "user_id"
    )
    return User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "username")


# --- teams -------------------------------------------------------------------------------------------
def default_team_name(unit: AdminUnit) -> str:
    """ "Trạm Y tế xã Hạ Bằng", "Trung tâm Y tế huyện Thạch Thất": stored in the deployment's language."""
    place = unit.name[:1].lower() + unit.name[1:]
    with translation.override(settings.LANGUAGE_CODE):
        if unit.level == AdminUnit.Level.COMMUNE:
            return _("Health station of %(unit)s") % {"unit": place}
        if unit.level == AdminUnit.Level.DISTRICT:
            return _("Health centre of %(unit)s") % {"unit": place}
        return _("Disease control centre of %(unit)s") % {"unit": place}


def _team_audit(
    actor: User, action: str, team: Team, request: HttpRequest | None, details: dict[str, Any] | None = None
) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=team,
        reason=f"team:{team.pk}",
        request=request,
        role=ROLE,
        details={"unit": team.unit_id, **(details or {})},
    )


@transaction.atomic
def team_create(
    *, unit: AdminUnit, name: str = "", acting_user: User, request: HttpRequest | None = None
) -> Team:
    """The team of a unit; a retried request returns the one already there."""
    team, created = Team.objects.get_or_create(
        unit=unit, defaults={"name": (name.strip() or default_team_name(unit))[:120]}
    )
    if created:
        _team_audit(acting_user, "team.create", team, request, {"name": team.name})
    return team


@transaction.atomic
def team_member_add(
    *, team: Team, user: User, is_lead: bool = False, acting_user: User, request: HttpRequest | None = None
) -> TeamMember:
    if not eligible_members(team).filter(pk=user.pk).exists():
        raise FollowUpError(_("Only health officers of this unit or a unit under it can join its team."))
    member, created = TeamMember.objects.get_or_create(team=team, user=user, defaults={"is_lead": is_lead})
    if created:
        _team_audit(acting_user, "team.member_add", team, request, {"user": user.pk, "lead": is_lead})
    return member


@transaction.atomic
def team_member_remove(
    *, team: Team, user: User, acting_user: User, request: HttpRequest | None = None
) -> int:
    """Remove a member; their contacts in this team go back to the team's unassigned list (nobody would
    call them otherwise). Returns how many were handed back."""
    deleted, _rows = TeamMember.objects.filter(team=team, user=user).delete()
    handed_back = Contact.objects.filter(team=team, assignee=user).update(assignee=None)
    if deleted:
        _team_audit(
            acting_user, "team.member_remove", team, request, {"user": user.pk, "contacts": handed_back}
        )
    return handed_back


@transaction.atomic
def team_member_set_lead(
    *, member: TeamMember, is_lead: bool, acting_user: User, request: HttpRequest | None = None
) -> TeamMember:
    if member.is_lead != is_lead:
        member.is_lead = is_lead
        member.save(update_fields=["is_lead"])
        _team_audit(
            acting_user, "team.member_lead", member.team, request, {"user": member.user_id, "lead": is_lead}
        )
    return member


# --- which team follows a contact up -----------------------------------------------------------------
def _ancestor_paths(path: str) -> list[str]:
    """ "t/01/276/10009/" → ["t/01/276/10009/", "t/01/276/", "t/01/"] (nearest first)."""
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[:n]) + "/" for n in range(len(parts), 0, -1)]


def _teams_by_path(paths: set[str]) -> dict[str, Team]:
    return {t.unit.path: t for t in Team.objects.filter(unit__path__in=paths).select_related("unit")}


def _nearest(path: str | None, teams: dict[str, Team]) -> Team | None:
    if not path:
        return None
    return next((teams[p] for p in _ancestor_paths(path) if p in teams), None)


def teams_for(contacts: list[Contact]) -> dict[int, Team | None]:
    """Rule 2 for many contacts in two queries: the team of the person's commune of residence, else of the
    nearest unit above it that has one, else the nearest team at or above the case's unit."""
    contacts = [c for c in contacts]
    person_units = {
        c.pk: c.person.commune.path if c.person.commune_id and c.person.commune else None for c in contacts
    }
    case_units = {c.pk: c.case.unit.path for c in contacts}
    wanted: set[str] = set()
    for path in [*person_units.values(), *case_units.values()]:
        if path:
            wanted.update(_ancestor_paths(path))
    teams = _teams_by_path(wanted)
    return {c.pk: _nearest(person_units[c.pk], teams) or _nearest(case_units[c.pk], teams) for c in contacts}


# --- the follow-up period ----------------------------------------------------------------------------
def last_exposure_day(contact: Contact) -> date:
    """The local date of the end of the contact's last exposure to the source (the best one and every
    other kept in `exposures`)."""
    last = contact.contact_end
    for exposure in contact.exposures or []:
        end = parse_datetime(str(exposure.get("end") or ""))
        if end is not None and end > last:
            last = end
    return timezone.localdate(last)


def _period(contact: Contact) -> tuple[date, date]:
    last = last_exposure_day(contact)
    return last + timedelta(days=1), last + timedelta(days=conf.FOLLOWUP_DAYS)


def followups_open(*, contacts: list[Contact], now: datetime | None = None) -> int:
    """Open the follow-up period of confirmed contacts (the bulk triage calls this after confirming):
    from the day after the last exposure to that day + RAVAO_FOLLOWUP_DAYS, and a team by rule 2 for
    those that have none (a team chosen by hand is kept). The caller's transaction and audit cover it.
    Contacts should come with `person__commune` and `case__unit` selected (else a query each)."""
    if not contacts:
        return 0
    teams = teams_for([c for c in contacts if c.team_id is None])
    today = timezone.localdate(now or timezone.now())
    for contact in contacts:
        contact.followup_start, contact.followup_until = _period(contact)
        if contact.followup_opened_on is None:
            contact.followup_opened_on = today
        if contact.team_id is None and teams.get(contact.pk) is not None:
            contact.team = teams[contact.pk]
    Contact.objects.bulk_update(contacts, ["followup_start", "followup_until", "followup_opened_on", "team"])
    return len(contacts)


def followup_open(*, contact: Contact, now: datetime | None = None) -> Contact:
    followups_open(contacts=[contact], now=now)
    return contact


def followup_clear(*, contact: Contact) -> Contact:
    """A dismissed contact is no longer followed up: the period goes (the team and the visits stay, for
    the record)."""
    contact.followup_start = contact.followup_until = contact.followup_opened_on = None
    contact.save(update_fields=["followup_start", "followup_until", "followup_opened_on"])
    return contact


# --- assignment --------------------------------------------------------------------------------------
@transaction.atomic
def contacts_assign(
    *,
    contacts: list[Contact],
    team: Team | None = None,
    assignee: User | None = None,
    acting_user: User,
    request: HttpRequest | None = None,
) -> int:
    """Hand contacts to a team (then nobody in it yet, unless `assignee`) and/or to a field worker of the
    contact's team. `assignee` must be a member of that team. One audit row per contact."""
    if not contacts:
        return 0
    target_teams = {team.pk} if team is not None else {c.team_id for c in contacts}
    if assignee is not None:
        if None in target_teams:
            raise FollowUpError(_("A contact without a team cannot be given to a field worker."))
        members = set(
            TeamMember.objects.filter(team_id__in=target_teams, user=assignee).values_list(
                "team_id", flat=True
            )
        )
        if members != target_teams:
            raise FollowUpError(_("This field worker is not a member of the contact's team."))
    ids = [c.pk for c in contacts]
    fields: dict[str, Any] = {"assignee": assignee, "updated_at": timezone.now()}
    if team is not None:
        fields["team"] = team
    Contact.objects.filter(pk__in=ids).update(**fields)
    for contact in contacts:
        if team is not None:
            contact.team = team
        contact.assignee = assignee
    audit_record_many(
        actor=acting_user,
        action="contact.assign",
        entries=[
            (
                c.person_id,
                c,
                {"case_id": c.case_id, "team": c.team_id, "assignee": assignee.pk if assignee else None},
            )
            for c in contacts
        ],
        request=request,
        role=ROLE,
    )
    return len(contacts)


@transaction.atomic
def contacts_split_evenly(
    *, team: Team, contacts: list[Contact], acting_user: User, request: HttpRequest | None = None
) -> dict[int, int]:
    """Go.Data's round-robin: deal the contacts out one by one to the team's members, the least loaded
    first. Returns {user id: contacts given}."""
    contacts = [c for c in contacts if c.team_id == team.pk]
    load = _member_loads(team)
    if not load:
        raise FollowUpError(_("The team has no members yet."))
    if not contacts:
        return {}
    order = sorted(load, key=lambda user_id: (load[user_id], user_id))
    given: dict[int, list[Contact]] = defaultdict(list)
    for contact, user_id in zip(contacts, cycle(order), strict=False):
        given[user_id].append(contact)
    users = User.objects.in_bulk(list(given))
    for user_id, batch in given.items():
        contacts_assign(contacts=batch, assignee=users[user_id], acting_user=acting_user, request=request)
    return {user_id: len(batch) for user_id, batch in given.items()}


def _member_loads(team: Team) -> dict[int, int]:
    """Each member of the team and how many active contacts of the team they already have."""
    members = list(TeamMember.objects.filter(team=team).values_list("user_id", flat=True))
    counts = dict(
        Contact.objects.filter(
            team=team, assignee_id__in=members, followup__in=ACTIVE, decision=Contact.Decision.CONFIRMED
        )
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    return {user_id: counts.get(user_id, 0) for user_id in members}


# --- the daily record --------------------------------------------------------------------------------
@dataclass(frozen=True)
class VisitInput:
    status: str
    symptoms: tuple[str, ...] = ()
    temperature: Decimal | None = None
    note: str = ""
    call: int = 1


def _clean_visit(data: VisitInput) -> VisitInput:
    if data.status not in FollowUpVisit.Status.values:
        raise FollowUpError(_("Choose how the call went."))
    if not 1 <= data.call <= conf.FOLLOWUP_CALLS_PER_DAY:
        raise FollowUpError(_("There is no such call today."))
    unknown = set(data.symptoms) - set(SYMPTOMS)
    if unknown:
        raise FollowUpError(_("Unknown symptom."))
    low, high = TEMPERATURE_RANGE
    if data.temperature is not None and not low <= data.temperature <= high:
        raise FollowUpError(_("The temperature must be between 34 and 43 °C."))
    if len(data.note) > 1000:
        raise FollowUpError(_("The note is too long (at most 1000 characters)."))
    if data.status == FollowUpVisit.Status.SEEN_NOT_OK and not data.symptoms:
        raise FollowUpError(_("Tick at least one symptom."))
    if data.status != FollowUpVisit.Status.SEEN_NOT_OK:
        # "Well" and "not reached" carry no symptoms (a stale tick in the form is not a symptom).
        return VisitInput(
            status=data.status,
            temperature=data.temperature if data.status == "seen_ok" else None,
            note=data.note,
            call=data.call,
        )
    return data


@transaction.atomic
def followup_visit_record(
    *,
    contact: Contact,
    data: VisitInput,
    acting_user: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> FollowUpVisit:
    """Record today's call: a retry (same day and call) updates the record. Symptoms raise the contact to
    "suspected" (a test is proposed); reaching a contact marked lost brings them back."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    data = _clean_visit(data)
    # Locked: two taps from two phones on one contact update one record and one status.
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.followup_start is None or contact.followup_until is None:
        raise FollowUpError(_("This contact is not under follow-up."))
    if not contact.followup_start <= today <= contact.followup_until:
        raise FollowUpError(_("Today is outside this contact's follow-up period."))
    if contact.followup not in ACTIVE and contact.followup != FollowUp.LOST:
        raise FollowUpError(_("This contact's follow-up has ended."))
    visit, created = FollowUpVisit.objects.update_or_create(
        contact=contact,
        day=today,
        call=data.call,
        defaults={
            "status": data.status,
            "symptoms": list(data.symptoms),
            "temperature": data.temperature,
            "note": data.note.strip(),
            "recorded_by": acting_user,
            "recorded_at": now,
        },
    )
    before = contact.followup
    if data.status == FollowUpVisit.Status.SEEN_NOT_OK:
        contact.followup = FollowUp.SUSPECTED
    elif data.status == FollowUpVisit.Status.SEEN_OK and contact.followup in (
        FollowUp.TO_CALL,
        FollowUp.LOST,
    ):
        contact.followup = FollowUp.REACHED
    if contact.followup != before:
        contact.save(update_fields=["followup", "updated_at"])
    audit_record(
        actor=acting_user,
        action="contact.followup_visit",
        person_id=contact.person_id,
        obj=contact,
        reason=f"case:{contact.case_id}",
        request=request,
        role=ROLE,
        details={
            "day": today.isoformat(),
            "call": data.call,
            "status": data.status,
            "symptoms": list(data.symptoms),
            "followup": contact.followup,
            "retried": not created,
        },
    )
    return visit


# --- lost and completed (the daily command) ----------------------------------------------------------
def calls_due_from(start: date, opened_on: date | None) -> date:
    """The first day a call is due: the period's start, or the day it was opened if that is later."""
    return max(start, opened_on) if opened_on is not None else start


def missed_streak(start: date, last_day: date, reached_days: set[date]) -> int:
    """Consecutive days ending on `last_day` (back to `start`) without a reached call."""
    streak, day = 0, last_day
    while day >= start and day not in reached_days:
        streak += 1
        day -= timedelta(days=1)
    return streak


@transaction.atomic
def followup_statuses_update(*, today: date | None = None, acting_user: User | None = None) -> dict[str, int]:
    """Lost: RAVAO_FOLLOWUP_LOST_AFTER_DAYS consecutive days of the period (up to yesterday) without a
    reached call. Completed: the period is over and nothing is pending (no symptoms, no test awaited).
    Idempotent; two queries to read, one UPDATE per outcome, one audit INSERT."""
    today = today or timezone.localdate()
    yesterday = today - timedelta(days=1)
    rows = list(
        Contact.objects.filter(
            decision=Contact.Decision.CONFIRMED,
            followup__in=ACTIVE,
            followup_start__isnull=False,
            followup_start__lte=yesterday,
        ).values(
            "pk", "person_id", "case_id", "followup", "followup_start", "followup_until", "followup_opened_on"
        )
    )
    reached: dict[int, set[date]] = defaultdict(set)
    for contact_id, day in FollowUpVisit.objects.filter(
        contact_id__in=[r["pk"] for r in rows], status__in=REACHED
    ).values_list("contact_id", "day"):
        reached[contact_id].add(day)
    lost, completed = [], []
    for row in rows:
        start, until = row["followup_start"], row["followup_until"]
        if start is None or until is None:
            continue  # excluded by the query; for the type checker
        last = min(yesterday, until)
        if until < today and row["followup"] in COMPLETABLE:
            completed.append(row)
        elif (
            missed_streak(calls_due_from(start, row["followup_opened_on"]), last, reached[row["pk"]])
            >= conf.FOLLOWUP_LOST_AFTER_DAYS
        ):
            lost.append(row)
    for status, batch in ((FollowUp.LOST, lost), (FollowUp.COMPLETED, completed)):
        if batch:
            Contact.objects.filter(pk__in=[r["pk"] for r in batch]).update(
                followup=status, updated_at=timezone.now()
            )
    if completed:
        # Their yellow status goes (a person may still be a contact of another case: asked per person).
        from ravao.tracing.services import _refresh_person_status  # services imports this module

        for person in Person.objects.filter(pk__in={r["person_id"] for r in completed}):
            _refresh_person_status(person)
    audit_record_many(
        actor=acting_user,
        action="contact.followup",
        entries=[
            (r["person_id"], None, {"contact_id": r["pk"], "case_id": r["case_id"], "followup": status})
            for status, batch in ((FollowUp.LOST, lost), (FollowUp.COMPLETED, completed))
            for r in batch
        ],
        role=ROLE,
    )
    return {"lost": len(lost), "completed": len(completed)}


# --- selectors ---------------------------------------------------------------------------------------
@dataclass
class CallRow:
    contact: Contact
    day_n: int
    days: int
    missed: int
    calls_today: int
    phone: str | None

    @property
    def suspected(self) -> bool:
        return self.contact.followup == FollowUp.SUSPECTED


ROW_FIELDS = (
    "case_id",
    "team_id",
    "assignee_id",
    "decision",
    "followup",
    "followup_start",
    "followup_until",
    "followup_opened_on",
    "person__full_name",
    "person__phone",
    "person__commune__name",
    "person__household_of__phone",
)


def _under_followup(qs: QuerySet[Contact], today: date) -> QuerySet[Contact]:
    return qs.filter(
        decision=Contact.Decision.CONFIRMED,
        followup__in=ACTIVE,
        followup_start__lte=today,
        followup_until__gte=today,
    )


def call_rows(
    qs: QuerySet[Contact], today: date, *, due_only: bool = True, limit: int = 200
) -> list[CallRow]:
    """Contacts with today's call count and the number of days of the period so far without a reached call,
    in one query whatever the number of rows."""
    qs = _under_followup(qs, today).annotate(
        calls_today=Count("visits", filter=Q(visits__day=today), distinct=True),
        reached_days=Count(
            "visits__day", filter=Q(visits__day__lt=today, visits__status__in=REACHED), distinct=True
        ),
    )
    if due_only:
        qs = qs.filter(calls_today__lt=conf.FOLLOWUP_CALLS_PER_DAY)
    # Only what the row shows: the exposures JSON and the person's other encrypted fields would be read and
    # decrypted for nothing (most of the page's time at 200 rows).
    qs = (
        qs.select_related("person", "person__commune", "person__household_of")
        .only(*ROW_FIELDS)
        .order_by("-followup", "followup_start", "pk")
    )
    rows = []
    for c in qs[:limit]:
        assert c.followup_start is not None and c.followup_until is not None
        elapsed = (today - c.followup_start).days  # days of the period before today
        due = (today - calls_due_from(c.followup_start, c.followup_opened_on)).days  # days calls were due
        rows.append(
            CallRow(
                contact=c,
                day_n=elapsed + 1,
                days=(c.followup_until - c.followup_start).days + 1,
                missed=max(due - c.reached_days, 0),
                calls_today=c.calls_today,
                phone=c.person.contact_phone,
            )
        )
    return rows


@dataclass
class WorkList:
    mine: list[CallRow]
    unassigned: list[CallRow]
    done_today: int


def my_calls(user: User, *, today: date | None = None) -> WorkList:
    """A field worker's calls due today: assigned to them, then their teams' unassigned contacts."""
    today = today or timezone.localdate()
    visible = followup_contacts(user)
    member_teams = TeamMember.objects.filter(user=user).values("team_id")
    mine = visible.filter(assignee=user)
    unassigned = visible.filter(assignee__isnull=True, team__in=member_teams)
    done = (
        _under_followup(
            visible.filter(Q(assignee=user) | Q(assignee__isnull=True, team__in=member_teams)), today
        )
        .filter(visits__day=today)
        .values("pk")
        .distinct()
        .count()
    )
    return WorkList(mine=call_rows(mine, today), unassigned=call_rows(unassigned, today), done_today=done)


@dataclass
class TeamIndicators:
    team: Team | None
    under: int = 0
    seen_24h: int = 0
    not_seen_24h: int = 0
    not_seen_48h: int = 0
    lost: int = 0
    suspected: int = 0
    completed: int = 0


def dashboard(user: User, *, now: datetime | None = None) -> list[TeamIndicators]:
    """Go.Data-like indicators per team in the user's scope (and the contacts of their cases that have no
    team yet): three queries whatever the number of contacts."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    teams = list(
        Team.objects.filter(pk__in=followup_team_ids(user)).select_related("unit").order_by("unit__path")
    )
    confirmed = Contact.objects.filter(decision=Contact.Decision.CONFIRMED).filter(
        Q(team__in=[t.pk for t in teams]) | Q(team__isnull=True, case__in=cases_in_scope(user))
    )
    under = Q(followup__in=ACTIVE, followup_start__lte=today, followup_until__gte=today)
    counts = {
        row["team_id"]: row
        for row in confirmed.values("team_id").annotate(
            under=Count("pk", filter=under),
            lost=Count("pk", filter=Q(followup=FollowUp.LOST)),
            suspected=Count("pk", filter=Q(followup=FollowUp.SUSPECTED)),
            completed=Count("pk", filter=Q(followup=FollowUp.COMPLETED)),
        )
    }
    seen = {
        row["contact__team_id"]: row
        for row in FollowUpVisit.objects.filter(
            contact__in=confirmed.filter(under),
            status__in=REACHED,
            recorded_at__gte=now - timedelta(hours=48),
        )
        .values("contact__team_id")
        .annotate(
            s24=Count("contact_id", filter=Q(recorded_at__gte=now - timedelta(hours=24)), distinct=True),
            s48=Count("contact_id", distinct=True),
        )
    }
    result = []
    for team in [*teams, None]:
        key = team.pk if team else None
        c, s = counts.get(key, {}), seen.get(key, {})
        if team is None and not c:
            continue
        n = c.get("under", 0)
        result.append(
            TeamIndicators(
                team=team,
                under=n,
                seen_24h=s.get("s24", 0),
                not_seen_24h=n - s.get("s24", 0),
                not_seen_48h=n - s.get("s48", 0),
                lost=c.get("lost", 0),
                suspected=c.get("suspected", 0),
                completed=c.get("completed", 0),
            )
        )
    return result


def followup_team_ids(user: User) -> QuerySet[Team]:
    """The ids of the teams whose contacts a health officer sees (as `followup_contacts`)."""
    if not is_tracer(user):
        return Team.objects.none()
    condition = Q(members__user=user)
    paths = _paths(tracer_units(user))
    if paths:
        condition |= under_paths(paths, "unit__path")
    return Team.objects.filter(condition).values("pk")  # type: ignore[return-value]


# --- demo --------------------------------------------------------------------------------------------
DEMO_FIELD_WORKERS: tuple[tuple[str, str], ...] = (
    ("0900000021", "Nguyễn Thị Thu"),
    ("0900000022", "Lê Văn Dũng"),
    ("0900000023", "Phạm Thị Nga"),
    ("0900000024", "Trần Văn Khoa"),
    ("0900000025", "Hoàng Thị Yến"),
    ("0900000026", "Vũ Văn Long"),
)


def demo_teams(*, top: AdminUnit | None, communes: list[AdminUnit], password: str) -> list[Team]:
    """`ravao demo`: a team for the health office above and for each commune or ward, and two field
    workers (health officers of the commune) in each of the first three communes, the first one a lead.
    Idempotent (existing users, teams and members are kept). Logins: DEMO_FIELD_WORKERS."""
    from ravao.accounts.services import membership_grant, user_create

    if top is None:  # the demo's units are not loaded
        return []
    teams = [Team.objects.get_or_create(unit=top, defaults={"name": default_team_name(top)})[0]]
    for commune in communes:
        teams.append(
            Team.objects.get_or_create(unit=commune, defaults={"name": default_team_name(commune)})[0]
        )
    workers = iter(DEMO_FIELD_WORKERS)
    for team in teams[1:4]:
        for index, (login, full_name) in enumerate([next(workers), next(workers)]):
            user = User.objects.filter(username=login).first() or user_create(
                login=login, password=password, full_name=full_name
            )
            membership_grant(user=user, role=Role.HEALTH_OFFICER, unit=team.unit)
            TeamMember.objects.get_or_create(team=team, user=user, defaults={"is_lead": index == 0})
    return teams
