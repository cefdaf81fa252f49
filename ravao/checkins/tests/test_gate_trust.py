"""Gates that leak nothing (issue 9, findings 2, 5 and the CCCD parts of 9): only an active venue's staff
scan, every scan counts against the limits, the server bounds a scan's time, a card that does not match
the person of its number is not merged."""

import uuid
from datetime import timedelta

import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ravao.accounts.models import Role, User
from ravao.checkins.models import CardMismatch, CheckIn, CheckInFlag, GateScan
from ravao.checkins.tests.test_gate import CARD, GateTestCase, scan
from ravao.lib import cccd
from ravao.lib.tokens import issue_token
from ravao.people.models import Person
from ravao.places.models import Venue
from ravao.privacy.models import AuditEvent
from ravao.test import make_person


@override_settings(LANGUAGE_CODE="en")
class InactiveVenueTests(GateTestCase):
    """Issue 9, finding 2: a pending (or suspended) venue's gate answers as for a missing venue."""

    mallory: User
    sid: User
    pending: Venue

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.pending = Venue.objects.create(
            code="V000099",
            name="Quán Chưa Duyệt",
            kind="restaurant",
            commune=cls.units["ha_bang"],
            address="Thôn 9",
            phone="0243123499",
            status="pending",
        )
        cls.pending.areas.create(name="Sân")
        cls.mallory = cls.make_user("0900000099", "Mallory", Role.VENUE_MANAGER, venue=cls.pending)
        cls.sid = cls.make_user("0900000098", "Sid", Role.VENUE_STAFF, venue=cls.pending)

    def gate_urls(self) -> list[tuple[str, str]]:
        pk = self.pending.pk
        return [
            ("get", reverse("checkins:gate", args=[pk])),
            ("get", reverse("checkins:gate_inside", args=[pk])),
            ("get", reverse("checkins:gate_visitor", args=[pk])),
            ("get", reverse("checkins:screen", args=[pk])),
            ("get", reverse("checkins:screen_code", args=[pk])),
            ("post", reverse("checkins:gate_close_day", args=[pk])),
            ("post", reverse("checkins:screen_mode", args=[pk])),
            ("post", reverse("checkins:gate_visitor", args=[pk])),
        ]

    def test_sync_at_a_pending_venue_reveals_and_writes_nothing(self) -> None:
        make_person(name="Trần Thị Đỏ", phone="0987000111")
        visitor_inside = self.visitor.checkins.create(
            venue=self.venue_b, checked_in_at=timezone.now() - timedelta(hours=1), method="self"
        )
        for user in (self.mallory, self.sid):
            self.login(user)
            response = self.sync(
                scan("phone", "0912345678"),
                scan("phone", "0987000111", direction="out"),
                scan("token", self.token()),
                venue_id=self.pending.pk,
            )
            self.assertEqual(response.status_code, 404)
            body = response.json()
            self.assertNotIn("results", body)
            self.assertNotIn("Nguyễn", response.content.decode())
        self.assertFalse(GateScan.objects.exists())
        self.assertFalse(CheckIn.objects.filter(venue=self.pending).exists())
        visitor_inside.refresh_from_db()
        self.assertIsNone(visitor_inside.checked_out_at)
        self.assertFalse(AuditEvent.objects.filter(action__startswith="gate.").exists())

    def test_every_gate_page_refuses_a_pending_venue_with_a_message_for_its_people(self) -> None:
        for user in (self.mallory, self.sid):
            self.login(user)
            for method, url in self.gate_urls():
                data = {"full_name": "Ai", "phone": "0912000111", "year_of_birth": "1990", "sex": "male"}
                response = getattr(self.client, method)(url, data if method == "post" else None)
                self.assertEqual(response.status_code, 404, url)
                if "screen/code" not in url:
                    self.assertContains(response, "awaiting approval by the commune", status_code=404)
                self.assertNotContains(response, "Sân", status_code=404)
        # Someone else gets exactly the 404 of a missing venue.
        self.login(self.sam)
        response = self.client.get(reverse("checkins:gate", args=[self.pending.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, "Quán Chưa Duyệt", status_code=404)
        self.assertNotContains(response, "awaiting approval", status_code=404)
        self.pending.refresh_from_db()
        self.assertFalse(self.pending.screen_mode)
        self.assertFalse(CheckIn.objects.exists())
        self.assertFalse(Person.objects.filter(phone_hash__isnull=False).exclude(pk=self.visitor.pk).exists())

    def test_a_suspended_venue_is_refused_too(self) -> None:
        Venue.objects.filter(pk=self.venue_a.pk).update(status="suspended")
        self.login(self.sam)
        self.assertEqual(self.sync(scan("phone", "0912345678")).status_code, 404)
        response = self.client.get(reverse("checkins:gate", args=[self.venue_a.pk]))
        self.assertContains(response, "suspended", status_code=404)
        self.assertFalse(GateScan.objects.exists())


@override_settings(LANGUAGE_CODE="en")
class ScanLimitTests(GateTestCase):
    """Issue 9, finding 2: the limits count scans (not requests), and look-ups that find nobody tightly."""

    def test_500_unknown_numbers_are_refused_and_nothing_is_written(self) -> None:
        self.login(self.sam)
        items = [scan("phone", f"0987{i:06d}") for i in range(500)]
        response = self.sync(*items)
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json()["error"], "limit")
        self.assertIn("later", response.json()["message"])
        self.assertFalse(GateScan.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="gate.lookup").exists())

    def test_unknown_numbers_one_request_at_a_time_are_limited_too(self) -> None:
        self.login(self.sam)
        start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        with time_machine.travel(start, tick=False):
            statuses = []
            for i in range(31):
                statuses.append(self.sync(scan("phone", f"0987{i:06d}")).status_code)
            self.assertEqual(statuses[:30], [200] * 30)
            self.assertEqual(statuses[30], 429)
            # A known person still passes: only look-ups that find nobody are limited this tightly.
            self.assertEqual(
                self.sync(scan("phone", "0912345678")).json()["results"][0]["outcome"], "checked_in"
            )
        with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
            self.assertEqual(self.sync(scan("phone", "0987999999")).status_code, 200)

    def test_a_shift_change_of_2000_people_in_30_minutes_passes(self) -> None:
        """1,000 workers of the night shift leave and 1,000 of the day shift arrive through one venue's gate,
        two staff members scanning, all within one counting hour (the hardest case for the limits)."""
        start = timezone.now().replace(minute=5, second=0, microsecond=0) + timedelta(hours=1)
        workers = [
            Person(full_name=f"Công Nhân {i}", phone=f"0988{i:06d}", year_of_birth=1990, sex="male")
            for i in range(2000)
        ]
        for worker in workers:
            worker.refresh_lookup_keys()
        Person.objects.bulk_create(workers)
        leaving, arriving = workers[:1000], workers[1000:]
        night = start - timedelta(hours=8)
        CheckIn.objects.bulk_create(
            CheckIn(person=p, venue=self.venue_a, checked_in_at=night, method="gate")
            for p in Person.objects.filter(phone_hash__in=[w.phone_hash for w in leaving])
        )
        recorded = 0
        for batch in range(20):
            # Batches of 100 (a gate's queue after a short network gap), one every 90 s: 30 minutes.
            with time_machine.travel(start + timedelta(seconds=90 * batch), tick=False):
                out = batch % 2 == 0
                self.login(self.alice if out else self.sam)
                group = (leaving if out else arriving)[batch // 2 * 100 : batch // 2 * 100 + 100]
                items = [scan("phone", str(p.phone), direction="out" if out else "in") for p in group]
                response = self.sync(*items)
                self.assertEqual(response.status_code, 200, batch)
                outcomes = [r["outcome"] for r in response.json()["results"]]
                recorded += sum(o in ("checked_in", "checked_out") for o in outcomes)
        self.assertEqual(recorded, 2000)
        self.assertEqual(
            CheckIn.objects.filter(venue=self.venue_a, checked_out_at__isnull=True).count(), 1000
        )

    @override_settings(RAVAO_RATE_LIMITS_ENABLED=True)
    def test_the_venue_limit_counts_every_staff_member(self) -> None:
        make_person(name="Lê Văn Bốn", phone="0988000001")
        with override_settings(RAVAO_GATE_SCANS_PER_VENUE_HOUR=3):
            start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
            with time_machine.travel(start, tick=False):
                self.login(self.sam)
                self.assertEqual(
                    self.sync(scan("phone", "0912345678"), scan("phone", "0988000001")).status_code, 200
                )
                self.login(self.alice)
                response = self.sync(
                    scan("phone", "0912345678", direction="out"), scan("phone", "0988000001", direction="out")
                )
                self.assertEqual(response.status_code, 429)
                self.assertEqual(GateScan.objects.count(), 2)
                # The refused batch did not use up the budget: one more scan fits.
                self.assertEqual(self.sync(scan("phone", "0912345678", direction="out")).status_code, 200)


class ScanTimeTests(GateTestCase):
    """Issue 9, finding 5: a scan's time is the device's claim; the server vouches for its receive time."""

    def setUp(self) -> None:
        super().setUp()
        self.login(self.sam)

    def test_a_token_expired_an_hour_ago_is_refused_even_back_dated(self) -> None:
        now = timezone.now()
        token = issue_token(self.visitor.public_id, now=now - timedelta(hours=3), ttl=timedelta(hours=2))
        claimed = (now - timedelta(hours=1, minutes=30)).isoformat()
        result = self.sync(scan("token", token, scanned_at=claimed)).json()["results"][0]
        self.assertFalse(result["ok"])
        self.assertEqual(result["outcome"], "token_expired")
        self.assertIsNone(result["person"])
        self.assertFalse(CheckIn.objects.exists())

    def test_a_back_dated_phone_scan_is_kept_but_flagged_late(self) -> None:
        now = timezone.now()
        claimed = now - timedelta(hours=2)
        result = self.sync(scan("phone", "0912345678", scanned_at=claimed.isoformat())).json()["results"][0]
        self.assertEqual(result["outcome"], "checked_in")
        self.assertIn("late", [w["code"] for w in result["warnings"]])
        checkin = CheckIn.objects.get()
        self.assertEqual(checkin.checked_in_at, claimed)  # kept as claimed (tracing needs it), but flagged
        flag = CheckInFlag.objects.get(checkin=checkin)
        self.assertEqual(flag.kind, CheckInFlag.Kind.LATE)
        self.assertEqual(flag.details["claimed"], claimed.isoformat())
        self.assertEqual(flag.details["staff_id"], self.sam.pk)
        self.assertGreaterEqual(flag.details["received"], now.isoformat())
        # A late exit is flagged as well, on the visit it closes.
        out_at = now - timedelta(hours=1)
        self.sync(scan("phone", "0912345678", direction="out", scanned_at=out_at.isoformat()))
        self.assertEqual(
            set(CheckInFlag.objects.filter(checkin=checkin).values_list("kind", flat=True)),
            {"late", "late_out"},
        )

    def test_a_scan_within_the_window_is_taken_as_claimed_without_a_flag(self) -> None:
        claimed = timezone.now() - timedelta(minutes=5)
        token = issue_token(
            self.visitor.public_id, now=claimed - timedelta(hours=1), ttl=timedelta(hours=1, minutes=2)
        )
        result = self.sync(scan("token", token, scanned_at=claimed.isoformat())).json()["results"][0]
        self.assertEqual(result["outcome"], "checked_in")
        self.assertEqual(CheckIn.objects.get().checked_in_at, claimed)
        self.assertFalse(CheckInFlag.objects.exists())

    def test_one_scan_at_a_time_flags_late_scans_too(self) -> None:
        from ravao.checkins.gate.scans import GateScanInput, gate_scan_record

        now = timezone.now()
        outcome = gate_scan_record(
            venue=self.venue_a,
            staff=self.sam,
            role="venue_staff",
            scan=GateScanInput(uuid.uuid4(), "phone", "0912345678", "in", None, now - timedelta(hours=3)),
            now=now,
        )
        self.assertEqual(outcome.outcome, "checked_in")
        self.assertTrue(CheckInFlag.objects.filter(kind="late", checkin=outcome.checkin).exists())

    def test_a_manual_entry_is_at_the_receive_time(self) -> None:
        url = reverse("checkins:gate_visitor", args=[self.venue_a.pk])
        data = {"full_name": "Bà Tư", "phone": "0912000111", "year_of_birth": "1941", "sex": "female"}
        with time_machine.travel(timezone.now(), tick=False):
            self.client.post(url, {**data, "checked_in_at": "2020-01-01T00:00:00+07:00"})
            self.assertEqual(CheckIn.objects.get().checked_in_at, timezone.now())


@override_settings(LANGUAGE_CODE="en")
class CardIdentityTests(GateTestCase):
    """Issue 9, finding 9 (CCCD): a known ID number with another name or birth date is not merged."""

    def setUp(self) -> None:
        super().setUp()
        self.login(self.sam)
        self.known = make_person(name="Nguyễn Văn An", phone="0911000111", id_number="001092012345")
        Person.objects.filter(pk=self.known.pk).update(year_of_birth=1992)

    def test_a_card_with_another_name_is_refused_and_flagged(self) -> None:
        card = CARD.replace("Nguyễn Văn An", "Lê Văn Kẻ Gian")
        result = self.sync(scan("cccd", card)).json()["results"][0]
        self.assertFalse(result["ok"])
        self.assertEqual(result["outcome"], "cccd_mismatch")
        self.assertIsNone(result["person"])  # neither the other person's name nor their status
        self.assertIn("card_mismatch", [w["code"] for w in result["warnings"]])
        self.assertFalse(CheckIn.objects.exists())
        flag = CardMismatch.objects.get()
        self.assertEqual(flag.person, self.known)
        self.assertEqual(flag.venue, self.venue_a)
        self.assertTrue(flag.name_differs)
        self.assertFalse(flag.birth_differs)
        self.assertEqual(GateScan.objects.get().person, None)
        # A replay shows the same refusal, still nothing of the person.
        again = self.sync(scan("cccd", card, client_id=result["client_id"])).json()["results"][0]
        self.assertTrue(again["replay"])
        self.assertIsNone(again["person"])
        self.assertEqual(CardMismatch.objects.count(), 1)

    def test_a_card_with_another_birth_date_is_refused(self) -> None:
        Person.objects.filter(pk=self.known.pk).update(year_of_birth=1985)
        result = self.sync(scan("cccd", CARD)).json()["results"][0]
        self.assertEqual(result["outcome"], "cccd_mismatch")
        self.assertTrue(CardMismatch.objects.get().birth_differs)

    def test_case_diacritics_and_spacing_do_not_matter(self) -> None:
        card = CARD.replace("Nguyễn Văn An", "NGUYEN  VAN   AN")
        result = self.sync(scan("cccd", card)).json()["results"][0]
        self.assertEqual(result["outcome"], "checked_in")
        self.assertFalse(CardMismatch.objects.exists())

    def test_one_scan_at_a_time_refuses_a_mismatch_too(self) -> None:
        from ravao.checkins.gate.scans import GateScanInput, gate_scan_record

        card = CARD.replace("Nguyễn Văn An", "Lê Văn Kẻ Gian")
        outcome = gate_scan_record(
            venue=self.venue_a,
            staff=self.sam,
            role="venue_staff",
            scan=GateScanInput(uuid.uuid4(), "cccd", card, "in", None, timezone.now()),
            now=timezone.now(),
        )
        self.assertEqual(outcome.outcome, "cccd_mismatch")
        self.assertIsNone(outcome.person)
        self.assertTrue(CardMismatch.objects.exists())

    def test_impossible_birth_dates_are_refused(self) -> None:
        future = "001230012345||Bé Tương Lai|01012030|Nam|Hà Nội|"
        old = "001890012345||Cụ Cố|01011890|Nam|Hà Nội|"
        results = self.sync(scan("cccd", future), scan("cccd", old)).json()["results"]
        self.assertEqual([r["outcome"] for r in results], ["cccd_impossible_date_of_birth"] * 2)
        parsed = cccd.parse_cccd(future)
        assert not parsed.ok
        with override_settings(LANGUAGE_CODE="vi"):
            from django.utils import translation

            with translation.override("vi"):
                self.assertIn("ngày sinh", str(parsed.message).lower())


@override_settings(LANGUAGE_CODE="en")
class GateFlagsPageTests(GateTestCase):
    """Officers list late scans and refused ID cards of the venues they oversee."""

    def make_flags(self) -> None:
        self.login(self.sam)
        known = make_person(name="Nguyễn Văn An", phone="0911000111", id_number="001092012345")
        Person.objects.filter(pk=known.pk).update(year_of_birth=1992)
        self.sync(
            scan("phone", "0912345678", scanned_at=(timezone.now() - timedelta(hours=2)).isoformat()),
            scan("cccd", CARD.replace("Nguyễn Văn An", "Lê Văn Kẻ Gian")),
        )

    def test_an_officer_sees_the_flags_of_their_venues_without_names(self) -> None:
        self.make_flags()
        url = reverse("checkins:gate_flags")
        for officer in (self.carol, self.hana, self.dan):
            self.login(officer)
            response = self.client.get(url)
            self.assertContains(response, "Entry sent late")
            self.assertContains(response, "Công ty May Hạ Bằng", count=2)
            self.assertContains(response, "Sam")  # the staff account that sent the refused card
            self.assertNotContains(response, "Nguyễn")
            self.assertNotContains(response, "Kẻ Gian")
        # Another commune's official sees none of venue A's flags.
        self.login(self.cuong)
        response = self.client.get(url)
        self.assertNotContains(response, "Công ty May Hạ Bằng")
        self.assertContains(response, "No scan was sent late.")

    def test_access(self) -> None:
        url = reverse("checkins:gate_flags")
        self.assertEqual(self.client.get(url).status_code, 302)
        for user in (self.sam, self.alice):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.carol)
        self.assertEqual(self.client.post(url).status_code, 405)
        self.assertEqual(self.client.get(url, {"page": "x'; drop"}).status_code, 200)


class AuditVenueTests(GateTestCase):
    """Every gate audit row names the venue (the person's "who accessed my data" page shows it)."""

    def test_every_gate_audit_row_carries_the_venue(self) -> None:
        self.login(self.alice)
        self.sync(scan("phone", "0912345678"))
        self.client.get(reverse("checkins:gate_inside", args=[self.venue_a.pk]))
        self.client.post(reverse("checkins:gate_close_day", args=[self.venue_a.pk]))
        self.client.post(reverse("checkins:screen_mode", args=[self.venue_a.pk]), {"screen_mode": "on"})
        self.client.post(
            reverse("checkins:gate_visitor", args=[self.venue_a.pk]),
            {"full_name": "Bà Tư", "phone": "0912000111", "year_of_birth": "1941", "sex": "female"},
        )
        events = AuditEvent.objects.filter(
            action__in=("gate.lookup", "gate.inside", "gate.close_day", "gate.manual", "venue.screen_mode")
        )
        self.assertEqual(events.count(), 5)
        for event in events:
            self.assertEqual(event.details.get("venue_id"), self.venue_a.pk, event.action)


class ManualEntryLimitTests(GateTestCase):
    """Issue 9, finding 2: a manual entry answers with a masked name and a colour, so it counts as a scan."""

    def test_a_manual_entry_over_the_limit_is_refused_and_writes_nothing(self) -> None:
        self.login(self.sam)
        url = reverse("checkins:gate_visitor", args=[self.venue_a.pk])
        data = {"full_name": "Bà Tư", "phone": "0912000111", "year_of_birth": "1941", "sex": "female"}
        start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
        with override_settings(RAVAO_GATE_SCANS_PER_STAFF_HOUR=1), time_machine.travel(start, tick=False):
            self.assertEqual(self.client.post(url, {**data, "client_id": str(uuid.uuid4())}).status_code, 200)
            response = self.client.post(url, {**data, "phone": "0912000222", "client_id": str(uuid.uuid4())})
            self.assertEqual(response.status_code, 429)
        self.assertEqual(CheckIn.objects.count(), 1)
        self.assertIsNone(
            Person.objects.filter(phone_hash__isnull=False)
            .filter(year_of_birth=1941)
            .exclude(pk=CheckIn.objects.get().person_id)
            .first()
        )
