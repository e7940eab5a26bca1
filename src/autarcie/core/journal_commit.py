"""Journal entries of reads, committed together: one synced commit for concurrent readers.

Every record opened and every list of patients shown is journaled before the page is sent.
On the embedded store each of those entries was its own write transaction: the fair write
queue, `BEGIN IMMEDIATE`, three statements and a synced `COMMIT`, one reader after another,
so a ward's screens opened at the same moment queued behind each other's commits (measured:
the queue saturated around 50 to 65 commits a second on the 2-core machine, far below what the
pages themselves cost). Here a reader that finds another one writing adds its entry to the
next batch and waits; the writer of a batch appends every waiting entry to the chain in one
transaction and one commit, then wakes them. Each caller still returns only once its own
entry is committed, and still gets an error if it could not be.

Only for callers outside any transaction: inside one, the entry belongs to the caller's
transaction (it must be rolled back with it), so it is written there, as `journal.record` does.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from autarcie.core.errors import JournalError
from autarcie.core.journal import Action, Actor, record


@dataclass(eq=False)
class _Waiting:
    action: Action
    actor: Actor
    target_type: str
    target_id: str | int
    details: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    written: bool = False
    lead: bool = False  # woken to write the next batch, not because it was written
    error: BaseException | None = None


class _Batcher:
    """The entries waiting in this process, and whether one thread is writing a batch."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: list[_Waiting] = []
        self.writing = False
        self.batches = 0  # batches written by this process, failed ones included (for tests)

    def submit(self, item: _Waiting) -> None:
        with self.lock:
            self.pending.append(item)
            lead = not self.writing
            self.writing = True
        if not lead:
            item.done.wait()
            if not item.lead:
                return
        self.write_batch()

    def write_batch(self) -> None:
        """Write everything pending, then hand the writing to the next waiter, if any."""
        with self.lock:
            batch, self.pending = self.pending, []
        try:
            _write(batch)
        finally:
            with self.lock:
                self.batches += 1
                following = self.pending[0] if self.pending else None
                if following is None:
                    self.writing = False
                else:
                    following.lead = True
            for item in batch:
                item.done.set()
            if following is not None:
                following.done.set()


def _append(item: _Waiting) -> None:
    record(
        item.action,
        actor=item.actor,
        target_type=item.target_type,
        target_id=item.target_id,
        details=item.details,
    )


def _write(batch: list[_Waiting]) -> None:
    try:
        if len(batch) == 1:
            _append(batch[0])  # ``record`` makes it one transaction (one statement on PostgreSQL)
        else:
            with transaction.atomic():
                for item in batch:
                    _append(item)
    except Exception:  # one entry's failure must not fail the others' pages
        # Redo them one transaction each, so only the entry that cannot be written fails.
        for item in batch:
            try:
                with transaction.atomic():
                    _append(item)
            except Exception as exc:  # raised again in the caller's thread
                item.error = exc
            else:
                item.written = True
    else:
        for item in batch:
            item.written = True


_batcher = _Batcher()


def batches_committed() -> int:
    return _batcher.batches


def record_read(
    action: Action,
    *,
    actor: Actor,
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Journal a read and return once the entry is committed (see the module's docstring)."""
    if not isinstance(action, Action):
        raise JournalError(f"unknown journal action {action!r}")
    payload = dict(details or {})
    # Checked here, in the caller's thread: a payload that cannot be stored fails its caller.
    json.dumps(payload, ensure_ascii=False)
    if connection.in_atomic_block:
        record(action, actor=actor, target_type=target_type, target_id=target_id, details=payload)
        return
    item = _Waiting(action, actor, target_type, target_id, payload)
    _batcher.submit(item)
    if item.error is not None:
        raise item.error
    if not item.written:
        raise JournalError("a journal entry was neither written nor refused")
