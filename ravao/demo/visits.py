"""Check-ins: each person's days laid out on one time line (work, then errands in the hours it leaves
free), written in batches; an open visit only while its estimated end is still ahead."""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta

from ravao.checkins.models import CheckIn
from ravao.checkins.visits import estimate_end
from ravao.demo.base import (
    BuilderBase,
    Job,
    PersonPlan,
    Visit,
)
from ravao.demo.data import (
    BATCH_SIZE,
    ERRANDS,
    FACTORY_NAME,
    HEALTH_NAME,
)
from ravao.places.models import Shift, Venue, VenueKind


class VisitMaker(BuilderBase):
    # --- check-ins --------------------------------------------------------------------------------------

    def _checkins(self, plans: list[PersonPlan]) -> None:
        shifts_of = {self.named[FACTORY_NAME].pk: self.shifts}
        batch: list[CheckIn] = []
        for done, plan in enumerate(plans, start=1):
            for row in self._person_checkins(plan, shifts_of):
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    CheckIn.objects.bulk_create(batch, batch_size=BATCH_SIZE)
                    batch = []
            if done % 250 == 0 or done == len(plans):
                self.report("check-ins", done, len(plans))
        if batch:
            CheckIn.objects.bulk_create(batch, batch_size=BATCH_SIZE)

    def _person_checkins(self, plan: PersonPlan, shifts_of: dict[int, list[Shift]]) -> Iterator[CheckIn]:
        rng = self.rng
        visits = self._person_visits(plan)
        declared_at = [at for at, _ in plan.declarations]
        for n, visit in enumerate(visits):
            next_start = visits[n + 1].start if n + 1 < len(visits) else None
            out: datetime | None = visit.end
            estimated = False
            if visit.end > self.now:
                out = None  # still inside
            elif not visit.checkout:
                # What checkin_create (next check-in elsewhere) or close_visits (the estimate) would record.
                end = estimate_end(
                    venue=visit.venue, checked_in_at=visit.start, shifts=shifts_of.get(visit.venue.pk)
                )
                if next_start is not None:
                    end = min(end, next_start)
                if next_start is None and end > self.now:
                    out = None  # nothing has closed it yet
                else:
                    out, estimated = max(end, visit.start), True
            index = bisect_right(declared_at, visit.start) - 1
            status = plan.declarations[index][1] if index >= 0 else ""
            method = visit.method
            if method == CheckIn.Method.SELF_SCAN and plan.device_id is None:
                # No phone that remembers them: staff scan their CCCD or personal QR, or type the number.
                method = CheckIn.Method.GATE if rng.random() < 0.7 else CheckIn.Method.MANUAL
            elif rng.random() < 0.02:
                method = CheckIn.Method.MANUAL
            yield CheckIn(
                client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                person_id=plan.person.pk,
                venue_id=visit.venue.pk,
                area_id=visit.area.pk if visit.area else None,
                checked_in_at=visit.start,
                checked_out_at=out,
                checked_out_estimated=estimated,
                method=method,
                device_id=plan.device_id if method == CheckIn.Method.SELF_SCAN else None,
                status_at_entry=status,
            )

    def _person_visits(self, plan: PersonPlan) -> list[Visit]:
        """The person's visits over the period, one after the other (never overlapping)."""
        rng = self.rng
        visits: list[Visit] = []
        cursor = self.window_start
        gap = timedelta(minutes=1)
        for day in self.dates:
            wanted: list[tuple[int, Sequence[Visit]]] = []  # (start minute, visits in order)
            job = plan.job
            busy: tuple[int, int] | None = None
            night = job is not None and job.end > 1440
            if job and day.weekday() in job.weekdays and rng.random() < 0.95:  # 5 % off sick or on leave
                work = self._work_visits(job, day)
                wanted.append((job.start, work))
                busy = (job.start - 60, job.end + 30)
            for kind, probability, (earliest, latest), (short, long) in ERRANDS:
                if plan.elderly and kind == VenueKind.HEALTH:
                    probability *= 2.5
                if rng.random() >= probability:
                    continue
                start = rng.randint(earliest, latest)
                stay = rng.randint(short, long)
                # Day workers run errands around their work; night-shift workers sleep in the morning.
                if busy and start < busy[1] and start + stay > busy[0]:
                    continue
                if night and start < 12 * 60:
                    continue
                venue = self._errand_venue(kind, plan.commune_id)
                if venue is None:
                    continue
                at = self._at(day, start)
                area = rng.choice(self.rooms) if venue.name == HEALTH_NAME else None
                visit = Visit(venue, area, at, at + timedelta(minutes=stay), CheckIn.Method.SELF_SCAN,
                               rng.random() < 0.85)  # fmt: skip
                wanted.append((start, (visit,)))
            wanted.sort(key=lambda item: item[0])
            for _, group in wanted:
                # A group (a factory shift) is kept whole or dropped: a half-recorded shift is not realistic.
                if group[0].start < cursor + gap or group[0].start > self.now:
                    continue
                if group[0].venue.status == Venue.Status.SUSPENDED and group[0].start >= self.suspended_from:
                    continue
                for visit in group:
                    if visit.start > self.now:
                        break
                    visits.append(visit)
                    cursor = visit.end
        return visits

    def _work_visits(self, job: Job, day: date) -> list[Visit]:
        rng = self.rng
        arrive = self._at(day, job.start - rng.randint(5, 25))
        leave = self._at(day, job.end + rng.randint(0, 15))
        checkout = rng.random() < 0.85
        if not job.shift:
            return [Visit(job.venue, None, arrive, leave, job.method, checkout)]
        # A shift: the line, a 30-minute meal in the canteen four hours in, the line again. Moving between
        # areas of the same venue is a real exit (checkin_create closes the previous area at the new scan).
        meal = self._at(day, job.start + 240 + rng.randint(-20, 20))
        back = meal + timedelta(minutes=30)
        if rng.random() < 0.2:  # some eat at their line and scan only at the gate
            return [Visit(job.venue, job.line, arrive, leave, job.method, checkout)]
        return [
            Visit(job.venue, job.line, arrive, meal, job.method, True),
            Visit(job.venue, self.canteen, meal, back, CheckIn.Method.SELF_SCAN if rng.random() < 0.5
                   else job.method, True),
            Visit(job.venue, job.line, back, leave, job.method, checkout),
        ]  # fmt: skip

    def _errand_venue(self, kind: str, commune_id: int) -> Venue | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.7:
            options = self.by_commune_kind.get((commune_id, kind))
        elif roll < 0.85:
            town = self.by_name.get("Thị trấn Liên Quan")
            options = self.by_commune_kind.get((town.pk, kind)) if town else None
        else:
            options = None
        options = options or self.by_kind.get(kind)
        if not options:
            return None
        venue = rng.choice(options)
        if venue.kind == VenueKind.FACTORY and venue.name == FACTORY_NAME:
            return None  # visitors to the showcase factory would blur its shift story
        return venue
