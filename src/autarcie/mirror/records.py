"""Feed-independent records: what an HL7 message or a FHIR resource means for the store.

Both feeds are translated into these, so an HL7 A01 and a FHIR Encounter for the same stay
converge on the same projection rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


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
