"""A dose that does not match its prescription is recorded only once the nurse confirms it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from autarcie.care import actions
from autarcie.care.doses import dose_warnings, parse_dose
from autarcie.care.fields import CareInputError
from autarcie.care.models import CareEntry, EntryKind
from autarcie.care.queries import Subject
from autarcie.core.models import JournalEntry
from tests.care.conftest import CareWard
from tests.care.validation_helpers import login, saved

CONFIRM = "Je confirme cette dose"


def _prescribe(care: CareWard, dose: str = "1 g") -> str:
    entry = actions.record_entry(
        actor=care.physician,
        subject=Subject(patient=care.ward.lefevre),
        kind=EntryKind.PRESCRIPTION,
        data={"drug_label": "Paracétamol", "dose": dose, "route": "PO", "frequency": "4/j"},
    )
    return f"care:{entry.chain}"


def _url(care: CareWard) -> str:
    return reverse("care:record", args=["patient", care.ward.lefevre.pk, "administration"])


@pytest.mark.parametrize(
    ("dose", "says"),
    [
        ("1000 mg", "l&#x27;unité « mg » ne correspond pas"),
        ("12 g", "plus de 10 fois la dose prescrite (1 g)"),
        ("1", "l&#x27;unité « aucune »"),
    ],
)
def test_a_dubious_dose_asks_for_a_confirmation_then_is_journaled_with_it(
    care_live: CareWard, dose: str, says: str
) -> None:
    prescription = _prescribe(care_live)
    client = login("ide.cardio")
    typed = {"prescription": prescription, "status": "given", "dose": dose}
    before = saved()
    refused = client.post(_url(care_live), typed)
    page = refused.content.decode()
    assert refused.status_code == 400
    assert says in page and CONFIRM in page and 'name="confirm_dose"' in page
    assert f'value="{dose}"' in page
    assert saved() == before
    confirmed = client.post(_url(care_live), {**typed, "confirm_dose": "on"})
    assert confirmed.status_code == 302
    entry = CareEntry.objects.get(kind=EntryKind.ADMINISTRATION)
    assert entry.data["dose"] == dose and entry.data["warnings"]
    journal = JournalEntry.objects.filter(action="care.entry_recorded").latest("seq")
    assert journal.details["entry"] == entry.pk
    assert journal.details["dose_confirmed"]["given"] == dose
    assert journal.details["dose_confirmed"]["prescribed"] == "1 g"
    assert journal.details["dose_confirmed"]["factor"] == 10


def test_the_prescribed_dose_goes_through_without_a_question(care_live: CareWard) -> None:
    prescription = _prescribe(care_live)
    client = login("ide.cardio")
    typed = {"prescription": prescription, "status": "given", "dose": "1 g"}
    assert client.post(_url(care_live), typed).status_code == 302
    journal = JournalEntry.objects.filter(action="care.entry_recorded").latest("seq")
    assert "dose_confirmed" not in journal.details


def test_the_action_refuses_an_unconfirmed_dose_too(care: CareWard) -> None:
    prescription = _prescribe(care, "5 mg")
    data = {"prescription": prescription, "status": "given", "dose": "60 mg"}
    subject = Subject(patient=care.ward.lefevre)
    with pytest.raises(CareInputError) as caught:
        actions.record_entry(
            actor="system:test", subject=subject, kind=EntryKind.ADMINISTRATION, data=data
        )
    assert "plus de 10 fois" in caught.value.errors["dose"]
    assert not CareEntry.objects.filter(kind=EntryKind.ADMINISTRATION).exists()


def test_a_correction_to_a_dubious_dose_needs_the_confirmation_too(care: CareWard) -> None:
    prescription = _prescribe(care)
    entry = actions.record_entry(
        actor=care.ward.nurse,
        subject=Subject(patient=care.ward.lefevre),
        kind=EntryKind.ADMINISTRATION,
        data={"prescription": prescription, "status": "given", "dose": "1 g"},
    )
    wrong = {"prescription": prescription, "status": "given", "dose": "20 g"}
    with pytest.raises(CareInputError):
        actions.correct_entry(actor=care.ward.nurse, entry=entry, reason="erreur", data=wrong)
    fixed = actions.correct_entry(
        actor=care.ward.nurse, entry=entry, reason="erreur", data=wrong, confirm_dose=True
    )
    journal = JournalEntry.objects.filter(action="care.entry_corrected").latest("seq")
    assert (fixed.version, journal.details["dose_confirmed"]["given"]) == (2, "20 g")


@override_settings(CARE_DOSE_WARNING_FACTOR=3)
def test_the_warning_factor_is_a_setting(care: CareWard) -> None:
    prescription = _prescribe(care)
    with pytest.raises(CareInputError) as caught:
        actions.record_entry(
            actor=care.ward.nurse,
            subject=Subject(patient=care.ward.lefevre),
            kind=EntryKind.ADMINISTRATION,
            data={"prescription": prescription, "status": "given", "dose": "4 g"},
        )
    assert "plus de 3 fois" in caught.value.errors["dose"]


@pytest.mark.parametrize(
    ("given", "prescribed", "count"),
    [
        ("4000 UI", "4000 [iU]", 0),  # the mirror's UCUM code
        ("2 comprimés", "2 {comprime}", 0),
        ("2,5 mg", "2.5 mg", 0),
        ("0,5 g", "500 mg", 1),  # another unit: confirmed, even if equal
        ("25 mg", "2,5 mg", 0),  # exactly 10 times: not more
        ("250 µg", "20 ug", 1),
        ("une ampoule", "1 g", 0),  # not a number: not judged
        ("2 g", "1 à 2 g", 0),  # a range: its upper bound
    ],
)
def test_doses_are_read_as_written_on_a_ward(given: str, prescribed: str, count: int) -> None:
    assert len(dose_warnings(given, prescribed, 10)) == count


def test_a_dose_keeps_its_text_and_normalised_unit() -> None:
    dose = parse_dose("4 000 UI")
    assert dose is not None
    assert (dose.amount, dose.unit, dose.text) == (Decimal(4000), "UI", "4 000 UI")
    parsed = parse_dose("1,5 mL")
    assert parsed is not None and (str(parsed.amount), parsed.unit) == ("1.5", "mL")
