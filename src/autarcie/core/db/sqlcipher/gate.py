"""One first-come, first-served queue for every write transaction on one SQLite database.

SQLite admits one writer at a time. A ``BEGIN IMMEDIATE`` that finds the database busy waits in
SQLite's busy handler, which sleeps with a growing back-off (1, 2, 5 … up to 100 ms) and lets
newcomers overtake the sleepers: with 20 people saving forms, plus the session and journal
writes of every page they load, the unlucky ones waited for seconds while the database was
mostly free. So the backend queues each transaction here just before its ``BEGIN`` and leaves
the queue at its ``COMMIT`` or ``ROLLBACK``: in turn inside a process (a ticket lock), and across
processes (web workers, the HL7 listener, schedulers, commands) through an ``flock`` on a file
beside the database. The queue is held exactly as long as SQLite's own write lock would be,
so it adds no waiting of its own, only order.

The wait keeps SQLite's contract: past the connection's busy timeout it fails with
"database is locked", as ``BEGIN IMMEDIATE`` would. A thread that already holds the queue
through another connection (a second alias on the same file) is not queued again: that would
wait for itself; it falls back on SQLite's busy handler.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

from sqlcipher3 import dbapi2 as Database

# Polling steps of the cross-process lock: short, so a freed lock is taken within a
# millisecond; only one thread per process ever polls (the head of the ticket queue).
_POLL_STEPS = (0.0001, 0.0002, 0.0005, 0.001)


class _Queue:
    """The queue of one database file in this process."""

    def __init__(self, path: str) -> None:
        self._cond = threading.Condition()
        self._next = 0
        self._serving = 0
        self._skipped: set[int] = set()  # tickets given up on a timeout
        self._holder: int | None = None
        # Our own open file: a descriptor inherited through fork would share its lock.
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def holds(self) -> bool:
        return self._holder == threading.get_ident()

    def wait_for_waiting(self, count: int, timeout: float) -> bool:
        """Until ``count`` threads of this process hold or wait for the queue (for tests)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._next - self._serving - len(self._skipped) >= count, timeout
            )

    def enter(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            ticket = self._next
            self._next += 1
            self._cond.notify_all()  # a test may be waiting for this thread to queue
            while ticket != self._serving:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._skipped.add(ticket)  # later tickets must not wait for this one
                    raise Database.OperationalError("database is locked")
                self._cond.wait(left)
            self._holder = threading.get_ident()
        try:
            self._lock_file(deadline)
        except BaseException:
            self._release()
            raise

    def _lock_file(self, deadline: float) -> None:
        step = 0
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Database.OperationalError("database is locked") from None
                time.sleep(_POLL_STEPS[min(step, len(_POLL_STEPS) - 1)])
                step += 1

    def leave(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._release()

    def _release(self) -> None:
        with self._cond:
            self._holder = None
            self._serving += 1
            while self._serving in self._skipped:
                self._skipped.discard(self._serving)
                self._serving += 1
            self._cond.notify_all()


_queues: dict[tuple[int, str], _Queue] = {}
_queues_lock = threading.Lock()


def queue_for(database: str) -> _Queue:
    """The queue of a database file, shared by every connection of this process."""
    key = (os.getpid(), os.path.abspath(database) + "-writers.lock")
    with _queues_lock:
        if key not in _queues:
            _queues[key] = _Queue(key[1])
        return _queues[key]
