"""Edge framing as interface engines send it, over real loopback sockets and `hl7 send`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from autarcie.cli import main
from autarcie.mirror.hl7.mllp import frame
from autarcie.mirror.hl7.parser import Message, parse_message, split_batch
from autarcie.mirror.models import Inbound, Patient, Stay
from autarcie.mirror.senders import parse_policy
from tests.mirror_net.conftest import MllpClient, StartListener, msa
from tests.mirror_net.messages import pam

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hl7v2"
BOM = b"\xef\xbb\xbf"
# File and batch headers as a public sample writes them (python-hl7's VINAH file batch).
FHS = b"FHS|^~\\&||ABCHS||AUSDHSV|20070101123401|||abchs20070101123401.hl7|"
BHS = b"BHS|^~\\&||ABCHS||AUSDHSV|20070101123401||||abchs20070101123401-1"


def _padded(raw: bytes) -> bytes:
    """The message as a Windows editor leaves it: a BOM, spaces after every segment."""
    lines = raw.replace(b"\r\n", b"\r").replace(b"\n", b"\r").split(b"\r")
    return BOM + b"  \r\n".join(lines) + b"   "


def _err_location(ack: bytes) -> str:
    err = parse_message(ack).segment("ERR")
    assert err is not None
    return err.field(2).raw


def _send(files: list[Path], port: int) -> int:
    return main(["hl7", "send", *map(str, files), "--to", f"127.0.0.1:{port}"])


def test_message_with_bom_and_trailing_spaces_is_applied(start_listener: StartListener) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    hidden = pam("A01", "BOM-1", 1).replace(b"|PROV\r", b"|PROV~CACH\r")
    lab = (FIXTURES / "LAB-ORU-1.hl7").read_bytes().replace(b"|182|T|", b"|LAB-BOM|P|")
    for raw, control_id in ((_padded(hidden), "BOM-1"), (_padded(lab), "LAB-BOM")):
        assert msa(client.send(raw))[:2] == ("AA", control_id)
        kept = Inbound.objects.get(control_id=control_id)
        assert kept.state == "applied"
        assert bytes(kept.raw) == raw  # kept exactly as received, BOM and spaces included
    # PID-32 ended the line: read without its padding, the identity is hidden as sent.
    patient = Patient.objects.get(ipp="IPP0000001")
    assert (patient.statuses, patient.hidden) == ("PROV CACH", True)
    assert Stay.objects.get(patient=patient).movements.get().nature == "HMS"
    client.close()


def test_frame_ending_with_a_lone_end_block_is_answered_at_once(
    start_listener: StartListener,
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    # The sender ends its frame with 0x1C alone and waits: no 0x0D will ever come.
    client.sock.settimeout(10)
    client.send_bytes(b"\x0b" + pam("A01", "LONE-1", 1) + b"\x1c")
    assert msa(client.receive())[:2] == ("AA", "LONE-1")
    assert msa(client.send(pam("A01", "LONE-2", 2)))[:2] == ("AA", "LONE-2")
    client.close()


def test_send_command_sends_files_ending_with_an_mllp_end_block_or_a_bare_cr(
    start_listener: StartListener, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running = start_listener()
    captured = tmp_path / "captured.hl7"  # two frames written by an MLLP capture
    captured.write_bytes(frame(pam("A01", "END-1", 1)) + frame(pam("A01", "END-2", 2)))
    lone_end = tmp_path / "lone_end.hl7"
    lone_end.write_bytes(pam("A01", "END-3", 3) + b"\r\x1c")
    bare_cr = tmp_path / "bare_cr.hl7"
    bare_cr.write_bytes(pam("A01", "END-4", 4) + b"\r")
    assert _send([captured, lone_end, bare_cr], running.port) == 0
    assert "AA 4" in capsys.readouterr().out
    for number in range(1, 5):
        kept = Inbound.objects.get(control_id=f"END-{number}")
        assert kept.state == "applied"
        assert bytes(kept.raw) == pam("A01", f"END-{number}", number)


def test_send_command_sends_a_batch_file_as_its_messages_without_the_envelope(
    start_listener: StartListener, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running = start_listener()
    raws = [pam("A01", f"BATCH-{n}", n) for n in range(1, 4)]
    batch = tmp_path / "batch.hl7"
    lines = [FHS, BHS, raws[0], raws[1], b"BTS|2", BHS, raws[2], b"BTS|1", b"FTS|2"]
    batch.write_bytes(b"\r".join(lines) + b"\r")
    assert _send([batch], running.port) == 0
    assert "AA 3" in capsys.readouterr().out
    kept = Inbound.objects.filter(control_id__startswith="BATCH-").order_by("id")
    assert [bytes(row.raw) for row in kept] == raws
    assert {row.state for row in kept} == {"applied"}
    # The public sample: one message, header and trailers dropped.
    (public,) = split_batch((FIXTURES / "python-hl7_vinah_file_batch.hl7").read_bytes())
    assert public.startswith(b"MSH|") and public.endswith(b"PV1|1|O||||^^^^^1")


def _batch_ack_parts(answer: bytes) -> tuple[list[bytes], list[Message]]:
    lines = answer.rstrip(b"\r").split(b"\r")
    envelope = [line for line in lines if line[:3] in (b"FHS", b"BHS", b"BTS", b"FTS")]
    return envelope, [parse_message(raw) for raw in split_batch(answer)]


def test_batch_in_one_frame_gets_one_batch_ack_and_every_message_applied(
    start_listener: StartListener,
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    raws = [pam("A01", f"FRAME-{n}", n) for n in range(1, 4)]
    client.send_bytes(frame(b"\r".join([FHS, BHS, *raws, b"BTS|3", b"FTS|1"]) + b"\r"))
    envelope, acks = _batch_ack_parts(client.receive())
    assert [line[:3] for line in envelope] == [b"FHS", b"BHS", b"BTS", b"FTS"]
    bhs = envelope[1].split(b"|")
    assert bhs[4:6] == [b"", b"ABCHS"]  # sender and receiver swapped
    assert bhs[11] == b"abchs20070101123401-1"  # BHS-12 names the batch answered
    assert envelope[2] == b"BTS|3"
    assert [msa(ack.raw) for ack in acks] == [("AA", f"FRAME-{n}", "") for n in range(1, 4)]
    assert Inbound.objects.filter(control_id__startswith="FRAME-", state="applied").count() == 3
    # One frame in, one frame out: the next message gets its own plain ACK.
    assert msa(client.send(pam("A01", "AFTER-1", 4)))[:2] == ("AA", "AFTER-1")
    client.close()


@pytest.mark.parametrize("msh2", [b"^~\\\\&", b"^~\\"], ids=["doubled-escape", "three-chars"])
def test_odd_msh2_is_refused_naming_the_message_and_the_field(
    start_listener: StartListener, msh2: bytes
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    raw = pam("A01", "ODD-1", 1).replace(b"MSH|^~\\&|", b"MSH|" + msh2 + b"|", 1)
    ack = client.send(raw)
    code, control_id, text = msa(ack)
    assert (code, control_id) == ("AR", "ODD-1")
    assert text.startswith(f'MSH-2 (encoding characters) "{msh2.decode()}" cannot be read')
    assert "expected 4 characters ^~\\&" in text
    assert _err_location(ack) == "MSH^1^2"
    kept = Inbound.objects.get()
    assert (kept.state, kept.error_location, bytes(kept.raw)) == ("quarantined", "MSH^1^2", raw)
    client.close()


def test_ack_sent_to_the_listener_is_kept_and_never_answered(
    start_listener: StartListener, caplog: pytest.LogCaptureFixture
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    ack = (
        b"MSH|^~\\&|SIMUL_GAM|CH-TEST|MIROIR|CH-TEST|20250110080000||ACK^A01^ACK|ACK-9|P|2.5\r"
        b"MSA|AE|MSG-7|PID-3 TESTNOM missing\r"
    )
    with caplog.at_level(logging.INFO):
        client.send_bytes(frame(ack))
        # The first answer on the connection is the next message's: the ACK got none.
        assert msa(client.send(pam("A01", "NEXT-1", 1)))[:2] == ("AA", "NEXT-1")
    kept = Inbound.objects.get(event="ACK^A01")
    assert kept.state == "ignored"
    assert bytes(kept.raw) == ack
    assert "HL7 ACK from 127.0.0.1 kept" in caplog.text
    assert "TESTNOM" not in caplog.text
    client.close()


def test_refused_message_names_the_field_in_err_2(start_listener: StartListener) -> None:
    running = start_listener(parse_policy("127.0.0.1=OTHER^APP"))
    client = MllpClient(running.port)
    no_type = pam("A01", "NOTYPE-1", 1).replace(b"|ADT^A01^ADT_A01|", b"||", 1)
    ack = client.send(no_type)
    assert msa(ack)[:2] == ("AR", "NOTYPE-1")
    assert _err_location(ack) == "MSH^1^9"
    ack = client.send(pam("A01", "APP-1", 2))
    assert msa(ack)[0] == "AR"
    assert _err_location(ack) == "MSH^1^3"
    client.close()


def test_refused_trigger_and_message_type_name_their_component_in_err_2(
    start_listener: StartListener,
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    a08 = pam("A01", "A08-1", 1).replace(b"|ADT^A01^ADT_A01|", b"|ADT^A08^ADT_A01|", 1)
    ack = client.send(a08)
    assert msa(ack)[:2] == ("AR", "A08-1")
    assert _err_location(ack) == "MSH^1^9^1^2"  # ERL: field 9, repetition 1, component 2
    query = pam("A01", "QRY-1", 2).replace(b"|ADT^A01^ADT_A01|", b"|QRY^A19^QRY_A19|", 1)
    ack = client.send(query)
    assert msa(ack)[:2] == ("AR", "QRY-1")
    assert _err_location(ack) == "MSH^1^9^1^1"
    client.close()


def test_public_file_batch_in_one_frame_is_answered_per_message_in_one_batch(
    start_listener: StartListener,
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    data = (FIXTURES / "python-hl7_vinah_file_batch.hl7").read_bytes()
    client.send_bytes(frame(data))
    envelope, acks = _batch_ack_parts(client.receive())
    assert [line[:3] for line in envelope] == [b"FHS", b"BHS", b"BTS", b"FTS"]
    assert envelope[1].split(b"|")[11] == b"abchs20070101123401-1"
    # Its PID-3 has no identifier typed PI: refused on its own, inside the batch answer.
    ((code, control_id, _text),) = [msa(ack.raw) for ack in acks]
    assert (code, control_id) == ("AE", "12334456778890")
    assert _err_location(acks[0].raw) == "PID^1^3"
    (kept,) = Inbound.objects.all()
    assert kept.state == "quarantined"
    assert bytes(kept.raw) == split_batch(data)[0]
    client.close()
