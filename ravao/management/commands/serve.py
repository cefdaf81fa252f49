"""`ravao serve`: the production server (gunicorn), with the static files collected, hashed and compressed."""

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Serve ravao with gunicorn (production). Collects the static files first, checks the deployment, "
        "then replaces itself with gunicorn. Bind address and workers: RAVAO_BIND, RAVAO_WORKERS."
    )
    # The deployment check below runs with the deploy tag; the default checks run in gunicorn's preload.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", help="host:port (default RAVAO_BIND or 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, help="number of worker processes (default RAVAO_WORKERS)")
        parser.add_argument(
            "--skip-collectstatic", action="store_true", help="the static files were collected already"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("check", deploy=True, fail_level="ERROR")
        if not options["skip_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
            self.stdout.write(f"Static files collected in {settings.STATIC_ROOT}")
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "ravao.settings")
        if options["bind"]:
            env["RAVAO_BIND"] = options["bind"]
        if options["workers"]:
            env["RAVAO_WORKERS"] = str(options["workers"])
        argv = [sys.executable, "-m", "gunicorn", "-c", "python:ravao.gunicorn_conf", "ravao.wsgi"]
        sys.stdout.flush()
        os.execve(sys.executable, argv, env)  # noqa: S606 (a fixed command line, our own interpreter)
