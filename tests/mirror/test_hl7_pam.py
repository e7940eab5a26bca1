"""IHE PAM France meaning of ADT messages: identity, INS trust, movements, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from autarcie.mirror.hl7 import (
    AccountMove,
    Hl7SemanticError,
    IdentityEvent,
    MovementEvent,
    RefusedEvent,
    UnknownEvent,
    interpret,
    parse_batch,
    parse_message,
)
from autarcie.mirror.hl7.patient import PatientKey, nir_key_valid
from tests.mirror.builders import AUTHORITY, INS, IPP, adt, fixture_bytes, movement, pid, pv1, zbe

UTC = dt.UTC


def _identity(data: bytes) -> IdentityEvent:
    result = interpret(parse_message(data))
    assert isinstance(result, IdentityEvent)
    return result


def _movement(data: bytes) -> MovementEvent:
    result = interpret(parse_message(data))
    assert isinstance(result, MovementEvent)
    return result


def _semantic_error(data: bytes) -> Hl7SemanticError:
    with pytest.raises(Hl7SemanticError) as caught:
        interpret(parse_message(data))
    return caught.value


def test_a28_with_vali_and_ins_creates_a_trusted_identity() -> None:
    event = _identity(adt("A28", pid()))
    patient = event.patient
    assert event.action == "create"
    assert patient.key == PatientKey("123456789", "IPP000042")
    assert patient.ins is not None
    assert patient.ins.value == "280017512345610"
    assert patient.ins.kind == "INS-NIR-TEST"
    assert patient.ins_trusted
    assert patient.statuses == ("VALI",)
    assert not patient.hidden
    assert patient.legal_name is not None and patient.legal_name.family == "TESTFICTIF"
    assert patient.legal_name.given == "CAMILLE"
    assert patient.legal_name.other_given == "CAMILLE MARIE"
    assert patient.used_name is not None and patient.used_name.family == "DUPONT"
    assert patient.birth_date == dt.date(1980, 1, 1)
    assert patient.sex == "F"
    assert patient.birthplace_insee == "35238"
    assert [a.city for a in patient.addresses] == ["RENNES"]
    assert patient.nda is not None and patient.nda.value == "NDA000042"


def test_prov_identity_without_ins_is_kept_untrusted() -> None:
    patient = _identity(adt("A28", pid(identifiers=IPP, statuses="PROV"))).patient
    assert patient.ins is None
    assert not patient.ins_trusted
    assert patient.statuses == ("PROV",)


def test_ins_sent_without_vali_is_kept_but_never_trusted() -> None:
    patient = _identity(adt("A31", pid(statuses="PROV"))).patient
    assert patient.ins is not None
    assert not patient.ins_trusted


def test_vali_without_ins_is_not_trusted() -> None:
    patient = _identity(adt("A31", pid(identifiers=IPP, statuses="VALI"))).patient
    assert patient.ins is None
    assert not patient.ins_trusted


def test_ins_with_a_wrong_key_is_not_trusted_even_with_vali() -> None:
    wrong = INS.replace("280017512345610", "280017512345611")
    patient = _identity(adt("A31", pid(identifiers=f"{IPP}~{wrong}"))).patient
    assert patient.ins is not None and not patient.ins.key_valid
    assert not patient.ins_trusted


def test_nir_key_handles_corsica() -> None:
    body = "1012A01234567"
    key = 97 - int(body.replace("2A", "19")) % 97
    assert nir_key_valid(f"{body}{key:02d}")
    assert not nir_key_valid("12345")


def test_hidden_identity_repeats_statuses_in_pid32() -> None:
    patient = _identity(adt("A28", pid(identifiers=IPP, statuses="PROV~CACH"))).patient
    assert patient.statuses == ("PROV", "CACH")
    assert patient.hidden


def test_a31_update_reads_the_explicit_null_as_erased() -> None:
    names = 'TESTFICTIF^CAMILLE^^^^^L~""^^^^^^D'
    patient = _identity(adt("A31", pid(names=names))).patient
    assert patient.used_name is None
    assert len(patient.names) == 1


def test_a47_changes_identifier_with_the_old_value_in_mrg1() -> None:
    data = adt("A47", pid(identifiers=f"IPP000099^^^{AUTHORITY}^PI"), f"MRG|{IPP}")
    event = _identity(data)
    assert event.action == "change_identifier"
    assert event.prior is not None
    assert event.prior.key == PatientKey("123456789", "IPP000042")
    assert event.patient.key.ipp == "IPP000099"


def test_a47_without_mrg_is_a_segment_error() -> None:
    error = _semantic_error(adt("A47", pid()))
    assert error.code == "100"
    assert error.location == "MRG"
    assert error.ack_code == "AE"


def test_a40_merges_the_mrg_patient_into_the_pid_patient() -> None:
    event = _identity(adt("A40", pid(), f"MRG|IPP000007^^^{AUTHORITY}^PI"))
    assert event.action == "merge"
    assert event.prior is not None
    assert event.prior.key == PatientKey("123456789", "IPP000007")


def test_a40_merging_a_patient_into_itself_is_refused() -> None:
    error = _semantic_error(adt("A40", pid(), f"MRG|{IPP}"))
    assert (error.code, error.location) == ("205", "MRG^1^1")


def test_a40_without_an_ipp_in_mrg_is_refused() -> None:
    error = _semantic_error(adt("A40", pid(), "MRG|123^^^X^NH"))
    assert (error.code, error.location) == ("101", "MRG^1^1")


def test_a44_moves_an_account_to_another_patient() -> None:
    result = interpret(parse_message(adt("A44", pid(), f"MRG|IPP7^^^{AUTHORITY}^PI||NDA9")))
    assert isinstance(result, AccountMove)
    assert result.prior.account is not None and result.prior.account.value == "NDA9"


def test_missing_ipp_is_error_101_at_pid_3() -> None:
    error = _semantic_error(adt("A28", pid(identifiers=INS)))
    assert (error.code, error.location) == ("101", "PID^1^3")
    assert "PI" in error.reason


def test_ipp_without_authority_is_refused() -> None:
    error = _semantic_error(adt("A28", pid(identifiers="IPP1^^^^PI")))
    assert (error.code, error.location) == ("101", "PID^1^3^1^4")


def test_bad_birth_date_is_a_data_type_error() -> None:
    data = adt("A28", pid()).replace(b"|19800101|", b"|1980-01-01|")
    error = _semantic_error(data)
    assert (error.code, error.location) == ("102", "PID^1^7")


def test_sample_sequence_reads_as_five_movements() -> None:
    results = [
        interpret(m) for m in parse_batch(fixture_bytes("pamfr_sequence_A01_A02_A12_Z99_A03.hl7"))
    ]
    assert all(isinstance(r, MovementEvent) for r in results)
    events = [r for r in results if isinstance(r, MovementEvent)]
    assert [(e.kind, e.action) for e in events] == [
        ("admission", "INSERT"),
        ("transfer", "INSERT"),
        ("transfer", "CANCEL"),
        ("admission", "UPDATE"),
        ("discharge", "INSERT"),
    ]
    admission = events[0]
    assert admission.nda.value == "NDA000042"
    assert admission.movement.movement_id == "MVT0001"
    assert admission.movement.start == dt.datetime(2025, 1, 10, 7, 0, tzinfo=UTC)
    assert admission.movement.medical_unit is not None
    assert admission.movement.medical_unit.code == "2010"
    assert admission.movement.medical_unit.label == "Cardiologie"
    assert admission.movement.nature == "HMS"
    assert admission.visit.location is not None
    assert (admission.visit.location.point_of_care, admission.visit.location.room) == ("2010", "12")
    assert admission.visit.location.bed == "1"
    assert admission.pmsi is not None and admission.pmsi.entry_mode == "8"
    assert admission.supplement is not None and admission.supplement.identity_mode == "INSI"
    assert admission.header.sent_at == dt.datetime(2025, 1, 10, 7, 5, tzinfo=UTC)
    assert admission.patient.ins_trusted
    correction = events[3]
    assert correction.movement.historic
    assert correction.movement.original_trigger == "A01"
    assert correction.movement.medical_unit is not None
    assert correction.movement.medical_unit.code == "2011"
    assert events[4].visit.discharge_disposition == "3"
    assert events[4].pmsi is not None and events[4].pmsi.exit_mode == "8"


def test_z99_updates_the_movement_named_in_zbe6() -> None:
    event = _movement(movement("Z99", action="UPDATE", original="A02", historic="Y"))
    assert (event.kind, event.action) == ("transfer", "UPDATE")


def test_z99_can_never_insert() -> None:
    error = _semantic_error(movement("Z99", action="INSERT", original="A01"))
    assert (error.code, error.location) == ("103", "ZBE^1^4")


def test_update_without_original_trigger_is_refused() -> None:
    error = _semantic_error(movement("Z99", action="UPDATE"))
    assert (error.code, error.location) == ("101", "ZBE^1^6")


def test_a11_cancels_the_admission() -> None:
    event = _movement(movement("A11", action="CANCEL", original="A01"))
    assert (event.kind, event.action) == ("admission", "CANCEL")
    outpatient = _movement(movement("A11", action="CANCEL", original="A04"))
    assert outpatient.kind == "outpatient_admission"


def test_a11_cannot_cancel_a_transfer() -> None:
    error = _semantic_error(movement("A11", action="CANCEL", original="A02"))
    assert (error.code, error.location) == ("103", "ZBE^1^6")


def test_a06_is_an_insert_or_the_cancellation_of_a07() -> None:
    assert _movement(movement("A06")).kind == "to_inpatient"
    cancel = _movement(movement("A06", action="CANCEL", original="A07"))
    assert (cancel.kind, cancel.action) == ("to_outpatient", "CANCEL")


def test_insert_trigger_with_cancel_action_is_refused() -> None:
    error = _semantic_error(movement("A02", action="CANCEL", original="A02"))
    assert (error.code, error.location) == ("103", "ZBE^1^4")


@pytest.mark.parametrize(
    ("trigger", "action", "original", "kind"),
    [
        ("A21", "INSERT", "", "leave"),
        ("A22", "INSERT", "", "leave_return"),
        ("A52", "CANCEL", "A21", "leave"),
        ("A53", "CANCEL", "A22", "leave_return"),
        ("A05", "INSERT", "", "pre_admission"),
        ("A38", "CANCEL", "A05", "pre_admission"),
        ("A54", "INSERT", "", "attending_change"),
        ("A55", "CANCEL", "A54", "attending_change"),
        ("A13", "CANCEL", "A03", "discharge"),
    ],
)
def test_movement_triggers_map_to_their_kind(
    trigger: str, action: str, original: str, kind: str
) -> None:
    event = _movement(movement(trigger, action=action, original=original))
    assert (event.kind, event.action) == (kind, action)


def test_leave_of_absence_keeps_its_start_and_visit() -> None:
    event = _movement(movement("A21", start="20250711140000"))
    # Naive PAM FR times are Paris time: 14:00 in July is 12:00 UTC.
    assert event.movement.start == dt.datetime(2025, 7, 11, 12, 0, tzinfo=UTC)
    assert event.visit.attending[0].identifier == "10003"
    assert event.visit.visit_number is not None
    assert event.visit.admitted_at == dt.datetime(2025, 1, 10, 7, 0, tzinfo=UTC)


def test_movement_without_nda_is_error_101_at_pid_18() -> None:
    error = _semantic_error(adt("A01", pid(nda=""), pv1(), zbe()))
    assert (error.code, error.location) == ("101", "PID^1^18")


def test_movement_without_zbe_is_a_segment_error() -> None:
    error = _semantic_error(adt("A01", pid(), pv1()))
    assert (error.code, error.location) == ("100", "ZBE")


def test_movement_with_unknown_zbe_action_is_refused() -> None:
    error = _semantic_error(movement("A01", action="DELETE"))
    assert (error.code, error.location) == ("103", "ZBE^1^4")


def test_a08_is_refused_with_an_explanation() -> None:
    result = interpret(parse_message(adt("A08", pid(), pv1())))
    assert isinstance(result, RefusedEvent)
    assert result.code == "201"
    assert "A31" in result.reason and "Z99" in result.reason


def test_unknown_trigger_is_kept_but_not_applied() -> None:
    result = interpret(parse_message(adt("A99", pid())))
    assert isinstance(result, UnknownEvent)
    assert "not applied" in result.reason


def test_unsupported_message_type_is_rejected_with_200() -> None:
    data = adt("A01", pid()).replace(b"ADT^A01^ADT_A01", b"SIU^S12^SIU_S12")
    error = _semantic_error(data)
    assert (error.code, error.ack_code) == ("200", "AR")


def test_allergies_in_an_adt_message_are_read() -> None:
    al1 = "AL1|1|DA|PENI^Pénicilline^L||URTICAIRE~OEDEME|20240101"
    event = _movement(adt("A01", pid(), pv1(), zbe(), al1))
    assert len(event.allergies) == 1
    allergy = event.allergies[0]
    assert (allergy.allergen.code, allergy.allergen.label) == ("PENI", "Pénicilline")
    assert allergy.category == "DA"
    assert allergy.reactions == ("URTICAIRE", "OEDEME")
    assert allergy.identified_on == dt.date(2024, 1, 1)


def test_allergy_without_allergen_is_refused() -> None:
    error = _semantic_error(adt("A31", pid(), "AL1|1|DA|"))
    assert (error.code, error.location) == ("101", "AL1^1^3")


def test_pam_fr_z_segments_and_arrival_mode_are_read() -> None:
    data = adt(
        "A01",
        pid(),
        pv1(patient_class="E"),
        "PV2" + "|" * 38 + "3",
        zbe(),
        "ZFV|750000001^20240101|AMBU|||||||||MED",
        "ZFM|8|||5|U",
        "ZFD|20250110|32|Y|N|CB|20250110|PA|20300101",
    )
    event = _movement(data)
    assert event.visit.patient_class == "E"
    assert event.visit.arrival_mode == "3"
    assert event.complement is not None
    assert event.complement.origin_finess == "750000001"
    assert event.complement.exit_transport == "AMBU"
    assert event.complement.transport_care == "MED"
    assert event.pmsi is not None
    assert (event.pmsi.entry_mode, event.pmsi.destination, event.pmsi.emergency_passage) == (
        "8",
        "5",
        "U",
    )
    assert event.supplement is not None
    assert event.supplement.gestation_weeks == 32
    assert event.supplement.sms_consent is True
    assert event.supplement.id_document_type == "PA"


def test_bad_yes_no_in_zfd_is_refused() -> None:
    error = _semantic_error(adt("A31", pid(), "ZFD|||MAYBE"))
    assert (error.code, error.location) == ("103", "ZFD^1^3")
