"""HL7 v2 delimiters, escape sequences and character sets (MSH-1, MSH-2, MSH-18)."""

from __future__ import annotations

from dataclasses import dataclass

from autarcie.mirror.hl7.errors import ErrorCode, Hl7ParseError


@dataclass(frozen=True, slots=True)
class Encoding:
    """The delimiters a message declares in MSH-1 and MSH-2 (truncation only from v2.7)."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"
    truncation: str = ""

    @property
    def msh2(self) -> str:
        """The encoding characters as written in MSH-2."""
        return self.component + self.repetition + self.escape + self.subcomponent + self.truncation


STANDARD = Encoding()

# Characters that can never be delimiters: they would be confused with data or segment ends.
_FORBIDDEN_DELIMITERS = frozenset("\r\n \t\x0b\x1c")


_MSH2_HELP = (
    "expected 4 characters ^~\\& (component, repetition, escape, subcomponent), 5 from v2.7"
)


def _shown(text: str) -> str:
    # Quoted as received: repr() would double every backslash and mislead the reader.
    return f'"{text}"' if text.isprintable() else repr(text)


def _bad_encoding(what: str, msh2: str) -> Hl7ParseError:
    # Said plainly for the interface engineer who reads MSA-3: what was received, what is wanted.
    return Hl7ParseError(
        f"MSH-2 (encoding characters) {_shown(msh2)} cannot be read: {what}; {_MSH2_HELP}",
        code=ErrorCode.DATA_TYPE,
        location="MSH^1^2",
    )


def read_encoding(field_separator: str, msh2: str) -> Encoding:
    """Build the Encoding from MSH-1 and the raw MSH-2 text, or raise Hl7ParseError."""
    if field_separator.isalnum() or field_separator in _FORBIDDEN_DELIMITERS:
        raise Hl7ParseError(
            f"MSH-1 (field separator) {_shown(field_separator)} cannot be a delimiter; "
            "expected | (the character right after MSH)",
            code=ErrorCode.DATA_TYPE,
            location="MSH^1^1",
        )
    if len(msh2) not in (4, 5):
        raise _bad_encoding(f"it holds {len(msh2)} characters", msh2)
    chars = field_separator + msh2
    for char in chars:
        if chars.count(char) > 1:
            raise _bad_encoding(f"{_shown(char)} appears twice, delimiters must differ", msh2)
        if char.isalnum() or char in _FORBIDDEN_DELIMITERS or not char.isprintable():
            raise _bad_encoding(f"{_shown(char)} cannot be a delimiter", msh2)
    return Encoding(
        field=field_separator,
        component=msh2[0],
        repetition=msh2[1],
        escape=msh2[2],
        subcomponent=msh2[3],
        truncation=msh2[4] if len(msh2) == 5 else "",
    )


# Formatting escapes of FT/TX fields we render as plain text (a line break) or drop.
_FORMATTING: dict[str, str] = {
    ".br": "\n",
    ".sp": "\n",
    ".fi": "",
    ".nf": "",
    ".ce": "",
    "H": "",
    "N": "",
}


def _expand(sequence: str, enc: Encoding, codec: str) -> str | None:
    """The text one escape sequence stands for, or None to keep it literally."""
    simple = {
        "F": enc.field,
        "S": enc.component,
        "T": enc.subcomponent,
        "R": enc.repetition,
        "E": enc.escape,
    }.get(sequence)
    if simple is not None:
        return simple
    if sequence == "P":
        return enc.truncation or None
    if sequence in _FORMATTING:
        return _FORMATTING[sequence]
    head = sequence[:3]
    if head in (".sp", ".in", ".ti", ".sk"):
        # Indentation and skips carry no meaning once the text is shown as plain text.
        return "\n" if head == ".sp" else ""
    if sequence[:1] == "X" and len(sequence) > 1:
        try:
            return bytes.fromhex(sequence[1:]).decode(codec, errors="replace")
        except ValueError:
            return None
    if sequence[:1] in ("C", "M"):
        # Character set switches (ISO 2022) are not supported: drop the marker, keep the text.
        return ""
    return None


def unescape(text: str, enc: Encoding, codec: str = "utf-8") -> str:
    """Decode HL7 escape sequences; malformed or unknown ones are kept as written."""
    esc = enc.escape
    if not esc or esc not in text:
        return text
    parts: list[str] = []
    start = 0
    while True:
        opening = text.find(esc, start)
        if opening < 0:
            break
        closing = text.find(esc, opening + 1)
        if closing < 0:
            break
        expansion = _expand(text[opening + 1 : closing], enc, codec)
        if expansion is None:
            # Keep the opening escape character alone so the closing one can open a sequence.
            parts.append(text[start : opening + 1])
            start = opening + 1
            continue
        parts.append(text[start:opening])
        parts.append(expansion)
        start = closing + 1
    parts.append(text[start:])
    return "".join(parts)


def _escape_table(enc: Encoding) -> dict[int, str]:
    esc = enc.escape
    table = {
        ord(enc.escape): f"{esc}E{esc}",
        ord(enc.field): f"{esc}F{esc}",
        ord(enc.component): f"{esc}S{esc}",
        ord(enc.repetition): f"{esc}R{esc}",
        ord(enc.subcomponent): f"{esc}T{esc}",
        ord("\n"): f"{esc}.br{esc}",
    }
    if enc.truncation:
        table[ord(enc.truncation)] = f"{esc}P{esc}"
    # Control characters would end a segment or an MLLP frame: send them as hex escapes.
    for code in (*range(0x20), 0x7F):
        if code != ord("\n"):
            table.setdefault(code, f"{esc}X{code:02X}{esc}")
    return table


_STANDARD_TABLE = _escape_table(STANDARD)


def escape(text: str, enc: Encoding = STANDARD) -> str:
    """Escape delimiters and control characters so `text` is one HL7 leaf value."""
    table = _STANDARD_TABLE if enc is STANDARD or enc == STANDARD else _escape_table(enc)
    return text.translate(table)


# MSH-18 (table 0211) values we honour, mapped to Python codecs.
_CHARSETS: dict[str, str] = {
    "": "utf-8",
    "ASCII": "utf-8",
    "UNICODE UTF-8": "utf-8",
    "UNICODE": "utf-8",
    "UTF-8": "utf-8",
    "8859/1": "latin-1",
    "8859/15": "iso8859-15",
    "8859/2": "iso8859-2",
    "8859/5": "iso8859-5",
    "8859/7": "iso8859-7",
    "8859/9": "iso8859-9",
}

# The MSH-18 value naming each codec we may have read a message with.
CHARSET_NAMES: dict[str, str] = {
    "utf-8": "UNICODE UTF-8",
    "latin-1": "8859/1",
    "iso8859-15": "8859/15",
    "iso8859-2": "8859/2",
    "iso8859-5": "8859/5",
    "iso8859-7": "8859/7",
    "iso8859-9": "8859/9",
}

# Latin-1 maps every byte to one character and back: nothing is lost, the control ID echoed
# in the ACK is byte for byte the one received, and a person still reads accented letters.
FALLBACK_CODEC = "latin-1"


def codec_for(charset: str) -> str | None:
    """The Python codec for an MSH-18 value, or None when it is not supported."""
    return _CHARSETS.get(charset.strip().upper())


def decode(raw: bytes, charset: str) -> tuple[str, str, bool]:
    """Decode message bytes per MSH-18: (text, codec used, True when a fallback was needed).

    Never raises: unknown charsets and invalid UTF-8 are read as Latin-1.
    """
    codec = codec_for(charset)
    if codec is not None:
        try:
            return raw.decode(codec), codec, False
        except UnicodeDecodeError:
            pass
    return raw.decode(FALLBACK_CODEC), FALLBACK_CODEC, True
