"""Numbers typed the French way (12,5) are accepted, stored with a point, shown with a comma."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from autarcie.care import actions
from autarcie.care.fields import CareInputError, normalise_measure, parse_decimal
from autarcie.care.models import CareEntry, EntryKind
from autarcie.care.queries import Subject
from tests.care.conftest import CareWard
from tests.factories import PASSWORD


def _client(username: str) -> Client:
    client = Client()
    response = client.post("/connexion/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_vitals_typed_with_a_decimal_comma_are_saved_and_shown_with_it(care: CareWard) -> None:
    client = _client("ide.cardio")
    lefevre = care.ward.lefevre.pk
    url = reverse("care:record", args=["patient", lefevre, "vitals"])
    form = client.get(url).content.decode()
    assert 'name="temperature" type="text" value="" inputmode="decimal"' in form
    response = client.post(url, {"temperature": "38,2", "heart_rate": "96"})
    assert response.status_code == 302
    entry = CareEntry.objects.get(kind=EntryKind.VITALS)
    assert entry.data["temperature"] == "38.2"  # exchanged with other systems with a point
    record = client.get(reverse("care:subject", args=["patient", lefevre])).content.decode()
    assert "Température (°C) : 38,2" in record
    summary = client.get(reverse("viewer:patient", args=[lefevre])).content.decode()
    assert "<strong>38,2</strong> °C" in summary
    correction = client.get(reverse("care:correct", args=[entry.pk])).content.decode()
    assert 'name="temperature" type="text" value="38,2"' in correction


def test_the_same_vitals_with_a_point_are_accepted_too(care: CareWard) -> None:
    response = _client("ide.cardio").post(
        reverse("care:record", args=["patient", care.ward.lefevre.pk, "vitals"]),
        {"temperature": "38.2"},
    )
    assert response.status_code == 302
    assert CareEntry.objects.get(kind=EntryKind.VITALS).data["temperature"] == "38.2"


def test_a_paper_result_and_a_dose_keep_their_value_and_read_back_with_a_comma(
    care: CareWard,
) -> None:
    subject = Subject(patient=care.ward.lefevre)
    result = actions.record_entry(
        actor=care.ward.nurse,
        subject=subject,
        kind=EntryKind.RESULT,
        data={"document": "fax n° 12", "test_label": "Kaliémie", "value": "5,9", "unit": "mmol/L"},
    )
    assert result.data["value"] == "5.9"
    text = _client("ide.cardio").get(
        reverse("care:subject", args=["patient", care.ward.lefevre.pk])
    )
    assert "Valeur : 5,9" in text.content.decode()
    assert normalise_measure("0,5 mg") == "0.5 mg"
    assert normalise_measure("< 0,5") == "< 0.5"
    assert normalise_measure("positif") == "positif"


def test_a_number_that_is_not_one_is_refused_with_an_example(care: CareWard) -> None:
    with pytest.raises(CareInputError) as refused:
        actions.record_entry(
            actor=care.ward.nurse,
            subject=Subject(patient=care.ward.lefevre),
            kind=EntryKind.VITALS,
            data={"temperature": "38,2,1"},
        )
    assert refused.value.errors["temperature"] == (
        "Température (°C) : nombre attendu (par exemple 12,5)"
    )
    assert str(parse_decimal(" 12,5 ")) == "12.5"
