"""One queue for care's write transactions on SQLite, so no writer waits seconds behind others.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps with a
growing back-off and lets newcomers overtake: with 20 people saving at once the unlucky ones
waited seconds. Care's writers therefore queue first, in order, in this process (a ticket lock)
and across processes (a blocking ``flock`` the kernel hands out in turn), then begin their
``BEGIN IMMEDIATE`` transaction with the database almost always free. PostgreSQL needs none of
this, and a call nested in an outer transaction (a demo loop, a batch) already holds the
database lock, so it must not queue again.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


class _TicketLock:
    """First come, first served: ``threading.Lock`` makes no promise of order."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0
        self._serving = 0

    def acquire(self) -> None:
        with self._cond:
            ticket = self._next
            self._next += 1
            while ticket != self._serving:
                self._cond.wait()

    def release(self) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


_queue = _TicketLock()
_file: dict[str, int] = {}
_file_lock = threading.Lock()


def _lock_fd() -> int:
    path = str(settings.DATA_DIR / "care-writes.lock")
    with _file_lock:
        if path not in _file:
            _file[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return _file[path]


@contextmanager
def write_gate() -> Iterator[None]:
    """Wait for our turn to write (SQLite only, outermost transaction only)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    _queue.acquire()
    try:
        fd = _lock_fd()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        _queue.release()
