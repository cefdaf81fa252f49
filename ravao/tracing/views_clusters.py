"""Officer pages for clusters and the outbreak overview (issue 11, items 4–5): the clusters in scope, a
cluster's page (cases, their contacts' counts, presence per hour, the venue's alerts) with the decision,
and the outbreak page (epidemic curve, chains graph)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ravao.privacy.services import audit_record, audit_record_daily
from ravao.tracing import clusters
from ravao.tracing.access import ROLE, cases_in_scope
from ravao.tracing.models import Cluster
from ravao.tracing.views import _user, tracer_required


class ClusterDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("confirm", gettext_lazy("Confirm")),
            ("dismiss", gettext_lazy("Dismiss")),
            ("close", gettext_lazy("Close")),
        ]
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)


STATUS_FILTERS = ("", *Cluster.Status.values)


@tracer_required
@require_GET
def cluster_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    found = clusters.clusters_in_scope(_user(request))
    if status:
        found = found.filter(status=status)
    context = {
        "clusters": clusters.cluster_rows(found),
        "status": status,
        "statuses": Cluster.Status.choices,
    }
    return render(request, "tracing/clusters/list.html", context)


@tracer_required
@require_GET
def cluster_detail(request: HttpRequest, cluster_id: int) -> HttpResponse:
    user = _user(request)
    cluster = clusters.access_cluster(user, cluster_id)
    cases = clusters.cluster_cases(cluster, user)
    timeline = clusters.cluster_timeline(cluster)
    shown = [row.case for row in cases if row.in_scope]
    # The officer reads the names of the cluster's cases in their scope: once a day per case and officer.
    audit_record_daily(
        actor=user,
        action="cluster.case_view",
        scope=f"cluster:{cluster.pk}",
        entries=[(c.person_id, c, {"cluster_id": cluster.pk}) for c in shown],
        reason=f"cluster:{cluster.pk}",
        request=request,
        role=ROLE,
    )
    chart = {
        "labels": [f"{s.start:%d/%m %H:%M}" for s in timeline],
        "cases": [s.cases for s in timeline],
        "contacts": [s.contacts for s in timeline],
        "casesLabel": _("Cases present"),
        "contactsLabel": _("Contacts present"),
    }
    context = {
        "cluster": cluster,
        "label": clusters.cluster_label(cluster),
        "cases": cases,
        "others": sum(1 for row in cases if not row.in_scope),
        "timeline": timeline,
        "chart": chart,
        "alerts": clusters.cluster_alerts(cluster),
        "form": ClusterDecisionForm(initial={"name": cluster.name}),
        "allowed": sorted(
            k for k, v in clusters.DECISIONS.items() if v in clusters.ALLOWED[Cluster.Status(cluster.status)]
        ),
    }
    return render(request, "tracing/clusters/detail.html", context)


@tracer_required
@require_POST
def cluster_decision(request: HttpRequest, cluster_id: int) -> HttpResponse:
    user = _user(request)
    cluster = clusters.access_cluster(user, cluster_id)
    form = ClusterDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose confirm, dismiss or close."))
        return redirect("tracing:cluster", cluster_id=cluster.pk)
    decision = form.cleaned_data["decision"]
    try:
        clusters.cluster_decide(
            cluster=cluster,
            decision=decision,
            name=form.cleaned_data["name"],
            acting_user=user,
            request=request,
        )
    except ValueError:
        messages.error(request, _("This cluster can no longer be changed that way."))
        return redirect("tracing:cluster", cluster_id=cluster.pk)
    messages.success(
        request,
        {
            "confirm": _("Cluster confirmed."),
            "dismiss": _("Cluster dismissed."),
            "close": _("Cluster closed."),
        }[decision],
    )
    return redirect("tracing:cluster", cluster_id=cluster.pk)


@tracer_required
@require_GET
def outbreak(request: HttpRequest) -> HttpResponse:
    """The epidemic curve of the officer's cases (stacked by cluster or commune) and the chains graph."""
    user = _user(request)
    by = "commune" if request.GET.get("by") == "commune" else "cluster"
    curve = clusters.epi_curve(cases_in_scope(user), by=by)
    context = {
        "curve": curve,
        "chart": curve.chart(),
        "by": by,
        "proposed": clusters.clusters_in_scope(user).filter(status=Cluster.Status.PROPOSED).count(),
    }
    return render(request, "tracing/clusters/outbreak.html", context)


@tracer_required
@require_GET
def outbreak_graph(request: HttpRequest) -> JsonResponse:
    user = _user(request)
    data = clusters.chains_graph(cases_in_scope(user))
    # Initials only; the graph is an overview of the officer's cases, audited as one read.
    audit_record(
        actor=user,
        action="outbreak.graph",
        reason="outbreak",
        request=request,
        role=ROLE,
        details={"nodes": len(data["nodes"]), "truncated": data["truncated"]},
    )
    return JsonResponse(data)
