"""Migration 0006: patients keyed by an ANS OID authority move to the FINESS key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("mirror", "0005_allergy_system")]
AFTER = [("mirror", "0006_patient_identifiers")]
AT = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_ans_oid_keyed_patients_move_to_the_finess_key_unless_taken() -> None:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        _rekey_from_0005(executor)
    finally:
        # Leave the schema as every other test expects it: the later migrations applied again.
        MigrationExecutor(connection).migrate(latest)


def _rekey_from_0005(executor: MigrationExecutor) -> None:
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("mirror", "Patient")
    common = {"version": 1, "received_at": AT}
    oid = "1.2.250.1.71.4.2.2.123456789"
    old.objects.create(rkey=f"{oid}|IPP001", authority=oid, ipp="IPP001", **common)
    old.objects.create(rkey=f"{oid}|IPP002", authority=oid, ipp="IPP002", **common)
    old.objects.create(rkey="123456789|IPP002", authority="123456789", ipp="IPP002", **common)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("mirror", "Patient")
    keys = set(new.objects.values_list("rkey", flat=True))
    # IPP002 came by both feeds before: both rows stay, to be reconciled by hand.
    assert keys == {"123456789|IPP001", f"{oid}|IPP002", "123456789|IPP002"}
