"""The patient summary: what its rows say, and what the page reads from the mirror."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from autarcie.care import actions as care_actions
from autarcie.care.models import EntryKind
from autarcie.care.queries import Subject
from autarcie.chart.queries import (
    DocumentLine,
    MovementLine,
    PrescriptionLine,
    ResultLine,
)
from autarcie.core import clock
from autarcie.core.models import JournalEntry
from autarcie.core.roles import Role
from autarcie.mirror.actions import freeze
from autarcie.mirror.models import Document, Patient, Prescription, Result
from autarcie.viewer.summary_page import (
    document_articles,
    movement_rows,
    prescription_rows,
    result_rows,
)
from tests.factories import PASSWORD, make_user
from tests.mirror_db.conftest import T0
from tests.wards import Ward

NOW = dt.datetime(2026, 11, 24, 8, 37, tzinfo=dt.UTC)  # 09:37 in Paris


def _result(**changes: Any) -> ResultLine:
    line = ResultLine("Potassium", "5.9", "mmol/L", "3.5-5.0", "", "F", NOW)
    return ResultLine(**{**line.__dict__, **changes})


def test_an_abnormal_result_is_bold_with_its_flag() -> None:
    html = result_rows([_result(flag="H")])
    assert html.startswith('<tr class="abnormal">')
    assert "<td><strong>5,9 (H)</strong></td>" in html  # a French decimal comma


@pytest.mark.parametrize("flag", ["", "N", " n "])
def test_a_normal_result_is_plain(flag: str) -> None:
    html = result_rows([_result(flag=flag)])
    assert html.startswith("<tr><td>Potassium</td><td>5,9</td>")
    assert "strong" not in html


def test_a_result_shows_its_previous_value_or_a_dash_and_paris_time() -> None:
    first, second = result_rows([_result(previous="4.1 mmol/L")]), result_rows([_result()])
    assert "<td>4.1 mmol/L</td><td>24/11 09:37</td>" in first
    assert "<td>—</td><td>24/11 09:37</td>" in second


def test_a_corrected_result_is_badged() -> None:
    assert '<span class="badge">corrigé</span>' in result_rows([_result(status="C")])
    assert "corrigé" not in result_rows([_result(status="F")])


def test_row_values_are_escaped() -> None:
    html = result_rows([_result(label='<script>"x"</script>', value="<5 & >2", flag="H")])
    assert "&lt;script&gt;&quot;x&quot;&lt;/script&gt;" in html
    assert "<strong>&lt;5 &amp; &gt;2 (H)</strong>" in html


def test_a_prescription_without_rounds_is_given_if_needed() -> None:
    line = PrescriptionLine("Morphine", "2 mg", "IV", "", None, "", [])
    assert prescription_rows([line]) == (
        "<tr><td>Morphine</td><td>2 mg</td><td>IV</td><td></td><td>—</td><td>—</td>"
        "<td>si besoin</td></tr>"
    )


def test_a_prescription_lists_its_next_doses_in_paris_time() -> None:
    dues = [NOW + dt.timedelta(hours=h) for h in (2, 8)]
    line = PrescriptionLine("Insuline", "4 UI", "SC", "matin soir", NOW, "Dr A", dues)
    html = prescription_rows([line])
    assert "<td>24/11/2026</td><td>Dr A</td><td>24/11 11:37, 24/11 17:37</td>" in html


def test_a_prescribed_dose_is_shown_with_a_decimal_comma() -> None:
    line = PrescriptionLine("Tamsulosine 0,4 mg LP", "0.4 mg", "PO", "1 fois par jour", NOW, "", [])
    assert "<td>0,4 mg</td>" in prescription_rows([line])


def test_a_document_without_title_shows_its_type() -> None:
    html = document_articles([DocumentLine("", "Compte rendu opératoire", "texte", None)])
    assert html == (
        '<article class="document"><h3>Compte rendu opératoire <span class="muted"></span>'
        '</h3><p class="document-source muted">Texte du document, tel que reçu :</p>'
        '<blockquote class="document-text"><pre>texte</pre></blockquote></article>\n'
    )


def test_a_movement_is_named_in_french() -> None:
    html = movement_rows([MovementLine(NOW, "transfer", "2010", "14", "2")])
    assert html == (
        "<tr><td>24/11/2026 09:37</td><td>mutation / transfert</td><td>2010</td><td>14</td>"
        "<td>2</td></tr>"
    )


# -- the page, on the small ward ------------------------------------------------------------


@pytest.fixture
def fixed_clock() -> Iterator[clock.FrozenClock]:
    fixed = clock.FrozenClock(NOW)
    previous = clock.install(fixed)
    yield fixed
    clock.install(previous)


def _page(username: str, patient: Patient) -> str:
    client = Client()
    login = client.post("/connexion/", {"username": username, "password": PASSWORD})
    assert login.status_code == 302
    response = client.get(reverse("viewer:patient", args=[patient.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def _item(model: Any, patient: Patient, key: str, **fields: Any) -> None:
    model.objects.create(rkey=key, patient=patient, version=1, received_at=NOW, **fields)


def _lab(patient: Patient, key: str, value: str, hours: float, status: str = "F") -> None:
    observed = NOW - dt.timedelta(hours=hours)
    fields = {"code": "K", "label": "Potassium", "value": value, "unit": "mmol/L"}
    _item(Result, patient, key, status=status, observed_at=observed, **fields)


@pytest.mark.django_db
def test_the_page_shows_the_newest_result_with_the_one_before(
    ward: Ward, fixed_clock: clock.FrozenClock
) -> None:
    _lab(ward.lefevre, "k1", "3.9", 50)
    _lab(ward.lefevre, "k2", "4.1", 26)
    _lab(ward.lefevre, "k3", "9.9", 1, status="D")  # deleted: neither latest nor previous
    _lab(ward.lefevre, "k4", "5.9", 2)
    page = _page("ide.cardio", ward.lefevre)
    assert "<td>Potassium</td><td>5,9</td><td>mmol/L</td><td></td><td>4,1 mmol/L</td>" in page
    assert "9.9" not in page


@pytest.mark.django_db
def test_a_test_last_taken_before_the_window_is_not_shown(
    ward: Ward, fixed_clock: clock.FrozenClock
) -> None:
    _lab(ward.lefevre, "k1", "4.4", 73)
    assert "Aucun résultat dans les 72 dernières heures." in _page("ide.cardio", ward.lefevre)


@pytest.mark.django_db
def test_the_page_shows_the_ten_newest_shareable_documents(
    ward: Ward, fixed_clock: clock.FrozenClock
) -> None:
    for k in range(12):
        authored = NOW - dt.timedelta(hours=k + 1)
        _item(Document, ward.lefevre, f"d{k}", title=f"Note n°{k}", text="", authored_at=authored)
    _item(Document, ward.lefevre, "psy", title="Psy", confidential=True, authored_at=NOW)
    _item(Document, ward.lefevre, "gone", title="Retiré", status="D", authored_at=NOW)
    page = _page("ide.cardio", ward.lefevre)
    shown = [k for k in range(12) if f"Note n°{k} " in page]
    assert shown == list(range(10))
    assert "Psy" not in page and "Retiré" not in page


@pytest.mark.django_db
def test_an_ended_prescription_is_not_shown(ward: Ward, fixed_clock: clock.FrozenClock) -> None:
    for key, end in (("stopped", NOW - dt.timedelta(hours=1)), ("ongoing", NOW + dt.timedelta(1))):
        _item(Prescription, ward.lefevre, key, drug_label=f"Médicament {key}", end=end)
    page = _page("ide.cardio", ward.lefevre)
    assert "Médicament ongoing" in page and "Médicament stopped" not in page


@pytest.mark.django_db
def test_downtime_entries_show_their_current_version_and_pharmacists_only_drugs(
    ward: Ward, fixed_clock: clock.FrozenClock
) -> None:
    doctor = make_user("dr.cardio", Role.PHYSICIAN, units=[ward.cardio])
    make_user("pharma", Role.PHARMACIST, all_units=True)
    subject = Subject(patient=ward.lefevre)

    def note(text: str) -> dict[str, str]:
        return {"category": "nursing", "text": text}

    first = care_actions.record_entry(
        actor=ward.nurse, subject=subject, kind=EntryKind.NOTE, data=note("nuit calme")
    )
    care_actions.correct_entry(
        actor=ward.nurse, entry=first, reason="précision", data=note("nuit calme, apyrétique")
    )
    wrong = care_actions.record_entry(
        actor=ward.nurse, subject=subject, kind=EntryKind.NOTE, data=note("mauvais patient")
    )
    care_actions.correct_entry(actor=ward.nurse, entry=wrong, reason="erreur", cancel=True)
    drug = {"drug_label": "X", "dose": "1", "route": "PO", "frequency": "QD"}
    care_actions.record_entry(actor=doctor, subject=subject, kind=EntryKind.PRESCRIPTION, data=drug)
    nurse_view = _page("ide.cardio", ward.lefevre)
    note_row = "<td>Note</td><td>Catégorie : Transmission infirmière · Texte : nuit calme, "
    assert nurse_view.count(note_row) == 1 and "mauvais patient" not in nurse_view
    assert "Médicament : X · Dose : 1 · Voie : Voie orale" in nurse_view
    pharmacist_view = _page("pharma", ward.lefevre)
    assert "<td>Prescription</td><td>Médicament : X" in pharmacist_view
    assert "<td>Note</td>" not in pharmacist_view


@pytest.mark.django_db
def test_a_freeze_before_the_newest_data_caps_the_data_line(
    ward: Ward, fixed_clock: clock.FrozenClock
) -> None:
    fixed_clock.set(T0 - dt.timedelta(hours=1))  # the ward's feed was received at T0
    freeze(actor="system:test", reason="cyberattaque")
    fixed_clock.set(NOW)
    page = _page("ide.cardio", ward.lefevre)
    assert "Données arrêtées au 23/11/2026 à 08:00 — miroir gelé depuis le 23/11/2026 à 08:00" in (
        page
    )


@pytest.mark.django_db
def test_each_opening_writes_one_journal_entry(ward: Ward) -> None:
    before = JournalEntry.objects.filter(action="patient.opened").count()
    _page("ide.cardio", ward.lefevre)
    _page("ide.cardio", ward.lefevre)
    opened = JournalEntry.objects.filter(action="patient.opened").order_by("seq")
    assert opened.count() == before + 2
    assert {e.target_id for e in opened} == {str(ward.lefevre.pk)}
