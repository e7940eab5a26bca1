"""What each feed records of an allergy for the read model to reconcile: the code's system, a
readable reaction, the severity as one scale."""

from __future__ import annotations

from typing import Any

from autarcie.mirror import records as r
from autarcie.mirror.fhir_map import ClinicalOp, map_resource
from autarcie.mirror.hl7 import MovementEvent, interpret, parse_message
from autarcie.mirror.hl7_apply import allergy_record
from tests.mirror.builders import adt, pid, pv1, zbe

SNOMED = "http://snomed.info/sct"


def _fhir_allergy(**fields: Any) -> r.AllergyRecord:
    resource = {
        "resourceType": "AllergyIntolerance",
        "id": "a",
        "patient": {"reference": "Patient/p"},
        "code": {"coding": [{"system": SNOMED, "code": "764146007"}], "text": "Pénicilline"},
        **fields,
    }
    mapped = map_resource(resource, lambda ref: "AUTH|P1" if ref == "Patient/p" else None)
    assert isinstance(mapped, list) and isinstance(mapped[0], ClinicalOp)
    record = mapped[0].record
    assert isinstance(record, r.AllergyRecord)
    return record


def test_a_fhir_allergy_keeps_its_code_system() -> None:
    record = _fhir_allergy()
    assert (record.code, record.system, record.label) == ("764146007", SNOMED, "Pénicilline")


def test_a_fhir_allergy_takes_the_most_severe_of_criticality_and_reactions() -> None:
    reactions = [
        {"manifestation": [{"text": "Prurit"}], "severity": "mild"},
        {"manifestation": [{"text": "Œdème"}], "severity": "severe"},
    ]
    assert _fhir_allergy(criticality="low", reaction=reactions).severity == "SV"
    moderate = [{"manifestation": [{"text": "Urticaire"}], "severity": "moderate"}]
    assert _fhir_allergy(criticality="low", reaction=moderate).severity == "MO"
    assert _fhir_allergy(criticality="high").severity == "SV"
    assert _fhir_allergy(criticality="unable-to-assess").severity == ""


def test_an_hl7_allergy_keeps_its_code_system_and_reads_a_coded_reaction_by_its_text() -> None:
    al1 = "AL1|1|DA|J01CA04^Amoxicilline^ATC|SV|URT^Urticaire~Prurit"
    event = interpret(parse_message(adt("A01", pid(), pv1(), zbe(), al1)))
    assert isinstance(event, MovementEvent)
    record = allergy_record(event.allergies[0], "AUTH|P1")
    assert (record.code, record.system, record.severity) == ("J01CA04", "ATC", "SV")
    assert record.reaction == "Urticaire, Prurit"
