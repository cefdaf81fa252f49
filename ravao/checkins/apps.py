from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "ravao.checkins"
    label = "checkins"
