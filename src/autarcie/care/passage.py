"""The emergency-passage form: the RPU items, checked at entry with the RPU rules.

The code tables and rules come from ``autarcie.recovery.rpu``, a pure format package with no
models: they are format knowledge shared by the form and the export (see docs/care.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from autarcie.care.fields import CareInputError, Field, clean_fields
from autarcie.recovery.rpu.model import (
    PATIENT_ELEMENTS,
    Ccmu,
    CodeTable,
    Destination,
    EntryMode,
    ExitMode,
    Orientation,
    Provenance,
    RpuPassage,
    Transport,
    TransportCare,
)
from autarcie.recovery.rpu.rules import Severity, check_passage


def _choices(table: type[CodeTable]) -> tuple[tuple[str, str], ...]:
    return tuple((code, f"{code} — {label}") for code, label in table.choices())


PASSAGE_FIELDS = (
    Field("entry", "Entrée (ENTREE)", "datetime", required=True),
    Field("entry_mode", "Mode d'entrée", "choice", required=True, choices=_choices(EntryMode)),
    Field("provenance", "Provenance", "choice", choices=_choices(Provenance)),
    Field("transport", "Transport", "choice", choices=_choices(Transport)),
    Field("transport_care", "Prise en charge transport", "choice", choices=_choices(TransportCare)),
    Field("reason", "Motif de recours (code CIM-10)", help="par exemple R074 douleur thoracique"),
    Field("ccmu", "Gravité (CCMU)", "choice", choices=_choices(Ccmu)),
    Field("main_diagnosis", "Diagnostic principal (CIM-10)"),
    Field("other_diagnoses", "Diagnostics associés (CIM-10, séparés par des espaces)", "codes"),
    Field("procedures", "Actes (CCAM, séparés par des espaces)", "codes"),
    Field("exit", "Sortie (SORTIE)", "datetime"),
    Field("exit_mode", "Mode de sortie", "choice", choices=_choices(ExitMode)),
    Field("destination", "Destination", "choice", choices=_choices(Destination)),
    Field("orientation", "Orientation", "choice", choices=_choices(Orientation)),
    Field("postcode", "Code postal de résidence"),
    Field("town", "Commune de résidence"),
)

# RPU element -> form field, for putting each finding beside its field.
_FIELD_OF = dict(PATIENT_ELEMENTS)
_FIELD_OF |= {"DA": "other_diagnoses", "ACTE": "procedures", "SEXE": "entry"}


def _moment(value: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def clean_passage(
    raw: Mapping[str, Any], *, sex: str = "", birth_date: dt.date | None = None
) -> dict[str, Any]:
    """The passage's data, with the RPU warnings kept in ``warnings``; errors refuse it."""
    data = clean_fields(PASSAGE_FIELDS, raw)
    data["reason"] = str(data["reason"]).upper().replace(".", "")
    data["main_diagnosis"] = str(data["main_diagnosis"]).upper().replace(".", "")
    entry = dt.datetime.fromisoformat(data["entry"])  # required, so present
    passage = RpuPassage(
        postcode=data["postcode"],
        town=data["town"],
        birth_date=birth_date,
        sex=sex if sex in ("M", "F") else "I" if sex else "",
        entry=entry,
        entry_mode=data["entry_mode"],
        provenance=data["provenance"],
        transport=data["transport"],
        transport_care=data["transport_care"],
        reason=data["reason"],
        ccmu=data["ccmu"],
        main_diagnosis=data["main_diagnosis"],
        other_diagnoses=tuple(data["other_diagnoses"]),
        procedures=tuple(data["procedures"]),
        exit=_moment(data["exit"]),
        exit_mode=data["exit_mode"],
        destination=data["destination"],
        orientation=data["orientation"],
    )
    issues = check_passage(passage)
    errors: dict[str, str] = {}
    for issue in issues:
        if issue.severity is Severity.ERROR:
            field = _FIELD_OF.get(issue.element, issue.element.lower())
            errors[field] = (
                f"{errors[field]} ; {issue.message}" if field in errors else issue.message
            )
    if errors:
        raise CareInputError(errors)
    data["warnings"] = [i.message for i in issues if i.severity is Severity.WARNING]
    return data
