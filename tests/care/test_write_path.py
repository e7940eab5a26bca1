"""A care save does its reads once, before its short write transaction, and stays right."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from autarcie.care import access, actions
from autarcie.care.models import CareEntry, EntryKind
from autarcie.care.queries import Subject, subject_units
from tests.care.conftest import CareWard
from tests.factories import PASSWORD

VITALS = {"systolic": "120", "diastolic": "75", "heart_rate": "80", "spo2": "97"}


def _placement_reads(sqls: list[str]) -> int:
    return sum(1 for sql in sqls if "care_careentry" in sql and "'movement'" in sql)


@pytest.mark.django_db(transaction=True)  # the request's own transactions, not savepoints
def test_a_save_reads_the_patients_placement_once_and_writes_in_one_transaction(
    care_live: CareWard,
) -> None:
    client = Client()
    login = {"username": "ide.cardio", "password": PASSWORD}
    assert client.post("/connexion/", login).status_code == 302
    url = reverse("care:record", args=["patient", care_live.ward.lefevre.pk, EntryKind.VITALS])
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, VITALS).status_code == 302
    sqls = [q["sql"] for q in queries.captured_queries]
    assert _placement_reads(sqls) == 1
    assert CareEntry.objects.filter(kind=EntryKind.VITALS).count() == 1
    if connection.vendor == "sqlite":
        begin = sqls.index("BEGIN IMMEDIATE")
        assert sqls[begin + 1].startswith('INSERT INTO "care_careentry"')
        assert sqls[begin + 5] == "COMMIT"  # the entry, the journal head, entry and new head


def test_a_transfer_recorded_through_a_subject_moves_its_scope_at_once(care: CareWard) -> None:
    lefevre = Subject(patient=care.ward.lefevre)
    assert subject_units(lefevre) == {"2010"}
    assert access.in_scope(care.ward.nurse, lefevre)
    actions.record_entry(
        actor=care.ward.nurse,
        subject=lefevre,
        kind=EntryKind.MOVEMENT,
        data={"movement": "transfer", "unit_code": "2020"},
    )
    assert subject_units(lefevre) == {"2020"}
    assert not access.in_scope(care.ward.nurse, lefevre)
