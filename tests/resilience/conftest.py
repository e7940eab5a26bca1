"""Real instances for the self-resilience tests: the CLI in its own processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery-42"


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTARCIE_", "DJANGO_", "POSTGRES_")) and k != "DB"
    }
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


@dataclass
class Instance:
    root: Path
    data: Path
    env: dict[str, str]

    @property
    def db_key(self) -> Path:
        return Path(self.env["AUTARCIE_DB_KEY_FILE"])

    @property
    def backup_key(self) -> Path:
        return Path(self.env["AUTARCIE_BACKUP_KEY_FILE"])

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **extra}
        return subprocess.run(
            [sys.executable, "-m", "autarcie.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=100,
            check=False,
        )

    def write(self, count: int, first: int = 1) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "tests.resilience.writer", str(count), str(first)],
            capture_output=True,
            text=True,
            env={**self.env, "AUTARCIE_DATA_DIR": str(self.data)},
            cwd=REPO,
            timeout=100,
            check=False,
        )
        assert done.returncode == 0, done.stderr


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    """A production-mode instance, keys outside the data folder, a few patients fed."""
    keys = tmp_path / "keys"
    env = clean_env(
        AUTARCIE_DB_KEY_FILE=str(keys / "db.key"),
        AUTARCIE_BACKUP_KEY_FILE=str(keys / "backup.key"),
        AUTARCIE_LOG_LEVEL="WARNING",
    )
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    made = Instance(tmp_path, tmp_path / "data", env)
    done = made.run("init", "--data-dir", str(made.data), "--admin-password-file", str(pw))
    assert done.returncode == 0, done.stderr
    return made


def one_line_error(done: subprocess.CompletedProcess[str], text: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert text in done.stderr


class Feeding:
    """A feed writer running in its own process (``tests.resilience.writer``), whose
    acknowledged control ids are collected as they come."""

    def __init__(self, inst: Instance) -> None:
        self.acked: list[str] = []
        self._enough = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.resilience.writer", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**inst.env, "AUTARCIE_DATA_DIR": str(inst.data)},
            cwd=REPO,
        )
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.acked.append(line.split()[1])
            if len(self.acked) >= 20:
                self._enough.set()
        self._enough.set()

    def wait_for_some(self) -> list[str]:
        """The control ids acknowledged so far, once there are 20 (so committed)."""
        assert self._enough.wait(timeout=60), "the writer acknowledged nothing"
        return list(self.acked)

    def stop(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self._reader.join(timeout=10)
        return self.process.returncode
