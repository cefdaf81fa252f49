"""`trace(best_only=True)` keeps exactly the exposure `best_by_person` ranks first for each (source, person),
in the order of their first exposure — so `ranked_contacts` gives the same list either way (hypothesis, on
the random data of the oracle test), on SQLite and PostgreSQL."""

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import django as hypothesis_django

from ravao.checkins.models import CheckIn
from ravao.tracing.engine import Exposure, IndexCase, best_by_person, trace
from ravao.tracing.selectors import ranked_contacts
from ravao.tracing.tests.test_engine import RULES, EngineFixture, at, visit_strategy


def _key(e: Exposure) -> tuple[object, ...]:
    return (e.source, e.source_visit.id, e.visit.id, e.tier, e.overlap_seconds, e.presence_start, e.visit.end)


class BestOnlyTest(hypothesis_django.TestCase, EngineFixture):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        visits=st.lists(visit_strategy, min_size=1, max_size=40),
        windows=st.lists(
            st.tuples(st.integers(0, 5), st.integers(-600, 3 * 24 * 60), st.integers(0, 3 * 24 * 60)),
            min_size=1,
            max_size=4,
        ),
    )
    def test_best_only_equals_the_first_of_best_by_person(self, visits: list, windows: list) -> None:
        with transaction.atomic():
            for person, kind, area, start, seconds, stay, estimated in visits:
                venue = self.factory if kind == "factory" else self.market
                area_obj = self.lines[area] if kind == "factory" and area is not None else None
                CheckIn.objects.create(
                    person=self.people[person],
                    venue=venue,
                    area=area_obj,
                    checked_in_at=at(start + seconds / 60),
                    checked_out_at=None if stay is None else at(start + seconds / 60 + stay),
                    checked_out_estimated=estimated and stay is not None,
                    method=CheckIn.Method.MANUAL,
                )
            cases = [
                IndexCase(key, self.people[p].pk, at(start), at(start + length))
                for key, (p, start, length) in enumerate(windows)
            ]
            full = trace(cases, RULES)
            best = trace(cases, RULES, best_only=True)
            expected = [group[0] for group in best_by_person(full.exposures).values()]
            self.assertEqual([_key(e) for e in best.exposures], [_key(e) for e in expected])
            self.assertEqual(best.visits, full.visits)
            self.assertEqual(best.queries, full.queries)
            self.assertEqual(
                [(c.person_id, _key(c.exposure), c.reason) for c in ranked_contacts(best, generation=2)],
                [(c.person_id, _key(c.exposure), c.reason) for c in ranked_contacts(full, generation=2)],
            )
            transaction.set_rollback(True)
