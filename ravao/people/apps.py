from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ravao.people"
    label = "people"
