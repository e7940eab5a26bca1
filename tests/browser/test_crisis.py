"""The crisis director runs an exercise end to end in a real browser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from autarcie.core import clock, totp
from autarcie.core.clock import FrozenClock
from autarcie.core.roles import Role
from autarcie.crisis import alert_actions
from autarcie.demo.synth.inventory import build_inventory, inventory_csv
from tests.browser.conftest import screenshot
from tests.crisis.gateway import Gateway, gateway_fixture  # noqa: F401 (the fixture)
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser]

START = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fake = FrozenClock(START)
    previous = clock.install(fake)
    yield fake
    clock.install(previous)


def _log_in(page: Page, base: str, secret: str, now: dt.datetime) -> None:
    page.goto(f"{base}/connexion/")
    page.get_by_label("Identifiant").fill("directeur")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(now))
    page.get_by_role("button", name="Valider").click()


def test_director_runs_an_exercise_from_declaration_to_retex(
    page: Page, live_server: object, gateway: type[Gateway], frozen: FrozenClock, tmp_path: Path
) -> None:
    base = str(live_server)
    director = make_user("directeur", Role.CRISIS_DIRECTOR, all_units=True)
    secret = pyotp.random_base32()
    totp.enrol_with_secret(actor="system:test", user=director, secret=secret)
    alert_actions.import_contacts(
        actor=director,
        text="name,groups,phone\nAlice Martin,cellule,0611223344\n",
    )
    _log_in(page, base, secret, frozen.now())

    page.goto(f"{base}/crise/declarer/")
    page.get_by_label("Intitulé").fill("Rançongiciel aux urgences")
    page.get_by_label("Ce qui a été détecté").fill("Écrans de rançon aux urgences")
    page.get_by_label("Prise de connaissance").fill("2026-11-20T16:00")
    page.get_by_label("Détecté par").fill("Cadre de nuit")
    page.get_by_label("Exercice").check()
    page.get_by_label("Des données personnelles").check()
    page.get_by_role("button", name="Déclarer").click()
    expect(page.locator(".banner.exercise")).to_be_visible()
    cnil = page.locator("tr.clock-cnil .countdown")
    expect(cnil).to_have_text("dans 3 j 0 h 00")

    page.get_by_role("link", name="Main courante").click()
    page.locator("#id_text").fill("Internet coupé au pare-feu")
    page.get_by_role("button", name="Consigner").click()
    expect(page.locator("#log")).to_contain_text("Internet coupé au pare-feu")

    page.get_by_role("link", name="Points de situation").click()
    expect(page.get_by_label("Point de situation")).to_contain_text("Internet coupé")
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("heading", name="Version 1")).to_be_visible()

    frozen.advance(dt.timedelta(minutes=10))
    page.get_by_role("link", name="Tableau de bord").first.click()
    expect(cnil).to_have_text("dans 2 j 23 h 50")

    page.get_by_role("link", name="Alertes").click()
    page.get_by_label("Destinataires").select_option("groupe:cellule")
    page.get_by_label("Message").fill("Rejoignez la cellule de crise")
    page.get_by_label("Courriel").uncheck()
    page.get_by_role("button", name="Envoyer l'alerte").click()
    expect(page.get_by_role("heading", name="Rappel du personnel")).to_be_visible()
    assert gateway.sent[0]["text"].startswith("EXERCICE — Rejoignez")
    gateway.incoming.append({"id": "r1", "from": "+33611223344", "text": "1 15"})
    page.get_by_role("button", name="Relever les réponses SMS").click()
    expect(page.locator("#coming")).to_contain_text("Alice Martin — dans 15 min")

    inventory = tmp_path / "inventory.csv"
    inventory.write_text(inventory_csv(build_inventory(4, 60)), encoding="utf-8")
    page.get_by_role("link", name="Plan de restauration").click()
    page.get_by_role("link", name="Importer un inventaire").click()
    page.get_by_label("Fichier CSV").set_input_files(str(inventory))
    page.get_by_role("button", name="Importer et calculer les vagues").click()
    expect(page.locator("#waves")).to_contain_text("Vague 1")
    page.get_by_label("Rechercher").fill("Dossier patient")
    page.get_by_role("button", name="Chercher").click()
    page.locator("#items a").first.click()
    for stage in ("Nettoyé", "Reconstruit", "Restauré"):
        page.get_by_role("button", name=f"Passer à l'étape « {stage} »").click()
        expect(page.locator("#stage")).to_have_text(stage)
    expect(page.locator("#stage")).to_have_text("Restauré")
    screenshot(page, "crisis-plan-item")

    page.get_by_role("link", name="Exercice et RETEX").click()
    page.get_by_label("Enseignements").fill("Annuaire à tenir à jour")
    with page.expect_download() as download:
        page.get_by_role("button", name="Produire le RETEX (PDF)").click()
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
