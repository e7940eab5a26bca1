"""The satellite's side of a pull: write what the main instance sent, in one transaction.

Mirror rows of a changed patient are replaced as a whole (they are a copy; the main instance
keeps every version). Care entries are only ever added: one the satellite already holds, pulled
before or written here, is left as it is, so nothing recorded on the satellite is lost.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import ProtectedError

from autarcie.care.models import CareEntry, TempPatient
from autarcie.core import clock
from autarcie.core.models import RoleGrant, Unit, User
from autarcie.core.roles import CARE_ROLES
from autarcie.mirror.models import Movement, Patient, PatientToken, Stay
from autarcie.resilience.models import SatelliteLink, SyncedEntry
from autarcie.resilience.satellite_crypto import EnvelopeRefused
from autarcie.resilience.satellite_export import USERS_KEY
from autarcie.resilience.satellite_rows import CLINICAL, digest, instance


@dataclass
class Applied:
    patients: int = 0
    temps: int = 0
    removed: int = 0
    entries: int = 0
    users: int = 0
    tempid_ranges: int = 0  # new ranges of temporary identifiers delegated by the main


def _units(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        Unit.objects.update_or_create(code=row["code"], defaults=row)


def _upsert_patient(data: dict[str, Any]) -> Patient:
    fresh: Patient = instance(Patient, data)
    current = Patient.objects.filter(rkey=fresh.rkey).first()
    if current is not None:
        fresh.pk = current.pk
    fresh.save()
    return fresh


def _clear(patient_ids: list[int]) -> None:
    PatientToken.objects.filter(patient_id__in=patient_ids).delete()
    for model in CLINICAL:
        model.objects.filter(patient_id__in=patient_ids).delete()  # type: ignore[attr-defined]
    Movement.objects.filter(stay__patient_id__in=patient_ids).delete()
    Stay.objects.filter(patient_id__in=patient_ids).delete()


def _care(rows: list[dict[str, Any]], **subject: Any) -> int:
    """Add the entries not held yet; note each as the main's."""
    now = clock.now()
    held = {
        (c, v)
        for c, v in CareEntry.objects.filter(chain__in=[r["chain"] for r in rows]).values_list(
            "chain", "version"
        )
    }
    added = 0
    for row in rows:
        key = (row["chain"], int(row["version"]))
        if key not in held:
            instance(CareEntry, row, author=None, **subject).save(force_insert=True)
            added += 1
        SyncedEntry.objects.get_or_create(
            chain=key[0], version=key[1], defaults={"origin": "main", "at": now}
        )
    return added


def _patients(bundles: dict[str, dict[str, Any]], applied: Applied) -> None:
    patients = {key: _upsert_patient(b["patient"]) for key, b in bundles.items()}
    _clear([p.pk for p in patients.values()])
    stays: list[Stay] = []
    tokens: list[PatientToken] = []
    clinical: dict[str, list[Any]] = defaultdict(list)
    models = {m.__name__: m for m in CLINICAL}
    for key, bundle in bundles.items():
        patient = patients[key]
        stays += [instance(Stay, s, patient=patient) for s in bundle["stays"]]
        tokens += [PatientToken(patient=patient, token=t) for t in bundle["tokens"]]
        for name, items in bundle["clinical"].items():
            clinical[name] += [instance(models[name], r, patient=patient) for r in items]
    created = Stay.objects.bulk_create(stays)
    by_rkey = {s.rkey: s for s in created}
    Movement.objects.bulk_create(
        instance(Movement, m, stay=by_rkey[m["stay_rkey"]])
        for b in bundles.values()
        for m in b["movements"]
    )
    PatientToken.objects.bulk_create(tokens)
    for name, objects in clinical.items():
        models[name].objects.bulk_create(objects)  # type: ignore[attr-defined]
    for key, bundle in bundles.items():
        applied.entries += _care(bundle["care"], patient=patients[key])
    applied.patients = len(bundles)


def _temps(bundles: dict[str, dict[str, Any]], applied: Applied) -> None:
    for bundle in bundles.values():
        fresh = instance(TempPatient, bundle["temp"])
        current = TempPatient.objects.filter(tempid=fresh.tempid).first()
        if current is not None:
            fresh.pk = current.pk
        fresh.save()
        applied.entries += _care(bundle["care"], temp_patient=fresh)
    applied.temps = len(bundles)


def _forget(keys: list[str]) -> int:
    """Patients who left the units: their copy goes; a row care still points to stays."""
    rkeys = [k[2:] for k in keys if k.startswith("p:")]
    ids = list(Patient.objects.filter(rkey__in=rkeys).values_list("pk", flat=True))
    _clear(ids)
    for pk in ids:
        try:
            Patient.objects.filter(pk=pk).delete()
        except ProtectedError:
            continue  # a care entry or a break-glass grant refers to it: kept, off the census
    return len(ids)


def _users(rows: list[dict[str, Any]], link: SatelliteLink) -> int:
    """Carers from the main instance; a local account of the same name is never replaced."""
    ours = set(link.synced_users)
    seen = []
    units = {u.code: u for u in Unit.objects.all()}
    care_roles = {r.value for r in CARE_ROLES}
    for row in rows:
        user = User.objects.filter(username=row["username"]).first()
        if user is not None and user.username not in ours:
            continue
        if user is None:
            user = User(username=row["username"], created_at=clock.now())
        user.full_name = row["full_name"]
        user.password = row["password"]
        user.is_active = bool(row["is_active"])
        user.all_units = False
        user.save()
        RoleGrant.objects.filter(user=user).delete()
        RoleGrant.objects.bulk_create(
            RoleGrant(user=user, role=r) for r in row["roles"] if r in care_roles
        )
        user.units.set([units[c] for c in row["units"] if c in units])
        seen.append(user.username)
    User.objects.filter(username__in=ours - set(seen)).update(is_active=False)
    link.synced_users = sorted(set(seen))
    return len(seen)


def apply_snapshot(body: dict[str, Any], link: SatelliteLink) -> Applied:
    """Write one snapshot; the caller holds the transaction and saves ``link``."""
    applied = Applied()
    _units(body["units"])
    patients: dict[str, dict[str, Any]] = {}
    temps: dict[str, dict[str, Any]] = {}
    digests = dict(link.digests)
    for key, text in body["subjects"].items():
        if not isinstance(text, str) or key[:2] not in ("p:", "t:"):
            raise EnvelopeRefused(f"the snapshot holds an unexpected subject {key[:12]!r}")
        (patients if key.startswith("p:") else temps)[key] = json.loads(text)
        digests[key] = digest(text)
    _patients(patients, applied)
    _temps(temps, applied)
    applied.removed = _forget(list(body["gone"]))
    for key in body["gone"]:
        digests.pop(key, None)
    if body.get("users") is not None:
        applied.users = _users(json.loads(body["users"]), link)
        digests[USERS_KEY] = digest(body["users"])
    link.digests = digests
    return applied
