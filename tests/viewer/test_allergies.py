"""Allergies on the summary page and the census, fed through both real feeds (HL7 ADT with AL1,
FHIR AllergyIntolerance): one entry per allergy, in French, and three visibly different states."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from autarcie.chart import queries
from autarcie.mirror.models import Allergy, Inbound, Patient, Version
from tests.allergy_feeds import (
    feed_lefevre_both_ways,
    fhir_import,
    hl7_allergies,
    no_known_allergy_fhir,
)
from tests.factories import PASSWORD
from tests.wards import Ward


def _page(patient: Patient, username: str = "ide.cardio") -> str:
    client = Client()
    login = client.post("/connexion/", {"username": username, "password": PASSWORD})
    assert login.status_code == 302
    response = client.get(reverse("viewer:patient", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _allergy_section(page: str) -> str:
    found = re.search(r'<section class="card allergies">(.*?)</section>', page, re.S)
    assert found is not None
    return found.group(1)


@pytest.mark.django_db
def test_an_allergy_sent_by_hl7_and_fhir_is_shown_once_in_french(
    ward: Ward, tmp_path: Path
) -> None:
    feed_lefevre_both_ways(tmp_path)
    section = _allergy_section(_page(ward.lefevre))
    items = re.findall(r'<li class="allergy">(.*?)</li>', section)
    assert items == [
        "<strong>Latex</strong> (environnement) — légère — Prurit",
        "<strong>Pénicilline</strong> (médicament) — sévère — urticaire, Œdème de Quincke",
    ]
    assert not re.search(r"\b(SV|MO|MI|DA|EA)\b", section)


@pytest.mark.django_db
def test_both_feeds_versions_and_raw_messages_are_kept(ward: Ward, tmp_path: Path) -> None:
    feed_lefevre_both_ways(tmp_path)
    rows = Allergy.objects.filter(patient=ward.lefevre)
    assert rows.count() == 3  # reconciled when read, never by dropping what was received
    versions = Version.objects.filter(rtype="Allergy").values_list("feed", flat=True)
    assert sorted(versions) == ["fhir", "hl7", "hl7"]
    assert Inbound.objects.filter(feed="fhir").exists()


@pytest.mark.django_db
def test_a_no_known_allergy_statement_differs_from_nothing_received(
    ward: Ward, tmp_path: Path
) -> None:
    nothing = _allergy_section(_page(ward.lefevre))
    assert '<p class="allergy-status not_recorded">Allergies non renseignées</p>' in nothing
    assert "Aucune allergie" not in nothing
    fhir_import(tmp_path, no_known_allergy_fhir("P1"))
    said = _allergy_section(_page(ward.lefevre))
    assert '<p class="allergy-status none_known">Aucune allergie connue</p>' in said
    assert "<li" not in said and "No known" not in said and "non renseignées" not in said
    hl7_allergies("P2", "NKA-P2", ("AL1|1||NKA^Aucune allergie connue^L",))
    by_hl7 = _allergy_section(_page(ward.martin, "ide.pneumo"))
    assert '<p class="allergy-status none_known">Aucune allergie connue</p>' in by_hl7


@pytest.mark.django_db
def test_the_census_badges_a_listed_allergy_not_a_no_known_allergy_statement(
    ward: Ward, tmp_path: Path
) -> None:
    fhir_import(tmp_path, no_known_allergy_fhir("P1"))
    assert [r.allergy for r in queries.census("2010")] == [False]
    hl7_allergies("P1", "AL1-P1", ("AL1|1|DA|PENI^Pénicilline^L|SV",))
    assert [r.allergy for r in queries.census("2010")] == [True]
