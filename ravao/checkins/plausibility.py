"""Plausibility (BRIEF §4: fake check-ins from a photo of a poster): flags for officers, never a refusal."""

import itertools
from datetime import datetime

from ravao.checkins import conf
from ravao.checkins.models import CheckIn, CheckInFlag


def checkins_flag_implausible(*, since: datetime, now: datetime) -> int:
    """Flag check-ins made since `since` that look implausible; never blocks or deletes anything.

    * travel: the same person checked in at venues of two different communes less than
      RAVAO_IMPLAUSIBLE_TRAVEL_MINUTES apart (venues have no coordinates; another commune is "distant");
    * burst: RAVAO_BURST_CHECKINS or more self check-ins from one device within RAVAO_BURST_WINDOW_MINUTES.
    Idempotent (one flag per check-in and kind), so cron may run it over overlapping windows.
    Returns how many new flags were written.
    """

    travel, burst_n, burst_w = conf.implausible_travel(), conf.burst_count(), conf.burst_window()
    flags: list[CheckInFlag] = []
    rows = list(
        CheckIn.objects.filter(checked_in_at__gte=since - max(travel, burst_w), checked_in_at__lte=now)
        .order_by("person_id", "checked_in_at")
        .values_list("pk", "person_id", "venue_id", "venue__commune_id", "checked_in_at")
    )
    for prev, cur in itertools.pairwise(rows):
        if prev[1] == cur[1] and cur[4] >= since and prev[3] != cur[3] and cur[4] - prev[4] < travel:
            minutes = round((cur[4] - prev[4]).total_seconds() / 60, 1)
            flags.append(
                CheckInFlag(
                    checkin_id=cur[0],
                    kind=CheckInFlag.Kind.TRAVEL,
                    related_id=prev[0],
                    details={"minutes": minutes, "other_venue_id": prev[2]},
                    created_at=now,
                )
            )
    by_device = list(
        CheckIn.objects.filter(
            checked_in_at__gte=since - burst_w, checked_in_at__lte=now, device__isnull=False
        )
        .order_by("device_id", "checked_in_at", "pk")
        .values_list("pk", "device_id", "checked_in_at")
    )
    # A household's one tap (issue 9) writes several check-ins of one device at the same instant: one tap,
    # counted once (its first row stands for it).
    by_device = [row for i, row in enumerate(by_device) if i == 0 or row[1:] != by_device[i - 1][1:]]
    start = 0
    for index, (pk, device_id, at) in enumerate(by_device):
        while by_device[start][1] != device_id or at - by_device[start][2] >= burst_w:
            start += 1
        if index - start + 1 >= burst_n and at >= since:
            flags.append(
                CheckInFlag(
                    checkin_id=pk,
                    kind=CheckInFlag.Kind.BURST,
                    related_id=by_device[start][0],
                    details={"count": index - start + 1, "window_minutes": burst_w.total_seconds() / 60},
                    created_at=now,
                )
            )
    if not flags:
        return 0
    before = CheckInFlag.objects.count()
    CheckInFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return CheckInFlag.objects.count() - before
