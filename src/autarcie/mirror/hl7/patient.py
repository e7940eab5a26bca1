"""The patient in a message: PID (IPP key, INS and its trust, names), MRG and AL1."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from autarcie.mirror.hl7.datatypes import (
    CX,
    CX_HD,
    XAD,
    XPN,
    Address,
    Coded,
    Identifier,
    PersonName,
    address,
    clean,
    coded_at,
    cx_list,
    date_or_none,
    first_row,
    identifier,
    location,
    person_name,
    pick,
    rows,
    ts_or_none,
)
from autarcie.mirror.hl7.errors import ErrorCode, Hl7SemanticError
from autarcie.mirror.hl7.parser import Message, Segment
from autarcie.mirror.records import (
    INS_OIDS,
    ReceivedIdentifier,
    authority_key,
    is_ins_authority,
)

# INS assigning authorities (PAM FR, FR Core); legacy INS-C OIDs are plain identifiers.
INS_KINDS: dict[str, str] = INS_OIDS
FINESS_ROOT = "1.2.250.1.71.4.2.2"
HIDDEN_STATUS = "CACH"
QUALIFIED_STATUS = "VALI"
_SEXES = frozenset({"F", "M", "U", "O", "A", "N"})


@dataclass(frozen=True, slots=True)
class PatientKey:
    """How the mirror keys a patient: (assigning authority, IPP)."""

    authority: str
    ipp: str


@dataclass(frozen=True, slots=True)
class Ins:
    """An INS as received; `key_valid` checks the two-digit NIR key (97 - number mod 97)."""

    value: str
    oid: str
    kind: str
    key_valid: bool


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    """PID as the mirror needs it. `ins` is kept even when it must not be trusted."""

    key: PatientKey
    identifiers: tuple[Identifier, ...]
    ins: Ins | None
    ins_trusted: bool
    statuses: tuple[str, ...]
    legal_name: PersonName | None
    used_name: PersonName | None
    names: tuple[PersonName, ...]
    birth_date: dt.date | None
    sex: str
    birthplace: Address | None
    addresses: tuple[Address, ...]
    nda: Identifier | None
    deceased_at: dt.datetime | None
    deceased: bool

    @property
    def ins_only(self) -> bool:
        """PID-3 held no IPP, only a qualified INS (results from an outside laboratory)."""
        return is_ins_authority(self.key.authority)

    @property
    def hidden(self) -> bool:
        """PID-32 `CACH`: show only to the patient's unit, never in others' searches."""
        return HIDDEN_STATUS in self.statuses

    @property
    def birthplace_insee(self) -> str:
        return self.birthplace.county_code if self.birthplace is not None else ""


@dataclass(frozen=True, slots=True)
class PriorPatient:
    """MRG: the identifiers being replaced (A47) or merged away (A40), and the account (A44)."""

    identifiers: tuple[Identifier, ...]
    key: PatientKey | None
    account: Identifier | None
    visit: Identifier | None


@dataclass(frozen=True, slots=True)
class Allergy:
    """AL1: allergen, category (DA drug, FA food...), severity, reactions."""

    allergen: Coded
    category: str
    severity: str
    reactions: tuple[str, ...]
    identified_on: dt.date | None


def nir_key_valid(value: str) -> bool:
    """True when a 15-character NIR/NIA ends with its key; Corsica's 2A/2B count as 19/18."""
    if len(value) != 15 or not value.isascii() or not value[13:].isdigit():
        return False
    body = value[:13].upper().replace("2A", "19", 1).replace("2B", "18", 1)
    if not body.isdigit():
        return False
    return 97 - int(body) % 97 == int(value[13:])


def _ins(identifiers: tuple[Identifier, ...]) -> Ins | None:
    for ident in identifiers:
        kind = INS_KINDS.get(ident.authority_id)
        if ident.type_code == "INS" and kind is not None:
            return Ins(ident.value, ident.authority_id, kind, nir_key_valid(ident.value))
    return None


def _key(
    pid: Segment,
    identifiers: tuple[Identifier, ...],
    fallback_types: tuple[str, ...],
    qualified_ins: Ins | None,
) -> PatientKey:
    for wanted in ("PI", *fallback_types):
        for ident in identifiers:
            if ident.type_code == wanted:
                if not ident.authority:
                    raise Hl7SemanticError(
                        ErrorCode.REQUIRED_FIELD_MISSING,
                        location(pid, 3, 4),
                        f"PID-3 identifier {ident.value!r} ({wanted}) has no assigning authority",
                    )
                # One key per authority however it is spelt (FINESS&M, ANS OID&ISO, FHIR).
                return PatientKey(authority_key(ident.authority), ident.value)
    if qualified_ins is not None:
        # CI-SIS results from outside: the INS alone identifies the patient (never an
        # unqualified one); the apply step attaches them to whoever holds that INS.
        return PatientKey(qualified_ins.oid, qualified_ins.value)
    raise Hl7SemanticError(
        ErrorCode.REQUIRED_FIELD_MISSING,
        location(pid, 3),
        "PID-3 holds no patient identifier of type PI (IPP) nor a qualified INS (PID-32 VALI)",
    )


def _names(pid: Segment) -> tuple[PersonName, ...]:
    return tuple([n for row in rows(pid, 5, XPN) if (n := person_name(row)) is not None])


def _by_type(names: tuple[PersonName, ...], type_code: str) -> PersonName | None:
    return next((name for name in names if name.type_code == type_code), None)


def _legal(names: tuple[PersonName, ...]) -> PersonName | None:
    """XPN-7 `L`; a name without a type code is the legal name when none says `L` (HL7 v2:
    table 0200 defaults to legal), and a lone name of another type is still a name."""
    found = _by_type(names, "L") or _by_type(names, "")
    if found is None and _by_type(names, "D") is None and names:
        return names[0]
    return found


def _system(ident: Identifier) -> str:
    """The FHIR identifier system of an HL7 CX-4, as the FHIR API and exports write it."""
    authority = ident.authority
    if authority.startswith(("http://", "https://", "urn:")):
        return authority
    if ident.authority_id and all(p.isdigit() for p in ident.authority_id.split(".")):
        return f"urn:oid:{ident.authority_id}"
    if ident.authority_id and ident.authority_id_type in ("M", "N"):
        return f"urn:oid:{FINESS_ROOT}.{ident.authority_id}"
    return "urn:autarcie:authority:" + "".join(
        c if c.isalnum() or c in "._-" else "-" for c in authority or "local"
    )


def received_identifiers(identity: PatientIdentity) -> tuple[ReceivedIdentifier, ...]:
    """PID-3 as sent, the INS apart (kept in its own columns, trusted only when qualified)."""
    found: list[ReceivedIdentifier] = []
    for ident in identity.identifiers:
        if ident.authority_id in INS_KINDS or not ident.value:
            continue
        hd = "&".join((ident.authority_name, ident.authority_id, ident.authority_id_type))
        found.append(
            ReceivedIdentifier(
                _system(ident)[:200], ident.value[:64], ident.type_code, "hl7", hd.rstrip("&")
            )
        )
    return tuple(found)


def _sex(pid: Segment, sex: str) -> str:
    if sex and sex not in _SEXES:
        raise Hl7SemanticError(
            ErrorCode.TABLE_VALUE_NOT_FOUND, location(pid, 8), f"PID-8 sex {sex!r} is not F, M or U"
        )
    return sex


def read_patient(
    msg: Message, fallback_types: tuple[str, ...] = (), *, ins_alone: bool = True
) -> PatientIdentity:
    """Read PID; the key is the first PI identifier (or one of `fallback_types`, e.g. MR),
    else, when `ins_alone`, a qualified INS (see `PatientIdentity.ins_only`)."""
    pid = msg.segment("PID")
    if pid is None:
        raise Hl7SemanticError(ErrorCode.SEGMENT_SEQUENCE, "PID", "the PID segment is missing")
    identifiers = cx_list(pid, 3)
    statuses = tuple(status for rep in pid.field(32).repetitions if (status := clean(rep.value)))
    ins = _ins(identifiers)
    trusted = ins is not None and ins.key_valid and QUALIFIED_STATUS in statuses
    key = _key(pid, identifiers, fallback_types, ins if trusted and ins_alone else None)
    names = _names(pid)
    addresses = tuple([a for row in rows(pid, 11, XAD) if (a := address(row)) is not None])
    birth, sex, died_at, died = pick(pid, 7, 8, 29, 30)
    return PatientIdentity(
        key=key,
        identifiers=identifiers,
        ins=ins,
        ins_trusted=trusted,
        statuses=statuses,
        legal_name=_legal(names),
        used_name=_by_type(names, "D"),
        names=names,
        birth_date=date_or_none(pid, 7, birth),
        sex=_sex(pid, sex),
        birthplace=next((a for a in addresses if a.type_code == "BDL"), None),
        addresses=tuple(a for a in addresses if a.type_code != "BDL"),
        nda=identifier(first_row(pid, 18, CX, CX_HD)),
        deceased_at=ts_or_none(pid, 29, died_at),
        deceased=died == "Y",
    )


def read_prior(msg: Message) -> PriorPatient | None:
    """Read MRG, or None when the message has none."""
    mrg = msg.segment("MRG")
    if mrg is None:
        return None
    identifiers = cx_list(mrg, 1)
    pi = next((ident for ident in identifiers if ident.type_code == "PI"), None)
    return PriorPatient(
        identifiers=identifiers,
        key=PatientKey(authority_key(pi.authority), pi.value) if pi is not None else None,
        account=identifier(first_row(mrg, 3, CX, CX_HD)),
        visit=identifier(first_row(mrg, 5, CX, CX_HD)),
    )


def read_allergies(msg: Message) -> tuple[Allergy, ...]:
    allergies: list[Allergy] = []
    for al1 in msg.segments("AL1"):
        allergen = coded_at(al1, 3)
        if allergen is None:
            raise Hl7SemanticError(
                ErrorCode.REQUIRED_FIELD_MISSING, location(al1, 3), "AL1-3 (allergen) is missing"
            )
        allergies.append(
            Allergy(
                allergen=allergen,
                category=clean(al1.text(2)),
                severity=clean(al1.text(4)),
                # A coded reaction (``URT^Urticaire``) is read by its text: a code alone is
                # not what a nurse can read.
                reactions=tuple(
                    r for rep in al1.field(5).repetitions if (r := clean(rep.text(2) or rep.value))
                ),
                identified_on=date_or_none(al1, 6),
            )
        )
    return tuple(allergies)


@dataclass(frozen=True, slots=True)
class IdentitySupplement:
    """ZFD: lunar date, gestation, SMS consent, identity check mode and ID document."""

    lunar_date: str
    gestation_weeks: int | None
    sms_consent: bool | None
    birth_date_corrected: bool | None
    identity_mode: str
    insi_called_on: dt.date | None
    id_document_type: str
    id_document_expires_on: dt.date | None


def _yes_no(seg: Segment, index: int, text: str) -> bool | None:
    text = text.upper()
    if not text:
        return None
    if text not in ("Y", "N"):
        raise Hl7SemanticError(
            ErrorCode.TABLE_VALUE_NOT_FOUND,
            location(seg, index),
            f"{seg.name}-{index} must be Y or N, found {text!r}",
        )
    return text == "Y"


def read_supplement(msg: Message) -> IdentitySupplement | None:
    zfd = msg.segment("ZFD")
    if zfd is None:
        return None
    f = ["", *pick(zfd, 1, 2, 3, 4, 5, 6, 7, 8)]  # indexed as ZFD-n
    weeks = f[2]
    if weeks and not (weeks.isascii() and weeks.isdigit() and len(weeks) <= 2):
        raise Hl7SemanticError(
            ErrorCode.DATA_TYPE,
            location(zfd, 2),
            f"ZFD-2 gestation weeks {weeks!r} is not a number",
        )
    return IdentitySupplement(
        lunar_date=f[1],
        gestation_weeks=int(weeks) if weeks else None,
        sms_consent=_yes_no(zfd, 3, f[3]),
        birth_date_corrected=_yes_no(zfd, 4, f[4]),
        identity_mode=f[5],
        insi_called_on=date_or_none(zfd, 6, f[6]),
        id_document_type=f[7],
        id_document_expires_on=date_or_none(zfd, 8, f[8]),
    )
