"""The auditor's access review says who did what in French, with names, never codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client

from autarcie.core import actions, clock
from autarcie.core.journal import Action, record
from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
from autarcie.core.models import JournalEntry, User
from autarcie.core.roles import Role
from tests.factories import PASSWORD
from tests.wards import Ward

NOW = dt.datetime(2026, 12, 7, 13, 2, tzinfo=dt.UTC)  # 14:02 in Paris
URL = "/audit/revue-des-acces/"


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[clock.FrozenClock]:
    fixed = clock.FrozenClock(NOW)
    previous = clock.install(fixed)
    yield fixed
    clock.install(previous)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_SECOND_FACTOR_OK] = True
    session.save()
    return client


@pytest.fixture
def claire(ward: Ward) -> User:
    return actions.create_user(
        actor="system:test",
        username="c.petit",
        full_name="Claire Petit",
        password=PASSWORD,
        roles=[Role.NURSE],
        units=[ward.cardio],
    )


def test_review_opens_to_the_auditor_not_to_carers(ward: Ward) -> None:
    physician = actions.create_user(
        actor="system:test", username="med", password=PASSWORD, roles=[Role.PHYSICIAN]
    )
    assert _client(ward.auditor).get(URL).status_code == 200
    assert _client(ward.nurse).get(URL).status_code == 403
    assert _client(physician).get(URL).status_code == 403


def test_an_opened_record_reads_as_a_sentence_with_names(ward: Ward, claire: User) -> None:
    assert _client(claire).get(f"/patients/{ward.lefevre.pk}/").status_code == 200
    page = _client(ward.auditor).get(URL).content.decode()
    assert (
        "Claire Petit, infirmier·e, a ouvert le dossier de LEFÈVRE MARIE (IPP P1) "
        "le 7 décembre à 14:02"
    ) in page
    assert "user:" not in page
    assert "patient.opened" not in page
    assert "auth." not in page


def test_a_printed_kit_names_the_unit(ward: Ward, claire: User) -> None:
    record(
        Action.KIT_PRINTED,
        actor=claire,
        target_type="kit",
        target_id="K1",
        details={"unit": ward.cardio.code, "printer": "ps-cardio", "error": ""},
    )
    page = _client(ward.auditor).get(URL).content.decode()
    assert "Claire Petit, infirmier·e, a imprimé le kit de Cardiologie le 7 décembre" in page
    assert "kit.printed" not in page


def test_the_auditor_reading_the_review_is_journaled(ward: Ward, claire: User) -> None:
    _client(claire).get(f"/patients/{ward.lefevre.pk}/")
    _client(ward.auditor).get(URL)
    entry = JournalEntry.objects.filter(actor_user=ward.auditor).get()
    assert entry.action == Action.PATIENTS_LISTED.value
    assert entry.details == {"view": "access_review", "patients": [ward.lefevre.pk]}


def test_a_past_day_and_one_user_can_be_chosen_and_a_bad_day_is_explained(
    ward: Ward, claire: User
) -> None:
    _client(claire).get(f"/patients/{ward.lefevre.pk}/")
    client = _client(ward.auditor)
    other_day = client.get(URL, {"jour": "06/12/2026"}).content.decode()
    assert "a ouvert le dossier" not in other_day
    others = client.get(URL, {"utilisateur": "ide.pneumo"}).content.decode()
    assert "a ouvert le dossier" not in others
    bad = client.get(URL, {"jour": "32/13/2026"}).content.decode()
    assert "Date illisible : saisissez le jour au format JJ/MM/AAAA" in bad
    assert 'value="32/13/2026"' in bad


def test_a_login_does_not_repeat_the_name(ward: Ward, claire: User) -> None:
    record(Action.LOGIN_SUCCEEDED, actor=claire, target_type="user", target_id=claire.pk)
    page = _client(ward.auditor).get(URL).content.decode()
    assert "Claire Petit, infirmier·e, s&#x27;est connecté·e le 7 décembre à 14:02" in page


def test_who_saw_a_record_names_people_and_screens_in_words(ward: Ward, claire: User) -> None:
    _client(claire).get(f"/patients/{ward.lefevre.pk}/")
    page = _client(ward.auditor).get(f"/audit/patients/{ward.lefevre.pk}/").content.decode()
    assert "<td>Claire Petit (infirmier·e)</td><td>résumé du dossier</td>" in page
    assert "c.petit" not in page
    assert ">summary<" not in page
