"""Read-side helpers for the crisis pages: what the dashboard shows, computed once per request."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from autarcie.core import journal
from autarcie.crisis.clocks import countdown
from autarcie.crisis.models import (
    Answer,
    Category,
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
    # The draft's sources and the evidence are long texts no list shows.
    for c in crisis.clocks.select_related("owner").defer("source", "evidence"):
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


def alert_summary(crisis: Crisis) -> list[dict[str, Any]]:
    """The five latest alerts with their answer counts, in one grouped query."""
    rows = (
        crisis.alerts.order_by("-created_at", "-pk")
        .values("pk", "target")
        .annotate(
            total=Count("recipients"),
            available=Count("recipients", filter=Q(recipients__answer=Answer.AVAILABLE)),
            unavailable=Count("recipients", filter=Q(recipients__answer=Answer.UNAVAILABLE)),
        )[:5]
    )
    return [{**row, "id": row["pk"]} for row in rows]


def task_counts(crisis: Crisis, now: dt.datetime) -> dict[str, int]:
    """Open and overdue tasks counted in one query."""
    open_q = Q(status__in=OPEN_TASKS)
    counts = crisis.tasks.aggregate(
        open=Count("pk", filter=open_q), overdue=Count("pk", filter=open_q & Q(due_at__lt=now))
    )
    return {k: int(v or 0) for k, v in counts.items()}


def recent_entries(crisis: Crisis, limit: int = 8) -> list[dict[str, Any]]:
    """The latest lines of the main courante, as plain rows (no model instances to build)."""
    rows = crisis.entries.order_by("-written_at", "-number").values(
        "fact_at", "category", "text", "author__username"
    )[:limit]
    return [{**row, "category_label": Category(row["category"]).label} for row in rows]


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows, computed once per request with a fixed query count."""

    now: dt.datetime
    clocks: list[ClockView]
    overdue: list[dict[str, Any]]
    overdue_count: int
    open_tasks: int
    sitrep: dict[str, Any] | None
    recent: list[dict[str, Any]]
    progress: dict[str, int]
    alerts: list[dict[str, Any]]


DASHBOARD_OVERDUE_SHOWN = 15


def dashboard(crisis: Crisis, now: dt.datetime) -> Dashboard:
    counts = task_counts(crisis, now)
    overdue = [
        dict(row)
        for row in overdue_tasks(crisis, now).values("title", "due_at", "owner__username")[
            :DASHBOARD_OVERDUE_SHOWN
        ]
    ]
    sitrep = crisis.sitreps.values("version", "published_at").first()
    return Dashboard(
        now=now,
        clocks=clock_views(crisis, now),
        overdue=overdue,
        overdue_count=counts["overdue"],
        open_tasks=counts["open"],
        sitrep=dict(sitrep) if sitrep else None,
        recent=recent_entries(crisis),
        progress=plan_progress(crisis),
        alerts=alert_summary(crisis),
    )


# The dashboard of a crisis, kept per process while nothing changed. Every change in Autarcie
# writes a journal entry in its own transaction, so the journal head's hash (which depends on
# the whole chain) says exactly whether anything changed; the minute covers what depends on
# the time alone (countdowns, tasks falling overdue). Thirty screens refreshing the same
# dashboard then cost one head read each instead of a dozen queries.
_boards: dict[int, tuple[tuple[str, dt.datetime], Dashboard, str]] = {}
_boards_lock = threading.Lock()
_BOARDS_KEPT = 16


def current_dashboard(
    crisis: Crisis, now: dt.datetime, render: Callable[[Dashboard], str]
) -> tuple[Dashboard, str]:
    """The dashboard as of the current minute and its HTML (``render``), recomputed only
    after a journaled change or when the minute turns."""
    minute = now.replace(second=0, microsecond=0)
    key = (journal.head().hash, minute)
    with _boards_lock:
        kept = _boards.get(crisis.pk)
    if kept is not None and kept[0] == key:
        return kept[1], kept[2]
    board = dashboard(crisis, minute)
    html = render(board)
    with _boards_lock:
        if len(_boards) >= _BOARDS_KEPT:
            _boards.clear()
        _boards[crisis.pk] = (key, board, html)
    return board, html


def forget_dashboards() -> None:
    """Drop the kept dashboards (a restored database starts a new journal)."""
    with _boards_lock:
        _boards.clear()
