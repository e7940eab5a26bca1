"""FHIR Patient, Encounter, Location, Organization and Practitioner to the mirror's records."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from autarcie.mirror import records as r
from autarcie.mirror.fhir_map import (
    BIRTHPLACE_URL,
    HIDDEN_STATUS,
    INS_OIDS,
    INSEE_URL,
    QUALIFIED_STATUS,
    QUALIFIED_V1_STATUS,
    RELIABILITY_URL,
    RELIABILITY_V1_URLS,
    AliasOp,
    Json,
    MappingError,
    MovementOp,
    Op,
    Options,
    PatientOp,
    ReferenceOp,
    Resolver,
    Unresolvable,
    Venue,
    VenueOp,
    authority_of,
    codings,
    concept_code,
    items,
    parse_day,
    parse_instant,
    reference,
    resolve_subject,
    text,
)

_SEX = {"female": "F", "male": "M", "other": "O", "unknown": "U"}
_CLASS = {"IMP": "I", "ACUTE": "I", "NONAC": "I", "EMER": "E", "AMB": "O", "OBSENC": "O"}
_STAY_STATUS = {
    "planned": "preadmitted",
    "arrived": "admitted",
    "triaged": "admitted",
    "in-progress": "admitted",
    "onleave": "on_leave",
    "finished": "discharged",
    "cancelled": "cancelled",
    "entered-in-error": "cancelled",
}
CANCELLED = frozenset({"cancelled", "entered-in-error"})
_NDA_ROOT = "urn:oid:1.2.250.1.71.4.2.2."
_CONFIDENTIAL = frozenset({"R", "V"})
_NDA_SIZE = 64  # the stay's NDA column
MAX_REF = 280  # "fhir-id|" + reference must fit the 300 characters of a reference key


def clip(value: str, size: int) -> str:
    """Fit a column: PostgreSQL refuses what SQLite would keep; the raw resource keeps all."""
    return value[:size]


def type_codes(identifier: Json) -> set[str]:
    return {text(c.get("code")) for c in codings(identifier.get("type"))}


def identifier_aliases(rtype: str, resource: Json, value: str) -> list[Op]:
    """``Type?identifier=system|value`` references (Synthea writes them) resolve too."""
    ops: list[Op] = []
    for ident in items(resource, "identifier"):
        system, ident_value = text(ident.get("system")), text(ident.get("value"))
        ref = f"{rtype}?identifier={system}|{ident_value}"
        # A reference longer than the alias key can hold could never be looked up anyway.
        if system and ident_value and len(ref) <= MAX_REF:
            ops.append(AliasOp(ref, value))
    return ops


# -- Patient --------------------------------------------------------------------------------


def _ipp(resource: Json, options: Options) -> tuple[str, str]:
    identifiers = items(resource, "identifier")
    chosen = next(
        (
            i
            for i in identifiers
            if "PI" in type_codes(i) or text(i.get("system")) in options.ipp_systems
        ),
        None,
    )
    if chosen is None:  # documented fallback: a medical record number (Synthea's MR)
        chosen = next((i for i in identifiers if "MR" in type_codes(i)), None)
    if chosen is None:
        raise MappingError("Patient has no IPP identifier (type PI, or MR as a fallback)")
    system, value = text(chosen.get("system")), text(chosen.get("value"))
    if not system or not value:
        raise MappingError("the Patient's IPP identifier has no system or no value")
    return authority_of(system), value


def _received(resource: Json) -> tuple[r.ReceivedIdentifier, ...]:
    """Every identifier but the INS (kept apart, trusted only when qualified), as sent."""
    found: list[r.ReceivedIdentifier] = []
    for ident in items(resource, "identifier"):
        system, value = text(ident.get("system")), text(ident.get("value"))
        if not system or not value or system.removeprefix("urn:oid:") in INS_OIDS:
            continue
        kind = next(iter(sorted(type_codes(ident) - {""})), "")
        found.append(r.ReceivedIdentifier(clip(system, 200), clip(value, 64), kind, "fhir"))
    return tuple(found)


def _ins(resource: Json) -> tuple[str, str]:
    for ident in items(resource, "identifier"):
        oid = text(ident.get("system")).removeprefix("urn:oid:")
        if oid in INS_OIDS and text(ident.get("value")):
            return text(ident.get("value")), oid
    return "", ""


def _statuses(resource: Json) -> tuple[tuple[str, ...], bool]:
    """Identity status codes of the reliability extension(s) (a `CACH` comment too), and
    whether one says the identity is qualified: FR Core `QUAL`, or v1's table-0445 `VALI`."""
    found: list[str] = []
    qualified = False
    names: tuple[str, ...]
    for ext in items(resource, "extension"):
        url = text(ext.get("url"))
        if url == RELIABILITY_URL:
            names, wanted = ("identityStatus",), QUALIFIED_STATUS
        elif url in RELIABILITY_V1_URLS:
            names, wanted = ("identityReliability", "identityStatus"), QUALIFIED_V1_STATUS
        else:
            continue
        for sub in items(ext, "extension"):
            coding = sub.get("valueCoding")
            code = text(coding.get("code")) if isinstance(coding, dict) else ""
            code = code or text(sub.get("valueCode"))
            status = text(sub.get("url")) in names
            qualified = qualified or (status and code == wanted)
            if code and (status or code == HIDDEN_STATUS) and code not in found:
                found.append(code)
    return tuple(found), qualified


def _names(resource: Json) -> tuple[str, str, str]:
    names = items(resource, "name")
    official = next((n for n in names if n.get("use") == "official"), None)
    official = official or next((n for n in names if "use" not in n), None)
    usual = next((n for n in names if n.get("use") == "usual"), None)
    if official is None:
        official, usual = usual, None
    if official is None and names:
        official = names[0]
    birth = text(official.get("family")) if official else ""
    given_list = official.get("given") if official else None
    given = text(given_list[0]) if isinstance(given_list, list) and given_list else ""
    used = text(usual.get("family")) if usual else ""
    if not given and usual and isinstance(usual.get("given"), list) and usual["given"]:
        given = text(usual["given"][0])
    if not (birth or used or given):
        # A name given only as text is still the patient's name: never shown nameless.
        birth = next((text(n.get("text")) for n in names if text(n.get("text"))), "")
    return birth, (used if used != birth else ""), given


def _birthplace(resource: Json) -> str:
    for ext in items(resource, "extension"):
        if text(ext.get("url")) != BIRTHPLACE_URL:
            continue
        address = ext.get("valueAddress")
        if not isinstance(address, dict):
            return ""
        for sub in items(address, "extension"):
            if text(sub.get("url")) == INSEE_URL:
                coding = sub.get("valueCoding")
                return text(coding.get("code")) if isinstance(coding, dict) else ""
    return ""


def _address(resource: Json) -> str:
    addresses = items(resource, "address")
    if not addresses:
        return ""
    first = addresses[0]
    lines = first.get("line")
    street = " ".join(text(x) for x in lines) if isinstance(lines, list) else ""
    parts = (street, text(first.get("postalCode")), text(first.get("city")))
    return ", ".join(p for p in parts if p)


def _hidden(resource: Json, statuses: tuple[str, ...]) -> bool:
    meta = resource.get("meta")
    labels = items(meta, "security") if isinstance(meta, dict) else []
    return HIDDEN_STATUS in statuses or any(text(s.get("code")) in _CONFIDENTIAL for s in labels)


def map_patient(resource: Json, _resolve: Resolver, options: Options) -> list[Op]:
    authority, ipp = _ipp(resource, options)
    statuses, qualified = _statuses(resource)
    ins, ins_oid = _ins(resource)
    birth, used, given = _names(resource)
    sex = _SEX.get(text(resource.get("gender")), "")
    deceased = bool(resource.get("deceasedBoolean")) or bool(resource.get("deceasedDateTime"))
    record = r.PatientRecord(
        authority=clip(authority, 120),
        ipp=clip(ipp, 64),
        birth_family=clip(birth, 120),
        used_family=clip(used, 120),
        given=clip(given, 160),
        birth_date=parse_day(resource.get("birthDate")),
        sex=sex,
        ins=clip(ins, 20),
        ins_oid=ins_oid,
        # FR Core: an INS is trusted only for a qualified identity (retrieved and checked).
        ins_trusted=bool(ins) and qualified,
        statuses=statuses,
        hidden=_hidden(resource, statuses),
        deceased=deceased,
        birthplace_code=clip(_birthplace(resource), 10),
        address=clip(_address(resource), 300),
        identifiers=_received(resource),
    )
    fhir_id = text(resource.get("id"))
    return [PatientOp(record, fhir_id), AliasOp(f"Patient/{fhir_id}", record.rkey)]


# -- Organization, Location, Practitioner ---------------------------------------------------


def _first_value(resource: Json) -> str:
    return next((text(i.get("value")) for i in items(resource, "identifier") if i.get("value")), "")


def map_organization(resource: Json, _resolve: Resolver, _options: Options) -> list[Op]:
    fhir_id = text(resource.get("id"))
    code = _first_value(resource)
    label = text(resource.get("name")) or code or fhir_id
    # A UF code is short; a long identifier (a UUID) is not a unit code worth showing.
    unit = code if 0 < len(code) <= 20 else ""
    record = r.ReferenceRecord("Organization", fhir_id, clip(label, 300), {"code": code})
    return [
        ReferenceOp(record),
        AliasOp(f"Organization/{fhir_id}", unit),
        *identifier_aliases("Organization", resource, unit),
    ]


Place = tuple[str, str, str]  # unit, room, bed


def decode_place(value: str | None) -> Place | None:
    if not value:
        return None
    unit, room, bed = [*value.split("\t"), "", "", ""][:3]
    return unit, room, bed


def _location_place(resource: Json, resolve: Resolver) -> Place:
    own = clip(_first_value(resource) or text(resource.get("name")), 20)
    kind = concept_code(resource.get("physicalType"))
    parent = decode_place(resolve(ref)) if (ref := reference(resource.get("partOf"))) else None
    org = reference(resource.get("managingOrganization"))
    org_unit = (resolve(org) or "") if org else ""
    unit, room, _bed = parent or ("", "", "")
    unit = org_unit or unit
    if kind == "bd":
        return unit, room, own
    if kind in ("ro", "area"):
        return unit, own, ""
    return (unit or own), "", ""


def map_location(resource: Json, resolve: Resolver, _options: Options) -> list[Op]:
    fhir_id = text(resource.get("id"))
    unit, room, bed = _location_place(resource, resolve)
    label = text(resource.get("name")) or _first_value(resource) or fhir_id
    data = {"unit": unit, "room": room, "bed": bed}
    place = "\t".join((unit, room, bed))
    return [
        ReferenceOp(r.ReferenceRecord("Location", fhir_id, clip(label, 300), data)),
        AliasOp(f"Location/{fhir_id}", place),
        *identifier_aliases("Location", resource, place),
    ]


def person_label(resource: Json) -> str:
    names = items(resource, "name")
    if not names:
        return ""
    name = names[0]
    given = name.get("given")
    first = text(given[0]) if isinstance(given, list) and given else ""
    return " ".join(p for p in (first, text(name.get("family"))) if p) or text(name.get("text"))


def map_practitioner(resource: Json, _resolve: Resolver, _options: Options) -> list[Op]:
    fhir_id = text(resource.get("id"))
    label = clip(person_label(resource) or _first_value(resource) or fhir_id, 200)
    record = r.ReferenceRecord(
        "Practitioner", fhir_id, label, {"identifier": _first_value(resource)}
    )
    return [
        ReferenceOp(record),
        AliasOp(f"Practitioner/{fhir_id}", label),
        *identifier_aliases("Practitioner", resource, label),
    ]


# -- Encounter ------------------------------------------------------------------------------


def _nda(resource: Json, patient: str) -> tuple[str, str]:
    identifiers = [i for i in items(resource, "identifier") if text(i.get("value"))]
    chosen = (
        next((i for i in identifiers if type_codes(i) & {"VN", "AN"}), None)
        or next((i for i in identifiers if text(i.get("system")).startswith(_NDA_ROOT)), None)
        or next((i for i in identifiers if text(i.get("system"))), None)
    )
    if chosen is None:
        return _key_from_id(resource, patient)
    return authority_of(text(chosen.get("system"))), text(chosen.get("value"))


def _key_from_id(resource: Json, patient: str) -> tuple[str, str]:
    """A stay key for an Encounter without identifier (Synthea's bundles, many servers):
    its FHIR id under its patient's authority, so the same Encounter sent again lands on
    the same stay. An id too long for the NDA column is replaced by its digest."""
    fhir_id = text(resource.get("id"))
    key = f"fhir-{fhir_id}"
    if len(key) > _NDA_SIZE:
        key = "fhir-" + hashlib.sha256(fhir_id.encode("utf-8")).hexdigest()[:40]
    return patient.partition("|")[0], key


def _place(resource: Json, resolve: Resolver) -> Place:
    """Where the encounter is: the active location, else the last one listed."""
    locations = items(resource, "location")
    current = next((x for x in locations if x.get("status") == "active"), None)
    if current is None:
        listed = [x for x in locations if x.get("status") in (None, "completed")]
        current = listed[-1] if listed else None
    place = (
        decode_place(resolve(ref))
        if current and (ref := reference(current.get("location")))
        else None
    )
    unit, room, bed = place or ("", "", "")
    provider = reference(resource.get("serviceProvider"))
    provider_unit = (resolve(provider) or "") if provider else ""
    return (provider_unit or unit), room, bed


def _attending(resource: Json, resolve: Resolver) -> str:
    people = items(resource, "participant")
    chosen = next(
        (p for p in people if any("ATND" in type_codes({"type": t}) for t in items(p, "type"))),
        people[0] if people else None,
    )
    if chosen is None:
        return ""
    individual = chosen.get("individual")
    ref = reference(individual)
    label = (resolve(ref) or "") if ref else ""
    return clip(
        label or (text(individual.get("display")) if isinstance(individual, dict) else ""), 200
    )


def _status(resource: Json) -> str:
    status = text(resource.get("status"))
    if status not in _STAY_STATUS:
        raise MappingError(f"Encounter.status {status[:20]!r} cannot be projected")
    return status


def _period(resource: Json) -> tuple[Any, Any]:
    period = resource.get("period")
    if not isinstance(period, dict):
        return None, None
    return parse_instant(period.get("start")), parse_instant(period.get("end"))


def map_encounter(resource: Json, resolve: Resolver, options: Options) -> list[Op]:
    if reference(resource.get("partOf")):
        return _movement(resource, resolve)
    status = _status(resource)
    patient = resolve_subject(resource.get("subject"), resolve)
    authority, nda = _nda(resource, patient)
    klass = _CLASS.get(concept_code({"coding": [resource.get("class") or {}]}), "")
    stay = r.StayRef(clip(authority, 200), clip(nda, _NDA_SIZE), klass)
    start, end = _period(resource)
    unit, room, bed = _place(resource, resolve)
    snapshot = r.StaySnapshot(
        status=_STAY_STATUS[status],
        admitted_at=start if status != "planned" else None,
        discharged_at=end if status == "finished" else None,
        unit_code=unit,
        room=room,
        bed=bed,
        attending=_attending(resource, resolve),
    )
    fhir_id = text(resource.get("id"))
    ended = end if status == "finished" else None
    venue = Venue(stay, start, status, ended, fhir_id, patient, snapshot.attending)
    return [
        VenueOp(fhir_id, patient, stay, snapshot, status),
        AliasOp(f"Encounter/{fhir_id}", venue.encode()),
    ]


def movement_kind(status: str, start: Any, venue: Venue) -> str:
    """How a movement Encounter reads as a PAM movement (see docs/formats/fhir.md)."""
    if status == "planned":
        return "pre_admission"
    if status == "onleave":
        return "leave"
    if venue.admitted_at is None or start <= venue.admitted_at:
        return "admission"
    return "transfer"


def _movement(resource: Json, resolve: Resolver) -> list[Op]:
    status = _status(resource)
    found = resolve(reference(resource.get("partOf")))
    if found is None:
        raise Unresolvable("partOf Encounter not received yet (import venues first)")
    venue = Venue.decode(found)
    start, _end = _period(resource)
    if start is None:
        raise MappingError("movement Encounter has no period.start")
    unit, room, bed = _place(resource, resolve)
    fhir_id = text(resource.get("id"))
    movement = r.MovementRecord(
        movement_id=clip(_first_value(resource) or fhir_id, 120),
        kind=movement_kind(status, start, venue),
        trigger="FHIR",
        action="CANCEL" if status in CANCELLED else "INSERT",
        start=start,
        unit_code=unit,
        room=room,
        bed=bed,
        attending=_attending(resource, resolve) or venue.attending,
        patient_class=venue.stay.patient_class,
    )
    return [MovementOp(venue.patient_rkey, venue, movement)]


Mapper = Callable[[Json, Resolver, Options], list[Op]]
MAPPERS: dict[str, Mapper] = {
    "Patient": map_patient,
    "Encounter": map_encounter,
    "Location": map_location,
    "Organization": map_organization,
    "Practitioner": map_practitioner,
}
