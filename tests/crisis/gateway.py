"""A local HTTP SMS gateway for tests: records what it is sent, serves queued replies."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test.utils import override_settings


class Gateway(BaseHTTPRequestHandler):
    sent: list[dict[str, str]]
    incoming: list[dict[str, str]]

    def _json(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.sent.append(payload)
        self._json({"id": f"m{len(self.sent)}", "status": "sent"})

    def do_GET(self) -> None:
        if self.path == "/incoming":
            replies, self.incoming[:] = list(self.incoming), []
            self._json(replies)
        else:
            self._json({"status": "sent"})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(name="gateway")
def gateway_fixture() -> Iterator[type[Gateway]]:
    handler = type("Handler", (Gateway,), {"sent": [], "incoming": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    with override_settings(
        CRISIS_SMS_ADAPTER="http", CRISIS_SMS_HTTP_URL=f"http://127.0.0.1:{server.server_port}"
    ):
        yield handler
    server.shutdown()
    thread.join()
