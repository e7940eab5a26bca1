"""The meaning of ORU^R01 results: discrete observations and CDA documents (ANS profile)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from autarcie.mirror.hl7.cda import extract_text
from autarcie.mirror.hl7.datatypes import (
    Coded,
    clean,
    coded,
    coded_at,
    location,
    row_of,
    to_number,
    ts_or_none,
)
from autarcie.mirror.hl7.errors import ErrorCode, Hl7SemanticError
from autarcie.mirror.hl7.header import EventHeader, read_header
from autarcie.mirror.hl7.parser import Message, Repetition, Segment
from autarcie.mirror.hl7.patient import PatientIdentity, read_patient

# ANS "MetaDMPMSS" OBX codes; the first two hide the document from other clinicians.
META_SYSTEM = "MetaDMPMSS"
CONFIDENTIAL_META = frozenset({"CONNEXION_SECRETE", "MASQUE_PS"})
# HL7 table 0085 (observation result status).
RESULT_STATUSES = frozenset("CDFINOPRSUWX")
_CODED_TYPES = frozenset({"CE", "CWE", "CNE", "CF"})
_NUMERIC_TYPES = frozenset({"NM"})
# ORC-1 order controls that withdraw an order's results (HL7 table 0119: cancel, cancelled).
WITHDRAWING_CONTROLS = frozenset({"CA", "OC"})


@dataclass(frozen=True, slots=True)
class StructuredNumeric:
    """An SN value: `>` 10, 1 `:` 128, 10 `-` 20."""

    comparator: str
    number: Decimal | None
    separator: str = ""
    second: Decimal | None = None


ObservationValue = str | Decimal | Coded | StructuredNumeric


@dataclass(frozen=True, slots=True)
class Observation:
    """One discrete OBX. `values` holds each OBX-5 repetition, typed by OBX-2."""

    set_id: str
    value_type: str
    code: Coded
    sub_id: str
    values: tuple[ObservationValue, ...]
    units: Coded | None
    reference_range: str
    abnormal_flags: tuple[str, ...]
    status: str
    observed_at: dt.datetime | None

    @property
    def value(self) -> ObservationValue | None:
        return self.values[0] if self.values else None


@dataclass(frozen=True, slots=True)
class Document:
    """An OBX-2 `ED` document: raw bytes as sent, and its readable text when it has one."""

    set_id: str
    code: Coded
    media_type: str
    content: bytes
    title: str
    text: str
    status: str
    observed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ResultGroup:
    """One OBR and the OBX that follow it."""

    placer_order: str
    filler_order: str
    panel: Coded
    observed_at: dt.datetime | None
    reported_at: dt.datetime | None
    status: str  # OBR-25: X when the order was cancelled and its results withdrawn
    observations: tuple[Observation, ...]
    documents: tuple[Document, ...]
    metadata: tuple[tuple[str, str], ...]
    control: str = ""  # ORC-1 of the order: CA or OC cancels it

    @property
    def withdrawn(self) -> bool:
        """The order was cancelled: its results leave the summary (their versions stay)."""
        return self.status == "X" or self.control in WITHDRAWING_CONTROLS


@dataclass(frozen=True, slots=True)
class ResultReport:
    """ORU^R01: the patient and the result groups."""

    header: EventHeader
    patient: PatientIdentity
    groups: tuple[ResultGroup, ...]

    @property
    def confidentiality_flags(self) -> tuple[str, ...]:
        """MetaDMPMSS flags set to Y (`CONNEXION_SECRETE`, `MASQUE_PS`) on any document."""
        return tuple(
            sorted(
                {
                    code
                    for group in self.groups
                    for code, value in group.metadata
                    if code in CONFIDENTIAL_META and value.upper() == "Y"
                }
            )
        )

    @property
    def confidential(self) -> bool:
        return bool(self.confidentiality_flags)


def _error(code: ErrorCode, seg: Segment, index: int, reason: str) -> Hl7SemanticError:
    return Hl7SemanticError(code, location(seg, index), reason)


def _structured_numeric(obx: Segment, rep: Repetition) -> StructuredNumeric:
    numbers: list[Decimal | None] = []
    for index in (2, 4):
        text = clean(rep.text(index))
        number = to_number(text) if text else None
        if text and number is None:
            raise _error(ErrorCode.DATA_TYPE, obx, 5, f"OBX-5 SN part {text!r} is not a number")
        numbers.append(number)
    return StructuredNumeric(rep.text(1), numbers[0], rep.text(3), numbers[1])


def _value(obx: Segment, value_type: str, rep: Repetition) -> ObservationValue | None:
    if value_type in _NUMERIC_TYPES:
        text = clean(rep.value)
        if not text:
            return None
        number = to_number(text)
        if number is None:
            raise _error(ErrorCode.DATA_TYPE, obx, 5, f"OBX-5 NM value {text!r} is not a number")
        return number
    if value_type == "SN":
        return _structured_numeric(obx, rep)
    if value_type in _CODED_TYPES:
        return coded(row_of(rep, 3))
    # ST, TX, FT and other text-like types: a stray component separator is kept visible.
    text = "^".join(component.value for component in rep.components).rstrip("^")
    return clean(text) or None


def _decode_ed(obx: Segment, rep: Repetition) -> tuple[str, bytes]:
    media = f"{rep.text(2)}/{rep.text(3)}".lower().strip("/")
    encoding, data = rep.text(4).upper(), rep.text(5)
    try:
        if encoding == "BASE64":
            return media, base64.b64decode("".join(data.split()), validate=False)
        if encoding == "HEX":
            return media, bytes.fromhex(data)
        if encoding in ("A", ""):
            return media, data.encode("utf-8")
    except (binascii.Error, ValueError) as error:
        raise _error(
            ErrorCode.DATA_TYPE, obx, 5, f"OBX-5 ED data is not valid {encoding}: {error}"
        ) from error
    raise _error(
        ErrorCode.TABLE_VALUE_NOT_FOUND, obx, 5, f"OBX-5 ED encoding {encoding!r} is unknown"
    )


def _plain_text(content: bytes) -> str:
    """The content as text when it is readable UTF-8 text that is no markup, else nothing:
    XML refused by the reader (entities, a DTD) is never shown as text."""
    try:
        decoded = content.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    if decoded.lstrip("\ufeff \t\r\n").startswith("<"):
        return ""
    if any(ord(char) < 32 and char not in "\t\r\n" for char in decoded):
        return ""
    return decoded.strip()


def read_document(obx: Segment, code: Coded, status: str) -> Document:
    """An OBX-2 `ED` value (ORU or MDM): its bytes decoded, and its text when readable."""
    media, content = _decode_ed(obx, obx.field(5).repetition(1))
    title, text = "", ""
    if media.endswith("xml"):
        extracted = extract_text(content)
        if extracted is not None:
            title, text = extracted.title, extracted.text
        else:
            # Labelled XML but not XML (the ANS examples carry a plain sentence): show the
            # words rather than an empty report; the bytes stay as received.
            text = _plain_text(content)
    elif media.startswith("text"):
        text = content.decode("utf-8", errors="replace")
    return Document(
        clean(obx.text(1)), code, media, content, title, text, status, ts_or_none(obx, 14)
    )


def read_status(obx: Segment) -> str:
    """OBX-11, required and checked against table 0085."""
    status = clean(obx.text(11)).upper()
    if not status:
        raise _error(ErrorCode.REQUIRED_FIELD_MISSING, obx, 11, "OBX-11 (result status) is missing")
    if status not in RESULT_STATUSES:
        raise _error(
            ErrorCode.TABLE_VALUE_NOT_FOUND,
            obx,
            11,
            f"OBX-11 status {status!r} is not in table 0085",
        )
    return status


def _observation(obx: Segment, value_type: str, code: Coded, status: str) -> Observation:
    values = tuple(
        value
        for rep in obx.field(5).repetitions
        if (value := _value(obx, value_type, rep)) is not None
    )
    return Observation(
        set_id=clean(obx.text(1)),
        value_type=value_type,
        code=code,
        sub_id=clean(obx.text(4)),
        values=values,
        units=coded_at(obx, 6),
        reference_range=clean(obx.text(7)),
        abnormal_flags=tuple(f for rep in obx.field(8).repetitions if (f := clean(rep.value))),
        status=status,
        observed_at=ts_or_none(obx, 14),
    )


def read_metadata(obx: Segment) -> tuple[str, str] | None:
    """A CI-SIS `MetaDMPMSS` OBX as (code, value); None for any other OBX."""
    code = obx.field(3).repetition(1)
    if code.text(3) != META_SYSTEM and code.text(1) not in CONFIDENTIAL_META:
        return None
    return code.text(1), clean(obx.text(5))


class _Group:
    """An OBR being read, with what its OBX segments gave so far."""

    __slots__ = ("control", "documents", "metadata", "obr", "observations")

    def __init__(self, obr: Segment, control: str = "") -> None:
        self.obr = obr
        self.control = control
        self.observations: list[Observation] = []
        self.documents: list[Document] = []
        self.metadata: list[tuple[str, str]] = []

    def add(self, obx: Segment) -> None:
        meta = read_metadata(obx)
        if meta is not None:
            self.metadata.append(meta)
            return
        code = coded_at(obx, 3)
        if code is None:
            raise _error(ErrorCode.REQUIRED_FIELD_MISSING, obx, 3, "OBX-3 (observation) is missing")
        value_type = clean(obx.text(2)).upper()
        if not value_type and not obx.field(5).is_empty:
            raise _error(ErrorCode.REQUIRED_FIELD_MISSING, obx, 2, "OBX-2 (value type) is missing")
        status = read_status(obx)
        if value_type == "ED":
            self.documents.append(read_document(obx, code, status))
        else:
            self.observations.append(_observation(obx, value_type, code, status))

    def freeze(self) -> ResultGroup:
        obr = self.obr
        panel = coded_at(obr, 4)
        if panel is None:
            raise _error(ErrorCode.REQUIRED_FIELD_MISSING, obr, 4, "OBR-4 (service) is missing")
        return ResultGroup(
            placer_order=clean(obr.text(2)),
            filler_order=clean(obr.text(3)),
            panel=panel,
            observed_at=ts_or_none(obr, 7),
            reported_at=ts_or_none(obr, 22),
            status=clean(obr.text(25)),
            observations=tuple(self.observations),
            documents=tuple(self.documents),
            metadata=tuple(self.metadata),
            control=self.control,
        )


def interpret_oru(msg: Message) -> ResultReport:
    """Give an ORU^R01 its meaning, or raise Hl7SemanticError."""
    header = read_header(msg)
    # Laboratories outside PAM FR often send the record number (MR) rather than an IPP (PI).
    patient = read_patient(msg, fallback_types=("MR",))
    groups: list[_Group] = []
    control = ""  # the ORC before an OBR belongs to its order
    for seg in msg:
        if seg.name == "ORC":
            control = clean(seg.text(1)).upper()
        elif seg.name == "OBR":
            groups.append(_Group(seg, control))
            control = ""
        elif seg.name == "OBX":
            if not groups:
                raise Hl7SemanticError(
                    ErrorCode.SEGMENT_SEQUENCE, location(seg, 1), "OBX before any OBR"
                )
            groups[-1].add(seg)
    if not groups:
        raise Hl7SemanticError(ErrorCode.SEGMENT_SEQUENCE, "OBR", "ORU^R01 without any OBR")
    return ResultReport(header, patient, tuple(group.freeze() for group in groups))
