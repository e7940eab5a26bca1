"""Identity reconciliation: scored candidates, two-person confirmation, undo until export."""

from __future__ import annotations

import pytest

from autarcie.care.models import TempPatient
from autarcie.core.errors import AccessDenied
from autarcie.core.journal import verify
from autarcie.core.models import JournalEntry
from autarcie.core.roles import Role
from autarcie.mirror.models import Patient
from autarcie.recovery import actions
from autarcie.recovery.actions import ReconciliationError
from autarcie.recovery.models import ExportRecord, LinkState, Status
from autarcie.recovery.reconcile import candidates, unreconciled
from autarcie.recovery.records import downtime_items
from tests.factories import make_user


def _temp_like_durand() -> TempPatient:
    """A temporary identity typed in haste for the mirror's Lucie Durand (day and month swapped)."""
    first = TempPatient.objects.order_by("pk").first()
    assert first is not None
    first.birth_family, first.given, first.sex = "DURAND", "Lucie", "F"
    first.birth_date = first.birth_date.replace(1970, 5, 4) if first.birth_date else None
    first.save()
    return first


def test_candidates_rank_the_real_patient_first_with_reasons(downtime: None) -> None:
    temp = _temp_like_durand()
    found = candidates(temp)
    assert found[0].patient.ipp == "P9"
    assert found[0].score >= 0.8
    assert "date de naissance : jour et mois inversés" in found[0].reasons


def test_a_match_needs_a_second_person_of_the_admissions_office(downtime: None) -> None:
    first = make_user("adm.one", Role.SECRETARY, all_units=True)
    second = make_user("adm.two", Role.SECRETARY, all_units=True)
    temp = _temp_like_durand()
    link = actions.propose_link(actor=first, temp=temp, patient=Patient.objects.get(ipp="P9"))
    with pytest.raises(ReconciliationError, match="autre personne"):
        actions.confirm_link(actor=first, link=link)
    assert all(i.target is None for i in downtime_items() if i.subject == f"temp:{temp.pk}")
    actions.confirm_link(actor=second, link=link)
    mine = [i for i in downtime_items() if i.subject == f"temp:{temp.pk}"]
    assert mine and all(i.target is not None and i.target.ipp == "P9" for i in mine)
    assert temp not in unreconciled()
    actions_logged = set(JournalEntry.objects.values_list("action", flat=True))
    assert {"recovery.match_proposed", "recovery.match_confirmed"} <= actions_logged
    assert verify().ok


def test_a_nurse_cannot_decide_an_identity(downtime: None) -> None:
    nurse = make_user("nurse.x", Role.NURSE, all_units=True)
    temp = TempPatient.objects.first()
    assert temp is not None
    with pytest.raises(AccessDenied):
        actions.propose_link(actor=nurse, temp=temp, patient=None)


def test_a_new_patient_is_exported_under_its_temporary_identifier(downtime: None) -> None:
    first = make_user("adm.one", Role.SECRETARY, all_units=True)
    second = make_user("adm.two", Role.SECRETARY, all_units=True)
    temp = TempPatient.objects.order_by("pk").last()
    assert temp is not None
    actions.confirm_link(
        actor=second, link=actions.propose_link(actor=first, temp=temp, patient=None)
    )
    identity = next(i for i in downtime_items() if i.record == f"identity:{temp.tempid}")
    assert identity.target is not None and identity.target.new
    assert identity.target.ipp == temp.tempid
    assert identity.channels == ("fhir", "hl7")


def test_a_decision_can_be_undone_until_a_record_is_exported(downtime: None) -> None:
    first = make_user("adm.one", Role.SECRETARY, all_units=True)
    second = make_user("adm.two", Role.SECRETARY, all_units=True)
    temp = _temp_like_durand()
    link = actions.propose_link(actor=first, temp=temp, patient=Patient.objects.get(ipp="P9"))
    actions.confirm_link(actor=second, link=link)
    with pytest.raises(ReconciliationError, match="Motif"):
        actions.undo_link(actor=first, link=link, reason=" ")
    actions.undo_link(actor=first, link=link, reason="mauvais patient")
    link.refresh_from_db()
    assert link.state == LinkState.UNDONE
    again = actions.propose_link(actor=first, temp=temp, patient=Patient.objects.get(ipp="P9"))
    actions.confirm_link(actor=second, link=again)
    entry = temp.entries.exclude(kind="identity").first()
    assert entry is not None
    ExportRecord.objects.create(
        record=f"entry:{entry.chain}", channel="hl7", kind=entry.kind, status=Status.ACKNOWLEDGED
    )
    with pytest.raises(ReconciliationError, match="déjà été transmises"):
        actions.undo_link(actor=first, link=again, reason="trop tard")
