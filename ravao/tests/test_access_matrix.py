"""The access matrix: every URL of the project × every persona → the expected status.

The list of URLs comes from the URL configuration itself, so a new URL without a row here fails
`test_every_url_has_a_row`: nobody can add a page and forget to decide who may see it.

Rows are written as nine status codes, one per persona, in the order of PERSONAS:
    anonymous, visitor (remembered device), alice (manager of A), bob (manager of B),
    sam (staff of A), carol (official of A's commune), cuong (official of another commune),
    hana (health officer), dan (district admin)
Every request is a GET; POST-only URLs answer 405 (or send anonymous users to the login page first).
`MATRIX_DUMP=1 pytest ravao/tests/test_access_matrix.py -s` prints the rows that differ, to review a change.
Responses that refuse (3xx/4xx) must not leak venue A's name or the visitor's phone number.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from ravao.checkins.models import CheckIn
from ravao.places.models import Area, Shift
from ravao.test import RavaoTestCase, RavaoTwoLevelTestCase, make_person
from ravao.tracing.models import Alert, Case, Cluster, Contact
from ravao.tracing.services import case_open, case_send_alerts

PERSONAS = ("anonymous", "visitor", "alice", "bob", "sam", "carol", "cuong", "hana", "dan")

PUBLIC = "200 200 200 200 200 200 200 200 200"
LOGIN_ONLY = "302 302 200 200 200 200 200 200 200"
POST_ONLY_LOGIN = "302 302 405 405 405 405 405 405 405"
POST_ONLY = "405 405 405 405 405 405 405 405 405"
VENUE_A_VIEW = "302 302 200 404 200 200 404 404 200"
VENUE_A_MANAGE = "302 302 200 404 404 404 404 404 404"
COMMUNE_A = "302 302 404 404 404 200 404 404 200"
DISTRICT_ADMIN = "302 302 404 404 404 404 404 404 200"
GATE_A = "302 302 200 404 200 404 404 404 404"
# The same gate pages when the venue is pending approval or suspended: 404 for everyone (issue 9).
GATE_INACTIVE = "302 302 404 404 404 404 404 404 404"
# Tracing pages refuse other roles with 403 before looking at any object (nothing to leak).
TRACER = "302 302 403 403 403 403 403 200 403"
TRACER_POST = "302 302 403 403 403 403 403 405 403"
# The rotating screen code of a venue not in screen mode (or an old code) is refused.
STALE_SCREEN_CODE = "403 403 403 403 403 403 403 403 403"

# URL name → (expected statuses, kwargs builder). Builders get the test case (personas, objects).
Kwargs = Callable[["AccessMatrixTests"], dict[str, Any]]
NONE: Kwargs = lambda t: {}  # noqa: E731
VENUE_A: Kwargs = lambda t: {"venue_id": t.venue_a.pk}  # noqa: E731
AREA_A: Kwargs = lambda t: {"area_id": t.area_a.pk}  # noqa: E731
CASE: Kwargs = lambda t: {"case_id": t.case.pk}  # noqa: E731


TEAM_MANAGER = "302 302 403 403 403 403 403 200 200"
TEAM_MANAGER_POST = "302 302 403 403 403 403 403 405 405"


def _team(t: "AccessMatrixTests") -> dict[str, Any]:
    """The health team of venue A's commune (issue 11)."""
    from ravao.tracing.models import Team

    team, _ = Team.objects.get_or_create(unit=t.units["ha_bang"], defaults={"name": "Trạm Y tế xã Hạ Bằng"})
    return {"team_id": team.pk}


def _member(t: "AccessMatrixTests") -> uuid.UUID:
    """The public id of the visitor's household member (the same one on every call: found by name)."""
    from ravao.people.services import MemberProfile, household_member_add

    profile = MemberProfile(full_name="Nguyễn Văn Bé", year_of_birth=2015, sex="male")
    return household_member_add(holder=t.visitor, member=profile)[0].public_id


ROWS: dict[str, tuple[str, Kwargs]] = {
    "home": ("200 200 302 302 302 302 302 302 302", NONE),
    "manifest": (PUBLIC, NONE),
    "service_worker": (PUBLIC, NONE),
    "offline": (PUBLIC, NONE),
    "healthz": (PUBLIC, NONE),
    "set_language": ("302 302 302 302 302 302 302 302 302", NONE),
    "admin:index": ("302 302 302 302 302 302 302 302 302", NONE),
    # Public check-in pages (J2): the visitor's own confirmation only for their device.
    "checkins:scan": (PUBLIC, lambda t: {"code": t.venue_a.qr_code}),
    "checkins:confirmation": (
        "404 200 404 404 404 404 404 404 404",
        lambda t: {"client_id": t.visit.client_id},
    ),
    "checkins:checkout": (POST_ONLY, lambda t: {"client_id": t.visit.client_id}),
    # Personal pages: without a device they explain how to get one (200, nothing personal).
    "people:me": (PUBLIC, NONE),
    "people:declaration_edit": (PUBLIC, NONE),
    "people:profile_edit": (PUBLIC, NONE),
    "people:forget_device": (POST_ONLY, NONE),
    "people:delete_profile": (PUBLIC, NONE),
    # Accounts
    "accounts:login": ("200 200 302 302 302 302 302 302 302", NONE),
    "accounts:logout": (POST_ONLY, NONE),
    "accounts:signup": ("200 200 302 302 302 302 302 302 302", NONE),
    "accounts:invitation": (PUBLIC.replace("200", "404"), lambda t: {"token": "no-such-token"}),
    # Venues (J1)
    "places:dashboard": (LOGIN_ONLY, NONE),
    "places:venue_new": (LOGIN_ONLY, NONE),
    "places:venue": (VENUE_A_VIEW, VENUE_A),
    "places:venue_edit": (VENUE_A_MANAGE, VENUE_A),
    "places:area_add": (POST_ONLY_LOGIN, VENUE_A),
    "places:area_remove": (POST_ONLY_LOGIN, AREA_A),
    "places:area_poster": (VENUE_A_VIEW, AREA_A),
    "places:shift_add": (POST_ONLY_LOGIN, VENUE_A),
    "places:shift_remove": (POST_ONLY_LOGIN, lambda t: {"venue_id": t.venue_a.pk, "shift_id": t.shift_a.pk}),
    "places:rotate": (POST_ONLY_LOGIN, VENUE_A),
    "places:poster": (VENUE_A_VIEW, lambda t: {"venue_id": t.venue_a.pk, "fmt": "svg"}),
    "places:invite": (POST_ONLY_LOGIN, VENUE_A),
    "places:venue_status": (POST_ONLY_LOGIN, VENUE_A),
    "places:unit_venues": (COMMUNE_A, lambda t: {"unit_id": t.units["ha_bang"].pk}),
    "places:unit_posters": (COMMUNE_A, lambda t: {"unit_id": t.units["ha_bang"].pk}),
    # The remap queue (issue 14): district/province admins only; a POST-only bulk decision.
    "places:unit_decisions": (DISTRICT_ADMIN, NONE),
    "places:unit_decide": (POST_ONLY_LOGIN, NONE),
    # Audit
    "privacy:audit_log": (DISTRICT_ADMIN, NONE),
    # API tokens: the district administrator's page; other roles get a 404.
    "security:api_tokens": (DISTRICT_ADMIN, NONE),
    "security:api_token_revoke": (POST_ONLY_LOGIN, lambda t: {"token_id": 1}),
    # Personal QR, wallet card, declaring for a family member (J5): the owner phone only.
    "people:wallet_card": ("200 200 200 200 200 200 200 200 200", NONE),
    "people:family_declare": (PUBLIC, NONE),
    "people:family_card": ("404 404 404 404 404 404 404 404 404", lambda t: {"public_id": uuid.uuid4()}),
    # Households (issue 9): a member is edited and removed from the holder's owner phone only.
    "people:family_edit": ("404 200 404 404 404 404 404 404 404", lambda t: {"public_id": _member(t)}),
    "people:family_remove": (POST_ONLY, lambda t: {"public_id": _member(t)}),
    # Phone verification (issue 9): the device's own phone; a code page of another device is a 404.
    "people:verify": (PUBLIC, NONE),
    "people:verify_code": ("404 404 404 404 404 404 404 404 404", lambda t: {"public_id": uuid.uuid4()}),
    # Account security and two-factor login
    "accounts:security": (LOGIN_ONLY, NONE),
    "accounts:password_change": (LOGIN_ONLY, NONE),
    "accounts:otp_enrol": ("302 302 200 200 404 200 200 200 200", NONE),
    "accounts:otp_verify": ("302 302 302 302 302 302 302 302 302", NONE),
    "accounts:otp_disable": ("302 302 404 404 404 404 404 404 404", NONE),
    # Recovery codes: only with a confirmed authenticator (none of the personas has one here).
    "accounts:otp_recovery": ("302 302 404 404 404 404 404 404 404", NONE),
    "accounts:otp_recovery_regenerate": (POST_ONLY_LOGIN, NONE),
    # Password reset: open to everyone; the code page needs a reset started in this session.
    "accounts:password_reset": (PUBLIC, NONE),
    "accounts:password_reset_sent": (PUBLIC, NONE),
    "accounts:password_reset_code": ("302 302 302 302 302 302 302 302 302", NONE),
    "accounts:password_reset_confirm": (PUBLIC, lambda t: {"uidb64": "MQ", "token": "no-such-token"}),
    "accounts:password_reset_complete": (PUBLIC, NONE),
    # Staffing (issue 10): the district admin staffs the district and the units below it.
    "accounts:staff": (DISTRICT_ADMIN, lambda t: {"unit_id": t.units["district"].pk}),
    "accounts:staff_invite": (POST_ONLY_LOGIN, lambda t: {"unit_id": t.units["district"].pk}),
    "accounts:staff_role": (POST_ONLY_LOGIN, lambda t: {"membership_id": t.hana.memberships.get().pk}),
    "accounts:staff_remove": (POST_ONLY_LOGIN, lambda t: {"membership_id": t.hana.memberships.get().pk}),
    "accounts:staff_reset_2fa": (POST_ONLY_LOGIN, lambda t: {"membership_id": t.hana.memberships.get().pk}),
    # Gate (J4, J5): the venue's manager and staff only.
    "checkins:screen_scan": (STALE_SCREEN_CODE, lambda t: {"code": t.venue_a.qr_code, "rotating": "stale"}),
    "checkins:gate_index": ("302 302 302 302 302 200 200 200 200", NONE),
    # Late scans and refused ID cards at the venues an officer oversees (no person named).
    "checkins:gate_flags": ("302 302 404 404 404 200 200 200 200", NONE),
    "checkins:gate": (GATE_A, VENUE_A),
    "checkins:gate_sync": (POST_ONLY, VENUE_A),
    # Paper sheets: managers and officials import into their own venues; a sheet only for its uploader.
    "checkins:sheet_upload": ("302 302 200 200 404 200 200 404 200", NONE),
    "checkins:sheet_template": ("302 302 200 200 404 200 200 404 200", lambda t: {"fmt": "csv"}),
    "checkins:sheet": ("302 302 404 404 404 404 404 404 404", lambda t: {"sheet_id": 1}),
    "checkins:gate_inside": (GATE_A, VENUE_A),
    "checkins:gate_close_day": (POST_ONLY_LOGIN, VENUE_A),
    "checkins:gate_visitor": (GATE_A, VENUE_A),
    "checkins:screen": (GATE_A, VENUE_A),
    "checkins:screen_code": ("302 302 409 404 409 404 404 404 404", VENUE_A),
    "checkins:screen_mode": (POST_ONLY_LOGIN, VENUE_A),
    # Tracing (J6): health officers, a case as purpose.
    "tracing:home": (TRACER, NONE),
    "tracing:case_new": (TRACER.replace("200", "404"), NONE),
    "tracing:case": (TRACER, CASE),
    "tracing:case_window": (TRACER_POST, CASE),
    "tracing:case_trace": (TRACER_POST, CASE),
    "tracing:case_f2": (TRACER_POST, CASE),
    "tracing:case_contacts_bulk": (TRACER_POST, CASE),
    "tracing:case_alerts": (TRACER_POST, CASE),
    "tracing:case_close": (TRACER_POST, CASE),
    "tracing:case_graph": (TRACER, CASE),
    "tracing:case_export": (TRACER, lambda t: {"case_id": t.case.pk, "fmt": "csv"}),
    "tracing:case_exports": (TRACER, CASE),
    "tracing:case_interop": (TRACER, lambda t: {"case_id": t.case.pk, "name": "godata-cases.json"}),
    "tracing:case_sormas_participants": (
        TRACER,
        lambda t: {"case_id": t.case.pk, "venue_id": t.contact.venue_id},
    ),
    "tracing:exports": (TRACER, NONE),
    # Without ?team= or ?commune= the officer is told the address is incomplete.
    "tracing:scope_export": (TRACER.replace("200", "400"), lambda t: {"fmt": "csv"}),
    "tracing:contact_decision": (TRACER_POST, lambda t: {"contact_id": t.contact.pk}),
    "tracing:contact_followup": (TRACER_POST, lambda t: {"contact_id": t.contact.pk}),
    # Requests to open a case outside one's jurisdiction: health officers and district admins decide.
    "tracing:requests": ("302 302 403 403 403 403 403 200 200", NONE),
    "tracing:request_decide": ("302 302 403 403 403 403 403 405 405", lambda t: {"request_id": 1}),
    "tracing:alerts": (LOGIN_ONLY, NONE),
    "tracing:alert_read": (POST_ONLY_LOGIN, lambda t: {"alert_id": t.alert.pk}),
    "tracing:clusters": (TRACER, NONE),
    "tracing:cluster": (TRACER, lambda t: {"cluster_id": t.cluster.pk}),
    "tracing:cluster_decide": (TRACER_POST, lambda t: {"cluster_id": t.cluster.pk}),
    "tracing:outbreak": (TRACER, NONE),
    "tracing:outbreak_graph": (TRACER, NONE),
    # Issue 11: lab lists (a list is seen only by its uploader: none here) and bulk messages.
    "tracing:lab_upload": (TRACER, NONE),
    "tracing:lab_import": (TRACER.replace("200", "404"), lambda t: {"import_id": 999999}),
    "tracing:lab_template": (TRACER, lambda t: {"fmt": "csv"}),
    "tracing:contacts_message": (TRACER, CASE),
    "tracing:case_messages": (TRACER, CASE),
    # Teams and daily follow-up (issue 11): work lists for health officers; teams are staffed by health
    # officers and administrators (who never see contacts).
    "tracing:my_calls": (TRACER, NONE),
    "tracing:visit_record": (TRACER_POST, lambda t: {"contact_id": t.contact.pk}),
    "tracing:followup_dashboard": (TRACER, NONE),
    "tracing:teams": (TEAM_MANAGER, NONE),
    "tracing:team_create": (TEAM_MANAGER_POST, NONE),
    "tracing:team": (TEAM_MANAGER, _team),
    "tracing:team_member_add": (TEAM_MANAGER_POST, _team),
    "tracing:team_member_remove": (TEAM_MANAGER_POST, _team),
    "tracing:team_member_lead": (TEAM_MANAGER_POST, _team),
    "tracing:team_assign": (TRACER_POST, _team),
    # Oversight (J7): numbers for communes and the district; a venue's own page for its staff.
    "oversight:index": ("302 302 302 302 302 302 302 404 302", NONE),
    "oversight:unit": (COMMUNE_A, lambda t: {"unit_id": t.units["ha_bang"].pk}),
    "oversight:flagged": (COMMUNE_A, lambda t: {"unit_id": t.units["ha_bang"].pk}),
    "oversight:unit_venues": (COMMUNE_A, lambda t: {"unit_id": t.units["ha_bang"].pk}),
    "oversight:unit_export": (
        COMMUNE_A,
        lambda t: {"unit_id": t.units["ha_bang"].pk, "table": "days", "fmt": "csv"},
    ),
    "oversight:venue": (VENUE_A_VIEW, VENUE_A),
    "oversight:remind": (POST_ONLY_LOGIN, VENUE_A),
    "oversight:venue_export": (
        VENUE_A_VIEW,
        lambda t: {"venue_id": t.venue_a.pk, "table": "days", "fmt": "csv"},
    ),
}

# Django's admin serves only staff accounts (none of the personas); its index is in the matrix,
# its model pages behave the same and are left out. The API is tested in API_ROWS by path.
SKIPPED_PREFIXES = ("admin:", "api:")

API_ROWS: dict[str, tuple[str, Kwargs]] = {
    "/api/v1/scan/{code}": (PUBLIC, lambda t: {"code": t.venue_a.qr_code}),
    "/api/v1/checkins": (POST_ONLY, NONE),
    "/api/v1/me/visits": ("401 200 401 401 401 401 401 401 401", NONE),
    # The integration API answers only to a token, never to a session: every persona gets a 401.
    "/api/v1/registry/venues": ("401 401 401 401 401 401 401 401 401", NONE),
    "/api/v1/figures": ("401 401 401 401 401 401 401 401 401", NONE),
    "/api/v1/import/checkins": (POST_ONLY, NONE),
    "/api/v1/cases": ("401 401 401 401 401 401 401 401 401", NONE),
    "/api/v1/cases/{case_id}/contacts": ("401 401 401 401 401 401 401 401 401", CASE),
}


def url_names() -> Iterator[str]:
    def walk(patterns: list[Any], namespace: str | None) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if namespace and pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}"
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    yield from walk(get_resolver().url_patterns, None)


class AccessMatrixTests(RavaoTestCase):
    area_a: Area
    shift_a: Shift
    visit: CheckIn
    case: Case
    contact: Contact
    alert: Alert
    cluster: Cluster

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.area_a = Area.objects.create(venue=cls.venue_a, name="Dây chuyền 1", kind="line")
        cls.shift_a = Shift.objects.create(venue=cls.venue_a, name="Ca 1", starts_at="06:00", ends_at="14:00")
        cls.visit = CheckIn.objects.create(
            person=cls.visitor,
            venue=cls.venue_a,
            checked_in_at=timezone.now(),
            method="self",
            device=cls.visitor_device,
            client_id=uuid.uuid4(),
        )
        # A confirmed case who shared venue A with the visitor: a contact and an alert to trace.
        f0 = make_person(name="Phạm Văn Ca", phone="0966000111")
        CheckIn.objects.create(
            person=f0, venue=cls.venue_a, checked_in_at=cls.visit.checked_in_at, method="self"
        )
        cls.case = case_open(
            person=f0,
            unit=cls.units["district"],
            onset_date=timezone.localdate(),
            sample_date=None,
            isolated_on=None,
            acting_user=cls.hana,
            reason="XN-1",
        )
        cls.contact = Contact.objects.get(case=cls.case, person=cls.visitor)
        case_send_alerts(case=cls.case, acting_user=cls.hana)
        cls.alert = Alert.objects.get(case=cls.case, venue=cls.venue_a)
        # A cluster holding the case (issue 11): one case is enough for the access rows.
        cls.cluster = Cluster.objects.create(
            unit=cls.units["ha_bang"],
            venue=cls.venue_a,
            first_seen=cls.case.window_start,
            last_seen=cls.case.window_end,
        )
        cls.cluster.cases.add(cls.case)

    def client_for(self, persona: str) -> Client:
        if persona == "visitor":
            return self.device_client()
        client = Client()
        if persona != "anonymous":
            client.force_login(getattr(self, persona), backend="django.contrib.auth.backends.ModelBackend")
        return client

    def test_every_url_has_a_row(self) -> None:
        missing = [name for name in url_names() if name not in ROWS and not name.startswith(SKIPPED_PREFIXES)]
        self.assertEqual(missing, [], "add these URLs to ROWS in ravao/tests/test_access_matrix.py")

    def check(self, label: str, url: str, row: str) -> None:
        if os.environ.get("MATRIX_DUMP"):
            actual = " ".join(str(self.client_for(p).get(url).status_code) for p in PERSONAS)
            if actual != row:
                print(f"MISMATCH {label}: expected {row} actual {actual}")
            return
        expected = row.split()
        self.assertEqual(len(expected), len(PERSONAS), label)
        for persona, status in zip(PERSONAS, expected, strict=True):
            with self.subTest(url=label, persona=persona):
                response = self.client_for(persona).get(url)
                self.assertEqual(response.status_code, int(status), f"{label} as {persona}")
                if response.status_code >= 300:
                    body = response.content.decode(errors="replace")
                    self.assertNotIn(self.venue_a.name, body)
                    self.assertNotIn(self.visitor.phone or "-", body)

    def test_matrix(self) -> None:
        for name, (row, kwargs) in ROWS.items():
            self.check(name, reverse(name, kwargs=kwargs(self)), row)

    def test_gates_of_a_pending_or_suspended_venue(self) -> None:
        """Issue 9, finding 2: the gate of a venue not (or no longer) approved refuses even its own people
        (404 as for a missing venue; the page tells them why, and nobody else learns anything)."""
        gate_rows = [name for name, (row, _kwargs) in ROWS.items() if row == GATE_A] + [
            "checkins:screen_code"
        ]
        for status in ("pending", "suspended"):
            type(self.venue_a).objects.filter(pk=self.venue_a.pk).update(status=status)
            for name in gate_rows:
                url = reverse(name, kwargs=VENUE_A(self))
                for persona, expected in zip(PERSONAS, GATE_INACTIVE.split(), strict=True):
                    with self.subTest(url=name, persona=persona, status=status):
                        response = self.client_for(persona).get(url)
                        self.assertEqual(response.status_code, int(expected), f"{name} as {persona}")
                        if persona not in ("alice", "sam"):  # the venue's own people may read its name
                            self.assertNotIn(self.venue_a.name, response.content.decode(errors="replace"))

    def test_api_matrix(self) -> None:
        for path, (row, kwargs) in API_ROWS.items():
            self.check(path, path.format(**kwargs(self)), row)


class TwoLevelAccessMatrixTests(AccessMatrixTests, RavaoTwoLevelTestCase):
    """The same matrix on today's map (province → ward, issue 14 item 6): dan administers the province,
    hana is its health officer, carol and cuong are ward officials; every row must hold unchanged."""
