"""The meaning of pharmacy messages: RDE^O11 prescriptions and RAS^O17 administrations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from autarcie.mirror.hl7.datatypes import (
    Coded,
    Person,
    clean,
    coded_at,
    location,
    number_or_none,
    people,
    text_ts,
    ts_or_none,
    ts_required,
)
from autarcie.mirror.hl7.errors import ErrorCode, Hl7SemanticError
from autarcie.mirror.hl7.header import EventHeader, read_header
from autarcie.mirror.hl7.parser import Message, Segment
from autarcie.mirror.hl7.patient import PatientIdentity, read_patient


@dataclass(frozen=True, slots=True)
class OrderRef:
    """ORC: control code (NW new, CA cancel, DC stop, XO change...), ids, status, prescriber."""

    control: str
    placer_id: str
    filler_id: str
    status: str
    transaction_at: dt.datetime | None
    prescriber: Person | None


@dataclass(frozen=True, slots=True)
class Prescription:
    """One ordered drug (RXE, or RXO when no RXE), its route (RXR) and timing (TQ1)."""

    order: OrderRef
    drug: Coded
    dose: Decimal | None
    dose_max: Decimal | None
    unit: Coded | None
    form: Coded | None
    route: Coded | None
    frequency: str
    start: dt.datetime | None
    end: dt.datetime | None
    instructions: str


@dataclass(frozen=True, slots=True)
class Administration:
    """One RXA: what was given, how much, when, by whom, and whether it was done."""

    order: OrderRef
    drug: Coded
    amount: Decimal | None
    unit: Coded | None
    form: Coded | None
    route: Coded | None
    start: dt.datetime
    end: dt.datetime | None
    administered_by: tuple[Person, ...]
    completion_status: str
    action: str
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PrescriptionOrder:
    """RDE^O11."""

    header: EventHeader
    patient: PatientIdentity
    prescriptions: tuple[Prescription, ...]


@dataclass(frozen=True, slots=True)
class AdministrationReport:
    """RAS^O17."""

    header: EventHeader
    patient: PatientIdentity
    administrations: tuple[Administration, ...]


def _order(orc: Segment) -> OrderRef:
    control = clean(orc.text(1)).upper()
    if not control:
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING, location(orc, 1), "ORC-1 (order control) is missing"
        )
    placer, filler = clean(orc.text(2)), clean(orc.text(3))
    if not placer and not filler:
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING,
            location(orc, 2),
            "ORC-2 or ORC-3 (order number) is required",
        )
    prescribers = people(orc, 12)
    return OrderRef(
        control=control,
        placer_id=placer,
        filler_id=filler,
        status=clean(orc.text(5)).upper(),
        transaction_at=ts_or_none(orc, 9),
        prescriber=prescribers[0] if prescribers else None,
    )


def _groups(msg: Message, starts: str) -> list[list[Segment]]:
    """Segments from each ORC to the next; `starts` names the segment a group cannot lack."""
    groups: list[list[Segment]] = []
    for seg in msg:
        if seg.name == "ORC":
            groups.append([seg])
        elif seg.name in ("RXO", "RXE", "RXR", "TQ1", "RXA", "RXC"):
            if not groups:
                raise Hl7SemanticError(
                    ErrorCode.SEGMENT_SEQUENCE,
                    f"{seg.name}^{seg.seq}",
                    f"{seg.name} before any ORC",
                )
            groups[-1].append(seg)
    if not groups:
        raise Hl7SemanticError(ErrorCode.SEGMENT_SEQUENCE, "ORC", "the message has no ORC segment")
    for group in groups:
        if not any(seg.name in starts for seg in group):
            orc = group[0]
            raise Hl7SemanticError(
                ErrorCode.SEGMENT_SEQUENCE,
                f"ORC^{orc.seq}",
                f"order {orc.text(2) or orc.text(3)!r} has no {starts.replace(' ', ' or ')}",
            )
    return groups


def _first(group: list[Segment], name: str) -> Segment | None:
    return next((seg for seg in group if seg.name == name), None)


def _timing(
    rxe: Segment | None, tq1: Segment | None
) -> tuple[str, dt.datetime | None, dt.datetime | None]:
    if tq1 is not None:
        return clean(tq1.text(3)), ts_or_none(tq1, 7), ts_or_none(tq1, 8)
    if rxe is not None:
        # HL7 v2.5 keeps the old TQ in RXE-1: ^interval^^start^end.
        return clean(rxe.text(1, 2)), text_ts(rxe, 1, 4), text_ts(rxe, 1, 5)
    return "", None, None


def _prescription(group: list[Segment]) -> Prescription:
    order = _order(group[0])
    rxe, rxo = _first(group, "RXE"), _first(group, "RXO")
    # RXE (pharmacy encoded) wins over RXO (as requested); their fields shift by one.
    seg, shift = (rxe, 1) if rxe is not None else (rxo, 0)
    if seg is None:  # _groups already refuses such a group; kept for the type checker
        raise Hl7SemanticError(ErrorCode.SEGMENT_SEQUENCE, "RXE", "no RXE or RXO segment")
    drug = coded_at(seg, 1 + shift)
    if drug is None:
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING,
            location(seg, 1 + shift),
            f"{seg.name}-{1 + shift} (drug) is missing",
        )
    rxr, tq1 = _first(group, "RXR"), _first(group, "TQ1")
    frequency, start, end = _timing(rxe, tq1)
    instructions = coded_at(seg, 6 + shift)
    return Prescription(
        order=order,
        drug=drug,
        dose=number_or_none(seg, 2 + shift),
        dose_max=number_or_none(seg, 3 + shift),
        unit=coded_at(seg, 4 + shift),
        form=coded_at(seg, 5 + shift),
        route=coded_at(rxr, 1) if rxr is not None else None,
        frequency=frequency,
        start=start,
        end=end,
        instructions=(instructions.label or instructions.code) if instructions else "",
    )


def interpret_rde(msg: Message) -> PrescriptionOrder:
    """Give an RDE^O11 its meaning, or raise Hl7SemanticError."""
    header = read_header(msg)
    patient = read_patient(msg, fallback_types=("MR",))
    groups = _groups(msg, "RXE RXO")
    return PrescriptionOrder(header, patient, tuple(_prescription(group) for group in groups))


def _administration(order: OrderRef, rxa: Segment, rxr: Segment | None) -> Administration:
    drug = coded_at(rxa, 5)
    if drug is None:
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING,
            location(rxa, 5),
            "RXA-5 (administered code) is missing",
        )
    return Administration(
        order=order,
        drug=drug,
        amount=number_or_none(rxa, 6),
        unit=coded_at(rxa, 7),
        form=coded_at(rxa, 8),
        route=coded_at(rxr, 1) if rxr is not None else None,
        start=ts_required(rxa, 3, "RXA-3 (administration start)"),
        end=ts_or_none(rxa, 4),
        administered_by=people(rxa, 10),
        completion_status=clean(rxa.text(20)).upper(),
        action=clean(rxa.text(21)).upper(),
        notes=tuple(
            n for rep in rxa.field(9).repetitions if (n := clean(rep.text(2) or rep.text(1)))
        ),
    )


def interpret_ras(msg: Message) -> AdministrationReport:
    """Give an RAS^O17 its meaning, or raise Hl7SemanticError."""
    header = read_header(msg)
    patient = read_patient(msg, fallback_types=("MR",))
    administrations: list[Administration] = []
    for group in _groups(msg, "RXA"):
        order = _order(group[0])
        for index, seg in enumerate(group):
            if seg.name == "RXA":
                following = group[index + 1] if index + 1 < len(group) else None
                rxr = following if following is not None and following.name == "RXR" else None
                administrations.append(_administration(order, seg, rxr))
    return AdministrationReport(header, patient, tuple(administrations))
