"""Reading the journal for accesses worth a look: volume, break-glass bursts, night reads."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q

from autarcie.core.journal import Action
from autarcie.core.journal_labels import person
from autarcie.core.models import JournalEntry, User

PARIS = ZoneInfo("Europe/Paris")
WINDOW = dt.timedelta(days=1)
BASELINE = dt.timedelta(days=14)
VOLUME_FACTOR = 3
VOLUME_FLOOR = 30
BREAK_GLASS_BURST = 3


@dataclass(frozen=True)
class Access:
    at: dt.datetime
    who: str  # display name
    roles: str  # in words
    view: str  # the screen, in words
    break_glass: bool


# The screens that journal a read, as the auditor calls them.
VIEW_LABELS = {
    "summary": "résumé du dossier",
    "census": "liste des patients de l'unité",
    "care_census": "liste du mode dégradé",
    "care": "saisie en mode dégradé",
    "search": "recherche",
    "fhir": "API FHIR",
    "access_review": "revue des accès (audit)",
}


def _opened_patient(patient_id: int) -> Q:
    listed = Q(action=Action.PATIENTS_LISTED.value)
    opened = Q(
        action__in=[Action.PATIENT_OPENED.value, Action.BREAK_GLASS.value],
        target_type="patient",
        target_id=str(patient_id),
    )
    return opened | listed


def patient_accesses(patient_id: int, limit: int = 500) -> list[Access]:
    entries = (
        JournalEntry.objects.filter(_opened_patient(patient_id))
        .select_related("actor_user")
        .order_by("-seq")
    )
    found: list[Access] = []
    people: dict[str, tuple[str, str]] = {}
    for entry in entries.iterator(chunk_size=1000):
        if entry.action == Action.PATIENTS_LISTED.value and patient_id not in entry.details.get(
            "patients", []
        ):
            continue
        if entry.actor not in people:  # roles are read once per person, not once per line
            people[entry.actor] = person(entry.actor_user, entry.actor)
        who, roles = people[entry.actor]
        glass = entry.action == Action.BREAK_GLASS.value
        view = str(entry.details.get("view", ""))
        words = "accès exceptionnel" if glass else VIEW_LABELS.get(view, view or "—")
        found.append(Access(entry.at, who, roles, words, glass))
        if len(found) >= limit:
            break
    return found


@dataclass(frozen=True)
class Finding:
    username: str
    kind: str
    detail: str


def unusual_access(now: dt.datetime) -> list[Finding]:
    opened = JournalEntry.objects.filter(
        action=Action.PATIENT_OPENED.value, at__gte=now - BASELINE, actor_user__isnull=False
    )
    recent: Counter[int] = Counter()
    past: Counter[int] = Counter()
    night: Counter[int] = Counter()
    for user_id, at in opened.values_list("actor_user_id", "at"):
        (recent if at >= now - WINDOW else past)[user_id] += 1
        if at.astimezone(PARIS).hour < 6 and at >= now - WINDOW:
            night[user_id] += 1
    names = dict(User.objects.values_list("pk", "username"))
    findings: list[Finding] = []
    days = max(BASELINE.days - 1, 1)
    for user_id, count in recent.items():
        usual = past[user_id] / days
        if count >= VOLUME_FLOOR and count > VOLUME_FACTOR * max(usual, 1):
            findings.append(
                Finding(
                    names[user_id],
                    "volume",
                    f"{count} dossiers ouverts en 24 h (habituel : {usual:.0f})",
                )
            )
    bursts: dict[int, int] = defaultdict(int)
    for user_id in JournalEntry.objects.filter(
        action=Action.BREAK_GLASS.value, at__gte=now - WINDOW
    ).values_list("actor_user_id", flat=True):
        bursts[user_id] += 1
    for user_id, count in bursts.items():
        if count >= BREAK_GLASS_BURST:
            findings.append(
                Finding(names[user_id], "bris de glace", f"{count} accès exceptionnels en 24 h")
            )
    for user_id, count in night.items():
        findings.append(
            Finding(names[user_id], "nuit", f"{count} dossiers ouverts entre 0 h et 6 h")
        )
    return findings
