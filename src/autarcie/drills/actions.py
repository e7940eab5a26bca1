"""Changes made while running an exercise: scenarios, start, pace, observations, report."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources

from django.db import transaction

from autarcie.core import clock
from autarcie.core.errors import AccessDenied, AutarcieError
from autarcie.core.journal import Action, Actor, record
from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.crisis.actions import CELL_ROLES
from autarcie.crisis.models import Crisis
from autarcie.drills.models import (
    ExerciseRun,
    Inject,
    Lesson,
    LessonStatus,
    Observation,
    Scenario,
)

SHIPPED = ("ransomware_exfiltration.json",)


class DrillError(AutarcieError):
    """An exercise change that cannot be made as asked."""


def _facilitator(user: User) -> None:
    if not user.has_role(Role.CRISIS_DIRECTOR):
        raise AccessDenied("only the exercise's crisis director runs it")


def install_scenario(*, actor: Actor, document: dict[str, object]) -> Scenario:
    """Create or replace a scenario and its injects from a JSON document."""
    with transaction.atomic():
        scenario, _ = Scenario.objects.update_or_create(
            code=str(document["code"]),
            defaults={
                "title": str(document["title"]),
                "summary": str(document["summary"]),
                "sources": str(document.get("sources", "")),
            },
        )
        scenario.injects.all().delete()
        injects = document["injects"]
        assert isinstance(injects, list)  # noqa: S101 (shape checked by the shipped file's test)
        Inject.objects.bulk_create(
            Inject(
                scenario=scenario,
                number=n,
                offset_minutes=int(i["offset"]),
                channel=i["channel"],
                sender=i["sender"],
                content=i["content"],
                expected=i["expected"],
            )
            for n, i in enumerate(injects, start=1)
        )
        record(
            Action.DRILL_SCENARIO_INSTALLED,
            actor=actor,
            target_type="drill_scenario",
            target_id=scenario.pk,
            details={"code": scenario.code, "injects": len(injects)},
        )
    return scenario


def install_shipped(*, actor: Actor) -> list[Scenario]:
    folder = resources.files("autarcie.drills").joinpath("data")
    return [
        install_scenario(actor=actor, document=json.loads(folder.joinpath(n).read_text("utf-8")))
        for n in SHIPPED
    ]


def start(*, actor: User, crisis: Crisis, scenario: Scenario) -> ExerciseRun:
    _facilitator(actor)
    if not crisis.is_exercise:
        raise DrillError("un scénario ne se joue que sur une crise d'exercice")
    with transaction.atomic():
        if ExerciseRun.objects.filter(crisis=crisis).exists():
            raise DrillError("cet exercice a déjà un scénario en cours")
        run = ExerciseRun.objects.create(
            crisis=crisis, scenario=scenario, started_at=clock.now(), facilitator=actor
        )
        record(
            Action.DRILL_STARTED,
            actor=actor,
            target_type="drill_run",
            target_id=run.pk,
            details={"crisis": crisis.pk, "scenario": scenario.code},
        )
    return run


def shift(*, actor: User, run: ExerciseRun, minutes: int) -> ExerciseRun:
    """Speed up (negative) or slow down (positive) the injects still to come."""
    _facilitator(actor)
    with transaction.atomic():
        run.shift_minutes += minutes
        run.save(update_fields=["shift_minutes"])
        record(
            Action.DRILL_PACE_SHIFTED,
            actor=actor,
            target_type="drill_run",
            target_id=run.pk,
            details={"minutes": minutes, "total_shift": run.shift_minutes},
        )
    return run


def inject_due_at(run: ExerciseRun, inject: Inject) -> dt.datetime:
    return run.started_at + dt.timedelta(minutes=max(0, inject.offset_minutes + run.shift_minutes))


def observe(
    *, actor: User, run: ExerciseRun, inject: Inject, observed: str, met: bool
) -> Observation:
    if not actor.has_role(Role.CRISIS_DIRECTOR, Role.CRISIS_MEMBER):
        raise AccessDenied("only the cell records observations")
    if inject.scenario_id != run.scenario_id or not observed.strip():
        raise DrillError("décrivez la réaction observée pour un inject de ce scénario")
    with transaction.atomic():
        obs = Observation.objects.create(
            run=run,
            inject=inject,
            observed=observed.strip(),
            met=met,
            recorded_at=clock.now(),
            recorded_by=actor,
        )
        record(
            Action.DRILL_OBSERVED,
            actor=actor,
            target_type="drill_run",
            target_id=run.pk,
            details={"inject": inject.number, "met": met},
        )
    return obs


def report_built(*, actor: User, crisis: Crisis) -> None:
    with transaction.atomic():
        record(Action.DRILL_REPORT_BUILT, actor=actor, target_type="crisis", target_id=crisis.pk)


LESSON_FIELDS = ("happened", "lesson", "action", "owner", "due_on", "status")


@dataclass(frozen=True)
class LessonText:
    happened: str
    lesson: str
    action: str = ""
    owner: str = ""
    due_on: dt.date | None = None
    status: str = LessonStatus.OPEN


def save_lesson(
    *, actor: User, crisis: Crisis, text: LessonText, lesson: Lesson | None = None
) -> Lesson:
    """Add a lesson, or edit one (``lesson``); the journal names the fields that changed."""
    if not actor.has_role(*CELL_ROLES):
        raise AccessDenied("only the crisis cell records lessons")
    if not text.happened.strip() or not text.lesson.strip():
        raise DrillError("indiquez ce qui s'est passé et l'enseignement qu'on en tire")
    if text.status not in LessonStatus.values:
        raise DrillError(f"statut inconnu : {text.status!r}")
    if lesson is not None and lesson.crisis_id != crisis.pk:
        raise DrillError("cet enseignement appartient à une autre crise")
    values = {f: getattr(text, f) for f in LESSON_FIELDS}
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    now = clock.now()
    with transaction.atomic():
        if lesson is None:
            lesson = Lesson.objects.create(
                crisis=crisis, created_at=now, created_by=actor, updated_at=now, **values
            )
            changed = list(LESSON_FIELDS)
        else:
            lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
            changed = [f for f in LESSON_FIELDS if getattr(lesson, f) != values[f]]
            for name in changed:
                setattr(lesson, name, values[name])
            lesson.updated_at = now
            lesson.save()
        record(
            Action.CRISIS_LESSON_SAVED,
            actor=actor,
            target_type="drill_lesson",
            target_id=lesson.pk,
            details={"crisis": crisis.pk, "changed": changed, "status": lesson.status},
        )
    return lesson
