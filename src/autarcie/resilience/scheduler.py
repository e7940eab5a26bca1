"""Scheduled backups inside `autarcie serve`: one process per instance, the last N kept."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError

from autarcie.core import clock
from autarcie.core.errors import AutarcieError
from autarcie.core.schedule import acquire_lock, stop_event
from autarcie.resilience import actions
from autarcie.resilience.archive import SUFFIX
from autarcie.resilience.backup import create_backup
from autarcie.resilience.models import BackupRun

log = logging.getLogger(__name__)
ACTOR = "system:backup-scheduler"
_NAME = re.compile(r"^autarcie-\d{8}T\d{6}Z(-\d+)?" + re.escape(SUFFIX) + "$")


def backup_file_name(moment: dt.datetime) -> str:
    return f"autarcie-{moment.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}{SUFFIX}"


def prune(folder: Path, keep: int) -> list[str]:
    """Remove all but the newest ``keep`` scheduled backups (names sort by time)."""
    ours = sorted(p for p in folder.iterdir() if _NAME.match(p.name))
    removed = []
    for path in ours[: max(0, len(ours) - keep)]:
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def run_once(folder: Path) -> BackupRun:
    """One scheduled backup into ``folder``; a failure is recorded, not raised."""
    started = clock.now()
    out = folder / backup_file_name(started)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        run = create_backup(out, actor=ACTOR, scheduled=True)
    except (AutarcieError, OSError, DatabaseError) as exc:
        log.error("scheduled backup to %s failed: %s", folder, exc)
        return actions.record_backup_failure(
            actor=ACTOR, started_at=started, finished_at=clock.now(), file=out.name, error=str(exc)
        )
    removed = prune(folder, settings.BACKUP_KEEP)
    if removed:
        actions.record_pruned(actor=ACTOR, files=removed, keep=settings.BACKUP_KEEP)
    return run


def backup_period() -> dt.timedelta | None:
    """The schedule's period; None when scheduled backups are off."""
    if settings.BACKUP_DIR is None:
        return None
    if settings.BACKUP_EVERY_SECONDS:
        return dt.timedelta(seconds=settings.BACKUP_EVERY_SECONDS)
    if settings.BACKUP_EVERY_MINUTES:
        return dt.timedelta(minutes=settings.BACKUP_EVERY_MINUTES)
    return None


def _first_due(every: dt.timedelta) -> dt.datetime:
    last = BackupRun.objects.filter(ok=True, scheduled=True).first()
    return last.started_at + every if last else clock.now()


def run_backup_scheduler(
    stop_event: threading.Event,
    *,
    sleep: Callable[[float], object] | None = None,
) -> int:
    """Back up every period (``backup_period``) until ``stop_event``; return the count.

    Returns at once when backups are not configured, or when another process already holds
    ``<data dir>/backup.lock`` (the scheduler runs once per instance).
    """
    folder, every = settings.BACKUP_DIR, backup_period()
    if folder is None or every is None:
        log.warning("scheduled backups are off: set AUTARCIE_BACKUP_DIR and _EVERY_MINUTES")
        return 0
    wait = sleep or stop_event.wait
    lock = acquire_lock(settings.DATA_DIR / "backup.lock")
    if lock is None:
        log.info("another process runs this instance's backup scheduler")
        return 0
    with lock:
        done = 0
        due = _first_due(every)
        while not stop_event.is_set():
            now = clock.now()
            if now < due:
                wait((due - now).total_seconds())
                continue
            run_once(folder)
            done += 1
            due = now + every
        return done


def serve_scheduler(*, stop_with_parent: bool) -> int:
    """The body of `autarcie backup schedule`: until SIGTERM/SIGINT or the parent's end."""
    return run_backup_scheduler(stop_event(stop_with_parent=stop_with_parent, name="backup"))
