"""The satellite's sync inside `autarcie serve`: one process per instance, every few minutes."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import DatabaseError

from autarcie.core import clock
from autarcie.core.errors import AutarcieError
from autarcie.core.schedule import acquire_lock, stop_event
from autarcie.resilience.models import SatelliteLink
from autarcie.resilience.satellite_client import sync

log = logging.getLogger(__name__)


def sync_quietly() -> bool:
    """One round; a failure is logged in one line (never patient data) and not raised."""
    try:
        report = sync()
    except (AutarcieError, DatabaseError, OSError) as exc:
        log.error("satellite sync failed: %s", exc)
        return False
    log.info(
        "satellite sync: %d patient(s) updated, %d entries pushed, %.2f s",
        report.applied.patients,
        report.pushed,
        report.seconds,
    )
    return True


def run_satellite_scheduler(stop: threading.Event) -> int:
    """Sync every AUTARCIE_SATELLITE_SYNC_MINUTES until ``stop``; return the rounds run.

    Returns at once on an instance that is not a satellite, or when another process holds
    ``<data dir>/satellite.lock``.
    """
    minutes = int(settings.SATELLITE_SYNC_MINUTES)
    if minutes == 0 or not SatelliteLink.objects.filter(pk=1, revoked=False).exists():
        return 0
    every = dt.timedelta(minutes=minutes)
    lock = acquire_lock(settings.DATA_DIR / "satellite.lock")
    if lock is None:
        log.info("another process runs this satellite's sync")
        return 0
    with lock:
        rounds = 0
        due = clock.now()
        while not stop.is_set():
            now = clock.now()
            if now < due:
                stop.wait((due - now).total_seconds())
                continue
            sync_quietly()
            rounds += 1
            due = now + every
        return rounds


def serve_scheduler(*, stop_with_parent: bool) -> int:
    """The body of `autarcie satellite schedule`: until SIGTERM/SIGINT or the parent's end."""
    return run_satellite_scheduler(stop_event(stop_with_parent=stop_with_parent, name="satellite"))
