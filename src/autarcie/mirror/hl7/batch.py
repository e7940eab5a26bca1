"""HL7 v2 batches received in one piece (FHS/BHS … BTS/FTS): their messages and headers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from autarcie.mirror.hl7.ack import header_segment
from autarcie.mirror.hl7.parser import Segment, split_batch

_OPENERS = (b"FHS", b"BHS")
_FIRST_MESSAGE = re.compile(rb"(?:^|[\r\n])(?:\xef\xbb\xbf)?MSH")
_LEADING_NOISE = b"\xef\xbb\xbf \t\r\n\x00\x0b"


@dataclass(frozen=True, slots=True)
class Batch:
    """The messages of a batch, in order, and its headers read as MSH (same first fields)."""

    messages: tuple[bytes, ...]
    file_header: Segment | None
    batch_header: Segment | None


def is_batch(raw: bytes) -> bool:
    """True when the bytes open with a file or batch header (after a BOM or blank lines)."""
    return raw[:64].lstrip(_LEADING_NOISE)[:3] in _OPENERS


def read_batch(raw: bytes) -> Batch:
    """Cut a batch into its messages; raise Hl7ParseError when it holds none."""
    messages = tuple(split_batch(raw))
    first = _FIRST_MESSAGE.search(raw)
    head = raw[: first.start() if first else 0].replace(b"\xef\xbb\xbf", b"")
    headers: dict[str, Segment | None] = {"FHS": None, "BHS": None}
    for line in head.replace(b"\n", b"\r").split(b"\r"):
        text = line.strip(b" \t\x00\x0b").decode("latin-1")
        if text[:3] in headers and headers[text[:3]] is None:
            headers[text[:3]] = header_segment(text)
    return Batch(messages, headers["FHS"], headers["BHS"])
