"""Freeze holds input without losing it; the mirror can be seen as it was at any instant."""

from __future__ import annotations

import datetime as dt

import pytest

from autarcie.core.errors import AutarcieError
from autarcie.core.models import JournalEntry
from autarcie.mirror import actions
from autarcie.mirror.asof import census_as_of
from autarcie.mirror.hl7.parser import parse_message
from autarcie.mirror.models import Inbound, Patient, Stay
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def _msa3(ack: bytes) -> str:
    msa = parse_message(ack).segment("MSA")
    assert msa is not None
    return msa.text(3)


def test_as_of_before_a_transfer_shows_the_old_bed() -> None:
    feed([adt("A01", "M1", movement="MV1")], at=T0)
    feed(
        [adt("A02", "M2", movement="MV2", unit="2020", room="05", bed="2", start="20250112140000")],
        at=T0 + HOUR,
    )
    before = census_as_of(T0 + HOUR / 2)
    after = census_as_of(T0 + 2 * HOUR)
    assert [(c.unit_code, c.room, c.bed) for c in before] == [("2010", "12", "1")]
    assert [(c.unit_code, c.room, c.bed) for c in after] == [("2020", "05", "2")]
    assert before[0].patient["birth_family"] == "DUPONT"
    assert census_as_of(T0 - HOUR) == []


def test_cancelled_transfer_puts_the_patient_back() -> None:
    feed([adt("A01", "M1", movement="MV1")], at=T0)
    feed([adt("A02", "M2", movement="MV2", unit="2020", start="20250112140000")], at=T0 + HOUR)
    feed(
        [
            adt(
                "A12",
                "M3",
                movement="MV2",
                unit="2010",
                action="CANCEL",
                original="A02",
                start="20250112140000",
            )
        ],
        at=T0 + 2 * HOUR,
    )
    stay = Stay.objects.get()
    assert (stay.unit_code, stay.status) == ("2010", "admitted")


def test_freeze_holds_a_new_admission_until_applied() -> None:
    actions.freeze(actor="system:test", reason="suspicion de compromission")
    outcome = feed([adt("A01", "M1")], at=T0)[0]
    assert outcome.code == "AA"
    assert _msa3(outcome.ack) == "held: mirror frozen"
    assert Stay.objects.count() == 0
    assert Inbound.objects.get().state == "held"
    with pytest.raises(AutarcieError, match="frozen"):
        actions.apply_held(actor="system:test")
    actions.unfreeze(actor="system:test")
    assert Stay.objects.count() == 0  # unfreezing alone applies nothing
    assert actions.apply_held(actor="system:test") == {"applied": 1, "quarantined": 0}
    assert Stay.objects.get().status == "admitted"
    journal = set(JournalEntry.objects.values_list("action", flat=True))
    assert {"mirror.frozen", "mirror.unfrozen", "mirror.held_applied"} <= journal


def test_held_input_can_be_discarded_with_a_reason_and_is_kept() -> None:
    actions.freeze(actor="system:test", reason="attaque")
    inbound_id = feed([adt("A01", "M1")], at=T0)[0].inbound_id
    assert inbound_id is not None
    with pytest.raises(AutarcieError, match="reason"):
        actions.discard(actor="system:test", ids=[inbound_id], reason=" ", states=["held"])
    assert (
        actions.discard(
            actor="system:test",
            ids=[inbound_id],
            reason="émis après compromission",
            states=["held"],
        )
        == 1
    )
    kept = Inbound.objects.get(pk=inbound_id)
    assert kept.state == "discarded"
    assert bytes(kept.raw).startswith(b"MSH")


def test_quarantined_message_can_be_reprocessed_or_discarded() -> None:
    broken = adt("A01", "M1").replace(b"PV1|1|I", b"PV1|1|I").replace(b"ZBE|", b"ZXX|")
    outcome = feed([broken], at=T0)[0]
    assert outcome.code in ("AE", "AR")
    assert outcome.inbound_id is not None
    assert actions.reprocess(actor="system:test", inbound_id=outcome.inbound_id) == "quarantined"
    actions.discard(
        actor="system:test", ids=[outcome.inbound_id], reason="doublon", states=["quarantined"]
    )
    assert Inbound.objects.get().state == "discarded"


def test_merge_keeps_both_patients_and_moves_the_stay() -> None:
    feed([adt("A01", "M1", ipp="IPP-A", nda="NDA-A")], at=T0)
    feed([adt("A28", "M2", ipp="IPP-B", family="DUPONT")], at=T0)
    feed([adt("A40", "M3", ipp="IPP-B", mrg="IPP-A")], at=T0 + HOUR)
    merged = Patient.objects.get(ipp="IPP-A")
    survivor = Patient.objects.get(ipp="IPP-B")
    assert merged.merged_into_id == survivor.pk
    assert Stay.objects.get().patient_id == survivor.pk


def test_ins_is_trusted_only_for_a_qualified_identity() -> None:
    nir = "279035121518989"
    feed(
        [
            adt("A28", "M1", ipp="Q1", statuses="VALI", ins=nir),
            adt("A28", "M2", ipp="P1", statuses="PROV", ins=nir),
        ],
        at=T0,
    )
    assert Patient.objects.get(ipp="Q1").ins_trusted is True
    assert Patient.objects.get(ipp="P1").ins_trusted is False


def test_hidden_identity_is_marked() -> None:
    feed([adt("A28", "M1", statuses="PROV~CACH")], at=T0)
    assert Patient.objects.get().hidden is True


def test_a08_is_refused_as_pam_france_says() -> None:
    outcome = feed([adt("A08", "M1")], at=T0)[0]
    assert outcome.code == "AR"
    assert "A08" in _msa3(outcome.ack)
    assert Inbound.objects.get().state == "refused"


def test_merge_received_before_the_merged_identity_is_kept() -> None:
    feed([adt("A28", "M1", ipp="IPP-B", family="DUPONT")], at=T0)
    feed([adt("A40", "M2", ipp="IPP-B", mrg="IPP-A")], at=T0 + HOUR)
    feed([adt("A28", "M3", ipp="IPP-A", family="DUPOND")], at=T0 + 2 * HOUR)
    merged = Patient.objects.get(ipp="IPP-A")
    assert merged.merged_into_id == Patient.objects.get(ipp="IPP-B").pk
    assert merged.birth_family == "DUPOND"  # its own identity arrived later and filled it
