"""The plain-SQL reads every page makes (session, user with roles and units, a row by primary
key) give exactly what the ORM gives, and refuse what Django's own code refuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from autarcie.core.journal import Action, record
from autarcie.core.models import JournalEntry, User
from autarcie.core.plain_load import by_pk, columns, instances
from autarcie.core.read_many import fetch_many
from autarcie.core.roles import Role
from autarcie.mirror.models import MirrorState
from tests.factories import PASSWORD, make_unit, make_user

pytestmark = pytest.mark.django_db


def _fields(instance: Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_row_read_by_primary_key_is_the_orms_instance() -> None:
    nurse = make_user("ide", Role.NURSE)
    entry = record(
        Action.PATIENT_OPENED,
        actor=nurse,
        target_type="patient",
        target_id=7,
        details={"view": "résumé", "n": 3, "ok": True, "list": [1, None]},
    )
    state = MirrorState.objects.create(
        pk=1, frozen=True, frozen_at=dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC), reason="x"
    )
    for model, pk in ((JournalEntry, entry.pk), (User, nurse.pk), (MirrorState, state.pk)):
        plain = by_pk(model, pk)
        assert plain is not None
        assert _fields(plain) == _fields(model.objects.get(pk=pk))
        assert plain._state.adding is False
        assert plain._state.db == "default"
    loaded = by_pk(MirrorState, "1")  # a key as text, as from a URL or a session
    assert loaded is not None
    assert loaded.frozen is True  # a boolean, not SQLite's integer
    assert loaded.frozen_at == state.frozen_at  # an aware instant, not SQLite's text
    assert by_pk(User, 999_999) is None


def test_statements_read_together_give_each_its_rows_as_the_orms_instances() -> None:
    nurse, other = make_user("ide", Role.NURSE), make_user("ide2", Role.NURSE)
    for n in range(3):
        for actor in (nurse, other):
            record(Action.PATIENT_OPENED, actor=actor, target_id=n, details={"n": n})
    entries = (
        f"SELECT {columns(JournalEntry, 'j')} FROM core_journalentry j"  # noqa: S608
        " WHERE j.actor_user_id = %s ORDER BY j.seq DESC"
    )
    names = "SELECT username FROM core_user WHERE id IN (%s, %s) ORDER BY id"
    mine, nobody, usernames = fetch_many(
        [(entries, [nurse.pk]), (entries, [999_999]), (names, [nurse.pk, other.pk])]
    )
    plain = instances(JournalEntry, mine)
    expected = JournalEntry.objects.filter(actor_user=nurse).order_by("-seq")
    assert [_fields(e) for e in plain] == [_fields(e) for e in expected]
    assert [e.details["n"] for e in plain] == [2, 1, 0]
    assert nobody == []
    assert usernames == [("ide",), ("ide2",)]
    assert fetch_many([]) == []


def test_a_failing_statement_among_several_raises_the_database_error() -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        fetch_many([("SELECT 1", []), ("SELECT nothing FROM no_such_table", [])])
    assert fetch_many([("SELECT 2", [])]) == [[(2,)]]  # rolled back, the connection goes on


def test_statements_that_write_go_together_in_the_callers_transaction() -> None:
    nurse = make_user("ide", Role.NURSE)
    update = ("UPDATE core_user SET full_name = %s WHERE id = %s", ["Zoé Écrite", nurse.pk])
    read = ("SELECT full_name FROM core_user WHERE id = %s", [nurse.pk])
    with transaction.atomic():
        assert fetch_many([update, read]) == [[], [("Zoé Écrite",)]]  # the read sees the write
        transaction.set_rollback(True)
    assert User.objects.get(pk=nurse.pk).full_name != "Zoé Écrite"  # rolled back with it
    with CaptureQueriesContext(connection) as queries:  # watched: each statement is seen
        assert fetch_many([read, read]) == [[(nurse.full_name,)], [(nurse.full_name,)]]
    assert len(queries.captured_queries) == 2


def test_a_session_naming_an_unknown_user_is_anonymous() -> None:
    make_user("ide", Role.NURSE)
    client = _logged_in("ide")
    session = client.session
    session["_auth_user_id"] = "999999"
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_roles_and_units_are_read_together_once() -> None:
    cardio, pneumo = make_unit("CARDIO"), make_unit("PNEUMO")
    make_unit("URG")
    nurse = make_user("ide", Role.NURSE, Role.PHYSICIAN, units=[cardio, pneumo])
    fresh = User.objects.get(pk=nurse.pk)
    with CaptureQueriesContext(connection) as queries:
        assert fresh.role_set == {Role.NURSE, Role.PHYSICIAN}
        assert fresh.unit_code_set == {"CARDIO", "PNEUMO"}
        assert fresh.has_role(Role.NURSE)
    assert len(queries.captured_queries) == 1
    fresh.grants.filter(role=Role.PHYSICIAN).delete()
    assert fresh.role_set == {Role.NURSE, Role.PHYSICIAN}  # kept for the request
    fresh.forget_cached_roles()
    assert fresh.role_set == {Role.NURSE}
    assert make_user("pharma", Role.PHARMACIST, all_units=True).unit_code_set == frozenset()
    assert User(username="unsaved").role_set == frozenset()


def _logged_in(username: str) -> Client:
    client = Client()
    response = client.post("/connexion/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    return client


def _expire(key: str) -> None:
    past = timezone.now() - dt.timedelta(seconds=1)
    Session.objects.filter(session_key=key).update(expire_date=past)


def _tamper(key: str) -> None:
    stored = Session.objects.get(session_key=key).session_data
    Session.objects.filter(session_key=key).update(session_data=stored[:-4] + "AAAA")


def _deactivate(key: str) -> None:
    User.objects.filter(username="ide").update(is_active=False)


@pytest.mark.parametrize(
    "spoil", [_expire, _tamper, _deactivate], ids=["expired", "tampered", "deactivated"]
)
def test_an_expired_or_tampered_session_or_a_deactivated_user_goes_back_to_login(
    spoil: Callable[[str], None],
) -> None:
    make_user("ide")
    client = _logged_in("ide")
    spoil(str(client.session.session_key))
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion/")


def test_a_page_reads_session_user_roles_and_units_in_three_queries() -> None:
    nurse = make_user("ide", Role.NURSE, units=[make_unit("CARDIO")])
    client = _logged_in("ide")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    tables = [q["sql"] for q in queries.captured_queries[:3]]
    assert "django_session" in tables[0]
    assert "core_user" in tables[1]
    assert "core_rolegrant" in tables[2] and "core_user_units" in tables[2]
    assert str(nurse.pk) in tables[1]
