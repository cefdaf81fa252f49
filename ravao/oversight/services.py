"""Writes of oversight: the daily roll-ups and the reminders to venues that do not scan.

Roll-ups are derived data: `stats_rollup_day` replaces a day's rows from `CheckIn` in one transaction, so it
can run any number of times (cron, by hand, for a past day after an import) and always gives the same rows.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractHour
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ravao.accounts.models import Membership, Role, User
from ravao.accounts.selectors import office_name
from ravao.checkins.models import CheckIn
from ravao.notifications.models import Notification
from ravao.notifications.services import notification_queue
from ravao.oversight import conf
from ravao.oversight.models import DailyCommuneStats, DailyVenueStats, Reminder, RollupRun, VenueActivity
from ravao.oversight.selectors import NO_EXIT, day_bounds, idle_venues, local_today
from ravao.places.models import AdminUnit, Venue
from ravao.privacy.services import audit_record

logger = logging.getLogger("ravao.oversight")

COUNTS: dict[str, Any] = {
    "checkins": Count("id"),
    "self_scans": Count("id", filter=Q(method=CheckIn.Method.SELF_SCAN)),
    "gate_scans": Count("id", filter=Q(method=CheckIn.Method.GATE)),
    "manual": Count("id", filter=Q(method=CheckIn.Method.MANUAL)),
    "imported": Count("id", filter=Q(method=CheckIn.Method.IMPORT)),
    "yellow": Count("id", filter=Q(status_at_entry="yellow")),
    "red": Count("id", filter=Q(status_at_entry="red")),
    "no_exit": Count("id", filter=NO_EXIT),
}
COUNT_FIELDS = tuple(COUNTS)


def stats_rollup_day(*, day: date, now: datetime) -> int:
    """Recompute the roll-up rows of one local day from the check-ins. Returns the number of venue rows.

    For today the rows cover check-ins up to `now`; pages add the check-ins after that live.
    """
    start, end = day_bounds(day)
    through = min(end, now)
    # The (checked_in_at) index bounds both queries to one day of check-ins.
    checkins = CheckIn.objects.filter(checked_in_at__gte=start, checked_in_at__lt=through)
    venue_rows = list(checkins.values("venue_id", "venue__commune_id").annotate(**COUNTS).order_by())
    hour_rows = (
        checkins.annotate(hour=ExtractHour("checked_in_at", tzinfo=timezone.get_current_timezone()))
        .values("venue__commune_id", "hour")
        .annotate(n=Count("id"))
        .order_by()
    )
    communes: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"hours": [0] * 24, **dict.fromkeys(COUNT_FIELDS, 0)}
    )
    for row in venue_rows:
        for field in COUNT_FIELDS:
            communes[row["venue__commune_id"]][field] += row[field]
    for row in hour_rows:
        communes[row["venue__commune_id"]]["hours"][row["hour"]] += row["n"]
    with transaction.atomic():
        DailyVenueStats.objects.filter(day=day).delete()
        DailyCommuneStats.objects.filter(day=day).delete()
        DailyVenueStats.objects.bulk_create(
            [
                DailyVenueStats(
                    venue_id=row["venue_id"],
                    commune_id=row["venue__commune_id"],
                    day=day,
                    **{f: row[f] for f in COUNT_FIELDS},
                )
                for row in venue_rows
            ],
            batch_size=2000,
        )
        DailyCommuneStats.objects.bulk_create(
            [
                DailyCommuneStats(commune_id=commune_id, day=day, **values)
                for commune_id, values in communes.items()
            ]
        )
        _refresh_last_days(day)
        RollupRun.objects.update_or_create(day=day, defaults={"computed_through": through})
    return len(venue_rows)


def _refresh_last_days(day: date) -> None:
    """Keep `VenueActivity.last_day` equal to the last rolled-up day with a check-in, after `day` changed."""
    scanned = DailyVenueStats.objects.filter(day=day, checkins__gt=0).values("venue_id")
    VenueActivity.objects.filter(venue_id__in=scanned, last_day__lt=day).update(last_day=day)
    known = VenueActivity.objects.filter(venue_id__in=scanned).values("venue_id")
    VenueActivity.objects.bulk_create(
        [
            VenueActivity(venue_id=vid, last_day=day)
            for vid in scanned.exclude(venue_id__in=known).values_list("venue_id", flat=True)
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    # Venues whose last day was this one but that have no check-in on it any more (their visitors' data
    # was deleted): back to the previous rolled-up day, or no row.
    for activity in VenueActivity.objects.filter(last_day=day).exclude(venue_id__in=scanned):
        previous = (
            DailyVenueStats.objects.filter(venue_id=activity.venue_id, checkins__gt=0)
            .order_by("-day")
            .values_list("day", flat=True)
            .first()
        )
        if previous is None:
            activity.delete()
        else:
            VenueActivity.objects.filter(pk=activity.pk).update(last_day=previous)


def stats_rollup(*, now: datetime, days: list[date] | None = None) -> dict[date, int]:
    """Roll up the given days, or today and the `RAVAO_ROLLUP_PAST_DAYS` days before it."""
    if days is None:
        today = local_today(now)
        days = [today - timedelta(days=n) for n in range(conf.ROLLUP_PAST_DAYS, -1, -1)]
    return {day: stats_rollup_day(day=day, now=now) for day in days}


# --- Reminders ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contacts:
    emails: list[str]
    phones: list[str]


def _user_contacts(users: list[User]) -> Contacts:
    emails, phones = [], []
    for user in users:
        email = user.email or (user.username if "@" in user.username else "")
        phone = user.phone or (user.username if user.username.isdigit() else "")
        if email and email not in emails:
            emails.append(email)
        if phone and phone not in phones:
            phones.append(phone)
    return Contacts(emails=emails, phones=phones)


def venue_manager_contacts(venue: Venue) -> Contacts:
    managers = [
        m.user for m in Membership.objects.filter(venue=venue, role=Role.VENUE_MANAGER).select_related("user")
    ]
    contacts = _user_contacts(managers)
    if not contacts.phones and venue.phone:
        contacts.phones.append(venue.phone)
    return contacts


def _both_languages(build: Any) -> tuple[str, str]:
    """(subject, body) in Vietnamese first, then English (BRIEF §5: emails in both languages)."""
    with translation.override("vi"):
        vi_subject, vi_body = build()
    with translation.override("en"):
        en_subject, en_body = build()
    if vi_subject == en_subject:
        return vi_subject, vi_body if vi_body == en_body else f"{vi_body}\n\n---\n\n{en_body}"
    return f"{vi_subject} / {en_subject}", f"{vi_body}\n\n---\n\n{en_body}"


def _venue_message(venue: Venue, idle_days: int) -> tuple[str, str]:
    def build() -> tuple[str, str]:
        subject = _("Please record visitors by QR code: %(venue)s") % {"venue": venue.name}
        body = _(
            "Hello,\n\n%(venue)s (%(code)s, %(commune)s) has recorded no check-in for %(days)d days.\n"
            "By order of %(office)s, every venue must control entry by QR code. Print the poster from "
            "your venue page and put it at the entrance, or scan visitors at the gate.\n\n%(url)s\n\n"
            "— %(office)s, via ravao"
        ) % {
            # The commune's People's Committee by name: no level above it is assumed (the two-level map
            # since July 2025 has no district).
            "office": office_name(venue.commune),
            "venue": venue.name,
            "code": venue.code,
            "commune": venue.commune.name,
            "days": idle_days,
            "url": f"{settings.SITE_URL}/manage/venues/{venue.pk}/",
        }
        return subject, body

    return _both_languages(build)


def _sms_text(venue: Venue) -> str:
    with translation.override("vi"):
        return _("ravao: %(venue)s has recorded no QR check-in recently. Please scan visitors.") % {
            "venue": venue.name
        }


def _queue(
    *, emails: list[str], phones: list[str], subject: str, body: str, sms: str, reminder: Reminder
) -> None:
    """One notification per address, in the reminder's transaction: `ravao send_notifications` sends them
    (never the web request) and the venue page shows each delivery."""
    for email in emails:
        notification_queue(
            channel=Notification.Channel.EMAIL,
            address=email,
            subject=subject,
            body=body,
            topic="oversight.reminder",
            ref_id=reminder.pk,
            venue=reminder.venue,
        )
    for phone in phones:
        notification_queue(
            channel=Notification.Channel.SMS,
            address=phone,
            body=sms,
            topic="oversight.reminder",
            ref_id=reminder.pk,
            venue=reminder.venue,
        )


def _channel(emails: int, sms: int) -> str:
    if emails and sms:
        return Reminder.Channel.EMAIL_SMS
    if emails:
        return Reminder.Channel.EMAIL
    if sms:
        return Reminder.Channel.SMS
    return Reminder.Channel.NONE


def reminded_recently(venue: Venue, *, now: datetime) -> Reminder | None:
    since = now - timedelta(hours=conf.REMINDER_INTERVAL_HOURS)
    return (
        Reminder.objects.filter(venue=venue, kind=Reminder.Kind.VENUE, sent_at__gte=since)
        .order_by("-sent_at")
        .first()
    )


def venue_remind(
    *,
    venue: Venue,
    by: User | None,
    now: datetime,
    idle_days: int,
    request: HttpRequest | None = None,
    role: str = "",
) -> Reminder:
    """Remind a venue's managers to scan (email and SMS) and record it.

    The reminder, its messages (queued notifications: `ravao send_notifications` sends them and records each
    delivery) and, for an official's reminder, the audit event are written in one transaction.
    """
    contacts = venue_manager_contacts(venue)
    subject, body = _venue_message(venue, idle_days)
    with transaction.atomic():
        reminder = Reminder.objects.create(
            kind=Reminder.Kind.VENUE,
            venue=venue,
            commune=venue.commune,
            sent_at=now,
            sent_by=by,
            channel=_channel(len(contacts.emails), len(contacts.phones)),
            recipients=len(contacts.emails) + len(contacts.phones),
            idle_days=idle_days,
        )
        _queue(
            emails=contacts.emails,
            phones=contacts.phones,
            subject=subject,
            body=body,
            sms=_sms_text(venue),
            reminder=reminder,
        )
        if by is not None:
            audit_record(
                actor=by,
                action="venue.remind",
                obj=venue,
                request=request,
                role=role,
                details={"reminder": reminder.pk, "channel": reminder.channel},
            )
    return reminder


def _summary_message(commune: AdminUnit, venues: list[Venue], idle_days: int) -> tuple[str, str]:
    def build() -> tuple[str, str]:
        subject = _("%(commune)s: %(count)d venues recorded no check-in for %(days)d days") % {
            "commune": commune.name,
            "count": len(venues),
            "days": idle_days,
        }
        lines = [f"- {v.name} ({v.code}), {v.address}" for v in venues[:200]]
        if len(venues) > 200:
            lines.append(_("… and %(count)d more: see the oversight page.") % {"count": len(venues) - 200})
        body = _(
            "These venues of %(commune)s recorded no check-in for %(days)d days; their managers were "
            "reminded today:\n\n%(list)s\n\n%(url)s"
        ) % {
            "commune": commune.name,
            "days": idle_days,
            "list": "\n".join(lines),
            "url": f"{settings.SITE_URL}/oversight/units/{commune.pk}/",
        }
        return subject, body

    return _both_languages(build)


@dataclass
class RemindResult:
    venues_reminded: int = 0
    venues_skipped: int = 0
    summaries: int = 0


def venues_remind_daily(
    *, now: datetime, idle_days: int | None = None, dry_run: bool = False
) -> RemindResult:
    """The daily run: remind every active venue that has not scanned for `idle_days` days (unless it was
    reminded within RAVAO_REMINDER_INTERVAL_HOURS), then send each commune's officials one summary."""
    days = idle_days or conf.IDLE_DAYS
    result = RemindResult()
    by_commune: dict[int, list[Venue]] = defaultdict(list)
    communes = list(AdminUnit.objects.filter(level=AdminUnit.Level.COMMUNE))
    since = now - timedelta(hours=conf.REMINDER_INTERVAL_HOURS)
    for commune in communes:
        venues = list(idle_venues([commune.pk], now=now, idle_days=days).select_related("commune"))
        if not venues:
            continue
        recent = set(
            Reminder.objects.filter(
                venue__in=venues, kind=Reminder.Kind.VENUE, sent_at__gte=since
            ).values_list("venue_id", flat=True)
        )
        for venue in venues:
            by_commune[commune.pk].append(venue)
            if venue.pk in recent:
                result.venues_skipped += 1
                continue
            if not dry_run:
                venue_remind(venue=venue, by=None, now=now, idle_days=days)
            result.venues_reminded += 1
    for commune in communes:
        listed = by_commune.get(commune.pk, [])
        if not listed:
            continue
        officials = [
            m.user
            for m in Membership.objects.filter(unit=commune, role=Role.COMMUNE_OFFICIAL).select_related(
                "user"
            )
        ]
        emails = _user_contacts(officials).emails
        already = Reminder.objects.filter(
            kind=Reminder.Kind.SUMMARY, commune=commune, sent_at__gte=since
        ).exists()
        if already or dry_run:
            continue
        subject, body = _summary_message(commune, listed, days)
        with transaction.atomic():
            summary = Reminder.objects.create(
                kind=Reminder.Kind.SUMMARY,
                commune=commune,
                sent_at=now,
                channel=_channel(len(emails), 0),
                recipients=len(emails),
                idle_days=days,
                venues_listed=len(listed),
            )
            _queue(emails=emails, phones=[], subject=subject, body=body, sms="", reminder=summary)
        result.summaries += 1
    return result
