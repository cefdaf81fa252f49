from django.urls import path

from ravao.tracing import (
    views,
    views_clusters,
    views_exports,
    views_followup,
    views_labs,
    views_messages,
    views_triage,
)

app_name = "tracing"
urlpatterns = [
    path("", views.home, name="home"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/window/", views.case_window, name="case_window"),
    path("cases/<int:case_id>/trace/", views.case_retrace, name="case_trace"),
    path("cases/<int:case_id>/f2/", views.case_f2, name="case_f2"),
    path("cases/<int:case_id>/alerts/", views.case_alerts, name="case_alerts"),
    path("cases/<int:case_id>/contacts/bulk/", views_triage.case_contacts_bulk, name="case_contacts_bulk"),
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
    # Clusters and the outbreak overview (issue 11, items 4–5).
    path("clusters/", views_clusters.cluster_list, name="clusters"),
    path("clusters/<int:cluster_id>/", views_clusters.cluster_detail, name="cluster"),
    path("clusters/<int:cluster_id>/decide/", views_clusters.cluster_decision, name="cluster_decide"),
    path("outbreak/", views_clusters.outbreak, name="outbreak"),
    path("outbreak/graph.json", views_clusters.outbreak_graph, name="outbreak_graph"),
    # Issue 11: cases from lab lists, messages in bulk to contacts.
    path("labs/", views_labs.lab_upload, name="lab_upload"),
    path("labs/<int:import_id>/", views_labs.lab_import_detail, name="lab_import"),
    path("labs/template.<str:fmt>", views_labs.lab_template, name="lab_template"),
    path("cases/<int:case_id>/contacts/message/", views_messages.contacts_message, name="contacts_message"),
    path("cases/<int:case_id>/messages/", views_messages.case_messages_view, name="case_messages"),
    # Teams, work lists and daily follow-up (issue 11, items 2–3).
    path("calls/", views_followup.my_calls, name="my_calls"),
    path("contacts/<int:contact_id>/visit/", views_followup.visit_record, name="visit_record"),
    path("followup/", views_followup.dashboard, name="followup_dashboard"),
    path("teams/", views_followup.teams, name="teams"),
    path("teams/new/", views_followup.team_create, name="team_create"),
    path("teams/<int:team_id>/", views_followup.team_detail, name="team"),
    path("teams/<int:team_id>/members/add/", views_followup.team_member_add, name="team_member_add"),
    path("teams/<int:team_id>/members/remove/", views_followup.team_member_remove, name="team_member_remove"),
    path("teams/<int:team_id>/members/lead/", views_followup.team_member_lead, name="team_member_lead"),
    path("teams/<int:team_id>/assign/", views_followup.team_assign, name="team_assign"),
]
