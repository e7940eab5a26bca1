"""Immunizations from the FHIR feed are kept with their versions and listed on the summary."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from autarcie.mirror.fhir_import import import_paths
from autarcie.mirror.models import Immunization, Version
from tests.allergy_feeds import SYSTEM
from tests.factories import PASSWORD
from tests.wards import Ward

pytestmark = pytest.mark.django_db


def _immunization(rid: str, label: str, **more: Any) -> dict[str, Any]:
    return {
        "resourceType": "Immunization",
        "id": rid,
        "status": "completed",
        "vaccineCode": {"text": label},
        "patient": {"reference": f"Patient?identifier={SYSTEM}|P1"},
        **more,
    }


def _section(patient_pk: int) -> str:
    client = Client()
    client.post("/connexion/", {"username": "ide.cardio", "password": PASSWORD})
    page = client.get(reverse("viewer:patient", args=[patient_pk])).content.decode()
    found = re.search(r"<h2>Vaccinations</h2>(.*?)</section>", page, re.S)
    assert found is not None
    return found.group(1)


def test_an_immunization_is_listed_on_the_summary_with_its_date(ward: Ward, tmp_path: Path) -> None:
    assert "Aucune vaccination reçue." in _section(ward.lefevre.pk)
    given = _immunization("imm-flu", "Vaccin antigrippal", occurrenceDateTime="2026-10-15")
    single = tmp_path / "grippe.json"
    single.write_text(json.dumps(given, indent=2), encoding="utf-8")
    refused = _immunization("imm-dtp", "DTP", status="not-done")
    wrong = _immunization("imm-err", "Saisie erronée", status="entered-in-error")
    more = tmp_path / "Immunization.ndjson"
    more.write_text("".join(json.dumps(x) + "\n" for x in (refused, wrong)), encoding="utf-8")
    summary = import_paths([single, more])
    assert summary.of("Immunization").projected == 3, summary.lines()
    section = _section(ward.lefevre.pk)
    assert "15/10/2026" in section and "Vaccin antigrippal" in section
    assert "DTP" in section and "non faite" in section
    assert "Saisie erronée" not in section


def test_a_changed_immunization_keeps_its_previous_version(ward: Ward, tmp_path: Path) -> None:
    path = tmp_path / "Immunization.ndjson"
    first = _immunization("imm-flu", "Vaccin antigrippal", occurrenceDateTime="2026-10-15")
    path.write_text(json.dumps(first) + "\n", encoding="utf-8")
    import_paths([path])
    fixed = {**first, "lotNumber": "LOT-2"}
    path.write_text(json.dumps(fixed) + "\n", encoding="utf-8")
    import_paths([path])
    row = Immunization.objects.get()
    assert (row.patient_id, row.lot_number, row.version) == (ward.lefevre.pk, "LOT-2", 2)
    versions = Version.objects.filter(rtype="Immunization", rkey=row.rkey).order_by("version")
    assert [v.data["lot_number"] for v in versions] == ["", "LOT-2"]
