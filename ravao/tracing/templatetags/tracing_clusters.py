"""`{% case_clusters case as found %}`: the clusters of a case, for the small block on the case page (so
the case page's view needs no change to show them)."""

from django import template

from ravao.tracing.clusters import case_clusters as _case_clusters
from ravao.tracing.models import Case, Cluster

register = template.Library()


@register.simple_tag
def case_clusters(case: Case) -> list[Cluster]:
    return _case_clusters(case)
