"""FHIR clinical resources (allergies, conditions, immunizations, medication, results,
documents) to records.

Keys follow ``hl7_apply`` so that HL7 and FHIR describing the same thing land on one row:
``result|<filler order>|<code>|<sub id>``, ``document|<order>|<set id>``,
``prescription|<placer order id>``, ``<patient rkey>|allergy|<code or label>``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from autarcie.formats.codes import UCUM, stored_system
from autarcie.mirror import records as r
from autarcie.mirror.fhir_map import (
    AliasOp,
    ClinicalOp,
    Json,
    MappingError,
    Op,
    Options,
    Resolver,
    Venue,
    codings,
    concept_code,
    concept_label,
    items,
    parse_day,
    parse_instant,
    reference,
    resolve_subject,
    text,
)
from autarcie.mirror.fhir_map_identity import clip, type_codes
from autarcie.mirror.hl7.cda import extract_text

LOINC = "http://loinc.org"
# Criticality and reaction severity, as HL7 table 0128 codes (the allergy column's codes).
_CRITICALITY = {"high": "SV", "low": "MI"}
_REACTION_SEVERITY = {"severe": "SV", "moderate": "MO", "mild": "MI"}
_SEVERITY_RANK = {"SV": 3, "MO": 2, "MI": 1}
_INACTIVE = frozenset({"inactive", "resolved", "remission"})
_REFUTED = frozenset({"refuted", "entered-in-error"})
_RX_STATUS = {
    "active": "active",
    "unknown": "active",
    "on-hold": "stopped",
    "draft": "stopped",
    "stopped": "stopped",
    "completed": "completed",
    "cancelled": "cancelled",
    "entered-in-error": "cancelled",
}
_ADMIN_STATUS = {
    "completed": "CP",
    "in-progress": "IP",
    "not-done": "NA",
    "stopped": "PA",
    "on-hold": "PA",
    "entered-in-error": "D",
    "unknown": "U",
}
_RESULT_STATUS = {
    "final": "F",
    "amended": "C",
    "corrected": "C",
    "preliminary": "P",
    "registered": "P",
    "cancelled": "D",
    "entered-in-error": "D",
}
_DOC_STATUS = {"current": "F", "superseded": "C", "entered-in-error": "D"}
_CDA_TYPES = ("xml", "hl7-v3")
_MAX_TEXT = 2_000_000  # characters of one document's text; the raw resource keeps the rest


def _status_code(concept: Any) -> str:
    return concept_code(concept)


def _fhir_id(resource: Json) -> str:
    return text(resource.get("id"))


def _order(resource: Json, preferred: str) -> str:
    """The order number an identifier carries (``preferred`` type first), else the FHIR id."""
    identifiers = [i for i in items(resource, "identifier") if text(i.get("value"))]
    chosen = next((i for i in identifiers if preferred in type_codes(i)), None)
    chosen = chosen or (identifiers[0] if identifiers else None)
    return text(chosen.get("value")) if chosen else f"fhir-{_fhir_id(resource)}"


def _nda(resource: Json, resolve: Resolver) -> str:
    ref = reference(resource.get("encounter"))
    found = resolve(ref) if ref.startswith("Encounter/") else None
    return Venue.decode(found).stay.nda if found else ""


def _coded(concept: Any, prefer: str = "") -> tuple[str, str]:
    """The code ``concept_code`` picks (``prefer``'s system first) and that coding's system."""
    found = [c for c in codings(concept) if text(c.get("code"))]
    chosen = next((c for c in found if prefer and c.get("system") == prefer), None)
    chosen = chosen or (found[0] if found else None)
    if chosen is None:
        return "", ""
    return text(chosen.get("code")), stored_system(text(chosen.get("system")))


def _allergy_severity(resource: Json) -> str:
    """The most severe of the criticality and of each reaction's severity, as SV, MO or MI."""
    found = [_CRITICALITY.get(text(resource.get("criticality")), "")]
    found += [
        _REACTION_SEVERITY.get(text(x.get("severity")), "") for x in items(resource, "reaction")
    ]
    return max(found, key=lambda code: _SEVERITY_RANK.get(code, 0))


def map_allergy(resource: Json, resolve: Resolver, _options: Options) -> list[Op]:
    patient = resolve_subject(resource.get("patient"), resolve, "patient")
    code, system = _coded(resource.get("code"))
    label = concept_label(resource.get("code"))
    if not (code or label):
        raise MappingError("AllergyIntolerance has no code")
    reactions = [
        concept_label(m) for x in items(resource, "reaction") for m in items(x, "manifestation")
    ]
    categories = resource.get("category")
    clinical = _status_code(resource.get("clinicalStatus"))
    verified = _status_code(resource.get("verificationStatus"))
    record = r.AllergyRecord(
        key=clip(f"{patient}|allergy|{code or label}", 300),
        label=clip(label or code, 200),
        code=clip(code, 64),
        system=clip(system, 200),
        category=clip(
            text(categories[0]) if isinstance(categories, list) and categories else "", 20
        ),
        severity=_allergy_severity(resource),
        reaction=clip(", ".join(x for x in reactions if x), 200),
        active=clinical not in _INACTIVE and verified not in _REFUTED,
    )
    return [ClinicalOp(patient, record)]


def map_condition(resource: Json, resolve: Resolver, _options: Options) -> list[Op]:
    patient = resolve_subject(resource.get("subject"), resolve)
    code, system = _coded(resource.get("code"))
    label = concept_label(resource.get("code"))
    if not (code or label):
        raise MappingError("Condition has no code")
    onset = resource.get("onsetDateTime") or resource.get("recordedDate")
    clinical = _status_code(resource.get("clinicalStatus"))
    verified = _status_code(resource.get("verificationStatus"))
    record = r.ConditionRecord(
        key=clip(f"{patient}|condition|{code or label}", 300),
        label=clip(label or code, 200),
        code=clip(code, 64),
        system=clip(system, 200),
        onset=parse_day(text(onset)[:10]) if onset else None,
        active=clinical not in _INACTIVE and verified not in _REFUTED,
    )
    return [ClinicalOp(patient, record)]


_IMMUNIZATION_STATUS = frozenset({"completed", "not-done", "entered-in-error"})


def map_immunization(resource: Json, resolve: Resolver, _options: Options) -> list[Op]:
    """A vaccine given. Keyed by the resource's id: no other feed describes immunizations."""
    patient = resolve_subject(resource.get("patient"), resolve, "patient")
    code = concept_code(resource.get("vaccineCode"))
    label = concept_label(resource.get("vaccineCode"))
    if not (code or label):
        raise MappingError("Immunization has no vaccineCode")
    status = text(resource.get("status"))
    record = r.ImmunizationRecord(
        key=clip(f"{patient}|immunization|{_fhir_id(resource)}", 300),
        label=clip(label or code, 200),
        code=clip(code, 64),
        # occurrenceString ("enfance") has no instant: the raw resource keeps it.
        occurred_at=parse_instant(resource.get("occurrenceDateTime")),
        status=status if status in _IMMUNIZATION_STATUS else "completed",
        lot_number=clip(text(resource.get("lotNumber")), 60),
    )
    return [ClinicalOp(patient, record)]


def _medication(resource: Json) -> tuple[str, str, str]:
    """The medication's code, label and code system."""
    concept = resource.get("medicationCodeableConcept")
    if concept is not None:
        code, system = _coded(concept)
        return code, concept_label(concept), system
    ref = resource.get("medicationReference")
    label = text(ref.get("display")) if isinstance(ref, dict) else ""
    return "", label, ""


def _quantity(value: Any) -> tuple[str, str]:
    if not isinstance(value, dict) or value.get("value") is None:
        return "", ""
    number = value["value"]
    shown = f"{number:g}" if isinstance(number, float) else str(number)
    return shown, text(value.get("unit")) or text(value.get("code"))


def _frequency(dosage: Json) -> tuple[str, tuple[str, ...]]:
    timing = dosage.get("timing")
    repeat = timing.get("repeat") if isinstance(timing, dict) else None
    times: tuple[str, ...] = ()
    label = text(dosage.get("text"))
    if isinstance(repeat, dict):
        day_times = repeat.get("timeOfDay")
        if isinstance(day_times, list):
            times = tuple(text(t)[:5] for t in day_times if text(t))
        if not label and repeat.get("frequency") is not None:
            label = (
                f"{repeat.get('frequency')}/{repeat.get('period', 1)}{repeat.get('periodUnit', '')}"
            )
    return label, times


def map_medication_request(resource: Json, resolve: Resolver, _options: Options) -> list[Op]:
    patient = resolve_subject(resource.get("subject"), resolve)
    drug_code, drug_label, drug_system = _medication(resource)
    if not (drug_code or drug_label):
        raise MappingError("MedicationRequest has no medication")
    dosages = items(resource, "dosageInstruction")
    dosage = dosages[0] if dosages else {}
    rates = items(dosage, "doseAndRate")
    dose, unit = _quantity(rates[0].get("doseQuantity")) if rates else ("", "")
    frequency, times = _frequency(dosage)
    dispense = resource.get("dispenseRequest")
    validity = dispense.get("validityPeriod") if isinstance(dispense, dict) else None
    validity = validity if isinstance(validity, dict) else {}
    requester = reference(resource.get("requester"))
    prescriber = (resolve(requester) or "") if requester else ""
    if not prescriber and isinstance(resource.get("requester"), dict):
        prescriber = text(resource["requester"].get("display"))
    key = clip(f"prescription|{_order(resource, 'PLAC')}", 300)
    record = r.PrescriptionRecord(
        key=key,
        drug_label=clip(drug_label or drug_code, 200),
        status=_RX_STATUS.get(text(resource.get("status")), "active"),
        drug_code=clip(drug_code, 40),
        drug_system=clip(drug_system, 200),
        dose=clip(dose, 40),
        dose_unit=clip(unit, 40),
        route=clip(concept_label(dosage.get("route")), 60),
        frequency=clip(frequency, 120),
        times=times,
        start=parse_instant(resource.get("authoredOn") or validity.get("start")),
        end=parse_instant(validity.get("end")),
        prescriber=clip(prescriber, 200),
        stay_nda=clip(_nda(resource, resolve), 64),
    )
    return [ClinicalOp(patient, record), AliasOp(f"MedicationRequest/{_fhir_id(resource)}", key)]


def map_medication_administration(resource: Json, resolve: Resolver, _o: Options) -> list[Op]:
    patient = resolve_subject(resource.get("subject"), resolve)
    period = resource.get("effectivePeriod")
    start = parse_instant(
        resource.get("effectiveDateTime")
        or (period.get("start") if isinstance(period, dict) else None)
    )
    if start is None:
        raise MappingError("MedicationAdministration has no effective time")
    request = reference(resource.get("request"))
    prescription = (resolve(request) or "") if request else ""
    order = (
        prescription.removeprefix("prescription|") if prescription else f"fhir-{_fhir_id(resource)}"
    )
    drug_code, drug_label, _system = _medication(resource)
    dosage = resource.get("dosage")
    dose, unit = _quantity(dosage.get("dose")) if isinstance(dosage, dict) else ("", "")
    record = r.AdministrationRecord(
        key=clip(f"administration|{order}|{start.isoformat()}", 300),
        drug_label=clip(drug_label or drug_code, 200),
        status=_ADMIN_STATUS.get(text(resource.get("status")), "U"),
        given_at=start,
        dose=clip(f"{dose} {unit}".strip(), 40),
        prescription_key=prescription,
    )
    return [ClinicalOp(patient, record)]


def _observed(resource: Json) -> dt.datetime | None:
    period = resource.get("effectivePeriod")
    return parse_instant(
        resource.get("effectiveDateTime")
        or (period.get("start") if isinstance(period, dict) else None)
        or resource.get("issued")
    )


def _unit(quantity: Json) -> tuple[str, str]:
    """A quantity's unit and its system: the UCUM code when UCUM, else the unit's text."""
    code, system = text(quantity.get("code")), text(quantity.get("system"))
    if code and stored_system(system) == UCUM:
        return code, UCUM
    return text(quantity.get("unit")) or code, ""


def _value(holder: Json) -> tuple[str, float | None, tuple[str, str]]:
    """Shown value, its number, its unit and the unit's system."""
    quantity = holder.get("valueQuantity")
    if isinstance(quantity, dict):
        shown, _ = _quantity(quantity)
        number = quantity.get("value")
        comparator = text(quantity.get("comparator"))
        value = _number(number)
        return f"{comparator}{shown}", value, _unit(quantity)
    for name in ("valueString", "valueDateTime", "valueTime"):
        if holder.get(name) is not None:
            return text(holder[name]), None, ("", "")
    if holder.get("valueCodeableConcept") is not None:
        return concept_label(holder["valueCodeableConcept"]), None, ("", "")
    for name in ("valueInteger", "valueBoolean"):
        if holder.get(name) is not None:
            raw = holder[name]
            number = _number(raw) if not isinstance(raw, bool) else None
            return str(raw).lower() if isinstance(raw, bool) else str(raw), number, ("", "")
    return "", None, ("", "")


def _number(value: Any) -> float | None:
    """A JSON number as a float; None for anything else, or an integer beyond a double."""
    if not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def _range(holder: Json) -> str:
    ranges = items(holder, "referenceRange")
    if not ranges:
        return ""
    low, _ = _quantity(ranges[0].get("low"))
    high, _ = _quantity(ranges[0].get("high"))
    return text(ranges[0].get("text")) or (f"{low}-{high}" if low or high else "")


def _flags(holder: Json) -> str:
    return " ".join(concept_code(c) for c in items(holder, "interpretation") if concept_code(c))


def _result(key: str, holder: Json, status: str, observed: Any, panel: tuple[str, str]) -> Any:
    value, number, (unit, unit_system) = _value(holder)
    code, system = _coded(holder.get("code"), LOINC)
    return r.ResultRecord(
        key=clip(key, 300),
        code=clip(code, 64),
        code_system=clip(system, 200),
        unit_system=unit_system,
        label=clip(concept_label(holder.get("code")) or code, 200),
        status=status,
        value=clip(value, 200),
        value_num=number,
        unit=clip(unit, 40),
        reference_range=clip(_range(holder), 60),
        flag=clip(_flags(holder), 10),
        panel_code=clip(panel[0], 64),
        panel_label=clip(panel[1], 200),
        observed_at=observed,
    )


def map_observation(resource: Json, resolve: Resolver, _options: Options) -> list[Op]:
    if not reference(resource.get("subject")).startswith("Patient"):
        raise MappingError("Observation without a Patient subject")
    patient = resolve_subject(resource.get("subject"), resolve)
    code = concept_code(resource.get("code"), LOINC)
    if not code:
        raise MappingError("Observation has no code")
    fill = next(
        (text(i.get("value")) for i in items(resource, "identifier") if "FILL" in type_codes(i)),
        "",
    )
    order = fill or resolve(f"Observation/{_fhir_id(resource)}") or f"fhir-{_fhir_id(resource)}"
    status = _RESULT_STATUS.get(text(resource.get("status")), "F")
    observed = _observed(resource)
    components = items(resource, "component")
    if not components:
        return [
            ClinicalOp(
                patient, _result(f"result|{order}|{code}|", resource, status, observed, ("", ""))
            )
        ]
    panel = (code, concept_label(resource.get("code")))
    ops: list[Op] = []
    for part in components:
        part_code = concept_code(part.get("code"), LOINC)
        if part_code:
            key = f"result|{order}|{part_code}|"
            ops.append(ClinicalOp(patient, _result(key, part, status, observed, panel)))
    return ops


def attachment_text(attachment: Json) -> str:
    """The readable text of an attachment: plain text, or the narrative of a CDA document."""
    data = attachment.get("data")
    if not isinstance(data, str) or not data:
        return ""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MappingError("attachment data is not base64") from exc
    content_type = text(attachment.get("contentType")).lower()
    if content_type.startswith("text/plain"):
        charset = content_type.partition("charset=")[2].strip() or "utf-8"
        try:
            return raw.decode(charset, errors="replace")[:_MAX_TEXT]
        except LookupError as exc:
            raise MappingError(f"unknown charset {charset[:20]!r}") from exc
    if any(kind in content_type for kind in _CDA_TYPES):
        found = extract_text(raw)
        return found.text[:_MAX_TEXT] if found else ""
    return ""


def _confidential(resource: Json) -> bool:
    meta = resource.get("meta")
    labels = items(meta, "security") if isinstance(meta, dict) else []
    labels += [c for x in items(resource, "securityLabel") for c in codings(x)]
    return any(text(x.get("code")) in ("R", "V") for x in labels)


def map_diagnostic_report(resource: Json, resolve: Resolver, _options: Options) -> list[Op]:
    patient = resolve_subject(resource.get("subject"), resolve)
    order = _order(resource, "FILL")
    ops: list[Op] = [
        AliasOp(ref, order)
        for x in items(resource, "result")
        if (ref := reference(x)).startswith("Observation/")
    ]
    code, system = _coded(resource.get("code"), LOINC)
    template = r.DocumentRecord(
        key="",
        status=_RESULT_STATUS.get(text(resource.get("status")), "F"),
        type_code=clip(code, 64),
        type_system=clip(system, 200),
        type_label=clip(concept_label(resource.get("code")), 200),
        title=clip(concept_label(resource.get("code")), 300),
        authored_at=parse_instant(resource.get("issued")) or _observed(resource),
        confidential=_confidential(resource),
    )
    for index, form in enumerate(items(resource, "presentedForm"), start=1):
        body = attachment_text(form)
        if body:
            record = replace(template, key=clip(f"document|{order}|{index}", 300), text=body)
            ops.append(ClinicalOp(patient, record))
    conclusion = text(resource.get("conclusion"))
    if conclusion:
        key = clip(f"document|{order}|conclusion", 300)
        ops.append(ClinicalOp(patient, replace(template, key=key, text=conclusion)))
    return ops


def map_document_reference(resource: Json, resolve: Resolver, _options: Options) -> list[Op]:
    patient = resolve_subject(resource.get("subject"), resolve)
    master = resource.get("masterIdentifier")
    order = text(master.get("value")) if isinstance(master, dict) else ""
    order = order or _order(resource, "")
    code, system = _coded(resource.get("type"), LOINC)
    ops: list[Op] = []
    for index, content in enumerate(items(resource, "content"), start=1):
        attachment = content.get("attachment")
        if not isinstance(attachment, dict):
            continue
        title = text(resource.get("description")) or text(attachment.get("title"))
        record = r.DocumentRecord(
            key=clip(f"document|{order}|{index}", 300),
            status=_DOC_STATUS.get(text(resource.get("status")), "F"),
            type_code=clip(code, 64),
            type_system=clip(system, 200),
            type_label=clip(concept_label(resource.get("type")), 200),
            title=clip(title or concept_label(resource.get("type")), 300),
            text=attachment_text(attachment),
            authored_at=parse_instant(resource.get("date") or attachment.get("creation")),
            confidential=_confidential(resource),
        )
        ops.append(ClinicalOp(patient, record))
    if not ops:
        raise MappingError("DocumentReference has no content attachment")
    return ops


Mapper = Callable[[Json, Resolver, Options], list[Op]]
MAPPERS: dict[str, Mapper] = {
    "AllergyIntolerance": map_allergy,
    "Condition": map_condition,
    "Immunization": map_immunization,
    "MedicationRequest": map_medication_request,
    "MedicationAdministration": map_medication_administration,
    "Observation": map_observation,
    "DiagnosticReport": map_diagnostic_report,
    "DocumentReference": map_document_reference,
}
