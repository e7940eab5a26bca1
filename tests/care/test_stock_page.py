"""The stock page: drugs picked by name, units by name, refusals that say so, rupture apart."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from autarcie.care import stock_actions, stock_queries
from autarcie.care.fields import CareInputError
from autarcie.care.models import StockAlert, StockEntry
from autarcie.core import clock
from autarcie.mirror.models import Prescription
from tests.care.conftest import CareWard

PARACETAMOL = {"drug_code": "3400930000011", "drug_label": "Paracétamol 1 g comprimé"}
MORPHINE = {"drug_code": "3400930000042", "drug_label": "Morphine 10 mg/mL injectable"}
URL = reverse("care:stock", args=["PUI"])


def _pharmacy(care: CareWard) -> Client:
    client = Client()
    client.force_login(care.pharmacist)
    return client


def _row(page: str, label: str) -> str:
    found = re.search(rf"<tr><td>{re.escape(label)}</td>.*?</tr>", page)
    assert found is not None, label
    return found.group(0)


def test_a_refused_outflow_shows_the_error_not_a_success_and_keeps_what_was_typed(
    care_live: CareWard,
) -> None:
    client = _pharmacy(care_live)
    saved = client.post(
        URL,
        {"form": "movement", "kind": "receipt", "quantity": "2", "unit": "tablet"}
        | {"drug_code": "", "new_code": PARACETAMOL["drug_code"], "new_label": "Paracétamol"},
    )
    assert saved.status_code == 302 and "ok=stock-entry" in saved["Location"]
    # The next form is posted from the page that confirmed the first save.
    refused = client.post(
        saved["Location"],
        {"form": "movement", "kind": "dispensation", "quantity": "5", "unit": ""}
        | {"drug_code": PARACETAMOL["drug_code"], "written_at": "2026-11-23T15:10"},
    )
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "Stock insuffisant de Paracétamol : 2 comprimés en stock" in page
    assert "enregistré" not in page.replace("Rien n&#x27;a été enregistré", "")
    assert 'id="m_qty" name="quantity" type="number" min="0" value="5"' in page
    assert f'<option value="{PARACETAMOL["drug_code"]}" selected>Paracétamol</option>' in page
    assert 'value="2026-11-23T15:10"' in page
    assert f'action="{URL}"' in page  # the forms post back to the page, not to its notice
    assert StockEntry.objects.count() == 1


def test_rupture_at_zero_is_worded_apart_from_below_the_threshold(
    care_live: CareWard,
) -> None:
    who = care_live.pharmacist
    stock_actions.set_threshold(actor=who, location="PUI", minimum=10, **PARACETAMOL)
    stock_actions.set_threshold(actor=who, location="PUI", minimum=5, **MORPHINE)
    for drug, unit in ((PARACETAMOL, "tablet"), (MORPHINE, "ampoule")):
        stock_actions.record_stock(
            actor=who, location="PUI", kind="receipt", quantity=20, unit=unit, **drug
        )
    stock_actions.record_stock(
        actor=who, location="PUI", kind="dispensation", quantity=16, **PARACETAMOL
    )
    stock_actions.record_stock(
        actor=who, location="PUI", kind="dispensation", quantity=20, **MORPHINE
    )
    page = _pharmacy(care_live).get(URL).content.decode()
    below = _row(page, PARACETAMOL["drug_label"])
    assert "4 comprimés" in below and "SOUS LE SEUIL" in below and "RUPTURE" not in below
    empty = _row(page, MORPHINE["drug_label"])
    assert "0 ampoule" in empty and "RUPTURE" in empty and "SOUS LE SEUIL" not in empty
    alerts = page[page.index("Alertes de stock") :]
    assert f"{PARACETAMOL['drug_label']} : sous le seuil : 4" in alerts
    assert f"{MORPHINE['drug_label']} : <strong>rupture</strong>" in alerts


def test_a_rupture_raises_its_alert_even_below_the_threshold_already(care_live: CareWard) -> None:
    who = care_live.pharmacist
    stock_actions.set_threshold(actor=who, location="PUI", minimum=10, **MORPHINE)
    stock_actions.record_stock(actor=who, location="PUI", kind="receipt", quantity=12, **MORPHINE)
    stock_actions.record_stock(
        actor=who, location="PUI", kind="dispensation", quantity=4, **MORPHINE
    )
    stock_actions.record_stock(
        actor=who, location="PUI", kind="dispensation", quantity=8, **MORPHINE
    )
    assert list(StockAlert.objects.order_by("pk").values_list("level", flat=True)) == [8, 0]


def test_the_drug_is_picked_by_name_from_prescriptions_and_formulary(
    care_live: CareWard,
) -> None:
    Prescription.objects.create(
        rkey="rx1",
        patient=care_live.ward.lefevre,
        version=1,
        received_at=clock.now(),
        status="active",
        **MORPHINE,
    )
    stock_actions.record_stock(
        actor=care_live.pharmacist, location="2010", kind="receipt", quantity=3, **PARACETAMOL
    )
    client = _pharmacy(care_live)
    page = client.get(URL).content.decode()
    picker = page[page.index('id="m_drug"') : page.index("</select>", page.index('id="m_drug"'))]
    assert f'<option value="{MORPHINE["drug_code"]}">{MORPHINE["drug_label"]}</option>' in picker
    assert f'<option value="{PARACETAMOL["drug_code"]}">' in picker
    assert 'name="drug_label"' not in page  # no label typed beside a code any more
    response = client.post(
        URL,
        {"form": "movement", "kind": "receipt", "quantity": "10", "unit": "ampoule"}
        | {"drug_code": MORPHINE["drug_code"]},
    )
    assert response.status_code == 302
    entry = StockEntry.objects.get(location="PUI")
    assert (entry.drug_code, entry.drug_label, entry.unit) == (
        MORPHINE["drug_code"],
        MORPHINE["drug_label"],
        "ampoule",
    )
    typed = client.post(
        URL, {"form": "movement", "kind": "receipt", "quantity": "1", "drug_code": "999"}
    )
    assert typed.status_code == 400
    assert "choisissez-le dans la liste" in typed.content.decode()


def test_a_movement_in_another_unit_than_the_drugs_is_refused(care_live: CareWard) -> None:
    who = care_live.pharmacist
    stock_actions.record_stock(
        actor=who, location="PUI", kind="receipt", quantity=10, unit="ampoule", **MORPHINE
    )
    with pytest.raises(CareInputError) as caught:
        stock_actions.record_stock(
            actor=who, location="PUI", kind="dispensation", quantity=1, unit="vial", **MORPHINE
        )
    assert caught.value.errors["unit"].startswith(
        f"Unité : {MORPHINE['drug_label']} se compte en ampoules"
    )
    assert stock_queries.levels("PUI")[0].unit_label == "ampoules"
