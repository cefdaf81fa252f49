from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ravao.notifications"
    label = "notifications"
    verbose_name = "Notifications"
