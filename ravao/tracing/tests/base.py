"""A small outbreak shared by the tracing tests: an F0 who worked a shift on line 1 of venue A and went to
the market (venue B); F1s on the same line, another line, the market; an F2 who met a confirmed F1."""

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.test import override_settings
from django.utils import timezone

from ravao.accounts.models import Role, User
from ravao.checkins.models import CheckIn
from ravao.people.models import Person
from ravao.places.models import Area, Venue
from ravao.test import RavaoTestCase, make_person

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


# Two-factor login for health officers is the security app's concern (and tested there); these tests
# look at what a verified officer sees.
@override_settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=False)
class TracingTestCase(RavaoTestCase):
    line1: Area
    line2: Area
    f0: Person
    coworker: Person
    other_line: Person
    shopper: Person
    stranger: Person
    hoa: User
    day: datetime

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.line1 = Area.objects.create(venue=cls.venue_a, name="Dây chuyền 1", kind="line")
        cls.line2 = Area.objects.create(venue=cls.venue_a, name="Dây chuyền 2", kind="line")
        # hoa: health officer of the Hạ Bằng commune station; hana (district) is in RavaoTestCase.
        cls.hoa = cls.make_user("0900000011", "Hoa", Role.HEALTH_OFFICER, unit=cls.units["ha_bang"])
        cls.f0 = make_person(name="Nguyễn Văn An", phone="0912000001", id_number="001092012345")
        cls.coworker = make_person(name="Trần Thị Bình", phone="0912000002")
        cls.other_line = make_person(name="Lê Văn Cường", phone="0912000003")
        cls.shopper = make_person(name="Phạm Thị Dung", phone="0912000004")
        cls.stranger = make_person(name="Hoàng Văn Em", phone="0912000005")
        # Yesterday 06:00 local time.
        cls.day = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=1)
        cls.visit(cls.f0, cls.venue_a, cls.line1, 0, 8 * 60)
        cls.visit(cls.coworker, cls.venue_a, cls.line1, 0, 8 * 60)
        cls.visit(cls.other_line, cls.venue_a, cls.line2, 0, 8 * 60)
        cls.visit(cls.f0, cls.venue_b, None, 9 * 60, 40, estimated=True)
        cls.visit(cls.shopper, cls.venue_b, None, 9 * 60 + 30, 30)
        # the coworker (F1) meets the stranger later at the market: an F2
        cls.visit(cls.coworker, cls.venue_b, None, 12 * 60, 60)
        cls.visit(cls.stranger, cls.venue_b, None, 12 * 60 + 10, 45)

    @classmethod
    def visit(
        cls,
        person: Person,
        venue: Venue,
        area: Area | None,
        start: int,
        stay: int | None,
        *,
        estimated: bool = False,
    ) -> CheckIn:
        return CheckIn.objects.create(
            person=person,
            venue=venue,
            area=area,
            checked_in_at=cls.day + timedelta(minutes=start),
            checked_out_at=None if stay is None else cls.day + timedelta(minutes=start + stay),
            checked_out_estimated=estimated,
            method=CheckIn.Method.MANUAL,
        )

    def search(self, query: str) -> "TestResponse":
        """The officer's search form posts (issue 9, finding 6)."""
        response: TestResponse = self.client.post("/tracing/", {"q": query})
        return response

    def new_case_url(self, query: str, index: int = 0) -> str:
        """The "tested positive" (or "request access") link of a search result: an opaque token."""
        tokens = re.findall(r"/tracing/cases/new/\?r=([\w-]+)", self.search(query).content.decode())
        assert len(tokens) > index, f"no result link for {query!r}"
        return f"/tracing/cases/new/?r={tokens[index]}"
