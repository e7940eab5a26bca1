"""The FHIR API shows each code with its system, searches ``system|code`` on both, and serves
the documents and results the HL7 feed replaced, corrected or withdrew as the feed left them."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from autarcie.formats.codes import ATC, LOINC, SNOMED, UCUM
from tests.fhir_api.test_api import get
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import feed, messages
from tests.wards import Ward

pytestmark = pytest.mark.django_db


def _fed(ward: Ward, name: str, count: int | None = None) -> str:
    raws = messages(name)[:count]
    assert [o.code for o in feed(raws)] == ["AA"] * len(raws)
    return str(ward.lefevre.pk)


def _codes(ward: Ward, rtype: str, **params: str) -> list[str]:
    _status, body = get(ward, f"/fhir/{rtype}", **params)
    return sorted(e["resource"]["code"]["coding"][0]["code"] for e in body.get("entry", []))


def _observation(ward: Ward, pid: str, code: str) -> dict[str, Any]:
    _status, body = get(ward, "/fhir/Observation", patient=pid, code=code)
    assert body["total"] == 1, body
    resource: dict[str, Any] = body["entry"][0]["resource"]
    return resource


def test_loinc_code_from_hl7_is_served_with_the_loinc_system(ward: Ward) -> None:
    pid = _fed(ward, "oru_F_C_D_coded.hl7", 1)
    glucose = _observation(ward, pid, "2345-7")
    assert glucose["code"]["coding"][0]["system"] == LOINC
    assert glucose["valueQuantity"] == {
        "value": 5.4,
        "unit": "mmol/L",
        "system": UCUM,
        "code": "mmol/L",
    }


def test_local_unit_keeps_its_text_and_no_ucum_system(ward: Ward) -> None:
    pid = _fed(ward, "oru_F_C_D_coded.hl7", 1)
    local = _observation(ward, pid, "GLYC-L")
    assert local["valueQuantity"] == {"value": 6.1, "unit": "UI/L"}
    # "L" is a local table with no URI: no FHIR system is made up for it.
    assert "system" not in local["code"]["coding"][0]


def test_code_search_compares_the_system_too(ward: Ward) -> None:
    pid = _fed(ward, "oru_F_C_D_coded.hl7", 1)
    assert _codes(ward, "Observation", patient=pid, code=f"{LOINC}|2345-7") == ["2345-7"]
    assert _codes(ward, "Observation", patient=pid, code="http://snomed.info/sct|2345-7") == []
    assert _codes(ward, "Observation", patient=pid, code="2345-7") == ["2345-7"]
    assert _codes(ward, "Observation", patient=pid, code="|GLYC-L") == []
    loinc = _codes(ward, "Observation", patient=pid, code=f"{LOINC}|")
    assert "2345-7" in loinc and "GLYC-L" not in loinc


def test_corrected_result_is_served_corrected_and_deleted_one_is_gone(ward: Ward) -> None:
    pid = _fed(ward, "oru_F_C_D_coded.hl7")
    _status, body = get(ward, "/fhir/Observation", patient=pid, code=f"{LOINC}|2823-3")
    served = {
        (e["resource"]["status"], e["resource"]["valueQuantity"]["value"]) for e in body["entry"]
    }
    # The ward's own earlier potassium, and ours once: its corrected value, not 5.9 again.
    assert sorted(served) == [("corrected", 4.1), ("final", 5.9)]
    assert body["total"] == 2
    assert _codes(ward, "Observation", patient=pid, code="2345-7") == []


def _documents(ward: Ward, pid: str) -> list[dict[str, Any]]:
    _status, body = get(ward, "/fhir/DocumentReference", patient=pid, type=f"{LOINC}|18748-4")
    return [e["resource"] for e in body.get("entry", [])]


def test_replaced_document_is_served_in_its_new_version_then_cancelled(ward: Ward) -> None:
    pid = _fed(ward, "cisis_mdm_T02_T10_T11.hl7", 2)
    [document] = _documents(ward, pid)
    assert document["type"]["coding"][0]["system"] == LOINC
    assert document["status"] == "current"
    text = base64.b64decode(document["content"][0]["attachment"]["data"]).decode()
    assert "pneumopathie gauche" in text and "droite" not in text
    _fed(ward, "cisis_mdm_T02_T10_T11.hl7")
    assert _documents(ward, pid) == []


def test_allergy_code_search_compares_the_system(ward: Ward) -> None:
    a31 = adt("A31", "AL-1", ipp="P1", nda="N1", family="LEFÈVRE", given="MARIE")
    al1 = b"AL1|1|DA|J01CA04^Amoxicilline^ATC|SV|urticaire\r"
    assert feed([a31 + al1])[0].code == "AA"
    pid = str(ward.lefevre.pk)
    assert _codes(ward, "AllergyIntolerance", patient=pid, code=f"{ATC}|J01CA04") == ["J01CA04"]
    assert _codes(ward, "AllergyIntolerance", patient=pid, code=f"{SNOMED}|J01CA04") == []
    assert _codes(ward, "AllergyIntolerance", patient=pid, code="|PENI") == ["PENI"]
    assert _codes(ward, "AllergyIntolerance", patient=pid, code=f"{ATC}|") == ["J01CA04"]
