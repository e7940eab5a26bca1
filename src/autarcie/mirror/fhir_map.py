"""FHIR R4 resources (FR Core shapes) to the mirror's records: pure functions, no database.

Each resource becomes a list of operations (:data:`Op`) the importer applies, or a verdict
saying why it is only stored or rejected. References to other resources (``Patient/<id>``)
are resolved through a :data:`Resolver` the caller provides, so the mapping stays pure and
testable with a plain dictionary; the importer backs it with the store (see ``fhir_import``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autarcie.mirror import records as r
from autarcie.mirror.fhir_map_types import RESOURCE_TYPES

Json = Mapping[str, Any]
Resolver = Callable[[str], str | None]
"""``"Patient/<id>"`` (or ``"Type?identifier=system|value"``) -> the value an alias recorded."""

FR_CORE = "https://hl7.fr/ig/fhir/core"
RELIABILITY_URL = f"{FR_CORE}/StructureDefinition/fr-core-identity-reliability"
# FR Core v1 (InteropSanté) and its draft named the extension otherwise, with a sub-extension
# `identityReliability` coded in table 0445 (the PID-32 codes): there VALI means what PAM FR's
# PID-32 VALI means, a qualified identity.
RELIABILITY_V1_URLS = frozenset(
    {
        "http://interopsante.org/fhir/StructureDefinition/FrPatientIdentReliability",
        "http://interopsante.org/fhir/StructureDefinition/fr-core-ident-reliability",
    }
)
STATUS_SYSTEM = f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status"
BIRTHPLACE_URL = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
INSEE_URL = f"{FR_CORE}/StructureDefinition/fr-core-address-insee-code"
INS_OIDS = r.INS_OIDS
_CONFIDENTIAL = frozenset({"R", "V"})
HIDDEN_STATUS = "CACH"
# FHIR allows 64; some servers send longer ids. Keys built from an id must fit 300 characters.
MAX_ID = 200
QUALIFIED_STATUS = "QUAL"
QUALIFIED_V1_STATUS = "VALI"


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
        | r.ImmunizationRecord
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


# Parsed JSON holds plain dicts: `isinstance(x, dict)` is several times cheaper than an ABC
# check, and these helpers run a dozen times per resource.


def codings(concept: Any) -> list[Json]:
    if not isinstance(concept, dict):
        return []
    items = concept.get("coding")
    return [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []


def concept_code(concept: Any, prefer: str = "") -> str:
    found = codings(concept)
    for coding in found:
        if prefer and coding.get("system") == prefer and text(coding.get("code")):
            return text(coding.get("code"))
    return next((text(c.get("code")) for c in found if text(c.get("code"))), "")


def concept_label(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    label = text(concept.get("text"))
    if label:
        return label
    return next((text(c.get("display")) or text(c.get("code")) for c in codings(concept) if c), "")


def items(resource: Json, name: str) -> list[Json]:
    value = resource.get(name)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def reference(value: Any) -> str:
    return text(value.get("reference")) if isinstance(value, dict) else ""


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
        # Year 1 east of Greenwich, or 9999 west of it, has no UTC instant.
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise MappingError("invalid dateTime") from exc


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
    return r.authority_key(system)


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
        """Tab-separated (the alias rows already stored use this form); raises MappingError
        when a part holds a tab itself, since it could not be read back."""
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
        if any("\t" in part for part in parts):
            raise MappingError("an Encounter identifier or reference holds a tab character")
        return "\t".join(parts)

    @classmethod
    def decode(cls, value: str) -> Venue:
        parts = value.split("\t")
        if len(parts) != 9:
            raise MappingError("the referenced Encounter's alias is unreadable")
        authority, nda, klass, start, status, end, fhir_id, patient, attending = parts
        return cls(
            stay=r.StayRef(authority, nda, klass),
            admitted_at=dt.datetime.fromisoformat(start) if start else None,
            fhir_status=status,
            ended_at=dt.datetime.fromisoformat(end) if end else None,
            fhir_id=fhir_id,
            patient_rkey=patient,
            attending=attending,
        )


_MAPPERS: dict[str, Callable[[Json, Resolver, Options], list[Op]]] = {}
_DEFAULT = Options()


def _mappers() -> dict[str, Callable[[Json, Resolver, Options], list[Op]]]:
    # The mapper modules import this one: gather them on first use, not at import time.
    if not _MAPPERS:
        from autarcie.mirror import fhir_map_clinical, fhir_map_identity

        _MAPPERS.update(fhir_map_identity.MAPPERS)
        _MAPPERS.update(fhir_map_clinical.MAPPERS)
    return _MAPPERS


def map_resource(resource: Any, resolve: Resolver, options: Options | None = None) -> Mapped:
    """What one resource means for the mirror. Raises :class:`MappingError` for bad input."""
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
    if len(fhir_id) > MAX_ID:
        raise MappingError(f"{rtype} id longer than {MAX_ID} characters")
    mapper = _mappers().get(rtype)
    if mapper is None:
        return StoreOnly(rtype, fhir_id)
    try:
        return mapper(resource, resolve, options or _DEFAULT)
    except Unresolvable as exc:
        return Unresolved(str(exc))


# -- lines ----------------------------------------------------------------------------------

MAX_DEPTH = 100  # FHIR resources nest a dozen levels; deeper input is an attack or garbage


def _finite(value: str) -> float:
    number = float(value)
    if number in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return number


def _constant(_name: str) -> float:
    raise ValueError("NaN and Infinity are not JSON")


# Strict JSON: a number too large for a double, NaN and Infinity are refused (the store, and
# PostgreSQL's jsonb, could not keep them faithfully).
_DECODER = json.JSONDecoder(parse_float=_finite, parse_constant=_constant)


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node
        stack += [(c, depth + 1) for c in children if isinstance(c, dict | list)]
    return deepest


def _bad_text(value: Any) -> str:
    """Why a decoded JSON value cannot be stored as text ("" when it can)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack += node.keys()
            stack += node.values()
        elif isinstance(node, list):
            stack += node
        elif isinstance(node, str):
            if "\x00" in node:
                return "a string holds a NUL character (\\u0000)"
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return "a string holds an unpaired surrogate (\\ud800-\\udfff)"
    return ""


def parse_line(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """One NDJSON line as a resource, or None and the reason it is refused. Pure.

    Accepts what the store can keep faithfully on both engines: UTF-8, strict JSON, an
    object naming a FHIR resource type, no NUL or unpaired surrogate in its strings.
    """
    try:
        text = raw.decode("utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8")
    except UnicodeDecodeError:
        return None, "not valid UTF-8"
    try:
        resource = _DECODER.decode(text)
    except RecursionError:
        return None, f"not valid JSON (nested deeper than {MAX_DEPTH} levels)"
    except ValueError:
        return None, "not valid JSON"
    if not isinstance(resource, dict):
        return None, "not a JSON object"
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or rtype not in RESOURCE_TYPES:
        return None, "unknown or missing resourceType"
    # Cheap byte tests first: the walks below run only on the rare lines that need them.
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and _depth(resource) > MAX_DEPTH:
        return None, f"not valid JSON (nested deeper than {MAX_DEPTH} levels)"
    if (b"\\u0000" in raw or b"\\ud" in raw or b"\\uD" in raw) and (bad := _bad_text(resource)):
        return None, bad
    return resource, ""
