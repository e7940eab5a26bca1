"""Census, summary, search and break-glass, with the journal entries they must leave."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from autarcie.core.models import JournalEntry
from tests.factories import PASSWORD
from tests.wards import Ward

pytestmark = pytest.mark.django_db


def _client(username: str) -> Client:
    client = Client()
    assert (
        client.post("/connexion/", {"username": username, "password": PASSWORD}).status_code == 302
    )
    return client


def _entries(action: str) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(action=action).order_by("seq"))


def test_census_lists_the_unit_and_journals_its_patients(ward: Ward) -> None:
    page = _client("ide.cardio").get(reverse("viewer:census", args=["2010"]))
    text = page.content.decode()
    assert "LEFÈVRE" in text and "MARTIN" not in text
    assert "Données arrêtées au" in text
    listed = _entries("patient.listed")[-1]
    assert listed.details["patients"] == [ward.lefevre.pk]


def test_nurse_cannot_list_another_unit(ward: Ward) -> None:
    assert _client("ide.cardio").get(reverse("viewer:census", args=["2020"])).status_code == 403


def test_summary_shows_identity_and_is_journaled(ward: Ward) -> None:
    page = _client("ide.cardio").get(reverse("viewer:patient", args=[ward.lefevre.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "IPP P1" in text and "Données arrêtées au" in text
    assert "INS non utilisable" in text  # a provisional identity's INS is never shown as trusted
    opened = _entries("patient.opened")[-1]
    assert (opened.target_id, opened.actor_user_id) == (str(ward.lefevre.pk), ward.nurse.pk)


def test_outside_patient_needs_break_glass_which_is_journaled(ward: Ward) -> None:
    client = _client("ide.cardio")
    url = reverse("viewer:patient", args=[ward.martin.pk])
    assert client.get(url).headers["Location"] == reverse(
        "viewer:break_glass", args=[ward.martin.pk]
    )
    refused = client.post(
        reverse("viewer:break_glass", args=[ward.martin.pk]), {"reason": "other", "details": ""}
    )
    assert refused.status_code == 200 and "Accès refusé" in refused.content.decode()
    granted = client.post(
        reverse("viewer:break_glass", args=[ward.martin.pk]),
        {"reason": "emergency", "details": "arrêt cardiaque"},
    )
    assert granted.headers["Location"] == url
    assert client.get(url).status_code == 200
    assert _entries("patient.break_glass")[-1].details["reason"] == "emergency"


def test_search_finds_names_without_accents_and_with_one_typo(ward: Ward) -> None:
    client = _client("ide.cardio")
    plain = client.get(reverse("viewer:search"), {"q": "lefevre"}).context["results"]
    assert [h.patient.pk for h in plain.mine] == [ward.lefevre.pk]
    prefix = client.get(reverse("viewer:search"), {"q": "lef mar"}).context["results"]
    assert [h.patient.pk for h in prefix.mine] == [ward.lefevre.pk]
    typo = client.get(reverse("viewer:search"), {"q": "lefebre"}).context["results"]
    assert typo.typo_tolerant and [h.patient.pk for h in typo.mine] == [ward.lefevre.pk]
    by_date = client.get(reverse("viewer:search"), {"q": "12/03/1950"}).context["results"]
    assert [h.patient.pk for h in by_date.mine] == [ward.lefevre.pk]
    by_ipp = client.get(reverse("viewer:search"), {"q": "P2"}).context["results"]
    assert by_ipp.kind == "identifier" or by_ipp.mine or by_ipp.others


def test_search_puts_outsiders_apart_and_never_shows_hidden_identities(ward: Ward) -> None:
    results = _client("ide.cardio").get(reverse("viewer:search"), {"q": "secret"})
    found = results.context["results"]
    assert found.mine == [] and found.others == []
    outsider = _client("ide.cardio").get(reverse("viewer:search"), {"q": "martin"})
    assert [h.patient.pk for h in outsider.context["results"].others] == [ward.martin.pk]
    own_unit = _client("ide.pneumo").get(reverse("viewer:search"), {"q": "secret"})
    assert [h.patient.pk for h in own_unit.context["results"].mine] == [ward.hidden.pk]


def test_hidden_identity_cannot_be_opened_from_another_unit(ward: Ward) -> None:
    client = _client("ide.cardio")
    assert client.get(reverse("viewer:patient", args=[ward.hidden.pk])).status_code == 404
    assert client.get(reverse("viewer:break_glass", args=[ward.hidden.pk])).status_code == 404


def test_auditor_sees_who_opened_a_record_but_not_the_record(ward: Ward) -> None:
    _client("ide.cardio").get(reverse("viewer:patient", args=[ward.lefevre.pk]))
    auditor = _client("audit")
    assert auditor.get(reverse("viewer:patient", args=[ward.lefevre.pk])).status_code == 403
    page = auditor.get(reverse("viewer:audit_who_saw", args=[ward.lefevre.pk]))
    assert "ide.cardio" in page.content.decode()


def test_nurse_cannot_reach_auditor_pages(ward: Ward) -> None:
    client = _client("ide.cardio")
    assert client.get(reverse("viewer:audit_break_glass")).status_code == 403
    assert client.get(reverse("viewer:audit_unusual")).status_code == 403


def test_new_result_flag_follows_clinical_time(ward: Ward) -> None:
    import datetime as dt

    from autarcie.chart import queries
    from autarcie.core import clock
    from autarcie.mirror.models import Result

    def flagged() -> bool:
        return next(r for r in queries.census("2010") if r.patient_id == ward.lefevre.pk).new_result

    def add(key: str, observed: dt.datetime) -> None:
        Result.objects.create(
            rkey=key,
            patient=ward.lefevre,
            version=1,
            received_at=clock.now(),
            code="2823-3",
            label="Potassium",
            value="5.9",
            status="F",
            observed_at=observed,
        )

    assert not flagged()
    add("old", clock.now() - dt.timedelta(days=3))  # received now, taken three days ago
    assert not flagged()
    add("new", clock.now() - dt.timedelta(hours=1))
    assert flagged()
