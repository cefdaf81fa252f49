from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "ravao.privacy"
    label = "privacy"
