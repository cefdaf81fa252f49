"""The ingest benchmark's data, built inside `ravao shell` with the server's own settings (secret key, data
keys), so the cookies and tokens it writes out are the ones the server accepts.

    BENCH_WORLD_OUT=/tmp/world.json BENCH_PERSONS=30000 BENCH_DEVICES=4000 python -m ravao shell \
        -c "import bench.ingest.world as w; w.main()"

- 200 shops/restaurants/offices (one-tap check-ins, landing pages), 20 factories with a gate each;
- BENCH_PERSONS persons, each with a health declaration of one hour ago (fresh for the whole run);
- BENCH_DEVICES of them with a remembered phone (the signed device cookie is written out);
- for the gates, one scan payload per person: 50 % personal QR token, 30 % CCCD QR, 20 % phone number;
- a gate guard of the 20 factories, logged in (the session cookie is written out);
- one more venue for the first visit (page weight), nobody checks in there before.
"""

import json
import os
import time
from datetime import timedelta
from typing import Any

BATCH = 1000


def main() -> None:
    from django.core.signing import get_cookie_signer
    from django.test import Client
    from django.utils import timezone

    from ravao.accounts.models import Role
    from ravao.accounts.services import membership_grant, user_create
    from ravao.lib.tokens import issue_token
    from ravao.people.devices import _SALT, COOKIE_NAME
    from ravao.people.models import Device, HealthDeclaration, Person
    from ravao.people.selectors import person_status
    from ravao.places.models import Venue
    from ravao.test import make_units

    started = time.monotonic()
    n_persons, n_devices = int(os.environ["BENCH_PERSONS"]), int(os.environ["BENCH_DEVICES"])
    now = timezone.now()
    units = make_units()
    kinds = ("shop", "restaurant", "agency")
    commune = units["ha_bang"]
    venues, gates = [], []
    for i in range(200):
        venues.append(Venue.objects.create(
            code=f"B{i:05d}", name=f"Cửa hàng {i}", kind=kinds[i % 3], commune=commune, address=f"Số {i}",
            phone="0243000000", status="active",
        ))  # fmt: skip
    for i in range(20):
        gates.append(Venue.objects.create(
            code=f"G{i:05d}", name=f"Nhà máy {i}", kind="factory", commune=commune, address=f"KCN lô {i}",
            phone="0243000001", status="active",
        ))  # fmt: skip
    first_visit = Venue.objects.create(
        code="F00001", name="Nhà văn hoá thôn 3", kind="public", commune=units["ha_bang"], address="Thôn 3",
        phone="0243123456", status="active",
    )  # fmt: skip
    guard = user_create(login="0900000099", password="bench-password-1", full_name="Bảo vệ")  # noqa: S106
    for gate in gates:
        membership_grant(user=guard, role=Role.VENUE_STAFF, venue=gate)

    persons = []
    for i in range(n_persons):
        person = Person(
            full_name=f"Người Thứ {i}", phone=f"09{i:08d}", id_number=f"0010{90 + i % 10}{i:06d}",
            year_of_birth=1960 + i % 45, sex="male" if i % 2 else "female",
        )  # fmt: skip
        person.refresh_lookup_keys()
        persons.append(person)
    Person.objects.bulk_create(persons, batch_size=BATCH)
    declared = now - timedelta(hours=1)
    declarations = []
    for person in persons:
        declaration = HealthDeclaration(person=person, created_at=declared, consent=True)
        declaration.vaccine_doses = 2
        declaration.status = person_status(person, declaration, now=declared)
        declarations.append(declaration)
    HealthDeclaration.objects.bulk_create(declarations, batch_size=BATCH)
    devices = [Device(person=person, is_owner=True) for person in persons[:n_devices]]
    Device.objects.bulk_create(devices, batch_size=BATCH)
    signer = get_cookie_signer(salt=COOKIE_NAME + _SALT)

    scans: list[list[Any]] = []  # [gate index, kind, payload]; person i scans at gate i % 20
    for i, person in enumerate(persons):
        if i % 10 < 5:
            kind = "token"
            payload = issue_token(person.public_id, now=now - timedelta(hours=2), ttl=timedelta(days=2))
        elif i % 10 < 8:
            kind = "cccd"
            payload = f"{person.id_number}||{person.full_name}|0101{person.year_of_birth}|Nam|Thôn 3|01012021"
        else:
            kind, payload = "phone", person.phone
        scans.append([i % len(gates), kind, payload])

    client = Client()
    client.force_login(guard)
    out = {
        "venue_codes": [v.qr_code for v in venues],
        "gate_ids": [g.pk for g in gates],
        "first_visit_code": first_visit.qr_code,
        "device_cookies": [signer.sign(str(d.key)) for d in devices],
        "session": client.cookies["sessionid"].value,
        "scans": scans,
        "seconds": round(time.monotonic() - started, 1),
    }
    with open(os.environ["BENCH_WORLD_OUT"], "w") as handle:
        json.dump(out, handle)
    print(f"world: {n_persons} persons, {n_devices} devices, 200 venues, 20 gates in {out['seconds']} s")
