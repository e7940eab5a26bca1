"""Real loopback receivers for the exports: an MLLP listener and a FHIR transaction endpoint."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from autarcie.mirror.hl7.mllp import MllpDecoder, frame
from autarcie.mirror.sender import control_id_of

# Returns the reason to refuse a message/bundle, or None to accept it.
Judge = Callable[[bytes], str | None]


@dataclass
class Received:
    payloads: list[bytes] = field(default_factory=list)


def ack_for(raw: bytes, code: str, text: str) -> bytes:
    control = control_id_of(raw)
    return (
        f"MSH|^~\\&|SIH|CH|AUTARCIE|CH|20260101000000||ACK|A{control}|P|2.5\r"
        f"MSA|{code}|{control}|{text}\r"
    ).encode()


@contextmanager
def mllp_receiver(judge: Judge) -> Iterator[tuple[int, Received]]:
    """An HIS-like MLLP listener on loopback: AA, or AE with the judge's reason."""
    received = Received()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            decoder = MllpDecoder()
            while data := self.request.recv(65536):
                for raw in decoder.feed(data):
                    received.payloads.append(raw)
                    reason = judge(raw)
                    answer = ack_for(raw, "AE", reason) if reason else ack_for(raw, "AA", "")
                    self.request.sendall(frame(answer))

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()


def _transaction_response(bundle: dict[str, Any]) -> dict[str, Any]:
    entries = [
        {"response": {"status": "201 Created", "location": f"{e['resource']['resourceType']}/{n}"}}
        for n, e in enumerate(bundle.get("entry", []), start=1)
    ]
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}


@contextmanager
def fhir_server(judge: Judge) -> Iterator[tuple[str, Received]]:
    """A FHIR base URL answering transaction-response, or 422 with an OperationOutcome."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.payloads.append(body)
            reason = judge(body)
            if reason:
                status = 422
                answer: dict[str, Any] = {
                    "resourceType": "OperationOutcome",
                    "issue": [
                        {"severity": "error", "code": "business-rule", "diagnostics": reason}
                    ],
                }
            else:
                status, answer = 200, _transaction_response(json.loads(body))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/fhir", received
    finally:
        server.shutdown()
        server.server_close()
