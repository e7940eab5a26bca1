"""Administration grids on screen, the vitals trend and the emergency board."""

from __future__ import annotations

import datetime as dt
import html
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
from autarcie.core.models import JournalEntry
from autarcie.core.roles import Role, UnitKind
from autarcie.core.tempids import allocate_block
from autarcie.mirror.models import Prescription
from tests.factories import PASSWORD, make_unit, make_user
from tests.wards import Ward

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)  # Monday 15:00 in Paris


@pytest.fixture
def frozen() -> Iterator[None]:
    previous = clock.install(FrozenClock(NOW))
    yield
    clock.install(previous)


def _client(username: str) -> Client:
    client = Client()
    assert (
        client.post("/connexion/", {"username": username, "password": PASSWORD}).status_code == 302
    )
    return client


def _boxes(page: str) -> list[tuple[str, str, str]]:
    """(state, "day time", text) of each box of the grid, in order."""
    found = re.findall(
        r'<li class="mar-box (\w+)"><span class="muted">([^<]+)</span> <strong>([^<]+)</strong>'
        r"<br>(.*?)</li>",
        page,
        re.S,
    )
    return [(state, f"{day} {time}", text.strip()) for state, day, time, text in found]


def _prescribe(ward: Ward) -> Prescription:
    return Prescription.objects.create(
        rkey="RX1",
        patient=ward.lefevre,
        version=1,
        received_at=NOW,
        drug_label="Amoxicilline 1 g",
        dose="1",
        dose_unit="g",
        route="IV",
        frequency="BID",
        status="active",
        active=True,
    )


def test_the_grid_shows_the_next_24_hours_and_ticks_what_was_given(
    ward: Ward, frozen: None
) -> None:
    _prescribe(ward)
    actions.record_entry(
        actor=ward.nurse,
        subject=Subject(patient=ward.lefevre),
        kind=EntryKind.ADMINISTRATION,
        data={"prescription": "mirror:RX1", "status": "given", "dose": "1 g"},
        written_at="2026-11-23T08:10",  # Paris time, written on the paper grid
    )
    client = _client("ide.cardio")
    page = client.get(reverse("viewer:patient_mar", args=[ward.lefevre.pk])).content.decode()
    assert _boxes(page) == [
        ("given", "lun. 23/11 08:00", "✔ donné à 08:10 · 1 g · ide.cardio"),
        ("todo", "lun. 23/11 20:00", "&nbsp;"),
        ("todo", "mar. 24/11 08:00", "&nbsp;"),
    ]
    assert "Amoxicilline 1 g" in page and "LEFÈVRE MARIE" in page and "ALLERGIES" in page
    assert "Données arrêtées au" in page
    opened = JournalEntry.objects.filter(action="patient.opened").latest("seq")
    assert opened.details == {"view": "mar"} and opened.target_id == str(ward.lefevre.pk)
    longer = client.get(reverse("viewer:patient_mar", args=[ward.lefevre.pk]), {"heures": "72"})
    assert len(_boxes(longer.content.decode())) == 7  # 08:00 past, then six rounds in 72 h


def test_an_untraced_past_round_is_shown_missing_on_the_unit_grid(ward: Ward, frozen: None) -> None:
    _prescribe(ward)
    page = _client("ide.cardio").get(reverse("viewer:unit_mar", args=["2010"])).content.decode()
    assert _boxes(page)[0] == ("missing", "lun. 23/11 08:00", "non tracé")
    listed = JournalEntry.objects.filter(action="patient.listed").latest("seq")
    assert listed.details["view"] == "mar" and listed.details["patients"] == [ward.lefevre.pk]
    census = _client("ide.cardio").get(reverse("viewer:census", args=["2010"])).content.decode()
    assert reverse("viewer:unit_mar", args=["2010"]) in census
    assert reverse("viewer:ed_board", args=["2010"]) not in census  # not an emergency unit


def test_a_nurse_cannot_see_another_units_grid(ward: Ward) -> None:
    client = _client("ide.pneumo")
    assert client.get(reverse("viewer:unit_mar", args=["2010"])).status_code == 403
    assert client.get(reverse("viewer:patient_mar", args=[ward.lefevre.pk])).status_code == 403


def _emergency() -> tuple[Client, Client]:
    urg = make_unit("URG", UnitKind.EMERGENCY, "Urgences adultes")
    make_user("ide.urg", Role.NURSE, units=[urg])
    return _client("ide.urg"), _client("ide.cardio")


def _arrive(family: str, tempid: str, passage: dict[str, str], room: str) -> int:
    temp = actions.admit_temporary(
        actor="system:test",
        identity={"tempid": tempid, "birth_family": family, "given": "Léa", "sex": "F"},
        unit_code="URG",
        room=room,
        written_at=passage["entry"],
    )
    base = {"entry_mode": "8", "provenance": "5", "reason": "R07.4"}
    actions.record_entry(
        actor="system:test",
        subject=Subject(temp=temp),
        kind=EntryKind.PASSAGE,
        data=base | passage,
        written_at=passage["entry"],
    )
    return temp.pk


def test_the_emergency_board_lists_passages_in_progress_by_arrival(
    ward: Ward, frozen: None
) -> None:
    urg_nurse, cardio_nurse = _emergency()
    ids = allocate_block(actor="system:test", holder_type="unit", holder_id="URG", size=3)
    later = _arrive("BERNARD", ids.identifiers()[0], {"entry": "2026-11-23T13:40"}, "B2")
    first = _arrive("AUBRY", ids.identifiers()[1], {"entry": "2026-11-23T11:50", "ccmu": "3"}, "B1")
    _arrive(
        "PARTI",
        ids.identifiers()[2],
        {
            "entry": "2026-11-23T09:00",
            "ccmu": "2",
            "exit": "2026-11-23T12:00",
            "exit_mode": "8",
        },
        "B3",
    )
    page = urg_nurse.get(reverse("viewer:ed_board", args=["URG"])).content.decode()
    rows = re.findall(r"<tr class=\"ccmu-\w+\">(.*?)</tr>", page, re.S)
    cells = [
        [
            html.unescape(re.sub(r"(<[^>]+>|\s)+", " ", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        ]
        for r in rows
    ]
    assert [c[:3] for c in cells] == [
        ["23/11 11:50", "3 h 10", "3 état susceptible de s'aggraver, pronostic vital non engagé"],
        ["23/11 13:40", "1 h 20", "à trier"],
    ]
    assert cells[0][3:6] == ["AUBRY Léa", "B1", "R074"]
    assert "PARTI" not in page
    listed = JournalEntry.objects.filter(action="patient.listed").latest("seq")
    assert listed.details["view"] == "ed_board"
    assert listed.details["temp_patients"] == [first, later]
    assert cardio_nurse.get(reverse("viewer:ed_board", args=["URG"])).status_code == 403
    census = urg_nurse.get(reverse("viewer:census", args=["URG"])).content.decode()
    assert reverse("viewer:ed_board", args=["URG"]) in census


def test_the_board_is_only_for_emergency_units(ward: Ward) -> None:
    assert _client("ide.cardio").get(reverse("viewer:ed_board", args=["2010"])).status_code == 404


def test_a_hidden_identity_prints_masked_on_the_unit_grid(ward: Ward) -> None:
    page = _client("ide.pneumo").get(reverse("viewer:unit_mar", args=["2020"])).content.decode()
    assert '<strong class="who-name noprint">' in page  # the unit's staff see the name on screen
    assert '<strong class="print-only">IDENTITÉ MASQUÉE</strong>' in page
    assert page.count("print-only") == 2  # the one hidden patient: name and birth date
