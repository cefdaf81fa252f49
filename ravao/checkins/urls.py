from django.urls import path

from ravao.checkins import views, views_gate, views_sheets

app_name = "checkins"
urlpatterns = [
    # The screen-mode guard sits in front of the check-in page (views_gate.scan → views.scan).
    path("v/<str:code>", views_gate.scan, name="scan"),
    path("s/<str:code>/<str:rotating>", views_gate.screen_scan, name="screen_scan"),
    path("c/<uuid:client_id>", views.confirmation, name="confirmation"),
    path("c/<uuid:client_id>/checkout", views.checkout, name="checkout"),
    path("gate/", views_gate.gate_index, name="gate_index"),
    path("gate/flags/", views_gate.gate_flags, name="gate_flags"),
    path("gate/<int:venue_id>/", views_gate.gate_page, name="gate"),
    path("gate/<int:venue_id>/sync", views_gate.gate_sync_view, name="gate_sync"),
    path("gate/<int:venue_id>/inside", views_gate.inside_page, name="gate_inside"),
    path("gate/<int:venue_id>/close-day", views_gate.close_day, name="gate_close_day"),
    path("gate/<int:venue_id>/visitor", views_gate.visitor_entry, name="gate_visitor"),
    path("gate/<int:venue_id>/screen", views_gate.screen_page, name="screen"),
    path("gate/<int:venue_id>/screen/code", views_gate.screen_code, name="screen_code"),
    path("gate/<int:venue_id>/screen/mode", views_gate.screen_mode_set, name="screen_mode"),
    # Paper sign-in sheets (CSV/XLSX) uploaded by a venue manager or an official.
    path("manage/import/", views_sheets.sheet_upload, name="sheet_upload"),
    path("manage/import/<int:sheet_id>/", views_sheets.sheet_detail, name="sheet"),
    path("manage/import/template.<str:fmt>", views_sheets.sheet_template, name="sheet_template"),
]
