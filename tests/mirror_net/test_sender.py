"""The MLLP client: answers counted per code, order kept per patient, resends after a drop."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from autarcie.cli import main
from autarcie.mirror.hl7.mllp import MllpDecoder, frame
from autarcie.mirror.models import Inbound
from autarcie.mirror.sender import (
    AckReceived,
    control_id_of,
    lanes,
    read_ack,
    send_messages,
)
from tests.mirror_net.conftest import StartListener
from tests.mirror_net.messages import pam, stay, truncated


def test_read_ack_gives_code_control_id_and_text() -> None:
    ack = b"MSH|^~\\&|A|B|C|D|20250101||ACK^A01^ACK|X1|P|2.5\rMSA|AE|MSG7|PID missing\rERR|||"
    assert read_ack(ack) == AckReceived("AE", "MSG7", "PID missing")
    assert read_ack(b"garbage").code == "invalid"
    assert read_ack(b"MSH|^~\\&|A\rEVN|").code == "invalid"


def test_control_id_is_msh_10_whatever_the_line_ends() -> None:
    assert control_id_of(pam("A01", "CID-1", 1)) == "CID-1"
    assert control_id_of(pam("A01", "CID-2", 1).replace(b"\r", b"\r\n")) == "CID-2"
    assert control_id_of(b"PID|1") == ""


def test_lanes_keep_each_patient_on_one_connection_in_order() -> None:
    raws = [raw for patient in range(30) for raw in stay(patient, "L")]
    split = lanes(raws, 4)
    assert sorted(i for lane in split for i in lane) == list(range(len(raws)))
    for lane in split:
        assert lane == sorted(lane)
    owner = {control_id_of(raws[i]).split("-")[1]: n for n, lane in enumerate(split) for i in lane}
    for n, lane in enumerate(split):
        assert all(owner[control_id_of(raws[i]).split("-")[1]] == n for i in lane)


def test_answers_are_counted_per_code(start_listener: StartListener) -> None:
    running = start_listener()
    raws = [*stay(1, "K"), truncated("K-CUT"), *stay(2, "K")]
    seen: list[int] = []
    report = send_messages(
        raws, "127.0.0.1", running.port, on_ack=lambda index, _ack: seen.append(index)
    )
    assert report.counts == {"AA": 6, "AE": 1}
    assert not report.ok
    assert sorted(seen) == list(range(7))
    assert "AA 6, AE 1" in report.summary()


def test_many_connections_keep_each_patients_messages_in_order(
    start_listener: StartListener,
) -> None:
    running = start_listener()
    raws = [raw for patient in range(24) for raw in stay(patient, "M", ("2010", "2020"))]
    report = send_messages(raws, "127.0.0.1", running.port, connections=6)
    assert report.ok, report.summary()
    arrival = dict(Inbound.objects.values_list("control_id", "id"))
    for patient in range(24):
        ids = [arrival[f"M-{patient}-{step}"] for step in range(3)]
        assert ids == sorted(ids)


class DroppingReceiver:
    """A receiver that hangs up on its first message unanswered, then answers AA."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        hang_up = True
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self._talk(conn, hang_up)
            hang_up = False

    def _talk(self, conn: socket.socket, hang_up: bool) -> None:
        decoder = MllpDecoder()
        while data := conn.recv(65536):
            for payload in decoder.feed(data):
                self.received.append(payload)
                if hang_up:
                    return
                msa = f"MSA|AA|{control_id_of(payload)}"
                conn.sendall(frame(f"MSH|^~\\&|R|R|S|S|20250101||ACK|A|P|2.5\r{msa}".encode()))

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def dropping_receiver() -> Iterator[DroppingReceiver]:
    receiver = DroppingReceiver()
    yield receiver
    receiver.close()


def test_dropped_connection_is_reopened_and_the_unanswered_message_sent_again(
    dropping_receiver: DroppingReceiver,
) -> None:
    raws = [pam("A01", f"D-{n}", n) for n in range(3)]
    report = send_messages(raws, "127.0.0.1", dropping_receiver.port, retries=2)
    assert report.ok, report.summary()
    assert report.reconnections == 1
    assert [control_id_of(r) for r in dropping_receiver.received] == ["D-0", "D-0", "D-1", "D-2"]


def test_nobody_listening_leaves_every_message_unsent() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = int(probe.getsockname()[1])
    report = send_messages(
        [pam("A01", "N-1", 1), pam("A01", "N-2", 2)], "127.0.0.1", port, retries=1
    )
    assert report.counts["unsent"] == 2
    assert report.acknowledged == 0
    assert not report.ok


def test_send_command_replays_a_file_and_fails_when_one_is_not_aa(
    start_listener: StartListener, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running = start_listener()
    good = tmp_path / "good.hl7"
    good.write_bytes(b"\r\n".join(stay(1, "F")).replace(b"\rEVN", b"\nEVN"))
    assert main(["hl7", "send", str(good), "--to", f"127.0.0.1:{running.port}"]) == 0
    assert "AA 3" in capsys.readouterr().out
    bad = tmp_path / "bad.hl7"
    bad.write_bytes(truncated("F-CUT") + b"\n" + stay(2, "F")[0])
    assert main(["hl7", "send", str(bad), "--to", f"127.0.0.1:{running.port}"]) == 1
    assert "AA 1, AE 1" in capsys.readouterr().out


def test_send_command_names_a_file_without_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.hl7"
    empty.write_bytes(b"nothing here\n")
    assert main(["hl7", "send", str(empty), "--to", "127.0.0.1:2575"]) == 2
    assert "holds no HL7 v2 message" in capsys.readouterr().err
