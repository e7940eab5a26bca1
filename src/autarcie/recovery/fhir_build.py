"""Downtime records as FHIR R4 transaction Bundles: pure builders, no database.

Every resource carries the record's stable identifier, so each entry is a conditional create
(``ifNoneExist``): a bundle sent twice creates nothing twice. A correction of a record already
accepted is a conditional update (``PUT Type?identifier=``); a cancellation sets the resource
to ``entered-in-error``. References between entries use ``urn:uuid`` full URLs, which the
server resolves, the patient first of all.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from autarcie.recovery.items import IDENTITY, Item, Target

Json = dict[str, Any]

FR_CORE = "https://hl7.fr/ig/fhir/core"
FINESS_ROOT = "1.2.250.1.71.4.2.2"
IDENTITY_RELIABILITY = f"{FR_CORE}/StructureDefinition/fr-core-identity-reliability"
IDENTITY_STATUS = f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_NAMESPACE = uuid.UUID("6f1d2c1e-3c59-4bb8-9a57-0b8f0f6a7d10")  # our urn:uuid namespace
_OID = re.compile(r"^[0-2](\.\d+)+$")
_FINESS = re.compile(r"^[0-9A-Z]{9}$")
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(.*)$")
_GENDER = {"F": "female", "M": "male", "I": "other", "U": "unknown"}
# Vital signs: form field -> (LOINC, label, UCUM unit).
VITALS = (
    ("systolic", "8480-6", "Pression artérielle systolique", "mm[Hg]"),
    ("diastolic", "8462-4", "Pression artérielle diastolique", "mm[Hg]"),
    ("heart_rate", "8867-4", "Fréquence cardiaque", "/min"),
    ("temperature", "8310-5", "Température corporelle", "Cel"),
    ("spo2", "59408-5", "Saturation en oxygène (SpO2)", "%"),
    ("resp_rate", "9279-1", "Fréquence respiratoire", "/min"),
    ("pain", "72514-3", "Intensité de la douleur (0-10)", "{score}"),
)


def authority_system(authority: str) -> str:
    """The identifier system of an assigning authority, as the mirror keys it."""
    if _OID.match(authority):
        return f"urn:oid:{authority}"
    if _FINESS.match(authority):
        return f"urn:oid:{FINESS_ROOT}.{authority}"
    if authority.startswith(("http://", "https://", "urn:")):
        return authority
    return "urn:autarcie:authority:" + re.sub(r"[^A-Za-z0-9._-]", "-", authority or "local")


def record_system(finess: str) -> str:
    """The system of the identifiers Autarcie gives downtime records."""
    return f"urn:autarcie:downtime-record:{finess or 'local'}"


def urn(text: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, text)}"


def instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _compact(resource: Json) -> Json:
    """FHIR forbids empty strings, lists and objects."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def patient_resource(target: Target) -> Json:
    given = [target.given] if target.given else []
    names = [_compact({"use": "official", "family": target.birth_family, "given": given})]
    if target.used_family:
        names.append(_compact({"use": "usual", "family": target.used_family, "given": given}))
    return _compact(
        {
            "resourceType": "Patient",
            "meta": {"profile": [f"{FR_CORE}/StructureDefinition/fr-core-patient"]},
            "extension": [
                {
                    "url": IDENTITY_RELIABILITY,
                    "extension": [
                        {
                            "url": "identityStatus",
                            "valueCoding": {"system": IDENTITY_STATUS, "code": "PROV"},
                        }
                    ],
                }
            ]
            if target.new
            else [],
            "identifier": [
                {
                    "use": "usual",
                    "type": {"coding": [{"system": V2_0203, "code": "PI"}]},
                    # The HIS's own spelling when its feed gave one: its ifNoneExist finds it.
                    "system": target.system or authority_system(target.authority),
                    "value": target.ipp,
                }
            ],
            "name": names,
            "gender": _GENDER.get(target.sex, "unknown"),
            "birthDate": target.birth_date.isoformat() if target.birth_date else None,
        }
    )


def _quantity(text: str, unit: str = "") -> Json | None:
    match = _NUMBER.match(str(text))
    if match is None:
        return None
    try:
        value = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    unit_text = unit or match.group(2).strip()
    return _compact({"value": float(value), "unit": unit_text})


class _Context:
    """What every builder needs: the patient reference and the record identifier."""

    def __init__(self, item: Item, patient_ref: str, finess: str) -> None:
        self.item = item
        self.patient = {"reference": patient_ref}
        self.identifier = {"system": record_system(finess), "value": item.record}
        self.when = instant(item.written_at)


def _encounter(c: _Context) -> Json:
    movement = str(c.item.data.get("movement", ""))
    status = {"discharge": "finished", "leave": "onleave"}.get(movement, "in-progress")
    unit = str(c.item.data.get("unit_code") or c.item.unit_code)
    period: Json = {"start": c.when}
    if status == "finished":
        period["end"] = c.when
    return _compact(
        {
            "resourceType": "Encounter",
            "identifier": [c.identifier],
            "status": status,
            "class": {"system": ACT_CODE, "code": "IMP", "display": "inpatient encounter"},
            "type": [{"text": f"Mouvement : {movement}"}],
            "subject": c.patient,
            "period": period,
            "location": [{"location": {"display": f"UF {unit}"}}] if unit else [],
        }
    )


def _vitals(c: _Context) -> Json:
    components = []
    for name, code, label, unit in VITALS:
        value = c.item.data.get(name)
        quantity = _quantity(str(value), unit) if value not in (None, "") else None
        if quantity is not None:
            quantity |= {"system": UCUM, "code": unit}
            components.append(
                {
                    "code": {"coding": [{"system": LOINC, "code": code, "display": label}]},
                    "valueQuantity": quantity,
                }
            )
    consciousness = c.item.data.get("consciousness")
    return _compact(
        {
            "resourceType": "Observation",
            "identifier": [c.identifier],
            "status": "amended" if c.item.version > 1 else "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": "85353-1", "display": "Vital signs"}]},
            "subject": c.patient,
            "effectiveDateTime": c.when,
            "component": components,
            "note": [{"text": f"Conscience (AVPU) : {consciousness}"}] if consciousness else [],
        }
    )


def _result(c: _Context) -> Json:
    data = c.item.data
    quantity = _quantity(str(data.get("value", "")), str(data.get("unit", "")))
    observed = data.get("observed_at")
    return _compact(
        {
            "resourceType": "Observation",
            "identifier": [c.identifier],
            "status": "corrected" if c.item.version > 1 else "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}],
            "code": {"text": str(data.get("test_label", ""))},
            "subject": c.patient,
            "effectiveDateTime": instant(dt.datetime.fromisoformat(observed))
            if observed
            else c.when,
            "valueQuantity": quantity,
            "valueString": None if quantity else str(data.get("value", "")),
            "referenceRange": [{"text": data["reference_range"]}]
            if data.get("reference_range")
            else [],
            "note": [
                {"text": f"Saisi d'après : {data.get('document', '')} ({data.get('lab', '')})"}
            ],
        }
    )


def _administration(c: _Context) -> Json:
    data = c.item.data
    given = data.get("status") == "given"
    return _compact(
        {
            "resourceType": "MedicationAdministration",
            "identifier": [c.identifier],
            "status": "completed" if given else "not-done",
            "statusReason": [{"text": data["not_given_reason"]}]
            if not given and data.get("not_given_reason")
            else [],
            "medicationCodeableConcept": {"text": str(data.get("drug_label") or "médicament")},
            "subject": c.patient,
            "effectiveDateTime": c.when,
            "note": [{"text": f"Prescription : {data.get('prescription', '')}"}],
            "dosage": {"text": data["dose"]} if data.get("dose") else None,
        }
    )


def _prescription(c: _Context) -> Json:
    data = c.item.data
    text = " ".join(str(data.get(k, "")) for k in ("dose", "frequency", "duration")).strip()
    return _compact(
        {
            "resourceType": "MedicationRequest",
            "identifier": [c.identifier],
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {"text": str(data.get("drug_label", ""))},
            "subject": c.patient,
            "authoredOn": c.when,
            "dosageInstruction": [
                _compact({"text": text, "route": {"text": str(data.get("route", ""))}})
            ],
            "note": [{"text": data["comment"]}] if data.get("comment") else [],
        }
    )


def _note(c: _Context) -> Json:
    text = str(c.item.data.get("text", ""))
    return {
        "resourceType": "DocumentReference",
        "identifier": [c.identifier],
        "status": "current",
        "type": {"text": f"Note ({c.item.data.get('category', '')})"},
        "subject": c.patient,
        "date": c.when,
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
                    "creation": c.when,
                }
            }
        ],
    }


BUILDERS: dict[str, Callable[[_Context], Json]] = {
    "movement": _encounter,
    "vitals": _vitals,
    "result": _result,
    "administration": _administration,
    "prescription": _prescription,
    "note": _note,
}
_ERROR_STATUS = {"DocumentReference": "entered-in-error"}


def record_resource(item: Item, patient_ref: str, finess: str) -> Json:
    """The FHIR resource of one care record (a cancellation is entered-in-error)."""
    resource = BUILDERS[item.kind](_Context(item, patient_ref, finess))
    if item.cancelled:
        resource["status"] = _ERROR_STATUS.get(resource["resourceType"], "entered-in-error")
    return resource


def _entry(resource: Json, full_url: str, identifier: Json, update: bool) -> Json:
    rtype = resource["resourceType"]
    query = f"identifier={identifier['system']}|{identifier['value']}"
    request: Json = (
        {"method": "PUT", "url": f"{rtype}?{query}"}
        if update
        else {"method": "POST", "url": rtype, "ifNoneExist": query}
    )
    return {"fullUrl": full_url, "resource": resource, "request": request}


def patient_bundle(
    target: Target, items: Sequence[Item], finess: str, *, updates: Iterable[str] = ()
) -> Json:
    """One transaction Bundle: the patient (conditional create), then each record."""
    corrected = set(updates)
    patient = patient_resource(target)
    patient_url = urn(f"patient:{target.key}")
    entries = [_entry(patient, patient_url, patient["identifier"][0], update=False)]
    for item in items:
        if item.kind == IDENTITY:
            continue  # the patient entry above is the identity
        resource = record_resource(item, patient_url, finess)
        entries.append(
            _entry(
                resource,
                urn(f"{item.record}@{item.version}"),
                resource["identifier"][0],
                update=item.record in corrected or item.cancelled,
            )
        )
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_NAMESPACE, "|".join(e["fullUrl"] for e in entries))),
        "type": "transaction",
        "entry": entries,
    }
