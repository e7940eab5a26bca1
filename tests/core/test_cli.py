"""The command line, run as a user runs it: real processes, real encrypted files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlcipher3

PASSWORD = "correct-horse-battery-42"


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTARCIE_", "DJANGO_", "POSTGRES_")) and k != "DB"
    }
    env.update(extra)
    return env


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autarcie.cli", *args],
        capture_output=True,
        text=True,
        env=env or _env(),
        timeout=60,
        check=False,
    )


@pytest.fixture
def instance(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    data, key = tmp_path / "data", tmp_path / "keys" / "db.key"
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    env = _env(AUTARCIE_DB_KEY_FILE=str(key))
    done = run("init", "--data-dir", str(data), "--admin-password-file", str(pw), env=env)
    assert done.returncode == 0, done.stderr
    return data, env


def _one_line_error(done: subprocess.CompletedProcess[str], text: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert text in done.stderr


def test_init_creates_private_encrypted_instance(instance: tuple[Path, dict[str, str]]) -> None:
    data, env = instance
    db = data / "autarcie.db"
    assert db.read_bytes()[:15] != b"SQLite format 3"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    key = Path(env["AUTARCIE_DB_KEY_FILE"])
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    verify = run("journal", "verify", "--data-dir", str(data), env=env)
    assert verify.returncode == 0
    assert "journal OK" in verify.stdout


def test_production_refuses_a_key_inside_the_data_dir(tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD, encoding="utf-8")
    env = _env(AUTARCIE_DB_KEY_FILE=str(tmp_path / "data" / "db.key"))
    done = run(
        "init", "--data-dir", str(tmp_path / "data"), "--admin-password-file", str(pw), env=env
    )
    _one_line_error(done, "must not be inside the data directory")


def test_production_without_a_key_file_says_so(tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD, encoding="utf-8")
    done = run("init", "--data-dir", str(tmp_path / "d"), "--admin-password-file", str(pw))
    _one_line_error(done, "AUTARCIE_DB_KEY_FILE")


def test_wrong_key_is_one_clear_line(instance: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    data, env = instance
    wrong = tmp_path / "wrong.key"
    wrong.write_text("ab" * 32, encoding="ascii")
    done = run(
        "journal",
        "verify",
        "--data-dir",
        str(data),
        env={**env, "AUTARCIE_DB_KEY_FILE": str(wrong)},
    )
    _one_line_error(done, "the database key does not open")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "surgeon"], "unknown role 'surgeon'"),
        (["--role", "nurse", "--unit", "NOWHERE"], "unknown unit(s): NOWHERE"),
    ],
)
def test_createuser_refuses_bad_input(
    instance: tuple[Path, dict[str, str]], tmp_path: Path, args: list[str], message: str
) -> None:
    data, env = instance
    pw = tmp_path / "pw2"
    pw.write_text("another-long-password", encoding="utf-8")
    done = run(
        "createuser", "bob", *args, "--password-file", str(pw), "--data-dir", str(data), env=env
    )
    _one_line_error(done, message)


def test_createuser_refuses_a_weak_password(
    instance: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    data, env = instance
    pw = tmp_path / "weak"
    pw.write_text("short", encoding="utf-8")
    done = run(
        "createuser",
        "bob",
        "--role",
        "nurse",
        "--password-file",
        str(pw),
        "--data-dir",
        str(data),
        env=env,
    )
    _one_line_error(done, "weak password")


def test_malformed_environment_variable_is_named(instance: tuple[Path, dict[str, str]]) -> None:
    data, env = instance
    done = run(
        "journal", "verify", "--data-dir", str(data), env={**env, "AUTARCIE_IDLE_TIMEOUT": "quinze"}
    )
    _one_line_error(done, "AUTARCIE_IDLE_TIMEOUT='quinze' is not a whole number")


def test_missing_data_dir_is_explained(tmp_path: Path) -> None:
    done = run("journal", "verify", "--data-dir", str(tmp_path / "absent"))
    _one_line_error(done, "no Autarcie instance in")


def test_verify_fails_after_one_row_is_edited(instance: tuple[Path, dict[str, str]]) -> None:
    data, env = instance
    key = Path(env["AUTARCIE_DB_KEY_FILE"]).read_text(encoding="ascii").strip()
    conn = sqlcipher3.connect(str(data / "autarcie.db"))
    conn.execute(f"PRAGMA key = \"x'{key}'\"")
    conn.execute("UPDATE core_journalentry SET actor = 'system:forger' WHERE seq = 2")
    conn.commit()
    conn.close()
    done = run("journal", "verify", "--data-dir", str(data), env=env)
    assert done.returncode == 1
    assert "journal BROKEN at entry 2" in done.stderr


def test_journal_export_writes_json_lines(
    instance: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    data, env = instance
    out = tmp_path / "journal.jsonl"
    done = run("journal", "export", "--out", str(out), "--data-dir", str(data), env=env)
    assert done.returncode == 0, done.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) >= 3


def test_help_lists_every_command() -> None:
    done = run("--help")
    for command in ("init", "serve", "createuser", "journal", "demo"):
        assert command in done.stdout
