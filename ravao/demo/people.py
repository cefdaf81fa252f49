"""People: residents of the communes with their phones and ID numbers, their jobs, their health
declarations and their phones' devices."""

from __future__ import annotations

from datetime import timedelta

from ravao.checkins.models import CheckIn
from ravao.demo.base import (
    BuilderBase,
    Job,
    PersonPlan,
)
from ravao.demo.data import (
    BATCH_SIZE,
    CONTACTS,
    EVERY_DAY,
    FACTORY_NAME,
    FAMILY_NAMES,
    GIVEN_FEMALE,
    GIVEN_MALE,
    HIGH_SCHOOLS,
    MIDDLE_FEMALE,
    MIDDLE_MALE,
    MON_SAT,
    SHIFTS,
    SYMPTOMS,
    WEEKDAYS,
)
from ravao.lib.cccd import PROVINCE_CODES
from ravao.people.models import Device, HealthDeclaration, Person, Sex
from ravao.people.selectors import person_status
from ravao.places.models import Venue, VenueKind
from ravao.privacy.crypto import lookup_hash


class PeopleMaker(BuilderBase):
    # --- people -----------------------------------------------------------------------------------------

    def _people(self) -> list[PersonPlan]:
        rng = self.rng
        # Numbers already in the database (someone who tried the app) must not collide with ours.
        # Compared by keyed hash: the numbers themselves are encrypted.
        taken_phones = set(Person.objects.exclude(phone_hash=None).values_list("phone_hash", flat=True))
        taken_ids = set(Person.objects.exclude(id_hash=None).values_list("id_hash", flat=True))
        other_provinces = sorted(PROVINCE_CODES - {"001"})
        current_year = self.dates[-1].year
        plans: list[PersonPlan] = []
        rows: list[Person] = []
        for _ in range(self.o.people):
            sex = Sex.MALE if rng.random() < 0.49 else Sex.FEMALE
            if rng.random() < 0.002:
                sex = Sex.OTHER
            female = sex == Sex.FEMALE
            family = rng.choices([f for f, _ in FAMILY_NAMES], weights=[w for _, w in FAMILY_NAMES])[0]
            middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
            given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
            full_name = f"{family} {middle} {given}"
            year = rng.randint(1950, 2008)
            commune = rng.choice(self.communes)
            id_number = None
            # A CCCD for ~60 %: province of birth, century/sex digit, 2 digits of the year, 6 digits.
            # Cards print only Nam/Nữ, so "other" gets none.
            if sex != Sex.OTHER and rng.random() < 0.6:
                while id_number is None or lookup_hash(id_number) in taken_ids:
                    province = "001" if rng.random() < 0.85 else rng.choice(other_provinces)
                    century = (0 if year < 2000 else 2) + (1 if female else 0)
                    id_number = f"{province}{century}{year % 100:02d}{rng.randint(0, 999999):06d}"
                taken_ids.add(lookup_hash(id_number))
            phone = None
            elderly = current_year - year >= 65
            # Some elderly people have no phone of their own: their CCCD is how the gate finds them.
            if id_number is None or not (elderly and rng.random() < 0.3):
                while phone is None or lookup_hash(phone) in taken_phones:
                    phone = self._mobile()
                taken_phones.add(lookup_hash(phone))
            person = Person(
                full_name=full_name,
                phone=phone,
                id_number=id_number,
                year_of_birth=year,
                sex=sex,
                commune=commune,
                address=self._address(commune),
            )
            person.refresh_lookup_keys()  # bulk_create skips save()
            rows.append(person)
            plans.append(PersonPlan(person=person, commune_id=commune.pk, elderly=elderly))
        for start in range(0, len(rows), BATCH_SIZE):
            Person.objects.bulk_create(rows[start : start + BATCH_SIZE])
            self.report("people", min(start + BATCH_SIZE, len(rows)), len(rows))
        return plans

    def _jobs(self, plans: list[PersonPlan]) -> None:
        """At most one job each, from the working-age people, the factory first (it is the tracing story)."""
        rng = self.rng
        year = self.dates[-1].year
        pool = [p for p in plans if 18 <= year - p.person.year_of_birth <= 60]
        rng.shuffle(pool)
        students = [p for p in plans if year - p.person.year_of_birth < 18]
        factory = self.named[FACTORY_NAME]

        def venues_for(kind: str, plan: PersonPlan) -> list[Venue]:
            return self.by_commune_kind.get((plan.commune_id, kind)) or self.by_kind.get(kind, [])

        def take(share: float) -> list[PersonPlan]:
            n = round(len(plans) * share)
            taken, pool[:] = pool[:n], pool[n:]
            return taken

        # The factory: Ca 1 the biggest, Ca 3 the smallest, each worker on a fixed line and shift.
        for plan in take(0.16):
            _name, starts, ends = rng.choices(SHIFTS, weights=(40, 35, 25))[0]
            start = starts.hour * 60
            end = ends.hour * 60 + (1440 if ends <= starts else 0)
            method = CheckIn.Method.GATE if rng.random() < 0.85 else CheckIn.Method.SELF_SCAN
            plan.job = Job(factory, start, end, MON_SAT, method, line=rng.choice(self.lines), shift=True)
        for kind, share, weekdays, (start, end) in (
            (VenueKind.FACTORY, 0.05, MON_SAT, (7 * 60 + 30, 17 * 60)),
            (VenueKind.BUSINESS, 0.04, WEEKDAYS, (7 * 60 + 30, 17 * 60)),
            (VenueKind.CRAFT, 0.05, MON_SAT, (7 * 60, 17 * 60 + 30)),
            (VenueKind.AGENCY, 0.04, WEEKDAYS, (7 * 60 + 30, 17 * 60)),
            (VenueKind.HEALTH, 0.015, MON_SAT, (7 * 60, 17 * 60)),
            (VenueKind.SCHOOL, 0.04, WEEKDAYS, (7 * 60, 17 * 60)),
            (VenueKind.MARKET, 0.03, EVERY_DAY, (4 * 60 + 45, 11 * 60 + 30)),
        ):
            for plan in take(share):
                options = [v for v in venues_for(kind, plan) if v != factory]
                if not options:
                    continue
                method = CheckIn.Method.GATE if kind == VenueKind.FACTORY and rng.random() < 0.6 else (
                    CheckIn.Method.SELF_SCAN)  # fmt: skip
                plan.job = Job(rng.choice(options), start, end, weekdays, method)
        # High-school students (born up to 2008, so only the last classes): mornings, Monday to Saturday.
        high = [v for v in self.by_kind.get(VenueKind.SCHOOL, []) if v.name in HIGH_SCHOOLS]
        for plan in students:
            if high:
                plan.job = Job(rng.choice(high), 7 * 60, 11 * 60 + 30, MON_SAT, CheckIn.Method.SELF_SCAN)

    # --- declarations and devices -----------------------------------------------------------------------

    def _declarations_and_devices(self, plans: list[PersonPlan]) -> None:
        rng = self.rng
        rows: list[HealthDeclaration] = []
        span_end = self.now
        for plan in plans:
            # The first declaration before the period, so every check-in has one; then every 2-3 days.
            at = self.window_start - timedelta(minutes=rng.randint(60, 48 * 60))
            doses = rng.choices((0, 1, 2, 3), weights=(5, 15, 60, 20))[0]
            last_dose = (self.dates[0] - timedelta(days=rng.randint(20, 200))) if doses else None
            while at < span_end:
                answers: dict[str, object] = {"vaccine_doses": doses, "last_dose_date": last_dose}
                roll = rng.random()
                if roll < 0.03:  # a few percent declare a symptom (yellow)
                    for name in rng.sample(SYMPTOMS, rng.randint(1, 2)):
                        answers[name] = True
                elif roll < 0.04:
                    answers[rng.choice(CONTACTS)] = True
                # Drawn after the symptoms, as before: the same seed gives the same demo district.
                answers["places_visited"] = "" if rng.random() < 0.7 else "Hà Nội"
                declaration = HealthDeclaration(person=plan.person, created_at=at, consent=True)
                # Answers are properties over one encrypted column (people.models): set them one by one.
                for name, value in answers.items():
                    setattr(declaration, name, value)
                # The colour exactly as declaration_submit computes it.
                declaration.status = person_status(plan.person, declaration, now=at)
                rows.append(declaration)
                plan.declarations.append((at, declaration.status))
                at += timedelta(minutes=rng.randint(40 * 60, 72 * 60))
        for start in range(0, len(rows), BATCH_SIZE):
            HealthDeclaration.objects.bulk_create(rows[start : start + BATCH_SIZE])
            self.report("declarations", min(start + BATCH_SIZE, len(rows)), len(rows))

        with_device = [p for p in plans if rng.random() < (0.4 if p.elderly else 0.75)]
        devices = [Device(person=p.person, is_owner=True) for p in with_device]
        Device.objects.bulk_create(devices, batch_size=BATCH_SIZE)
        for plan, device in zip(with_device, devices, strict=True):
            plan.device_id = device.pk
        self.report("devices", len(devices), len(devices))
