"""Reads of the notifications app: what was delivered, for the pages that show it."""

from collections import defaultdict
from collections.abc import Iterable

from ravao.notifications.models import Notification


def deliveries(topic: str, ref_ids: Iterable[object]) -> dict[str, list[Notification]]:
    """The messages of these objects (by ref_id as text), oldest first, in one query. Only the channel,
    status, attempts and times are read: the address and the text stay encrypted and unread."""
    keys = [str(ref) for ref in ref_ids]
    found: dict[str, list[Notification]] = defaultdict(list)
    if not keys:
        return found
    rows = (
        Notification.objects.filter(topic=topic, ref_id__in=keys)
        .only("ref_id", "channel", "status", "attempts", "sent_at", "created_at", "last_error")
        .order_by("created_at", "pk")
    )
    for row in rows:
        found[row.ref_id].append(row)
    return found
