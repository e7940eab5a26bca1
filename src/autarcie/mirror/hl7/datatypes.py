"""HL7 composite data types (CE/CWE, CX, XPN, XAD, XCN, XON, PL, EI) as typed values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from autarcie.mirror.hl7.errors import ErrorCode, Hl7SemanticError
from autarcie.mirror.hl7.parser import Repetition, Segment
from autarcie.mirror.hl7.timestamps import parse_date, parse_ts

NULL = '""'


def clean(value: str) -> str:
    """Treat the HL7 explicit null `""` as empty: every message carries the full state."""
    return "" if value == NULL else value


def location(seg: Segment, index: int, *parts: int, repetition: int = 1) -> str:
    """An ERL for ERR-2: `PID^1^3`, or with `parts` (component, sub-component) `PID^1^3^1^4`.

    ERL's fourth component is the field repetition, so it is written before any component.
    """
    head = [seg.name, str(seg.seq), str(index)]
    if parts:
        head.append(str(repetition))
    return "^".join([*head, *(str(part) for part in parts)])


@dataclass(frozen=True, slots=True)
class Coded:
    """A CE/CWE value: code, display text, coding system (LN for LOINC...) and its OID.

    `oid` is CWE-14 (v2.7 and later): some senders name a local table only by its OID.
    """

    code: str
    label: str = ""
    system: str = ""
    oid: str = ""


@dataclass(frozen=True, slots=True)
class Identifier:
    """A CX (or EI) identifier with its assigning authority (CX-4 namespace&OID&type)."""

    value: str
    type_code: str = ""
    authority_name: str = ""
    authority_id: str = ""
    authority_id_type: str = ""

    @property
    def authority(self) -> str:
        """The universal id (OID, FINESS) when given, else the namespace."""
        return self.authority_id or self.authority_name


@dataclass(frozen=True, slots=True)
class PersonName:
    """An XPN: family, first given name, other given names, type (L legal, D used, S...)."""

    family: str
    given: str = ""
    other_given: str = ""
    prefix: str = ""
    type_code: str = ""


@dataclass(frozen=True, slots=True)
class Address:
    """An XAD; `type_code` H home, BDL birthplace (with `county_code` the INSEE code)."""

    street: str = ""
    other: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    type_code: str = ""
    county_code: str = ""


@dataclass(frozen=True, slots=True)
class Person:
    """An XCN (a practitioner): identifier (RPPS, ADELI...), names, and its authority."""

    identifier: str
    family: str = ""
    given: str = ""
    authority: str = ""
    type_code: str = ""


@dataclass(frozen=True, slots=True)
class OrgUnit:
    """An XON: the code is XON-10 (UF code in PAM FR), the label XON-1."""

    code: str
    label: str = ""
    authority: str = ""
    type_code: str = ""


@dataclass(frozen=True, slots=True)
class BedLocation:
    """A PL: point of care (UF), room, bed, facility and bed status (O occupied, U free)."""

    point_of_care: str
    room: str = ""
    bed: str = ""
    facility: str = ""
    status: str = ""


# Readers of one composite take a row: its components as `Segment.composites` returns them,
# padded; types holding an HD (CX-4, XCN-9, XON-6) read with `hd_component` add its three
# sub-components at the end. One split per field keeps the interpreters fast.
Row = list[str]

CX, CX_HD = 5, 4
EI = 4
XPN = 7
XAD = 9
XCN, XCN_HD = 13, 9
XON, XON_HD = 10, 6
PL = 5
CE = 3
CWE = 14


def rows(seg: Segment, index: int, count: int, hd_component: int = 0) -> list[Row]:
    """Every repetition of field `index` as a row, with the HL7 null `""` read as empty."""
    found = seg.composites(index, count, hd_component)
    if NULL in seg.raw:
        return [[clean(text) for text in row] for row in found]
    return found


def first_row(seg: Segment, index: int, count: int, hd_component: int = 0) -> Row:
    """The first repetition of field `index` as a row; an empty row when the field is empty."""
    found = rows(seg, index, count, hd_component)
    return found[0] if found else [""] * (count + (3 if hd_component else 0))


def row_of(rep: Repetition, count: int) -> Row:
    """A row from a repetition already in hand (OBX-5 values)."""
    return [clean(text) for text in rep.texts(count)]


def coded(row: Row) -> Coded | None:
    code, label, system = row[0], row[1], row[2]
    if not code and not label:
        return None
    return Coded(code, label, system, row[13] if len(row) > CWE - 1 else "")


def coded_at(seg: Segment, index: int) -> Coded | None:
    return coded(first_row(seg, index, CWE))


def identifier(row: Row) -> Identifier | None:
    """A CX row read with `hd_component=4`."""
    if not row[0]:
        return None
    return Identifier(row[0], row[4], row[5], row[6], row[7])


def entity_identifier(row: Row) -> Identifier | None:
    """An EI (`MVT1^APP^OID^ISO`): namespace, universal id and its type are components."""
    if not row[0]:
        return None
    return Identifier(row[0], "", row[1], row[2], row[3])


def person_name(row: Row) -> PersonName | None:
    if not row[0]:
        return None
    return PersonName(row[0], row[1], row[2], row[4], row[6])


def address(row: Row) -> Address | None:
    texts = row[:7] + row[8:9]  # XAD-8 (other geographic designation) is not kept
    if not any(texts):
        return None
    return Address(*texts)


def person(row: Row) -> Person | None:
    """An XCN row read with `hd_component=9`."""
    if not row[0] and not row[1]:
        return None
    return Person(row[0], row[1], row[2], row[14] or row[13], row[12])


def org_unit(row: Row) -> OrgUnit | None:
    """An XON row read with `hd_component=6`."""
    if not row[9] and not row[0]:
        return None
    return OrgUnit(row[9], row[0], row[11] or row[10], row[6])


def bed_location(row: Row) -> BedLocation | None:
    unit, room, bed, facility, status = row[:5]
    if not unit and not room and not bed:
        return None
    return BedLocation(unit, room, bed, facility, status)


def cx_list(seg: Segment, index: int) -> tuple[Identifier, ...]:
    return tuple([i for row in rows(seg, index, CX, CX_HD) if (i := identifier(row)) is not None])


def people(seg: Segment, index: int) -> tuple[Person, ...]:
    return tuple([p for row in rows(seg, index, XCN, XCN_HD) if (p := person(row)) is not None])


def pick(seg: Segment, *indexes: int) -> list[str]:
    """The first leaf of each field asked for, with the HL7 null `""` read as empty."""
    texts = seg.pick(*indexes)
    if NULL in seg.raw:
        return [clean(text) for text in texts]
    return texts


def ts_or_none(seg: Segment, index: int, text: str | None = None) -> dt.datetime | None:
    """The timestamp in field `index` (or `text` already read from it); None when empty."""
    if text is None:
        text = clean(seg.text(index))
    if not text:
        return None
    try:
        return parse_ts(text)
    except ValueError as error:
        raise Hl7SemanticError(
            ErrorCode.DATA_TYPE,
            location(seg, index),
            f"{seg.name}-{index} is not a valid HL7 timestamp: {text!r}",
        ) from error


def ts_required(seg: Segment, index: int, what: str, text: str | None = None) -> dt.datetime:
    moment = ts_or_none(seg, index, text)
    if moment is None:
        raise Hl7SemanticError(
            ErrorCode.REQUIRED_FIELD_MISSING, location(seg, index), f"{what} is missing"
        )
    return moment


def date_or_none(seg: Segment, index: int, text: str | None = None) -> dt.date | None:
    if text is None:
        text = clean(seg.text(index))
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as error:
        raise Hl7SemanticError(
            ErrorCode.DATA_TYPE,
            location(seg, index),
            f"{seg.name}-{index} is not a valid HL7 date: {text!r}",
        ) from error


def text_ts(seg: Segment, index: int, component: int) -> dt.datetime | None:
    """A timestamp held in one component (TQ1 and old TQ timings)."""
    text = clean(seg.text(index, component))
    if not text:
        return None
    try:
        return parse_ts(text)
    except ValueError as error:
        raise Hl7SemanticError(
            ErrorCode.DATA_TYPE,
            location(seg, index, component),
            f"{seg.name}-{index}.{component} is not a valid HL7 timestamp: {text!r}",
        ) from error


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def to_number(text: str) -> Decimal | None:
    """An HL7 NM as Decimal (exact, as sent), or None when it is not one."""
    text = text.strip()
    if _NUMBER.fullmatch(text) is None:
        return None
    return Decimal(text)


def number_or_none(seg: Segment, index: int, component: int = 1) -> Decimal | None:
    text = clean(seg.text(index, component))
    if not text:
        return None
    number = to_number(text)
    if number is None:
        raise Hl7SemanticError(
            ErrorCode.DATA_TYPE,
            location(seg, index),
            f"{seg.name}-{index} is not a number: {text!r}",
        )
    return number
