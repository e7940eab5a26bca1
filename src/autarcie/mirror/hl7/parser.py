"""A fast HL7 v2 reader: segments are split at once, fields and below only when read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from autarcie.mirror.hl7.encoding import STANDARD, Encoding, decode, read_encoding, unescape
from autarcie.mirror.hl7.errors import ErrorCode, Hl7ParseError

_SEGMENT_NAME = re.compile(r"[A-Z][A-Z0-9]{2}")
_MESSAGE_START = re.compile(rb"(?:^|(?<=[\r\n]))MSH")
_VALID_NAMES: set[str] = set()
_BATCH_ENVELOPE = frozenset({"FHS", "BHS", "BTS", "FTS"})
_UTF8_BOM = b"\xef\xbb\xbf"
# A BOM at the start of a line: a file saved by a Windows editor, or files concatenated.
_LINE_BOM = re.compile(rb"(^|[\r\n])\xef\xbb\xbf")
# MLLP block bytes left in a file captured from a connection: 0x0B starts, 0x1C ends a message.
_MLLP_BYTES = bytes.maketrans(b"\x1c", b"\r")
# Ends of a file that are not data: line ends, NUL padding, MLLP end block, DOS end-of-file.
_FILE_TAIL = b"\r\n\x00\x1c\x1a"
_NO_MSH = "the message does not start with an MSH segment"
# Fields up to MSH-12 (version) are required by every HL7 v2 version.
_MSH_MIN_FIELDS = 12


def _pick(raw: str, sep: str, index: int) -> str:
    if index == 1:
        return raw.partition(sep)[0]
    parts = raw.split(sep)
    return parts[index - 1] if 1 <= index <= len(parts) else ""


def _leaf(raw: str, enc: Encoding, codec: str, rep: int, comp: int, sub: int) -> str:
    """The unescaped leaf of a field's raw text; the hot path of every interpreter."""
    if not raw:
        return raw
    raw = raw.partition(enc.repetition)[0] if rep == 1 else _pick(raw, enc.repetition, rep)
    raw = raw.partition(enc.component)[0] if comp == 1 else _pick(raw, enc.component, comp)
    raw = raw.partition(enc.subcomponent)[0] if sub == 1 else _pick(raw, enc.subcomponent, sub)
    if enc.escape in raw:
        return unescape(raw, enc, codec)
    return raw


def _cut(text: str, seps: tuple[str, ...]) -> str:
    for sep in seps:
        if sep in text:
            text = text[: text.index(sep)]
    return text


def _first_leaves(parts: list[str], enc: Encoding, codec: str, count: int, raw: str) -> list[str]:
    # Membership tests are cheap bytecode; only values holding a delimiter pay a call.
    sub = enc.subcomponent
    seps = (sub,)
    leaves = [part if sub not in part else _cut(part, seps) for part in parts[:count]]
    if enc.escape in raw:
        esc = enc.escape
        leaves = [unescape(leaf, enc, codec) if esc in leaf else leaf for leaf in leaves]
    if len(leaves) < count:
        leaves.extend([""] * (count - len(leaves)))
    return leaves


class Component:
    """One component: its sub-components, unescaped on access."""

    __slots__ = ("_codec", "_enc", "raw")

    def __init__(self, raw: str, enc: Encoding, codec: str) -> None:
        self.raw = raw
        self._enc = enc
        self._codec = codec

    @property
    def subcomponents(self) -> tuple[str, ...]:
        if not self.raw:
            return ()
        return tuple(
            unescape(part, self._enc, self._codec)
            for part in self.raw.split(self._enc.subcomponent)
        )

    def subcomponent(self, index: int) -> str:
        """The 1-based sub-component, unescaped; empty when absent."""
        return _leaf(self.raw, self._enc, self._codec, 1, 1, index)

    @property
    def value(self) -> str:
        """The first sub-component, unescaped."""
        return _leaf(self.raw, self._enc, self._codec, 1, 1, 1)

    def __repr__(self) -> str:
        return f"Component({self.raw!r})"


class Repetition:
    """One repetition of a field: its components (split once, when first read)."""

    __slots__ = ("_codec", "_enc", "_parts", "raw")

    def __init__(self, raw: str, enc: Encoding, codec: str) -> None:
        self.raw = raw
        self._enc = enc
        self._codec = codec
        self._parts: list[str] | None = None

    def _split(self) -> list[str]:
        parts = self._parts
        if parts is None:
            parts = self._parts = self.raw.split(self._enc.component)
        return parts

    @property
    def components(self) -> tuple[Component, ...]:
        if not self.raw:
            return ()
        enc, codec = self._enc, self._codec
        return tuple([Component(part, enc, codec) for part in self._split()])

    def component(self, index: int) -> Component:
        """The 1-based component; an empty one when absent."""
        parts = self._parts or self._split()
        raw = parts[index - 1] if 1 <= index <= len(parts) else ""
        return Component(raw, self._enc, self._codec)

    def text(self, index: int, sub: int = 1) -> str:
        """Shortcut: sub-component `sub` of component `index`, unescaped."""
        parts = self._parts or self._split()
        if not 1 <= index <= len(parts):
            return ""
        raw = parts[index - 1]
        enc = self._enc
        raw = raw.partition(enc.subcomponent)[0] if sub == 1 else _pick(raw, enc.subcomponent, sub)
        if enc.escape in raw:
            return unescape(raw, enc, self._codec)
        return raw

    def texts(self, count: int) -> list[str]:
        """Components 1..count (first sub-component of each, unescaped), padded with ''.

        One call instead of `count` calls of `text`: interpreters read composites this way.
        """
        return _first_leaves(self._split(), self._enc, self._codec, count, self.raw)

    @property
    def value(self) -> str:
        return self.text(1)

    def __repr__(self) -> str:
        return f"Repetition({self.raw!r})"


class Field:
    """One field: its repetitions. MSH-1 and MSH-2 are literal and never split."""

    __slots__ = ("_codec", "_enc", "_literal", "raw")

    def __init__(self, raw: str, enc: Encoding, codec: str, literal: bool = False) -> None:
        self.raw = raw
        self._enc = enc
        self._codec = codec
        self._literal = literal

    @property
    def is_empty(self) -> bool:
        return not self.raw

    @property
    def encoding(self) -> Encoding:
        return self._enc

    @property
    def is_null(self) -> bool:
        """True for the HL7 explicit null `""`, which asks the receiver to erase the value."""
        return self.raw == '""'

    @property
    def repetitions(self) -> tuple[Repetition, ...]:
        if not self.raw:
            return ()
        if self._literal:
            return (self._literal_repetition(),)
        enc, codec = self._enc, self._codec
        return tuple([Repetition(part, enc, codec) for part in self.raw.split(enc.repetition)])

    def _literal_repetition(self) -> Repetition:
        # A delimiter-free encoding makes the literal text one single leaf.
        return Repetition(self.raw, Encoding("\x00", "\x01", "\x02", "", "\x03"), self._codec)

    def repetition(self, index: int) -> Repetition:
        """The 1-based repetition; an empty one when absent."""
        if self._literal:
            return self._literal_repetition() if index == 1 else Repetition("", self._enc, "")
        parts = self.raw.split(self._enc.repetition)
        raw = parts[index - 1] if 1 <= index <= len(parts) else ""
        return Repetition(raw, self._enc, self._codec)

    def component(self, index: int) -> Component:
        """Component `index` of the first repetition."""
        return self.repetition(1).component(index)

    def text(self, index: int, sub: int = 1) -> str:
        """Shortcut: sub-component `sub` of component `index` of the first repetition."""
        if self._literal:
            return self.raw if index == 1 and sub == 1 else ""
        return _leaf(self.raw, self._enc, self._codec, 1, index, sub)

    @property
    def value(self) -> str:
        """The first leaf (repetition 1, component 1, sub-component 1), unescaped."""
        if self._literal:
            return self.raw
        return _leaf(self.raw, self._enc, self._codec, 1, 1, 1)

    def __repr__(self) -> str:
        return f"Field({self.raw!r})"


class Segment:
    """One segment; `field(n)` uses HL7 numbering (MSH-1 is the field separator)."""

    __slots__ = ("_codec", "_enc", "_parts", "name", "raw", "seq")

    def __init__(self, name: str, raw: str, enc: Encoding, codec: str, seq: int = 1) -> None:
        self.name = name
        self.raw = raw
        self.seq = seq  # 1 for the first segment of this name in the message, 2 for the next...
        self._enc = enc
        self._codec = codec
        self._parts: list[str] | None = None

    def _split(self) -> list[str]:
        parts = self._parts
        if parts is None:
            parts = self.raw.split(self._enc.field)
            if self.name == "MSH":
                # MSH-1 is the separator itself, so every later field shifts by one.
                parts.insert(1, self._enc.field)
            self._parts = parts
        return parts

    @property
    def encoding(self) -> Encoding:
        return self._enc

    @property
    def field_count(self) -> int:
        """The number of the last field present."""
        return len(self._split()) - 1

    def raw_field(self, index: int) -> str:
        """The raw text of field `index` as received (escapes and delimiters kept)."""
        parts = self._parts or self._split()
        return parts[index] if 1 <= index < len(parts) else ""

    def field(self, index: int) -> Field:
        """The 1-based field; an empty one when absent."""
        parts = self._parts or self._split()
        raw = parts[index] if 1 <= index < len(parts) else ""
        literal = self.name == "MSH" and index in (1, 2)
        return Field(raw, self._enc, self._codec, literal)

    def text(self, index: int, component: int = 1, sub: int = 1) -> str:
        """Shortcut: the leaf at `component`.`sub` of field `index` (first repetition)."""
        parts = self._parts or self._split()
        if index >= len(parts) or index < 1:
            return ""
        if index <= 2 and self.name == "MSH":
            return parts[index] if component == 1 and sub == 1 else ""
        return _leaf(parts[index], self._enc, self._codec, 1, component, sub)

    def pick(self, *indexes: int) -> list[str]:
        """The first leaf of each field asked for, unescaped; one call for a whole segment."""
        parts = self._parts or self._split()
        size = len(parts)
        enc = self._enc
        rep, comp, sub, esc = enc.repetition, enc.component, enc.subcomponent, enc.escape
        literal = self.name == "MSH"
        leaves: list[str] = []
        for index in indexes:
            raw = parts[index] if 0 < index < size else ""
            if literal and index <= 2:
                leaves.append(raw)
                continue
            if rep in raw or comp in raw or sub in raw:
                raw = raw.partition(rep)[0].partition(comp)[0].partition(sub)[0]
            leaves.append(unescape(raw, enc, self._codec) if esc in raw else raw)
        return leaves

    def composites(self, index: int, count: int, hd_component: int = 0) -> list[list[str]]:
        """Each repetition of field `index` as its components 1..count (first sub-component
        of each, unescaped, padded with '').

        With `hd_component`, three more entries follow: the sub-components of that component
        (an HD such as `name&OID&ISO`). One call per field: the interpreters' hot path.
        """
        parts = self._parts or self._split()
        raw = parts[index] if 0 < index < len(parts) else ""
        if not raw or (self.name == "MSH" and index <= 2):
            return []
        enc, codec = self._enc, self._codec
        comp, sub, esc = enc.component, enc.subcomponent, enc.escape
        rows: list[list[str]] = []
        for rep in raw.split(enc.repetition):
            pieces = rep.split(comp, count)[:count]
            pieces += [""] * (count - len(pieces))
            if hd_component:
                subs = pieces[hd_component - 1].split(sub, 3)[:3] if sub in rep else []
                leaves = [piece.partition(sub)[0] for piece in pieces]
                leaves += subs or [pieces[hd_component - 1], "", ""]
                leaves += [""] * (count + 3 - len(leaves))
            elif sub in rep:
                leaves = [piece.partition(sub)[0] for piece in pieces]
            else:
                leaves = pieces
            if esc in rep:
                leaves = [unescape(leaf, enc, codec) if esc in leaf else leaf for leaf in leaves]
            rows.append(leaves)
        return rows

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(self.field(index) for index in range(1, len(self._split())))

    def __repr__(self) -> str:
        return f"Segment({self.raw[:40]!r})"


@lru_cache(maxsize=256)
def _parse_path(path: str) -> tuple[str, int, int, int, int, int]:
    match = re.fullmatch(
        r"([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?-(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?",
        path,
        re.ASCII,
    )
    if match is None:
        raise ValueError(f"not an HL7 path like 'PID-3[2].4.2': {path!r}")
    name, seg, fld, rep, comp, sub = match.groups()
    return name, int(seg or 1), int(fld), int(rep or 1), int(comp or 1), int(sub or 1)


class Message:
    """One parsed message: its segments in order, its encoding and how its bytes were read."""

    __slots__ = (
        "_routing",
        "charset",
        "codec",
        "codec_fallback",
        "encoding",
        "raw",
        "segment_list",
        "text",
    )

    def __init__(
        self,
        raw: bytes,
        text: str,
        segment_list: tuple[Segment, ...],
        encoding: Encoding,
        charset: str,
        codec: str,
        codec_fallback: bool,
    ) -> None:
        self.raw = raw
        self.text = text
        self.segment_list = segment_list
        self.encoding = encoding
        self.charset = charset
        self.codec = codec
        self.codec_fallback = codec_fallback
        self._routing: tuple[str, str, str] | None = None

    @property
    def msh(self) -> Segment:
        return self.segment_list[0]

    def segments(self, name: str) -> tuple[Segment, ...]:
        return tuple([seg for seg in self.segment_list if seg.name == name])

    def segment(self, name: str) -> Segment | None:
        """The first segment called `name`, or None."""
        for seg in self.segment_list:
            if seg.name == name:
                return seg
        return None

    def __iter__(self) -> Iterator[Segment]:
        return iter(self.segment_list)

    def __len__(self) -> int:
        return len(self.segment_list)

    def get(self, path: str) -> str:
        """The unescaped leaf at `SEG[n]-F[r].C.S` (`PID-3[2].4.2`); empty when absent.

        Omitted parts default to 1, so `MSH-9` is the first component of MSH-9.
        """
        name, seg_index, fld, rep, comp, sub = _parse_path(path)
        found = [seg for seg in self.segment_list if seg.name == name]
        if seg_index > len(found):
            return ""
        seg = found[seg_index - 1]
        if name == "MSH" and fld in (1, 2):
            return seg.field(fld).raw if rep == comp == sub == 1 else ""
        return _leaf(seg.field(fld).raw, self.encoding, self.codec, rep, comp, sub)

    def _route(self) -> tuple[str, str, str]:
        """MSH-9.1, MSH-9.2 and MSH-10, read once: each step of ingest asks for them."""
        routing = self._routing
        if routing is None:
            msh = self.msh
            routing = self._routing = (msh.text(9, 1), msh.text(9, 2), msh.text(10))
        return routing

    @property
    def message_code(self) -> str:
        return self._route()[0]

    @property
    def trigger_event(self) -> str:
        return self._route()[1]

    @property
    def structure(self) -> str:
        return self.msh.text(9, 3)

    @property
    def control_id(self) -> str:
        return self._route()[2]

    @property
    def version(self) -> str:
        return self.msh.text(12, 1)

    def __repr__(self) -> str:
        return f"Message({self.message_code}^{self.trigger_event} {self.control_id!r})"


def _msh_charset(first_line: str, fs: str, rep: str) -> str:
    parts = first_line.split(fs)
    if len(parts) <= 17:
        return ""
    return parts[17].split(rep)[0].strip()


def _header_line(raw: bytes) -> str:
    end = raw.find(b"\r")
    if end < 0:
        end = len(raw)
    newline = raw.find(b"\n", 0, end)
    if newline >= 0:
        end = newline
    # Delimiters and MSH-18 values are ASCII, so Latin-1 reads the header safely.
    return raw[:end].decode("latin-1")


@lru_cache(maxsize=64)
def _encoding(fs: str, msh2: str) -> Encoding:
    enc = read_encoding(fs, msh2)
    # The usual delimiters share one object, so writers can test `is STANDARD` first.
    return STANDARD if enc == STANDARD else enc


def _read_header(raw: bytes) -> tuple[Encoding, str]:
    line = _header_line(raw)
    if not line.startswith("MSH"):
        raise Hl7ParseError(_NO_MSH, location="MSH")
    if len(line) < 8:
        raise Hl7ParseError(
            f"the MSH segment is truncated: {line!r}",
            code=ErrorCode.REQUIRED_FIELD_MISSING,
            location="MSH^1^2",
        )
    fs = line[3]
    end = line.find(fs, 4)
    enc = _encoding(fs, line[4:] if end < 0 else line[4:end])
    return enc, _msh_charset(line, fs, enc.repetition)


def _check_line(number: int, line: str, fs: str) -> None:
    if _SEGMENT_NAME.fullmatch(line[:3]) is None or (len(line) > 3 and line[3] != fs):
        raise Hl7ParseError(
            f"line {number} is not a segment (starts {line[:4]!r}): truncated or corrupt message"
        )
    if line.startswith("MSH") and number > 1:
        raise Hl7ParseError(
            f"line {number}: a second MSH segment appears inside the message", location="MSH^2"
        )


def _split_segments(text: str, enc: Encoding, codec: str) -> tuple[Segment, ...]:
    if "\n" in text:
        text = text.replace("\r\n", "\r").replace("\n", "\r")
    fs = enc.field
    segments: list[Segment] = []
    append = segments.append
    seen: dict[str, int] = {}
    for number, written in enumerate(text.split("\r"), start=1):
        if not written or written.isspace():
            continue
        # Padding left by editors and fixed-width exports goes: HL7 makes trailing blanks of a
        # value optional (ST) or asks to remove them (TX), so they carry no meaning.
        line = written.rstrip(" \t") if written[-1] in " \t" else written
        name = line[:3]
        # The set of names seen valid is small (ASCII, 3 characters) and saves a regex per line.
        if name not in _VALID_NAMES or line[3:4] not in (fs, "") or (name == "MSH" and segments):
            _check_line(number, line, fs)
            _VALID_NAMES.add(name)
        seq = seen[name] = seen.get(name, 0) + 1
        append(Segment(name, line, enc, codec, seq))
    return tuple(segments)


def _check_msh(msh: Segment) -> None:
    count = msh.field_count
    if count < _MSH_MIN_FIELDS:
        raise Hl7ParseError(
            f"the MSH segment is truncated: it ends at MSH-{count}, "
            f"fields up to MSH-{_MSH_MIN_FIELDS} (version ID) are required",
            code=ErrorCode.REQUIRED_FIELD_MISSING,
            location=f"MSH^1^{count + 1}",
        )
    for index, name in ((9, "message type"), (10, "message control ID")):
        if not msh.text(index):
            raise Hl7ParseError(
                f"MSH-{index} ({name}) is empty",
                code=ErrorCode.REQUIRED_FIELD_MISSING,
                location=f"MSH^1^{index}",
            )


def _parse_one(raw: bytes) -> Message:
    enc, charset = _read_header(raw)
    text, codec, fallback = decode(raw, charset)
    segments = _split_segments(text, enc, codec)
    if not segments or segments[0].name != "MSH":
        raise Hl7ParseError(_NO_MSH, location="MSH")
    _check_msh(segments[0])
    return Message(raw, text, segments, enc, charset, codec, fallback)


def _clean(data: bytes | str) -> bytes:
    """The bytes of a message or file without what is not HL7: BOMs, MLLP block bytes, the
    padding and end markers of files. Trailing spaces of segments go when they are split."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if _UTF8_BOM in raw:
        raw = _LINE_BOM.sub(rb"\1", raw)
    if b"\x0b" in raw or b"\x1c" in raw:
        raw = raw.translate(_MLLP_BYTES, b"\x0b")
    raw = raw.lstrip(b" \t\r\n\x00").rstrip(_FILE_TAIL)
    if not raw:
        raise Hl7ParseError("the message is empty", location="MSH")
    return raw


def parse_message(data: bytes | str) -> Message:
    """Parse exactly one message; raise Hl7ParseError on anything malformed."""
    raw = _clean(data)
    if b"MSH" in raw[3:]:
        starts = [m.start() for m in _MESSAGE_START.finditer(raw)]
        if len(starts) > 1:
            raise Hl7ParseError(
                f"{len(starts)} messages found where one was expected (a batch needs "
                "FHS/BHS, or one message per MLLP frame)",
                location="MSH^2",
            )
    return _parse_one(raw)


def split_batch(data: bytes | str) -> list[bytes]:
    """Cut a file or batch into the raw bytes of each message (FHS/BHS/BTS/FTS dropped)."""
    raw = _clean(data)
    starts = [m.start() for m in _MESSAGE_START.finditer(raw)]
    if not starts:
        raise Hl7ParseError("no MSH segment found", location="MSH")
    head = raw[: starts[0]].decode("latin-1").replace("\n", "\r").split("\r")
    if any(line.strip() and line[:3] not in _BATCH_ENVELOPE for line in head):
        raise Hl7ParseError("unexpected data before the first MSH segment", location="MSH")
    bounds = [*starts, len(raw)]
    # Envelope lines between messages (BTS, then BHS of the next batch) end the chunk before.
    return [_drop_envelope(raw[bounds[i] : bounds[i + 1]]) for i in range(len(starts))]


def _drop_envelope(chunk: bytes) -> bytes:
    # Cut trailing batch/file envelope lines without touching the message's own line ends.
    chunk = chunk.rstrip(_FILE_TAIL + b" \t")
    while True:
        cut = max(chunk.rfind(b"\r"), chunk.rfind(b"\n"))
        if cut < 0 or chunk[cut + 1 : cut + 4].decode("latin-1") not in _BATCH_ENVELOPE:
            return chunk
        chunk = chunk[:cut].rstrip(_FILE_TAIL + b" \t")


def parse_batch(data: bytes | str) -> list[Message]:
    """Parse every message of a batch or file; one bad message fails the whole call.

    Callers that must keep going past a bad message use `split_batch` and `parse_message`.
    """
    return [_parse_one(chunk) for chunk in split_batch(data)]
