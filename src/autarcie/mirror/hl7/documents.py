"""The meaning of MDM messages: a document sent, replaced, edited or cancelled (HL7 v2 ch. 9).

Radiology and other producers send their reports as MDM^T02 (original with content), T04
(status change), T06 (addendum), T08 (edit), T10 (replacement) and T11 (cancel); the CI-SIS
profile "transmission de documents CDA en HL7 v2" carries the CDA base64-encoded in an OBX of
type ED, other producers send the text in TX/ST/FT lines. TXA-12 is the document number that
later messages name; TXA-13 names the document a replacement or an addendum refers to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from autarcie.mirror.hl7.datatypes import Coded, clean, coded_at, ts_or_none
from autarcie.mirror.hl7.errors import ErrorCode, Hl7SemanticError
from autarcie.mirror.hl7.header import EventHeader, read_header
from autarcie.mirror.hl7.parser import Message, Segment
from autarcie.mirror.hl7.patient import PatientIdentity, read_patient
from autarcie.mirror.hl7.results import (
    CONFIDENTIAL_META,
    read_document,
    read_metadata,
    read_status,
)

# T01-T11 (HL7 table 0003); the odd ones before T11 are notifications without content.
MDM_TRIGGERS = frozenset(f"T{n:02d}" for n in range(1, 12))
CANCEL_TRIGGER = "T11"
REPLACING_TRIGGERS = frozenset({"T09", "T10"})
EDITING_TRIGGERS = frozenset({"T07", "T08"})
ADDENDUM_TRIGGERS = frozenset({"T05", "T06"})
# TXA-17 completion statuses of a document not yet signed (HL7 table 0271).
_UNSIGNED = frozenset({"DI", "DO", "IP", "IN", "PA"})
_TEXT_TYPES = frozenset({"TX", "ST", "FT"})


@dataclass(frozen=True, slots=True)
class DocumentNotice:
    """One MDM message: which document, what happens to it, and its readable content."""

    header: EventHeader
    patient: PatientIdentity
    number: str  # TXA-12: the document this message carries (or cancels)
    parent: str  # TXA-13: the document it replaces, edits or adds to
    type: Coded
    title: str
    text: str
    status: str  # the store's status: F signed, P unsigned, C replacing, D cancelled
    authored_at: dt.datetime | None
    confidential: bool

    @property
    def cancels(self) -> bool:
        return self.status == "D"


def _number(txa: Segment, index: int) -> str:
    """An EI number: the identifier, with its namespace when the producer gives one."""
    return clean(txa.text(index))


def _content(msg: Message) -> tuple[Coded | None, str, str, str, list[tuple[str, str]]]:
    """(OBX-3 of the content, title, text, OBX-11, metadata) read from the OBX segments."""
    code: Coded | None = None
    title, lines, status = "", [], ""
    metadata: list[tuple[str, str]] = []
    for obx in msg.segments("OBX"):
        meta = read_metadata(obx)
        if meta is not None:
            metadata.append(meta)
            continue
        value_type = clean(obx.text(2)).upper()
        status = status or read_status(obx)
        code = code or coded_at(obx, 3)
        if value_type == "ED":
            found = read_document(obx, code or Coded(""), status)
            title = title or found.title
            lines.append(found.text)
        elif value_type in _TEXT_TYPES:
            lines.extend(clean(rep.value) for rep in obx.field(5).repetitions)
    return code, title, "\n".join(line for line in lines if line), status, metadata


def _status(trigger: str, obx_status: str, control: str, completion: str) -> str:
    if trigger == CANCEL_TRIGGER or obx_status in ("D", "W") or control == "CA":
        return "D"
    if trigger in REPLACING_TRIGGERS | EDITING_TRIGGERS or obx_status == "C":
        return "C"
    if completion in _UNSIGNED or obx_status == "P":
        return "P"
    return "F"


def interpret_mdm(msg: Message) -> DocumentNotice:
    """Give an MDM message its meaning, or raise Hl7SemanticError."""
    header = read_header(msg)
    patient = read_patient(msg, fallback_types=("MR",))
    txa = msg.segment("TXA")
    if txa is None:
        raise Hl7SemanticError(ErrorCode.SEGMENT_SEQUENCE, "TXA", "MDM without a TXA segment")
    number = _number(txa, 12)
    if not number:
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING,
            f"TXA^{txa.seq}^12",
            "TXA-12 (unique document number) is missing",
        )
    code, title, text, obx_status, metadata = _content(msg)
    doc_type = coded_at(txa, 2) or code or Coded("")
    orc = msg.segment("ORC")
    status = _status(
        header.trigger,
        obx_status,
        clean(orc.text(1)).upper() if orc is not None else "",
        clean(txa.text(17)).upper(),
    )
    addendum = header.trigger in ADDENDUM_TRIGGERS
    label = (code.label if code else "") or doc_type.label or doc_type.code
    return DocumentNotice(
        header=header,
        patient=patient,
        number=number,
        parent="" if addendum else _number(txa, 13),
        type=code if code is not None and code.system else doc_type,
        title=title or (f"Addendum : {label}" if addendum else label),
        text=text,
        status=status,
        authored_at=ts_or_none(txa, 4) or ts_or_none(txa, 6),
        confidential=any(
            name in CONFIDENTIAL_META and value.upper() == "Y" for name, value in metadata
        ),
    )
