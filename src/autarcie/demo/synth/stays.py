"""Stays, movements and ADT events: what the simulation produces and both feeds read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from autarcie.demo.synth.hospital import Practitioner
from autarcie.demo.synth.people import Patient
from autarcie.demo.synth.rpu import EdPassage


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where a patient lies: unit, room and bed (room and bed empty in an ED corridor)."""

    unit: str
    room: str = ""
    bed: str = ""


@dataclass(slots=True)
class Segment:
    """One effective movement of a stay: a location held from `start` to `end`."""

    movement_id: str
    trigger: str  # the trigger that opened it: A01, A04, A06, A02, A22
    start: dt.datetime
    location: Location
    end: dt.datetime | None = None


@dataclass(slots=True)
class Stay:
    """A hospital stay (venue, NDA) with its effective segments and its exit data."""

    nda: str
    patient: Patient
    patient_class: str  # PV1-2: I inpatient, E emergency
    admitted_at: dt.datetime
    attending: Practitioner
    segments: list[Segment] = field(default_factory=list)
    discharged_at: dt.datetime | None = None
    preadmit_at: dt.datetime | None = None
    cancelled: bool = False
    on_leave: bool = False
    mode_entree: str = "8"
    provenance: str = ""
    mode_sortie: str = ""
    destination: str = ""
    discharge_code: str = ""  # PV1-36
    ed: EdPassage | None = None
    plan: list[tuple[str, float]] = field(default_factory=list)  # (unit code, days) still ahead

    @property
    def location(self) -> Location | None:
        """The current location, if the stay is open."""
        if self.discharged_at is not None or self.cancelled or not self.segments:
            return None
        return self.segments[-1].location

    def present_at(self, moment: dt.datetime) -> bool:
        """Whether the stay is open at `moment`."""
        if self.cancelled or self.admitted_at > moment:
            return False
        return self.discharged_at is None or self.discharged_at > moment


@dataclass(frozen=True, slots=True)
class VisitSnapshot:
    """The PV1/PV2/ZFM/ZFV picture of a stay at the instant an event is sent."""

    nda: str
    patient_class: str
    location: Location | None
    prior_location: Location | None
    admitted_at: dt.datetime
    discharged_at: dt.datetime | None
    attending: Practitioner
    mode_entree: str
    provenance: str
    mode_sortie: str
    destination: str
    discharge_code: str
    ed: EdPassage | None


@dataclass(frozen=True, slots=True)
class AdtEvent:
    """One ADT message to send: ITI-30 identity events carry no visit."""

    at: dt.datetime
    seq: int
    trigger: str
    patient: Patient
    visit: VisitSnapshot | None = None
    movement_id: str = ""
    movement_at: dt.datetime | None = None
    action: str = "INSERT"  # ZBE-4
    historic: bool = False  # ZBE-5
    original_trigger: str = ""  # ZBE-6
    nature: str = "HMS"  # ZBE-9
    merged: Patient | None = None  # A40: the record absorbed; A47: old identifier in MRG-1
    old_identifier: str = ""  # A47: the identifier replaced
    with_allergies: bool = False


def snapshot(stay: Stay, prior: Location | None = None) -> VisitSnapshot:
    """Freeze the stay's current state for one message."""
    location = stay.segments[-1].location if stay.segments else None
    return VisitSnapshot(
        nda=stay.nda,
        patient_class=stay.patient_class,
        location=location,
        prior_location=prior,
        admitted_at=stay.admitted_at,
        discharged_at=stay.discharged_at,
        attending=stay.attending,
        mode_entree=stay.mode_entree,
        provenance=stay.provenance,
        mode_sortie=stay.mode_sortie,
        destination=stay.destination,
        discharge_code=stay.discharge_code,
        ed=stay.ed,
    )
