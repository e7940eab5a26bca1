"""HL7 composite data types (CE/CWE, CX, XPN, XAD, XCN, XON, PL, EI) as typed values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from autarcie.mirror.hl7.errors import ErrorCode, Hl7SemanticError
from autarcie.mirror.hl7.parser import Field, Repetition, Segment
from autarcie.mirror.hl7.timestamps import parse_date, parse_ts

NULL = '""'


def clean(value: str) -> str:
    """Treat the HL7 explicit null `""` as empty: every message carries the full state."""
    return "" if value == NULL else value


def location(seg: Segment, index: int, *parts: int) -> str:
    """An ERL for ERR-2: `PID^1^3` (segment, its sequence, field, then component...)."""
    return "^".join([seg.name, str(seg.seq), str(index), *(str(part) for part in parts)])


@dataclass(frozen=True, slots=True)
class Coded:
    """A CE/CWE value: code, display text and coding system (LN for LOINC...)."""

    code: str
    label: str = ""
    system: str = ""


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


def _cleaned(rep: Repetition, count: int) -> list[str]:
    texts = rep.texts(count)
    if NULL in rep.raw:
        return [clean(text) for text in texts]
    return texts


def coded(rep: Repetition) -> Coded | None:
    code, label, system = _cleaned(rep, 3)
    if not code and not label:
        return None
    return Coded(code, label, system)


def _authority(rep: Repetition, index: int) -> tuple[str, str, str]:
    """An HD held as sub-components of one component (`name&OID&ISO`)."""
    name, universal, universal_type = rep.subtexts(index, 3)
    return name, universal, universal_type


def identifier(rep: Repetition) -> Identifier | None:
    value, _, _, _, type_code = _cleaned(rep, 5)
    if not value:
        return None
    name, universal, universal_type = _authority(rep, 4)
    return Identifier(value, type_code, name, universal, universal_type)


def entity_identifier(rep: Repetition) -> Identifier | None:
    """An EI (`MVT1^APP^OID^ISO`): namespace, universal id and its type are components."""
    value, name, universal, universal_type = _cleaned(rep, 4)
    if not value:
        return None
    return Identifier(value, "", name, universal, universal_type)


def person_name(rep: Repetition) -> PersonName | None:
    family, given, other, _, prefix, _, type_code = _cleaned(rep, 7)
    if not family:
        return None
    return PersonName(family, given, other, prefix, type_code)


def address(rep: Repetition) -> Address | None:
    texts = _cleaned(rep, 9)
    del texts[7]  # XAD-8 (other geographic designation) is not kept
    if not any(texts):
        return None
    return Address(*texts)


def person(rep: Repetition) -> Person | None:
    texts = _cleaned(rep, 13)
    if not texts[0] and not texts[1]:
        return None
    name, universal, _ = _authority(rep, 9)
    return Person(texts[0], texts[1], texts[2], universal or name, texts[12])


def org_unit(rep: Repetition) -> OrgUnit | None:
    texts = _cleaned(rep, 10)
    if not texts[9] and not texts[0]:
        return None
    name, universal, _ = _authority(rep, 6)
    return OrgUnit(texts[9], texts[0], universal or name, texts[6])


def bed_location(rep: Repetition) -> BedLocation | None:
    unit, room, bed, facility, status = _cleaned(rep, 5)
    if not unit and not room and not bed:
        return None
    return BedLocation(unit, room, bed, facility, status)


def people(field: Field) -> tuple[Person, ...]:
    return tuple(found for rep in field.repetitions if (found := person(rep)) is not None)


def leaves(seg: Segment, count: int) -> list[str]:
    """The first leaf of fields 1..count, nulls cleared, indexed as HL7 (`leaves(pid, 8)[8]`)."""
    texts = seg.texts(count)
    if NULL in seg.raw:
        texts = [clean(text) for text in texts]
    texts.insert(0, "")
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


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


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
