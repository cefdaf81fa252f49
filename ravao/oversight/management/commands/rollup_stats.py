"""`ravao rollup_stats`: recompute the daily figures of the oversight pages (cron, every 15 minutes)."""

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ravao.oversight.selectors import local_today
from ravao.oversight.services import stats_rollup


class Command(BaseCommand):
    help = (
        "Recompute the daily check-in roll-ups of the oversight pages: today and yesterday by default, "
        "or the days given. Idempotent: a day's rows are replaced in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", action="append", default=[], help="A local day YYYY-MM-DD (repeatable).")
        parser.add_argument("--last", type=int, default=0, help="The last N days, today included.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        days: list[date] = []
        for value in options["day"]:
            try:
                days.append(date.fromisoformat(value))
            except ValueError as exc:
                raise CommandError(f"--day must be YYYY-MM-DD, not {value!r}") from exc
        if options["last"] < 0:
            raise CommandError("--last must be positive")
        if options["last"]:
            today = local_today(now)
            days += [today - timedelta(days=n) for n in range(options["last"] - 1, -1, -1)]
        done = stats_rollup(now=now, days=sorted(set(days)) or None)
        for day, venues in done.items():
            self.stdout.write(f"{day}: {venues} venues with check-ins")
