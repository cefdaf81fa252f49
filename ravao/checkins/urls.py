from django.urls import path

from ravao.checkins import views

app_name = "checkins"
urlpatterns = [
    path("v/<str:code>", views.scan, name="scan"),
    path("c/<uuid:client_id>", views.confirmation, name="confirmation"),
    path("c/<uuid:client_id>/checkout", views.checkout, name="checkout"),
]
