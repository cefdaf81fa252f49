from django.apps import AppConfig


class RavaoConfig(AppConfig):
    """The project package itself: system checks, shared templates and start-up validation of the settings."""

    name = "ravao"
    verbose_name = "ravao"

    def ready(self) -> None:
        from ravao import checks  # noqa: F401  (registers the system checks)
        from ravao.startup import validate_configuration

        validate_configuration()
