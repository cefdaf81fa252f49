"""Exports (issue 11, item 6): the contact line list and the SORMAS, Go.Data and DHIS2 import files, each
read back and checked against the field lists of those projects (sources cited at each constant; the
same sources, with commits, are in docs/interop.md)."""

import csv
import io
import json
from datetime import timedelta
from typing import Any
from unittest import mock

from django.utils import timezone
from openpyxl import load_workbook

from ravao.accounts.models import Role
from ravao.people.models import Person
from ravao.places.models import AdminUnit
from ravao.privacy.models import AuditEvent
from ravao.tracing import conf
from ravao.tracing.exports import LINE_LIST_KEYS
from ravao.tracing.interop import dhis2_uid, split_name
from ravao.tracing.models import Case, Contact, FollowUpVisit, Team
from ravao.tracing.services import case_open
from ravao.tracing.tests.base import TracingTestCase

# SORMAS-Project @ af6249bc672f10c283ebddd73ca2314d9ec0c3de, sormas-e2e-tests/uploads/
# Import_EventParticipants_Vaccinations.csv, row 2 (the columns ImportFacadeEjb
# .generateEventParticipantImportTemplateFile writes), person and address part.
SORMAS_PARTICIPANT_TEMPLATE = [
    "involvementDescription",
    "region",
    "district",
    "person.firstName",
    "person.lastName",
    "person.salutation",
    "person.otherSalutation",
    "person.birthName",
    "person.namesOfGuardians",
    "person.sex",
    "person.birthdateDD",
    "person.birthdateMM",
    "person.birthdateYYYY",
    "person.approximateAge",
    "person.approximateAgeType",
    "person.approximateAgeReferenceDate",
    "person.address.continent",
    "person.address.subcontinent",
    "person.address.country",
    "person.address.region",
    "person.address.district",
    "person.address.community",
    "person.address.city",
    "person.address.areaType",
    "person.address.latitude",
    "person.address.longitude",
    "person.address.latLonAccuracy",
    "person.address.postalCode",
    "person.address.street",
    "person.address.houseNumber",
    "person.address.additionalInformation",
    "person.address.addressType",
    "person.address.addressTypeDetails",
    "person.address.facilityType",
    "person.address.facility",
    "person.address.facilityDetails",
    "person.address.contactPersonFirstName",
    "person.address.contactPersonLastName",
    "person.address.contactPersonPhone",
    "person.address.contactPersonEmail",
    "person.occupationType",
    "person.occupationDetails",
    "person.armedForcesRelationType",
    "person.externalId",
    "person.externalToken",
    "person.internalToken",
    "person.birthCountry",
    "person.citizenship",
    "person.additionalDetails",
    "person.phone",
    "person.emailAddress",
]
# Same commit, sormas-e2e-tests/uploads/ImportTestData_Events_INT.csv, row 2: the event columns of the
# event import template (ImportFacadeEjb.generateEventImportTemplateFile).
SORMAS_EVENT_TEMPLATE = [
    "superordinateEvent",
    "eventStatus",
    "riskLevel",
    "specificRisk",
    "eventInvestigationStatus",
    "eventInvestigationStartDate",
    "eventInvestigationEndDate",
    "eventManagementStatus",
    "externalId",
    "externalToken",
    "eventTitle",
    "eventDesc",
    "nosocomial",
    "startDate",
    "endDate",
    "reportDateTime",
    "evolutionDate",
    "evolutionComment",
    "eventLocation.continent",
    "eventLocation.subcontinent",
    "eventLocation.country",
    "eventLocation.region",
    "eventLocation.district",
    "eventLocation.community",
    "eventLocation.details",
    "eventLocation.city",
    "eventLocation.areaType",
    "eventLocation.latitude",
    "eventLocation.longitude",
    "eventLocation.latLonAccuracy",
    "eventLocation.postalCode",
    "eventLocation.street",
    "eventLocation.houseNumber",
    "eventLocation.additionalInformation",
    "eventLocation.addressType",
    "eventLocation.addressTypeDetails",
    "eventLocation.facilityType",
    "eventLocation.facility",
    "eventLocation.facilityDetails",
    "eventLocation.contactPersonFirstName",
    "eventLocation.contactPersonLastName",
    "eventLocation.contactPersonPhone",
    "eventLocation.contactPersonEmail",
    "typeOfPlace",
    "meansOfTransport",
    "meansOfTransportDetails",
    "connectionNumber",
    "travelDate",
    "workEnvironment",
    "srcType",
    "srcInstitutionalPartnerType",
    "srcInstitutionalPartnerTypeDetails",
    "srcFirstName",
    "srcLastName",
    "srcTelNo",
    "srcEmail",
    "srcMediaWebsite",
    "srcMediaName",
    "srcMediaDetails",
    "disease",
    "diseaseDetails",
    "diseaseVariant",
    "typeOfPlaceText",
]
# sormas-api .../event/TypeOfPlace.java and EventStatus.java (same commit).
SORMAS_TYPES_OF_PLACE = {
    "FACILITY", "FACILITY_23_IFSG", "COMMUNITY_FACILITY", "FACILITY_36_IFSG", "FESTIVITIES", "HOME",
    "MEANS_OF_TRANSPORT", "PUBLIC_PLACE", "SCATTERED", "SCHOOL", "EDUCATION_AND_CHILDCARE", "NURSING_HOME",
    "ASYLUM_SEEKERS_SHELTER", "UNKNOWN", "OTHER",
}  # fmt: skip
SORMAS_EVENT_STATUSES = {"SIGNAL", "EVENT", "SCREENING", "CLUSTER", "DROPPED"}

# GoDataSource-API @ cf8a5259700792742f401ace0e68b363784c71cd: server/models/person.json properties
# (cases and contacts are persons), common/models/case.json and contact.json (own properties),
# server/models/address.json, common/models/relationship.json, server/models/relationship-participant.json.
GODATA_PERSON = {
    "id", "type", "outbreakId", "visualId", "firstName", "middleName", "lastName", "name", "description",
    "dob", "age", "gender", "occupation", "documents", "addresses", "dateOfReporting",
    "isDateOfReportingApproximate", "dateOfLastContact", "dateOfInfection", "dateOfOnset", "dateBecomeCase",
    "dateRanges", "dateOfOutcome", "followUp", "followUpTeamId",
}  # fmt: skip
GODATA_CASE = GODATA_PERSON | {"isDateOfOnsetApproximate", "classification", "riskLevel", "riskReason"}
GODATA_CONTACT = GODATA_PERSON | {"riskLevel", "riskReason", "relationship"}
GODATA_ADDRESS = {
    "typeId", "country", "city", "addressLine1", "postalCode", "locationId", "geoLocation",
    "geoLocationAccurate", "date", "phoneNumber", "emailAddress",
}  # fmt: skip
GODATA_RELATIONSHIP = {
    "outbreakId", "persons", "contactDate", "contactDateEstimated", "certaintyLevelId", "exposureTypeId",
    "exposureFrequencyId", "exposureDurationId", "socialRelationshipTypeId", "socialRelationshipDetail",
    "clusterId", "comment", "active", "deletedByParent", "dateOfFirstContact",
}  # fmt: skip
GODATA_PARTICIPANT = {"id", "type", "target", "source"}
GODATA_FOLLOWUP = {
    "originalStartDate",
    "startDate",
    "endDate",
    "status",
    "generateFollowUpsDateOfLastContact",
}

# dhis2-core, dhis-web-api .../webapi/controller/tracker/view/Enrollment.java (026cc93e) and Event.java
# (0059d6d5): the JSON properties of the /api/tracker payload used here.
DHIS2_TRACKED_ENTITY = {"trackedEntity", "trackedEntityType", "orgUnit", "attributes", "enrollments"}
DHIS2_ENROLLMENT = {"enrollment", "program", "orgUnit", "enrolledAt", "occurredAt", "status", "events"}
DHIS2_EVENT = {"event", "programStage", "orgUnit", "occurredAt", "status", "dataValues"}
DHIS2_SETTINGS: dict[str, Any] = {
    "DHIS2_PROGRAM": "Prog0000001",
    "DHIS2_TRACKED_ENTITY_TYPE": "MCPQUTHX1Ze",
    "DHIS2_STAGE_FOLLOWUP": "StageFollow",
    "DHIS2_STAGE_SYMPTOMS": "StageSympt1",
    "DHIS2_ATTR_FIRST_NAME": "AttrFirst01",
    "DHIS2_ATTR_LAST_NAME": "AttrLast001",
    "DHIS2_ATTR_PHONE": "AttrPhone01",
    "DHIS2_DE_SYMPTOMATIC": "DeSymptoms1",
    "DHIS2_DE_TEMPERATURE": "DeTemp00001",
}

VI_HEADERS_START = ["Số ca bệnh", "Thế hệ", "Họ và tên", "Năm sinh", "Giới tính"]
EN_HEADERS_START = ["Case no.", "Generation", "Full name", "Year of birth", "Sex"]


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


class ExportsTestCase(TracingTestCase):
    case: Case
    team: Team

    def setUp(self) -> None:
        super().setUp()
        self.case = case_open(
            person=self.f0,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.hana,
        )
        self.team = Team.objects.create(unit=self.units["ha_bang"], name="Trạm Y tế xã Hạ Bằng")
        Person.objects.filter(pk=self.coworker.pk).update(commune=self.units["ha_bang"])
        Person.objects.filter(pk=self.shopper.pk).update(commune=self.units["lien_quan"])
        today = timezone.localdate()
        Contact.objects.filter(case=self.case, person=self.coworker).update(
            decision=Contact.Decision.CONFIRMED,
            team=self.team,
            assignee=self.hoa,
            followup_start=today,
            followup_until=today + timedelta(days=13),
        )
        self.login(self.hana)

    def contact(self, person: Person) -> Contact:
        return Contact.objects.get(case=self.case, person=person, generation=1)

    def get(self, url: str, language: str = "vi") -> Any:
        self.client.cookies["django_language"] = language
        return self.client.get(url)


class LineListTest(ExportsTestCase):
    def rows(self, query: str = "", language: str = "vi") -> list[list[str]]:
        response = self.get(f"/tracing/cases/{self.case.pk}/contacts.csv{query}", language)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Cache-Control"], "no-store")
        return read_csv(response.content)

    def by_name(self, rows: list[list[str]]) -> dict[str, dict[str, str]]:
        return {row[2]: dict(zip(LINE_LIST_KEYS, row, strict=True)) for row in rows[1:]}

    def test_headers_are_vietnamese_first_and_english_with_the_language_switch(self) -> None:
        self.assertEqual(self.rows()[0][:5], VI_HEADERS_START)
        self.assertEqual(self.rows(language="en")[0][:5], EN_HEADERS_START)
        self.assertEqual(len(self.rows()[0]), len(LINE_LIST_KEYS))

    def test_a_row_has_every_column_and_no_none(self) -> None:
        rows = self.rows(language="en")
        coworker = self.by_name(rows)["Trần Thị Bình"]
        self.assertEqual(coworker["case"], f"F0 #{self.case.pk}")
        self.assertEqual(coworker["generation"], "F1")
        self.assertEqual(coworker["year_of_birth"], "1990")
        self.assertEqual(coworker["sex"], "Male")
        self.assertEqual(coworker["phone"], "0912000002")
        self.assertEqual(coworker["address"], "Thôn 3")
        self.assertEqual(coworker["commune"], self.units["ha_bang"].name)
        self.assertIn(self.units["district"].name, coworker["district_province"])
        self.assertEqual(coworker["tier"], "High")
        self.assertEqual(coworker["overlap_minutes"], "480")
        self.assertEqual(coworker["venue"], self.venue_a.name)
        self.assertEqual(coworker["area"], "Dây chuyền 1")
        self.assertRegex(coworker["contact_start"], r"^\d{4}-\d\d-\d\d 06:00$")
        self.assertIn("–", coworker["source_presence"])
        self.assertEqual(coworker["decision"], "Confirmed")
        self.assertEqual(coworker["followup_start"], timezone.localdate().isoformat())
        self.assertEqual(coworker["team"], "Trạm Y tế xã Hạ Bằng")
        self.assertEqual(coworker["assignee"], "Hoa")
        for row in rows[1:]:
            self.assertNotIn("None", row)
        shopper = self.by_name(rows)["Phạm Thị Dung"]
        self.assertEqual(shopper["area"], "")
        self.assertEqual(shopper["team"], "")
        self.assertEqual(shopper["followup_until"], "")

    def test_a_contact_known_only_by_cccd_has_an_empty_phone_and_a_masked_id(self) -> None:
        """issue 11: `tel:None` for a contact known only from a CCCD scan."""
        self.shopper.phone = None
        self.shopper.id_number = "001092099999"
        self.shopper.save()
        shopper = self.by_name(self.rows())["Phạm Thị Dung"]
        self.assertEqual(shopper["phone"], "")
        self.assertEqual(shopper["id_masked"], "••••••••9999")
        self.assertNotIn("tel:None", self.get(f"/tracing/cases/{self.case.pk}/").content.decode())

    def test_xlsx_reads_back_with_the_same_cells(self) -> None:
        response = self.get(f"/tracing/cases/{self.case.pk}/contacts.xlsx")
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        values = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
        self.assertEqual(list(values[0][:5]), VI_HEADERS_START)
        self.assertEqual(len(values), len(self.rows()))

    def test_formula_starts_are_neutralised_including_full_width(self) -> None:
        for payload in ["=cmd", "＝HYPERLINK(1)", "＋1", "－1", "＠SUM(A1)", "\tx", "\rx", "+1", "-1", "@x"]:
            with self.subTest(payload=payload):
                self.shopper.full_name = payload
                self.shopper.save()
                rows = self.rows()
                self.assertIn("'" + payload, [row[2] for row in rows])
                response = self.get(f"/tracing/cases/{self.case.pk}/contacts.xlsx")
                sheet = load_workbook(io.BytesIO(response.content)).active
                assert sheet is not None
                names = [row[2] for row in sheet.iter_rows(values_only=True)]
                # XML keeps a carriage return as a line feed: the cell still starts with the quote.
                self.assertIn("'" + payload.replace("\r", "\n"), names)

    def test_per_team_and_per_commune(self) -> None:
        rows = self.rows(f"?team={self.team.pk}")
        self.assertEqual([r[2] for r in rows[1:]], ["Trần Thị Bình"])
        self.assertEqual(len(self.rows()), 3)  # the coworker and the shopper
        rows = self.rows(f"?commune={self.units['ha_bang'].pk}")
        self.assertEqual([r[2] for r in rows[1:]], ["Trần Thị Bình"])
        rows = self.rows(f"?commune={self.units['lien_quan'].pk}")
        self.assertEqual([r[2] for r in rows[1:]], ["Phạm Thị Dung"])

    def test_bad_filters(self) -> None:
        self.assertEqual(self.get(f"/tracing/cases/{self.case.pk}/contacts.csv?team=x").status_code, 400)
        # "²" passes str.isdigit() but not int(): was a 500
        self.assertEqual(self.get(f"/tracing/cases/{self.case.pk}/contacts.csv?team=²").status_code, 400)
        self.assertEqual(self.get(f"/tracing/cases/{self.case.pk}/contacts.csv?team=999999").status_code, 404)
        other = AdminUnit.objects.create(code="t-99", name="Xã Khác", level="commune", path="t/99/")
        response = self.get(f"/tracing/cases/{self.case.pk}/contacts.csv?commune={other.pk}")
        self.assertEqual(response.status_code, 404)

    def test_each_export_is_audited_with_one_row_per_contact(self) -> None:
        self.rows()
        self.rows()  # retried: the per-contact rows are coalesced per day
        self.assertEqual(
            AuditEvent.objects.filter(action="export.csv", reason=f"case:{self.case.pk}").count(), 2
        )
        per_contact = AuditEvent.objects.filter(
            action="tracing.contact_export", reason=f"case:{self.case.pk}"
        )
        self.assertEqual(per_contact.count(), Contact.objects.filter(case=self.case).count())

    def test_scope_line_list_per_team_and_commune(self) -> None:
        response = self.get(f"/tracing/exports/contacts.csv?team={self.team.pk}")
        self.assertEqual([r[2] for r in read_csv(response.content)[1:]], ["Trần Thị Bình"])
        response = self.get(f"/tracing/exports/contacts.xlsx?commune={self.units['ha_bang'].pk}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.get("/tracing/exports/contacts.csv").status_code, 400)
        self.assertEqual(self.get("/tracing/exports/contacts.pdf?team=1").status_code, 404)
        page = self.get("/tracing/exports/")
        self.assertContains(page, "Trạm Y tế xã Hạ Bằng")


class AccessTest(ExportsTestCase):
    URLS = [
        "/tracing/cases/{case}/contacts.csv",
        "/tracing/cases/{case}/exports/",
        "/tracing/cases/{case}/exports/sormas-events.csv",
        "/tracing/cases/{case}/exports/godata-contacts.json",
        "/tracing/exports/",
    ]

    def urls(self) -> list[str]:
        return [u.format(case=self.case.pk) for u in self.URLS]

    def test_anonymous_goes_to_login(self) -> None:
        self.client.logout()
        for url in self.urls():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/accounts/login/", response["Location"])

    def test_other_roles_are_refused(self) -> None:
        for user in (self.alice, self.carol, self.dan):
            self.login(user)
            for url in self.urls():
                self.assertEqual(self.client.get(url).status_code, 403, (user, url))

    def test_an_officer_of_another_district_gets_404(self) -> None:
        other_unit = AdminUnit.objects.create(code="t-02", name="Huyện Khác", level="district", path="t/02/")
        other = self.make_user("0900000099", "Khác", Role.HEALTH_OFFICER, unit=other_unit)
        self.login(other)
        for url in self.urls()[:-1]:
            self.assertEqual(self.client.get(url).status_code, 404, url)
        response = self.client.get(f"/tracing/exports/contacts.csv?team={self.team.pk}")
        self.assertEqual(response.status_code, 404)

    def test_wrong_method(self) -> None:
        for url in self.urls():
            self.assertEqual(self.client.post(url).status_code, 405, url)

    def test_unknown_file_is_404(self) -> None:
        self.assertEqual(self.get(f"/tracing/cases/{self.case.pk}/exports/evil.csv").status_code, 404)


class SormasTest(ExportsTestCase):
    def test_event_file_uses_sormas_template_columns(self) -> None:
        rows = read_csv(self.get(f"/tracing/cases/{self.case.pk}/exports/sormas-events.csv").content)
        entities, fields, *events = rows
        self.assertLessEqual(set(fields), set(SORMAS_EVENT_TEMPLATE))
        # in the template's order, so a reader that goes by position agrees too
        self.assertEqual(fields, sorted(fields, key=SORMAS_EVENT_TEMPLATE.index))
        self.assertEqual({e for e in entities}, {"Event", "Location"})
        self.assertEqual(len(events), 2)  # venue A and the market
        event = dict(zip(fields, events[0], strict=True))
        self.assertIn(event["typeOfPlace"], SORMAS_TYPES_OF_PLACE)
        self.assertIn(event["eventStatus"], SORMAS_EVENT_STATUSES)
        self.assertEqual(event["disease"], "CORONAVIRUS")
        self.assertRegex(event["startDate"], r"^\d\d/\d\d/\d{4}$")
        self.assertEqual(event["eventTitle"], self.venue_a.name)

    def test_participants_carry_the_presence_times(self) -> None:
        url = f"/tracing/cases/{self.case.pk}/exports/sormas-participants-{self.venue_a.pk}.csv"
        entities, fields, *participants = read_csv(self.get(url, "en").content)
        self.assertLessEqual(set(fields), set(SORMAS_PARTICIPANT_TEMPLATE))
        self.assertEqual(fields, sorted(fields, key=SORMAS_PARTICIPANT_TEMPLATE.index))
        self.assertEqual(set(entities), {"EventParticipant", "Person", "Location"})
        rows = {r[fields.index("person.firstName")]: dict(zip(fields, r, strict=True)) for r in participants}
        coworker = rows["Bình"]
        self.assertEqual(coworker["person.lastName"], "Trần Thị")
        self.assertEqual(coworker["person.sex"], "MALE")
        self.assertEqual(coworker["person.birthdateYYYY"], "1990")
        self.assertIn("06:00", coworker["involvementDescription"])
        self.assertIn("480", coworker["involvementDescription"])
        self.assertEqual(len(rows), 1)  # the coworker, not the market's shopper
        response = self.get(f"/tracing/cases/{self.case.pk}/exports/sormas-participants-999999.csv")
        self.assertEqual(response.status_code, 404)


class GoDataTest(ExportsTestCase):
    def json(self, name: str) -> Any:
        response = self.get(f"/tracing/cases/{self.case.pk}/exports/{name}")
        self.assertEqual(response.status_code, 200)
        return json.loads(response.content)

    def test_case_fields_and_reference_data(self) -> None:
        [record] = self.json("godata-cases.json")
        self.assertLessEqual(set(record), GODATA_CASE)
        self.assertEqual(
            record["classification"], "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION_CONFIRMED"
        )
        self.assertEqual(record["gender"], "LNG_REFERENCE_DATA_CATEGORY_GENDER_MALE")
        self.assertEqual(
            (record["firstName"], record["middleName"], record["lastName"]), ("An", "Văn", "Nguyễn")
        )
        self.assertEqual(record["dateOfOnset"], self.case.onset_date.isoformat())  # type: ignore[union-attr]
        self.assertLessEqual(set(record["addresses"][0]), GODATA_ADDRESS)

    def test_contacts_come_with_their_relationship_to_the_case(self) -> None:
        contacts = self.json("godata-contacts.json")
        self.assertEqual(len(contacts), Contact.objects.filter(case=self.case, generation=1).count())
        for record in contacts:
            self.assertLessEqual(set(record), GODATA_CONTACT)
            self.assertLessEqual(set(record["followUp"]), GODATA_FOLLOWUP)
            self.assertLessEqual(set(record["relationship"]), GODATA_RELATIONSHIP)
            self.assertEqual(record["relationship"]["persons"][0]["id"], str(self.f0.public_id))
            self.assertTrue(record["riskLevel"].startswith("LNG_REFERENCE_DATA_CATEGORY_RISK_LEVEL_"))
        coworker = next(r for r in contacts if r["id"] == str(self.coworker.public_id))
        self.assertEqual(coworker["riskLevel"], "LNG_REFERENCE_DATA_CATEGORY_RISK_LEVEL_3_HIGH")
        self.assertEqual(
            coworker["relationship"]["exposureDurationId"],
            "LNG_REFERENCE_DATA_CATEGORY_EXPOSURE_DURATION_MEDIUM_HOURS",
        )
        self.assertEqual(
            coworker["followUp"]["status"],
            "LNG_REFERENCE_DATA_CONTACT_FINAL_FOLLOW_UP_STATUS_TYPE_UNDER_FOLLOW_UP",
        )
        self.assertEqual(coworker["addresses"][0]["phoneNumber"], "0912000002")

    def test_relationships_name_source_and_target(self) -> None:
        relationships = self.json("godata-relationships.json")
        self.assertTrue(relationships)
        for record in relationships:
            self.assertLessEqual(set(record), GODATA_RELATIONSHIP)
            source, target = record["persons"]
            self.assertLessEqual(set(source) | set(target), GODATA_PARTICIPANT)
            self.assertTrue(source["source"] and target["target"])


class Dhis2Test(ExportsTestCase):
    def test_without_settings_the_page_says_what_to_set(self) -> None:
        page = self.get(f"/tracing/cases/{self.case.pk}/exports/")
        self.assertContains(page, "RAVAO_DHIS2_PROGRAM")
        self.assertEqual(
            self.get(f"/tracing/cases/{self.case.pk}/exports/dhis2-tracker.json").status_code, 404
        )

    def test_tracker_payload_with_follow_up_visits_as_symptom_events(self) -> None:
        coworker = self.contact(self.coworker)
        today = timezone.localdate()
        FollowUpVisit.objects.create(
            contact=coworker, day=today, status=FollowUpVisit.Status.SEEN_NOT_OK, temperature="38.2",
            recorded_at=timezone.now(),
        )  # fmt: skip
        FollowUpVisit.objects.create(
            contact=coworker, day=today - timedelta(days=1), status=FollowUpVisit.Status.NOT_REACHED,
            recorded_at=timezone.now(),
        )  # fmt: skip
        with mock.patch.multiple(conf, **DHIS2_SETTINGS):
            page = self.get(f"/tracing/cases/{self.case.pk}/exports/")
            self.assertNotContains(page, "RAVAO_DHIS2_PROGRAM")
            response = self.get(f"/tracing/cases/{self.case.pk}/exports/dhis2-tracker.json")
        self.assertEqual(response.status_code, 200)
        payload = json.loads(response.content)
        self.assertEqual(set(payload), {"trackedEntities"})
        [entity] = payload["trackedEntities"]  # only the confirmed contact
        self.assertLessEqual(set(entity), DHIS2_TRACKED_ENTITY)
        self.assertEqual(entity["trackedEntityType"], "MCPQUTHX1Ze")
        self.assertEqual(entity["orgUnit"], self.units["ha_bang"].code)  # scheme CODE by default
        attributes = {a["attribute"]: a["value"] for a in entity["attributes"]}
        self.assertEqual(
            attributes, {"AttrFirst01": "Bình", "AttrLast001": "Trần Thị", "AttrPhone01": "0912000002"}
        )
        [enrollment] = entity["enrollments"]
        self.assertLessEqual(set(enrollment), DHIS2_ENROLLMENT)
        self.assertEqual(enrollment["program"], "Prog0000001")
        self.assertEqual(enrollment["status"], "ACTIVE")
        stages = [e["programStage"] for e in enrollment["events"]]
        self.assertEqual(stages, ["StageFollow", "StageSympt1", "StageSympt1"])
        for event in enrollment["events"]:
            self.assertLessEqual(set(event), DHIS2_EVENT)
        missed, ill = enrollment["events"][1:]
        self.assertEqual(missed["status"], "SKIPPED")
        self.assertEqual(missed["dataValues"], [])
        self.assertEqual(
            {d["dataElement"]: d["value"] for d in ill["dataValues"]},
            {"DeSymptoms1": "true", "DeTemp00001": "38.2"},
        )
        self.assertRegex(entity["trackedEntity"], r"^[A-Za-z][A-Za-z0-9]{10}$")
        self.assertEqual(entity["trackedEntity"], dhis2_uid(f"person:{self.coworker.public_id}"))

    def test_uid_scheme_maps_communes_and_leaves_out_the_unmapped(self) -> None:
        mapping: dict[str, Any] = {
            "DHIS2_ORG_UNIT_SCHEME": "UID",
            "DHIS2_ORG_UNITS": {self.units["province"].code: "OrgUnit0001"},
        }
        with mock.patch.multiple(conf, **DHIS2_SETTINGS, **mapping):
            payload = json.loads(
                self.get(f"/tracing/cases/{self.case.pk}/exports/dhis2-tracker.json").content
            )
        self.assertEqual(payload["trackedEntities"][0]["orgUnit"], "OrgUnit0001")  # from the province above
        with mock.patch.multiple(conf, **DHIS2_SETTINGS, DHIS2_ORG_UNIT_SCHEME="UID", DHIS2_ORG_UNITS={}):
            payload = json.loads(
                self.get(f"/tracing/cases/{self.case.pk}/exports/dhis2-tracker.json").content
            )
        self.assertEqual(payload["trackedEntities"], [])


class PageTest(ExportsTestCase):
    def test_case_exports_page_lists_each_format_in_vietnamese(self) -> None:
        page = self.get(f"/tracing/cases/{self.case.pk}/exports/")
        self.assertEqual(page.status_code, 200)
        for link in ["contacts.xlsx", "sormas-events.csv", f"sormas-participants-{self.venue_a.pk}.csv",
                     "godata-cases.json", "godata-contacts.json", "godata-relationships.json"]:  # fmt: skip
            self.assertContains(page, link)
        self.assertContains(page, "Trạm Y tế xã Hạ Bằng")  # per-team link
        self.assertContains(page, "Xuất dữ liệu")
        self.assertContains(
            self.get(f"/tracing/cases/{self.case.pk}/"), f"/tracing/cases/{self.case.pk}/exports/"
        )


class SplitNameTest(TracingTestCase):
    def test_vietnamese_names(self) -> None:
        self.assertEqual(split_name("Nguyễn Văn An").first, "An")
        self.assertEqual(split_name("Nguyễn Văn An").last_with_middle, "Nguyễn Văn")
        self.assertEqual(split_name("An").first, "An")
        self.assertEqual(split_name("  ").first, "")
