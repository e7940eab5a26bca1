"""Care entries: RPU checks at entry, vitals, administrations, prescriptions, paper results."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from autarcie.care import actions
from autarcie.care.fields import CareInputError
from autarcie.care.models import CareEntry, EntryKind
from autarcie.care.queries import Subject
from autarcie.core.models import JournalEntry
from tests.care.conftest import NOW, CareWard

PASSAGE = {
    "entry": "2026-11-23T09:10",
    "entry_mode": "8",
    "provenance": "5",
    "transport": "PERSO",
    "transport_care": "AUCUN",
    "reason": "R07.4",
    "ccmu": "2",
    "main_diagnosis": "I20.0",
    "procedures": "DEQP003",
    "exit": "2026-11-23T12:00",
    "exit_mode": "6",
    "destination": "1",
    "orientation": "MED",
}


def _lefevre(care: CareWard) -> Subject:
    return Subject(patient=care.ward.lefevre)


def test_an_inconsistent_exit_mode_is_refused_with_a_french_message(care: CareWard) -> None:
    wrong = {**PASSAGE, "exit_mode": "8", "destination": "1", "orientation": "MED"}
    with pytest.raises(CareInputError) as caught:
        actions.record_entry(
            actor=care.physician, subject=_lefevre(care), kind=EntryKind.PASSAGE, data=wrong
        )
    assert "Mode de sortie 8 (domicile)" in caught.value.errors["destination"]
    assert not CareEntry.objects.filter(kind=EntryKind.PASSAGE).exists()


def test_a_consistent_passage_is_stored_with_normalised_codes(care: CareWard) -> None:
    entry = actions.record_entry(
        actor=care.physician, subject=_lefevre(care), kind=EntryKind.PASSAGE, data=PASSAGE
    )
    assert entry.data["reason"] == "R074"
    assert entry.data["procedures"] == ["DEQP003"]
    assert entry.data["entry"] == "2026-11-23T08:10:00+00:00"  # Paris time stored in UTC


def test_paper_back_entry_keeps_written_and_typed_times(care: CareWard) -> None:
    entry = actions.record_entry(
        actor=care.ward.nurse,
        subject=_lefevre(care),
        kind=EntryKind.VITALS,
        data={"systolic": "132", "diastolic": "80", "heart_rate": "88", "temperature": "37,8"},
        written_at="2026-11-23T06:30",
    )
    assert entry.written_at == dt.datetime(2026, 11, 23, 5, 30, tzinfo=dt.UTC)
    assert entry.typed_at == NOW
    assert entry.data["temperature"] == "37.8"
    assert entry.author_label == "ide.cardio"


def test_out_of_range_vitals_are_refused(care: CareWard) -> None:
    with pytest.raises(CareInputError) as caught:
        actions.record_entry(
            actor=care.ward.nurse,
            subject=_lefevre(care),
            kind=EntryKind.VITALS,
            data={"spo2": "140"},
        )
    assert "hors limites" in caught.value.errors["spo2"]


def test_a_drug_not_given_needs_a_reason(care: CareWard) -> None:
    subject = _lefevre(care)
    prescription = actions.record_entry(
        actor=care.physician,
        subject=subject,
        kind=EntryKind.PRESCRIPTION,
        data={"drug_label": "Paracétamol 1 g", "dose": "1 g", "route": "PO", "frequency": "4/j"},
    )
    data = {"prescription": f"care:{prescription.chain}", "status": "not_given"}
    with pytest.raises(CareInputError) as caught:
        actions.record_entry(
            actor=care.ward.nurse, subject=subject, kind=EntryKind.ADMINISTRATION, data=data
        )
    assert "Motif" in caught.value.errors["not_given_reason"]
    given = actions.record_entry(
        actor=care.ward.nurse,
        subject=subject,
        kind=EntryKind.ADMINISTRATION,
        data={**data, "status": "delayed", "not_given_reason": "patient au bloc"},
    )
    assert given.data["drug_label"].startswith("Paracétamol")


def test_an_administration_must_refer_to_the_patients_own_prescription(care: CareWard) -> None:
    other = actions.record_entry(
        actor="system:test",
        subject=Subject(patient=care.ward.martin),
        kind=EntryKind.PRESCRIPTION,
        data={"drug_label": "Morphine", "dose": "5 mg", "route": "SC", "frequency": "4/j"},
    )
    with pytest.raises(CareInputError):
        actions.record_entry(
            actor=care.ward.nurse,
            subject=_lefevre(care),
            kind=EntryKind.ADMINISTRATION,
            data={"prescription": f"care:{other.chain}", "status": "given"},
        )


def test_only_physicians_prescribe(care: CareWard) -> None:
    with pytest.raises(PermissionDenied):
        actions.record_entry(
            actor=care.ward.nurse,
            subject=_lefevre(care),
            kind=EntryKind.PRESCRIPTION,
            data={"drug_label": "X", "dose": "1", "route": "PO", "frequency": "1/j"},
        )


def test_a_pharmacist_cannot_write_notes(care: CareWard) -> None:
    with pytest.raises(PermissionDenied):
        actions.record_entry(
            actor=care.pharmacist,
            subject=_lefevre(care),
            kind=EntryKind.NOTE,
            data={"category": "other", "text": "x"},
        )


def test_a_nurse_cannot_record_for_a_patient_of_another_unit(care: CareWard) -> None:
    with pytest.raises(PermissionDenied):
        actions.record_entry(
            actor=care.ward.nurse,
            subject=Subject(patient=care.ward.martin),
            kind=EntryKind.NOTE,
            data={"category": "nursing", "text": "RAS"},
        )


def test_a_paper_result_says_from_what_document_and_is_journaled_once(care: CareWard) -> None:
    before = JournalEntry.objects.count()
    with pytest.raises(CareInputError) as caught:
        actions.record_entry(
            actor=care.ward.nurse,
            subject=_lefevre(care),
            kind=EntryKind.RESULT,
            data={"test_label": "Kaliémie", "value": "5.9"},
        )
    assert "obligatoire" in caught.value.errors["document"]
    entry = actions.record_entry(
        actor=care.ward.nurse,
        subject=_lefevre(care),
        kind=EntryKind.RESULT,
        data={
            "document": "fax du laboratoire n° 42",
            "test_label": "Kaliémie",
            "value": "5.9",
            "unit": "mmol/L",
            "flag": "H",
        },
    )
    assert JournalEntry.objects.count() == before + 1
    journal = JournalEntry.objects.latest("seq")
    assert journal.action == "care.entry_recorded"
    assert journal.details["entry"] == entry.pk
    assert journal.target_type == "patient"


def test_a_correction_needs_a_reason_and_keeps_the_first_version(care: CareWard) -> None:
    entry = actions.record_entry(
        actor=care.ward.nurse,
        subject=_lefevre(care),
        kind=EntryKind.NOTE,
        data={"category": "nursing", "text": "douleur 3/10"},
    )
    with pytest.raises(CareInputError):
        actions.correct_entry(
            actor=care.ward.nurse, entry=entry, reason=" ", data={"category": "nursing"}
        )
    second = actions.correct_entry(
        actor=care.ward.nurse,
        entry=entry,
        reason="erreur de patient",
        cancel=True,
    )
    assert second.version == 2 and second.cancelled
    entry.refresh_from_db()
    assert entry.data["text"] == "douleur 3/10" and not entry.cancelled
    with pytest.raises(Exception, match="déjà été corrigée"):
        actions.correct_entry(
            actor=care.ward.nurse,
            entry=entry,
            reason="encore",
            data={"category": "nursing", "text": "x"},
        )
