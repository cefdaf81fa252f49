from django.urls import path

from ravao.tracing import views, views_exports

app_name = "tracing"
urlpatterns = [
    path("", views.home, name="home"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/window/", views.case_window, name="case_window"),
    path("cases/<int:case_id>/trace/", views.case_retrace, name="case_trace"),
    path("cases/<int:case_id>/f2/", views.case_f2, name="case_f2"),
    path("cases/<int:case_id>/alerts/", views.case_alerts, name="case_alerts"),
    path("cases/<int:case_id>/close/", views.case_close_view, name="case_close"),
    path("cases/<int:case_id>/graph.json", views.case_graph, name="case_graph"),
    path("cases/<int:case_id>/contacts.<str:fmt>", views_exports.case_contacts_export, name="case_export"),
    path("contacts/<int:contact_id>/decision/", views.contact_decision, name="contact_decision"),
    path("contacts/<int:contact_id>/followup/", views.contact_followup, name="contact_followup"),
    path("requests/", views.case_requests, name="requests"),
    path("requests/<int:request_id>/decide/", views.case_request_decision, name="request_decide"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/read/", views.alert_read, name="alert_read"),
    # Exports and import files for other systems (issue 11, item 6).
    path("cases/<int:case_id>/exports/", views_exports.case_exports, name="case_exports"),
    path(
        "cases/<int:case_id>/exports/sormas-participants-<int:venue_id>.csv",
        views_exports.case_sormas_participants,
        name="case_sormas_participants",
    ),
    path("cases/<int:case_id>/exports/<str:name>", views_exports.case_interop, name="case_interop"),
    path("exports/", views_exports.scope_exports, name="exports"),
    path("exports/contacts.<str:fmt>", views_exports.scope_contacts_export, name="scope_export"),
]
