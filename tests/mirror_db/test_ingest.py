"""HL7 messages through the ingest path: stored, projected, acknowledged, quarantined."""

from __future__ import annotations

import datetime as dt

import pytest

from autarcie.core import journal
from autarcie.mirror.hl7.parser import parse_message
from autarcie.mirror.models import Inbound, Patient, Result, Stay, Version
from tests.mirror_db.builders import AUTH, adt
from tests.mirror_db.conftest import T0, feed, messages

pytestmark = pytest.mark.django_db


def _msa(ack: bytes) -> tuple[str, str]:
    msa = parse_message(ack).segment("MSA")
    assert msa is not None
    return msa.text(1), msa.text(3)


def test_pam_sequence_is_accepted_and_ends_discharged() -> None:
    raws = messages("pamfr_sequence_A01_A02_A12_Z99_A03.hl7")
    outcomes = feed(raws)
    assert [o.code for o in outcomes] == ["AA"] * len(raws)
    stay = Stay.objects.get()
    assert stay.status == "discharged"
    assert Inbound.objects.filter(state="applied").count() == len(raws)
    assert journal.verify().ok


def test_lab_results_land_on_the_patient() -> None:
    outcomes = feed(messages("LAB-ORU-1.hl7"))
    assert outcomes[0].code == "AA", outcomes[0].ack
    assert Result.objects.count() > 0
    assert Patient.objects.count() == 1


def test_repeated_message_is_acknowledged_again_and_applied_once() -> None:
    raws = messages("pamfr_sequence_A01_A02_A12_Z99_A03.hl7")[:1]
    feed(raws)
    versions = Version.objects.count()
    again = feed(raws, at=T0 + dt.timedelta(minutes=1))
    assert again[0].code == "AA" and again[0].duplicate
    assert Version.objects.count() == versions
    assert Inbound.objects.count() == 1


def test_truncated_message_is_quarantined_with_a_reason() -> None:
    raw = messages("pamfr_sequence_A01_A02_A12_Z99_A03.hl7")[0]
    broken = raw[: raw.index(b"PID")]
    outcome = feed([broken])[0]
    code, text = _msa(outcome.ack)
    assert code in ("AE", "AR")
    assert text
    assert outcome.inbound_id is not None
    kept = Inbound.objects.get(pk=outcome.inbound_id)
    assert kept.state == "quarantined"
    assert bytes(kept.raw) == broken
    assert kept.reason


def test_unknown_sender_is_refused_and_journaled() -> None:
    raw = messages("pamfr_sequence_A01_A02_A12_Z99_A03.hl7")[0]
    outcome = feed([raw], peer="10.9.9.9")[0]
    assert _msa(outcome.ack)[0] == "AR"
    assert Stay.objects.count() == 0
    assert Inbound.objects.get().state == "refused"
    assert "feed.sender_rejected" in journal_actions()


def journal_actions() -> list[str]:
    from autarcie.core.models import JournalEntry

    return list(JournalEntry.objects.values_list("action", flat=True))


def test_one_batch_writes_one_journal_entry_with_the_raw_digest() -> None:
    raws = messages("pamfr_sequence_A01_A02_A12_Z99_A03.hl7")
    feed(raws)
    from autarcie.core.models import JournalEntry

    entries = JournalEntry.objects.filter(action="feed.batch_committed")
    assert entries.count() == 1
    assert entries.get().details["count"] == len(raws)


def test_a_message_that_fails_to_apply_costs_itself_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The batch runs without savepoints, then is redone with them around the failure."""
    from autarcie.mirror import hl7_apply
    from autarcie.mirror.models import FeedStatus

    raws = messages("pamfr_sequence_A01_A02_A12_Z99_A03.hl7")
    real_apply = hl7_apply.apply
    calls: list[str] = []

    def failing_on_the_second(store: object, meaning: object) -> None:
        calls.append(type(meaning).__name__)
        if len(calls) in (2, 4):  # the second message, in each pass (2 calls, then 1 + 1)
            raise RuntimeError("injected fault")
        real_apply(store, meaning)  # type: ignore[arg-type]

    monkeypatch.setattr(hl7_apply, "apply", failing_on_the_second)
    outcomes = feed(raws)
    assert [o.code for o in outcomes] == ["AA", "AE"] + ["AA"] * (len(raws) - 2)
    assert len(calls) == 2 + len(raws)  # fast pass stopped at the failure, then the safe pass
    assert Inbound.objects.count() == len(raws)
    assert outcomes[1].inbound_id is not None
    failed = Inbound.objects.get(pk=outcomes[1].inbound_id)
    assert failed.state == "quarantined"
    assert failed.reason == "internal error while applying: RuntimeError"
    status = FeedStatus.objects.get(feed="hl7")
    assert (status.received, status.applied, status.rejected) == (len(raws), len(raws) - 1, 1)
    assert journal.verify().ok


def test_a_write_the_database_refuses_costs_its_message_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pipelined on PostgreSQL, the refusal surfaces statements later: the batch is redone."""
    from autarcie.mirror import hl7_apply
    from autarcie.mirror.store import Store

    raws = messages("pamfr_sequence_A01_A02_A12_Z99_A03.hl7")
    real_apply = hl7_apply.apply

    def refused_on_the_second(store: Store, meaning: object) -> None:
        real_apply(store, meaning)  # type: ignore[arg-type]
        if store.origin.inbound_id == second_id():
            # A write no database accepts: the version of a resource that has one already.
            store.cursor.execute(
                "INSERT INTO mirror_version (rtype, rkey, version, inbound_id, feed, "
                "received_at, deleted, data) SELECT rtype, rkey, version, inbound_id, feed, "
                "received_at, deleted, data FROM mirror_version WHERE inbound_id = %s",
                [store.origin.inbound_id],
            )

    def second_id() -> int | None:
        ids = sorted(Inbound.objects.values_list("id", flat=True))
        return ids[1] if len(ids) > 1 else None

    monkeypatch.setattr(hl7_apply, "apply", refused_on_the_second)
    outcomes = feed(raws)
    assert [o.code for o in outcomes] == ["AA", "AE"] + ["AA"] * (len(raws) - 2)
    ids = [o.inbound_id or 0 for o in outcomes]
    failed = Inbound.objects.get(pk=ids[1])
    assert failed.state == "quarantined"
    assert failed.reason.startswith("internal error while applying: ")
    assert not Version.objects.filter(inbound_id=failed.pk).exists()
    others = [pk for i, pk in enumerate(ids) if i != 1]
    assert Inbound.objects.filter(pk__in=others, state="applied").count() == len(raws) - 1
    assert journal.verify().ok


def test_an_account_moves_to_another_patient_within_one_batch() -> None:
    # Pipelined on PostgreSQL: the A44's update follows the A01's writes without waiting.
    mrg = f"MRG|IPP001^^^{AUTH}^PI"
    a44 = adt("A44", "M2", ipp="IPP002", family="MARTIN", mrg="IPP001").replace(
        mrg.encode(), f"{mrg}||NDA001^^^{AUTH}^AN".encode()
    )
    outcomes = feed([adt("A01", "M1"), a44])
    assert [o.code for o in outcomes] == ["AA", "AA"]
    stay = Stay.objects.get(nda="NDA001")
    assert Patient.objects.get(pk=stay.patient_id).ipp == "IPP002"


def test_a_message_repeated_inside_one_batch_is_kept_once() -> None:
    raw = messages("pamfr_sequence_A01_A02_A12_Z99_A03.hl7")[0]
    first, second = feed([raw, raw])
    assert (first.code, first.duplicate) == ("AA", False)
    assert (second.code, second.duplicate) == ("AA", True)
    assert second.inbound_id == first.inbound_id
    assert Inbound.objects.count() == 1


def test_feed_status_adds_up_over_batches() -> None:
    from autarcie.mirror.models import FeedStatus

    raws = messages("pamfr_sequence_A01_A02_A12_Z99_A03.hl7")
    feed(raws[:2])
    later = T0 + dt.timedelta(minutes=5)
    feed([*raws[2:], raws[0][: raws[0].index(b"PID")]], at=later)
    status = FeedStatus.objects.get(feed="hl7")
    # The truncated copy reuses MSG0001 with other content: received, rejected, not applied.
    assert status.received == len(raws) + 1
    assert status.applied == len(raws)
    assert status.rejected == 1
    assert status.first_at == T0
    assert status.last_at == later
