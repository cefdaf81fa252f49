"""`ravao load_units --scheme 2021|2025 [--province 01 ...] [--district 276 ...]`."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ravao.places.units import SCHEMES, load_units


class Command(BaseCommand):
    help = (
        "Create or update Vietnam's administrative units from the vietnamadminunits package: the 2021 map "
        "(province, district, commune) or the 2025 map (province, commune). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scheme", required=True, choices=SCHEMES, help="Which map to load.")
        parser.add_argument(
            "--province",
            nargs="+",
            default=None,
            metavar="CODE",
            help="Only these provinces (GSO codes, e.g. 01 for Hà Nội).",
        )
        parser.add_argument(
            "--district",
            nargs="+",
            default=None,
            metavar="CODE",
            help="Only these districts (GSO codes, e.g. 276 for Thạch Thất); 2021 map only.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            report = load_units(
                scheme=options["scheme"],
                province_codes=options["province"],
                district_codes=options["district"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        for level, count in report.by_level.items():
            self.stdout.write(f"{level}: {count}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged "
                f"({elapsed:.1f} s)."
            )
        )
