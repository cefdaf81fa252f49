"""`ravao flag_checkins`: flag implausible check-ins of the last minutes (cron, every 5 minutes)."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ravao.checkins.plausibility import checkins_flag_implausible


class Command(BaseCommand):
    help = "Flag implausible check-ins (two distant venues minutes apart, bursts from one device)."

    def add_arguments(self, parser: CommandParser) -> None:
        # Overlapping windows are harmless (one flag per check-in and kind): run every 5 min over 15.
        parser.add_argument("--minutes", type=int, default=15, help="look back this many minutes")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        flagged = checkins_flag_implausible(since=now - timedelta(minutes=options["minutes"]), now=now)
        self.stdout.write(f"{flagged} check-ins flagged.")
