from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "ravao.tracing"
    label = "tracing"

    def ready(self) -> None:
        # `ravao purge` deletes closed cases with their contact lists and alerts after their own setting.
        from ravao.privacy.retention import register_purger
        from ravao.tracing.retention import purge_closed_cases

        register_purger("tracing", purge_closed_cases)
