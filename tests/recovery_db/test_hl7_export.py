"""HL7 export: PAM FR, ORU and RAS messages over MLLP, one ACK at a time, resumable."""

from __future__ import annotations

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_segment

from autarcie.core import clock
from autarcie.mirror.hl7.interpret import interpret
from autarcie.mirror.hl7.parser import parse_message
from autarcie.mirror.sender import control_id_of
from autarcie.recovery.exports import export_hl7, hl7_messages
from autarcie.recovery.items import Item
from autarcie.recovery.models import ExportRecord, Status
from autarcie.recovery.records import downtime_items
from tests.recovery_db.conftest import reconcile_all_as_new
from tests.recovery_db.servers import mllp_receiver


def _hl7_items() -> list[Item]:
    return [i for i in downtime_items() if "hl7" in i.channels and i.target is not None]


def test_every_message_is_read_by_our_own_reader_and_strict_hl7apy(downtime: None) -> None:
    reconcile_all_as_new()
    built = hl7_messages(_hl7_items(), clock.now())
    types = set()
    for message in built:
        parsed = parse_message(message.raw)
        interpret(parsed)  # raises on anything it cannot understand
        types.add(f"{parsed.message_code}^{parsed.trigger_event}")
        for text in message.raw.decode().split("\r"):
            if text and not text.startswith("Z"):
                segment = parse_segment(
                    text, version="2.5", validation_level=VALIDATION_LEVEL.STRICT
                )
                assert segment.validate(), text
    assert {"ADT^A28", "ADT^A04", "ADT^A02", "ADT^A03", "ORU^R01", "RAS^O17"} <= types
    assert len({m.control_id for m in built}) == len(built)


def _per_patient(payloads: list[bytes]) -> dict[str, list[str]]:
    """Control ids in the order received, for each patient (PID-3)."""
    order: dict[str, list[str]] = {}
    for raw in payloads:
        pid = next(s for s in raw.decode().split("\r") if s.startswith("PID|"))
        order.setdefault(pid.split("|")[3], []).append(control_id_of(raw))
    return order


def test_one_refused_message_is_rejected_with_its_reason_and_resent_alone(
    downtime: None,
) -> None:
    reconcile_all_as_new()
    items = _hl7_items()
    refused = hl7_messages(items, clock.now())[3]

    def judge(raw: bytes) -> str | None:
        return "UF inconnue dans le SIH" if control_id_of(raw) == refused.control_id else None

    with mllp_receiver(judge) as (port, received):
        summary = export_hl7(actor="system:test", host="127.0.0.1", port=port, ack_timeout=5)
        assert summary.counts == {"acknowledged": len(items) - 1, "rejected": 1}
        row = ExportRecord.objects.get(channel="hl7", status=Status.REJECTED)
        assert row.record == refused.record
        assert row.answer == "AE : UF inconnue dans le SIH"
        assert row.message_id == refused.control_id
        expected = hl7_messages(items, clock.now())
        assert _per_patient(received.payloads) == _per_patient([m.raw for m in expected])
        again = export_hl7(actor="system:test", host="127.0.0.1", port=port, ack_timeout=5)
        assert again.selected == 1
        assert control_id_of(received.payloads[-1]) == refused.control_id
        assert ExportRecord.objects.get(record=refused.record, channel="hl7").attempts == 2


def test_no_receiver_leaves_every_record_sent_without_answer(downtime: None) -> None:
    reconcile_all_as_new()
    summary = export_hl7(actor="system:test", host="127.0.0.1", port=9, retries=0, ack_timeout=2)
    assert summary.counts == {"sent": summary.selected}
    assert (
        ExportRecord.objects.filter(answer="pas d'accusé de réception").count() == summary.selected
    )
