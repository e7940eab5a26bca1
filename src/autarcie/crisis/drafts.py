"""Texts built from the main courante: the SitRep draft and each declaration's draft.

Plain functions over already-loaded rows; the cell copies a draft into the official portal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from autarcie.crisis.clocks import countdown
from autarcie.crisis.models import (
    Category,
    ClockStatus,
    Crisis,
    LegalClock,
    LogEntry,
    Phase,
    Task,
    TaskStatus,
)

PARIS = ZoneInfo("Europe/Paris")


def local(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def _prefix(crisis: Crisis) -> str:
    return "EXERCICE — " if crisis.is_exercise else ""


def _current(entries: Sequence[LogEntry]) -> list[LogEntry]:
    """Entries as they now stand: a corrected entry gives way to its correction."""
    corrected = {e.corrects_id for e in entries if e.corrects_id is not None}
    return [e for e in entries if e.pk not in corrected]


def sitrep_draft(
    crisis: Crisis,
    entries: Sequence[LogEntry],
    tasks: Sequence[Task],
    legal_clocks: Sequence[LegalClock],
    now: dt.datetime,
    since_number: int = 0,
) -> str:
    """A situation report from the log: new facts, decisions, open tasks, clocks."""
    current = _current(entries)
    new = [e for e in current if e.number > since_number]
    lines = [
        f"{_prefix(crisis)}POINT DE SITUATION — {crisis.title}",
        f"Établi le {local(now)} · phase : {Phase(crisis.phase).label}",
        "",
        "Faits nouveaux :",
    ]
    facts = [e for e in new if e.category in (Category.FACT, Category.TECHNICAL)]
    lines += [f"- {local(e.fact_at)} {e.text}" for e in facts] or ["- aucun"]
    lines += ["", "Décisions :"]
    decisions = [e for e in new if e.category == Category.DECISION]
    lines += [f"- {local(e.fact_at)} {e.text}" for e in decisions] or ["- aucune"]
    lines += ["", "Tâches ouvertes :"]
    open_tasks = [t for t in tasks if t.status in (TaskStatus.TODO, TaskStatus.DOING)]
    lines += [
        f"- {t.title}" + (f" (échéance {local(t.due_at)})" if t.due_at else "") for t in open_tasks
    ] or ["- aucune"]
    lines += ["", "Déclarations obligatoires :"]
    for c in legal_clocks:
        if c.status == ClockStatus.SUBMITTED:
            state = f"transmise ({c.reference})"
        elif c.status == ClockStatus.NOT_REQUIRED:
            state = "non requise"
        else:
            state = f"à faire, échéance {local(c.due_at)} ({countdown(c.due_at, now)})"
        lines.append(f"- {c.label} : {state}")
    return "\n".join(lines)


def declaration_draft(
    crisis: Crisis, legal_clock: LegalClock, entries: Sequence[LogEntry], hospital: str
) -> str:
    """The text to paste into the authority's portal, pre-filled from the log's facts."""
    current = _current(entries)
    facts = [e for e in current if e.category in (Category.FACT, Category.TECHNICAL)]
    actions = [e for e in current if e.category in (Category.DECISION, Category.ACTION)]
    lines = [
        f"{_prefix(crisis)}{legal_clock.label}",
        f"Destinataire : {legal_clock.authority}",
        f"Établissement : {hospital}",
        f"Nature : {crisis.get_kind_display()} — {crisis.title}",
        f"Prise de connaissance : {local(crisis.aware_at)} ; détecté par : {crisis.detected_by}",
        f"Description : {crisis.detected}",
    ]
    if crisis.scope:
        lines.append(f"Périmètre touché : {crisis.scope}")
    lines.append(
        "Données personnelles possiblement concernées : "
        + ("oui" if crisis.personal_data else "non à ce stade")
    )
    lines += ["", "Chronologie des faits :"]
    lines += [f"- {local(e.fact_at)} {e.text}" for e in facts] or ["- (aucun fait consigné)"]
    lines += ["", "Mesures prises :"]
    lines += [f"- {local(e.fact_at)} {e.text}" for e in actions] or ["- (aucune mesure consignée)"]
    lines += ["", f"Fondement : {legal_clock.source}"]
    return "\n".join(lines)
