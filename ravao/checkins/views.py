"""The public check-in pages (J2, J3): the poster's short URL, the confirmation, the check-out.

These pages are for visitors with no account: who they are comes from the remembered device cookie.
They are kept light (one stylesheet, one small script, both cached) for cheap phones on 3G.
"""

import json
import uuid
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ravao.checkins.models import CheckIn
from ravao.checkins.onetap import OneTap, checkin_one_tap, onetap_read
from ravao.checkins.selectors import latest_declarations, open_household_visits_at
from ravao.checkins.visits import (
    checkin_checkout,
    checkin_household,
    checkin_self_scan,
    household_client_id,
)
from ravao.people import conf as people_conf
from ravao.people.devices import device_from_request, device_key_from_request, remember_device
from ravao.people.forms import DeclarationForm, ProfileForm
from ravao.people.models import Device, HealthDeclaration, Person, PhoneVerification
from ravao.people.selectors import (
    declaration_is_fresh,
    household_members,
    person_latest_declaration,
    person_status,
)
from ravao.people.services import (
    Answers,
    Profile,
    declaration_submit,
    device_register,
    person_register_self,
)
from ravao.people.verification import VerificationRefused, person_verify_phone, verification_send
from ravao.people.views_verify import PENDING_SESSION_KEY, refusal_message
from ravao.places.models import AdminUnit, Area, Venue
from ravao.places.selectors import scan_target
from ravao.privacy.crypto import lookup_hash
from ravao.security.ratelimit import client_key


def _parse_client_id(raw: str | None) -> uuid.UUID:
    """The page embeds a fresh id; a missing or malformed one gets a new id (no idempotency then)."""
    try:
        return uuid.UUID(raw or "")
    except ValueError:
        return uuid.uuid4()


def _confirmation(
    request: HttpRequest, checkin: CheckIn, *, person: Person, status: str, created: bool = True
) -> HttpResponse:
    return render(
        request,
        "checkins/confirmation.html",
        {"checkin": checkin, "person": person, "status": status, "just_created": created},
    )


def _record(
    request: HttpRequest,
    *,
    venue: Venue,
    area: Area | None,
    person: Person,
    device: Device,
    declaration: HealthDeclaration,
    client_id: uuid.UUID | None = None,
) -> HttpResponse:
    checkin, _created, status = checkin_self_scan(
        device=device,
        venue=venue,
        area=area,
        declaration=declaration,
        client_id=client_id or _parse_client_id(request.POST.get("client_id")),
        at=timezone.now(),
    )
    checkin.venue, checkin.area = venue, area  # already loaded; saves two queries on a replay
    return _confirmation(request, checkin, person=person, status=status)


class _Replayed(Exception):
    """The form's client_id is recorded already (a retried POST, a double tap): raised inside the
    attempt's transaction so that its own writes (a person, a device, a declaration) are rolled back,
    and the first answer is given again (issue 12, finding 8)."""

    def __init__(self, checkin: CheckIn) -> None:
        super().__init__()
        self.checkin = checkin


def _declare_and_record(
    request: HttpRequest,
    *,
    venue: Venue,
    area: Area | None,
    person: Person,
    device: Device,
    answers: Answers,
    client_id: uuid.UUID,
    now: datetime,
) -> HttpResponse:
    """A new declaration and the check-in it goes with, both or neither. The same client_id again
    declares nothing: a retry that comes after the first committed is seen before writing; one that
    raced with it loses on the check-in's unique client_id and its declaration is rolled back."""
    stored = CheckIn.objects.select_related("venue", "area").filter(client_id=client_id).first()
    if stored is not None:
        return _replayed(request, stored, person=person)
    try:
        with transaction.atomic():
            declaration = declaration_submit(person=person, answers=answers, now=now)
            checkin, created, status = checkin_self_scan(
                device=device, venue=venue, area=area, declaration=declaration, client_id=client_id, at=now
            )
            if not created:
                raise _Replayed(checkin)
    except _Replayed as replay:
        return _replayed(request, replay.checkin, person=person)
    checkin.venue, checkin.area = venue, area
    return _confirmation(request, checkin, person=person, status=status)


def _replayed(request: HttpRequest, checkin: CheckIn, *, person: Person) -> HttpResponse:
    """The first answer to a retried form, to its own person only; another person's id (a hostile
    replay) shows the page again, as if nothing was there."""
    if checkin.person_id != person.pk:
        return redirect(request.path)
    status = checkin.status_at_entry or person_status(
        person, person_latest_declaration(person), now=timezone.now()
    )
    return _confirmation(request, checkin, person=person, status=status, created=False)


def _checkout(
    request: HttpRequest, *, venue: Venue, device: Device, inside: CheckIn | None, now: datetime
) -> HttpResponse:
    if inside is None:
        return render(request, "checkins/left.html", {"venue": venue, "checkin": None})
    checkin_checkout(checkin=inside, at=now)
    if device.is_owner:
        # The household members this phone checked in here leave with the holder (issue 9).
        for visit in open_household_visits_at(device.person, venue_id=venue.pk, device=device):
            checkin_checkout(checkin=visit, at=now)
    return render(request, "checkins/left.html", {"venue": venue, "checkin": inside})


def _one_tap(request: HttpRequest, code: str, device_key: str) -> HttpResponse | None:
    """The one-tap POST of a known phone with a fresh declaration, in four round trips
    (`checkins.onetap`). None when it does not apply (no such device, unknown code, inactive venue, stale
    declaration): the general page below answers those as before."""
    now = timezone.now()

    def status_of(read: OneTap) -> str:
        if read.venue is None or read.venue.status != Venue.Status.ACTIVE:
            return ""
        if not declaration_is_fresh(read.declaration, now=now):
            return ""
        return person_status(read.person, read.declaration, now=now)

    read, checkin, created = checkin_one_tap(
        device_key=device_key,
        code=code,
        client_id=_parse_client_id(request.POST.get("client_id")),
        at=now,
        status_of=status_of,
    )
    if read is None or checkin is None:
        return None
    if checkin.person_id != read.person.pk:
        return redirect(request.path)  # someone else's client id: the page again, as if nothing was there
    status = status_of(read) if created else (checkin.status_at_entry or status_of(read))
    return _confirmation(request, checkin, person=read.person, status=status)


@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, code: str) -> HttpResponse:
    """The page behind a poster's QR code. What it offers depends on who scans:
    a new device → profile + declaration; a known one → one tap (or a one-tap re-confirmation of an
    old declaration); someone already inside → check out."""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    device_key = device_key_from_request(request)
    if device_key and action == "checkin" and request.POST.get("household") != "1":
        response = _one_tap(request, code, device_key)
        if response is not None:
            return response
    # A known phone: device, person, latest declaration, the code's venue and the open visits in one query.
    read = onetap_read(device_key=device_key, code=code) if device_key else None
    target = scan_target(code) if read is None else (read.venue, read.area) if read.venue else None
    if target is None:
        return render(request, "checkins/unknown_code.html", {"code": code}, status=404)
    venue, area = target
    if venue.status != Venue.Status.ACTIVE:
        return render(request, "checkins/venue_inactive.html", {"venue": venue}, status=409)
    if read is None:
        return _first_visit(request, venue=venue, area=area)
    device, person = read.device, read.person
    request._ravao_device = device  # type: ignore[attr-defined]  # as device_from_request caches it
    now = timezone.now()
    inside = read.inside()

    if action == "checkout":
        return _checkout(request, venue=venue, device=device, inside=inside, now=now)

    declaration = read.declaration
    # Households (issue 9): the owner phone's members, checked in together with one tap (looked up only
    # when the person has any: a plain one-tap costs no extra query).
    household = household_members(person) if device.is_owner and read.has_household else []
    household_error = ""
    if device.is_owner and action in ("checkin", "reconfirm") and request.POST.get("household") == "1":
        response, household_error = _record_household(
            request, venue=venue, area=area, device=device, household=household, now=now
        )
        if response is not None:
            return response
    elif action == "checkin" and declaration_is_fresh(declaration, now=now):
        assert declaration is not None
        return _record(request, venue=venue, area=area, person=person, device=device, declaration=declaration)
    elif action == "reconfirm" and declaration is not None:
        return _declare_and_record(
            request, venue=venue, area=area, person=person, device=device,
            answers=Answers.from_declaration(declaration),
            client_id=_parse_client_id(request.POST.get("client_id")), now=now,
        )  # fmt: skip
    fresh = declaration_is_fresh(declaration, now=now)
    show_form = action == "update" or declaration is None
    # The declaration form is rendered only when it can be used now (issue 13: it was most of the page's
    # cost, rendered into a closed <details>): asked for, missing, invalid, or next to a re-confirmation.
    # A fresh declaration's page links to ?update=1 instead.
    with_form = show_form or bool(request.GET.get("update")) or not fresh
    form = (
        DeclarationForm(request.POST if action == "update" else None, initial=_initial(declaration))
        if with_form
        else None
    )
    if action == "update" and form is not None and form.is_valid():
        return _declare_and_record(
            request, venue=venue, area=area, person=person, device=device, answers=form.answers(),
            client_id=_parse_client_id(request.POST.get("client_id")), now=now,
        )  # fmt: skip

    context: dict[str, Any] = {
        "venue": venue,
        "area": area,
        "person": person,
        "form": form,
        "client_id": uuid.uuid4(),
        "inside": inside if inside and inside.area_id == (area.pk if area else None) else None,
        "declaration": declaration,
        "fresh": fresh,
        "status": person_status(person, declaration, now=now),
        "show_form": show_form,
        "household": _household_choices(household, now=now),
        "household_error": household_error,
    }
    status = 400 if (form is not None and form.errors) or household_error else 200
    return render(request, "checkins/known_visitor.html", context, status=status)


# --- Households (issue 9): one tap checks in the chosen members together --------------------------------


def _household_choices(household: list[Person], *, now: datetime) -> list[dict[str, Any]]:
    """Each member with their own latest declaration and colour, for the checkboxes (one query)."""
    if not household:
        return []
    declarations = latest_declarations({m.pk for m in household})
    choices = []
    for member in household:
        declaration = declarations.get(member.pk)
        choices.append(
            {
                "member": member,
                "declaration": declaration,
                "fresh": declaration_is_fresh(declaration, now=now),
                "status": person_status(member, declaration, now=now),
            }
        )
    return choices


def _record_household(
    request: HttpRequest,
    *,
    venue: Venue,
    area: Area | None,
    device: Device,
    household: list[Person],
    now: datetime,
) -> tuple[HttpResponse | None, str]:
    """The household tap: (the confirmation, "") or (None, why the page is shown again). The holder is
    "self"; members are named by public id. A stale declaration is re-confirmed as it was (the page says
    so next to the person), except the holder's when they tapped the plain "Check in" (their page asks
    them first, as without a household); a person with no declaration at all must declare first."""
    holder = device.person
    chosen_values = set(request.POST.getlist("who"))
    by_value = {"self": holder, **{str(m.public_id): m for m in household}}
    if not chosen_values or not chosen_values <= set(by_value):
        return None, str(_("Choose who is checking in."))
    chosen = [p for value, p in by_value.items() if value in chosen_values]
    declarations = latest_declarations({p.pk for p in chosen})
    if any(p.pk not in declarations for p in chosen):
        return None, str(_("Someone you chose has no health declaration yet: declare for them first."))
    stale_holder = holder.pk in declarations and not declaration_is_fresh(declarations[holder.pk], now=now)
    if "self" in chosen_values and stale_holder and request.POST.get("action") == "checkin":
        return None, ""
    entries = checkin_household(
        device=device,
        venue=venue,
        area=area,
        persons=chosen,
        declarations=declarations,
        client_id=_parse_client_id(request.POST.get("client_id")),
        at=now,
    )
    if not entries:  # every id taken by someone else: as if nothing was there
        return None, str(_("Choose who is checking in."))
    first = entries[0]
    first.checkin.area = area
    response = render(
        request,
        "checkins/confirmation.html",
        {
            "checkin": first.checkin,
            "person": first.person,
            "status": first.status,
            "just_created": first.created,
            "household_entries": entries,
        },
    )
    return response, ""


def _initial(declaration: HealthDeclaration | None) -> dict[str, Any]:
    if declaration is None:
        return {}
    return dict(Answers.from_declaration(declaration).__dict__)


def _first_visit(request: HttpRequest, *, venue: Venue, area: Area | None) -> HttpResponse:
    near = venue.commune.parent if venue.commune_id else None
    error = ""
    if request.method == "POST":
        profile_form = ProfileForm(request.POST, near=near)
        declaration_form = DeclarationForm(request.POST)
        if profile_form.is_valid() and declaration_form.is_valid():
            if people_conf.require_phone_verification():
                held = _hold_first_visit(
                    request,
                    venue=venue,
                    area=area,
                    profile=profile_form.profile(),
                    answers=declaration_form.answers(),
                )
                if not isinstance(held, str):
                    return held
                error, status = held, 429
            else:
                return _register_and_record(
                    request,
                    venue=venue,
                    area=area,
                    profile=profile_form.profile(),
                    answers=declaration_form.answers(),
                    client_id=_parse_client_id(request.POST.get("client_id")),
                )
        else:
            status = 400
    else:
        profile_form, declaration_form, status = ProfileForm(near=near), DeclarationForm(), 200
    context = {
        "venue": venue,
        "area": area,
        "profile_form": profile_form,
        "form": declaration_form,
        "client_id": request.POST.get("client_id") or uuid.uuid4(),
        "error": error,
    }
    return render(request, "checkins/first_visit.html", context, status=status)


# A retried first visit gets the first answer (and its device) back only this long after it, and only
# with the same phone typed: the form's client_id alone must not hand out someone's device later.
FIRST_VISIT_RETRY_WINDOW = timedelta(minutes=10)


def _register_and_record(
    request: HttpRequest,
    *,
    venue: Venue,
    area: Area | None,
    profile: Profile,
    answers: Answers,
    client_id: uuid.UUID,
) -> HttpResponse:
    """Register the phone's person and owner device, declare, check in: all or nothing. A retried form
    (the first answer lost on the way, issue 12 finding 8) writes nothing more and gets the first answer
    with the first device, the owner one; a retry racing with the first is rolled back the same way."""
    now = timezone.now()
    replay = _first_visit_replay(request, client_id=client_id, profile=profile, now=now)
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            # A known phone gets a provisional person of its own (issue 9): the device owns only it.
            person = person_register_self(profile=profile)
            device = device_register(person=person, owner=True)
            declaration = declaration_submit(person=person, answers=answers, now=now)
            checkin, created, status = checkin_self_scan(
                device=device, venue=venue, area=area, declaration=declaration, client_id=client_id, at=now
            )
            if not created:
                raise _Replayed(checkin)
    except _Replayed:
        replay = _first_visit_replay(request, client_id=client_id, profile=profile, now=now)
        return replay or redirect(request.path)
    checkin.venue, checkin.area = venue, area
    response = _confirmation(request, checkin, person=person, status=status)
    remember_device(response, device)
    return response


def _first_visit_replay(
    request: HttpRequest, *, client_id: uuid.UUID, profile: Profile, now: datetime
) -> HttpResponse | None:
    """The first answer to a first visit sent again: its check-in, made by an owner device a moment ago
    for a person with the phone typed again. None when there is no such visit."""
    checkin = (
        CheckIn.objects.select_related("venue", "area", "device", "person")
        .filter(client_id=client_id, device__isnull=False, checked_in_at__gte=now - FIRST_VISIT_RETRY_WINDOW)
        .first()
    )
    if checkin is None or checkin.device is None or not checkin.device.is_owner:
        return None
    person = checkin.person
    typed = lookup_hash(profile.phone) if profile.phone else None
    if typed is None or typed not in (person.phone_hash, person.claimed_phone_hash):
        return None
    response = _confirmation(request, checkin, person=person, status=checkin.status_at_entry, created=False)
    remember_device(response, checkin.device)
    return response


# --- RAVAO_REQUIRE_PHONE_VERIFICATION: a first visit waits for its code (issue 9) ------------------------


def _hold_first_visit(
    request: HttpRequest, *, venue: Venue, area: Area | None, profile: Profile, answers: Answers
) -> HttpResponse | str:
    """Keep the typed first visit server-side (encrypted, in the verification row) and send the code.
    Returns the redirect to the code page, or the refusal in words."""
    client_id = str(_parse_client_id(request.POST.get("client_id")))
    held = request.session.get(PENDING_SESSION_KEY) or {}
    if held.get("client_id") == client_id:
        # The same form sent again (a double tap, a retry): the code already sent stands.
        waiting = PhoneVerification.objects.filter(
            public_id=str(held["id"]), verified_at__isnull=True, expires_at__gt=timezone.now()
        ).first()
        if waiting is not None:
            return redirect("people:verify_code", public_id=waiting.public_id)
    profile_data = {**asdict(profile), "commune": profile.commune.pk if profile.commune else None}
    answers_data = asdict(answers)
    if isinstance(answers.last_dose_date, date):
        answers_data["last_dose_date"] = answers.last_dose_date.isoformat()
    pending = json.dumps(
        {
            "venue": venue.pk,
            "area": area.pk if area else None,
            "client_id": client_id,
            "profile": profile_data,
            "answers": answers_data,
        }
    )
    assert profile.phone is not None  # the profile form requires a phone
    try:
        verification = verification_send(
            phone=profile.phone,
            device=None,
            client_address=client_key(request),
            now=timezone.now(),
            pending=pending,
        )
    except VerificationRefused as refusal:
        return refusal_message(refusal)
    request.session[PENDING_SESSION_KEY] = {"id": str(verification.public_id), "client_id": client_id}
    return redirect("people:verify_code", public_id=verification.public_id)


def complete_pending_first_visit(request: HttpRequest, verification: PhoneVerification) -> HttpResponse:
    """The code of a held first visit was typed back: register (the phone is proven), declare, check in
    with the client id of the form, remember the device. A retried submission shows the same visit."""
    data = json.loads(verification.pending)
    client_id = uuid.UUID(data["client_id"])
    if verification.device_id is not None:
        done = CheckIn.objects.select_related("venue", "area").filter(client_id=client_id).first()
        device = device_from_request(request)
        if done is None or device is None or device.pk != verification.device_id:
            return redirect("people:me")
        status = person_status(device.person, person_latest_declaration(device.person), now=timezone.now())
        return _confirmation(request, done, person=device.person, status=status, created=False)
    venue = Venue.objects.filter(pk=data["venue"]).select_related("commune").first()
    area = Area.objects.filter(pk=data["area"]).first() if data["area"] else None
    if venue is None or venue.status != Venue.Status.ACTIVE:
        return render(request, "checkins/venue_inactive.html", {"venue": venue}, status=409)
    profile_data = data["profile"]
    commune = (
        AdminUnit.objects.filter(pk=profile_data.pop("commune")).first() if profile_data["commune"] else None
    )
    answers_data = data["answers"]
    if answers_data.get("last_dose_date"):
        answers_data["last_dose_date"] = date.fromisoformat(answers_data["last_dose_date"])
    now = timezone.now()
    with transaction.atomic():
        person = person_register_self(profile=Profile(**{**profile_data, "commune": commune}))
        device = device_register(person=person, owner=True)
        person = person_verify_phone(device=device, phone=verification.phone, now=now)
        declaration = declaration_submit(person=person, answers=Answers(**answers_data), now=now)
        PhoneVerification.objects.filter(pk=verification.pk).update(device=device)
        response = _record(
            request,
            venue=venue,
            area=area,
            person=person,
            device=device,
            declaration=declaration,
            client_id=client_id,
        )
    request.session.pop(PENDING_SESSION_KEY, None)
    remember_device(response, device)
    return response


def _own_checkin(request: HttpRequest, client_id: uuid.UUID) -> tuple[CheckIn, Device]:
    """A check-in is visible only to the device's person, and to the owner device of the holder for their
    household members' (404 otherwise, like a missing one)."""
    device = device_from_request(request)
    if device is None:
        raise Http404
    visible = Q(person_id=device.person_id)
    if device.is_owner:
        visible |= Q(person__household_of_id=device.person_id)
    checkin = (
        CheckIn.objects.select_related("venue", "area", "person").filter(visible, client_id=client_id).first()
    )
    if checkin is None:
        raise Http404
    return checkin, device


def _same_tap(checkin: CheckIn, device: Device) -> list[CheckIn]:
    """The members' check-ins of the holder's household tap whose id is `checkin`'s (their ids derive
    from it, `household_client_id`): the confirmation lists them again and one check-out closes them all."""
    if not device.is_owner or checkin.person_id != device.person_id:
        return []
    members = household_members(device.person)
    if not members:
        return []
    ids = [household_client_id(checkin.client_id, m, holder=device.person) for m in members]
    return list(
        CheckIn.objects.select_related("person").filter(client_id__in=ids, person__household_of=device.person)
    )


@require_http_methods(["GET"])
def confirmation(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    checkin, device = _own_checkin(request, client_id)
    person = checkin.person
    status = person_status(person, person_latest_declaration(person), now=timezone.now())
    together = _same_tap(checkin, device)
    context = {"checkin": checkin, "person": person, "status": status, "just_created": False}
    if together:
        context["household_entries"] = [
            {"person": c.person, "status": c.status_at_entry} for c in [checkin, *together]
        ]
    return render(request, "checkins/confirmation.html", context)


@require_POST
def checkout(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    checkin, device = _own_checkin(request, client_id)
    now = timezone.now()
    # A household that came in with one tap leaves with one tap.
    for visit in [checkin, *_same_tap(checkin, device)]:
        checkin_checkout(checkin=visit, at=now)
    return render(request, "checkins/left.html", {"venue": checkin.venue, "checkin": checkin})
