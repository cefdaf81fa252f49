"""What the tracing browser tests share: a district health officer and the Hạ Bằng garment factory."""

from django.test import override_settings

from ravao.accounts.models import Role
from ravao.accounts.services import membership_grant, user_create
from ravao.browsertest import ChromiumTestCase
from ravao.places.models import Venue
from ravao.test import PASSWORD, make_units

OFFICER_LOGIN = "0900000006"


class OfficerInChromium(ChromiumTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Two-factor login is the security app's journey; here the officer's session counts as verified.
        no_2fa = override_settings(RAVAO_REQUIRE_2FA_FOR_HEALTH_OFFICERS=False, SITE_URL=self.live_server_url)
        no_2fa.enable()
        self.addCleanup(no_2fa.disable)
        self.units = make_units()
        self.officer = user_create(login=OFFICER_LOGIN, password=PASSWORD, full_name="Hana")
        membership_grant(user=self.officer, role=Role.HEALTH_OFFICER, unit=self.units["district"])
        self.factory = Venue.objects.create(
            code="TT-00001",
            name="Công ty May Hạ Bằng",
            kind="factory",
            commune=self.units["ha_bang"],
            address="KCN",
            phone="0243123456",
            status="active",
        )
