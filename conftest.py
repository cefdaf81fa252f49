"""pytest configuration shared by every app's tests."""

from typing import Any


def pytest_configure(config: Any) -> None:
    from django.conf import settings

    # Password hashing is deliberately slow; the personas log in hundreds of times per run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
