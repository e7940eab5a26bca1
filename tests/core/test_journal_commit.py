"""Journal entries of reads share a commit when readers arrive together, and fail alone."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.db import connections, transaction

from autarcie.core import journal, journal_commit
from autarcie.core.errors import JournalError
from autarcie.core.journal import Action
from autarcie.core.models import JournalEntry


class _Readers:
    """Threads journaling reads while the test holds the writer's place."""

    def __init__(self, actors: list[str]) -> None:
        self.errors: dict[int, BaseException] = {}
        self.threads = [
            threading.Thread(target=self._read, args=(n, actor)) for n, actor in enumerate(actors)
        ]

    def _read(self, n: int, actor: str) -> None:
        try:
            journal_commit.record_read(
                Action.PATIENT_OPENED, actor=actor, target_type="patient", target_id=n
            )
        except BaseException as exc:  # reported by the test, never swallowed
            self.errors[n] = exc
        finally:
            connections.close_all()


@pytest.fixture
def writer_busy() -> Iterator[journal_commit._Batcher]:
    """Another reader is writing: whoever comes now waits for the next batch."""
    batcher = journal_commit._batcher
    with batcher.lock:
        assert not batcher.writing and not batcher.pending
        batcher.writing = True
    yield batcher
    with batcher.lock:
        batcher.writing, batcher.pending = False, []


def _queue(batcher: journal_commit._Batcher, readers: _Readers) -> None:
    for thread in readers.threads:
        thread.start()
    for _ in range(2000):  # wait for every reader to be queued (bounded)
        with batcher.lock:
            if len(batcher.pending) == len(readers.threads):
                return
        threading.Event().wait(0.005)
    raise AssertionError("the readers never queued")


@pytest.mark.django_db(transaction=True)
def test_readers_arriving_together_are_committed_in_one_batch(
    writer_busy: journal_commit._Batcher,
) -> None:
    readers = _Readers(["system:test"] * 5)
    _queue(writer_busy, readers)
    assert not JournalEntry.objects.exists()  # nobody returned before the commit
    batches = journal_commit.batches_committed()
    writer_busy.write_batch()
    for thread in readers.threads:
        thread.join(timeout=30)
    assert readers.errors == {}
    assert journal_commit.batches_committed() == batches + 1
    opened = JournalEntry.objects.filter(action=Action.PATIENT_OPENED.value)
    assert sorted(int(e.target_id) for e in opened) == [0, 1, 2, 3, 4]
    assert journal.verify().ok


@pytest.mark.django_db(transaction=True)
def test_an_entry_that_cannot_be_written_fails_its_reader_only(
    writer_busy: journal_commit._Batcher,
) -> None:
    readers = _Readers(["system:test", "not-a-system-actor", "system:test"])
    _queue(writer_busy, readers)
    writer_busy.write_batch()
    for thread in readers.threads:
        thread.join(timeout=30)
    assert list(readers.errors) == [1]
    assert isinstance(readers.errors[1], JournalError)
    assert JournalEntry.objects.filter(action=Action.PATIENT_OPENED.value).count() == 2
    assert journal.verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_lone_reader_writes_and_returns_at_once() -> None:
    journal_commit.record_read(Action.PATIENT_OPENED, actor="system:test", target_id=7)
    assert JournalEntry.objects.get().target_id == "7"
    assert not journal_commit._batcher.writing


@pytest.mark.django_db
def test_inside_a_transaction_the_entry_is_the_transaction_s() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        journal_commit.record_read(Action.PATIENT_OPENED, actor="system:test", target_id=1)
        assert JournalEntry.objects.count() == 1
        raise RuntimeError("the caller's work failed")
    assert not JournalEntry.objects.exists()
