from django.urls import path

from ravao.privacy import views

app_name = "privacy"
urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
]
