from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "ravao.security"
    label = "security"

    def ready(self) -> None:
        # Registers the deployment checks and the login signal that marks a session as awaiting its code.
        from ravao.security import checks, signals  # noqa: F401
