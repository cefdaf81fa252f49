from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ravao.api"
    label = "api"
