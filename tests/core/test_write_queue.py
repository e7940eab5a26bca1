"""SQLite writers queue in arrival order, in this process and across processes."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction
from sqlcipher3 import dbapi2 as Database

from autarcie.core.db.sqlcipher.gate import _Queue, queue_for
from autarcie.core.journal import Action, record

pytestmark = pytest.mark.sqlite_only
WAIT = 30.0  # a bound on waiting for another thread, never a measured duration


@pytest.mark.django_db(transaction=True)
def test_write_transactions_take_turns_in_arrival_order() -> None:
    queue = queue_for(str(connection.settings_dict["NAME"]))
    order: list[str] = []
    holding, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def write(name: str, hold: bool = False) -> None:
        try:
            with transaction.atomic():
                record(Action.DEMO_BUILT, actor="system:test", details={"writer": name})
                if hold:
                    holding.set()
                    release.wait(WAIT)
                order.append(name)
        except BaseException as exc:  # reported by the test thread below
            failures.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=write, args=("first", True))
    first.start()
    assert holding.wait(WAIT)
    later = []
    for rank, name in enumerate(("second", "third", "fourth"), start=2):
        thread = threading.Thread(target=write, args=(name,))
        thread.start()
        later.append(thread)
        assert queue.wait_for_waiting(rank, WAIT)  # this writer has queued behind the others
    release.set()
    for thread in (first, *later):
        thread.join(WAIT)
    assert failures == []
    assert order == ["first", "second", "third", "fourth"]


def test_a_writer_waiting_past_the_busy_timeout_fails_as_sqlite_would(tmp_path: Path) -> None:
    queue = _Queue(str(tmp_path / "db-writers.lock"))
    other_process = os.open(tmp_path / "db-writers.lock", os.O_RDWR)  # its own open file
    fcntl.flock(other_process, fcntl.LOCK_EX)
    with pytest.raises(Database.OperationalError, match="database is locked"):
        queue.enter(timeout=0.0)
    fcntl.flock(other_process, fcntl.LOCK_UN)
    queue.enter(timeout=WAIT)  # the failed writer left no turn behind it
    queue.leave()
    os.close(other_process)


def test_a_writer_that_gave_up_does_not_block_the_ones_behind_it(tmp_path: Path) -> None:
    queue = _Queue(str(tmp_path / "db-writers.lock"))
    queue.enter(timeout=WAIT)
    gave_up: list[BaseException] = []

    def impatient() -> None:
        try:
            queue.enter(timeout=0.0)
        except Database.OperationalError as exc:
            gave_up.append(exc)

    thread = threading.Thread(target=impatient)
    thread.start()
    thread.join(WAIT)
    assert [str(e) for e in gave_up] == ["database is locked"]
    queue.leave()
    queue.enter(timeout=WAIT)  # not stuck behind the abandoned turn
    queue.leave()
