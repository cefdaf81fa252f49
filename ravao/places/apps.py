from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "ravao.places"
    label = "places"
