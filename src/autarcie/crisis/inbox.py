"""The crisis scheduler inside `autarcie serve`: collects SMS replies and reminds clock owners.

One process per instance holds ``<data dir>/crisis-sms.lock``; the others wait for it. Every
wait goes through ``sleep`` (default: the stop event), so tests drive it without waiting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

from autarcie.core.errors import AutarcieError
from autarcie.core.schedule import acquire_lock, stop_event
from autarcie.crisis import alert_actions, inbound

log = logging.getLogger(__name__)
LOCK_NAME = "crisis-sms.lock"


def tick() -> dict[str, int]:
    """One pass: collect replies, then send the clock reminders that are due."""
    if not connection.in_atomic_block:  # a long-lived process: drop a dead connection first
        close_old_connections()
    counts = {"matched": 0, "unmatched": 0, "reminders": 0}
    try:
        counts.update(inbound.poll_replies())
    except (OSError, ValueError) as exc:  # gateway unreachable or garbled: next tick retries
        log.error("collecting SMS replies failed: %s", exc)
    counts["reminders"] = alert_actions.send_clock_reminders(base_url=settings.CRISIS_PUBLIC_URL)
    return counts


def run_inbox(
    stop_event: threading.Event,
    *,
    sleep: Callable[[float], object] | None = None,
    lock_path: Path | None = None,
) -> int:
    """Until ``stop_event``: hold the lock (or wait for it) and tick every poll; the tick count."""
    wait = sleep or stop_event.wait
    path = lock_path or Path(settings.DATA_DIR) / LOCK_NAME
    lock: IO[bytes] | None = None
    ticks = 0
    try:
        while not stop_event.is_set():
            if lock is None:
                lock = acquire_lock(path)
            if lock is not None:
                try:
                    tick()
                except (AutarcieError, DatabaseError) as exc:
                    log.error("crisis scheduler pass failed: %s", exc)
                ticks += 1
            wait(float(settings.CRISIS_SMS_POLL_SECONDS))
    finally:
        if lock is not None:
            lock.close()  # closing the file releases the lock
    return ticks


def serve_inbox(*, stop_with_parent: bool) -> int:
    """The body of `autarcie crisis inbox`: until SIGTERM/SIGINT or the parent's end."""
    return run_inbox(stop_event(stop_with_parent=stop_with_parent, name="crisis"))
