"""Group commit for the HL7 listener: one writer thread turns queued messages into batches.

The thread owns its Django database connection for its whole life (connections are per thread,
so it stays open between batches). Whatever is queued when it finishes a batch becomes the next
batch, up to a cap: the busier the listener, the more messages share one commit (one fsync).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from autarcie.core import clock
from autarcie.core.errors import AutarcieError
from autarcie.core.journal import Action, record
from autarcie.mirror.ingest import Outcome, Received, ingest_hl7_batch
from autarcie.mirror.senders import SenderPolicy

log = logging.getLogger(__name__)

DEFAULT_BATCH_MAX = 500
ACTOR = "system:hl7-listener"


class ListenerStopping(AutarcieError):
    """The listener is stopping and takes no new message; the sender should retry later."""


class BatchFailed(AutarcieError):
    """A batch could not be committed: none of its messages is acknowledged."""


@dataclass(frozen=True)
class _Pending:
    item: Received
    future: asyncio.Future[Outcome]


def _resolve(batch: list[_Pending], outcomes: list[Outcome]) -> None:
    for pending, outcome in zip(batch, outcomes, strict=True):
        if not pending.future.done():
            pending.future.set_result(outcome)


def _fail(batch: list[_Pending], reason: str) -> None:
    for pending in batch:
        if not pending.future.done():
            pending.future.set_exception(BatchFailed(reason))


class Committer:
    """The single writer: `submit` from the event loop, results come back as futures."""

    def __init__(
        self,
        policy: SenderPolicy,
        loop: asyncio.AbstractEventLoop,
        *,
        batch_max: int = DEFAULT_BATCH_MAX,
        details: dict[str, str | int] | None = None,
    ) -> None:
        if batch_max < 1:
            raise ValueError("batch_max must be positive")
        self._policy = policy
        self._loop = loop
        self._batch_max = batch_max
        self._details = details or {}
        self._cond = threading.Condition()
        self._queue: deque[_Pending] = deque()
        self._closing = False
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="hl7-committer", daemon=True)
        self.batches = 0
        self.messages = 0
        self.largest_batch = 0

    def start(self) -> None:
        """Start the writer; raise here if the database cannot be written (wrong key...)."""
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            raise self._startup_error

    def submit(self, item: Received) -> asyncio.Future[Outcome]:
        """Queue one message (event loop thread only); the future ends after its commit."""
        future: asyncio.Future[Outcome] = self._loop.create_future()
        with self._cond:
            if self._closing:
                raise ListenerStopping("the HL7 listener is stopping")
            self._queue.append(_Pending(item, future))
            self._cond.notify()
        return future

    def close(self) -> None:
        """Commit what is queued, journal the stop, close the connection (blocking)."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()

    def _take(self) -> list[_Pending] | None:
        with self._cond:
            while not self._queue and not self._closing:
                self._cond.wait()
            count = min(len(self._queue), self._batch_max)
            if count == 0:
                return None
            return [self._queue.popleft() for _ in range(count)]

    def _run(self) -> None:
        try:
            self._journal(Action.LISTENER_STARTED, dict(self._details))
        except BaseException as exc:  # reported to start(), which re-raises it
            self._startup_error = exc
            connection.close()
            self._ready.set()
            return
        self._ready.set()
        try:
            while (batch := self._take()) is not None:
                self._commit(batch)
            self._journal(
                Action.LISTENER_STOPPED,
                {"messages": self.messages, "batches": self.batches},
            )
        finally:
            connection.close()

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            outcomes = ingest_hl7_batch([p.item for p in batch], self._policy, clock.now())
        except Exception as exc:  # the database failed: nothing committed, nothing acknowledged
            # The exception text may quote stored values; log its kind only.
            log.error(
                "HL7 batch of %d messages not committed (%s); none acknowledged, "
                "senders will resend",
                len(batch),
                type(exc).__name__,
            )
            connection.close()  # the next batch starts on a fresh connection
            self._call(_fail, batch, f"batch not committed: {type(exc).__name__}")
            return
        self.batches += 1
        self.messages += len(batch)
        self.largest_batch = max(self.largest_batch, len(batch))
        self._call(_resolve, batch, outcomes)

    def _call(self, function: Callable[..., None], *args: object) -> None:
        try:
            self._loop.call_soon_threadsafe(function, *args)
        except RuntimeError:  # the loop is gone: nobody is waiting for these answers
            log.warning("HL7 answers dropped: the event loop has already closed")

    def _journal(self, action: Action, details: dict[str, str | int]) -> None:
        with transaction.atomic():
            record(action, actor=ACTOR, target_type="listener", details=details)
