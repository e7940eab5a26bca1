"""HL7 v2 acknowledgements (original mode ACK with MSA and ERR) for read and unreadable input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from autarcie.mirror.hl7.encoding import CHARSET_NAMES, STANDARD, Encoding, escape, read_encoding
from autarcie.mirror.hl7.errors import ERROR_TEXTS, Hl7ParseError
from autarcie.mirror.hl7.parser import Field, Message, Segment
from autarcie.mirror.hl7.timestamps import format_ts

AckCode = Literal["AA", "AE", "AR"]
_ACK_CODES = frozenset({"AA", "AE", "AR"})
DEFAULT_VERSION = "2.5"
_UTF8 = "UNICODE UTF-8"
_LINE_ENDS = bytes.maketrans(b"\n\x1c", b"\r\r")


def _reencode(field: Field) -> str:
    """A field re-written with the standard delimiters the ACK uses."""
    enc = field.encoding
    if enc is STANDARD or enc == STANDARD:
        return field.raw  # already written with the ACK's delimiters and escapes
    return STANDARD.repetition.join(
        STANDARD.component.join(
            STANDARD.subcomponent.join(escape(sub) for sub in component.subcomponents)
            for component in repetition.components
        )
        for repetition in field.repetitions
    )


def _reencoded(msh: Segment, indexes: tuple[int, ...]) -> list[str]:
    """MSH fields (from MSH-3 on) re-written with the standard delimiters the ACK uses."""
    if msh.encoding is STANDARD:  # the usual case: the fields are already written that way
        return [msh.raw_field(index) for index in indexes]
    return [_reencode(msh.field(index)) for index in indexes]


def _segment(*fields: str) -> str:
    values = list(fields)
    while len(values) > 1 and not values[-1]:
        values.pop()
    if values[-1][-1:] in (" ", "\t"):
        # Readers drop blanks ending a segment: a closing separator keeps them, so MSA-2
        # still echoes a control ID such as "MSG1 " byte for byte.
        values.append("")
    return "|".join(values)


def _err(code: AckCode, text: str, error_code: str | None, error_location: str | None) -> str:
    wanted = error_code if error_code is not None else ("207" if code != "AA" else "")
    if not wanted:
        return ""
    erl = "^".join(escape(part) for part in (error_location or "").split("^"))
    condition = f"{escape(wanted)}^{escape(ERROR_TEXTS.get(wanted, ''))}^HL70357"
    severity = "W" if code == "AA" else "E"
    return _segment("ERR", "", erl, condition, severity, "", "", "", escape(text))


def _assemble(msh_fields: list[str], msa: str, err: str, codec: str) -> bytes:
    segments = [_segment(*msh_fields), msa]
    if err:
        segments.append(err)
    # Characters the answer's charset lacks become "?": an ACK must never fail to build.
    return "".join(segment + "\r" for segment in segments).encode(codec, errors="replace")


def _msh(
    sender: list[str], now: dt.datetime, trigger: str, control_id: str, tail: list[str]
) -> list[str]:
    """MSH fields from MSH-1 on; `sender` is the original MSH-3..6, `tail` MSH-11, 12, 17..19."""
    message_type = f"ACK^{escape(trigger)}^ACK" if trigger else "ACK"
    return [
        "MSH",
        STANDARD.msh2,
        sender[2],
        sender[3],
        sender[0],
        sender[1],
        format_ts(now),
        "",
        message_type,
        escape(control_id),
        tail[0] or "P",
        tail[1] or DEFAULT_VERSION,
        "",
        "",
        "",
        "",
        tail[2],
        tail[3],
        tail[4],
    ]


def _answer_charset(msg: Message) -> tuple[str, str]:
    """(MSH-18 to write, codec): the codec the message was read with, so MSA-2 echoes
    the control ID byte for byte; MSH-18 says which charset that is."""
    if not msg.codec_fallback and msg.charset:
        return msg.charset, msg.codec
    if not msg.codec_fallback and msg.codec == "utf-8":
        return "", "utf-8"  # no MSH-18 received: answer the same way
    return CHARSET_NAMES.get(msg.codec, _UTF8), msg.codec


def build_ack(
    msg: Message,
    code: AckCode,
    text: str = "",
    *,
    error_code: str | None = None,
    error_location: str | None = None,
    now: dt.datetime,
    control_id: str,
) -> bytes:
    """The ACK for `msg`: sender and receiver swapped, MSA, and ERR unless a plain AA."""
    if code not in _ACK_CODES:
        raise ValueError(f"ACK code must be AA, AE or AR, not {code!r}")
    msh = msg.msh
    sender = _reencoded(msh, (3, 4, 5, 6))
    charset, codec = _answer_charset(msg)
    tail = [*_reencoded(msh, (11, 12, 17)), charset, *_reencoded(msh, (19,))]
    fields = _msh(sender, now, msg.trigger_event, control_id, tail)
    msa = _segment("MSA", code, escape(msg.control_id), escape(text))
    return _assemble(fields, msa, _err(code, text, error_code, error_location), codec)


def header_segment(line: str) -> Segment | None:
    """An MSH-shaped line (MSH, FHS, BHS) read as MSH, or None when no field can be cut.

    With unusable MSH-2 characters the fields are still cut on MSH-1 with the standard
    components, so MSA-2 can name the message a sender will look for in its queue.
    """
    if len(line) < 8:
        return None
    fs = line[3]
    msh2 = line[4:].split(fs, 1)[0]
    try:
        enc: Encoding = read_encoding(fs, msh2)
    except Hl7ParseError:
        if fs.isalnum() or not fs.isprintable():
            return None
        enc = Encoding(field=fs)
    return Segment("MSH", "MSH" + line[3:], enc, "latin-1")


def _header_segment(raw: bytes) -> Segment | None:
    """The MSH line of unreadable bytes, read as well as possible, or None."""
    start = raw.find(b"MSH")
    if start < 0:
        return None
    # Cut the line where the reader cuts it: an MLLP end block there ends it too.
    line = raw[start:].translate(_LINE_ENDS).split(b"\r", 1)[0].decode("latin-1")
    return header_segment(line)


def build_nack_for_unparseable(
    raw: bytes,
    reason: str,
    now: dt.datetime,
    control_id: str,
    *,
    error_code: str = "100",
    error_location: str = "",
) -> bytes:
    """An AR for bytes that are not a readable message; echo what the MSH line still gives."""
    msh = _header_segment(raw)
    if msh is None:
        sender, tail, trigger, original = ["", "", "", ""], ["", "", "", _UTF8, ""], "", ""
    else:
        sender = [_reencode(msh.field(index)) for index in (3, 4, 5, 6)]
        tail = [_reencode(msh.field(i)) for i in (11, 12, 17)] + [_UTF8, _reencode(msh.field(19))]
        trigger, original = msh.text(9, 2), msh.text(10)
    fields = _msh(sender, now, trigger, control_id, tail)
    msa = _segment("MSA", "AR", escape(original), escape(reason))
    return _assemble(fields, msa, _err("AR", reason, error_code, error_location), "utf-8")


def _envelope(name: str, received: Segment | None, now: dt.datetime, control_id: str) -> str:
    """FHS or BHS answering the received one: sender and receiver swapped, field 12 (reference
    file or batch control ID) naming the received field 11."""
    if received is None:
        sender, reference = ["", "", "", ""], ""
    else:
        sender = [_reencode(received.field(index)) for index in (3, 4, 5, 6)]
        reference = _reencode(received.field(11))
    fields = [name, STANDARD.msh2, sender[2], sender[3], sender[0], sender[1], format_ts(now)]
    return _segment(*fields, "", "", "", escape(control_id), reference)


def build_batch_ack(
    acks: Sequence[bytes],
    *,
    file_header: Segment | None,
    batch_header: Segment | None,
    now: dt.datetime,
    control_id: str,
) -> bytes:
    """One batch answering a batch (HL7 v2 chapter 2, acknowledging batches: every message in the
    response batch): [FHS] BHS, one ACK per message in order, BTS with their count, [FTS]."""
    head = [_envelope("BHS", batch_header, now, control_id)]
    tail = [_segment("BTS", str(len(acks)))]
    if file_header is not None:
        head.insert(0, _envelope("FHS", file_header, now, control_id))
        tail.append(_segment("FTS", "1"))
    # Envelope values came in as Latin-1 text of the received bytes: written back the same way.
    opening = "".join(segment + "\r" for segment in head).encode("latin-1", errors="replace")
    return opening + b"".join(acks) + "".join(s + "\r" for s in tail).encode("ascii")
