"""What the HTTP benchmarks share: a fresh instance, served on a free port, and logged-in clients.

A `Browser` is one person: its own keep-alive connection, its cookies and the last CSRF token
it was given; forms are posted with that token, as a browser would.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


_CLI = (sys.executable, "-m", "autarcie.cli")


def instance_env(key: Path) -> dict[str, str]:
    """This environment without its instance variables, for an instance keyed by `key`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTARCIE_") and k != "DB"}
    env.update(AUTARCIE_DB_KEY_FILE=str(key), AUTARCIE_LOG_LEVEL="WARNING")
    return env


def make_instance(root: Path) -> tuple[Path, Path]:
    """`autarcie init` of a fresh instance under `root`: its data folder and key file."""
    data, key = root / "data", root / "data.key"
    init_instance(data, key, instance_env(key))
    return data, key


def init_instance(data: Path, key: Path, env: dict[str, str]) -> None:
    """`autarcie init` of `data` in `env` (which names the key file and the engine)."""
    password = key.with_name(key.name + ".admin-pw")
    password.write_text(secrets.token_urlsafe(16), encoding="utf-8")
    done = subprocess.run(
        [*_CLI, "init", "--data-dir", str(data), "--admin-password-file", str(password)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"autarcie init failed: {done.stderr.strip()}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(data: Path, env: dict[str, str], workers: int = 2) -> tuple[subprocess.Popen[bytes], int]:
    """`autarcie serve` on a free loopback port, once it listens."""
    port = free_port()
    command = [*_CLI, "serve", "--data-dir", str(data)]
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
            settle(server.pid)
            return server, port
        except OSError:
            if server.poll() is not None:
                raise SystemExit("autarcie serve stopped at start-up") from None
            time.sleep(0.1)  # waiting for a child process to listen, not timing anything
    server.kill()
    raise SystemExit("autarcie serve did not listen within 60 s")


def settle(root_pid: int, limit: float = 300.0) -> float:
    """Wait until the served instance is idle; returns the seconds waited.

    `autarcie serve` starts its schedulers beside the web workers (backups, kits, satellite,
    crisis inbox); each imports the application, and the kits scheduler builds every unit's
    kit at once on a fresh instance, then every hour. Measured before that, pages would share
    the cores with a start-up that a hospital pays once: the benches measure the steady state.
    Idle means two seconds in a row under 5 % of one core, counted per process: a child that
    ends takes its CPU time out of the tree's total, which must not pass for a quiet second.
    """
    started = time.monotonic()
    before = _cpu_by_process(root_pid)
    quiet = 0
    while time.monotonic() - started < limit:
        time.sleep(1.0)  # sampling the instance's CPU use, not timing anything
        now = _cpu_by_process(root_pid)
        used = sum(max(0.0, spent - before.get(pid, 0.0)) for pid, spent in now.items())
        quiet = quiet + 1 if used < 0.05 else 0
        if quiet == 2:
            return time.monotonic() - started
        before = now
    raise SystemExit(f"autarcie serve still busy {limit:.0f} s after start")


def cpu_seconds(root_pid: int) -> float:
    """CPU time used so far by a process and its living descendants (Linux ``/proc``): the
    figure that other load on the machine does not inflate, unlike latencies."""
    return sum(_cpu_by_process(root_pid).values())


def _cpu_by_process(root_pid: int) -> dict[int, float]:
    """CPU seconds of a process and each of its living descendants, by process id."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / tick
    ours = {root_pid}
    grew = True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in ours} - ours
        ours |= found
        grew = bool(found)
    return {pid: times[pid] for pid in ours if pid in times}


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
