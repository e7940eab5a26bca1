"""The backup schedule inside a real `autarcie serve`: sealed backups appear, the last N kept."""

from __future__ import annotations

import fcntl
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.resilience.conftest import REPO, Instance
from tests.resilience.writer import FAMILY

pytestmark = pytest.mark.slow

KEEP = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_serve(instance: Instance, usb: Path) -> subprocess.Popen[bytes]:
    env = {
        **instance.env,
        "AUTARCIE_BACKUP_DIR": str(usb),
        "AUTARCIE_BACKUP_EVERY_SECONDS": "1",
        "AUTARCIE_BACKUP_KEEP": str(KEEP),
        "AUTARCIE_KITS_EVERY_MINUTES": "0",
    }
    command = [sys.executable, "-m", "autarcie.cli", "serve", "--data-dir", str(instance.data)]
    command += ["--bind", f"127.0.0.1:{_free_port()}", "--workers", "1"]
    return subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _watch(usb: Path, proc: subprocess.Popen[bytes], wanted: int) -> set[str]:
    """Every backup name seen in the folder until ``wanted`` distinct ones have appeared."""
    seen: set[str] = set()
    deadline = time.monotonic() + 90
    while len(seen) < wanted:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "serve died")
        if time.monotonic() > deadline:
            raise AssertionError(f"only {sorted(seen)} appeared in {usb}")
        if usb.is_dir():
            seen |= {p.name for p in usb.iterdir() if not p.name.endswith(".partial")}
        time.sleep(0.1)  # polling a real process's output folder, not timing anything
    return seen


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=60)


def _scheduler_has_stopped(data: Path) -> bool:
    """The scheduler child holds backup.lock while it runs: free means it has ended."""
    deadline = time.monotonic() + 30
    with (data / "backup.lock").open("a") as lock:
        while time.monotonic() < deadline:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                time.sleep(0.1)  # waiting for a real process to exit
                continue
            fcntl.flock(lock, fcntl.LOCK_UN)
            return True
    return False


def _held(path: Path) -> bool:
    """True when another process holds the lock file (waiting for it to start, bounded)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists():
            with path.open("a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(lock, fcntl.LOCK_UN)
        time.sleep(0.1)  # waiting for a real process to start, not timing anything
    return False


def _journal(instance: Instance) -> list[dict[str, object]]:
    out = instance.root / "journal.jsonl"
    out.unlink(missing_ok=True)
    done = instance.run("journal", "export", "--data-dir", str(instance.data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_serve_writes_sealed_backups_on_schedule_and_keeps_the_last_n(
    instance: Instance,
) -> None:
    instance.write(2)
    usb = instance.root / "usb"
    proc = _start_serve(instance, usb)
    try:
        seen = _watch(usb, proc, wanted=KEEP + 2)
        # The crisis scheduler (SMS replies, clock reminders) runs under serve too (the kits'
        # is switched off here).
        assert _held(instance.data / "crisis-sms.lock"), "no crisis scheduler under serve"
    finally:
        _stop(proc)
    assert _scheduler_has_stopped(instance.data), "the backup scheduler outlived serve"

    kept = sorted(p.name for p in usb.iterdir())
    assert len(kept) == KEEP, kept
    seen |= set(kept)  # one more may have been written between the last look and the stop
    assert kept == sorted(seen)[-KEEP:], "the newest backups are the ones kept"
    for name in kept:
        blob = (usb / name).read_bytes()
        assert FAMILY.encode() not in blob
        assert b"SQLite format 3" not in blob
        verified = instance.run("backup", "verify", str(usb / name))
        assert verified.returncode == 0, verified.stderr
        assert "backup OK" in verified.stdout

    entries = _journal(instance)
    created = [e for e in entries if e["action"] == "backup.created"]
    pruned = [e for e in entries if e["action"] == "backup.pruned"]
    assert len(created) >= len(seen)
    assert {str(e["details"]["file"]) for e in created} >= seen  # type: ignore[index]
    assert pruned, "pruning is journaled"
    # As the operator's hourly schedule sees it: the last backup is recent, none failed.
    check = instance.run(
        "check", "--data-dir", str(instance.data), "--json", AUTARCIE_BACKUP_DIR=str(usb)
    )
    backups = [i for i in json.loads(check.stdout)["items"] if i["name"] == "backup"]
    assert backups and all(i["status"] == "ok" for i in backups), backups
