"""The meaning of ADT messages under IHE PAM France 2.11 (ITI-30 identity, ITI-31 movements)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from autarcie.mirror.hl7.datatypes import Identifier, location
from autarcie.mirror.hl7.errors import ErrorCode, Hl7SemanticError
from autarcie.mirror.hl7.header import EventHeader, read_header
from autarcie.mirror.hl7.parser import Message
from autarcie.mirror.hl7.patient import (
    Allergy,
    IdentitySupplement,
    PatientIdentity,
    PriorPatient,
    read_allergies,
    read_patient,
    read_prior,
    read_supplement,
)
from autarcie.mirror.hl7.visit import (
    Movement,
    PmsiModes,
    Visit,
    VisitComplement,
    read_complement,
    read_movement,
    read_pmsi,
    read_visit,
)

IdentityAction = Literal["create", "update", "change_identifier", "merge"]

_IDENTITY_ACTIONS: dict[str, IdentityAction] = {
    "A28": "create",
    "A31": "update",
    "A47": "change_identifier",
    "A40": "merge",
}

# PAM FR ITI-31 movement kinds with the trigger that inserts and the one that cancels them;
# every kind is updated by Z99. A06 and A07 are each other's cancellation.
MOVEMENT_KINDS: tuple[tuple[str, str, str], ...] = (
    ("pre_admission", "A05", "A38"),
    ("admission", "A01", "A11"),
    ("outpatient_admission", "A04", "A11"),
    ("pending_admission", "A14", "A27"),
    ("to_inpatient", "A06", "A07"),
    ("to_outpatient", "A07", "A06"),
    ("attending_change", "A54", "A55"),
    ("transfer", "A02", "A12"),
    ("pending_transfer", "A15", "A26"),
    ("pending_discharge", "A16", "A25"),
    ("discharge", "A03", "A13"),
    ("leave", "A21", "A52"),
    ("leave_return", "A22", "A53"),
)
_INSERTS = {insert: kind for kind, insert, _ in MOVEMENT_KINDS}
_CANCELS = {cancel: kind for kind, _, cancel in reversed(MOVEMENT_KINDS)}
_CANCELLED_BY = {insert: cancel for _, insert, cancel in MOVEMENT_KINDS}
UPDATE_TRIGGER = "Z99"
ACCOUNT_MOVE_TRIGGER = "A44"
REFUSED_TRIGGERS: dict[str, str] = {
    "A08": (
        "ADT^A08 is excluded by IHE PAM France: send A31 for an identity update "
        "and Z99 for a movement correction"
    ),
}


@dataclass(frozen=True, slots=True)
class IdentityEvent:
    """ITI-30: create (A28), update (A31), change identifiers (A47), merge (A40).

    For A47 `prior` holds the identifiers being replaced; for A40 the patient merged away
    into `patient`.
    """

    header: EventHeader
    action: IdentityAction
    patient: PatientIdentity
    prior: PriorPatient | None
    supplement: IdentitySupplement | None
    allergies: tuple[Allergy, ...]


@dataclass(frozen=True, slots=True)
class MovementEvent:
    """ITI-31: one movement to insert, cancel or update (Z99), with the visit state it brings."""

    header: EventHeader
    kind: str
    patient: PatientIdentity
    nda: Identifier
    movement: Movement
    visit: Visit
    pmsi: PmsiModes | None
    complement: VisitComplement | None
    supplement: IdentitySupplement | None
    allergies: tuple[Allergy, ...]

    @property
    def action(self) -> str:
        return self.movement.action


@dataclass(frozen=True, slots=True)
class AccountMove:
    """A44: the account (NDA) in `prior.account` moves from `prior.key` to `patient`."""

    header: EventHeader
    patient: PatientIdentity
    prior: PriorPatient


@dataclass(frozen=True, slots=True)
class RefusedEvent:
    """A message the profile forbids: answer AR with `code` and `reason`, keep it aside."""

    header: EventHeader
    code: str
    location: str
    reason: str


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """A trigger we do not know: acknowledge it, keep it, apply nothing (PAM FR rule)."""

    header: EventHeader
    reason: str


AdtInterpretation = IdentityEvent | MovementEvent | AccountMove | RefusedEvent | UnknownEvent


def interpret_adt(msg: Message) -> AdtInterpretation:
    """Give an ADT message its PAM FR meaning, or raise Hl7SemanticError."""
    header = read_header(msg)
    trigger = header.trigger
    if trigger in REFUSED_TRIGGERS:
        return RefusedEvent(
            header, ErrorCode.UNSUPPORTED_EVENT_CODE, "MSH^1^9^1^2", REFUSED_TRIGGERS[trigger]
        )
    if trigger in _IDENTITY_ACTIONS:
        return _identity(msg, header, _IDENTITY_ACTIONS[trigger])
    if trigger == ACCOUNT_MOVE_TRIGGER:
        return _account_move(msg, header)
    if trigger in _INSERTS or trigger in _CANCELS or trigger == UPDATE_TRIGGER:
        return _movement(msg, header)
    return UnknownEvent(header, f"ADT^{trigger} is not a PAM FR event: kept, not applied")


def _required_prior(msg: Message, trigger: str, need_key: bool) -> PriorPatient:
    prior = read_prior(msg)
    if prior is None:
        raise Hl7SemanticError(
            ErrorCode.SEGMENT_SEQUENCE, "MRG", f"ADT^{trigger} needs an MRG segment"
        )
    if not prior.identifiers or (need_key and prior.key is None):
        wanted = "an IPP (PI)" if need_key else "the previous identifier"
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING, "MRG^1^1", f"MRG-1 must hold {wanted}"
        )
    return prior


def _identity(msg: Message, header: EventHeader, action: IdentityAction) -> IdentityEvent:
    patient = read_patient(msg, ins_alone=False)
    prior = None
    if action in ("change_identifier", "merge"):
        prior = _required_prior(msg, header.trigger, need_key=action == "merge")
    if action == "merge" and prior is not None and prior.key == patient.key:
        raise Hl7SemanticError(
            ErrorCode.DUPLICATE_KEY,
            "MRG^1^1",
            "A40 merges a patient into itself (MRG-1 equals the PID-3 IPP)",
        )
    return IdentityEvent(header, action, patient, prior, read_supplement(msg), read_allergies(msg))


def _account_move(msg: Message, header: EventHeader) -> AccountMove:
    patient = read_patient(msg, ins_alone=False)
    prior = _required_prior(msg, header.trigger, need_key=True)
    if prior.account is None:
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING, "MRG^1^3", "A44 needs the moved account in MRG-3"
        )
    return AccountMove(header, patient, prior)


def _movement_kind(trigger: str, movement: Movement) -> str:
    action, original = movement.action, movement.original_trigger
    if trigger == UPDATE_TRIGGER:
        if action != "UPDATE":
            raise Hl7SemanticError(
                ErrorCode.TABLE_VALUE_NOT_FOUND,
                "ZBE^1^4",
                f"Z99 only updates a movement: ZBE-4 must be UPDATE, found {action}",
            )
        if original not in _INSERTS:
            raise Hl7SemanticError(
                ErrorCode.TABLE_VALUE_NOT_FOUND,
                "ZBE^1^6",
                f"ZBE-6 {original!r} is not a movement event that Z99 can update",
            )
        return _INSERTS[original]
    if action == "INSERT" and trigger in _INSERTS:
        return _INSERTS[trigger]
    if action == "CANCEL" and trigger in _CANCELS:
        if _CANCELLED_BY.get(original) == trigger:
            return _INSERTS[original]
        raise Hl7SemanticError(
            ErrorCode.TABLE_VALUE_NOT_FOUND,
            "ZBE^1^6",
            f"ADT^{trigger} cannot cancel a movement created by {original!r} (ZBE-6)",
        )
    expected = "CANCEL" if trigger in _CANCELS and trigger not in _INSERTS else "INSERT"
    raise Hl7SemanticError(
        ErrorCode.TABLE_VALUE_NOT_FOUND,
        "ZBE^1^4",
        f"ZBE-4 {action} does not match trigger {trigger} (expected {expected})",
    )


def _movement(msg: Message, header: EventHeader) -> MovementEvent:
    patient = read_patient(msg, ins_alone=False)
    if patient.nda is None:
        pid = msg.segment("PID")
        where = location(pid, 18) if pid is not None else "PID^1^18"
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING, where, "PID-18 (NDA) is required for a movement"
        )
    visit = read_visit(msg)
    if visit is None:
        raise Hl7SemanticError(
            ErrorCode.SEGMENT_SEQUENCE, "PV1", f"ADT^{header.trigger} needs a PV1 segment"
        )
    movement = read_movement(msg)
    if movement is None:
        raise Hl7SemanticError(
            ErrorCode.SEGMENT_SEQUENCE, "ZBE", f"ADT^{header.trigger} needs a ZBE segment"
        )
    return MovementEvent(
        header=header,
        kind=_movement_kind(header.trigger, movement),
        patient=patient,
        nda=patient.nda,
        movement=movement,
        visit=visit,
        pmsi=read_pmsi(msg),
        complement=read_complement(msg),
        supplement=read_supplement(msg),
        allergies=read_allergies(msg),
    )
