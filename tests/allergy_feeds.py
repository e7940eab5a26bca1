"""The same allergies sent by both feeds, through the real ingest paths (HL7 MLLP batch, FHIR
NDJSON import), for the ward's patients."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from autarcie.mirror.fhir_import import import_paths
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed

# How the HL7 patients' assigning authority is written as a FHIR identifier system.
SYSTEM = "1.2.250.1.71.4.2.2.123456789"
SNOMED = "http://snomed.info/sct"
CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"

# Mme Lefèvre's allergies as the HIS's ADT feed sends them: a local code, HL7 table codes.
LEFEVRE_AL1 = (
    "AL1|1|DA^Allergie médicamenteuse^HL70127|PENI^PENICILLINE^L|MO|Urticaire~Œdème de Quincke",
    "AL1|2|EA|LATEX^Latex^L|MI|Prurit",
)


def hl7_allergies(ipp: str, control: str, al1: tuple[str, ...], at: dt.datetime = T0) -> None:
    """An A31 (patient information update) carrying ``al1`` for one of the ward's patients."""
    people = {
        "P1": ("LEFÈVRE", "MARIE", "19500312", "F"),
        "P2": ("MARTIN", "PAUL", "19621103", "M"),
    }
    family, given, birth, sex = people[ipp]
    raw = adt("A31", control, ipp=ipp, family=family, given=given, birth=birth, sex=sex)
    outcomes = feed([raw + "".join(f"{segment}\r" for segment in al1).encode()], at=at)
    assert [o.code for o in outcomes] == ["AA"], outcomes


def allergy_intolerance(ipp: str, rid: str, code: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "id": rid,
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "code": code,
        "patient": {"reference": f"Patient?identifier={SYSTEM}|{ipp}"},
        **more,
    }


def penicillin_fhir(ipp: str = "P1") -> dict[str, Any]:
    """The same penicillin allergy from the FHIR feed: SNOMED coded, FHIR's own codes."""
    return allergy_intolerance(
        ipp,
        f"all-{ipp}-peni",
        {
            "coding": [{"system": SNOMED, "code": "764146007", "display": "Penicillin"}],
            "text": "Pénicilline",
        },
        category=["medication"],
        criticality="high",
        reaction=[{"manifestation": [{"text": "urticaire"}], "severity": "moderate"}],
    )


def no_known_allergy_fhir(ipp: str) -> dict[str, Any]:
    return allergy_intolerance(
        ipp,
        f"all-{ipp}-nka",
        {"coding": [{"system": SNOMED, "code": "716186003", "display": "No known allergy"}]},
    )


def fhir_import(folder: Path, *resources: dict[str, Any]) -> None:
    path = folder / "AllergyIntolerance.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in resources), encoding="utf-8")
    summary = import_paths([path])
    assert summary.total("rejected") == 0 and summary.total("held") == 0, summary.lines()


def feed_lefevre_both_ways(folder: Path) -> None:
    """Mme Lefèvre's penicillin allergy by HL7 then FHIR; her latex allergy by HL7 only."""
    hl7_allergies("P1", "AL1-P1", LEFEVRE_AL1)
    fhir_import(folder, penicillin_fhir("P1"))
