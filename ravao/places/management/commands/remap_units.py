"""`ravao remap_units --from 2021 --to 2025 [--province 01 …] [--dry-run] [--batch-size N]`."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ravao.places.remap import remap_units


class Command(BaseCommand):
    help = (
        "Move venues, people, officials' roles, cases, case requests, API tokens and roll-ups from the 2021 "
        "map to the 2025 map with the data package's converter. Split communes and district-level objects "
        "are queued for an administrator's decision; old units are retired, not deleted. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", required=True, choices=["2021"], help="The old map.")
        parser.add_argument("--to", dest="target", required=True, choices=["2025"], help="The new map.")
        parser.add_argument(
            "--province",
            nargs="+",
            default=None,
            metavar="CODE",
            help="Only these 2021 provinces (GSO codes).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print what would move; write nothing.")
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Rows per transaction (default 1000)."
        )
        parser.add_argument(
            "--district-memberships",
            choices=["queue", "province"],
            default="queue",
            help="District administrators: queue for a decision (default) or make them province admins.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        provinces = options["province"]
        if provinces and not all(str(c).strip().isdigit() and len(str(c).strip()) <= 2 for c in provinces):
            raise CommandError("--province takes GSO province codes such as 01.")
        started = time.perf_counter()
        try:
            report = remap_units(
                province_codes=[str(c).strip().zfill(2) for c in provinces] if provinces else None,
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                district_memberships=options["district_memberships"],
            )
        except (ValueError, RuntimeError) as error:
            raise CommandError(str(error)) from error
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - started:.1f} s."))
