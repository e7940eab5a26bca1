"""How downtime records read on screen and paper: one French line per entry, bound forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from autarcie.care import fields as f
from autarcie.care.models import CareEntry, EntryKind
from autarcie.care.passage import PASSAGE_FIELDS

PARIS = ZoneInfo("Europe/Paris")
WRITTEN_AT = f.Field("written_at", "Heure écrite sur le papier (vide = maintenant)", "datetime")

FORMS: dict[str, tuple[f.Field, ...]] = {
    EntryKind.IDENTITY: f.IDENTITY_FIELDS,
    EntryKind.MOVEMENT: f.MOVEMENT_FIELDS,
    EntryKind.PASSAGE: PASSAGE_FIELDS,
    EntryKind.VITALS: f.VITALS_FIELDS,
    EntryKind.ADMINISTRATION: f.ADMINISTRATION_FIELDS,
    EntryKind.PRESCRIPTION: f.PRESCRIPTION_FIELDS,
    EntryKind.NOTE: f.NOTE_FIELDS,
    EntryKind.RESULT: f.RESULT_FIELDS,
}


@dataclass(frozen=True)
class Bound:
    field: f.Field
    value: Any
    error: str

    @property
    def id(self) -> str:
        return f"id_{self.field.name}"


def local_input(value: Any) -> str:
    """An ISO instant as the value of a datetime-local input, in Paris time."""
    if not value:
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def bind(
    fields: tuple[f.Field, ...], values: Mapping[str, Any], errors: Mapping[str, str]
) -> list[Bound]:
    bound = []
    for field in fields:
        value = values.get(field.name, "")
        if field.type == "datetime" and value and "T" in str(value) and "+" in str(value):
            value = local_input(value)
        elif field.type == "codes" and isinstance(value, list):
            value = " ".join(value)
        bound.append(Bound(field, value, errors.get(field.name, "")))
    return bound


def _text(field: f.Field, value: Any) -> str:
    if field.type == "choice":
        return dict(field.choices).get(str(value), str(value))
    if field.type == "datetime":
        return dt.datetime.fromisoformat(value).astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    if field.type == "codes":
        return " ".join(value)
    return str(value)


def describe(entry: CareEntry) -> str:
    """« Label : valeur » for every filled field of the entry, in the form's order."""
    parts = []
    for field in FORMS[entry.kind]:
        value = entry.data.get(field.name)
        if value in (None, "", []):
            continue
        if field.name == "prescription":
            parts.append(f"{entry.data.get('drug_label', '')}")
            continue
        parts.append(f"{field.label} : {_text(field, value)}")
    return " · ".join(parts)
