"""FHIR R4 resources (FR Core shapes) to the mirror's records: pure functions, no database.

Each resource becomes a list of operations (:data:`Op`) the importer applies, or a verdict
saying why it is only stored or rejected. References to other resources (``Patient/<id>``)
are resolved through a :data:`Resolver` the caller provides, so the mapping stays pure and
testable with a plain dictionary; the importer backs it with the store (see ``fhir_import``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autarcie.mirror import records as r

Json = Mapping[str, Any]
Resolver = Callable[[str], str | None]
"""``"Patient/<id>"`` (or ``"Type?identifier=system|value"``) -> the value an alias recorded."""

FR_CORE = "https://hl7.fr/ig/fhir/core"
RELIABILITY_URL = f"{FR_CORE}/StructureDefinition/fr-core-identity-reliability"
STATUS_SYSTEM = f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status"
BIRTHPLACE_URL = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
INSEE_URL = f"{FR_CORE}/StructureDefinition/fr-core-address-insee-code"
INS_OIDS = {
    "1.2.250.1.213.1.4.8": "INS-NIR",
    "1.2.250.1.213.1.4.9": "INS-NIA",
    "1.2.250.1.213.1.4.10": "INS-NIR-TEST",
    "1.2.250.1.213.1.4.11": "INS-NIR-DEMO",
}
# ANS OID roots that end with the establishment's FINESS (IPP .7, NDA .2): PAM FR sends the
# same authority as `name&FINESS&M`, which the HL7 reader keys by the FINESS alone.
_FINESS_ROOT = re.compile(r"^1\.2\.250\.1\.71\.4\.2\.\d+\.([0-9AB]{9})$")
_CONFIDENTIAL = frozenset({"R", "V"})
HIDDEN_STATUS = "CACH"
QUALIFIED_STATUS = "QUAL"


class MappingError(ValueError):
    """The resource cannot be mapped; the message is the quarantine reason (no patient data)."""


# -- what a resource becomes ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatientOp:
    record: r.PatientRecord
    fhir_id: str


@dataclass(frozen=True, slots=True)
class ReferenceOp:
    record: r.ReferenceRecord


@dataclass(frozen=True, slots=True)
class AliasOp:
    """Remember what a FHIR reference stands for (``Patient/<id>`` -> patient rkey)."""

    ref: str
    value: str


@dataclass(frozen=True, slots=True)
class VenueOp:
    """A venue Encounter: the stay stated whole, and its status for later movements."""

    fhir_id: str
    patient_rkey: str
    stay: r.StayRef
    snapshot: r.StaySnapshot
    fhir_status: str


@dataclass(frozen=True, slots=True)
class MovementOp:
    """A movement Encounter (``partOf`` its venue); `venue` is the venue's alias value."""

    patient_rkey: str
    venue: Venue
    movement: r.MovementRecord


@dataclass(frozen=True, slots=True)
class ClinicalOp:
    patient_rkey: str
    record: (
        r.AllergyRecord
        | r.ConditionRecord
        | r.PrescriptionRecord
        | r.AdministrationRecord
        | r.ResultRecord
        | r.DocumentRecord
    )


Op = PatientOp | ReferenceOp | AliasOp | VenueOp | MovementOp | ClinicalOp


@dataclass(frozen=True, slots=True)
class StoreOnly:
    """A type the mirror keeps (inbound row and raw version) but does not project."""

    rtype: str
    fhir_id: str


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A reference to a resource not received yet: kept in quarantine, reprocessable."""

    reason: str


Mapped = list[Op] | StoreOnly | Unresolved


@dataclass(frozen=True, slots=True)
class Options:
    """Site choices: which identifier systems are the hospital's IPP."""

    ipp_systems: frozenset[str] = frozenset()


# -- small readers --------------------------------------------------------------------------


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def codings(concept: Any) -> list[Json]:
    if not isinstance(concept, Mapping):
        return []
    items = concept.get("coding")
    return [c for c in items if isinstance(c, Mapping)] if isinstance(items, list) else []


def concept_code(concept: Any, prefer: str = "") -> str:
    found = codings(concept)
    for coding in found:
        if prefer and coding.get("system") == prefer and text(coding.get("code")):
            return text(coding.get("code"))
    return next((text(c.get("code")) for c in found if text(c.get("code"))), "")


def concept_label(concept: Any) -> str:
    if not isinstance(concept, Mapping):
        return ""
    label = text(concept.get("text"))
    if label:
        return label
    return next((text(c.get("display")) or text(c.get("code")) for c in codings(concept) if c), "")


def items(resource: Json, name: str) -> list[Json]:
    value = resource.get(name)
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def reference(value: Any) -> str:
    return text(value.get("reference")) if isinstance(value, Mapping) else ""


def parse_instant(value: Any) -> dt.datetime | None:
    """A FHIR dateTime/instant; a date alone means its midnight UTC; naive means UTC."""
    raw = text(value)
    if not raw:
        return None
    if len(raw) == 4:
        raw += "-01-01"
    elif len(raw) == 7:
        raw += "-01"
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MappingError("invalid dateTime") from exc
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def parse_day(value: Any) -> dt.date | None:
    raw = text(value)
    if not raw:
        return None
    if len(raw) < 10:
        return None  # a partial date (year, year-month) is kept in the raw resource only
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise MappingError("invalid date") from exc


def authority_of(system: str) -> str:
    """The assigning authority an identifier system stands for, as the HL7 reader keys it."""
    oid = system.removeprefix("urn:oid:")
    if oid != system:
        finess = _FINESS_ROOT.match(oid)
        return finess.group(1) if finess else oid
    return system


def resolve_subject(value: Any, resolve: Resolver, what: str = "subject") -> str:
    """The patient rkey a subject/patient reference stands for; raise when not received yet."""
    ref = reference(value)
    if not ref:
        raise MappingError(f"{what} has no reference")
    if ref.startswith("Patient?identifier="):
        system, _, value_text = ref.removeprefix("Patient?identifier=").partition("|")
        found = resolve(ref)
        if found is None and system and value_text:
            found = r.patient_rkey(authority_of(system), value_text)
        if found:
            return found
    found = resolve(ref)
    if found is None:
        kind = ref.split("/")[0].split("?")[0][:40]
        raise Unresolvable(f"{what} {kind} not received yet")
    return found


class Unresolvable(LookupError):
    """A reference names a resource the mirror has not received (yet)."""


# -- venues, as aliases ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Venue:
    """What a movement needs of its venue: the stay, its admission time and FHIR status."""

    stay: r.StayRef
    admitted_at: dt.datetime | None
    fhir_status: str
    ended_at: dt.datetime | None
    fhir_id: str
    patient_rkey: str
    attending: str = ""

    def encode(self) -> str:
        parts = [
            self.stay.authority,
            self.stay.nda,
            self.stay.patient_class,
            self.admitted_at.isoformat() if self.admitted_at else "",
            self.fhir_status,
            self.ended_at.isoformat() if self.ended_at else "",
            self.fhir_id,
            self.patient_rkey,
            self.attending,
        ]
        return "\t".join(parts)

    @classmethod
    def decode(cls, value: str) -> Venue:
        authority, nda, klass, start, status, end, fhir_id, patient, attending = value.split("\t")
        return cls(
            stay=r.StayRef(authority, nda, klass),
            admitted_at=dt.datetime.fromisoformat(start) if start else None,
            fhir_status=status,
            ended_at=dt.datetime.fromisoformat(end) if end else None,
            fhir_id=fhir_id,
            patient_rkey=patient,
            attending=attending,
        )


def map_resource(resource: Any, resolve: Resolver, options: Options | None = None) -> Mapped:
    """What one resource means for the mirror. Raises :class:`MappingError` for bad input."""
    from autarcie.mirror import fhir_map_clinical, fhir_map_identity
    from autarcie.mirror.fhir_map_types import RESOURCE_TYPES

    if not isinstance(resource, Mapping):
        raise MappingError("not a JSON object")
    rtype = text(resource.get("resourceType"))
    if not rtype:
        raise MappingError("no resourceType")
    if rtype not in RESOURCE_TYPES:
        raise MappingError("unknown resourceType")
    fhir_id = text(resource.get("id"))
    if not fhir_id:
        raise MappingError(f"{rtype} without id")
    mapper = fhir_map_identity.MAPPERS.get(rtype) or fhir_map_clinical.MAPPERS.get(rtype)
    if mapper is None:
        return StoreOnly(rtype, fhir_id)
    try:
        return mapper(resource, resolve, options or Options())
    except Unresolvable as exc:
        return Unresolved(str(exc))
