"""The visit and the movement in a PAM FR message: PV1, PV2, ZBE, ZFM and ZFV."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from autarcie.mirror.hl7.datatypes import (
    CX,
    CX_HD,
    EI,
    PL,
    XON,
    XON_HD,
    BedLocation,
    Identifier,
    OrgUnit,
    Person,
    bed_location,
    entity_identifier,
    first_row,
    identifier,
    location,
    org_unit,
    people,
    pick,
    rows,
    ts_or_none,
    ts_required,
)
from autarcie.mirror.hl7.errors import ErrorCode, Hl7SemanticError
from autarcie.mirror.hl7.parser import Message, Segment

MovementAction = Literal["INSERT", "UPDATE", "CANCEL"]
_ACTIONS: dict[str, MovementAction] = {"INSERT": "INSERT", "UPDATE": "UPDATE", "CANCEL": "CANCEL"}


@dataclass(frozen=True, slots=True)
class Visit:
    """PV1/PV2: class (I, O, E, R...), location, doctors, visit number, discharge data."""

    patient_class: str
    location: BedLocation | None
    prior_location: BedLocation | None
    attending: tuple[Person, ...]
    admitting: tuple[Person, ...]
    visit_number: Identifier | None
    discharge_disposition: str
    discharge_destination: str
    admitted_at: dt.datetime | None
    discharged_at: dt.datetime | None
    arrival_mode: str


@dataclass(frozen=True, slots=True)
class Movement:
    """ZBE: the movement's identity, start, action, history flag, units and nature."""

    movement_id: str
    movement_ids: tuple[Identifier, ...]
    start: dt.datetime
    action: MovementAction
    historic: bool
    original_trigger: str
    medical_unit: OrgUnit | None
    care_unit: OrgUnit | None
    nature: str


@dataclass(frozen=True, slots=True)
class PmsiModes:
    """ZFM (PMSI): entry mode, exit mode, origin, destination, emergency passage."""

    entry_mode: str
    exit_mode: str
    origin: str
    destination: str
    emergency_passage: str


@dataclass(frozen=True, slots=True)
class VisitComplement:
    """ZFV: origin establishment (FINESS), exit transport, transport care (RPU TRANSPORT_PEC)."""

    origin_finess: str
    exit_transport: str
    transport_care: str


def read_visit(msg: Message) -> Visit | None:
    pv1 = msg.segment("PV1")
    if pv1 is None:
        return None
    pv2 = msg.segment("PV2")
    patient_class, disposition, destination, admitted, discharged = pick(pv1, 2, 36, 37, 44, 45)
    return Visit(
        patient_class=patient_class,
        location=bed_location(first_row(pv1, 3, PL)),
        prior_location=bed_location(first_row(pv1, 6, PL)),
        attending=people(pv1, 7),
        admitting=people(pv1, 17),
        visit_number=identifier(first_row(pv1, 19, CX, CX_HD)),
        discharge_disposition=disposition,
        discharge_destination=destination,
        admitted_at=ts_or_none(pv1, 44, admitted),
        discharged_at=ts_or_none(pv1, 45, discharged),
        arrival_mode=pick(pv2, 38)[0] if pv2 is not None else "",
    )


def _action(zbe: Segment, text: str) -> MovementAction:
    if not text:
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING, location(zbe, 4), "ZBE-4 (action) is missing"
        )
    action = _ACTIONS.get(text.upper())
    if action is None:
        raise Hl7SemanticError(
            ErrorCode.TABLE_VALUE_NOT_FOUND,
            location(zbe, 4),
            f"ZBE-4 action {text!r} is not INSERT, UPDATE or CANCEL",
        )
    return action


def read_movement(msg: Message) -> Movement | None:
    zbe = msg.segment("ZBE")
    if zbe is None:
        return None
    ids = tuple([i for row in rows(zbe, 1, EI) if (i := entity_identifier(row)) is not None])
    if not ids:
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING, location(zbe, 1), "ZBE-1 (movement ID) is missing"
        )
    f = ["", *pick(zbe, 1, 2, 3, 4, 5, 6, 7, 8, 9)]  # indexed as ZBE-n
    action = _action(zbe, f[4])
    original = f[6]
    if action != "INSERT" and not original:
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING,
            location(zbe, 6),
            f"ZBE-6 (original trigger) is required when ZBE-4 is {action}",
        )
    return Movement(
        movement_id=ids[0].value,
        movement_ids=ids,
        start=ts_required(zbe, 2, "ZBE-2 (movement start)", f[2]),
        action=action,
        historic=f[5].upper() == "Y",
        original_trigger=original,
        medical_unit=org_unit(first_row(zbe, 7, XON, XON_HD)),
        care_unit=org_unit(first_row(zbe, 8, XON, XON_HD)),
        nature=f[9],
    )


def read_pmsi(msg: Message) -> PmsiModes | None:
    zfm = msg.segment("ZFM")
    if zfm is None:
        return None
    entry, exit_mode, origin, destination, passage = pick(zfm, 1, 2, 3, 4, 5)
    return PmsiModes(entry, exit_mode, origin, destination, passage)


def read_complement(msg: Message) -> VisitComplement | None:
    zfv = msg.segment("ZFV")
    if zfv is None:
        return None
    return VisitComplement(*pick(zfv, 1, 2, 11))
