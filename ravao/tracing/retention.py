"""Retention of cases (BRIEF §3: "cases and their contact lists per the health office's setting").

Cases closed longer ago than RAVAO_CASE_RETENTION_DAYS are deleted with their contacts and alerts, in
batches, each in its own short transaction so a large backlog never holds locks for long. Only counts are
returned (the purge run records them; never the data). Open cases are never purged.
"""

from datetime import datetime, timedelta

from django.db import transaction

from ravao.tracing import conf
from ravao.tracing.models import Alert, Case, Contact

BATCH = 500


def purge_closed_cases(*, now: datetime, batch_size: int = BATCH) -> dict[str, int]:
    cutoff = now - timedelta(days=conf.CASE_RETENTION_DAYS)
    counts = {"cases": 0, "contacts": 0, "alerts": 0}
    while True:
        with transaction.atomic():
            ids = list(
                Case.objects.filter(status=Case.Status.CLOSED, closed_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return counts
            # A case opened from a contact points at it; drop that link first so the order does not matter.
            Case.objects.filter(source_contact__case_id__in=ids).update(source_contact=None)
            counts["alerts"] += Alert.objects.filter(case_id__in=ids).delete()[0]
            # F2 rows point at F1 rows of the same case: delete F2 first.
            counts["contacts"] += Contact.objects.filter(case_id__in=ids, generation=2).delete()[0]
            counts["contacts"] += Contact.objects.filter(case_id__in=ids).delete()[0]
            counts["cases"] += Case.objects.filter(pk__in=ids).delete()[0]
