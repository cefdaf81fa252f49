"""`ravao followup_update [--date YYYY-MM-DD]`: once a day (after midnight), mark contacts lost to
follow-up (RAVAO_FOLLOWUP_LOST_AFTER_DAYS consecutive days without a reached call) and those whose period
ended with nothing pending as completed. Idempotent: running it twice, or late, changes nothing more."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ravao.tracing.followup import followup_statuses_update


class Command(BaseCommand):
    help = "Mark contacts under daily follow-up as lost or completed (run daily, after midnight)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Act as if today were this date (YYYY-MM-DD); default: today.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"not a date (YYYY-MM-DD): {options['date']!r}") from exc
        counts = followup_statuses_update(today=today)
        self.stdout.write(f"lost: {counts['lost']}, completed: {counts['completed']}")
