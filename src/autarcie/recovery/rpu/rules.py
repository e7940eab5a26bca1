"""The RPU consistency rules: pure checks of a passage or a file header, messages in French."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from autarcie.recovery.rpu.model import (
    HOME_ORIENTATIONS,
    HOSPITAL_ORIENTATIONS,
    PARIS,
    PATIENT_ELEMENTS,
    Ccmu,
    CodeTable,
    Destination,
    EntryMode,
    ExitMode,
    Orientation,
    Provenance,
    RpuFile,
    RpuPassage,
    Sex,
    Transport,
    TransportCare,
)

# 5 characters: a French postcode, a department + 999 (precise code unknown), 99 + INSEE
# country code (abroad) or 99999 (unknown) are all five digits; Corsica may be written 2A/2B.
POSTCODE_RE = re.compile(r"[0-9]{5}|2[AB][0-9]{3}")
# CIM-10: a letter, two digits, then a few more characters, with or without the dot (S636,
# K56.6); the French (ATIH) extensions add digits and sometimes a "+", so both are allowed.
CIM10_RE = re.compile(r"[A-Z][0-9]{2}(?:\.?[0-9A-Z+]{1,4})?")
# CCAM: four letters and three digits (DEQP003), possibly followed by a phase/activity suffix.
CCAM_RE = re.compile(r"[A-Z]{4}[0-9]{3}(?:[-.+/ ]?[0-9A-Z]{1,4})?")
# FINESS: department (two digits, 2A/2B for Corsica; overseas 97x is digits too), then seven.
FINESS_RE = re.compile(r"(?:[0-9]{2}|2[AB])[0-9]{7}")
ORDER_RE = re.compile(r"[0-9]")

ENTRY_PROVENANCES: tuple[str, ...] = ("1", "2", "3", "4")
HOME_PROVENANCES: tuple[str, ...] = ("5", "6", "7", "8")
# PMSI producers pair HAD / médico-social provenance with a transfer; the RPU table pairs them
# with "domicile". We accept both, but flag the PMSI pairing so a person can look at it.
TOLERATED_TRANSFER_PROVENANCES: tuple[str, ...] = ("6", "7")
HOSPITAL_DESTINATIONS: tuple[str, ...] = ("1", "2", "3", "4")
HOME_DESTINATIONS: tuple[str, ...] = ("6", "7")


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return "erreur" if self is Severity.ERROR else "avertissement"


@dataclass(frozen=True, slots=True)
class RpuIssue:
    """One finding: the element it concerns, a stable code, a French message for a person.

    ``passage`` is the 1-based rank of the passage in its file; ``None`` for the file header.
    """

    element: str
    code: str
    message: str
    severity: Severity = Severity.ERROR
    passage: int | None = None


def _error(element: str, code: str, message: str) -> RpuIssue:
    return RpuIssue(element, code, message, Severity.ERROR)


def _warning(element: str, code: str, message: str) -> RpuIssue:
    return RpuIssue(element, code, message, Severity.WARNING)


_CODED_ITEMS: tuple[tuple[str, str, str, type[CodeTable]], ...] = (
    ("SEXE", "sex", "le sexe", Sex),
    ("MODE_ENTREE", "entry_mode", "le mode d'entrée", EntryMode),
    ("PROVENANCE", "provenance", "la provenance", Provenance),
    ("TRANSPORT", "transport", "le mode de transport", Transport),
    ("TRANSPORT_PEC", "transport_care", "la prise en charge pendant le transport", TransportCare),
    ("GRAVITE", "ccmu", "la gravité (CCMU)", Ccmu),
    ("MODE_SORTIE", "exit_mode", "le mode de sortie", ExitMode),
    ("DESTINATION", "destination", "la destination", Destination),
    ("ORIENT", "orientation", "l'orientation", Orientation),
)


def check_passage(p: RpuPassage) -> list[RpuIssue]:
    """Every finding on one passage; an empty item is never a finding by itself."""
    issues = _check_codes(p)
    issues += _check_formats(p)
    issues += _check_entry(p)
    issues += _check_exit(p)
    issues += _check_times(p)
    issues += _check_extra(p)
    return issues


def _check_codes(p: RpuPassage) -> list[RpuIssue]:
    issues = []
    for element, attribute, noun, table in _CODED_ITEMS:
        value: str = getattr(p, attribute)
        if value and value not in table.codes():
            issues.append(
                _error(
                    element,
                    "unknown-code",
                    f"Valeur {table.describe(value)} inconnue pour {noun} : "
                    f"valeurs permises {table.enumerate_codes()}, ou vide",
                )
            )
    return issues


def _check_formats(p: RpuPassage) -> list[RpuIssue]:
    issues = []
    if p.postcode and not POSTCODE_RE.fullmatch(p.postcode):
        issues.append(
            _error(
                "CP",
                "postcode-format",
                f"Code postal « {p.postcode} » : il faut 5 caractères, par exemple 35000, "
                "le département suivi de 999 si la commune est inconnue, 99 suivi du code "
                "pays INSEE à l'étranger, ou 99999 si rien n'est connu",
            )
        )
    diagnoses = [("DP", p.main_diagnosis)] if p.main_diagnosis else []
    diagnoses += [("DA", code) for code in p.other_diagnoses]
    for element, code in diagnoses:
        if not CIM10_RE.fullmatch(code):
            issues.append(
                _error(
                    element,
                    "cim10-format",
                    f"Code CIM-10 « {code} » mal formé : attendu une lettre, deux chiffres "
                    "et au plus quatre caractères de plus, avec ou sans point (K56.6, S636)",
                )
            )
    for code in p.procedures:
        if not CCAM_RE.fullmatch(code):
            issues.append(
                _error(
                    "ACTE",
                    "ccam-format",
                    f"Code CCAM « {code} » mal formé : attendu quatre lettres et trois "
                    "chiffres (DEQP003)",
                )
            )
    if p.reason and not CIM10_RE.fullmatch(p.reason):
        issues.append(
            _warning(
                "MOTIF",
                "reason-free-text",
                f"Motif de recours « {p.reason} » en texte libre : un code CIM-10 du "
                "thésaurus des motifs de recours est attendu (par exemple R074)",
            )
        )
    return issues


def _check_entry(p: RpuPassage) -> list[RpuIssue]:
    mode, provenance = p.entry_mode, p.provenance
    if not mode or not provenance or provenance not in Provenance.codes():
        return []
    if mode in ("6", "7"):
        allowed = ENTRY_PROVENANCES
    elif mode == "8":
        allowed = HOME_PROVENANCES
    else:
        return []
    if provenance in allowed:
        return []
    prefix = f"Mode d'entrée {EntryMode.describe(mode)}"
    if mode in ("6", "7") and provenance in TOLERATED_TRANSFER_PROVENANCES:
        return [
            _warning(
                "PROVENANCE",
                "provenance-pmsi-pairing",
                f"{prefix} avec la provenance {Provenance.describe(provenance)} : usage du "
                "PMSI accepté, mais la table RPU associe cette provenance au mode d'entrée "
                "8 (domicile) ; vérifiez le mode d'entrée",
            )
        ]
    wanted = _allowed_phrase(Provenance, allowed)
    return [
        _error(
            "PROVENANCE",
            "provenance-mismatch",
            f"{prefix} : la provenance doit être {wanted}, pas {provenance}",
        )
    ]


def _check_exit(p: RpuPassage) -> list[RpuIssue]:
    mode = p.exit_mode
    destinations: tuple[str, ...]
    orientations: tuple[str, ...]
    if mode in ("6", "7"):
        destinations, orientations = HOSPITAL_DESTINATIONS, HOSPITAL_ORIENTATIONS
    elif mode == "8":
        destinations, orientations = HOME_DESTINATIONS, HOME_ORIENTATIONS
    elif mode == "9":
        destinations, orientations = (), ()
    else:
        return []
    issues = []
    prefix = f"Mode de sortie {ExitMode.describe(mode)}"
    # An unknown code is reported once, by the code check, not here again.
    if p.destination in Destination.codes() and p.destination not in destinations:
        wanted = _allowed_phrase(Destination, destinations)
        issues.append(
            _error(
                "DESTINATION",
                "destination-mismatch",
                f"{prefix} : la destination doit être {wanted}, pas {p.destination}",
            )
        )
    if p.orientation in Orientation.codes() and p.orientation not in orientations:
        wanted = _allowed_phrase(Orientation, orientations)
        issues.append(
            _error(
                "ORIENT",
                "orientation-mismatch",
                f"{prefix} : l'orientation doit être {wanted}, pas {p.orientation}",
            )
        )
    return issues


def _allowed_phrase(table: type[CodeTable], codes: tuple[str, ...]) -> str:
    if not codes:
        return "vide"
    listed = table.enumerate_codes(codes)
    head, _, last = listed.rpartition(", ")
    return f"{head}, {last} ou vide" if head else f"{last} ou vide"


def _check_times(p: RpuPassage) -> list[RpuIssue]:
    issues = []
    if p.exit is not None and p.exit < p.entry:
        issues.append(
            _error(
                "SORTIE",
                "exit-before-entry",
                f"Sortie le {_local(p.exit)} avant l'entrée le {_local(p.entry)} : "
                "la sortie doit suivre l'entrée",
            )
        )
    if p.birth_date is not None and p.birth_date > p.entry_day():
        issues.append(
            _error(
                "NAISSANCE",
                "birth-after-entry",
                f"Naissance le {p.birth_date:%d/%m/%Y} après l'entrée le {_local(p.entry)}",
            )
        )
    if p.ccmu == Ccmu.DEAD_ON_ARRIVAL and p.exit_mode and p.exit_mode != ExitMode.DEATH:
        issues.append(
            _warning(
                "MODE_SORTIE",
                "dead-on-arrival-exit",
                f"Gravité D (décédé à l'arrivée) mais mode de sortie "
                f"{ExitMode.describe(p.exit_mode)} : le mode de sortie attendu est 9 (décès)",
            )
        )
    return issues


def _check_extra(p: RpuPassage) -> list[RpuIssue]:
    known = {element for element, _ in PATIENT_ELEMENTS}
    return [
        _warning(
            name,
            "repeated-element",
            f"Élément {name} présent plusieurs fois : seule la première valeur est prise, "
            "les autres sont conservées telles quelles",
        )
        for name in p.extra
        if name in known
    ]


def _local(moment: dt.datetime) -> str:
    return f"{moment.astimezone(PARIS):%d/%m/%Y %H:%M}"


def finess_key_is_valid(finess: str) -> bool | None:
    """Whether the ninth character of a FINESS number is its Luhn key over the first eight.

    ``None`` when the key cannot be checked: Corsican numbers (2A, 2B) carry letters and how
    they enter the key is not published in what we have, so only their shape is checked.
    """
    if not finess.isdigit():
        return None
    total = 0
    # Luhn: from the right, every second digit (starting with the one left of the key) is
    # doubled and its digits summed; the number is valid when the total ends with 0.
    for position, char in enumerate(reversed(finess)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def check_finess(finess: str) -> list[RpuIssue]:
    if not FINESS_RE.fullmatch(finess):
        return [
            _error(
                "FINESS",
                "finess-format",
                f"Numéro FINESS « {finess} » : il faut 9 caractères, le département "
                "(2 chiffres, ou 2A/2B) suivi de 7 chiffres dont la clé",
            )
        ]
    if finess_key_is_valid(finess) is False:
        return [
            _error(
                "FINESS",
                "finess-key",
                f"Numéro FINESS « {finess} » : la clé de contrôle (dernier chiffre, "
                "algorithme de Luhn) ne correspond pas ; vérifiez le numéro de l'établissement",
            )
        ]
    return []


def check_header(f: RpuFile) -> list[RpuIssue]:
    """Findings on the ETABLISSEMENT header (passages are checked one by one)."""
    issues = check_finess(f.finess)
    if not ORDER_RE.fullmatch(f.order):
        issues.append(
            _error("ORDRE", "order-format", f"ORDRE « {f.order} » : un chiffre est attendu (0)")
        )
    for element, value in (("EXTRACT", f.extract), ("DATEDEBUT", f.start), ("DATEFIN", f.end)):
        if value is None:
            issues.append(_error(element, "missing", f"{element} est vide : il est obligatoire"))
    if f.start is not None and f.end is not None and f.start > f.end:
        issues.append(
            _error(
                "DATEFIN",
                "window-reversed",
                f"DATEFIN {f.end:%d/%m/%Y} avant DATEDEBUT {f.start:%d/%m/%Y}",
            )
        )
    if not f.passages:
        issues.append(_warning("PASSAGES", "no-passage", "Le fichier ne contient aucun passage"))
    return issues


def check_in_file(p: RpuPassage, f: RpuFile) -> list[RpuIssue]:
    """Findings on a passage against its file's header: the ENTREE window and extraction."""
    issues = []
    day = p.entry_day()
    if (f.start is not None and day < f.start) or (f.end is not None and day > f.end):
        issues.append(
            _error(
                "ENTREE",
                "entry-outside-window",
                f"Entrée le {day:%d/%m/%Y} hors de la période du fichier "
                f"(du {_day(f.start)} au {_day(f.end)}) : DATEDEBUT et DATEFIN doivent "
                "encadrer toutes les dates d'entrée",
            )
        )
    if f.extract is not None and p.entry > f.extract:
        issues.append(
            _error(
                "ENTREE",
                "entry-after-extract",
                f"Entrée le {_local(p.entry)} après l'extraction du {_local(f.extract)} : "
                "une entrée ne peut pas suivre l'extraction du fichier",
            )
        )
    return issues


def _day(value: dt.date | None) -> str:
    return f"{value:%d/%m/%Y}" if value is not None else "?"
