"""Care screens: access first, forms that refuse bad input clearly, census with origins."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from autarcie.care import bed_actions
from autarcie.care.models import CareEntry, TempPatient
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
