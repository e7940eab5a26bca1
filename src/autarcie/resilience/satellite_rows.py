"""Rows as JSON and back, for satellite snapshots: every concrete field but keys and links."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from autarcie.care.models import CareEntry, TempPatient
from autarcie.mirror.models import (
    Administration,
    Allergy,
    Condition,
    Document,
    Immunization,
    Movement,
    Patient,
    PatientToken,
    Prescription,
    Result,
    Stay,
)

# Per-patient rows of the mirror, in the order they are written on the satellite.
CLINICAL: tuple[type[models.Model], ...] = (
    Allergy,
    Condition,
    Immunization,
    Prescription,
    Administration,
    Result,
    Document,
)
# Links rewritten by meaning (the patient, the stay by its rkey) or dropped (a main-side user,
# a merge target the satellite may not hold).
_SKIPPED = {"id", "patient", "stay", "merged_into", "author", "temp_patient"}


def fields_of(model: type[models.Model]) -> list[str]:
    """Attribute names sent for ``model``."""
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.name not in _SKIPPED and f.attname not in _SKIPPED
    ]


def _default(value: Any) -> Any:
    # Full precision: Django's own encoder drops microseconds, and written times keep them.
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot send a {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(
        value, default=_default, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def rows(queryset: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(r) for r in queryset]


def instance(model: type[models.Model], data: dict[str, Any], **links: Any) -> Any:
    """An unsaved ``model`` from sent values, each parsed by its own field."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    values = {
        name: by_attname[name].to_python(data[name]) for name in fields_of(model) if name in data
    }
    return model(**values, **links)


MODELS_SENT = (Patient, Stay, Movement, PatientToken, *CLINICAL, TempPatient, CareEntry)
