"""Care forms refuse impossible dates, places and quantities in French, keeping what was typed.

Each bad value is posted through the screens on the real database: the answer is the form
again (400) with the message beside the field and the typed values, and nothing is recorded
or journaled; the good value goes through.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.http import HttpResponse, HttpResponseBase
from django.urls import reverse

from autarcie.care import actions, bed_actions, stock_actions
from autarcie.care.fields import CareInputError
from autarcie.care.models import BedReport, CareEntry, EntryKind, StockEntry, TempPatient
from autarcie.care.queries import Subject
from tests.care.conftest import CareWard
from tests.care.validation_helpers import login, paris, register_rooms, saved

HOUR = dt.timedelta(hours=1)
VITALS = {"systolic": "120", "diastolic": "75", "heart_rate": "80"}


def _admission(care: CareWard, **values: str) -> dict[str, str]:
    return {
        "tempid": care.tempids[0],
        "birth_family": "NOUVEAU",
        "given": "Jules",
        "sex": "M",
        "birth_date": "1980-05-04",
        **values,
    }


def _refused(response: HttpResponseBase, *texts: str) -> str:
    """The page of a refused form: 400, with every text given."""
    assert isinstance(response, HttpResponse)
    page = response.content.decode()
    assert response.status_code == 400, page
    for text in texts:
        assert text in page, text
    return page


@pytest.mark.parametrize(
    ("birth", "says"),
    [("2999-01-01", "est dans le futur"), ("1890-03-01", "plus de 120 ans")],
)
def test_an_impossible_birth_date_is_refused_and_the_form_kept(
    care_live: CareWard, birth: str, says: str
) -> None:
    client = login("secr.cardio")
    url = reverse("care:admit", args=["2010"])
    before = saved()
    page = _refused(
        client.post(url, _admission(care_live, birth_date=birth)), "Date de naissance", says
    )
    assert f'value="{birth}"' in page and 'value="NOUVEAU"' in page
    assert saved() == before
    assert client.post(url, _admission(care_live)).status_code == 302
    assert TempPatient.objects.get().birth_date == dt.date(1980, 5, 4)


def test_an_admission_written_in_the_future_is_refused(care_live: CareWard) -> None:
    client = login("secr.cardio")
    url = reverse("care:admit", args=["2010"])
    later = paris(2 * HOUR)
    before = saved()
    page = _refused(
        client.post(url, _admission(care_live, written_at=later)), "Heure écrite", "dans le futur"
    )
    assert f'value="{later}"' in page
    assert saved() == before


def test_care_written_in_the_future_is_refused_beyond_the_clock_skew(care_live: CareWard) -> None:
    client = login("ide.cardio")
    url = reverse("care:record", args=["patient", care_live.ward.lefevre.pk, "vitals"])
    later = paris(HOUR)
    before = saved()
    page = _refused(client.post(url, {**VITALS, "written_at": later}), "dans le futur")
    assert f'value="{later}"' in page and 'value="120"' in page
    assert saved() == before
    # A bedside clock a few minutes ahead of the server's is not an error.
    ahead = {**VITALS, "written_at": paris(dt.timedelta(minutes=2))}
    assert client.post(url, ahead).status_code == 302
    assert CareEntry.objects.filter(kind=EntryKind.VITALS).count() == 1


def test_care_written_before_the_stay_began_is_refused(care_live: CareWard) -> None:
    client = login("ide.cardio")
    url = reverse("care:record", args=["patient", care_live.ward.lefevre.pk, "vitals"])
    before = saved()
    # Lefèvre was admitted on 10/01/2025 at 08:00, Paris time (the mirror's stay).
    page = _refused(
        client.post(url, {**VITALS, "written_at": "2025-01-10T07:30"}),
        "avant le début du séjour",
        "10/01/2025 à 08:00",
    )
    assert 'value="2025-01-10T07:30"' in page
    assert saved() == before
    assert client.post(url, {**VITALS, "written_at": "2025-01-10T08:30"}).status_code == 302


def test_a_passage_arriving_in_the_future_is_refused(care_live: CareWard) -> None:
    client = login("ide.cardio")
    url = reverse("care:record", args=["patient", care_live.ward.lefevre.pk, "passage"])
    later = paris(3 * HOUR)
    before = saved()
    page = _refused(client.post(url, {"entry": later, "entry_mode": "8"}), "Entrée (ENTREE)")
    assert "dans le futur" in page and f'value="{later}"' in page
    assert saved() == before
    assert client.post(url, {"entry": paris(-HOUR), "entry_mode": "8"}).status_code == 302


def test_a_return_without_a_leave_in_progress_is_refused(care_live: CareWard) -> None:
    client = login("ide.cardio")
    url = reverse("care:record", args=["patient", care_live.ward.lefevre.pk, "movement"])
    before = saved()
    page = _refused(
        client.post(url, {"movement": "return"}), "Retour de permission", "aucune permission"
    )
    assert '<option value="return" selected>' in page
    assert saved() == before
    assert client.post(url, {"movement": "leave", "written_at": paris(-HOUR)}).status_code == 302
    assert client.post(url, {"movement": "return"}).status_code == 302


def test_a_return_is_corrected_without_counting_itself(care: CareWard) -> None:
    lefevre = Subject(patient=care.ward.lefevre)
    for movement in ("leave", "return"):
        actions.record_entry(
            actor=care.ward.nurse,
            subject=lefevre,
            kind=EntryKind.MOVEMENT,
            data={"movement": movement},
        )
    back = CareEntry.objects.get(data__movement="return")
    fixed = actions.correct_entry(
        actor=care.ward.nurse,
        entry=back,
        reason="chambre oubliée",
        data={"movement": "return", "room": "12"},
    )
    assert fixed.version == 2


def test_a_room_or_bed_the_unit_does_not_have_is_refused(
    care_live: CareWard, tmp_path: Path
) -> None:
    register_rooms(tmp_path, "2010", {"12": ["1", "2"], "14": ["1"]})
    client = login("ide.cardio")
    url = reverse("care:record", args=["patient", care_live.ward.lefevre.pk, "movement"])
    before = saved()
    page = _refused(
        client.post(url, {"movement": "transfer", "unit_code": "2010", "room": "41"}),
        "Chambre « 41 » inconnue dans l&#x27;unité 2010",
        "chambres connues : 12, 14",
    )
    assert 'value="41"' in page
    _refused(
        client.post(url, {"movement": "transfer", "unit_code": "2010", "room": "14", "bed": "3"}),
        "Lit « 3 » inconnu dans la chambre 14",
    )
    assert saved() == before
    known = {"movement": "transfer", "unit_code": "2010", "room": "Chambre 14", "bed": "01"}
    assert client.post(url, known).status_code == 302
    assert CareEntry.objects.get(kind=EntryKind.MOVEMENT).data["room"] == "Chambre 14"


def test_an_admission_to_a_room_the_unit_does_not_have_is_refused(
    care_live: CareWard, tmp_path: Path
) -> None:
    register_rooms(tmp_path, "2010", {"12": ["1", "2"], "14": ["1"]})
    client = login("secr.cardio")
    url = reverse("care:admit", args=["2010"])
    before = saved()
    page = _refused(
        client.post(url, _admission(care_live, room="99", bed="1")), "Chambre « 99 » inconnue"
    )
    assert 'value="99"' in page and 'value="NOUVEAU"' in page
    assert saved() == before
    assert client.post(url, _admission(care_live, room="12", bed="2")).status_code == 302


def test_a_unit_without_registered_rooms_is_not_checked(care: CareWard) -> None:
    temp = actions.admit_temporary(
        actor=care.secretary,
        identity={**_admission(care)},
        unit_code="2010",
        room="99",
    )
    assert temp.unit_code == "2010"


def test_a_stock_quantity_above_the_bound_is_refused_and_kept(care_live: CareWard) -> None:
    client = login("pharma")
    url = reverse("care:stock", args=["PUI"])
    typed = {
        "form": "movement",
        "kind": "receipt",
        # A first receipt: the drug is in no list yet, so it is named on the box.
        "new_code": "3400930000011",
        "new_label": "Paracétamol 1 g",
        "quantity": "3400930000011",
    }
    before = saved()
    page = _refused(client.post(url, typed), "dépasse le maximum de 100\u202f000 unités")
    assert 'value="3400930000011"' in page and 'value="Paracétamol 1 g"' in page
    assert '<option value="receipt" selected>' in page
    assert saved() == before
    assert client.post(url, {**typed, "quantity": "100000"}).status_code == 302
    assert StockEntry.objects.get().quantity == 100_000


def test_a_stock_movement_written_in_the_future_is_refused(care: CareWard) -> None:
    with pytest.raises(CareInputError) as caught:
        stock_actions.record_stock(
            actor=care.pharmacist,
            location="PUI",
            drug_code="3400930000011",
            drug_label="Paracétamol 1 g",
            kind="receipt",
            quantity=10,
            written_at=paris(HOUR),
        )
    assert "dans le futur" in caught.value.errors["written_at"]
    assert not StockEntry.objects.exists()


@pytest.mark.parametrize(
    ("available", "says"),
    [("-1", "Lits disponibles : un nombre positif ou nul."), ("trois", "Lits disponibles : un")],
)
def test_a_bed_update_error_names_the_field_to_correct(
    care_live: CareWard, available: str, says: str
) -> None:
    bed_actions.configure_critical_unit(
        actor="system:test", unit=care_live.ward.cardio, ror_category="262", installed=8
    )
    client = login("ide.cardio")
    posted = {"available": available, "occupied": "4", "closed": "0"}
    page = client.post(reverse("care:beds_update", args=["2010"]), posted, follow=True)
    assert says in page.content.decode()
    assert not BedReport.objects.exists()
