"""Every change to a crisis, its main courante, tasks, SitReps and legal clocks.

Each function is atomic, takes the acting user keyword-only, and journals in the same
transaction. Alerts and the restoration plan have their own modules (``alert_actions``,
``plan_actions``) to keep each file readable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from autarcie.core import clock
from autarcie.core.errors import AccessDenied, AutarcieError
from autarcie.core.journal import Action, record
from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.crisis import clocks, freeze_link
from autarcie.crisis.models import (
    PHASE_ORDER,
    Category,
    ClockStatus,
    Crisis,
    CrisisKind,
    LegalClock,
    LogEntry,
    Nis2Status,
    Phase,
    Priority,
    SitRep,
    Task,
    TaskStatus,
)

DECLARE_ROLES = (Role.CRISIS_DIRECTOR, Role.IT_SECURITY)
CELL_ROLES = (Role.CRISIS_DIRECTOR, Role.CRISIS_MEMBER, Role.IT_SECURITY)


class CrisisError(AutarcieError):
    """A crisis-cell change that cannot be made as asked."""


@dataclass(frozen=True)
class Declaration:
    kind: CrisisKind
    title: str
    detected: str
    aware_at: dt.datetime
    detected_by: str
    scope: str = ""
    is_exercise: bool = False
    personal_data: bool = False
    nis2: Nis2Status = Nis2Status.NONE
    insured: bool = False
    plan_blanc: bool = False
    freeze_mirror: bool = False


def _require(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise AccessDenied("this role may not do this in the crisis cell")


def _open(crisis: Crisis) -> Crisis:
    """Lock the crisis row: numbering of entries and versions is serialised on it."""
    locked = Crisis.objects.select_for_update().get(pk=crisis.pk)
    if locked.phase == Phase.CLOSED:
        raise CrisisError("cette crise est clôturée : plus aucune modification")
    return locked


def clock_targets() -> dict[str, int]:
    return {"cert_sante_target": settings.CRISIS_CERT_SANTE_HOURS}


def answers_of(crisis: Crisis) -> clocks.Answers:
    return clocks.Answers(
        personal_data=crisis.personal_data,
        nis2=crisis.nis2 != Nis2Status.NONE,
        insured=crisis.insured,
        plan_blanc=crisis.plan_blanc,
    )


def declare(*, actor: User, declaration: Declaration) -> Crisis:
    """Open a crisis, start its legal clocks, and freeze the mirror if asked (never in drills)."""
    _require(actor, *DECLARE_ROLES)
    d = declaration
    if not d.title.strip() or not d.detected.strip():
        raise CrisisError("indiquez un intitulé et ce qui a été détecté")
    if d.freeze_mirror and d.is_exercise:
        raise CrisisError("un exercice ne gèle jamais le miroir réel")
    now = clock.now()
    if d.aware_at > now:
        raise CrisisError("l'heure de prise de connaissance ne peut pas être dans le futur")
    with transaction.atomic():
        crisis = Crisis.objects.create(
            kind=d.kind,
            title=d.title.strip(),
            detected=d.detected.strip(),
            aware_at=d.aware_at,
            detected_by=d.detected_by.strip(),
            scope=d.scope.strip(),
            is_exercise=d.is_exercise,
            declared_at=now,
            declared_by=actor,
            personal_data=d.personal_data,
            nis2=d.nis2,
            insured=d.insured,
            plan_blanc=d.plan_blanc,
            froze_mirror=d.freeze_mirror,
        )
        due = clocks.due_clocks(
            clocks.shipped_rules(),
            answers_of(crisis),
            d.aware_at,
            clock_targets(),
            declared_at=now,
        )
        LegalClock.objects.bulk_create(
            LegalClock(
                crisis=crisis,
                code=c.rule.code,
                label=c.rule.label,
                authority=c.rule.authority,
                source=c.rule.source,
                due_at=c.due_at,
                owner=actor,
            )
            for c in due
        )
        record(
            Action.CRISIS_DECLARED,
            actor=actor,
            target_type="crisis",
            target_id=crisis.pk,
            details={
                "kind": crisis.kind,
                "exercise": crisis.is_exercise,
                "aware_at": d.aware_at.isoformat(),
                "clocks": [c.rule.code for c in due],
                "freeze_mirror": d.freeze_mirror,
            },
        )
        _write_entry(crisis, actor, Category.DECISION, _declaration_text(crisis), now)
        if d.freeze_mirror:
            freeze_link.freeze_mirror(actor=actor, reason=f"crise n° {crisis.pk} : {crisis.title}")
    return crisis


def _declaration_text(crisis: Crisis) -> str:
    prefix = "EXERCICE — " if crisis.is_exercise else ""
    text = f"{prefix}Déclaration de la crise « {crisis.title} ». Détecté : {crisis.detected}"
    if crisis.froze_mirror:
        text += " Le miroir est gelé."
    return text


def change_phase(*, actor: User, crisis: Crisis, phase: Phase, note: str = "") -> Crisis:
    """Move forward through the phases (going back is a decision to log, not a phase change)."""
    _require(actor, Role.CRISIS_DIRECTOR, Role.IT_SECURITY)
    with transaction.atomic():
        locked = _open(crisis)
        if PHASE_ORDER.index(phase) <= PHASE_ORDER.index(locked.phase):
            raise CrisisError("la phase ne peut qu'avancer")
        previous = locked.phase
        locked.phase = phase
        locked.closed_at = clock.now() if phase == Phase.CLOSED else None
        locked.save(update_fields=["phase", "closed_at"])
        record(
            Action.CRISIS_PHASE_CHANGED,
            actor=actor,
            target_type="crisis",
            target_id=locked.pk,
            details={"from": previous, "to": phase.value},
        )
        label = Phase(phase).label
        _write_entry(
            locked,
            actor,
            Category.DECISION,
            f"Passage en phase « {label} ». {note}".strip(),
            clock.now(),
        )
    return locked


def _write_entry(
    crisis: Crisis,
    author: User,
    category: Category,
    text: str,
    fact_at: dt.datetime,
    corrects: LogEntry | None = None,
) -> LogEntry:
    last = crisis.entries.order_by("-number").values_list("number", flat=True).first() or 0
    entry = LogEntry.objects.create(
        crisis=crisis,
        number=last + 1,
        fact_at=fact_at,
        written_at=clock.now(),
        author=author,
        category=category,
        text=text,
        corrects=corrects,
    )
    record(
        Action.CRISIS_LOG_WRITTEN,
        actor=author,
        target_type="crisis_log",
        target_id=entry.pk,
        details={
            "crisis": crisis.pk,
            "number": entry.number,
            "category": category.value,
            "corrects": corrects.number if corrects else None,
        },
    )
    return entry


def log(
    *,
    actor: User,
    crisis: Crisis,
    category: Category,
    text: str,
    fact_at: dt.datetime | None = None,
    corrects: LogEntry | None = None,
) -> LogEntry:
    """Write one main courante entry; a correction names the entry it corrects."""
    _require(actor, *CELL_ROLES)
    if not text.strip():
        raise CrisisError("une entrée de main courante ne peut pas être vide")
    moment = fact_at or clock.now()
    if moment > clock.now() + dt.timedelta(minutes=5):
        raise CrisisError("l'heure du fait ne peut pas être dans le futur")
    if corrects is not None and corrects.crisis_id != crisis.pk:
        raise CrisisError("l'entrée corrigée appartient à une autre crise")
    with transaction.atomic():
        locked = _open(crisis)
        return _write_entry(locked, actor, category, text.strip(), moment, corrects)


def create_task(
    *,
    actor: User,
    crisis: Crisis,
    title: str,
    owner: User | None = None,
    due_at: dt.datetime | None = None,
    priority: Priority = Priority.NORMAL,
    decision: LogEntry | None = None,
) -> Task:
    _require(actor, *CELL_ROLES)
    if not title.strip():
        raise CrisisError("une tâche a besoin d'un intitulé")
    if decision is not None and decision.crisis_id != crisis.pk:
        raise CrisisError("la décision appartient à une autre crise")
    with transaction.atomic():
        locked = _open(crisis)
        task = Task.objects.create(
            crisis=locked,
            title=title.strip(),
            owner=owner,
            due_at=due_at,
            priority=priority,
            decision=decision,
            created_at=clock.now(),
        )
        record(
            Action.CRISIS_TASK_CREATED,
            actor=actor,
            target_type="crisis_task",
            target_id=task.pk,
            details={
                "crisis": crisis.pk,
                "owner": owner.pk if owner else None,
                "due_at": due_at.isoformat() if due_at else None,
                "decision": decision.number if decision else None,
            },
        )
    return task


def set_task_status(*, actor: User, task: Task, status: TaskStatus) -> Task:
    _require(actor, *CELL_ROLES)
    with transaction.atomic():
        _open(task.crisis)
        previous = task.status
        task.status = status
        task.done_at = clock.now() if status == TaskStatus.DONE else None
        task.save(update_fields=["status", "done_at"])
        record(
            Action.CRISIS_TASK_UPDATED,
            actor=actor,
            target_type="crisis_task",
            target_id=task.pk,
            details={"from": previous, "to": status.value},
        )
    return task


def publish_sitrep(*, actor: User, crisis: Crisis, body: str) -> SitRep:
    """Publish the next SitRep version; earlier versions stay as they were."""
    _require(actor, Role.CRISIS_DIRECTOR, Role.IT_SECURITY)
    if not body.strip():
        raise CrisisError("un point de situation ne peut pas être vide")
    with transaction.atomic():
        locked = _open(crisis)
        version = (
            locked.sitreps.order_by("-version").values_list("version", flat=True).first() or 0
        ) + 1
        last_entry = (
            locked.entries.order_by("-number").values_list("number", flat=True).first() or 0
        )
        sitrep = SitRep.objects.create(
            crisis=locked,
            version=version,
            body=body.strip(),
            published_at=clock.now(),
            published_by=actor,
            last_entry=last_entry,
        )
        record(
            Action.CRISIS_SITREP_PUBLISHED,
            actor=actor,
            target_type="crisis_sitrep",
            target_id=sitrep.pk,
            details={"crisis": locked.pk, "version": version, "last_entry": last_entry},
        )
    return sitrep


def submit_clock(
    *,
    actor: User,
    legal_clock: LegalClock,
    reference: str,
    evidence: str,
    submitted_at: dt.datetime | None = None,
) -> LegalClock:
    """Record that a declaration was made, with its reference and proof of submission."""
    _require(actor, *CELL_ROLES)
    if not reference.strip():
        raise CrisisError("indiquez le numéro de référence donné par le portail ou l'autorité")
    when = submitted_at or clock.now()
    with transaction.atomic():
        crisis = _open(legal_clock.crisis)
        legal_clock.status = ClockStatus.SUBMITTED
        legal_clock.reference = reference.strip()
        legal_clock.evidence = evidence.strip()
        legal_clock.submitted_at = when
        legal_clock.save(update_fields=["status", "reference", "evidence", "submitted_at"])
        record(
            Action.CRISIS_CLOCK_SUBMITTED,
            actor=actor,
            target_type="crisis_clock",
            target_id=legal_clock.pk,
            details={
                "crisis": crisis.pk,
                "code": legal_clock.code,
                "reference": legal_clock.reference,
                "on_time": when <= legal_clock.due_at,
            },
        )
        _reschedule_followers(crisis, actor)
    return legal_clock


def _reschedule_followers(crisis: Crisis, actor: User) -> None:
    """Clocks that run after another (NIS 2 final report) start from its real submission."""
    submitted = {c.code: c.submitted_at for c in crisis.clocks.all() if c.submitted_at is not None}
    due = clocks.due_clocks(
        clocks.shipped_rules(),
        answers_of(crisis),
        crisis.aware_at,
        clock_targets(),
        submitted,
        declared_at=crisis.declared_at,
    )
    wanted = {c.rule.code: c.due_at for c in due}
    for existing in crisis.clocks.filter(status=ClockStatus.PENDING):
        new_due = wanted.get(existing.code)
        if new_due is not None and new_due != existing.due_at:
            old = existing.due_at
            existing.due_at = new_due
            existing.save(update_fields=["due_at"])
            record(
                Action.CRISIS_CLOCK_UPDATED,
                actor=actor,
                target_type="crisis_clock",
                target_id=existing.pk,
                details={"due_from": old.isoformat(), "due_to": new_due.isoformat()},
            )


def assign_clock(*, actor: User, legal_clock: LegalClock, owner: User) -> LegalClock:
    _require(actor, Role.CRISIS_DIRECTOR, Role.IT_SECURITY)
    with transaction.atomic():
        _open(legal_clock.crisis)
        legal_clock.owner = owner
        legal_clock.save(update_fields=["owner"])
        record(
            Action.CRISIS_CLOCK_UPDATED,
            actor=actor,
            target_type="crisis_clock",
            target_id=legal_clock.pk,
            details={"owner": owner.pk},
        )
    return legal_clock


def waive_clock(*, actor: User, legal_clock: LegalClock, reason: str) -> LegalClock:
    """The director decides a declaration is not owed; the reason is kept as evidence."""
    _require(actor, Role.CRISIS_DIRECTOR)
    if not reason.strip():
        raise CrisisError("motivez la décision de ne pas déclarer")
    with transaction.atomic():
        crisis = _open(legal_clock.crisis)
        legal_clock.status = ClockStatus.NOT_REQUIRED
        legal_clock.evidence = reason.strip()
        legal_clock.save(update_fields=["status", "evidence"])
        record(
            Action.CRISIS_CLOCK_UPDATED,
            actor=actor,
            target_type="crisis_clock",
            target_id=legal_clock.pk,
            details={"status": ClockStatus.NOT_REQUIRED.value},
        )
        _write_entry(
            crisis,
            actor,
            Category.DECISION,
            f"Pas de déclaration « {legal_clock.label} » : {reason.strip()}",
            clock.now(),
        )
    return legal_clock


def record_export(*, actor: User, crisis: Crisis, what: str) -> None:
    """Exports carry the whole log out of the instance: who took one is worth knowing."""
    with transaction.atomic():
        record(
            Action.CRISIS_EXPORTED,
            actor=actor,
            target_type="crisis",
            target_id=crisis.pk,
            details={"what": what},
        )
