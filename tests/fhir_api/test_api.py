"""The FHIR read API: resources valid in R4, the screens' scopes, searches, paging, journal."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from autarcie.core.models import JournalEntry
from autarcie.mirror.models import Patient
from tests.fhir_api.conftest import NOTE, bearer
from tests.wards import Ward

pytestmark = pytest.mark.django_db
FHIR_JSON = "application/fhir+json"


def valid(body: dict[str, Any]) -> dict[str, Any]:
    """Validate with an independent R4B model; return the body for further checks."""
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


def get(ward: Ward, url: str, **params: str) -> tuple[int, dict[str, Any]]:
    response = bearer(ward.nurse).get(url, params)
    assert response["Content-Type"].startswith(FHIR_JSON)
    return response.status_code, valid(response.json())


def last(action: str) -> JournalEntry:
    return JournalEntry.objects.filter(action=action).order_by("-seq")[0]


def test_metadata_is_a_capability_statement_without_a_token(ward: Ward) -> None:
    from django.test import Client

    response = Client().get("/fhir/metadata")
    body = valid(response.json())
    assert response.status_code == 200 and body["fhirVersion"] == "4.0.1"
    served = {r["type"] for r in body["rest"][0]["resource"]}
    assert served == {
        "Patient",
        "Encounter",
        "Observation",
        "MedicationRequest",
        "AllergyIntolerance",
        "Condition",
        "DocumentReference",
    }


def test_patient_read_follows_fr_core_and_is_journaled(ward: Ward) -> None:
    status, body = get(ward, f"/fhir/Patient/{ward.lefevre.pk}")
    assert status == 200
    assert body["name"][0] == {"use": "official", "family": "LEFÈVRE", "given": ["MARIE"]}
    assert (body["gender"], body["birthDate"]) == ("female", "1950-03-12")
    assert [i["value"] for i in body["identifier"]] == ["P1"]  # a provisional identity: no INS
    reliability = body["extension"][0]["extension"][0]["valueCoding"]["code"]
    assert reliability == "PROV"
    opened = last("patient.opened")
    assert (opened.target_id, opened.actor_user_id) == (str(ward.lefevre.pk), ward.nurse.pk)
    assert opened.details == {"view": "fhir", "resource": f"Patient/{ward.lefevre.pk}"}


def test_trusted_ins_is_exposed_with_its_system_and_an_untrusted_one_never(ward: Ward) -> None:
    Patient.objects.filter(pk=ward.lefevre.pk).update(
        ins="250031234567890", ins_oid="1.2.250.1.213.1.4.8", ins_trusted=True, statuses="VALI"
    )
    _status, body = get(ward, f"/fhir/Patient/{ward.lefevre.pk}")
    ins = [i for i in body["identifier"] if i["system"] == "urn:oid:1.2.250.1.213.1.4.8"]
    assert [i["value"] for i in ins] == ["250031234567890"]
    assert body["extension"][0]["extension"][0]["valueCoding"]["code"] == "QUAL"
    Patient.objects.filter(pk=ward.lefevre.pk).update(ins_trusted=False)
    _status, body = get(ward, f"/fhir/Patient/{ward.lefevre.pk}")
    assert "250031234567890" not in str(body)
    _status, found = get(ward, "/fhir/Patient", identifier="250031234567890")
    assert found["total"] == 0


def test_patient_search_by_name_family_given_birthdate_identifier_and_id(ward: Ward) -> None:
    nurse = ward.nurse
    client = bearer(nurse)
    searches = [
        {"name": "lefevre"},
        {"name": "lef mar"},
        {"family": "LEFÈVRE"},
        {"given": "mar"},
        {"birthdate": "1950-03-12"},
        {"birthdate": "1950"},
        {"identifier": "P1"},
        {"_id": str(ward.lefevre.pk)},
    ]
    for params in searches:
        body = valid(client.get("/fhir/Patient", params).json())
        ids = [e["resource"]["id"] for e in body.get("entry", [])]
        assert ids == [str(ward.lefevre.pk)], params
    assert valid(client.get("/fhir/Patient", {"given": "lefevre"}).json())["total"] == 0
    assert valid(client.get("/fhir/Patient", {"birthdate": "lt1950"}).json())["total"] == 0


def test_searchset_lists_only_patients_the_user_may_open_and_journals_them(ward: Ward) -> None:
    _status, body = get(ward, "/fhir/Patient", name="martin")
    assert body["total"] == 0  # outside her units: the screens would ask for break-glass
    _status, body = get(ward, "/fhir/Patient")
    assert [e["resource"]["id"] for e in body["entry"]] == [str(ward.lefevre.pk)]
    listed = last("patient.listed")
    assert listed.details["patients"] == [ward.lefevre.pk]
    assert listed.details["resource"] == "Patient"


def test_hidden_identity_is_found_and_read_only_by_its_unit(ward: Ward) -> None:
    outsider = bearer(ward.nurse)
    assert outsider.get("/fhir/Patient", {"name": "secret"}).json()["total"] == 0
    assert outsider.get(f"/fhir/Patient/{ward.hidden.pk}").status_code == 404
    own = bearer(ward.other_nurse)
    found = valid(own.get("/fhir/Patient", {"name": "secret"}).json())
    assert [e["resource"]["id"] for e in found["entry"]] == [str(ward.hidden.pk)]
    read = valid(own.get(f"/fhir/Patient/{ward.hidden.pk}").json())
    assert read["meta"]["security"][0]["code"] == "R"


def test_outside_patient_is_forbidden_and_auditor_reads_no_record(ward: Ward) -> None:
    response = bearer(ward.nurse).get(f"/fhir/Patient/{ward.martin.pk}")
    assert response.status_code == 403
    assert valid(response.json())["issue"][0]["code"] == "forbidden"
    auditor = bearer(ward.auditor).get(f"/fhir/Patient/{ward.lefevre.pk}")
    assert auditor.status_code == 403
    assert bearer(ward.auditor).get("/fhir/Patient").status_code == 403


def test_clinical_searches_by_patient_return_valid_resources(ward: Ward) -> None:
    client = bearer(ward.nurse)
    expected = {
        "Encounter": 1,
        "Observation": 2,
        "MedicationRequest": 2,
        "AllergyIntolerance": 1,
        "Condition": 1,
        "DocumentReference": 1,  # the confidential note is never served
    }
    for rtype, count in expected.items():
        body = valid(client.get(f"/fhir/{rtype}", {"patient": str(ward.lefevre.pk)}).json())
        assert body["total"] == count, rtype
        for entry in body["entry"]:
            valid(entry["resource"])
            assert entry["fullUrl"].endswith(f"/fhir/{rtype}/{entry['resource']['id']}")
    listed = last("patient.listed")
    assert (listed.details["resource"], listed.details["patients"]) == (
        "DocumentReference",
        [ward.lefevre.pk],
    )


def test_document_text_is_a_base64_plain_text_attachment(ward: Ward) -> None:
    _status, body = get(ward, "/fhir/DocumentReference", patient=f"Patient/{ward.lefevre.pk}")
    attachment = body["entry"][0]["resource"]["content"][0]["attachment"]
    assert attachment["contentType"] == "text/plain"
    assert base64.b64decode(attachment["data"]).decode("utf-8") == NOTE


def test_observation_search_by_date_and_code(ward: Ward) -> None:
    pid = str(ward.lefevre.pk)
    _s, recent = get(ward, "/fhir/Observation", patient=pid, date="ge2026-11-01")
    assert [e["resource"]["code"]["coding"][0]["code"] for e in recent["entry"]] == ["2823-3"]
    _s, by_code = get(ward, "/fhir/Observation", patient=pid, code="http://loinc.org|2951-2")
    assert by_code["total"] == 1
    potassium = recent["entry"][0]["resource"]
    assert potassium["valueQuantity"]["value"] == 5.9
    assert potassium["interpretation"][0]["coding"][0]["code"] == "H"


def test_medication_request_search_by_status(ward: Ward) -> None:
    _s, body = get(ward, "/fhir/MedicationRequest", patient=str(ward.lefevre.pk), status="active")
    assert [e["resource"]["status"] for e in body["entry"]] == ["active"]


def test_searchset_pages_with_next_and_previous_links(ward: Ward) -> None:
    client = bearer(ward.nurse)
    first = valid(
        client.get("/fhir/MedicationRequest", {"patient": ward.lefevre.pk, "_count": 1}).json()
    )
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert first["total"] == 2 and len(first["entry"]) == 1 and "previous" not in links
    second = valid(client.get(links["next"]).json())
    links2 = {link["relation"]: link["url"] for link in second["link"]}
    assert "next" not in links2 and "previous" in links2
    assert second["entry"][0]["resource"]["id"] != first["entry"][0]["resource"]["id"]


def test_clinical_resource_read_checks_the_patient_scope(ward: Ward) -> None:
    _s, body = get(ward, "/fhir/Observation", patient=str(ward.lefevre.pk))
    rid = body["entry"][0]["resource"]["id"]
    status, read = get(ward, f"/fhir/Observation/{rid}")
    assert status == 200 and read["id"] == rid
    assert last("patient.opened").details["resource"] == f"Observation/{rid}"
    assert bearer(ward.other_nurse).get(f"/fhir/Observation/{rid}").status_code == 403


@pytest.mark.parametrize(
    ("url", "params", "status", "code"),
    [
        ("/fhir/Observation", {}, 400, "invalid"),
        ("/fhir/Observation", {"patient": "{p}", "date": "yesterday"}, 400, "invalid"),
        ("/fhir/Patient", {"gender": "female"}, 400, "not-supported"),
        ("/fhir/Patient", {"_count": "-1"}, 400, "invalid"),
        ("/fhir/MedicationRequest", {"patient": "{p}", "status": "bogus"}, 400, "invalid"),
        ("/fhir/Patient/999999", {}, 404, "not-found"),
        ("/fhir/Patient/abc", {}, 404, "not-found"),
        ("/fhir/Practitioner", {}, 404, "not-supported"),
        ("/fhir/Patient/1/_history", {}, 404, "not-found"),
        ("/fhir/metadata", {"_format": "xml"}, 406, "not-supported"),
    ],
)
def test_errors_are_operation_outcomes(
    ward: Ward, url: str, params: dict[str, str], status: int, code: str
) -> None:
    # "{p}" is a patient the nurse may open: ids differ between database engines.
    params = {k: v.replace("{p}", str(ward.lefevre.pk)) for k, v in params.items()}
    response = bearer(ward.nurse).get(url, params)
    assert response.status_code == status
    assert response["Content-Type"].startswith(FHIR_JSON)
    assert valid(response.json())["issue"][0]["code"] == code


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_get_405_operation_outcome_even_without_csrf(ward: Ward, method: str) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer whatever")
    response = getattr(client, method)("/fhir/Patient", data="{}", content_type=FHIR_JSON)
    assert response.status_code == 405
    assert valid(response.json())["issue"][0]["code"] == "not-supported"
