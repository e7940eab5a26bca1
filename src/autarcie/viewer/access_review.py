"""The auditor's access review: journal entries of people, in French sentences with names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from autarcie.care.models import TempPatient
from autarcie.core.journal import Action
from autarcie.core.journal_labels import action_label, person, sentence
from autarcie.core.models import JournalEntry, Unit, User
from autarcie.mirror.models import Patient

LIMIT = 500


@dataclass(frozen=True)
class ReviewLine:
    at: dt.datetime
    who: str
    roles: str
    what: str
    break_glass: bool


@dataclass(frozen=True)
class Review:
    lines: list[ReviewLine]
    patient_ids: list[int]  # the patients it names: the auditor's read of them is journaled


@dataclass
class _Names:
    """Targets of a page of entries, read in a few queries rather than one per line."""

    patients: dict[str, str] = field(default_factory=dict)
    temps: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)


def _patient_name(family: str, given: str, code: str, code_label: str) -> str:
    return f"{family} {given} ({code_label} {code})".strip()


def _read_names(entries: Iterable[JournalEntry]) -> _Names:
    wanted: dict[str, set[str]] = {"patient": set(), "temp_patient": set(), "unit": set()}
    users: set[str] = set()
    for e in entries:
        if e.target_type in wanted:
            wanted[e.target_type].add(e.target_id)
        if e.target_type == "user":
            users.add(e.target_id)
        if unit := e.details.get("unit"):
            wanted["unit"].add(str(unit))
    names = _Names()
    ids = [int(i) for i in wanted["patient"] if i.isdigit()]
    for p in Patient.objects.filter(pk__in=ids):
        family = p.used_family or p.birth_family
        names.patients[str(p.pk)] = _patient_name(family, p.given, p.ipp, "IPP")
    temp_ids = [int(i) for i in wanted["temp_patient"] if i.isdigit()]
    for t in TempPatient.objects.filter(pk__in=temp_ids):
        family = t.used_family or t.birth_family
        names.temps[str(t.pk)] = _patient_name(
            family, t.given, t.tempid, _("identifiant provisoire")
        )
    names.units = dict(Unit.objects.filter(code__in=wanted["unit"]).values_list("code", "label"))
    for u in User.objects.filter(pk__in=[int(i) for i in users if i.isdigit()]):
        names.users[str(u.pk)] = u.full_name or u.username
    return names


def _target(entry: JournalEntry, names: _Names) -> str:
    kind, key, details = entry.target_type, entry.target_id, entry.details
    if kind == "user" and key == str(entry.actor_user_id):
        # "s'est connecté·e" needs no "(Claire Petit)" after Claire Petit's own name.
        return "" if "{target}" not in action_label(entry.action) else names.users.get(key, "")
    if kind == "patient":
        return names.patients.get(key, _("patient n° %(id)s") % {"id": key})
    if kind == "temp_patient":
        return names.temps.get(key, _("patient provisoire n° %(id)s") % {"id": key})
    if kind == "user":
        return names.users.get(key, _("compte n° %(id)s") % {"id": key})
    unit = str(details.get("unit") or (key if kind == "unit" else ""))
    text = names.units.get(unit, unit)
    if entry.action == Action.PATIENTS_LISTED.value:
        return _listed(kind, text, details)
    return text


def _listed(kind: str, unit_text: str, details: dict[str, Any]) -> str:
    count = len(details.get("patients", []))
    where = {
        "unit": unit_text,
        "search": _("recherche"),
        "fhir": _("API FHIR"),
        "journal": _("revue des accès"),
    }.get(kind, unit_text)
    return _("%(where)s, %(n)d patient(s)") % {"where": where, "n": count}


def review(since: dt.datetime, until: dt.datetime, username: str = "") -> Review:
    """What people did between two instants, newest first (the system's own work left out)."""
    rows = JournalEntry.objects.filter(actor_user__isnull=False, at__gte=since, at__lt=until)
    if username:
        rows = rows.filter(actor_user__username=username)
    entries = list(rows.select_related("actor_user").order_by("-seq")[:LIMIT])
    names = _read_names(entries)
    people: dict[int, tuple[str, str]] = {}
    lines = []
    for e in entries:
        user = e.actor_user
        if user is not None and user.pk not in people:
            people[user.pk] = person(user, e.actor)
        who, roles = people[user.pk] if user is not None else person(None, e.actor)
        lines.append(
            ReviewLine(
                e.at,
                who,
                roles,
                sentence(e.action, _target(e, names)),
                e.action == Action.BREAK_GLASS.value,
            )
        )
    return Review(lines, sorted(int(pk) for pk in names.patients))
