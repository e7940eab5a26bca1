"""AllergyIntolerance through the FHIR API: one resource per allergy whatever the feeds that sent
it, with FHIR's codes (criticality, category, reaction severity), never HL7's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from autarcie.mirror.models import Allergy
from tests.allergy_feeds import SNOMED, feed_lefevre_both_ways, fhir_import, no_known_allergy_fhir
from tests.fhir_api.conftest import bearer
from tests.wards import Ward, build_ward


@pytest.fixture
def fed_ward(db: None) -> Ward:
    """The small ward without the API tests' hand-made items: allergies come from the feeds."""
    return build_ward()


def _valid(body: dict[str, Any]) -> dict[str, Any]:
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


def _search(ward: Ward, patient_pk: int) -> dict[str, Any]:
    response = bearer(ward.nurse).get("/fhir/AllergyIntolerance", {"patient": str(patient_pk)})
    assert response.status_code == 200
    return _valid(response.json())


def test_an_allergy_sent_by_hl7_and_fhir_is_one_resource_with_fhir_codes(
    fed_ward: Ward, tmp_path: Path
) -> None:
    feed_lefevre_both_ways(tmp_path)
    body = _search(fed_ward, fed_ward.lefevre.pk)
    assert body["total"] == 2
    found = {e["resource"]["code"]["text"]: _valid(e["resource"]) for e in body["entry"]}
    assert sorted(found) == ["Latex", "Pénicilline"]
    peni = found["Pénicilline"]
    assert peni["code"]["coding"] == [
        {"system": SNOMED, "code": "764146007", "display": "Pénicilline"}
    ]
    assert (peni["criticality"], peni["category"]) == ("high", ["medication"])
    assert peni["reaction"] == [
        {
            "manifestation": [{"text": "urticaire"}, {"text": "Œdème de Quincke"}],
            "severity": "severe",
        }
    ]
    latex = found["Latex"]
    assert (latex["criticality"], latex["category"]) == ("low", ["environment"])
    assert latex["reaction"][0]["severity"] == "mild"
    served = json.dumps(body)
    for hl7_code in ('"SV"', '"MO"', '"MI"', '"DA"', '"EA"', '"L"'):
        assert hl7_code not in served


def test_a_reconciled_allergy_is_read_by_its_id_and_its_other_rows_are_gone(
    fed_ward: Ward, tmp_path: Path
) -> None:
    feed_lefevre_both_ways(tmp_path)
    rows = Allergy.objects.filter(patient=fed_ward.lefevre, label__icontains="nicilline")
    first, merged = rows.order_by("pk").values_list("pk", flat=True)
    client = bearer(fed_ward.nurse)
    read = client.get(f"/fhir/AllergyIntolerance/{first}")
    assert read.status_code == 200
    assert _valid(read.json())["id"] == str(first)
    assert client.get(f"/fhir/AllergyIntolerance/{merged}").status_code == 404


def test_no_known_allergy_is_one_statement_and_nothing_received_is_none(
    fed_ward: Ward, tmp_path: Path
) -> None:
    assert _search(fed_ward, fed_ward.lefevre.pk)["total"] == 0
    fhir_import(tmp_path, no_known_allergy_fhir("P1"))
    body = _search(fed_ward, fed_ward.lefevre.pk)
    assert body["total"] == 1
    statement = body["entry"][0]["resource"]
    assert statement["code"]["coding"][0] == {
        "system": SNOMED,
        "code": "716186003",
        "display": "No known allergy",
    }
    assert "criticality" not in statement and "reaction" not in statement
