"""`ravao import_checkins FILE.csv`: visits from paper sign-in sheets or another system.

The columns and rules are those of `ravao.tracing.imports` (shared with the integration API).
"""

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ravao.tracing.imports import COLUMNS, CheckinImporter


class Command(BaseCommand):
    help = "Import visits from a CSV file (paper sign-in sheets, another system)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            handle = path.open(newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        with handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != COLUMNS:
                raise CommandError(f"the header must be: {','.join(COLUMNS)}")
            reader.fieldnames = COLUMNS  # the stripped names
            result = CheckinImporter(now=timezone.now()).run((reader.line_num, row) for row in reader)
        for line, reason in result.bad:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(
            f"{result.read} rows read: {result.new} new visits, {result.repeated} already there, "
            f"{len(result.bad)} bad rows."
        )
