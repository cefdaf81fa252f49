"""The infectious window proposed for a case (BRIEF §3)."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ravao.tracing import conf


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def proposed_window(
    *, onset_date: date | None, sample_date: date | None, isolated_on: date | None, now: datetime
) -> tuple[datetime, datetime]:
    """From DAYS_BEFORE_ONSET days before symptom onset (or the positive sample when there are no symptoms)
    until isolation: the end of the isolation day (we do not know the hour), else now."""
    anchor = onset_date or sample_date
    if anchor is None:
        raise ValueError("a case needs a symptom onset or a positive-sample date")
    start = local_midnight(anchor - timedelta(days=conf.DAYS_BEFORE_ONSET))
    end = local_midnight(isolated_on + timedelta(days=1)) if isolated_on else now
    return start, max(start, end)
