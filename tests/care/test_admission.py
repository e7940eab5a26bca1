"""Temporary admissions: identifiers from the pool, status PROV, duplicates warned not merged."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from autarcie.care import actions
from autarcie.care.fields import CareInputError
from autarcie.care.models import CareEntry, EntryKind, TempPatient
from autarcie.care.queries import Subject, current
from autarcie.core.journal import verify
from autarcie.core.models import JournalEntry
from autarcie.core.tempids import format_tempid
from tests.care.conftest import IDENTITY, CareWard


def _admit(care: CareWard, **identity: str) -> TempPatient:
    return actions.admit_temporary(
        actor=care.secretary,
        identity={"tempid": care.tempids[0], **IDENTITY, **identity},
        unit_code="2010",
        room="14",
        bed="2",
    )


def test_admission_creates_a_provisional_identity_and_an_admission_movement(
    care: CareWard,
) -> None:
    temp = _admit(care)
    assert temp.status == "PROV"
    assert temp.tempid == care.tempids[0]
    kinds = sorted(CareEntry.objects.filter(temp_patient=temp).values_list("kind", flat=True))
    assert kinds == ["identity", "movement"]
    entry = JournalEntry.objects.filter(action="care.patient_admitted").get()
    assert entry.target_id == str(temp.pk)
    assert entry.actor == f"user:{care.secretary.pk}"
    assert verify().ok


def test_a_temporary_identifier_with_a_wrong_check_letter_is_refused(care: CareWard) -> None:
    wrong = care.tempids[0][:-1] + ("A" if care.tempids[0][-1] != "A" else "B")
    with pytest.raises(CareInputError) as caught:
        _admit(care, tempid=wrong)
    assert "invalide" in caught.value.errors["tempid"]
    assert not TempPatient.objects.exists()


def test_an_identifier_never_handed_out_is_refused(care: CareWard) -> None:
    with pytest.raises(CareInputError) as caught:
        _admit(care, tempid=format_tempid("01", 900_000))
    assert "aucun bloc" in caught.value.errors["tempid"]


def test_an_identifier_cannot_be_used_twice(care: CareWard) -> None:
    _admit(care)
    with pytest.raises(CareInputError) as caught:
        _admit(care, birth_family="AUTRE", given="Anne", birth_date="1990-01-01")
    assert "déjà utilisé" in caught.value.errors["tempid"]


def test_a_likely_duplicate_of_a_mirror_patient_is_warned_and_never_merged(
    care: CareWard,
) -> None:
    # LEFÈVRE MARIE born 12/03/1950 is in the mirror; typed without accent, day/month swapped.
    look_alike = {"birth_family": "LEFEVRE", "given": "Marie", "birth_date": "1950-12-03"}
    look_alike["sex"] = "F"
    with pytest.raises(actions.PossibleDuplicate) as caught:
        _admit(care, **look_alike)
    assert [c.identifier for c in caught.value.candidates] == ["P1"]
    assert not TempPatient.objects.exists()
    temp = actions.admit_temporary(
        actor=care.secretary,
        identity={"tempid": care.tempids[1], **look_alike},
        unit_code="2010",
        accept_duplicates=True,
    )
    assert temp.pk is not None
    admitted = JournalEntry.objects.get(action="care.patient_admitted")
    assert admitted.details["possible_duplicates"] == ["P1"]


def test_another_temporary_identity_is_a_likely_duplicate_too(care: CareWard) -> None:
    _admit(care)
    with pytest.raises(actions.PossibleDuplicate):
        _admit(care, tempid=care.tempids[1], birth_family="NOUVEAUX")


def test_a_nurse_cannot_admit_into_a_unit_outside_her_scope(care: CareWard) -> None:
    with pytest.raises(PermissionDenied):
        actions.admit_temporary(
            actor=care.ward.nurse,
            identity={"tempid": care.tempids[0], **IDENTITY},
            unit_code="2020",
        )


def test_identity_correction_appends_a_version_and_updates_the_current_identity(
    care: CareWard,
) -> None:
    temp = _admit(care)
    first = CareEntry.objects.get(temp_patient=temp, kind=EntryKind.IDENTITY)
    actions.correct_entry(
        actor=care.secretary,
        entry=first,
        reason="nom mal orthographié",
        data={**IDENTITY, "birth_family": "NOUVEL"},
    )
    temp.refresh_from_db()
    assert temp.birth_family == "NOUVEL"
    versions = CareEntry.objects.filter(chain=first.chain).order_by("version")
    assert [v.data["birth_family"] for v in versions] == ["NOUVEAU", "NOUVEL"]
    live = current(Subject(temp=temp).entries().filter(kind=EntryKind.IDENTITY)).get()
    assert live.version == 2
    assert live.reason == "nom mal orthographié"
