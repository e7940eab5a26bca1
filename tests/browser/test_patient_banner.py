"""The patient banner in the browser: the allergy stays in sight from the census to the form."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from autarcie.mirror.models import Allergy, Prescription
from tests.browser.conftest import log_in, screenshot
from tests.wards import Ward

pytestmark = [pytest.mark.browser]
ALLERGY = "Pénicilline — sévère — urticaire"


def _allergy_in_sight(page: Page, step: str) -> None:
    banner = page.locator("section.patient-banner")
    expect(banner).to_have_count(1)
    allergy = banner.get_by_text(ALLERGY)
    expect(allergy).to_be_visible()
    expect(banner).to_contain_text("LEFÈVRE MARIE")
    expect(banner).to_contain_text("IPP P1")
    expect(banner).to_contain_text("Données arrêtées au")
    box = allergy.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1024, step  # no scrolling to read it
    screenshot(page, f"banner-{step}")


def test_the_allergy_is_seen_from_the_census_to_the_administration_form(
    page: Page, live_server: object, ward: Ward
) -> None:
    lefevre = ward.lefevre
    fields = {"patient": lefevre, "version": 1, "received_at": lefevre.received_at}
    Allergy.objects.create(
        rkey="a1", label="Pénicilline", severity="sévère", reaction="urticaire", **fields
    )
    Prescription.objects.create(
        rkey="rx1", drug_label="Amoxicilline", dose="1", dose_unit="g", route="IV", **fields
    )
    page.set_viewport_size({"width": 1024, "height": 768})
    base = str(live_server)
    log_in(page, base, "ide.cardio")
    page.goto(f"{base}/unites/2010/")
    row = page.get_by_role("row").filter(has_text="LEFÈVRE")
    expect(row.get_by_text("ALLERGIE")).to_be_visible()
    screenshot(page, "banner-census")
    row.get_by_role("link", name="LEFÈVRE").click()
    _allergy_in_sight(page, "summary")
    page.get_by_role("link", name="Enregistrer un soin").click()
    _allergy_in_sight(page, "record")
    page.get_by_role("link", name="Administration", exact=True).click()
    expect(page.get_by_label("Prescription")).to_contain_text("Amoxicilline 1 g — IV")
    _allergy_in_sight(page, "administration")
