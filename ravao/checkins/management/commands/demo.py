"""`ravao demo [--scheme 2025|2021] [--seed N] [--people N] [--venues N] [--days N] [--reset]`: a realistic
demo of the Thạch Thất area (Hà Nội), on today's two-level map by default."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ravao.accounts.models import Membership
from ravao.accounts.selectors import office_name, role_label
from ravao.demo import (
    DEMO_PASSWORD,
    DemoConflict,
    DemoOptions,
    DemoSummary,
    demo_build,
    demo_communes,
    demo_top,
)
from ravao.places.units import Scheme
from ravao.tracing.followup import DEMO_FIELD_WORKERS, demo_teams


class Command(BaseCommand):
    help = (
        "Build a demo of the Thạch Thất area (Hà Nội) on the current database: venues, people, declarations "
        "and two weeks of check-ins, plus demo logins. --scheme 2025 (default): the 2025 wards of the former "
        "district under the province; --scheme 2021: Huyện Thạch Thất and its communes. Safe to run again; "
        "--reset rebuilds it (and is needed to switch maps)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scheme",
            choices=("2025", "2021"),
            default="2025",
            help="The map: 2025 (two levels, today's; default) or 2021 (with the district).",
        )
        parser.add_argument("--seed", type=int, default=2021, help="Random seed (default 2021).")
        parser.add_argument("--people", type=int, default=5000, help="People (default 5000).")
        parser.add_argument("--venues", type=int, default=300, help="Venues, at least ~50 (default 300).")
        parser.add_argument("--days", type=int, default=14, help="Days of check-ins up to now (default 14).")
        parser.add_argument("--reset", action="store_true", help="Delete the demo data first, then rebuild.")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("people", "venues", "days"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        self.started = time.perf_counter()
        self._stage = ""
        # A bar redrawn in place on a terminal; one line per finished stage when piped to a file.
        self._tty = (hasattr(self.stdout, "isatty") and self.stdout.isatty()) or sys.stdout.isatty()
        scheme: Scheme = "2021" if options["scheme"] == "2021" else "2025"
        try:
            summary = demo_build(
                options=DemoOptions(
                    seed=options["seed"],
                    people=options["people"],
                    venues=options["venues"],
                    days=options["days"],
                    scheme=scheme,
                ),
                reset=options["reset"],
                progress=self._progress,
            )
        except DemoConflict as error:
            raise CommandError(str(error)) from error
        # Health teams and field workers for the follow-up work lists (issue 11; idempotent).
        demo_teams(top=demo_top(scheme), communes=list(demo_communes(scheme)), password=DEMO_PASSWORD)
        self._print_summary(summary)
        self.stdout.write("Field workers (daily follow-up, /tracing/calls/):")
        for login, full_name in DEMO_FIELD_WORKERS:
            self.stdout.write(f"  {login}  {full_name}")

    def _progress(self, stage: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = f"{stage:<13} [{'#' * filled}{'.' * (width - filled)}] {done:>7}/{total:<7}"
        elapsed = time.perf_counter() - self.started
        if self._tty:
            self.stdout.write(f"\r{bar} {elapsed:5.1f} s", ending="")
            if done >= total:
                self.stdout.write("")
        elif done >= total:
            self.stdout.write(f"{bar} {elapsed:5.1f} s")
        self.stdout.flush()

    def _print_summary(self, summary: DemoSummary) -> None:
        elapsed = time.perf_counter() - self.started
        if summary.created:
            self.stdout.write(
                self.style.SUCCESS(f"Demo of {summary.area} ({summary.scheme} map) built in {elapsed:.1f} s.")
            )
        else:
            self.stdout.write(
                self.style.WARNING("The demo is already loaded: nothing written (use --reset to rebuild).")
            )
        self.stdout.write("")
        for label, count in summary.counts:
            self.stdout.write(f"  {label:<22}{count:>10,}")
        self.stdout.write("")
        self.stdout.write(f"Open {summary.site_url} and log in with a phone number below.")
        self.stdout.write(f"Password for every demo login: {summary.password}")
        for login, exists in summary.logins:
            fallback = summary.area if login.scope == "district" else login.scope
            label, scope = _role_and_office(login.login, login.role, fallback)
            note = "" if exists else "  (missing)"
            self.stdout.write(f"  {login.login}  {login.full_name:<18} {label:<26} {scope}{note}")
        if summary.poster_url:
            self.stdout.write("")
            self.stdout.write(f"Try a self check-in at {summary.poster_venue}: {summary.poster_url}")


def _role_and_office(login: str, role: str, scope: str) -> tuple[str, str]:
    """The login's role named by the unit it serves ("Quản trị viên cấp tỉnh") and its office by name
    ("UBND Thành phố Hà Nội"), read from the membership the demo made; the venue's name for venue roles."""
    membership = (
        Membership.objects.filter(user__username=login, role=role).select_related("unit", "venue").first()
    )
    if membership is None:
        return role_label(role), scope
    if membership.unit is not None:
        return role_label(role, membership.unit), office_name(membership.unit, role)
    return role_label(role), membership.venue.name if membership.venue else scope
