"""The pure FHIR mapping on hand-written FR Core resources and on the Synthea sample set."""

from __future__ import annotations

from typing import Any

import pytest

from autarcie.mirror.fhir_map import (
    MappingError,
    Options,
    PatientOp,
    StoreOnly,
    Unresolved,
    authority_of,
    map_resource,
)
from tests.mirror_fhir.conftest import FR_CORE, SAMPLE, resources


def _none(_ref: str) -> str | None:
    return None


def _patient(resource: dict[str, Any], options: Options | None = None) -> Any:
    mapped = map_resource(resource, _none, options)
    assert isinstance(mapped, list)
    op = mapped[0]
    assert isinstance(op, PatientOp)
    return op.record


def test_finess_based_oid_roots_give_the_authority_hl7_uses() -> None:
    assert authority_of("urn:oid:1.2.250.1.71.4.2.7.999000017") == "999000017"
    assert authority_of("urn:oid:1.2.3.4") == "1.2.3.4"
    assert authority_of("http://hospital.example/ipp") == "http://hospital.example/ipp"


def test_ins_is_trusted_only_for_a_qualified_identity() -> None:
    qual, vali, cach, _conf = resources(FR_CORE / "Patient.ndjson")
    assert _patient(qual).ins_trusted
    record = _patient(vali)
    assert record.ins == "180017512345698" and not record.ins_trusted
    assert record.statuses == ("VALI",)
    assert _patient(cach).statuses == ("PROV", "CACH") and _patient(cach).hidden


def test_hl7_spellings_of_an_ans_oid_authority_give_the_same_key() -> None:
    assert authority_of("1.2.250.1.71.4.2.2.999000017") == "999000017"  # bare OID, as in CX-4
    assert authority_of("urn:oid:1.2.250.1.71.4.2.2.999000017") == "999000017"


def test_identifiers_are_kept_as_received_and_a_text_name_is_a_name() -> None:
    pi = {"coding": [{"code": "PI"}]}
    resource = {
        "resourceType": "Patient",
        "id": "p",
        "identifier": [
            {"type": pi, "system": "urn:oid:1.2.250.1.71.4.2.7.999000017", "value": "42"},
            {"system": "urn:oid:1.2.250.1.213.1.4.10", "value": "279035121518989"},
        ],
        "name": [{"text": "Jean DUPONT"}],
    }
    record = _patient(resource)
    assert record.rkey == "999000017|42"
    assert [(i.system, i.value, i.type_code) for i in record.identifiers] == [
        ("urn:oid:1.2.250.1.71.4.2.7.999000017", "42", "PI")
    ]  # the INS is kept apart, trusted only when qualified
    assert record.birth_family == "Jean DUPONT"


def test_hospital_ipp_system_is_accepted_without_a_pi_type() -> None:
    resource = {
        "resourceType": "Patient",
        "id": "p",
        "identifier": [{"system": "https://his.example/ipp", "value": "42"}],
    }
    with pytest.raises(MappingError):
        map_resource(resource, _none)
    record = _patient(resource, Options(frozenset({"https://his.example/ipp"})))
    assert record.rkey == "https://his.example/ipp|42"


def test_every_synthea_patient_maps_with_its_mr_number_as_ipp() -> None:
    for resource in resources(SAMPLE / "Patient.000.ndjson.gz"):
        record = _patient(resource)
        assert record.authority == "http://hospital.smarthealthit.org"
        assert record.ipp == resource["id"] and not record.ins


def test_reference_to_a_patient_not_received_is_unresolved() -> None:
    condition = resources(FR_CORE / "Condition.ndjson")[0]
    assert isinstance(map_resource(condition, _none), Unresolved)
    known: dict[str, str] = {"Patient/pat-qual": "A|1"}
    mapped = map_resource(condition, known.get)
    assert isinstance(mapped, list)


def test_other_types_are_kept_and_unknown_types_rejected() -> None:
    assert map_resource({"resourceType": "Procedure", "id": "i"}, _none) == StoreOnly(
        "Procedure", "i"
    )
    with pytest.raises(MappingError, match="unknown resourceType"):
        map_resource({"resourceType": "Spaceship", "id": "s"}, _none)
    with pytest.raises(MappingError, match="without id"):
        map_resource({"resourceType": "Patient"}, _none)


def test_invalid_date_is_rejected_without_echoing_the_value() -> None:
    qual = resources(FR_CORE / "Patient.ndjson")[0]
    qual["birthDate"] = "1980-13-45"
    with pytest.raises(MappingError) as caught:
        map_resource(qual, _none)
    assert "1980" not in str(caught.value)


def test_fr_core_fixtures_are_valid_r4b_resources() -> None:
    from fhir.resources.R4B import get_fhir_model_class

    for path in sorted(FR_CORE.glob("*.ndjson")):
        for resource in resources(path):
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
