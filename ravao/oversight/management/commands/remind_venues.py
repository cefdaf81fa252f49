"""`ravao remind_venues`: remind venues that do not scan, and send each commune a summary (cron, daily)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ravao.oversight import conf
from ravao.oversight.services import venues_remind_daily


class Command(BaseCommand):
    help = (
        "Email (and SMS when configured) the managers of active venues with no check-in for "
        "RAVAO_OVERSIGHT_IDLE_DAYS days, then each commune's officials a summary. A venue reminded within "
        "RAVAO_REMINDER_INTERVAL_HOURS is skipped, so a second run the same day sends nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--idle-days", type=int, default=conf.IDLE_DAYS, help="Days without a scan.")
        parser.add_argument("--dry-run", action="store_true", help="Count, send nothing, record nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = venues_remind_daily(
            now=timezone.now(), idle_days=max(options["idle_days"], 1), dry_run=options["dry_run"]
        )
        prefix = "(dry run) " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{result.venues_reminded} venues reminded, {result.venues_skipped} reminded recently "
            f"and skipped, {result.summaries} commune summaries sent."
        )
