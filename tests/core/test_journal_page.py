"""The journal check as a page: intact up to entry N, or broken at entry N, in words."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from autarcie.core.journal import Action, record
from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
from autarcie.core.models import JournalEntry, User
from autarcie.core.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db
URL = "/journal/verification/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_SECOND_FACTOR_OK] = True
    session.save()
    return client


def _write(n: int) -> None:
    for i in range(n):
        record(Action.UNIT_CREATED, actor="system:test", target_type="unit", target_id=f"U{i}")


def test_an_auditor_may_verify_and_a_nurse_may_not() -> None:
    auditor = make_user("audit", Role.AUDITOR, all_units=True)
    nurse = make_user("ide", Role.NURSE)
    assert _client(auditor).get(URL).status_code == 200
    assert _client(nurse).get(URL).status_code == 403
    assert _client(nurse).post(URL).status_code == 403


def test_a_good_journal_is_said_intact_up_to_its_last_entry() -> None:
    security = make_user("rssi", Role.IT_SECURITY, all_units=True)
    _write(3)
    entries = JournalEntry.objects.count()
    page = _client(security).post(URL).content.decode()
    assert f"Journal intact jusqu&#x27;à l&#x27;entrée {entries}" in page
    entry = JournalEntry.objects.get(action=Action.JOURNAL_VERIFIED.value)
    assert entry.actor_user == security
    assert entry.details == {"ok": True, "entries": entries, "bad_seq": None, "kind": ""}


def test_a_tampered_journal_names_the_broken_entry() -> None:
    security = make_user("rssi", Role.IT_SECURITY, all_units=True)
    _write(5)
    bad = JournalEntry.objects.order_by("seq")[3].seq
    with connection.cursor() as cursor:  # below the ORM, as an attacker with the key would
        cursor.execute(
            "UPDATE core_journalentry SET details = %s WHERE seq = %s",
            [json.dumps({"label": "falsifiée"}), bad],
        )
    page = _client(security).post(URL).content.decode()
    assert f"Journal ROMPU à l&#x27;entrée {bad}." in page
    assert f"Il est intact jusqu&#x27;à l&#x27;entrée {bad - 1}." in page
    assert "son contenu a été modifié après son écriture" in page


def test_a_deleted_entry_is_named() -> None:
    admin = make_user("admin", Role.ADMIN, all_units=True)
    _write(4)
    gone = JournalEntry.objects.order_by("seq")[2].seq
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_journalentry WHERE seq = %s", [gone])
    page = _client(admin).post(URL).content.decode()
    assert f"Journal ROMPU à l&#x27;entrée {gone}." in page
    assert "cette entrée a été supprimée" in page
