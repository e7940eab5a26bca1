"""FHIR R4 resources (FR Core shapes) for the hospital, its patients, stays and care."""

from __future__ import annotations

import datetime as dt
from typing import Any

from autarcie.demo.synth.clinical import DOCUMENT_TYPES, Allergy, Condition, Document, Prescription
from autarcie.demo.synth.drugs import ATC_SYSTEM, ROUTES, SYNTHETIC_CIP13_SYSTEM
from autarcie.demo.synth.hospital import Hospital, Practitioner, Unit
from autarcie.demo.synth.labs import LabItem, LabReport
from autarcie.demo.synth.people import INS_TEST_SYSTEM, Patient
from autarcie.demo.synth.stays import Segment, Stay

Resource = dict[str, Any]
FR_CORE = "https://hl7.fr/ig/fhir/core"
RELIABILITY_URL = f"{FR_CORE}/StructureDefinition/fr-core-identity-reliability"
STATUS_SYSTEM = f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CIM10 = "http://hl7.org/fhir/sid/icd-10"
_ENCOUNTER_CLASS = {"I": "IMP", "E": "EMER"}
_FLAG_CODES = {"N": "N", "L": "L", "H": "H", "LL": "LL", "HH": "HH"}


def instant(moment: dt.datetime) -> str:
    """FHIR dateTime in UTC with seconds."""
    # isoformat is several times faster than strftime, which matters for a million rows.
    return moment.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def ipp_system(hospital: Hospital) -> str:
    return f"urn:oid:1.2.250.1.71.4.2.7.{hospital.finess}"


def nda_system(hospital: Hospital) -> str:
    return f"urn:oid:1.2.250.1.71.4.2.2.{hospital.finess}"


def ref(kind: str, ident: str) -> dict[str, str]:
    return {"reference": f"{kind}/{ident}"}


def organizations(hospital: Hospital) -> list[Resource]:
    """The establishment (FINESS) and one Organization per functional unit."""
    main: Resource = {
        "resourceType": "Organization",
        "id": f"org-{hospital.finess}",
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": hospital.finess}],
        "name": hospital.name,
    }
    units = [
        {
            "resourceType": "Organization",
            "id": f"uf-{unit.code}",
            "identifier": [{"system": f"{ipp_system(hospital)}.uf", "value": unit.code}],
            "name": unit.label,
            "partOf": ref("Organization", main["id"]),
        }
        for unit in hospital.units
    ]
    return [main, *units]


def locations(unit: Unit) -> list[Resource]:
    """A unit's ward Location, its rooms and its beds, linked by `partOf`."""
    ward: Resource = {
        "resourceType": "Location",
        "id": f"loc-{unit.code}",
        "identifier": [{"value": unit.code}],
        "name": unit.label,
        "physicalType": _physical("wa"),
        "managingOrganization": ref("Organization", f"uf-{unit.code}"),
    }
    out = [ward]
    for room in unit.rooms:
        room_id = f"loc-{unit.code}-{room.number}"
        out.append(
            {
                "resourceType": "Location",
                "id": room_id,
                "name": f"Chambre {room.number}",
                "physicalType": _physical("ro"),
                "partOf": ref("Location", ward["id"]),
            }
        )
        out += [
            {
                "resourceType": "Location",
                "id": f"{room_id}-{bed}",
                "name": f"Lit {room.number}-{bed}",
                "physicalType": _physical("bd"),
                "partOf": ref("Location", room_id),
            }
            for bed in room.beds
        ]
    return out


def _physical(code: str) -> Resource:
    system = "http://terminology.hl7.org/CodeSystem/location-physical-type"
    return {"coding": [{"system": system, "code": code}]}


def practitioner(person: Practitioner) -> Resource:
    return {
        "resourceType": "Practitioner",
        "id": f"pra-{person.rpps}",
        "identifier": [{"system": "https://autarcie.invalid/synthetic-rpps", "value": person.rpps}],
        "name": [{"family": person.family, "given": [person.given], "prefix": ["Dr"]}],
    }


def _identifiers(hospital: Hospital, person: Patient) -> list[Resource]:
    """The IPP, preceded by the INS-NIR-TEST slice for a qualified identity only."""
    qualified = person.qualified
    identifiers: list[Resource] = [
        {
            "use": "usual",
            "type": {"coding": [{"system": V2_0203, "code": "PI"}]},
            "system": ipp_system(hospital),
            "value": person.ipp,
        }
    ]
    if qualified and person.ins:
        identifiers.insert(
            0,
            {
                "use": "official",
                "type": {
                    "coding": [
                        {
                            "system": f"{FR_CORE}/CodeSystem/fr-core-cs-v2-0203",
                            "code": "INS-NIR-TEST",
                        }
                    ]
                },
                "system": INS_TEST_SYSTEM,
                "value": person.ins,
            },
        )
    return identifiers


def patient(hospital: Hospital, person: Patient, merged_into: str | None = None) -> Resource:
    """FR Core Patient: INS slice only for a qualified identity, reliability extension."""
    qualified = person.qualified
    status = "QUAL" if qualified else ("VALI" if "VALI" in person.statuses else "PROV")
    identifiers = _identifiers(hospital, person)
    names: list[Resource] = [
        {"use": "official", "family": person.birth_name, "given": person.given_list.split(" ")}
    ]
    if person.family != person.birth_name:
        names.append({"use": "usual", "family": person.family, "given": [person.given]})
    resource: Resource = {
        "resourceType": "Patient",
        "id": f"pat-{person.ipp}",
        "meta": {
            "profile": [
                f"{FR_CORE}/StructureDefinition/fr-core-patient" + ("-ins" if qualified else "")
            ]
        },
        "extension": [_reliability(status), _birthplace(person)],
        "identifier": identifiers,
        "active": merged_into is None,
        "name": names,
        "telecom": [{"system": "phone", "value": person.phone, "use": "mobile"}],
        "gender": "female" if person.sex == "F" else "male",
        "birthDate": person.birth_date.isoformat(),
        "address": [
            {
                "use": "home",
                "line": [person.address.street],
                "city": person.address.commune.name,
                "postalCode": person.address.commune.postcode,
                "country": "FRA",
            }
        ],
    }
    if person.hidden:
        resource["meta"]["security"] = [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}
        ]
    if merged_into:
        resource["link"] = [{"other": ref("Patient", f"pat-{merged_into}"), "type": "replaced-by"}]
    return resource


def _reliability(status: str) -> Resource:
    return {
        "url": RELIABILITY_URL,
        "extension": [
            {"url": "identityStatus", "valueCoding": {"system": STATUS_SYSTEM, "code": status}}
        ],
    }


def _birthplace(person: Patient) -> Resource:
    insee = {
        "url": f"{FR_CORE}/StructureDefinition/fr-core-address-insee-code",
        "valueCoding": {
            "system": "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM",
            "code": person.birthplace.insee,
        },
    }
    return {
        "url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
        "valueAddress": {"extension": [insee], "city": person.birthplace.name},
    }


def _period(start: dt.datetime, end: dt.datetime | None) -> Resource:
    period = {"start": instant(start)}
    if end is not None:
        period["end"] = instant(end)
    return period


def encounters(hospital: Hospital, stay: Stay) -> list[Resource]:
    """The venue Encounter (NDA) and one Encounter per movement, `partOf` the venue."""
    venue_id = f"enc-{stay.nda}"
    if stay.cancelled:
        status = "entered-in-error"
    elif stay.discharged_at is not None:
        status = "finished"
    else:
        status = "onleave" if stay.on_leave else "in-progress"
    venue: Resource = {
        "resourceType": "Encounter",
        "id": venue_id,
        "status": status,
        "identifier": [
            {
                "type": {"coding": [{"system": V2_0203, "code": "VN"}]},
                "system": nda_system(hospital),
                "value": stay.nda,
            }
        ],
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": _ENCOUNTER_CLASS[stay.patient_class],
        },
        "subject": ref("Patient", f"pat-{stay.patient.ipp}"),
        "participant": [{"individual": ref("Practitioner", f"pra-{stay.attending.rpps}")}],
        "period": _period(stay.admitted_at, stay.discharged_at),
        "serviceProvider": ref("Organization", f"uf-{stay.segments[0].location.unit}"),
    }
    moves = [_movement(hospital, stay, venue_id, s, status) for s in stay.segments]
    return [venue, *moves]


def _movement(hospital: Hospital, stay: Stay, venue_id: str, seg: Segment, status: str) -> Resource:
    place = seg.location
    loc_id = f"loc-{place.unit}-{place.room}-{place.bed}" if place.bed else f"loc-{place.unit}"
    done = seg.end is not None or status in ("finished", "entered-in-error")
    return {
        "resourceType": "Encounter",
        "id": f"mvt-{seg.movement_id}",
        "status": status
        if status == "entered-in-error"
        else ("finished" if done else "in-progress"),
        "identifier": [{"system": f"{nda_system(hospital)}.mvt", "value": seg.movement_id}],
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": _ENCOUNTER_CLASS[stay.patient_class],
        },
        "subject": ref("Patient", f"pat-{stay.patient.ipp}"),
        "period": _period(seg.start, seg.end or (stay.discharged_at if done else None)),
        "location": [{"location": ref("Location", loc_id)}],
        "serviceProvider": ref("Organization", f"uf-{place.unit}"),
        "partOf": ref("Encounter", venue_id),
    }


def allergy(person: Patient, index: int, item: Allergy) -> Resource:
    code: Resource = {"text": item.label}
    if item.system == "ATC":
        code["coding"] = [{"system": ATC_SYSTEM, "code": item.code, "display": item.label}]
    criticality = "high" if item.severity == "SV" else "low"
    return {
        "resourceType": "AllergyIntolerance",
        "id": f"all-{person.ipp}-{index}",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": "active",
                }
            ]
        },
        "category": ["medication" if item.system == "ATC" else "environment"],
        "criticality": criticality,
        "code": code,
        "patient": ref("Patient", f"pat-{person.ipp}"),
        "reaction": [{"manifestation": [{"text": item.reaction}]}],
    }


def condition(stay: Stay, index: int, item: Condition) -> Resource:
    return {
        "resourceType": "Condition",
        "id": f"cond-{stay.nda}-{index}",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {
            "coding": [{"system": CIM10, "code": item.code, "display": item.label}],
            "text": item.label,
        },
        "subject": ref("Patient", f"pat-{stay.patient.ipp}"),
        "encounter": ref("Encounter", f"enc-{stay.nda}"),
        "recordedDate": instant(item.recorded_at),
    }


def medication_request(stay: Stay, rx: Prescription) -> Resource:
    drug = rx.drug
    return {
        "resourceType": "MedicationRequest",
        "id": f"rx-{rx.order_id}",
        "status": "active",
        "intent": "order",
        "identifier": [{"value": rx.order_id}],
        "medicationCodeableConcept": {
            "text": drug.label,
            "coding": [
                {"system": SYNTHETIC_CIP13_SYSTEM, "code": drug.cip13, "display": drug.label},
                {"system": ATC_SYSTEM, "code": drug.atc},
            ],
        },
        "subject": ref("Patient", f"pat-{stay.patient.ipp}"),
        "encounter": ref("Encounter", f"enc-{stay.nda}"),
        "authoredOn": instant(rx.start),
        "requester": ref("Practitioner", f"pra-{stay.attending.rpps}"),
        "dosageInstruction": [
            {
                "text": f"{drug.dose} {drug.unit}, {drug.frequency_label}",
                "timing": {"repeat": {"frequency": drug.per_day, "period": 1, "periodUnit": "d"}},
                "route": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v2-0162",
                            "code": drug.route,
                            "display": ROUTES[drug.route],
                        }
                    ]
                },
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": float(drug.dose),
                            "unit": drug.unit,
                            "system": UCUM,
                            "code": drug.unit,
                        }
                    }
                ],
            }
        ],
    }


def observation(report: LabReport, index: int, item: LabItem) -> Resource:
    analyte = item.analyte
    return {
        "resourceType": "Observation",
        "id": f"obs-{report.report_id}-{index}",
        "status": "corrected" if item.status == "C" else "final",
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
        "code": {
            "coding": [{"system": LOINC, "code": analyte.loinc, "display": analyte.label}],
            "text": analyte.label,
        },
        "subject": ref("Patient", f"pat-{report.ipp}"),
        "encounter": ref("Encounter", f"enc-{report.nda}"),
        "effectiveDateTime": instant(report.collected_at),
        "issued": instant(report.reported_at),
        "valueQuantity": {
            "value": float(item.value),
            "unit": analyte.unit,
            "system": UCUM,
            "code": analyte.unit,
        },
        "interpretation": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": _FLAG_CODES[item.flag],
                    }
                ]
            }
        ],
        "referenceRange": [
            {
                "low": {"value": analyte.low, "unit": analyte.unit},
                "high": {"value": analyte.high, "unit": analyte.unit},
            }
        ],
    }


def diagnostic_report(report: LabReport) -> Resource:
    corrected = report.correction is not None
    return {
        "resourceType": "DiagnosticReport",
        "id": f"dr-{report.report_id}",
        "status": "corrected" if corrected else "final",
        "identifier": [{"value": report.report_id}],
        "code": {
            "coding": [
                {"system": LOINC, "code": report.panel.loinc, "display": report.panel.label}
            ],
            "text": report.panel.label,
        },
        "subject": ref("Patient", f"pat-{report.ipp}"),
        "encounter": ref("Encounter", f"enc-{report.nda}"),
        "effectiveDateTime": instant(report.collected_at),
        "issued": instant(report.reported_at),
        "result": [
            ref("Observation", f"obs-{report.report_id}-{i}")
            for i in range(1, len(report.items) + 1)
        ],
    }


def document_reference(stay: Stay, doc: Document, data: str) -> Resource:
    code, label = DOCUMENT_TYPES[doc.kind]
    return {
        "resourceType": "DocumentReference",
        "id": f"doc-{doc.doc_id}",
        "status": "current",
        "identifier": [{"value": doc.doc_id}],
        "type": {"coding": [{"system": LOINC, "code": code, "display": label}]},
        "subject": ref("Patient", f"pat-{stay.patient.ipp}"),
        "date": instant(doc.at),
        "description": doc.title,
        "content": [
            {
                "attachment": {
                    "contentType": "text/xml",
                    "language": "fr-FR",
                    "data": data,
                    "title": doc.title,
                }
            }
        ],
        "context": {"encounter": [ref("Encounter", f"enc-{stay.nda}")]},
    }
