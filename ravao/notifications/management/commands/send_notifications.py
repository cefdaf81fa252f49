"""`ravao send_notifications`: send the queued emails and SMS (cron, every minute)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ravao.notifications.services import notifications_send_due


class Command(BaseCommand):
    help = "Send queued notifications (email, SMS), retrying failed ones with back-off."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rounds", type=int, default=10, help="batches to send before stopping")

    def handle(self, *args: Any, **options: Any) -> None:
        total = {"sent": 0, "retry": 0, "failed": 0}
        for _ in range(options["rounds"]):
            counts = notifications_send_due()
            for key, value in counts.items():
                total[key] += value
            if not any(counts.values()):
                break
        self.stdout.write(
            f"{total['sent']} sent, {total['retry']} to retry, {total['failed']} not delivered."
        )
