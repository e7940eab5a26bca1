"""What the HTTP benchmarks share: a served instance on a free port, and logged-in clients.

A `Browser` is one person: its own keep-alive connection, its cookies and the last CSRF token
it was given; forms are posted with that token, as a browser would.
"""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(data: Path, env: dict[str, str], workers: int = 2) -> tuple[subprocess.Popen[bytes], int]:
    """`autarcie serve` on a free loopback port, once it listens."""
    port = free_port()
    command = [sys.executable, "-m", "autarcie.cli", "serve", "--data-dir", str(data)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    server = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            if server.poll() is not None:
                raise SystemExit("autarcie serve stopped at start-up") from None
            time.sleep(0.1)  # waiting for a child process to listen, not timing anything
    server.kill()
    raise SystemExit("autarcie serve did not listen within 60 s")


class Browser:
    """One person's browser against the served instance."""

    def __init__(self, port: int, timeout: float = 120) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """(status, page text, Location header); a form is posted with the CSRF token."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode({**form, "csrfmiddlewaretoken": self.csrf})
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection: reconnect once, as browsers do.
            self.conn.close()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        token = _CSRF.search(text)
        if token:
            self.csrf = token.group(1)
        return response.status, text, response.getheader("Location", "")

    def log_in(self, username: str, password: str) -> None:
        self.request("GET", "/connexion/")
        status, _text, _location = self.request(
            "POST", "/connexion/", {"username": username, "password": password}
        )
        if status != 302:
            raise SystemExit(f"bench login of {username} failed with HTTP {status}")
