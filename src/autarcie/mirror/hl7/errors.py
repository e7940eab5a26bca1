"""The exceptions of the HL7 v2 layer and the HL7 error codes (table 0357) they map to."""

from __future__ import annotations

from enum import StrEnum

from autarcie.core.errors import AutarcieError


class ErrorCode(StrEnum):
    """HL7 table 0357 (message error condition codes) values used in ERR-3."""

    SEGMENT_SEQUENCE = "100"
    REQUIRED_FIELD_MISSING = "101"
    DATA_TYPE = "102"
    TABLE_VALUE_NOT_FOUND = "103"
    UNSUPPORTED_MESSAGE_TYPE = "200"
    UNSUPPORTED_EVENT_CODE = "201"
    UNSUPPORTED_PROCESSING_ID = "202"
    UNSUPPORTED_VERSION_ID = "203"
    DUPLICATE_KEY = "205"
    APPLICATION_INTERNAL_ERROR = "207"


ERROR_TEXTS: dict[str, str] = {
    "0": "Message accepted",
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "202": "Unsupported processing id",
    "203": "Unsupported version id",
    "205": "Duplicate key identifier",
    "207": "Application internal error",
}

# Codes that mean "we will never accept this message as sent": the sender gets AR, not AE.
_REJECT_CODES = frozenset({"200", "201", "202", "203"})


class Hl7Error(AutarcieError):
    """Base of every error raised by the HL7 v2 layer."""


class Hl7ParseError(Hl7Error):
    """The bytes are not a readable HL7 v2 message (no MSH, bad encoding characters, truncated).

    `code` (table 0357) and `location` (an ERL such as `MSH^1^2`, empty when no field can be
    named) go to ERR-3 and ERR-2 of the AR that answers the bytes.
    """

    def __init__(
        self, reason: str, *, code: str = ErrorCode.SEGMENT_SEQUENCE, location: str = ""
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = str(code)
        self.location = location


class Hl7SemanticError(Hl7Error):
    """The message reads as HL7 but its content cannot be understood or applied.

    `code` is an HL7 table 0357 code for ERR-3, `location` an ERL for ERR-2 (`PID^1^3`).
    """

    def __init__(self, code: str, location: str, reason: str) -> None:
        super().__init__(f"{reason} (HL7 error {code} at {location or 'message'})")
        self.code = str(code)
        self.location = location
        self.reason = reason

    @property
    def ack_code(self) -> str:
        """`AR` when the message kind itself is refused, `AE` when its content is wrong."""
        return "AR" if self.code in _REJECT_CODES else "AE"


class MllpFramingError(Hl7Error):
    """The byte stream does not follow MLLP framing; `frames` holds payloads completed before."""

    def __init__(self, reason: str, frames: tuple[bytes, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.frames = frames
