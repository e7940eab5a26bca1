"""Temporary identifiers: well formed, checked, and never handed out twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from autarcie.core import tempids
from autarcie.core.errors import AutarcieError
from autarcie.core.models import JournalEntry


def test_identifier_format_and_check_letter() -> None:
    value = tempids.format_tempid("01", 42)
    assert value.startswith("T010000042") and len(value) == 11
    assert tempids.is_valid(value)
    wrong_digit = value[:-2] + "3" + value[-1]
    swapped = value[:7] + value[8] + value[7] + value[9:]
    assert not tempids.is_valid(wrong_digit)
    assert swapped == value or not tempids.is_valid(swapped)
    assert not tempids.is_valid("T01000004")


@pytest.mark.django_db
def test_blocks_follow_each_other_and_are_journaled() -> None:
    a = tempids.allocate_block(actor="system:test", holder_type="unit", holder_id="2010", size=5)
    b = tempids.allocate_block(actor="system:test", holder_type="kit", holder_id="k1", size=3)
    assert (a.first, a.last, b.first, b.last) == (1, 5, 6, 8)
    assert len(set(a.identifiers()) | set(b.identifiers())) == 8
    block = tempids.block_of(b.identifiers()[1])
    assert block is not None and block.holder_id == "k1"
    assert JournalEntry.objects.filter(action="tempids.allocated").count() == 2


@pytest.mark.django_db
def test_bad_requests_are_refused() -> None:
    with pytest.raises(AutarcieError, match="holder type"):
        tempids.allocate_block(actor="system:test", holder_type="printer", holder_id="x", size=1)
    with pytest.raises(AutarcieError, match="1 to"):
        tempids.allocate_block(actor="system:test", holder_type="unit", holder_id="x", size=0)


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_overlap() -> None:
    blocks: list[tempids.Block] = []
    errors: list[BaseException] = []

    def allocate(n: int) -> None:
        try:
            for _ in range(5):
                blocks.append(
                    tempids.allocate_block(
                        actor="system:test", holder_type="workstation", holder_id=f"pc{n}", size=7
                    )
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    issued = [value for block in blocks for value in block.identifiers()]
    assert len(issued) == 4 * 5 * 7
    assert len(set(issued)) == len(issued)


@pytest.mark.django_db
def test_an_instance_with_delegated_ranges_never_issues_outside_them() -> None:
    """A satellite issues only what the main delegated; past its ranges it refuses."""
    assert tempids.delegated_left("01") is None  # a main instance: its own pool
    actor = "system:test"
    assert tempids.receive_delegated_range(
        actor=actor, site="01", first=101, last=110, holder_id="sat"
    )
    assert not tempids.receive_delegated_range(  # the same range again: nothing new
        actor=actor, site="01", first=101, last=110, holder_id="sat"
    )
    assert tempids.delegated_left("01") == 10
    kit = tempids.allocate_block(actor=actor, holder_type="kit", holder_id="k1", size=8)
    assert (kit.first, kit.last) == (101, 108)
    with pytest.raises(AutarcieError, match="no delegated temporary identifiers left"):
        tempids.allocate_block(actor=actor, holder_type="kit", holder_id="k2", size=5)
    tempids.receive_delegated_range(actor=actor, site="01", first=500, last=504, holder_id="sat")
    assert tempids.delegated_left("01") == 2 + 5
    # Two left in the first range are too few for 5: the next range is used whole.
    nxt = tempids.allocate_block(actor=actor, holder_type="kit", holder_id="k2", size=5)
    assert (nxt.first, nxt.last) == (500, 504)
    assert tempids.delegated_left("01") == 0
    with pytest.raises(AutarcieError, match="no delegated"):
        tempids.allocate_block(actor=actor, holder_type="kit", holder_id="k3", size=1)
    assert JournalEntry.objects.filter(action="tempids.received").count() == 2


@pytest.mark.django_db
def test_a_range_of_another_site_is_refused() -> None:
    with pytest.raises(AutarcieError, match="site"):
        tempids.receive_delegated_range(
            actor="system:test", site="99", first=1, last=5, holder_id="sat"
        )
