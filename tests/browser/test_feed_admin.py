"""IT/security on the feeds, freeze, quarantine and journal pages; the auditor's review."""

from __future__ import annotations

import hashlib

import pyotp
import pytest
from playwright.sync_api import Page, expect

from autarcie.core import totp
from autarcie.core.roles import Role
from autarcie.mirror.models import Inbound
from tests.browser.conftest import log_in, screenshot
from tests.factories import PASSWORD, make_user
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed
from tests.wards import Ward

pytestmark = [pytest.mark.browser]


def _fits(page: Page) -> None:
    """Readable on a 1024 px ward screen: nothing to scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024


def _log_in_with_code(page: Page, base: str, username: str, secret: str) -> None:
    page.goto(f"{base}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Valider").click()


def test_it_security_freezes_reviews_quarantine_and_verifies_the_journal(
    page: Page, live_server: object, ward: Ward
) -> None:
    base = str(live_server)
    page.set_viewport_size({"width": 1024, "height": 768})
    feed([adt("A01", "B1", ipp="P9").replace(b"PID|", b"PIX|")], at=T0)
    raw = adt("A01", "B2", ipp="P8", family="DURAND", given="LUC")
    Inbound.objects.create(
        feed="hl7",
        sender="GAM",
        control_id="B2",
        event="ADT^A01",
        received_at=T0,
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        state="quarantined",
        reason="internal error while applying: RuntimeError",
    )
    security = make_user("rssi", Role.IT_SECURITY, all_units=True)
    secret = pyotp.random_base32()
    totp.enrol_with_secret(actor="system:test", user=security, secret=secret)
    _log_in_with_code(page, base, "rssi", secret)

    page.get_by_role("link", name="Flux et gel du miroir").click()
    page.get_by_role("button", name="Geler le miroir").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif du gel")
    page.get_by_label("Motif du gel").fill("Suspicion de compromission du SIH")
    page.get_by_role("button", name="Geler le miroir").click()
    expect(page.get_by_text("Miroir GELÉ depuis le")).to_be_visible()
    _fits(page)
    screenshot(page, "mirror-feeds-frozen")

    page.get_by_role("link", name="Messages retenus et quarantaine").first.click()
    expect(page.get_by_role("heading", name="En quarantaine (2)")).to_be_visible()
    _fits(page)
    screenshot(page, "mirror-inbound-list")
    page.get_by_role("link", name=str(Inbound.objects.get(control_id="B2").pk)).click()
    expect(page.locator("pre.raw")).to_contain_text("DURAND^LUC")
    _fits(page)
    screenshot(page, "mirror-inbound-detail")

    page.get_by_role("link", name="Vérifier le journal").click()
    page.get_by_role("button", name="Vérifier maintenant").click()
    expect(page.get_by_text("Journal intact jusqu'à l'entrée")).to_be_visible()
    _fits(page)
    screenshot(page, "journal-verify")


def test_the_auditor_reads_the_access_review_in_words(
    page: Page, live_server: object, ward: Ward
) -> None:
    base = str(live_server)
    page.set_viewport_size({"width": 1024, "height": 768})
    log_in(page, base, "ide.cardio")
    page.goto(f"{base}/patients/{ward.lefevre.pk}/")
    page.get_by_role("button", name="Déconnexion").click()
    log_in(page, base, "audit")
    page.get_by_role("link", name="Revue des accès").click()
    expect(page.get_by_text("a ouvert le dossier de LEFÈVRE MARIE (IPP P1)")).to_be_visible()
    _fits(page)
    screenshot(page, "audit-access-review")
