"""A deployment's territory and the commune picker (issue 14, items 2 and 3).

The forms offer only the communes of the provinces this server serves (`RAVAO_TERRITORY`, by default
every loaded province of the newest loaded map), grouped by parent and in Vietnamese order; an active
venue moved to another commune goes back to pending for the new commune's approval, audited."""

from typing import Any

import pytest
from django.test import TestCase, override_settings
from django.urls import reverse

from ravao.env import ConfigError, env_territory
from ravao.people.forms import ProfileForm
from ravao.places.forms import VenueForm
from ravao.places.models import AdminUnit, Venue
from ravao.places.units import (
    collation_key,
    load_units,
    short_name,
    sort_units,
    territory_provinces,
    unit_choices_for_select,
)
from ravao.privacy.models import AuditEvent
from ravao.test import RavaoTestCase

Level = AdminUnit.Level


def labels(choices: list) -> list[str]:
    """Every option label of a (possibly grouped) choices list, in order."""
    result: list[str] = []
    for _value, label in choices:
        if isinstance(label, list):
            result += [option for _, option in label]
        elif _value != "":
            result.append(label)
    return result


def groups(choices: list) -> list[str]:
    return [label for _value, label in ((c[0], c[0]) for c in choices if isinstance(c[1], list))]


def unit(name: str, unit_type: str = "") -> AdminUnit:
    return AdminUnit(name=name, unit_type=unit_type, level=Level.COMMUNE, path="x/")


class VietnameseOrderTests(TestCase):
    """Issue 14, finding 2: "Phường…" before every "Xã…", accented names out of order."""

    def test_accented_letters_sort_with_their_base_letter(self) -> None:
        names = ["Phường Hoàn Kiếm", "Phường Hà Đông", "Xã Hạ Bằng", "Phường Hai Bà Trưng", "Xã Ân Thi"]
        ordered = [u.name for u in sort_units(unit(n) for n in names)]
        assert ordered == [
            "Xã Ân Thi",
            "Xã Hạ Bằng",  # "ha bang" < "ha dong": the marks do not decide before the letters do
            "Phường Hà Đông",
            "Phường Hai Bà Trưng",
            "Phường Hoàn Kiếm",
        ]

    def test_the_type_word_is_ignored_for_sorting(self) -> None:
        ordered = [
            u.name for u in sort_units([unit("Xã Yên Bình"), unit("Phường Ba Đình"), unit("Xã An Khánh")])
        ]
        assert ordered == ["Xã An Khánh", "Phường Ba Đình", "Xã Yên Bình"]
        assert short_name(unit("Thị trấn Liên Quan")) == "Liên Quan"
        assert short_name(unit("Xã Thạch Thất", "Xã")) == "Thạch Thất"

    def test_d_stroke_among_the_d_and_numbers_by_value(self) -> None:
        ordered = [u.name for u in sort_units([unit("Xã Đông Xuân"), unit("Xã Dị Nậu"), unit("Xã Cần Kiệm")])]
        assert ordered == ["Xã Cần Kiệm", "Xã Dị Nậu", "Xã Đông Xuân"]
        wards = [u.name for u in sort_units([unit("Phường 10"), unit("Phường 2"), unit("Phường 1")])]
        assert wards == ["Phường 1", "Phường 2", "Phường 10"]

    def test_marks_break_ties_the_same_way_every_time(self) -> None:
        assert collation_key("Ha") < collation_key("Hà")
        assert collation_key("Hà") < collation_key("Hoàn")


class TerritorySettingTests(TestCase):
    def test_codes_are_normalised(self) -> None:
        with self.settings():
            import os

            os.environ["RAVAO_TEST_TERRITORY"] = "2025-1, v2025-79,V2025-01"
            try:
                assert env_territory("RAVAO_TEST_TERRITORY") == ["v2025-01", "v2025-79"]
                os.environ["RAVAO_TEST_TERRITORY"] = "v2025-01,v2021-01"
                with pytest.raises(ConfigError, match="one map"):
                    env_territory("RAVAO_TEST_TERRITORY")
                os.environ["RAVAO_TEST_TERRITORY"] = "Hà Nội"
                with pytest.raises(ConfigError, match="RAVAO_TEST_TERRITORY"):
                    env_territory("RAVAO_TEST_TERRITORY")
                os.environ["RAVAO_TEST_TERRITORY"] = ""
                assert env_territory("RAVAO_TEST_TERRITORY") == []
            finally:
                del os.environ["RAVAO_TEST_TERRITORY"]


class TwoMapsLoadedTests(TestCase):
    """Issue 14, finding 2: the venue form listed every loaded unit of every loaded map in one flat list.
    Hà Nội is loaded on both maps (2021: Thạch Thất district only; 2025: the whole province)."""

    @classmethod
    def setUpTestData(cls) -> None:
        load_units(scheme="2021", district_codes=["276"])
        load_units(scheme="2025", province_codes=["01"])

    def commune_field(self, form: VenueForm | ProfileForm) -> tuple[list, list[int]]:
        field = form.fields["commune"]
        return list(field.choices), list(field.queryset.values_list("pk", flat=True))  # type: ignore[attr-defined]

    def test_default_is_the_newest_loaded_map_grouped_by_province(self) -> None:
        assert [p.code for p in territory_provinces()] == ["v2025-01"]
        choices, allowed = self.commune_field(VenueForm())
        assert choices[0][0] == ""  # the empty choice first
        assert groups(choices) == ["Thành phố Hà Nội"]
        offered = labels(choices)
        assert len(offered) == 126 == len(allowed)
        assert AdminUnit.objects.filter(pk__in=allowed).exclude(code__startswith="v2025-").count() == 0
        # Vietnamese order: "Hà Đông" before "Hoàn Kiếm", wards and communes interleaved.
        assert offered.index("Phường Hà Đông") < offered.index("Phường Hoàn Kiếm")
        assert offered[0] == "Xã An Khánh"
        assert offered.index("Xã An Khánh") < offered.index("Phường Ba Đình") < offered.index("Xã Ba Vì")

    def test_a_commune_of_the_other_map_is_refused(self) -> None:
        old = AdminUnit.objects.get(code="v2021-10009")  # Xã Hạ Bằng, 2021
        form = VenueForm(
            {"name": "Quán", "kind": "shop", "commune": old.pk, "address": "Thôn 1", "phone": "0912000111"}
        )
        assert not form.is_valid()
        assert "commune" in form.errors

    @override_settings(RAVAO_TERRITORY=["v2021-01"])
    def test_the_setting_chooses_the_map_grouped_by_district(self) -> None:
        choices, allowed = self.commune_field(VenueForm())
        assert groups(choices) == ["Huyện Thạch Thất"]
        assert len(allowed) == 20
        assert labels(choices).index("Xã Bình Yên") < labels(choices).index("Thị trấn Liên Quan")

    @override_settings(RAVAO_TERRITORY=["v2025-79"])
    def test_a_province_that_is_not_loaded_offers_nothing(self) -> None:
        choices, allowed = self.commune_field(VenueForm())
        assert (labels(choices), allowed) == ([], [])

    def test_the_profile_offers_the_venue_s_province_of_the_map_in_use(self) -> None:
        ha_noi_2021 = AdminUnit.objects.get(code="v2021-276")  # a venue still on a 2021 district
        _choices, allowed = self.commune_field(ProfileForm(near=ha_noi_2021))
        assert len(allowed) == 126  # not the 2021 district's communes: the whole 2025 territory

    def test_a_stored_commune_of_the_old_map_stays_selectable(self) -> None:
        """Issue 14, finding 4 (last sentence): a person on a 2021 commune can pick a 2025 one, and saving
        the profile unchanged keeps the old one rather than erasing it."""
        old = AdminUnit.objects.get(code="v2021-10009")
        choices, allowed = self.commune_field(ProfileForm(near=old.parent, keep=old))
        assert choices[1] == (old.pk, "Xã Hạ Bằng, Huyện Thạch Thất")
        assert old.pk in allowed
        assert len(allowed) == 127

    def test_several_provinces_of_the_2021_map_name_the_province(self) -> None:
        load_units(scheme="2021", district_codes=["001"])  # Ba Đình, also Hà Nội
        choices = unit_choices_for_select(AdminUnit.objects.filter(code="v2021-01"))
        assert groups(choices) == ["Quận Ba Đình", "Huyện Thạch Thất"]


class FixtureTerritoryTests(RavaoTestCase):
    def test_units_of_no_known_map_are_the_territory_when_alone(self) -> None:
        assert territory_provinces() == [self.units["province"]]
        choices = unit_choices_for_select(territory_provinces())
        assert choices == [
            (
                "Huyện Thạch Thất",
                [
                    (self.units["ha_bang"].pk, "Xã Hạ Bằng"),
                    (self.units["lien_quan"].pk, "Thị trấn Liên Quan"),
                ],
            )
        ]


VENUE_FORM = {
    "name": "Công ty May Hạ Bằng",
    "kind": "factory",
    "address": "Khu công nghiệp Thạch Thất",
    "phone": "0912000111",
}


class CommuneChangeTests(RavaoTestCase):
    """Issue 14, finding 3: a manager could move an active venue to any commune and it stayed active."""

    def setUp(self) -> None:
        super().setUp()
        # The form's phone, so that an edit changing only the commune changes only the commune.
        Venue.objects.filter(pk=self.venue_a.pk).update(phone=VENUE_FORM["phone"])

    def edit(self, **changes: object) -> Any:
        self.login(self.alice)
        data = {**VENUE_FORM, "commune": self.units["ha_bang"].pk, **changes}
        return self.client.post(reverse("places:venue_edit", args=[self.venue_a.pk]), data, follow=True)

    def test_moving_an_active_venue_sends_it_back_to_the_new_commune(self) -> None:
        response = self.edit(commune=self.units["lien_quan"].pk)
        self.assertRedirects(response, reverse("places:venue", args=[self.venue_a.pk]))
        self.assertContains(response, "Thị trấn Liên Quan")
        self.assertIn(
            "đang chờ xã/phường đó phê duyệt", " ".join(str(m) for m in response.context["messages"])
        )
        venue = Venue.objects.get(pk=self.venue_a.pk)
        assert (venue.commune, venue.status, venue.approved_at) == (self.units["lien_quan"], "pending", None)
        event = AuditEvent.objects.get(action="venue.commune_change")
        assert (event.actor, event.object_id) == (self.alice, str(venue.pk))
        assert event.details == {"old": "t-10009", "new": "t-09955", "status": "pending"}
        # No "venue.update" row for an edit that only moved the venue.
        assert not AuditEvent.objects.filter(action="venue.update").exists()
        # The new commune's official sees it and approves it; the old one no longer sees it.
        self.login(self.cuong)
        pending = self.client.get(reverse("places:unit_venues", args=[self.units["lien_quan"].pk]))
        self.assertContains(pending, venue.name)
        approve = self.client.post(reverse("places:venue_status", args=[venue.pk]), {"status": "active"})
        assert approve.status_code == 302
        venue.refresh_from_db()
        assert (venue.status, venue.approved_by) == ("active", self.cuong)
        self.login(self.carol)
        gone = self.client.post(reverse("places:venue_status", args=[venue.pk]), {"status": "suspended"})
        assert gone.status_code == 404

    def test_other_changes_keep_the_venue_active(self) -> None:
        self.edit(address="Thôn 3, Hạ Bằng")
        venue = Venue.objects.get(pk=self.venue_a.pk)
        assert (venue.status, venue.address) == ("active", "Thôn 3, Hạ Bằng")
        assert not AuditEvent.objects.filter(action="venue.commune_change").exists()
        assert AuditEvent.objects.filter(action="venue.update").count() == 1

    def test_a_retried_move_is_audited_once(self) -> None:
        self.edit(commune=self.units["lien_quan"].pk)
        self.edit(commune=self.units["lien_quan"].pk)
        assert AuditEvent.objects.filter(action="venue.commune_change").count() == 1
        assert Venue.objects.get(pk=self.venue_a.pk).status == "pending"

    def test_a_suspended_venue_stays_suspended(self) -> None:
        Venue.objects.filter(pk=self.venue_a.pk).update(status="suspended")
        self.edit(commune=self.units["lien_quan"].pk)
        assert Venue.objects.get(pk=self.venue_a.pk).status == "suspended"
        assert AuditEvent.objects.filter(action="venue.commune_change").count() == 1

    @override_settings(RAVAO_AUTO_APPROVE_VENUES=True)
    def test_with_automatic_approval_it_stays_active_but_is_audited(self) -> None:
        self.edit(commune=self.units["lien_quan"].pk)
        assert Venue.objects.get(pk=self.venue_a.pk).status == "active"
        assert AuditEvent.objects.filter(action="venue.commune_change").count() == 1

    def test_bad_commune_is_a_400_and_changes_nothing(self) -> None:
        self.login(self.alice)
        url = reverse("places:venue_edit", args=[self.venue_a.pk])
        for bad in ("999999", "abc", ""):
            with self.subTest(commune=bad):
                response = self.client.post(url, {**VENUE_FORM, "commune": bad})
                assert response.status_code == 400
        assert Venue.objects.get(pk=self.venue_a.pk).commune == self.units["ha_bang"]
        assert not AuditEvent.objects.filter(action__startswith="venue.").exists()

    def test_only_the_manager_moves_a_venue(self) -> None:
        url = reverse("places:venue_edit", args=[self.venue_a.pk])
        for user in (self.sam, self.carol, self.cuong, self.bob):
            with self.subTest(user=user.full_name):
                self.login(user)
                response = self.client.post(url, {**VENUE_FORM, "commune": self.units["lien_quan"].pk})
                assert response.status_code == 404
        self.client.logout()
        assert self.client.post(url, {**VENUE_FORM}).status_code == 302  # to the login page
        assert Venue.objects.get(pk=self.venue_a.pk).commune == self.units["ha_bang"]

    def test_the_edit_page_warns_before_a_move(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("places:venue_edit", args=[self.venue_a.pk]))
        self.assertContains(response, "chờ xã/phường mới phê duyệt")
        self.assertContains(response, '<optgroup label="Huyện Thạch Thất">', html=False)


class StaffingChoicesTests(RavaoTestCase):
    def unit_choices(self) -> list:
        self.login(self.dan)
        response = self.client.get(reverse("accounts:staff", args=[self.units["district"].pk]))
        assert response.status_code == 200
        return list(response.context["form"].fields["unit"].choices)

    def test_the_district_then_its_communes_grouped_and_sorted(self) -> None:
        ha_bang, lien_quan = self.units["ha_bang"], self.units["lien_quan"]
        assert self.unit_choices() == [
            (self.units["district"].pk, "Huyện Thạch Thất"),
            ("Huyện Thạch Thất", [(ha_bang.pk, "Xã Hạ Bằng"), (lien_quan.pk, "Thị trấn Liên Quan")]),
        ]

    @override_settings(RAVAO_TERRITORY=["v2025-01"])
    def test_units_outside_the_territory_are_not_offered(self) -> None:
        assert self.unit_choices() == []
        response = self.client.post(
            reverse("accounts:staff_invite", args=[self.units["district"].pk]),
            {
                "full_name": "Lan",
                "login": "0900000099",
                "role": "commune_official",
                "unit": self.units["ha_bang"].pk,
            },
        )
        assert response.status_code == 400


class TerritoryCheckTests(TestCase):
    def test_a_territory_that_is_not_loaded_is_reported(self) -> None:
        from ravao.places.checks import check_territory_loaded

        load_units(scheme="2025", province_codes=["01"])
        with override_settings(RAVAO_TERRITORY=["v2025-01", "v2025-79"]):
            (warning,) = check_territory_loaded(None, databases=["default"])
            assert warning.id == "places.W001"
            assert "v2025-79" in warning.msg and "v2025-01" not in warning.msg
            assert warning.hint == "ravao load_units --scheme 2025 --province 79"
            assert check_territory_loaded(None) == []  # without the database tag: nothing
        with override_settings(RAVAO_TERRITORY=["v2025-01"]):
            assert check_territory_loaded(None, databases=["default"]) == []
