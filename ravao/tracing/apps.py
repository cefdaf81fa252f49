from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "ravao.tracing"
    label = "tracing"
