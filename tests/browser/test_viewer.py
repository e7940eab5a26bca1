"""A night nurse on Cardiologie: census, search without accents, summary, break-glass, audit."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in, screenshot
from tests.wards import Ward

pytestmark = [pytest.mark.browser]


@pytest.mark.smoke
def test_nurse_census_search_summary(page: Page, live_server: object, ward: Ward) -> None:
    base = str(live_server)
    log_in(page, base, "ide.cardio")
    page.get_by_role("link", name="Cardiologie").click()
    expect(page.get_by_role("heading", name="Cardiologie")).to_be_visible()
    expect(page.get_by_text("Données arrêtées au")).to_be_visible()
    expect(page.get_by_role("link", name="LEFÈVRE")).to_be_visible()
    screenshot(page, "census-cardiologie")
    page.get_by_role("link", name="Recherche").click()
    page.get_by_label("Nom, IPP, NDA, INS ou date de naissance (JJ/MM/AAAA)").fill("lefevre marie")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Ouvrir").click()
    expect(page.get_by_role("heading", name="LEFÈVRE MARIE")).to_be_visible()
    expect(page.get_by_text("Données arrêtées au")).to_be_visible()
    expect(page.get_by_role("heading", name="Allergies")).to_be_visible()
    screenshot(page, "summary-lefevre")


def test_break_glass_is_reviewed_by_the_auditor(
    page: Page, live_server: object, ward: Ward
) -> None:
    base = str(live_server)
    log_in(page, base, "ide.cardio")
    page.goto(f"{base}/patients/{ward.martin.pk}/")
    expect(page.get_by_role("heading", name="Accès exceptionnel (bris de glace)")).to_be_visible()
    page.get_by_label("Urgence vitale").check()
    page.get_by_label("Précisions (obligatoires pour « Autre motif »)").fill("appel du 15")
    page.get_by_role("button", name="Ouvrir le dossier").click()
    expect(page.get_by_role("heading", name="MARTIN PAUL")).to_be_visible()
    page.get_by_role("button", name="Déconnexion").click()
    log_in(page, base, "audit")
    page.goto(f"{base}/audit/bris-de-glace/")
    row = page.get_by_role("row").filter(has_text="ide.cardio")
    expect(row).to_contain_text("Urgence vitale")
    expect(row).to_contain_text("appel du 15")
    screenshot(page, "audit-break-glass")
