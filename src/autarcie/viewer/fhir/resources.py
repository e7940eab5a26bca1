"""Mirror projections as FHIR R4 resources (FR Core for the patient); pure builders."""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

from autarcie.chart.allergies import ReconciledAllergy
from autarcie.formats.codes import LOINC, UCUM, system_uri
from autarcie.mirror.models import (
    Condition,
    Document,
    Patient,
    Prescription,
    Result,
    Stay,
)
from autarcie.mirror.records import (
    ReceivedIdentifier,
    identifiers_from_json,
    is_ins_authority,
    system_of_key,
)

Json = dict[str, Any]

FR_CORE = "https://hl7.fr/ig/fhir/core"
IDENTITY_RELIABILITY = f"{FR_CORE}/StructureDefinition/fr-core-identity-reliability"
IDENTITY_STATUS = f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status"
FR_IDENTIFIER_TYPE = f"{FR_CORE}/CodeSystem/fr-core-cs-v2-0203"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
INS_NIR_OID = "1.2.250.1.213.1.4.8"
# INS kinds by OID (FR Core identifier slices): type code and identifier use.
INS_KINDS = {
    "1.2.250.1.213.1.4.8": ("INS-NIR", "official"),
    "1.2.250.1.213.1.4.9": ("INS-NIA", "temp"),
    "1.2.250.1.213.1.4.10": ("INS-NIR-TEST", "official"),
    "1.2.250.1.213.1.4.11": ("INS-NIR-DEMO", "official"),
}
FINESS_ROOT = "1.2.250.1.71.4.2.2"
_OID = re.compile(r"^[0-2](\.\d+)+$")
_FINESS = re.compile(r"^\d{9}$")
_LOINC = re.compile(r"^\d{1,7}-\d$")
_GENDER = {"F": "female", "M": "male", "O": "other", "U": "unknown", "A": "other"}


def authority_system(authority: str) -> str:
    """The identifier system of an assigning authority, as the mirror keyed it."""
    if _OID.match(authority):
        return f"urn:oid:{authority}"
    if _FINESS.match(authority):
        return f"urn:oid:{FINESS_ROOT}.{authority}"
    if authority.startswith(("http://", "https://", "urn:")):
        return authority
    return "urn:autarcie:authority:" + re.sub(r"[^A-Za-z0-9._-]", "-", authority or "local")


def identity_status(patient: Patient) -> str:
    """FR Core identity status: QUAL only when the INS may be trusted (DESIGN.md)."""
    codes = patient.statuses.split()
    if patient.ins_trusted:
        return "QUAL"
    if "VALI" in codes:
        return "VALI"
    if "RECUP" in codes:
        return "RECUP"
    return "PROV"


def instant(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds") if moment else None


def ref(rtype: str, pk: int) -> Json:
    return {"reference": f"{rtype}/{pk}"}


def _concept(code: str, label: str, system: str = "") -> Json:
    concept: Json = {}
    if not (code or label):
        return concept
    if code:
        coding: Json = {"code": code}
        if system:
            coding["system"] = system
        if label:
            coding["display"] = label
        concept["coding"] = [coding]
    if label or not code:
        concept["text"] = label or code
    return concept


def _compact(resource: Json) -> Json:
    """Drop empty values: FHIR forbids empty strings, lists and objects."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def _received(found: ReceivedIdentifier) -> Json:
    code = found.type_code
    return _compact(
        {
            "use": "usual" if code == "PI" else None,
            "type": {"coding": [{"system": V2_0203, "code": code}]} if code else None,
            "system": found.system,
            "value": found.value,
        }
    )


def _identifiers(patient: Patient) -> list[Json]:
    """Every identifier as the feeds sent it (each system the hospital uses for its IPP), and
    the key the mirror files the patient under when no feed spelt it that way."""
    received = identifiers_from_json(patient.identifiers)
    ids = [_received(found) for found in received]
    key_system = authority_system(patient.authority)
    keyed = system_of_key(received, patient.authority, patient.ipp) or any(
        i.system == key_system and i.value == patient.ipp for i in received
    )
    if not keyed and not is_ins_authority(patient.authority):
        ids.insert(
            0,
            {
                "use": "usual",
                "type": {"coding": [{"system": V2_0203, "code": "PI"}]},
                "system": key_system,
                "value": patient.ipp,
            },
        )
    # An INS that is not trusted is never exposed, not even flagged (DESIGN.md).
    if patient.ins_trusted and patient.ins:
        oid = patient.ins_oid or INS_NIR_OID
        code, use = INS_KINDS.get(oid, ("INS-NIR", "official"))
        ids.append(
            {
                "use": use,
                "type": {"coding": [{"system": FR_IDENTIFIER_TYPE, "code": code}]},
                "system": f"urn:oid:{oid}",
                "value": patient.ins,
            }
        )
    return ids


def _names(patient: Patient) -> list[Json]:
    given = [patient.given] if patient.given else []
    names = [_compact({"use": "official", "family": patient.birth_family, "given": given})]
    if patient.used_family:
        names.append(_compact({"use": "usual", "family": patient.used_family, "given": given}))
    return names


def patient_resource(patient: Patient) -> Json:
    resource: Json = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": {
            "profile": [f"{FR_CORE}/StructureDefinition/fr-core-patient"],
            "lastUpdated": instant(patient.received_at),
        },
        "extension": [
            {
                "url": IDENTITY_RELIABILITY,
                "extension": [
                    {
                        "url": "identityStatus",
                        "valueCoding": {
                            "system": IDENTITY_STATUS,
                            "code": identity_status(patient),
                        },
                    }
                ],
            }
        ],
        "identifier": _identifiers(patient),
        "active": patient.merged_into_id is None,
        "name": _names(patient),
        "gender": _GENDER.get(patient.sex, "unknown"),
        "birthDate": patient.birth_date.isoformat() if patient.birth_date else None,
        "address": [{"text": patient.address}] if patient.address else None,
    }
    if patient.hidden:
        resource["meta"]["security"] = [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}
        ]
    if patient.deceased:
        resource["deceasedBoolean"] = True
    if patient.merged_into_id is not None:
        resource["link"] = [
            {"other": ref("Patient", patient.merged_into_id), "type": "replaced-by"}
        ]
    return _compact(resource)


_ENCOUNTER_STATUS = {
    "preadmitted": "planned",
    "admitted": "in-progress",
    "on_leave": "onleave",
    "discharged": "finished",
    "cancelled": "cancelled",
}
_ENCOUNTER_CLASS = {"I": "IMP", "O": "AMB", "E": "EMER", "R": "AMB", "P": "PRENC"}


def encounter_resource(stay: Stay) -> Json:
    authority = stay.rkey.rpartition("|")[0]
    where = " ".join(
        part
        for part in (
            f"UF {stay.unit_code}" if stay.unit_code else "",
            f"chambre {stay.room}" if stay.room else "",
            f"lit {stay.bed}" if stay.bed else "",
        )
        if part
    )
    period = _compact({"start": instant(stay.admitted_at), "end": instant(stay.discharged_at)})
    return _compact(
        {
            "resourceType": "Encounter",
            "id": str(stay.pk),
            "meta": {"lastUpdated": instant(stay.received_at)},
            "identifier": [
                {
                    "type": {"coding": [{"system": V2_0203, "code": "VN"}]},
                    "system": authority_system(authority),
                    "value": stay.nda,
                }
            ],
            "status": _ENCOUNTER_STATUS.get(stay.status, "unknown"),
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": _ENCOUNTER_CLASS.get(stay.patient_class, "IMP"),
            },
            "subject": ref("Patient", stay.patient_id),
            "period": period,
            "participant": (
                [{"individual": {"display": stay.attending}}] if stay.attending else None
            ),
            "location": [{"location": {"display": where}}] if where else None,
            "serviceProvider": {"display": f"UF {stay.unit_code}"} if stay.unit_code else None,
        }
    )


_OBSERVATION_STATUS = {"F": "final", "C": "corrected", "P": "preliminary", "D": "cancelled"}
_INTERPRETATION = {"H", "L", "HH", "LL", "N", "A", "AA"}


def _code_system(stored: str, code: str = "") -> str:
    """The FHIR system of a stored one; rows stored before systems were kept guess LOINC."""
    if stored:
        return system_uri(stored)
    return LOINC if code and _LOINC.match(code) else ""


def _quantity(value: float, unit: str, unit_system: str) -> Json:
    """UCUM's system and code only for a UCUM unit; any other unit keeps its text alone."""
    quantity: Json = {"value": value}
    if unit and unit_system == UCUM:
        quantity.update(unit=unit, system=UCUM, code=unit)
    elif unit:
        quantity["unit"] = unit
    return quantity


def observation_resource(result: Result) -> Json:
    system = _code_system(result.code_system, result.code)
    resource: Json = {
        "resourceType": "Observation",
        "id": str(result.pk),
        "meta": {"lastUpdated": instant(result.received_at)},
        "status": _OBSERVATION_STATUS.get(result.status, "unknown"),
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": _concept(result.code, result.label, system),
        "subject": ref("Patient", result.patient_id),
        "effectiveDateTime": instant(result.observed_at),
        "referenceRange": [{"text": result.reference_range}] if result.reference_range else None,
    }
    if result.value_num is not None:
        resource["valueQuantity"] = _quantity(result.value_num, result.unit, result.unit_system)
    elif result.value:
        resource["valueString"] = result.value
    flag = result.flag.strip().upper()
    if flag in _INTERPRETATION:
        resource["interpretation"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": flag,
                    }
                ]
            }
        ]
    return _compact(resource)


def medication_request_resource(prescription: Prescription) -> Json:
    dose = f"{prescription.dose} {prescription.dose_unit}".strip()
    text = ", ".join(x for x in (dose, prescription.route, prescription.frequency) if x)
    dosage = _compact(
        {
            "text": text,
            "route": {"text": prescription.route} if prescription.route else None,
            "timing": {"code": {"text": prescription.frequency}}
            if prescription.frequency
            else None,
        }
    )
    return _compact(
        {
            "resourceType": "MedicationRequest",
            "id": str(prescription.pk),
            "meta": {"lastUpdated": instant(prescription.received_at)},
            "status": prescription.status
            if prescription.status in ("active", "stopped", "cancelled", "completed")
            else "unknown",
            "intent": "order",
            "medicationCodeableConcept": _concept(
                prescription.drug_code,
                prescription.drug_label,
                _code_system(prescription.drug_system),
            ),
            "subject": ref("Patient", prescription.patient_id),
            "authoredOn": instant(prescription.start),
            "requester": {"display": prescription.prescriber} if prescription.prescriber else None,
            "dosageInstruction": [dosage] if dosage else None,
            "dispenseRequest": (
                {"validityPeriod": {"end": instant(prescription.end)}} if prescription.end else None
            ),
        }
    )


ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
_CRITICALITY = {"severe": "high", "moderate": "low", "mild": "low"}


def _allergy_code(allergy: ReconciledAllergy) -> Json:
    """The substance: HL7 names become FHIR URIs; a local ``L`` is no FHIR system."""
    system = system_uri(allergy.system)
    concept = _concept(allergy.code, allergy.label, system)
    if allergy.display and allergy.code:
        concept["coding"][0]["display"] = allergy.display
    return concept


def allergy_resource(allergy: ReconciledAllergy) -> Json:
    """One reconciled allergy (both feeds' rows as one), with FHIR's codes, never HL7's."""
    reaction: Json = {
        "manifestation": [{"text": text} for text in allergy.reactions],
        "severity": allergy.severity_code or None,
    }
    return _compact(
        {
            "resourceType": "AllergyIntolerance",
            "id": str(allergy.id),
            "meta": {"lastUpdated": instant(allergy.received_at)},
            "clinicalStatus": {
                "coding": [
                    {
                        "system": ALLERGY_CLINICAL,
                        "code": "active" if allergy.active else "inactive",
                    }
                ]
            },
            "category": [allergy.category] if allergy.category else None,
            "criticality": _CRITICALITY.get(allergy.severity_code),
            "code": _allergy_code(allergy),
            "patient": ref("Patient", allergy.patient_id),
            # A reaction needs a manifestation: without one, the criticality says the severity.
            "reaction": [_compact(reaction)] if allergy.reactions else None,
        }
    )


def condition_resource(condition: Condition) -> Json:
    return _compact(
        {
            "resourceType": "Condition",
            "id": str(condition.pk),
            "meta": {"lastUpdated": instant(condition.received_at)},
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active" if condition.active else "inactive",
                    }
                ]
            },
            "code": _concept(condition.code, condition.label, _code_system(condition.system)),
            "subject": ref("Patient", condition.patient_id),
            "onsetDateTime": condition.onset.isoformat() if condition.onset else None,
        }
    )


_DOC_STATUS = {"F": "final", "P": "preliminary", "C": "amended"}


def document_reference_resource(document: Document) -> Json:
    data = base64.b64encode(document.text.encode("utf-8")).decode("ascii")
    return _compact(
        {
            "resourceType": "DocumentReference",
            "id": str(document.pk),
            "meta": {"lastUpdated": instant(document.received_at)},
            # A replaced document's row shows its newest version: that one is current.
            "status": "current",
            "docStatus": _DOC_STATUS.get(document.status),
            "masterIdentifier": {"value": document.number} if document.number else None,
            "type": _concept(
                document.type_code, document.type_label, _code_system(document.type_system)
            )
            or None,
            "subject": ref("Patient", document.patient_id),
            "date": instant(document.authored_at),
            "description": document.title,
            "content": [
                {
                    "attachment": _compact(
                        {
                            "contentType": "text/plain",
                            "language": "fr",
                            "data": data,
                            "title": document.title,
                        }
                    )
                }
            ],
        }
    )
