from django.urls import path

from ravao.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.index, name="index"),
    path("units/<int:unit_id>/", views.unit, name="unit"),
    path("units/<int:unit_id>/flagged/", views.flagged, name="flagged"),
    path("units/<int:unit_id>/venues/", views.unit_venue_list, name="unit_venues"),
    path("units/<int:unit_id>/<slug:table>.<slug:fmt>", views.unit_export, name="unit_export"),
    path("venues/<int:venue_id>/", views.venue, name="venue"),
    path("venues/<int:venue_id>/remind/", views.remind, name="remind"),
    path("venues/<int:venue_id>/<slug:table>.<slug:fmt>", views.venue_export, name="venue_export"),
]
