"""The one clock of the instance: schedulers, timeouts, deadlines and tests all read it."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol

UTC = dt.UTC


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to; tests use it instead of sleeping."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)


class _Installed:
    clock: Clock = SystemClock()


def now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return _Installed.clock.now()


def install(clock: Clock) -> Clock:
    """Replace the clock; returns the previous one so a caller can put it back."""
    previous = _Installed.clock
    _Installed.clock = clock
    return previous
