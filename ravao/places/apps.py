from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "ravao.places"
    label = "places"

    def ready(self) -> None:
        from ravao.places import checks  # noqa: F401  (registers the territory check)
