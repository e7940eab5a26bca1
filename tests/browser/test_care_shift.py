"""A full downtime shift in the browser: temporary admission to discharge, all journaled."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from autarcie.care import bed_actions, stock_actions
from autarcie.core.roles import Role
from autarcie.core.tempids import allocate_block
from autarcie.mirror.actions import freeze
from tests.browser.conftest import log_in, screenshot
from tests.factories import make_user
from tests.wards import Ward

pytestmark = [pytest.mark.browser]
DRUG = {"drug_code": "3400930000001", "drug_label": "Paracétamol 1 g"}


def _prepare(ward: Ward) -> str:
    freeze(actor="system:test", reason="cyberattaque")
    make_user("dr.cardio", Role.PHYSICIAN, units=[ward.cardio])
    tempid = allocate_block(actor="system:test", holder_type="kit", holder_id="k1", size=5)
    bed_actions.configure_critical_unit(
        actor="system:test", unit=ward.cardio, ror_category="262", installed=8
    )
    stock_actions.set_threshold(actor="system:test", location="2020", minimum=5, **DRUG)
    stock_actions.record_stock(
        actor="system:test", location="2020", kind="receipt", quantity=8, **DRUG
    )
    return tempid.identifiers()[0]


def _open_form(page: Page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).click()


def _physician_part(page: Page, base: str, tempid: str) -> None:
    log_in(page, base, "dr.cardio")
    page.goto(f"{base}/soins/unites/2010/")
    page.get_by_role("link", name="Admettre un patient (identité provisoire)").click()
    page.get_by_label("Identifiant provisoire").fill(tempid)
    page.get_by_label("Nom de naissance").fill("NOUVEAU")
    page.get_by_label("Prénom(s)").fill("Jules")
    page.get_by_label("Sexe").select_option("M")
    page.get_by_label("Date de naissance").fill("1980-05-04")
    page.get_by_role("button", name="Admettre").click()
    expect(page.get_by_role("heading", name="NOUVEAU Jules")).to_be_visible()
    expect(page.get_by_text(tempid).first).to_be_visible()

    _open_form(page, "Passage aux urgences")
    page.get_by_label("Entrée (ENTREE)").fill("2026-11-23T09:10")
    page.get_by_label("Mode d'entrée").select_option("8")
    page.get_by_label("Provenance").select_option("5")
    page.get_by_label("Mode de sortie").select_option("8")
    page.get_by_label("Destination").select_option("1")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("la destination doit être 6 (HAD), 7 (médico-social)")).to_be_visible()
    screenshot(page, "care-passage-refused")
    page.get_by_label("Mode de sortie").select_option("6")
    page.get_by_label("Orientation").select_option("MED")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Passage aux urgences enregistré")).to_be_visible()

    _open_form(page, "Prescription")
    page.get_by_label("Médicament").fill("Paracétamol 1 g")
    page.get_by_label(re.compile(r"^Dose\b")).fill("1 g")
    page.get_by_label("Voie").select_option("PO")
    page.get_by_label("Fréquence").fill("4 fois par jour")
    page.get_by_role("button", name="Enregistrer").click()

    _open_form(page, "Résultat reçu sur papier")
    page.get_by_label("Document source").fill("fax du laboratoire n° 42")
    page.get_by_label("Examen").fill("Kaliémie")
    page.get_by_label(re.compile(r"^Valeur\b")).fill("5,9")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("saisie manuelle")).to_be_visible()

    page.goto(f"{base}/soins/lits/")
    page.get_by_label("Disponibles Cardiologie").fill("3")
    page.get_by_label("Occupés Cardiologie").fill("5")
    page.get_by_label("Fermés Cardiologie").fill("0")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Disponibilité de Cardiologie mise à jour")).to_be_visible()

    page.go_back()
    page.goto(f"{base}/soins/unites/2010/")
    page.get_by_role("link", name="NOUVEAU").click()
    _open_form(page, "Mouvement")
    page.get_by_label("Mouvement").select_option("transfer")
    page.get_by_label("Unité (code UF)").fill("2020")
    page.get_by_label("Chambre").fill("05")
    page.get_by_label("Lit").fill("1")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Mouvement enregistré")).to_be_visible()
    page.get_by_role("button", name="Déconnexion").click()


def _nurse_part(page: Page, base: str) -> None:
    log_in(page, base, "ide.pneumo")
    page.goto(f"{base}/unites/2020/")
    expect(page.get_by_text("NOUVEAU").first).to_be_visible()
    page.goto(f"{base}/soins/unites/2020/")
    row = page.get_by_role("row").filter(has_text="NOUVEAU")
    expect(row).to_contain_text("saisie mode dégradé")
    screenshot(page, "care-census-pneumo")
    row.get_by_role("link", name="NOUVEAU").click()
    _open_form(page, "Administration")
    page.get_by_label("Prescription").select_option(index=1)
    page.get_by_label("Statut").select_option("given")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Administration enregistré")).to_be_visible()

    page.goto(f"{base}/soins/stock/2020/")
    page.get_by_label("Type").select_option("dispensation")
    page.get_by_label("Médicament", exact=True).select_option(label=DRUG["drug_label"])
    page.get_by_label("Quantité", exact=True).fill("4")
    page.get_by_role("button", name="Enregistrer le mouvement").click()
    expect(page.get_by_text("Alertes de stock")).to_be_visible()
    expect(page.get_by_text("SOUS LE SEUIL", exact=True)).to_be_visible()  # 4 left, threshold 5
    screenshot(page, "care-stock-shortage")

    page.goto(f"{base}/soins/unites/2020/")
    page.get_by_role("link", name="NOUVEAU").click()
    _open_form(page, "Mouvement")
    page.get_by_label("Mouvement").select_option("discharge")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("sorti(e)")).to_be_visible()
    expect(page.get_by_role("cell", name="discharge").first).to_be_visible()
    page.goto(f"{base}/soins/unites/2020/")
    expect(page.get_by_role("link", name="NOUVEAU")).to_have_count(0)
    page.get_by_role("button", name="Déconnexion").click()


def test_a_downtime_shift_from_temporary_admission_to_discharge(
    page: Page, live_server: object, ward: Ward
) -> None:
    base = str(live_server)
    tempid = _prepare(ward)
    _physician_part(page, base, tempid)
    _nurse_part(page, base)
    log_in(page, base, "audit")
    page.goto(f"{base}/soins/journal/")
    for action in (
        "care.patient_admitted",
        "care.entry_recorded",
        "care.stock_recorded",
        "care.beds_updated",
    ):
        expect(page.get_by_role("cell", name=action, exact=True).first).to_be_visible()
    screenshot(page, "care-journal")
