from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "ravao.tracing"
    label = "tracing"

    def ready(self) -> None:
        # `ravao purge` deletes closed cases with their contact lists and alerts after their own setting.
        from ravao.privacy.retention import register_person_keeper, register_purger
        from ravao.tracing.retention import person_holds, person_release, purge_closed_cases

        register_purger("tracing", purge_closed_cases)
        # Lab lists of positive results: their parsed rows name people (issue 11).
        from ravao.tracing.labs import purge_lab_imports

        register_purger("tracing.labs", purge_lab_imports)
        # A kept case or contact row keeps its person (self-deletion is refused until it expires).
        register_person_keeper("tracing", holds=person_holds, release=person_release)
