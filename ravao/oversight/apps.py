from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "ravao.oversight"
    label = "oversight"
