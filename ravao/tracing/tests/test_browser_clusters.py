"""Issue 11, items 4–5 in a real browser: a second case at the same factory line proposes a cluster, the
officer confirms it and reads the cluster page, then the outbreak page's epidemic curve and chains graph —
no console errors, axe clean; and the chains graph at about 1,000 nodes.

Run:  PYTHONPATH=. .venv/bin/pytest ravao/tracing/tests/test_browser_clusters.py -q -s
(screenshots in test-artifacts/screens/)
"""

import time
import unittest
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from ravao.browsertest import CHROMIUM, DESKTOP, TIMEOUT_MS
from ravao.checkins.models import CheckIn
from ravao.people.models import Person
from ravao.places.models import Area
from ravao.test import PASSWORD, make_person
from ravao.tracing.models import Case, Cluster, Contact
from ravao.tracing.services import case_open
from ravao.tracing.tests.browserbase import OFFICER_LOGIN, OfficerInChromium

SCREENS = Path(settings.BASE_DIR) / "test-artifacts" / "screens"


@pytest.mark.browser
@unittest.skipUnless(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
@unittest.skipUnless((Path(settings.BASE_DIR) / "node_modules" / "cytoscape").is_dir(), "run npm ci first")
class ClustersInChromium(OfficerInChromium):
    def setUp(self) -> None:
        super().setUp()
        self.line1 = Area.objects.create(venue=self.factory, name="Dây chuyền 1", kind="line")
        self.day = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=1)
        self.f0 = make_person(name="Nguyễn Văn An", phone="0912000001")
        self.worker = make_person(name="Trần Thị Bình", phone="0912000002")
        for i, person in enumerate(
            [self.f0, self.worker, make_person(name="Lê Thị Cúc", phone="0912000003")]
        ):
            self.visit(person, 10 * i, 8 * 60)

    def visit(self, person: Person, start: int, stay: int) -> None:
        CheckIn.objects.create(
            person=person,
            venue=self.factory,
            area=self.line1,
            checked_in_at=self.day + timedelta(minutes=start),
            checked_out_at=self.day + timedelta(minutes=start + stay),
            method=CheckIn.Method.SELF_SCAN,
        )

    def open_case(self, person: Person) -> Case:
        return case_open(
            person=person,
            unit=self.units["district"],
            onset_date=timezone.localdate() - timedelta(days=1),
            sample_date=None,
            isolated_on=None,
            acting_user=self.officer,
            reason="XN-1",
        )

    def url(self, path: str) -> str:
        return f"{self.live_server_url}{path}"

    def login(self) -> tuple[Any, list[str]]:
        context = self.browser.new_context(viewport=DESKTOP, locale="vi-VN")
        context.set_default_timeout(TIMEOUT_MS)
        self.addCleanup(context.close)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(self.url("/accounts/login/?next=/tracing/"))
        page.fill("#id_username", OFFICER_LOGIN)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/tracing/")
        return page, errors

    def test_second_case_on_the_line_proposes_a_cluster(self) -> None:
        SCREENS.mkdir(parents=True, exist_ok=True)
        self.open_case(self.f0)
        self.assertFalse(Cluster.objects.exists())
        page, errors = self.login()

        # The coworker tests positive: the officer records the case as usual.
        page.fill("#id_q", "0912000002")
        page.click("form.search button")
        page.click("table.results a.button")
        page.wait_for_url("**/tracing/cases/new/**")
        page.fill("#id_reason", "XN-2026-0043")
        page.fill("#id_onset_date", (timezone.localdate() - timedelta(days=1)).isoformat())
        page.click("main form button[type=submit]")
        page.wait_for_url("**/tracing/cases/*/")
        # The case page names the proposed cluster.
        link = page.locator(".case-clusters a")
        self.assertIn("Dây chuyền 1", link.inner_text())
        page.wait_for_selector("#contact-graph[data-ready]")
        link.click()
        page.wait_for_url("**/tracing/clusters/*/")
        self.assertIn("Nguyễn Văn An", page.locator("table.cluster-cases").inner_text())
        self.assertIn("Trần Thị Bình", page.locator("table.cluster-cases").inner_text())

        page.fill("#id_name", "Cụm May Hạ Bằng — dây chuyền 1")
        page.click("button[value=confirm]")
        page.wait_for_url("**/tracing/clusters/*/")
        self.assertEqual(Cluster.objects.get().status, Cluster.Status.CONFIRMED)
        page.wait_for_function("() => window.Chart && Chart.getChart('chart-presence')")
        page.click("#presence summary")
        page.screenshot(path=str(SCREENS / "clusters-01-cluster.png"), full_page=True)
        self.assert_accessible(page, "the cluster page")

        page.goto(self.url("/tracing/clusters/"))
        self.assertIn("Cụm May Hạ Bằng", page.locator("table.clusters").inner_text())
        self.assert_accessible(page, "the cluster list")

        page.goto(self.url("/tracing/outbreak/"))
        page.wait_for_function("() => window.Chart && Chart.getChart('chart-epi')")
        page.wait_for_selector("#contact-graph[data-ready]")
        # Two cases and the third worker (F1 of both): three persons.
        self.assertEqual(page.locator("#contact-graph").get_attribute("data-ready"), "3")
        page.click("#epi-curve summary")
        self.assertIn("Cụm May Hạ Bằng", page.locator("table.epi").inner_text())
        page.screenshot(path=str(SCREENS / "clusters-02-outbreak.png"), full_page=True)
        self.assert_accessible(page, "the outbreak page")
        page.click("a[href='?by=commune']")
        page.wait_for_function("() => window.Chart && Chart.getChart('chart-epi')")
        self.assertEqual(errors, [])

    def test_chains_graph_at_a_thousand_nodes(self) -> None:
        SCREENS.mkdir(parents=True, exist_ok=True)
        first = self.open_case(self.f0)
        self.open_case(self.worker)
        cases = [first]
        for n in range(3):
            person = make_person(name=f"Phạm Văn Ca {n}", phone=f"091400000{n}")
            self.visit(person, 0, 60)
            cases.append(self.open_case(person))
        persons = [
            Person(full_name=f"Người Tiếp Xúc {i}", phone=f"0915{i:06d}", year_of_birth=1990, sex="female")
            for i in range(1000)
        ]
        for p in persons:
            p.refresh_lookup_keys()
        persons = Person.objects.bulk_create(persons)
        at = self.day
        f1s = Contact.objects.bulk_create(
            [
                Contact(
                    case=cases[i % len(cases)],
                    person=p,
                    generation=1,
                    venue=self.factory,
                    tier="high" if i % 2 else "medium",
                    overlap_minutes=30,
                    source_start=at,
                    source_end=at,
                    contact_start=at,
                    contact_end=at,
                    exposed_at=at,
                    decision="confirmed" if i % 5 == 0 else "candidate",
                )
                for i, p in enumerate(persons[:400])
            ]
        )
        Contact.objects.bulk_create(
            [
                Contact(
                    case=f1s[i % 80].case,
                    person=p,
                    generation=2,
                    via=f1s[i % 80],
                    venue=self.factory,
                    tier="medium",
                    overlap_minutes=20,
                    source_start=at,
                    source_end=at,
                    contact_start=at,
                    contact_end=at,
                    exposed_at=at,
                )
                for i, p in enumerate(persons[400:])
            ]
        )
        page, errors = self.login()
        started = time.monotonic()
        page.goto(self.url("/tracing/outbreak/"))
        page.wait_for_selector("#contact-graph[data-ready]")
        elapsed = time.monotonic() - started
        ready = int(page.locator("#contact-graph").get_attribute("data-ready") or 0)
        self.assertGreaterEqual(ready, 1000)
        page.locator("#chains").screenshot(path=str(SCREENS / "clusters-03-graph-1000.png"))
        print(f"\noutbreak page with {ready} graph nodes drawn in {elapsed:.1f} s")
        self.assertEqual(errors, [])
