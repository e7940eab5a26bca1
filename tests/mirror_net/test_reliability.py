"""Real processes: a listener killed with SIGKILL mid-stream loses no acknowledged message."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlcipher3

from autarcie.mirror.sender import AckReceived, control_id_of, send_messages
from tests.mirror_net.messages import pam, stay

pytestmark = pytest.mark.slow

PASSWORD = "correct-horse-battery-42"
_ANNOUNCE = re.compile(r"listener on mllp://[^:]+:(\d+)")


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTARCIE_", "DJANGO_", "POSTGRES_")) and k != "DB"
    }
    return {**env, **extra}


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autarcie.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def instance(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    data, key = tmp_path / "data", tmp_path / "keys" / "db.key"
    password = tmp_path / "pw"
    password.write_text(PASSWORD + "\n", encoding="utf-8")
    env = _env(AUTARCIE_DB_KEY_FILE=str(key), AUTARCIE_HL7_SENDERS="127.0.0.1/32")
    done = _cli("init", "--data-dir", str(data), "--admin-password-file", str(password), env=env)
    assert done.returncode == 0, done.stderr
    return data, env


class Child:
    """A CLI process whose stderr is drained by a thread; `port` is the HL7 port it announced."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autarcie.cli", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self.port = 0
        self._announced = threading.Event()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        assert self._announced.wait(timeout=60), "".join(self.lines)
        assert self.port, "".join(self.lines)

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            found = _ANNOUNCE.search(line)
            if found:
                self.port = int(found.group(1))
                self._announced.set()
        self._announced.set()  # ended without announcing: the waiter sees port 0

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        code = self.process.wait(timeout=60)
        self._drainer.join(timeout=30)  # every line written before the end is read
        return code


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    for child in started:
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait(timeout=30)


def _listen(data: Path, env: dict[str, str], children: list[Child]) -> Child:
    child = Child(["hl7", "listen", "--data-dir", str(data), "--port", "0"], env)
    children.append(child)
    return child


def _inbound_counts(data: Path, env: dict[str, str]) -> dict[str, int]:
    key = Path(env["AUTARCIE_DB_KEY_FILE"]).read_text(encoding="ascii").strip()
    conn = sqlcipher3.connect(str(data / "autarcie.db"))
    try:
        conn.execute(f"PRAGMA key = \"x'{key}'\"")
        rows = conn.execute(
            "SELECT control_id, COUNT(*) FROM mirror_inbound GROUP BY control_id"
        ).fetchall()
    finally:
        conn.close()
    return {str(control_id): int(count) for control_id, count in rows}


def test_acknowledged_messages_survive_a_killed_listener_exactly_once(
    instance: tuple[Path, dict[str, str]], children: list[Child]
) -> None:
    data, env = instance
    raws = [raw for patient in range(80) for raw in stay(patient, "R")]
    first = _listen(data, env, children)
    acknowledged: set[str] = set()

    def kill_midway(index: int, ack: AckReceived) -> None:
        assert ack.code == "AA", ack
        acknowledged.add(control_id_of(raws[index]))
        if len(acknowledged) == 100:
            os.kill(first.process.pid, signal.SIGKILL)

    report = send_messages(
        raws, "127.0.0.1", first.port, connections=4, on_ack=kill_midway, retries=0
    )
    assert first.process.wait(timeout=30) == -signal.SIGKILL
    assert len(acknowledged) >= 100
    assert report.counts["unsent"] > 0  # the kill did land mid-stream

    second = _listen(data, env, children)
    rest = [raw for raw in raws if control_id_of(raw) not in acknowledged]
    again = send_messages(rest, "127.0.0.1", second.port, connections=4, retries=2)
    assert again.ok, again.summary()
    assert second.stop() == 0

    counts = _inbound_counts(data, env)
    assert counts == {control_id_of(raw): 1 for raw in raws}
    verify = _cli("journal", "verify", "--data-dir", str(data), env=env)
    assert verify.returncode == 0, verify.stderr


def test_sigterm_stops_the_listener_cleanly_and_journals_it(
    instance: tuple[Path, dict[str, str]], children: list[Child]
) -> None:
    data, env = instance
    child = _listen(data, env, children)
    assert send_messages([pam("A01", "T-1", 1)], "127.0.0.1", child.port).ok
    assert child.stop() == 0
    assert "1 messages committed" in "".join(child.lines)
    verify = _cli("journal", "verify", "--data-dir", str(data), env=env)
    assert verify.returncode == 0, verify.stderr


def test_serve_runs_the_listener_and_stops_it_with_itself(
    instance: tuple[Path, dict[str, str]], children: list[Child]
) -> None:
    data, env = instance
    with socket.create_server(("127.0.0.1", 0)) as probe:
        hl7_port = int(probe.getsockname()[1])
    args = ["serve", "--data-dir", str(data), "--bind", "127.0.0.1:0"]
    serve = Child([*args, "--hl7-port", str(hl7_port)], env)
    children.append(serve)
    assert serve.port == hl7_port
    assert send_messages([pam("A01", "SV-1", 1)], "127.0.0.1", hl7_port).ok
    assert serve.stop() == 0
    assert "HL7 listener stopped: 1 messages committed" in "".join(serve.lines)
    after = send_messages([pam("A01", "SV-2", 2)], "127.0.0.1", hl7_port, retries=0)
    assert after.counts["unsent"] == 1
