"""The MLLP listener over real loopback sockets, with real commits in the test database."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from autarcie.core import journal
from autarcie.core.models import JournalEntry
from autarcie.mirror.hl7.mllp import frame
from autarcie.mirror.hl7.parser import parse_message
from autarcie.mirror.listener import server_tls_context
from autarcie.mirror.models import Inbound, MirrorState, Patient, Version
from autarcie.mirror.sender import client_tls_context
from autarcie.mirror.senders import parse_policy
from tests.mirror_net.conftest import MllpClient, StartListener, msa
from tests.mirror_net.messages import pam, stay, truncated


def test_ack_comes_after_commit_so_the_message_is_visible_at_once(
    start_listener: StartListener,
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    ack = client.send(pam("A01", "FRESH-1", 7))
    assert msa(ack) == ("AA", "FRESH-1", "")
    # Read from the test's own connection, not the listener's: the ACK promised a commit.
    assert Inbound.objects.get(control_id="FRESH-1").state == "applied"
    assert Patient.objects.count() == 1
    client.close()


def test_truncated_message_gets_an_error_ack_with_its_reason_and_is_kept(
    start_listener: StartListener,
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    ack = client.send(truncated("CUT-1"))
    code, control_id, text = msa(ack)
    assert (code, control_id) == ("AE", "CUT-1")
    assert "PID" in text
    err = parse_message(ack).segment("ERR")
    assert err is not None and err.text(4) == "E"
    kept = Inbound.objects.get(control_id="CUT-1")
    assert kept.state == "quarantined"
    assert bytes(kept.raw) == truncated("CUT-1")


def test_unreadable_frame_gets_ar_and_its_bytes_are_kept(start_listener: StartListener) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    code, _control_id, text = msa(client.send(b"this is not HL7"))
    assert code == "AR"
    assert text
    assert bytes(Inbound.objects.get(state="quarantined").raw) == b"this is not HL7"


def test_peer_outside_the_accepted_networks_gets_ar(start_listener: StartListener) -> None:
    running = start_listener(parse_policy("10.0.0.0/8"))
    client = MllpClient(running.port)
    code, _control_id, text = msa(client.send(pam("A01", "OUTSIDER-1", 1)))
    assert code == "AR"
    assert "sender not accepted" in text
    assert Inbound.objects.get().state == "refused"
    assert Patient.objects.count() == 0


def test_sending_application_not_accepted_gets_ar(start_listener: StartListener) -> None:
    running = start_listener(parse_policy("127.0.0.1=OTHER^APP"))
    client = MllpClient(running.port)
    assert msa(client.send(pam("A01", "APP-1", 1)))[0] == "AR"
    assert JournalEntry.objects.filter(action=journal.Action.FEED_SENDER_REJECTED).count() == 1


def test_repeated_message_is_acknowledged_again_and_not_applied_twice(
    start_listener: StartListener,
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    assert msa(client.send(pam("A01", "TWICE-1", 3)))[0] == "AA"
    versions = Version.objects.count()
    code, control_id, text = msa(client.send(pam("A01", "TWICE-1", 3)))
    assert (code, control_id) == ("AA", "TWICE-1")
    assert "duplicate" in text
    assert Inbound.objects.count() == 1
    assert Version.objects.count() == versions


def test_frozen_mirror_holds_input_and_answers_aa_held(start_listener: StartListener) -> None:
    MirrorState.objects.create(pk=1, frozen=True)
    running = start_listener()
    client = MllpClient(running.port)
    assert msa(client.send(pam("A01", "HELD-1", 5))) == ("AA", "HELD-1", "held: mirror frozen")
    assert Inbound.objects.get(control_id="HELD-1").state == "held"
    assert Patient.objects.count() == 0


FOUR_UNITS = ("2010", "2020", "3010", "4410")  # A01, three A02, A03: five messages a stay


def _one_connection(port: int, connection: int, acks: dict[int, list[str]]) -> None:
    client = MllpClient(port)
    received = []
    for patient in range(10):
        for raw in stay(connection * 100 + patient, f"C{connection}", FOUR_UNITS):
            code, control_id, _text = msa(client.send(raw))
            received.append(f"{code}:{control_id}")
    client.close()
    acks[connection] = received


def test_sixteen_connections_of_fifty_messages_each_keep_their_order(
    start_listener: StartListener,
) -> None:
    running = start_listener()
    acks: dict[int, list[str]] = {}
    workers = [
        threading.Thread(target=_one_connection, args=(running.port, n, acks)) for n in range(16)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=100)
    assert sorted(acks) == list(range(16))
    for connection, received in acks.items():
        sent = [
            f"AA:C{connection}-{connection * 100 + patient}-{step}"
            for patient in range(10)
            for step in range(5)
        ]
        assert received == sent
    assert Inbound.objects.filter(state="applied").count() == 16 * 50
    assert journal.verify().ok


def test_pipelined_messages_share_commits_and_are_answered_in_order(
    start_listener: StartListener,
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    raws = [raw for patient in range(40) for raw in stay(patient, "P")]
    client.send_bytes(b"".join(frame(raw) for raw in raws))
    answered = [msa(client.receive())[1] for _ in raws]
    assert answered == [f"P-{patient}-{step}" for patient in range(40) for step in range(3)]
    committer = running.listener.committer
    assert committer is not None
    assert committer.batches < len(raws)  # group commit: fewer commits than messages


def test_garbage_between_frames_is_dropped_and_both_frames_answered(
    start_listener: StartListener, caplog: pytest.LogCaptureFixture
) -> None:
    running = start_listener()
    client = MllpClient(running.port)
    noise = b"TESTNOM-SECRET garbage"
    client.send_bytes(frame(pam("A01", "G-1", 1)) + noise + frame(pam("A01", "G-2", 2)))
    with caplog.at_level(logging.WARNING):
        first, second = msa(client.receive()), msa(client.receive())
    assert (first[:2], second[:2]) == (("AA", "G-1"), ("AA", "G-2"))
    assert Inbound.objects.filter(state="applied").count() == 2
    assert "outside a frame" in caplog.text
    assert "TESTNOM" not in caplog.text


def test_oversize_frame_is_refused_the_connection_closed_and_earlier_frames_kept(
    start_listener: StartListener, caplog: pytest.LogCaptureFixture
) -> None:
    running = start_listener(max_frame=2000)
    client = MllpClient(running.port)
    big = pam("A01", "BIG-1", 2) + b"\rNTE|1||" + b"X" * 5000
    with caplog.at_level(logging.WARNING):
        client.send_bytes(frame(pam("A01", "SMALL-1", 1)) + frame(big))
        assert msa(client.receive())[:2] == ("AA", "SMALL-1")
        code, _control_id, text = msa(client.receive())
        assert code == "AR"
        assert "larger than 2000 bytes" in text
        assert client.closed_by_peer()
    assert list(Inbound.objects.values_list("control_id", flat=True)) == ["SMALL-1"]
    assert "over the size limit" in caplog.text


def test_tls_round_trip(start_listener: StartListener, self_signed: tuple[Path, Path]) -> None:
    cert, key = self_signed
    running = start_listener(tls=server_tls_context(cert, key))
    client = MllpClient(running.port, tls=client_tls_context(cert))
    assert msa(client.send(pam("A01", "TLS-1", 1)))[:2] == ("AA", "TLS-1")
    client.close()
    plain = MllpClient(running.port)
    plain.send_bytes(frame(pam("A01", "PLAIN-1", 2)))
    with pytest.raises(ConnectionError):
        plain.receive()
    assert not Inbound.objects.filter(control_id="PLAIN-1").exists()


def test_stop_journals_the_start_and_the_stop(start_listener: StartListener) -> None:
    running = start_listener()
    MllpClient(running.port).send(pam("A01", "S-1", 1))
    running.stop()
    actions = list(JournalEntry.objects.values_list("action", flat=True))
    assert journal.Action.LISTENER_STARTED in actions
    assert actions[-1] == journal.Action.LISTENER_STOPPED
    assert journal.verify().ok
