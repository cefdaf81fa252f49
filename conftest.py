"""pytest configuration shared by every app's tests."""

from typing import Any


def pytest_configure(config: Any) -> None:
    from django.conf import settings

    # Password hashing is deliberately slow; the personas log in hundreds of times per run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Its default follows DEBUG; tests of two-factor login turn it on explicitly, so every run (make test
    # with DEBUG on, plain pytest with it off) sees the same access matrix.
    settings.RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS = False
    # Production serves collected, hashed files (ravao serve); the suite reads the sources, with or without
    # DEBUG, so it needs no collectstatic. bench/smoke_production.py checks the production storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
