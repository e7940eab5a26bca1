"""A nurse logs in on a ward PC, sees her units, and locks the workstation."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect

from autarcie.core import totp
from autarcie.core.roles import Role, UnitKind
from tests.browser.conftest import log_in, screenshot
from tests.factories import make_unit, make_user

pytestmark = [pytest.mark.browser]


@pytest.mark.smoke
def test_nurse_logs_in_sees_her_unit_and_locks(page: Page, live_server: object) -> None:
    base = str(live_server)
    cardio = make_unit("CARDIO", label="Cardiologie")
    make_unit("PNEUMO", label="Pneumologie")
    make_user("ide", Role.NURSE, units=[cardio])
    log_in(page, base, "ide")
    expect(page.get_by_role("heading", name="Vos unités")).to_be_visible()
    expect(page.get_by_text("Cardiologie")).to_be_visible()
    expect(page.get_by_text("Pneumologie")).to_have_count(0)
    screenshot(page, "home-nurse")
    page.get_by_role("button", name="Verrouiller").click()
    expect(page.get_by_text("Poste verrouillé")).to_be_visible()
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/connexion/?next=/")


def test_wrong_password_shows_a_french_message(page: Page, live_server: object) -> None:
    make_user("ide", Role.NURSE)
    page.goto(f"{live_server}/connexion/")
    page.get_by_label("Identifiant").fill("ide")
    page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible()


def test_admin_enrols_second_factor_with_a_local_qr_code(page: Page, live_server: object) -> None:
    base = str(live_server)
    make_unit("URG", UnitKind.EMERGENCY)
    make_user("chef", Role.ADMIN, all_units=True)
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else external.append(r.url))
    log_in(page, base, "chef")
    expect(page.get_by_role("heading", name="Second facteur obligatoire")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code à 6 chiffres ou code de secours").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", name="Second facteur activé")).to_be_visible()
    expect(page.locator("ul.codes li")).to_have_count(totp.RECOVERY_CODE_COUNT)
    screenshot(page, "totp-enrolled")
    page.get_by_role("link", name="Utilisateurs").click()
    expect(page.get_by_role("heading", name="Utilisateurs")).to_be_visible()
    assert external == []
