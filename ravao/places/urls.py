from django.urls import path

from ravao.places import views

app_name = "places"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("venues/new/", views.venue_new, name="venue_new"),
    path("venues/<int:venue_id>/", views.venue_detail, name="venue"),
    path("venues/<int:venue_id>/edit/", views.venue_edit, name="venue_edit"),
    path("venues/<int:venue_id>/areas/", views.area_add, name="area_add"),
    path("areas/<int:area_id>/delete/", views.area_remove, name="area_remove"),
    path("areas/<int:area_id>/poster.pdf", views.area_poster, name="area_poster"),
    path("venues/<int:venue_id>/shifts/", views.shift_add, name="shift_add"),
    path("venues/<int:venue_id>/shifts/<int:shift_id>/delete/", views.shift_remove, name="shift_remove"),
    path("venues/<int:venue_id>/rotate/", views.rotate_code, name="rotate"),
    path("venues/<int:venue_id>/poster.<str:fmt>", views.poster, name="poster"),
    path("venues/<int:venue_id>/invite/", views.invite, name="invite"),
    path("venues/<int:venue_id>/status/", views.venue_status, name="venue_status"),
    path("units/decisions/", views.unit_decisions, name="unit_decisions"),
    path("units/decisions/decide/", views.unit_decide, name="unit_decide"),
    path("units/<int:unit_id>/", views.unit_venues, name="unit_venues"),
    path("units/<int:unit_id>/posters.pdf", views.unit_posters, name="unit_posters"),
]
