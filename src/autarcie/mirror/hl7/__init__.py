"""Pure HL7 v2 layer of the mirror: read, frame, acknowledge and interpret messages."""

from autarcie.mirror.hl7.ack import AckCode, build_ack, build_nack_for_unparseable
from autarcie.mirror.hl7.encoding import Encoding
from autarcie.mirror.hl7.errors import (
    ErrorCode,
    Hl7Error,
    Hl7ParseError,
    Hl7SemanticError,
    MllpFramingError,
)
from autarcie.mirror.hl7.interpret import Interpretation, interpret
from autarcie.mirror.hl7.mllp import MllpDecoder, frame
from autarcie.mirror.hl7.orders import AdministrationReport, PrescriptionOrder
from autarcie.mirror.hl7.pam import (
    AccountMove,
    IdentityEvent,
    MovementEvent,
    RefusedEvent,
    UnknownEvent,
)
from autarcie.mirror.hl7.parser import (
    Component,
    Field,
    Message,
    Repetition,
    Segment,
    parse_batch,
    parse_message,
    split_batch,
)
from autarcie.mirror.hl7.results import ResultReport

__all__ = [
    "AccountMove",
    "AckCode",
    "AdministrationReport",
    "Component",
    "Encoding",
    "ErrorCode",
    "Field",
    "Hl7Error",
    "Hl7ParseError",
    "Hl7SemanticError",
    "IdentityEvent",
    "Interpretation",
    "Message",
    "MllpDecoder",
    "MllpFramingError",
    "MovementEvent",
    "PrescriptionOrder",
    "RefusedEvent",
    "Repetition",
    "ResultReport",
    "Segment",
    "UnknownEvent",
    "build_ack",
    "build_nack_for_unparseable",
    "frame",
    "interpret",
    "parse_batch",
    "parse_message",
    "split_batch",
]
