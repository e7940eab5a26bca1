"""The RPU data model: one emergency passage, one OSCOUR file, and the code tables of the items."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Self
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class CodeTable(enum.StrEnum):
    """A table of allowed codes, each with its French label.

    A member *is* its code (a ``str``), so a passage may hold either the member or the plain
    string read from a file; ``choices()`` gives (code, label) pairs for forms and printed kits.
    """

    _value_: str
    _label_: str

    def __new__(cls, code: str, label: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member._label_ = label
        return member

    @property
    def label(self) -> str:
        return self._label_

    @classmethod
    def choices(cls) -> tuple[tuple[str, str], ...]:
        return tuple((member.value, member.label) for member in cls)

    @classmethod
    def codes(cls) -> frozenset[str]:
        return frozenset(member.value for member in cls)

    @classmethod
    def label_of(cls, code: str) -> str | None:
        for member in cls:
            if member.value == code:
                return member.label
        return None

    @classmethod
    def describe(cls, code: str) -> str:
        """``8 (domicile)`` for a known code, ``« X »`` for anything else, for messages."""
        label = cls.label_of(code)
        return f"{code} ({label})" if label is not None else f"« {code} »"

    @classmethod
    def enumerate_codes(cls, codes: tuple[str, ...] | None = None) -> str:
        """``6 (HAD), 7 (médico-social)``: the codes a message says are allowed."""
        chosen = codes if codes is not None else tuple(member.value for member in cls)
        return ", ".join(cls.describe(code) for code in chosen)


class Sex(CodeTable):
    MALE = "M", "masculin"
    FEMALE = "F", "féminin"
    UNDETERMINED = "I", "indéterminé"


class EntryMode(CodeTable):
    INTERNAL_TRANSFER = "6", "mutation"
    TRANSFER = "7", "transfert"
    HOME = "8", "domicile"


class Provenance(CodeTable):
    MCO = "1", "MCO"
    SSR = "2", "SSR"
    SLD = "3", "SLD"
    PSY = "4", "psychiatrie"
    NON_ORGANISATIONAL = "5", "prise en charge non organisationnelle"
    HAD = "6", "HAD"
    MEDICO_SOCIAL = "7", "médico-social"
    ORGANISATIONAL = "8", "raison organisationnelle (reconvoqué, passage)"


class Transport(CodeTable):
    PERSONAL = "PERSO", "moyens personnels"
    AMBULANCE = "AMBU", "ambulance"
    FIRE_BRIGADE = "VSAB", "sapeurs-pompiers (VSAB)"
    SMUR = "SMUR", "SMUR"
    HELICOPTER = "HELI", "hélicoptère"
    POLICE = "FO", "forces de l'ordre"


class TransportCare(CodeTable):
    MEDICAL = "MED", "médicalisé"
    PARAMEDICAL = "PARAMED", "paramédicalisé"
    NONE = "AUCUN", "aucune prise en charge"


class Ccmu(CodeTable):
    """CCMU modifiée: the order of the members is the order of severity a form shows."""

    STABLE_NO_ACT = "1", "état stable, pas d'acte complémentaire"
    PSYCHIATRIC = "P", "problème psychiatrique dominant, état somatique stable"
    STABLE_WITH_ACT = "2", "état stable, acte complémentaire décidé"
    MAY_WORSEN = "3", "état susceptible de s'aggraver, pronostic vital non engagé"
    LIFE_THREATENING = "4", "pronostic vital engagé, sans réanimation immédiate"
    RESUSCITATION = "5", "pronostic vital engagé, réanimation immédiate"
    DEAD_ON_ARRIVAL = "D", "décédé à l'arrivée"


class ExitMode(CodeTable):
    INTERNAL_TRANSFER = "6", "mutation"
    TRANSFER = "7", "transfert"
    HOME = "8", "domicile"
    DEATH = "9", "décès"


class Destination(CodeTable):
    MCO = "1", "MCO"
    SSR = "2", "SSR"
    SLD = "3", "SLD"
    PSY = "4", "psychiatrie"
    HAD = "6", "HAD"
    MEDICO_SOCIAL = "7", "médico-social"


class Orientation(CodeTable):
    # Hospitalisation orientations (with MODE_SORTIE 6 or 7).
    PSY_THIRD_PARTY = "HDT", "soins psychiatriques à la demande d'un tiers"
    PSY_STATE_DECISION = "HO", "soins psychiatriques sur décision du représentant de l'État"
    CONTINUOUS_CARE = "SC", "surveillance continue"
    INTENSIVE_CARE = "SI", "soins intensifs"
    ICU = "REA", "réanimation"
    SHORT_STAY = "UHCD", "unité d'hospitalisation de courte durée"
    MEDICINE = "MED", "médecine"
    SURGERY = "CHIR", "chirurgie"
    OBSTETRICS = "OBST", "obstétrique"
    # Orientations of a patient going home (MODE_SORTIE 8).
    RAN_AWAY = "FUGUE", "fugue"
    AGAINST_ADVICE = "SCAM", "sortie contre avis médical"
    LEFT_WITHOUT_CARE = "PSA", "parti sans attendre la prise en charge"
    REDIRECTED = "REO", "réorientation"


HOSPITAL_ORIENTATIONS: tuple[str, ...] = (
    "HDT",
    "HO",
    "SC",
    "SI",
    "REA",
    "UHCD",
    "MED",
    "CHIR",
    "OBST",
)
HOME_ORIENTATIONS: tuple[str, ...] = ("FUGUE", "SCAM", "PSA", "REO")

# The PATIENT children in the order of the specification: the writer, the reader and the XSD
# all follow this tuple (element name, RpuPassage attribute).
PATIENT_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("CP", "postcode"),
    ("COMMUNE", "town"),
    ("NAISSANCE", "birth_date"),
    ("SEXE", "sex"),
    ("ENTREE", "entry"),
    ("MODE_ENTREE", "entry_mode"),
    ("PROVENANCE", "provenance"),
    ("TRANSPORT", "transport"),
    ("TRANSPORT_PEC", "transport_care"),
    ("MOTIF", "reason"),
    ("GRAVITE", "ccmu"),
    ("DP", "main_diagnosis"),
    ("LISTE_DA", "other_diagnoses"),
    ("LISTE_ACTES", "procedures"),
    ("SORTIE", "exit"),
    ("MODE_SORTIE", "exit_mode"),
    ("DESTINATION", "destination"),
    ("ORIENT", "orientation"),
)
HEADER_ELEMENTS: tuple[str, ...] = ("FINESS", "ORDRE", "EXTRACT", "DATEDEBUT", "DATEFIN")


def _require_aware(name: str, value: dt.datetime | None) -> None:
    # A naive datetime would silently mean "server time"; the file must say Paris local time.
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


@dataclass(frozen=True, slots=True, kw_only=True)
class RpuPassage:
    """One emergency-department registration, the 18 items of the arrêté du 24 juillet 2013.

    Fields follow the specification's order. Coded items hold the code as a string ("" when
    empty), so a file read from elsewhere keeps an unknown code for the rules to report.
    ``extra`` keeps unknown or regional elements (``CIRCONSTANCE``, ``*_UHCD``...) by element
    name, each as its XML markup in document order, so a file read and written again loses
    nothing.
    """

    postcode: str = ""
    town: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    entry: dt.datetime
    entry_mode: str = ""
    provenance: str = ""
    transport: str = ""
    transport_care: str = ""
    reason: str = ""
    ccmu: str = ""
    main_diagnosis: str = ""
    other_diagnoses: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    exit: dt.datetime | None = None
    exit_mode: str = ""
    destination: str = ""
    orientation: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_aware("entry", self.entry)
        _require_aware("exit", self.exit)

    def fields_in_order(self) -> Iterator[tuple[str, object]]:
        """(element name, value) for the 18 items, in the specification's order."""
        for element, attribute in PATIENT_ELEMENTS:
            yield element, getattr(self, attribute)

    def entry_day(self) -> dt.date:
        """The day of entry as the emergency department counts it: Paris local date."""
        return self.entry.astimezone(PARIS).date()


@dataclass(frozen=True, slots=True, kw_only=True)
class RpuFile:
    """One OSCOUR file: the establishment header and its passages.

    ``start`` and ``end`` (DATEDEBUT, DATEFIN) bound the days of ENTREE the file covers.
    ``order`` (ORDRE) is kept as read: its meaning is not published and every file seen has 0.
    Header dates are ``None`` when the file leaves them empty.
    """

    finess: str
    order: str = "0"
    extract: dt.datetime | None
    start: dt.date | None
    end: dt.date | None
    passages: tuple[RpuPassage, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_aware("extract", self.extract)
