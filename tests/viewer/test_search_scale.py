"""Name search on a common name: a bounded list that says so, the user's own patients first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from autarcie.chart.search import FEW_WORDS, LIMIT, Hit
from autarcie.mirror.models import Patient
from tests.factories import PASSWORD
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed
from tests.viewer.searching import search_as
from tests.wards import Ward

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def _ids(hits: list[Hit]) -> list[int]:
    return [h.patient.pk for h in hits]


def _given(n: int) -> str:
    return "PRENOM" + chr(65 + n // 26) + chr(65 + n % 26)  # letters: digits mean an IPP


def _people(count: int, family: str, prefix: str, statuses: str = "PROV") -> None:
    """``count`` identities known to the hospital but in no unit (A28)."""
    messages = [
        adt("A28", f"{prefix}{n}", ipp=f"{prefix}{n}", family=family, given=_given(n),
            statuses=statuses)
        for n in range(count)
    ]  # fmt: skip
    assert {o.code for o in feed(messages, at=T0 + HOUR)} == {"AA"}


def test_a_common_name_gives_a_bounded_list_that_says_more_match(ward: Ward) -> None:
    _people(LIMIT + 5, "DURAND", "D")
    many = search_as("ide.cardio", "durand")
    assert len(many.others) == LIMIT and many.limited
    names = [(h.patient.birth_family, h.patient.given) for h in many.others]
    assert names == sorted(names)
    few = search_as("ide.cardio", "lefevre")
    assert _ids(few.mine) == [ward.lefevre.pk] and not few.limited


def test_the_users_own_patient_comes_first_however_common_the_name(ward: Ward) -> None:
    _people(LIMIT + 5, "DURAND", "D")
    # Admitted last, so her name tokens come after all the others' in the index.
    feed(
        [adt("A01", "OWN", ipp="OWN", nda="NOWN", family="DURAND", given="ZOE", unit="2010")],
        at=T0 + 2 * HOUR,
    )
    own = Patient.objects.get(ipp="OWN")
    found = search_as("ide.cardio", "durand")
    assert _ids(found.mine) == [own.pk]
    assert len(found.others) == LIMIT and found.limited and own.pk not in _ids(found.others)


def test_hidden_identities_neither_take_places_nor_make_the_list_look_longer(ward: Ward) -> None:
    # Created first, the hidden identities come first in the index: the search must look past
    # them to fill the page, and must not count them when it says whether more match.
    _people(3, "DURAND", "H", statuses="PROV~CACH")
    _people(LIMIT, "DURAND", "D")
    full_page = search_as("ide.cardio", "durand")
    assert len(full_page.others) == LIMIT and not full_page.limited
    hidden = set(Patient.objects.filter(hidden=True).values_list("pk", flat=True))
    assert hidden.isdisjoint(_ids(full_page.others))
    _people(2, "DURAND", "E")
    assert search_as("ide.cardio", "durand").limited


def test_the_words_of_a_name_can_come_in_any_order(ward: Ward) -> None:
    _people(30, "DURAND", "D")
    _people(2, "MARTINEZ", "M")
    for query in ("durand prenomah", "prenomah durand", "prenomah dur"):
        found = search_as("ide.cardio", query)
        assert [h.patient.ipp for h in found.others] == ["D7"], query
    assert [h.patient.ipp for h in search_as("ide.cardio", "mart prenomab").others] == ["M1"]


def test_a_word_many_names_start_with_finds_them_all(ward: Ward) -> None:
    # More name words start with "paul" than are checked one by one: the typed word alone is
    # tried first, which is enough only when it fills the page.
    words = ["PAUL", *(f"PAUL{chr(65 + n)}" for n in range(FEW_WORDS + 1))]
    feed(
        [adt("A28", f"W{n}", ipp=f"W{n}", family="DURAND", given=word)
         for n, word in enumerate(words)],
        at=T0 + HOUR,
    )  # fmt: skip
    found = search_as("ide.cardio", "durand paul")
    assert sorted(h.patient.given for h in found.others) == sorted(words)
    assert not found.limited


def test_the_search_index_on_name_tokens_exists() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "mirror_patienttoken")
    assert any(c["index"] and c["columns"] == ["token", "patient_id"] for c in constraints.values())


def test_the_search_page_says_when_the_list_was_cut(ward: Ward) -> None:
    _people(LIMIT + 1, "DURAND", "D")
    client = Client()
    client.post("/connexion/", {"username": "ide.cardio", "password": PASSWORD})
    cut = client.get(reverse("viewer:search"), {"q": "durand"}).content.decode()
    assert "Plus de 50 patients correspondent" in cut
    whole = client.get(reverse("viewer:search"), {"q": "lefevre"}).content.decode()
    assert "Plus de 50 patients correspondent" not in whole
