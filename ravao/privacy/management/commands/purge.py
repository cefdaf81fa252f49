"""`ravao purge`: delete personal data past its retention period (cron: daily)."""

import logging
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from ravao.privacy.retention import retention_purge

logger = logging.getLogger("ravao.privacy")


class Command(BaseCommand):
    help = (
        "Delete check-ins, declarations, devices (and registered data such as closed cases) past retention."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        run = retention_purge(now=timezone.now(), batch_size=options["batch_size"])
        summary = ", ".join(f"{label}={count}" for label, count in sorted(run.counts.items()))
        logger.info("purge %s: %s", run.pk, summary)
        self.stdout.write(f"Purge {run.pk} finished: {summary}")
