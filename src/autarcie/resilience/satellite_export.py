"""The main instance's side of a pull: what a satellite's units hold, and what it lacks.

A satellite says what it holds as one digest per subject (a mirror patient, a temporary
identity, its users). The main instance rebuilds each subject of the satellite's units, and
sends only those whose digest differs, plus the keys of subjects that left the units. The work
is bounded by the units' size, never by the hospital's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from autarcie.care.models import CareEntry, TempPatient
from autarcie.chart.freshness import data_as_of
from autarcie.core import clock
from autarcie.core.models import RoleGrant, Unit, User
from autarcie.core.roles import CARE_ROLES
from autarcie.mirror.asof import PRESENT
from autarcie.mirror.models import Movement, Patient, PatientToken, Stay
from autarcie.resilience.models import Satellite
from autarcie.resilience.satellite_rows import CLINICAL, digest, dumps, fields_of

USERS_KEY = "users"


@dataclass
class Export:
    """What one pull sends: changed subjects as JSON texts, and what to forget."""

    body: dict[str, Any]
    patient_ids: list[int] = field(default_factory=list)
    temp_ids: list[int] = field(default_factory=list)
    gone: int = 0


def scope(units: list[str]) -> tuple[list[int], list[int]]:
    """(mirror patient ids, temporary patient ids) of the units, as the census counts them."""
    present = set(
        Stay.objects.filter(unit_code__in=units, status__in=PRESENT).values_list(
            "patient_id", flat=True
        )
    )
    in_care = CareEntry.objects.filter(unit_code__in=units)
    present |= {p for p in in_care.values_list("patient_id", flat=True) if p is not None}
    temps = set(TempPatient.objects.filter(unit_code__in=units).values_list("pk", flat=True))
    temps |= {t for t in in_care.values_list("temp_patient_id", flat=True) if t is not None}
    return sorted(present), sorted(temps)


def _grouped(model: Any, key: str, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    names = fields_of(model)
    for row in model.objects.filter(**{f"{key}__in": ids}).order_by("pk").values(key, *names):
        owner = row.pop(key)
        grouped[owner].append(row)
    return grouped


def _entries(key: str, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    return _grouped(CareEntry, key, ids)


def patient_texts(ids: list[int]) -> dict[str, tuple[int, str]]:
    """``p:<rkey>`` -> (patient id, the patient's whole bundle as canonical JSON)."""
    patients = Patient.objects.filter(pk__in=ids).values("pk", *fields_of(Patient))
    stays = _grouped(Stay, "patient_id", ids)
    moves: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        Movement.objects.filter(stay__patient_id__in=ids)
        .order_by("pk")
        .values("stay__patient_id", "stay__rkey", *fields_of(Movement))
    ):
        owner = row.pop("stay__patient_id")
        row["stay_rkey"] = row.pop("stay__rkey")
        moves[owner].append(row)
    tokens = _grouped(PatientToken, "patient_id", ids)
    clinical = {m.__name__: _grouped(m, "patient_id", ids) for m in CLINICAL}
    entries = _entries("patient_id", ids)
    texts: dict[str, tuple[int, str]] = {}
    for row in patients:
        pk = row.pop("pk")
        bundle = {
            "patient": row,
            "stays": stays.get(pk, []),
            "movements": moves.get(pk, []),
            "tokens": [t["token"] for t in tokens.get(pk, [])],
            "clinical": {name: by.get(pk, []) for name, by in clinical.items()},
            "care": entries.get(pk, []),
        }
        texts[f"p:{row['rkey']}"] = (pk, dumps(bundle))
    return texts


def temp_texts(ids: list[int]) -> dict[str, tuple[int, str]]:
    """``t:<tempid>`` -> (temporary patient id, its identity and entries as JSON)."""
    entries = _entries("temp_patient_id", ids)
    texts: dict[str, tuple[int, str]] = {}
    for row in TempPatient.objects.filter(pk__in=ids).values("pk", *fields_of(TempPatient)):
        pk = row.pop("pk")
        texts[f"t:{row['tempid']}"] = (pk, dumps({"temp": row, "care": entries.get(pk, [])}))
    return texts


def users_text(units: list[str]) -> str:
    """Carers of the units, with their password hashes, roles and scope cut to the units.

    Only care roles travel: a satellite has no administrator from the main instance, so no
    second factor to carry.
    """
    carers = (
        User.objects.filter(grants__role__in=[r.value for r in CARE_ROLES])
        .filter(Q(all_units=True) | Q(units__code__in=units))
        .distinct()
        .order_by("username")
    )
    roles: dict[int, list[str]] = defaultdict(list)
    for grant in RoleGrant.objects.filter(user__in=carers, role__in=[r.value for r in CARE_ROLES]):
        roles[grant.user_id].append(grant.role)
    scopes: dict[int, set[str]] = defaultdict(set)
    for user_id, code in User.units.through.objects.filter(
        user__in=carers, unit__code__in=units
    ).values_list("user_id", "unit__code"):
        scopes[user_id].add(code)
    listed = [
        {
            "username": u.username,
            "full_name": u.full_name,
            "password": u.password,
            "is_active": u.is_active,
            "roles": sorted(roles[u.pk]),
            "units": sorted(units) if u.all_units else sorted(scopes[u.pk]),
        }
        for u in carers
    ]
    return dumps(listed)


def units_rows(units: list[str]) -> list[dict[str, Any]]:
    fields = ("code", "label", "pole", "beds", "kind")
    return [dict(row) for row in Unit.objects.filter(code__in=units).values(*fields)]


def build_export(satellite: Satellite, have: dict[str, str], echo: str) -> Export:
    """The snapshot body for ``satellite``, given the digests it holds."""
    units = list(satellite.units)
    patient_ids, temp_ids = scope(units)
    subjects = {**patient_texts(patient_ids), **temp_texts(temp_ids)}
    changed: dict[str, str] = {}
    export = Export(body={})
    for key, (pk, text) in subjects.items():
        if have.get(key) != digest(text):
            changed[key] = text
            (export.temp_ids if key.startswith("t:") else export.patient_ids).append(pk)
    users = users_text(units)
    gone = sorted(k for k in have if k not in subjects and k != USERS_KEY)
    export.gone = len(gone)
    freshness: dt.datetime | None = data_as_of()
    export.body = {
        "at": clock.now().isoformat(),
        "echo": echo,
        "data_as_of": freshness.isoformat() if freshness else None,
        "units": units_rows(units),
        "subjects": changed,
        "gone": gone,
        "users": users if have.get(USERS_KEY) != digest(users) else None,
    }
    return export
