"""Read-side helpers for the crisis pages: what the dashboard shows, computed once per request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from autarcie.crisis.clocks import countdown
from autarcie.crisis.models import (
    Answer,
    ClockStatus,
    Crisis,
    LegalClock,
    LogEntry,
    PlanItem,
    Task,
    TaskStatus,
)

OPEN_TASKS = (TaskStatus.TODO, TaskStatus.DOING)


@dataclass(frozen=True)
class ClockView:
    clock: LegalClock
    countdown: str
    late: bool
    seconds_left: int


def clock_views(crisis: Crisis, now: dt.datetime) -> list[ClockView]:
    views = []
    for c in crisis.clocks.select_related("owner"):
        pending = c.status == ClockStatus.PENDING
        text = countdown(c.due_at, now) if pending else c.get_status_display()
        views.append(
            ClockView(c, text, pending and c.due_at < now, int((c.due_at - now).total_seconds()))
        )
    return views


def overdue_tasks(crisis: Crisis, now: dt.datetime) -> QuerySet[Task]:
    return crisis.tasks.filter(status__in=OPEN_TASKS, due_at__lt=now).select_related("owner")


def filtered_log(crisis: Crisis, category: str = "", text: str = "") -> QuerySet[LogEntry]:
    entries = crisis.entries.select_related("author", "corrects").prefetch_related("tasks")
    if category:
        entries = entries.filter(category=category)
    if text:
        entries = entries.filter(text__icontains=text)
    return entries


def plan_progress(crisis: Crisis) -> dict[str, int]:
    counts = PlanItem.objects.filter(crisis=crisis).aggregate(
        total=Count("pk"),
        restored=Count("pk", filter=Q(stage__in=["restored", "validated"])),
        validated=Count("pk", filter=Q(stage="validated")),
    )
    return {k: int(v or 0) for k, v in counts.items()}


def alert_summary(crisis: Crisis) -> list[dict[str, int | str]]:
    rows: list[dict[str, int | str]] = []
    for alert in crisis.alerts.annotate(
        total=Count("recipients"),
        available=Count("recipients", filter=Q(recipients__answer=Answer.AVAILABLE)),
        unavailable=Count("recipients", filter=Q(recipients__answer=Answer.UNAVAILABLE)),
    )[:5]:
        rows.append(
            {
                "id": alert.pk,
                "target": alert.target,
                "total": alert.total,
                "available": alert.available,
                "unavailable": alert.unavailable,
            }
        )
    return rows
