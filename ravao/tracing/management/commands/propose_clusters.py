"""`ravao propose_clusters [--open-only]`: propose clusters from the cases already recorded (issue 11).

New cases propose theirs when they are traced; this command is for data recorded before, and is safe to
run again (a group already in a cluster changes nothing)."""

from django.core.management.base import BaseCommand, CommandParser

from ravao.tracing.clusters import clusters_propose
from ravao.tracing.models import Case


class Command(BaseCommand):
    help = "Propose clusters: venues or production lines where two or more cases were present together."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--open-only", action="store_true", help="only the open cases")

    def handle(self, *args: object, **options: object) -> None:
        cases = Case.objects.all()
        if options["open_only"]:
            cases = cases.filter(status=Case.Status.OPEN)
        result = clusters_propose(cases=cases)
        self.stdout.write(f"clusters: {result.created} proposed, {result.extended} extended")
