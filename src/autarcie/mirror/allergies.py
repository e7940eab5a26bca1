"""A patient's allergies as every reader shows them: reconciled across feeds, in French.

The mirror keeps one projection row per allergy per feed key: HL7 AL1 (``DA``, ``SV``, a local
code) and FHIR AllergyIntolerance (``medication``, ``high``, an ATC or SNOMED code) describing
the same substance land on different rows. Here they become one entry, carrying the most recent
and the most severe facts; the rows and their versions stay as received in the mirror.

Two rows describe the same substance when both are coded in the same code system and their
codes are equal; otherwise when their texts are equal, accents, case and punctuation aside.
"No known allergy" statements (SNOMED 716186003, HL7 ``NKA``...) are not allergies: they only
tell "aucune allergie connue" from "allergies non renseignées" (nothing received).
"""

from __future__ import annotations

import datetime as dt
import enum
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
# Code systems by the names HL7 v2 senders and FHIR give them; any other is compared as sent.
_SYSTEMS = {
    "atc": ATC,
    "whocc": ATC,
    "http://www.whocc.no/atc": ATC,
    "urn:oid:2.16.840.1.113883.6.73": ATC,
    "sct": SNOMED,
    "snm": SNOMED,
    "snomed": SNOMED,
    "snomedct": SNOMED,
    "snomed-ct": SNOMED,
    "http://snomed.info/sct": SNOMED,
    "urn:oid:2.16.840.1.113883.6.96": SNOMED,
}

# Severity: HL7 table 0128 (what the mirror stores), and the FHIR words older rows may hold.
_SEVERITY = {
    "SV": "severe",
    "MO": "moderate",
    "MI": "mild",
    "severe": "severe",
    "moderate": "moderate",
    "mild": "mild",
    "high": "severe",
    "low": "mild",
    # Written in French by a census file or a test row.
    "sévère": "severe",
    "modérée": "moderate",
    "légère": "mild",
}
SEVERITY_LABELS = {"severe": "sévère", "moderate": "modérée", "mild": "légère"}
_SEVERITY_RANK = {"severe": 3, "moderate": 2, "mild": 1, "": 0}

# Allergen type: HL7 table 0127 and FHIR category -> (FHIR category, French label).
_CATEGORY = {
    "DA": ("medication", "médicament"),
    "FA": ("food", "aliment"),
    "EA": ("environment", "environnement"),
    "AA": ("environment", "animal"),
    "PA": ("environment", "plante"),
    "LA": ("environment", "pollen"),
    "MA": ("", "autre"),
    "MC": ("", "contre-indication"),
    "medication": ("medication", "médicament"),
    "food": ("food", "aliment"),
    "environment": ("environment", "environnement"),
    "biologic": ("biologic", "produit biologique"),
}


class NoKnown(enum.StrEnum):
    """What a "no known allergy" statement covers; the value is its SNOMED CT code."""

    ALL = "716186003"
    DRUG = "409137002"
    FOOD = "429625007"
    ENVIRONMENT = "428607008"

    @property
    def label(self) -> str:
        return _NO_KNOWN_LABELS[self]

    @property
    def display(self) -> str:
        return _NO_KNOWN_DISPLAY[self]


_NO_KNOWN_LABELS = {
    NoKnown.ALL: "Aucune allergie connue",
    NoKnown.DRUG: "Aucune allergie médicamenteuse connue",
    NoKnown.FOOD: "Aucune allergie alimentaire connue",
    NoKnown.ENVIRONMENT: "Aucune allergie environnementale connue",
}
_NO_KNOWN_DISPLAY = {
    NoKnown.ALL: "No known allergy",
    NoKnown.DRUG: "No known drug allergy",
    NoKnown.FOOD: "No known food allergy",
    NoKnown.ENVIRONMENT: "No known environmental allergy",
}
# Codes and texts real senders use for "no known allergy" (HL7 AL1-3, FHIR code.text).
_NO_KNOWN_CODES = {
    "NKA": NoKnown.ALL,
    "NKDA": NoKnown.DRUG,
    "NKFA": NoKnown.FOOD,
    **{kind.value: kind for kind in NoKnown},
}
_NO_KNOWN_TEXTS = {
    "nka": NoKnown.ALL,
    "nkda": NoKnown.DRUG,
    "no known allergy": NoKnown.ALL,
    "no known allergies": NoKnown.ALL,
    "no known drug allergy": NoKnown.DRUG,
    "no known drug allergies": NoKnown.DRUG,
    "no known food allergy": NoKnown.FOOD,
    "no known environmental allergy": NoKnown.ENVIRONMENT,
    "aucune allergie": NoKnown.ALL,
    "aucune allergie connue": NoKnown.ALL,
    "pas d allergie": NoKnown.ALL,
    "pas d allergie connue": NoKnown.ALL,
    "absence d allergie": NoKnown.ALL,
    "absence d allergie connue": NoKnown.ALL,
    "aucune allergie medicamenteuse connue": NoKnown.DRUG,
    "pas d allergie medicamenteuse connue": NoKnown.DRUG,
    "aucune allergie alimentaire connue": NoKnown.FOOD,
}


def normalised_text(value: str) -> str:
    """Accents, case, punctuation and spacing aside: ``Pénicilline`` = ``PENICILLINE.``"""
    value = value.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c)
    ).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in bare).split())


def normalised_system(system: str) -> str:
    cleaned = system.strip()
    return _SYSTEMS.get(cleaned.casefold(), cleaned)


@dataclass(frozen=True)
class SourceAllergy:
    """One projection row, as received from one feed."""

    pk: int
    patient_id: int
    label: str
    code: str
    system: str
    category: str
    severity: str
    reaction: str
    active: bool
    received_at: dt.datetime

    @property
    def coded(self) -> tuple[str, str] | None:
        """(system, code) normalised, or None without a code or without a system."""
        system = normalised_system(self.system)
        code = self.code.strip().upper()
        return (system, code) if system and code else None

    @property
    def no_known(self) -> NoKnown | None:
        code = self.code.strip().upper()
        if code in _NO_KNOWN_CODES and normalised_system(self.system) in ("", SNOMED, "L"):
            return _NO_KNOWN_CODES[code]
        return _NO_KNOWN_TEXTS.get(normalised_text(self.label))

    def same_substance(self, other: SourceAllergy) -> bool:
        mine, theirs = self.coded, other.coded
        if mine is not None and theirs is not None and mine[0] == theirs[0]:
            return mine[1] == theirs[1]
        return normalised_text(self.label or self.code) == normalised_text(
            other.label or other.code
        )


@dataclass(frozen=True)
class ReconciledAllergy:
    """One allergy as a person reads it: French labels, never a raw HL7 code alone.

    ``label``, ``severity`` and ``reaction`` are the French text to show; the codes next to
    them are FHIR's (``severity_code`` severe/moderate/mild, ``category`` medication/food...).
    """

    id: int  # the first received projection row of the group: stable as sources are added
    patient_id: int
    label: str
    code: str
    system: str  # normalised: the FHIR URI for ATC and SNOMED CT
    category: str  # FHIR category, or "" (HL7 MA/MC have none)
    category_label: str
    severity_code: str
    severity: str
    reactions: tuple[str, ...]
    active: bool
    received_at: dt.datetime
    sources: tuple[int, ...]  # the projection rows merged here
    display: str = ""  # the code's own display, when it is not ``label`` (SNOMED's English)

    @property
    def reaction(self) -> str:
        return ", ".join(self.reactions)

    def text(self) -> str:
        """One line: ``Pénicilline (médicament) — sévère — urticaire``."""
        head = f"{self.label} ({self.category_label})" if self.category_label else self.label
        return " — ".join(part for part in (head, self.severity, self.reaction) if part)


class AllergyState(enum.StrEnum):
    LISTED = "listed"
    NONE_KNOWN = "none_known"
    NOT_RECORDED = "not_recorded"


NOT_RECORDED_LABEL = "Allergies non renseignées"


def _newest_first(group: Iterable[SourceAllergy]) -> list[SourceAllergy]:
    return sorted(group, key=lambda s: (s.received_at, s.pk), reverse=True)


def _reactions(group: list[SourceAllergy]) -> tuple[str, ...]:
    """Every reaction any source named, newest first, each once."""
    seen: dict[str, str] = {}
    for source in group:
        for reaction in source.reaction.split(", "):
            if reaction.strip():
                seen.setdefault(normalised_text(reaction), reaction.strip())
    return tuple(seen.values())


def _merge(group: list[SourceAllergy]) -> ReconciledAllergy:
    """One entry: the newest label and type, the most severe severity, a standard code first."""
    newest = _newest_first(group)
    coded = [s for s in newest if s.coded is not None]
    standard = [s for s in coded if normalised_system(s.system) in (ATC, SNOMED)]
    named = (standard or coded or newest)[0]
    label = next((s.label for s in newest if s.label and s.label != s.code), named.label)
    severity = max(
        (_SEVERITY.get(s.severity.strip(), "") for s in group), key=_SEVERITY_RANK.__getitem__
    )
    category = next(
        (_CATEGORY[c] for s in newest if (c := s.category.strip()) in _CATEGORY), ("", "")
    )
    return ReconciledAllergy(
        id=min(s.pk for s in group),
        patient_id=named.patient_id,
        label=label or named.code,
        code=named.code.strip(),
        system=normalised_system(named.system) if named.code else "",
        category=category[0],
        category_label=category[1],
        severity_code=severity,
        severity=SEVERITY_LABELS.get(severity, ""),
        reactions=_reactions(newest),
        active=any(s.active for s in group),  # never hide an allergy one feed still states
        received_at=newest[0].received_at,
        sources=tuple(sorted(s.pk for s in group)),
    )


def _groups(rows: Iterable[SourceAllergy]) -> list[list[SourceAllergy]]:
    groups: list[list[SourceAllergy]] = []
    for row in sorted(rows, key=lambda s: (s.received_at, s.pk)):
        group = next((g for g in groups if any(row.same_substance(m) for m in g)), None)
        if group is None:
            groups.append([row])
        else:
            group.append(row)
    return groups


def _statement(kind: NoKnown, group: list[SourceAllergy]) -> ReconciledAllergy:
    newest = _newest_first(group)
    return ReconciledAllergy(
        id=min(s.pk for s in group),
        patient_id=newest[0].patient_id,
        label=kind.label,
        code=kind.value,
        system=SNOMED,
        category="",
        category_label="",
        severity_code="",
        severity="",
        reactions=(),
        active=True,
        received_at=newest[0].received_at,
        sources=tuple(sorted(s.pk for s in group)),
        display=kind.display,
    )


@dataclass(frozen=True)
class PatientAllergies:
    """A patient's allergies reconciled; ``label`` is the line shown when none is listed.

    ``items`` are the active allergies (what screens and kits show), ``ended`` the inactive or
    refuted ones (the FHIR API still serves them), ``statements`` the "no known allergy"
    statements received.
    """

    state: AllergyState
    items: tuple[ReconciledAllergy, ...] = ()
    ended: tuple[ReconciledAllergy, ...] = ()
    statements: tuple[ReconciledAllergy, ...] = ()

    @property
    def label(self) -> str:
        if self.state is AllergyState.NOT_RECORDED:
            return NOT_RECORDED_LABEL
        if self.state is AllergyState.NONE_KNOWN:
            return " ; ".join(s.label for s in self.statements)
        return ""

    def lines(self) -> tuple[str, ...]:
        return tuple(a.text() for a in self.items)

    def resources(self) -> tuple[ReconciledAllergy, ...]:
        """What a FHIR client is given: the allergies, or the statement when none is listed."""
        listed = self.items + self.ended
        return listed if self.state is AllergyState.LISTED else listed + self.statements


NOTHING = PatientAllergies(AllergyState.NOT_RECORDED)


def reconcile(rows: Iterable[SourceAllergy]) -> PatientAllergies:
    """One patient's projection rows as one entry per substance (see the module's rule)."""
    allergies: list[SourceAllergy] = []
    said: dict[NoKnown, list[SourceAllergy]] = defaultdict(list)
    for row in rows:
        kind = row.no_known
        if kind is None:
            allergies.append(row)
        elif row.active:
            said[kind].append(row)
    merged = sorted((_merge(g) for g in _groups(allergies)), key=lambda a: normalised_text(a.label))
    items = tuple(a for a in merged if a.active)
    ended = tuple(a for a in merged if not a.active)
    statements = tuple(_statement(kind, said[kind]) for kind in NoKnown if kind in said)
    if items:
        state = AllergyState.LISTED
    elif statements:
        state = AllergyState.NONE_KNOWN
    else:
        state = AllergyState.NOT_RECORDED
    return PatientAllergies(state, items, ended, statements)


# Every row, active or not: an allergy one feed ended and the other still states stays shown.
ROWS_SQL = (
    'SELECT id, patient_id, label, code, "system", category, severity, reaction, active,'
    " received_at FROM mirror_allergy WHERE patient_id IN ({ids})"
)


def _aware(value: dt.datetime | str) -> dt.datetime:
    """SQLite gives naive UTC datetimes (or text), PostgreSQL aware ones."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def from_rows(rows: Iterable[tuple[Any, ...]]) -> dict[int, PatientAllergies]:
    """Rows of ``ROWS_SQL`` -> each patient's reconciled allergies (absent: none received)."""
    by_patient: dict[int, list[SourceAllergy]] = defaultdict(list)
    for pk, patient_id, label, code, system, category, severity, reaction, active, at in rows:
        source = SourceAllergy(
            int(pk),
            int(patient_id),
            str(label),
            str(code),
            str(system),
            str(category),
            str(severity),
            str(reaction),
            bool(active),
            _aware(at),
        )
        by_patient[source.patient_id].append(source)
    return {patient_id: reconcile(rows) for patient_id, rows in by_patient.items()}


def for_patients(ids: list[int]) -> dict[int, PatientAllergies]:
    """Reconciled allergies of many patients in one query; a patient absent has ``NOTHING``."""
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(ROWS_SQL.format(ids=marks), ids)
        return from_rows(cursor.fetchall())


def for_patient(patient_id: int) -> PatientAllergies:
    """One patient's reconciled allergies (a banner, a FHIR read)."""
    return for_patients([patient_id]).get(patient_id, NOTHING)


def allergic(ids: list[int]) -> set[int]:
    """The patients with at least one active allergy listed (the census badge)."""
    return {pid for pid, found in for_patients(ids).items() if found.state is AllergyState.LISTED}
