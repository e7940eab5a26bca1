"""The "séjour connu par mouvement" badge in a real browser: seen, and no sideways scroll."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import log_in, screenshot
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed
from tests.wards import Ward

pytestmark = [pytest.mark.browser]


def test_census_shows_the_flag_beside_the_leave_badge_at_1024(
    page: Page, live_server: object, ward: Ward
) -> None:
    # On leave from cardiology; the admission was sent before the mirror was installed.
    leave = adt("A21", "R1", ipp="P9", nda="N9", family="ROUSSEL", unit="2010", room="14")
    feed([leave], at=T0)
    page.set_viewport_size({"width": 1024, "height": 768})
    log_in(page, str(live_server), "ide.cardio")
    page.goto(f"{live_server}/unites/{ward.cardio.code}/")
    row = page.locator("tr", has_text="ROUSSEL")
    assert row.locator(".badge", has_text="séjour connu par mouvement").is_visible()
    assert row.locator(".badge", has_text="permission").is_visible()
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "census-known-by-movement-1024")
    assert fits, "the census scrolls sideways at 1024 px"
