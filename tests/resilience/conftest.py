"""Real instances for the self-resilience tests: the CLI in its own processes."""

from __future__ import annotations

import os
import subprocess
import sys
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
