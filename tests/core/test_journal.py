"""The journal chain detects edits, deletions, insertions and reordering."""

from __future__ import annotations

import io
import json
import threading

import pytest
from django.db import connection, connections, transaction

from autarcie.core import journal
from autarcie.core.errors import JournalError
from autarcie.core.journal import Action, record
from autarcie.core.models import JournalEntry

pytestmark = pytest.mark.django_db


def _write(n: int) -> None:
    for i in range(n):
        record(
            Action.UNIT_CREATED,
            actor="system:test",
            target_type="unit",
            target_id=f"U{i}",
            details={"label": f"Unité {i}"},
        )


def _raw_update(sql: str, params: list[str | int]) -> None:
    # Tamper below the ORM, as an attacker with the database key would.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_chain_of_untouched_entries_verifies() -> None:
    _write(5)
    result = journal.verify()
    assert result.ok
    assert result.entries == 5
    assert result.head_hash == journal.head().hash


def test_edited_entry_is_named() -> None:
    _write(5)
    _raw_update(
        "UPDATE core_journalentry SET details = %s WHERE seq = 3",
        [json.dumps({"label": "Unité falsifiée"})],
    )
    result = journal.verify()
    assert not result.ok
    assert result.bad_seq == 3
    assert "does not match its hash" in result.reason


def test_deleted_entry_is_named() -> None:
    _write(5)
    _raw_update("DELETE FROM core_journalentry WHERE seq = 2", [])
    result = journal.verify()
    assert (result.ok, result.bad_seq) == (False, 2)
    assert "missing" in result.reason


def test_removed_tail_is_detected_against_the_head() -> None:
    _write(4)
    _raw_update("DELETE FROM core_journalentry WHERE seq = 4", [])
    result = journal.verify()
    assert not result.ok
    assert result.bad_seq == 4


def test_reordered_entries_are_detected() -> None:
    _write(4)
    # Swap the contents of entries 2 and 3, keeping their sequence numbers.
    two, three = JournalEntry.objects.get(seq=2), JournalEntry.objects.get(seq=3)
    _raw_update("UPDATE core_journalentry SET seq = -2 WHERE seq = 2", [])
    _raw_update("UPDATE core_journalentry SET seq = 2 WHERE id = %s", [three.pk])
    _raw_update("UPDATE core_journalentry SET seq = 3 WHERE id = %s", [two.pk])
    result = journal.verify()
    assert not result.ok
    assert result.bad_seq == 2


def test_inserted_entry_is_detected() -> None:
    _write(3)
    _raw_update("UPDATE core_journalentry SET seq = seq + 1000 WHERE seq >= 2", [])
    _raw_update("UPDATE core_journalentry SET seq = seq - 999 WHERE seq >= 1000", [])
    forged = JournalEntry.objects.get(seq=3)
    JournalEntry.objects.create(
        seq=2,
        at=forged.at,
        actor="system:forger",
        action="unit.created",
        details={},
        prev_hash="f" * 64,
        hash="e" * 64,
    )
    result = journal.verify()
    assert not result.ok
    assert result.bad_seq == 2


def test_unknown_action_and_bad_actor_are_refused() -> None:
    with pytest.raises(JournalError):
        record("unit.created", actor="system:test")  # type: ignore[arg-type]
    with pytest.raises(JournalError, match="system:<component>"):
        record(Action.UNIT_CREATED, actor="somebody")


def test_entry_rolls_back_with_its_change() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        record(Action.UNIT_CREATED, actor="system:test")
        raise RuntimeError("the change failed")
    assert JournalEntry.objects.count() == 0
    assert journal.verify().ok


def test_export_writes_every_entry_as_json_lines() -> None:
    _write(3)
    out = io.StringIO()
    assert journal.export(out) == 3
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["seq"] for e in lines] == [1, 2, 3]
    assert lines[2]["prev_hash"] == lines[1]["hash"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_transaction", [True, False], ids=["in-transaction", "alone"])
def test_concurrent_writers_never_share_a_link(in_transaction: bool) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                details = {"n": n, "texte": f'« {i} »\n\\ "é" 🩺', "x": [1.5, None, True]}
                if in_transaction:
                    with transaction.atomic():
                        record(Action.UNIT_CREATED, actor="system:test", details=details)
                else:  # on PostgreSQL one statement that commits by itself
                    record(Action.UNIT_CREATED, actor="system:test", details=details)
        except BaseException as exc:  # reported below, never swallowed
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert JournalEntry.objects.count() == 90
    assert JournalEntry.objects.values("prev_hash").distinct().count() == 90
    result = journal.verify()
    assert result.ok, result.reason
