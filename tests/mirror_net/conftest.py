"""Real MLLP over loopback: the listener in a thread of the test, a blocking socket client."""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from autarcie.mirror.hl7.mllp import MllpDecoder, frame
from autarcie.mirror.hl7.parser import parse_message
from autarcie.mirror.listener import Listener, ListenerOptions
from autarcie.mirror.senders import SenderPolicy, parse_policy

LOOPBACK = parse_policy("127.0.0.0/8,::1/128")


class ListenerThread:
    """A listener with its own event loop in a thread, so the test can talk to it."""

    def __init__(self, options: ListenerOptions, policy: SenderPolicy) -> None:
        self.listener = Listener(options, policy)
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="test-listener")

    @property
    def port(self) -> int:
        return self.listener.port

    def _run(self) -> None:
        async def main() -> None:
            try:
                await self.listener.start()
            except BaseException as exc:
                self._error = exc
                return
            finally:
                self._started.set()
            await self.listener.run_until_stopped()

        asyncio.run(main())

    def start(self) -> ListenerThread:
        self._thread.start()
        assert self._started.wait(timeout=30), "the listener did not start"
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self.listener.request_stop()
        self._thread.join(timeout=60)
        assert not self._thread.is_alive(), "the listener did not stop"


StartListener = Callable[..., ListenerThread]


@pytest.fixture
def start_listener(transactional_db: None) -> Iterator[StartListener]:
    """Start listeners on free loopback ports; each is stopped (gracefully) at the end."""
    running: list[ListenerThread] = []

    def start(policy: SenderPolicy = LOOPBACK, **options: object) -> ListenerThread:
        settings = ListenerOptions(host="127.0.0.1", port=0, **options)  # type: ignore[arg-type]
        thread = ListenerThread(settings, policy).start()
        running.append(thread)
        return thread

    yield start
    for thread in running:
        if thread.listener.committer is not None:
            thread.stop()


class MllpClient:
    """A blocking MLLP client: what a plain interface engine does, byte for byte."""

    def __init__(self, port: int, tls: ssl.SSLContext | None = None) -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock = tls.wrap_socket(sock, server_hostname="127.0.0.1") if tls else sock
        self.decoder = MllpDecoder()
        self.ready: list[bytes] = []

    def send_bytes(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, raw: bytes) -> bytes:
        self.send_bytes(frame(raw))
        return self.receive()

    def receive(self) -> bytes:
        while not self.ready:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the listener closed the connection")
            self.ready += self.decoder.feed(data)
        return self.ready.pop(0)

    def closed_by_peer(self) -> bool:
        return self.sock.recv(1) == b""

    def close(self) -> None:
        self.sock.close()


def msa(ack: bytes) -> tuple[str, str, str]:
    """(MSA-1 code, MSA-2 control id, MSA-3 text) of an ACK, read by the project's parser."""
    segment = parse_message(ack).segment("MSA")
    assert segment is not None
    return segment.text(1), segment.text(2), segment.text(3)


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1, made by the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    new = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    files = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        ["openssl", *new, *subject, *files],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key
