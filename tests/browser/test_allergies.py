"""The allergy card in Chromium: "aucune allergie connue" and "non renseignées" look different."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.allergy_feeds import fhir_import, no_known_allergy_fhir
from tests.browser.conftest import log_in, screenshot
from tests.wards import Ward

pytestmark = [pytest.mark.browser]


def _status_style(page: Page, base: str, patient_pk: int, text: str) -> tuple[str, str]:
    page.goto(f"{base}/patients/{patient_pk}/")
    status = page.locator(".allergies .allergy-status")
    expect(status).to_have_text(text)
    style = status.evaluate(
        "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderLeftStyle]"
    )
    return style[0], style[1]


def test_no_known_allergy_and_nothing_received_are_visibly_different(
    page: Page, live_server: object, ward: Ward, tmp_path: Path
) -> None:
    base = str(live_server)
    fhir_import(tmp_path, no_known_allergy_fhir("P1"))
    page.set_viewport_size({"width": 1024, "height": 800})
    log_in(page, base, "ide.cardio")
    said = _status_style(page, base, ward.lefevre.pk, "Aucune allergie connue")
    screenshot(page, "allergies-none-known")
    page.get_by_role("button", name="Déconnexion").click()
    log_in(page, base, "ide.pneumo")
    nothing = _status_style(page, base, ward.martin.pk, "Allergies non renseignées")
    screenshot(page, "allergies-not-recorded")
    assert said != nothing
    assert nothing[1] == "solid"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
