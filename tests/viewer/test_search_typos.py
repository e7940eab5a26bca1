"""The typo-tolerant search through its trigram index, on every path that writes names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from autarcie.chart.models import NameWord
from autarcie.chart.search import Results
from autarcie.mirror.models import Patient
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed
from tests.viewer.searching import search_as
from tests.wards import Ward

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def _found(results: Results) -> list[int]:
    return [h.patient.pk for h in results.mine + results.others]


def test_typo_in_any_letter_and_in_short_names_is_tolerated(ward: Ward) -> None:
    first_letter = search_as("ide.cardio", "xartin")
    assert first_letter.typo_tolerant and _found(first_letter) == [ward.martin.pk]
    short = search_as("ide.cardio", "pqul")  # four letters: half of it is too short for trigrams
    assert short.typo_tolerant and _found(short) == [ward.martin.pk]
    extra_letter = search_as("ide.cardio", "lefevvre marie")
    assert extra_letter.typo_tolerant and _found(extra_letter) == [ward.lefevre.pk]
    assert _found(search_as("ide.cardio", "zzzzzz")) == []


def test_a_name_changed_by_a_later_message_is_found_with_a_typo(ward: Ward) -> None:
    identity = {"family": "BOISSONNADE", "given": "PAUL", "birth": "19621103", "sex": "M"}
    [outcome] = feed([adt("A31", "U1", ipp="P2", **identity)], at=T0 + HOUR)
    assert outcome.code == "AA"
    renamed = search_as("ide.cardio", "boisonnade")
    assert renamed.typo_tolerant and _found(renamed) == [ward.martin.pk]


def test_a_merged_identity_is_not_found_by_typo(ward: Ward) -> None:
    feed(
        [adt("A01", "D1", ipp="P9", nda="N9", family="DOUBLON", given="PAUL", unit="2020")],
        at=T0 + HOUR,
    )
    duplicate = Patient.objects.get(ipp="P9")
    assert _found(search_as("ide.cardio", "doublom")) == [duplicate.pk]
    survivor = {"family": "MARTIN", "given": "PAUL", "birth": "19621103", "sex": "M"}
    [outcome] = feed([adt("A40", "D2", ipp="P2", mrg="P9", **survivor)], at=T0 + 2 * HOUR)
    assert outcome.code == "AA"
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == ward.martin.pk
    assert _found(search_as("ide.cardio", "doublom")) == []


def test_hidden_identity_found_by_typo_only_in_its_own_unit(ward: Ward) -> None:
    elsewhere = search_as("ide.cardio", "secrett")
    assert _found(elsewhere) == [] and not elsewhere.typo_tolerant
    own_unit = search_as("ide.pneumo", "secrett")
    assert own_unit.typo_tolerant and _found(own_unit) == [ward.hidden.pk]


def test_a_hidden_identity_matching_exactly_does_not_change_another_units_answer(
    ward: Ward,
) -> None:
    feed(
        [adt("A01", "S1", ipp="P8", nda="N8", family="SECRAT", given="LEA", unit="2010")],
        at=T0 + HOUR,
    )
    visible = Patient.objects.get(ipp="P8")
    # "secret" is exactly the hidden identity's name; another unit gets the answer it would
    # get if that identity did not exist: the typo search and its one visible patient.
    elsewhere = search_as("ide.cardio", "secret")
    assert elsewhere.typo_tolerant and _found(elsewhere) == [visible.pk]
    own_unit = search_as("ide.pneumo", "secret")
    assert not own_unit.typo_tolerant and _found(own_unit) == [ward.hidden.pk]


def test_every_name_word_written_reaches_the_typo_vocabulary(ward: Ward) -> None:
    assert {"lefevre", "marie", "martin", "paul", "secret", "anne"} <= set(
        NameWord.objects.values_list("word", flat=True)
    )
    # Whatever writes the tokens (here raw SQL, as the mirror's store does), the database
    # trigger keeps the vocabulary; a table rebuilt by a later migration would lose it.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO mirror_patienttoken (patient_id, token) VALUES (%s, %s)",
            [ward.martin.pk, "quenouille"],
        )
    assert NameWord.objects.filter(word="quenouille").exists()
    found = search_as("ide.cardio", "quenoille")
    assert found.typo_tolerant and _found(found) == [ward.martin.pk]
