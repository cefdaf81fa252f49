"""`ravao close_visits`: give open visits whose estimated end has passed that end (cron, every 15 min)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from ravao.checkins.visits import checkins_close_stale


class Command(BaseCommand):
    help = "Close visits with no check-out at their estimated end (marked as estimated)."

    def handle(self, *args: Any, **options: Any) -> None:
        closed = checkins_close_stale(now=timezone.now())
        self.stdout.write(f"{closed} visits closed with an estimated check-out.")
