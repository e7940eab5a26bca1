"""Results on the summary: units as people write them, decimal commas, reports set apart."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from autarcie.care import actions
from autarcie.care.models import EntryKind
from autarcie.care.queries import Subject
from autarcie.core import clock
from autarcie.core.clock import FrozenClock
from autarcie.mirror.models import Document, Result
from tests.factories import PASSWORD
from tests.wards import Ward

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)  # 15:00 in Paris


@pytest.fixture
def frozen() -> Iterator[None]:
    previous = clock.install(FrozenClock(NOW))
    yield
    clock.install(previous)


# Stored as the laboratory sent it (UCUM), shown as a nurse writes it.
UNITS = [
    ("2160-0", "Créatinine", "85.5", "umol/L", "85,5", "µmol/L"),
    ("26464-8", "Leucocytes", "12.5", "10*9/L", "12,5", "10⁹/L"),
    ("6301-6", "INR", "2.4", "{INR}", "2,4", "INR"),
    ("LDH-R", "Rapport LDH", "0.8", "{ratio}", "0,8", ""),
    ("8480-6", "PA systolique", "135", "mm[Hg]", "135", "mmHg"),
    ("718-7", "Hémoglobine", "13.1", "g/dL", "13,1", "g/dL"),
    ("4544-3", "Hématocrite", "41", "%", "41", "%"),
]


def _client(username: str) -> Client:
    client = Client()
    assert (
        client.post("/connexion/", {"username": username, "password": PASSWORD}).status_code == 302
    )
    return client


def _result(ward: Ward, code: str, label: str, value: str, unit: str, hours_ago: int) -> None:
    Result.objects.create(
        rkey=f"{code}-{hours_ago}",
        patient=ward.lefevre,
        version=1,
        received_at=clock.now(),
        code=code,
        label=label,
        value=value,
        unit=unit,
        reference_range="3.5-5.0" if code == "2160-0" else "",
        status="F",
        observed_at=clock.now() - dt.timedelta(hours=hours_ago),
    )


def _cells(page: str, label: str) -> list[str]:
    row = re.search(rf"<tr[^>]*><td>{re.escape(label)}</td>(.*?)</tr>", page, re.S)
    assert row is not None, label
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row[1])]


def test_each_unit_and_decimal_is_shown_as_written_by_hand(ward: Ward) -> None:
    for code, label, value, unit, _shown, _unit in UNITS:
        _result(ward, code, label, value, unit, hours_ago=2)
    _result(ward, "2160-0", "Créatinine", "70.25", "umol/L", hours_ago=30)
    page = _client("ide.cardio").get(reverse("viewer:patient", args=[ward.lefevre.pk]))
    text = page.content.decode()
    for _code, label, _value, _unit, shown, unit_shown in UNITS:
        assert _cells(text, label)[:2] == [shown, unit_shown], label
    assert _cells(text, "Créatinine")[2:4] == ["3,5-5,0", "70,25 µmol/L"]  # norms, previous
    assert "10*9" not in text and "{INR}" not in text and "mm[Hg]" not in text
    assert Result.objects.get(rkey="26464-8-2").unit == "10*9/L"  # stored as received


def test_a_report_is_framed_apart_from_the_identity(ward: Ward) -> None:
    Document.objects.create(
        rkey="doc-1",
        patient=ward.lefevre,
        version=1,
        received_at=clock.now(),
        title="Courrier du médecin traitant",
        text="Mme DUPONT Jeanne, fille de la patiente, joignable au 06…",
        authored_at=clock.now() - dt.timedelta(days=1),
    )
    page = _client("ide.cardio").get(reverse("viewer:patient", args=[ward.lefevre.pk]))
    text = page.content.decode()
    identity = text.index('class="identity patient-banner"')
    quoted = re.search(
        r'<p class="document-source muted">Texte du document, tel que reçu :</p>'
        r'<blockquote class="document-text"><pre>Mme DUPONT Jeanne',
        text,
    )
    assert quoted is not None and quoted.start() > identity
    assert "leur texte n'est pas l'identité du patient" in text


def test_the_summary_shows_each_vital_with_its_last_value_and_trend(
    ward: Ward, frozen: None
) -> None:
    subject = Subject(patient=ward.lefevre)
    for written, pulse, temperature in (
        ("2026-11-23T07:00", "80", "38,5"),
        ("2026-11-23T10:00", "90", "38,5"),
        ("2026-11-23T13:00", "110", "37,9"),
    ):
        actions.record_entry(
            actor=ward.nurse,
            subject=subject,
            kind=EntryKind.VITALS,
            data={"heart_rate": pulse, "temperature": temperature, "consciousness": "A"},
            written_at=written,
        )
    page = _client("ide.cardio").get(reverse("viewer:patient", args=[ward.lefevre.pk]))
    text = page.content.decode()
    pulse_row = re.search(r"<tr><td>Fréquence cardiaque</td>(.*?)</tr>", text)
    assert pulse_row is not None
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", pulse_row[1])]
    assert cells == ["110 /min", "23/11 13:00", "90", "↑", "▁▃█"]
    assert "<strong>37,9</strong> °C</td><td>23/11 13:00</td><td>38,5</td>" in text
    assert '<td class="trend">↓</td>' in text
    assert "Conscience (AVPU)</td><td><strong>A</strong>" in text
