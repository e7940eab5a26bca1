"""An outside result known by its INS alone, in the browser: flagged, readable at 1024 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from autarcie.core.roles import Role
from autarcie.mirror.models import Patient
from tests.browser.conftest import log_in, screenshot
from tests.factories import make_user
from tests.mirror_db.conftest import feed, messages
from tests.wards import Ward

pytestmark = [pytest.mark.browser]


def test_identity_known_by_its_ins_alone_is_flagged_on_the_summary(
    page: Page, live_server: object, ward: Ward
) -> None:
    assert feed(messages("ans_oru_cr_bio_ins_only.hl7"))[0].code == "AA"
    provisional = Patient.objects.get(birth_family="PAT-TROIS")
    make_user("dr.bio", Role.PHYSICIAN, all_units=True)
    page.set_viewport_size({"width": 1024, "height": 768})
    base = str(live_server)
    log_in(page, base, "dr.bio")
    page.goto(f"{base}/patients/{provisional.pk}/")
    banner = page.locator("section.patient-banner")
    expect(banner).to_contain_text("PAT-TROIS DOMINIQUE")
    flag = banner.get_by_text("INS seule, à rapprocher")
    expect(flag).to_be_visible()
    box = flag.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1024
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "banner-ins-only")
