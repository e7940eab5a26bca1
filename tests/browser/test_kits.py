"""A nurse downloads her unit's paper kit; a nurse of another unit cannot."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from autarcie.kits.builder import build_unit
from tests.browser.conftest import log_in, screenshot
from tests.wards import Ward

pytestmark = [pytest.mark.browser]


def test_nurse_downloads_her_units_kit_and_another_unit_cannot(
    page: Page, live_server: object, ward: Ward, tmp_path: Path
) -> None:
    build = build_unit(ward.cardio, actor="system:test", out_dir=tmp_path / "kits")
    base = str(live_server)
    log_in(page, base, "ide.cardio")
    page.goto(f"{base}/kits/")
    expect(page.get_by_role("heading", name="Kits papier")).to_be_visible()
    screenshot(page, "kits-cardiologie")
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger le kit Cardiologie").click()
    saved = tmp_path / "telecharge.pdf"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "kit-2010.pdf"
    assert saved.read_bytes() == (Path(build.folder) / "kit-2010.pdf").read_bytes()
    page.get_by_role("button", name="Déconnexion").click()

    log_in(page, base, "ide.pneumo")
    page.goto(f"{base}/kits/")
    expect(page.get_by_role("link", name="Télécharger le kit Cardiologie")).to_have_count(0)
    response = page.request.get(f"{base}/kits/2010/{build.build_id}/kit-2010.pdf")
    assert response.status == 403
