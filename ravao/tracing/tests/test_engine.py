"""The engine against a brute-force oracle (hypothesis) and on the boundary cases of the issue.

The oracle restates BRIEF §3 naively: every check-in of the table against every other, no index ranges,
no batching, no sorting. Both must agree on the contacts, tiers and overlaps, on SQLite and PostgreSQL.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import django as hypothesis_django

from ravao.checkins.models import CheckIn
from ravao.checkins.visits import estimate_end
from ravao.people.models import Person
from ravao.places.models import Area, Shift, Venue
from ravao.test import RavaoTestCase, make_person
from ravao.tracing.engine import HIGH, LOW, MEDIUM, IndexCase, Rules, trace

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = datetime(2021, 7, 10, tzinfo=TZ)
RULES = Rules.from_settings()


def at(minutes: float) -> datetime:
    return BASE + timedelta(minutes=minutes)


def oracle(cases: list[IndexCase], rules: Rules) -> set[tuple[int, int, int, str, int]]:
    """(case key, case visit, other visit, tier, overlap seconds) for every exposure, the slow way."""
    rows = list(CheckIn.objects.select_related("venue").all())

    def interval(c: CheckIn) -> tuple[datetime, datetime]:
        if c.checked_out_at is not None:
            end = c.checked_out_at
        else:
            end = estimate_end(
                venue=c.venue, checked_in_at=c.checked_in_at, shifts=list(c.venue.shifts.all())
            )
        end = min(end, c.checked_in_at + rules.max_stay)
        return c.checked_in_at, max(end, c.checked_in_at)

    found = set()
    for case in cases:
        for mine in rows:
            if mine.person_id != case.person_id:
                continue
            start, end = interval(mine)
            if not (start < case.end and end >= case.start):
                continue
            p_start, p_end = max(start, case.start), min(end, case.end) + rules.buffer
            for other in rows:
                if other.person_id == case.person_id or other.venue_id != mine.venue_id:
                    continue
                if mine.area_id and other.area_id and mine.area_id != other.area_id:
                    continue
                o_start, o_end = interval(other)
                seconds = (min(p_end, o_end) - max(p_start, o_start)).total_seconds()
                if seconds > 0:
                    tier = HIGH if seconds >= rules.high.total_seconds() else MEDIUM
                elif p_start - rules.low_window <= o_start <= p_end + rules.low_window:
                    tier, seconds = LOW, 0
                else:
                    continue
                found.add((case.key, mine.pk, other.pk, tier, int(seconds)))
    return found


def engine(cases: list[IndexCase], rules: Rules) -> set[tuple[int, int, int, str, int]]:
    result = trace(cases, rules)
    return {(e.source, e.source_visit.id, e.visit.id, e.tier, e.overlap_seconds) for e in result.exposures}


visit_strategy = st.tuples(
    st.integers(0, 5),  # person
    st.sampled_from(["factory", "market"]),
    st.sampled_from([None, 0, 1]),  # area of the factory
    st.integers(0, 3 * 24 * 60),  # minutes after BASE
    st.sampled_from([0, 30]),  # seconds: sub-minute overlaps
    st.one_of(st.none(), st.integers(0, 20 * 60)),  # stay; None = open visit
    st.booleans(),  # the end is flagged estimated
)


class EngineFixture(RavaoTestCase):
    """A factory with two lines and two shifts, a market, six people: shared by the engine's tests."""

    factory: Venue
    market: Venue
    lines: list[Area]
    people: list[Person]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.factory = cls.venue_a
        cls.market = cls.venue_b
        cls.lines = [
            Area.objects.create(venue=cls.factory, name="Dây chuyền 1", kind="line"),
            Area.objects.create(venue=cls.factory, name="Dây chuyền 2", kind="line"),
        ]
        Shift.objects.create(venue=cls.factory, name="Ca sáng", starts_at=time(6), ends_at=time(14))
        Shift.objects.create(venue=cls.factory, name="Ca đêm", starts_at=time(22), ends_at=time(6))
        cls.people = [make_person(name=f"Người {i}", phone=f"09100000{i:02d}") for i in range(6)]


class EngineOracleTest(hypothesis_django.TestCase, EngineFixture):
    # hypothesis' TestCase runs each generated example in its own transaction.

    def add(
        self,
        person: int,
        venue: Venue,
        start: float,
        stay: float | None,
        *,
        area: Area | None = None,
        estimated: bool = False,
    ) -> CheckIn:
        return CheckIn.objects.create(
            person=self.people[person],
            venue=venue,
            area=area,
            checked_in_at=at(start),
            checked_out_at=None if stay is None else at(start + stay),
            checked_out_estimated=estimated,
            method=CheckIn.Method.MANUAL,
        )

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        visits=st.lists(visit_strategy, min_size=1, max_size=40),
        windows=st.lists(
            st.tuples(st.integers(0, 5), st.integers(-600, 3 * 24 * 60), st.integers(0, 3 * 24 * 60)),
            min_size=1,
            max_size=3,
        ),
    )
    def test_engine_equals_oracle(self, visits: list, windows: list) -> None:
        with transaction.atomic():
            for person, kind, area, start, seconds, stay, estimated in visits:
                venue = self.factory if kind == "factory" else self.market
                area_obj = self.lines[area] if kind == "factory" and area is not None else None
                self.add(
                    person,
                    venue,
                    start + seconds / 60,
                    stay,
                    area=area_obj,
                    estimated=estimated and stay is not None,
                )
            cases = [
                IndexCase(key, self.people[p].pk, at(start), at(start + length))
                for key, (p, start, length) in enumerate(windows)
            ]
            self.assertEqual(engine(cases, RULES), oracle(cases, RULES))
            transaction.set_rollback(True)

    # --- boundary cases, each named ---------------------------------------------------------------------
    def one(self, case_person: int = 0, start: float = 0, end: float = 24 * 60) -> list[IndexCase]:
        return [IndexCase(1, self.people[case_person].pk, at(start), at(end))]

    def exposures(self, cases: list[IndexCase]) -> dict[int, tuple[str, int]]:
        result = engine(cases, RULES)
        self.assertEqual(result, oracle(cases, RULES))
        return {visit: (tier, seconds // 60) for _k, _s, visit, tier, seconds in result}

    def test_intervals_that_only_touch_are_low_not_overlap(self) -> None:
        self.add(0, self.market, 600, 60)
        touching = self.add(1, self.market, 600 + 60 + 30, 30)  # arrives as the buffer ends
        self.assertEqual(self.exposures(self.one()), {touching.pk: (LOW, 0)})

    def test_one_minute_of_overlap_is_medium(self) -> None:
        self.add(0, self.market, 600, 60)
        one_minute = self.add(1, self.market, 600 + 60 + 29, 30)
        self.assertEqual(self.exposures(self.one()), {one_minute.pk: (MEDIUM, 1)})

    def test_fifteen_minutes_is_high(self) -> None:
        self.add(0, self.market, 600, 60)
        fifteen = self.add(1, self.market, 600 + 75, 60)
        self.assertEqual(self.exposures(self.one()), {fifteen.pk: (HIGH, 15)})

    def test_open_visits_get_the_estimated_end_and_are_marked(self) -> None:
        self.add(0, self.market, 600, None)  # market: 60 min typical stay
        other = self.add(1, self.market, 600 + 80, 10)
        self.assertEqual(self.exposures(self.one()), {other.pk: (MEDIUM, 10)})
        (exposure,) = trace(self.one(), RULES).exposures
        self.assertTrue(exposure.source_visit.estimated)
        self.assertEqual(exposure.source_visit.end, at(660))
        self.assertFalse(exposure.visit.estimated)

    def test_open_factory_visit_ends_with_its_shift(self) -> None:
        self.add(0, self.factory, 6 * 60 - 10, None)  # 05:50, just before the morning shift
        late = self.add(1, self.factory, 14 * 60 + 20, 60)  # 14:20, after the shift's end + buffer - 10
        self.assertEqual(self.exposures(self.one()), {late.pk: (MEDIUM, 10)})

    def test_estimated_ends_are_marked(self) -> None:
        self.add(0, self.market, 600, 60, estimated=True)
        self.add(1, self.market, 600, 20)
        (exposure,) = trace(self.one(), RULES).exposures
        self.assertTrue(exposure.source_visit.estimated)

    def test_different_areas_of_one_venue_are_not_contacts_but_unknown_areas_are(self) -> None:
        self.add(0, self.factory, 600, 120, area=self.lines[0])
        self.add(1, self.factory, 600, 120, area=self.lines[1])
        same = self.add(2, self.factory, 600, 120, area=self.lines[0])
        unknown = self.add(3, self.factory, 600, 120)
        self.assertEqual(self.exposures(self.one()), {same.pk: (HIGH, 120), unknown.pk: (HIGH, 120)})

    def test_visits_outside_the_window_are_ignored(self) -> None:
        self.add(0, self.market, 100, 30)  # before the window
        self.add(1, self.market, 100, 30)
        inside = self.add(0, self.market, 600, 30)
        other = self.add(2, self.market, 610, 30)
        self.assertEqual(self.exposures(self.one(start=300, end=24 * 60)), {other.pk: (HIGH, 30)})
        self.assertEqual([v.id for v in trace(self.one(start=300), RULES).visits[1]], [inside.pk])

    def test_the_window_clips_a_visit(self) -> None:
        self.add(0, self.market, 0, 600)  # 00:00–10:00, window ends at 02:00
        late = self.add(1, self.market, 180, 30)  # 03:00, after window end + buffer
        early = self.add(2, self.market, 60, 30)
        self.assertEqual(self.exposures(self.one(end=120)), {early.pk: (HIGH, 30), late.pk: (LOW, 0)})

    def test_the_case_own_visits_are_not_contacts(self) -> None:
        self.add(0, self.market, 600, 60)
        self.add(0, self.market, 620, 60)
        self.assertEqual(self.exposures(self.one()), {})

    def test_far_before_is_not_low(self) -> None:
        self.add(0, self.market, 600, 30)
        self.add(1, self.market, 600 - 61, 30)  # checked in 61 min before, left before
        self.assertEqual(self.exposures(self.one()), {})

    def test_visits_longer_than_max_stay_are_capped(self) -> None:
        self.add(1, self.market, 0, 40 * 60)  # a forgotten check-out: capped at 16 h
        self.add(0, self.market, 17 * 60, 30)
        self.assertEqual(self.exposures(self.one()), {})

    def test_an_outbreak_costs_a_fixed_number_of_queries(self) -> None:
        for i in range(6):
            for day in range(3):
                self.add(i, self.factory if i % 2 else self.market, day * 1440 + 600 + i * 5, 240)
                self.add(i, self.market, day * 1440 + 900, None)
        cases = [IndexCase(i, self.people[i].pk, at(0), at(3 * 1440)) for i in range(6)]
        # visits, venues + shifts of open visits, one co-presence batch
        with self.assertNumQueries(4):
            result = trace(cases, RULES)
        self.assertEqual(
            {(e.source, e.source_visit.id, e.visit.id, e.tier, e.overlap_seconds) for e in result.exposures},
            oracle(cases, RULES),
        )
