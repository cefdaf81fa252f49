from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ravao.accounts"
    label = "accounts"
