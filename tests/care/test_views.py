"""Care screens: access first, forms that refuse bad input clearly, census with origins."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from autarcie.care import actions, bed_actions, stock_actions, stock_queries
from autarcie.care.models import CareEntry, EntryKind, TempPatient
from autarcie.care.queries import Subject
from autarcie.care.views import SHOWN_PER_KIND
from autarcie.core.models import JournalEntry
from tests.care.conftest import CareWard
from tests.factories import PASSWORD


def _client(username: str) -> Client:
    client = Client()
    response = client.post("/connexion/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_admission_form_admits_and_the_care_census_shows_the_origin(
    care_live: CareWard,
) -> None:
    client = _client("secr.cardio")
    response = client.post(
        reverse("care:admit", args=["2010"]),
        {
            "tempid": care_live.tempids[0],
            "birth_family": "NOUVEAU",
            "given": "Jules",
            "sex": "M",
            "room": "14",
            "bed": "1",
        },
    )
    temp = TempPatient.objects.get()
    assert response.headers["Location"] == reverse("care:subject", args=["temp", temp.pk])
    page = client.get(reverse("care:census", args=["2010"])).content.decode()
    assert "NOUVEAU" in page and "saisie mode dégradé" in page and "miroir" in page
    listed = JournalEntry.objects.filter(action="patient.listed").latest("seq")
    assert listed.details["temp_patients"] == [temp.pk]


def test_a_bad_form_is_refused_with_its_message_and_nothing_saved(care_live: CareWard) -> None:
    client = _client("dr.cardio")
    url = reverse("care:record", args=["patient", care_live.ward.lefevre.pk, "passage"])
    response = client.post(
        url, {"entry": "2026-11-23T09:00", "entry_mode": "8", "exit_mode": "8", "destination": "2"}
    )
    assert response.status_code == 400
    assert "Mode de sortie 8 (domicile)" in response.content.decode()
    assert not CareEntry.objects.exists()


def test_a_pharmacist_sees_stock_but_not_patient_records(care_live: CareWard) -> None:
    client = _client("pharma")
    record = reverse("care:subject", args=["patient", care_live.ward.lefevre.pk])
    assert client.get(record).status_code == 403
    assert client.get(reverse("care:census", args=["2010"])).status_code == 403
    assert client.get(reverse("care:stock", args=["PUI"])).status_code == 200


def test_a_nurse_cannot_open_a_patient_outside_her_units(care_live: CareWard) -> None:
    client = _client("ide.cardio")
    assert (
        client.get(reverse("care:subject", args=["patient", care_live.ward.martin.pk])).status_code
        == 403
    )
    assert (
        client.get(reverse("care:subject", args=["patient", care_live.ward.hidden.pk])).status_code
        == 404
    )


def test_the_beds_csv_is_downloaded_and_journaled(care_live: CareWard) -> None:
    bed_actions.configure_critical_unit(
        actor="system:test", unit=care_live.ward.cardio, ror_category="262", installed=6
    )
    response = _client("dr.cardio").get(reverse("care:beds_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "2010;Cardiologie;262;USIC;6" in response.content.decode()
    assert JournalEntry.objects.filter(action="care.beds_exported").exists()


def _notes(care_live: CareWard, texts: list[str]) -> None:
    subject = Subject(patient=care_live.ward.lefevre)
    for text in texts:
        actions.record_entry(
            actor=care_live.physician,
            subject=subject,
            kind=EntryKind.NOTE,
            data={"category": "medical", "text": text},
        )


def test_the_record_page_shows_the_latest_entries_and_offers_the_rest(
    care_live: CareWard,
) -> None:
    _notes(care_live, [f"note numéro {n:03d}" for n in range(SHOWN_PER_KIND + 3)])
    client = _client("dr.cardio")
    record = reverse("care:subject", args=["patient", care_live.ward.lefevre.pk])
    page = client.get(record).content.decode()
    newest, oldest = f"note numéro {SHOWN_PER_KIND + 2:03d}", "note numéro 000"
    assert newest in page and oldest not in page
    assert "3 saisies plus anciennes ne sont pas affichées" in page
    everything = client.get(record, {"tout": "1"}).content.decode()
    assert oldest in everything and "plus anciennes" not in everything


def test_the_record_page_escapes_what_was_typed(care_live: CareWard) -> None:
    _notes(care_live, ['<script>alert("x")</script> & <b>gras</b>'])
    page = _client("dr.cardio").get(
        reverse("care:subject", args=["patient", care_live.ward.lefevre.pk])
    )
    text = page.content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;" in text
    assert "<script>alert" not in text and "<b>gras</b>" not in text
    entry = CareEntry.objects.get()
    assert reverse("care:correct", args=[entry.pk]) in text


def test_a_stock_movement_is_corrected_from_the_form_on_its_row(care_live: CareWard) -> None:
    drug = {"drug_code": "3400930000011", "drug_label": "Paracétamol 1 g"}
    entry = stock_actions.record_stock(
        actor=care_live.pharmacist, location="PUI", kind="receipt", quantity=20, **drug
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(care_live.pharmacist)
    page = client.get(reverse("care:stock", args=["PUI"])).content.decode()
    action = reverse("care:stock_correct", args=[entry.pk])
    row = page[page.index(f'action="{action}"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row)
    assert token is not None
    response = client.post(
        action,
        {"csrfmiddlewaretoken": token.group(1), "quantity": "12", "reason": "bon relu"},
    )
    assert response.status_code == 302
    assert stock_queries.level("PUI", drug["drug_code"]) == 12
    page = client.get(response["Location"]).content.decode()
    assert "v2 — bon relu" in page and "Réception" in page
