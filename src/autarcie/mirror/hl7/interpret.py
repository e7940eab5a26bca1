"""One entry point from a parsed message to its meaning, whatever the message type."""

from __future__ import annotations

from collections.abc import Callable

from autarcie.mirror.hl7.documents import MDM_TRIGGERS, DocumentNotice, interpret_mdm
from autarcie.mirror.hl7.errors import ErrorCode, Hl7SemanticError
from autarcie.mirror.hl7.header import read_header
from autarcie.mirror.hl7.orders import (
    AdministrationReport,
    PrescriptionOrder,
    interpret_ras,
    interpret_rde,
)
from autarcie.mirror.hl7.pam import (
    AccountMove,
    IdentityEvent,
    MovementEvent,
    RefusedEvent,
    UnknownEvent,
    interpret_adt,
)
from autarcie.mirror.hl7.parser import Message
from autarcie.mirror.hl7.results import ResultReport, interpret_oru

Interpretation = (
    IdentityEvent
    | MovementEvent
    | AccountMove
    | ResultReport
    | DocumentNotice
    | PrescriptionOrder
    | AdministrationReport
    | RefusedEvent
    | UnknownEvent
)

# Message code -> (the one trigger we read, its interpreter). Other triggers of a known
# message code are kept without being applied, like unknown ADT triggers.
_READERS: dict[str, tuple[str, Callable[[Message], Interpretation]]] = {
    "ORU": ("R01", interpret_oru),
    "RDE": ("O11", interpret_rde),
    "RAS": ("O17", interpret_ras),
}


def interpret(msg: Message) -> Interpretation:
    """The meaning of a message; raise Hl7SemanticError when it cannot be understood.

    Callers answer AA for every result except RefusedEvent (AR with its code and reason);
    an Hl7SemanticError is answered with its `ack_code` (AE, or AR for 200/201) and the
    message is quarantined.
    """
    code = msg.message_code
    if code == "ADT":
        return interpret_adt(msg)
    if code == "MDM":
        if msg.trigger_event not in MDM_TRIGGERS:
            return UnknownEvent(read_header(msg), f"MDM^{msg.trigger_event} is not read: kept")
        return interpret_mdm(msg)
    reader = _READERS.get(code)
    if reader is None:
        raise Hl7SemanticError(
            ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
            "MSH^1^9^1^1",
            f"message type {code!r} is not read by this mirror (ADT, ORU, MDM, RDE and RAS are)",
        )
    trigger, read = reader
    if msg.trigger_event != trigger:
        header = read_header(msg)
        return UnknownEvent(header, f"{code}^{msg.trigger_event} is not read: kept, not applied")
    return read(msg)
