"""Every documented variable is read, every read variable is documented, and garbage stops the start-up.

Issue 10, item 4: `docs/configuration.md` is the list. For each variable with a type, `python -m ravao check`
is started with the variable set to garbage and must exit non-zero with a message naming the variable.
"""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

ROOT = Path(settings.BASE_DIR)
DOCS = ROOT / "docs" / "configuration.md"
GARBAGE = "garbage!"

# Variables whose any string is valid: garbage is a legitimate value, so there is nothing to refuse.
FREE_TEXT = {
    "RAVAO_SECRET_KEY": "any string is a key (its absence without debug is refused by ravao.E001)",
    "RAVAO_ALLOWED_HOSTS": "host names or Django host patterns; Django accepts any string",
    "RAVAO_FROM_EMAIL": "an e-mail sender, possibly 'Name <address>'",
    "RAVAO_EMAIL_USER": "a login at the mail server",
    "RAVAO_EMAIL_PASSWORD": "a secret issued by the mail provider",
    "RAVAO_OTP_ISSUER": "a label shown in authenticator apps",
    "RAVAO_SENTRY_ENVIRONMENT": "a label shown by the error tracker",
    "RAVAO_STATIC_ROOT": "a directory path (created by collectstatic)",
    "RAVAO_SMS_HTTP_API_KEY": "a secret issued by the gateway",
    "RAVAO_SMS_HTTP_API_KEY_HEADER": "an HTTP header name ('garbage!' is a valid token)",
    "RAVAO_SMS_BRANDNAME": "the sender id registered with the provider",
}


def documented() -> set[str]:
    names: set[str] = set()
    pattern = r"^\| `((?:RAVAO_|DATABASE_URL|DATABASE_REPLICA_URL)[A-Z0-9_<>]*)` \|"
    for match in re.finditer(pattern, DOCS.read_text(), re.M):
        name = match.group(1)
        if name.endswith("<KIND>"):
            names.update(
                f"{name[: -len('<KIND>')]}{kind.upper()}" for kind in settings.RAVAO_TYPICAL_STAY_MINUTES
            )
        else:
            names.add(name)
    return names


def read_by_the_code() -> set[str]:
    """Every "RAVAO_..." string literal in the source (tests excluded), with the typical-stay family."""
    names: set[str] = set()
    for path in (ROOT / "ravao").rglob("*.py"):
        if "tests" in path.parts or path.name in {"test.py", "browsertest.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        names.update(re.findall(r"[\"'](RAVAO_[A-Z0-9_]+)[\"']", text))
        for prefix in re.findall(r"f\"(RAVAO_[A-Z0-9_]+_)\{", text):
            names.update(f"{prefix}{kind.upper()}" for kind in settings.RAVAO_TYPICAL_STAY_MINUTES)
    names.update({"DATABASE_URL", "DATABASE_REPLICA_URL"})
    return names


def start_with(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("RAVAO_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update({"RAVAO_DEBUG": "1", **extra})
    return subprocess.run(
        [sys.executable, "-m", "ravao", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class ConfigurationDocsTests(SimpleTestCase):
    def test_documented_variables_are_exactly_those_the_code_reads(self) -> None:
        docs, code = documented(), read_by_the_code()
        self.assertEqual(sorted(code - docs), [], "read by the code but not in docs/configuration.md")
        self.assertEqual(sorted(docs - code), [], "documented but never read by the code")

    def test_free_text_variables_are_documented(self) -> None:
        self.assertEqual(sorted(set(FREE_TEXT) - documented()), [])


class GarbageStopsStartUpTests(SimpleTestCase):
    def test_a_clean_environment_starts(self) -> None:
        result = start_with({})
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])

    def test_each_typed_variable_set_to_garbage_stops_the_start_up(self) -> None:
        typed = sorted(documented() - set(FREE_TEXT))
        # Two at a time: the machine's cores are shared, and each start-up is a full Django set-up.
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = dict(zip(typed, pool.map(lambda name: start_with({name: GARBAGE}), typed), strict=True))
        for name, result in results.items():
            with self.subTest(name):
                self.assertNotEqual(result.returncode, 0, f"{name}={GARBAGE} was accepted")
                self.assertIn(name, result.stdout + result.stderr)


class EmailServerTests(SimpleTestCase):
    def test_the_smtp_server_is_configured_from_the_environment(self) -> None:
        """The SMTP backend used to reach only localhost:25 with no login or TLS: a provider's relay could
        not be used (issue 10 follow-up)."""
        probe = (
            "from django.conf import settings as s;"
            "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER,"
            " s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT)"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAVAO_")}
        env.update(
            RAVAO_DEBUG="1",
            RAVAO_EMAIL_HOST="smtp.example.vn",
            RAVAO_EMAIL_PORT="587",
            RAVAO_EMAIL_USER="ravao",
            RAVAO_EMAIL_TLS="starttls",
            DJANGO_SETTINGS_MODULE="ravao.settings",
        )
        found = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", f"import django;django.setup();{probe}"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        self.assertEqual(found.stdout.split(), ["smtp.example.vn", "587", "ravao", "True", "False", "10"])
