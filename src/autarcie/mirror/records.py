"""Feed-independent records: what an HL7 message or a FHIR resource means for the store.

Both feeds are translated into these, so an HL7 A01 and a FHIR Encounter for the same stay
converge on the same projection rows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

# INS assigning authorities (PAM FR PID-3, FR Core identifier slices).
INS_OIDS: dict[str, str] = {
    "1.2.250.1.213.1.4.8": "INS-NIR",
    "1.2.250.1.213.1.4.9": "INS-NIA",
    "1.2.250.1.213.1.4.10": "INS-NIR-TEST",
    "1.2.250.1.213.1.4.11": "INS-NIR-DEMO",
}
# ANS OID roots that end with the establishment's FINESS (IPP .7, NDA .2): PAM FR sends the
# same authority as `name&FINESS&M`, `name&1.2.250.1.71.4.2.2.FINESS&ISO`, and FR Core as
# `urn:oid:1.2.250.1.71.4.2.x.FINESS`; all of them key by the FINESS alone.
_FINESS_ROOT = re.compile(r"^1\.2\.250\.1\.71\.4\.2\.\d+\.([0-9AB]{9})$")


def authority_key(authority: str) -> str:
    """The one key of an assigning authority, however a feed spells it (HL7 CX-4 universal id
    or namespace, FHIR identifier system): HL7 and FHIR describing one patient converge."""
    oid = authority.removeprefix("urn:oid:")
    finess = _FINESS_ROOT.match(oid)
    return finess.group(1) if finess else oid


def is_ins_authority(authority: str) -> bool:
    """True for an identity keyed by its INS alone (no IPP received): to reconcile by hand."""
    return authority in INS_OIDS


@dataclass(frozen=True, slots=True)
class ReceivedIdentifier:
    """An identifier as a feed sent it: its FHIR system (derived from HL7 CX-4 when it came
    by HL7), value, type code (CX-5, FHIR type), and the HL7 assigning authority as written."""

    system: str
    value: str
    type_code: str = ""
    feed: str = ""  # "hl7" or "fhir": a restored HIS is answered in the spelling it used
    assigner: str = ""  # HL7 CX-4 namespace&universal id&type, when it came by HL7

    @property
    def assigner_id(self) -> str:
        """CX-4's universal id, else its namespace (how the HL7 reader keys the authority)."""
        name, _, rest = self.assigner.partition("&")
        return rest.partition("&")[0] or name


def identifiers_from_json(text: str) -> tuple[ReceivedIdentifier, ...]:
    """A patient projection's ``identifiers`` column read back (see ``Store.patient``)."""
    try:
        loaded = json.loads(text) if text else []
    except ValueError:
        return ()
    if not isinstance(loaded, list):
        return ()
    return tuple(
        ReceivedIdentifier(
            str(i["system"]),
            str(i["value"]),
            str(i.get("type_code") or ""),
            str(i.get("feed") or ""),
            str(i.get("assigner") or ""),
        )
        for i in loaded
        if isinstance(i, dict) and i.get("system") and i.get("value")
    )


def key_as_received(
    identifiers: tuple[ReceivedIdentifier, ...], authority: str, ipp: str, feed: str
) -> ReceivedIdentifier | None:
    """The identifier a feed sent for the patient's key, that feed's first."""
    spelt = [
        i
        for i in identifiers
        if i.value == ipp
        and (authority_key(i.system) == authority or authority_key(i.assigner_id) == authority)
    ]
    spelt.sort(key=lambda i: i.feed != feed)
    return spelt[0] if spelt else None


def system_of_key(identifiers: tuple[ReceivedIdentifier, ...], authority: str, ipp: str) -> str:
    """The system a feed used for the patient's key, the FHIR feed's first: the one a
    restored HIS looks its own patients up by. "" when no feed spelt it with a system."""
    found = key_as_received(identifiers, authority, ipp, "fhir")
    return found.system if found is not None and authority_key(found.system) == authority else ""


def assigner_of_key(identifiers: tuple[ReceivedIdentifier, ...], authority: str, ipp: str) -> str:
    """The HL7 CX-4 (``namespace&universal id&type``) the HL7 feed sent for the patient's key,
    "" when it came by FHIR only: HL7 handed back to the HIS names the authority its way."""
    found = key_as_received(identifiers, authority, ipp, "hl7")
    return found.assigner if found is not None and found.feed == "hl7" else ""


@dataclass(frozen=True, slots=True)
class PatientRecord:
    authority: str
    ipp: str
    birth_family: str = ""
    used_family: str = ""
    given: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    ins: str = ""
    ins_oid: str = ""
    ins_trusted: bool = False
    statuses: tuple[str, ...] = ()
    hidden: bool = False
    deceased: bool = False
    birthplace_code: str = ""
    address: str = ""
    identifiers: tuple[ReceivedIdentifier, ...] = ()
    names: tuple[str, ...] = ()  # every name repetition as received, "type:family^given"

    @property
    def rkey(self) -> str:
        return patient_rkey(self.authority, self.ipp)


def patient_rkey(authority: str, ipp: str) -> str:
    return f"{authority}|{ipp}"


@dataclass(frozen=True, slots=True)
class StayRef:
    """The venue a movement belongs to."""

    authority: str
    nda: str
    patient_class: str = ""
    # The admission instant the message states (PV1-44), kept for a stay whose admission
    # movement was never received.
    admitted_at: dt.datetime | None = None

    @property
    def rkey(self) -> str:
        return f"{self.authority}|{self.nda}"


@dataclass(frozen=True, slots=True)
class MovementRecord:
    """One movement of a stay; action INSERT, UPDATE or CANCEL as PAM France's ZBE-4."""

    movement_id: str
    kind: str  # admission, transfer, leave, leave_return, discharge, pre_admission, ...
    trigger: str
    action: str
    start: dt.datetime
    unit_code: str = ""
    room: str = ""
    bed: str = ""
    medical_unit: str = ""
    nature: str = ""
    attending: str = ""
    patient_class: str = ""
    historic: bool = False


@dataclass(frozen=True, slots=True)
class StaySnapshot:
    """A whole stay stated at once (a FHIR Encounter, a census line), without movements."""

    status: str
    admitted_at: dt.datetime | None = None
    discharged_at: dt.datetime | None = None
    unit_code: str = ""
    room: str = ""
    bed: str = ""
    medical_unit: str = ""
    attending: str = ""


@dataclass(frozen=True, slots=True)
class AllergyRecord:
    key: str
    label: str
    code: str = ""
    system: str = ""  # the code's system as sent: ``ATC``, ``L``, ``http://snomed.info/sct``...
    category: str = ""
    severity: str = ""  # HL7 table 0128 (SV, MO, MI, U), whatever the feed
    reaction: str = ""
    active: bool = True


@dataclass(frozen=True, slots=True)
class ConditionRecord:
    key: str
    label: str
    code: str = ""
    system: str = ""  # FHIR system URI when known (formats.codes), else the local name as sent
    onset: dt.date | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class ImmunizationRecord:
    """A vaccine given (FHIR Immunization): what, when, and whether it was done."""

    key: str
    label: str
    code: str = ""
    occurred_at: dt.datetime | None = None
    status: str = "completed"  # completed, not-done, entered-in-error
    lot_number: str = ""


@dataclass(frozen=True, slots=True)
class PrescriptionRecord:
    key: str
    drug_label: str
    status: str  # active stopped cancelled completed
    drug_code: str = ""
    drug_system: str = ""
    dose: str = ""
    dose_unit: str = ""
    route: str = ""
    frequency: str = ""
    times: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    prescriber: str = ""
    stay_nda: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AdministrationRecord:
    key: str
    drug_label: str
    status: str
    given_at: dt.datetime | None = None
    dose: str = ""
    prescription_key: str = ""


@dataclass(frozen=True, slots=True)
class ResultRecord:
    key: str
    code: str
    label: str
    status: str
    value: str = ""
    value_num: float | None = None
    unit: str = ""  # the unit's code (HL7 OBX-6.1, FHIR Quantity.code), else its text
    reference_range: str = ""
    flag: str = ""
    panel_code: str = ""
    panel_label: str = ""
    observed_at: dt.datetime | None = None
    code_system: str = ""
    unit_system: str = ""  # http://unitsofmeasure.org only when the unit is UCUM


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    key: str
    status: str
    type_code: str = ""
    type_system: str = ""
    number: str = ""
    type_label: str = ""
    title: str = ""
    text: str = ""
    authored_at: dt.datetime | None = None
    confidential: bool = False


@dataclass(frozen=True, slots=True)
class ReferenceRecord:
    rtype: str  # Practitioner, Location, Organization
    rid: str
    label: str
    data: dict[str, str] = field(default_factory=dict)
