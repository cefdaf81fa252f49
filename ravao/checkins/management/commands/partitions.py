"""`ravao partitions`: make the check-in table's daily partitions ahead (PostgreSQL; cron: daily)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ravao.checkins.partitions import (
    AHEAD_DAYS,
    default_partition_rows,
    is_partitioned,
    partitions_ensure,
    partitions_list,
)


class Command(BaseCommand):
    help = (
        "Create the daily partitions of check-ins for today and the next days (idempotent). "
        "PostgreSQL only; SQLite keeps a plain table."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ahead", type=int, default=AHEAD_DAYS, help="days after today (default 7)")

    def handle(self, *args: Any, **options: Any) -> None:
        ahead = options["ahead"]
        if not 0 <= ahead <= 366:
            raise CommandError("--ahead must be between 0 and 366 days.")
        if not is_partitioned():
            self.stdout.write(
                "Check-ins are not partitioned here (SQLite, or before migration checkins 0007)."
            )
            return
        created = partitions_ensure(today=timezone.localdate(), ahead=ahead)
        days = partitions_list()
        self.stdout.write(
            f"{len(created)} partitions created{': ' + ', '.join(created) if created else ''}; "
            f"{len(days)} daily partitions ({days[0].day} … {days[-1].day}); "
            f"{default_partition_rows()} rows in the default partition."
        )
