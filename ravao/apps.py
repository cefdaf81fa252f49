from django.apps import AppConfig


class RavaoConfig(AppConfig):
    """The project package itself: system checks and shared templates."""

    name = "ravao"
    verbose_name = "ravao"

    def ready(self) -> None:
        from ravao import checks  # noqa: F401  (registers the system checks)
