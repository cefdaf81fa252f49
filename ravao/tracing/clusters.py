"""Clusters, the epidemic curve and the chains graph of an outbreak (issue 11, items 4–5).

A cluster (SORMAS: an event of type "cluster"; Go.Data: a cluster) is a venue — or an area of it, a
production line — where two or more cases were present in overlapping windows. Presence is the engine's
(`ravao.tracing.engine`): a case's visit clipped to its infectious window, its end extended by the buffer;
two presences at one venue meet when they overlap and their areas are equal or one is unknown (the rule
the engine uses for contacts). The system proposes, an officer confirms, dismisses or closes.

Set-based: the cases' visits come from one engine run (one query, whatever the number of cases), the
candidate cases from one query; overlaps are found by a sweep over sorted presences per venue.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ravao.accounts.models import User
from ravao.checkins.models import CheckIn
from ravao.places.models import Venue
from ravao.places.units import under_paths
from ravao.privacy.services import audit_record
from ravao.tracing import conf
from ravao.tracing.access import ROLE, cases_in_scope, is_tracer, tracer_units
from ravao.tracing.engine import IndexCase, Rules, Visit, trace
from ravao.tracing.models import Alert, Case, Cluster, Contact
from ravao.tracing.selectors import _initials

# Clusters that still gather cases: a later case joins them rather than starting another one.
LIVE = (Cluster.Status.PROPOSED, Cluster.Status.CONFIRMED)


# --- presence ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Presence:
    case_id: int
    person_id: int
    venue_id: int
    area_id: int | None
    start: datetime
    end: datetime  # with the buffer


def presences(cases: Iterable[Case], rules: Rules | None = None) -> list[Presence]:
    """Every case's presences (the engine's: visit clipped to the window, end + buffer), one engine run."""
    rules = rules or Rules.from_settings()
    index = [IndexCase(c.pk, c.person_id, c.window_start, c.window_end) for c in cases]
    if not index:
        return []
    windows = {i.key: i for i in index}
    visits: dict[int, list[Visit]] = trace(index, rules).visits
    out = []
    for case_id, items in visits.items():
        window = windows[case_id]
        for v in items:
            start = max(v.start, window.start)
            end = min(v.end, window.end) + rules.buffer
            out.append(Presence(case_id, v.person_id, v.venue_id, v.area_id, start, end))
    return out


def _meet(a: Presence, b: Presence) -> bool:
    return (
        a.person_id != b.person_id
        and a.start < b.end
        and b.start < a.end
        and (a.area_id is None or b.area_id is None or a.area_id == b.area_id)
    )


@dataclass
class Group:
    """Presences of two or more cases at one venue that meet, directly or through each other."""

    venue_id: int
    area_id: int | None
    case_ids: set[int] = field(default_factory=set)
    start: datetime | None = None
    end: datetime | None = None


def _root(parent: list[int], i: int) -> int:
    """Union-find: the representative of i's group (path halving)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def co_present_groups(items: list[Presence]) -> list[Group]:
    """Connected groups of meeting presences, per venue (a sweep on start times: only presences still
    open when one starts are compared). A group's area is the one known area its presences share, else
    none (the whole venue)."""
    by_venue: dict[int, list[Presence]] = defaultdict(list)
    for p in items:
        by_venue[p.venue_id].append(p)
    groups: list[Group] = []
    for venue_id, venue_items in by_venue.items():
        venue_items.sort(key=lambda p: (p.start, p.case_id))
        parent = list(range(len(venue_items)))
        active: list[int] = []
        for i, p in enumerate(venue_items):
            active = [j for j in active if venue_items[j].end > p.start]
            for j in active:
                if _meet(venue_items[j], p):
                    parent[_root(parent, i)] = _root(parent, j)
            active.append(i)
        members: dict[int, list[Presence]] = defaultdict(list)
        for i, p in enumerate(venue_items):
            members[_root(parent, i)].append(p)
        for found in members.values():
            case_ids = {p.case_id for p in found}
            if len({p.person_id for p in found}) < 2:
                continue
            areas = {p.area_id for p in found} - {None}
            groups.append(
                Group(
                    venue_id,
                    areas.pop() if len(areas) == 1 else None,
                    case_ids,
                    min(p.start for p in found),
                    max(p.end for p in found),
                )
            )
    return _merge_shared_cases(groups)


def _merge_shared_cases(groups: list[Group]) -> list[Group]:
    """Episodes at one venue and area that share a case are one group: workers of one line together on
    Friday and again on Saturday are one outbreak there, not two proposals with the same name and cases."""
    merged: list[Group] = []
    for group in sorted(groups, key=lambda g: (g.venue_id, g.area_id or 0, g.start or timezone.now())):
        into = next(
            (
                m
                for m in merged
                if (m.venue_id, m.area_id) == (group.venue_id, group.area_id) and m.case_ids & group.case_ids
            ),
            None,
        )
        if into is None:
            merged.append(group)
            continue
        assert into.start and into.end and group.start and group.end
        into.case_ids |= group.case_ids
        into.start, into.end = min(into.start, group.start), max(into.end, group.end)
    return merged


# --- proposal ----------------------------------------------------------------------------------------
def _candidates(case: Case) -> list[Case]:
    """The case and the other cases whose persons were at one of its venues around its window (one query
    for its venues through the engine, one for the others)."""
    own = presences([case])
    if not own:
        return [case]
    venues = {p.venue_id for p in own}
    start = min(p.start for p in own) - conf.max_stay()
    end = max(p.end for p in own)
    persons = CheckIn.objects.filter(
        venue_id__in=venues, checked_in_at__gte=start, checked_in_at__lt=end
    ).values("person_id")
    others = Case.objects.filter(
        person_id__in=persons, window_start__lt=end, window_end__gte=start - conf.buffer()
    ).exclude(pk=case.pk)
    return [case, *others]


@dataclass
class ProposeResult:
    created: int = 0
    extended: int = 0
    clusters: list[Cluster] = field(default_factory=list)


@transaction.atomic
def clusters_propose(
    *, cases: Iterable[Case] | None = None, case: Case | None = None, acting_user: User | None = None
) -> ProposeResult:
    """Propose clusters from the co-presence of cases: for one `case` (just traced: it and the cases met
    at its venues), or for `cases` (the command, on existing data; default: every case).

    Idempotent: a group matches the cluster of the same venue and area whose span it overlaps (any
    status); its new cases join it and its span grows. New cases in a dismissed or closed cluster make
    it a proposal again, for the officer to look at."""
    if case is not None:
        pool = _candidates(case)
    elif cases is not None:
        pool = list(cases)
    else:
        pool = list(Case.objects.all())
    result = ProposeResult()
    groups = co_present_groups(presences(pool))
    if not groups:
        return result
    units = {c.pk: c.unit_id for c in pool}
    communes = dict(Venue.objects.filter(pk__in={g.venue_id for g in groups}).values_list("pk", "commune_id"))
    existing: dict[tuple[int, int | None], list[Cluster]] = defaultdict(list)
    query = Q()
    for g in groups:
        query |= Q(venue_id=g.venue_id, area_id=g.area_id)
    for cluster in Cluster.objects.select_for_update().filter(query).order_by("first_seen", "pk"):
        existing[(cluster.venue_id, cluster.area_id)].append(cluster)
    members: dict[int, set[int]] = defaultdict(set)
    for cluster_id, case_id in Cluster.cases.through.objects.filter(
        cluster__in=[c for items in existing.values() for c in items]
    ).values_list("cluster_id", "case_id"):
        members[cluster_id].add(case_id)
    links = []
    for g in groups:
        assert g.start is not None and g.end is not None
        match = next(
            (
                c
                for c in existing[(g.venue_id, g.area_id)]
                # overlapping spans, or the same cases on another day (see _merge_shared_cases)
                if (c.first_seen < g.end and g.start < c.last_seen) or members[c.pk] & g.case_ids
            ),
            None,
        )
        if match is None:
            match = Cluster.objects.create(
                unit_id=communes.get(g.venue_id) or units[min(g.case_ids)],
                venue_id=g.venue_id,
                area_id=g.area_id,
                first_seen=g.start,
                last_seen=g.end,
            )
            existing[(g.venue_id, g.area_id)].append(match)
            result.created += 1
            action = "cluster.propose"
        else:
            new = g.case_ids - members[match.pk]
            grown = g.start < match.first_seen or g.end > match.last_seen
            if not new and not grown:
                continue
            match.first_seen, match.last_seen = min(match.first_seen, g.start), max(match.last_seen, g.end)
            if new and match.status not in LIVE:
                match.status, match.decided_by, match.decided_at = Cluster.Status.PROPOSED, None, None
            match.save(update_fields=["first_seen", "last_seen", "status", "decided_by", "decided_at"])
            result.extended += 1
            action = "cluster.extend"
        added = g.case_ids - members[match.pk]
        members[match.pk] |= added
        links += [Cluster.cases.through(cluster_id=match.pk, case_id=case_id) for case_id in added]
        result.clusters.append(match)
        audit_record(
            actor=acting_user,
            action=action,
            obj=match,
            reason=f"cluster:{match.pk}",
            role=ROLE,
            details={"cases": sorted(members[match.pk]), "added": sorted(added)},
        )
    Cluster.cases.through.objects.bulk_create(links, ignore_conflicts=True)
    return result


# --- decisions ---------------------------------------------------------------------------------------
DECISIONS = {
    "confirm": Cluster.Status.CONFIRMED,
    "dismiss": Cluster.Status.DISMISSED,
    "close": Cluster.Status.CLOSED,
}
# What each status may become: a confirmed cluster is closed when the outbreak there is over, a proposal
# confirmed or dismissed; a dismissed one may be confirmed after all.
ALLOWED = {
    Cluster.Status.PROPOSED: {Cluster.Status.CONFIRMED, Cluster.Status.DISMISSED},
    Cluster.Status.CONFIRMED: {Cluster.Status.CLOSED, Cluster.Status.DISMISSED},
    Cluster.Status.DISMISSED: {Cluster.Status.CONFIRMED},
    Cluster.Status.CLOSED: set(),
}


@transaction.atomic
def cluster_decide(
    *,
    cluster: Cluster,
    decision: str,
    acting_user: User,
    name: str = "",
    request: HttpRequest | None = None,
) -> Cluster:
    """Confirm, dismiss or close a cluster (optionally naming it). Repeating the decision it already has
    changes nothing (a retried click); a move the status does not allow raises ValueError."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    locked = Cluster.objects.select_for_update().get(pk=cluster.pk)
    target = DECISIONS[decision]
    if locked.status == target:
        return locked
    if target not in ALLOWED[Cluster.Status(locked.status)]:
        raise ValueError(f"a {locked.status} cluster cannot be {target}")
    locked.status, locked.decided_by, locked.decided_at = target, acting_user, timezone.now()
    if name.strip():
        locked.name = name.strip()[:200]
    locked.save(update_fields=["status", "decided_by", "decided_at", "name"])
    audit_record(
        actor=acting_user,
        action=f"cluster.{decision}",
        obj=locked,
        reason=f"cluster:{locked.pk}",
        request=request,
        role=ROLE,
        details={"status": target, "name": locked.name},
    )
    return locked


# --- access ------------------------------------------------------------------------------------------
def clusters_in_scope(user: User) -> QuerySet[Cluster]:
    """Clusters at a venue under the officer's units, or holding a case of theirs."""
    if not is_tracer(user):
        return Cluster.objects.none()
    paths = list(tracer_units(user).values_list("path", flat=True))
    if not paths:
        return Cluster.objects.none()
    ids = Cluster.objects.filter(under_paths(paths, "unit__path") | Q(cases__in=cases_in_scope(user))).values(
        "pk"
    )
    return Cluster.objects.filter(pk__in=ids)


def access_cluster(user: User, cluster_id: int) -> Cluster:
    found = (
        clusters_in_scope(user)
        .select_related("venue", "area", "unit", "decided_by")
        .filter(pk=cluster_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


# --- reads -------------------------------------------------------------------------------------------
def cluster_label(cluster: Cluster) -> str:
    if cluster.name:
        return cluster.name
    return (
        f"{cluster.venue.name} · {cluster.area.name}"
        if cluster.area_id and cluster.area
        else cluster.venue.name
    )


def cluster_rows(clusters: QuerySet[Cluster]) -> list[Cluster]:
    """Clusters with their case count (`n_cases`), venue and area, newest first: two queries."""
    return list(
        clusters.select_related("venue", "area")
        .annotate(n_cases=Count("cases"))
        .order_by("-last_seen", "-pk")
    )


@dataclass(frozen=True)
class CaseRow:
    case: Case
    in_scope: bool
    f1: int
    f2: int
    under_followup: int


def cluster_cases(cluster: Cluster, user: User, *, today: date | None = None) -> list[CaseRow]:
    """The cluster's cases (persons read only for those in the officer's scope) with their contacts'
    counts: F1, F2 (not dismissed), under follow-up today. Three queries."""
    today = today or timezone.localdate()
    cases = list(cluster.cases.select_related("person", "unit").order_by("window_start", "pk"))
    scope = set(cases_in_scope(user).filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True))
    counts = (
        Contact.objects.filter(case__in=[c.pk for c in cases])
        .exclude(decision=Contact.Decision.DISMISSED)
        .values("case_id")
        .annotate(
            f1=Count("pk", filter=Q(generation=1)),
            f2=Count("pk", filter=Q(generation=2)),
            under=Count(
                "pk",
                filter=Q(
                    decision=Contact.Decision.CONFIRMED, followup_start__lte=today, followup_until__gte=today
                ),
            ),
        )
    )
    by_case = {row["case_id"]: row for row in counts}
    out = []
    for c in cases:
        row = by_case.get(c.pk, {})
        out.append(CaseRow(c, c.pk in scope, row.get("f1", 0), row.get("f2", 0), row.get("under", 0)))
    return out


# The presence table has at most this many rows: longer spans are counted in wider buckets.
TIMELINE_ROWS = 72


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    cases: int
    contacts: int


def cluster_timeline(cluster: Cluster) -> list[Slot]:
    """Cases and contacts present at the cluster's venue (its area, when it has one) per hour over the
    cluster's span: cases from their presences (one engine run), contacts from the contact rows of the
    cluster's cases at that place (one query). Counted as distinct persons per slot."""
    cases = list(cluster.cases.all())
    rules = Rules.from_settings()
    place: list[tuple[int, datetime, datetime]] = [
        (p.person_id, p.start, p.end - rules.buffer)
        for p in presences(cases, rules)
        if p.venue_id == cluster.venue_id
        and (cluster.area_id is None or p.area_id in (None, cluster.area_id))
    ]
    contacts = Contact.objects.filter(case__in=cases, venue_id=cluster.venue_id).exclude(
        decision=Contact.Decision.DISMISSED
    )
    if cluster.area_id:
        contacts = contacts.filter(Q(area_id=cluster.area_id) | Q(area__isnull=True))
    met = list(contacts.values_list("person_id", "contact_start", "contact_end"))
    start = timezone.localtime(cluster.first_seen).replace(minute=0, second=0, microsecond=0)
    end = cluster.last_seen
    hours = max(1, int((end - start).total_seconds() // 3600) + 1)
    width = timedelta(hours=-(-hours // TIMELINE_ROWS))
    slots = []
    at = start
    while at < end:
        until = at + width
        slots.append(
            Slot(
                at,
                until,
                len({pid for pid, s, e in place if s < until and e > at}),
                len({pid for pid, s, e in met if s < until and e > at}),
            )
        )
        at = until
    return slots


@dataclass(frozen=True)
class VenueAlert:
    alert: Alert
    deliveries: list[Any]


def cluster_alerts(cluster: Cluster) -> list[VenueAlert]:
    """The venue's alerts for the cluster's cases (sent, read), each with its messages' delivery."""
    from ravao.notifications.selectors import deliveries

    alerts = list(
        Alert.objects.filter(venue_id=cluster.venue_id, case__in=cluster.cases.all()).order_by("created_at")
    )
    sent = deliveries("tracing.alert", [a.pk for a in alerts])
    return [VenueAlert(a, sent.get(str(a.pk), [])) for a in alerts]


def case_clusters(case: Case) -> list[Cluster]:
    """The live clusters a case belongs to (for the small block on the case page)."""
    return list(
        case.clusters.exclude(status=Cluster.Status.DISMISSED).select_related("venue", "area").order_by("pk")
    )


# --- epidemic curve ----------------------------------------------------------------------------------
# The curve covers at most this many days (the most recent ones).
CURVE_DAYS = 120


@dataclass
class Curve:
    days: list[date]
    # (series label, counts per day), largest series first; stacked.
    series: list[tuple[str, list[int]]]
    followup: list[int]  # contacts under follow-up per day
    total: list[int]
    by: str

    def rows(self) -> list[tuple[date, list[int], int, int]]:
        return [
            (d, [s[1][i] for s in self.series], self.total[i], self.followup[i])
            for i, d in enumerate(self.days)
        ]

    def chart(self) -> dict[str, Any]:
        return {
            "labels": [d.strftime("%d/%m") for d in self.days],
            "series": [{"label": label, "values": values} for label, values in self.series],
            "followup": {"label": _("Contacts under follow-up"), "values": self.followup},
            "casesLabel": _("Cases"),
            "contactsLabel": _("Contacts"),
        }


def _case_day(onset: date | None, sample: date | None, created: datetime) -> date:
    return onset or sample or timezone.localdate(created)


def epi_curve(cases: QuerySet[Case], *, by: str = "cluster", today: date | None = None) -> Curve:
    """Cases by onset date (else the positive sample's date, else the day the case was recorded), stacked
    by cluster (a confirmed or proposed one; the first if several) or by the person's commune of
    residence; and the confirmed contacts under follow-up each day (their follow-up period covers it).
    Three queries whatever the number of cases."""
    today = today or timezone.localdate()
    rows = list(cases.values_list("pk", "onset_date", "sample_date", "created_at", "person__commune__name"))
    days_of = {pk: _case_day(onset, sample, created) for pk, onset, sample, created, _c in rows}
    if by == "commune":
        group = {pk: commune or _("Commune unknown") for pk, _o, _s, _c, commune in rows}
    else:
        group = {pk: _("No cluster") for pk in days_of}
        memberships = (
            Cluster.cases.through.objects.filter(case_id__in=days_of, cluster__status__in=LIVE)
            .select_related("cluster__venue", "cluster__area")
            .order_by("cluster_id")
        )
        named: set[int] = set()
        for link in memberships:
            if link.case_id not in named:
                named.add(link.case_id)
                group[link.case_id] = cluster_label(link.cluster)
    # Under follow-up from the day the period was opened (not back-dated to the day after the exposure:
    # nobody followed a contact up before they were found).
    periods = [
        (max(start, opened) if opened is not None else start, until)
        for start, until, opened in Contact.objects.filter(
            case__in=cases,
            decision=Contact.Decision.CONFIRMED,
            followup_start__isnull=False,
            followup_until__isnull=False,
        ).values_list("followup_start", "followup_until", "followup_opened_on")
        if start is not None and until is not None
    ]
    all_days = list(days_of.values()) + [s for s, _u in periods]
    if not all_days:
        return Curve([], [], [], [], by)
    first = min(all_days)
    last = max([*days_of.values(), *(min(u, today) for _s, u in periods), first])
    first = max(first, last - timedelta(days=CURVE_DAYS - 1))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    position = {d: i for i, d in enumerate(days)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for pk, day in days_of.items():
        if day in position:
            counts[group[pk]][position[day]] += 1
    # Contacts under follow-up per day: +1 on the first day, -1 after the last (a running sum).
    delta = [0] * (len(days) + 1)
    for start, until in periods:
        lo, hi = max(start, first), min(until, last)
        if lo > hi:
            continue
        delta[(lo - first).days] += 1
        delta[(hi - first).days + 1] -= 1
    followup, running = [], 0
    for i in range(len(days)):
        running += delta[i]
        followup.append(running)
    series = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    total = [sum(values[i] for _l, values in series) for i in range(len(days))]
    return Curve(days, series, followup, total, by)


# --- chains graph ------------------------------------------------------------------------------------
# The outbreak graph shows at most this many nodes (the most recent cases' chains first).
GRAPH_NODES = 3000
# A generation's row wraps after this many nodes; the spacing of the preset positions (pixels).
ROW_WIDTH = 60
DX, DY, BAND = 34, 34, 90


def chains_graph(cases: QuerySet[Case], *, limit: int = GRAPH_NODES) -> dict[str, Any]:
    """F0 → F1 → F2 chains of these cases as nodes and edges with preset positions: one row band per
    generation (cases whose person was a contact of another case go below that contact's row), cases of a
    cluster side by side inside a compound node, contacts under their source. A node carries the link it
    opens: a case page, or a contact's row on its case page. Labels are initials, never names.

    Three queries whatever the size (cases, contacts, cluster memberships); at most `limit` nodes."""
    case_rows = list(
        cases.select_related("person")
        .only("pk", "person_id", "person__full_name", "source_contact_id", "status")
        .order_by("-window_start", "-pk")
    )
    case_ids = [c.pk for c in case_rows]
    contacts = list(
        Contact.objects.filter(case_id__in=case_ids)
        .exclude(decision=Contact.Decision.DISMISSED)
        .select_related("person")
        .only(
            "pk",
            "case_id",
            "person_id",
            "person__full_name",
            "generation",
            "via_id",
            "tier",
            "decision",
            "overlap_minutes",
        )
        .order_by("case_id", "generation", "-overlap_minutes", "pk")
    )
    cluster_of: dict[int, int] = {}
    cluster_names: dict[int, str] = {}
    for link in (
        Cluster.cases.through.objects.filter(case_id__in=case_ids, cluster__status__in=LIVE)
        .select_related("cluster__venue", "cluster__area")
        .order_by("cluster_id")
    ):
        cluster_of.setdefault(link.case_id, link.cluster_id)
        cluster_names[link.cluster_id] = cluster_label(link.cluster)

    # Generations: a case opened from a contact sits one row below that contact.
    contact_by_pk = {c.pk: c for c in contacts}
    case_by_pk = {c.pk: c for c in case_rows}
    depth: dict[int, int] = {}

    def case_depth(case: Case, seen: frozenset[int] = frozenset()) -> int:
        if case.pk in depth:
            return depth[case.pk]
        source = contact_by_pk.get(case.source_contact_id or 0)
        parent = case_by_pk.get(source.case_id) if source else None
        d = 0
        if source is not None and parent is not None and parent.pk not in seen:
            d = case_depth(parent, seen | {case.pk}) + source.generation
        depth[case.pk] = d
        return d

    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []
    rows: dict[int, list[str]] = defaultdict(list)
    truncated = False

    def add(node_id: str, row: int, data: dict[str, Any]) -> bool:
        nonlocal truncated
        if node_id in nodes:
            return True
        if len(nodes) >= limit:
            truncated = True
            return False
        nodes[node_id] = {"id": node_id, **data}
        rows[row].append(node_id)
        return True

    # Cases first, grouped by cluster within their row (so a cluster's cases are side by side).
    ordered = sorted(
        case_rows, key=lambda c: (case_depth(c), cluster_of.get(c.pk, 0) == 0, cluster_of.get(c.pk, 0), c.pk)
    )
    for c in ordered:
        cluster_id = cluster_of.get(c.pk)
        data: dict[str, Any] = {
            "label": _initials(c.person.full_name),
            "kind": "f0",
            "href": reverse("tracing:case", args=[c.pk]),
            "title": f"F0 #{c.pk}",
        }
        if cluster_id:
            data["parent"] = f"k{cluster_id}"
        add(f"p{c.person_id}", case_depth(c) * 3, data)
    person_of_contact: dict[int, int] = {}
    source_of: dict[str, str] = {}  # node → the node it was found from (its first edge)
    for ct in contacts:
        case = case_by_pk[ct.case_id]
        row = case_depth(case) * 3 + ct.generation
        node = f"p{ct.person_id}"
        person_of_contact[ct.pk] = ct.person_id
        href = reverse("tracing:case", args=[ct.case_id]) + f"#contact-{ct.pk}"
        if not add(
            node,
            row,
            {
                "label": _initials(ct.person.full_name),
                "kind": f"f{ct.generation}",
                "href": href,
                "title": f"F{ct.generation} · F0 #{ct.case_id}",
            },
        ):
            continue
        parent = case.person_id if ct.generation == 1 else person_of_contact.get(ct.via_id or 0)
        if parent is not None and f"p{parent}" in nodes and parent != ct.person_id:
            source_of.setdefault(node, f"p{parent}")
            edges.append(
                {
                    "id": f"c{ct.pk}",
                    "source": f"p{parent}",
                    "target": node,
                    "tier": ct.tier,
                    "confirmed": ct.decision == Contact.Decision.CONFIRMED,
                    "label": f"{ct.overlap_minutes}′",
                }
            )
    # Positions: each generation row is a band of lines of at most ROW_WIDTH nodes, centred.
    # A row below the first is ordered by the position of each node's source, so contacts sit under the
    # case (or F1) they were found from.
    y = 0
    for row in sorted(rows):
        ids = rows[row]
        if row:
            ids = sorted(
                ids, key=lambda n: nodes.get(source_of.get(n, ""), {}).get("position", {}).get("x", 0)
            )
        lines = [ids[i : i + ROW_WIDTH] for i in range(0, len(ids), ROW_WIDTH)]
        for line in lines:
            x0 = -(len(line) - 1) * DX / 2
            for i, node_id in enumerate(line):
                nodes[node_id]["position"] = {"x": round(x0 + i * DX), "y": y}
            y += DY
        y += BAND - DY
    used = sorted({int(n["parent"][1:]) for n in nodes.values() if "parent" in n})
    groups = [
        {
            "id": f"k{k}",
            "label": cluster_names[k],
            "kind": "cluster",
            "href": reverse("tracing:cluster", args=[k]),
        }
        for k in used
    ]
    return {
        "nodes": [*groups, *nodes.values()],
        "edges": edges,
        "truncated": truncated,
        "counts": {"cases": len(case_rows), "contacts": len(contacts)},
    }
